/** The errors a plugin may raise: each carries a stable {@link io.portcullis.api.error.ErrorCode} and an honest status. */
package io.portcullis.api.error;

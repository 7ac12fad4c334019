/** Who is calling ({@link io.portcullis.api.context.Principal}) and typed per-request state ({@link io.portcullis.api.context.AttributeKey}). */
package io.portcullis.api.context;

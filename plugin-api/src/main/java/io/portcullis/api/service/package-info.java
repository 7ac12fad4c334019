/**
 * Platform services: what the runtime offers plugins. A plugin receives them through an {@code @Inject} constructor
 * on its extension; it never creates its own HTTP client, thread pool or metrics registry.
 */
package io.portcullis.api.service;

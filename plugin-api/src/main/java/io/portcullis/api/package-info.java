/**
 * The Portcullis plugin API: everything a plugin author compiles against, and nothing else.
 *
 * <ul>
 *   <li>{@link io.portcullis.api.model} – the canonical request and reply records every policy and provider sees;</li>
 *   <li>{@link io.portcullis.api.policy} – {@code PolicyFactory}, {@code Policy}, {@code Chain}, {@code Exchange},
 *       {@code Reply}: the request pipeline, shaped like OkHttp's interceptor chain;</li>
 *   <li>{@link io.portcullis.api.provider} – {@code ProviderFactory}, {@code Provider}, {@code ChunkStream}: adapters to
 *       model providers;</li>
 *   <li>{@link io.portcullis.api.service} – platform services a plugin receives by {@code @Inject};</li>
 *   <li>{@link io.portcullis.api.error} – the errors a plugin may raise, each with an honest HTTP status.</li>
 * </ul>
 *
 * <p>A plugin JAR must not bundle this module: declare it {@code provided}. The runtime always loads
 * {@code io.portcullis.api} from its own class loader so that the types a plugin sees are the types the runtime uses.
 */
package io.portcullis.api;

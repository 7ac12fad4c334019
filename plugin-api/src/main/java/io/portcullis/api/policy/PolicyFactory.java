package io.portcullis.api.policy;

import org.pf4j.ExtensionPoint;

/**
 * The extension point of a policy plugin: builds a {@link Policy} from its configuration block.
 *
 * <p>Annotate the implementation with PF4J's {@code @Extension}. The runtime creates it once per plugin load, through
 * its dependency injector: an {@code @Inject} constructor receives platform services
 * ({@link io.portcullis.api.service.Tokenizer}, {@link io.portcullis.api.service.Metrics}, ...).
 *
 * <pre>{@code
 * @Extension
 * public final class HeaderStampPolicyFactory implements PolicyFactory<HeaderStampConfig> {
 *     public String name() { return "header-stamp"; }
 *     public Class<HeaderStampConfig> configType() { return HeaderStampConfig.class; }
 *     public Policy create(HeaderStampConfig config) { return new HeaderStampPolicy(config); }
 * }
 * }</pre>
 *
 * @param <C> the configuration type: a record whose components are the keys of the policy's block in
 *            {@code gateway.yaml}; validate in its compact constructor and throw {@link IllegalArgumentException}
 *            with a message that says what was expected
 */
public interface PolicyFactory<C> extends ExtensionPoint {

    /** @return the policy's name, kebab-case, unique in a gateway ({@code rate-limit}); routes list policies by it */
    String name();

    /** @return the record the policy's configuration block is bound to */
    Class<C> configType();

    /**
     * Builds a policy. Called once per route that uses it, at start and when the configuration is reloaded; never
     * per request.
     *
     * @param config the bound, validated configuration
     * @return a policy, safe to call from many threads at once
     */
    Policy create(C config);
}

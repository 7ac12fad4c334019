package io.portcullis.e2e;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.policy.Reply;

import java.util.Set;

/**
 * A test policy plugin ({@code misbehave}) that breaks the contract on purpose, in the way its {@code how} says:
 * <ul>
 *   <li>{@code throw}: throws an unexpected exception before proceeding (a bug in a plugin);</li>
 *   <li>{@code throw-after-proceed}: proceeds, then throws (a bug in a policy's post-processing);</li>
 *   <li>{@code proceed-twice}: calls {@code proceed()} a second time;</li>
 *   <li>{@code return-null}: proceeds, then returns {@code null} instead of the reply;</li>
 *   <li>{@code deny}: refuses the request deliberately, with {@code GatewayException(PERMISSION_DENIED, message)};</li>
 *   <li>{@code deny-after-proceed}: proceeds, then refuses the reply the same way (as an output check would).</li>
 * </ul>
 */
public final class MisbehavingPolicyFactory implements PolicyFactory<MisbehavingPolicyFactory.Config> {

    private static final Set<String> HOW = Set.of("throw", "throw-after-proceed", "proceed-twice", "return-null",
            "deny", "deny-after-proceed");

    /**
     * @param how     one of {@code throw}, {@code throw-after-proceed}, {@code proceed-twice}, {@code return-null},
     *                {@code deny}, {@code deny-after-proceed}
     * @param message the message of the exception it throws
     */
    public record Config(String how, String message) {
        public Config {
            if (!HOW.contains(how)) {
                throw new IllegalArgumentException("how: expected one of " + HOW + ", got " + how);
            }
            message = message == null ? "a misbehaving policy failed on purpose" : message;
        }
    }

    @Override
    public String name() {
        return "misbehave";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Policy create(Config config) {
        return new Misbehaving(config);
    }

    record Misbehaving(Config config) implements Policy {
        @Override
        public Reply apply(Exchange exchange, Chain chain) {
            switch (config.how()) {
                case "throw" -> throw new IllegalStateException(config.message());
                case "deny" -> throw new GatewayException(ErrorCode.PERMISSION_DENIED, config.message());
                case "deny-after-proceed" -> {
                    chain.proceed(exchange);
                    throw new GatewayException(ErrorCode.PERMISSION_DENIED, config.message());
                }
                case "throw-after-proceed" -> {
                    chain.proceed(exchange);
                    throw new IllegalStateException(config.message());
                }
                case "return-null" -> {
                    chain.proceed(exchange);
                    return null;
                }
                default -> {
                    chain.proceed(exchange);
                    return chain.proceed(exchange);
                }
            }
        }
    }
}

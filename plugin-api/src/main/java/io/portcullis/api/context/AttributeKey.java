package io.portcullis.api.context;

import java.util.Objects;

/**
 * The typed name of a value that one policy hands to the policies after it on the same request
 * ({@link io.portcullis.api.policy.Exchange#with(AttributeKey, Object)}).
 *
 * <p>Declare keys as constants in the plugin that writes them; keys are equal by identity, so two plugins
 * cannot collide by choosing the same name.
 *
 * <pre>{@code
 * public static final AttributeKey<String> CACHE_STATUS = AttributeKey.of("cache.status", String.class);
 * }</pre>
 *
 * @param <T> the value's type
 */
public final class AttributeKey<T> {

    private final String name;
    private final Class<T> type;

    private AttributeKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** A new key; {@code name} is for logs and debugging only. */
    public static <T> AttributeKey<T> of(String name, Class<T> type) {
        return new AttributeKey<>(name, type);
    }

    /** @return the key's name */
    public String name() {
        return name;
    }

    /** @return the value's type */
    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return name + "<" + type.getSimpleName() + ">";
    }
}

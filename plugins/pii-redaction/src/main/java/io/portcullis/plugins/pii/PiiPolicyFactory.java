package io.portcullis.plugins.pii;

import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.service.Metrics;
import jakarta.inject.Inject;
import org.pf4j.Extension;

import java.util.Objects;

/**
 * The {@code pii-redaction} policy: finds personal data and credentials in chat requests, masks, redacts, hashes or
 * blocks them per entity type, and restores masked values in the reply. See {@link PiiConfig} for its keys.
 */
@Extension
public final class PiiPolicyFactory implements PolicyFactory<PiiConfig> {

    /** The policy's name in {@code routes[].policies} and {@code policies:}. */
    public static final String NAME = "pii-redaction";

    private final Metrics metrics;

    /** @param metrics where detections are counted, per type and action */
    @Inject
    public PiiPolicyFactory(Metrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<PiiConfig> configType() {
        return PiiConfig.class;
    }

    @Override
    public Policy create(PiiConfig config) {
        return new PiiPolicy(config == null ? PiiConfig.defaults() : config, metrics);
    }
}

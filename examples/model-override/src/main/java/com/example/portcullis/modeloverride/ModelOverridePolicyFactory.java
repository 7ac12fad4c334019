package com.example.portcullis.modeloverride;

import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.service.Metrics;
import jakarta.inject.Inject;
import org.pf4j.Extension;

/** The plugin's one extension: builds a {@link ModelOverridePolicy} for each route that lists {@code model-override}. */
@Extension
public final class ModelOverridePolicyFactory implements PolicyFactory<ModelOverrideConfig> {

    private final Metrics metrics;

    /** @param metrics the gateway's metrics, injected: overrides are counted per model */
    @Inject
    public ModelOverridePolicyFactory(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "model-override";
    }

    @Override
    public Class<ModelOverrideConfig> configType() {
        return ModelOverrideConfig.class;
    }

    @Override
    public Policy create(ModelOverrideConfig config) {
        return new ModelOverridePolicy(config, metrics);
    }
}

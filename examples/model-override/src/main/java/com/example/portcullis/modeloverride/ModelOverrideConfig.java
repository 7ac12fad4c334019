package com.example.portcullis.modeloverride;

import java.util.List;

/**
 * The {@code model-override} policy's block in {@code gateway.yaml}.
 *
 * @param header  the request header a client names the model it wants in; {@code x-portcullis-model} when not given
 * @param allowed the public model names the header may choose; required, so that the header never opens a model the
 *                operator did not mean to offer ({@code "*"} allows any)
 */
public record ModelOverrideConfig(String header, List<String> allowed) {

    public ModelOverrideConfig {
        header = header == null ? "x-portcullis-model" : header.trim();
        if (header.isEmpty()) {
            throw new IllegalArgumentException("header: must not be blank");
        }
        if (allowed == null || allowed.isEmpty()) {
            throw new IllegalArgumentException("allowed: list the models the header may choose, or \"*\" for any");
        }
        allowed = List.copyOf(allowed);
    }

    /** @return whether the header may choose {@code model} */
    public boolean allows(String model) {
        return allowed.contains("*") || allowed.contains(model);
    }
}

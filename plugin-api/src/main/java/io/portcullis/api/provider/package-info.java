/**
 * Adapters to model providers. A provider plugin contributes a {@link io.portcullis.api.provider.ProviderFactory};
 * each {@code providers:} entry of the configuration with its {@code type} becomes one
 * {@link io.portcullis.api.provider.Provider}. Providers translate the canonical model to the upstream's wire format
 * and back, and nothing else: retries, fallbacks and policies are the runtime's and the policies' business.
 */
package io.portcullis.api.provider;

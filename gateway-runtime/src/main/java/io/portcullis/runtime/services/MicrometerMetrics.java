package io.portcullis.runtime.services;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portcullis.api.service.Metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link Metrics} on a Micrometer registry that {@code GET /metrics} scrapes in Prometheus' text format. */
public final class MicrometerMetrics implements Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger inFlight = registry.gauge("portcullis.requests.inflight", new AtomicInteger());

    @Override
    public void increment(String name, String... tags) {
        Counter.builder(name).tags(tags).register(registry).increment();
    }

    @Override
    public void increment(String name, double amount, String... tags) {
        Counter.builder(name).tags(tags).register(registry).increment(amount);
    }

    @Override
    public void record(String name, Duration duration, String... tags) {
        Timer.builder(name).tags(tags).register(registry).record(duration);
    }

    @Override
    public void observe(String name, double value, String... tags) {
        DistributionSummary.builder(name).tags(tags).register(registry).record(value);
    }

    /** @return the number of data-plane requests being served; the data plane keeps it */
    public AtomicInteger inFlight() {
        return inFlight;
    }

    /** @return everything, in Prometheus' text format */
    public String scrape() {
        return registry.scrape();
    }
}

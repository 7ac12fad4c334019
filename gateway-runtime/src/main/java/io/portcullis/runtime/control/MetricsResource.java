package io.portcullis.runtime.control;

import io.portcullis.runtime.services.MicrometerMetrics;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/** {@code GET /metrics} in Prometheus' text exposition format. */
@Path("/metrics")
public final class MetricsResource {

    private final MicrometerMetrics metrics;

    @Inject
    public MetricsResource(MicrometerMetrics metrics) {
        this.metrics = metrics;
    }

    @GET
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    public String scrape() {
        return metrics.scrape();
    }
}

package io.portcullis.plugins.auth;

import io.portcullis.api.service.Metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the tags of every counter increment, so that tests can see why a request was refused. */
final class CountingMetrics implements Metrics {

    final List<String> increments = new CopyOnWriteArrayList<>();

    @Override
    public void increment(String name, String... tags) {
        increments.add(name + String.join(",", tags));
    }

    @Override
    public void increment(String name, double amount, String... tags) {
        increment(name, tags);
    }

    @Override
    public void record(String name, Duration duration, String... tags) {
    }

    @Override
    public void observe(String name, double value, String... tags) {
    }
}

package io.portcullis.runtime.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole of {@code gateway.yaml}, bound and validated. Each nested record is one section; its components are the
 * section's keys and its compact constructor supplies defaults and checks values. {@code docs/configuration.md}
 * documents every key: keep the two in step.
 *
 * <p>Plugin configuration ({@code providers[*]} settings, {@code policies.*}) stays as JSON trees here: only the
 * plugin knows its configuration type, and it is bound when the plugin's factory is found.
 */
public record GatewayConfig(
        ServerConfig server,
        AdminConfig admin,
        ClusterConfig cluster,
        PluginsConfig plugins,
        UpstreamConfig upstream,
        List<ProviderEntry> providers,
        List<ModelEntry> models,
        List<RouteEntry> routes,
        Map<String, ObjectNode> policies,
        RoutingConfig routing,
        Map<String, Price> prices) {

    /** The data-plane endpoints that exist whether or not a route configures policies for them. */
    public static final List<String> DATA_PLANE_PATHS = List.of("/v1/chat/completions", "/v1/embeddings",
            "/v1/messages");

    public GatewayConfig {
        server = server == null ? new ServerConfig(null, null, null, null, null) : server;
        admin = admin == null ? new AdminConfig(null, null, null) : admin;
        cluster = cluster == null ? new ClusterConfig(null, null, null, null, null) : cluster;
        plugins = plugins == null ? new PluginsConfig(null) : plugins;
        upstream = upstream == null ? new UpstreamConfig(null, null) : upstream;
        providers = providers == null ? List.of() : List.copyOf(providers);
        models = models == null ? List.of() : List.copyOf(models);
        routes = routes == null || routes.isEmpty()
                ? DATA_PLANE_PATHS.stream().map(path -> new RouteEntry(path, List.of())).toList()
                : List.copyOf(routes);
        policies = policies == null ? Map.of() : new LinkedHashMap<>(policies);
        routing = routing == null ? new RoutingConfig(null, null, null, null, null, null) : routing;
        prices = prices == null ? Map.of() : new LinkedHashMap<>(prices);
    }

    /** A configuration without the routing and price sections (their defaults). */
    public GatewayConfig(ServerConfig server, AdminConfig admin, ClusterConfig cluster, PluginsConfig plugins,
                         UpstreamConfig upstream, List<ProviderEntry> providers, List<ModelEntry> models,
                         List<RouteEntry> routes, Map<String, ObjectNode> policies) {
        this(server, admin, cluster, plugins, upstream, providers, models, routes, policies, null, null);
    }

    /**
     * {@code server:} the client-facing listener (data plane, health, models, metrics).
     *
     * @param bind             the address to listen on; loopback unless you mean to expose the gateway
     * @param port             the port; 0 picks a free one
     * @param maxBodyBytes     the largest request body accepted; larger ones get 413
     * @param requestTimeoutMs the longest a request may take, all retries included; a client may ask for less with
     *                         {@code x-portcullis-timeout-ms}
     * @param accessLog        whether to write one JSON access-log line per request
     */
    public record ServerConfig(String bind, Integer port, Long maxBodyBytes, Long requestTimeoutMs, Boolean accessLog) {
        public ServerConfig {
            bind = bind == null || bind.isBlank() ? "127.0.0.1" : bind;
            port = port == null ? 8080 : port;
            maxBodyBytes = maxBodyBytes == null ? 4L * 1024 * 1024 : maxBodyBytes;
            requestTimeoutMs = requestTimeoutMs == null ? 600_000L : requestTimeoutMs;
            accessLog = accessLog == null || accessLog;
            Checks.port(port);
            Checks.positive("maxBodyBytes", maxBodyBytes);
            Checks.positive("requestTimeoutMs", requestTimeoutMs);
        }
    }

    /**
     * {@code admin:} the admin API's own listener (served from the cluster issue on).
     *
     * @param bind  the address; loopback by default
     * @param port  the port
     * @param token the bearer token the admin API demands; empty refuses every call
     */
    public record AdminConfig(String bind, Integer port, String token) {
        public AdminConfig {
            bind = bind == null || bind.isBlank() ? "127.0.0.1" : bind;
            port = port == null ? 8081 : port;
            token = token == null ? "" : token;
            Checks.port(port);
        }

        @Override
        public String toString() {
            return "AdminConfig[bind=" + bind + ", port=" + port + ", token=" + (token.isEmpty() ? "" : "***") + "]";
        }
    }

    /**
     * {@code cluster:} the node's embedded cluster member (a cluster of one while {@code members} is empty).
     *
     * @param name                    the cluster's name; nodes join only a cluster of the same name
     * @param bind                    the address the member listens on and announces; loopback by default
     * @param port                    the member's port; 0 picks a free one (tests). A single node moves on to the next
     *                                free port when it is taken; a node with {@code members} binds exactly this one,
     *                                since its peers name it
     * @param members                 the nodes to join, {@code host:port} (a list, or one comma-separated string as
     *                                {@code ${PORTCULLIS_CLUSTER_MEMBERS:-}} gives); listing this node itself is fine
     * @param failureDetectionSeconds how long a silent member (host died, cable pulled) is kept before it is removed
     *                                and its data served from backups; a member that exits is removed at once
     */
    public record ClusterConfig(String name, String bind, Integer port,
                                @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> members,
                                Integer failureDetectionSeconds) {
        public ClusterConfig {
            name = name == null || name.isBlank() ? "portcullis" : name;
            bind = bind == null || bind.isBlank() ? "127.0.0.1" : bind;
            port = port == null ? 5701 : port;
            members = members == null ? List.of() : members.stream()
                    .filter(java.util.Objects::nonNull)
                    .flatMap(m -> java.util.Arrays.stream(m.split(",")))
                    .map(String::trim).filter(m -> !m.isEmpty()).toList();
            failureDetectionSeconds = failureDetectionSeconds == null ? 5 : failureDetectionSeconds;
            Checks.port(port);
            for (int i = 0; i < members.size(); i++) {
                Checks.hostAndPort("members[" + i + "]", members.get(i));
            }
            Checks.positive("failureDetectionSeconds", failureDetectionSeconds);
        }
    }

    /**
     * {@code plugins:} where plugin JARs are.
     *
     * @param dir the folder, relative to the Portcullis home unless absolute
     */
    public record PluginsConfig(String dir) {
        public PluginsConfig {
            dir = dir == null || dir.isBlank() ? "plugins" : dir;
        }
    }

    /**
     * {@code upstream:} the shared HTTP client providers call upstreams with.
     *
     * @param connectTimeoutMs         the longest a connection may take to open
     * @param maxConnectionsPerUpstream the connection pool's size per upstream host
     */
    public record UpstreamConfig(Long connectTimeoutMs, Integer maxConnectionsPerUpstream) {
        public UpstreamConfig {
            connectTimeoutMs = connectTimeoutMs == null ? 5_000L : connectTimeoutMs;
            maxConnectionsPerUpstream = maxConnectionsPerUpstream == null ? 256 : maxConnectionsPerUpstream;
            Checks.positive("connectTimeoutMs", connectTimeoutMs);
            Checks.positive("maxConnectionsPerUpstream", maxConnectionsPerUpstream);
        }
    }

    /**
     * One {@code providers:} entry: {@code id}, {@code type}, {@code enabled}, and the provider plugin's own keys.
     *
     * @param id       the name models refer to it by
     * @param type     the provider type a plugin serves ({@code openai}, {@code mock})
     * @param enabled  {@code false} (or empty, as {@code ${OPENAI_API_KEY:+true}} gives when the variable is unset)
     *                 switches the provider off with a log line
     * @param settings the remaining keys, bound to the plugin's configuration record
     */
    public record ProviderEntry(String id, String type, boolean enabled, ObjectNode settings) {
    }

    /**
     * One {@code models:} entry: a public model name and where it is served.
     *
     * @param name      the name clients ask for
     * @param targets   the providers that serve it, each with the upstream's model name
     * @param fallbacks other public model names to try, in order, when every target fails with a retryable error
     * @param strategy  how the targets are ordered for each request: {@code weighted} (default, a random pick by
     *                  weight), {@code round-robin}, {@code least-latency} (moving average of recent answers) or
     *                  {@code lowest-cost} (from {@code prices})
     */
    public record ModelEntry(String name, List<Target> targets, List<String> fallbacks, String strategy) {
        /** The names {@code strategy} accepts, the default first. */
        public static final List<String> STRATEGIES =
                List.of("weighted", "round-robin", "least-latency", "lowest-cost");

        public ModelEntry {
            Checks.notBlank("name", name);
            if (targets == null || targets.isEmpty()) {
                throw new IllegalArgumentException("expected at least one target: - { provider: <id>, model: <name> }");
            }
            targets = List.copyOf(targets);
            fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
            strategy = strategy == null || strategy.isBlank() ? STRATEGIES.get(0) : strategy.trim();
            if (!STRATEGIES.contains(strategy)) {
                throw new IllegalArgumentException("strategy: expected one of " + String.join(", ", STRATEGIES)
                        + ", got '" + strategy + "'");
            }
        }

        /** An entry with the default strategy. */
        public ModelEntry(String name, List<Target> targets, List<String> fallbacks) {
            this(name, targets, fallbacks, null);
        }

        /**
         * A provider and the upstream's name for the model.
         *
         * @param provider a provider id
         * @param model    the upstream's model name; the public name when omitted
         * @param weight   the share of traffic for the weighted strategy (default 1)
         */
        public record Target(String provider, String model, Double weight) {
            public Target {
                Checks.notBlank("provider", provider);
                weight = weight == null ? 1.0 : weight;
                if (weight < 0) {
                    throw new IllegalArgumentException("weight: expected a number >= 0, got " + weight);
                }
            }
        }
    }

    /**
     * One {@code routes:} entry.
     *
     * @param path     the data-plane path ({@code /v1/chat/completions}, {@code /v1/embeddings}, {@code /v1/messages})
     * @param policies the policies applied, in order: names of {@code policies:} blocks or of policy plugins
     */
    public record RouteEntry(String path, @JsonProperty("policies") List<String> policies) {
        public RouteEntry {
            Checks.notBlank("path", path);
            if (!DATA_PLANE_PATHS.contains(path)) {
                throw new IllegalArgumentException("path: expected one of " + DATA_PLANE_PATHS + ", got '" + path + "'");
            }
            policies = policies == null ? List.of() : List.copyOf(policies);
        }
    }

    /**
     * {@code routing:} how the model router retries, backs off and stops calling a failing target. Applies to every
     * model.
     *
     * @param retries           further attempts on the same target after a 429, a 5xx or a broken connection
     *                          (a timeout moves on to the next target at once); 0 by default, since the clients'
     *                          SDKs retry already and the gateway's first job is to fail over
     * @param backoffMs         the wait before the first retry; it doubles with each retry, with jitter
     * @param maxBackoffMs      the longest wait between two attempts on one target
     * @param maxRetryAfterMs   the longest upstream {@code Retry-After} honoured by waiting; a longer one moves on
     *                          to the next target at once
     * @param breakerFailures   consecutive failures of a target that open its circuit; 0 switches breakers off
     * @param breakerCoolDownMs how long an open circuit sends nothing to its target before one probe request
     */
    public record RoutingConfig(Integer retries, Long backoffMs, Long maxBackoffMs, Long maxRetryAfterMs,
                                Integer breakerFailures, Long breakerCoolDownMs) {
        public RoutingConfig {
            retries = retries == null ? 0 : retries;
            backoffMs = backoffMs == null ? 100L : backoffMs;
            maxBackoffMs = maxBackoffMs == null ? 2_000L : maxBackoffMs;
            maxRetryAfterMs = maxRetryAfterMs == null ? 5_000L : maxRetryAfterMs;
            breakerFailures = breakerFailures == null ? 5 : breakerFailures;
            breakerCoolDownMs = breakerCoolDownMs == null ? 30_000L : breakerCoolDownMs;
            Checks.notNegative("retries", retries);
            Checks.notNegative("backoffMs", backoffMs);
            Checks.notNegative("maxBackoffMs", maxBackoffMs);
            Checks.notNegative("maxRetryAfterMs", maxRetryAfterMs);
            Checks.notNegative("breakerFailures", breakerFailures);
            Checks.positive("breakerCoolDownMs", breakerCoolDownMs);
        }
    }

    /**
     * One {@code prices:} entry: what a model costs, in US dollars per million tokens. The key is an upstream model
     * name ({@code gpt-4o-mini}), or {@code <provider>/<model>} for a price that holds for one provider only.
     *
     * @param input  per million prompt tokens
     * @param output per million completion tokens (0 when omitted, as for embedding models)
     */
    public record Price(Double input, Double output) {
        public Price {
            if (input == null) {
                throw new IllegalArgumentException("input: is required (US dollars per million prompt tokens)");
            }
            output = output == null ? 0.0 : output;
            Checks.notNegative("input", input);
            Checks.notNegative("output", output);
        }
    }

    /** Value checks shared by the sections. */
    static final class Checks {
        private Checks() {
        }

        static void port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: expected 0..65535, got " + port);
            }
        }

        static void positive(String key, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(key + ": expected a positive number, got " + value);
            }
        }

        static void hostAndPort(String key, String value) {
            int colon = value.lastIndexOf(':');
            boolean valid = colon > 0 && colon < value.length() - 1;
            if (valid) {
                try {
                    int port = Integer.parseInt(value.substring(colon + 1));
                    valid = port > 0 && port <= 65535;
                } catch (NumberFormatException e) {
                    valid = false;
                }
            }
            if (!valid) {
                throw new IllegalArgumentException(key + ": expected host:port, got '" + value + "'");
            }
        }

        static void notNegative(String key, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(key + ": expected a number >= 0, got " + value);
            }
        }

        static void notNegative(String key, double value) {
            if (value < 0 || Double.isNaN(value)) {
                throw new IllegalArgumentException(key + ": expected a number >= 0, got " + value);
            }
        }

        static void notBlank(String key, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(key + ": is required");
            }
        }
    }
}

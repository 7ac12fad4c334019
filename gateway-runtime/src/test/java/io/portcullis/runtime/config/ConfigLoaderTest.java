package io.portcullis.runtime.config;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConfigLoaderTest {

    private static final String MINIMAL = """
            providers: [ { id: mock, type: mock } ]
            models: [ { name: mock, targets: [ { provider: mock } ] } ]
            """;

    @Test
    void an_empty_file_gives_the_secure_defaults() {
        GatewayConfig config = new ConfigLoader(Map.of()).parse("", "gateway.yaml");

        assertThat(config.server().bind()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().maxBodyBytes()).isEqualTo(4 * 1024 * 1024);
        assertThat(config.admin().bind()).isEqualTo("127.0.0.1");
        assertThat(config.admin().token()).isEmpty();
        assertThat(config.routes()).extracting(GatewayConfig.RouteEntry::path)
                .containsExactlyElementsOf(GatewayConfig.DATA_PLANE_PATHS);
    }

    @Test
    void environment_variables_are_substituted_with_defaults_and_alternatives() {
        String yaml = """
                server: { port: "${PORT:-9090}", bind: "${BIND}" }
                providers:
                  - { id: a, type: openai, enabled: "${KEY:+true}", apiKey: "${KEY:-}", baseUrl: "http://x/$${literal}" }
                  - { id: b, type: openai, enabled: "${MISSING:+true}" }
                """;

        GatewayConfig config = new ConfigLoader(Map.of("BIND", "0.0.0.0", "KEY", "sk-1")).parse(yaml, "g.yaml");

        assertThat(config.server().port()).isEqualTo(9090);
        assertThat(config.server().bind()).isEqualTo("0.0.0.0");
        assertThat(config.providers().get(0).enabled()).isTrue();
        assertThat(config.providers().get(0).settings().get("apiKey").asText()).isEqualTo("sk-1");
        assertThat(config.providers().get(0).settings().get("baseUrl").asText()).isEqualTo("http://x/${literal}");
        assertThat(config.providers().get(1).enabled()).isFalse();
    }

    @Test
    void a_required_variable_that_is_not_set_is_reported_with_its_path() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse("admin:\n  token: ${ADMIN_TOKEN}\n", "conf/g.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("conf/g.yaml: admin.token: environment variable ADMIN_TOKEN is not set "
                        + "(write ${ADMIN_TOKEN:-default} to make it optional)");
    }

    @Test
    void every_problem_names_the_file_the_path_and_what_was_expected() {
        String yaml = """
                server: { port: abc, maxBodyBytes: -1 }
                sever: {}
                upstream: { conectTimeoutMs: 5 }
                providers: [ { id: mock } ]
                """;

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(yaml, "conf/gateway.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "sever: unknown section; expected one of: admin, cluster, models, plugins, policies, "
                                + "prices, providers, routes, routing, server, upstream",
                        "server.port: expected an integer, got 'abc'",
                        "upstream.conectTimeoutMs: unknown key; expected one of: connectTimeoutMs, "
                                + "maxConnectionsPerUpstream",
                        "providers[0].type: is required (the provider type, e.g. openai or mock)"))
                .hasMessageContaining("conf/gateway.yaml: server.port: expected an integer, got 'abc'");
    }

    @Test
    void routing_strategies_and_prices_are_read_with_their_defaults() {
        GatewayConfig config = new ConfigLoader(Map.of()).parse("""
                providers: [ { id: mock, type: mock } ]
                models:
                  - { name: cheap, strategy: lowest-cost, targets: [ { provider: mock, model: a } ] }
                  - { name: plain, targets: [ { provider: mock, model: b } ] }
                routing: { retries: 3, breakerFailures: 2 }
                prices:
                  a: { input: 0.15, output: 0.6 }
                  mock/b: { input: 2 }
                """, "g.yaml");

        assertThat(config.models()).extracting(GatewayConfig.ModelEntry::strategy)
                .containsExactly("lowest-cost", "weighted");
        assertThat(config.routing().retries()).isEqualTo(3);
        assertThat(config.routing().breakerFailures()).isEqualTo(2);
        assertThat(config.routing().breakerCoolDownMs()).isEqualTo(30_000L);
        assertThat(config.routing().maxRetryAfterMs()).isEqualTo(5_000L);
        assertThat(config.prices()).containsEntry("a", new GatewayConfig.Price(0.15, 0.6))
                .containsEntry("mock/b", new GatewayConfig.Price(2.0, 0.0));
    }

    @Test
    void bad_routing_strategies_and_prices_are_reported_with_their_paths() {
        String yaml = """
                providers: [ { id: mock, type: mock } ]
                models: [ { name: m, strategy: fastest, targets: [ { provider: mock } ] } ]
                routing: { retries: -1 }
                prices:
                  m: { output: 1 }
                  n: { input: -2 }
                  o: 3
                """;

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(yaml, "g.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "models[0].strategy: expected one of weighted, round-robin, least-latency, lowest-cost, "
                                + "got 'fastest'",
                        "routing.retries: expected a number >= 0, got -1",
                        "prices.m.input: is required (US dollars per million prompt tokens)",
                        "prices.n.input: expected a number >= 0, got -2.0",
                        "prices.o: expected { input, output } (USD per million tokens)"));
    }

    @Test
    void a_validator_message_extends_the_path_with_its_key() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse("server: { port: 70000 }", "g.yaml"))
                .hasMessage("g.yaml: server.port: expected 0..65535, got 70000");
    }

    @Test
    void models_must_point_at_configured_providers_and_fallbacks_at_configured_models() {
        String yaml = MINIMAL + """
                  - { name: other, targets: [ { provider: mock } ], fallbacks: [ ghost ] }
                """;
        String withModels = yaml.replace("models: [ { name: mock, targets: [ { provider: mock } ] } ]\n",
                "models:\n  - { name: mock, targets: [ { provider: mock } ] }\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(withModels, "g.yaml"))
                .hasMessage("g.yaml: models[1].fallbacks[0]: no model is named 'ghost'");
    }

    @Test
    void a_missing_file_says_so(@TempDir Path dir) {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("nope.yaml")))
                .hasMessageEndingWith("nope.yaml: no such file");
    }

    @Test
    void the_shipped_default_configuration_is_valid_without_any_environment() throws Exception {
        Path shipped = Path.of("../conf/gateway.yaml");
        GatewayConfig config = new ConfigLoader(Map.of()).parse(Files.readString(shipped), shipped.toString());

        assertThat(config.server().bind()).isEqualTo("127.0.0.1");
        assertThat(config.providers()).filteredOn(GatewayConfig.ProviderEntry::enabled)
                .extracting(GatewayConfig.ProviderEntry::id).containsExactly("mock");
        assertThat(config.models()).extracting(GatewayConfig.ModelEntry::name).contains("mock");
    }

    @Test
    void the_default_configuration_switches_openai_on_when_its_key_is_set() throws Exception {
        GatewayConfig config = new ConfigLoader(Map.of("OPENAI_API_KEY", "sk-test"))
                .parse(Files.readString(Path.of("../conf/gateway.yaml")), "gateway.yaml");

        assertThat(config.providers()).filteredOn(GatewayConfig.ProviderEntry::enabled)
                .extracting(GatewayConfig.ProviderEntry::id).containsExactly("mock", "openai");
    }

    @Test
    void the_default_configuration_switches_anthropic_on_when_its_key_is_set() throws Exception {
        GatewayConfig config = new ConfigLoader(Map.of("ANTHROPIC_API_KEY", "sk-ant-test"))
                .parse(Files.readString(Path.of("../conf/gateway.yaml")), "gateway.yaml");

        assertThat(config.providers()).filteredOn(GatewayConfig.ProviderEntry::enabled)
                .extracting(GatewayConfig.ProviderEntry::id).containsExactly("mock", "anthropic");
    }

    @Test
    void cluster_members_come_as_a_list_or_as_one_comma_separated_string() throws Exception {
        Path shipped = Path.of("../conf/gateway.yaml");
        GatewayConfig single = new ConfigLoader(Map.of()).parse(Files.readString(shipped), shipped.toString());
        assertThat(single.cluster().members()).isEmpty();
        assertThat(single.cluster().port()).isEqualTo(5701);
        assertThat(single.cluster().bind()).isEqualTo("127.0.0.1");

        GatewayConfig fromEnvironment = new ConfigLoader(Map.of("PORTCULLIS_CLUSTER_MEMBERS",
                "10.0.0.1:5701, 10.0.0.2:5701", "PORTCULLIS_CLUSTER_PORT", "0"))
                .parse(Files.readString(shipped), shipped.toString());
        assertThat(fromEnvironment.cluster().members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
        assertThat(fromEnvironment.cluster().port()).isZero();

        GatewayConfig asList = new ConfigLoader(Map.of())
                .parse("cluster: { members: [ \"a:5701\", \"b:5702,c:5703\" ], failureDetectionSeconds: 2 }", "g.yaml");
        assertThat(asList.cluster().members()).containsExactly("a:5701", "b:5702", "c:5703");
        assertThat(asList.cluster().failureDetectionSeconds()).isEqualTo(2);
    }

    @Test
    void a_cluster_member_without_a_port_is_reported_with_its_path() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse("cluster: { members: \"a:5701,b\" }", "g.yaml"))
                .hasMessage("g.yaml: cluster.members[1]: expected host:port, got 'b'");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse("cluster: { failureDetectionSeconds: 0 }", "g.yaml"))
                .hasMessage("g.yaml: cluster.failureDetectionSeconds: expected a positive number, got 0");
    }
}

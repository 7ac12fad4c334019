package io.portcullis.runtime.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.service.Metrics;
import io.portcullis.runtime.config.ConfigException;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes of the data plane, each with its pipeline, built from {@code routes:} and {@code policies:}.
 *
 * <p>A route lists policy names. A name refers to a {@code policies:} block when there is one, and that block may
 * say which plugin's policy it configures ({@code use: rate-limit}, for two differently configured limits) and
 * whether it is {@code failOpen} or {@code optional}; otherwise the name is the policy plugin's own. A route whose
 * policy no started plugin provides is kept, answering 503 with the reason, so that the rest of the gateway serves on
 * (an {@code optional} policy is left out of the route instead).
 */
public final class RouteTable {

    private static final Logger log = LoggerFactory.getLogger(RouteTable.class);
    private static final String USE = "use";
    private static final String FAIL_OPEN = "failOpen";
    private static final String OPTIONAL = "optional";

    private final Map<String, Pipeline> pipelines;
    private final InFlight inFlight;

    private RouteTable(Map<String, Pipeline> pipelines, InFlight inFlight) {
        this.pipelines = pipelines;
        this.inFlight = inFlight;
    }

    /**
     * Builds every route.
     *
     * @throws ConfigException when a policy's settings do not fit its plugin's configuration
     */
    public static RouteTable build(GatewayConfig config, Map<String, PolicyFactory<?>> factories, Terminal terminal,
                                   Metrics metrics, ConfigLoader binder, String source) {
        return build(config, factories, terminal, metrics, binder, source, List.of());
    }

    /**
     * Builds every route.
     *
     * @param notStarted the plugins that are in the folder but not started, with why ({@code file: problem}): a
     *                   route whose policy is missing names them, since one of them is likely the policy's plugin
     * @throws ConfigException when a policy's settings do not fit its plugin's configuration
     */
    public static RouteTable build(GatewayConfig config, Map<String, PolicyFactory<?>> factories, Terminal terminal,
                                   Metrics metrics, ConfigLoader binder, String source, List<String> notStarted) {
        Map<String, Pipeline> pipelines = new LinkedHashMap<>();
        InFlight inFlight = new InFlight();
        List<String> problems = new ArrayList<>();
        for (int r = 0; r < config.routes().size(); r++) {
            GatewayConfig.RouteEntry route = config.routes().get(r);
            List<PolicyLink> links = new ArrayList<>();
            String unavailable = null;
            for (int p = 0; p < route.policies().size(); p++) {
                String name = route.policies().get(p);
                ObjectNode block = config.policies().get(name);
                ObjectNode settings = block == null ? JsonNodeFactory.instance.objectNode() : block.deepCopy();
                JsonNode use = settings.remove(USE);
                JsonNode failOpen = settings.remove(FAIL_OPEN);
                JsonNode optional = settings.remove(OPTIONAL);
                if (optional != null && !optional.isBoolean()) {
                    problems.add("policies." + name + ".optional: expected true or false");
                    continue;
                }
                String factoryName = use == null ? name : use.asText();
                PolicyFactory<?> factory = factories.get(factoryName);
                if (factory == null && optional != null && optional.booleanValue()) {
                    log.warn("Route {} runs without its optional policy '{}': no loaded plugin provides it",
                            route.path(), name);
                    continue;
                }
                if (factory == null) {
                    unavailable = "route " + route.path() + " is unavailable: its policy '" + name
                            + "' is not provided by any loaded plugin"
                            + (notStarted.isEmpty() ? "" : " (not started: " + String.join("; ", notStarted) + ")");
                    log.error("{} (loaded policies: {})", unavailable, factories.keySet());
                    continue;
                }
                if (failOpen != null && !failOpen.isBoolean()) {
                    problems.add("policies." + name + ".failOpen: expected true or false");
                    continue;
                }
                Policy policy = create(factory, settings, "policies." + name, binder, problems);
                if (policy != null) {
                    links.add(new PolicyLink(name, policy, failOpen != null && failOpen.booleanValue()));
                }
            }
            pipelines.put(route.path(), new Pipeline(route.path(), links, terminal, unavailable, metrics, inFlight));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return new RouteTable(pipelines, inFlight);
    }

    private static <C> Policy create(PolicyFactory<C> factory, ObjectNode settings, String path, ConfigLoader binder,
                                     List<String> problems) {
        int problemsBefore = problems.size();
        C config = binder.bindNode(settings, path, factory.configType(), problems);
        if (problems.size() > problemsBefore) {
            return null;
        }
        try {
            return factory.create(config);
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + e.getMessage());
            return null;
        }
    }

    /** @return the pipeline of the route at {@code path}, or {@code null} when no route serves it */
    public Pipeline route(String path) {
        return pipelines.get(path);
    }

    /** @return the requests running on this table's routes */
    public InFlight inFlight() {
        return inFlight;
    }

    /** @return every route's pipeline by path */
    public Map<String, Pipeline> all() {
        return Map.copyOf(pipelines);
    }
}

package io.portcullis.runtime.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.portcullis.runtime.json.Json;
import io.portcullis.runtime.json.JsonProblem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code gateway.yaml}: parses the YAML, substitutes environment variables in every scalar, binds each section
 * to its record, and reports every problem at once as a {@link ConfigException} naming the file and the path.
 */
public final class ConfigLoader {

    private static final Set<String> SECTIONS =
            Set.of("server", "admin", "cluster", "plugins", "upstream", "providers", "models", "routes", "policies",
                    "routing", "prices");

    private final ObjectMapper yaml = new YAMLMapper();
    private final ObjectMapper json = Json.mapper();
    private final EnvSubstitution substitution;

    /** A loader that reads the process environment. */
    public ConfigLoader() {
        this(System.getenv());
    }

    /** A loader that reads the given environment (tests). */
    public ConfigLoader(Map<String, String> environment) {
        this.substitution = new EnvSubstitution(environment);
    }

    /** Loads a file. */
    public GatewayConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of("no such file"));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot be read: " + e.getMessage()));
        }
        return parse(text, file.toString());
    }

    /**
     * Parses configuration text.
     *
     * @param source the name to use in messages (the file's path)
     */
    public GatewayConfig parse(String text, String source) {
        JsonNode root;
        try {
            root = yaml.readTree(text);
        } catch (JsonProcessingException e) {
            var location = e.getLocation();
            throw new ConfigException(source, List.of("not valid YAML"
                    + (location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr())
                    + ": " + e.getOriginalMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = JsonNodeFactory.instance.objectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException(source, List.of("expected a mapping of sections (server, providers, models, ...)"));
        }
        List<String> problems = new ArrayList<>();
        JsonNode substituted = substitute(root, "", problems);
        for (Iterator<String> names = substituted.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!SECTIONS.contains(name)) {
                problems.add(name + ": unknown section; expected one of: " + String.join(", ", SECTIONS.stream().sorted().toList()));
            }
        }
        GatewayConfig config = bind((ObjectNode) substituted, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return config;
    }

    private GatewayConfig bind(ObjectNode root, List<String> problems) {
        var server = section(root, "server", GatewayConfig.ServerConfig.class, problems);
        var admin = section(root, "admin", GatewayConfig.AdminConfig.class, problems);
        var cluster = section(root, "cluster", GatewayConfig.ClusterConfig.class, problems);
        var plugins = section(root, "plugins", GatewayConfig.PluginsConfig.class, problems);
        var upstream = section(root, "upstream", GatewayConfig.UpstreamConfig.class, problems);
        var providers = providers(root.get("providers"), problems);
        var models = list(root.get("models"), "models", GatewayConfig.ModelEntry.class, problems);
        var routes = list(root.get("routes"), "routes", GatewayConfig.RouteEntry.class, problems);
        var policies = policies(root.get("policies"), problems);
        var routing = section(root, "routing", GatewayConfig.RoutingConfig.class, problems);
        var prices = prices(root.get("prices"), problems);
        if (!problems.isEmpty()) {
            return null;
        }
        GatewayConfig config = new GatewayConfig(server, admin, cluster, plugins, upstream, providers, models, routes,
                policies, routing, prices);
        crossCheck(config, problems);
        return config;
    }

    private <T> T section(ObjectNode root, String name, Class<T> type, List<String> problems) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        return bindNode(node, name, type, problems);
    }

    private <T> List<T> list(JsonNode node, String name, Class<T> type, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            problems.add(name + ": expected a list");
            return null;
        }
        List<T> items = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            T item = bindNode(node.get(i), name + "[" + i + "]", type, problems);
            if (item != null) {
                items.add(item);
            }
        }
        return items;
    }

    /** Binds a node to a record, adding a problem (with the full path) instead of throwing. */
    public <T> T bindNode(JsonNode node, String path, Class<T> type, List<String> problems) {
        try {
            return json.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            JsonProblem problem = JsonProblem.of(e);
            String full = problem.path().isEmpty() ? path
                    : problem.path().startsWith("[") ? path + problem.path() : path + "." + problem.path();
            problems.add(full + ": " + problem.message());
            return null;
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + e.getMessage());
            return null;
        }
    }

    private List<GatewayConfig.ProviderEntry> providers(JsonNode node, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            problems.add("providers: expected a list of { id, type, ... }");
            return null;
        }
        List<GatewayConfig.ProviderEntry> entries = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "providers[" + i + "]";
            if (!node.get(i).isObject()) {
                problems.add(path + ": expected a mapping { id, type, ... }");
                continue;
            }
            ObjectNode settings = node.get(i).deepCopy();
            String id = text(settings.remove("id"));
            String type = text(settings.remove("type"));
            JsonNode enabled = settings.remove("enabled");
            if (id == null || id.isBlank()) {
                problems.add(path + ".id: is required");
            }
            if (type == null || type.isBlank()) {
                problems.add(path + ".type: is required (the provider type, e.g. openai or mock)");
            }
            Boolean on = enabled(enabled);
            if (on == null) {
                problems.add(path + ".enabled: expected true, false or empty");
            }
            if (id != null && type != null && on != null) {
                entries.add(new GatewayConfig.ProviderEntry(id, type, on, settings));
            }
        }
        return entries;
    }

    private static Boolean enabled(JsonNode node) {
        if (node == null || node.isNull()) {
            return true;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        String text = node.asText().trim();
        return switch (text) {
            case "true" -> true;
            case "false", "" -> false;
            default -> null;
        };
    }

    private Map<String, ObjectNode> policies(JsonNode node, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("policies: expected a mapping of policy name to its settings");
            return null;
        }
        Map<String, ObjectNode> blocks = new LinkedHashMap<>();
        node.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            if (value == null || value.isNull()) {
                blocks.put(field.getKey(), JsonNodeFactory.instance.objectNode());
            } else if (value.isObject()) {
                blocks.put(field.getKey(), (ObjectNode) value);
            } else {
                problems.add("policies." + field.getKey() + ": expected a mapping of settings");
            }
        });
        return blocks;
    }

    /** {@code prices:}, a mapping from a model name (or {@code provider/model}) to its price. */
    private Map<String, GatewayConfig.Price> prices(JsonNode node, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("prices: expected a mapping of model name to { input, output } (USD per million tokens)");
            return null;
        }
        Map<String, GatewayConfig.Price> prices = new LinkedHashMap<>();
        node.fields().forEachRemaining(field -> {
            if (!field.getValue().isObject()) {
                problems.add("prices." + field.getKey() + ": expected { input, output } (USD per million tokens)");
                return;
            }
            GatewayConfig.Price price = bindNode(field.getValue(), "prices." + field.getKey(),
                    GatewayConfig.Price.class, problems);
            if (price != null) {
                prices.put(field.getKey(), price);
            }
        });
        return prices;
    }

    private static void crossCheck(GatewayConfig config, List<String> problems) {
        Set<String> providerIds = new java.util.HashSet<>();
        for (int i = 0; i < config.providers().size(); i++) {
            if (!providerIds.add(config.providers().get(i).id())) {
                problems.add("providers[" + i + "].id: '" + config.providers().get(i).id() + "' is used twice");
            }
        }
        Set<String> modelNames = new java.util.HashSet<>();
        for (int i = 0; i < config.models().size(); i++) {
            GatewayConfig.ModelEntry model = config.models().get(i);
            if (!modelNames.add(model.name())) {
                problems.add("models[" + i + "].name: '" + model.name() + "' is used twice");
            }
            for (int t = 0; t < model.targets().size(); t++) {
                String provider = model.targets().get(t).provider();
                if (!providerIds.contains(provider)) {
                    problems.add("models[" + i + "].targets[" + t + "].provider: no provider has id '" + provider
                            + "'; expected one of: " + String.join(", ", providerIds.stream().sorted().toList()));
                }
            }
        }
        for (int i = 0; i < config.models().size(); i++) {
            List<String> fallbacks = config.models().get(i).fallbacks();
            for (int f = 0; f < fallbacks.size(); f++) {
                if (!modelNames.contains(fallbacks.get(f))) {
                    problems.add("models[" + i + "].fallbacks[" + f + "]: no model is named '" + fallbacks.get(f) + "'");
                }
            }
        }
        Set<String> paths = new java.util.HashSet<>();
        for (int i = 0; i < config.routes().size(); i++) {
            if (!paths.add(config.routes().get(i).path())) {
                problems.add("routes[" + i + "].path: '" + config.routes().get(i).path() + "' is routed twice");
            }
        }
    }

    private JsonNode substitute(JsonNode node, String path, List<String> problems) {
        if (node.isTextual()) {
            return TextNode.valueOf(substitution.substitute(node.textValue(), path, problems));
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(field -> copy.set(field.getKey(),
                    substitute(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey(), problems)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                copy.add(substitute(node.get(i), path + "[" + i + "]", problems));
            }
            return copy;
        }
        return node;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}

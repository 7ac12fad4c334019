package io.portcullis.runtime.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.portcullis.api.context.Principal;
import io.portcullis.api.service.ApiKeys;
import io.portcullis.runtime.cluster.ClusterApiKeys;
import io.portcullis.runtime.json.Json;
import io.portcullis.runtime.json.JsonProblem;
import io.portcullis.runtime.wire.openai.OpenAiErrors;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /admin/keys}: create an API key (its secret is in the answer, once, and nowhere else), list keys (never a
 * secret, never a hash), revoke one. Keys live in the cluster: created on any node, they work on every node at once.
 */
@Path("/admin/keys")
@Produces(MediaType.APPLICATION_JSON)
public final class KeysResource {

    private final ClusterApiKeys keys;
    private final Clock clock;

    /** @param keys the cluster's keys */
    public KeysResource(ClusterApiKeys keys) {
        this(keys, Clock.systemUTC());
    }

    KeysResource(ClusterApiKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * What {@code POST /admin/keys} takes.
     *
     * @param name              the operator's name for the key (required)
     * @param models            the public model names it may use; absent or empty for all
     * @param tenant            the tenant it belongs to
     * @param requestsPerMinute its request budget; absent for the rate-limit policy's default
     * @param tokensPerMinute   its token budget; absent for the policy's default
     * @param expiresAt         when it stops working, ISO-8601 ({@code 2030-01-01T00:00:00Z})
     * @param expiresInSeconds  or: how long from now it works
     */
    public record NewKey(String name, List<String> models, String tenant, Long requestsPerMinute,
                         Long tokensPerMinute, String expiresAt, Long expiresInSeconds) {
        public NewKey {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name: is required");
            }
            if (models != null && models.stream().anyMatch(m -> m == null || m.isBlank())) {
                throw new IllegalArgumentException("models: expected model names; leave it out to allow every model");
            }
            positive("requestsPerMinute", requestsPerMinute);
            positive("tokensPerMinute", tokensPerMinute);
            positive("expiresInSeconds", expiresInSeconds);
            if (expiresAt != null && expiresInSeconds != null) {
                throw new IllegalArgumentException("expiresInSeconds: give expiresAt or expiresInSeconds, not both");
            }
        }

        private static void positive(String key, Long value) {
            if (value != null && value <= 0) {
                throw new IllegalArgumentException(key + ": expected a positive number, got " + value);
            }
        }
    }

    @POST
    public Response create(byte[] body) {
        NewKey request;
        try {
            request = Json.mapper().readValue(body, NewKey.class);
        } catch (JsonProcessingException e) {
            JsonProblem problem = JsonProblem.of(e);
            return invalid(problem.toString(), problem.path().isEmpty() ? null : problem.path());
        } catch (java.io.IOException e) {
            return invalid("the body could not be read", null);
        }
        if (request == null) {
            return invalid("expected a JSON object such as {\"name\": \"ci\", \"models\": [\"gpt-4o-mini\"]}", null);
        }
        Instant now = clock.instant();
        Instant expiresAt;
        if (request.expiresInSeconds() != null) {
            expiresAt = now.plus(Duration.ofSeconds(request.expiresInSeconds()));
        } else if (request.expiresAt() != null) {
            try {
                expiresAt = Instant.parse(request.expiresAt());
            } catch (DateTimeParseException e) {
                return invalid("expiresAt: expected an ISO-8601 instant such as 2030-01-01T00:00:00Z, got '"
                        + request.expiresAt() + "'", "expiresAt");
            }
            if (!expiresAt.isAfter(now)) {
                return invalid("expiresAt: is in the past", "expiresAt");
            }
        } else {
            expiresAt = null;
        }
        ClusterApiKeys.Created created = keys.create(request.name(), request.tenant(),
                request.models() == null ? Set.of() : Set.copyOf(request.models()),
                new Principal.Limits(request.requestsPerMinute(), request.tokensPerMinute()), expiresAt);
        Map<String, Object> answer = view(created.key());
        answer.put("key", created.secret());
        return Response.status(201).entity(answer).build();
    }

    @GET
    public Map<String, Object> list() {
        return Map.of("object", "list", "data", keys.list().stream().map(KeysResource::view).toList());
    }

    @DELETE
    @Path("{id}")
    public Response revoke(@PathParam("id") String id) {
        if (!keys.revoke(id)) {
            return Response.status(404).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(OpenAiErrors.body("no key has the id '" + id + "'", "not_found_error", "id", "not_found"))
                    .build();
        }
        return Response.ok(Map.of("id", id, "object", "api_key", "deleted", true)).build();
    }

    /** A key as the admin API shows it: everything but its secret (which the cluster does not have) and its hash. */
    private static Map<String, Object> view(ApiKeys.ApiKey key) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", key.id());
        view.put("object", "api_key");
        view.put("name", key.name());
        view.put("tenant", key.tenant());
        view.put("models", new TreeSet<>(key.models()));
        view.put("requestsPerMinute", key.limits().requestsPerMinute());
        view.put("tokensPerMinute", key.limits().tokensPerMinute());
        view.put("createdAt", key.createdAt().toString());
        view.put("expiresAt", key.expiresAt() == null ? null : key.expiresAt().toString());
        return view;
    }

    private static Response invalid(String message, String param) {
        return Response.status(400).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(OpenAiErrors.body(message, "invalid_request_error", param, "invalid_request")).build();
    }
}

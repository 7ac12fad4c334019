package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients of a cluster's nodes, for the cluster tests (in-process and as processes): chat calls to a given node,
 * bursts spread round-robin over the nodes by many concurrent clients, and key management through a node's admin API.
 */
public final class ClusterClient implements AutoCloseable {

    private final HttpClient http;
    private final boolean ownsHttp;
    private final List<URI> clients;
    private final List<URI> admins;
    private final String adminToken;

    /**
     * @param clients    each node's client base URI ({@code http://127.0.0.1:<port>})
     * @param admins     each node's admin base URI, in the same order
     * @param adminToken the admin API's bearer token
     */
    public ClusterClient(List<URI> clients, List<URI> admins, String adminToken) {
        this(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build(), true, clients, admins, adminToken);
    }

    private ClusterClient(HttpClient http, boolean ownsHttp, List<URI> clients, List<URI> admins, String adminToken) {
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.clients = List.copyOf(clients);
        this.admins = List.copyOf(admins);
        this.adminToken = adminToken;
    }

    /** @return a client of only some of the nodes (numbered as in this one); it shares this one's HTTP client */
    public ClusterClient only(int... nodes) {
        List<URI> someClients = new ArrayList<>();
        List<URI> someAdmins = new ArrayList<>();
        for (int node : nodes) {
            someClients.add(clients.get(node));
            someAdmins.add(admins.get(node));
        }
        return new ClusterClient(http, false, someClients, someAdmins, adminToken);
    }

    /**
     * A chat completion of one user message on one node.
     *
     * @param maxTokens {@code max_tokens}, or {@code null}
     */
    public HttpResponse<String> chat(int node, String key, String text, Integer maxTokens) {
        ObjectNode body = Http.JSON.createObjectNode().put("model", "mock");
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        if (maxTokens != null) {
            body.put("max_tokens", maxTokens);
        }
        return send(HttpRequest.newBuilder(clients.get(node).resolve("/v1/chat/completions"))
                .timeout(Http.CALL_TIMEOUT).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
    }

    /**
     * Sends {@code total} chat requests, request {@code i} to node {@code i % nodes}, from {@code concurrency}
     * clients at once.
     *
     * @return the statuses, in the order the requests were made
     */
    public List<Integer> burst(int total, int concurrency, String key, String text, Integer maxTokens) {
        try (ExecutorService callers = Executors.newFixedThreadPool(concurrency)) {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                int node = i % clients.size();
                calls.add(callers.submit(() -> chat(node, key, text, maxTokens).statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> call : calls) {
                statuses.add(call.get());
            }
            return statuses;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A key as {@code POST /admin/keys} answered it: its id and its secret, which is shown only once. */
    public record CreatedKey(String id, String secret) {
    }

    /** Creates a key for every model through one node's admin API. */
    public CreatedKey createKey(int node, String name) {
        return createKey(node, name, null, null);
    }

    /**
     * Creates a key for every model through one node's admin API.
     *
     * @param requestsPerMinute its request budget, or {@code null} for the policy's
     * @param tokensPerMinute   its token budget, or {@code null} for the policy's
     */
    public CreatedKey createKey(int node, String name, Integer requestsPerMinute, Integer tokensPerMinute) {
        ObjectNode body = Http.JSON.createObjectNode().put("name", name);
        if (requestsPerMinute != null) {
            body.put("requestsPerMinute", requestsPerMinute);
        }
        if (tokensPerMinute != null) {
            body.put("tokensPerMinute", tokensPerMinute);
        }
        HttpResponse<String> created = send(admin(node, "/admin/keys")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
        assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
        JsonNode key = Http.json(created);
        assertThat(key.path("key").asText()).as(created.body()).isNotBlank();
        return new CreatedKey(key.path("id").asText(), key.path("key").asText());
    }

    /** Revokes a key through one node's admin API. */
    public void revokeKey(int node, String id) {
        HttpResponse<String> revoked = send(admin(node, "/admin/keys/" + id).DELETE().build());
        assertThat(revoked.statusCode()).as(revoked.body()).isIn(200, 204);
    }

    /** @return how many members {@code GET /admin/cluster} on one node lists */
    public int clusterSize(int node) {
        HttpResponse<String> cluster = send(admin(node, "/admin/cluster").GET().build());
        assertThat(cluster.statusCode()).as(cluster.body()).isEqualTo(200);
        return Http.json(cluster).path("members").size();
    }

    private HttpRequest.Builder admin(int node, String path) {
        return HttpRequest.newBuilder(admins.get(node).resolve(path)).timeout(Http.CALL_TIMEOUT)
                .header("Authorization", "Bearer " + adminToken);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (ownsHttp) {
            http.close();
        }
    }
}

import org.eclipse.jetty.client.ByteBufferRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

/**
 * The floor under Portcullis in bench/run.sh (target {@code jetty}): the same Jetty server and client, set up as
 * Portcullis sets them up (virtual threads, no cookie store), doing nothing but read the request, forward its bytes
 * and write the answer back. No JSON, no pipeline, no routing: what a Jetty hop costs on this machine, so that
 * Portcullis' own share of its CPU per request can be told from Jetty's.
 *
 * <p>{@code java -cp '<distribution>/lib/*' JettyFloor.java <port> <upstream base URL> [virtual|async]}; a request
 * whose body asks for {@code "stream":true} is forwarded to {@code <upstream>/sse/...} and relayed chunk by chunk, as
 * Portcullis does.
 *
 * <p>{@code virtual} (the default) is Portcullis' threading: blocking code on a virtual thread per request, Jetty's
 * {@code VirtualThreadPool} on both sides. {@code async} is the cheapest Jetty can do: Jetty's default
 * {@code QueuedThreadPool}s and a non-blocking handler that answers from the client's completion callback (whole
 * answers only; streams are not relayed in this mode). The two together say what the thread model costs.
 */
public final class JettyFloor {

    private static final Pattern STREAM = Pattern.compile("\"stream\"\\s*:\\s*true");

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String upstream = args[1];
        String mode = args.length > 2 ? args[2] : "virtual";
        boolean async = mode.equals("async");
        boolean hybrid = mode.equals("hybrid");
        boolean platformClient = mode.equals("platform-client");

        HttpClient client = new HttpClient();
        if (!async && !hybrid && !platformClient) {
            VirtualThreadPool clientThreads = new VirtualThreadPool();
            clientThreads.setName("upstream");
            client.setExecutor(clientThreads);
        }
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.start();

        Server server;
        if (async) {
            server = new Server();
        } else if (hybrid) {
            QueuedThreadPool threads = new QueuedThreadPool();
            threads.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("floor"));
            server = new Server(threads);
        } else {
            VirtualThreadPool threads = new VirtualThreadPool();
            threads.setName("floor");
            server = new Server(threads);
        }
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(async ? new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Source.asByteBufferAsync(request).whenComplete((body, failure) -> {
                    if (failure != null) {
                        callback.failed(failure);
                        return;
                    }
                    var forward = client.newRequest(upstream + request.getHttpURI().getPath()).method("POST")
                            .body(new ByteBufferRequestContent("application/json", body))
                            .timeout(30, TimeUnit.SECONDS);
                    new CompletableResponseListener(forward, 1 << 20).send().whenComplete((answer, error) -> {
                        if (error != null) {
                            Response.writeError(request, response, callback, error);
                            return;
                        }
                        response.setStatus(answer.getStatus());
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                        response.write(true, ByteBuffer.wrap(answer.getContent()), callback);
                    });
                });
                return true;
            }
        } : new Handler.Abstract(org.eclipse.jetty.util.thread.Invocable.InvocationType.BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                byte[] body = Content.Source.asByteBuffer(request).array();
                boolean stream = STREAM.matcher(new String(body, StandardCharsets.UTF_8)).find();
                String path = (stream ? "/sse" : "") + request.getHttpURI().getPath();
                var forward = client.newRequest(upstream + path).method("POST")
                        .body(new BytesRequestContent("application/json", body))
                        .timeout(30, TimeUnit.SECONDS);
                if (!stream) {
                    ContentResponse answer = new CompletableResponseListener(forward, 1 << 20).send().get();
                    response.setStatus(answer.getStatus());
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.write(true, ByteBuffer.wrap(answer.getContent()), callback);
                    return true;
                }
                InputStreamResponseListener listener = new InputStreamResponseListener();
                forward.send(listener);
                var head = listener.get(30, TimeUnit.SECONDS);
                response.setStatus(head.getStatus());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                byte[] buffer = new byte[8192];
                try (InputStream in = listener.getInputStream()) {
                    int read;
                    while ((read = in.read(buffer)) >= 0) {
                        try (Blocker.Callback written = Blocker.callback()) {
                            response.write(false, ByteBuffer.wrap(buffer, 0, read), written);
                            written.block();
                        }
                    }
                }
                response.write(true, null, callback);
                return true;
            }
        });
        server.start();
        System.out.println("jetty floor (" + mode + ") on 127.0.0.1:" + port + " -> " + upstream);
        server.join();
    }
}

package io.portcullis.runtime.http;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Gives every request of the client port its id — the client's {@code x-request-id} when it is a safe token, else a
 * new one — and sends it back on every response, data plane and control plane alike. Handlers read it with
 * {@link #of(Request)} to put it in their log lines and error messages.
 */
public final class RequestIdHandler extends Handler.Wrapper {

    /** The header, in requests and responses. */
    public static final String HEADER = "x-request-id";
    private static final String ATTRIBUTE = RequestIdHandler.class.getName();

    public RequestIdHandler(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String id = RequestIds.from(request.getHeaders().get(HEADER));
        request.setAttribute(ATTRIBUTE, id);
        response.getHeaders().put(HEADER, id);
        return super.handle(request, response, callback);
    }

    /** @return the request's id, or a new one if the request did not pass through this handler */
    public static String of(Request request) {
        return request.getAttribute(ATTRIBUTE) instanceof String id ? id : RequestIds.generate();
    }
}

package io.portcullis.runtime.server;

import io.portcullis.runtime.wire.openai.OpenAiErrors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * Jetty's own errors (a malformed HTTP request, a header too large, a request no handler took) in OpenAI's error
 * format, never as an HTML page or with a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : 404;
        Object requested = request.getAttribute(ERROR_STATUS);
        if (requested instanceof Integer code && code >= 400) {
            status = code;
        }
        String message = status == 404 ? "no such endpoint on this gateway" : HttpStatus.getMessage(status);
        String type = status >= 500 ? "server_error" : status == 404 ? "not_found_error" : "invalid_request_error";
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(OpenAiErrors.body(message, type, null, null)), callback);
        return true;
    }
}

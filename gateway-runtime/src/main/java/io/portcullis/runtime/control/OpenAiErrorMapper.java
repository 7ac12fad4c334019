package io.portcullis.runtime.control;

import io.portcullis.runtime.wire.openai.OpenAiErrors;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every control-plane failure in OpenAI's error format: Jersey's own 404/405/415 with their status, anything
 * else as a 500 that is logged (once, here) and says nothing about its cause.
 */
public final class OpenAiErrorMapper implements ExceptionMapper<Throwable> {

    private static final Logger log = LoggerFactory.getLogger(OpenAiErrorMapper.class);

    @Override
    public Response toResponse(Throwable failure) {
        if (failure instanceof WebApplicationException web) {
            int status = web.getResponse().getStatus();
            String type = status == 404 ? "not_found_error" : "invalid_request_error";
            String message = status == 404 ? "no such endpoint on this gateway"
                    : web.getResponse().getStatusInfo().getReasonPhrase();
            return json(status, OpenAiErrors.body(message, type, null, status == 404 ? "not_found" : "invalid_request"));
        }
        log.error("Control-plane request failed", failure);
        return json(500, OpenAiErrors.body("the gateway failed to serve this request", "server_error", null,
                "internal"));
    }

    private static Response json(int status, byte[] body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}

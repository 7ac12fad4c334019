package io.portcullis.runtime.admin;

import io.portcullis.runtime.services.Sha256;
import io.portcullis.runtime.wire.openai.OpenAiErrors;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.security.MessageDigest;

/**
 * Lets a call through only with {@code Authorization: Bearer <admin.token>}. With no token configured every call is
 * refused and told why, so that an admin API is never open by accident. The comparison is constant-time (digests of
 * both sides, compared with {@link MessageDigest#isEqual}), so a wrong token's timing says nothing about the right one.
 *
 * <p>Pre-matching: an unauthenticated caller learns nothing, not even which paths exist.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION)
final class AdminTokenFilter implements ContainerRequestFilter {

    private static final String BEARER = "Bearer ";
    private final byte[] expectedDigest;

    AdminTokenFilter(String token) {
        this.expectedDigest = token == null || token.isEmpty() ? null : Sha256.digest(token);
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (expectedDigest == null) {
            request.abortWith(refuse("The admin API is disabled because no admin token is configured: set admin.token "
                    + "(PORTCULLIS_ADMIN_TOKEN in the default configuration) and restart the node."));
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            request.abortWith(refuse("The admin API needs 'Authorization: Bearer <admin token>'."));
            return;
        }
        byte[] presented = Sha256.digest(header.substring(BEARER.length()).trim());
        if (!MessageDigest.isEqual(presented, expectedDigest)) {
            request.abortWith(refuse("The admin token is not valid."));
        }
    }

    private static Response refuse(String message) {
        return Response.status(401)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"portcullis-admin\"")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(OpenAiErrors.body(message, "authentication_error", null, "unauthenticated"))
                .build();
    }
}

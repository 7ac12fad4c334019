package io.portcullis.runtime.control;

import io.portcullis.runtime.routing.ModelRouter;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;
import java.util.function.Supplier;

/** {@code GET /v1/models}: the public model names that have an active provider, as OpenAI's {@code list} object. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public final class ModelsResource {

    private final Supplier<ModelRouter> router;

    @Inject
    public ModelsResource(RouterSupplier router) {
        this.router = router;
    }

    @GET
    public Map<String, Object> list() {
        return Map.of("object", "list", "data", router.get().availableModels());
    }

    /** The current router; a named type so that HK2 can inject it. */
    public interface RouterSupplier extends Supplier<ModelRouter> {
    }
}

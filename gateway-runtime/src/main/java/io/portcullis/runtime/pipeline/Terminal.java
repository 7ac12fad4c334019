package io.portcullis.runtime.pipeline;

import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;

/** The end of every pipeline: what answers once all policies have proceeded (the model router). */
@FunctionalInterface
public interface Terminal {

    /** Answers the request. */
    Reply answer(Exchange exchange);
}

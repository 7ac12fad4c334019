package io.portcullis.e2e;

import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.Message;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.ForwardingChunkStream;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A test policy plugin ({@code marker}) that leaves a visible trace both ways: it appends {@code request} to the last
 * user message before proceeding, and {@code reply} to the reply's text after (for a stream, to the chunk that
 * carries the finish reason). Two of them in a route show the order policies run in.
 */
public final class MarkerPolicyFactory implements PolicyFactory<MarkerPolicyFactory.Config> {

    /**
     * @param request what to append to the last user message
     * @param reply   what to append to the reply's text
     */
    public record Config(String request, String reply) {
        public Config {
            if (request == null || reply == null) {
                throw new IllegalArgumentException("request and reply: both are required");
            }
        }
    }

    @Override
    public String name() {
        return "marker";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Policy create(Config config) {
        return new Marker(config);
    }

    record Marker(Config config) implements Policy {

        @Override
        public Reply apply(Exchange exchange, Chain chain) {
            Optional<ChatRequest> chat = exchange.chat();
            Reply reply = chain.proceed(chat.map(request -> exchange.with(marked(request))).orElse(exchange));
            return switch (reply) {
                case Reply.Complete complete -> new Reply.Complete(marked(complete.response()), complete.headers());
                case Reply.Streaming streaming -> new Reply.Streaming(new ForwardingChunkStream(streaming.chunks()) {
                    @Override
                    public Optional<ChatChunk> next() {
                        return super.next().map(Marker.this::marked);
                    }
                }, streaming.headers());
                case Reply.Embeddings embeddings -> embeddings;
            };
        }

        private ChatRequest marked(ChatRequest request) {
            List<Message> messages = new ArrayList<>(request.messages());
            for (int i = messages.size() - 1; i >= 0; i--) {
                Message message = messages.get(i);
                if (Message.USER.equals(message.role())) {
                    messages.set(i, message.withContent(Content.text(message.text() + config.request())));
                    break;
                }
            }
            return request.withMessages(messages);
        }

        private ChatResponse marked(ChatResponse response) {
            List<ChatResponse.Choice> choices = new ArrayList<>();
            for (ChatResponse.Choice choice : response.choices()) {
                Message message = choice.message().withContent(Content.text(choice.message().text() + config.reply()));
                choices.add(new ChatResponse.Choice(choice.index(), message, choice.finishReason(), choice.extra()));
            }
            return response.withChoices(choices);
        }

        private ChatChunk marked(ChatChunk chunk) {
            List<ChatChunk.Choice> choices = new ArrayList<>();
            for (ChatChunk.Choice choice : chunk.choices()) {
                if (choice.finishReason() == null) {
                    choices.add(choice);
                } else {
                    ChatChunk.Delta delta = choice.delta() == null ? new ChatChunk.Delta(null, null, null, null)
                            : choice.delta();
                    String text = delta.content() == null ? "" : delta.content();
                    choices.add(new ChatChunk.Choice(choice.index(), delta.withContent(text + config.reply()),
                            choice.finishReason(), choice.extra()));
                }
            }
            return chunk.withChoices(choices);
        }
    }
}

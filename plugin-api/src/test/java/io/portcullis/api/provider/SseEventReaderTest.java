package io.portcullis.api.provider;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SseEventReaderTest {

    private static List<String> events(String stream) throws IOException {
        SseEventReader reader = new SseEventReader(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)));
        List<String> events = new ArrayList<>();
        for (String data = reader.next(); data != null; data = reader.next()) {
            events.add(data);
        }
        return events;
    }

    @Test
    void events_are_separated_by_blank_lines() throws IOException {
        assertThat(events("data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata: [DONE]\n\n"))
                .containsExactly("{\"a\":1}", "{\"a\":2}", "[DONE]");
    }

    @Test
    void crlf_and_lone_cr_end_lines_too() throws IOException {
        assertThat(events("data: one\r\n\r\ndata: two\r\rdata: three\n\n")).containsExactly("one", "two", "three");
    }

    @Test
    void comments_and_other_fields_are_skipped() throws IOException {
        assertThat(events(": keep-alive\n\nevent: message\nid: 7\nretry: 1000\ndata: payload\n\n: bye\n\n"))
                .containsExactly("payload");
    }

    @Test
    void the_space_after_the_colon_is_optional_and_only_one_is_removed() throws IOException {
        assertThat(events("data:tight\n\ndata:  two spaces\n\ndata\n\n")).containsExactly("tight", " two spaces", "");
    }

    @Test
    void the_data_lines_of_one_event_are_joined_with_newlines() throws IOException {
        assertThat(events("data: {\"a\":\ndata: 1}\n\n")).containsExactly("{\"a\":\n1}");
    }

    @Test
    void a_byte_order_mark_at_the_start_is_ignored() throws IOException {
        assertThat(events("\uFEFFdata: x\n\n")).containsExactly("x");
    }

    @Test
    void a_last_event_without_its_blank_line_still_counts() throws IOException {
        assertThat(events("data: a\n\ndata: [DONE]")).containsExactly("a", "[DONE]");
    }

    @Test
    void an_empty_stream_has_no_events() throws IOException {
        assertThat(events("")).isEmpty();
        assertThat(events("\n\n: only a comment\n\n")).isEmpty();
    }
}

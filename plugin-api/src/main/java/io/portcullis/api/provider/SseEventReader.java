package io.portcullis.api.provider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads the {@code data} of server-sent events, as the HTML standard defines them: lines end with CRLF, LF or CR; a
 * blank line ends an event; an event's {@code data:} lines are joined with newlines; lines starting with {@code :}
 * are comments (keep-alives); other fields ({@code event:}, {@code id:}, {@code retry:}) are skipped, since
 * the providers Portcullis speaks (OpenAI, Anthropic, Gemini) put everything a parser needs in {@code data}.
 * Provider plugins share it so that none writes its own parser.
 */
public final class SseEventReader {

    private final BufferedReader lines;
    private boolean firstLine = true;

    public SseEventReader(InputStream body) {
        this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /**
     * Blocks until the next event with data is complete.
     *
     * @return its data, or {@code null} at the end of the stream
     */
    public String next() throws IOException {
        StringBuilder data = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (firstLine) {
                firstLine = false;
                line = line.startsWith("\uFEFF") ? line.substring(1) : line;
            }
            if (line.isEmpty()) {
                if (data != null) {
                    return data.toString();
                }
                continue;
            }
            if (line.charAt(0) == ':') {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            if (field.equals("data")) {
                String value = colon < 0 ? "" : line.substring(colon + 1);
                value = value.startsWith(" ") ? value.substring(1) : value;
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        // A last event that the stream's end cut off before its blank line still counts.
        return data == null ? null : data.toString();
    }
}

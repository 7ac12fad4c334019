package io.portcullis.plugins.pii;

import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.service.Metrics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The numbers of {@code bench/pii/run.sh} (not a test: a {@code main} run by the script). Scan throughput on realistic
 * 1 KB and 100 KB prompts, the time per MB of adversarial inputs at growing sizes (linear time shows as a flat
 * column), and the latency the policy adds to one request: scan, rewrite, proceed to a chain that answers at once,
 * restore the reply.
 */
public final class PiiScanBenchmark {

    private static final String PARAGRAPH = """
            Hi team, the customer Jane Doe (jane.doe@example.com, +1 415-555-0132) says her card 4111 1111 1111 1111 \
            was charged twice on order ORD-2024-000123. Refund to IBAN GB82 WEST 1234 5698 7654 32 please.
            The failing call came from 203.0.113.7 at 2024-01-15 14:32:07Z:
                java.lang.IllegalStateException: at io.portcullis.runtime.Pipeline.run(Pipeline.java:142)
                for (int i = 0; i < items.size(); i++) { total += items.get(i).price() * 1.2; }
            We upgraded spring-boot from 3.2.4 to 3.3.0 last week; request id 550e8400-e29b-41d4-a716-446655440000,
            commit 9fceb02d0ae598e95dc970b74767f19372d61af8. Could the retry logic in PaymentService double-submit
            when the gateway times out after 30 s? Please summarise what happened and propose a fix, with code.
            """;

    private PiiScanBenchmark() {
    }

    public static void main(String[] args) {
        Scanner scanner = new Scanner(PiiConfig.defaults());
        String kb1 = repeat(PARAGRAPH, 1024);
        String kb100 = repeat(PARAGRAPH, 100 * 1024);
        System.out.printf("machine: %d cores, %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));

        System.out.println("\n## throughput (realistic prompts: prose, code, ids, 6 PII values per 900 bytes; median of runs)");
        System.out.println("| prompt | findings | MB/s | µs per prompt |");
        System.out.println("|---|---|---|---|");
        for (String prompt : List.of(kb1, kb100)) {
            int findings = scanner.scan(prompt).size();
            double micros = timeMicros(() -> scanner.scan(prompt));
            System.out.printf("| %d KB | %d | %.1f | %.1f |%n", bytes(prompt) / 1024, findings,
                    bytes(prompt) / micros, micros);
        }

        System.out.println("\n## adversarial inputs: µs per KB at growing sizes, median of runs (flat = linear time)");
        System.out.println("| input | 10 KB | 100 KB | 1 MB |");
        System.out.println("|---|---|---|---|");
        Map<String, String> adversarial = new java.util.LinkedHashMap<>();
        adversarial.put("`a@a@a@…` (e-mail)", "a@");
        adversarial.put("`1 1 1 1 …` (cards, phones)", "1 ");
        adversarial.put("`1-1-1-…` (SSN, phones)", "1-");
        adversarial.put("`1.1.1.…` (IPv4)", "1.");
        adversarial.put("`a:a:a:…` (IPv6)", "a:");
        adversarial.put("`eyJa.eyJa.…` (JWT)", "eyJaaaaa.");
        adversarial.put("`-----BEGIN …` without END", "-----BEGIN RSA PRIVATE KEY-----\n");
        adversarial.put("`<EMAIL_<EMAIL_…` (restore)", "<EMAIL_");
        for (Map.Entry<String, String> input : adversarial.entrySet()) {
            StringBuilder row = new StringBuilder("| " + input.getKey() + " |");
            for (int size : new int[] {10 * 1024, 100 * 1024, 1024 * 1024}) {
                String text = repeat(input.getValue(), size);
                Restorer restorer = new Restorer(Map.of("<EMAIL_1>", "x"), 9);
                double micros = timeMicros(() -> {
                    scanner.scan(text);
                    restorer.restore(text);
                });
                row.append(String.format(" %.2f |", micros / (size / 1024.0)));
            }
            System.out.println(row);
        }

        System.out.println("\n## latency added per request (policy apply: scan, rewrite, restore the reply)");
        System.out.println("| prompt | p50 µs | p99 µs |");
        System.out.println("|---|---|---|");
        PiiPolicy policy = new PiiPolicy(PiiConfig.defaults(), new NoMetrics());
        for (String prompt : List.of(kb1, kb100)) {
            Exchange exchange = Exchange.of(ChatRequest.of("m", List.of(Message.of(Message.USER, prompt))), "r", "id",
                    Instant.now().plusSeconds(60), Map.of());
            Runnable call = () -> policy.apply(exchange, e -> new Reply.Complete(ChatResponse.ofText("c", 1, "m",
                    e.chat().orElseThrow().lastUserText(), "stop", null)));
            int rounds = prompt.length() > 10_000 ? 300 : 5_000;
            for (int i = 0; i < rounds; i++) {
                call.run();
            }
            long[] samples = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                call.run();
                samples[i] = System.nanoTime() - start;
            }
            Arrays.sort(samples);
            System.out.printf("| %d KB | %.1f | %.1f |%n", bytes(prompt) / 1024, samples[rounds / 2] / 1000.0,
                    samples[rounds * 99 / 100] / 1000.0);
        }
    }

    /**
     * Microseconds per run, the median of timed runs after a second of warm-up: on a machine shared with builds the
     * mean mostly measures how long the thread waited for a core.
     */
    private static double timeMicros(Runnable work) {
        long warmUntil = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            work.run();
        }
        long[] samples = new long[2_000];
        int n = 0;
        long stop = System.nanoTime() + 1_500_000_000L;
        while (n < samples.length && (n < 5 || System.nanoTime() < stop)) {
            long start = System.nanoTime();
            work.run();
            samples[n++] = System.nanoTime() - start;
        }
        Arrays.sort(samples, 0, n);
        return samples[n / 2] / 1000.0;
    }

    private static String repeat(String unit, int size) {
        StringBuilder out = new StringBuilder(size + unit.length());
        while (out.length() < size) {
            out.append(unit);
        }
        return out.substring(0, size);
    }

    private static int bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static final class NoMetrics implements Metrics {
        @Override
        public void increment(String name, String... tags) {
        }

        @Override
        public void increment(String name, double amount, String... tags) {
        }

        @Override
        public void record(String name, Duration duration, String... tags) {
        }

        @Override
        public void observe(String name, double value, String... tags) {
        }
    }
}

package io.portcullis.plugins.pii;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials: provider API keys, AWS access keys, GitHub tokens, JWTs, PEM private keys and the {@code user:password}
 * of a URL. Every pattern starts with a fixed literal and has only bounded, possessive repetitions, so a match attempt
 * costs at most a few hundred characters wherever it starts: linear in the text.
 */
final class SecretDetector implements Detector {

    static final String API_KEY = "API_KEY";
    static final String AWS_ACCESS_KEY = "AWS_ACCESS_KEY";
    static final String GITHUB_TOKEN = "GITHUB_TOKEN";
    static final String JWT = "JWT";
    static final String PRIVATE_KEY = "PRIVATE_KEY";
    static final String URL_CREDENTIALS = "URL_CREDENTIALS";

    static final List<String> TYPES = List.of(API_KEY, AWS_ACCESS_KEY, GITHUB_TOKEN, JWT, PRIVATE_KEY, URL_CREDENTIALS);

    /**
     * @param literals the rule runs only over a text that contains one of these (a fast {@code indexOf}), which
     *                 keeps the expressions off the ordinary prompt that holds no credential at all
     */
    private record Rule(String type, Pattern pattern, int group, List<String> literals) {
        boolean mayMatch(String text) {
            for (String literal : literals) {
                if (text.contains(literal)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final List<Rule> RULES = List.of(
            // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-api03-), Stripe (sk_live_, rk_live_), Google (AIza)
            new Rule(API_KEY, Pattern.compile(
                    "(?<![A-Za-z0-9_-])(?:sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}+"
                            + "|[sr]k_(?:live|test)_[A-Za-z0-9]{16,128}+|AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])"), 0,
                    List.of("sk-", "k_live_", "k_test_", "AIza")),
            // Slack tokens
            new Rule(API_KEY, Pattern.compile("(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,200}+"), 0, List.of("xox")),
            new Rule(AWS_ACCESS_KEY, Pattern.compile("(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"), 0,
                    List.of("AKIA", "ASIA", "ABIA", "ACCA")),
            // The secret half of an AWS key pair, recognisable only by its label.
            new Rule(AWS_ACCESS_KEY, Pattern.compile(
                    "(?i:aws_secret_access_key|aws_secret_key|secretaccesskey)[\"']?[ \\t]{0,5}[:=][ \\t]{0,5}[\"']?"
                            + "([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), 1,
                    List.of("ecret", "ECRET")),
            new Rule(GITHUB_TOKEN, Pattern.compile(
                    "(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}+|github_pat_[A-Za-z0-9_]{22,251}+)"), 0,
                    List.of("gh", "github_pat_")),
            new Rule(JWT, Pattern.compile(
                    "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}+\\.eyJ[A-Za-z0-9_-]{5,8192}+\\.[A-Za-z0-9_-]{0,4096}+"), 0,
                    List.of("eyJ")),
            new Rule(URL_CREDENTIALS, Pattern.compile(
                    "(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}+://([^\\s/:@]{1,128}+:[^\\s/@]{1,256}+)@"), 1,
                    List.of("://")));

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";

    @Override
    public void scan(String text, List<Finding> into) {
        for (Rule rule : RULES) {
            if (!rule.mayMatch(text)) {
                continue;
            }
            Matcher matcher = rule.pattern().matcher(text);
            while (matcher.find()) {
                into.add(new Finding(rule.type(), matcher.start(rule.group()), matcher.end(rule.group())));
            }
        }
        privateKeys(text, into);
    }

    /**
     * PEM private keys, found with {@code indexOf} rather than a lazy {@code .*?}, which would be quadratic over many
     * BEGIN lines without an END. A key whose END is missing (cut off) is covered to the end of the text.
     */
    private static void privateKeys(String text, List<Finding> into) {
        int from = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, from);
            if (begin < 0) {
                return;
            }
            int headerEnd = text.indexOf("-----", begin + BEGIN.length());
            if (headerEnd < 0) {
                return;
            }
            String label = text.substring(begin + BEGIN.length(), headerEnd);
            if (!label.endsWith("PRIVATE KEY") || label.length() > 40) {
                from = headerEnd;
                continue;
            }
            int end = text.indexOf(END, headerEnd + 5);
            int stop;
            if (end < 0) {
                stop = text.length();
            } else {
                int close = text.indexOf("-----", end + END.length());
                stop = close < 0 ? text.length() : close + 5;
            }
            into.add(new Finding(PRIVATE_KEY, begin, stop));
            from = stop;
        }
    }
}

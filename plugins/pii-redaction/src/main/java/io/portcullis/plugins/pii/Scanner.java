package io.portcullis.plugins.pii;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Runs the detectors of the types a route looks for and returns non-overlapping findings in text order. Where two
 * findings overlap, the longer wins (a URL's credentials over the e-mail-looking part inside them); at equal length,
 * the type that comes first in precedence (custom entities, then {@link PiiConfig#BUILT_IN_TYPES}'s order).
 * Thread-safe; built once per route.
 */
final class Scanner {

    private final List<Detector> detectors;
    private final List<String> precedence;
    private final java.util.Set<String> wanted;

    Scanner(PiiConfig config) {
        List<String> order = new ArrayList<>();
        config.custom().forEach(entity -> order.add(entity.name()));
        order.addAll(PiiConfig.BUILT_IN_TYPES);
        this.precedence = List.copyOf(order);
        this.wanted = new java.util.HashSet<>();
        for (String type : order) {
            if (config.actionFor(type) != Action.ALLOW) {
                wanted.add(type);
            }
        }
        List<Detector> all = new ArrayList<>();
        for (PiiConfig.CustomEntity entity : config.custom()) {
            if (wanted.contains(entity.name())) {
                all.add(CustomDetector.of(entity));
            }
        }
        if (SecretDetector.TYPES.stream().anyMatch(wanted::contains)) {
            all.add(new SecretDetector());
        }
        addIf(all, EmailDetector.TYPE, new EmailDetector());
        addIf(all, IbanDetector.TYPE, new IbanDetector());
        addIf(all, CardDetector.TYPE, new CardDetector());
        addIf(all, SsnDetector.TYPE, new SsnDetector());
        addIf(all, IpDetector.TYPE, new IpDetector());
        if (wanted.contains(PhoneDetector.TYPE)) {
            all.add(new PhoneDetector(config.defaultRegion(), config.phoneRegions()));
        }
        this.detectors = List.copyOf(all);
    }

    private void addIf(List<Detector> all, String type, Detector detector) {
        if (wanted.contains(type)) {
            all.add(detector);
        }
    }

    /** @return the findings in {@code text}, in order, none overlapping another */
    List<Finding> scan(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        List<Finding> found = new ArrayList<>();
        for (Detector detector : detectors) {
            detector.scan(text, found);
        }
        found.removeIf(finding -> !wanted.contains(finding.type()));
        if (found.size() <= 1) {
            return found;
        }
        found.sort(Comparator.comparingInt(Finding::length).reversed()
                .thenComparingInt(finding -> precedence.indexOf(finding.type())));
        TreeMap<Integer, Finding> kept = new TreeMap<>();
        for (Finding finding : found) {
            var before = kept.floorEntry(finding.end() - 1);
            if (before == null || before.getValue().end() <= finding.start()) {
                kept.put(finding.start(), finding);
            }
        }
        return List.copyOf(kept.values());
    }
}

package io.portcullis.plugins.pii;

/**
 * One detected value: its entity type and where it is in the scanned text.
 *
 * @param type  the entity type, {@code EMAIL}, {@code CREDIT_CARD}, or a custom entity's name
 * @param start the index of its first character
 * @param end   the index after its last character
 */
record Finding(String type, int start, int end) {

    int length() {
        return end - start;
    }
}

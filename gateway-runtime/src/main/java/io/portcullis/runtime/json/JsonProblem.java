package io.portcullis.runtime.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Jackson failure said in words a person can act on, with the path of the offending field
 * ({@code messages[0].role}). The one home of this translation: request bodies and configuration files both use it.
 *
 * @param path    the dotted path of the field at fault, empty for the document itself
 * @param message what was wrong and what was expected; never the offending value when it may be long or secret
 */
public record JsonProblem(String path, String message) {

    /** A validator's message that starts with a key name ({@code "port: expected 0..65535"}) extends the path. */
    private static final Pattern KEYED_MESSAGE = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*(?:\\[\\d+])*): (.*)$", Pattern.DOTALL);

    /** @return the path and the message, as one line: {@code messages[0].role: expected a string} */
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }

    /** Describes a Jackson failure. */
    public static JsonProblem of(JsonProcessingException failure) {
        if (failure instanceof StreamReadException && !(failure instanceof JsonMappingException)) {
            return new JsonProblem("", syntax(failure));
        }
        JsonMappingException mapping = (JsonMappingException) failure;
        if (mapping.getCause() instanceof StreamReadException syntaxError) {
            return new JsonProblem("", syntax(syntaxError));
        }
        if (String.valueOf(mapping.getOriginalMessage()).contains("Invalid UTF-8")) {
            return new JsonProblem("", "the body is not valid UTF-8");
        }
        String path = path(mapping);
        if (mapping instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return new JsonProblem(path, "unknown key" + (known.isEmpty() ? "" : "; expected one of: " + known));
        }
        if (mapping instanceof ValueInstantiationException instantiation && instantiation.getCause() != null) {
            return keyed(path, String.valueOf(instantiation.getCause().getMessage()));
        }
        if (mapping instanceof InvalidFormatException invalid) {
            return new JsonProblem(path, "expected " + describeType(invalid.getTargetType()) + ", got "
                    + quoteShort(invalid.getValue()));
        }
        if (mapping instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            return new JsonProblem(path, "expected " + describeType(mismatched.getTargetType())
                    + mismatchDetail(mismatched));
        }
        return new JsonProblem(path, firstLine(mapping.getOriginalMessage()));
    }

    private static JsonProblem keyed(String path, String message) {
        Matcher keyed = KEYED_MESSAGE.matcher(message);
        if (keyed.matches()) {
            return new JsonProblem(path.isEmpty() ? keyed.group(1) : path + "." + keyed.group(1), keyed.group(2));
        }
        return new JsonProblem(path, message);
    }

    private static String mismatchDetail(MismatchedInputException mismatched) {
        String original = String.valueOf(mismatched.getOriginalMessage());
        if (original.contains("content must be")) {
            return "";
        }
        int from = original.indexOf("from ");
        if (from >= 0) {
            Matcher token = Pattern.compile("from ([A-Za-z ]+?) (value|token)").matcher(original.substring(from));
            if (token.find()) {
                return ", got " + switch (token.group(1).trim()) {
                    case "Array" -> "an array";
                    case "Object" -> "an object";
                    case "String" -> "a string";
                    case "Integer", "Floating-point" -> "a number";
                    case "Boolean" -> "a boolean";
                    default -> token.group(1).trim();
                };
            }
        }
        if (original.contains("Missing required creator property")) {
            return " (the field is required)";
        }
        return "";
    }

    private static String path(JsonMappingException mapping) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : mapping.getPath()) {
            if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            } else if (reference.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            }
        }
        return path.toString();
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (type.getSimpleName().equals("Content")) {
            return "a string or an array of content parts";
        }
        return "an object";
    }

    private static String syntax(JsonProcessingException failure) {
        String original = firstLine(failure.getOriginalMessage());
        int source = original.indexOf(" (start marker at");
        if (source < 0) {
            source = original.indexOf(" (for ");
        }
        if (source >= 0) {
            original = original.substring(0, source);
        }
        if (original.contains("Invalid UTF-8")) {
            return "the body is not valid UTF-8";
        }
        var location = failure.getLocation();
        String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
        return "malformed JSON" + where + ": " + original;
    }

    private static String quoteShort(Object value) {
        String text = String.valueOf(value);
        return "'" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}

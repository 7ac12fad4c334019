package io.portcullis.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this plugin API, in the {@code major.minor.patch} form.
 *
 * <p>A plugin declares the API range it was built for in its manifest ({@code Plugin-Requires: >=1.0.0 & <2.0.0},
 * written for you by the plugins parent POM). The runtime refuses a plugin whose range excludes {@link #current()}:
 * minor versions only add, a major version may remove or change.
 */
public final class ApiVersion {

    private static final String VERSION = load();

    private ApiVersion() {
    }

    /** @return this API's version, for example {@code 1.0.0} */
    public static String current() {
        return VERSION;
    }

    /** @return the major component of {@link #current()} */
    public static int major() {
        return Integer.parseInt(VERSION.substring(0, VERSION.indexOf('.')));
    }

    private static String load() {
        try (InputStream in = ApiVersion.class.getResourceAsStream("api-version.properties")) {
            if (in == null) {
                throw new IllegalStateException("api-version.properties is missing from plugin-api");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

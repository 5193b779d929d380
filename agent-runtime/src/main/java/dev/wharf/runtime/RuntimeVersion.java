package dev.wharf.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The runtime's own version, stamped into a resource by the Maven build. */
public final class RuntimeVersion {

    private static final String RESOURCE = "version.properties";
    private static final String UNKNOWN = "unknown";

    private RuntimeVersion() {
    }

    public static String current() {
        try (InputStream in = RuntimeVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", UNKNOWN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

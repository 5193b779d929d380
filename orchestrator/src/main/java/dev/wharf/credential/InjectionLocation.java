package dev.wharf.credential;

import java.util.Arrays;
import java.util.Optional;

/** Where in a sandbox's outbound request an environment_variable credential's value may be put. */
public enum InjectionLocation {
    HEADER("header"),
    QUERY("query"),
    BODY("body");

    private final String wire;

    InjectionLocation(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<InjectionLocation> fromWire(String wire) {
        return Arrays.stream(values()).filter(location -> location.wire.equals(wire)).findFirst();
    }
}

package dev.wharf.egress.policy;

/** Where in a request a placeholder may be replaced by its value. */
public enum Location {
    HEADER, QUERY, BODY
}

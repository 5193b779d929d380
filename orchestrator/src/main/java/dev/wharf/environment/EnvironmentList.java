package dev.wharf.environment;

import java.util.List;

/** A page of environments, newest first. */
public record EnvironmentList(List<EnvironmentView> environments, String nextPageToken) {
}

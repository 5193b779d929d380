package dev.wharf.metering;

import dev.wharf.sandbox.SandboxException;
import dev.wharf.sandbox.SandboxHandle;
import dev.wharf.sandbox.SandboxProvider;
import dev.wharf.sandbox.SandboxSpec;
import dev.wharf.sandbox.SandboxState;
import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every sandbox start and removal, whoever asks for it (environment create and resume, idle expiry, deletion,
 * reconciliation of dead and orphaned containers), passes through here, so running time is metered in one place
 * and no path can start a sandbox that is not metered. A decorator on the provider rather than calls sprinkled
 * over the environment lifecycle, for that reason.
 *
 * <p>Provider calls block and run on worker threads, so waiting here for the ledger is allowed. A sandbox whose
 * start cannot be recorded is removed again: nothing runs unmetered. A stop that cannot be recorded is logged;
 * the interval stays open and the periodic pass closes it once it sees the container gone.
 */
@Decorator
@Priority(10)
public class MeteredSandboxProvider implements SandboxProvider {
    private static final Logger LOG = Logger.getLogger(MeteredSandboxProvider.class);

    @Inject
    @Delegate
    @Any
    SandboxProvider delegate;

    @Inject
    SandboxMeter meter;

    @Inject
    MeteringConfig config;

    @Override
    public SandboxHandle start(SandboxSpec spec) {
        SandboxHandle handle = delegate.start(spec);
        try {
            meter.opened(spec.environmentId(), handle.containerId()).await().atMost(config.writeTimeout());
        } catch (RuntimeException e) {
            delegate.remove(handle.containerId());
            throw new SandboxException("the sandbox was stopped again because its running time could not be"
                    + " recorded: " + e.getMessage(), null, e);
        }
        return handle;
    }

    @Override
    public Optional<Instant> remove(String containerId) {
        Optional<Instant> finishedAt = delegate.remove(containerId);
        try {
            meter.closed(containerId, finishedAt).await().atMost(config.writeTimeout());
        } catch (RuntimeException e) {
            LOG.warnf("the end of sandbox %s was not recorded yet (the metering pass will close it): %s", containerId,
                    e.getMessage());
        }
        return finishedAt;
    }

    @Override
    public void removeWorkspace(String volumeName) {
        delegate.removeWorkspace(volumeName);
    }

    @Override
    public Optional<SandboxState> inspect(String containerId) {
        return delegate.inspect(containerId);
    }

    @Override
    public List<SandboxState> list() {
        return delegate.list();
    }

    @Override
    public List<String> listWorkspaces() {
        return delegate.listWorkspaces();
    }
}

package dev.wharf.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.SandboxException;
import dev.wharf.sandbox.SandboxFailure;
import dev.wharf.sandbox.SandboxHandle;
import dev.wharf.sandbox.SandboxLabels;
import dev.wharf.sandbox.SandboxProvider;
import dev.wharf.sandbox.SandboxSpec;
import dev.wharf.sandbox.SandboxState;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Sandboxes as containers on one Docker engine, through docker-java. */
@ApplicationScoped
public class DockerSandboxProvider implements SandboxProvider {
    private static final Logger LOG = Logger.getLogger(DockerSandboxProvider.class);
    static final String KIND_SANDBOX = "sandbox";
    static final String KIND_WORKSPACE = "workspace";
    /** Seconds the daemon gets to stop cleanly before it is killed. */
    private static final int STOP_GRACE_SECONDS = 2;
    /** How long removal may take to finish before the caller moves on (50 x 100 ms). */
    private static final int REMOVAL_POLLS = 50;
    private static final long REMOVAL_POLL_MILLIS = 100;

    private final DockerClient docker;
    private final SandboxConfig config;
    private final WorkspaceImages images;
    private final DaemonTokenFiles tokens;

    public DockerSandboxProvider(DockerClient docker, SandboxConfig config, WorkspaceImages images,
                                 DaemonTokenFiles tokens) {
        this.docker = docker;
        this.config = config;
        this.images = images;
        this.tokens = tokens;
    }

    @Override
    public SandboxHandle start(SandboxSpec spec) {
        String name = containerName(spec.environmentId());
        // First: removing a stale container unmounts its workspace image, which ensureWorkspace then mounts.
        removeStaleContainer(name);
        ensureWorkspace(spec);
        Path tokenFile = tokens.write(spec.environmentId(), spec.daemonToken());
        List<String> env = new ArrayList<>();
        env.add("WHARF_ENVIRONMENT_ID=" + spec.environmentId());
        spec.env().forEach((key, value) -> env.add(key + "=" + value));
        CreateContainerResponse created = docker.createContainerCmd(config.image())
                .withName(name)
                .withHostName("sandbox")
                .withUser(SandboxHardening.USER)
                .withWorkingDir(SandboxHardening.WORKSPACE)
                .withEnv(env)
                .withLabels(SandboxLabels.forSandbox(config.deployment(), spec.environmentId(), KIND_SANDBOX))
                .withHostConfig(SandboxHardening.hostConfig(config, spec.volumeName(), tokenFile, spec.mounts()))
                .exec();
        String containerId = created.getId();
        try {
            docker.startContainerCmd(containerId).exec();
            return new SandboxHandle(containerId, daemonAddress(containerId));
        } catch (RuntimeException e) {
            SandboxFailure failure = inspect(containerId).map(SandboxFailure::diagnose).orElse(null);
            remove(containerId);
            throw new SandboxException("sandbox container failed to start: " + e.getMessage(), failure, e);
        }
    }

    /**
     * The workspace is an ext4 image mounted on the host (see WorkspaceImages) and a labelled volume binding the
     * directory inside it. A volume made before workspaces had images (no image file) is used as it is.
     */
    private void ensureWorkspace(SandboxSpec spec) {
        boolean volumeExists;
        try {
            docker.inspectVolumeCmd(spec.volumeName()).exec();
            volumeExists = true;
        } catch (NotFoundException absent) {
            volumeExists = false;
        }
        if (volumeExists && !images.exists(spec.volumeName())) {
            LOG.warnf("workspace %s predates size limits: it has no image and no limit", spec.volumeName());
            return;
        }
        Path data = images.prepare(spec.volumeName(), spec.workspaceBytes());
        if (!volumeExists) {
            docker.createVolumeCmd()
                    .withName(spec.volumeName())
                    .withLabels(SandboxLabels.forSandbox(config.deployment(), spec.environmentId(), KIND_WORKSPACE))
                    // A bind, not o=loop: the local driver hands options to mount(2), which has no loop option.
                    .withDriverOpts(Map.of("type", "none", "o", "bind", "device", data.toString()))
                    .exec();
        }
    }

    /** A container left behind by a crash between create and record must not block the name. */
    private void removeStaleContainer(String name) {
        List<Container> stale = docker.listContainersCmd().withShowAll(true)
                .withNameFilter(List.of(name)).exec();
        stale.stream()
                .filter(c -> c.getNames() != null && List.of(c.getNames()).contains("/" + name))
                .forEach(c -> remove(c.getId()));
    }

    private String daemonAddress(String containerId) {
        String host = config.addressOverride().orElseGet(() -> {
            InspectContainerResponse inspected = docker.inspectContainerCmd(containerId).exec();
            Map<String, ContainerNetwork> networks = inspected.getNetworkSettings().getNetworks();
            ContainerNetwork network = networks == null ? null : networks.get(config.network());
            if (network == null || network.getIpAddress() == null || network.getIpAddress().isEmpty()) {
                throw new SandboxException("sandbox has no address on network " + config.network(), null);
            }
            return network.getIpAddress();
        });
        return "http://" + host + ":" + config.daemonPort();
    }

    @Override
    public Optional<Instant> remove(String containerId) {
        // One inspect before the stop: what the container mounts and whose it is, both gone once it is removed.
        Optional<InspectContainerResponse> before = inspected(containerId);
        Optional<String> workspace = before.flatMap(DockerSandboxProvider::workspaceOf);
        Optional<String> environmentId = before.map(c -> c.getConfig().getLabels())
                .map(labels -> labels.get(SandboxLabels.ENVIRONMENT));
        try {
            docker.stopContainerCmd(containerId).withTimeout(STOP_GRACE_SECONDS).exec();
        } catch (NotFoundException gone) {
            return Optional.empty();
        } catch (RuntimeException notRunning) {
            LOG.debugf("stop %s: %s", containerId, notRunning.getMessage());
        }
        // Read between stop and remove: once removed, the engine forgets when the container stopped, which
        // metering needs.
        Optional<Instant> finishedAt = inspect(containerId).map(SandboxState::finishedAt);
        try {
            docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(false).exec();
        } catch (NotFoundException gone) {
            return finishedAt;
        } catch (ConflictException inProgress) {
            LOG.debugf("removal of %s already in progress", containerId);
        }
        awaitGone(containerId);
        environmentId.ifPresent(tokens::remove);
        // The image is mounted only while a sandbox runs on it; the files stay in the image. Best effort: the
        // container is gone either way, and the next start or the workspace's removal finds the mount.
        workspace.ifPresent(volume -> {
            try {
                if (images.exists(volume)) {
                    images.unmount(volume);
                }
            } catch (RuntimeException e) {
                LOG.warnf("workspace %s not unmounted: %s", volume, e.getMessage());
            }
        });
        return finishedAt;
    }

    private Optional<InspectContainerResponse> inspected(String containerId) {
        try {
            return Optional.of(docker.inspectContainerCmd(containerId).exec());
        } catch (NotFoundException gone) {
            return Optional.empty();
        }
    }

    /** The volume the container has at /workspace. */
    private static Optional<String> workspaceOf(InspectContainerResponse container) {
        List<InspectContainerResponse.Mount> mounts = container.getMounts();
        return mounts == null ? Optional.empty() : mounts.stream()
                .filter(m -> m.getDestination() != null
                        && SandboxHardening.WORKSPACE.equals(m.getDestination().getPath()) && m.getName() != null)
                .map(InspectContainerResponse.Mount::getName)
                .findFirst();
    }

    /**
     * The engine may still be tearing a container down when it answers (or when another removal is under way);
     * its workspace volume stays "in use" until it is gone, so callers that remove the volume next wait here.
     */
    private void awaitGone(String containerId) {
        for (int attempt = 0; attempt < REMOVAL_POLLS; attempt++) {
            try {
                docker.inspectContainerCmd(containerId).exec();
            } catch (NotFoundException gone) {
                return;
            }
            try {
                Thread.sleep(REMOVAL_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warnf("container %s still present after removal", containerId);
    }

    @Override
    public void removeWorkspace(String volumeName) {
        try {
            docker.removeVolumeCmd(volumeName).exec();
        } catch (NotFoundException gone) {
            // Already removed.
        }
        // After the volume: while a volume binds into the image, the image must stay.
        images.remove(volumeName);
    }

    @Override
    public Optional<SandboxState> inspect(String containerId) {
        return inspected(containerId).map(this::toState);
    }

    private SandboxState toState(InspectContainerResponse inspected) {
        InspectContainerResponse.ContainerState state = inspected.getState();
        Map<String, String> labels = inspected.getConfig().getLabels();
        Long exitCode = state.getExitCodeLong();
        boolean running = Boolean.TRUE.equals(state.getRunning());
        return new SandboxState(
                inspected.getId(),
                labels == null ? null : labels.get(SandboxLabels.ENVIRONMENT),
                running,
                Boolean.TRUE.equals(state.getOOMKilled()),
                exitCode == null ? null : exitCode.intValue(),
                state.getError(),
                running ? null : engineTime(state.getFinishedAt()));
    }

    /** The engine's RFC 3339 time; it reports year 1 for "never". */
    private static Instant engineTime(String time) {
        if (time == null || time.isBlank() || time.startsWith("0001-")) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public List<SandboxState> list() {
        List<Container> containers = docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(SandboxLabels.forDeployment(config.deployment(), KIND_SANDBOX))
                .exec();
        List<SandboxState> states = new ArrayList<>(containers.size());
        for (Container container : containers) {
            boolean running = "running".equals(container.getState());
            if (running) {
                states.add(new SandboxState(container.getId(), container.getLabels().get(SandboxLabels.ENVIRONMENT),
                        true, false, null, null));
            } else {
                inspect(container.getId()).ifPresent(states::add);
            }
        }
        tokens.removeAllBut(states.stream().map(SandboxState::environmentId).filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.toSet()));
        return states;
    }

    @Override
    public List<String> listWorkspaces() {
        List<InspectVolumeResponse> volumes = docker.listVolumesCmd()
                .withFilter("label", List.of(
                        SandboxLabels.DEPLOYMENT + "=" + config.deployment(),
                        SandboxLabels.KIND + "=" + KIND_WORKSPACE))
                .exec().getVolumes();
        java.util.Set<String> names = new java.util.TreeSet<>(images.list());
        if (volumes != null) {
            volumes.stream().map(InspectVolumeResponse::getName).forEach(names::add);
        }
        return List.copyOf(names);
    }

    String containerName(String environmentId) {
        return "wharf-" + config.deployment() + "-" + environmentId;
    }
}

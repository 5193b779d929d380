#!/usr/bin/env bash
# Builds the sandbox image wharf/sandbox:<version> (and :latest), where <version> comes from
# version.sh. A no-op when that tag already exists, so callers may run it on every start.
#
#   build.sh            build if wharf/sandbox:<version> is missing
#   build.sh --force    rebuild even if it exists (unchanged layers still come from the cache)
#   build.sh --force --no-cache   rebuild every layer, reinstalling the packages
#
# Environment:
#   WHARF_BASE_IMAGE   use this base image instead of searching (must exist or be pullable)
#   WHARF_BOOTSTRAP_TAG  tag for a debootstrapped base (default wharf/debian-base:bookworm)
#   WHARF_PULL_TIMEOUT seconds to wait for `docker pull debian:bookworm` (default 20)
#   DEBIAN_MIRROR      mirror for debootstrap (default http://deb.debian.org/debian)
#   DEBIAN_SECURITY_MIRROR  security mirror (default http://deb.debian.org/debian-security)
#   NPM_REGISTRY       where node/packages.pin is fetched from (default https://registry.npmjs.org)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

upstream_base=debian:bookworm
bootstrap_tag="${WHARF_BOOTSTRAP_TAG:-wharf/debian-base:bookworm}"
pull_timeout="${WHARF_PULL_TIMEOUT:-20}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
npm_registry="${NPM_REGISTRY:-https://registry.npmjs.org}"

say() { printf '==> %s\n' "$*"; }
die() { printf 'sandbox-image: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Prints the base image to build FROM, creating it with debootstrap if nothing else is available.
# Progress goes to stderr because stdout carries the answer.
ensure_base_image() {
  if [ -n "${WHARF_BASE_IMAGE:-}" ]; then
    image_exists "$WHARF_BASE_IMAGE" || timeout "$pull_timeout" docker pull -q "$WHARF_BASE_IMAGE" >&2 \
      || die "base image $WHARF_BASE_IMAGE (from WHARF_BASE_IMAGE) is neither present nor pullable"
    echo "$WHARF_BASE_IMAGE"
    return
  fi
  if image_exists "$upstream_base"; then
    say "base image: $upstream_base (present locally)" >&2
    echo "$upstream_base"
    return
  fi
  say "trying to pull $upstream_base (timeout ${pull_timeout}s)" >&2
  if timeout "$pull_timeout" docker pull -q "$upstream_base" >/dev/null 2>&1; then
    say "base image: $upstream_base (pulled)" >&2
    echo "$upstream_base"
    return
  fi
  if image_exists "$bootstrap_tag"; then
    say "no registry access; base image: $bootstrap_tag (present locally)" >&2
    echo "$bootstrap_tag"
    return
  fi
  bootstrap_base >&2
  echo "$bootstrap_tag"
}

# Builds a minimal Debian bookworm root file system from the Debian mirror and imports it as
# $bootstrap_tag: the same content as debian:bookworm, without a container registry.
bootstrap_base() {
  say "no registry access and no $bootstrap_tag: bootstrapping it from $mirror (about a minute)"
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
  fi
  local rootfs
  rootfs="$(mktemp -d /tmp/wharf-debootstrap.XXXXXX)"
  # Removed on every exit path; debootstrap leaves root-owned files, hence as_root.
  trap 'as_root rm -rf "'"$rootfs"'"' EXIT
  as_root debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/wharf-debootstrap.log 2>&1 \
    || die "debootstrap failed; see /tmp/wharf-debootstrap.log"
  # Security and point-release updates, like the official image; the mirror serves both.
  as_root tee "$rootfs/etc/apt/sources.list" >/dev/null <<EOF
deb ${mirror} bookworm main
deb ${mirror} bookworm-updates main
deb ${security_mirror} bookworm-security main
EOF
  as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  say "importing the root file system as $bootstrap_tag"
  as_root tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$bootstrap_tag" >/dev/null \
    || die "docker import of the bootstrapped root file system failed"
  as_root rm -rf "$rootfs"
  trap - EXIT
}

# The jar is rebuilt every time (Maven is incremental, so this is quick): the version hashes the
# agent-runtime sources, so a stale jar would ship under a version that claims newer code.
build_agent_runtime_jar() {
  say "building the agent runtime jar (./mvnw -pl agent-runtime -am package)"
  (cd "$root" && ./mvnw -q -B -pl agent-runtime -am package -DskipTests) \
    || die "building agent-runtime failed (see Maven output above)"
  [ -f "$root/agent-runtime/target/agent-runtime.jar" ] \
    || die "agent-runtime/target/agent-runtime.jar was not produced"
}

# The npm packages of node/packages.pin, fetched here rather than in the image build: the host's
# trust settings (a registry mirror, a TLS-inspecting proxy's CA) then apply, and the build needs
# no network beyond the Debian mirror. Each is checked against its pinned integrity and cached
# between builds, then unpacked into the context as node/<name>/ (what npm itself would install).
fetch_node_packages() {
  local target="$1" name version integrity cache tarball actual
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/wharf"
  while read -r name version integrity; do
    case "$name" in ''|'#'*) continue ;; esac
    tarball="$cache/${name}-${version}.tgz"
    if [ ! -s "$tarball" ]; then
      say "fetching ${name} ${version} from ${npm_registry}"
      mkdir -p "$cache"
      curl -fsSL --retry 2 -o "$tarball.partial" "${npm_registry}/${name}/-/${name}-${version}.tgz" \
        || die "cannot download ${name} ${version} from ${npm_registry} (set NPM_REGISTRY for a mirror)"
      mv "$tarball.partial" "$tarball"
    fi
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [ "$actual" != "$integrity" ]; then
      rm -f "$tarball"
      die "${name}-${version}.tgz has integrity ${actual}, not the pinned ${integrity} (node/packages.pin)"
    fi
    mkdir -p "$target/$name"
    tar -xzf "$tarball" -C "$target/$name" --strip-components=1 --no-same-owner
    chmod -R a+rX,go-w "$target/$name"
  done <"$here/node/packages.pin"
}

# The JVM silently ignores a CDS archive dumped with other flags (GC, heap size class) than it
# runs with. Replays the image's own entrypoint JVM flags with -Xshare:on, which fails instead.
check_cds_archive() {
  local tag="$1" arg flags=() in_java=false
  while IFS= read -r arg; do
    case "$arg" in
      java|*/java) in_java=true ;;
      -jar) break ;;
      -*) [ "$in_java" = true ] && flags+=("$arg") ;;
    esac
  done < <(docker image inspect -f '{{range .Config.Entrypoint}}{{println .}}{{end}}' "$tag")
  if docker run --rm --network none --entrypoint java "$tag" ${flags[@]+"${flags[@]}"} -Xshare:on \
      -cp /opt/wharf/agent-runtime.jar -version >/dev/null 2>&1; then
    say "class data sharing archive matches the entrypoint's JVM flags"
  else
    printf 'sandbox-image: warning: the JVM cannot use /opt/wharf/agent-runtime.jsa with the entrypoint flags (%s): sandboxes will start slower; align cds-train.sh with the Dockerfile\n' "${flags[*]}" >&2
  fi
}

main() {
  local force=false cache_flag=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --force) force=true ;;
      --no-cache) cache_flag=(--no-cache) ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
  done

  command -v docker >/dev/null 2>&1 || die "docker is not installed (./wharf image installs it)"
  docker info >/dev/null 2>&1 || die "cannot reach the Docker engine (is dockerd running? ./wharf image starts it)"

  local version tag
  version="$(bash "$here/version.sh")"
  tag="wharf/sandbox:${version}"
  say "sandbox image version: $version"
  if image_exists "$tag" && [ "$force" = false ]; then
    say "$tag already exists; nothing to do (use --force to rebuild)"
    return 0
  fi

  local base
  base="$(ensure_base_image)"
  build_agent_runtime_jar

  # A minimal context (Dockerfile, jar, training and entry scripts, the Node preload): the repository
  # itself is never sent to the engine.
  local context started elapsed
  context="$(mktemp -d /tmp/wharf-sandbox-context.XXXXXX)"
  trap 'rm -rf "'"$context"'"' EXIT
  cp "$here/Dockerfile" "$here/cds-train.sh" "$here/enter.sh" "$context/"
  mkdir "$context/node"
  cp "$here/node/egress.cjs" "$context/node/"
  fetch_node_packages "$context/node"
  # The legacy builder has no COPY --chmod: the mode travels with the file.
  chmod 0755 "$context/enter.sh"
  cp "$root/agent-runtime/target/agent-runtime.jar" "$context/agent-runtime.jar"

  say "building $tag from $base"
  started=$SECONDS
  docker build --force-rm ${cache_flag[@]+"${cache_flag[@]}"} \
    --build-arg "BASE_IMAGE=${base}" \
    --build-arg "VERSION=${version}" \
    -t "$tag" -t wharf/sandbox:latest \
    "$context" || die "docker build of $tag failed (see the build output above)"
  elapsed=$((SECONDS - started))
  rm -rf "$context"
  trap - EXIT

  check_cds_archive "$tag"
  local size
  size="$(docker image inspect -f '{{.Size}}' "$tag")"
  say "built $tag (also tagged wharf/sandbox:latest) in ${elapsed}s, $((size / 1000000)) MB"
}

main "$@"

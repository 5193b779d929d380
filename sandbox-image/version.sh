#!/usr/bin/env bash
# Prints the sandbox image version: a hash of every input that ends up in the image
# (this folder and the agent-runtime sources). Same inputs, same version, on any machine.
#   version.sh               -> 16 hex characters
#   version.sh --tag         -> wharf/sandbox:<version>
#   version.sh --properties  -> the orchestrator's default for wharf.sandbox.image
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
version=$(
  { find sandbox-image agent-runtime/src/main -type f ! -name '*.swp' ! -path '*/build/*' -print0
    printf '%s\0' agent-runtime/pom.xml pom.xml; } \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
)
case "${1:-}" in
  --tag) echo "wharf/sandbox:${version}" ;;
  --properties) echo "wharf.sandbox.image=wharf/sandbox:${version}" ;;
  *) echo "${version}" ;;
esac

#!/bin/bash
# Runs once at image build time (as root, before USER): writes /opt/wharf/agent-runtime.jsa, a
# class data sharing archive that shortens every sandbox's JVM start.
#
# Preferred: a dynamic archive recorded while the daemon starts and answers a request, so it
# holds the daemon's own classes (the JVM writes it when the daemon exits on SIGTERM).
# Fallback: a static archive of the JDK's default class list, which always works. Either way
# the entrypoint's -XX:SharedArchiveFile points at a valid file; a missing or mismatched archive
# would silently disable sharing altogether, default JDK archive included.
#
# JVM_FLAGS must match the entrypoint's flags in the Dockerfile: the JVM refuses an archive
# dumped with a different GC or pointer compression.
set -euo pipefail

JVM_FLAGS=(-XX:+UseSerialGC -Xmx64m -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k)
jar=/opt/wharf/agent-runtime.jar
archive=/opt/wharf/agent-runtime.jsa
port=7070

archive_usable() {
  [ -s "$archive" ] &&
    java "${JVM_FLAGS[@]}" -XX:SharedArchiveFile="$archive" -Xshare:on -cp "$jar" -version >/dev/null 2>&1
}

exercise_daemon() {
  local url="http://127.0.0.1:${port}" auth='Authorization: Bearer cds-training'
  curl -s -o /dev/null --max-time 10 -H "$auth" -H 'Content-Type: application/json' \
    -d '{"command":"echo training","timeout_seconds":5}' "$url/exec"
  curl -s -o /dev/null --max-time 10 -H "$auth" -X PUT --data-binary 'training' "$url/files/content?path=cds.txt"
  curl -s -o /dev/null --max-time 10 -H "$auth" "$url/files/content?path=cds.txt"
  curl -s -o /dev/null --max-time 10 -H "$auth" "$url/files?path=.&recursive=true"
  curl -s -o /dev/null --max-time 10 -H "$auth" -X DELETE "$url/files?path=cds.txt"
  curl -s -o /dev/null --max-time 10 -H "$auth" "$url/usage"
  curl -s -o /dev/null --max-time 10 "$url/no-such-endpoint"
}

train_dynamic() {
  local workspace pid served=false
  workspace=$(mktemp -d)
  WHARF_SANDBOX_TOKEN=cds-training java "${JVM_FLAGS[@]}" -XX:ArchiveClassesAtExit="$archive" \
    -jar "$jar" serve --port "$port" --workspace "$workspace" &
  pid=$!
  # Any HTTP answer means the daemon is serving. Then one call of each common kind loads the
  # request-handling classes; their answers do not matter (the archive is validated below).
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:${port}/health"; then
      served=true
      exercise_daemon || true
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  rm -rf "$workspace"
  [ "$served" = true ] && archive_usable
}

train_static() {
  rm -f "$archive"
  java "${JVM_FLAGS[@]}" -XX:SharedArchiveFile="$archive" -Xshare:dump >/dev/null
  archive_usable
}

if train_dynamic; then
  echo "cds-train: dynamic archive of the agent runtime written to $archive"
elif train_static; then
  echo "cds-train: daemon training failed; static JDK archive written to $archive instead" >&2
else
  # Leave no file behind: the JVM then starts without sharing, slower but correct.
  rm -f "$archive"
  echo "cds-train: could not create a class data sharing archive; continuing without" >&2
fi
chmod 0444 "$archive" 2>/dev/null || true

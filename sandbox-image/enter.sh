#!/bin/sh
# The sandbox's entrypoint: starts the rest of its arguments (tini and the daemon) as wharfd (uid
# 1001), keeping the capabilities the container was given as ambient ones, so the daemon can start
# commands as wharf (uid 1000) and manage their files. See the Dockerfile for which and why.
#
# A kernel without ambient capabilities (gVisor's before 2023, as in Debian 12's runsc) cannot keep
# them across the switch; there the daemon stays uid 0 of that kernel, holding only the same
# capabilities, and commands still run as uid 1000 with none.
set -eu
caps=-all,+setuid,+setgid,+kill,+dac_override,+chown,+fowner
if grep -q '^CapAmb:' /proc/self/status; then
  exec /usr/bin/setpriv --reuid=1001 --regid=1001 --clear-groups --inh-caps="$caps" --ambient-caps="$caps" -- "$@"
fi
echo "wharf-sandbox: this kernel has no ambient capabilities; the daemon runs as uid 0 of the sandbox's kernel" >&2
exec "$@"

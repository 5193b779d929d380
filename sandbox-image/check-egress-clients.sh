#!/usr/bin/env bash
# Checks that every common client in a sandbox goes through the egress proxy, trusting the right CAs, with no flag
# from the user: curl, Python (urllib, requests, pip), Node (fetch, npm), Java (HttpClient, HttpURLConnection), git and
# Chromium (through the browse tool's own code). Each check is one shell command and the text its output must contain;
# `list` prints them, for porting into tests.
#
#   check-egress-clients.sh inside
#       Run the checks here: inside a sandbox, as a user command (through the daemon's /exec, so the command gets the
#       environment commands really get). Prints PASS/FAIL per check; exits 1 when any failed.
#   check-egress-clients.sh list
#       Print each check: name, expected output, command.
#   check-egress-clients.sh sandbox IMAGE ENV_FILE TRUST_DIR
#       On the Docker host: start a sandbox container from IMAGE under the control plane's hardening profile, with no
#       DNS resolver (--dns 127.0.0.1), the variables of ENV_FILE (docker --env-file format: what
#       EgressProxyVariables.forProxy gives) and TRUST_DIR's files bound read-only where SandboxTrustFiles binds them;
#       run `inside` through its daemon; check the daemon's own log; remove the container. EGRESS_CHECK_NETWORK
#       (default bridge) is the Docker network, whose gateway the proxy must listen on.
#
# What the proxy and the servers behind it must provide (the names are never resolved in the sandbox; the proxy maps
# them to local servers). Set EGRESS_CHECK_* to use others:
#   EGRESS_CHECK_HOST         (www.test)     allowed, TLS terminated by the proxy (leaf signed by the egress CA), also
#                                            over plain http. Serves /hello.txt = "hello-egress" and / = an HTML page
#                                            titled "Lab page" whose script writes "scripts ran".
#   EGRESS_CHECK_TUNNEL_HOST  (direct.test)  allowed, tunnelled: its own certificate, issued by the operator's upstream
#                                            CA. Serves the same two files.
#   EGRESS_CHECK_DENIED_HOST  (shop.example) not allowed: the proxy answers 403, to CONNECT and to plain requests.
#   EGRESS_CHECK_PYPI   (https://pypi.test/simple/)  a PEP 503 index with wharf-probe 1.0 (a wheel whose module
#                                                    wharf_probe has VALUE = "probe").
#   EGRESS_CHECK_NPM    (https://npm.test/)          an npm registry with wharf-probe 1.0.0 (index.js exports "probe").
#   EGRESS_CHECK_GIT    (https://git.test/repo.git)  a dumb-HTTP repository (git update-server-info) with branch
#                                                    main whose README contains "egress works".
set -uo pipefail

host="${EGRESS_CHECK_HOST:-www.test}"
tunnel="${EGRESS_CHECK_TUNNEL_HOST:-direct.test}"
denied="${EGRESS_CHECK_DENIED_HOST:-shop.example}"
pypi="${EGRESS_CHECK_PYPI:-https://pypi.test/simple/}"
npm_registry="${EGRESS_CHECK_NPM:-https://npm.test/}"
git_url="${EGRESS_CHECK_GIT:-https://git.test/repo.git}"
work=/tmp/wharf-egress-check
three="hello-egress hello-egress hello-egress"
urls="https://$host/hello.txt https://$tunnel/hello.txt http://$host/hello.txt"

# One Java program for both JDK clients, with no proxy option of its own: the JVM's default proxy selection must do.
java_source='import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

public class EgressCheck {
    public static void main(String[] args) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            URI uri = URI.create(args[i]);
            try {
                if (args[0].equals("httpclient")) {
                    HttpResponse<String> r = HttpClient.newHttpClient()
                            .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                    out.add(r.statusCode() == 200 ? r.body().strip() : "status " + r.statusCode());
                } else {
                    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
                    out.add(c.getResponseCode() == 200
                            ? new String(c.getInputStream().readAllBytes()).strip() : "status " + c.getResponseCode());
                }
            } catch (IOException e) {
                out.add("error: " + e.getMessage());
            }
        }
        System.out.println(String.join(" ", out));
    }
}'

node_fetch='Promise.all(process.argv.slice(1).map(u => fetch(u).then(r => r.text()).then(t => t.trim(),
  e => "error: " + (e.cause ? e.cause.code + " " + e.cause.message : e.message)))).then(t => console.log(t.join(" ")))'

py_urllib='import sys, urllib.request
print(" ".join(urllib.request.urlopen(u, timeout=20).read().decode().strip() for u in sys.argv[1:]))'

py_requests='import sys, requests
print(" ".join(requests.get(u, timeout=20).text.strip() for u in sys.argv[1:]))'

names=() expected=() commands=()
check() { names+=("$1"); expected+=("$2"); commands+=("$3"); }

# The sandbox resolves nothing: every client below must hand the name to the proxy.
check no-local-dns            "unresolvable" "getent hosts $host || echo unresolvable"
check java-options-for-commands "-Dhttps.proxyHost=" "printenv JAVA_TOOL_OPTIONS"
check no-command-only-names   "none" "env | grep '^WHARF_COMMAND_ENV_' || echo none"
check curl-http               "hello-egress" "curl -sS --max-time 20 http://$host/hello.txt"
check curl-https-egress-ca    "hello-egress" "curl -sS --max-time 20 https://$host/hello.txt"
check curl-https-upstream-ca  "hello-egress" "curl -sS --max-time 20 https://$tunnel/hello.txt"
check curl-denied-http        "403" "curl -sS --max-time 20 -o /dev/null -w '%{http_code}' http://$denied/"
check curl-denied-https       "CONNECT tunnel failed, response 403" "curl -sS --max-time 20 https://$denied/ 2>&1"
check python-urllib           "$three" "python3 -c '$py_urllib' $urls"
check python-requests         "$three" "python3 -c '$py_requests' $urls"
check pip-download            "wharf_probe-1.0-py3-none-any.whl" \
      "d=\$(mktemp -d) && pip download -q --no-deps --index-url $pypi -d \$d wharf-probe && ls \$d"
check pip-install             "imported probe" \
      "pip install -q --no-deps --index-url $pypi wharf-probe 2>&1 && python3 -c 'import wharf_probe; print(\"imported\", wharf_probe.VALUE)'"
check node-fetch              "$three" "node -e '$node_fetch' $urls"
check node-fetch-denied       "WHARF_EGRESS_DENIED" "node -e '$node_fetch' https://$denied/"
check npm-view                "1.0.0" "npm view wharf-probe version --registry $npm_registry"
check npm-install             "imported probe" \
      "cd \$(mktemp -d) && npm install --silent --no-audit --no-fund --registry $npm_registry wharf-probe && node -p '\"imported \" + require(\"wharf-probe\")'"
check java-httpclient         "$three" "java $work/EgressCheck.java httpclient $urls 2>/dev/null"
check java-urlconnection      "$three" "java $work/EgressCheck.java urlconnection $urls 2>/dev/null"
check java-denied             "error: Tunnel failed, got: 403" "java $work/EgressCheck.java httpclient https://$denied/ 2>/dev/null"
check git-ls-remote           "refs/heads/main" "git ls-remote $git_url"
check git-clone               "egress works" "d=\$(mktemp -d) && git clone -q $git_url \$d/repo && cat \$d/repo/README"
check chromium-egress-ca      "scripts ran" "java -jar /opt/wharf/agent-runtime.jar browse https://$host/ 2>/dev/null"
check chromium-upstream-ca    "scripts ran" "java -jar /opt/wharf/agent-runtime.jar browse https://$tunnel/ 2>/dev/null"
check chromium-denied-http    "browse failed: the network policy denied this page: the sandbox's egress proxy answered 403 Forbidden to http://$denied/" \
      "java -jar /opt/wharf/agent-runtime.jar browse http://$denied/ 2>/dev/null"
check chromium-denied-https   "browse failed: the network policy denied this page: the sandbox's egress proxy answered 403 Forbidden to CONNECT $denied:443" \
      "java -jar /opt/wharf/agent-runtime.jar browse https://$denied/ 2>/dev/null"
# Servers a command starts inside the sandbox stay reachable: loopback never goes to the proxy.
check loopback-bypasses-proxy "local local local" \
      "d=\$(mktemp -d); echo local > \$d/x; python3 -m http.server 8765 --bind 127.0.0.1 --directory \$d >/dev/null 2>&1 & p=\$!; sleep 1; echo \$(curl -sS http://127.0.0.1:8765/x) \$(node -e 'fetch(\"http://localhost:8765/x\").then(r => r.text()).then(t => console.log(t.trim()))') \$(python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://localhost:8765/x\").read().decode().strip())'); kill \$p"

inside() {
  mkdir -p "$work"
  printf '%s\n' "$java_source" >"$work/EgressCheck.java"
  local i failed=0 output
  for i in "${!names[@]}"; do
    output="$(timeout 120 bash -c "${commands[$i]}" 2>&1)"
    if [[ "$output" == *"${expected[$i]}"* ]]; then
      printf 'PASS %s\n' "${names[$i]}"
    else
      failed=$((failed + 1))
      printf 'FAIL %s\n  expected: %s\n  command:  %s\n  output:   %s\n' "${names[$i]}" "${expected[$i]}" \
        "${commands[$i]}" "$(printf '%s' "$output" | head -c 2000)"
    fi
  done
  printf '%d passed, %d failed\n' "$((${#names[@]} - failed))" "$failed"
  [ "$failed" -eq 0 ]
}

list() {
  local i
  for i in "${!names[@]}"; do
    printf '%s\n  expect: %s\n  run:    %s\n' "${names[$i]}" "${expected[$i]}" "${commands[$i]}"
  done
}

sandbox() {
  [ $# -eq 3 ] || { sed -n '2,40s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
  local image="$1" env_file="$2" trust="$3" network="${EGRESS_CHECK_NETWORK:-bridge}"
  local script scratch name ip status=0
  script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
  scratch="$(mktemp -d /tmp/wharf-egress-check.XXXXXX)"
  name="wharf-egress-check-$$"
  # The daemon reads its token as uid 1001, like the control plane's token files.
  head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$scratch/token"
  chown 1001:1001 "$scratch/token" && chmod 0400 "$scratch/token"
  trap 'docker rm -f "'"$name"'" >/dev/null 2>&1; rm -rf "'"$scratch"'"' EXIT
  # The hardening profile of SandboxHardening (docs/ARCHITECTURE.md), minus limits that do not matter here.
  docker run -d --pull never --name "$name" --label dev.wharf.check=egress-clients \
    --network "$network" --dns 127.0.0.1 \
    --read-only --cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add KILL --cap-add DAC_OVERRIDE \
    --cap-add CHOWN --cap-add FOWNER --security-opt no-new-privileges --user 0:0 \
    --tmpfs /tmp:rw,exec,nosuid,nodev,size=256m --tmpfs /home/wharf:rw,nosuid,nodev,size=64m,uid=1000,gid=1000 \
    --memory 1g --pids-limit 512 \
    --env-file "$env_file" \
    -v "$scratch/token:/run/wharf/token:ro" \
    -v "$trust/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro" \
    -v "$trust/cacerts:/etc/ssl/certs/java/cacerts:ro" \
    -v "$trust/egress-ca.crt:/etc/wharf/egress-ca.crt:ro" \
    -v "$trust/extra-ca.crt:/etc/wharf/extra-ca.crt:ro" \
    -v "$script:/opt/wharf-check/check-egress-clients.sh:ro" \
    "$image" >/dev/null || exit 1
  ip="$(docker inspect -f "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}" "$name")"
  local _
  for _ in $(seq 1 50); do
    curl -s --noproxy '*' -o /dev/null "http://$ip:7070/health" && break
    sleep 0.2
  done
  # Through the daemon's /exec: the command gets the environment user commands get.
  python3 - "$ip" "$scratch/token" <<'PY' || status=1
import json, os, sys, urllib.request
ip, token_file = sys.argv[1:]
env = {k: v for k, v in os.environ.items() if k.startswith("EGRESS_CHECK_")}
request = urllib.request.Request(f"http://{ip}:7070/exec", method="POST",
    data=json.dumps({"command": ["bash", "/opt/wharf-check/check-egress-clients.sh", "inside"],
                     "timeout_seconds": 900, "env": env}).encode(),
    headers={"Authorization": "Bearer " + open(token_file).read().strip(), "Content-Type": "application/json"})
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
result = json.load(opener.open(request, timeout=960))
sys.stdout.write(result.get("stdout", ""))
sys.stderr.write(result.get("stderr", ""))
sys.exit(0 if result.get("exit_code") == 0 else 1)
PY
  # The daemon is a JVM started from the same environment: it must not have picked up the commands' JVM options.
  if docker logs "$name" 2>&1 | grep -q 'Picked up'; then
    echo "FAIL daemon-jvm-untouched"; docker logs "$name" 2>&1 | grep 'Picked up'; status=1
  else
    echo "PASS daemon-jvm-untouched"
  fi
  return "$status"
}

case "${1:-}" in
  inside) inside ;;
  list) list ;;
  sandbox) shift; sandbox "$@" ;;
  *) sed -n '2,40s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac

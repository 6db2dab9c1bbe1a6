#!/usr/bin/env bash
# Benchmark (not a test): end-to-end CNI ADD latency and peak memory of `istio-cni` against Debian's `ptp` ADD on
# this machine, each exec'd the way a container runtime execs a plugin, median of RUNS runs, side by side in one run:
#   - ptp's ADD (the yardstick);
#   - istio-cni's ADD with the node agent: a real `istio-cni install` serves <run dir>/pod.sock and sets the pod up
#     from its informer cache (issue 10);
#   - istio-cni's ADD without it (another run dir, no pod.sock): the plugin fetches the pod itself.
# The pod is served over TLS, with the CA in the kubeconfig as the installer writes it (the production default), by
# a small local API endpoint (127.0.0.1 only): pod GET, and the node's pod list and watch for the agent's informer.
# HTTP=1 serves plain http instead. Breakdown printed: the JVM start (CNI_COMMAND=VERSION), the agent's own work
# (the median of its "pod set-up ... done in N ms" lines), and what is left for the plugin's reading and request.
# Root needed. Usage: sudo bash scripts/bench/plugin-add.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-21}
CLI=$(pwd)/target/istio-cni
[ -x "$CLI" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || apt-get install -y -q time >/dev/null

WORK=$(mktemp -d)
chmod 755 "$WORK"
NS=bench-cni-$$
cleanup() {
  set +e
  [ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
  [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null
  [ -n "${LOGSOCK_PID:-}" ] && kill "$LOGSOCK_PID" 2>/dev/null
  ip netns del "$NS-a" 2>/dev/null
  ip netns del "$NS-b" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

SCHEME=https
if [ -n "${HTTP:-}" ]; then
  SCHEME=http
else
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/api.key" -out "$WORK/api.crt" -days 2 \
    -subj "/CN=bench-apiserver" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
fi

# The API endpoint: the pod GET, and the node's pod list and watch (kept open, no events) for the agent's informer.
cat > "$WORK/api.py" <<'PY'
import http.server, json, ssl, sys, time
pod = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-1", "namespace": "shop", "uid": "bench-uid", "resourceVersion": "1",
                    "annotations": {"sidecar.istio.io/status": "{\"containers\":[\"istio-proxy\"]}"}},
       "spec": {"nodeName": "bench-node",
                "containers": [{"name": "app"}, {"name": "istio-proxy", "args": ["proxy", "sidecar"]}]}}
one = json.dumps(pod).encode()
listing = json.dumps({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"},
                      "items": [pod]}).encode()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.path.startswith("/api/v1/pods") and "watch=true" in self.path:
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked"); self.end_headers(); self.wfile.flush()
            time.sleep(3600)
            return
        body = listing if self.path.startswith("/api/v1/pods") else one
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
if len(sys.argv) > 2:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
if [ "$SCHEME" = https ]; then
  coproc API { exec /usr/bin/python3 "$WORK/api.py" "$WORK/api.crt" "$WORK/api.key"; }
else
  coproc API { exec /usr/bin/python3 "$WORK/api.py"; }
fi
read -r PORT <&"${API[0]}"
mkdir -p "$WORK/run" "$WORK/solo" "$WORK/bin" "$WORK/ipam" "$WORK/net.d" "$WORK/image-bin" "$WORK/opt-bin" "$WORK/sa"
chmod 755 "$WORK/run"

# The node agent's log socket for the in-process run (the agent's own serves its run dir).
cat > "$WORK/logsock.py" <<'PY'
import socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        length = 0
        while True:
            line = self.rfile.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        self.rfile.read(length)
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
s = socketserver.ThreadingUnixStreamServer(sys.argv[1], H)
s.serve_forever()
PY
/usr/bin/python3 "$WORK/logsock.py" "$WORK/solo/log.sock" >/dev/null &
LOGSOCK_PID=$!
ln -s "$CLI" "$WORK/image-bin/istio-cni"

# The agent: `istio-cni install` as the DaemonSet runs it, its client from a kubeconfig (outside a pod).
if [ "$SCHEME" = https ]; then
  CA_LINE="certificate-authority-data: $(base64 -w0 "$WORK/api.crt")"
  cp "$WORK/api.crt" "$WORK/sa/ca.crt"
else
  CA_LINE="insecure-skip-tls-verify: true"
  : >"$WORK/sa/ca.crt"
fi
cat > "$WORK/agent-kubeconfig" <<EOF2
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$SCHEME://127.0.0.1:$PORT", $CA_LINE}}]
users: [{name: istio-cni, user: {token: bench}}]
contexts: [{name: c, context: {cluster: local, user: istio-cni}}]
current-context: c
EOF2
echo bench >"$WORK/sa/token"
echo istio-system >"$WORK/sa/namespace"
echo '{"cniVersion":"1.0.0","name":"bench","plugins":[{"type":"ptp"}]}' >"$WORK/net.d/10-ptp.conflist"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HEALTH=$(free_port); METRICS=$(free_port)
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin KUBECONFIG="$WORK/agent-kubeconfig" MOUNTED_CNI_NET_DIR="$WORK/net.d" \
  CNI_BIN_SOURCE_DIR="$WORK/image-bin" CNI_BIN_TARGET_DIRS="$WORK/opt-bin" CNI_AGENT_RUN_DIR="$WORK/run" \
  SERVICE_ACCOUNT_PATH="$WORK/sa" KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$PORT" \
  KUBERNETES_SERVICE_PROTOCOL="$SCHEME" SKIP_TLS_VERIFY="$([ "$SCHEME" = http ] && echo true || echo false)" \
  HEALTH_PORT="$HEALTH" MONITORING_PORT="$METRICS" REPAIR_ENABLED=false NODE_NAME=bench-node \
  POD_NAMESPACE=istio-system HOST_PROC_PATH=/proc "$CLI" install >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$HEALTH/readyz" >/dev/null 2>&1 && [ -S "$WORK/run/pod.sock" ] && break
  sleep 0.1
done
[ -S "$WORK/run/pod.sock" ] || { echo "the agent did not start:"; cat "$WORK/agent.log"; exit 1; }
for _ in $(seq 100); do
  curl -s "http://127.0.0.1:$METRICS/metrics" | grep -q '^istio_cni_pod_setup_cached_pods 1' && break
  sleep 0.1
done
cp "$WORK/run/istio-cni-kubeconfig" "$WORK/solo/istio-cni-kubeconfig" # the in-process run: the same kubeconfig
# the plugin as a runtime execs it: the file the agent installed into the CNI bin dir (a copy, not a link)
[ -x "$WORK/opt-bin/istio-cni" ] || { echo "the agent installed no plugin:"; cat "$WORK/agent.log"; exit 1; }
PLUGIN=$WORK/opt-bin/istio-cni

PTP_CONF='{"cniVersion":"1.0.0","name":"bench","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","subnet":"10.253.128.0/24","dataDir":"'$WORK/ipam'"}}'
export CNI_PATH=$WORK/bin:/usr/lib/cni CNI_CONTAINERID=bench CNI_IFNAME=eth0
export CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;K8S_POD_UID=bench-uid"

ptp_ms=(); ptp_kb=(); agent_ms=(); agent_kb=(); solo_ms=(); solo_kb=(); version_ms=()
# one istio-cni ADD against run dir $1 in namespace $2: appends "ms kb" to $3
istio_add() {
  local run=$1 ns=$2 result t0 t1
  export CNI_NETNS=/var/run/netns/$ns CNI_CONTAINERID=bench-$ns-$i
  result=$(CNI_COMMAND=ADD /usr/lib/cni/ptp <<<"$PTP_CONF") || { echo "ptp ADD failed: $result" >&2; exit 1; }
  conf='{"cniVersion":"1.0.0","name":"bench","type":"istio-cni","cni_agent_run_dir":"'$run'","plugin_log_level":"'${LOG_LEVEL:-info}'","exclude_namespaces":["kube-system"],"pod_namespace":"istio-system","prevResult":'$result'}'
  t0=$(date +%s%N)
  CNI_COMMAND=ADD /usr/bin/time -f '%M' -o "$WORK/cni.rss" "$PLUGIN" <<<"$conf" >"$WORK/out" 2>"$WORK/err" \
    || { echo "istio-cni ADD ($run) failed:" >&2; cat "$WORK/out" "$WORK/err" >&2; exit 1; }
  t1=$(date +%s%N)
  echo "$((t1 - t0)) $(tail -n1 "$WORK/cni.rss")"
  CNI_COMMAND=DEL /usr/lib/cni/ptp <<<"$PTP_CONF" >/dev/null || true
}
for i in $(seq "$RUNS"); do
  ip netns add "$NS-a"; ip netns add "$NS-b"
  export CNI_NETNS=/var/run/netns/$NS-a CNI_CONTAINERID=bench-ptp-$i
  t0=$(date +%s%N)
  CNI_COMMAND=ADD /usr/bin/time -f '%M' -o "$WORK/ptp.rss" /usr/lib/cni/ptp <<<"$PTP_CONF" >/dev/null
  t1=$(date +%s%N)
  ptp_ms+=($((t1 - t0))); ptp_kb+=($(tail -n1 "$WORK/ptp.rss"))
  CNI_COMMAND=DEL /usr/lib/cni/ptp <<<"$PTP_CONF" >/dev/null || true
  read -r ms kb < <(istio_add "$WORK/run" "$NS-a"); agent_ms+=("$ms"); agent_kb+=("$kb")
  grep -q 'by the node agent' "$WORK/err" || { echo "not served by the agent:"; cat "$WORK/err"; exit 1; }
  read -r ms kb < <(istio_add "$WORK/solo" "$NS-b"); solo_ms+=("$ms"); solo_kb+=("$kb")
  t0=$(date +%s%N); CNI_COMMAND=VERSION "$PLUGIN" </dev/null >/dev/null; t1=$(date +%s%N)
  version_ms+=($((t1 - t0)))
  ip netns del "$NS-a"; ip netns del "$NS-b"
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
p_ms=$(printf '%s\n' "${ptp_ms[@]}" | median); p_kb=$(printf '%s\n' "${ptp_kb[@]}" | median)
a_ms=$(printf '%s\n' "${agent_ms[@]}" | median); a_kb=$(printf '%s\n' "${agent_kb[@]}" | median)
s_ms=$(printf '%s\n' "${solo_ms[@]}" | median); s_kb=$(printf '%s\n' "${solo_kb[@]}" | median)
v_ms=$(printf '%s\n' "${version_ms[@]}" | median)
# the agent's own time per pod, median: its "pod set-up ADD ... done in N ms" lines (the first one includes the
# iptables variant detection, done once)
work_ms=$(sed -n 's/.*pod set-up ADD .* done in \([0-9]*\) ms.*/\1/p' "$WORK/agent.log" | median)
awk -v pm="$p_ms" -v am="$a_ms" -v sm="$s_ms" -v vm="$v_ms" -v pk="$p_kb" -v ak="$a_kb" -v sk="$s_kb" \
    -v w="${work_ms:-0}" -v n="$RUNS" -v scheme="$SCHEME" 'BEGIN {
  printf "runs: %d, pod served over %s\n", n, scheme
  printf "ptp ADD:                     median %7.1f ms, peak RSS %6.1f MB\n", pm/1e6, pk/1024
  printf "istio-cni ADD, node agent:   median %7.1f ms, peak RSS %6.1f MB, %5.1fx ptp\n", am/1e6, ak/1024, am/pm
  printf "istio-cni ADD, in-process:   median %7.1f ms, peak RSS %6.1f MB, %5.1fx ptp\n", sm/1e6, sk/1024, sm/pm
  printf "breakdown (agent path, medians): JVM start (VERSION) %.1f ms, agent work %.1f ms, rest %.1f ms\n",
    vm/1e6, w, am/1e6 - vm/1e6 - w }'

#!/usr/bin/env bash
# Benchmark (not a test): end-to-end CNI ADD latency and peak memory of `istio-cni` against Debian's `ptp` ADD on
# this machine, each exec'd the way a container runtime execs a plugin, median of RUNS runs.
# The pod is served by a small local endpoint answering the plugin's pod GET (127.0.0.1 only).
# Root needed. Usage: sudo bash scripts/bench/plugin-add.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-21}
CLI=$(pwd)/target/istio-cni
[ -x "$CLI" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || apt-get install -y -q time >/dev/null

WORK=$(mktemp -d)
NS=bench-cni-$$
cleanup() {
  set +e
  [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null
  [ -n "${LOGSOCK_PID:-}" ] && kill "$LOGSOCK_PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# The API endpoint: every pod GET answers with one sidecar pod.
cat > "$WORK/api.py" <<'PY'
import http.server, json, sys
pod = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-1", "namespace": "shop",
                    "annotations": {"sidecar.istio.io/status": "{\"containers\":[\"istio-proxy\"]}"}},
       "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy", "args": ["proxy", "sidecar"]}]}}
body = json.dumps(pod).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
coproc API { exec /usr/bin/python3 "$WORK/api.py"; }
read -r PORT <&"${API[0]}"
mkdir -p "$WORK/run" "$WORK/bin" "$WORK/ipam"

# The node agent's log socket, as a running installer serves it: every plugin run POSTs its lines there at exit.
# NO_LOG_SOCKET=1 leaves it out (the plugin then skips the POST).
if [ -z "${NO_LOG_SOCKET:-}" ]; then
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
  /usr/bin/python3 "$WORK/logsock.py" "$WORK/run/log.sock" >/dev/null &
  LOGSOCK_PID=$!
  for _ in $(seq 100); do [ -S "$WORK/run/log.sock" ] && break; sleep 0.05; done
fi
ln -s "$CLI" "$WORK/bin/istio-cni"
cat > "$WORK/run/istio-cni-kubeconfig" <<EOF2
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "http://127.0.0.1:$PORT"}}]
users: [{name: istio-cni, user: {token: bench}}]
contexts: [{name: c, context: {cluster: local, user: istio-cni}}]
current-context: c
EOF2
PTP_CONF='{"cniVersion":"1.0.0","name":"bench","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","subnet":"10.253.128.0/24","dataDir":"'$WORK/ipam'"}}'
export CNI_PATH=$WORK/bin:/usr/lib/cni CNI_CONTAINERID=bench CNI_IFNAME=eth0
export CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1"

ptp_ms=(); ptp_kb=(); cni_ms=(); cni_kb=()
for i in $(seq "$RUNS"); do
  ip netns add "$NS"
  export CNI_NETNS=/var/run/netns/$NS
  t0=$(date +%s%N)
  result=$(CNI_COMMAND=ADD /usr/bin/time -f '%M' -o "$WORK/ptp.rss" /usr/lib/cni/ptp <<<"$PTP_CONF")
  t1=$(date +%s%N)
  conf='{"cniVersion":"1.0.0","name":"bench","type":"istio-cni","cni_agent_run_dir":"'$WORK/run'","plugin_log_level":"'${LOG_LEVEL:-info}'","exclude_namespaces":["kube-system"],"prevResult":'$result'}'
  t2=$(date +%s%N)
  CNI_COMMAND=ADD /usr/bin/time -f '%M' -o "$WORK/cni.rss" "$WORK/bin/istio-cni" <<<"$conf" >"$WORK/out" 2>"$WORK/err" \
    || { echo "istio-cni ADD failed:"; cat "$WORK/out" "$WORK/err"; exit 1; }
  t3=$(date +%s%N)
  ptp_ms+=($((t1 - t0))); cni_ms+=($((t3 - t2)))
  ptp_kb+=($(tail -n1 "$WORK/ptp.rss")); cni_kb+=($(tail -n1 "$WORK/cni.rss"))
  CNI_COMMAND=DEL /usr/lib/cni/ptp <<<"$PTP_CONF" >/dev/null || true
  [ -n "${KEEP_LOG:-}" ] && cp "$WORK/err" "$KEEP_LOG"
  ip netns del "$NS"
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
p_ms=$(printf '%s\n' "${ptp_ms[@]}" | median); c_ms=$(printf '%s\n' "${cni_ms[@]}" | median)
p_kb=$(printf '%s\n' "${ptp_kb[@]}" | median); c_kb=$(printf '%s\n' "${cni_kb[@]}" | median)
awk -v pm="$p_ms" -v cm="$c_ms" -v pk="$p_kb" -v ck="$c_kb" -v n="$RUNS" 'BEGIN {
  printf "runs: %d\n", n
  printf "ptp ADD:       median %7.1f ms, peak RSS %6.1f MB\n", pm/1e6, pk/1024
  printf "istio-cni ADD: median %7.1f ms, peak RSS %6.1f MB (pod fetched, rules applied)\n", cm/1e6, ck/1024
  printf "ratio: %.1fx time, %.1fx memory\n", cm/pm, ck/pk }'

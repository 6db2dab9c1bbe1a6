#!/usr/bin/env bash
# The main job on this machine: a node in miniature with a real container runtime. A private containerd (its CRI
# plugin, runc, a pause image made from busybox-static) runs on a scratch host layout whose primary CNI config is
# Debian's `ptp`; the installer (`istio-cni install`, the DaemonSet's entrypoint) chains istio-cni into it; pod
# sandboxes are then created through the CRI API exactly as kubelet creates them (RunPodSandbox, PodSandboxStatus,
# StopPodSandbox, RemovePodSandbox), for a meshed and a plain pod served over TLS by a local API endpoint. Real
# connections inside each sandbox's network namespace show the first captured and the second untouched; sandbox
# start times with and without istio-cni in the chain are compared; SIGTERM makes the installer put the node back.
# Root needed; everything started or created is stopped and removed on exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh   # JDK 25 selection and missing packages (containerd, runc, busybox-static, ...)
REPO=$(pwd)
CLI=$REPO/target/istio-cni
[ -x "$CLI" ] || mvn -B -q package -DskipTests
PY=/usr/bin/python3         # Debian's python3, which has python3-grpcio and python3-protobuf
CRI=("$PY" "$REPO/scripts/lib/cri/cri.py")

ID=$$
W=$(mktemp -d)
chmod 755 "$W"   # the probe also runs as uid 1000 and 1337
NETNS_LIST=()
PIDS=()
CTRD=$W/containerd
cleanup() {
  set +e
  trap - EXIT INT TERM
  [ -S "$CTRD/containerd.sock" ] && "${CRI[@]}" down "$CTRD" >/dev/null
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for ns in "${NETNS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "demo: stopped by a failing command at line $LINENO" >&2' ERR
step() { printf '\n== %s\n' "$*"; }
failures=0
ok() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
count() { [ -z "$1" ] && echo 0 || grep -c . <<<"$1"; }
field() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
median() { "$PY" -c 'import statistics,sys; print("%.0f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
chain() { "$PY" -c 'import json,sys; print(" -> ".join(p["type"] for p in json.load(open(sys.argv[1]))["plugins"]))' "$1"; }

step "Scratch host layout in $W"
CONF_DIR=$W/etc/cni/net.d; BIN_DIR=$W/opt/cni/bin; SRC_DIR=$W/image/opt/cni/bin; RUN_DIR=$W/var/run/istio-cni
SA_DIR=$W/serviceaccount
mkdir -p "$CONF_DIR" "$BIN_DIR" "$SRC_DIR" "$RUN_DIR" "$SA_DIR" "$W/ipam"
for p in ptp host-local loopback; do ln -s "/usr/lib/cni/$p" "$BIN_DIR/$p"; done
ln -s "$CLI" "$SRC_DIR/istio-cni"   # what the image would carry
# Written in the layout Istio's installer writes (sorted keys, two-space indent), in which it restores a file.
"$PY" - "$CONF_DIR/10-ptp.conflist" "$W/ipam" "demo-$ID" <<'PY'
import json, sys
conf = {"cniVersion": "1.0.0", "name": sys.argv[3], "plugins": [
    {"type": "ptp", "ipMasq": False,
     "ipam": {"type": "host-local", "subnet": "10.253.250.0/24", "dataDir": sys.argv[2]}}]}
open(sys.argv[1], "w").write(json.dumps(conf, indent=2, sort_keys=True) + "\n")
PY
cp "$CONF_DIR/10-ptp.conflist" "$W/10-ptp.conflist.orig"
echo "  primary CNI config: $CONF_DIR/10-ptp.conflist ($(chain "$CONF_DIR/10-ptp.conflist") + host-local)"

step "A private containerd (CRI plugin, runc, cgroupfs, overlayfs) on that layout"
"${CRI[@]}" up "$CTRD" "$CONF_DIR" "$BIN_DIR" >/dev/null || { fail "containerd did not start"; tail "$CTRD/containerd.log"; exit 1; }
SOCK=$CTRD/containerd.sock
ok "containerd $(containerd --version | awk '{print $3}') on $SOCK, pause image imported (busybox-static)"

step "Sandbox start time without istio-cni (chain: ptp)"
BASE=()
for i in 0 1 2 3 4 5; do   # the first one warms containerd up and is not counted
  s=$("${CRI[@]}" run "$SOCK" shop "plain-$i")
  [ "$i" = 0 ] || BASE+=("$(field "$s" ms)")
  "${CRI[@]}" stop "$SOCK" "$(field "$s" id)"; "${CRI[@]}" rm "$SOCK" "$(field "$s" id)"
done
echo "  RunPodSandbox: ${BASE[*]} ms"

step "A local API endpoint (TLS, bearer token): shop/web-1 ... web-5 (sidecar) and shop/db-0 (none)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kube-apiserver -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$W/api.key" -out "$SA_DIR/ca.crt" 2>/dev/null
printf %s "demo-token-$ID" > "$SA_DIR/token"
"$PY" - "$W/pods.json" <<'PY'
import json, sys
meshed = lambda name: {"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": name, "namespace": "shop",
                 "annotations": {"sidecar.istio.io/status": "{\"containers\":[\"istio-proxy\"]}"}},
    "spec": {"containers": [{"name": "web"}, {"name": "istio-proxy", "args": ["proxy", "sidecar"]}]}}
pods = {"shop/web-%d" % i: meshed("web-%d" % i) for i in range(1, 6)}
pods["shop/db-0"] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "namespace": "shop"},
                     "spec": {"containers": [{"name": "db"}]}}
json.dump(pods, open(sys.argv[1], "w"))
PY
coproc API { exec "$PY" scripts/demo/api.py "$W/pods.json" "$SA_DIR/ca.crt" "$W/api.key" "demo-token-$ID" demo-node 2>"$W/api.log"; }
PIDS+=("$API_PID")
read -r API_PORT <&"${API[0]}"
echo "  https://127.0.0.1:$API_PORT"

step "The installer: istio-cni install (as the DaemonSet runs it)"
# the node agent's own API client, as a pod's in-cluster configuration would give it
cat >"$W/agent-kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$SA_DIR/ca.crt"}
users:
- name: sa
  user: {token: "demo-token-$ID"}
contexts:
- name: local
  context: {cluster: local, user: sa}
current-context: local
KUBECONFIG
HEALTH_PORT=$(free_port)
env KUBECONFIG="$W/agent-kubeconfig" MOUNTED_CNI_NET_DIR="$CONF_DIR" CNI_BIN_SOURCE_DIR="$SRC_DIR" \
  CNI_BIN_TARGET_DIRS="$BIN_DIR" \
  SERVICE_ACCOUNT_PATH="$SA_DIR" CNI_AGENT_RUN_DIR="$RUN_DIR" KUBERNETES_SERVICE_HOST=127.0.0.1 \
  KUBERNETES_SERVICE_PORT="$API_PORT" HEALTH_PORT="$HEALTH_PORT" MONITORING_PORT=0 EXCLUDE_NAMESPACES=kube-system \
  POD_NAMESPACE=istio-system NODE_NAME=demo-node "$CLI" install >"$W/install.log" 2>&1 &
INSTALLER=$!
PIDS+=("$INSTALLER")
ready=
for _ in $(seq 300); do
  if curl -fsS "http://127.0.0.1:$HEALTH_PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.1
done
if [ -n "$ready" ]; then ok "ready (GET /readyz on port $HEALTH_PORT answers 200)"; else fail "installer not ready"; tail "$W/install.log"; exit 1; fi
[ -x "$BIN_DIR/istio-cni" ] && ok "plugin installed: $BIN_DIR/istio-cni" || fail "no plugin in $BIN_DIR"
echo "  conflist before: $(chain "$W/10-ptp.conflist.orig")"
INSTALLED_CHAIN=$(chain "$CONF_DIR/10-ptp.conflist")
echo "  conflist after:  $INSTALLED_CHAIN"
"$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["plugins"][-1], indent=2))' \
  "$CONF_DIR/10-ptp.conflist" | sed 's/^/        /'
sleep 1   # containerd's CRI plugin reloads the conflist on its file-change event

javac -d "$W" scripts/demo/Probe.java
PROBE=("$JAVA_HOME/bin/java" -cp "$W" Probe)
APP=(setpriv --reuid=1000 --regid=1000 --clear-groups)
declare -A SANDBOX NETNS REPORT
MESHED_MS=()

pod() { # name n: RunPodSandbox through containerd, then a peer namespace on a second link with a server on 8080
  local name=$1 n=$2 s peer=demo-peer$2-$ID
  s=$("${CRI[@]}" run "$SOCK" shop "$name") || { fail "RunPodSandbox shop/$name"; return 1; }
  SANDBOX[$name]=$(field "$s" id); NETNS[$name]=$(field "$s" netns)
  ok "RunPodSandbox shop/$name: $(field "$s" state), ${SANDBOX[$name]:0:12}, ip $(field "$s" ip), $(field "$s" ms) ms"
  echo "        netns (PodSandboxStatus): ${NETNS[$name]}"
  [ "$name" = db-0 ] || MESHED_MS+=("$(field "$s" ms)")
  ip netns add "$peer"; NETNS_LIST+=("$peer")
  nsenter --net="${NETNS[$name]}" ip link add ext0 type veth peer name ext0 netns "$peer"
  nsenter --net="${NETNS[$name]}" ip addr add "10.254.$n.2/24" dev ext0; ip -n "$peer" addr add "10.254.$n.1/24" dev ext0
  nsenter --net="${NETNS[$name]}" ip link set ext0 up; ip -n "$peer" link set ext0 up
  nsenter --net="${NETNS[$name]}" setpriv --reuid=1337 --regid=1337 --clear-groups "${PROBE[@]}" serve 60 15001 >/dev/null &
  PIDS+=("$!")
  ip netns exec "$peer" "${PROBE[@]}" serve 60 8080 >/dev/null &
  PIDS+=("$!")
  sleep 1.5
}
connect() { nsenter --net="${NETNS[$1]}" "${APP[@]}" "${PROBE[@]}" connect "10.254.$2.1" 8080 2>&1 | tail -n 1 || true; }
rules() { # ISTIO rules in a sandbox's namespace, whichever iptables back-end holds them
  { nsenter --net="${NETNS[$1]}" iptables-save; nsenter --net="${NETNS[$1]}" iptables-legacy-save; } 2>/dev/null \
    | grep -E '^-A ISTIO' || true
}

step "Pod shop/web-1 (sidecar): a connection from the app (uid 1000) to 10.254.1.1:8080"
if pod web-1 1; then
  got=$(connect web-1 1)
  [[ $got == accepted-by=15001* ]] && ok "captured: the sidecar's port 15001 answered ($got)" || fail "not captured: $got"
  r=$(rules web-1)
  REPORT[web-1]="$(count "$r") ISTIO rules; app -> 10.254.1.1:8080 answered by ${got%% from*}"
  echo "  ISTIO rules in its namespace: $(count "$r"), e.g.:"
  grep -E 'ISTIO_(REDIRECT|IN_REDIRECT) ' <<<"$r" | sed 's/^/        /' || true
fi

step "Pod shop/db-0 (no sidecar): the same connection"
if pod db-0 2; then
  got=$(connect db-0 2)
  [[ $got == accepted-by=8080* ]] && ok "not captured: the real server answered ($got)" || fail "unexpected: $got"
  r=$(rules db-0)
  REPORT[db-0]="$(count "$r") ISTIO rules; app -> 10.254.2.1:8080 answered by ${got%% from*}"
  [ -z "$r" ] && ok "no ISTIO rules in its namespace" || fail "$(count "$r") ISTIO rules in a non-mesh pod"
fi
n=$(grep -c $'\tcni-plugin\t' "$W/install.log" || true)
[ "$n" -gt 0 ] && ok "the plugin's log lines reached the node agent's log ($n under cni-plugin)" \
  || fail "no plugin log lines in the node agent's log"

step "Sandbox start time with istio-cni (chain: ptp -> istio-cni; meshed pods, pod GET over TLS)"
for name in web-2 web-3 web-4 web-5; do
  s=$("${CRI[@]}" run "$SOCK" shop "$name") && SANDBOX[$name]=$(field "$s" id) && MESHED_MS+=("$(field "$s" ms)") \
    || fail "RunPodSandbox shop/$name"
done
echo "  RunPodSandbox: ${MESHED_MS[*]} ms"

step "StopPodSandbox / RemovePodSandbox for every pod (the chain's DEL)"
for name in "${!SANDBOX[@]}"; do
  if "${CRI[@]}" stop "$SOCK" "${SANDBOX[$name]}" && "${CRI[@]}" rm "$SOCK" "${SANDBOX[$name]}"; then ok "removed shop/$name"
  else fail "stop/remove shop/$name"; fi
done

step "SIGTERM to the installer: it removes what it installed"
t0=$(date +%s%N)
kill -TERM "$INSTALLER"; wait "$INSTALLER" || true
echo "  exited after $((($(date +%s%N) - t0) / 1000000)) ms"
cmp -s "$CONF_DIR/10-ptp.conflist" "$W/10-ptp.conflist.orig" && ok "10-ptp.conflist restored byte for byte: $(chain "$CONF_DIR/10-ptp.conflist")" \
  || fail "10-ptp.conflist differs from the original"
[ ! -e "$BIN_DIR/istio-cni" ] && ok "plugin removed from $BIN_DIR" || fail "plugin still in $BIN_DIR"
sleep 1
if s=$("${CRI[@]}" run "$SOCK" shop after-uninstall); then
  ok "containerd runs pods again without istio-cni: $(field "$s" state), $(field "$s" ms) ms"
  "${CRI[@]}" stop "$SOCK" "$(field "$s" id)"; "${CRI[@]}" rm "$SOCK" "$(field "$s" id)"
else
  fail "no sandbox after uninstall"
fi

step "Report"
without=$(median "${BASE[@]}"); with=$(median "${MESHED_MS[@]}")
printf '  conflist:        before %s | installed %s | after SIGTERM %s\n' "$(chain "$W/10-ptp.conflist.orig")" \
  "$INSTALLED_CHAIN" "$(chain "$CONF_DIR/10-ptp.conflist") (byte for byte the original)"
for name in web-1 db-0; do
  printf '  shop/%-11snetns %s\n                   %s\n' "$name" "${NETNS[$name]:-?}" "${REPORT[$name]:-not run}"
done
printf '  sandbox start:   median %s ms with istio-cni (JVM build) vs %s ms without: %s x\n' "$with" "$without" \
  "$("$PY" -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$with" "$without")"
echo
if [ "$failures" = 0 ]; then echo "demo: the node works on containerd: installed, meshed pod captured, other pod untouched, node restored"
else echo "demo: $failures check(s) failed (installer log: $W/install.log is removed on exit)"; tail -n 20 "$W/install.log"; exit 1; fi

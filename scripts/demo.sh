#!/usr/bin/env bash
# The main job on this machine: a whole node in miniature. The installer (`istio-cni install`, the DaemonSet's
# entrypoint) runs on a scratch host layout whose primary CNI config is Debian's `ptp`; then, as a container runtime
# would, the chained ADD runs for a meshed and a non-meshed pod (served by a local endpoint answering the plugin's
# pod GET), real connections show that the first is captured and the second is not, DEL tears both down, and
# SIGTERM makes the installer put the node back. Root needed; everything created is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh   # JDK 25 selection and missing packages
REPO=$(pwd)
CLI=$REPO/target/istio-cni
[ -x "$CLI" ] || mvn -B -q package -DskipTests

ID=$$
W=$(mktemp -d)
chmod 755 "$W"   # the probe also runs as uid 1000 and 1337
NETNS_LIST=()
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for ns in "${NETNS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
failures=0
ok() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

step "Scratch host layout in $W"
CONF_DIR=$W/etc/cni/net.d; BIN_DIR=$W/opt/cni/bin; SRC_DIR=$W/image/opt/cni/bin; RUN_DIR=$W/var/run/istio-cni
SA_DIR=$W/serviceaccount
mkdir -p "$CONF_DIR" "$BIN_DIR" "$SRC_DIR" "$RUN_DIR" "$SA_DIR" "$W/ipam"
for p in ptp host-local loopback; do ln -s "/usr/lib/cni/$p" "$BIN_DIR/$p"; done
ln -s "$CLI" "$SRC_DIR/istio-cni"   # what the image would carry
# Written in the layout Istio's installer writes (sorted keys, two-space indent), in which it restores a file.
python3 - "$CONF_DIR/10-ptp.conflist" "$W/ipam" <<'PY'
import json, sys
conf = {"cniVersion": "1.0.0", "name": "k8s-pod-network", "plugins": [
    {"type": "ptp", "ipMasq": False,
     "ipam": {"type": "host-local", "subnet": "10.253.250.0/24", "dataDir": sys.argv[2]}}]}
open(sys.argv[1], "w").write(json.dumps(conf, indent=2, sort_keys=True) + "\n")
PY
cp "$CONF_DIR/10-ptp.conflist" "$W/10-ptp.conflist.orig"
echo "  primary CNI config: $CONF_DIR/10-ptp.conflist (ptp + host-local)"

step "A local API endpoint (TLS, bearer token) serving two pods: shop/web-1 (sidecar) and shop/db-0 (none)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kube-apiserver -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$W/api.key" -out "$SA_DIR/ca.crt" 2>/dev/null
printf %s "demo-token-$ID" > "$SA_DIR/token"
cat > "$W/pods.json" <<'JSON'
{"shop/web-1": {"apiVersion": "v1", "kind": "Pod",
   "metadata": {"name": "web-1", "namespace": "shop",
                "annotations": {"sidecar.istio.io/status": "{\"containers\":[\"istio-proxy\"]}"}},
   "spec": {"containers": [{"name": "web"}, {"name": "istio-proxy", "args": ["proxy", "sidecar"]}]}},
 "shop/db-0": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "namespace": "shop"},
   "spec": {"containers": [{"name": "db"}]}}}
JSON
coproc API { exec python3 scripts/demo/api.py "$W/pods.json" "$SA_DIR/ca.crt" "$W/api.key" "demo-token-$ID" 2>"$W/api.log"; }
PIDS+=("$API_PID")
read -r API_PORT <&"${API[0]}"
echo "  https://127.0.0.1:$API_PORT"

step "The installer: istio-cni install (as the DaemonSet runs it)"
HEALTH_PORT=$(free_port)
env MOUNTED_CNI_NET_DIR="$CONF_DIR" CNI_BIN_SOURCE_DIR="$SRC_DIR" CNI_BIN_TARGET_DIRS="$BIN_DIR" \
  SERVICE_ACCOUNT_PATH="$SA_DIR" CNI_AGENT_RUN_DIR="$RUN_DIR" KUBERNETES_SERVICE_HOST=127.0.0.1 \
  KUBERNETES_SERVICE_PORT="$API_PORT" HEALTH_PORT="$HEALTH_PORT" MONITORING_PORT=0 EXCLUDE_NAMESPACES=kube-system \
  POD_NAMESPACE=istio-system "$CLI" install >"$W/install.log" 2>&1 &
INSTALLER=$!
PIDS+=("$INSTALLER")
ready=
for _ in $(seq 150); do
  if curl -fsS "http://127.0.0.1:$HEALTH_PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.1
done
if [ -n "$ready" ]; then ok "ready (GET /readyz on port $HEALTH_PORT answers 200)"; else fail "installer not ready"; tail "$W/install.log"; exit 1; fi
[ -x "$BIN_DIR/istio-cni" ] && ok "plugin installed: $BIN_DIR/istio-cni" || fail "no plugin in $BIN_DIR"
[ -s "$RUN_DIR/istio-cni-kubeconfig" ] && ok "kubeconfig written: $RUN_DIR/istio-cni-kubeconfig" || fail "no kubeconfig"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print("  chained config now:", " -> ".join(p["type"] for p in c["plugins"]))' \
  "$CONF_DIR/10-ptp.conflist"

javac -d "$W" scripts/demo/Probe.java
PROBE=("$JAVA_HOME/bin/java" -cp "$W" Probe)
APP=(setpriv --reuid=1000 --regid=1000 --clear-groups)

pod() { # name containerId: the chained ADD as the runtime runs it, then a peer namespace on a second link
  local name=$1 n=$2
  local ns=demo-$name-$ID peer=demo-peer$n-$ID
  ip netns add "$ns"; NETNS_LIST+=("$ns")
  ip netns add "$peer"; NETNS_LIST+=("$peer")
  ip -n "$ns" link set lo up
  local result
  result=$(python3 scripts/demo/cni-runtime.py ADD "$CONF_DIR/10-ptp.conflist" "$BIN_DIR" "c$n-$ID" \
    "/var/run/netns/$ns" "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=$name" "$W/$name.result") \
    || { fail "ADD for shop/$name: $result"; return; }
  ok "ADD shop/$name: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ips"][0]["address"])' "$result")"
  ip -n "$ns" link add ext0 type veth peer name ext0 netns "$peer"
  ip -n "$ns" addr add "10.254.$n.2/24" dev ext0; ip -n "$peer" addr add "10.254.$n.1/24" dev ext0
  ip -n "$ns" link set ext0 up; ip -n "$peer" link set ext0 up
  ip netns exec "$ns" setpriv --reuid=1337 --regid=1337 --clear-groups "${PROBE[@]}" serve 60 15001 >/dev/null &
  PIDS+=("$!")
  ip netns exec "$peer" "${PROBE[@]}" serve 60 8080 >/dev/null &
  PIDS+=("$!")
  sleep 1.5
}
connect() { ip netns exec "demo-$1-$ID" "${APP[@]}" "${PROBE[@]}" connect "10.254.$2.1" 8080 2>&1 | tail -n 1 || true; }

step "Pod shop/web-1 (sidecar): chained ADD, then a connection from the app (uid 1000) to 10.254.1.1:8080"
pod web-1 1
got=$(connect web-1 1)
[[ $got == accepted-by=15001* ]] && ok "captured: the sidecar's port 15001 answered ($got)" || fail "not captured: $got"
rules=$(ip netns exec "demo-web-1-$ID" iptables-save -t nat | grep -c ISTIO || true)
echo "  ISTIO rules in its namespace: $rules"

step "Pod shop/db-0 (no sidecar): chained ADD, then the same connection"
pod db-0 2
got=$(connect db-0 2)
[[ $got == accepted-by=8080* ]] && ok "not captured: the real server answered ($got)" || fail "unexpected: $got"
rules=$(ip netns exec "demo-db-0-$ID" iptables-save 2>/dev/null | grep -c ISTIO || true)
[ "$rules" = 0 ] && ok "no ISTIO rules in its namespace" || fail "$rules ISTIO rules in a non-mesh pod"
# each plugin run posted its log lines to the installer's socket (<run dir>/log.sock): they are in its log
n=$(grep -c $'\tcni-plugin\t' "$W/install.log" || true)
[ "$n" -gt 0 ] && ok "the plugin's log lines reached the node agent's log ($n under cni-plugin)" \
  || fail "no plugin log lines in the node agent's log"
grep $'\tcni-plugin\t' "$W/install.log" | grep -m1 'iptables rules programmed' | cut -f2- | sed 's/^/        /' || true

step "DEL both pods, as the runtime does when they stop"
for p in "web-1 1" "db-0 2"; do
  set -- $p
  if python3 scripts/demo/cni-runtime.py DEL "$CONF_DIR/10-ptp.conflist" "$BIN_DIR" "c$2-$ID" \
      "/var/run/netns/demo-$1-$ID" "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=$1" "$W/$1.result" >/dev/null; then
    ok "DEL shop/$1"
  else
    fail "DEL shop/$1"
  fi
done

step "SIGTERM to the installer: it removes what it installed"
t0=$(date +%s%N)
kill -TERM "$INSTALLER"; wait "$INSTALLER" || true
echo "  exited after $((($(date +%s%N) - t0) / 1000000)) ms"
cmp -s "$CONF_DIR/10-ptp.conflist" "$W/10-ptp.conflist.orig" && ok "10-ptp.conflist restored byte for byte" \
  || fail "10-ptp.conflist differs from the original"
[ ! -e "$BIN_DIR/istio-cni" ] && ok "plugin removed from $BIN_DIR" || fail "plugin still in $BIN_DIR"
[ ! -e "$RUN_DIR/istio-cni-kubeconfig" ] && ok "kubeconfig removed" || fail "kubeconfig still there"

echo
if [ "$failures" = 0 ]; then echo "demo: the node works: installed, meshed pod captured, other pod untouched, cleaned up"
else echo "demo: $failures check(s) failed (installer log: see above)"; exit 1; fi

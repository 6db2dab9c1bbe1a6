#!/usr/bin/env bash
# The main job on this machine: derive the capture rules for the sample pod, show them, apply them into a scratch
# network namespace, and prove with real connections that the pod's traffic is redirected to the sidecar's ports.
# Needs root (network namespaces, iptables). Everything it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh   # JDK 25 selection and missing packages

SHARED=${ISTIO_CNI_SHARED:-../shared}
POD=${1:-$SHARED/conformance/pod/basic.pod.yaml}
CLI=target/istio-cni
[ -x "$CLI" ] || mvn -B -q package -DskipTests

ID=$$
POD_NS=demo-pod-$ID
PEER_NS=demo-peer-$ID
WORK=$(mktemp -d)
chmod 755 "$WORK"   # the probe also runs as uid 1000 and 1337
cleanup() {
  set +e
  [ -n "${SERVE_PIDS:-}" ] && kill $SERVE_PIDS 2>/dev/null
  ip netns del "$POD_NS" 2>/dev/null
  ip netns del "$PEER_NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "Rules the CNI plugin would apply for $(basename "$POD") (istio-cni iptables --pod ... --dry-run)"
"$CLI" iptables --pod "$POD" --dry-run

step "A scratch pod network: namespace $POD_NS (10.0.0.2, the sample pod's IP) wired to a peer $PEER_NS (10.0.0.1)"
ip netns add "$POD_NS"
ip netns add "$PEER_NS"
ip link add "vd$ID" netns "$POD_NS" type veth peer name "vp$ID" netns "$PEER_NS"
ip -n "$POD_NS" addr add 10.0.0.2/24 dev "vd$ID"
ip -n "$PEER_NS" addr add 10.0.0.1/24 dev "vp$ID"
for ns in "$POD_NS" "$PEER_NS"; do ip -n "$ns" link set lo up; done
ip -n "$POD_NS" link set "vd$ID" up
ip -n "$PEER_NS" link set "vp$ID" up

step "Applying them into $POD_NS"
"$CLI" iptables --pod "$POD" --network-namespace "/var/run/netns/$POD_NS"
ip netns exec "$POD_NS" iptables-save -t nat | grep -E '^-A (PREROUTING|OUTPUT) ' || true

step "Listeners: the sidecar's ports 15001 (outbound) and 15006 (inbound) in the pod, a real server on the peer"
javac -d "$WORK" scripts/demo/Probe.java
PROBE=("$JAVA_HOME/bin/java" -cp "$WORK" Probe)
ip netns exec "$POD_NS" "${PROBE[@]}" serve 60 15001 15006 15021 > "$WORK/pod.log" &
SERVE_PIDS="$!"
ip netns exec "$PEER_NS" "${PROBE[@]}" serve 60 8080 9080 > "$WORK/peer.log" &
SERVE_PIDS="$SERVE_PIDS $!"
for _ in $(seq 50); do
  [ "$(cat "$WORK/pod.log" "$WORK/peer.log" | grep -c listening)" = 2 ] && break
  sleep 0.2
done

failures=0
check() { # description, expected port, command...
  local what=$1 want=$2; shift 2
  local got; got=$("$@" 2>&1 | tail -n 1) || true
  if [[ "$got" == "accepted-by=$want "* ]]; then
    printf '  ok    %-62s -> %s\n' "$what" "$got"
  else
    printf '  FAIL  %-62s -> %s (wanted port %s)\n' "$what" "$got" "$want"
    failures=$((failures + 1))
  fi
}
APP=(setpriv --reuid=1000 --regid=1000 --clear-groups)
PROXY=(setpriv --reuid=1337 --regid=1337 --clear-groups)
step "Real connections"
check "app (uid 1000) -> 10.0.0.1:8080 is captured outbound" 15001 \
  ip netns exec "$POD_NS" "${APP[@]}" "${PROBE[@]}" connect 10.0.0.1 8080
check "peer -> pod 10.0.0.2:9080 is captured inbound" 15006 \
  ip netns exec "$PEER_NS" "${PROBE[@]}" connect 10.0.0.2 9080
check "proxy (uid 1337) -> 10.0.0.1:8080 goes straight out" 8080 \
  ip netns exec "$POD_NS" "${PROXY[@]}" "${PROBE[@]}" connect 10.0.0.1 8080
check "peer -> pod 10.0.0.2:15021 (excluded inbound port) is not captured" 15021 \
  ip netns exec "$PEER_NS" "${PROBE[@]}" connect 10.0.0.2 15021

step "Cleaning up (istio-cni iptables --cleanup-only)"
"$CLI" iptables --pod "$POD" --network-namespace "/var/run/netns/$POD_NS" --cleanup-only
left=$(ip netns exec "$POD_NS" iptables-save | grep -c ISTIO || true)
echo "  ISTIO rules left in $POD_NS: $left"
[ "$left" = 0 ] || failures=$((failures + 1))

if [ "$failures" = 0 ]; then echo; echo "demo: traffic capture works"; else echo; echo "demo: $failures check(s) failed"; exit 1; fi

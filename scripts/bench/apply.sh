#!/usr/bin/env bash
# Benchmark (not a test): generate + apply the sample pod's capture rules into a fresh network namespace with
# `istio-cni iptables`, against a bare `iptables-restore --noflush` of the same rules. Prints the median of RUNS
# runs of each and their ratio. Root needed. Usage: sudo bash scripts/bench/apply.sh [RUNS] [nft|legacy]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-21}
VARIANT=${2:-nft}
POD=src/test/resources/conformance/pod/basic.pod.yaml
CLI=target/istio-cni
[ -x "$CLI" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }

NS=bench-apply-$$
RULES=$(mktemp)
trap 'ip netns del "$NS" 2>/dev/null; rm -f "$RULES"' EXIT
"$CLI" iptables --pod "$POD" --dry-run | sed -n '/^# iptables-restore/,/^# ip6tables-restore/p' | grep -v '^#' > "$RULES"

fresh_ns() {  # a pod-like namespace: lo plus an addressed veth (both ends inside, nothing on the host)
  ip netns del "$NS" 2>/dev/null || true
  ip netns add "$NS"
  ip -n "$NS" link add bv0 type veth peer name bq0
  ip -n "$NS" addr add 10.252.0.2/24 dev bv0
  ip -n "$NS" link set bv0 up
  ip -n "$NS" link set lo up
}

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1e6}'; }

ours=(); bare=()
for _ in $(seq "$RUNS"); do
  fresh_ns
  t0=$(now)
  FORCE_IPTABLES_BINARY=$VARIANT "$CLI" iptables --pod "$POD" --network-namespace "/var/run/netns/$NS" 2>/dev/null
  t1=$(now)
  ours+=($((t1 - t0)))
  fresh_ns
  t0=$(now)
  ip netns exec "$NS" "iptables-$VARIANT-restore" --noflush < "$RULES"
  t1=$(now)
  bare+=($((t1 - t0)))
done
m_ours=$(printf '%s\n' "${ours[@]}" | median)
m_bare=$(printf '%s\n' "${bare[@]}" | median)
echo "variant=$VARIANT runs=$RUNS"
echo "istio-cni iptables --pod (generate + detect + check + apply): median ${m_ours} ms"
echo "bare iptables-$VARIANT-restore --noflush of the same rules:   median ${m_bare} ms"
awk -v a="$m_ours" -v b="$m_bare" 'BEGIN {printf "ratio: %.1fx\n", a / b}'

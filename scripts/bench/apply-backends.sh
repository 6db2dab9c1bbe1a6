#!/usr/bin/env bash
# Benchmark (not a test): the two capture backends side by side. For the sample pod, `istio-cni iptables --pod`
# (iptables backend, iptables-nft) and `istio-cni iptables --pod --native-nftables` (nftables backend) each apply
# into a fresh network namespace; the bare loaders of the same rules (`iptables-nft-restore --noflush`, `nft -f`)
# are the yardsticks, measured in the same run. Prints medians of RUNS runs and the ratios. Root needed.
# Usage: sudo bash scripts/bench/apply-backends.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-21}
SHARED=${ISTIO_CNI_SHARED:-../shared}
POD=$SHARED/conformance/pod/basic.pod.yaml
CLI=target/istio-cni
[ -x "$CLI" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
command -v nft >/dev/null || { echo "nft not found (Debian: apt-get install nftables)" >&2; exit 1; }

NS=bench-backends-$$
IPT_RULES=$(mktemp)
NFT_RULES=$(mktemp)
trap 'ip netns del "$NS" 2>/dev/null; rm -f "$IPT_RULES" "$NFT_RULES"' EXIT
ENABLE_INBOUND_IPV6=false "$CLI" iptables --pod "$POD" --dry-run \
  | sed -n '/^# iptables-restore/,/^# ip6tables-restore/p' | grep -v '^#' > "$IPT_RULES"
ENABLE_INBOUND_IPV6=false "$CLI" iptables --pod "$POD" --native-nftables --dry-run > "$NFT_RULES"

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
timed() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo $((t1 - t0)); }

ipt=(); nft=(); bare_ipt=(); bare_nft=()
for _ in $(seq "$RUNS"); do
  fresh_ns; ipt+=("$(timed env FORCE_IPTABLES_BINARY=nft "$CLI" iptables --pod "$POD" --network-namespace "/var/run/netns/$NS")")
  fresh_ns; nft+=("$(timed "$CLI" iptables --pod "$POD" --native-nftables --network-namespace "/var/run/netns/$NS")")
  ip netns exec "$NS" nft list table inet istio-proxy-nat >/dev/null  # the nft run did apply
  fresh_ns; bare_ipt+=("$(timed sh -c "ip netns exec $NS iptables-nft-restore --noflush < $IPT_RULES")")
  fresh_ns; bare_nft+=("$(timed sh -c "ip netns exec $NS nft -f $NFT_RULES")")
done
m_ipt=$(printf '%s\n' "${ipt[@]}" | median)
m_nft=$(printf '%s\n' "${nft[@]}" | median)
m_bipt=$(printf '%s\n' "${bare_ipt[@]}" | median)
m_bnft=$(printf '%s\n' "${bare_nft[@]}" | median)
echo "runs=$RUNS pod=$POD"
echo "istio-cni iptables --pod (iptables backend, iptables-nft):   median ${m_ipt} ms"
echo "istio-cni iptables --pod --native-nftables (nft backend):    median ${m_nft} ms"
echo "bare iptables-nft-restore --noflush of the same rules:       median ${m_bipt} ms"
echo "bare nft -f of the same transaction:                         median ${m_bnft} ms"
awk -v a="$m_nft" -v b="$m_ipt" 'BEGIN {printf "ratio nft backend / iptables backend: %.2fx\n", a / b}'
awk -v a="$m_ipt" -v b="$m_bipt" -v c="$m_nft" -v d="$m_bnft" \
  'BEGIN {printf "ratio to the bare loader: iptables backend %.1fx, nft backend %.1fx\n", a / b, c / d}'

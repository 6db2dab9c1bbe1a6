#!/usr/bin/env bash
# Builds the JDK 25 AOT cache DIR/quarkus-app/app.aot with one training run of the
# launcher DIR/istio-cni, so the cache is made with exactly the JVM flags the launcher
# uses at run time (a cache made with other flags is rejected).
#
#   usage: aot-train.sh DIR      (DIR = the build directory, or the image's install dir)
#
# Run by the Maven build in the package phase (skip with -DskipAot; never in -Pnative),
# and by src/main/docker/Dockerfile.jvm inside the image, with the image's own java.
#
# The training is best effort: if no workload succeeds, a warning is printed and the
# script still exits 0 (the program runs without a cache, only slower to start). The
# training run's own output goes to DIR/aot-train.log.
#
# Workloads: one JVM run makes one cache, so the first workload below that exits 0 is
# the one recorded; put the path whose start-up matters most first. To add one, write a
# function `workload_NAME` and add NAME to WORKLOADS. Workloads must not need the
# network, root, or files outside this script (the Docker build runs it too).
# shellcheck disable=SC2317 # the workload_* functions are called indirectly
set -u

dir=${1:?usage: aot-train.sh DIR}
dir=$(cd -- "$dir" && pwd -P) || exit 0
launcher=$dir/istio-cni
cache=$dir/quarkus-app/app.aot
log=$dir/aot-train.log

warn() { printf '[WARNING] AOT training: %s\n' "$*"; }
info() { printf '[INFO] AOT training: %s\n' "$*"; }

WORKLOADS=(aot_training iptables_pod_dry_run iptables_flags_dry_run version)

# The hidden `aot-training` mode runs the iptables dry runs and plugin invocations (pod fetched from a loopback
# endpoint) in one process: one training run is all a JDK 25 cache records.
workload_aot_training() {
    "$launcher" aot-training
}

# The path the CNI plugin and `iptables --pod` share: pod manifest -> settings -> rules,
# both families, DNS capture (machine-independent thanks to the env variables).
workload_iptables_pod_dry_run() {
    ENABLE_INBOUND_IPV6=true DNS_SERVERS_V4=10.96.0.10 DNS_SERVERS_V6=fd00::a \
        "$launcher" iptables --pod - --dry-run <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: aot-training
  namespace: default
  annotations:
    sidecar.istio.io/status: '{"initContainers":["istio-validation"],"containers":["istio-proxy"]}'
    traffic.sidecar.istio.io/excludeOutboundPorts: "9000,9001"
    traffic.sidecar.istio.io/excludeInboundPorts: "8081"
    traffic.sidecar.istio.io/excludeOutboundIPRanges: "10.1.0.0/16,fd00:1::/64"
    proxy.istio.io/config: |
      proxyMetadata:
        ISTIO_META_DNS_CAPTURE: "true"
spec:
  containers:
  - name: app
    image: app
    ports:
    - containerPort: 8080
  - name: istio-proxy
    image: proxyv2
    # the injector turns proxyMetadata into the proxy's env, and the capture settings read it there
    env:
    - name: ISTIO_META_DNS_CAPTURE
      value: "true"
    securityContext:
      runAsUser: 1337
      runAsGroup: 1337
status:
  podIP: 10.0.0.2
  podIPs:
  - ip: 10.0.0.2
  - ip: fd00::2
EOF
}

# Istio's istio-iptables flags, as the istio-validation init container and operators use them.
workload_iptables_flags_dry_run() {
    ENABLE_INBOUND_IPV6=true DNS_SERVERS_V4=10.96.0.10 DNS_SERVERS_V6=fd00::a \
        "$launcher" iptables --dry-run -p 15001 -z 15006 -u 1337 -g 1337 -m REDIRECT \
        -i '*' -x '' -b '*' -d 15090,15021,15020 --redirect-dns
}

workload_version() {
    "$launcher" version
}

if [ ! -x "$launcher" ] || [ ! -f "$dir/quarkus-app/quarkus-run.jar" ]; then
    warn "$launcher or $dir/quarkus-app is missing; no AOT cache made"
    exit 0
fi

rm -f -- "$cache" "$cache.java" "$cache.config"
: >"$log"
ok=
for w in "${WORKLOADS[@]}"; do
    printf '=== workload %s\n' "$w" >>"$log"
    start=$(date +%s%N)
    if ISTIO_CNI_AOT_OUTPUT=$cache "workload_$w" </dev/null >>"$log" 2>&1 && [ -s "$cache" ]; then
        ok=$w
        info "cache made from workload '$w' in $((($(date +%s%N) - start) / 1000000)) ms: $cache ($(du -h -- "$cache" | cut -f1))"
        break
    fi
    warn "workload '$w' failed (see $log); trying the next one"
done

if [ -z "$ok" ]; then
    if [ -s "$cache" ]; then
        warn "no workload succeeded; keeping the cache of the last (failed) run"
    else
        warn "no workload succeeded and no cache was written; the program will start without one"
        exit 0
    fi
fi

# The launcher recorded in app.aot.java which java made the cache (it uses the cache
# only with that same java).
exit 0

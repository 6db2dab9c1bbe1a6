#!/usr/bin/env bash
# Builds the JDK 25 AOT caches with training runs of the launcher DIR/istio-cni, so each
# cache is made with exactly the JVM flags and class path the launcher uses at run time (a
# cache made with others is rejected): DIR/quarkus-app/plugin.aot and plugin-in-process.aot
# for the CNI plugin mode (its own class path, started once per pod:
# `istio-cni plugin aot-training[-in-process]`) and DIR/quarkus-app/app.aot for every other
# mode (the WORKLOADS below).
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

# The hidden `aot-training` mode runs the iptables dry runs, the owner lookup and a validation check in one
# process: one training run is all a JDK 25 cache records.
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

rm -f -- "$dir"/quarkus-app/*.aot "$dir"/quarkus-app/*.aot.java "$dir"/quarkus-app/*.aot.config
: >"$log"

# The plugin's caches (cli.PluginTraining, against loopback endpoints of its own): plugin.aot from what every plugin
# start does (VERSION, ADD and CHECK through a node agent's socket, DEL), plugin-in-process.aot from the second
# process's in-process path (ADD and CHECK with the pod fetched over TLS).
train_plugin() { # $1 = hidden word, $2 = cache
    printf '=== plugin workload %s\n' "$1" >>"$log"
    start=$(date +%s%N)
    if ISTIO_CNI_AOT_OUTPUT=$2 ISTIO_CNI_PLUGIN_IN_PROCESS= "$launcher" plugin "$1" </dev/null >>"$log" 2>&1 && [ -s "$2" ]; then
        info "plugin cache made in $((($(date +%s%N) - start) / 1000000)) ms: $2 ($(du -h -- "$2" | cut -f1))"
    else
        warn "the plugin workload $1 failed (see $log); the plugin will start without that cache"
        rm -f -- "$2" "$2.java"
    fi
}
train_plugin aot-training "$dir/quarkus-app/plugin.aot"
train_plugin aot-training-in-process "$dir/quarkus-app/plugin-in-process.aot"
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

#!/usr/bin/env bash
# Runs every test: unit tests (surefire) and the integration tests that run the packaged
# program as a process (integration-tests/, failsafe), i.e. `mvn -B verify`.
#
#   sudo bash scripts/test.sh [extra Maven arguments...]
#
# Run it as root: the tests create network namespaces and apply iptables rules in them.
# On a fresh Debian 12 it first installs what is missing (iptables, iproute2,
# containernetworking-plugins, Maven, and for ContainerdIT containerd, runc, busybox-static,
# protobuf-compiler, python3-grpcio, python3-protobuf), and it selects a JDK 25 when the
# default java is older. Exits with Maven's status.
#
# Environment:
#   JAVA_HOME          used when it is a JDK 25 or newer
#
# The tests read the conformance fixtures from src/test/resources/conformance; nothing outside
# the repository is needed. (When an upstream ../shared directory sits beside the checkout,
# SharedCopyTest checks that the in-repository copies still equal it.)
set -euo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
repo=$(pwd -P)

say() { printf '[test.sh] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
    printf '[test.sh] WARNING: not running as root; the tests that use network namespaces need root (sudo bash scripts/test.sh)\n'
fi

# shellcheck source=scripts/lib/env.sh
source scripts/lib/env.sh # missing Debian packages, JDK 25 selection

# --- native readiness ------------------------------------------------------------------------
# No GraalVM here: the closest local check is generating the native-image sources (`-Pnative
# -Dquarkus.native.sources-only=true`), which runs Quarkus' native build steps (reflection and resource
# registration) without compiling. Run first, so that the test summary below is the last word.
native_dir=$repo/target/native-sources-check
say "native sources build (-Pnative -Dquarkus.native.sources-only=true)"
if ! mvn -B -ntp -q package -DskipTests -Pnative -Dquarkus.native.sources-only=true \
        "-Distio.build.dir=$native_dir" </dev/null || [ ! -s "$native_dir/native-sources/native-image.args" ]; then
    say "native sources build FAILED"
    exit 1
fi
say "native sources build ok: $native_dir/native-sources"

# --- build and test ------------------------------------------------------------------------
say "mvn -B verify $*"
set +e
mvn -B -ntp verify "$@" </dev/null
status=$?
set -e
say "maven exit status: $status"
exit "$status"

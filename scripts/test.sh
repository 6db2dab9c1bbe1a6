#!/usr/bin/env bash
# Runs every test: unit tests (surefire) and the integration tests that run the packaged
# program as a process (integration-tests/, failsafe), i.e. `mvn -B verify`.
#
#   sudo bash scripts/test.sh [extra Maven arguments...]
#
# Run it as root: the tests create network namespaces and apply iptables rules in them.
# On a fresh Debian 12 it first installs what is missing (iptables, iproute2,
# containernetworking-plugins, Maven), and it selects a JDK 25 when the default java is
# older. Exits with Maven's status.
#
# Environment:
#   JAVA_HOME          used when it is a JDK 25 or newer
#   ISTIO_CNI_SHARED   the shared/ directory (spec and conformance fixtures); default:
#                      ../shared beside the repository (passed as -Distio.cni.shared)
set -euo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
repo=$(pwd -P)

say() { printf '[test.sh] %s\n' "$*"; }
die() {
    printf '[test.sh] ERROR: %s\n' "$*" >&2
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

if ! is_root; then
    say "WARNING: not running as root; the tests that use network namespaces need root (sudo bash scripts/test.sh)"
fi

# --- system packages -------------------------------------------------------------------
# command or file -> Debian package that provides it
missing=()
need() { # $1 = command name or absolute path, $2 = package
    case $1 in
        /*) [ -e "$1" ] || missing+=("$2") ;;
        *) command -v "$1" >/dev/null 2>&1 || missing+=("$2") ;;
    esac
}
need iptables iptables
need ip6tables iptables
need iptables-restore iptables
need iptables-legacy iptables
need ip iproute2
need nsenter util-linux
need unshare util-linux
need /usr/lib/cni/ptp containernetworking-plugins
need /usr/lib/cni/host-local containernetworking-plugins
need mvn maven

if [ ${#missing[@]} -gt 0 ]; then
    # de-duplicate
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    is_root || die "missing packages (${missing[*]}); run as root so they can be installed"
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get to install them"
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

# --- JDK 25 ------------------------------------------------------------------------------
java_major() { # $1 = java home; prints the feature version or nothing
    local line v
    if [ -r "$1/release" ]; then
        line=$(grep -m1 '^JAVA_VERSION=' "$1/release" || true)
        v=${line#JAVA_VERSION=}
        v=${v//\"/}
    elif [ -x "$1/bin/java" ]; then
        line=$("$1/bin/java" -version 2>&1 </dev/null | head -n 1)
        v=${line#*version \"}
        v=${v%%\"*}
    fi
    v=${v:-}
    case $v in 1.*) v=${v#1.} ;; esac
    printf '%s\n' "${v%%[.+-]*}"
}
jdk_ok() { # $1 = java home: a JDK (javac too) of version 25 or newer
    local m
    [ -n "$1" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
    m=$(java_major "$1")
    case $m in '' | *[!0-9]*) return 1 ;; esac
    [ "$m" -ge 25 ]
}

select_jdk() {
    local c default_java
    if jdk_ok "${JAVA_HOME:-}"; then
        return 0
    fi
    if default_java=$(command -v java 2>/dev/null); then
        c=$(readlink -f -- "$default_java")
        c=${c%/bin/java}
        if jdk_ok "$c"; then
            export JAVA_HOME=$c
            return 0
        fi
    fi
    for c in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        if jdk_ok "$c"; then
            export JAVA_HOME=$c
            return 0
        fi
    done
    die "no JDK 25 or newer found (looked at JAVA_HOME, java on PATH and /usr/lib/jvm/*); install one and set JAVA_HOME"
}
select_jdk
export PATH=$JAVA_HOME/bin:$PATH
say "JAVA_HOME=$JAVA_HOME ($(java_major "$JAVA_HOME"))"

# --- shared fixtures -----------------------------------------------------------------------
shared=${ISTIO_CNI_SHARED:-$repo/../shared}
if [ -d "$shared" ]; then
    shared=$(cd -- "$shared" && pwd -P)
    say "shared fixtures: $shared"
else
    say "WARNING: shared fixtures not found at $shared (set ISTIO_CNI_SHARED); tests that need them will fail"
fi

# --- build and test ------------------------------------------------------------------------
say "mvn -B verify $*"
set +e
mvn -B -ntp verify "-Distio.cni.shared=$shared" "$@" </dev/null
status=$?
set -e
say "maven exit status: $status"
exit "$status"

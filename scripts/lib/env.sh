# Sourced by the scripts in scripts/ (test.sh, demo.sh): makes sure this machine has what
# building and running istio-cni needs, and selects the JDK.
#
#  - installs what a fresh Debian 12 lacks, only when it is missing (apt-get update
#    first): iptables (both back-ends), iproute2, util-linux (nsenter), Debian's CNI
#    plugins (containernetworking-plugins: ptp, host-local, ...), Maven;
#  - selects a JDK 25 or newer when the default java is older: JAVA_HOME if it is one,
#    else java on PATH, else /usr/lib/jvm/temurin-25-jdk-amd64 or any other under
#    /usr/lib/jvm; exports JAVA_HOME and puts its bin first on PATH.
#
# Needs root only when something has to be installed. Prints to stdout only lines
# starting with [env].
# shellcheck shell=bash

env_say() { printf '[env] %s\n' "$*"; }
env_die() {
    printf '[env] ERROR: %s\n' "$*" >&2
    exit 1
}

env_is_root() { [ "$(id -u)" -eq 0 ]; }

# --- system packages -------------------------------------------------------------------
# iptables, ip and nsenter live in sbin directories, which a non-login PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
case ":$PATH:" in *:/sbin:*) ;; *) PATH=$PATH:/sbin ;; esac
export PATH

# command or file -> Debian package that provides it
env_missing=()
env_need() { # $1 = command name or absolute path, $2 = package
    case $1 in
        /*) [ -e "$1" ] || env_missing+=("$2") ;;
        *) command -v "$1" >/dev/null 2>&1 || env_missing+=("$2") ;;
    esac
}
env_need iptables iptables
env_need ip6tables iptables
env_need iptables-restore iptables
env_need iptables-legacy iptables
env_need ip iproute2
env_need nsenter util-linux
env_need unshare util-linux
env_need /usr/lib/cni/ptp containernetworking-plugins
env_need /usr/lib/cni/host-local containernetworking-plugins
env_need mvn maven
env_need /usr/bin/python3 python3   # listeners and clients of the traffic tests
env_need setpriv util-linux
env_need curl curl          # the demo asks the installer's /readyz
env_need openssl openssl    # the demo's API endpoint certificate
env_need strace strace      # CrashSafetyIT kills the installer at each write step (fault injection)

if [ ${#env_missing[@]} -gt 0 ]; then
    # de-duplicate
    mapfile -t env_missing < <(printf '%s\n' "${env_missing[@]}" | sort -u)
    env_is_root || env_die "missing packages (${env_missing[*]}); run as root so they can be installed"
    command -v apt-get >/dev/null 2>&1 || env_die "missing packages (${env_missing[*]}) and no apt-get to install them"
    env_say "installing: ${env_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends "${env_missing[@]}" </dev/null
fi

# --- JDK 25 ------------------------------------------------------------------------------
env_java_major() { # $1 = java home; prints the feature version or nothing
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
env_jdk_ok() { # $1 = java home: a JDK (javac too) of version 25 or newer
    local m
    [ -n "$1" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
    m=$(env_java_major "$1")
    case $m in '' | *[!0-9]*) return 1 ;; esac
    [ "$m" -ge 25 ]
}

env_select_jdk() {
    local c default_java
    if env_jdk_ok "${JAVA_HOME:-}"; then
        return 0
    fi
    if default_java=$(command -v java 2>/dev/null); then
        c=$(readlink -f -- "$default_java")
        c=${c%/bin/java}
        if env_jdk_ok "$c"; then
            export JAVA_HOME=$c
            return 0
        fi
    fi
    for c in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        if env_jdk_ok "$c"; then
            export JAVA_HOME=$c
            return 0
        fi
    done
    env_die "no JDK 25 or newer found (looked at JAVA_HOME, java on PATH and /usr/lib/jvm/*); install one and set JAVA_HOME"
}
env_select_jdk
export PATH=$JAVA_HOME/bin:$PATH
env_say "JAVA_HOME=$JAVA_HOME ($(env_java_major "$JAVA_HOME"))"

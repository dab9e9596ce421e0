#!/usr/bin/env bash
# Sourced by the test provisioning scripts: `install_debian_packages WHY PKG...` installs the
# Debian packages a suite needs when they are missing (as root, as CI is), or stops the run saying
# what to install. One place for the apt-get steps.
install_debian_packages() {
  local why="$1"
  shift
  [ $# -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing Debian packages for $why: $* (install them: apt-get install $*)" >&2
    exit 1
  fi
  echo "installing $* from Debian for $why" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

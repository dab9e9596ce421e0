#!/usr/bin/env bash
# Installs (once, into .cache/ministack-venv) and starts MiniStack, the local AWS emulator the
# integration tests in test/emulator run against. Sourced or run:
#   bash scripts/ministack.sh start   # prints the endpoint; state in .cache/ministack/
#   bash scripts/ministack.sh stop
# The pinned version is the one the tests were written against (see test/emulator/README.md).
# Requires python3 with venv (Debian: python3-venv) and PyPI access; the Lambda functions run on
# the `node` first on PATH (scripts/node22.sh puts Node 22 there).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MINISTACK_VERSION=1.5.33
# The SFTP listener of the Transfer emulation needs asyncssh (ministack's "full" extra holds it
# with Docker-only packages we do not need).
ASYNCSSH_VERSION=2.24.1
venv="$root/.cache/ministack-venv"
state="$root/.cache/ministack"
port="${QDP_MINISTACK_PORT:-4566}"
sftp_port="${QDP_MINISTACK_SFTP_PORT:-2222}"
# shellcheck source=debian-packages.sh
source "$root/scripts/debian-packages.sh"

# Debian packages the emulator tests need: python3-venv (MiniStack's environment) and
# openssh-client (ssh-keygen and sftp, the SFTP client of the end-to-end test).
system_packages() {
  local missing=()
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
  command -v sftp >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  install_debian_packages "the emulator tests" ${missing[@]+"${missing[@]}"}
}

install() {
  system_packages
  if [ -x "$venv/bin/ministack" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('ministack') != '$MINISTACK_VERSION')" 2>/dev/null \
    && "$venv/bin/python" -c "import asyncssh" 2>/dev/null; then
    return
  fi
  python3 -m venv "$venv" || { echo "error: python3 -m venv failed (apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ministack==$MINISTACK_VERSION" "asyncssh==$ASYNCSSH_VERSION" >&2
}

start() {
  install
  mkdir -p "$state"
  if curl -fsS "http://127.0.0.1:$port/_ministack/health" >/dev/null 2>&1; then
    echo "http://127.0.0.1:$port"
    return
  fi
  source "$root/scripts/node22.sh"
  # Extra environment for the emulator (and so for the Lambda processes it spawns), e.g.
  # AWS_ENDPOINT_URL_RDS_DATA, comes from the caller.
  GATEWAY_PORT="$port" SFTP_PORT="$sftp_port" SFTP_ENABLED=1 LOG_LEVEL="${MINISTACK_LOG_LEVEL:-WARNING}" \
    nohup "$venv/bin/ministack" >"$state/ministack.log" 2>&1 &
  echo $! >"$state/pid"
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/_ministack/health" >/dev/null 2>&1; then
      echo "http://127.0.0.1:$port"
      return
    fi
    sleep 0.2
  done
  echo "error: MiniStack did not answer on port $port within 20 s; see $state/ministack.log" >&2
  exit 1
}

stop() {
  if [ -f "$state/pid" ]; then
    kill "$(cat "$state/pid")" 2>/dev/null || true
    rm -f "$state/pid"
  fi
}

case "${1:-start}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: scripts/ministack.sh install|start|stop" >&2; exit 2 ;;
esac

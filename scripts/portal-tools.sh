#!/usr/bin/env bash
# The system tools the portal's tests drive: Debian's chromium (end to end, via playwright-core)
# and sqlmap (injection scan). Installed with apt-get when missing and possible (root on Debian,
# as CI is); otherwise the run stops here saying what to install.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v sqlmap >/dev/null 2>&1 || missing+=(sqlmap)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (Debian packages) for the portal's tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "error: the portal's tests need ${missing[*]}: run 'sudo apt-get install ${missing[*]}'" >&2
  exit 1
fi

#!/usr/bin/env bash
# The system tools the portal's tests drive: Debian's chromium (end to end, via playwright-core)
# and sqlmap (injection scan). Installed with apt-get when missing and possible (root on Debian,
# as CI is); otherwise the run stops here saying what to install.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v sqlmap >/dev/null 2>&1 || missing+=(sqlmap)
source "$(dirname "$0")/debian-packages.sh"
install_debian_packages "the portal's tests" ${missing[@]+"${missing[@]}"}

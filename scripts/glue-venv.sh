#!/usr/bin/env bash
# Provisions what the Glue job tests (test/glue, pytest) need, idempotently:
# - a Python virtual environment in .cache/glue-venv with glue/requirements-test.txt from PyPI
#   (pyspark 3.5.4 = the Spark of Glue 5.0); reinstalled when that file changes;
# - Java 17 (Spark's JVM) and the PostgreSQL JDBC driver (/usr/share/java/postgresql.jar), from
#   Debian (openjdk-17-jre-headless, libpostgresql-jdbc-java) when missing.
# Prints the venv's python path last. QDP_PYTHON picks the interpreter (default python3, 3.11 like
# Glue 5.0).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/glue-venv
requirements=glue/requirements-test.txt
python="${QDP_PYTHON:-python3}"

source scripts/debian-packages.sh
missing=()
# Debian's python3 is 3.11 (Glue 5.0's); its venv module comes in python3-venv.
command -v "$python" >/dev/null || missing+=(python3 python3-venv)
command -v "$python" >/dev/null && { "$python" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv); }
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
[ -f /usr/share/java/postgresql.jar ] || missing+=(libpostgresql-jdbc-java)
install_debian_packages "the Glue tests" ${missing[@]+"${missing[@]}"}

stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" || {
    echo "error: $python not found: install Python 3.11 (Glue 5.0's) or set QDP_PYTHON" >&2
    exit 1
  }
  [ "$version" = 3.11 ] || echo "warning: $python is Python $version; Glue 5.0 runs 3.11" >&2
  echo "creating $venv (pyspark, pytest from PyPI; first time downloads ~320 MB)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$wanted" >"$stamp"
fi
echo "$PWD/$venv/bin/python"

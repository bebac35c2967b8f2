#!/usr/bin/env bash
# A second Docker engine on this machine, for the fleet's tests and benchmarks (two hosts, one
# machine): its own socket (/run/medic-b/docker.sock), data root, exec root, pid file and, above
# all, its own bridge (br-b): sharing docker0 would let its stop delete the first engine's
# bridge. No NAT and no iptables of its own. A no-op when it already answers. Needs root (or
# sudo). Prints nothing on stdout; callers read MEDIC_TEST_DOCKER_B from dev-services.sh.
set -euo pipefail
SOCK=/run/medic-b/docker.sock
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { printf 'second-engine: %s\n' "$*" >&2; }

timeout 10 docker -H "unix://$SOCK" info >/dev/null 2>&1 && exit 0
if ! ip link show br-b >/dev/null 2>&1; then
  as_root ip link add br-b type bridge
  as_root ip addr add 172.29.0.1/16 dev br-b
fi
as_root ip link set br-b up
as_root mkdir -p /run/medic-b /var/lib/medic-b-docker /var/run/medic-b-exec
# A killed engine leaves its pid file (and its containerd's) behind.
if ! pgrep -f "dockerd --host unix://$SOCK" >/dev/null; then
  as_root rm -f /run/medic-b/docker.pid /var/run/medic-b-exec/containerd/containerd.pid
fi
log "starting a second dockerd on $SOCK (bridge br-b)"
(as_root setsid dockerd --host "unix://$SOCK" --data-root /var/lib/medic-b-docker \
  --exec-root /var/run/medic-b-exec --pidfile /run/medic-b/docker.pid \
  --bridge br-b --iptables=false --ip-masq=false >/tmp/medic-dockerd-b.log 2>&1 &)
for _ in $(seq 1 60); do timeout 5 docker -H "unix://$SOCK" info >/dev/null 2>&1 && exit 0; sleep 0.5; done
log "the second engine did not come up; see /tmp/medic-dockerd-b.log"
exit 1

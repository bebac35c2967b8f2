#!/usr/bin/env bash
# Brings up what workspace-medic's tests and demo need on a fresh Debian machine, and is a
# no-op where they already run: a Docker engine (Debian's docker.io), busybox-static (from
# which the code builds a tiny local image: no registry pull), a Postgres cluster on 127.0.0.1:5432
# with a `medic` role, and Debian's chromium for the dashboard's browser test. Prints the env the tests use (MEDIC_TEST_DATABASE_URL).
set -euo pipefail
PG_URL=postgres://medic:medic@127.0.0.1:5432/medic
# --docker-only: just the engine (what `npm run demo` needs; the demo's database is embedded).
docker_only=false; [ "${1:-}" = --docker-only ] && docker_only=true

main() {
  log() { printf 'dev-services: %s\n' "$*" >&2; }
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

  need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v busybox >/dev/null 2>&1 || need+=(busybox-static)
  $docker_only || command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
  # The dashboard's pages are tested in a real headless browser (no browser download).
  $docker_only || command -v chromium >/dev/null 2>&1 || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
      || { as_root apt-get update -qq >/dev/null; as_root apt-get install -y -qq "${need[@]}" >/dev/null; }
  fi

  if pgrep -x dockerd >/dev/null && ! timeout 15 docker info >/dev/null 2>&1; then
    # Running but not answering: Docker 20.10's libnetwork can deadlock (seen on these machines);
    # only a restart brings it back. Its containers are left Exited.
    log "dockerd is not answering; restarting it"
    as_root pkill -9 -x dockerd || true
    as_root pkill -9 -f 'containerd --config /var/run/docker/containerd' || true
    sleep 1
  fi
  if ! timeout 15 docker info >/dev/null 2>&1; then
    if ! pgrep -x dockerd >/dev/null; then
      # A dockerd that was killed (or a machine restored from a snapshot) leaves pid files
      # behind, and their PIDs may now be someone else's: a new dockerd then refuses to start,
      # or waits on a containerd that is not there. Clear them, and any orphaned containerd.
      as_root pkill -9 -f 'containerd --config /var/run/docker/containerd' || true
      for _ in $(seq 1 20); do pgrep -f 'containerd --config /var/run/docker/containerd' >/dev/null || break; sleep 0.25; done
      as_root rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
    fi
    log "starting dockerd"
    (as_root setsid dockerd --host unix:///var/run/docker.sock >/tmp/medic-dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do timeout 5 docker info >/dev/null 2>&1 && break; sleep 0.5; done
    timeout 15 docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /tmp/medic-dockerd.log"; exit 1; }
  fi

  # The tests and the demo build their tiny image themselves through the Engine API
  # (src/docker/local-image.ts), from the static busybox installed above.

  $docker_only && return

  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    pg_lsclusters -h | grep -q "^$ver main" || as_root pg_createcluster "$ver" main >/dev/null
    # A postgres that was killed (or a machine restored from a snapshot) leaves its socket lock
    # behind, naming a PID that may now be a zombie or someone else's: a new one then refuses
    # to start. (pg_ctlcluster itself clears a stale postmaster.pid.)
    lock=/var/run/postgresql/.s.PGSQL.5432.lock
    holder=$(head -n 1 "$lock" 2>/dev/null || true)
    if [ -n "$holder" ] && ! ps -p "$holder" -o comm=,stat= | grep -Eq '^postgres +[^Z ]'; then
      as_root rm -f "$lock" /var/run/postgresql/.s.PGSQL.5432
    fi
    log "starting postgres $ver"
    as_root pg_ctlcluster "$ver" main start
    for _ in $(seq 1 40); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    pg_isready -q -h 127.0.0.1 -p 5432 \
      || { log "postgres $ver did not come up on 127.0.0.1:5432; see /var/log/postgresql/postgresql-$ver-main.log"; exit 1; }
  fi
  as_root su postgres -c "psql -qtAc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='medic') THEN CREATE ROLE medic LOGIN SUPERUSER PASSWORD 'medic'; END IF; END\\\$\\\$\"" >/dev/null
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='medic'\"" | grep -q 1 \
    || as_root su postgres -c "createdb -O medic medic"
}

# Callers `eval` this script's stdout, so only the export line below may reach it: everything
# else (apt, dockerd, pg_ctlcluster's "Removed stale pid file.") goes to stderr. main runs in a
# subshell so that no saved copy of stdout exists for the daemons' parent shells to hold open
# (the caller's $(...) would then never end).
( main ) >&2
$docker_only && exit 0
echo "export MEDIC_TEST_DATABASE_URL=$PG_URL"
# The fleet's tests run a second engine beside the first (scripts/second-engine.sh).
if ( bash "$(dirname "$0")/second-engine.sh" ) >&2; then
  echo "export MEDIC_TEST_DOCKER_B=unix:///run/medic-b/docker.sock"
fi

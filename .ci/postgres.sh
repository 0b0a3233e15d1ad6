#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and CI (issue 16): a cluster in a temporary folder, run by an
# unprivileged user, on a free port of 127.0.0.1, with fsync on, removed when it stops.
#
#   .ci/postgres.sh install        install Debian's `postgresql` package when initdb/pg_ctl are missing
#   .ci/postgres.sh run CMD ARG…   (installs when missing) start a cluster, run CMD with
#                                  SANDBOX_TEST_POSTGRES_URL set, stop and remove the cluster; CMD's status
#   .ci/postgres.sh start          (installs when missing) start one and print shell `export` lines:
#                                    eval "$(.ci/postgres.sh start)"; npm test; .ci/postgres.sh stop
#   .ci/postgres.sh stop [DIR]     stop and remove the cluster in DIR ($SANDBOX_TEST_POSTGRES_DIR)
#   .ci/postgres.sh serve          start one, print its URL as the first line of stdout, and keep it
#                                  until stdin closes or a signal comes (emulator/test/postgres.ts)
#   .ci/postgres.sh bindir         print the folder of initdb and pg_ctl, or fail
#
# SANDBOX_POSTGRES_BIN=<folder> picks the programs (another version, a build of your own).
# The URL is postgres://sandbox:<random password>@127.0.0.1:<port>/sandbox; the cluster's user
# `sandbox` is a superuser that may create databases (each test file makes its own). PostgreSQL
# refuses to run as root, so as root the cluster belongs to the `postgres` system user (which
# Debian's package creates), or to `nobody`. A bash script rather than Node, because installing
# is apt-get's job and .ci/run installs chromium the same way; the test helper runs `serve`, so
# there is one way to make a cluster.
set -euo pipefail

MARKER=".freedompay-sandbox-postgres"

say() { echo "postgres.sh: $*" >&2; }

# The highest /usr/lib/postgresql/<version>/bin holding both programs (Debian), else PATH.
find_bindir() {
  if [ -n "${SANDBOX_POSTGRES_BIN:-}" ]; then
    [ -x "$SANDBOX_POSTGRES_BIN/initdb" ] && [ -x "$SANDBOX_POSTGRES_BIN/pg_ctl" ] && { echo "$SANDBOX_POSTGRES_BIN"; return 0; }
    say "SANDBOX_POSTGRES_BIN=$SANDBOX_POSTGRES_BIN has no initdb and pg_ctl"
    return 1
  fi
  local dir
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  local initdb pg_ctl
  initdb="$(command -v initdb || true)"
  pg_ctl="$(command -v pg_ctl || true)"
  if [ -n "$initdb" ] && [ -n "$pg_ctl" ]; then
    dirname "$(readlink -f "$initdb")"
    return 0
  fi
  return 1
}

install_postgres() {
  if find_bindir >/dev/null 2>&1; then return 0; fi
  if [ -n "${SANDBOX_POSTGRES_BIN:-}" ]; then return 1; fi
  local sudo="" log
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      say "PostgreSQL is missing and installing it needs root: run 'apt-get install -y --no-install-recommends postgresql' as root"
      return 1
    fi
    sudo="sudo"
  fi
  log="$(mktemp)"
  # Only the programs are wanted: no system cluster on port 5432 started by the package.
  if ! {
    $sudo mkdir -p /etc/postgresql-common/createcluster.d &&
      echo 'create_main_cluster = false' | $sudo tee /etc/postgresql-common/createcluster.d/freedompay-sandbox.conf >/dev/null &&
      $sudo apt-get update -qq &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
  } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "could not install PostgreSQL with apt-get (see above); the PostgreSQL store tests need initdb and pg_ctl"
    return 1
  fi
  rm -f "$log"
  find_bindir >/dev/null || {
    say "apt-get installed postgresql but no initdb/pg_ctl was found under /usr/lib/postgresql/*/bin"
    return 1
  }
}

# Runs a command as the cluster's owner: this user, or an unprivileged one when this is root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })' 2>/dev/null ||
    echo $((20000 + RANDOM % 40000))
}

# Starts a cluster; sets dir, port, url.
start_cluster() {
  local bin
  bin="$(find_bindir)" || {
    say "no PostgreSQL found (initdb and pg_ctl under /usr/lib/postgresql/<version>/bin or on PATH); run '.ci/postgres.sh install' (as root or with sudo), or 'apt-get install -y --no-install-recommends postgresql'"
    return 1
  }
  if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
    # Not $TMPDIR: the owner must be able to reach the folder, and /tmp is open to every user.
    dir="$(mktemp -d /tmp/freedompay-sandbox-pg.XXXXXX)"
  else
    owner="$(id -un)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/freedompay-sandbox-pg.XXXXXX")"
  fi
  touch "$dir/$MARKER"
  local password
  password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  (umask 077 && printf '%s\n' "$password" >"$dir/password")
  if [ "$(id -u)" -eq 0 ]; then chown -R "$owner" "$dir"; fi

  # -N: initdb's own final sync is skipped (the folder is thrown away); the server runs with
  # fsync on, so commits cost what they cost on a real deployment.
  if ! as_owner "$bin/initdb" -D "$dir/data" -U sandbox --pwfile="$dir/password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C -N >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    say "initdb failed (see above)"
    return 1
  fi
  local try
  for try in 1 2 3 4 5; do
    port="$(free_port)"
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=on -c synchronous_commit=on -c max_connections=200" \
      start >/dev/null 2>&1; then
      break
    fi
    # Another process took the port between the check and the start: try another.
    if [ "$try" -eq 5 ] || ! grep -q 'could not bind\|Address already in use' "$dir/server.log" 2>/dev/null; then
      cat "$dir/server.log" >&2 2>/dev/null || true
      say "the PostgreSQL server did not start (see above)"
      return 1
    fi
  done
  if ! as_owner "$bin/psql" -h "$dir" -p "$port" -U sandbox -d postgres -qAt -v ON_ERROR_STOP=1 \
    -c 'CREATE DATABASE sandbox' >/dev/null; then
    say "could not create the database"
    return 1
  fi
  url="postgres://sandbox:$password@127.0.0.1:$port/sandbox"
}

stop_cluster() {
  local target="$1" bin
  [ -n "$target" ] && [ -d "$target" ] || return 0
  if [ ! -e "$target/$MARKER" ]; then
    say "$target is not a folder this script made; not removing it"
    return 1
  fi
  if [ -f "$target/data/postmaster.pid" ] && bin="$(find_bindir)"; then
    if [ "$(id -u)" -eq 0 ]; then owner="$(stat -c %U "$target/data")"; fi
    as_owner "$bin/pg_ctl" -D "$target/data" -m fast -w -t 30 -s stop >/dev/null 2>&1 ||
      as_owner "$bin/pg_ctl" -D "$target/data" -m immediate -w -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$target"
}

owner="$(id -un)"
dir=""
port=""
url=""

case "${1:-}" in
  install)
    install_postgres
    ;;
  bindir)
    find_bindir
    ;;
  run)
    shift
    [ "$#" -gt 0 ] || { say "usage: .ci/postgres.sh run CMD [ARG…]"; exit 2; }
    install_postgres
    trap 'stop_cluster "$dir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    started="$(date +%s%N)"
    start_cluster
    say "PostgreSQL on 127.0.0.1:$port ready in $((($(date +%s%N) - started) / 1000000)) ms (cluster in $dir)"
    status=0
    SANDBOX_TEST_POSTGRES_URL="$url" "$@" || status=$?
    exit "$status"
    ;;
  start)
    install_postgres
    trap '[ -n "$url" ] || stop_cluster "$dir"' EXIT
    start_cluster
    printf "export SANDBOX_TEST_POSTGRES_URL='%s'\nexport SANDBOX_TEST_POSTGRES_DIR='%s'\n" "$url" "$dir"
    ;;
  stop)
    stop_cluster "${2:-${SANDBOX_TEST_POSTGRES_DIR:-}}"
    ;;
  serve)
    trap 'stop_cluster "$dir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    start_cluster
    echo "$url"
    # Until the reader goes away: a test worker that exits, or is killed, closes the pipe.
    while read -r _; do :; done
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

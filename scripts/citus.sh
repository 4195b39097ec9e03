# scripts/citus.sh — Citus for the test suite and the scaling benchmark:
# build Citus 13.0.5 once per machine (cached outside the checkout), copy the
# cached files into the PostgreSQL tree of $NOUS_PGBIN, and run a coordinator
# and two workers on loopback ports.  Sourced by test/suites/citus.sh; also
# usable by hand:
#
#   source scripts/citus.sh
#   citus_install            # build (first time) and copy Citus into the PG tree
#   citus_cluster_start      # coordinator on $NOUS_CITUS_PORT, workers on +1, +2
#   citus_psql -c 'SELECT * FROM citus_get_active_worker_nodes()'
#   citus_cluster_stop
#
# Settings (environment):
#   NOUS_PGBIN          PostgreSQL bin directory (default /usr/lib/postgresql/15/bin)
#   NOUS_CITUS_TARBALL  source tarball (default ../shared/vendor/citus-13.0.5.tar.gz)
#   NOUS_CITUS_CACHE    build cache (default /var/cache/nous, else ~/.cache/nous)
#   NOUS_CITUS_PORT     coordinator port (default 5583; workers on the next two)
#   NOUS_CITUS_DIR      where the three clusters live (default: a fresh temp dir)
#   NOUS_NO_APT         1: never call apt-get
#
# Citus 13.0.5 builds against PostgreSQL 15, 16 and 17 only: citus_supported
# says why not otherwise (the suite then skips with exit 77).

NOUS_ROOT="${NOUS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
NOUS_PGBIN="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
NOUS_CITUS_VERSION=13.0.5
NOUS_CITUS_SHA256=b279cf8b0a0cda459653439ea61388f29e16800e23212ac55d4f17e158f61d40
NOUS_CITUS_TARBALL="${NOUS_CITUS_TARBALL:-$(cd "$NOUS_ROOT/.." && pwd)/shared/vendor/citus-$NOUS_CITUS_VERSION.tar.gz}"
NOUS_CITUS_PORT="${NOUS_CITUS_PORT:-5583}"
# Debian packages needed to build Citus (libcurl is not: built --without-libcurl)
NOUS_CITUS_PACKAGES=(autoconf flex bison liblz4-dev libzstd-dev libkrb5-dev
  libselinux1-dev libpam0g-dev libssl-dev libxslt1-dev libicu-dev)

citus_say() { printf '\033[1m==> citus: %s\033[0m\n' "$*"; }
citus_die() { printf 'citus: error: %s\n' "$*" >&2; return 1; }

citus_pgmajor() { "$NOUS_PGBIN/pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/'; }

# citus_supported — 0 when Citus 13.0.5 can be built for this PostgreSQL,
# else prints the reason and returns 1.
citus_supported() {
  local major
  major="$(citus_pgmajor)"
  case "$major" in
    15|16|17) return 0 ;;
    *) echo "Citus $NOUS_CITUS_VERSION supports PostgreSQL 15, 16 and 17 only (its configure refuses PostgreSQL $major)"; return 1 ;;
  esac
}

# the cache directory: one per (tarball, PG major, exact pg_config --version)
citus_cache_dir() {
  local base key
  base="${NOUS_CITUS_CACHE:-}"
  if [ -z "$base" ]; then
    if mkdir -p /var/cache/nous 2>/dev/null && [ -w /var/cache/nous ]; then base=/var/cache/nous
    else base="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/nous"; fi
  fi
  key="$(printf '%s|%s|%s' "$NOUS_CITUS_SHA256" "$(citus_pgmajor)" "$("$NOUS_PGBIN/pg_config" --version)" | sha256sum | cut -c1-16)"
  printf '%s/citus-%s-pg%s-%s\n' "$base" "$NOUS_CITUS_VERSION" "$(citus_pgmajor)" "$key"
}

citus_install_deps() {
  local missing=() p sudo=""
  for p in "${NOUS_CITUS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "${NOUS_NO_APT:-0}" = 1 ] && { citus_die "missing Debian packages: ${missing[*]}"; return 1; }
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  citus_say "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -o DPkg::Lock::Timeout=900 -y -q --no-install-recommends "${missing[@]}" \
    || { DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q \
         && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -o DPkg::Lock::Timeout=900 -y -q --no-install-recommends "${missing[@]}"; }
}

# citus_build — build Citus into the cache (no-op when cached).  The cache
# holds lib/ (the files of pg_config --pkglibdir) and share/ (of --sharedir),
# so that it can be copied into any tree of the same PostgreSQL build.
citus_build() {
  local cache tmp t0 sum
  cache="$(citus_cache_dir)"
  [ -f "$cache/ok" ] && return 0
  [ -f "$NOUS_CITUS_TARBALL" ] || { citus_die "$NOUS_CITUS_TARBALL not found"; return 1; }
  sum="$(sha256sum "$NOUS_CITUS_TARBALL" | cut -d' ' -f1)"
  [ "$sum" = "$NOUS_CITUS_SHA256" ] || { citus_die "$NOUS_CITUS_TARBALL: sha256 $sum, expected $NOUS_CITUS_SHA256"; return 1; }
  citus_install_deps || return 1
  t0=$(date +%s)
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/nous-citus-build.XXXXXX")"
  citus_say "building Citus $NOUS_CITUS_VERSION for $("$NOUS_PGBIN/pg_config" --version) in $tmp (once per machine; log in $tmp/build.log)"
  (
    set -e
    tar -xzf "$NOUS_CITUS_TARBALL" -C "$tmp"
    cd "$tmp/citus-$NOUS_CITUS_VERSION"
    ./configure --without-libcurl PG_CONFIG="$NOUS_PGBIN/pg_config"
    # with_llvm=no: no LLVM bitcode for JIT inlining (halves the build time)
    make -j2 with_llvm=no
    make install with_llvm=no DESTDIR="$tmp/dest"
  ) >"$tmp/build.log" 2>&1 || { tail -40 "$tmp/build.log" >&2; citus_die "the Citus build failed (log: $tmp/build.log)"; return 1; }
  rm -rf "$cache.new"
  mkdir -p "$cache.new"
  cp -a "$tmp/dest$("$NOUS_PGBIN/pg_config" --pkglibdir)" "$cache.new/lib"
  cp -a "$tmp/dest$("$NOUS_PGBIN/pg_config" --sharedir)" "$cache.new/share"
  echo "Citus $NOUS_CITUS_VERSION for $("$NOUS_PGBIN/pg_config" --version), built $(date -u +%FT%TZ) in $(( $(date +%s) - t0 )) s" > "$cache.new/ok"
  rm -rf "$cache"
  mv "$cache.new" "$cache"
  rm -rf "$tmp"
  citus_say "$(cat "$cache/ok"); cached in $cache"
}

# citus_install — build (first time) and copy the cached files into the tree
citus_install() {
  local cache pkglib share sudo=""
  citus_build || return 1
  cache="$(citus_cache_dir)"
  pkglib="$("$NOUS_PGBIN/pg_config" --pkglibdir)"
  share="$("$NOUS_PGBIN/pg_config" --sharedir)"
  if cmp -s "$cache/lib/citus.so" "$pkglib/citus.so" \
     && cmp -s "$cache/share/extension/citus.control" "$share/extension/citus.control"; then
    return 0
  fi
  [ -w "$pkglib" ] || sudo=sudo
  citus_say "copying the cached Citus into $pkglib and $share"
  $sudo cp -a "$cache/lib/." "$pkglib/"
  $sudo cp -a "$cache/share/." "$share/"
}

# ---- the cluster: a coordinator and two workers -------------------------

citus_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# citus_node_dir N — data directory of node N (0 = coordinator)
citus_node_dir() { printf '%s/node%s\n' "$NOUS_CITUS_DIR" "$1"; }
citus_node_port() { echo $(( NOUS_CITUS_PORT + $1 )); }

# citus_cluster_start — initdb (first time) and start the three nodes, then
# register them (as the coordinator's database "postgres" and in $1 if given)
citus_cluster_start() {
  local n dir port
  if [ -z "${NOUS_CITUS_DIR:-}" ]; then
    NOUS_CITUS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/nous-citus.XXXXXX")"
  fi
  export NOUS_CITUS_DIR
  mkdir -p "$NOUS_CITUS_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$NOUS_CITUS_DIR"
  for n in 0 1 2; do
    dir="$(citus_node_dir $n)"; port="$(citus_node_port $n)"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      citus_as_owner mkdir -p "$dir/run"
      citus_as_owner "$NOUS_PGBIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=trust >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; citus_die "initdb of node $n failed"; return 1; }
      # loopback only, trust: a throwaway test cluster that nothing else can reach
      {
        echo "# written by nous scripts/citus.sh"
        echo "port = $port"
        echo "listen_addresses = 'localhost'"
        echo "unix_socket_directories = '$dir/run'"
        echo "shared_preload_libraries = 'citus'"
        echo "max_prepared_transactions = 20"
        echo "shared_buffers = 64MB"
        echo "work_mem = 32MB"
        echo "max_parallel_workers_per_gather = 0"
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        echo "logging_collector = off"
        echo "citus.shard_count = 4"
      } | citus_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
    fi
    if ! citus_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      citus_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -t 120 start -l "$dir/server.log" >/dev/null \
        || { tail -20 "$dir/server.log" >&2; citus_die "node $n did not start (is port $port taken?)"; return 1; }
    fi
  done
  citus_say "coordinator on port $(citus_node_port 0), workers on $(citus_node_port 1) and $(citus_node_port 2) ($NOUS_CITUS_DIR)"
}

# citus_psql [N] ARGS... — psql on node N (default the coordinator)
citus_psql() {
  local n=0
  case "${1:-}" in 0|1|2) n="$1"; shift ;; esac
  "$NOUS_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(citus_node_dir $n)/run" -p "$(citus_node_port $n)" -U postgres "$@"
}

# citus_create_db DB — a database on every node with citus, registered workers
# (Citus 13 needs the database on every node: it does not propagate CREATE
# DATABASE unless citus.enable_create_database_propagation is on)
citus_create_db() {
  local db="$1" n
  for n in 0 1 2; do
    citus_psql $n -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    citus_psql $n -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION citus"
  done
  citus_psql 0 -d "$db" -c "SET client_min_messages = warning" \
    -c "SELECT citus_set_coordinator_host('localhost', $(citus_node_port 0))" \
    -c "SELECT citus_add_node('localhost', $(citus_node_port 1))" \
    -c "SELECT citus_add_node('localhost', $(citus_node_port 2))" >/dev/null
}

# citus_cluster_stop [remove] — stop the three nodes; "remove" deletes them
citus_cluster_stop() {
  local n dir
  [ -n "${NOUS_CITUS_DIR:-}" ] || return 0
  for n in 0 1 2; do
    dir="$(citus_node_dir $n)"
    if [ -f "$dir/data/PG_VERSION" ] && citus_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      citus_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -m immediate stop >/dev/null 2>&1 || true
    fi
  done
  [ "${1:-}" = remove ] && rm -rf "$NOUS_CITUS_DIR"
  return 0
}

# citus_bench [SCALE] — one node against the cluster on generated data of
# SCALE EPCI (default 10): bytes moved and times (test/citus/bench.sql).
# Starts its own cluster in a temporary directory and removes it.
citus_bench() {
  local scale="${1:-10}" db=nous_citus_bench
  citus_supported || return 1
  citus_install || return 1
  NOUS_CITUS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/nous-citus-bench.XXXXXX")"
  trap 'citus_cluster_stop remove' EXIT
  citus_cluster_start || return 1
  citus_create_db "$db" || return 1
  citus_psql 0 -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous CASCADE" || return 1
  PGOPTIONS="-c citus.enable_ddl_propagation=off" citus_psql 0 -d "$db" -v scale="$scale" -f "$NOUS_ROOT/test/gen/generate.sql" >/dev/null || return 1
  citus_psql 0 -d "$db" -f "$NOUS_ROOT/test/citus/setup.sql" || return 1
  citus_psql 0 -d "$db" -f "$NOUS_ROOT/test/citus/harness.sql" || return 1
  citus_psql 0 -d "$db" -tA -c "SELECT 'scale $scale: ' || (SELECT count(*) FROM dist.squares) || ' squares, ' || (SELECT count(*) FROM dist.moves) || ' moves, ' || (SELECT count(*) FROM dist.applications) || ' applications, ' || (SELECT count(*) FROM dist.allocations) || ' allocations'"
  citus_psql 0 -d "$db" -f "$NOUS_ROOT/test/citus/bench.sql"
}

# scripts/common.sh — shared by scripts/demo.sh, scripts/test.sh and the
# benchmark: install what nous needs from Debian, build and install the
# extension, and run a PostgreSQL cluster owned by the project.
#
# Settings (environment):
#   NOUS_STATE   where clusters, logs and reports live (default: <checkout>/.nous)
#   NOUS_PORT    port of the demo cluster (default 5499); tests use NOUS_TEST_PORT
#                (default 5498) and benchmarks NOUS_BENCH_PORT (default 5497)
#   NOUS_NO_APT  set to 1 to never call apt-get (then missing packages are an error)
#   NOUS_PG      PostgreSQL major: 15 (the host, default), 17 or 18 (the
#                chroots of scripts/chroot.sh, where scripts/test.sh runs itself)
#   NOUS_PGBIN   bin directory of the PostgreSQL to build against and run
#                (default /usr/lib/postgresql/$NOUS_PG/bin; a private copy of the
#                tree lets several checkouts install different builds side by side)
#   NOUS_PLATFORM_INNER  set to 1 by scripts/test.sh inside a chroot: the
#                chroot carries its own package list (scripts/chroot.sh)

set -euo pipefail

NOUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NOUS_PGVER="${NOUS_PG:-15}"
case "$NOUS_PGVER" in 15|17|18) ;; *) echo "nous: NOUS_PG must be 15, 17 or 18 (got '$NOUS_PGVER')" >&2; exit 1 ;; esac
NOUS_PGBIN="${NOUS_PGBIN:-/usr/lib/postgresql/${NOUS_PGVER}/bin}"
NOUS_STATE="${NOUS_STATE:-$NOUS_ROOT/.nous}"
export NOUS_PGBIN NOUS_PGVER

# Debian packages nous needs to build, run, test and demonstrate itself.
NOUS_PACKAGES=(
  build-essential pkg-config
  "postgresql-${NOUS_PGVER}" "postgresql-client-${NOUS_PGVER}"
  "postgresql-server-dev-${NOUS_PGVER}" "postgresql-${NOUS_PGVER}-postgis-3"
  libicu-dev liblapack-dev
  clang-14 libclang-rt-14-dev
  python3 python3-numpy
  postgresql-${NOUS_PGVER}-cron gdal-bin
  python3-qgis qgis-providers
)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'nous: error: %s\n' "$*" >&2; exit 1; }

# Install the Debian packages that are missing (as root, or through sudo).
nous_install_deps() {
  local missing=() p
  # inside a chroot of the matrix, scripts/chroot.sh installed the platform's
  # packages (no QGIS, no clang-14 there)
  [ "${NOUS_PLATFORM_INNER:-}" = 1 ] && return 0
  for p in "${NOUS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  [ "${NOUS_NO_APT:-0}" = 1 ] && die "missing Debian packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages (${missing[*]}); run as root or install them"
    sudo=sudo
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Debian's postgresql package creates and starts a 'main' cluster on 5432;
  # nous does not use it, and leaves it as Debian set it up.
}

# The versions this run builds and tests with (recorded in the log).
nous_print_versions() {
  local share
  share="$("$NOUS_PGBIN/pg_config" --sharedir)"
  say "platform: $( . /etc/os-release; echo "$PRETTY_NAME") ($(cat /etc/debian_version 2>/dev/null))"
  echo "  PostgreSQL: $("$NOUS_PGBIN/pg_config" --version) ($NOUS_PGBIN)"
  echo "  PostGIS:    $(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$share/extension/postgis.control" 2>/dev/null || echo missing)"
  echo "  ICU:        $(pkg-config --modversion icu-uc 2>/dev/null || echo missing)"
  echo "  pg_cron:    $(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$share/extension/pg_cron.control" 2>/dev/null || echo missing)"
  echo "  compiler:   $(${CC:-gcc} --version | head -1)"
}

# Build with -Werror and install into the PostgreSQL tree of NOUS_PGBIN.
nous_build() {
  say "building nous"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  make -C "$NOUS_ROOT" -s -j2 NOUS_WERROR=1 PG_CONFIG="$NOUS_PGBIN/pg_config"
  $sudo make -C "$NOUS_ROOT" -s install PG_CONFIG="$NOUS_PGBIN/pg_config" >/dev/null
}

# Run a command as the cluster's owner: postgres when we are root (the server
# refuses to run as root), ourselves otherwise.
nous_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# nous_cluster_dir NAME — the directory of a named cluster.  It is under the
# checkout unless the postgres user cannot reach the checkout (a checkout
# under /root, say), in which case it falls back to /var/tmp.
nous_cluster_dir() {
  local name="$1" dir
  dir="$NOUS_STATE/$name"
  mkdir -p "$NOUS_STATE"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$NOUS_STATE"; then
    dir="/var/tmp/nous-$(printf '%s' "$NOUS_ROOT" | md5sum | cut -c1-8)/$name"
  fi
  printf '%s\n' "$dir"
}

# nous_cluster_start NAME PORT [fast] — create (first time) and start a cluster.
# "fast" turns durability off: for throwaway test and benchmark clusters.
nous_cluster_start() {
  local name="$1" port="$2" mode="${3:-}" dir
  dir="$(nous_cluster_dir "$name")"
  mkdir -p "$dir/run"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "creating cluster '$name' in $dir/data"
    nous_as_owner "$NOUS_PGBIN/initdb" -D "$dir/data" -U postgres -E UTF8 \
      --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    {
      echo "# written by nous scripts/common.sh"
      echo "listen_addresses = 'localhost'"
      echo "unix_socket_directories = '$dir/run'"
      echo "max_parallel_workers_per_gather = 2"
      echo "shared_buffers = 512MB"
      echo "work_mem = 64MB"
      echo "maintenance_work_mem = 512MB"
      echo "max_wal_size = 4GB"
      echo "logging_collector = off"
      if [ "$mode" = fast ]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } | nous_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
  fi
  # the port may change between runs: keep it in a conf file of its own
  echo "port = $port" | nous_as_owner tee "$dir/data/nous_port.conf" >/dev/null
  grep -q "^include_if_exists = 'nous_port.conf'" "$dir/data/postgresql.conf" \
    || echo "include_if_exists = 'nous_port.conf'" | nous_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
  if nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # new sessions load the newly installed library: no restart needed
    say "cluster '$name' already running on port $(nous_as_owner cat "$dir/data/nous_port.conf" | sed 's/[^0-9]//g')"
  else
    say "starting cluster '$name' on port $port"
    nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -t 60 start -l "$dir/server.log" >/dev/null \
      || { tail -20 "$dir/server.log" >&2; die "the cluster did not start (is port $port taken?)"; }
  fi
  export PGHOST="$dir/run" PGPORT="$port" PGUSER=postgres
}

nous_cluster_stop() {
  local name="$1" dir
  dir="$(nous_cluster_dir "$name")"
  if [ -f "$dir/data/PG_VERSION" ] && nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
    say "cluster '$name' stopped"
  fi
}

# Remove a cluster entirely (tests start from a fresh one each run).
nous_cluster_destroy() {
  local name="$1" dir
  dir="$(nous_cluster_dir "$name")"
  nous_cluster_stop "$name"
  rm -rf "$dir"
}

nous_psql() {
  "$NOUS_PGBIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"
}

#!/usr/bin/env bash
# scripts/chroot.sh — the platforms of the test matrix other than the host:
# one Debian chroot per PostgreSQL major, made with debootstrap from Debian's
# registry, with the packages nous needs installed inside, cached on the
# machine outside the checkout.
#
#   bash scripts/chroot.sh list                  the platforms: "PG SUITE" lines
#   bash scripts/chroot.sh ensure PG             build the chroot if needed; print its path
#   bash scripts/chroot.sh run PG CMD [ARG...]   run CMD inside (as root), with
#                                                /proc, /sys, /dev mounted for the run
#                                                and always unmounted afterwards
#   bash scripts/chroot.sh versions PG           the versions of PostgreSQL, PostGIS,
#                                                ICU and GCC inside
#
# The cache is NOUS_CHROOT_CACHE (default /var/cache/nous); a chroot lives in
# chroot-<suite>-pg<PG>-<hash>, the hash taken over the package list, the
# mirror and the functions that build the chroot, so that a changed package
# list (or way of building) builds a new one.  A chroot is built in a temporary directory and renamed into place
# when complete: an interrupted build leaves no half chroot in the cache.
# Needs root (debootstrap, chroot, mount).
set -euo pipefail

NOUS_CHROOT_CACHE="${NOUS_CHROOT_CACHE:-/var/cache/nous}"
NOUS_MIRROR="${NOUS_MIRROR:-http://deb.debian.org/debian}"

# PG -> Debian suite
chroot_suite() {
  case "$1" in
    17) echo trixie ;;
    18) echo sid ;;
    *) echo "chroot.sh: no chroot platform for PostgreSQL '$1' (known: 17, 18)" >&2; return 1 ;;
  esac
}

# the packages of a platform: what scripts/test.sh needs to build, run the
# unit tests, pg_regress (all tests, with ../shared) and the scripted suites,
# QGIS excepted (its suites say why they skip); debhelper and
# postgresql-server-dev-all are pg_buildext's, for the Debian packages
chroot_packages() {
  local v="$1"
  echo build-essential pkg-config ca-certificates \
    "postgresql-$v" "postgresql-client-$v" "postgresql-server-dev-$v" \
    "postgresql-$v-postgis-3" "postgresql-$v-cron" \
    postgresql-server-dev-all debhelper \
    libicu-dev liblapack-dev python3 python3-numpy gdal-bin
}

chroot_apt_opts() {  # sid's Release file may be past its validity date
  [ "$(chroot_suite "$1")" = sid ] && echo "-o Acquire::Check-Valid-Until=false"
  return 0
}

chroot_path() {
  local v="$1" suite key
  suite="$(chroot_suite "$v")"
  key="$({ declare -f chroot_build chroot_mount; chroot_packages "$v"; echo "$NOUS_MIRROR"; } | sha256sum | cut -c1-12)"
  echo "$NOUS_CHROOT_CACHE/chroot-$suite-pg$v-$key"
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# mounts of a run: /proc, /sys, /dev (and a fresh /dev/shm, PostgreSQL's
# dynamic shared memory); chroot_umount undoes them in reverse order
chroot_mount() {
  local r="$1"
  mount -t proc proc "$r/proc"
  mount -t sysfs sys "$r/sys"
  mount --bind /dev "$r/dev"
  mkdir -p "$r/dev/shm" 2>/dev/null || true
  mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" 2>/dev/null || true
}
chroot_umount() {
  local r="$1" m
  for m in dev/pts dev/shm dev sys proc; do
    if mountpoint -q "$r/$m" 2>/dev/null; then
      umount "$r/$m" 2>/dev/null || umount -l "$r/$m" || true
    fi
  done
}

chroot_build() {
  local v="$1" final="$2" suite tmp opts pkgs p
  suite="$(chroot_suite "$v")"
  opts="$(chroot_apt_opts "$v")"
  mkdir -p "$NOUS_CHROOT_CACHE"
  tmp="$(mktemp -d "$NOUS_CHROOT_CACHE/.build-$suite-XXXXXX")"
  chmod 755 "$tmp"   # the root of the chroot: postgres and _apt traverse it
  log "building the $suite chroot (PostgreSQL $v) in $tmp"
  # shellcheck disable=SC2064
  trap "chroot_umount '$tmp'; rm -rf '$tmp'" EXIT
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
  }
  debootstrap --variant=minbase "$suite" "$tmp" "$NOUS_MIRROR" >"$tmp.debootstrap.log" 2>&1 \
    || { tail -30 "$tmp.debootstrap.log" >&2; rm -f "$tmp.debootstrap.log"; return 1; }
  rm -f "$tmp.debootstrap.log"
  echo "deb $NOUS_MIRROR $suite main" >"$tmp/etc/apt/sources.list"
  [ "$suite" = sid ] && echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99nous-valid-until"
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  # no service starts inside, and no 'main' cluster: the tests make their own
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"; chmod 755 "$tmp/usr/sbin/policy-rc.d"
  mkdir -p "$tmp/etc/postgresql-common/createcluster.d"
  echo "create_main_cluster = false" >"$tmp/etc/postgresql-common/createcluster.d/nous.conf"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$tmp/etc/apt/apt.conf.d/99nous-no-recommends"
  chroot_mount "$tmp"
  # shellcheck disable=SC2086
  chroot "$tmp" apt-get $opts update -q >/dev/null
  # a package this suite does not carry (pg_cron for a new major) is left
  # out, and said so: its suite then skips with its own message
  pkgs=()
  for p in $(chroot_packages "$v"); do
    if chroot "$tmp" apt-cache show "$p" >/dev/null 2>&1; then pkgs+=("$p")
    else log "$suite has no package $p: left out"; fi
  done
  # shellcheck disable=SC2086
  chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get $opts install -y -q "${pkgs[@]}" \
    >"$tmp/var/log/nous-install.log" 2>&1 || { tail -40 "$tmp/var/log/nous-install.log" >&2; return 1; }
  chroot "$tmp" apt-get clean
  chroot_umount "$tmp"
  chroot "$tmp" dpkg-query -W -f='${Package} ${Version}\n' >"$tmp/var/log/nous-packages.txt"
  mv -T "$tmp" "$final"
  trap - EXIT
  log "chroot ready: $final"
}

# chroot_ensure PG: the path of a complete chroot, built when missing (one
# builder at a time per chroot: a lock beside the cache entries)
chroot_ensure() {
  local v="$1" final
  final="$(chroot_path "$v")"
  if [ ! -d "$final" ]; then
    mkdir -p "$NOUS_CHROOT_CACHE"
    exec 9>"$final.lock"
    flock 9
    if [ ! -d "$final" ]; then
      if ! command -v debootstrap >/dev/null; then   # a fresh machine: its lists first
        log "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
      fi
      chroot_build "$v" "$final" >&2
    fi
    flock -u 9
    exec 9>&-
  fi
  echo "$final"
}

chroot_versions() {
  local r="$1" v="$2"
  chroot "$r" sh -c "
    dpkg-query -W -f='postgresql-$v \${Version}\n' postgresql-$v
    dpkg-query -W -f='postgis \${Version}\n' postgresql-$v-postgis-3
    dpkg-query -W -f='libicu-dev (ICU) \${Version}\n' libicu-dev
    dpkg-query -W -f='pg_cron \${Version}\n' postgresql-$v-cron 2>/dev/null || echo 'pg_cron not packaged'
    gcc --version | head -1
    printf 'Debian %s\n' \"\$(cat /etc/debian_version)\""
}

chroot_run() {
  local v="$1" r rc; shift
  r="$(chroot_ensure "$v")"
  # shellcheck disable=SC2064
  trap "chroot_umount '$r'" EXIT
  trap 'exit 130' INT TERM
  chroot_mount "$r"
  set +e
  chroot "$r" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" "$@"
  rc=$?
  set -e
  chroot_umount "$r"
  trap - EXIT INT TERM
  return "$rc"
}

case "${1:-}" in
  list) echo "17 trixie"; echo "18 sid" ;;
  path) chroot_path "$2" ;;
  ensure) chroot_ensure "$2" ;;
  versions) chroot_versions "$(chroot_ensure "$2")" "$2" ;;
  run) v="$2"; shift 2; chroot_run "$v" "$@" ;;
  *) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

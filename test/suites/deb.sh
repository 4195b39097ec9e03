#!/usr/bin/env bash
# deb: the Debian package of nous for the PostgreSQL of NOUS_PGBIN.
#
#   1. builds postgresql-N-nous with pg_buildext (updatecontrol, then
#      dpkg-buildpackage -b) in a throwaway copy of the checkout, N being the
#      major version of $NOUS_PGBIN/pg_config; checks its version
#      (debian/changelog = META.json = nous.control), its files and its
#      dependencies;
#   2. installs it with `apt-get install ./postgresql-N-nous_*.deb` (no build
#      tool used after that), starts a throwaway cluster of that PostgreSQL,
#      runs CREATE EXTENSION nous CASCADE and smoke queries with checked
#      results, and the update from 0.1.0 as the package ships it;
#   3. restores the state for the suites that follow: purges the package,
#      then `make install` against $NOUS_PGBIN/pg_config again.
#
# Step 2 replaces the nous files of /usr/lib/postgresql/N, so it runs only
# when NOUS_PGBIN is that system PostgreSQL (as in CI and in the platform
# chroots); against a private copy of the tree it is skipped with a note,
# unless NOUS_DEB_INSTALL=1 forces it (NOUS_DEB_INSTALL=0 always skips it).
# Needs root (apt-get, dpkg); installs debhelper and postgresql-server-dev-all
# when missing.  Port of the throwaway cluster: NOUS_DEB_PORT (default
# NOUS_TEST_PORT + 3).  Keeps the .deb and logs in $NOUS_STATE/deb/.
suite_tmpdir=/var/tmp   # work holds the package build and a throwaway cluster
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
major="$("$bin/pg_config" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')"
version="$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$root/nous.control")"
state="${NOUS_STATE:-$root/.nous}/deb"
port="${NOUS_DEB_PORT:-$(( ${NOUS_TEST_PORT:-5498} + 3 ))}"
pkg="postgresql-$major-nous"
say() { echo "deb: $*"; }
die() { echo "deb: FAILED: $*"; exit 1; }

[ -n "$major" ] || die "cannot read the PostgreSQL version of $bin/pg_config"
[ "$(id -u)" -eq 0 ] || { say "needs root (apt-get, dpkg): skipped"; exit 77; }

# the changelog's version is the extension's
deb_version="$(sed -n '1s/^nous (\([^)]*\)).*/\1/p' "$root/debian/changelog")"
[ "$deb_version" = "$version" ] \
  || die "debian/changelog is at $deb_version but nous.control at $version: add a changelog entry"
# so is META.json's (PGXN), for the distribution and for the extension
meta="$(sed '/"meta-spec"/,$d' "$root/META.json" | sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' | sort -u | tr '\n' ' ')"
[ "$meta" = "$version " ] || die "META.json gives version(s) $meta but nous.control $version"

# ---- 1. build
need=(debhelper postgresql-server-dev-all dpkg-dev "postgresql-server-dev-$major"
      "postgresql-$major-postgis-3" libicu-dev liblapack-dev libblas-dev pkg-config)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "${NOUS_NO_APT:-0}" = 1 ] && die "missing Debian packages: ${missing[*]}"
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -q -o Acquire::Check-Valid-Until=false >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } \
    || die "cannot install ${missing[*]}"
fi

rm -rf "$state"; mkdir -p "$state"
chmod 755 "$work"   # the throwaway cluster under it runs as postgres
cleanup() {
  if [ -n "${cluster:-}" ] && [ -f "$cluster/data/postmaster.pid" ]; then
    runuser -u postgres -- "/usr/lib/postgresql/$major/bin/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
  fi
}
suite_at_exit cleanup
src="$work/nous-$version"
mkdir -p "$src"
# the sources only: no build products, states or test results of the checkout
tar -C "$root" -cf - --exclude=.git --exclude=.nous --exclude=results --exclude='*.o' --exclude='*.so' \
    --exclude='*.bc' --exclude=test/unit/bin --exclude=test/fuzz/bin --exclude=regression.diffs \
    --exclude=regression.out --exclude='sql/nous--*.sql' . | tar -C "$src" -xf -
say "building $pkg $version with pg_buildext (PostgreSQL $major) in $src"
t0=$(date +%s)
if ! ( cd "$src" && export PG_SUPPORTED_VERSIONS="$major" && pg_buildext updatecontrol \
       && dpkg-buildpackage -b -us -uc ) >"$state/build.log" 2>&1; then
  tail -40 "$state/build.log"
  die "dpkg-buildpackage failed (log: $state/build.log)"
fi
say "built in $(( $(date +%s) - t0 )) s"
grep -q "^Package: $pkg\$" "$src/debian/control" || die "debian/control has no package $pkg"
[ "$(grep -c '^Package:' "$src/debian/control")" -eq 1 ] || die "debian/control lists more than $pkg: $(grep '^Package:' "$src/debian/control" | tr '\n' ' ')"
debs=("$work"/"${pkg}_${version}"_*.deb)
[ -f "${debs[0]}" ] || die "no ${pkg}_${version}_*.deb was built"
deb="$state/$(basename "${debs[0]}")"
cp "${debs[0]}" "$deb"
dpkg-deb -c "$deb" >"$state/contents.txt"
for f in "usr/lib/postgresql/$major/lib/nous.so" \
         "usr/share/postgresql/$major/extension/nous.control" \
         "usr/share/postgresql/$major/extension/nous--$version.sql"; do
  grep -q " \./$f\$" "$state/contents.txt" || die "$deb lacks /$f"
done
for f in "$root"/sql/released/nous--*.sql "$root"/sql/upgrade/*--*; do
  b="$(basename "$f" .sql)"; b="${b#nous--}"
  grep -q " \./usr/share/postgresql/$major/extension/nous--$b.sql\$" "$state/contents.txt" \
    || die "$deb lacks nous--$b.sql (released install or upgrade script)"
done
depends="$(dpkg-deb -f "$deb" Depends)"
for d in "postgresql-$major" "postgresql-$major-postgis-3" libicu liblapack; do
  case "$depends" in *"$d"*) ;; *) die "$deb does not depend on $d (Depends: $depends)" ;; esac
done
say "$(basename "$deb"): $(wc -l <"$state/contents.txt") entries, Depends: $depends"

# ---- 2. install and use
live="${NOUS_DEB_INSTALL:-auto}"
if [ "$live" = auto ]; then
  if [ "$(readlink -f "$bin")" = "$(readlink -f "/usr/lib/postgresql/$major/bin")" ]; then live=1; else live=0; fi
fi
if [ "$live" != 1 ]; then
  say "NOTE: NOUS_PGBIN ($bin) is not the system PostgreSQL $major: the package was built and inspected but not installed (NOUS_DEB_INSTALL=1 forces it)"
  exit 0
fi
[ -x "/usr/lib/postgresql/$major/bin/postgres" ] || die "postgresql-$major is not installed"

restore() {
  # purge the package and put the make-installed build back
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$pkg" >>"$state/purge.log" 2>&1 || true
  make -C "$root" -s install PG_CONFIG="$bin/pg_config" >/dev/null
}
say "apt-get install $deb"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >"$state/install.log" 2>&1; then
  tail -20 "$state/install.log"; restore; die "apt-get install $deb failed"
fi
status=0
owner="$(dpkg -S "/usr/lib/postgresql/$major/lib/nous.so" 2>/dev/null | cut -d: -f1)"
[ "$owner" = "$pkg" ] || { echo "deb: nous.so belongs to '$owner', not $pkg"; status=1; }

cluster="$work/cluster"
mkdir -p "$cluster/run"; chown -R postgres:postgres "$cluster"
pgbin="/usr/lib/postgresql/$major/bin"
runuser -u postgres -- "$pgbin/initdb" -D "$cluster/data" -U postgres -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log"; restore; die "initdb failed"; }
runuser -u postgres -- "$pgbin/pg_ctl" -D "$cluster/data" -w -t 60 \
  -o "-p $port -k $cluster/run -c listen_addresses=''" -l "$cluster/server.log" start >/dev/null \
  || { tail -20 "$cluster/server.log"; restore; die "the throwaway cluster did not start (port $port)"; }
q() { runuser -u postgres -- "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$cluster/run" -p "$port" -U postgres -tA "$@"; }
smoke="$(q -d postgres <<'SQL' 2>&1
SET client_min_messages = warning;
CREATE EXTENSION nous CASCADE;
SELECT 'version ' || nous.version() || ' ' || extversion FROM pg_extension WHERE extname = 'nous';
-- D = 1/2 (|1/4 - 3/6| + |3/4 - 3/6|) = 0.25
SELECT 'dissimilarity ' || nous.dissimilarity(g, t) FROM (VALUES (1::float8, 4::float8), (3, 6)) v(g, t);
SELECT 'flows ' || nous.flow_matrix(o, d, w)::text FROM (VALUES ('A', 'B', 2::float8), ('B', 'B', 1), ('A', 'B', 1)) v(o, d, w);
-- a 2 x 2 grid of squares: 4 areas, each with 3 queen neighbours
SELECT 'contiguity ' || nous.area_count(w) || ' ' || nous.link_count(w)
  FROM (SELECT nous.contiguity(id, public.ST_MakeEnvelope(x, y, x + 1, y + 1, 2154)) AS w
          FROM (VALUES (1::bigint, 0, 0), (2, 1, 0), (3, 0, 1), (4, 1, 1)) v(id, x, y)) s;
SQL
)" || true
expected="version $version $version
dissimilarity 0.25
flows {A>B:3,B>B:1}
contiguity 4 12"
if [ "$smoke" = "$expected" ]; then
  say "CREATE EXTENSION nous CASCADE and the smoke queries: as expected"
else
  echo "deb: smoke queries differ:"; diff <(echo "$expected") <(echo "$smoke") || true; status=1
fi
# the package ships the update path: 0.1.0 -> current
for from in "$root"/sql/released/nous--*.sql; do
  from="$(basename "$from" .sql)"; from="${from#nous--}"
  [ "$from" = "$version" ] && continue
  got="$(q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS deb_up" -c "CREATE DATABASE deb_up" 2>&1 \
         && q -d deb_up -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous VERSION '$from' CASCADE" \
              -c "ALTER EXTENSION nous UPDATE" -c "SELECT extversion FROM pg_extension WHERE extname = 'nous'" 2>&1)" || true
  if [ "$got" = "$version" ]; then say "update $from -> $version with the package: ok"
  else echo "deb: update $from -> $version with the package gave: $got"; status=1; fi
done
runuser -u postgres -- "$pgbin/pg_ctl" -D "$cluster/data" -w -m fast stop >/dev/null

# ---- 3. restore
restore
dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' && { echo "deb: $pkg is still installed"; status=1; }
[ -f "$("$bin/pg_config" --pkglibdir)/nous.so" ] || { echo "deb: make install did not restore nous.so"; status=1; }
[ "$status" -eq 0 ] && say "$pkg $version builds, installs, works and is purged; make-installed nous restored"
exit $status

# scripts/pg_cron.sh — sourced after scripts/common.sh: preload pg_cron in a
# cluster of the project, so that the scheduling example of doc/refresh.md
# (CREATE EXTENSION pg_cron; SELECT cron.schedule(...)) runs as written.
#
#   nous_cluster_pg_cron NAME DATABASE
#
# Writes the three settings pg_cron needs into a conf file of their own
# (nous_pg_cron.conf, included by postgresql.conf): shared_preload_libraries,
# cron.database_name (the one database where jobs are scheduled) and
# cron.host (the cluster's Unix socket: jobs connect through it, with the
# trust authentication of the project's clusters, not by TCP with a
# password); restarts the cluster when they were not in effect.  Returns 1
# (and says so) when pg_cron is not installed for $NOUS_PGBIN.
nous_cluster_pg_cron() {
  local name="$1" db="$2" dir conf want have
  dir="$(nous_cluster_dir "$name")"
  if [ ! -f "$("$NOUS_PGBIN/pg_config" --pkglibdir)/pg_cron.so" ]; then
    say "pg_cron is not installed (Debian package postgresql-$NOUS_PGVER-cron): jobs cannot be scheduled"
    return 1
  fi
  conf="$dir/data/nous_pg_cron.conf"
  want="$(printf '%s\n' "# written by nous scripts/pg_cron.sh" "shared_preload_libraries = 'pg_cron'" \
                        "cron.database_name = '$db'" "cron.host = '$dir/run'")"
  have="$(nous_as_owner cat "$conf" 2>/dev/null || true)"
  if [ "$have" != "$want" ]; then
    printf '%s\n' "$want" | nous_as_owner tee "$conf" >/dev/null
  fi
  grep -q "^include_if_exists = 'nous_pg_cron.conf'" "$dir/data/postgresql.conf" \
    || echo "include_if_exists = 'nous_pg_cron.conf'" | nous_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
  # restart when the running server does not have these settings yet
  if [ "$("$NOUS_PGBIN/psql" -X -tA -h "$dir/run" -p "$(nous_as_owner cat "$dir/data/nous_port.conf" | sed 's/[^0-9]//g')" \
          -U postgres -d postgres -c "SELECT current_setting('shared_preload_libraries') || '|' || coalesce(current_setting('cron.database_name', true), '') || '|' || coalesce(current_setting('cron.host', true), '')" 2>/dev/null)" \
       != "pg_cron|$db|$dir/run" ]; then
    say "restarting cluster '$name' with pg_cron preloaded (jobs in database $db)"
    nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -t 60 restart -l "$dir/server.log" >/dev/null \
      || { tail -20 "$dir/server.log" >&2; die "the cluster did not restart with pg_cron"; }
  fi
}

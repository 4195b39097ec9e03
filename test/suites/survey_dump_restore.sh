#!/usr/bin/env bash
# survey_dump_restore: pg_dump a database holding the field-observation log
# (a user category, holidays, observations) and tables of the storable
# states nous.svystate and nous.kmstate, restore it into a new database, and
# check: built-in categories not duplicated, the user's category, the log and
# the identity sequence restored (a new observation gets a new id), stored
# states identical in text and in what they estimate.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
suite_dump_setup svy_dump
suite_sql "$src" <<'SQL'
INSERT INTO nous.field_category (code, label) VALUES ('noise', 'Bruit');
INSERT INTO nous.field_holiday VALUES ('2025-05-01', 'Fête du travail');
INSERT INTO nous.field_observation (observed_at, territory_code, category, closed_at)
SELECT timestamptz '2025-04-01 09:00+02' + g * interval '5 hour', 'Q' || (g % 3), CASE WHEN g % 4 = 0 THEN 'noise' ELSE 'waste' END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE timestamptz '2025-04-01 09:00+02' + g * interval '5 hour' + (g % 9) * interval '1 day' END
  FROM generate_series(1, 40) g;
CREATE TABLE public.states AS
SELECT (SELECT nous.svy_agg(g::float8, 1 + g % 3, (g % 4)::bigint, (g % 12)::bigint, 50) FROM generate_series(1, 200) g) AS clustered,
       (SELECT nous.svy_agg(g::float8, 1 + g % 3, (g % 4)::text, NULL::text, NULL) FROM generate_series(1, 200) g) AS unclustered,
       (SELECT nous.svy_agg(g::float8, 1 + g % 3, (g % 4)::bigint, (g % 12)::bigint, 50, (g % 60)::bigint, 20) FROM generate_series(1, 200) g) AS two_stage,
       (SELECT nous.km_agg(delay_days, closed) FROM nous.field_delays WHERE closed OR true) AS km;
SQL
"$bin/pg_dump" -Fc -d "$src" -f "$work/dump" 
"$bin/pg_restore" -d "$dst" "$work/dump" 2>"$work/restore.log" || { cat "$work/restore.log"; echo "survey_dump_restore: pg_restore failed"; exit 1; }
q="SELECT (SELECT count(*) FROM nous.field_category) || ' ' || (SELECT count(*) FROM nous.field_category WHERE code = 'noise')
       || ' ' || (SELECT count(*) FROM nous.field_observation) || ' ' || (SELECT count(*) FROM nous.field_holiday)
       || ' ' || (SELECT clustered::text || unclustered::text || two_stage::text || km::text FROM public.states)
       || ' ' || (SELECT (nous.svy_mean(clustered)).se || ' ' || (nous.svy_mean(unclustered)).se || ' ' || (nous.svy_mean(two_stage)).se || ' ' || (nous.km_quantile(km)).delay FROM public.states)"
a="$(psql -d "$src" -tAc "$q")"
b="$(psql -d "$dst" -tAc "$q")"
status=0
if [ "$a" != "$b" ]; then
  echo "survey_dump_restore: the restored database differs"; echo "source:   ${a:0:300}"; echo "restored: ${b:0:300}"; status=1
fi
case "$b" in "7 1 40 1 "*) ;; *) echo "survey_dump_restore: unexpected counts: ${b:0:40}"; status=1 ;; esac
newid="$(psql -d "$dst" -tAc "INSERT INTO nous.field_observation (observed_at, category) VALUES (now(), 'waste') RETURNING id")"
[ "$newid" = 41 ] || { echo "survey_dump_restore: a new observation got id $newid, expected 41 (identity sequence not restored)"; status=1; }
[ "$status" -eq 0 ] && echo "survey_dump_restore: log, categories, holidays, sequence and states restored identically"
exit $status

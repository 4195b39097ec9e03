#!/usr/bin/env bash
# index_numpy.sh — nous.pca_first() against numpy on real data: the FDep-style
# first principal component of the 105 QPV of Occitanie and of the 1,453
# IRIS of dép. 44, 37 and 63 (../shared/data).  numpy computes the same
# component on its own from the CSV files (numpy.linalg.eigh of the
# correlation matrix of the complete rows, sample standard deviations,
# loadings oriented to a positive sum); loadings, eigenvalue, explained
# share and every score must agree within 1e-9.  Exits non-zero on mismatch.
#
# Environment (given by scripts/test.sh): PGHOST PGPORT PGUSER NOUS_SHARED,
# NOUS_PGBIN (optional).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
if [ -z "${NOUS_SHARED:-}" ] || [ ! -d "${NOUS_SHARED}/data" ]; then
  if [ "${CI:-}" = true ]; then
    echo "index_numpy: NOUS_SHARED is not set or has no data/ (needed in CI)" >&2
    exit 1
  fi
  echo "index_numpy: ../shared not available: skipped"
  exit 77
fi
# Debian's python3-numpy belongs to /usr/bin/python3 (not to a pyenv or venv one)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import numpy' || { echo "index_numpy: python3-numpy is missing" >&2; exit 1; }

DB=nous_index_numpy
suite_db "$DB"

# nous's side: one line per row, "label,key,score", then the fit
psql -d "$DB" -v shared="$NOUS_SHARED" -At -F, >"$work/nous.csv" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION nous CASCADE;
SET extra_float_digits = 3;
CREATE TEMP TABLE qp (code_qp text, disp_q2 float8, tp60 float8, tx_tot_empl float8, tx_tot_eprec float8);
\set f :shared '/data/qpv-occitanie-hackaviz2021/qp.csv'
SELECT format('CREATE TEMP TABLE qp_all (%s)', string_agg(quote_ident(c) || ' text', ', ' ORDER BY o))
  FROM unnest(string_to_array(replace(split_part(pg_read_file(:'f', 0, 20000), E'\n', 1), E'\uFEFF', ''), ',')) WITH ORDINALITY AS h(c, o)
\gexec
COPY qp_all FROM :'f' WITH (FORMAT csv, HEADER);
INSERT INTO qp SELECT code_qp, disp_q2::float8, tp60::float8, tx_tot_empl::float8, tx_tot_eprec::float8 FROM qp_all;
\set f44 :shared '/data/iris-indicateurs-ptod/agg_iris_44.csv'
\set f37 :shared '/data/iris-indicateurs-ptod/agg_iris_37.csv'
\set f63 :shared '/data/iris-indicateurs-ptod/agg_iris_63.csv'
SELECT format('CREATE TEMP TABLE iris_raw (%s)', string_agg(quote_ident(c) || ' text', ', ' ORDER BY o))
  FROM unnest(string_to_array(split_part(pg_read_file(:'f44', 0, 20000), E'\n', 1), ',')) WITH ORDINALITY AS h(c, o)
\gexec
COPY iris_raw FROM :'f44' WITH (FORMAT csv, HEADER);
COPY iris_raw FROM :'f37' WITH (FORMAT csv, HEADER);
COPY iris_raw FROM :'f63' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE fits AS
SELECT 'qpv' AS label, (nous.pca_first(array_agg(ARRAY[disp_q2, tp60, tx_tot_empl, tx_tot_eprec] ORDER BY code_qp),
                                      '{-1,1,-1,1}')).*, array_agg(code_qp ORDER BY code_qp) AS codes FROM qp
UNION ALL
SELECT 'iris', (nous.pca_first(array_agg(ARRAY[rev_med_21::float8, dsp_dipl_infbac_pct_22::float8,
                                              dsp_csp_ouvriers_pct_22::float8, soc_txchom_1564_22::float8] ORDER BY code),
                               '{-1,1,1,1}')).*, array_agg(code ORDER BY code) FROM iris_raw;
SELECT label, 'fit', eigenvalue, explained, array_to_string(loadings, ';') FROM fits;
SELECT label, u.code, u.score FROM fits, unnest(codes, scores) u(code, score) WHERE u.score IS NOT NULL;
SQL

"$PY" - "$NOUS_SHARED/data" "$work/nous.csv" <<'PY'
import csv, sys
import numpy as np

data, nous_file = sys.argv[1], sys.argv[2]

def rows(path, key, cols):
    with open(path, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            yield r[key], [r[c] for c in cols]

def fit(records, polarity):
    keys, X = [], []
    for k, vals in sorted(records):
        if all(v != "" for v in vals):
            keys.append(k)
            X.append([float(v) * p for v, p in zip(vals, polarity)])
    X = np.array(X)
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    R = np.corrcoef(X, rowvar=False)
    w, V = np.linalg.eigh(R)
    a = V[:, -1]
    if a.sum() < 0:
        a = -a
    return keys, w[-1], w[-1] / np.trace(R), a, Z @ a

cases = {
    "qpv": fit(rows(f"{data}/qpv-occitanie-hackaviz2021/qp.csv", "code_qp",
                    ["disp_q2", "tp60", "tx_tot_empl", "tx_tot_eprec"]), [-1, 1, -1, 1]),
    "iris": fit([r for d in ("44", "37", "63")
                 for r in rows(f"{data}/iris-indicateurs-ptod/agg_iris_{d}.csv", "code",
                               ["rev_med_21", "dsp_dipl_infbac_pct_22",
                                "dsp_csp_ouvriers_pct_22", "soc_txchom_1564_22"])], [-1, 1, 1, 1]),
}
nous_fit, nous_scores = {}, {}
with open(nous_file) as f:
    for line in f:
        label, key, *rest = line.rstrip("\n").split(",")
        if key == "fit":
            nous_fit[label] = (float(rest[0]), float(rest[1]), [float(x) for x in rest[2].split(";")])
        else:
            nous_scores.setdefault(label, {})[key] = float(rest[0])

TOL = 1e-9
bad = 0
for label, (keys, ev, expl, a, scores) in cases.items():
    nev, nexpl, na = nous_fit[label]
    errs = {
        "eigenvalue": abs(nev - ev),
        "explained": abs(nexpl - expl),
        "loadings": float(np.max(np.abs(np.array(na) - a))),
    }
    ns = nous_scores.get(label, {})
    if sorted(ns) != keys:
        print(f"index_numpy: {label}: nous scored {len(ns)} rows, numpy {len(keys)}")
        bad += 1
        continue
    errs["scores"] = max(abs(ns[k] - s) for k, s in zip(keys, scores))
    status = "ok" if max(errs.values()) <= TOL else "MISMATCH"
    if status != "ok":
        bad += 1
    print(f"index_numpy: {label}: {len(keys)} complete rows, explained {expl:.4f}, "
          + ", ".join(f"max |d {k}| {v:.2e}" for k, v in errs.items()) + f": {status}")
sys.exit(1 if bad else 0)
PY

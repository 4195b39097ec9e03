#!/usr/bin/env python3
"""Seeds of test/fuzz/corpus/flow: stored bodies of real nous.flows values.

Each value is made by nous.flow_matrix (or the text input) in a database with
nous installed, read back through the binary output nous.flows_send (network
byte order), and written as the flat body the server stores (src/core/flow.h:
machine byte order, the layout the decoder reads).  Usage, against the cluster
of scripts/test.sh (PGHOST, PGPORT, PGUSER):

    NOUS_SHARED=../shared python3 test/fuzz/seed_flow.py DBNAME

DBNAME must have CREATE EXTENSION nous done.  Rewrites the files flow_* of
test/fuzz/corpus/flow.
"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "flow")
PSQL = os.path.join(os.environ.get("NOUS_PGBIN", "/usr/lib/postgresql/15/bin"), "psql")
MRE = "/data/migrations-residentielles-loire-atlantique/MRE44_migrations_residentielles_2008_2012.csv"

VALUES = {
    # the moves of test/sql/flow.sql (A, B, C; C without stayers)
    "regress": "SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A','A',80), ('A','B',4), ('A','B',6), "
               "('B','A',30), ('B','B',50), ('B','C',20), ('C','C',0), ('A','C',NULL)) mv(o, d, w)",
    "text": "SELECT ' { \"Rezé – Château\">\"x\\\"y\\\\z\" : 1.5 , 44109>44109:2.5e3 ,A>B:0}'::nous.flows",
    "empty": "SELECT '{}'::nous.flows",
    "stayers": "SELECT nous.flow_matrix('44109', '44109', 1e-310::float8)",
    "zero": "SELECT '{A>B:-0}'::nous.flows",
    # real data: moves between the first communes of Loire-Atlantique (MRE44)
    "mre44": "SELECT nous.flow_matrix(dcran, codgeo, nbflux) FROM mre WHERE dcran < '44020' AND codgeo < '44020'",
    "mre44_north": "SELECT nous.flow_matrix(dcran, codgeo, nbflux) FROM mre WHERE dcran < '44070' AND codgeo < '44070'",
    "mre44_nantes": "SELECT nous.flow_matrix(dcran, codgeo, nbflux) FROM mre "
                    "WHERE dcran IN ('44109', '44143', '44190', '44162', '44035') "
                    "AND codgeo IN ('44109', '44143', '44190', '44162', '44035')",
}


def body_from_send(b):
    """nous.flows_send bytes -> the stored flat body (flow.h)."""
    version, nz, ne = struct.unpack_from(">Bii", b, 0)
    p = 9
    stay = struct.unpack_from(">%dd" % nz, b, p); p += 8 * nz
    orig, dest, w = [], [], []
    for _ in range(ne):
        o, d, x = struct.unpack_from(">iid", b, p); p += 16
        orig.append(o); dest.append(d); w.append(x)
    codes, zend = b"", []
    for _ in range(nz):
        (n,) = struct.unpack_from(">i", b, p); p += 4
        codes += b[p:p + n]; p += n
        zend.append(len(codes))
    assert p == len(b), "trailing bytes in the binary form"
    return (struct.pack("=BBHii", version, 0, 0, nz, ne)
            + struct.pack("=%dd" % nz, *stay) + struct.pack("=%dd" % ne, *w)
            + struct.pack("=%di" % ne, *orig) + struct.pack("=%di" % ne, *dest)
            + struct.pack("=%di" % nz, *zend) + codes)


def main():
    db = sys.argv[1]
    shared = os.environ.get("NOUS_SHARED")
    setup = ""
    if shared:
        setup = ("CREATE TEMP TABLE mre (codgeo text, libgeo text, dcran text, l_dcran text, nbflux float8);\n"
                 "COPY mre FROM '%s%s' WITH (FORMAT csv, HEADER);\n" % (shared, MRE))
    os.makedirs(OUT, exist_ok=True)
    for name, query in VALUES.items():
        if name.startswith("mre") and not shared:
            continue
        sql = "%s\\pset format unaligned\n\\pset tuples_only on\nSELECT encode(nous.flows_send(m), 'hex') FROM (%s) t(m);\n" % (setup, query)
        out = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                             input=sql, capture_output=True, text=True, check=True).stdout.strip()
        body = body_from_send(bytes.fromhex(out))
        with open(os.path.join(OUT, "flow_" + name), "wb") as f:
            f.write(body)
        print("%s: %d bytes" % (name, len(body)))


if __name__ == "__main__":
    main()

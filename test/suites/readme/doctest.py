#!/usr/bin/env python3
"""Run every ```sql block of README.md and doc/*.md and compare what psql
prints with the output written under each statement (`-- result` lines).

The convention (also in README.md, "The manual is a test"):

* each file runs in its own database, cloned from its fixture: `demo` (the
  default: CREATE EXTENSION nous CASCADE + test/gen/generate.sql, scale 1,
  seed 42) or `empty` (the extension only), chosen by a comment
  `<!-- doc-fixture: NAME -->` before the first block; the blocks of a file
  run in file order in one psql session;
* a line `-- result` closes a segment: the SQL since the previous segment
  runs, and what psql prints (stdout and stderr, aligned, no command tags,
  no footer, VERBOSITY verbose without LOCATION, no CONTEXT) must equal the
  `--` lines that follow the marker (`-- ` + the psql line; `-- ...` matches
  any number of lines);
* SQL after the last marker runs too: its output is not compared, but an
  ERROR in it fails the block;
* ```sql norun: REASON  is not run (and must say why);
* ```sql shared-data  runs with psql's working directory in ../shared/data
  (the real files beside the checkout, NOUS_SHARED_DATA): `\set doc
  `cat communes-admin-express-2018/…``; without that directory such blocks
  are skipped outside CI and fail in CI (CI=true), as scripts/test.sh does
  for the suites on shared data.

Usage: doctest.py [--bless] [--keep] [FILE ...]
  (default: README.md and doc/*.md of the checkout); needs PGHOST, PGPORT,
  PGUSER of a cluster where nous is installed, NOUS_PGBIN.
  --bless rewrites the expected lines of every failing segment that has a
  `-- result` marker with what psql printed (review the diff!).
Prints one line per failing block (file:line) with expected and actual
output, then "readme: N passed, N failed, N not run (norun)"; writes
"PASSED FAILED" to $NOUS_SUITE_COUNTS when set.  Exit 1 on any failure.
"""
import difflib
import glob
import os
import re
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
PGBIN = os.environ.get('NOUS_PGBIN', '/usr/lib/postgresql/15/bin')
PSQL = os.path.join(PGBIN, 'psql')
FIXTURES = ('demo', 'empty')
SHARED = os.environ.get('NOUS_SHARED_DATA') or os.path.join(os.path.dirname(ROOT), 'shared', 'data')
HAVE_SHARED = os.path.isdir(SHARED)
IN_CI = os.environ.get('CI') == 'true'
MARK = '@@doctest segment '
PREAMBLE = r"""\set VERBOSITY verbose
\set SHOW_CONTEXT never
\pset footer off
\pset pager off
SET client_min_messages = notice;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET statement_timeout = '120s';
"""


class Segment:
    def __init__(self, sql, sql_line, expected, exp_first, exp_last):
        self.sql = sql              # list of lines
        self.sql_line = sql_line    # 1-based line of the first SQL line
        self.expected = expected    # list of lines, or None (not compared)
        self.exp_first = exp_first  # 1-based line range of the expected lines
        self.exp_last = exp_last    # (exclusive); for --bless
        self.actual = None


class Block:
    def __init__(self, path, line, info):
        self.path, self.line, self.info = path, line, info
        self.segments = []
        self.problems = []


def parse(path):
    """The blocks of a markdown file and its fixture."""
    lines = open(path, encoding='utf-8').read().split('\n')
    fixture = None
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r'^\s*<!--\s*doc-fixture:\s*(\S+)\s*-->', lines[i])
        if m and fixture is None and not blocks:
            fixture = m.group(1)
        fm = re.match(r'^(\s*)```(\S*)(.*)$', lines[i])
        if not fm:
            i += 1
            continue
        lang, rest = fm.group(2), fm.group(3).strip()
        start = i
        i += 1
        body = []
        while i < len(lines) and not re.match(r'^\s*```\s*$', lines[i]):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if lang != 'sql':
            continue
        b = Block(path, start + 1, rest)
        blocks.append(b)
        if rest.startswith('norun'):
            if not re.match(r'^norun:\s*\S', rest):
                b.problems.append('a norun block must say why: ```sql norun: REASON')
            continue
        if rest == 'shared-data':
            if not HAVE_SHARED:
                if IN_CI:
                    b.problems.append('needs %s (CI=true): missing' % SHARED)
                continue
        elif rest:
            b.problems.append('unknown fence info %r (only "norun: REASON" or "shared-data")' % rest)
            continue
        # segments
        sql, sql_line = [], None
        j = 0
        while j < len(body):
            ln = body[j]
            if ln.strip() == '-- result':
                exp, k = [], j + 1
                while k < len(body) and body[k].startswith('--'):
                    e = body[k]
                    exp.append(e[3:] if e.startswith('-- ') else e[2:])
                    k += 1
                first = start + 2 + j + 1
                b.segments.append(Segment(sql, sql_line or first - 1, exp, first, start + 2 + k))
                if not has_sql(sql):
                    b.problems.append('line %d: `-- result` without a statement before it' % (first - 1))
                elif not ends_statement(sql):
                    b.problems.append('line %d: the statement before `-- result` does not end with ;' % (first - 1))
                sql, sql_line = [], None
                j = k
                continue
            if sql_line is None and ln.strip():
                sql_line = start + 2 + j
            sql.append(ln)
            j += 1
        if has_sql(sql):
            if not ends_statement(sql):
                b.problems.append('the block does not end its last statement with ;')
            b.segments.append(Segment(sql, sql_line, None, None, None))
    return fixture or 'demo', blocks, lines


def code_lines(sql):
    return [l for l in sql if l.strip() and not l.strip().startswith('--')]


def has_sql(sql):
    return bool(code_lines(sql))


def ends_statement(sql):
    last = re.sub(r'\s--\s.*$', '', code_lines(sql)[-1]).rstrip()
    return (last.endswith(';') or last.lstrip().startswith('\\')
            or re.search(r'\\g[a-z]*$', last) is not None)


def clean(out):
    res = []
    for l in out.split('\n'):
        if l.startswith('LOCATION:  '):
            continue
        l = re.sub(r'^(NOTICE|INFO|LOG|DEBUG):  00000: ', r'\1:  ', l)
        res.append(l.rstrip())
    while res and not res[0]:
        res.pop(0)
    while res and not res[-1]:
        res.pop()
    return res


def norm_expected(exp):
    res = [l.rstrip() for l in exp]
    while res and not res[0]:
        res.pop(0)
    while res and not res[-1]:
        res.pop()
    return res


def match(exp, act):
    """exp may hold '...' lines matching any number of lines."""
    memo = {}

    def m(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(exp):
            r = j == len(act)
        elif exp[i] == '...':
            r = any(m(i + 1, k) for k in range(j, len(act) + 1))
        else:
            r = j < len(act) and exp[i] == act[j] and m(i + 1, j + 1)
        memo[(i, j)] = r
        return r
    return m(0, 0)


def psql(db, *args, stdin=None):
    return subprocess.run([PSQL, '-X', '-q', '-d', db] + list(args), input=stdin,
                          capture_output=True, text=True)


def must(db, sql):
    r = psql(db, '-v', 'ON_ERROR_STOP=1', stdin=sql)
    if r.returncode != 0:
        sys.exit('readme: fixture: %s' % (r.stderr or r.stdout))


def build_fixtures(needed):
    for f in sorted(needed):
        db = 'doc_fixture_' + f
        must('postgres', 'DROP DATABASE IF EXISTS %s WITH (FORCE);\nCREATE DATABASE %s;\n' % (db, db))
        must(db, 'SET client_min_messages = warning;\nCREATE EXTENSION nous CASCADE;\n')
        if f == 'demo':
            r = psql(db, '-v', 'ON_ERROR_STOP=1', '-v', 'scale=1', '-v', 'seed=42',
                     '-f', os.path.join(ROOT, 'test/gen/generate.sql'))
            if r.returncode != 0:
                sys.exit('readme: fixture demo: %s' % r.stderr)
        # a template: no connection may stay open
        must('postgres', 'ALTER DATABASE %s WITH ALLOW_CONNECTIONS false;\n' % db)


def roles():
    r = psql('postgres', '-Atc', 'SELECT rolname FROM pg_roles')
    return set(r.stdout.split())


def run_file(path, fixture, blocks, keep):
    db = 'doc_' + re.sub(r'\W', '_', os.path.relpath(path, ROOT)).lower()
    must('postgres', 'DROP DATABASE IF EXISTS %s WITH (FORCE);\nCREATE DATABASE %s TEMPLATE doc_fixture_%s STRATEGY FILE_COPY;\n'
         % (db, db, fixture))
    roles_before = roles()
    script = [PREAMBLE]
    segs = []
    for b in blocks:
        for s in b.segments:
            script.append('\\echo %s%d\n' % (MARK, len(segs)))
            segs.append(s)
            script.append('\n'.join(s.sql) + '\n')
    script.append('\\echo %s%d\n' % (MARK, len(segs)))
    # stdout and stderr in one stream, in the order psql writes them
    r = subprocess.run([PSQL, '-X', '-q', '-d', db], input=''.join(script),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       cwd=SHARED if HAVE_SHARED else ROOT)
    parts = re.split(r'^%s(\d+)\n' % re.escape(MARK), r.stdout, flags=re.M)
    # parts: [before, n0, out0, n1, out1, ...]
    outs = {}
    for k in range(1, len(parts) - 1, 2):
        outs[int(parts[k])] = parts[k + 1]
    for n, s in enumerate(segs):
        s.actual = clean(outs.get(n, '(psql stopped before this segment)\n' + parts[0]))
    if not keep:
        psql('postgres', '-c', 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % db)
        # roles are cluster-wide: those a page created go with its database
        for role in sorted(roles() - roles_before, reverse=True):
            psql('postgres', '-c', 'DROP ROLE IF EXISTS "%s"' % role.replace('"', '""'))


def check(b):
    bad = list(b.problems)
    for s in b.segments:
        if s.actual is None:
            continue
        if s.expected is None:
            errs = [l for l in s.actual if l.startswith('ERROR:')]
            if errs:
                bad.append('line %d: ERROR in a statement without `-- result`:\n    %s'
                           % (s.sql_line, '\n    '.join(s.actual)))
        elif not match(norm_expected(s.expected), s.actual):
            diff = difflib.unified_diff(norm_expected(s.expected), s.actual,
                                        'expected (line %d)' % s.exp_first, 'got', lineterm='', n=2)
            bad.append('line %d:\n    %s' % (s.sql_line, '\n    '.join(diff)))
    return bad


def bless(path, lines, blocks):
    edits = []
    for b in blocks:
        for s in b.segments:
            if s.expected is not None and s.actual is not None \
               and not match(norm_expected(s.expected), s.actual):
                edits.append((s.exp_first - 1, s.exp_last - 1,
                              [('-- ' + l) if l else '--' for l in s.actual]))
    for a, z, new in sorted(edits, reverse=True):
        lines[a:z] = new
    if edits:
        open(path, 'w', encoding='utf-8').write('\n'.join(lines))
    return len(edits)


def main():
    args = sys.argv[1:]
    do_bless = '--bless' in args
    keep = '--keep' in args
    files = [a for a in args if not a.startswith('--')]
    if not files:
        files = [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'doc', '*.md')))
    files = [os.path.abspath(f) for f in files]
    t0 = time.time()
    parsed = []
    for f in files:
        fixture, blocks, lines = parse(f)
        if fixture not in FIXTURES:
            sys.exit('readme: %s: unknown fixture %r (one of %s)' % (f, fixture, ', '.join(FIXTURES)))
        parsed.append((f, fixture, blocks, lines))
    build_fixtures({p[1] for p in parsed if any(b.segments for b in p[2])})
    passed = failed = norun = 0
    for f, fixture, blocks, lines in parsed:
        rel = os.path.relpath(f, ROOT)
        if any(b.segments for b in blocks):
            run_file(f, fixture, blocks, keep)
        for b in blocks:
            if not b.problems and (b.info.startswith('norun')
                                   or (b.info == 'shared-data' and not HAVE_SHARED)):
                norun += 1
                continue
            bad = check(b)
            if bad:
                failed += 1
                print('FAIL %s:%d' % (rel, b.line))
                for x in bad:
                    print('  ' + x)
            else:
                passed += 1
        if do_bless:
            n = bless(f, lines, blocks)
            if n:
                print('blessed %d segments of %s' % (n, rel))
    print('readme: %d files, %d blocks run in %.1f s' % (len(files), passed + failed, time.time() - t0))
    print('readme: %d passed, %d failed, %d not run (norun%s)'
          % (passed, failed, norun, '' if HAVE_SHARED else ', or shared-data without ' + SHARED))
    counts = os.environ.get('NOUS_SUITE_COUNTS')
    if counts:
        with open(counts, 'w') as fh:
            fh.write('%d %d\n' % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()

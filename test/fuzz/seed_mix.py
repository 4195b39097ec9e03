#!/usr/bin/env python3
"""Write the seeds of test/fuzz/fuzz_mix.c into test/fuzz/corpus/mix: the
stored bodies (what follows the varlena header) of small nous.mixpairs and
nous.mixcounts values of the regression tests, each behind its selector byte
(0: mixpairs, 1: mixcounts).  The layouts are those of src/core/mix.h."""
import math, os, struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'mix')
os.makedirs(here, exist_ok=True)

def pairs(pairs, b=math.nan):
    body = bytes([1, 0, 0, 0]) + struct.pack('<d', b)
    for g, t in pairs:
        body += struct.pack('<dd', g, t)
    return b'\x00' + body

def counts(cells):
    body = bytes([1, 0, 0, 0])
    for s, u, g, n in cells:
        s, u, g = s.encode(), u.encode(), g.encode()
        body += struct.pack('<dIII', n, len(s), len(u), len(g)) + s + u + g
    return b'\x01' + body

seeds = {
    'pairs_mix': pairs([(10, 40), (30, 40), (0, 20), (20, 20)]),   # test_mix.c's A
    'pairs_b': pairs([(1, 2), (3, 5)], 0.5),
    'pairs_empty': pairs([]),
    'counts_mix': counts([('X', 'u1', 'a', 3), ('Y', 'u3', 'c', 6), ('X', 'u2', 'a', 2),
                          ('X', 'u1', 'a', 1), ('X', 'u2', 'b', 2), ('Y', 'u3', 'b', 2),
                          ('X', 'u1', 'c', 0)]),
    'counts_flat': counts([('', 'u1', '1', 5), ('', 'u2', '2', 5)]),
    'counts_empty': counts([]),
}
for name, data in seeds.items():
    with open(os.path.join(here, name), 'wb') as f:
        f.write(data)

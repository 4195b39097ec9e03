#!/usr/bin/env bash
# fuzz: run every libFuzzer target of test/fuzz (the parsers and deserializers
# of src/core) for NOUS_FUZZ_SECONDS each (default 10) under ASan and UBSan.
# A crash, a sanitizer report or a broken invariant fails the suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
make -C "$root" -s fuzz FUZZ_SECONDS="${NOUS_FUZZ_SECONDS:-10}"

#!/usr/bin/env bash
# fuzz: run every libFuzzer target of test/fuzz (the parsers and deserializers
# of src/core) for NOUS_FUZZ_SECONDS each (default 10) under ASan and UBSan,
# from the fixed seed NOUS_FUZZ_SEED (default 1; 0 = a new one each run).
# A crash, a sanitizer report or a broken invariant fails the suite.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
# the chroots of the platform matrix carry no clang: src/core has no server
# code, the host's run fuzzes it
if [ "${NOUS_PLATFORM_INNER:-}" = 1 ] && ! command -v "${FUZZ_CC:-clang-14}" >/dev/null; then
  echo "fuzz: no ${FUZZ_CC:-clang-14} on this platform (a chroot of the matrix; the host fuzzes src/core): skipped"
  exit 77
fi
make -C "$root" -s fuzz FUZZ_SECONDS="${NOUS_FUZZ_SECONDS:-10}" FUZZ_SEED="${NOUS_FUZZ_SEED:-1}"

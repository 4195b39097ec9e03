# nous — PGXS build.  The version lives in nous.control only.
EXTENSION  = nous
EXTVERSION = $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" nous.control)

MODULE_big = nous
# one glue file per module in src/, the mathematics in src/core/
SRCS       = $(sort $(wildcard src/*.c)) $(sort $(wildcard src/core/*.c))
OBJS       = $(SRCS:.c=.o)

# the install script is assembled from one file per module, in file-name order
SQL_PARTS  = $(sort $(wildcard sql/[0-9][0-9]_*.sql))
# upgrade scripts sql/nous--A--B.sql, each assembled from the fragments of
# sql/upgrade/A--B/ (one file per module; the folder is a prerequisite so that
# removing a fragment rebuilds the script); released install scripts are kept
# as released in sql/released/ (see its README)
UPGRADE_DIRS    = $(sort $(wildcard sql/upgrade/*--*))
UPGRADE_SCRIPTS = $(patsubst sql/upgrade/%,sql/$(EXTENSION)--%.sql,$(UPGRADE_DIRS))
NOUS_SCRIPT = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA_built = $(NOUS_SCRIPT) $(UPGRADE_SCRIPTS)
DATA       = $(wildcard sql/released/$(EXTENSION)--*.sql)
EXTRA_CLEAN = test/unit/bin test/fuzz/bin results regression.diffs regression.out src/*.d src/core/*.d

ICU_CFLAGS = $(shell pkg-config --cflags icu-uc icu-i18n)
ICU_LIBS   = $(shell pkg-config --libs icu-uc icu-i18n)
PG_CONFIG ?= pg_config
# server headers as system headers: -Wextra applies to our code, not to theirs
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) -Isrc -Isrc/core $(ICU_CFLAGS) -DNOUS_VERSION='"$(EXTVERSION)"'
# warnings are errors in our own test builds only (scripts set NOUS_WERROR=1),
# never in the plain `make` of a packager or a DBA on a newer compiler
PG_CFLAGS  = -Wall -Wextra $(if $(filter 1,$(NOUS_WERROR)),-Werror)
# header dependencies: compiling src/x.o writes the headers it read to
# src/x.d, read back below, so that changing a header rebuilds what includes
# it (PG_CFLAGS reach the compiler's .o rule only, not the JIT's .bc one)
PG_CFLAGS += -MMD -MP
# LAPACK (Debian liblapack-dev) for the linear algebra of the index module
SHLIB_LINK = $(ICU_LIBS) -llapack -lblas -lm

# pg_regress: inputs in test/sql, outputs in expected/ (PostgreSQL 15 looks in
# ./expected first).  Suites that read ../shared are named shared_*; the test
# script runs them (and fails in CI when ../shared is missing).
REGRESS_ALL    = $(basename $(notdir $(sort $(wildcard test/sql/*.sql))))
REGRESS        = $(filter-out shared_%,$(REGRESS_ALL))
REGRESS_SHARED = $(filter shared_%,$(REGRESS_ALL))
REGRESS_OPTS   = --inputdir=test --dbname=nous_regress

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
-include $(wildcard src/*.d src/core/*.d)

$(NOUS_SCRIPT): $(SQL_PARTS) nous.control Makefile
	@{ echo '-- nous $(EXTVERSION): generated from sql/[0-9][0-9]_*.sql by make; edit those files.'; \
	   printf '%s\n' '\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit'; \
	   for f in $(SQL_PARTS); do echo; echo "-- ---- $$f ----"; \
	     sed -e '/^\\echo Use "CREATE EXTENSION/d' -e 's/@NOUS_VERSION@/$(EXTVERSION)/g' $$f; done; } > $@

.SECONDEXPANSION:
$(UPGRADE_SCRIPTS): sql/$(EXTENSION)--%.sql: $$(sort $$(wildcard sql/upgrade/%/*.sql)) sql/upgrade/% $(SQL_PARTS) scripts/sql_include.awk nous.control Makefile
	@{ echo '-- nous upgrade $*: generated from sql/upgrade/$*/*.sql by make; edit those files.'; \
	   printf '%s\n' '\echo Use "ALTER EXTENSION nous UPDATE" to load this file. \quit'; \
	   for f in $(sort $(wildcard sql/upgrade/$*/*.sql)); do echo; echo "-- ---- $$f ----"; \
	     awk -f scripts/sql_include.awk $$f | sed -e 's/@NOUS_VERSION@/$(EXTVERSION)/g'; done; } > $@

all: $(DATA_built)

# ---- unit tests of src/core (no server): each test/unit/test_*.c is a program
UNIT_CC     ?= $(CC)
UNIT_CFLAGS ?= -std=c99 -D_POSIX_C_SOURCE=200809L -O1 -g -Wall -Wextra -Werror \
               -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_SRCS   = $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS   = $(patsubst test/unit/%.c,test/unit/bin/%,$(UNIT_SRCS))
CORE_SRCS   = $(sort $(wildcard src/core/*.c))

test/unit/bin/%: test/unit/%.c $(CORE_SRCS) $(wildcard src/core/*.h) test/unit/unit.h
	@mkdir -p test/unit/bin
	$(UNIT_CC) $(UNIT_CFLAGS) -Isrc/core -Itest/unit -o $@ $< $(CORE_SRCS) -llapack -lblas -lm

.PHONY: unit bench
unit: $(UNIT_BINS)
	@status=0; for t in $(UNIT_BINS); do $$t || status=1; done; exit $$status

# ---- benchmarks: see test/bench/README.md (needs a running cluster)
bench:
	bash test/bench/run.sh

# the demo and the tests: see README.md
.PHONY: demo check-all
demo:
	bash scripts/demo.sh
check-all:
	bash scripts/test.sh

# ---- fuzzing of src/core with libFuzzer (clang): each test/fuzz/fuzz_*.c is a
# target; `make fuzz` runs each for FUZZ_SECONDS from its corpus directory.
# FUZZ_SEED fixes libFuzzer's random seed so that a test run is repeatable (the
# same inputs in the same order; a slower machine runs a prefix of them);
# exploration runs use FUZZ_SEED=0 (a new seed each run) and a longer time:
#   make fuzz FUZZ_SEED=0 FUZZ_SECONDS=600
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 10
FUZZ_SEED    ?= 1
FUZZ_SRCS    = $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_BINS    = $(patsubst test/fuzz/%.c,test/fuzz/bin/%,$(FUZZ_SRCS))

test/fuzz/bin/%: test/fuzz/%.c $(CORE_SRCS) $(wildcard src/core/*.h)
	@mkdir -p test/fuzz/bin
	$(FUZZ_CC) -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Isrc/core -o $@ $< $(CORE_SRCS) -llapack -lblas -lm

.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@status=0; for t in $(FUZZ_BINS); do n=$$(basename $$t | sed 's/^fuzz_//'); \
	  mkdir -p test/fuzz/corpus/$$n .nous/fuzz/$$n; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -print_final_stats=0 .nous/fuzz/$$n test/fuzz/corpus/$$n \
	    >.nous/fuzz/$$n.log 2>&1 && echo "fuzz $$n: no crash in $(FUZZ_SECONDS) s" \
	    || { echo "fuzz $$n: FAILED (.nous/fuzz/$$n.log)"; tail -30 .nous/fuzz/$$n.log; status=1; }; \
	done; exit $$status

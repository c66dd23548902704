# concur - which concurrency model should this Python job use, with how many workers?
#
#   make            build build/concur
#   make deps       install the Debian packages that are missing (needs root or sudo)
#   make deps-browser  install chromium, for the test that opens report.html in a browser
#   make test       build and run the test suites (Check), after make check-layers
#   make demo       build and run a bundled workload; the report lands in reports/
#   make bench      what concur's instruments cost and how close they come (sampler, counters,
#                   capacity probe); its own overhead against bare Python, as ratios; then its
#                   time to a recommendation against each workload's serial time and a full sweep;
#                   concur run --program against hand-edited copies of two programs;
#                   and for workloads/numpy_blas.py, concur's answer against plain timing with and
#                   without the native thread limit
#   make install PREFIX=/usr/local DESTDIR=   concur, its harness, the man page concur(1) and the
#                   bash completion
#   make SANITIZER=address|undefined test

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build$(if $(SANITIZER),-$(subst $(comma),-,$(SANITIZER)))
PKG_CONFIG ?= pkg-config
PYTHON   ?= python3
# mode dask: the interpreter Debian's python3-distributed is installed for (make bench)
DASK_PYTHON ?= /usr/bin/python3
comma    := ,

DEB_PACKAGES := libhwloc-dev libpapi-dev libcjson-dev check pkg-config python3 pypy3 python3-uvloop \
                python3-distributed python3-numpy python3-threadpoolctl libopenblas0-pthread man-db

# -Wno-format-truncation: messages go into fixed buffers with snprintf, and cutting a long path
# short there is the intended behaviour.
WARNINGS := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-align -Wstrict-prototypes \
            -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wundef -Wvla \
            -Wno-missing-field-initializers -Wno-format-truncation
ifdef CI
WARNINGS += -Werror
endif

CFLAGS   ?= -O2 -g
CPPFLAGS += -Iinclude -D_GNU_SOURCE
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) -pthread

# Libraries through pkg-config; PAPI falls back to a plain -lpapi where no .pc file ships.
# Evaluated lazily so that `make deps` works before they are installed.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags hwloc libcjson 2>/dev/null) \
             $(shell $(PKG_CONFIG) --cflags papi 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs hwloc libcjson 2>/dev/null || echo -lhwloc -lcjson) \
             $(shell $(PKG_CONFIG) --libs papi 2>/dev/null || echo -lpapi) -lm
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)

ifdef SANITIZER
ALL_CFLAGS += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZER)
endif

SRCS      := $(wildcard src/*.c src/*/*.c)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
OBJS      := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
TEST_SRCS := $(wildcard tests/check_*.c)
TEST_OBJS := $(TEST_SRCS:tests/%.c=$(BUILD)/obj/tests/%.o)

BIN     := $(BUILD)/concur
HARNESS := $(BUILD)/harness.py
CHECK   := $(BUILD)/check_concur
BENCH_INSTRUMENTS := $(BUILD)/bench-instruments

.PHONY: all deps deps-browser test demo bench install uninstall clean check-deps check-layers format

all: check-deps $(BIN) $(HARNESS)

# Stops early with the one command that fixes it, instead of a wall of compiler errors.
check-deps:
	@missing=""; \
	for h in hwloc.h cjson/cJSON.h papi.h check.h; do \
	  echo "#include <$$h>" | $(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -E -x c - >/dev/null 2>&1 || missing="$$missing $$h"; \
	done; \
	if [ -n "$$missing" ]; then echo "concur: missing headers:$$missing -- run 'make deps' first" >&2; exit 1; fi

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all installed ($(DEB_PACKAGES))"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing

# Optional: the report suite opens report.html in headless chromium where it is installed, and
# skips that test (saying so) where it is not.
deps-browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
	  echo "deps-browser: chromium is installed"; exit 0; fi; \
	echo "deps-browser: installing chromium"; \
	SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

$(BIN): $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(HARNESS): harness/harness.py
	@mkdir -p $(@D)
	cp $< $@

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(CHECK): $(TEST_OBJS) $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

# No #include goes up the layers of docs/architecture.md (tools/check-layers says which would).
check-layers:
	@tools/check-layers

$(BUILD)/obj/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BENCH_INSTRUMENTS): $(BUILD)/obj/bench/instruments.o $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The suites run in one process each (CK_FORK); CK_RUN_SUITE=topology runs one of them.
test: deps check-layers
	@$(MAKE) --no-print-directory all $(CHECK)
	CONCUR_BIN=$(abspath $(BIN)) CONCUR_HARNESS=$(abspath $(HARNESS)) CONCUR_SRC=$(CURDIR) $(CHECK)

demo: deps
	@$(MAKE) --no-print-directory all
	$(BIN) run workloads/cpu_bound.py

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_INSTRUMENTS)
	$(BENCH_INSTRUMENTS) $(PYTHON)
	bench/overhead.sh $(BIN) $(PYTHON)
	CONCUR=$(BIN) PYTHON=$(PYTHON) bench/time_to_answer.sh
	PYTHON=$(PYTHON) $(PYTHON) bench/program_check.py $(BIN)
	CONCUR=$(BIN) PYTHON=$(PYTHON) bench/drift.sh
	bench/dask.sh $(BIN) $(DASK_PYTHON)
	CONCUR=$(BIN) bench/native_threads.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/concur $(DESTDIR)$(PREFIX)/share/concur/workloads
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/concur
	install -m 644 $(HARNESS) $(DESTDIR)$(PREFIX)/lib/concur/harness.py
	install -m 644 workloads/*.py $(DESTDIR)$(PREFIX)/share/concur/workloads/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 docs/concur.1 $(DESTDIR)$(PREFIX)/share/man/man1/concur.1
	install -m 644 completion/concur.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/concur

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/concur $(DESTDIR)$(PREFIX)/lib/concur/harness.py
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/concur.1
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/concur
	rm -rf $(DESTDIR)$(PREFIX)/share/concur

clean:
	rm -rf $(BUILD)

format:
	clang-format -i src/*.c src/*/*.c include/concur/*.h tests/*.c bench/*.c

-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/obj/bench/instruments.d

# pcap-broker: `make` builds, `make check` tests, `make run` runs.
# See README.md. Every target that needs packages installs what is missing.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
# The version: VERSION=... if given (also from the environment, as in the
# Dockerfile), else git describe in a git checkout, else the VERSION file
# of a release tarball, else 0.1.0.
ifeq ($(strip $(VERSION)),)
VERSION := $(shell [ -e .git ] && git describe --tags --always --dirty 2>/dev/null || cat VERSION 2>/dev/null || echo 0.1.0)
endif

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -Iinclude -MMD -MP
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
SYSTEMD_CFLAGS := $(shell pkg-config --cflags libsystemd 2>/dev/null)
SYSTEMD_LIBS   := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)
CFLAGS  += $(SYSTEMD_CFLAGS)
MHD_CFLAGS     := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS       := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
CFLAGS  += $(MHD_CFLAGS)
LDLIBS_HUB := -lpcap -lpthread $(SYSTEMD_LIBS) $(MHD_LIBS)

COMMON_SRC := $(wildcard common/*.c)
HUB_SRC    := $(wildcard hub/*.c)
HELPER_SRC := $(wildcard client-helper/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
HUB_OBJ    := $(HUB_SRC:%.c=$(BUILD)/obj/%.o)
HELPER_OBJ := $(HELPER_SRC:%.c=$(BUILD)/obj/%.o)
TOOLS      := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
UNITS      := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/*.c))

.PHONY: all check run deps test-unit test-bats test-asan fuzz fuzz-smoke install uninstall clean bench
all: $(BUILD)/pcap-broker $(BUILD)/pcap-broker-helper $(TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/pcap-broker: $(HUB_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_HUB)

$(BUILD)/pcap-broker-helper: $(HELPER_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -ldl

$(BUILD)/tools/%: tests/tools/%.c $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# linkconvert converts files with the hub's own link-type converter.
$(BUILD)/tools/linkconvert: tests/tools/linkconvert.c $(BUILD)/obj/hub/linkconv.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Ihub -o $@ $^ -lpcap

# Unit tests link the hub's objects except its main().
$(BUILD)/unit/%: tests/unit/%.c $(filter-out %/main.o,$(HUB_OBJ)) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Ihub -o $@ $^ $(LDLIBS_HUB)

deps:
	@scripts/install-deps

test-unit: $(UNITS)
	@for t in $(UNITS); do echo "# $$t"; $$t || exit 1; done

test-bats: all
	bats --tap tests/

check: deps
	$(MAKE) WERROR=1 all $(UNITS)
	$(MAKE) WERROR=1 test-unit
	$(MAKE) WERROR=1 test-bats
	$(MAKE) test-asan

# The same bats suites against an ASan+UBSan build of the hub and helper;
# any sanitizer report aborts the process, so the test that ran it fails.
# Not nspawn.bats: its container runs what `make install` puts there, the
# plain build, which the first pass already tested; nor valgrind.bats:
# valgrind cannot run ASan binaries.
ASAN_SUITES := $(filter-out tests/nspawn.bats tests/valgrind.bats,$(wildcard tests/*.bats))
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The test tools (generators, sinks) are test code: they come from the plain
# build, so the sanitizers judge the hub, the helper and the unit-tested code.
test-asan: all
	CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" $(MAKE) BUILD=build/asan CC=clang \
		build/asan/pcap-broker build/asan/pcap-broker-helper $(UNITS:$(BUILD)/%=build/asan/%)
	@mkdir -p build/asan/tools && cp $(TOOLS) build/asan/tools/
	@for t in $(UNITS:$(BUILD)/%=build/asan/%); do echo "# $$t (asan)"; $$t || exit 1; done
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		PCAP_BROKER_SANITIZED=1 BUILD=$(CURDIR)/build/asan bats --tap $(ASAN_SUITES)

# libFuzzer harnesses (tests/fuzz/*_fuzz.c), built with ASan and UBSan:
# `make fuzz FUZZ_TIME=600` runs each for FUZZ_TIME seconds, one after the
# other (FUZZERS="a b" for some; FUZZ_ARGS="-max_len=N" go to libFuzzer).
# Findings and the grown corpora go to build/fuzz/; the committed seeds
# (tests/fuzz/corpus/NAME) stay untouched. `make fuzz-smoke` runs each
# harness over its seeds only, in seconds: tests/fuzz.bats does that.
FUZZ_TIME    ?= 60
FUZZ_ARGS    ?=
FUZZERS      := stream stream_diff helper acl sockaddr units flowhash
FUZZ_FLAGS   := -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -Ihub -Iclient-helper -Itests/fuzz \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_DECODE  := tests/fuzz/fuzz_stream.c hub/stream.c hub/pcap_classic.c hub/pcapng.c hub/ring.c
stream_SRC      := $(FUZZ_DECODE)
stream_diff_SRC := $(FUZZ_DECODE)
helper_SRC      := client-helper/filter.c client-helper/libpcap_dl.c
acl_SRC         := hub/acl.c
flowhash_SRC    := hub/flowhash.c hub/group.c
stream_diff_SEEDS := stream
FUZZ_HEADERS := $(wildcard hub/*.h include/*.h client-helper/*.h tests/fuzz/*.h)

define FUZZ_RULE
$(BUILD)/fuzz/$(1)_fuzz: tests/fuzz/$(1)_fuzz.c $$($(1)_SRC) $(COMMON_SRC) $(FUZZ_HEADERS)
	@mkdir -p $$(dir $$@)
	clang $(FUZZ_FLAGS) -o $$@ tests/fuzz/$(1)_fuzz.c $$($(1)_SRC) $(COMMON_SRC) -ldl
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZ_RULE,$(f))))
FUZZ_BINS := $(FUZZERS:%=$(BUILD)/fuzz/%_fuzz)
fuzz_seeds = tests/fuzz/corpus/$(or $($(1)_SEEDS),$(1))
fuzz_run = echo "\# fuzz $(1) for $(FUZZ_TIME) s" && mkdir -p $(BUILD)/fuzz/corpus/$(1) && \
	$(BUILD)/fuzz/$(1)_fuzz -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(FUZZ_ARGS) \
		-artifact_prefix=$(BUILD)/fuzz/$(1)- $(BUILD)/fuzz/corpus/$(1) $(call fuzz_seeds,$(1))
fuzz_smoke = echo "\# fuzz-smoke $(1)" && \
	{ $(BUILD)/fuzz/$(1)_fuzz -runs=0 -artifact_prefix=$(BUILD)/fuzz/$(1)- $(call fuzz_seeds,$(1)) >$(BUILD)/fuzz/$(1)-smoke.log 2>&1 || \
	  { cat $(BUILD)/fuzz/$(1)-smoke.log; exit 1; }; }

fuzz: $(FUZZ_BINS)
	@$(foreach f,$(FUZZERS),$(call fuzz_run,$(f)) && ) true

fuzz-smoke: $(FUZZ_BINS)
	@$(foreach f,$(FUZZERS),$(call fuzz_smoke,$(f)) && ) true

run: deps all
	scripts/run-local

# A benchmark, never part of check: prints one table (see docs/performance.md).
bench: deps all
	bench/run
	bench/live

include units/units.mk
include packaging/packaging.mk

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*/*.d)

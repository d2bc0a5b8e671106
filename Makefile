# pcap-broker: `make` builds, `make check` tests, `make run` runs.
# See README.md. Every target that needs packages installs what is missing.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -Iinclude -MMD -MP
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
SYSTEMD_CFLAGS := $(shell pkg-config --cflags libsystemd 2>/dev/null)
SYSTEMD_LIBS   := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)
CFLAGS  += $(SYSTEMD_CFLAGS)
LDLIBS_HUB := -lpcap -lpthread $(SYSTEMD_LIBS)

COMMON_SRC := $(wildcard common/*.c)
HUB_SRC    := $(wildcard hub/*.c)
HELPER_SRC := $(wildcard client-helper/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
HUB_OBJ    := $(HUB_SRC:%.c=$(BUILD)/obj/%.o)
HELPER_OBJ := $(HELPER_SRC:%.c=$(BUILD)/obj/%.o)
TOOLS      := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
UNITS      := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/*.c))

.PHONY: all check run deps test-unit test-bats install uninstall clean bench
all: $(BUILD)/pcap-broker $(BUILD)/pcap-broker-helper $(TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/pcap-broker: $(HUB_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_HUB)

$(BUILD)/pcap-broker-helper: $(HELPER_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lpcap

$(BUILD)/tools/%: tests/tools/%.c $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

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

run: deps all
	scripts/run-local

# A benchmark, never part of check: prints one table (see README, Performance).
bench: deps all
	bench/run

include units/units.mk

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*/*.d)

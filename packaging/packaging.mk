# Included by the Makefile: the version stamp, the installation of the man
# pages and /etc/default/pcap-broker (next to units/units.mk: binaries,
# units, sysusers.d), and the Dockerfile linter for make check. The
# defaults file goes to /etc whatever PREFIX is (the unit reads it there). It
# is never overwritten; `make uninstall` removes it only while it is still
# the file as shipped, so an edited configuration survives.
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
MAN8       := $(wildcard man/*.8)
DEFAULTS   := $(DESTDIR)$(SYSCONFDIR)/default/pcap-broker

.PHONY: install-packaging uninstall-packaging lint-deps FORCE

# The objects that print VERSION are rebuilt when it changes (a commit, a
# VERSION= on the command line), so -version never names a stale one.
VERSION_STAMP := $(BUILD)/version.stamp
$(VERSION_STAMP): FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" >$@
$(BUILD)/obj/hub/options.o $(BUILD)/obj/hub/metrics_text.o $(BUILD)/obj/client-helper/main.o: $(VERSION_STAMP)

# Order-only, so that they stay out of the $^ of units.mk's install recipe.
install: | install-packaging
uninstall: | uninstall-packaging
check: lint-deps

install-packaging:
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	@if [ -e $(DEFAULTS) ]; then echo "keeping $(DEFAULTS)"; else \
		echo "install -D -m 0644 packaging/pcap-broker.default $(DEFAULTS)"; \
		install -D -m 0644 packaging/pcap-broker.default $(DEFAULTS); fi

uninstall-packaging:
	rm -f $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	@if cmp -s packaging/pcap-broker.default $(DEFAULTS); then \
		echo "rm -f $(DEFAULTS)"; rm -f $(DEFAULTS); \
	elif [ -e $(DEFAULTS) ]; then echo "keeping $(DEFAULTS): it was changed"; fi

# dockerfilelint, for tests/docker.bats.
lint-deps:
	@scripts/install-lint build/npm

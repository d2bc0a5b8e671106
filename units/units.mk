# Installation of the binaries, systemd units and sysusers.d entry; included
# by the Makefile. Units are templates (units/*.in): @BINDIR@ becomes the
# installed binary directory. With PREFIX=/usr the units go where Debian's
# systemd keeps its own (/lib/systemd/system); otherwise under PREFIX
# (systemd also reads /usr/local/lib/systemd/system).
BINDIR      ?= $(PREFIX)/bin
ifeq ($(PREFIX),/usr)
UNITDIR     ?= /lib/systemd/system
else
UNITDIR     ?= $(PREFIX)/lib/systemd/system
endif
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d

UNIT_NAMES  := $(patsubst units/%.in,%,$(wildcard units/*.in))
BIN_NAMES   := pcap-broker pcap-broker-helper

install: $(BIN_NAMES:%=$(BUILD)/%)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 $^ $(DESTDIR)$(BINDIR)/
	for u in $(UNIT_NAMES); do \
		sed 's|@BINDIR@|$(BINDIR)|g' units/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -D -m 0644 units/pcap-broker.sysusers $(DESTDIR)$(SYSUSERSDIR)/pcap-broker.conf
	@# A live install (no DESTDIR) creates the pcap-broker user now, as a package would.
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
		echo "systemd-sysusers $(SYSUSERSDIR)/pcap-broker.conf"; \
		systemd-sysusers $(SYSUSERSDIR)/pcap-broker.conf; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		echo "systemctl daemon-reload"; systemctl daemon-reload; fi

# The pcap-broker user and group stay: files may still belong to them.
uninstall:
	rm -f $(BIN_NAMES:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(UNIT_NAMES:%=$(DESTDIR)$(UNITDIR)/%)
	rm -f $(DESTDIR)$(SYSUSERSDIR)/pcap-broker.conf

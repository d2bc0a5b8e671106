#!/usr/bin/env bats
# The systemd units as `make install` writes them: they load cleanly and are
# sandboxed. That they really work under systemd is tests/nspawn.bats.

load helpers
bats_require_minimum_version 1.5.0

UNITS_ALL=(pcap-broker.service pcap-broker.socket pcap-broker-client.socket pcap-broker-client@.service)

# A staging root: the host's own system units (for sysinit.target and
# friends, which verify --root resolves dependencies against), then ours.
setup_file() {
	STAGE="$BATS_FILE_TMPDIR/root"
	mkdir -p "$STAGE/lib/systemd"
	cp -a /lib/systemd/system "$STAGE/lib/systemd/"
	make -s -C "$ROOT" install DESTDIR="$STAGE" PREFIX=/usr >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/install.log" >&2; return 1; }
}

setup() { STAGE="$BATS_FILE_TMPDIR/root"; }

# exposure UNIT: the overall exposure level of an installed unit, e.g. 1.6.
exposure() {
	systemd-analyze security --offline=yes --root="$STAGE" --no-pager "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for [^ ]*: \([0-9.]*\).*/\1/p'
}

@test "make install substitutes the binary directory and installs binaries, units and sysusers.d" {
	for b in pcap-broker pcap-broker-helper; do
		[ -x "$STAGE/usr/bin/$b" ]
	done
	for u in "${UNITS_ALL[@]}"; do
		[ -f "$STAGE/lib/systemd/system/$u" ]
		run grep -l '@[A-Z]*@' "$STAGE/lib/systemd/system/$u"
		assert_failure
	done
	grep -qx 'ExecStart=/usr/bin/pcap-broker' "$STAGE/lib/systemd/system/pcap-broker.service"
	grep -qx 'ExecStart=/usr/bin/pcap-broker-helper' "$STAGE/lib/systemd/system/pcap-broker-client@.service"
	grep -q '^u pcap-broker ' "$STAGE/usr/lib/sysusers.d/pcap-broker.conf"
}

@test "systemd-analyze verify of every installed unit prints nothing on stderr" {
	for u in "${UNITS_ALL[@]}"; do
		run --separate-stderr systemd-analyze verify --root="$STAGE" --man=no "$u"
		assert_success
		[ -z "$stderr" ] || { echo "$u: $stderr"; return 1; }
	done
}

@test "verify is not blind: a unit whose binary is missing is reported" {
	mv "$STAGE/usr/bin/pcap-broker-helper" "$BATS_TEST_TMPDIR/"
	run --separate-stderr systemd-analyze verify --root="$STAGE" --man=no pcap-broker-client@.service
	mv "$BATS_TEST_TMPDIR/pcap-broker-helper" "$STAGE/usr/bin/"
	[[ "$stderr" == *"/usr/bin/pcap-broker-helper is not executable"* ]]
}

@test "exposure: helper service at most 1.0, hub service at most 2.5" {
	helper=$(exposure pcap-broker-client@.service)
	hub=$(exposure pcap-broker.service)
	echo "# exposure: pcap-broker-client@.service $helper, pcap-broker.service $hub" >&3
	[ -n "$helper" ] && [ -n "$hub" ]
	awk -v h="$helper" 'BEGIN { exit !(h <= 1.0) }'
	awk -v h="$hub" 'BEGIN { exit !(h <= 2.5) }'
}

@test "the hub keeps only CAP_NET_RAW, the helper no capability and no network" {
	hub="$STAGE/lib/systemd/system/pcap-broker.service"
	helper="$STAGE/lib/systemd/system/pcap-broker-client@.service"
	grep -qx 'CapabilityBoundingSet=CAP_NET_RAW' "$hub"
	grep -qx 'AmbientCapabilities=CAP_NET_RAW' "$hub"
	grep -qx 'Type=notify' "$hub"
	grep -qx 'CapabilityBoundingSet=' "$helper"
	grep -qx 'PrivateNetwork=yes' "$helper"
	grep -qx 'RestrictAddressFamilies=AF_UNIX' "$helper"
	grep -qx 'DynamicUser=yes' "$helper"
}

@test "make install with PREFIX=/usr/local, then make uninstall, leaves no file behind" {
	local d="$BATS_TEST_TMPDIR/dest"
	make -s -C "$ROOT" install DESTDIR="$d" PREFIX=/usr/local
	[ -x "$d/usr/local/bin/pcap-broker" ]
	grep -qx 'ExecStart=/usr/local/bin/pcap-broker' "$d/usr/local/lib/systemd/system/pcap-broker.service"
	[ -f "$d/usr/local/lib/sysusers.d/pcap-broker.conf" ]
	make -s -C "$ROOT" uninstall DESTDIR="$d" PREFIX=/usr/local
	run find "$d" -type f
	assert_output ""
}

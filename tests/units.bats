#!/usr/bin/env bats
# The systemd units as `make install` writes them: they load cleanly and are
# sandboxed. That they really work under systemd is tests/nspawn.bats.

load helpers
bats_require_minimum_version 1.5.0

UNITS_ALL=(pcap-broker.service pcap-broker.socket pcap-broker-client.socket pcap-broker-client@.service
	pcap-broker-http.socket pcap-broker-http@.service pcap-broker-push@.service pcap-broker-metrics.socket)

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

@test "the filtered view and push units: instances verify, exposure of both at most 1.2" {
	local sys="$STAGE/lib/systemd/system" u
	# verify reads NAME:ALIAS as a file to check under another name, so an
	# instance name with a colon is given that way.
	for u in pcap-broker-http@4.service "$sys/pcap-broker-push@.service:pcap-broker-push@127.0.0.1:5555.service" \
		"$sys/pcap-broker-push@.service:$(systemd-escape --template=pcap-broker-push@.service '[::1]:5555')"; do
		run --separate-stderr systemd-analyze verify --root="$STAGE" --man=no "$u"
		assert_success
		[ -z "$stderr" ] || { echo "$u: $stderr"; return 1; }
	done
	http=$(exposure pcap-broker-http@.service)
	push=$(exposure pcap-broker-push@.service)
	echo "# exposure: pcap-broker-http@.service $http, pcap-broker-push@.service $push" >&3
	[ -n "$http" ] && [ -n "$push" ]
	awk -v h="$http" -v p="$push" 'BEGIN { exit !(h <= 1.0 && p <= 1.2) }'
}

@test "the HTTP view has the client relay's sandbox, line for line, and its own filter" {
	local sys="$STAGE/lib/systemd/system"
	# [Service] after ExecStart=: the same in both.
	diff <(sed '1,/^ExecStart=/d' "$sys/pcap-broker-client@.service") \
		<(sed '1,/^ExecStart=/d' "$sys/pcap-broker-http@.service")
	grep -qx 'ExecStart=/usr/bin/pcap-broker-helper -f "tcp port 80 or tcp port 443"' "$sys/pcap-broker-http@.service"
	grep -qx 'ListenStream=4243' "$sys/pcap-broker-http.socket"
	grep -qx 'Accept=yes' "$sys/pcap-broker-http.socket"
}

@test "the push unit: instance is the collector, restarts for ever, no capability" {
	local u="$STAGE/lib/systemd/system/pcap-broker-push@.service"
	grep -qx 'ExecStart=/usr/bin/pcap-broker-helper -connect %I' "$u"
	grep -qx 'Restart=always' "$u"
	grep -qx 'StartLimitIntervalSec=0' "$u"
	grep -qx 'RestartSec=5s' "$u"
	grep -qx 'CapabilityBoundingSet=' "$u"
	grep -qx 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' "$u"
	grep -qx 'Group=pcap-broker' "$u"
	# For one collector, ExecStart= names it (verify's FILE:NAME form).
	run --separate-stderr systemd-analyze verify --root="$STAGE" --man=no "$u:pcap-broker-push@192.0.2.7:57012.service"
	assert_success
	mv "$STAGE/usr/bin/pcap-broker-helper" "$BATS_TEST_TMPDIR/"
	run --separate-stderr systemd-analyze verify --root="$STAGE" --man=no "$u:pcap-broker-push@192.0.2.7:57012.service"
	mv "$BATS_TEST_TMPDIR/pcap-broker-helper" "$STAGE/usr/bin/"
	[[ "$stderr" == *"pcap-broker-push@192.0.2.7:57012.service: Command /usr/bin/pcap-broker-helper is not executable"* ]]
}

@test "docs/systemd.md recipe: a DNS view copied from the HTTP pair verifies, with -f \"udp port 53\"" {
	local sys="$STAGE/lib/systemd/system" etc="$STAGE/etc/systemd/system"
	mkdir -p "$etc"
	# docs/systemd.md's commands, with the staging root in front of the paths.
	grep -E '^sed .* /lib/systemd/system/pcap-broker-http' "$ROOT/docs/systemd.md" |
		sed "s| /lib/systemd/system/| $sys/|; s|>/etc/systemd/system/|>$etc/|" >"$BATS_TEST_TMPDIR/cmds.sh"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/cmds.sh")" 2
	bash -e "$BATS_TEST_TMPDIR/cmds.sh"
	grep -qx 'ListenStream=4244' "$etc/pcap-broker-dns.socket"
	grep -qx 'Description=pcap-broker PCAP-over-IP listener, DNS view' "$etc/pcap-broker-dns.socket"
	grep -qx 'ExecStart=/usr/bin/pcap-broker-helper -f "udp port 53"' "$etc/pcap-broker-dns@.service"
	for u in pcap-broker-dns.socket pcap-broker-dns@.service; do
		run --separate-stderr systemd-analyze verify --root="$STAGE" --man=no "$u"
		assert_success
		[ -z "$stderr" ] || { echo "$u: $stderr"; return 1; }
	done
	rm -f "$etc/pcap-broker-dns.socket" "$etc/pcap-broker-dns@.service"
}

@test "the metrics socket: localhost 4241, named metrics, for the hub service" {
	local u="$STAGE/lib/systemd/system/pcap-broker-metrics.socket"
	grep -qx 'ListenStream=127.0.0.1:4241' "$u"
	grep -qx 'FileDescriptorName=metrics' "$u"
	grep -qx 'Service=pcap-broker.service' "$u"
	grep -qx 'Accept=no' "$u"
}

#!/usr/bin/env bats
# make install / make uninstall into a temporary DESTDIR: exactly the
# expected files land (binaries, units, sysusers.d, man pages, the commented
# /etc/default/pcap-broker), an existing defaults file is never overwritten,
# and uninstall removes everything but a defaults file that was changed.

load helpers
bats_require_minimum_version 1.5.0

# landed DIR: the files under DIR, relative, sorted.
landed() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | LC_ALL=C sort); }

# unit_names: the units units/ ships (pcap-broker.service, ...).
unit_names() { local u; for u in "$ROOT"/units/*.in; do basename "$u" .in; done; }

install_into() { make -s -C "$ROOT" install DESTDIR="$1" PREFIX="$2" >"$BATS_TEST_TMPDIR/install.log" 2>&1 || { cat "$BATS_TEST_TMPDIR/install.log"; false; }; }
uninstall_from() { make -s -C "$ROOT" uninstall DESTDIR="$1" PREFIX="$2"; }

@test "install: PREFIX=/usr/local lands exactly the expected files" {
	local d="$BATS_TEST_TMPDIR/dest"
	install_into "$d" /usr/local
	landed "$d" | sed 's/^/# landed: /' >&3
	# The units are whatever units/ ships; everything else is listed here.
	run landed "$d"
	assert_output "$({
		cat <<'EOF2'
etc/default/pcap-broker
usr/local/bin/pcap-broker
usr/local/bin/pcap-broker-helper
usr/local/lib/sysusers.d/pcap-broker.conf
usr/local/share/man/man8/pcap-broker-helper.8
usr/local/share/man/man8/pcap-broker.8
EOF2
		unit_names | sed 's|^|usr/local/lib/systemd/system/|'
	} | LC_ALL=C sort)"
	[ "$(grep -c /systemd/system/ <<<"$output")" -ge 4 ]
	run stat -c '%a %n' "$d/usr/local/bin/pcap-broker" "$d/usr/local/share/man/man8/pcap-broker.8" "$d/etc/default/pcap-broker"
	assert_line --index 0 --regexp '^755 '
	assert_line --index 1 --regexp '^644 '
	assert_line --index 2 --regexp '^644 '
}

@test "install: PREFIX=/usr puts units in /lib/systemd/system and man pages in /usr/share/man" {
	local d="$BATS_TEST_TMPDIR/dest"
	install_into "$d" /usr
	[ -f "$d/lib/systemd/system/pcap-broker.service" ]
	[ -f "$d/usr/share/man/man8/pcap-broker.8" ]
	[ -f "$d/usr/share/man/man8/pcap-broker-helper.8" ]
	[ -f "$d/etc/default/pcap-broker" ]
	# man finds the installed page by name.
	run env MANPATH="$d/usr/share/man" man -w pcap-broker-helper
	assert_output "$d/usr/share/man/man8/pcap-broker-helper.8"
}

@test "install: /etc/default/pcap-broker has every variable of -help, all commented out" {
	local d="$BATS_TEST_TMPDIR/dest" f v
	install_into "$d" /usr/local
	f="$d/etc/default/pcap-broker"
	for v in $("$HUB" -help | grep -oE '\[[A-Z_]+\]' | tr -d '[]' | sort -u); do
		grep -qE "^#$v=" "$f" || { echo "missing: $v"; false; }
	done
	run grep -vE '^(#|$)' "$f"
	assert_output ""
}

@test "install: an existing /etc/default/pcap-broker is never overwritten" {
	local d="$BATS_TEST_TMPDIR/dest"
	mkdir -p "$d/etc/default"
	echo "PCAP_COMMAND='cat /srv/mine.pcap'" >"$d/etc/default/pcap-broker"
	install_into "$d" /usr/local
	grep -q "keeping $d/etc/default/pcap-broker" "$BATS_TEST_TMPDIR/install.log"
	run cat "$d/etc/default/pcap-broker"
	assert_output "PCAP_COMMAND='cat /srv/mine.pcap'"
}

@test "uninstall: removes every file; a changed defaults file stays, an unchanged one goes" {
	local d="$BATS_TEST_TMPDIR/dest"
	install_into "$d" /usr/local
	uninstall_from "$d" /usr/local
	run landed "$d"
	assert_output ""
	install_into "$d" /usr/local
	echo "PCAP_BROKER_INTERFACE=eth1" >>"$d/etc/default/pcap-broker"
	run uninstall_from "$d" /usr/local
	assert_output --partial "keeping $d/etc/default/pcap-broker: it was changed"
	run landed "$d"
	assert_output "etc/default/pcap-broker"
}

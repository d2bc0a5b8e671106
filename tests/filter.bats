#!/usr/bin/env bats
# Per-connection views in the helper: a BPF filter (-f) and a snaplen clamp
# (-snaplen), checked against tcpdump and editcap on the same input.

load helpers
bats_require_minimum_version 1.5.0

HELPER="$BUILD/pcap-broker-helper"

# A replay mixing DNS (every 7th packet goes to UDP port 53) and other UDP,
# big enough to span many reads, and tcpdump's own selection from it.
setup_file() {
	"$GEN" -c 30000 -dns-every 7 >"$BATS_FILE_TMPDIR/mix.pcap"
	tcpdump -r "$BATS_FILE_TMPDIR/mix.pcap" -w "$BATS_FILE_TMPDIR/dns.pcap" 'udp port 53' 2>/dev/null
}

setup() {
	SOCK="$BATS_TEST_TMPDIR/hub.sock"
}

# hub_replaying FILE: a hub on SOCK that replays FILE once the gate opens.
hub_replaying() {
	start_hub -n -listen none -socket "$SOCK" -cmd "$(gated_cat "$1")"
}

# helper_to OUT ARGS...: a helper writing the stream to OUT, its log to OUT.log.
helper_to() {
	local out=$1
	shift
	"$HELPER" -socket "$SOCK" "$@" >"$out" 2>"$out.log" </dev/null &
	HELPER_PID=$!
	PIDS+=("$HELPER_PID")
}

# records FILE: how many packets tcpdump reads from FILE.
records() { tcpdump -r "$1" 2>/dev/null | wc -l; }

@test "-f 'udp port 53' in front of a DNS and UDP mix delivers exactly tcpdump's DNS packets, byte-exact" {
	local ref=$BATS_FILE_TMPDIR/dns.pcap out=$BATS_TEST_TMPDIR/dns.pcap
	want=$(records "$ref")
	# The filter must select a part, not nothing or everything.
	[ "$want" -eq $(( (30000 + 6) / 7 )) ]
	hub_replaying "$BATS_FILE_TMPDIR/mix.pcap"
	helper_to "$out" -f 'udp port 53'
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	wait "$HELPER_PID"
	echo "# reference: $want packets, $(stat -c %s "$ref") bytes; helper: $(records "$out") packets, $(stat -c %s "$out") bytes" >&3
	assert_equal "$(records "$out")" "$want"
	assert_equal "$(stat -c %s "$out")" "$(stat -c %s "$ref")"
	cmp "$ref" "$out"
	grep -q "filter totals client=- passed=$want rejected=$((30000 - want))" "$out.log"
}

@test "the filter is compiled for the stream's link type: a LINKTYPE_RAW stream" {
	# The same IPv4 packets without their Ethernet header (editcap -T rawip
	# writes LINKTYPE_RAW): compiled for Ethernet, the filter would look for
	# an Ethernet type field and match nothing.
	editcap -F pcap -T rawip -C 14 "$BATS_FILE_TMPDIR/mix.pcap" "$BATS_TEST_TMPDIR/raw.pcap"
	tcpdump -r "$BATS_TEST_TMPDIR/raw.pcap" -w "$BATS_TEST_TMPDIR/ref.pcap" 'udp dst port 53' 2>/dev/null
	assert_equal "$(od -An -tu4 -j20 -N4 "$BATS_TEST_TMPDIR/raw.pcap" | tr -d ' ')" 101
	[ "$(records "$BATS_TEST_TMPDIR/ref.pcap")" -gt 0 ]
	hub_replaying "$BATS_TEST_TMPDIR/raw.pcap"
	helper_to "$BATS_TEST_TMPDIR/out.pcap" -f 'udp dst port 53'
	wait_clients 1
	open_gate
	hub_exit
	wait "$HELPER_PID"
	cmp "$BATS_TEST_TMPDIR/ref.pcap" "$BATS_TEST_TMPDIR/out.pcap"
}

@test "a bad filter: one clear error on stderr, status 64, and the TCP client receives nothing" {
	start_hub -n -listen none -socket "$SOCK" -cmd "cat '$BATS_FILE_TMPDIR/mix.pcap'; exec sleep 60"
	# One helper per TCP connection, as systemd runs it; its status goes to a file.
	printf '#!/bin/sh\n"%s" -socket "%s" udp port 53 and\necho $? >"%s"\n' \
		"$HELPER" "$SOCK" "$BATS_TEST_TMPDIR/status" >"$BATS_TEST_TMPDIR/helper.sh"
	chmod +x "$BATS_TEST_TMPDIR/helper.sh"
	listen_on "$BATS_TEST_TMPDIR/activate.log" 'Listening on' \
		systemd-socket-activate -l 127.0.0.1:@PORT@ --inetd -a "$BATS_TEST_TMPDIR/helper.sh"
	socat -u "TCP:127.0.0.1:$LPORT" "OPEN:$BATS_TEST_TMPDIR/out.pcap,creat,trunc" &
	local client=$!
	PIDS+=("$client")
	wait_until 10 test -s "$BATS_TEST_TMPDIR/status"
	wait "$client"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/status")" 64
	grep -q "ERR bad filter 'udp port 53 and': can't parse filter expression: syntax error" \
		"$BATS_TEST_TMPDIR/activate.log"
	[ -f "$BATS_TEST_TMPDIR/out.pcap" ]
	assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/out.pcap")" 0
}

@test "a bad filter with no hub header yet: nothing is written while the helper waits, then status 64" {
	hub_replaying "$BATS_FILE_TMPDIR/mix.pcap"
	helper_to "$BATS_TEST_TMPDIR/out.pcap" -f 'tcp port http-ish'
	wait_clients 1
	sleep 0.2 # a negative check: nothing may appear before the header
	assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/out.pcap")" 0
	open_gate
	local status=0
	wait "$HELPER_PID" || status=$?
	assert_equal "$status" 64
	assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/out.pcap")" 0
	grep -q "bad filter 'tcp port http-ish'" "$BATS_TEST_TMPDIR/out.pcap.log"
}

@test "-snaplen 100 clamps records like editcap -s 100: header snaplen 100, original lengths kept" {
	local out=$BATS_TEST_TMPDIR/clamped.pcap
	editcap -F pcap -s 100 "$BATS_FILE_TMPDIR/mix.pcap" "$BATS_TEST_TMPDIR/ref.pcap"
	hub_replaying "$BATS_FILE_TMPDIR/mix.pcap"
	helper_to "$out" -snaplen 100
	wait_clients 1
	open_gate
	hub_exit
	wait "$HELPER_PID"
	"$VERIFY" -contiguous -count 30000 <"$out"
	assert_equal "$(od -An -tu4 -j16 -N4 "$out" | tr -d ' ')" 100
	# Record by record the same as editcap's (its header keeps the input's snaplen).
	cmp <(tail -c +25 "$BATS_TEST_TMPDIR/ref.pcap") <(tail -c +25 "$out")
	assert_equal "$(tshark -r "$out" -T fields -e frame.len | sort -n | uniq -c | wc -l)" 3
	[ "$(tshark -r "$out" -T fields -e frame.cap_len | sort -n | tail -1)" -eq 100 ]
}

@test "-f and -snaplen together: DNS packets only, cut to 60 bytes" {
	local out=$BATS_TEST_TMPDIR/both.pcap
	editcap -F pcap -s 60 "$BATS_FILE_TMPDIR/dns.pcap" "$BATS_TEST_TMPDIR/ref.pcap"
	hub_replaying "$BATS_FILE_TMPDIR/mix.pcap"
	helper_to "$out" -f 'udp port 53' -snaplen 60
	wait_clients 1
	open_gate
	hub_exit
	wait "$HELPER_PID"
	assert_equal "$(records "$out")" "$(records "$BATS_FILE_TMPDIR/dns.pcap")"
	cmp <(tail -c +25 "$BATS_TEST_TMPDIR/ref.pcap") <(tail -c +25 "$out")
}

@test "the filter as the last arguments, tcpdump style, is the same as -f; not both" {
	local out=$BATS_TEST_TMPDIR/dns.pcap
	hub_replaying "$BATS_FILE_TMPDIR/mix.pcap"
	helper_to "$out" udp port 53
	wait_clients 1
	open_gate
	hub_exit
	wait "$HELPER_PID"
	cmp "$BATS_FILE_TMPDIR/dns.pcap" "$out"
	run --separate-stderr "$HELPER" -socket "$SOCK" -f 'udp port 53' or tcp
	assert_equal "$status" 64
	[[ "$stderr" == *"unexpected argument 'or' after -f"* ]]
}

@test "docs/helper.md recipe: socat TCP-LISTEN:4243,fork,reuseaddr EXEC:'pcap-broker-helper FILTER...'" {
	grep -qF "socat TCP-LISTEN:4243,fork,reuseaddr EXEC:'pcap-broker-helper tcp port 80 or tcp port 443'" "$ROOT/docs/helper.md"
	hub_replaying "$BATS_FILE_TMPDIR/mix.pcap"
	# The same line with a free port, and a filter this replay has matches for.
	PATH="$BUILD:$PATH" PCAP_BROKER_SOCKET="$SOCK" listen_on "$BATS_TEST_TMPDIR/socat.log" 'listening on' \
		socat -d -d TCP-LISTEN:@PORT@,fork,reuseaddr EXEC:'pcap-broker-helper udp port 53'
	socat -u "TCP:127.0.0.1:$LPORT" "OPEN:$BATS_TEST_TMPDIR/out.pcap,creat,trunc" &
	local client=$!
	PIDS+=("$client")
	wait_clients 1
	open_gate
	hub_exit
	wait "$client"
	cmp "$BATS_FILE_TMPDIR/dns.pcap" "$BATS_TEST_TMPDIR/out.pcap"
}

@test "bad -snaplen values are usage errors" {
	for v in 0 262145 abc; do
		run --separate-stderr "$HELPER" -socket "$SOCK" -snaplen "$v"
		assert_equal "$status" 64
		[[ "$stderr" == *"-snaplen takes 1 to 262144"* ]]
	done
}

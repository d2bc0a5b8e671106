#!/usr/bin/env bats
# Address flags (issue 16, finding 6): one strict parser for the hub's
# -listen and the helper's -connect. A port is 1 to 65535, or 0 where the
# kernel picks one (-listen); anything else is status 64 naming the value.

load helpers
bats_require_minimum_version 1.5.0

HELPER="$BUILD/pcap-broker-helper"

# refused_listen ADDR...: each address, as -listen and as LISTEN_ADDRESS,
# exits 64 with one line that names it. The capture would run 30 s, so a hub
# that took the address fails the test by its status, not by a timeout.
refused_listen() {
	local a
	for a in "$@"; do
		run --separate-stderr timeout 20 "$HUB" -n -listen "$a" -cmd "exec sleep 30"
		[ "$status" -eq 64 ] || { echo "-listen '$a': status $status, $stderr"; return 1; }
		[[ "$stderr" == *"invalid listen address '$a'"* ]] || { echo "-listen '$a': $stderr"; return 1; }
		LISTEN_ADDRESS="$a" run --separate-stderr timeout 20 "$HUB" -n -cmd "exec sleep 30"
		[ "$status" -eq 64 ] || { echo "LISTEN_ADDRESS='$a': status $status"; return 1; }
		[[ "$stderr" == *"invalid listen address '$a'"* ]] || { echo "LISTEN_ADDRESS='$a': $stderr"; return 1; }
	done
}

@test "finding 6: -listen :70000 and :65536 (beyond 65535) exit 64 naming the address" {
	refused_listen :70000 :65536 127.0.0.1:70000 127.0.0.1:65536 '[::1]:65536' 127.0.0.1:4294967376
}

@test "finding 6: -listen [::1]: and 127.0.0.1: (empty port) exit 64 naming the address" {
	refused_listen '[::1]:' 127.0.0.1: :
}

@test "finding 6: -listen with a signed, spaced or non-digit port exits 64" {
	refused_listen 127.0.0.1:+80 127.0.0.1:-1 127.0.0.1:0x50 '[::1]' '::1:80' '[]:80'
}

@test "-listen 127.0.0.1:0 still lets the kernel pick a port, and says which (kept by finding 6)" {
	start_hub -n -listen 127.0.0.1:0 -cmd "exec sleep 30"
	[ -n "$PORT" ] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ]
	grep -q "listening addr=127.0.0.1:$PORT" "$HUB_LOG"
}

@test "finding 6: helper -connect host:99999 exits 64 naming it, before it connects anywhere" {
	local a
	# No hub at this path: an address that got past the check would exit 66.
	for a in host:99999 127.0.0.1:65536 127.0.0.1:0 127.0.0.1: '[::1]:' :4242 127.0.0.1:+80; do
		run --separate-stderr "$HELPER" -socket "$BATS_TEST_TMPDIR/no-hub.sock" -connect "$a"
		[ "$status" -eq 64 ] || { echo "-connect '$a': status $status, $stderr"; return 1; }
		[[ "$stderr" == *"-connect '$a'"* ]] || { echo "-connect '$a': $stderr"; return 1; }
		assert_equal "$output" ""
	done
}

#!/usr/bin/env bats
# -i IFACE: libpcap capture in the hub itself, no tcpdump process.

load helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "native capture needs root (CAP_NET_RAW); CI runs as root"
}

@test "native capture on lo catches the packets this test sends" {
	udp=$(( 20000 + RANDOM % 20000 ))
	start_hub -n -listen 127.0.0.1:0 -i lo -f "udp dst port $udp"
	grep -q "native capture started interface=lo linktype=1" "$HUB_LOG"
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	wait_until 5 test -s "$BATS_TEST_TMPDIR/out.pcap" # header arrived
	for i in $(seq 1 20); do echo "probe-$i" | socat -u - "UDP:127.0.0.1:$udp"; done
	wait_until 10 bash -c "[ \$(tcpdump -nr '$BATS_TEST_TMPDIR/out.pcap' 2>/dev/null | wc -l) -ge 20 ]"
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	run tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap" -A
	assert_output --partial "probe-1"
	assert_output --partial "probe-20"
	assert_equal "$(tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap" 2>/dev/null | wc -l)" 20
	grep -qE 'exiting status=0 records=20 .*kernel_drops=0' "$HUB_LOG"
}

@test "native capture: a bad filter or interface is a clear error, exit 74" {
	run "$HUB" -n -listen 127.0.0.1:0 -i lo -f "udp port banana"
	assert_equal "$status" 74
	assert_output --partial "bad filter"
	run "$HUB" -n -listen 127.0.0.1:0 -i no-such-if0
	assert_equal "$status" 74
	assert_output --partial "no-such-if0"
	run "$HUB" -n -f "udp" -cmd true
	assert_equal "$status" 64
}

# linktype_of FILE: the link type in a pcap file's header (host order).
linktype_of() { od -An -tu4 -j20 -N4 "$1" | tr -d ' '; }

# native_any OUT ARGS...: the hub on -i any with ARGS, a client saving to OUT,
# 5 UDP probes to a port of this test; the hub stopped once OUT has them.
native_any() {
	local out=$1 udp=$(( 20000 + RANDOM % 20000 ))
	shift
	start_hub -n -listen 127.0.0.1:0 -i any -f "udp dst port $udp" "$@"
	client "$out"
	wait_clients 1
	wait_until 5 test -s "$out"
	for i in 1 2 3 4 5; do echo "probe-$i" | socat -u - "UDP:127.0.0.1:$udp"; done
	wait_until 10 bash -c "[ \$(tcpdump -nr '$out' 2>/dev/null | wc -l) -ge 5 ]"
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
}

@test "native capture: -i any writes LINUX_SLL2, as tcpdump -i any does" {
	native_any "$BATS_TEST_TMPDIR/native.pcap"
	grep -q "native capture started interface=any linktype=276" "$HUB_LOG"
	grep -qF '| `pcap-broker -i any` | `LINUX_SLL2` (276)' "$ROOT/docs/linktype.md"
	assert_equal "$(linktype_of "$BATS_TEST_TMPDIR/native.pcap")" 276
	run tcpdump -nr "$BATS_TEST_TMPDIR/native.pcap" -A
	assert_output --partial "link-type LINUX_SLL2"
	assert_output --partial "probe-5"
	# The same capture through tcpdump: the same link type.
	udp=$(( 20000 + RANDOM % 20000 ))
	HUB_LOG="$BATS_TEST_TMPDIR/cmd.log" start_hub -n -listen 127.0.0.1:0 \
		-cmd "exec tcpdump -i any -U -w - udp dst port $udp"
	client "$BATS_TEST_TMPDIR/cmd.pcap"
	wait_until 10 test -s "$BATS_TEST_TMPDIR/cmd.pcap"
	assert_equal "$(linktype_of "$BATS_TEST_TMPDIR/cmd.pcap")" 276
}

@test "native capture: -y, -linktype and PCAP_BROKER_LINKTYPE pick the link type, by name or number" {
	native_any "$BATS_TEST_TMPDIR/y.pcap" -y LINUX_SLL
	grep -q "linktype=113" "$HUB_LOG"
	grep -qF '| `pcap-broker -i any -y LINUX_SLL` | `LINUX_SLL` (113)' "$ROOT/docs/linktype.md"
	assert_equal "$(linktype_of "$BATS_TEST_TMPDIR/y.pcap")" 113
	run tcpdump -nr "$BATS_TEST_TMPDIR/y.pcap" -A
	assert_output --partial "link-type LINUX_SLL (Linux cooked v1)"
	assert_output --partial "probe-5"
	PCAP_BROKER_LINKTYPE=linux_sll HUB_LOG="$BATS_TEST_TMPDIR/env.log" native_any "$BATS_TEST_TMPDIR/env.pcap"
	assert_equal "$(linktype_of "$BATS_TEST_TMPDIR/env.pcap")" 113
	# The flag wins over the variable; a number works as well as a name.
	PCAP_BROKER_LINKTYPE=LINUX_SLL HUB_LOG="$BATS_TEST_TMPDIR/num.log" \
		native_any "$BATS_TEST_TMPDIR/num.pcap" -linktype 276
	assert_equal "$(linktype_of "$BATS_TEST_TMPDIR/num.pcap")" 276
}

@test "native capture: a link type the interface lacks is exit 74, an unknown one exit 64" {
	run "$HUB" -n -listen 127.0.0.1:0 -i lo -y LINUX_SLL2
	assert_equal "$status" 74
	assert_output --partial "lo: link type LINUX_SLL2 (276) not supported; it offers: EN10MB"
	grep -qF '`pcap-broker -i lo -y LINUX_SLL2` | exit 74: `lo: link type LINUX_SLL2 (276) not supported; it offers: EN10MB`' \
		"$ROOT/docs/linktype.md"
	run "$HUB" -n -listen 127.0.0.1:0 -i lo -y NO_SUCH_TYPE
	assert_equal "$status" 64
	assert_output --partial "invalid value 'NO_SUCH_TYPE' for -y"
	PCAP_BROKER_LINKTYPE=bogus run "$HUB" -n -listen 127.0.0.1:0 -i lo
	assert_equal "$status" 64
	assert_output --partial "PCAP_BROKER_LINKTYPE"
	run "$HUB" -n -y LINUX_SLL -cmd true
	assert_equal "$status" 64
	assert_output --partial "give -i IFACE too"
}

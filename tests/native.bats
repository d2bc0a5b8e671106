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

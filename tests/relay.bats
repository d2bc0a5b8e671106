#!/usr/bin/env bats
# Relay trees: a hub fed by another broker, byte-exact end to end.

load helpers

@test "a two-level relay tree delivers a byte-exact stream" {
	"$GEN" -c 50000 > "$BATS_TEST_TMPDIR/in.pcap"
	HUB_LOG="$BATS_TEST_TMPDIR/root.log"
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_TEST_TMPDIR/in.pcap")"
	root_port=$PORT root_pid=$HUB_PID
	HUB_LOG="$BATS_TEST_TMPDIR/leaf.log"
	start_hub -n -listen 127.0.0.1:0 -cmd "socat -u -b 262144 TCP:127.0.0.1:$root_port -"
	leaf_pid=$HUB_PID
	client "$BATS_TEST_TMPDIR/out1.pcap"
	client "$BATS_TEST_TMPDIR/out2.pcap"
	wait_clients 2                          # two consumers on the leaf
	HUB_LOG="$BATS_TEST_TMPDIR/root.log"
	wait_clients 1                          # the leaf on the root
	open_gate
	HUB_PID=$root_pid
	hub_exit                                # the root ends with its capture ...
	assert_equal "$HUB_STATUS" 0
	HUB_PID=$leaf_pid
	hub_exit                                # ... and the leaf with the root
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_TEST_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/out1.pcap"
	cmp "$BATS_TEST_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/out2.pcap"
}

#!/usr/bin/env bats
# The Go tool's command line and environment work unchanged; ours on top.

load helpers

setup_file() {
	"$BUILD/tools/pcapgen" -c 2000 > "$BATS_FILE_TMPDIR/in.pcap"
}

# fetch_all: one client reads the whole stream of a gated hub into out.pcap.
fetch_all() {
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/out.pcap"
}

@test "Go flags: -cmd -listen -n -debug -json" {
	start_hub -cmd "$(gated_cat "$BATS_FILE_TMPDIR/in.pcap")" -listen 127.0.0.1:0 -n -debug -json
	fetch_all
	# Every line is JSON with the fields we log.
	run jq -e -s 'length > 3 and all(.[]; .time and .level and .message)' "$HUB_LOG"
	assert_success
	run jq -r 'select(.message == "client disconnected") | "\(.packets) \(.dropped)"' "$HUB_LOG"
	assert_output "2000 0"
}

@test "Go environment: PCAP_COMMAND and LISTEN_ADDRESS" {
	PCAP_COMMAND="$(gated_cat "$BATS_FILE_TMPDIR/in.pcap")" LISTEN_ADDRESS=127.0.0.1:0 start_hub -n
	fetch_all
}

@test "double dashes, -flag=value and -n=true" {
	start_hub --cmd="$(gated_cat "$BATS_FILE_TMPDIR/in.pcap")" --listen=127.0.0.1:0 -n=true -json=false
	fetch_all
	grep -q ' INF client connected .*host=-' "$HUB_LOG"
}

@test "a flag wins over its variable" {
	PCAP_COMMAND="exit 9" LISTEN_ADDRESS=127.0.0.1:1 start_hub -n -listen 127.0.0.1:0 \
		-cmd "$(gated_cat "$BATS_FILE_TMPDIR/in.pcap")"
	fetch_all
}

@test "-listen repeats and takes IPv4 and IPv6" {
	start_hub -n -listen 127.0.0.1:0 -listen '[::1]:0' -cmd "$(gated_cat "$BATS_FILE_TMPDIR/in.pcap")"
	v6port=$(grep -oE 'addr=\[::1\]:[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	socat -u -b 262144 "TCP6:[::1]:$v6port" "OPEN:$BATS_TEST_TMPDIR/v6.pcap,creat,trunc" &
	track_client "$!"
	fetch_all
	cmp "$BATS_FILE_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/v6.pcap"
}

@test "the listener is open before the capture's first byte" {
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_FILE_TMPDIR/in.pcap")"
	# The gate is shut: nothing was captured, yet a client connects and waits.
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	[ ! -s "$BATS_TEST_TMPDIR/out.pcap" ]
	open_gate
	hub_exit
	cmp "$BATS_FILE_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/out.pcap"
}

@test "-help and -version" {
	run "$HUB" -help
	assert_success
	assert_output --partial "Usage: pcap-broker"
	assert_output --partial "Exit status"
	run "$HUB" -version
	assert_success
	assert_line --index 0 --regexp '^pcap-broker .+'
	assert_line --index 1 --partial "libpcap version"
}

@test "bad flags and values exit 64 with a clear message" {
	run "$HUB" -no-such-flag
	assert_equal "$status" 64
	run "$HUB" -cmd true -buffer lots
	assert_equal "$status" 64
	assert_output --partial "invalid value 'lots' for -buffer"
	run "$HUB" -cmd true -listen nonsense
	assert_equal "$status" 64
	assert_output --partial "invalid listen address 'nonsense'"
}

@test "an address in use exits 69" {
	start_hub -n -listen 127.0.0.1:0 -cmd "sleep 30"
	run "$HUB" -n -listen "127.0.0.1:$PORT" -cmd "sleep 30"
	assert_equal "$status" 69
	assert_output --partial "cannot listen addr=127.0.0.1:$PORT"
}

@test "variables set to an empty string count as unset" {
	PCAP_BROKER_INTERFACE= PCAP_BROKER_FILTER= PCAP_BROKER_SOCKET= PCAP_BROKER_BUFFER= \
		start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_FILE_TMPDIR/in.pcap")"
	fetch_all
}

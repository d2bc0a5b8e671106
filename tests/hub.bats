#!/usr/bin/env bats
# The hub in standalone mode: fan-out, late joiners, slow clients, lifecycle.

load helpers

setup_file() {
	"$BUILD/tools/pcapgen" -c 100000 > "$BATS_FILE_TMPDIR/100k.pcap"
}

@test "four clients each receive a byte-exact copy of a 100k-packet capture" {
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_FILE_TMPDIR/100k.pcap")"
	for i in 1 2 3 4; do client "$BATS_TEST_TMPDIR/out$i.pcap"; done
	wait_clients 4
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	for i in 1 2 3 4; do
		cmp "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/out$i.pcap"
	done
	assert_equal "$(log_count "$HUB_LOG" 'client disconnected.*packets=100000 .*dropped=0')" 4
}

@test "a late joiner gets a valid header and whole records from a record boundary" {
	start_hub -n -listen 127.0.0.1:0 -cmd "'$GEN' -c 3000 -rate 2000"
	wait_until 10 log_has "$HUB_LOG" 'capture started'
	sleep 0.3 # let the stream run before joining: the point of the test
	client "$BATS_TEST_TMPDIR/late.pcap"
	hub_exit
	run "$VERIFY" -contiguous < "$BATS_TEST_TMPDIR/late.pcap"
	assert_success
	refute_output --partial "first=0 "
	assert_output --partial "last=2999 "
}

@test "a client that never reads costs a fast client nothing and the hub stays bounded" {
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	# A live-like rate (20 MB/s): any reading client keeps up, the stalled
	# one overflows its 8 MiB backlog within half a second.
	/usr/bin/time -v -o "$BATS_TEST_TMPDIR/time.txt" "$HUB" -n -listen 127.0.0.1:0 -buffer 8M -drain 1s \
		-cmd "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; '$GEN' -c 100000 -rate 50000" 2>"$HUB_LOG" &
	HUB_PID=$!; PIDS+=("$HUB_PID")
	wait_until 10 log_has "$HUB_LOG" ready
	PORT=$(grep -oE 'addr=127.0.0.1:[0-9]+' "$HUB_LOG" | head -1 | cut -d: -f2)
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" # connected, never read
	client "$BATS_TEST_TMPDIR/fast.pcap"
	wait_clients 2
	open_gate
	hub_exit
	exec 5<&-
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/fast.pcap"
	grep -E 'client disconnected.*dropped=[1-9]' "$HUB_LOG"
	rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$BATS_TEST_TMPDIR/time.txt")
	echo "# hub peak RSS ${rss_kb} KiB with -buffer 8M" >&3
	# Under ASan (make test-asan) its own bookkeeping is not the hub's memory.
	[ -n "${PCAP_BROKER_SANITIZED:-}" ] || [ "$rss_kb" -lt $(( (8 + 10) * 1024 )) ]
}

@test "the capture command's exit status is the hub's" {
	start_hub -n -listen 127.0.0.1:0 -cmd "cat '$BATS_FILE_TMPDIR/100k.pcap'; exit 3"
	hub_exit
	assert_equal "$HUB_STATUS" 3
	grep -q 'capture command failed status=3' "$HUB_LOG"
}

@test "a capture command killed by a signal gives 128+signal" {
	start_hub -n -listen 127.0.0.1:0 -cmd "cat '$BATS_FILE_TMPDIR/100k.pcap'; kill -KILL \$\$"
	hub_exit
	assert_equal "$HUB_STATUS" 137
}

@test "SIGTERM stops the whole capture process group and exits 0" {
	start_hub -n -listen 127.0.0.1:0 -cmd "sleep 300 & sleep 300 & cat '$BATS_FILE_TMPDIR/100k.pcap'; wait"
	pgid=$(grep -oE 'capture started pid=[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	wait_until 10 group_alive "$pgid"
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	wait_until 5 group_gone "$pgid"
}

@test "SIGKILL of the hub leaves no capture process behind" {
	start_hub -n -listen 127.0.0.1:0 -cmd "sleep 300 & sleep 300 & wait"
	pgid=$(grep -oE 'capture started pid=[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	wait_until 10 group_alive "$pgid"
	kill -KILL "$HUB_PID"
	wait_until 5 group_gone "$pgid"
}

@test "stdin mode: a pipe into the hub is served" {
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	(while [ ! -e "$BATS_TEST_TMPDIR/go" ]; do sleep 0.01; done; cat "$BATS_FILE_TMPDIR/100k.pcap") |
		"$HUB" -n -listen 127.0.0.1:0 2>"$HUB_LOG" &
	HUB_PID=$!; PIDS+=("$HUB_PID")
	wait_until 10 log_has "$HUB_LOG" ready
	PORT=$(grep -oE 'addr=127.0.0.1:[0-9]+' "$HUB_LOG" | head -1 | cut -d: -f2)
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/out.pcap"
}

@test "tshark reads the stream with -i TCP@127.0.0.1:PORT" {
	"$GEN" -c 500 > "$BATS_TEST_TMPDIR/500.pcap"
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_TEST_TMPDIR/500.pcap")"
	timeout 30 tshark -i "TCP@127.0.0.1:$PORT" -w "$BATS_TEST_TMPDIR/ts.pcapng" 2>"$BATS_TEST_TMPDIR/tshark.err" &
	tshark_pid=$!; PIDS+=("$tshark_pid")
	wait_clients 1
	open_gate
	hub_exit
	wait "$tshark_pid"
	run capinfos -c -M "$BATS_TEST_TMPDIR/ts.pcapng"
	assert_output --regexp "Number of packets: +500"
}

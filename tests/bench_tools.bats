#!/usr/bin/env bats
# The benchmark's own tools: the verifying client must catch what it is there
# to catch, or make bench would report losses it cannot see.

load helpers

SINK="$BUILD/tools/pcapsink"

@test "pcapsink takes a whole stream from the hub and finds nothing missing" {
	"$GEN" -c 20000 > "$BATS_TEST_TMPDIR/in.pcap"
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_TEST_TMPDIR/in.pcap")"
	"$SINK" -n 3 -count 20000 -timeout 60 "127.0.0.1:$PORT" > "$BATS_TEST_TMPDIR/out" &
	local sink=$!
	PIDS+=("$sink")
	wait_clients 3
	open_gate
	wait "$sink"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --regexp '^conns=3 bytes=[0-9]+ records=60000 lost=0 bad=0 '
}

@test "pcapsink counts a missing record and fails" {
	"$GEN" -c 100 > "$BATS_TEST_TMPDIR/in.pcap"
	# Record 1 (64 bytes + 16 of header) sits at bytes 104..183.
	{ head -c 104 "$BATS_TEST_TMPDIR/in.pcap"; tail -c +185 "$BATS_TEST_TMPDIR/in.pcap"; } > "$BATS_TEST_TMPDIR/gap.pcap"
	run "$SINK" - < <(cat "$BATS_TEST_TMPDIR/gap.pcap")
	assert_failure 1
	assert_output --partial 'records=99 lost=1 bad=0 '
}

@test "pcapsink rejects a torn record and a second file header" {
	"$GEN" -c 100 > "$BATS_TEST_TMPDIR/in.pcap"
	run "$SINK" - < <(head -c 150 "$BATS_TEST_TMPDIR/in.pcap")
	assert_failure 1
	assert_output --partial ' bad=1 '
	run "$SINK" - < <(cat "$BATS_TEST_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/in.pcap")
	assert_failure 1
	assert_output --partial ' bad=1 '
}

@test "pcapgen -stamp gives latencies the client can measure" {
	run "$SINK" -latency - < <("$GEN" -c 300 -rate 10000 -stamp)
	assert_success
	# Written and read on this machine a moment apart: well under a second.
	local max
	max=$(grep -oE 'max_us=[0-9.]+' <<<"$output" | cut -d= -f2)
	[ -n "$max" ]
	awk -v m="$max" 'BEGIN { exit !(m > 0 && m < 1000000) }'
}

#!/usr/bin/env bats
# Live statistics: SIGUSR1 and -stats-interval, checked against the clients.

load helpers

@test "SIGUSR1 logs one line per client and a total that agree with the clients" {
	"$GEN" -c 5000 > "$BATS_TEST_TMPDIR/in.pcap"
	# The stream pauses after 5000 records, so the counts hold still.
	start_hub -n -json -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_TEST_TMPDIR/in.pcap"); sleep 30"
	client "$BATS_TEST_TMPDIR/a.pcap"
	client "$BATS_TEST_TMPDIR/b.pcap"
	wait_clients 2
	open_gate
	size=$(stat -c %s "$BATS_TEST_TMPDIR/in.pcap")
	wait_until 10 bash -c "[ \$(stat -c %s '$BATS_TEST_TMPDIR/a.pcap') -eq $size ] && [ \$(stat -c %s '$BATS_TEST_TMPDIR/b.pcap') -eq $size ]"
	kill -USR1 "$HUB_PID"
	wait_until 5 log_has "$HUB_LOG" '"message":"stats"'
	run jq -r 'select(.message == "client") | "\(.packets) \(.bytes) \(.dropped) \(.backlog)"' "$HUB_LOG"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "5000 $size 0 0"
	assert_line --index 1 "5000 $size 0 0"
	run jq -r 'select(.message == "stats") | "\(.clients) \(.records) \(.bytes) \(.drops)"' "$HUB_LOG"
	assert_output "2 5000 $((size - 24)) 0"
}

@test "-stats-interval logs totals periodically as JSON lines" {
	start_hub -n -json -stats-interval 200ms -listen 127.0.0.1:0 -cmd "'$GEN' -c 100000 -rate 20000"
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 15 bash -c "[ \$(grep -c '\"message\":\"stats\"' '$HUB_LOG') -ge 3 ]"
	# Each line parses and the record count only grows.
	run jq -s -e '[.[] | select(.message == "stats") | .records] | . == sort and length >= 3' "$HUB_LOG"
	assert_success
}

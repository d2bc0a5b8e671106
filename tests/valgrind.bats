#!/usr/bin/env bats
# Memory checking: the hub under valgrind memcheck through a representative
# scenario (fan-out, hostile clients, refusals, reverse DNS, drain and exit).
# Any invalid access or definite leak makes the hub exit 99.

load helpers

HOSTILE="$BUILD/tools/hostile"

# vg_start LOG ARGS...: the hub under memcheck, stderr in $HUB_LOG.
vg_start() {
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-fds=no --log-file="$BATS_TEST_TMPDIR/vg.%p.log" \
		"$HUB" "$@" 2>"$HUB_LOG" &
	HUB_PID=$!; PIDS+=("$HUB_PID")
	wait_until 120 log_has "$HUB_LOG" ready || { cat "$HUB_LOG" >&2; return 1; }
	PORT=$(grep -oE 'addr=127.0.0.1:[0-9]+' "$HUB_LOG" | head -1 | cut -d: -f2)
}

vg_report() {
	cat "$BATS_TEST_TMPDIR/vg.$HUB_PID.log" >&2
	! grep -qE 'Invalid (read|write|free)|uninitialised|definitely lost' "$BATS_TEST_TMPDIR/vg.$HUB_PID.log"
}

@test "valgrind: the hub serving good, hostile and refused clients has no memory errors or definite leaks" {
	"$GEN" -c 40000 > "$BATS_TEST_TMPDIR/40k.pcap"
	vg_start -listen 127.0.0.1:0 -max-clients 6 -drain 60s \
		-cmd "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; exec '$GEN' -c 40000 -rate 4000"
	client "$BATS_TEST_TMPDIR/a.pcap"
	client "$BATS_TEST_TMPDIR/b.pcap"
	"$HOSTILE" -port "$PORT" halfclose >"$BATS_TEST_TMPDIR/half.pcap" &
	track_client "$!"
	wait_until 60 wait_clients 3
	open_gate
	# past -max-clients: refused
	mkfifo "$BATS_TEST_TMPDIR/hold.in"
	"$HOSTILE" -port "$PORT" hold 6 <"$BATS_TEST_TMPDIR/hold.in" &
	PIDS+=("$!")
	exec 7>"$BATS_TEST_TMPDIR/hold.in"
	wait_until 60 log_has "$HUB_LOG" 'reason=max-clients'
	exec 7>&-
	timeout 120 "$HOSTILE" -port "$PORT" churn 12
	timeout 120 "$HOSTILE" -port "$PORT" reset 4
	timeout 120 "$HOSTILE" -port "$PORT" junk $((2 << 20))
	hub_exit
	vg_report
	assert_equal "$HUB_STATUS" 0
	for x in a b half; do cmp "$BATS_TEST_TMPDIR/40k.pcap" "$BATS_TEST_TMPDIR/$x.pcap"; done
}

@test "valgrind: stalled clients, SIGTERM and a lagging client leave no memory errors or definite leaks" {
	vg_start -n -listen 127.0.0.1:0 -buffer 4M -stall-timeout 1s \
		-cmd "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; exec '$GEN' -c 1000000000 -rate 5000"
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" # never reads: stalls
	client "$BATS_TEST_TMPDIR/live.pcap"
	wait_until 60 wait_clients 2
	open_gate
	wait_until 60 log_has "$HUB_LOG" 'reason=stalled'
	exec 5<&-
	kill -TERM "$HUB_PID"
	hub_exit
	vg_report
	assert_equal "$HUB_STATUS" 0
	"$VERIFY" < "$BATS_TEST_TMPDIR/live.pcap"
}

@test "valgrind: hub and helpers relaying over the Unix socket have no memory errors or definite leaks" {
	"$GEN" -c 20000 > "$BATS_TEST_TMPDIR/20k.pcap"
	SOCK="$BATS_TEST_TMPDIR/hub.sock"
	vg_start -n -listen none -socket "$SOCK" -drain 60s -cmd "$(gated_cat "$BATS_TEST_TMPDIR/20k.pcap")"
	hpids=()
	for i in 1 2; do
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--show-leak-kinds=definite --log-file="$BATS_TEST_TMPDIR/vg-helper$i.log" \
			"$BUILD/pcap-broker-helper" -socket "$SOCK" </dev/null >"$BATS_TEST_TMPDIR/h$i.pcap" \
			2>"$BATS_TEST_TMPDIR/helper$i.log" &
		hpids+=("$!"); PIDS+=("$!")
	done
	wait_until 60 wait_clients 2
	open_gate
	hub_exit
	for i in 1 2; do
		st=0; wait "${hpids[$((i - 1))]}" || st=$?
		cat "$BATS_TEST_TMPDIR/vg-helper$i.log" >&2
		assert_equal "$st" 0
		cmp "$BATS_TEST_TMPDIR/20k.pcap" "$BATS_TEST_TMPDIR/h$i.pcap"
	done
	vg_report
	assert_equal "$HUB_STATUS" 0
}

@test "valgrind: the metrics endpoint (every path, errors, a cut slowloris, open connections at exit) has no memory errors or definite leaks" {
	"$GEN" -c 5000 > "$BATS_TEST_TMPDIR/5k.pcap"
	vg_start -n -debug -listen 127.0.0.1:0 -metrics 127.0.0.1:0 -drain 60s \
		-cmd "$(gated_cat "$BATS_TEST_TMPDIR/5k.pcap"); sleep 300"
	MPORT=$(grep -m1 'serving metrics' "$HUB_LOG" | grep -oE '[0-9]+$')
	m="http://127.0.0.1:$MPORT"
	client "$BATS_TEST_TMPDIR/a.pcap"
	wait_until 60 wait_clients 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$m/readyz")" = 503 ]
	open_gate
	size=$(stat -c %s "$BATS_TEST_TMPDIR/5k.pcap")
	wait_until 60 bash -c "[ \$(stat -c %s '$BATS_TEST_TMPDIR/a.pcap') -eq $size ]"
	# A slowloris: cut by the request deadline while the rest goes on.
	exec 5<>"/dev/tcp/127.0.0.1/$MPORT"
	printf 'GET /metr' >&5
	curl -s "$m/metrics" | grep -qx 'pcap_broker_capture_records_total 5000'
	curl -s -H 'Accept: application/openmetrics-text' "$m/metrics" | grep -qx '# EOF'
	curl -s "$m/clients" | jq -e 'length == 1 and .[0].records == 5000'
	for p in livez readyz nope; do curl -s "$m/$p" >/dev/null; done
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$m/metrics")" = 405 ]
	printf 'GET /metrics\r\n' | timeout 20 nc -q 1 127.0.0.1 "$MPORT" >/dev/null || true
	wait_until 60 log_has "$HUB_LOG" 'past its request deadline'
	exec 5<&-
	# One connection still open when the hub stops.
	exec 6<>"/dev/tcp/127.0.0.1/$MPORT"
	kill -TERM "$HUB_PID"
	hub_exit
	exec 6<&-
	vg_report
	assert_equal "$HUB_STATUS" 0
}

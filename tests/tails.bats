#!/usr/bin/env bats
# Issue 16, finding 3: hub memory stays bounded with many clients stalled in
# the middle of a record. A client whose record is recycled under it keeps a
# copy of that record's unsent tail; all such tails together stay under
# CLIENT_TAILS_MAX (16 MiB), and a client that would need more is cut.

load helpers

HOSTILE="$BUILD/tools/hostile"

status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# run_stalled VIEW_ARGS...: 1000 clients that never read (of the default
# view, or of the view VIEW_ARGS define on port $VPORT) take part of the
# first 256 KiB record, then 40 such records recycle the 4 MiB ring under
# them. Sets HWM_KB, the hub's peak RSS.
run_stalled() {
	local t="$BATS_TEST_TMPDIR"
	"$GEN" -c 40 -size 262144 > "$t/big.pcap"
	start_hub -n -listen 127.0.0.1:0 -buffer 4M -drain 60s "$@" -cmd "$(gated_cat "$t/big.pcap")"
	local port=$PORT
	if [ $# -gt 0 ]; then
		port=$(grep -E 'listening.*view=' "$HUB_LOG" | head -1 | grep -oE 'addr=[^ ]+' | grep -oE '[0-9]+$')
	fi
	mkfifo "$t/hold.in"
	"$HOSTILE" -port "$port" hold 1000 <"$t/hold.in" >"$t/hold.out" &
	local hold_pid=$!
	PIDS+=("$hold_pid")
	exec 7>"$t/hold.in"
	# Generous: 1000 connections under ASan on a loaded machine take a while.
	wait_until 120 log_has "$t/hold.out" 'held 1000'
	wait_until 120 at_least_clients 1000
	open_gate
	wait_until 60 log_has "$HUB_LOG" 'capture stream ended'
	HWM_KB=$(status_kb "$HUB_PID" VmHWM)
	echo "# 1000 stalled clients, 40 records of 256 KiB, -buffer 4M: hub peak RSS ${HWM_KB} KiB;" \
		"$(log_count "$HUB_LOG" 'fell behind mid-record') cut" >&3
	exec 7>&-
	wait "$hold_pid" || true
}

# The documented bound (docs/views.md, README): -buffer + 16 MiB of tails +
# a few MiB (the 1 MiB read buffer, libraries, 1000 clients' state).
assert_bounded() {
	[ -n "${PCAP_BROKER_SANITIZED:-}" ] && return 0 # ASan's shadow memory is not the hub's
	[ "$HWM_KB" -le $(((4 + 16 + 8) * 1024)) ]
	[ "$(log_count "$HUB_LOG" 'fell behind mid-record')" -gt 0 ]
}

@test "finding 3: 1000 clients stalled mid-record on 256 KiB records keep hub RSS within -buffer + 16 MiB + 8 MiB" {
	run_stalled
	assert_bounded
}

@test "finding 3: the same for the clients of a view (rewritten records keep the same bound)" {
	run_stalled -view 'snap: snaplen=200000; precision=micro; listen=127.0.0.1:0'
	assert_bounded
}

# Shared by every suite: start the real hub on a kernel-chosen port, wait for
# it by reading its log (never a fixed sleep), and kill everything in teardown.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
HUB="$BUILD/pcap-broker"
GEN="$BUILD/tools/pcapgen"
VERIFY="$BUILD/tools/pcapverify"
PIDS=()
CLIENT_PIDS=()
# Drain generously: on a loaded machine a client may need more than the
# default 3 s to take a whole replay after the capture ends. Clients that keep
# up end the drain at once; tests about the drain itself pass -drain.
export PCAP_BROKER_DRAIN=30s

# wait_until TIMEOUT_S COMMAND...: polls COMMAND every 20 ms.
wait_until() {
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.02
	done
}

log_has() { grep -qE -- "$2" "$1" 2>/dev/null; }

# log_count FILE REGEX: matching lines.
log_count() { grep -cE -- "$2" "$1" 2>/dev/null || true; }

# start_hub ARGS...: runs the hub with stderr in $HUB_LOG; sets HUB_PID and
# PORT (the first TCP listener) once it has logged "ready".
start_hub() {
	HUB_LOG="${HUB_LOG:-$BATS_TEST_TMPDIR/hub.log}"
	"$HUB" "$@" 2>"$HUB_LOG" &
	HUB_PID=$!
	PIDS+=("$HUB_PID")
	wait_until 10 log_has "$HUB_LOG" 'ready|"message":"ready"' || { cat "$HUB_LOG" >&2; return 1; }
	# The first TCP listener's port, from a text or a JSON log line.
	PORT=$(grep -m1 -E 'listening.*addr' "$HUB_LOG" | grep -oE ':[0-9]+"?( |,|}|$)' | head -1 | grep -oE '[0-9]+' || true)
}

# gated_cat FILE: a capture command that waits for $BATS_TEST_TMPDIR/go
# before streaming FILE, so clients can connect first.
gated_cat() {
	echo "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; cat '$1'"
}
open_gate() { touch "$BATS_TEST_TMPDIR/go"; }

# client OUT: a PCAP-over-IP client saving the stream to OUT.
client() {
	socat -u -b 262144 "TCP:127.0.0.1:$PORT" "OPEN:$1,creat,trunc" &
	track_client "$!"
}

# stalled_client [PORT]: one connection that never reads (its window closes
# once its receive buffer is full), held until teardown. PORT: $PORT.
stalled_client() {
	mkfifo "$BATS_TEST_TMPDIR/hold.in"
	"$BUILD/tools/hostile" -port "${1:-$PORT}" hold 1 <"$BATS_TEST_TMPDIR/hold.in" >"$BATS_TEST_TMPDIR/hold.out" &
	PIDS+=("$!")
	exec 7>"$BATS_TEST_TMPDIR/hold.in"
	wait_until 10 log_has "$BATS_TEST_TMPDIR/hold.out" 'held 1'
}

# track_client PID: a client that teardown kills and hub_exit waits for.
track_client() { PIDS+=("$1"); CLIENT_PIDS+=("$1"); }

# wait_clients N: the hub has logged N client connections.
at_least_clients() { [ "$(log_count "$HUB_LOG" 'client connected')" -ge "$1" ]; }
wait_clients() { wait_until 10 at_least_clients "$1"; }

# hub_exit: waits for the hub and sets HUB_STATUS, then for the clients
# started by client(): a client may still be writing out what its socket
# buffer held when the hub is already gone.
hub_exit() {
	local i pid
	for i in $(seq 1 500); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.02; done
	HUB_STATUS=0
	wait "$HUB_PID" || HUB_STATUS=$?
	for pid in "${CLIENT_PIDS[@]}"; do wait_until 10 proc_gone "$pid" || true; done
}

# group_alive PGID: some process of the group still runs (zombies waiting
# for init to reap them do not count).
group_alive() {
	local p
	for p in $(pgrep -g "$1"); do
		[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || return 0
	done
	return 1
}
group_gone() { ! group_alive "$1"; }

# proc_gone PID: exited (a zombie not yet reaped counts as exited).
proc_gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
	CLIENT_PIDS=()
}

# Some tools take no ":0" (systemd-socket-activate, socat TCP-LISTEN). For
# them the kernel picks a free port: tests/tools/freeport binds 127.0.0.1:0
# and prints what it got. Another process may take it before the tool binds,
# so listen_on retries with a fresh port when the tool reports it in use.
#
# listen_on LOG READY_REGEX CMD...: runs CMD with @PORT@ in its arguments
# (and READY_REGEX) replaced by a free port, stderr in LOG; sets LPORT and
# LPID once LOG matches READY_REGEX.
listen_on() {
	local log=$1 ready=$2 try a args
	shift 2
	for try in 1 2 3 4 5; do
		LPORT=$("$BUILD/tools/freeport")
		args=()
		for a in "$@"; do args+=("${a//@PORT@/$LPORT}"); done
		local want=${ready//@PORT@/$LPORT}
		"${args[@]}" 2>"$log" &
		LPID=$!
		PIDS+=("$LPID")
		wait_until 10 bash -c "grep -qE -- '$want' '$log' || ! kill -0 $LPID 2>/dev/null"
		grep -qE -- "$want" "$log" && kill -0 "$LPID" 2>/dev/null && return 0
		grep -qi 'in use' "$log" || { cat "$log" >&2; return 1; }
	done
	return 1
}

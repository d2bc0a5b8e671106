#!/usr/bin/env bats
# Hardening: churn, many clients, hostile clients, faults, limits.

load helpers

HOSTILE="$BUILD/tools/hostile"
NETNS=()
DIRS=()

# Network namespaces a test created go with it, even when it fails.
eval "helpers_$(declare -f teardown)"
teardown() {
	helpers_teardown
	local ns
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	NETNS=()
	rm -rf "${DIRS[@]}"
	DIRS=()
}

setup_file() {
	"$BUILD/tools/pcapgen" -c 20000 > "$BATS_FILE_TMPDIR/20k.pcap"
	"$BUILD/tools/pcapgen" -c 100000 > "$BATS_FILE_TMPDIR/100k.pcap"
}

fd_count() { ls "/proc/$1/fd" | wc -l; }
# status_kb PID FIELD: a /proc/PID/status figure in KiB (VmRSS, RssAnon, RssFile).
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
size_above() { [ "$(file_size "$1")" -gt "$2" ]; }
disconnects() { log_count "$HUB_LOG" 'client disconnected'; }
disconnects_reach() { [ "$(disconnects)" -ge "$1" ]; }

# ns_client NS ADDRESS OUT: a client inside network namespace NS.
ns_client() {
	ip netns exec "$1" socat -u -b 262144 "$2" "OPEN:$3,creat,trunc" &
	track_client "$!"
}

# start_hub_ns NS ARGS...: the hub inside network namespace NS.
start_hub_ns() {
	local ns=$1; shift
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	ip netns exec "$ns" "$HUB" "$@" 2>"$HUB_LOG" &
	HUB_PID=$!; PIDS+=("$HUB_PID")
	wait_until 10 log_has "$HUB_LOG" ready
}

# An endless stream at a steady rate, starting when the gate opens.
endless() {
	echo "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; exec '$GEN' -c 1000000000 -rate $1"
}

@test "churn: 1000 connects and disconnects while streaming leave fds and RSS where they were" {
	start_hub -n -listen 127.0.0.1:0 -buffer 4M -cmd "$(endless 20000)"
	client "$BATS_TEST_TMPDIR/long.pcap"
	wait_clients 1
	open_gate
	# Past 8 MiB the 4 MiB ring has wrapped: all of its memory is in use.
	wait_until 30 size_above "$BATS_TEST_TMPDIR/long.pcap" $((8 << 20))
	# Warm up with the same churn, so that the heap's working size (how many
	# clients overlap depends on load) is not counted as growth.
	"$HOSTILE" -port "$PORT" churn 300
	wait_until 30 disconnects_reach 300
	fds0=$(fd_count "$HUB_PID"); rss0=$(status_kb "$HUB_PID" VmRSS)
	anon0=$(status_kb "$HUB_PID" RssAnon); file0=$(status_kb "$HUB_PID" RssFile)
	run timeout 120 "$HOSTILE" -port "$PORT" churn 1000
	assert_success
	assert_output "churned 1000"
	wait_until 30 disconnects_reach 1300
	fds1=$(fd_count "$HUB_PID"); rss1=$(status_kb "$HUB_PID" VmRSS)
	anon1=$(status_kb "$HUB_PID" RssAnon); file1=$(status_kb "$HUB_PID" RssFile)
	echo "# churn: hub fds $fds0 -> $fds1, VmRSS $rss0 -> $rss1 KiB" \
		"(RssAnon $anon0 -> $anon1, RssFile $file0 -> $file1)" >&3
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	assert_equal "$fds1" "$fds0"
	# Heap, stack and buffers, where a leak would show (measured flat, even
	# under load): slack for malloc keeping freed memory, while a leak of
	# 128 bytes per connection (a client struct is about 200) exceeds it.
	# RssFile (code and libraries paged in and out under memory pressure)
	# is reported, not judged.
	# Under ASan (make test-asan) freed memory sits in its quarantine: not judged.
	[ -n "${PCAP_BROKER_SANITIZED:-}" ] || [ "$anon1" -le $((anon0 + 128)) ]
	run "$VERIFY" -contiguous < "$BATS_TEST_TMPDIR/long.pcap"
	assert_success
	assert_output --regexp "first=0 "
	grep -qE "client disconnected id=1 .*dropped=0 .*reason=hub stopping" "$HUB_LOG"
}

@test "many: 200 concurrent clients each receive a byte-exact stream" {
	start_hub -n -listen 127.0.0.1:0 -drain 30s -cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	timeout 120 "$HOSTILE" -port "$PORT" many 200 "$BATS_FILE_TMPDIR/20k.pcap" >"$BATS_TEST_TMPDIR/many.out" &
	many_pid=$!; PIDS+=("$many_pid")
	wait_until 30 wait_clients 200
	open_gate
	wait "$many_pid"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/many.out")" "identical=200 different=0"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	assert_equal "$(log_count "$HUB_LOG" 'client disconnected.*packets=20000 .*dropped=0')" 200
}

@test "abrupt: resets mid-record, junk floods, half-closed and never-reading clients disturb no one" {
	start_hub -n -listen 127.0.0.1:0 -drain 10s \
		-cmd "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; exec '$GEN' -c 100000 -rate 50000"
	client "$BATS_TEST_TMPDIR/good.pcap"
	"$HOSTILE" -port "$PORT" halfclose >"$BATS_TEST_TMPDIR/half.pcap" &
	half_pid=$!; PIDS+=("$half_pid")
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" # connected, never reads
	wait_clients 3
	open_gate
	timeout 60 "$HOSTILE" -port "$PORT" reset 50 >"$BATS_TEST_TMPDIR/reset.out" &
	reset_pid=$!
	timeout 60 "$HOSTILE" -port "$PORT" junk $((8 << 20)) >"$BATS_TEST_TMPDIR/junk1.out" &
	junk1_pid=$!
	timeout 60 "$HOSTILE" -port "$PORT" junk $((8 << 20)) >"$BATS_TEST_TMPDIR/junk2.out" &
	junk2_pid=$!
	PIDS+=("$reset_pid" "$junk1_pid" "$junk2_pid")
	wait "$reset_pid"
	wait "$junk1_pid"
	wait "$junk2_pid"
	exec 5<&-
	hub_exit
	wait "$half_pid"
	assert_equal "$HUB_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/reset.out")" "reset 50"
	grep -q "junk sent=$((8 << 20)) received=[1-9]" "$BATS_TEST_TMPDIR/junk1.out"
	grep -q "junk sent=$((8 << 20)) received=[1-9]" "$BATS_TEST_TMPDIR/junk2.out"
	cmp "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/good.pcap"
	cmp "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/half.pcap"
	# 3 + 50 resets + 2 junk senders, each one disconnect line
	assert_equal "$(disconnects)" 55
}

@test "a capture command killed with SIGKILL: the hub exits 137 and clients keep whole records" {
	start_hub -n -listen 127.0.0.1:0 -cmd "$(endless 10000)"
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	open_gate
	wait_until 30 size_above "$BATS_TEST_TMPDIR/out.pcap" 200000
	pgid=$(grep -oE 'capture started pid=[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	kill -KILL -- "-$pgid"
	hub_exit
	assert_equal "$HUB_STATUS" 137
	grep -q 'capture command failed status=137' "$HUB_LOG"
	run "$VERIFY" -contiguous < "$BATS_TEST_TMPDIR/out.pcap"
	assert_success
	assert_output --regexp "first=0 "
}

# refused_bytes OUT [SOCAT-OPTIONS]: connects, saves what arrives in OUT.
try_connect() {
	timeout 10 socat -u "TCP:127.0.0.1:$PORT${2:+,$2}" "OPEN:$1,creat,trunc" 2>/dev/null || true
}

@test "-max-clients: past the limit connections are refused at once, counted, and logged without flooding" {
	start_hub -n -listen 127.0.0.1:0 -max-clients 3 -cmd "$(endless 2000)"
	client "$BATS_TEST_TMPDIR/a.pcap"; a_pid=$!
	wait_clients 1
	client "$BATS_TEST_TMPDIR/b.pcap"
	client "$BATS_TEST_TMPDIR/c.pcap"
	wait_clients 3
	try_connect "$BATS_TEST_TMPDIR/refused.pcap"
	assert_equal "$(file_size "$BATS_TEST_TMPDIR/refused.pcap")" 0
	grep -qE 'client refused addr=127.0.0.1:[0-9]+ reason=max-clients clients=3 refused=1' "$HUB_LOG"
	for i in $(seq 2 40); do
		exec 6<>"/dev/tcp/127.0.0.1/$PORT" && exec 6<&-
	done
	# Every refusal is counted; log lines are capped and the rest summed up.
	wait_until 10 log_has "$HUB_LOG" 'refused=40$'
	[ "$(log_count "$HUB_LOG" 'client refused addr=')" -lt 40 ]
	grep -qE 'clients refused without a log line of their own reason=max-clients count=[0-9]+ refused=40' "$HUB_LOG"
	open_gate
	# A client that leaves frees its place (the hub sees it go at its next write).
	kill "$a_pid"
	wait_until 10 log_has "$HUB_LOG" 'client disconnected id=1 '
	client "$BATS_TEST_TMPDIR/d.pcap"
	wait_clients 4
	wait_until 10 size_above "$BATS_TEST_TMPDIR/d.pcap" 100000
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	assert_equal "$(log_count "$HUB_LOG" 'client connected')" 4
	for x in b c; do
		run "$VERIFY" -contiguous < "$BATS_TEST_TMPDIR/$x.pcap"
		assert_success
		assert_output --regexp "first=0 "
	done
	"$VERIFY" -contiguous < "$BATS_TEST_TMPDIR/d.pcap"
}

@test "-allow: a peer outside the list is refused before it sees a byte, one inside is served" {
	start_hub -n -listen 127.0.0.1:0 -allow 127.0.0.1/32 -cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	try_connect "$BATS_TEST_TMPDIR/outside.pcap" bind=127.0.0.2
	assert_equal "$(file_size "$BATS_TEST_TMPDIR/outside.pcap")" 0
	grep -qE 'client refused addr=127.0.0.2:[0-9]+ reason=not-allowed' "$HUB_LOG"
	client "$BATS_TEST_TMPDIR/inside.pcap"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/20k.pcap" "$BATS_TEST_TMPDIR/inside.pcap"
	refute grep -q 'client connected.*127.0.0.2' "$HUB_LOG"
}

@test "-allow on a dual-stack listener: v4-mapped peers match v4 CIDRs, v6 peers v6 ones (own netns)" {
	ns="pb-harden-$$"
	ip netns add "$ns" || skip "cannot create a network namespace here"
	NETNS+=("$ns")
	ip -n "$ns" link set lo up
	start_hub_ns "$ns" -n -listen :0 -allow 127.0.0.1,::1/128 -drain 1s \
		-cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	PORT=$(grep -oE 'listening addr=.*:[0-9]+' "$HUB_LOG" | head -1 | grep -oE '[0-9]+$')
	grep -q 'listening addr=\[::\]' "$HUB_LOG"
	in_ns() { ip netns exec "$ns" timeout 10 socat -u "$1" "OPEN:$2,creat,trunc" 2>/dev/null || true; }
	in_ns "TCP4:127.0.0.2:$PORT,bind=127.0.0.2" "$BATS_TEST_TMPDIR/v4-outside.pcap"
	ns_client "$ns" "TCP4:127.0.0.1:$PORT" "$BATS_TEST_TMPDIR/v4.pcap"
	ns_client "$ns" "TCP6:[::1]:$PORT" "$BATS_TEST_TMPDIR/v6.pcap"
	wait_clients 2
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	grep -qE 'client refused addr=\[::ffff:127.0.0.2\]:[0-9]+ reason=not-allowed' "$HUB_LOG"
	grep -qE 'client connected id=[0-9]+ addr=\[::ffff:127.0.0.1\]' "$HUB_LOG"
	grep -qE 'client connected id=[0-9]+ addr=\[::1\]' "$HUB_LOG"
	assert_equal "$(file_size "$BATS_TEST_TMPDIR/v4-outside.pcap")" 0
	cmp "$BATS_FILE_TMPDIR/20k.pcap" "$BATS_TEST_TMPDIR/v4.pcap"
	cmp "$BATS_FILE_TMPDIR/20k.pcap" "$BATS_TEST_TMPDIR/v6.pcap"
}

@test "-stall-timeout: a client that takes nothing while data waits is cut off; idle and reading ones stay" {
	start_hub -n -listen 127.0.0.1:0 -buffer 4M -stall-timeout 1s -cmd "$(endless 20000)"
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" # connected, never reads: id=1
	wait_clients 1
	client "$BATS_TEST_TMPDIR/reader.pcap"
	wait_clients 2
	# Nothing is pending before the capture starts: nobody stalls.
	sleep 2.5
	assert_equal "$(disconnects)" 0
	open_gate
	wait_until 30 log_has "$HUB_LOG" 'client disconnected id=1 .*reason=stalled'
	exec 5<&-
	size=$(file_size "$BATS_TEST_TMPDIR/reader.pcap")
	wait_until 10 size_above "$BATS_TEST_TMPDIR/reader.pcap" "$size"
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	grep -qE 'client disconnected id=2 .*reason=hub stopping' "$HUB_LOG"
	run "$VERIFY" -contiguous < "$BATS_TEST_TMPDIR/reader.pcap"
	assert_success
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

@test "out of file descriptors: warned at start, excess connections refused without spinning" {
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	prlimit --nofile=48:48 "$HUB" -n -listen 127.0.0.1:0 -cmd "$(endless 1000)" 2>"$HUB_LOG" &
	HUB_PID=$!; PIDS+=("$HUB_PID")
	wait_until 10 log_has "$HUB_LOG" ready
	PORT=$(grep -oE 'addr=127.0.0.1:[0-9]+' "$HUB_LOG" | head -1 | cut -d: -f2)
	grep -qE 'open file limit too low for -max-clients.* max_clients=1024 fd_limit=48' "$HUB_LOG"
	mkfifo "$BATS_TEST_TMPDIR/hold.in"
	"$HOSTILE" -port "$PORT" hold 60 <"$BATS_TEST_TMPDIR/hold.in" >"$BATS_TEST_TMPDIR/hold.out" &
	hold_pid=$!; PIDS+=("$hold_pid")
	exec 7>"$BATS_TEST_TMPDIR/hold.in"
	wait_until 10 log_has "$BATS_TEST_TMPDIR/hold.out" 'held 60'
	wait_until 10 log_has "$HUB_LOG" 'reason=out-of-fds'
	# No busy loop: over a second the hub uses a fraction of a CPU.
	t0=$(cpu_ticks "$HUB_PID"); sleep 1; t1=$(cpu_ticks "$HUB_PID")
	echo "# hub CPU while out of fds: $((t1 - t0)) ticks in 1 s" >&3
	[ $((t1 - t0)) -lt 30 ]
	exec 7>&- # the held connections go
	wait "$hold_pid"
	open_gate
	# The hub learns that they left at its first write to them.
	wait_until 10 disconnects_reach "$(log_count "$HUB_LOG" 'client connected')"
	client "$BATS_TEST_TMPDIR/after.pcap"
	wait_until 10 size_above "$BATS_TEST_TMPDIR/after.pcap" 10000
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
}

HELPER="$BUILD/pcap-broker-helper"

# helper OUT: a pcap-broker-helper on $SOCK, its client side saved to OUT.
helper() {
	"$HELPER" -socket "$SOCK" </dev/null >"$1" 2>>"$BATS_TEST_TMPDIR/helpers.log" &
	track_client "$!"
}

@test "hub killed with SIGKILL: no capture left, helpers exit, a new hub replaces the stale socket and serves" {
	SOCK="$BATS_TEST_TMPDIR/hub.sock"
	start_hub -n -listen none -socket "$SOCK" -cmd "sleep 300 & $(endless 2000)"
	pgid=$(grep -oE 'capture started pid=[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	helper "$BATS_TEST_TMPDIR/h1.pcap"; h1=$!
	helper "$BATS_TEST_TMPDIR/h2.pcap"; h2=$!
	wait_clients 2
	grep -qE "client connected id=[0-9]+ addr=unix:pid=$h1,uid=$(id -u)" "$HUB_LOG"
	open_gate
	wait_until 10 size_above "$BATS_TEST_TMPDIR/h1.pcap" 10000
	kill -KILL "$HUB_PID"
	wait_until 10 group_gone "$pgid"
	wait_until 10 bash -c "! kill -0 $h1 2>/dev/null && ! kill -0 $h2 2>/dev/null"
	[ -S "$SOCK" ] # the dead hub could not remove it
	"$VERIFY" < "$BATS_TEST_TMPDIR/h1.pcap"
	"$VERIFY" < "$BATS_TEST_TMPDIR/h2.pcap"
	# A new hub on the same path: the stale file is replaced, new helpers served.
	rm -f "$BATS_TEST_TMPDIR/go"
	HUB_LOG="$BATS_TEST_TMPDIR/hub2.log"
	start_hub -n -listen none -socket "$SOCK" -cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	helper "$BATS_TEST_TMPDIR/h3.pcap"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/20k.pcap" "$BATS_TEST_TMPDIR/h3.pcap"
	[ ! -e "$SOCK" ] # removed at a clean exit
}

@test "Unix socket: -socket-mode and -socket-group are honoured and enforced; SO_PEERCRED is logged" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to act as another user"
	getent group daemon >/dev/null && getent group nogroup >/dev/null || skip "no groups daemon and nogroup"
	dir=$(mktemp -d /tmp/pb-harden.XXXXXX) # traversable by nobody, unlike the bats tmpdir
	DIRS+=("$dir")
	chmod 0755 "$dir"
	SOCK="$dir/hub.sock"
	start_hub -n -listen none -socket "$SOCK" -socket-mode 0660 -socket-group daemon \
		-cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	assert_equal "$(stat -c '%a %U %G' "$SOCK")" "660 root daemon"
	# nobody outside the group: refused by the file mode
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$HELPER" -socket "$SOCK"
	assert_equal "$status" 66
	# nobody in the group: served, and the hub logs who it is
	setpriv --reuid=nobody --regid=daemon --clear-groups "$HELPER" -socket "$SOCK" \
		</dev/null >"$dir/in-group.pcap" 2>/dev/null &
	track_client "$!"
	wait_clients 1
	grep -qE "client connected id=1 addr=unix:pid=[0-9]+,uid=$(id -u nobody)" "$HUB_LOG"
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/20k.pcap" "$dir/in-group.pcap"
}

@test "Unix socket: the default mode is 0660 and -allow does not apply to it" {
	SOCK="$BATS_TEST_TMPDIR/hub.sock"
	start_hub -n -listen 127.0.0.1:0 -allow 192.0.2.0/24 -socket "$SOCK" \
		-cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	assert_equal "$(stat -c '%a' "$SOCK")" 660
	try_connect "$BATS_TEST_TMPDIR/tcp.pcap"
	grep -q 'reason=not-allowed' "$HUB_LOG"
	helper "$BATS_TEST_TMPDIR/unix.pcap"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	assert_equal "$(file_size "$BATS_TEST_TMPDIR/tcp.pcap")" 0
	cmp "$BATS_FILE_TMPDIR/20k.pcap" "$BATS_TEST_TMPDIR/unix.pcap"
}

@test "docs/security.md recipe: TLS with socat on both ends carries a byte-exact stream" {
	grep -qF 'socat OPENSSL-LISTEN:4443,reuseaddr,fork,cert=broker.pem,verify=0 TCP:127.0.0.1:4242' "$ROOT/docs/security.md"
	grep -qF 'socat TCP-LISTEN:4243,bind=127.0.0.1,reuseaddr,fork OPENSSL:sensor:4443,cafile=broker.crt' "$ROOT/docs/security.md"
	cd "$BATS_TEST_TMPDIR"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost -keyout broker.key -out broker.crt 2>/dev/null
	cat broker.key broker.crt > broker.pem
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	listen_on tls-server.log 'listening on' \
		socat -d -d "OPENSSL-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork,cert=broker.pem,verify=0" "TCP:127.0.0.1:$PORT"
	tls_port=$LPORT
	# a server whose certificate the client does not trust is refused
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout other.key -out other.crt 2>/dev/null
	run timeout 10 socat -u "OPENSSL:localhost:$tls_port,cafile=other.crt" -
	assert_failure
	assert_output --partial "certificate verify failed"
	listen_on tls-client.log 'listening on' \
		socat -d -d "TCP-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork" "OPENSSL:localhost:$tls_port,cafile=broker.crt"
	socat -u "TCP:127.0.0.1:$LPORT" OPEN:out.pcap,creat,trunc &
	PIDS+=("$!")
	# and one straight from socat's TLS client
	socat -u "OPENSSL:localhost:$tls_port,cafile=broker.crt" OPEN:direct.pcap,creat,trunc &
	PIDS+=("$!")
	wait_clients 2
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	wait_until 10 bash -c "cmp -s '$BATS_FILE_TMPDIR/20k.pcap' out.pcap && cmp -s '$BATS_FILE_TMPDIR/20k.pcap' direct.pcap"
}

@test "half-open: a peer that vanished without a word is cut off by -stall-timeout; others lose nothing (own netns)" {
	a="pb-hub-$$"; b="pb-peer-$$"
	ip netns add "$a" || skip "cannot create a network namespace here"
	NETNS+=("$a")
	ip netns add "$b"
	NETNS+=("$b")
	ip -n "$a" link add veth-hub type veth peer name veth-peer netns "$b"
	ip -n "$a" addr add 10.201.0.1/30 dev veth-hub
	ip -n "$b" addr add 10.201.0.2/30 dev veth-peer
	for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
	ip -n "$a" link set veth-hub up
	ip -n "$b" link set veth-peer up
	start_hub_ns "$a" -n -listen 127.0.0.1:0,10.201.0.1:0 -stall-timeout 1s -drain 10s \
		-cmd "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; exec '$GEN' -c 100000 -rate 25000"
	lo_port=$(grep -oE 'listening addr=127.0.0.1:[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	veth_port=$(grep -oE 'listening addr=10.201.0.1:[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	ns_client "$a" "TCP:127.0.0.1:$lo_port" "$BATS_TEST_TMPDIR/good.pcap"
	ns_client "$b" "TCP:10.201.0.1:$veth_port" "$BATS_TEST_TMPDIR/gone.pcap"
	wait_clients 2
	open_gate
	wait_until 10 size_above "$BATS_TEST_TMPDIR/gone.pcap" 100000
	# The peer's link goes away: no FIN, no reset, nothing acknowledged.
	ip -n "$b" link set veth-peer down
	wait_until 20 log_has "$HUB_LOG" 'client disconnected id=[0-9]+ addr=10.201.0.2:.*reason=stalled'
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/good.pcap"
	grep -qE 'client disconnected id=[0-9]+ addr=127.0.0.1:.*packets=100000 .*dropped=0' "$HUB_LOG"
}

@test "limits from the environment; bad values are usage errors" {
	for v in "PCAP_BROKER_MAX_CLIENTS=0" "PCAP_BROKER_MAX_CLIENTS=x" "PCAP_BROKER_ALLOW=10.0.0.0/33" \
		"PCAP_BROKER_ALLOW=," "PCAP_BROKER_STALL_TIMEOUT=soon"; do
		run env "$v" "$HUB" -cmd true
		assert_equal "$status" 64
		assert_output --partial "invalid value"
	done
	run "$HUB" -allow "" -cmd true
	assert_equal "$status" 64
	PCAP_BROKER_MAX_CLIENTS=1 PCAP_BROKER_ALLOW=127.0.0.0/8 PCAP_BROKER_STALL_TIMEOUT=0 \
		start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_FILE_TMPDIR/20k.pcap")"
	client "$BATS_TEST_TMPDIR/one.pcap"
	wait_clients 1
	try_connect "$BATS_TEST_TMPDIR/two.pcap"
	grep -q 'reason=max-clients clients=1 refused=1' "$HUB_LOG"
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$BATS_FILE_TMPDIR/20k.pcap" "$BATS_TEST_TMPDIR/one.pcap"
}

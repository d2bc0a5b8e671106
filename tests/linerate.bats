#!/usr/bin/env bats
# -i at line rate (issue 15): several interfaces merged into one stream, the
# kernel's drops per interface, the kernel buffer (-B), an interface that
# disappears. Real veth pairs in a network namespace each test creates;
# tests/tools/livegen sends numbered frames into them.

load helpers

LIVEGEN="$BUILD/tools/livegen"

setup() {
	[ "$(id -u)" -eq 0 ] || skip "native capture in a network namespace needs root; CI runs as root"
	NS="pbt-$$-$BATS_TEST_NUMBER"
	ip netns add "$NS"
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 # only our frames
	ip -n "$NS" link set lo up
	local x
	for x in a b; do
		ip -n "$NS" link add "${x}0" type veth peer name "${x}1"
		ip -n "$NS" link set "${x}0" up
		ip -n "$NS" link set "${x}1" up
	done
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
	ip netns del "$NS" 2>/dev/null || true
}

in_ns() { ip netns exec "$NS" "$@"; }

# ns_hub ARGS...: the hub inside the namespace (start_hub runs "$HUB" "$@").
ns_hub() { HUB=ip start_hub netns exec "$NS" "$BUILD/pcap-broker" -n -listen 127.0.0.1:0 "$@"; }

# ns_client OUT: a client in the namespace saving the stream to OUT.
ns_client() {
	in_ns socat -u -b 262144 "TCP:127.0.0.1:$PORT" "OPEN:$1,creat,trunc" &
	track_client "$!"
	wait_clients 1
	wait_until 5 test -s "$1"
}

count_in() { tcpdump -nr "$1" 2>/dev/null | wc -l; }
has_records() { [ "$(count_in "$1")" -ge "$2" ]; }

# out_of_order FILE: records whose timestamp is earlier than the one before.
out_of_order() {
	tcpdump -tt -nr "$1" 2>/dev/null | awk '{ if (NR > 1 && $1 < p) bad++; p = $1 } END { print bad + 0 }'
}

@test "-i a1,b1: both interfaces in one stream, merged in timestamp order; drops per interface in the exit line, STATUS= and SIGUSR1" {
	notes="$BATS_TEST_TMPDIR/notes"
	socat -u UNIX-RECV:"$BATS_TEST_TMPDIR/notify" "OPEN:$notes,creat,append" &
	PIDS+=("$!")
	wait_until 5 test -S "$BATS_TEST_TMPDIR/notify"
	# 512 blocks a kernel buffer: through the pause below, a block a
	# millisecond (docs/operations.md), the sends may take 0.5 s.
	NOTIFY_SOCKET="$BATS_TEST_TMPDIR/notify" ns_hub -i a1,b1 -f udp -B 128M
	grep -q "native capture started interface=a1,b1 linktype=1 .*mode=blocks" "$HUB_LOG"
	out="$BATS_TEST_TMPDIR/out.pcap"
	ns_client "$out"
	# Both send at once while the hub is stopped: each kernel ring then holds
	# 0.1 s of interleaved traffic. Reading one ring after the other would put
	# a whole 0.1 s out of order; the merge puts none.
	kill -STOP "$HUB_PID"
	in_ns "$LIVEGEN" -i a0 -size 100 -count 3000 -pps 30000 &
	PIDS+=("$!")
	in_ns "$LIVEGEN" -i b0 -size 120 -count 3000 -pps 30000
	wait "${PIDS[-1]}"
	sleep 0.1 # the kernel retires the last blocks after 1 ms
	kill -CONT "$HUB_PID"
	wait_until 20 has_records "$out" 6000
	assert_equal "$(tcpdump -nr "$out" 2>/dev/null | grep -c 'length 58$')" 3000  # a0: 100-byte frames
	assert_equal "$(tcpdump -nr "$out" 2>/dev/null | grep -c 'length 78$')" 3000  # b0: 120-byte frames
	assert_equal "$(out_of_order "$out")" 0
	wait_until 10 log_has "$notes" 'STATUS=clients=1 packets=6000 .*kernel_drops=0 lossy_clients=0 interface_drops=a1:0,b1:0'
	kill -USR1 "$HUB_PID"
	wait_until 5 log_has "$HUB_LOG" 'stats clients=1 records=6000 .*kernel_drops=0 .*interface_drops=a1:0,b1:0'
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	grep -qE 'exiting status=0 records=6000 .*kernel_drops=0 interface_drops=a1:0,b1:0$' "$HUB_LOG"
}

@test "-i: repeated -i and PCAP_BROKER_INTERFACE=a1,b1 name several interfaces; a flag replaces the variable" {
	ns_hub -i a1 -i b1
	grep -q "native capture started interface=a1,b1 " "$HUB_LOG"
	kill -TERM "$HUB_PID"; hub_exit
	HUB_LOG="$BATS_TEST_TMPDIR/env.log"; PCAP_BROKER_INTERFACE=a1,b1 ns_hub
	grep -q "native capture started interface=a1,b1 " "$HUB_LOG"
	kill -TERM "$HUB_PID"; hub_exit
	HUB_LOG="$BATS_TEST_TMPDIR/flag.log"; PCAP_BROKER_INTERFACE=a1,b1 ns_hub -i b1
	grep -q "native capture started interface=b1 " "$HUB_LOG"
}

@test "-i: interfaces of different link types are a clear start-up error, exit 74" {
	run in_ns "$HUB" -n -listen 127.0.0.1:0 -i a1,any
	assert_equal "$status" 74
	assert_output --partial "interfaces a1 (EN10MB) and any (LINUX_SLL2) have different link types: one pcap stream cannot carry both"
}

@test "-i: the kernel's drops are counted per interface" {
	# Immediate mode with a 1 MiB buffer: a few dozen 64 KiB frames. The hub
	# stopped, b0 floods b1; a0 sends 10 frames.
	ns_hub -i a1,b1 -f udp -immediate -B 1M
	grep -q "mode=immediate" "$HUB_LOG"
	kill -STOP "$HUB_PID"
	in_ns "$LIVEGEN" -i a0 -size 64 -count 10
	in_ns "$LIVEGEN" -i b0 -size 64 -count 5000
	kill -CONT "$HUB_PID"
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	grep -E 'exiting status=0 .*interface_drops=a1:0,b1:[1-9][0-9]*$' "$HUB_LOG"
	total=$(sed -n 's/.*exiting.* kernel_drops=\([0-9]*\) .*/\1/p' "$HUB_LOG")
	b1=$(sed -n 's/.*interface_drops=a1:0,b1:\([0-9]*\)$/\1/p' "$HUB_LOG")
	assert_equal "$total" "$b1"
}

@test "-B, -buffer-kernel and PCAP_BROKER_KERNEL_BUFFER set the kernel buffer; the size obtained is logged; PCAP_BROKER_IMMEDIATE" {
	ns_hub -i a1 -B 8M
	grep -q "kernel buffer interface=a1 requested=8388608 obtained=8388608" "$HUB_LOG"
	kill -TERM "$HUB_PID"; hub_exit
	HUB_LOG="$BATS_TEST_TMPDIR/long.log"; ns_hub -i a1 -buffer-kernel 2M
	grep -q "kernel buffer interface=a1 requested=2097152 obtained=2097152" "$HUB_LOG"
	kill -TERM "$HUB_PID"; hub_exit
	HUB_LOG="$BATS_TEST_TMPDIR/env.log"; PCAP_BROKER_KERNEL_BUFFER=4M ns_hub -i a1
	grep -q "kernel buffer interface=a1 requested=4194304 obtained=4194304" "$HUB_LOG"
	kill -TERM "$HUB_PID"; hub_exit
	# Immediate mode: libpcap rounds to whole 64 KiB frames, two per 128 KiB
	# block at most; what it got is what is logged.
	HUB_LOG="$BATS_TEST_TMPDIR/imm.log"; ns_hub -i a1 -immediate -B 1M
	grep -qE "kernel buffer interface=a1 requested=1048576 obtained=[1-9][0-9]+" "$HUB_LOG"
	kill -TERM "$HUB_PID"; hub_exit
	HUB_LOG="$BATS_TEST_TMPDIR/immenv.log"; PCAP_BROKER_IMMEDIATE=true ns_hub -i a1
	grep -q "native capture started interface=a1 .*mode=immediate" "$HUB_LOG"
	kill -TERM "$HUB_PID"; hub_exit
	run "$HUB" -n -i a1 -B 100k
	assert_equal "$status" 64
	run "$HUB" -n -i a1 -B 2G
	assert_equal "$status" 64
	PCAP_BROKER_KERNEL_BUFFER=lots run "$HUB" -n -i a1
	assert_equal "$status" 64
}

@test "-i: an interface deleted during the capture: a clear error naming it, exit 74" {
	ns_hub -i a1,b1 -f udp
	out="$BATS_TEST_TMPDIR/out.pcap"
	ns_client "$out"
	in_ns "$LIVEGEN" -i b0 -size 64 -count 100
	wait_until 10 has_records "$out" 100
	ip -n "$NS" link del b0 # takes its peer b1 with it
	wait_until 10 proc_gone "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 74
	grep -q 'ERR native capture failed: the interface is gone or broken error="b1: The interface disappeared"' "$HUB_LOG"
	grep -qE "exiting status=74 records=100 .*interface_drops=a1:0,b1:0$" "$HUB_LOG"
	# The client got what was captured before.
	assert_equal "$(count_in "$out")" 100
}

@test "bench/live (make bench's live rows): prints the table, in namespaces it removes" {
	grep -qF 'sudo LIVE_SECONDS=2 LIVE_METHODS="tcpdump hub" bench/live' "$ROOT/docs/performance.md"
	before=$(ip netns list | grep -c '^pbl-' || true)
	run env BUILD="$BUILD" LIVE_SECONDS=1 LIVE_STEPS=20000 LIVE_FRAMES=64 LIVE_METHODS="tcpdump hub" \
		"$ROOT/bench/live"
	assert_success
	assert_output --regexp 'tcpdump -w /dev/null +64 +20000 +[0-9]+ '
	assert_output --regexp 'hub -i, 1 client +64 +max +[0-9]+ '
	assert_output --partial 'zero-loss pkt/s (step)'
	assert_equal "$(ip netns list | grep -c '^pbl-' || true)" "$before"
}

@test "-i a1,b1 -restart: an interface deleted and made again; the capture waits for it, the client stays" {
	ns_hub -i a1,b1 -f udp -restart
	out="$BATS_TEST_TMPDIR/out.pcap"
	ns_client "$out"
	in_ns "$LIVEGEN" -i a0 -size 64 -count 10
	wait_until 10 has_records "$out" 10
	ip -n "$NS" link del b0
	wait_until 10 log_has "$HUB_LOG" 'capture ended; restarting reason="b1: The interface disappeared"'
	ip -n "$NS" link add b0 type veth peer name b1
	ip -n "$NS" link set b0 up
	ip -n "$NS" link set b1 up
	wait_until 30 log_has "$HUB_LOG" 'capture resumed after a gap gap_ms=[0-9]+'
	in_ns "$LIVEGEN" -i b0 -size 64 -count 10
	in_ns "$LIVEGEN" -i a0 -size 64 -count 10
	wait_until 10 has_records "$out" 30
	assert_equal "$(log_count "$HUB_LOG" 'client disconnected')" 0
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$HUB_STATUS" 0
}

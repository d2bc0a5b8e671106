#!/usr/bin/env bats
# Push mode: the helper connects out to a collector that listens for a
# PCAP-over-IP stream, with socat (TCP:collector EXEC:pcap-broker-helper) or
# built in (-connect). The unit that keeps it connected is in nspawn.bats.

load helpers
bats_require_minimum_version 1.5.0

HELPER="$BUILD/pcap-broker-helper"

setup_file() {
	"$GEN" -c 100000 >"$BATS_FILE_TMPDIR/100k.pcap"
	"$GEN" -c 5000 -dns-every 5 >"$BATS_FILE_TMPDIR/mix.pcap"
}

setup() {
	SOCK="$BATS_TEST_TMPDIR/hub.sock"
}

# collector OUT: a consumer listening for a pushed stream on LPORT (socat
# TCP-LISTEN: one connection, saved to OUT); COLLECTOR is its pid.
collector() {
	listen_on "$BATS_TEST_TMPDIR/collector.log" 'listening on' \
		socat -d -d -u TCP-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr "OPEN:$1,creat,trunc"
	COLLECTOR=$LPID
}

@test "docs/helper.md recipe: socat TCP:collector:PORT EXEC:pcap-broker-helper into socat -u TCP-LISTEN:PORT - | tcpdump -r -" {
	grep -qF 'socat TCP:collector:57012 EXEC:pcap-broker-helper' "$ROOT/docs/helper.md"
	grep -qF 'socat -u TCP-LISTEN:57012 - | tcpdump -nr -' "$ROOT/docs/helper.md"
	start_hub -n -listen none -socket "$SOCK" -cmd "$(gated_cat "$BATS_FILE_TMPDIR/mix.pcap")"
	# The consumer, exactly as documented but for the port.
	LPORT=$("$BUILD/tools/freeport")
	(socat -u "TCP-LISTEN:$LPORT" - | tcpdump -nr - >"$BATS_TEST_TMPDIR/td.out" 2>/dev/null) &
	PIDS+=("$!")
	wait_until 10 bash -c "ss -Hltn 'sport = :$LPORT' | grep -q ."
	PATH="$BUILD:$PATH" PCAP_BROKER_SOCKET="$SOCK" socat "TCP:127.0.0.1:$LPORT" EXEC:pcap-broker-helper &
	PIDS+=("$!")
	wait_clients 1
	open_gate
	hub_exit
	wait_until 10 bash -c "[ \$(wc -l < '$BATS_TEST_TMPDIR/td.out') -ge 5000 ]"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/td.out")" 5000
	assert_equal "$(grep -c '127.0.0.2.53: ' "$BATS_TEST_TMPDIR/td.out")" 1000
}

# push_replay FILE OUT ARGS...: a hub replaying FILE, a collector saving to
# OUT, and a helper with ARGS pushing to it; returns once both have ended.
push_replay() {
	local file=$1 out=$2
	shift 2
	start_hub -n -listen none -socket "$SOCK" -cmd "$(gated_cat "$file")"
	collector "$out"
	"$HELPER" -socket "$SOCK" "${@//@PORT@/$LPORT}" 2>"$BATS_TEST_TMPDIR/helper.log" &
	local helper=$!
	PIDS+=("$helper")
	wait_clients 1
	open_gate
	hub_exit
	wait "$helper"
	wait_until 10 proc_gone "$COLLECTOR"
}

@test "-connect pushes a byte-exact stream to a listening collector" {
	push_replay "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/out.pcap" -connect 127.0.0.1:@PORT@
	cmp "$BATS_FILE_TMPDIR/100k.pcap" "$BATS_TEST_TMPDIR/out.pcap"
	grep -q "relay ended client=127.0.0.1:$LPORT .*reason=\"hub closed\"" "$BATS_TEST_TMPDIR/helper.log"
}

@test "-connect with a filter pushes only the matching records" {
	tcpdump -r "$BATS_FILE_TMPDIR/mix.pcap" -w "$BATS_TEST_TMPDIR/ref.pcap" 'udp port 53' 2>/dev/null
	push_replay "$BATS_FILE_TMPDIR/mix.pcap" "$BATS_TEST_TMPDIR/out.pcap" \
		-connect '[::ffff:127.0.0.1]:@PORT@' udp port 53
	cmp "$BATS_TEST_TMPDIR/ref.pcap" "$BATS_TEST_TMPDIR/out.pcap"
	grep -q "filter totals client=\[::ffff:127.0.0.1\]:$LPORT passed=1000 rejected=4000" "$BATS_TEST_TMPDIR/helper.log"
}

@test "-connect: a collector that goes away while packets flow ends the helper with status 0" {
	start_hub -n -listen none -socket "$SOCK" -cmd "'$GEN' -c 10000000 -rate 2000"
	collector "$BATS_TEST_TMPDIR/out.pcap"
	"$HELPER" -socket "$SOCK" -connect "127.0.0.1:$LPORT" 2>"$BATS_TEST_TMPDIR/helper.log" &
	local helper=$!
	PIDS+=("$helper")
	wait_until 10 bash -c "[ \$(stat -c %s '$BATS_TEST_TMPDIR/out.pcap') -gt 10000 ]"
	kill "$COLLECTOR"
	wait_until 10 proc_gone "$helper"
	local status=0
	wait "$helper" || status=$?
	assert_equal "$status" 0
	grep -q 'relay ended .*reason="client closed"' "$BATS_TEST_TMPDIR/helper.log"
}

@test "-connect with nobody listening: one clear line and status 69; a bad address is status 64" {
	start_hub -n -listen none -socket "$SOCK" -cmd "exec sleep 60"
	local port
	port=$("$BUILD/tools/freeport")
	run --separate-stderr "$HELPER" -socket "$SOCK" -connect "127.0.0.1:$port"
	assert_equal "$status" 69
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	[[ "$stderr" == *"cannot connect to the collector collector=127.0.0.1:$port error=\"Connection refused\""* ]]
	for bad in 127.0.0.1 :4242 '127.0.0.1:x'; do
		run --separate-stderr "$HELPER" -socket "$SOCK" -connect "$bad"
		assert_equal "$status" 64
		[[ "$stderr" == *"not HOST:PORT"* ]]
	done
}

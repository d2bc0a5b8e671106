#!/usr/bin/env bats
# Hardening, round 2 (issue 16): regressions for what an adversarial review
# broke. Each test is named after its finding.

load helpers

HELPER="$BUILD/pcap-broker-helper"

setup_file() {
	"$BUILD/tools/pcapgen" -c 100 > "$BATS_FILE_TMPDIR/100.pcap"
	"$BUILD/tools/pcapgen" -c 5000 > "$BATS_FILE_TMPDIR/5k.pcap"
}

setup() {
	SOCK="$BATS_TEST_TMPDIR/hub.sock"
}

# own_pid_helper FD3 ARGS...: the helper with LISTEN_FDS=1 and LISTEN_PID its
# own pid (as systemd sets them), fd 3 redirected as FD3 says (">&-": closed).
own_pid_helper() {
	local fd3=$1; shift
	timeout 10 sh -c "LISTEN_PID=\$\$ LISTEN_FDS=1 exec \"\$0\" \"\$@\" 3$fd3" "$HELPER" "$@"
}

@test "finding 7: PCAP_BROKER_ALLOW set to the empty string fails closed (64), like -allow=" {
	local cap="cat '$BATS_FILE_TMPDIR/100.pcap'"
	for v in "" " " ","; do
		run env PCAP_BROKER_ALLOW="$v" timeout 10 "$HUB" -n -listen 127.0.0.1:0 -cmd "$cap"
		assert_equal "$status" 64
		assert_output --partial "PCAP_BROKER_ALLOW"
		refute_output --partial "listening"
	done
	run env PCAP_BROKER_ALLOW= timeout 10 "$HUB" -n -listen 127.0.0.1:0 -cmd "$cap"
	assert_output --partial "empty allow-list is refused"
	# A flag does not rescue it: the variable is checked first, as any other.
	run env PCAP_BROKER_ALLOW= timeout 10 "$HUB" -n -listen 127.0.0.1:0 -allow 127.0.0.1 -cmd "$cap"
	assert_equal "$status" 64
	# Other variables set to "" still count as unset (commit 16a936e).
	run env PCAP_BROKER_STALL_TIMEOUT= PCAP_BROKER_MAX_CLIENTS= timeout 10 "$HUB" -n -listen 127.0.0.1:0 -cmd "$cap"
	assert_success
}

@test "finding 5: helper with LISTEN_FDS=1 but no connection on fd 3 exits 64 at once, never relays the hub into itself" {
	start_hub -n -listen none -socket "$SOCK" -cmd "exec '$GEN' -c 1000000000 -rate 1000"
	for fd3 in ">&-" "</dev/null" "<'$BATS_FILE_TMPDIR/100.pcap'"; do
		run own_pid_helper "$fd3" -socket "$SOCK" </dev/null
		assert_equal "$status" 64
		assert_output --partial "LISTEN_FDS=1 but fd 3 is not a connected socket"
		assert_equal "${#lines[@]}" 1
	done
	# It gave up before connecting: the hub never saw a client.
	assert_equal "$(log_count "$HUB_LOG" 'client connected')" 0
}

@test "finding 5: LISTEN_FDS leaked from a parent (LISTEN_PID unset or not ours) is ignored, as sd_listen_fds does" {
	start_hub -n -listen none -socket "$SOCK" -cmd "$(gated_cat "$BATS_FILE_TMPDIR/5k.pcap")"
	# fd 3 closed: the old helper took its own hub connection (fd 3) as the client.
	env LISTEN_FDS=1 timeout 20 "$HELPER" -socket "$SOCK" 3>&- </dev/null >"$BATS_TEST_TMPDIR/a.pcap" 2>"$BATS_TEST_TMPDIR/a.log" &
	local a=$!
	env LISTEN_FDS=1 LISTEN_PID=1 timeout 20 "$HELPER" -socket "$SOCK" 3>&- </dev/null >"$BATS_TEST_TMPDIR/b.pcap" 2>"$BATS_TEST_TMPDIR/b.log" &
	local b=$!
	PIDS+=("$a" "$b")
	wait_clients 2
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	local sa=0 sb=0
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	cat "$BATS_TEST_TMPDIR/a.log" "$BATS_TEST_TMPDIR/b.log"
	assert_equal "$sa" 0
	assert_equal "$sb" 0
	cmp "$BATS_FILE_TMPDIR/5k.pcap" "$BATS_TEST_TMPDIR/a.pcap"
	cmp "$BATS_FILE_TMPDIR/5k.pcap" "$BATS_TEST_TMPDIR/b.pcap"
}

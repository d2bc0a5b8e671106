#!/usr/bin/env bats
# What the fuzzers (tests/fuzz/, `make fuzz`) found, each fixed and kept
# fixed here against the real programs. Their inputs are also seeds of the
# harness that found them (tests/fuzz/corpus/).

load helpers
bats_require_minimum_version 1.5.0

HELPER="$BUILD/pcap-broker-helper"

# le32 N: N as 4 little-endian bytes, as printf escapes.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

# record CAPLEN BYTE: a host-order record header and CAPLEN copies of BYTE.
record() { printf "$(le32 1)$(le32 0)$(le32 "$1")$(le32 "$1")"; head -c "$1" /dev/zero | tr '\0' "$2"; }

@test "fuzz finding (helper_fuzz): the records that came in one read with a bad one reach the client, then status 65" {
	local sock="$BATS_TEST_TMPDIR/hub.sock" stream="$BATS_TEST_TMPDIR/stream" want="$BATS_TEST_TMPDIR/want"
	# A hub stream with snaplen 100: two good records, then caplen 200.
	{ printf "$(le32 0xa1b2c3d4)\\x02\\x00\\x04\\x00$(le32 0)$(le32 0)$(le32 100)$(le32 1)"
	  record 20 a; record 30 b; } >"$want"
	{ cat "$want"; record 200 c; } >"$stream"
	socat -u "OPEN:$stream" "UNIX-LISTEN:$sock" &
	PIDS+=("$!")
	wait_until 10 test -S "$sock"
	local status=0
	"$HELPER" -socket "$sock" -snaplen 1000 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || status=$?
	assert_equal "$status" 65
	grep -q "caplen 200, beyond its snaplen" "$BATS_TEST_TMPDIR/err"
	cmp "$want" "$BATS_TEST_TMPDIR/out"
}

@test "fuzz finding (units_fuzz): a duration or size with a sign or a leading space is refused, not wrapped" {
	local v
	for v in ' -1ms' '-1ms' '+5s' ' 5s' $'\t5'; do
		run --separate-stderr "$HUB" -n -listen none -drain "$v" -cmd true
		[ "$status" -eq 64 ] || { echo "-drain '$v': status $status"; return 1; }
		[[ "$stderr" == *"invalid value '$v' for -drain"* ]]
		PCAP_BROKER_STALL_TIMEOUT="$v" run --separate-stderr "$HUB" -n -listen none -cmd true
		[ "$status" -eq 64 ] || { echo "PCAP_BROKER_STALL_TIMEOUT='$v': status $status"; return 1; }
	done
	run --separate-stderr "$HUB" -n -listen none -buffer ' 64M' -cmd true
	assert_equal "$status" 64
}

@test "make fuzz-smoke: every fuzz harness runs over its seeds without a finding" {
	[ -z "${PCAP_BROKER_SANITIZED:-}" ] || skip "the harnesses are sanitized builds already"
	run make -C "$ROOT" -s fuzz-smoke
	assert_success
}

@test "docs/fuzzing.md recipes: make fuzz FUZZ_TIME= FUZZERS= runs those harnesses; a harness replays an input" {
	[ -z "${PCAP_BROKER_SANITIZED:-}" ] || skip "the harnesses are sanitized builds already"
	run make -C "$ROOT" -s fuzz FUZZ_TIME=1 FUZZERS="units sockaddr"
	assert_success
	assert_line --partial "# fuzz units for 1 s"
	assert_line --partial "# fuzz sockaddr for 1 s"
	assert_line --regexp '^stat::number_of_executed_units: [1-9]'
	refute_line --partial "# fuzz acl"
	run "$ROOT/build/fuzz/units_fuzz" "$ROOT/tests/fuzz/corpus/units/finding-space-minus-1ms"
	assert_success
	assert_output --partial "Executed $ROOT/tests/fuzz/corpus/units/finding-space-minus-1ms"
}

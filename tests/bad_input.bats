#!/usr/bin/env bats
# Each malformed stream gives its one-line error with a byte offset, exit 65,
# and clients only ever see whole, valid records.

load helpers

# le32 N: four little-endian bytes, as printf escapes.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
pcap_header() { printf "\xd4\xc3\xb2\xa1\x02\x00\x04\x00$(le32 0)$(le32 0)$(le32 "$1")$(le32 1)"; }

# expect_bad FILE MESSAGE: the hub fed FILE exits 65 with MESSAGE in its log.
expect_bad() {
	start_hub -n -listen 127.0.0.1:0 -cmd "cat '$1'"
	hub_exit
	assert_equal "$HUB_STATUS" 65
	run grep -F -- "$2" "$HUB_LOG"
	assert_success
	assert_equal "${#lines[@]}" 1
}

@test "empty stream" {
	: > "$BATS_TEST_TMPDIR/in"
	expect_bad "$BATS_TEST_TMPDIR/in" "empty capture stream: no pcap header at byte offset 0"
}

@test "not pcap: bad magic" {
	printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' > "$BATS_TEST_TMPDIR/in"
	expect_bad "$BATS_TEST_TMPDIR/in" "not a pcap stream: bad magic 0x20544547 at byte offset 0"
}

@test "truncated header" {
	pcap_header 65535 | head -c 10 > "$BATS_TEST_TMPDIR/in"
	expect_bad "$BATS_TEST_TMPDIR/in" "truncated pcap header: 10 of 24 bytes at byte offset 0"
}

@test "unsupported version" {
	printf "\xd4\xc3\xb2\xa1\x01\x00\x00\x00$(le32 0)$(le32 0)$(le32 65535)$(le32 1)" > "$BATS_TEST_TMPDIR/in"
	expect_bad "$BATS_TEST_TMPDIR/in" "unsupported pcap version 1.0 at byte offset 4"
}

@test "truncated record" {
	"$GEN" -c 10 | head -c 1000 > "$BATS_TEST_TMPDIR/in"
	expect_bad "$BATS_TEST_TMPDIR/in" "truncated record: stream ended"
}

@test "caplen larger than snaplen" {
	{ pcap_header 100; printf "$(le32 1)$(le32 0)$(le32 200)$(le32 200)"; head -c 200 /dev/zero; } > "$BATS_TEST_TMPDIR/in"
	expect_bad "$BATS_TEST_TMPDIR/in" "record caplen 200 exceeds snaplen 100 at byte offset 24"
}

@test "absurd caplen" {
	{ pcap_header 0; printf "$(le32 1)$(le32 0)$(le32 4000000000)$(le32 60)"; } > "$BATS_TEST_TMPDIR/in"
	expect_bad "$BATS_TEST_TMPDIR/in" "absurd record caplen 4000000000 (limit 262144) at byte offset 24"
}

@test "a client connected during a fault gets only the whole records before it" {
	"$GEN" -c 1000 > "$BATS_TEST_TMPDIR/in"
	good=$(stat -c %s "$BATS_TEST_TMPDIR/in")
	printf "$(le32 1)$(le32 0)$(le32 999999)$(le32 60)garbage-after-the-fault" >> "$BATS_TEST_TMPDIR/in"
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_TEST_TMPDIR/in")"
	client "$BATS_TEST_TMPDIR/out"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 65
	grep -q "absurd record caplen 999999 (limit 262144) at byte offset $good" "$HUB_LOG"
	run "$VERIFY" -contiguous -count 1000 < "$BATS_TEST_TMPDIR/out"
	assert_success
	assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/out")" "$good"
}

@test "a capture command that fails before any output reports its own status" {
	start_hub -n -listen 127.0.0.1:0 -cmd "echo 'tcpdump: eth9: No such device exists' >&2; exit 1"
	hub_exit
	assert_equal "$HUB_STATUS" 1
	grep -q "tcpdump: eth9: No such device exists source=capture" "$HUB_LOG"
	grep -q "capture command failed status=1" "$HUB_LOG"
}

#!/usr/bin/env bats
# The bad-input table of docs/formats.md, row by row: each malformed stream gives its
# one-line error naming the byte offset, exit status 65, and a client that was
# connected throughout receives exactly the whole records before the fault
# (compared byte for byte), never part of one.

load helpers

NGGEN="$BUILD/tools/pcapnggen"

# Little-endian fields as printf escapes.
le16() { printf '\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
zeros() { head -c "$1" /dev/zero; }
shb() { printf "$(le32 0x0a0d0d0a)$(le32 28)$(le32 0x1a2b3c4d)$(le16 "${1:-1}")$(le16 0)$(le32 -1)$(le32 -1)$(le32 28)"; }
idb() { printf "$(le32 1)$(le32 20)$(le16 "$1")$(le16 0)$(le32 "$2")$(le32 20)"; }
# epb IFACE CAPLEN BODYLEN: an EPB whose block claims BODYLEN bytes of packet.
epb() {
	printf "$(le32 6)$(le32 $((32 + $3)))$(le32 "$1")$(le32 0)$(le32 0)$(le32 "$2")$(le32 "$2")"
	zeros "$3"
	printf "$(le32 $((32 + $3)))"
}

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	"$GEN" -c 5 > "$d/c5.pcap"
	"$NGGEN" < "$d/c5.pcap" > "$d/ng5.pcapng"
	"$NGGEN" -snaplen 2000 < "$d/c5.pcap" > "$d/ng5-snap2000.pcapng"
	"$GEN" -c 5 -snaplen 100 > "$d/c5-snap100.pcap"
	: > "$d/nothing"
}

# bad PREFIX FAULT_CMD MESSAGE WANT: the stream PREFIX then FAULT_CMD's bytes
# must fail with "MESSAGE at byte offset <size of PREFIX>" (or the N of a
# MESSAGE ending in " at N"); a client connected throughout gets WANT.
bad() {
	local prefix="$1" fault="$2" msg="$3" want="$4" in="$BATS_TEST_TMPDIR/in"
	{ cat "$prefix"; eval "$fault"; } > "$in"
	local off
	off=$(stat -c %s "$prefix")
	if [[ "$msg" =~ ^(.*)\ at\ ([0-9]+)$ ]]; then # an offset other than the prefix's end
		msg="${BASH_REMATCH[1]}"
		off="${BASH_REMATCH[2]}"
	fi
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$in")"
	client "$BATS_TEST_TMPDIR/out"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 65
	run grep -cF -- "bad capture stream reason=\"$msg at byte offset $off\"" "$HUB_LOG"
	[ "$output" = 1 ] || { cat "$HUB_LOG"; false; }
	wait_until 10 bash -c "! kill -0 ${PIDS[-1]} 2>/dev/null"
	cmp "$want" "$BATS_TEST_TMPDIR/out"
	if [ -s "$want" ]; then "$VERIFY" < "$BATS_TEST_TMPDIR/out"; fi
}

F="$BATS_FILE_TMPDIR"

# classic pcap

@test "empty stream" {
	bad "$F/nothing" ":" "empty capture stream: no pcap header" "$F/nothing"
}

@test "bad magic" {
	bad "$F/nothing" "printf 'GET / HTTP/1.1\r\n\r\n'" "not a pcap stream: bad magic 0x20544547" "$F/nothing"
}

@test "truncated pcap header" {
	bad "$F/nothing" "head -c 10 '$F/c5.pcap'" "truncated pcap header: 10 of 24 bytes at 0" "$F/nothing"
}

@test "unsupported pcap version" {
	bad "$F/nothing" "printf '\xd4\xc3\xb2\xa1\x01\x00\x00\x00'; zeros 16" "unsupported pcap version 1.0 at 4" "$F/nothing"
}

@test "classic record caplen above the snaplen" {
	bad "$F/c5-snap100.pcap" "printf '$(le32 1)$(le32 0)$(le32 200)$(le32 200)'; zeros 200" \
		"record caplen 200 exceeds snaplen 100" "$F/c5-snap100.pcap"
}

@test "classic record with an absurd caplen" {
	bad "$F/c5.pcap" "printf '$(le32 1)$(le32 0)$(le32 4000000000)$(le32 60)'" \
		"absurd record caplen 4000000000 (limit 262144)" "$F/c5.pcap"
}

@test "classic stream ends inside a record" {
	bad "$F/c5.pcap" "printf '$(le32 1)$(le32 0)$(le32 60)$(le32 60)'; zeros 7" \
		"truncated record: stream ended 23 bytes into it" "$F/c5.pcap"
}

# pcapng

@test "pcapng block length not a multiple of 4" {
	bad "$F/ng5.pcapng" "printf '$(le32 6)$(le32 30)'; zeros 22" \
		"pcapng block length 30 is not a multiple of 4" "$F/c5.pcap"
}

@test "pcapng block length too small" {
	bad "$F/ng5.pcapng" "printf '$(le32 0x99)$(le32 8)$(le32 8)'" \
		"pcapng block length 8 is too small (minimum 12)" "$F/c5.pcap"
}

@test "pcapng block length too large" {
	bad "$F/ng5.pcapng" "printf '$(le32 6)$(le32 2000000)'; zeros 100" \
		"pcapng block length 2000000 is too large (limit 1048576)" "$F/c5.pcap"
}

@test "pcapng trailing block length mismatch" {
	bad "$F/ng5.pcapng" "printf '$(le32 0x99)$(le32 16)$(le32 0)$(le32 20)'" \
		"pcapng block trailing length 20 does not match its length 16" "$F/c5.pcap"
}

@test "pcapng stream ends inside a block" {
	bad "$F/ng5.pcapng" "epb 0 60 60 | head -c 50" \
		"truncated pcapng block: stream ended 50 bytes into it" "$F/c5.pcap"
}

@test "pcapng packet for an unknown interface" {
	bad "$F/ng5.pcapng" "epb 7 0 0" "pcapng packet for unknown interface 7 (1 defined)" "$F/c5.pcap"
}

@test "pcapng packet before any interface description" {
	shb > "$BATS_TEST_TMPDIR/shb"
	bad "$BATS_TEST_TMPDIR/shb" "epb 0 0 0" \
		"pcapng packet block before any interface description block" "$F/nothing"
}

@test "pcapng section without any interface" {
	bad "$F/nothing" "shb" "pcapng stream has no interface description block at 28" "$F/nothing"
}

@test "pcapng packet whose caplen overruns its block" {
	bad "$F/ng5.pcapng" "epb 0 100 20" "pcapng packet block: caplen 100 overruns the block" "$F/c5.pcap"
}

@test "pcapng packet with an absurd caplen" {
	bad "$F/ng5.pcapng" "epb 0 4000000000 20" "absurd record caplen 4000000000 (limit 262144)" "$F/c5.pcap"
}

@test "pcapng packet caplen above its interface's snaplen" {
	bad "$F/ng5-snap2000.pcapng" "epb 0 2100 2100" "record caplen 2100 exceeds snaplen 2000" \
		<(tail -c +25 "$F/c5.pcap" | cat <(head -c 16 "$F/c5.pcap"; printf "$(le32 2000)$(le32 1)") -)
}

@test "pcapng section header with a bad byte-order magic" {
	bad "$F/ng5.pcapng" "printf '$(le32 0x0a0d0d0a)$(le32 28)$(le32 0x11223344)'; zeros 16" \
		"pcapng section header: bad byte-order magic 0x11223344" "$F/c5.pcap"
}

@test "pcapng version other than 1.x" {
	bad "$F/ng5.pcapng" "shb 2" "unsupported pcapng version 2.0" "$F/c5.pcap"
}

@test "pcapng interfaces with different link types" {
	cat "$F/ng5.pcapng" > "$BATS_TEST_TMPDIR/prefix"
	shb >> "$BATS_TEST_TMPDIR/prefix"
	bad "$BATS_TEST_TMPDIR/prefix" "idb 101 0" \
		"pcapng interface 0 has link type 101 but the stream has 1: one pcap stream cannot carry both" "$F/c5.pcap"
}

@test "pcapng interface with a larger snaplen than the stream already announced" {
	cat "$F/ng5-snap2000.pcapng" > "$BATS_TEST_TMPDIR/prefix"
	shb >> "$BATS_TEST_TMPDIR/prefix"
	bad "$BATS_TEST_TMPDIR/prefix" "idb 1 0" \
		"pcapng interface 0 snaplen 262144 exceeds the stream's 2000 (set -snaplen)" \
		<(tail -c +25 "$F/c5.pcap" | cat <(head -c 16 "$F/c5.pcap"; printf "$(le32 2000)$(le32 1)") -)
}

@test "pcapng section with more than 4096 interfaces" {
	"$GEN" -c 0 | "$NGGEN" -ifaces 4097 > "$BATS_TEST_TMPDIR/in4097"
	bad "$F/nothing" "cat '$BATS_TEST_TMPDIR/in4097'" \
		"more than 4096 pcapng interfaces at $((28 + 4096 * 20))" "$F/nothing"
}

@test "pcapng interface option that overruns its block" {
	bad "$F/ng5.pcapng" "printf '$(le32 1)$(le32 24)$(le16 1)$(le16 0)$(le32 0)$(le16 9)$(le16 100)$(le32 24)'" \
		"interface description option 9 overruns its block" "$F/c5.pcap"
}

@test "pcapng if_tsresol finer than 10^-19 s" {
	bad "$F/ng5.pcapng" "printf '$(le32 1)$(le32 28)$(le16 1)$(le16 0)$(le32 0)$(le16 9)$(le16 1)\x14\0\0\0$(le32 28)'" \
		"unsupported if_tsresol" "$F/c5.pcap"
}

@test "pcapng if_tsoffset of the wrong length" {
	bad "$F/ng5.pcapng" "printf '$(le32 1)$(le32 28)$(le16 1)$(le16 0)$(le32 0)$(le16 14)$(le16 4)$(le32 0)$(le32 28)'" \
		"bad if_tsoffset length 4" "$F/c5.pcap"
}

@test "pcapng timestamp that classic pcap cannot carry" {
	cat "$F/ng5.pcapng" > "$BATS_TEST_TMPDIR/prefix"
	# A new section whose interface has if_tsoffset -2^40 s.
	shb >> "$BATS_TEST_TMPDIR/prefix"
	printf "$(le32 1)$(le32 36)$(le16 1)$(le16 0)$(le32 0)$(le16 14)$(le16 8)$(le32 0)$(le32 0xffffff00)$(le32 0)$(le32 36)" \
		>> "$BATS_TEST_TMPDIR/prefix"
	bad "$BATS_TEST_TMPDIR/prefix" "epb 0 0 0" "timestamp -1099511627776 s out of range for pcap" "$F/c5.pcap"
}

@test "unknown but well-formed pcapng blocks are skipped, not fatal" {
	{ cat "$F/ng5.pcapng"; printf "$(le32 0x4242)$(le32 20)$(le32 1)$(le32 2)$(le32 20)"; } > "$BATS_TEST_TMPDIR/in"
	start_hub -n -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_TEST_TMPDIR/in")"
	client "$BATS_TEST_TMPDIR/out"
	wait_clients 1
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	wait_until 10 bash -c "! kill -0 ${PIDS[-1]} 2>/dev/null"
	cmp "$F/c5.pcap" "$BATS_TEST_TMPDIR/out"
}

#!/usr/bin/env bats
# Every input format in, a classic pcap stream every real client accepts out.
# Each variant is served to three clients at once: tshark (packets and
# timestamps), socat | tcpdump (packet count), and a raw socat copy compared
# byte for byte with the expected classic file, which is the input itself or
# what editcap makes of it (an independent implementation of the conversion).

load helpers

NGGEN="$BUILD/tools/pcapnggen"

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	"$GEN" -c 300 > "$d/us.pcap"
	"$GEN" -c 300 -nano > "$d/ns.pcap"
	"$GEN" -c 300 -swap > "$d/us-swap.pcap"
	"$GEN" -c 300 -nano -swap > "$d/ns-swap.pcap"
	"$NGGEN" < "$d/us.pcap" > "$d/ng-single.pcapng"
	"$NGGEN" -ifaces 3 -tsresol 9 < "$d/ns.pcap" > "$d/ng-multi.pcapng"
	"$NGGEN" -swap -sections 3 -ifaces 2 -junk < "$d/us.pcap" > "$d/ng-swap-sections.pcapng"
	"$NGGEN" -block pb -tsresol 9 -tsoffset 1600000000 < "$d/ns.pcap" > "$d/ng-pb-offset.pcapng"
	"$NGGEN" -block spb < "$d/us.pcap" > "$d/ng-spb.pcapng"
	editcap -F pcapng "$d/us.pcap" "$d/editcap-us.pcapng"
	editcap -F pcapng "$d/ns.pcap" "$d/editcap-ns.pcapng"
	editcap -F pcap "$d/ns.pcap" "$d/ns-as-us.pcap"
	editcap -F pcap "$d/ng-spb.pcapng" "$d/spb-expected.pcap"
	"$GEN" -c 20 -size 100000 > "$d/big.pcap"
	editcap -F pcap -s 65535 "$d/big.pcap" "$d/big-65535.pcap"
}

# fields FILE: what tshark sees of each packet (time, lengths).
fields() {
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null
}

# serve IN WANT [HUB ARGS...]: serves IN to tshark, tcpdump and a raw copy;
# each must receive exactly WANT (a classic pcap file).
serve() {
	local in="$1" want="$2" t="$BATS_TEST_TMPDIR"; shift 2
	start_hub -n -listen 127.0.0.1:0 "$@" -cmd "$(gated_cat "$in")"
	client "$t/raw.pcap"
	(socat -u "TCP:127.0.0.1:$PORT" - | tcpdump -n -r - 2>/dev/null | wc -l > "$t/tcpdump.count") &
	local tcpdump_pid=$!; PIDS+=("$tcpdump_pid")
	timeout 60 tshark -i "TCP@127.0.0.1:$PORT" -w "$t/tshark.pcapng" 2>"$t/tshark.err" &
	local tshark_pid=$!; PIDS+=("$tshark_pid")
	wait_clients 3
	open_gate
	hub_exit
	wait "$tshark_pid"
	wait "$tcpdump_pid"
	assert_equal "$HUB_STATUS" 0
	cmp "$want" "$t/raw.pcap"
	local count
	count=$(capinfos -c -M "$want" | grep -oE '[0-9]+$')
	assert_equal "$(cat "$t/tcpdump.count")" "$count"
	fields "$want" > "$t/want.fields"
	fields "$t/tshark.pcapng" > "$t/got.fields"
	assert_equal "$(wc -l < "$t/got.fields")" "$count"
	diff "$t/want.fields" "$t/got.fields"
}

@test "classic pcap, microseconds" {
	serve "$BATS_FILE_TMPDIR/us.pcap" "$BATS_FILE_TMPDIR/us.pcap"
}

@test "classic pcap, nanoseconds" {
	serve "$BATS_FILE_TMPDIR/ns.pcap" "$BATS_FILE_TMPDIR/ns.pcap"
}

@test "classic pcap, byte-swapped microseconds, comes out in host order" {
	serve "$BATS_FILE_TMPDIR/us-swap.pcap" "$BATS_FILE_TMPDIR/us.pcap"
}

@test "classic pcap, byte-swapped nanoseconds, comes out in host order" {
	serve "$BATS_FILE_TMPDIR/ns-swap.pcap" "$BATS_FILE_TMPDIR/ns.pcap"
}

@test "pcapng, one interface" {
	serve "$BATS_FILE_TMPDIR/ng-single.pcapng" "$BATS_FILE_TMPDIR/us.pcap"
}

@test "pcapng, three interfaces of one link type, nanosecond if_tsresol" {
	serve "$BATS_FILE_TMPDIR/ng-multi.pcapng" "$BATS_FILE_TMPDIR/ns.pcap"
}

@test "pcapng, byte-swapped, three sections, two interfaces, options and unknown blocks skipped" {
	serve "$BATS_FILE_TMPDIR/ng-swap-sections.pcapng" "$BATS_FILE_TMPDIR/us.pcap"
}

@test "pcapng, old Packet Blocks with if_tsoffset honoured" {
	serve "$BATS_FILE_TMPDIR/ng-pb-offset.pcapng" "$BATS_FILE_TMPDIR/ns.pcap"
}

@test "pcapng, Simple Packet Blocks (no timestamps), as editcap converts them" {
	serve "$BATS_FILE_TMPDIR/ng-spb.pcapng" "$BATS_FILE_TMPDIR/spb-expected.pcap"
}

@test "pcapng made by editcap -F pcapng from a microsecond capture" {
	serve "$BATS_FILE_TMPDIR/editcap-us.pcapng" "$BATS_FILE_TMPDIR/us.pcap"
}

@test "pcapng made by editcap -F pcapng from a nanosecond capture" {
	serve "$BATS_FILE_TMPDIR/editcap-ns.pcapng" "$BATS_FILE_TMPDIR/ns.pcap"
}

@test "-precision micro converts nanosecond input as editcap does" {
	serve "$BATS_FILE_TMPDIR/ns.pcap" "$BATS_FILE_TMPDIR/ns-as-us.pcap" -precision micro
}

@test "-precision micro converts nanosecond pcapng input" {
	serve "$BATS_FILE_TMPDIR/editcap-ns.pcapng" "$BATS_FILE_TMPDIR/ns-as-us.pcap" -precision micro
}

@test "PCAP_BROKER_PRECISION=nano converts microsecond input" {
	editcap -F nsecpcap "$BATS_FILE_TMPDIR/us.pcap" "$BATS_TEST_TMPDIR/us-as-ns.pcap"
	PCAP_BROKER_PRECISION=nano serve "$BATS_FILE_TMPDIR/us.pcap" "$BATS_TEST_TMPDIR/us-as-ns.pcap"
}

@test "-snaplen 65535 clamps records above it, keeps their length, and says so in the header" {
	serve "$BATS_FILE_TMPDIR/big.pcap" "$BATS_FILE_TMPDIR/big-65535.pcap" -snaplen 65535
	tshark -r "$BATS_TEST_TMPDIR/raw.pcap" -T fields -e frame.cap_len -e frame.len \
		2>/dev/null > "$BATS_TEST_TMPDIR/lens"
	assert_equal "$(sort -u "$BATS_TEST_TMPDIR/lens")" "$(printf '65535\t100000')"
	assert_equal "$(od -An -tu4 -j16 -N4 "$BATS_TEST_TMPDIR/raw.pcap" | tr -d ' ')" 65535
}

@test "PCAP_BROKER_SNAPLEN clamps pcapng input" {
	"$NGGEN" < "$BATS_FILE_TMPDIR/big.pcap" > "$BATS_TEST_TMPDIR/big.pcapng"
	PCAP_BROKER_SNAPLEN=65535 serve "$BATS_TEST_TMPDIR/big.pcapng" "$BATS_FILE_TMPDIR/big-65535.pcap"
}

@test "pcapng written by dumpcap (tshark -i TCP@, with its own section and interface options) is served back unchanged" {
	serve "$BATS_FILE_TMPDIR/ns.pcap" "$BATS_FILE_TMPDIR/ns.pcap"
	mv "$BATS_TEST_TMPDIR/tshark.pcapng" "$BATS_TEST_TMPDIR/dumpcap.pcapng"
	grep -q Dumpcap "$BATS_TEST_TMPDIR/dumpcap.pcapng"
	rm "$BATS_TEST_TMPDIR/go"
	HUB_LOG="$BATS_TEST_TMPDIR/hub2.log" # a fresh log: never read the first hub's
	serve "$BATS_TEST_TMPDIR/dumpcap.pcapng" "$BATS_FILE_TMPDIR/ns.pcap"
}

@test "native capture (-i) honours -snaplen and -precision too" {
	[ "$(id -u)" -eq 0 ] || skip "native capture needs root (CAP_NET_RAW); CI runs as root"
	udp=$(( 20000 + RANDOM % 20000 ))
	start_hub -n -listen 127.0.0.1:0 -i lo -f "udp dst port $udp" -snaplen 60 -precision micro
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	wait_until 5 test -s "$BATS_TEST_TMPDIR/out.pcap" # header arrived
	for i in $(seq 1 5); do head -c 200 /dev/zero | socat -u - "UDP:127.0.0.1:$udp"; done
	wait_until 10 bash -c "[ \$(tcpdump -nr '$BATS_TEST_TMPDIR/out.pcap' 2>/dev/null | wc -l) -ge 5 ]"
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$(od -An -tx4 -N4 "$BATS_TEST_TMPDIR/out.pcap" | tr -d ' ')" a1b2c3d4
	assert_equal "$(od -An -tu4 -j16 -N4 "$BATS_TEST_TMPDIR/out.pcap" | tr -d ' ')" 60
	tshark -r "$BATS_TEST_TMPDIR/out.pcap" -T fields -e frame.cap_len -e frame.len 2>/dev/null \
		> "$BATS_TEST_TMPDIR/lens"
	assert_equal "$(sort -u "$BATS_TEST_TMPDIR/lens")" "$(printf '60\t242')"
}

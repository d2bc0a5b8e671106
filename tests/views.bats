#!/usr/bin/env bats
# Views (-view, PCAP_BROKER_VIEW_<NAME>): one hub, one capture, every
# consumer gets the stream it needs. Each view's stream is compared byte for
# byte with what an independent tool makes of the same input file (tcpdump
# -w, editcap, tcprewrite --dlt=enet), and read by real clients (tshark -i
# TCP@, tcpdump -r -), all connected at once before the capture starts.

load helpers

HELPER="$BUILD/pcap-broker-helper"
REWRITE="$ROOT/tests/tools/tcprewrite-ref"

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	"$GEN" -c 3000 -nano -dns-every 7 > "$d/ns.pcap"
	tcpdump --time-stamp-precision=nano -r "$d/ns.pcap" -w "$d/dns.ref" 'udp port 53' 2>/dev/null
	editcap -F nsecpcap -s 96 "$d/ns.pcap" "$d/snap96.ref"
	editcap -F pcap "$d/ns.pcap" "$d/micro.ref"
	editcap -F pcap -s 65535 "$d/ns.pcap" "$d/arkime.ref"
}

# view_port NAME: the port of view NAME's first TCP listener.
view_port() {
	grep -E "listening.*addr=.* view=$1( |$)" "$HUB_LOG" | head -1 | grep -oE 'addr=[^ ]+' | grep -oE '[0-9]+$'
}

# reader ADDRESS FILE: a client (socat ADDRESS) saving the stream to FILE;
# wait_readers waits for every one to have written all it got.
READERS=()
reader() {
	socat -u "$1" "OPEN:$2,creat,trunc" &
	READERS+=("$!")
	PIDS+=("$!")
}
wait_readers() {
	local p
	for p in "${READERS[@]}"; do wait "$p" || true; done
	READERS=()
}

# run_to_end N: once N clients are connected, the capture runs; the hub
# must exit 0 and every reader have written all it got.
run_to_end() {
	wait_clients "$1"
	open_gate
	hub_exit
	wait_readers
	assert_equal "$HUB_STATUS" 0
}

# readers NAME PORT: a raw copy ($t/NAME.raw), tcpdump -r - (its text in
# $t/NAME.tcpdump) and tshark -i TCP@ ($t/NAME.pcapng) on PORT.
readers() {
	local t="$BATS_TEST_TMPDIR"
	socat -u -b 262144 "TCP:127.0.0.1:$2" "OPEN:$t/$1.raw,creat,trunc" &
	READERS+=("$!")
	PIDS+=("$!")
	(socat -u "TCP:127.0.0.1:$2" - | tcpdump -n -r - > "$t/$1.tcpdump" 2>/dev/null) &
	READERS+=("$!")
	PIDS+=("$!")
	timeout 60 tshark -i "TCP@127.0.0.1:$2" -w "$t/$1.pcapng" 2>"$t/$1.tshark.err" &
	READERS+=("$!")
	PIDS+=("$!")
}

fields() {
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e eth.type -e ip.src 2>/dev/null
}

# check NAME WANT: the three readers of view NAME got exactly WANT.
check() {
	local t="$BATS_TEST_TMPDIR"
	cmp "$2" "$t/$1.raw"
	tcpdump -n -r "$2" 2>/dev/null > "$t/$1.want.tcpdump"
	diff "$t/$1.want.tcpdump" "$t/$1.tcpdump"
	fields "$2" > "$t/$1.want.fields"
	fields "$t/$1.pcapng" > "$t/$1.got.fields"
	[ -s "$t/$1.want.fields" ]
	diff "$t/$1.want.fields" "$t/$1.got.fields"
}

# matrix IN VIEW=WANT...: serves IN with one view per VIEW ("default" is
# the hub's own listener), three readers each, then checks each against WANT.
matrix() {
	local in="$1" spec args=() name
	shift
	READERS=()
	for spec in "$@"; do
		name=${spec%%=*}
		[ "$name" = default ] || args+=(-view "$name: listen=127.0.0.1:0; ${VIEWS[$name]}")
	done
	start_hub -n -listen 127.0.0.1:0 "${args[@]}" -cmd "$(gated_cat "$in")"
	for spec in "$@"; do
		name=${spec%%=*}
		if [ "$name" = default ]; then readers default "$PORT"; else readers "$name" "$(view_port "$name")"; fi
	done
	wait_clients $((3 * $#))
	open_gate
	hub_exit
	local p
	for p in "${READERS[@]}"; do wait "$p"; done
	assert_equal "$HUB_STATUS" 0
	for spec in "$@"; do check "${spec%%=*}" "${spec#*=}"; done
}

declare -gA VIEWS=(
	[dns]="filter=udp port 53"
	[snap96]="snaplen=96"
	[micro]="precision=micro"
	[ether]="linktype=ether"
	[full]=""
	[v6]="filter=ip6"
)

@test "views matrix: full, udp port 53, snaplen 96, precision micro from one nanosecond capture, all at once" {
	local d="$BATS_FILE_TMPDIR"
	matrix "$d/ns.pcap" default="$d/ns.pcap" full="$d/ns.pcap" dns="$d/dns.ref" snap96="$d/snap96.ref" micro="$d/micro.ref"
	run grep -c 'client disconnected' "$HUB_LOG"
	assert_output 15
}

# capture_any DLT FILE [SNAPLEN]: a real tcpdump -i any capture with link
# type DLT of UDP over IPv4 and IPv6 on loopback, DNS (port 53) among it.
# The matrix uses snaplen 65535: then the converted header's snaplen is
# tcprewrite's too (with a larger one, linkconv announces the longest
# converted record instead, docs/linktype.md).
capture_any() {
	[ "$(id -u)" -eq 0 ] || skip "tcpdump -i any needs root (CAP_NET_RAW); CI runs as root"
	local port
	port=$("$BUILD/tools/freeport")
	timeout 30 tcpdump -i any -y "$1" -s "${3:-65535}" -U -c 40 -w "$2" "udp and (port $port or port 53)" \
		2>"$BATS_TEST_TMPDIR/tcpdump.err" &
	local pid=$!
	PIDS+=("$pid")
	wait_until 10 log_has "$BATS_TEST_TMPDIR/tcpdump.err" 'listening on'
	local i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 500 ]; do
		echo "datagram $i" | socat -u - "UDP:127.0.0.1:$port" 2>/dev/null || true
		echo "datagram6 $i" | socat -u - "UDP6:[::1]:$port" 2>/dev/null || true
		[ $((i % 3)) -ne 0 ] || echo "query $i" | socat -u - "UDP:127.0.0.1:53" 2>/dev/null || true
		i=$((i + 1))
	done
	wait "$pid"
	[ "$(capinfos -c -M "$2" | grep -oE '[0-9]+$')" -eq 40 ]
}

@test "views matrix: SLL from tcpdump -i any to Ethernet as tcprewrite --dlt=enet writes it, ip6 on SLL, full" {
	local t="$BATS_TEST_TMPDIR"
	capture_any LINUX_SLL "$t/sll.pcap"
	"$REWRITE" --dlt=enet --infile="$t/sll.pcap" --outfile="$t/sll-ether.ref"
	tcpdump -r "$t/sll.pcap" -w "$t/sll-v6.ref" ip6 2>/dev/null
	matrix "$t/sll.pcap" default="$t/sll.pcap" ether="$t/sll-ether.ref" v6="$t/sll-v6.ref"
}

@test "views matrix: SLL2 from tcpdump -i any to Ethernet as tcprewrite --dlt=enet writes it" {
	local t="$BATS_TEST_TMPDIR"
	capture_any LINUX_SLL2 "$t/sll2.pcap"
	"$REWRITE" --dlt=enet --infile="$t/sll2.pcap" --outfile="$t/sll2-ether.ref"
	matrix "$t/sll2.pcap" default="$t/sll2.pcap" ether="$t/sll2-ether.ref"
}

@test "a view from PCAP_BROKER_VIEW_<NAME>; a -view of the same name wins" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR"
	PCAP_BROKER_VIEW_DNS="filter=udp port 53; listen=127.0.0.1:0" \
		PCAP_BROKER_VIEW_snap="snaplen=1; listen=127.0.0.1:0" \
		start_hub -n -listen none -view 'snap: snaplen=96; listen=127.0.0.1:0' -cmd "$(gated_cat "$d/ns.pcap")"
	reader "TCP:127.0.0.1:$(view_port DNS)" "$t/dns.raw"
	reader "TCP:127.0.0.1:$(view_port snap)" "$t/snap.raw"
	run_to_end 2
	cmp "$d/dns.ref" "$t/dns.raw"
	cmp "$d/snap96.ref" "$t/snap.raw"
}

@test "a view on a socket systemd passes with FileDescriptorName=NAME" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR"
	HUB_LOG="$t/hub.log"
	# It execs the hub at the first connection, on the same pid.
	listen_on "$HUB_LOG" 'Listening on' systemd-socket-activate -l 127.0.0.1:@PORT@ --fdname=dns \
		"$HUB" -n -view 'dns: filter=udp port 53' -cmd "$(gated_cat "$d/ns.pcap")"
	reader "TCP:127.0.0.1:$LPORT" "$t/dns.raw"
	wait_until 10 log_has "$HUB_LOG" 'ready'
	wait_clients 1
	open_gate
	HUB_PID=$LPID
	hub_exit
	wait_readers
	assert_equal "$HUB_STATUS" 0
	grep -q 'serving a socket passed by systemd.*name=dns.*view=dns' "$HUB_LOG"
	cmp "$d/dns.ref" "$t/dns.raw"
}

@test "a helper asks for a view by name (-view, PCAP_BROKER_VIEW); its own -snaplen still applies" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" sock="$BATS_TEST_TMPDIR/hub.sock"
	start_hub -n -listen none -socket "$sock" -view 'dns: filter=udp port 53' -cmd "$(gated_cat "$d/ns.pcap")"
	listen_on "$t/socat.log" 'listening on' socat -d -d "TCP-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork" \
		"EXEC:$HELPER -socket $sock -view dns"
	reader "TCP:127.0.0.1:$LPORT" "$t/dns.raw"
	PCAP_BROKER_VIEW=dns "$HELPER" -socket "$sock" -snaplen 96 < /dev/null > "$t/dns96.raw" &
	PIDS+=("$!")
	run_to_end 2
	cmp "$d/dns.ref" "$t/dns.raw"
	editcap -F nsecpcap -s 96 "$d/dns.ref" "$t/dns96.ref"
	cmp "$t/dns96.ref" "$t/dns96.raw"
	grep -q 'client view id=[0-9]* view=dns' "$HUB_LOG"
}

@test "a helper asking for a view the hub does not have is refused with a log line" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" sock="$BATS_TEST_TMPDIR/hub.sock"
	start_hub -n -listen none -socket "$sock" -cmd "$(gated_cat "$d/ns.pcap")"
	# Refused before the capture starts: the helper gets no byte and ends.
	timeout 10 "$HELPER" -socket "$sock" -view nosuch < /dev/null > "$t/out"
	[ ! -s "$t/out" ]
	grep -q 'client refused: no such view.*view=nosuch' "$HUB_LOG"
	run "$HELPER" -view 'bad name'
	assert_failure 64
	assert_output --partial "invalid view name 'bad name'"
}

# bad_view MESSAGE ARGS...: the hub refuses ARGS with status 64 and MESSAGE.
bad_view() {
	local msg="$1"
	shift
	run "$HUB" -listen 127.0.0.1:0 -cmd 'sleep 5' "$@"
	assert_failure 64
	assert_output --partial "$msg"
	[ "${#lines[@]}" -eq 1 ]
}

@test "bad view: unknown setting" {
	bad_view "view 'dns': unknown setting 'fitler'" -view 'dns: fitler=udp port 53'
}

@test "bad view: bad snaplen" {
	bad_view "view 'x': bad snaplen=0" -view 'x: snaplen=0'
}

@test "bad view: bad precision" {
	bad_view "view 'x': bad precision=milli" -view 'x: precision=milli'
}

@test "bad view: bad linktype" {
	bad_view "view 'x': bad linktype=token-ring" -view 'x: linktype=token-ring'
}

@test "bad view: bad name" {
	bad_view "bad view name 'my-view'" -view 'my-view: snaplen=96'
}

@test "bad view: reserved name" {
	bad_view "bad view name 'metrics'" -view 'metrics: snaplen=96'
}

@test "bad view: duplicate name" {
	bad_view "view 'DNS': defined twice" -view 'dns: snaplen=96' -view 'DNS: snaplen=100'
}

@test "bad view: no NAME: prefix" {
	bad_view "invalid -view 'snaplen=96'" -view 'snaplen=96'
}

@test "bad view: a filter that compiles for no link type" {
	bad_view "view 'dns': filter does not compile:" -view 'dns: filter=udp prot 53'
}

@test "bad view: an environment variable with an unknown setting" {
	PCAP_BROKER_VIEW_zeek="snaplenn=65535" bad_view "view 'zeek': unknown setting 'snaplenn'"
}

@test "bad view: a listen address that is not one" {
	bad_view "view 'x': invalid listen address 'nope'" -view 'x: listen=nope'
}

@test "bad view: with -i the link type is known before the capture: status 64" {
	[ "$(id -u)" -eq 0 ] || skip "native capture needs root (CAP_NET_RAW); CI runs as root"
	# Ethernet addresses: not a syntax error, but -i any is Linux cooked.
	run "$HUB" -listen 127.0.0.1:0 -i any -view 'x: filter=ether host 02:00:00:00:00:01'
	assert_failure 64
	assert_output --regexp "view 'x': filter does not compile for link type (113|276): ethernet addresses supported only"
}

@test "a view that cannot serve the capture (known at its first header) closes its clients; other views go on" {
	local t="$BATS_TEST_TMPDIR" d="$BATS_FILE_TMPDIR"
	# 802.11 (link type 105): no Ethernet form.
	cp "$d/ns.pcap" "$t/wifi.pcap"
	printf '\x69\x00\x00\x00' | dd of="$t/wifi.pcap" bs=1 seek=20 conv=notrunc 2>/dev/null
	start_hub -n -listen 127.0.0.1:0 -view 'tulip: linktype=ether; listen=127.0.0.1:0' \
		-view 'eth: filter=mpls; listen=127.0.0.1:0' -cmd "$(gated_cat "$t/wifi.pcap")"
	reader "TCP:127.0.0.1:$(view_port tulip)" "$t/tulip.raw"
	reader "TCP:127.0.0.1:$(view_port eth)" "$t/eth.raw"
	reader "TCP:127.0.0.1:$PORT" "$t/all.raw"
	run_to_end 3
	grep -q "view cannot serve this capture; closing its clients view=tulip error=\"linktype=ether: link type 105 cannot be converted to Ethernet\"" "$HUB_LOG"
	grep -q "view cannot serve this capture; closing its clients view=eth error=\"filter does not compile for link type 105" "$HUB_LOG"
	grep -q 'reason=view failed' "$HUB_LOG"
	[ ! -s "$t/tulip.raw" ]
	[ ! -s "$t/eth.raw" ]
	cmp "$t/wifi.pcap" "$t/all.raw"
}

# doc_views: the -view settings of docs/views.md's four-consumer recipe, as
# NAME=SETTINGS lines, their listen= left out (the test picks ports).
doc_views() {
	awk '/<!-- recipe: one hub, four consumers/ { on = 1 } on && /^```$/ { n++; if (n == 2) exit } on && n == 1' \
		"$ROOT/docs/views.md" | grep -oE "^    -view '[^']+'" | sed -E "s/^    -view '([a-z]+): (.*)'$/\\1=\\2/; s/; listen=[^;]*//"
}

@test "docs/views.md recipe: Tulip, Arkime, Zeek and a DNS-only Wireshark from one tcpdump -i any (SLL2) hub" {
	local t="$BATS_TEST_TMPDIR" line
	run doc_views
	assert_equal "${#lines[@]}" 4
	for line in "${lines[@]}"; do VIEWS[${line%%=*}]=${line#*=}; done
	assert_equal "${VIEWS[tulip]}" "linktype=ether"
	capture_any LINUX_SLL2 "$t/any.pcap" 262144
	# tcprewrite announces snaplen 65535; linkconv the longest converted
	# record, 262144 - 20 + 14 (docs/linktype.md): the one deliberate byte.
	"$REWRITE" --dlt=enet --infile="$t/any.pcap" --outfile="$t/tulip.ref"
	printf '\xfa\xff\x03\x00' | dd of="$t/tulip.ref" bs=1 seek=16 conv=notrunc 2>/dev/null
	editcap -F pcap -s 65535 "$t/any.pcap" "$t/arkime.ref"
	editcap -F pcap -s 65535 "$t/tulip.ref" "$t/zeek.ref"
	tcpdump -r "$t/any.pcap" -w "$t/dns.ref" 'udp port 53' 2>/dev/null
	matrix "$t/any.pcap" tulip="$t/tulip.ref" arkime="$t/arkime.ref" zeek="$t/zeek.ref" dns="$t/dns.ref"
}

@test "docs/views.md recipe: the compose file's PCAP_BROKER_VIEW_ variables" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" v vars=()
	while IFS= read -r v; do
		vars+=("$v")
	done < <(sed -nE 's/^  (PCAP_BROKER_VIEW_[a-z]+): "(.*)"$/\1=\2/p' "$ROOT/docs/views.md" | sed -E 's/listen=0.0.0.0:[0-9]+/listen=127.0.0.1:0/')
	assert_equal "${#vars[@]}" 2
	env "${vars[@]}" "$HUB" -n -listen none -cmd "$(gated_cat "$d/ns.pcap")" 2>"$t/hub.log" &
	HUB_PID=$!
	PIDS+=("$HUB_PID")
	HUB_LOG="$t/hub.log"
	wait_until 10 log_has "$HUB_LOG" ready
	reader "TCP:127.0.0.1:$(view_port arkime)" "$t/arkime.raw"
	reader "TCP:127.0.0.1:$(view_port tulip)" "$t/tulip.raw"
	run_to_end 2
	cmp "$d/arkime.ref" "$t/arkime.raw"
	cmp "$d/ns.pcap" "$t/tulip.raw" # Ethernet already: unchanged
}

same_size() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$(stat -c %s "$2")" ]; }

# stats_of NAME SETTINGS IN WANT LINE: the hub serves IN through view NAME
# (SETTINGS) and stays up; its one client gets exactly WANT; then SIGUSR1
# logs LINE (a regex) for the view.
stats_of() {
	local t="$BATS_TEST_TMPDIR"
	start_hub -n -listen none -view "$1: $2; listen=127.0.0.1:0" -cmd "$(gated_cat "$3"); sleep 60"
	reader "TCP:127.0.0.1:$(view_port "$1")" "$t/$1.got"
	wait_clients 1
	open_gate
	wait_until 30 same_size "$t/$1.got" "$4"
	cmp "$4" "$t/$1.got"
	kill -USR1 "$HUB_PID"
	wait_until 10 log_has "$HUB_LOG" "$5"
}

@test "view counters: SIGUSR1 logs each view's clients, records, bytes and filtered records" {
	local d="$BATS_FILE_TMPDIR"
	stats_of dns 'filter=udp port 53' "$d/ns.pcap" "$d/dns.ref" \
		"view view=dns clients=1 accepted=1 records=429 bytes=$(stat -c %s "$d/dns.ref") dropped=0 filtered=2571 unconvertible=0"
}

@test "view clients that stall and resume get whole records, byte-exact: partial sends mid-record and mid-header" {
	local t="$BATS_TEST_TMPDIR" v
	"$GEN" -c 30000 -nano -dns-every 5 > "$t/big.pcap"
	tcpdump --time-stamp-precision=nano -r "$t/big.pcap" -w "$t/dns.ref" 'udp port 53' 2>/dev/null
	editcap -F pcap -s 96 "$t/big.pcap" "$t/snapmicro.ref"
	start_hub -n -listen none -view 'dns: filter=udp port 53; listen=127.0.0.1:0' \
		-view 'snapmicro: snaplen=96; precision=micro; listen=127.0.0.1:0' -cmd "$(gated_cat "$t/big.pcap")"
	# A tiny receive buffer, and a reader that sleeps before it drains the
	# pipe behind it: the hub's sends stop anywhere in a record, many times.
	local readers=()
	for v in dns snapmicro; do
		socat -u "TCP:127.0.0.1:$(view_port $v),rcvbuf=2048" \
			SYSTEM:"sleep 1; dd bs=1000 status=none > '$t/$v.raw'" &
		readers+=("$!")
		PIDS+=("$!")
	done
	run_to_end 2
	wait "${readers[@]}"
	cmp "$t/dns.ref" "$t/dns.raw"
	cmp "$t/snapmicro.ref" "$t/snapmicro.raw"
	refute grep -E 'dropped=[1-9]' "$HUB_LOG"
}

@test "linktype=ether: a record with no Ethernet form is counted as unconvertible and skipped, never sent half-done" {
	local t="$BATS_TEST_TMPDIR"
	capture_any LINUX_SLL "$t/sll.pcap"
	# Record 4's SLL protocol becomes 0x0004 (802.2 LLC): no Ethernet II type.
	local off=24 i caplen
	for i in 1 2 3; do
		caplen=$(od -An -tu4 -j $((off + 8)) -N4 "$t/sll.pcap" | tr -d ' ')
		off=$((off + 16 + caplen))
	done
	cp "$t/sll.pcap" "$t/bad.pcap"
	printf '\x00\x04' | dd of="$t/bad.pcap" bs=1 seek=$((off + 16 + 14)) conv=notrunc 2>/dev/null
	"$REWRITE" --dlt=enet --infile="$t/sll.pcap" --outfile="$t/all-ether.pcap"
	editcap -F pcap "$t/all-ether.pcap" "$t/want.pcap" 4 # the same, without record 4
	stats_of tulip linktype=ether "$t/bad.pcap" "$t/want.pcap" \
		"view view=tulip clients=1 accepted=1 records=39 .* filtered=0 unconvertible=1"
}

@test "a view on a Unix socket of its own (socket=), read with socat | tcpdump -r -" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR"
	start_hub -n -listen none -socket "$t/hub.sock" -view "dns: filter=udp port 53; socket=$t/dns.sock" \
		-cmd "$(gated_cat "$d/ns.pcap")"
	grep -q "listening addr=unix:$t/dns.sock view=dns" "$HUB_LOG"
	[ "$(stat -c %a "$t/dns.sock")" = 660 ]
	reader "UNIX-CONNECT:$t/dns.sock" "$t/dns.raw"
	(socat -u "UNIX-CONNECT:$t/dns.sock" - | tcpdump -nr - 2>/dev/null > "$t/dns.txt") &
	local reader=$!
	PIDS+=("$reader")
	run_to_end 2
	wait "$reader"
	cmp "$d/dns.ref" "$t/dns.raw"
	diff <(tcpdump -nr "$d/dns.ref" 2>/dev/null) "$t/dns.txt"
	[ ! -e "$t/dns.sock" ] && [ ! -e "$t/hub.sock" ] # both removed at exit
}

#!/usr/bin/env bats
# Link-type conversion to Ethernet (hub/linkconv.c) against Debian's
# tcprewrite 4.5.1 (tests/tools/tcprewrite-ref), byte for byte, on real
# captures made here and on edge-case records; docs/linktype.md.

load helpers

CONVERT="$BUILD/tools/linkconvert"
REF="$ROOT/tests/tools/tcprewrite-ref"
ZERO=00:00:00:00:00:00
# RAW, NULL and LOOP carry no MAC: tcprewrite needs both given.
NOMAC=(--enet-smac=$ZERO --enet-dmac=$ZERO)

setup_file() {
	"$ROOT/tests/tools/tcprewrite-ref" -V 2>&1 | grep -q 'tcprewrite version: 4\.5\.' ||
		{ echo "no tcprewrite 4.5 reference" >&3; return 1; }
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "captures need root (netns, CAP_NET_RAW); CI runs as root"
	NS=()
}

teardown() {
	local n
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
}

# netns NAME: a network namespace of this test, lo up; sets the variable NAME.
netns() {
	local n="pcblc$$-$1"
	ip netns add "$n"
	NS+=("$n")
	ip -n "$n" link set lo up
	printf -v "$1" %s "$n"
}

# capture NS OUT ARGS...: tcpdump in NS writing OUT; waits until it listens.
capture() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" tcpdump -Z root -U -w "$out" "$@" 2>"$out.log" &
	PIDS+=("$!")
	wait_until 10 grep -q "listening on" "$out.log"
}

# records FILE [FILTER]: how many records tcpdump reads (that match FILTER).
records() { tcpdump -r "$1" ${2:+"$2"} 2>/dev/null | grep -c '^[0-9]' || true; }

stop_captures() {
	local p
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
}

# both IN [TCPREWRITE ARGS...]: converts IN with tcprewrite and linkconvert;
# sets REF_OUT, OUR_OUT and CONVERTED, UNCONVERTIBLE from linkconvert.
both() {
	local in=$1
	shift
	REF_OUT="$in.tcprewrite.pcap" OUR_OUT="$in.linkconv.pcap"
	"$REF" --dlt=enet "$@" --skip-soft-errors -i "$in" -o "$REF_OUT" 2>"$in.ref.log"
	"$CONVERT" "$in" "$OUR_OUT" 2>"$in.our.log"
	CONVERTED=$(grep -oE 'converted=[0-9]+' "$in.our.log" | cut -d= -f2)
	UNCONVERTIBLE=$(grep -oE 'unconvertible=[0-9]+' "$in.our.log" | cut -d= -f2)
}

# same_records A B: identical but for the header's snaplen (bytes 16-19).
same_records() {
	cmp <(head -c 16 "$1") <(head -c 16 "$2") && cmp <(tail -c +21 "$1") <(tail -c +21 "$2")
}

snaplen_of() { od -An -tu4 -j16 -N4 "$1" | tr -d ' '; }

# An 802.3 frame with an LLC header (STP): Linux calls its protocol 0x0004
# (ETH_P_802_2), which has no Ethernet II type.
llc_frame() {
	printf '\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x00\x26\x42\x42\x03'
	head -c 43 /dev/zero
}

# Two namespaces joined by a veth pair: lo and va in A (captured with -i
# any), vb in B; IPv4 and IPv6 on lo, ICMP and ARP and IPv6 ND/MLD on the
# veth, 3 LLC frames from B.
traffic() {
	ip netns exec "$A" ping -c 2 -i 0.2 127.0.0.1 >/dev/null
	ip netns exec "$A" ping -c 2 -i 0.2 ::1 >/dev/null
	ip netns exec "$A" socat -u - UDP4-SENDTO:127.0.0.1:53 <<<"udp over lo"
	ip netns exec "$A" socat -u - UDP6-SENDTO:[::1]:53 <<<"udp6 over lo"
	ip netns exec "$A" socat -u TCP4-LISTEN:7777,reuseaddr OPEN:/dev/null &
	wait_until 10 bash -c "ip netns exec $A ss -ltn | grep -q :7777"
	ip netns exec "$A" socat -u - TCP4:127.0.0.1:7777 <<<"tcp over lo"
	wait $! || true
	ip netns exec "$A" ping -c 2 -i 0.2 10.77.0.2 >/dev/null
	llc_frame >"$BATS_TEST_TMPDIR/llc.frame" # one read, one frame
	for i in 1 2 3; do ip netns exec "$B" socat -u "OPEN:$BATS_TEST_TMPDIR/llc.frame" INTERFACE:vb; done
}

# all_sent FILE: the LLC frames, the ARP reply, the 4 IPv4 echo replies.
all_sent() {
	[ "$(records "$1" 'not (ip or ip6 or arp)')" -ge 3 ] && [ "$(records "$1" 'arp')" -ge 2 ] &&
		[ "$(records "$1" 'icmp[icmptype] == icmp-echoreply')" -ge 4 ]
}

veth_pair() {
	netns A
	netns B
	ip -n "$A" link add va type veth peer name vb netns "$B"
	ip -n "$A" addr add 10.77.0.1/24 dev va
	ip -n "$B" addr add 10.77.0.2/24 dev vb
	ip -n "$A" link set va up
	ip -n "$B" link set vb up
}

@test "linkconv: tcpdump -i any as LINUX_SLL and LINUX_SLL2, byte for byte as tcprewrite" {
	veth_pair
	T=$BATS_TEST_TMPDIR
	capture "$A" "$T/sll.pcap" -i any -y LINUX_SLL
	capture "$A" "$T/sll2.pcap" -i any -y LINUX_SLL2
	traffic
	# Everything sent is in both files (-U: each record written at once).
	for f in sll sll2; do
		wait_until 20 all_sent "$T/$f.pcap" || { tcpdump -r "$T/$f.pcap"; false; }
	done
	stop_captures
	vb_mac=$(ip -n "$B" -br link show vb | awk '{print $3}')
	for f in sll sll2; do
		both "$T/$f.pcap"
		total=$(records "$T/$f.pcap")
		# The LLC frames cannot be converted: skipped and counted.
		assert_equal "$UNCONVERTIBLE" 3
		assert_equal "$CONVERTED" $((total - 3))
		assert_equal "$(records "$REF_OUT")" "$CONVERTED"
		same_records "$REF_OUT" "$OUR_OUT"
		# tcprewrite writes snaplen 65535; readers would cut longer records.
		assert_equal "$(snaplen_of "$REF_OUT")" 65535
		[ "$f" = sll ] && want=262142 || want=262138
		assert_equal "$(snaplen_of "$OUR_OUT")" "$want"
		# What a consumer sees: Ethernet, ARP from the veth's real MAC, TCP.
		run tcpdump -enr "$OUR_OUT"
		assert_output --partial "link-type EN10MB"
		assert_output --regexp "$vb_mac > 00:00:00:00:00:00, ethertype ARP \(0x0806\).*Reply 10.77.0.2 is-at $vb_mac"
		assert_output --partial "ethertype IPv6 (0x86dd)"
		assert_output --partial "127.0.0.1.7777: Flags [S]"
		refute_output --partial "STP"
	done
}

@test "linkconv: a RAW capture of a tun device, and the same packets seen by -i any" {
	netns A
	T=$BATS_TEST_TMPDIR
	ip netns exec "$A" socat -u TUN:10.78.0.1/24,tun-name=pct0,iff-up,iff-no-pi OPEN:/dev/null &
	PIDS+=("$!")
	wait_until 10 ip -n "$A" link show pct0
	# The same filter on both: the tun may also send IPv6 of its own (MLD, RS).
	capture "$A" "$T/raw.pcap" -i pct0 host 10.78.0.2
	capture "$A" "$T/tun-sll2.pcap" -i any host 10.78.0.2
	ip netns exec "$A" ping -c 3 -i 0.2 -W 0.2 10.78.0.2 >/dev/null || true
	ip netns exec "$A" socat -u - UDP4-SENDTO:10.78.0.2:53 <<<"udp into the tunnel"
	wait_until 10 bash -c "[ \$(tcpdump -r $T/raw.pcap 2>/dev/null | grep -c 10.78.0.2) -ge 4 ] &&
		[ \$(tcpdump -r $T/tun-sll2.pcap 2>/dev/null | grep -c 10.78.0.2) -ge 4 ]"
	stop_captures
	run tcpdump -r "$T/raw.pcap"
	assert_output --partial "link-type RAW"
	both "$T/raw.pcap" "${NOMAC[@]}"
	assert_equal "$UNCONVERTIBLE" 0
	assert_equal "$CONVERTED" "$(records "$T/raw.pcap")"
	same_records "$REF_OUT" "$OUR_OUT"
	raw_ref=$REF_OUT
	# A tun device has no MAC: tcprewrite skips its SLL2 records; we convert
	# them as the raw IP they carry, the same frames as the tun's own capture.
	both "$T/tun-sll2.pcap"
	assert_equal "$(records "$REF_OUT")" 0
	assert_equal "$CONVERTED" "$(records "$T/tun-sll2.pcap")"
	# Two captures timestamp the same packet each on their own (a few us
	# apart): the frames must be the same bytes, the times may differ.
	cmp <(tcpdump -t -xx -nr "$raw_ref" 2>/dev/null) <(tcpdump -t -xx -nr "$OUR_OUT" 2>/dev/null)
}

# to_null V4 V6: tcpdump -xx of raw IP on stdin as text2pcap input, each
# record prefixed with the address family bytes V4 or V6.
to_null() {
	awk -v v4="$1" -v v6="$2" '
	function flush(   all, c, m, i) {
		if (hex == "") return
		all = (substr(hex, 2, 1) == "6" ? v6 : v4) hex
		m = split(all, c, " ")
		for (i = 1; i <= m; i++) {
			if ((i - 1) % 16 == 0) printf "%s%06x", (i > 1 ? "\n" : ""), i - 1
			printf " %s", c[i]
		}
		printf "\n"
		hex = ""
	}
	/^[ \t]+0x[0-9a-f]+:/ {
		for (i = 2; i <= NF; i++) {
			hex = hex " " substr($i, 1, 2)
			if (length($i) == 4) hex = hex " " substr($i, 3, 2)
		}
		next
	}
	{ flush() }
	END { flush() }'
}

@test "linkconv: NULL and LOOP (both byte orders) from real IP packets, byte for byte as tcprewrite" {
	veth_pair
	T=$BATS_TEST_TMPDIR
	capture "$A" "$T/sll.pcap" -i any -y LINUX_SLL 'ip or ip6'
	traffic
	wait_until 20 bash -c "[ \$(tcpdump -r $T/sll.pcap 2>/dev/null | grep -c 'ICMP echo reply') -ge 4 ]"
	stop_captures
	# The IP packets, without their cooked header, as raw IP (editcap).
	editcap -C 16 -T rawip "$T/sll.pcap" "$T/ip.pcap"
	n=$(records "$T/ip.pcap")
	[ "$n" -ge 12 ]
	# NULL as Linux writes it (host order, AF_INET6 10), as a big-endian
	# FreeBSD does (28), as macOS (30); LOOP in network order (OpenBSD, 24).
	for spec in "null-le 0 02_00_00_00 0a_00_00_00" "null-be 0 00_00_00_02 00_00_00_1c" \
		"null-mac 0 02_00_00_00 1e_00_00_00" "loop 108 00_00_00_02 00_00_00_18"; do
		set -- $spec
		tcpdump -r "$T/ip.pcap" -xx 2>/dev/null | to_null "${3//_/ }" "${4//_/ }" >"$T/$1.txt"
		text2pcap -q -F pcap -m 65000 -l "$2" "$T/$1.txt" "$T/$1.pcap"
		both "$T/$1.pcap" "${NOMAC[@]}"
		assert_equal "$CONVERTED" "$n"
		assert_equal "$UNCONVERTIBLE" 0
		# snaplen 65000: 65535 for both, the whole files are identical.
		cmp "$REF_OUT" "$OUR_OUT"
	done
	run tcpdump -enr "$OUR_OUT"
	assert_output --partial "ICMP echo request"
	assert_output --partial "> 33:33:" # IPv6 multicast (ND, MLD) gets 33:33:...
}

@test "linkconv: edge-case records convert or are skipped exactly as tcprewrite does" {
	. "$ROOT/tests/linkconv/edge.bash"
	T=$BATS_TEST_TMPDIR
	for spec in "sll 113 edge_sll" "sll2 276 edge_sll2" "raw 101 edge_raw" "raw12 12 edge_raw" \
		"raw14 14 edge_raw" "null 0 edge_null_le" "nullbe 0 edge_null_be" "loop 108 edge_null_be"; do
		set -- $spec
		case $1 in
		sll*) macs=() ;;
		*) macs=("${NOMAC[@]}") ;;
		esac
		"$3" >"$T/$1.txt"
		text2pcap -q -F pcap -m 65000 -l "$2" "$T/$1.txt" "$T/$1.pcap"
		both "$T/$1.pcap" "${macs[@]}"
		[ "$CONVERTED" -ge 4 ]
		[ "$UNCONVERTIBLE" -ge 3 ]
		assert_equal "$(records "$REF_OUT")" "$CONVERTED"
		cmp "$REF_OUT" "$OUR_OUT"
	done
}

edge_null_le() { edge_null "02 00 00 00" "0a 00 00 00" "1e 00 00 00"; }
edge_null_be() { edge_null "00 00 00 02" "00 00 00 18" "00 00 00 1c"; }

@test "linkconv: Debian bookworm's tcprewrite 4.4.3 is no reference: it corrupts converted frames" {
	. "$ROOT/tests/linkconv/edge.bash"
	T=$BATS_TEST_TMPDIR
	command -v tcprewrite >/dev/null || skip "no system tcprewrite"
	tcprewrite -V 2>&1 | grep -q 'version: 4\.4\.' || skip "system tcprewrite is not 4.4"
	rec $SLL_ETH 08 00 $IP4 >"$T/one.txt"
	text2pcap -q -F pcap -l 113 "$T/one.txt" "$T/one.pcap"
	tcprewrite --dlt=enet -i "$T/one.pcap" -o "$T/old.pcap"
	# Upstream bug #792: the cooked header stays, with MACs over its start.
	run tcpdump -enr "$T/old.pcap"
	assert_output --partial "802.3, length 0"
	"$CONVERT" "$T/one.pcap" "$T/ours.pcap"
	run tcpdump -enr "$T/ours.pcap"
	assert_output --partial "02:11:22:33:44:55 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 42: 127.0.0.1.53 > 127.0.0.1.53"
}

@test "docs/linktype.md recipe: compare a file of your own with the reference" {
	doc="$ROOT/docs/linktype.md"
	for line in 'tcprewrite --dlt=enet --skip-soft-errors -i in.pcap -o out.pcap' \
		'tcprewrite --dlt=enet --enet-smac=00:00:00:00:00:00 --enet-dmac=00:00:00:00:00:00 \' \
		'make build/tools/linkconvert' \
		'build/tools/linkconvert in.pcap ours.pcap' \
		'tests/tools/tcprewrite-ref --dlt=enet --skip-soft-errors -i in.pcap -o ref.pcap' \
		'cmp <(tail -c +21 ours.pcap) <(tail -c +21 ref.pcap)'; do
		grep -qF -- "$line" "$doc" || { echo "not in the doc: $line"; false; }
	done
	. "$ROOT/tests/linkconv/edge.bash"
	cd "$BATS_TEST_TMPDIR"
	edge_sll2 >in.txt
	text2pcap -q -F pcap -l 276 in.txt in.pcap
	"$CONVERT" in.pcap ours.pcap
	"$REF" --dlt=enet --skip-soft-errors -i in.pcap -o ref.pcap
	cmp <(tail -c +21 ours.pcap) <(tail -c +21 ref.pcap)
	# and the recipe notices a difference
	printf 'x' >>ours.pcap
	run cmp <(tail -c +21 ours.pcap) <(tail -c +21 ref.pcap)
	assert_failure
}

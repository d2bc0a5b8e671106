#!/usr/bin/env bats
# Flow-sharded consumer groups (group= view setting, docs/groups.md): one
# capture of 12,000 flows (TCP and UDP over IPv4 and IPv6, both directions,
# some VLAN and QinQ tagged, some fragmented, a little ARP) from
# tests/tools/flowgen, spread over the members of a group. The members'
# streams together must be the capture record for record (merged by time:
# every record has its own timestamp), every flow whole at one member, and
# the shares even within 10%.

load helpers

FLOWGEN="$BUILD/tools/flowgen"
HELPER="$BUILD/pcap-broker-helper"

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	"$FLOWGEN" -flows 12000 -map "$d/flows.map" > "$d/flows.pcap"
}

# view_port NAME: the port of view NAME's first TCP listener.
view_port() {
	grep -E "listening.*addr=.* view=$1( |$)" "$HUB_LOG" | head -1 | grep -oE 'addr=[^ ]+' | grep -oE '[0-9]+$'
}

members_are() { log_has "$HUB_LOG" "group rebalanced view=$1 .*members=$2 "; }

# member OUT PORT [SOCAT_OPTS]: a PCAP-over-IP client of PORT saving its
# stream to OUT.
member() {
	socat -u -b 262144 "TCP:127.0.0.1:$2$3" "OPEN:$1,creat,trunc" &
	track_client "$!"
}

# record_members FILE...: "TIME INDEX" per record of each FILE (INDEX is
# the file's position in the arguments, from 1).
record_members() {
	local i=1 f
	for f in "$@"; do
		tcpdump -tt -n -r "$f" 2>/dev/null | awk -v m="$i" '{ print $1, m }'
		i=$((i + 1))
	done
}

# check_group MAP CAPTURE FILE...: the FILEs (one per member) together are
# CAPTURE's records exactly, each flow of MAP is at one member, ARP at the
# first FILE (the eldest member), and each member's share is within 10%.
# Writes the shares to $BATS_TEST_TMPDIR/shares.
check_group() {
	local map="$1" cap="$2" t="$BATS_TEST_TMPDIR"
	shift 2
	mergecap -F pcap -w "$t/merged.pcap" "$@"
	cmp <(tail -c +25 "$cap") <(tail -c +25 "$t/merged.pcap")
	record_members "$@" > "$t/got"
	awk -v n="$#" -v out="$t/shares" '
		NR == FNR { flow[$1] = $2; want++; next }
		{
			if (seen[$1]++) dup++
			f = flow[$1]; got[$2]++; total++
			if (f in owner && owner[f] != $2) split_[f] = 1
			owner[f] = $2
		}
		END {
			for (f in split_) splits++
			line = sprintf("records=%d of %d duplicates=%d split_flows=%d arp_at=%s shares", total, want, dup, splits, owner["arp"])
			bad = total != want || dup || splits || owner["arp"] != 1
			for (m = 1; m <= n; m++) {
				s = got[m] * n / total
				line = line sprintf(" %.3f", s)
				if (s < 0.9 || s > 1.1) bad = 1
			}
			print line > out
			print line
			exit bad
		}' "$map" "$t/got"
}

@test "4 members on the hub's own TCP listener: together exactly the stream, each flow whole at one member, even shares" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" i
	start_hub -n -listen none -view 'w: listen=127.0.0.1:0; group=5tuple' -cmd "$(gated_cat "$d/flows.pcap")"
	local port
	port=$(view_port w)
	for i in 1 2 3 4; do
		member "$t/m$i.raw" "$port"
		wait_until 10 members_are w "$i"
	done
	# SIGUSR1 shows the group with its members.
	kill -USR1 "$HUB_PID"
	wait_until 10 log_has "$HUB_LOG" 'group totals view=w records=0 unplaced=0 fragments=0 rebalances=4 moved=[0-9]+ members=4'
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	check_group "$d/flows.map" "$d/flows.pcap" "$t"/m{1,2,3,4}.raw
	# Every record hashed once for the four members; ARP counted unplaced.
	local records arp
	records=$(grep -c '' "$d/flows.map")
	arp=$(grep -c ' arp$' "$d/flows.map")
	grep -qE "group totals view=w records=$records unplaced=$arp fragments=[1-9][0-9]* rebalances=8 moved=[0-9]+ members=0" "$HUB_LOG"
	grep -q 'group rebalanced view=w event=join member=[0-9]* weight=1 buckets=1024 members=4 moved=1024' "$HUB_LOG"
	echo "# 4 members, 5tuple: $(cat "$t/shares")" >&3
}

@test "real clients as members: tshark -i TCP@ on the view's listener, tcpdump and socat through helpers asking for the view" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" sock="$BATS_TEST_TMPDIR/hub.sock"
	start_hub -n -listen none -socket "$sock" -view 'w: listen=127.0.0.1:0; group=5tuple' \
		-cmd "$(gated_cat "$d/flows.pcap")"
	listen_on "$t/socat.log" 'listening on' socat -d -d "TCP-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork" \
		"EXEC:$HELPER -socket $sock -view w"
	member "$t/m1.raw" "$LPORT"
	wait_until 10 members_are w 1
	(socat -u "TCP:127.0.0.1:$LPORT" - | tcpdump -r - -w "$t/m2.pcap" 2>/dev/null) &
	PIDS+=("$!")
	local tcpdump_pid=$!
	wait_until 10 members_are w 2
	timeout 120 tshark -i "TCP@127.0.0.1:$(view_port w)" -w "$t/m3.pcapng" 2>"$t/tshark.err" &
	PIDS+=("$!")
	local tshark_pid=$!
	wait_until 20 members_are w 3
	PCAP_BROKER_VIEW=w "$HELPER" -socket "$sock" < /dev/null > "$t/m4.raw" &
	track_client "$!"
	wait_until 10 members_are w 4
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	wait "$tcpdump_pid"
	wait "$tshark_pid"
	check_group "$d/flows.map" "$d/flows.pcap" "$t/m1.raw" "$t/m2.pcap" "$t/m3.pcapng" "$t/m4.raw"
	[ "$(grep -c 'client view id=[0-9]* view=w' "$HUB_LOG")" -eq 4 ]
	echo "# 4 real clients: $(cat "$t/shares")" >&3
}

@test "a group on a socket systemd passes with FileDescriptorName=NAME" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR"
	HUB_LOG="$t/hub.log"
	# It execs the hub at the first connection, on the same pid.
	listen_on "$HUB_LOG" 'Listening on' systemd-socket-activate -l 127.0.0.1:@PORT@ --fdname=w \
		"$HUB" -n -view 'w: group=5tuple' -cmd "$(gated_cat "$d/flows.pcap")"
	HUB_PID=$LPID
	member "$t/m1.raw" "$LPORT"
	wait_until 10 members_are w 1
	member "$t/m2.raw" "$LPORT"
	wait_until 10 members_are w 2
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	check_group "$d/flows.map" "$d/flows.pcap" "$t/m1.raw" "$t/m2.raw"
	echo "# 2 members on a passed socket: $(cat "$t/shares")" >&3
}

@test "2tuple: every pair of hosts at one member, fragments and all" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" i
	start_hub -n -listen none -view 'hosts: listen=127.0.0.1:0; group=2tuple' -cmd "$(gated_cat "$d/flows.pcap")"
	for i in 1 2 3; do
		member "$t/m$i.raw" "$(view_port hosts)"
		wait_until 10 members_are hosts "$i"
	done
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	mergecap -F pcap -w "$t/merged.pcap" "$t"/m{1,2,3}.raw
	cmp <(tail -c +25 "$d/flows.pcap") <(tail -c +25 "$t/merged.pcap")
	# The host pair of each IP record, both directions alike, at one member.
	for i in 1 2 3; do
		tshark -r "$t/m$i.raw" -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
			awk -v m="$i" 'NF { a = $1; b = $2; if (a > b) { a = $2; b = $1 } print a "-" b, m }'
	done | sort -u | awk '{ n[$1]++ } END { for (p in n) { pairs++; if (n[p] > 1) bad++ } print pairs, "pairs,", bad + 0, "at more than one member"; exit (bad > 0 || pairs < 1000) }'
}

@test "weights from helpers: -weight 3 (PCAP_BROKER_WEIGHT) takes three times the flows of the default" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" sock="$BATS_TEST_TMPDIR/hub.sock"
	start_hub -n -listen none -socket "$sock" -view 'w: group=5tuple' -cmd "$(gated_cat "$d/flows.pcap")"
	"$HELPER" -socket "$sock" -view w < /dev/null > "$t/m1.raw" &
	track_client "$!"
	wait_until 10 members_are w 1
	PCAP_BROKER_WEIGHT=3 "$HELPER" -socket "$sock" -view w < /dev/null > "$t/m2.raw" &
	track_client "$!"
	wait_until 10 members_are w 2
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	grep -q 'group rebalanced view=w event=join member=[0-9]* weight=3 buckets=3072 members=2 moved=3072' "$HUB_LOG"
	mergecap -F pcap -w "$t/merged.pcap" "$t/m1.raw" "$t/m2.raw"
	cmp <(tail -c +25 "$d/flows.pcap") <(tail -c +25 "$t/merged.pcap")
	local a b
	a=$(capinfos -c -M "$t/m1.raw" | grep -oE '[0-9]+$')
	b=$(capinfos -c -M "$t/m2.raw" | grep -oE '[0-9]+$')
	echo "# weights 1 and 3: records $a and $b (share of the weight-3 member $((100 * b / (a + b)))%, 75% is exact)" >&3
	# Within 10% of its 3/4 share.
	[ $((1000 * b / (a + b))) -ge 675 ] && [ $((1000 * b / (a + b))) -le 825 ]
	run "$HELPER" -weight 2
	assert_failure 64
	assert_output --partial '-weight needs -view'
}

# cat_parts FILE...: a capture command that streams the first file, then
# each next one (without its file header) once $BATS_TEST_TMPDIR/goN exists.
cat_parts() {
	local cmd="cat '$1'" i=2
	shift
	for f in "$@"; do
		cmd="$cmd; while [ ! -e '$BATS_TEST_TMPDIR/go$i' ]; do sleep 0.01; done; tail -c +25 '$f'"
		i=$((i + 1))
	done
	echo "while [ ! -e '$BATS_TEST_TMPDIR/go' ]; do sleep 0.01; done; $cmd"
}

# bytes_are N FILE...: the FILEs hold N bytes together.
bytes_are() {
	local n=$1 sum=0 f
	shift
	for f in "$@"; do sum=$((sum + $(stat -c %s "$f" 2>/dev/null || echo 0))); done
	[ "$sum" -eq "$n" ]
}

@test "churn: a fifth member joins mid-stream, then one leaves: only moved flows change member, once, at the rebalance; nothing lost or doubled" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" i n
	n=$(grep -c '' "$d/flows.map")
	local p1=$((n / 3)) p2=$((2 * n / 3))
	editcap -F pcap -r "$d/flows.pcap" "$t/part1.pcap" "1-$p1"
	editcap -F pcap -r "$d/flows.pcap" "$t/part2.pcap" "$((p1 + 1))-$p2"
	editcap -F pcap -r "$d/flows.pcap" "$t/part3.pcap" "$((p2 + 1))-$n"
	cmp "$d/flows.pcap" <(cat "$t/part1.pcap"; tail -c +25 "$t/part2.pcap"; tail -c +25 "$t/part3.pcap")
	start_hub -n -listen none -view 'w: listen=127.0.0.1:0; group=5tuple' \
		-cmd "$(cat_parts "$t/part1.pcap" "$t/part2.pcap" "$t/part3.pcap")"
	local port
	port=$(view_port w)
	local leaver_pid
	for i in 1 2 3 4; do
		# Member 2 leaves with a reset (linger 0), so the hub sees it go at
		# once; a peer that just closes is noticed at the next write to it.
		member "$t/m$i.raw" "$port" "$([ "$i" -ne 2 ] || echo ,linger=0)"
		[ "$i" -ne 2 ] || leaver_pid=$!
		wait_until 10 members_are w "$i"
	done
	open_gate
	local s1 s2
	s1=$(stat -c %s "$t/part1.pcap")
	wait_until 60 bytes_are $((s1 - 24 + 4 * 24)) "$t"/m{1,2,3,4}.raw
	member "$t/m5.raw" "$port"
	wait_until 10 members_are w 5
	touch "$t/go2"
	s2=$(stat -c %s "$t/part2.pcap")
	wait_until 60 bytes_are $((s1 + s2 - 48 + 5 * 24)) "$t"/m{1,2,3,4,5}.raw
	kill "$leaver_pid"
	wait_until 10 log_has "$HUB_LOG" 'group rebalanced view=w event=leave .*members=4 '
	touch "$t/go3"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	# The five together are the stream, exactly.
	mergecap -F pcap -w "$t/merged.pcap" "$t"/m{1,2,3,4,5}.raw
	cmp <(tail -c +25 "$d/flows.pcap") <(tail -c +25 "$t/merged.pcap")
	# Each flow: its records in order with their members. A flow may change
	# member only where a rebalance fell (record p1 + 1 or p2 + 1), only to
	# the newcomer (5) at the join and only away from the leaver (2) at the
	# leave; every other flow stays whole at one member.
	record_members "$t"/m{1,2,3,4,5}.raw > "$t/got"
	awk -v p1="$p1" -v p2="$p2" -v out="$t/churn" '
		NR == FNR { flow[$1] = $2; idx[$1] = FNR; next }
		{ f = flow[$1]; at[idx[$1]] = $2; fl[idx[$1]] = f; total++ }
		END {
			for (i = 1; i <= total; i++) {
				f = fl[i]; m = at[i]
				if (!(f in last)) { last[f] = m; lasti[f] = i; flows++; continue }
				if (last[f] != m) {
					moved[f]++
					if (lasti[f] <= p1 && i > p1 && m == 5) joined++
					else if (lasti[f] <= p2 && i > p2 && last[f] == 2) left++
					else bad++
				}
				last[f] = m; lasti[f] = i
			}
			line = sprintf("flows=%d moved_at_join=%d moved_at_leave=%d bad_moves=%d", flows, joined, left, bad + 0)
			print line > out; print line
			exit (bad > 0 || joined < 1 || left < 1)
		}' "$d/flows.map" "$t/got"
	[ "$(wc -l < "$t/got")" -eq "$n" ]
	grep -q 'group rebalanced view=w event=join member=[0-9]* weight=1 buckets=819 members=5 moved=819' "$HUB_LOG"
	grep -qE 'group rebalanced view=w event=leave member=[0-9]* weight=1 buckets=0 members=4 moved=8[12][0-9]' "$HUB_LOG"
	echo "# churn: $(cat "$t/churn")" >&3
}

@test "a group with no members holds nothing back; the first member gets the stream from when it joins" {
	local d="$BATS_FILE_TMPDIR" t="$BATS_TEST_TMPDIR" n p1
	n=$(grep -c '' "$d/flows.map")
	p1=$((n / 2))
	editcap -F pcap -r "$d/flows.pcap" "$t/part1.pcap" "1-$p1"
	editcap -F pcap -r "$d/flows.pcap" "$t/part2.pcap" "$((p1 + 1))-$n"
	# A default-view client shows when the hub has read part 1.
	start_hub -n -listen 127.0.0.1:0 -view 'w: listen=127.0.0.1:0; group=5tuple' \
		-cmd "$(cat_parts "$t/part1.pcap" "$t/part2.pcap")"
	member "$t/all.raw" "$PORT"
	wait_clients 1
	open_gate
	wait_until 60 bytes_are "$(stat -c %s "$t/part1.pcap")" "$t/all.raw"
	member "$t/m1.raw" "$(view_port w)"
	wait_until 10 members_are w 1
	touch "$t/go2"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	cmp "$t/part2.pcap" "$t/m1.raw"
}

@test "bad group value: status 64 naming the view" {
	run "$HUB" -listen 127.0.0.1:0 -cmd 'sleep 5' -view 'w: group=4tuple'
	assert_failure 64
	assert_output --partial "view 'w': bad group=4tuple (5tuple or 2tuple)"
}

@test "group= with rewind= or resume=: status 64 naming the view" {
	run "$HUB" -listen 127.0.0.1:0 -cmd 'sleep 5' -view 'w: group=5tuple; rewind=30s'
	assert_failure 64
	assert_output --partial "view 'w': group= cannot be combined with rewind= or resume="
	run "$HUB" -listen 127.0.0.1:0 -cmd 'sleep 5' -view 'w: resume=10m; group=2tuple'
	assert_failure 64
	assert_output --partial "view 'w': group= cannot be combined with rewind= or resume="
}

#!/usr/bin/env bats
# Views that miss nothing (issue 12, items 1, 2 and 6): rewind= (a new client
# starts in the past, by arrival time), resume= (a consumer that comes back
# continues after what its TCP acknowledged, directly and through a helper)
# and lossless (its clients pause the capture instead of losing records).
# docs/rewind-resume.md.

load helpers
bats_require_minimum_version 1.5.0

HELPER="$BUILD/pcap-broker-helper"
SAVE="$BUILD/tools/pcapsave"

# view_port NAME: the port of view NAME's first TCP listener.
view_port() {
	grep -E "listening.*addr=.* view=$1( |$)" "$HUB_LOG" | head -1 | grep -oE 'addr=[^ ]+' | grep -oE '[0-9]+$'
}

# first_stamp FILE: pcapgen -stamp's time (ns) in FILE's first record.
first_stamp() { od -An -t u8 -j 90 -N 8 "$1" | tr -d ' '; }

size_at_least() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# rewind_hub REWIND BYTES GENARGS...: a hub with view rw (rewind=REWIND) over
# a paced, stamped pcapgen capture, once BYTES have reached a live client.
rewind_hub() {
	local rewind=$1 bytes=$2
	shift 2
	start_hub -n -listen 127.0.0.1:0 -view "rw: rewind=$rewind; listen=127.0.0.1:0" -cmd "'$GEN' $* -stamp"
	socat -u "TCP:127.0.0.1:$PORT" "OPEN:$BATS_TEST_TMPDIR/watch.pcap,creat,trunc" &
	PIDS+=("$!")
	wait_until 60 size_at_least "$BATS_TEST_TMPDIR/watch.pcap" "$bytes"
}

# rewound_vs_live SECONDS: a client of view rw and a live one (PORT) at once,
# for SECONDS; the rewound stream must be valid. BACK_MS: how far before the
# live client's first record the rewound one's first record was written.
rewound_vs_live() {
	local t="$BATS_TEST_TMPDIR" rw
	timeout "$1" socat -u "TCP:127.0.0.1:$(view_port rw)" "OPEN:$t/rw.pcap,creat,trunc" &
	rw=$!
	timeout "$1" socat -u "TCP:127.0.0.1:$PORT" "OPEN:$t/live.pcap,creat,trunc" &
	wait "$rw" "$!" || true
	run "$VERIFY" -contiguous < "$t/rw.pcap"
	assert_success
	BACK_MS=$(( ($(first_stamp "$t/live.pcap") - $(first_stamp "$t/rw.pcap")) / 1000000 ))
	echo "rewound $BACK_MS ms" >&3
}

@test "rewind: a client connecting into a paced capture gets the records from DURATION ago, within one slot" {
	# 2000 records/s of 1016 bytes: a 1 MiB slot holds about 0.5 s. After
	# 6 s of capture (12 MB), a rewinding and a live client at once.
	rewind_hub 3s 12192000 -c 60000 -size 1000 -rate 2000
	rewound_vs_live 3
	# Up to 3 s back, and less by at most one slot (0.5 s) plus scheduling slack.
	[ "$BACK_MS" -le 3300 ]
	[ "$BACK_MS" -ge 2200 ]
	grep -qE 'client rewound .*view=rw asked_s=3.0 served_s=(2\.[5-9]|3\.0)' "$HUB_LOG"
}

@test "rewind at a low rate, where one slot holds minutes: within 0.1 s, not a slot" {
	# 200 records/s of 116 bytes: a 1 MiB slot would take 45 s to fill. 4 s in:
	rewind_hub 2s $((24 + 116 * 800)) -c 4000 -size 100 -rate 200
	rewound_vs_live 2
	# By slot alone it would be 0 (live) or the whole 4 s.
	[ "$BACK_MS" -le 2200 ]
	[ "$BACK_MS" -ge 1700 ]
}

@test "rewind larger than the buffer serves all the buffer holds and says so" {
	local t="$BATS_TEST_TMPDIR"
	start_hub -n -buffer 4M -listen 127.0.0.1:0 -view 'rw: rewind=1h; listen=127.0.0.1:0' \
		-cmd "'$GEN' -c 40000 -size 1000 -rate 4000"
	socat -u TCP:127.0.0.1:$PORT "OPEN:$t/watch.pcap,creat,trunc" &
	PIDS+=("$!")
	wait_until 60 size_at_least "$t/watch.pcap" 8000000 # twice the buffer
	timeout 2 socat -u "TCP:127.0.0.1:$(view_port rw)" "OPEN:$t/rw.pcap,creat,trunc" || true
	run "$VERIFY" -contiguous < "$t/rw.pcap"
	assert_success
	grep -qE 'rewind limited by the buffer: serving all it holds .*view=rw asked_s=3600.0' "$HUB_LOG"
	# It starts at the oldest record held: not the first of the capture, and
	# about 3 slots (the 4M buffer less the slot being filled) behind.
	local first=$(echo "$output" | grep -oE 'first=[0-9]+' | cut -d= -f2)
	[ "$first" -gt 0 ]
	grep -qE 'client rewound .*view=rw .*records=[0-9]+ bytes=[34][0-9]{6}$' "$HUB_LOG"
}

kept_at_least() { [ "$(log_count "$HUB_LOG" 'resume point kept')" -ge "$1" ]; }

# kill_and_resume PORT N: a pcapsave consumer of PORT SIGKILLed at a random
# moment N times, reconnecting within 2 s each time; the last one reads to
# the end. Its files are $t/cN.pcap.
kill_and_resume() {
	local t="$BATS_TEST_TMPDIR" i pid
	for i in $(seq 1 "$2"); do
		"$SAVE" "127.0.0.1:$1" "$t/c$i.pcap" &
		pid=$!
		PIDS+=("$pid")
		sleep "0.$((RANDOM % 8 + 2))$((RANDOM % 10))"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null || true
		# Back once the hub has seen it go (a reconnect racing the close starts live).
		wait_until 10 kept_at_least "$i"
		sleep "0.$((RANDOM % 10))"
	done
	"$SAVE" "127.0.0.1:$1" "$t/c$(($2 + 1)).pcap"
}

# seqs_complete LAST: across every connection's file, each sequence number
# from the first one received to LAST is there; duplicates counted.
seqs_complete() {
	local t="$BATS_TEST_TMPDIR" f
	for f in "$t"/c*.pcap; do
		size_at_least "$f" 24 && "$VERIFY" -seqs < "$f" 2>/dev/null
	done > "$t/seqs"
	local total=$(wc -l < "$t/seqs") distinct=$(sort -n -u "$t/seqs" | wc -l)
	local first=$(sort -n "$t/seqs" | head -1) last=$(sort -n "$t/seqs" | tail -1)
	echo "records $total, distinct $distinct, duplicates $((total - distinct)), missing $((last - first + 1 - distinct))" >&3
	assert_equal "$last" "$1"
	assert_equal "$distinct" "$((last - first + 1))"
}

@test "resume: a consumer SIGKILLed 5 times and reconnecting gets every record" {
	start_hub -n -listen none -view 'rs: resume=1m; listen=127.0.0.1:0' \
		-cmd "'$GEN' -c 200000 -rate 20000"
	kill_and_resume "$(view_port rs)" 5
	seqs_complete 199999
	assert_equal "$(log_count "$HUB_LOG" 'client resumed .*view=rs ip=127.0.0.1 ')" 5
	assert_equal "$(log_count "$HUB_LOG" 'client resume point kept .*view=rs ip=127.0.0.1 .*reset=1')" 5
}

@test "resume through helpers under systemd-socket-activate: the helper reports what its client acknowledged" {
	local sock="$BATS_TEST_TMPDIR/hub.sock"
	start_hub -n -listen none -socket "$sock" -view 'rs: resume=1m' -cmd "'$GEN' -c 200000 -rate 20000"
	listen_on "$BATS_TEST_TMPDIR/activate.log" 'Listening on' \
		systemd-socket-activate -l 127.0.0.1:@PORT@ --inetd -a "$HELPER" -socket "$sock" -view rs
	kill_and_resume "$LPORT" 5
	seqs_complete 199999
	assert_equal "$(log_count "$HUB_LOG" 'client resumed .*view=rs ip=127.0.0.1 ')" 5
	assert_equal "$(log_count "$HUB_LOG" 'client resume point kept .*view=rs .*via=helper ')" 5
}

@test "resume larger than the buffer serves what is there and says so" {
	local t="$BATS_TEST_TMPDIR"
	start_hub -n -buffer 4M -listen 127.0.0.1:0 -view 'rs: resume=1m; listen=127.0.0.1:0' \
		-cmd "'$GEN' -c 60000 -size 1000 -rate 4000"
	local p=$(view_port rs)
	timeout 1 "$SAVE" "127.0.0.1:$p" "$t/c1.pcap" || true
	socat -u TCP:127.0.0.1:$PORT "OPEN:$t/watch.pcap,creat,trunc" &
	PIDS+=("$!")
	wait_until 60 size_at_least "$t/watch.pcap" 8000000 # twice the buffer since
	timeout 1 "$SAVE" "127.0.0.1:$p" "$t/c2.pcap" || true
	run "$VERIFY" -contiguous < "$t/c2.pcap"
	assert_success
	grep -qE 'resume limited by the buffer: records it no longer holds are lost .*view=rs lost=[1-9][0-9]+' "$HUB_LOG"
	assert_equal "$(log_count "$HUB_LOG" 'client resumed .*view=rs')" 1
}

@test "a resume point expires with the window: a consumer back later starts live" {
	local t="$BATS_TEST_TMPDIR"
	start_hub -n -listen none -view 'rs: resume=1s; listen=127.0.0.1:0' -cmd "'$GEN' -c 100000 -rate 5000"
	local p=$(view_port rs)
	timeout 1 "$SAVE" "127.0.0.1:$p" "$t/a.pcap" || true
	wait_until 10 log_has "$HUB_LOG" 'resume point kept'
	sleep 1.5 # the window (1 s) passes: the condition tested is time itself
	timeout 1 "$SAVE" "127.0.0.1:$p" "$t/b.pcap" || true
	run ! grep -q 'client resumed' "$HUB_LOG"
}

@test "lossless: a replay at page-cache speed with a CPU hog and a consumer that stops for 2 s loses nothing" {
	local t="$BATS_TEST_TMPDIR"
	"$GEN" -c 2000000 > "$t/2m.pcap"
	yes > /dev/null &
	PIDS+=("$!")
	start_hub -n -buffer 8M -listen none \
		-view 'safe: lossless; listen=127.0.0.1:0' -view 'plain: listen=127.0.0.1:0' \
		-cmd "$(gated_cat "$t/2m.pcap")"
	socat -u -b 262144 "TCP:127.0.0.1:$(view_port safe)" "OPEN:$t/safe.pcap,creat,trunc" &
	local safe=$!
	PIDS+=("$safe")
	socat -u -b 262144 "TCP:127.0.0.1:$(view_port plain)" "OPEN:$t/plain.pcap,creat,trunc" &
	local plain=$!
	PIDS+=("$plain")
	wait_clients 2
	kill -STOP "$safe" "$plain"
	open_gate
	sleep 2 # consumers that lose their CPU for 2 s: the condition tested
	kill -CONT "$safe"
	# The ordinary view's consumer stays stopped until the lossless one has
	# half the replay: far more than the 8 MiB buffer passed it by.
	wait_until 120 size_at_least "$t/safe.pcap" $(( $(stat -c %s "$t/2m.pcap") / 2 ))
	kill -CONT "$plain"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	wait "$safe" "$plain" || true
	run "$VERIFY" -contiguous -count 2000000 < "$t/safe.pcap"
	assert_success
	# It held the capture back rather than skip the lossless client ahead.
	grep -qE 'capture paused for lossless clients pauses=[1-9]' "$HUB_LOG"
	# The same consumer on an ordinary view lost records: the test can fail.
	run "$VERIFY" < "$t/plain.pcap"
	assert_success
	[[ "$output" =~ gaps=[1-9] ]]
}

@test "lossless: a consumer that takes nothing for -stall-timeout is cut off and the capture goes on" {
	local t="$BATS_TEST_TMPDIR"
	"$GEN" -c 300000 > "$t/300k.pcap"
	start_hub -n -buffer 4M -stall-timeout 1s -listen none \
		-view 'safe: lossless; listen=127.0.0.1:0' -cmd "$(gated_cat "$t/300k.pcap")"
	PORT=$(view_port safe)
	socat -u "TCP:127.0.0.1:$PORT" "OPEN:$t/dead.pcap,creat,trunc" &
	local dead=$!
	PIDS+=("$dead")
	wait_clients 1
	socat -u "TCP:127.0.0.1:$PORT" "OPEN:$t/live.pcap,creat,trunc" &
	local live=$!
	PIDS+=("$live")
	wait_clients 2
	kill -STOP "$dead"
	open_gate
	hub_exit
	assert_equal "$HUB_STATUS" 0
	kill -CONT "$dead"
	wait "$live"
	grep -qE 'client disconnected id=1 .*reason=stalled' "$HUB_LOG"
	grep -qE 'client disconnected id=2 .*dropped=0 .*reason=capture ended' "$HUB_LOG"
	run "$VERIFY" -contiguous -count 300000 < "$t/live.pcap"
	assert_success
}

@test "bad rewind, resume and lossless values: one line naming the view, status 64" {
	run "$HUB" -view 'a: rewind=soon' -listen none
	assert_equal "$status" 64
	assert_output --partial "view 'a': bad rewind=soon (a duration: 30s, 10m, 1h)"
	run "$HUB" -view 'a: resume=0' -listen none
	assert_equal "$status" 64
	assert_output --partial "view 'a': bad resume=0"
	run "$HUB" -view 'a: lossless=maybe' -listen none
	assert_equal "$status" 64
	assert_output --partial "view 'a': bad lossless=maybe (yes or no)"
}

# recipe_views: the -view arguments of docs/rewind-resume.md's command lines.
recipe_views() { grep -E '^pcap-broker ' "$ROOT/docs/rewind-resume.md" | grep -oE "\-view '[^']+'" | sed "s/^-view '//; s/'$//"; }

@test "the recipes of docs/rewind-resume.md run: each view, a consumer killed and one that comes back" {
	local t="$BATS_TEST_TMPDIR" spec name sock="$t/hub.sock" port n=0
	[ "$(recipe_views | wc -l)" -eq 4 ]
	local helper_line
	helper_line=$(grep -E '^systemd-socket-activate ' "$ROOT/docs/rewind-resume.md")
	while read -r spec; do
		n=$((n + 1))
		name=${spec%%:*}
		HUB_LOG="$t/hub$n.log"
		# The recipe's own view, on a kernel-chosen port; a paced capture for tcpdump or cat.
		start_hub -n -listen none -socket "$sock" -view "${spec//listen=:[0-9]*/listen=127.0.0.1:0}" \
			-cmd "'$GEN' -c 30000 -rate 10000"
		if [[ "$spec" == *listen=* ]]; then
			port=$(view_port "$name")
		else # the helper recipe: systemd-socket-activate as the doc writes it
			local args=(${helper_line})
			args=("${args[@]/#4244/127.0.0.1:@PORT@}")
			args=("${args[@]/#pcap-broker-helper/$HELPER}")
			listen_on "$t/activate$n.log" 'Listening on' "${args[@]}" -socket "$sock"
			port=$LPORT
		fi
		"$SAVE" "127.0.0.1:$port" "$t/a$n.pcap" &
		local a=$!
		wait_until 30 size_at_least "$t/a$n.pcap" 1000000
		kill -9 "$a"
		wait "$a" 2>/dev/null || true
		[[ "$spec" != *resume=* ]] || wait_until 10 kept_at_least 1
		"$SAVE" "127.0.0.1:$port" "$t/b$n.pcap"
		hub_exit
		run "$VERIFY" -contiguous < "$t/b$n.pcap"
		assert_success
		[[ "$spec" != *rewind=* ]] || grep -qE "client rewound .*view=$name .*records=[1-9]" "$HUB_LOG"
		[[ "$spec" != *resume=* ]] || grep -qE "client resumed .*view=$name " "$HUB_LOG"
		[[ "$spec" != *lossless* ]] || grep -qE "client disconnected .* dropped=0 .*reason=capture ended" "$HUB_LOG"
		rm -f "$sock"
	done < <(recipe_views)
}

#!/usr/bin/env bats
# Capture restarts (-restart), a native upstream (-upstream) and the
# file-backed buffer (-buffer-file): docs/nothing-missed.md.

load helpers

SINK="$BUILD/tools/pcapsink"

# restart_script: a capture command for -restart. Run k (from 0) waits for
# the gate (the first one only), records its pid in $D/pid and writes
# packets numbered from k * 1000000, so each run's records are told apart.
# Runs 0-2 go on until killed; run 3 writes 2000 packets and keeps its
# output open; later runs write nothing.
restart_script() {
	D=$BATS_TEST_TMPDIR
	cat >"$D/cap.sh" <<-EOS
	n=\$(cat '$D/runs' 2>/dev/null || echo 0); echo \$((n + 1)) >'$D/runs'
	while [ ! -e '$D/go' ]; do sleep 0.01; done
	echo \$\$ >'$D/pid.tmp'; mv '$D/pid.tmp' '$D/pid'
	[ "\$n" -le 2 ] && exec '$GEN' -start \$((n * 1000000)) -c 1000000 -rate 2000
	[ "\$n" -eq 3 ] && '$GEN' -start 3000000 -c 2000 -rate 2000
	exec sleep 600
	EOS
}

# logged LOG REGEX N: LOG has N lines matching REGEX, or more.
logged() { [ "$(log_count "$1" "$2")" -ge "$3" ]; }
# failing_hub REGEX N ARGS...: a hub (ARGS) whose input keeps failing, with
# one client; once N lines match REGEX, runs grep for them (lines[]).
failing_hub() {
	local regex=$1 n=$2; shift 2
	start_hub -n -listen 127.0.0.1:0 "$@"
	client "$BATS_TEST_TMPDIR/out"
	wait_clients 1
	wait_until 30 logged "$HUB_LOG" "$regex" "$n"
	run grep -E "$regex" "$HUB_LOG"
}

runs_are() { [ "$(cat "$BATS_TEST_TMPDIR/runs" 2>/dev/null)" = "$1" ]; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
grown() { [ "$(size_of "$1")" -ge "$2" ]; }
# last_is FILE SEQ: the client's stream so far ends with record SEQ.
last_is() { "$VERIFY" <"$1" 2>/dev/null | grep -q "last=$2 "; }

@test "restart: the capture killed 3 times; 4 clients stay connected and get every record, 3 gaps logged" {
	restart_script
	start_hub -n -listen 127.0.0.1:0 -restart -cmd "sh '$D/cap.sh'"
	for i in 1 2 3 4; do client "$D/out$i"; done
	wait_clients 4
	open_gate
	for k in 1 2 3; do
		wait_until 30 runs_are "$k"
		wait_until 30 test -s "$D/pid"
		# It has written something the clients got: then kill it.
		local before; before=$(size_of "$D/out1")
		wait_until 30 grown "$D/out1" $((before + 20000))
		kill -9 "$(cat "$D/pid")"
		rm -f "$D/pid"
	done
	for i in 1 2 3 4; do wait_until 60 last_is "$D/out$i" 3001999; done
	run log_count "$HUB_LOG" 'capture resumed after a gap gap_ms=[0-9]+'
	assert_output 3
	kill -TERM "$HUB_PID"
	hub_exit
	[ "$HUB_STATUS" -eq 0 ]
	local total; total=$(grep -oE 'exiting .*records=[0-9]+' "$HUB_LOG" | grep -oE '[0-9]+$')
	for i in 1 2 3 4; do
		run "$VERIFY" <"$D/out$i"
		assert_success
		# Every record the hub read, numbered from 0 to 3001999 with exactly
		# the three gaps between the runs.
		assert_output --regexp "^records=$total .*first=0 last=3001999 gaps=3$"
		cmp "$D/out1" "$D/out$i"
	done
	# Each client left once, at the end.
	run log_count "$HUB_LOG" 'client disconnected.*reason=hub stopping'
	assert_output 4
	run log_count "$HUB_LOG" 'client disconnected'
	assert_output 4
}

@test "restart: a command that fails at once logs one line per attempt, backs off, and SIGTERM stops it at once" {
	# 1 s, then 2 s: the third attempt comes 3 s after the first.
	failing_hub 'capture ended; restarting' 3 -restart -cmd "exit 3"
	assert_line --index 0 --regexp 'status=3 attempt=1 retry_in_ms=1000$'
	assert_line --index 1 --regexp 'status=3 attempt=2 retry_in_ms=2000$'
	assert_line --index 2 --regexp 'status=3 attempt=3 retry_in_ms=4000$'
	# Nothing else is logged per attempt: the lines past start-up are the
	# client's and one per attempt.
	run bash -c "grep -vE 'listening|capture started|ready|client connected|capture ended; restarting' '$HUB_LOG'"
	assert_output ""
	kill -0 "$HUB_PID"
	local t0=$SECONDS
	kill -TERM "$HUB_PID"
	hub_exit
	[ "$HUB_STATUS" -eq 0 ]
	[ $((SECONDS - t0)) -le 5 ]
	run log_count "$HUB_LOG" 'client disconnected.*reason=hub stopping'
	assert_output 1
}

@test "restart: without -restart the hub still exits with the command's status" {
	run "$HUB" -listen 127.0.0.1:0 -cmd "'$GEN' -c 10; exit 3"
	[ "$status" -eq 3 ]
}

@test "restart: a new stream with another header closes the clients whose view's header changes, with the reason" {
	D=$BATS_TEST_TMPDIR
	cat >"$D/cap.sh" <<-EOS
	n=\$(cat '$D/runs' 2>/dev/null || echo 0); echo \$((n + 1)) >'$D/runs'
	while [ ! -e '$D/go' ]; do sleep 0.01; done
	[ "\$n" -eq 0 ] && exec '$GEN' -c 10
	'$GEN' -start 1000 -c 10 -snaplen 1000
	exec sleep 600
	EOS
	# A view that fixes snaplen and precision keeps its header across the change.
	start_hub -n -listen 127.0.0.1:0 -restart -view 'fixed: snaplen=100; precision=micro; listen=127.0.0.1:0' \
		-cmd "sh '$D/cap.sh'"
	local vport; vport=$(grep -oE 'listening addr=[^ ]*:[0-9]+ view=fixed' "$HUB_LOG" | grep -oE ':[0-9]+ ' | tr -d ': ')
	client "$D/old"
	socat -u "TCP:127.0.0.1:$vport" "OPEN:$D/fixed,creat,trunc" &
	track_client "$!"
	wait_clients 2
	open_gate
	wait_until 30 log_has "$HUB_LOG" 'client disconnected'
	run grep 'client disconnected' "$HUB_LOG"
	assert_output --partial 'reason=the capture restarted with another header: snaplen 262144 -> 1000'
	assert_line --regexp 'packets=10 '
	# A client of the new stream gets its header (then live records: none
	# here); the view's client goes on.
	client "$D/new"
	wait_clients 3
	wait_until 30 last_is "$D/fixed" 1009
	wait_until 30 grown "$D/new" 24
	kill -TERM "$HUB_PID"
	hub_exit
	assert_equal "$(log_count "$HUB_LOG" 'client disconnected')" 3
	run "$VERIFY" <"$D/old"
	assert_output --regexp '^records=10 '
	run "$VERIFY" <"$D/new"
	assert_success
	assert_output --regexp '^records=0 '
	[ "$(od -An -tu4 -j16 -N4 "$D/new" | tr -d ' ')" = 1000 ]
	run "$VERIFY" <"$D/fixed"
	assert_success
	assert_output --regexp '^records=20 .*first=0 last=1009 gaps=1$'
	[ "$(od -An -tu4 -j16 -N4 "$D/fixed" | tr -d ' ')" = 100 ]
}

@test "restart: -i, an interface that disappears and comes back (in a network namespace of our own)" {
	D=$BATS_TEST_TMPDIR
	# Inside: a veth pair, the hub capturing one end, a client; then the
	# interface is deleted and made again.
	cat >"$D/ns.sh" <<-EOS
	set -e
	until_log() { for i in \$(seq 1000); do grep -qE "\$1" '$D/hub.log' && return 0; sleep 0.02; done; return 1; }
	ip link set lo up
	ip link add d0 type veth peer name d1; ip link set d1 up; ip link set d0 up
	'$HUB' -n -listen 127.0.0.1:0 -restart -i d0 2>'$D/hub.log' & hub=\$!
	until_log ready
	port=\$(grep -m1 listening '$D/hub.log' | grep -oE '[0-9]+\$')
	socat -u TCP:127.0.0.1:\$port OPEN:'$D/out',creat,trunc & client=\$!
	until_log 'client connected'
	ip link del d0
	until_log 'capture ended; restarting reason="d0: The interface disappeared"'
	ip link add d0 type veth peer name d1; ip link set d1 up; ip link set d0 up
	until_log 'capture resumed after a gap gap_ms=[0-9]+'
	kill -0 \$client
	kill -TERM \$hub; wait \$hub
	EOS
	run timeout 60 unshare -rn sh "$D/ns.sh"
	cat "$D/hub.log"
	assert_success
	run log_count "$D/hub.log" 'client disconnected.*reason=hub stopping'
	assert_output 1
	run log_count "$D/hub.log" 'client disconnected'
	assert_output 1
}

@test "restart: -restart needs a command or an interface, not stdin" {
	run "$HUB" -restart -listen none </dev/null
	[ "$status" -eq 64 ]
	assert_output --partial 'stdin cannot be started again'
}

# --- upstream ---------------------------------------------------------------

# hub_on PORT LOG ARGS...: a hub listening on 127.0.0.1:PORT; sets LAST_PID.
hub_on() {
	local port=$1 log=$2; shift 2
	"$HUB" -n -listen "127.0.0.1:$port" "$@" 2>"$log" &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
	wait_until 10 log_has "$log" 'ready'
}

@test "upstream: a relay tree whose middle hub is SIGKILLed and restarted; the leaf reconnects, its client stays connected" {
	D=$BATS_TEST_TMPDIR
	start_hub -n -listen 127.0.0.1:0 -cmd "while [ ! -e '$D/go' ]; do sleep 0.01; done; exec '$GEN' -c 1000000 -rate 2000"
	local top=$PORT mport; mport=$("$BUILD/tools/freeport")
	hub_on "$mport" "$D/middle.log" -upstream "127.0.0.1:$top"
	local middle=$LAST_PID
	HUB_LOG=$D/leaf.log start_hub -n -listen 127.0.0.1:0 -upstream "127.0.0.1:$mport"
	client "$D/out"
	wait_clients 1
	open_gate
	wait_until 30 grown "$D/out" 20000
	kill -9 "$middle"
	wait_until 30 log_has "$D/leaf.log" 'upstream unavailable; reconnecting'
	hub_on "$mport" "$D/middle2.log" -upstream "127.0.0.1:$top"
	wait_until 30 log_has "$D/leaf.log" 'upstream resumed after a gap gap_ms=[0-9]+'
	local after; after=$(size_of "$D/out")
	wait_until 30 grown "$D/out" $((after + 20000))
	run log_count "$D/leaf.log" 'client disconnected'
	assert_output 0
	kill -TERM "$HUB_PID"
	hub_exit
	[ "$HUB_STATUS" -eq 0 ]
	run "$VERIFY" <"$D/out"
	assert_success
	assert_output --regexp 'gaps=[1-9]'
}

# seqs_complete FILE N: FILE (a stream a leaf's client saved) holds every
# pcapgen sequence number 0..N-1, duplicates allowed.
seqs_complete() {
	[ "$("$VERIFY" -seqs <"$1" 2>/dev/null | sort -nu | awk -v n="$2" '$1 < n { c++ } END { print c + 0 }')" -eq "$2" ]
}

@test "upstream with resume: the middle hub of a relay tree SIGKILLed and restarted; the leaf's client misses no record" {
	D=$BATS_TEST_TMPDIR
	start_hub -n -listen 127.0.0.1:0 -view 'r: resume=1m; listen=127.0.0.1:0' \
		-cmd "while [ ! -e '$D/go' ]; do sleep 0.01; done; exec '$GEN' -c 20000 -rate 2000"
	local top_log=$HUB_LOG rport mport
	rport=$(grep -oE 'listening addr=127.0.0.1:[0-9]+ view=r' "$top_log" | grep -oE ':[0-9]+ ' | tr -d ': ')
	# The middle serves the leaf a view with rewind=: a restarted middle has
	# no resume point for the leaf, and what it relayed before the leaf came
	# back (the leaf's backoff) would be lost without it.
	local mid_view="r: rewind=30s; resume=1m; listen=127.0.0.1:$("$BUILD/tools/freeport")"
	mport=$(echo "$mid_view" | grep -oE '[0-9]+$')
	hub_on "$("$BUILD/tools/freeport")" "$D/middle.log" -upstream "127.0.0.1:$rport" -view "$mid_view"
	local middle=$LAST_PID
	HUB_LOG=$D/leaf.log start_hub -n -listen 127.0.0.1:0 -upstream "127.0.0.1:$mport"
	client "$D/out"
	wait_clients 1
	open_gate
	wait_until 30 grown "$D/out" 100000
	kill -9 "$middle"
	wait_until 30 log_has "$top_log" 'resume point kept'
	hub_on "$("$BUILD/tools/freeport")" "$D/middle2.log" -upstream "127.0.0.1:$rport" -view "$mid_view"
	wait_until 30 log_has "$top_log" 'client resumed'
	wait_until 60 seqs_complete "$D/out" 20000
	run log_count "$D/leaf.log" 'client disconnected'
	assert_output 0
	echo "# $(grep -m1 -oE 'client resumed.*' "$top_log")" >&3
}

@test "upstream: garbage from the upstream is a logged error and a reconnect with backoff, never a crash" {
	D=$BATS_TEST_TMPDIR
	listen_on "$D/socat.log" 'listening on' socat -d -d "TCP-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'echo this is not pcap at all'
	failing_hub 'upstream unavailable; reconnecting.*bad magic' 2 -upstream "127.0.0.1:$LPORT"
	assert_line --index 0 --regexp 'reason="not a pcap stream: bad magic 0x73696874 at byte offset 0" attempt=1 retry_in_ms=1000$'
	assert_line --index 1 --regexp 'attempt=2 retry_in_ms=2000$'
	kill -0 "$HUB_PID"
	run log_count "$HUB_LOG" 'client disconnected'
	assert_output 0
	[ ! -s "$D/out" ] # nothing of the garbage reached the client
	kill -TERM "$HUB_PID"
	hub_exit
	[ "$HUB_STATUS" -eq 0 ]
}

@test "upstream: unreachable at first, the hub serves its clients and keeps retrying until it comes" {
	D=$BATS_TEST_TMPDIR
	local uport; uport=$("$BUILD/tools/freeport")
	start_hub -n -listen 127.0.0.1:0 -upstream "127.0.0.1:$uport"
	client "$D/out"
	wait_clients 1
	wait_until 30 logged "$HUB_LOG" 'Connection refused' 2
	hub_on "$uport" "$D/top.log" -cmd "$(gated_cat /dev/null) && '$GEN' -c 500; exec sleep 600"
	# The leaf connects on its next attempt; then the top's capture starts.
	wait_until 30 log_has "$D/top.log" 'client connected'
	open_gate
	wait_until 30 log_has "$HUB_LOG" 'upstream resumed after a gap'
	wait_until 30 last_is "$D/out" 499
	kill -TERM "$HUB_PID"
	hub_exit
	run "$VERIFY" -contiguous -count 500 <"$D/out"
	assert_success
}

@test "upstream: bad addresses and a second input are usage errors" {
	for a in nohost 127.0.0.1: 127.0.0.1:0 127.0.0.1:70000 :4242 '[::1]4242'; do
		run "$HUB" -upstream "$a" -listen none
		[ "$status" -eq 64 ] || { echo "accepted: $a"; false; }
	done
	run "$HUB" -upstream 127.0.0.1:1 -cmd true -listen none
	[ "$status" -eq 64 ]
	PCAP_BROKER_UPSTREAM=bad run "$HUB" -listen none
	[ "$status" -eq 64 ]
}

# --- file-backed buffer -----------------------------------------------------

# one_replay IN: a client of the started hub gets IN byte for byte once the
# gate opens, and the hub exits 0.
one_replay() {
	client "$BATS_TEST_TMPDIR/out"
	wait_clients 1
	open_gate
	hub_exit
	[ "$HUB_STATUS" -eq 0 ]
	cmp "$1" "$BATS_TEST_TMPDIR/out"
}

@test "buffer-file: clients get the stream byte for byte from a file-backed ring" {
	D=$BATS_TEST_TMPDIR
	"$GEN" -c 50000 >"$D/in.pcap"
	start_hub -n -listen 127.0.0.1:0 -buffer 8M -buffer-file "$D/ring" -cmd "$(gated_cat "$D/in.pcap")"
	one_replay "$D/in.pcap"
	# The file is the buffer: 8 slots of 1 MiB, readable by its owner only.
	[ "$(stat -c '%s %a' "$D/ring")" = "8388608 600" ]
}

# rss PID FIELD: kB of /proc/PID/status FIELD (RssAnon, RssFile, RssShmem).
rss() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# fill_hub ARGS...: a hub fed 200000 packets (74 MB, more than the default
# 64 MiB buffer) with 10 reading clients; it stays up; sets ANON and FILE (kB).
fill_hub() {
	start_hub -n -listen 127.0.0.1:0 "$@" -cmd "$(gated_cat "$D/in.pcap"); exec sleep 600"
	"$SINK" -n 10 -count 200000 -timeout 120 "127.0.0.1:$PORT" >"$D/sink.out" &
	local sink=$!
	PIDS+=("$sink")
	wait_clients 10
	open_gate
	wait "$sink"
	ANON=$(rss "$HUB_PID" RssAnon)
	FILE=$(( $(rss "$HUB_PID" RssFile) + $(rss "$HUB_PID" RssShmem) ))
	kill -TERM "$HUB_PID"
	hub_exit
	rm -f "$BATS_TEST_TMPDIR/go"
	grep -q ' lost=0 bad=0 ' "$D/sink.out"
}

@test "buffer-file: with a 4 GiB file-backed buffer and 10 clients, anonymous RSS stays within 32 MiB of the memory ring's" {
	[ -n "${PCAP_BROKER_SANITIZED:-}" ] && skip "ASan's shadow memory is anonymous RSS"
	D=$BATS_TEST_TMPDIR
	"$GEN" -c 200000 >"$D/in.pcap"
	HUB_LOG=$D/mem.log fill_hub
	local mem_anon=$ANON mem_file=$FILE
	HUB_LOG=$D/file.log fill_hub -buffer 4G -buffer-file "$D/ring"
	echo "memory ring 64M: RssAnon ${mem_anon} kB, file/shmem ${mem_file} kB;" \
		"file ring 4G: RssAnon ${ANON} kB, file/shmem ${FILE} kB" >"$BUILD/lifecycle-rss.txt"
	cat "$BUILD/lifecycle-rss.txt"
	[ "$ANON" -le $((mem_anon + 32 * 1024)) ]
	# Today's hub itself, not just the comparison: the file ring's anonymous
	# memory is the hub's own, far below the 74 MB that went through it.
	[ "$ANON" -le $((32 * 1024)) ]
	# ... and the records went through the file's pages.
	[ "$FILE" -ge $((60 * 1024)) ]
	[ "$mem_anon" -ge $((60 * 1024)) ]
}

# in_tmpfs SIZE OPTS CMD...: CMD in a mount namespace where $D/fs is a tmpfs
# of SIZE (no root needed: a user namespace maps us to root in it).
in_tmpfs() {
	local size=$1 opts=$2; shift 2
	mkdir -p "$D/fs"
	unshare -rm sh -c 'mount -t tmpfs -o "size=$1$2" tmpfs "$3" && shift 3 && exec "$@"' sh \
		"$size" "$opts" "$D/fs" "$@"
}

@test "buffer-file: a full disk is a clear start-up error (status 73), never a SIGBUS later" {
	D=$BATS_TEST_TMPDIR
	run in_tmpfs 16m "" "$HUB" -listen none -buffer 64M -buffer-file "$D/fs/ring" -cmd true
	[ "$status" -eq 73 ]
	assert_output --partial 'cannot use the buffer file'
	assert_output --partial 'No space left on device'
	# The same size fits in a bigger one, and the stream passes.
	"$GEN" -c 1000 >"$D/in.pcap"
	run in_tmpfs 80m "" "$HUB" -listen none -buffer 64M -buffer-file "$D/fs/ring" -cmd "cat '$D/in.pcap'"
	[ "$status" -eq 0 ]
}

@test "buffer-file: an unwritable path, and a file another hub holds, are start-up errors (status 73)" {
	D=$BATS_TEST_TMPDIR
	run in_tmpfs 16m ,ro "$HUB" -listen none -buffer-file "$D/fs/ring" -cmd true
	[ "$status" -eq 73 ]
	assert_output --partial 'Read-only file system'
	run "$HUB" -listen none -buffer-file "$D/no/such/dir/ring" -cmd true
	[ "$status" -eq 73 ]
	assert_output --partial 'No such file or directory'
	start_hub -n -listen 127.0.0.1:0 -buffer-file "$D/ring" -cmd "exec sleep 600"
	PCAP_BROKER_BUFFER_FILE=$D/ring run "$HUB" -listen none -cmd true
	[ "$status" -eq 73 ]
	assert_output --partial 'another hub uses it'
}

# --- the recipes of docs/nothing-missed.md ----------------------------------

DOC="$ROOT/docs/nothing-missed.md"
TCPDUMP="tcpdump -i eth0 --immediate-mode -U -w - not port 4242"

# doc_cmd REGEX: the doc's pcap-broker command line matching REGEX, with its
# backslash continuations joined.
doc_cmd() {
	sed -e :a -e '/\\$/N; s/\\\n *//; ta' "$DOC" | grep -E '^pcap-broker ' | grep -E -- "$1" | head -1
}

# as_hub LINE FROM TO...: LINE with each FROM replaced by TO, and "exec" and
# the hub's path for pcap-broker (so that `eval ... &` leaves $! the hub's).
as_hub() {
	local line=$1; shift
	while [ $# -ge 2 ]; do line=${line//"$1"/"$2"}; shift 2; done
	echo "${line/#pcap-broker/exec \"\$HUB\"}"
}

# doc_hub LOG LINE FROM TO...: runs as_hub's command with stderr in LOG; sets
# HUB_PID and HUB_LOG, and PORT (its first listener) once it is ready.
doc_hub() {
	HUB_LOG=$1
	eval "$(shift; as_hub "$@")" 2>"$HUB_LOG" &
	HUB_PID=$!
	PIDS+=("$HUB_PID")
	wait_until 10 log_has "$HUB_LOG" ready
	PORT=$(grep -m1 'listening' "$HUB_LOG" | grep -oE '[0-9]+$')
}

@test "docs: the relay recipe runs (the sensor's command replaced by a generator)" {
	D=$BATS_TEST_TMPDIR
	local sensor leaf sport; sport=$("$BUILD/tools/freeport")
	sensor=$(doc_cmd "-restart -cmd '$TCPDUMP'")
	leaf=$(doc_cmd '-upstream sensor:4242')
	[ -n "$sensor" ] && [ -n "$leaf" ]
	# The sensor: a first run of 300 packets, then another after a restart.
	echo "[ -e '$D/ran' ] && n=1 || n=0; touch '$D/ran'; $(gated_cat /dev/null) && '$GEN' -start \$((n * 1000)) -c 300" >"$D/cap.sh"
	doc_hub "$D/sensor.log" "$sensor" "'$TCPDUMP'" "'sh $D/cap.sh'" ":4242" "127.0.0.1:$sport"
	doc_hub "$D/leaf.log" "$leaf" "sensor:4242" "127.0.0.1:$sport" "localhost:4242" "127.0.0.1:0"
	wait_until 10 log_has "$D/sensor.log" 'client connected'
	client "$D/out"
	wait_clients 1
	open_gate
	wait_until 30 last_is "$D/out" 1299
	kill -TERM "$HUB_PID"
	hub_exit
	[ "$HUB_STATUS" -eq 0 ]
	run "$VERIFY" <"$D/out"
	assert_output --regexp '^records=600 .*first=0 last=1299 gaps=1$'
}

@test "docs: the -buffer-file recipe runs (path and capture replaced)" {
	D=$BATS_TEST_TMPDIR
	local line; line=$(doc_cmd '-buffer 4G -buffer-file /var/lib/pcap-broker/ring')
	[ -n "$line" ]
	"$GEN" -c 1000 >"$D/in.pcap"
	doc_hub "$D/hub.log" "$line" /var/lib/pcap-broker/ring "$D/ring" "'$TCPDUMP'" "\"\$(gated_cat '$D/in.pcap')\"" ":4242" "127.0.0.1:0"
	one_replay "$D/in.pcap"
	[ "$(stat -c %s "$D/ring")" = $((4 << 30)) ]
}

@test "docs: the -restart recipe runs (ssh replaced by a command that dies once)" {
	D=$BATS_TEST_TMPDIR
	local line; line=$(doc_cmd "-restart -cmd 'ssh sensor")
	[ -n "$line" ]
	echo "[ -e '$D/ran' ] && exec '$GEN' -start 1000 -c 10; touch '$D/ran'; '$GEN' -c 10; exit 255" >"$D/cap.sh"
	doc_hub "$D/hub.log" "$line" "'ssh sensor tcpdump -i eth0 -U -w - not port 22'" "'sh $D/cap.sh'" ":4242" "127.0.0.1:0"
	wait_until 30 log_has "$HUB_LOG" 'capture resumed after a gap'
	assert_equal "$(log_count "$HUB_LOG" 'capture ended; restarting reason="end of stream" status=255 ')" 1
	kill -TERM "$HUB_PID"
	hub_exit
	[ "$HUB_STATUS" -eq 0 ]
}

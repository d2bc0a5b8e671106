#!/usr/bin/env bats
# The metrics and health endpoints (-metrics, docs/metrics.md): every
# endpoint and error, figures checked against what real clients received,
# hostile HTTP clients next to a byte-exact stream, the Unix and
# systemd-passed variants, and a real Prometheus scraping the hub.

load helpers
bats_require_minimum_version 1.5.0

HOSTILE="$BUILD/tools/hostile"

# start_mhub ARGS...: start_hub with -metrics on a kernel-chosen port; sets
# MPORT from the "serving metrics" line.
start_mhub() {
	start_hub -metrics 127.0.0.1:0 "$@"
	MPORT=$(grep -m1 'serving metrics' "$HUB_LOG" | grep -oE ':[0-9]+( |"|$)' | grep -oE '[0-9]+')
	[ -n "$MPORT" ]
}

murl() { echo "http://127.0.0.1:$MPORT$1"; }

# view_port NAME: the port of view NAME's first TCP listener.
view_port() {
	grep -E "listening.*addr=.* view=$1( |$)" "$HUB_LOG" | head -1 | grep -oE 'addr=[^ ]+' | grep -oE '[0-9]+$'
}

# metric NAME{LABELS}: its value in a fresh /metrics scrape.
metric() {
	curl -sf "$(murl /metrics)" | awk -v k="$1" '$1 == k { print $2 }'
}

# status PATH [CURL ARGS...]: the HTTP status code of one request.
status() {
	local p=$1; shift
	curl -s -o /dev/null -w '%{http_code}' "$@" "$(murl "$p")"
}

size_is() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -eq "$2" ]; }

# make_replay COUNT: in.pcap with COUNT records (SIZE bytes) and REPLAY, a
# capture command that streams it once the gate opens, then idles, so the
# figures hold still once the clients have it all.
make_replay() {
	"$GEN" -c "$1" >"$BATS_TEST_TMPDIR/in.pcap"
	SIZE=$(stat -c %s "$BATS_TEST_TMPDIR/in.pcap")
	REPLAY="$(gated_cat "$BATS_TEST_TMPDIR/in.pcap"); sleep 60"
}

# two_clients_replay COUNT: a hub with metrics replays COUNT records to two
# clients (a.pcap, b.pcap), who have it all on return.
two_clients_replay() {
	make_replay "$1"
	start_mhub -n -listen 127.0.0.1:0 -cmd "$REPLAY"
	client "$BATS_TEST_TMPDIR/a.pcap"
	client "$BATS_TEST_TMPDIR/b.pcap"
	wait_clients 2
	open_gate
	wait_until 20 size_is "$BATS_TEST_TMPDIR/a.pcap" "$SIZE"
	wait_until 20 size_is "$BATS_TEST_TMPDIR/b.pcap" "$SIZE"
}

@test "metrics: /metrics in text format 0.0.4 agrees with what two clients received; promtool finds nothing" {
	two_clients_replay 5000
	cmp "$BATS_TEST_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/a.pcap"
	run curl -s -D "$BATS_TEST_TMPDIR/headers" "$(murl /metrics)"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/metrics.txt"
	grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$BATS_TEST_TMPDIR/headers"
	assert_line 'pcap_broker_capture_records_total 5000'
	assert_line "pcap_broker_capture_bytes_total $((SIZE - 24))"
	assert_line 'pcap_broker_delivered_records_total 10000'
	assert_line 'pcap_broker_view_delivered_records_total{view="default"} 10000'
	assert_line "pcap_broker_delivered_bytes_total $((2 * SIZE))"
	assert_line "pcap_broker_view_delivered_bytes_total{view=\"default\"} $((2 * SIZE))"
	assert_line 'pcap_broker_dropped_records_total 0'
	assert_line "pcap_broker_clients{view=\"default\",listener=\"127.0.0.1:$PORT\"} 2"
	assert_line 'pcap_broker_refused_connections_total{reason="max-clients"} 0'
	assert_line 'pcap_broker_ring_capacity_bytes 67108864'
	assert_line --regexp '^pcap_broker_ring_oldest_record_age_seconds [0-9]+\.[0-9]{3}$'
	assert_line --regexp '^process_start_time_seconds [0-9]{10}\.[0-9]{3}$'
	assert_line --regexp "^pcap_broker_build_info\\{version=\"$("$HUB" -version | awk 'NR == 1 { print $2 }')\",libpcap_version=\"libpcap version [^\"]+\"\\} 1$"
	# No kernel counters without -i, no restarts without -restart, no
	# per-peer label anywhere.
	refute_output --partial 'kernel_dropped'
	refute_output --partial 'restarts'
	refute_output --partial '127.0.0.1:'"$(sed -n 's/.*client connected.*addr=127.0.0.1:\([0-9]*\).*/\1/p' "$HUB_LOG" | head -1)"
	# The process started around when the test did.
	start=$(awk '$1 == "process_start_time_seconds" { print int($2) }' "$BATS_TEST_TMPDIR/metrics.txt")
	[ $(( $(date +%s) - start )) -lt 120 ]
	run promtool check metrics <"$BATS_TEST_TMPDIR/metrics.txt"
	assert_success
	assert_output ""
}

@test "metrics: promtool is not blind (a badly named counter is reported)" {
	printf '# HELP x_bytes y\n# TYPE x_bytes counter\nx_bytes 1\n' >"$BATS_TEST_TMPDIR/bad.txt"
	run promtool check metrics <"$BATS_TEST_TMPDIR/bad.txt"
	assert_failure
}

@test "metrics: OpenMetrics when Accept asks for it" {
	make_replay 100
	start_mhub -n -listen 127.0.0.1:0 -cmd "$REPLAY"
	open_gate
	wait_until 10 bash -c "curl -s '$(murl /metrics)' | grep -qx 'pcap_broker_capture_records_total 100'"
	run curl -s -D "$BATS_TEST_TMPDIR/headers" -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5' "$(murl /metrics)"
	assert_success
	grep -qi '^content-type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$BATS_TEST_TMPDIR/headers"
	assert_line '# TYPE pcap_broker_capture_records counter'
	assert_line 'pcap_broker_capture_records_total 100'
	assert_line '# TYPE pcap_broker_build info'
	assert_line --regexp '^pcap_broker_build_info\{version='
	[ "${lines[-1]}" = "# EOF" ]
}

@test "metrics: /clients lists every client with its figures, as JSON" {
	two_clients_replay 3000
	run curl -s -D "$BATS_TEST_TMPDIR/headers" "$(murl /clients)"
	assert_success
	grep -qi '^content-type: application/json' "$BATS_TEST_TMPDIR/headers"
	echo "$output" >"$BATS_TEST_TMPDIR/clients.json"
	run jq -r 'sort_by(.id) | .[] | "\(.view) \(.records) \(.bytes) \(.dropped) \(.backlog_bytes) \(.listener)"' "$BATS_TEST_TMPDIR/clients.json"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "default 3000 $SIZE 0 0 127.0.0.1:$PORT"
	assert_line --index 1 "default 3000 $SIZE 0 0 127.0.0.1:$PORT"
	# The peers are the clients' own addresses, as the hub logged them.
	for peer in $(jq -r '.[].peer' "$BATS_TEST_TMPDIR/clients.json"); do
		grep -q "client connected.*addr=$peer" "$HUB_LOG"
	done
	jq -e 'all(.[]; (.id | type) == "number" and .connected_seconds >= 0)' "$BATS_TEST_TMPDIR/clients.json"
}

@test "metrics: per view: delivered, filtered, accepted and clients by listener agree with what each view's client received" {
	"$GEN" -c 3000 -dns-every 10 >"$BATS_TEST_TMPDIR/in.pcap"
	start_mhub -n -listen 127.0.0.1:0 -view 'dns: filter=udp port 53; listen=127.0.0.1:0' \
		-cmd "$(gated_cat "$BATS_TEST_TMPDIR/in.pcap"); sleep 60"
	DNS=$(view_port dns)
	client "$BATS_TEST_TMPDIR/all.pcap"
	socat -u -b 262144 "TCP:127.0.0.1:$DNS" "OPEN:$BATS_TEST_TMPDIR/dns.pcap,creat,trunc" &
	track_client "$!"
	wait_clients 2
	open_gate
	wait_until 20 size_is "$BATS_TEST_TMPDIR/all.pcap" "$(stat -c %s "$BATS_TEST_TMPDIR/in.pcap")"
	wait_until 20 bash -c "[ \$(tcpdump -nr '$BATS_TEST_TMPDIR/dns.pcap' 2>/dev/null | wc -l) -eq 300 ]"
	curl -s "$(murl /metrics)" >"$BATS_TEST_TMPDIR/metrics.txt"
	run cat "$BATS_TEST_TMPDIR/metrics.txt"
	assert_line 'pcap_broker_view_delivered_records_total{view="default"} 3000'
	assert_line 'pcap_broker_view_delivered_records_total{view="dns"} 300'
	assert_line "pcap_broker_view_delivered_bytes_total{view=\"dns\"} $(stat -c %s "$BATS_TEST_TMPDIR/dns.pcap")"
	assert_line 'pcap_broker_view_filtered_records_total{view="dns"} 2700'
	assert_line 'pcap_broker_view_filtered_records_total{view="default"} 0'
	assert_line 'pcap_broker_view_accepted_connections_total{view="dns"} 1'
	assert_line 'pcap_broker_delivered_records_total 3300'
	assert_line "pcap_broker_clients{view=\"default\",listener=\"127.0.0.1:$PORT\"} 1"
	assert_line "pcap_broker_clients{view=\"dns\",listener=\"127.0.0.1:$DNS\"} 1"
	refute_line "pcap_broker_clients{view=\"dns\",listener=\"127.0.0.1:$PORT\"} 0"
	run promtool check metrics <"$BATS_TEST_TMPDIR/metrics.txt"
	assert_success
	run curl -s "$(murl /clients)"
	jq -e 'map(.view) | sort == ["default", "dns"]' <<<"$output"
	jq -e '.[] | select(.view == "dns") | .records == 300' <<<"$output"
}

@test "metrics: a client that never reads: its drops show in its view, in /clients and in the hub's own count" {
	# 4 MiB of backlog, a ~20 MB stream: the stuck client must lose records.
	make_replay 60000
	start_mhub -n -buffer 4M -listen 127.0.0.1:0 -cmd "$REPLAY"
	coproc STUCK { "$HOSTILE" -port "$PORT" hold 1; }
	PIDS+=("$STUCK_PID")
	read -r -u "${STUCK[0]}" line
	[ "$line" = "held 1" ]
	wait_clients 1
	open_gate
	wait_until 60 bash -c "curl -s '$(murl /metrics)' | grep -qx 'pcap_broker_capture_records_total 60000'"
	dropped=$(metric 'pcap_broker_view_dropped_records_total{view="default"}')
	[ "$dropped" -gt 0 ]
	[ "$(metric pcap_broker_dropped_records_total)" -eq "$dropped" ]
	[ "$(curl -s "$(murl /clients)" | jq '[.[].dropped] | add')" -eq "$dropped" ]
	# Stuck: it still has bytes due, and what it got plus what it lost is
	# never more than the capture.
	curl -s "$(murl /clients)" | jq -e 'any(.[]; .dropped > 0 and .backlog_bytes > 0 and .records + .dropped <= 60000)'
	kill -USR1 "$HUB_PID"
	wait_until 5 log_has "$HUB_LOG" 'INF stats '
	grep -q "INF stats clients=1 records=60000 .* drops=$dropped " "$HUB_LOG"
}

@test "metrics: /livez is 200; /readyz is 503 with a reason until the capture starts, then 200" {
	make_replay 10
	start_mhub -n -listen 127.0.0.1:0 -cmd "$REPLAY"
	[ "$(status /livez)" = 200 ]
	[ "$(status /readyz)" = 503 ]
	run curl -s "$(murl /readyz)"
	assert_output "not ready: the capture has not started (no pcap header yet)"
	open_gate
	wait_until 10 bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$(murl /readyz)') = 200 ]"
	run curl -s "$(murl /readyz)"
	assert_output "ok"
	[ "$(status /livez)" = 200 ]
}

@test "metrics: /readyz is 503 while the hub drains its clients after the capture ended" {
	"$GEN" -c 60000 >"$BATS_TEST_TMPDIR/in.pcap"
	start_mhub -n -buffer 4M -drain 60s -listen 127.0.0.1:0 -cmd "$(gated_cat "$BATS_TEST_TMPDIR/in.pcap")"
	coproc STUCK { "$HOSTILE" -port "$PORT" hold 1; }
	PIDS+=("$STUCK_PID")
	read -r -u "${STUCK[0]}" line
	open_gate
	wait_until 30 log_has "$HUB_LOG" 'capture stream ended'
	run curl -s -w '%{http_code}' "$(murl /readyz)"
	assert_output $'not ready: the capture ended; draining clients before exit\n503'
	[ "$(status /livez)" = 200 ]
}

@test "metrics: other methods get 405 with Allow, other paths 404, HEAD no body; a request body is never read" {
	make_replay 10
	start_mhub -n -listen 127.0.0.1:0 -cmd "$REPLAY"
	for m in POST PUT DELETE PATCH OPTIONS; do
		[ "$(status /metrics -X "$m")" = 405 ]
	done
	run curl -s -i -X DELETE "$(murl /metrics)"
	assert_line --regexp '^Allow: GET, HEAD'
	for p in / /metric /metrics/x /CLIENTS /livez/ /..%2fmetrics; do
		[ "$(status "$p")" = 404 ]
	done
	[ "$(status '/metrics?x=1')" = 200 ]
	run curl -s -I "$(murl /metrics)"
	assert_line --regexp '^HTTP/1.1 200'
	run curl -s -X HEAD -m 5 "$(murl /metrics)"
	assert_output ""
	# A POST announcing a 1 GiB body that never comes: answered 405 without
	# waiting for it (the hub never reads a body).
	run bash -c "{ printf 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n';
		sleep 8; } | timeout 20 nc -q 1 127.0.0.1 $MPORT | head -1"
	assert_output $'HTTP/1.1 405 Method Not Allowed\r'
}

@test "metrics: a Unix socket path, group-only like the stream's socket, removed at exit" {
	sock="$BATS_TEST_TMPDIR/metrics.sock"
	make_replay 200
	start_hub -n -listen 127.0.0.1:0 -metrics "$sock" -cmd "$REPLAY"
	grep -q "serving metrics addr=unix:$sock" "$HUB_LOG"
	[ "$(stat -c %a "$sock")" = 660 ]
	open_gate
	wait_until 10 bash -c "curl -s --unix-socket '$sock' http://localhost/metrics | grep -qx 'pcap_broker_capture_records_total 200'"
	run curl -s --unix-socket "$sock" -w '%{http_code}' http://localhost/readyz
	assert_output $'ok\n200'
	kill "$HUB_PID"
	hub_exit
	[ ! -e "$sock" ]
}

@test "metrics: PCAP_BROKER_METRICS sets the address; a bad one is a usage error" {
	"$GEN" -c 10 >"$BATS_TEST_TMPDIR/in.pcap"
	PCAP_BROKER_METRICS=127.0.0.1:0 start_hub -n -listen 127.0.0.1:0 -cmd "cat '$BATS_TEST_TMPDIR/in.pcap'; sleep 60"
	grep -qE 'serving metrics addr=127.0.0.1:[0-9]+' "$HUB_LOG"
	run "$HUB" -metrics 'nonsense' -cmd true
	assert_equal "$status" 64
	assert_output --partial "invalid -metrics address 'nonsense'"
}

@test "metrics: a socket systemd passes with FileDescriptorName=metrics serves metrics; the hub still binds -listen" {
	make_replay 500
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	# Without --accept, the first connection starts the hub, as systemd
	# would; the hub logs to the same file.
	listen_on "$HUB_LOG" 'Listening on 127.0.0.1:@PORT@' \
		systemd-socket-activate -l 127.0.0.1:@PORT@ --fdname=metrics -E PCAP_COMMAND="$REPLAY" \
		"$HUB" -n -json -listen 127.0.0.1:0 -metrics 127.0.0.1:1
	MPORT=$LPORT
	HUB_PID=$LPID
	[ "$(curl -s -m 20 -w '%{http_code}' -o /dev/null "$(murl /livez)")" = 200 ]
	wait_until 10 log_has "$HUB_LOG" '"message":"ready"'
	grep -q '"message":"serving metrics","addr":"127.0.0.1:'"$MPORT"'"' "$HUB_LOG"
	grep -q 'the passed metrics socket replaces -metrics' "$HUB_LOG"
	PORT=$(grep '^{' "$HUB_LOG" | jq -r 'select(.message == "listening") | .addr' | grep -oE '[0-9]+$')
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 10 bash -c "curl -s '$(murl /metrics)' | grep -q '^pcap_broker_clients{.*} 1$'"
	open_gate
	wait_until 20 size_is "$BATS_TEST_TMPDIR/out.pcap" "$SIZE"
	[ "$(metric pcap_broker_delivered_records_total)" = 500 ]
}

# slowloris PORT OUT: opens a connection and sends one header byte every
# 0.2 s for up to 60 s; writes the seconds it lasted to OUT when the hub cut it.
slowloris() {
	local t0=$SECONDS i
	(
		trap '' PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET /metrics HTTP/1.1\r\n' >&3
		for i in $(seq 1 300); do
			printf 'X' >&3 2>/dev/null || exit 0
			sleep 0.2
		done
		exit 1
	) 2>/dev/null
	[ $? -eq 0 ] && echo $((SECONDS - t0)) >"$2"
}

@test "metrics: hostile HTTP clients (1000 idle, slowloris, 1 MiB request line, pipelined garbage, HTTP/0.9) never stall the stream" {
	"$GEN" -c 40000 >"$BATS_TEST_TMPDIR/in.pcap"
	SIZE=$(stat -c %s "$BATS_TEST_TMPDIR/in.pcap")
	# A paced live capture (4 s), the attacks during it, a byte-exact client.
	start_mhub -n -listen 127.0.0.1:0 -cmd "$(gated_cat /dev/null) ; '$GEN' -c 40000 -rate 10000; sleep 60"
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	coproc IDLE { "$HOSTILE" -port "$MPORT" hold 1000; }
	PIDS+=("$IDLE_PID")
	read -r -u "${IDLE[0]}" line
	[ "$line" = "held 1000" ]
	open_gate
	slowloris "$MPORT" "$BATS_TEST_TMPDIR/loris" &
	PIDS+=("$!")
	{ printf 'GET /'; head -c 1048576 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\n\r\n'; } |
		timeout 60 nc -q 10 127.0.0.1 "$MPORT" >"$BATS_TEST_TMPDIR/long.out" &
	NCS=("$!")
	printf 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n\001\002\377garbage\r\n\r\nPOST /x HTTP/9.9\r\n\r\n' |
		timeout 60 nc -q 10 127.0.0.1 "$MPORT" >"$BATS_TEST_TMPDIR/pipelined.out" &
	NCS+=("$!")
	printf 'GET /metrics\r\n' | timeout 60 nc -q 10 127.0.0.1 "$MPORT" >"$BATS_TEST_TMPDIR/http09.out" &
	NCS+=("$!")
	PIDS+=("${NCS[@]}")
	# The stream arrives whole and on time (4 s of capture, generous bound).
	wait_until 30 size_is "$BATS_TEST_TMPDIR/out.pcap" "$SIZE"
	cmp "$BATS_TEST_TMPDIR/in.pcap" "$BATS_TEST_TMPDIR/out.pcap"
	# The idle horde leaves; the hub answers again, and got no client from it.
	exec {IDLE[1]}>&-
	wait "$IDLE_PID" || true
	wait_until 30 bash -c "[ \$(curl -s -m 5 -o /dev/null -w '%{http_code}' '$(murl /livez)') = 200 ]"
	# The slowloris was cut by the request deadline (5 s), not at once.
	wait_until 90 test -s "$BATS_TEST_TMPDIR/loris"
	loris=$(cat "$BATS_TEST_TMPDIR/loris")
	echo "# slowloris cut after ${loris}s" >&3
	[ "$loris" -ge 4 ] && [ "$loris" -le 60 ]
	# The 1 MiB request line and HTTP/0.9 got no 200; the pipelined
	# connection its first answer only.
	for p in "${NCS[@]}"; do wait "$p" || true; done # each bounded by its timeout
	! grep -q '200 OK' "$BATS_TEST_TMPDIR/long.out"
	! grep -q '200 OK' "$BATS_TEST_TMPDIR/http09.out"
	[ "$(grep -c '^HTTP/1.1 ' "$BATS_TEST_TMPDIR/pipelined.out")" -eq 1 ]
	grep -q '^HTTP/1.1 200 OK' "$BATS_TEST_TMPDIR/pipelined.out"
	[ "$(metric 'pcap_broker_clients{view="default",listener="127.0.0.1:'"$PORT"'"}')" = 1 ]
	[ "$(metric pcap_broker_capture_records_total)" = 40000 ]
}

@test "metrics: -allow applies to the metrics listener too" {
	make_replay 10
	start_mhub -n -allow 10.0.0.0/8 -listen 127.0.0.1:0 -cmd "$REPLAY"
	run curl -s -m 5 "$(murl /livez)"
	assert_failure
	refute_output "ok"
}

# doc_block MARKER: the fenced block after <!-- MARKER --> in docs/metrics.md.
doc_block() {
	awk -v m="<!-- $1 -->" '$0 == m { on = 1; next } on && /^```/ { if (in_block) exit; in_block = 1; next } in_block' \
		"$ROOT/docs/metrics.md"
}

# A real Prometheus on a kernel-chosen port, with the scrape configuration of
# docs/metrics.md pointed at the hub and a 1 s interval.
start_prometheus() {
	local dir="$BATS_TEST_TMPDIR/prom"
	mkdir -p "$dir/data"
	{
		printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n'
		doc_block scrape-config | sed "s/localhost:4241/127.0.0.1:$MPORT/"
	} >"$dir/prometheus.yml"
	grep -q "targets: \['127.0.0.1:$MPORT'\]" "$dir/prometheus.yml"
	listen_on "$dir/log" 'Server is ready to receive web requests' prometheus \
		--config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address=127.0.0.1:@PORT@
	PROM=$LPORT
}

# promq QUERY: the value of the query's single result, or nothing.
promq() {
	curl -s "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty'
}

prom_is() { [ "$(promq "$1")" = "$2" ]; }

@test "metrics: a real Prometheus scrapes the hub: up, the capture count of the hub's exit line, a stuck client's drops" {
	command -v prometheus >/dev/null
	make_replay 60000
	# The stuck client is in a view of its own, "slow".
	start_mhub -n -buffer 4M -listen 127.0.0.1:0 -view 'slow: listen=127.0.0.1:0' -cmd "$REPLAY"
	SLOW=$(view_port slow)
	coproc STUCK { "$HOSTILE" -port "$SLOW" hold 1; }
	PIDS+=("$STUCK_PID")
	read -r -u "${STUCK[0]}" line
	start_prometheus
	wait_until 60 prom_is 'up{job="pcap-broker"}' 1
	open_gate
	wait_until 60 prom_is 'pcap_broker_capture_records_total{job="pcap-broker"}' 60000
	dropped=$(metric 'pcap_broker_view_dropped_records_total{view="slow"}')
	[ "$dropped" -gt 0 ]
	wait_until 30 prom_is 'pcap_broker_view_dropped_records_total{job="pcap-broker",view="slow"}' "$dropped"
	[ "$(promq 'pcap_broker_view_dropped_records_total{job="pcap-broker",view="default"}')" = 0 ]
	# The build info and a per-listener gauge came through OpenMetrics too.
	[ "$(promq 'count(pcap_broker_build_info{job="pcap-broker"})')" = 1 ]
	[ "$(promq "pcap_broker_clients{job=\"pcap-broker\",view=\"slow\",listener=\"127.0.0.1:$SLOW\"}")" = 1 ]
	[ "$(promq "pcap_broker_clients{job=\"pcap-broker\",view=\"default\",listener=\"127.0.0.1:$PORT\"}")" = 0 ]
	# Every query of the Grafana dashboard runs, with its variables filled in.
	jq -r '.panels[].targets[].expr' "$ROOT/contrib/grafana-pcap-broker.json" |
		sed -e 's/\$__rate_interval/1m/g' -e 's/\$job/pcap-broker/g' -e 's/\$instance/.*/g' |
		while read -r q; do
			curl -s "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode "query=$q" |
				jq -e '.status == "success"' >/dev/null || { echo "dashboard query fails: $q"; exit 1; }
		done
	kill "$HUB_PID"
	hub_exit
	grep -q "exiting status=0 records=60000 .* drops=$dropped " "$HUB_LOG"
}

@test "metrics: -i exports the kernel's drop counters; the dashboard names only metrics the hub exports" {
	[ "$(id -u)" -eq 0 ] || skip "native capture needs root (CAP_NET_RAW); CI runs as root"
	udp=$(( 20000 + RANDOM % 20000 ))
	start_mhub -n -listen 127.0.0.1:0 -i lo -f "udp dst port $udp"
	client "$BATS_TEST_TMPDIR/out.pcap"
	wait_clients 1
	for i in $(seq 1 20); do echo "probe-$i" | socat -u - "UDP:127.0.0.1:$udp"; done
	wait_until 10 bash -c "curl -s '$(murl /metrics)' | grep -qx 'pcap_broker_capture_records_total 20'"
	curl -s "$(murl /metrics)" >"$BATS_TEST_TMPDIR/metrics.txt"
	grep -qx 'pcap_broker_capture_kernel_dropped_packets_total{interface="lo"} 0' "$BATS_TEST_TMPDIR/metrics.txt"
	run promtool check metrics <"$BATS_TEST_TMPDIR/metrics.txt"
	assert_success
	# Every metric name in the dashboard's queries and variables is a sample here.
	names=$(jq -r '.panels[].targets[].expr, .templating.list[].definition // empty' \
		"$ROOT/contrib/grafana-pcap-broker.json" | grep -oE '\b(pcap_broker|process)_[a-z_]+' | sort -u)
	[ "$(wc -l <<<"$names")" -ge 12 ]
	for n in $names; do
		grep -qE "^$n(\{| )" "$BATS_TEST_TMPDIR/metrics.txt" || { echo "not exported: $n"; return 1; }
	done
}

@test "metrics: the alert rules pass promtool check rules and fire on their series (promtool test rules)" {
	run promtool check rules "$ROOT/contrib/pcap-broker.rules.yml"
	assert_success
	assert_output --partial "SUCCESS: 6 rules found"
	cd "$ROOT/tests"
	run promtool test rules metrics-rules.test.yml
	assert_success
	# Not blind: an alert expected on the wrong view fails.
	sed 's/view: default }/view: dns }/' metrics-rules.test.yml >"$BATS_TEST_TMPDIR/wrong.test.yml"
	sed -i "s|\.\./contrib/|$ROOT/contrib/|" "$BATS_TEST_TMPDIR/wrong.test.yml"
	run promtool test rules "$BATS_TEST_TMPDIR/wrong.test.yml"
	assert_failure
	# The example in docs/metrics.md is the shipped rule.
	while read -r line; do
		grep -qF -- "${line#- }" "$ROOT/contrib/pcap-broker.rules.yml" || { echo "not in the rules: $line"; return 1; }
	done < <(doc_block alert-example)
	[ "$(doc_block alert-example | wc -l)" -eq 3 ]
}

@test "metrics: a consumer group's members and rebalances, and a rewind view's rewound clients, per view" {
	# A paced live capture: a member that leaves is noticed at the next write.
	start_mhub -n -listen 127.0.0.1:0 -view 'g: group=5tuple; listen=127.0.0.1:0' \
		-view 'back: rewind=1m; listen=127.0.0.1:0' -cmd "$(gated_cat /dev/null); exec '$GEN' -c 1000000 -rate 2000"
	G=$(view_port g)
	for i in 1 2; do
		socat -u "TCP:127.0.0.1:$G" "OPEN:$BATS_TEST_TMPDIR/g$i.pcap,creat,trunc" &
		track_client "$!"
	done
	wait_clients 2
	wait_until 10 bash -c "curl -s '$(murl /metrics)' | grep -qx 'pcap_broker_group_members{view=\"g\"} 2'"
	run curl -s "$(murl /metrics)"
	assert_line 'pcap_broker_group_rebalances_total{view="g"} 2'
	assert_line 'pcap_broker_group_unplaced_records_total{view="g"} 0'
	assert_line --regexp '^pcap_broker_group_moved_buckets_total\{view="g"\} [1-9][0-9]*$'
	refute_line --partial 'pcap_broker_group_members{view="default"}'
	open_gate
	# One member leaves: a third rebalance, one member left.
	kill "${PIDS[-1]}"
	wait_until 20 bash -c "curl -s '$(murl /metrics)' | grep -qx 'pcap_broker_group_members{view=\"g\"} 1'"
	[ "$(metric 'pcap_broker_group_rebalances_total{view="g"}')" = 3 ]
	# A client of the rewind view starts in the past: counted as rewound.
	socat -u "TCP:127.0.0.1:$(view_port back)" "OPEN:$BATS_TEST_TMPDIR/back.pcap,creat,trunc" &
	track_client "$!"
	wait_until 10 bash -c "curl -s '$(murl /metrics)' | grep -qx 'pcap_broker_view_rewound_clients_total{view=\"back\"} 1'"
	[ "$(metric 'pcap_broker_view_rewound_clients_total{view="default"}')" = 0 ]
	curl -s "$(murl /metrics)" | promtool check metrics
}

@test "metrics: -restart exports the capture's restarts, as many as the hub logged gaps" {
	"$GEN" -c 50 >"$BATS_TEST_TMPDIR/in.pcap"
	start_mhub -n -restart -listen 127.0.0.1:0 -cmd "cat '$BATS_TEST_TMPDIR/in.pcap'"
	wait_until 30 log_has "$HUB_LOG" 'capture resumed after a gap.*gaps=1 '
	n=$(metric pcap_broker_capture_restarts_total)
	[ "$n" -ge 1 ]
	log_has "$HUB_LOG" "capture resumed after a gap.*gaps=$n "
	[ -z "$(curl -s "$(murl /metrics)" | grep upstream_reconnects)" ]
	curl -s "$(murl /metrics)" | promtool check metrics
}

#!/usr/bin/env bats
# A real systemd: a minimal Debian bookworm container (debootstrap, cached in
# build/rootfs) booted with systemd-nspawn, with the units and binaries that
# `make install DESTDIR=<root> PREFIX=/usr` puts there. A client on the host
# connects to the TCP socket and gets the stream through a socket-activated
# helper, from a socket-activated hub. Needs root; in CI it always runs.

load helpers
load nspawn
bats_require_minimum_version 1.5.0

REPLAY_PACKETS=2000

# The hub's capture: waits for the test's go-ahead (so the client is
# connected before the first packet), replays the file, then idles.
replay_command() {
	echo "PCAP_COMMAND='while [ ! -e /srv/pcap-broker-test/go ]; do sleep 0.05; done;" \
		"cat /srv/pcap-broker-test/replay.pcap; exec sleep infinity'"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Without root each test says loudly that it did not run (bats cannot skip
# from setup_file). CI runs as root, so there it always runs.
setup() {
	is_root || skip "NOT RUN: the real-systemd test needs root (debootstrap, overlay mount, systemd-nspawn)"
}

setup_file() {
	is_root || return 0
	local t0=$SECONDS
	"$ROOT/scripts/nspawn-rootfs" "$NS_BASE"
	local t1=$SECONDS
	nspawn_prepare "$BATS_FILE_TMPDIR/ns"
	make -s -C "$ROOT" install DESTDIR="$NS_ROOT" PREFIX=/usr
	# What a package's postinst would do: create the user, enable the sockets.
	chroot "$NS_ROOT" systemd-sysusers /usr/lib/sysusers.d/pcap-broker.conf
	chroot "$NS_ROOT" systemctl enable --quiet pcap-broker.socket pcap-broker-client.socket
	chroot "$NS_ROOT" systemctl enable --quiet pcap-broker-http.socket pcap-broker-metrics.socket
	export CLIENT_PORT UDP_PORT
	CLIENT_PORT=$(free_port)
	UDP_PORT=$(free_port) # for the live capture's packets
	mkdir -p "$NS_ROOT/etc/systemd/system/pcap-broker-client.socket.d" "$NS_ROOT/srv/pcap-broker-test"
	printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$CLIENT_PORT" \
		>"$NS_ROOT/etc/systemd/system/pcap-broker-client.socket.d/test-port.conf"
	export HTTP_PORT PUSH_PORT
	HTTP_PORT=$(free_port) # the HTTP view's socket, instead of 4243
	PUSH_PORT=$(free_port) # a collector on the host, for the push unit
	mkdir -p "$NS_ROOT/etc/systemd/system/pcap-broker-http.socket.d"
	printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$HTTP_PORT" \
		>"$NS_ROOT/etc/systemd/system/pcap-broker-http.socket.d/test-port.conf"
	export METRICS_PORT
	METRICS_PORT=$(free_port) # the metrics socket, instead of 4241
	mkdir -p "$NS_ROOT/etc/systemd/system/pcap-broker-metrics.socket.d"
	printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$METRICS_PORT" \
		>"$NS_ROOT/etc/systemd/system/pcap-broker-metrics.socket.d/test-port.conf"
	"$GEN" -c "$REPLAY_PACKETS" >"$NS_ROOT/srv/pcap-broker-test/replay.pcap"
	replay_command >"$NS_ROOT/etc/default/pcap-broker"
	nspawn_boot
	echo "# nspawn: rootfs ready in $((t1 - t0))s, installed and booted in $((SECONDS - t1))s" >&3
}

teardown_file() {
	local f
	for f in "$BATS_FILE_TMPDIR"/client*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	nspawn_down
}

send_udp() { printf 'pcap-broker-test %s' "$1" >"/dev/udp/127.0.0.1/$UDP_PORT"; }

# send_udp_until COMMAND...: one more packet for the live capture, then COMMAND.
send_udp_until() { send_udp more; "$@"; }

# status_has REGEX: `systemctl status pcap-broker` shows it.
status_has() { inside systemctl --no-pager status pcap-broker.service 2>&1 | grep -qE -- "$1"; }

unit_active() { [ "$(inside systemctl is-active "$1")" = active ]; }
no_helpers() { [ -z "$(inside systemctl list-units --no-legend --state=active 'pcap-broker-client@*')" ]; }
file_size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }

@test "nspawn: both sockets listen after boot, the hub is not started yet" {
	unit_active pcap-broker.socket
	unit_active pcap-broker-client.socket
	run inside systemctl is-active pcap-broker.service
	assert_output inactive
	inside test -S /run/pcap-broker/hub.sock
	run inside stat -c '%a %U:%G' /run/pcap-broker/hub.sock
	assert_output "660 root:pcap-broker"
}

@test "nspawn: a host client gets a byte-exact replay through helper and hub, and status shows STATUS" {
	local out="$BATS_FILE_TMPDIR/client1.pcap" replay="$NS_ROOT/srv/pcap-broker-test/replay.pcap"
	# This client stays connected until the hub-stop test below (or teardown_file).
	socat -u "TCP:127.0.0.1:$CLIENT_PORT" "OPEN:$out,creat,trunc" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/client1.pid"
	# The connection activates a helper, whose connect() activates the hub.
	wait_until 30 status_has 'Status: "clients=1 packets=0 '
	unit_active pcap-broker.service
	touch "$NS_ROOT/srv/pcap-broker-test/go"
	wait_until 30 file_size_is "$out" "$(stat -c %s "$replay")"
	cmp "$replay" "$out"
	wait_until 10 status_has "Status: \"clients=1 packets=$REPLAY_PACKETS bytes=[0-9]+ drops=0 "
	inside systemctl --no-pager status pcap-broker.service | grep -E 'Status:|Active:|Main PID' | sed 's/^/# /' >&3
}

@test "nspawn: pcap-broker-metrics.socket is passed to the running hub and scraped from the host" {
	unit_active pcap-broker-metrics.socket
	unit_active pcap-broker.service
	run curl -s -m 20 "http://127.0.0.1:$METRICS_PORT/metrics"
	assert_success
	assert_line "pcap_broker_capture_records_total $REPLAY_PACKETS"
	assert_line --regexp '^pcap_broker_clients\{view="default",listener="unix:/run/pcap-broker/hub.sock"\} 1$'
	run curl -s -m 20 -w ' %{http_code}' "http://127.0.0.1:$METRICS_PORT/readyz"
	assert_output $'ok\n 200'
	inside journalctl --no-pager -u pcap-broker.service | grep -q 'serving metrics addr=127.0.0.1:'"$METRICS_PORT"
}

@test "nspawn: the hub pings the systemd watchdog" {
	local first
	run inside systemctl show -P WatchdogUSec pcap-broker.service
	assert_output 30s
	first=$(inside systemctl show -P WatchdogTimestampMonotonic pcap-broker.service)
	[ -n "$first" ] && [ "$first" -gt 0 ]
	wait_until 10 bash -c "[ \$(timeout 10 nsenter -t $NS_LEADER -a systemctl show -P WatchdogTimestampMonotonic pcap-broker.service) -gt $first ]"
}

@test "nspawn: the running units keep their exposure (helper <= 1.0, hub <= 2.5)" {
	local helper hub unit
	unit=$(inside systemctl list-units --no-legend --plain --state=active 'pcap-broker-client@*' | awk '{print $1; exit}')
	[ -n "$unit" ]
	helper=$(inside systemd-analyze security --no-pager "$unit" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	hub=$(inside systemd-analyze security --no-pager pcap-broker.service | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	echo "# exposure of the running units: $unit $helper, pcap-broker.service $hub" >&3
	awk -v h="$helper" 'BEGIN { exit !(h != "" && h <= 1.0) }'
	awk -v h="$hub" 'BEGIN { exit !(h != "" && h <= 2.5) }'
}

@test "nspawn: when the hub stops, the helper ends the client's stream cleanly" {
	local pid
	pid=$(cat "$BATS_FILE_TMPDIR/client1.pid")
	kill -0 "$pid" # the replay's client is still connected
	inside systemctl stop pcap-broker.service
	wait_until 10 bash -c "! kill -0 $pid 2>/dev/null"
	wait_until 5 no_helpers
	cmp "$NS_ROOT/srv/pcap-broker-test/replay.pcap" "$BATS_FILE_TMPDIR/client1.pcap"
}

@test "nspawn: the hub captures live with tcpdump (CAP_NET_RAW, sandboxed), activated again on demand" {
	local out="$BATS_FILE_TMPDIR/live.pcap"
	echo "PCAP_COMMAND='tcpdump -i lo -n --immediate-mode -U -w - udp and dst port $UDP_PORT'" \
		>"$NS_ROOT/etc/default/pcap-broker"
	run inside systemctl is-active pcap-broker.service
	assert_output inactive
	# This client stays connected for the next test; teardown_file ends it.
	socat -u "TCP:127.0.0.1:$CLIENT_PORT" "OPEN:$out,creat,trunc" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/client2.pid"
	wait_until 30 status_has 'Status: "clients=1 '
	wait_until 20 bash -c "timeout 10 nsenter -t $NS_LEADER -a journalctl -u pcap-broker.service -o cat | grep -q 'listening on lo'"
	for i in $(seq 1 20); do send_udp "$i"; done
	wait_until 20 bash -c "[ \$(tcpdump -nr '$out' 2>/dev/null | grep -c 'UDP, length') -ge 20 ]"
}

# While packets flow, the helper learns at its next write that the client is
# gone. (On an idle stream a client's orderly close looks like a half-close,
# which must keep the stream going; see tests/helper.bats.)
@test "nspawn: a client that leaves while packets flow: its helper exits and the hub frees it" {
	local pid
	pid=$(cat "$BATS_FILE_TMPDIR/client2.pid")
	kill -0 "$pid"
	kill "$pid"
	wait_until 10 send_udp_until no_helpers
	wait_until 10 status_has 'Status: "clients=0 '
}

@test "nspawn: the hub captures natively with libpcap (-i) in the same sandbox" {
	local out="$BATS_TEST_TMPDIR/native.pcap"
	inside systemctl stop pcap-broker.service
	printf '%s\n' PCAP_BROKER_INTERFACE=lo "PCAP_BROKER_FILTER='udp and dst port $UDP_PORT'" \
		>"$NS_ROOT/etc/default/pcap-broker"
	socat -u "TCP:127.0.0.1:$CLIENT_PORT" "OPEN:$out,creat,trunc" 3>&- &
	PIDS+=("$!")
	wait_until 30 status_has 'Status: "clients=1 '
	wait_until 20 send_udp_until bash -c "[ \$(tcpdump -nr '$out' 2>/dev/null | grep -c 'UDP, length') -ge 20 ]"
	inside journalctl -u pcap-broker.service -o cat | grep -q 'native capture started interface=lo'
}

# hub_capturing FILTER: the next start of the hub captures natively on lo
# with FILTER; the hub is stopped now, so the next client starts it again.
hub_capturing() {
	inside systemctl stop pcap-broker.service
	printf '%s\n' PCAP_BROKER_INTERFACE=lo "PCAP_BROKER_FILTER='$1'" >"$NS_ROOT/etc/default/pcap-broker"
}

# count FILE REGEX: lines of `tcpdump -nr FILE` that match.
count() { tcpdump -nr "$1" 2>/dev/null | grep -cE -- "$2" || true; }
at_least() { [ "$(count "$1" "$2")" -ge "$3" ]; }

# tcp80: a connection attempt to 127.0.0.1:80 (SYN, then RST or more).
tcp80() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/80' 2>/dev/null || true; }

@test "nspawn: the HTTP view (pcap-broker-http.socket) passes only tcp port 80 or 443, the full socket everything" {
	local view="$BATS_TEST_TMPDIR/view.pcap" full="$BATS_TEST_TMPDIR/full.pcap"
	hub_capturing "(udp and dst port $UDP_PORT) or tcp port 80"
	unit_active pcap-broker-http.socket
	socat -u "TCP:127.0.0.1:$HTTP_PORT" "OPEN:$view,creat,trunc" 3>&- &
	PIDS+=("$!")
	socat -u "TCP:127.0.0.1:$CLIENT_PORT" "OPEN:$full,creat,trunc" 3>&- &
	PIDS+=("$!")
	wait_until 30 status_has 'Status: "clients=2 '
	for i in 1 2 3; do send_udp "$i"; tcp80; done
	wait_until 20 send_udp_until at_least "$full" '127\.0\.0\.1\.80: ' 3
	wait_until 20 send_udp_until at_least "$view" '127\.0\.0\.1\.80: ' 3
	wait_until 20 send_udp_until at_least "$full" "\.$UDP_PORT: UDP" 3
	assert_equal "$(count "$view" 'UDP')" 0
	assert_equal "$(count "$view" .)" "$(count "$view" '(\.80: |\.80 >)')"
	echo "# HTTP view: $(count "$view" .) packets, all tcp port 80; full stream: $(count "$full" .)" >&3
	[ -n "$(inside systemctl list-units --no-legend --state=active 'pcap-broker-http@*')" ]
}

@test "nspawn: the push unit delivers to a listening collector and feeds it again after that collector restarts" {
	local unit="pcap-broker-push@127.0.0.1:$PUSH_PORT.service" one="$BATS_TEST_TMPDIR/push1.pcap" two="$BATS_TEST_TMPDIR/push2.pcap"
	hub_capturing "udp and dst port $UDP_PORT"
	socat -u "TCP-LISTEN:$PUSH_PORT,bind=127.0.0.1,reuseaddr" "OPEN:$one,creat,trunc" 3>&- &
	local collector=$!
	PIDS+=("$collector")
	wait_until 10 bash -c "ss -Hltn 'sport = :$PUSH_PORT' | grep -q ."
	inside systemctl start "$unit"
	wait_until 30 send_udp_until at_least "$one" "\.$UDP_PORT: UDP" 5
	# The collector goes away: the helper learns it at its next write and exits.
	kill "$collector"
	wait_until 30 send_udp_until bash -c "timeout 10 nsenter -t $NS_LEADER -a journalctl -u '$unit' -o cat | grep -q 'reason=\"client closed\"'"
	# While nobody listens, systemd keeps trying (RestartSec=5s, no start limit).
	wait_until 30 bash -c "timeout 10 nsenter -t $NS_LEADER -a journalctl -u '$unit' -o cat | grep -q 'cannot connect to the collector'"
	run inside systemctl is-failed "$unit"
	refute_output failed
	# A new collector: fed again, a fresh stream from its header on.
	socat -u "TCP-LISTEN:$PUSH_PORT,bind=127.0.0.1,reuseaddr" "OPEN:$two,creat,trunc" 3>&- &
	PIDS+=("$!")
	wait_until 30 send_udp_until at_least "$two" "\.$UDP_PORT: UDP" 5
	# Both begin with a pcap header of their own (nanosecond magic: the hub's native capture).
	assert_equal "$(od -An -tx4 -N4 "$one" | tr -d ' ')" a1b23c4d
	assert_equal "$(od -An -tx4 -N4 "$two" | tr -d ' ')" a1b23c4d
	restarts=$(inside systemctl show -P NRestarts "$unit")
	echo "# push unit: $(count "$one" UDP) then $(count "$two" UDP) packets delivered, $restarts restarts in between" >&3
	[ "$restarts" -ge 2 ]
	inside systemctl stop "$unit"
}

@test "nspawn: a view on pcap-broker-view-dns.socket (FileDescriptorName=dns), and a helper asking for it by name" {
	local d="$NS_ROOT/srv/pcap-broker-test" out="$BATS_FILE_TMPDIR/view-dns.pcap" ref="$BATS_FILE_TMPDIR/dns.ref" port
	"$GEN" -c 700 -dns-every 7 >"$d/dns-replay.pcap"
	tcpdump -r "$d/dns-replay.pcap" -w "$ref" 'udp port 53' 2>/dev/null
	inside systemctl stop pcap-broker.service
	{
		echo "PCAP_COMMAND='while [ ! -e /srv/pcap-broker-test/go-view ]; do sleep 0.05; done;" \
			"cat /srv/pcap-broker-test/dns-replay.pcap; exec sleep infinity'"
		echo "PCAP_BROKER_VIEW_dns='filter=udp port 53'"
	} >"$NS_ROOT/etc/default/pcap-broker"
	port=$(free_port)
	mkdir -p "$NS_ROOT/etc/systemd/system/pcap-broker-view-dns.socket.d"
	printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$port" \
		>"$NS_ROOT/etc/systemd/system/pcap-broker-view-dns.socket.d/test-port.conf"
	inside systemctl daemon-reload
	inside systemctl start pcap-broker-view-dns.socket
	# The connection to the view's socket activates the hub with it.
	socat -u "TCP:127.0.0.1:$port" "OPEN:$out,creat,trunc" 3>&- &
	PIDS+=("$!")
	wait_until 30 status_has 'Status: "clients=1 '
	inside sh -c 'timeout 60 pcap-broker-helper -socket /run/pcap-broker/hub.sock -view dns \
		</dev/null >/srv/pcap-broker-test/helper-dns.pcap 2>/srv/pcap-broker-test/helper-dns.err &'
	wait_until 30 status_has 'Status: "clients=2 '
	touch "$d/go-view"
	wait_until 30 file_size_is "$out" "$(stat -c %s "$ref")"
	wait_until 30 file_size_is "$d/helper-dns.pcap" "$(stat -c %s "$ref")"
	cmp "$ref" "$out"
	cmp "$ref" "$d/helper-dns.pcap"
	inside journalctl -u pcap-broker.service -o cat | grep -q 'serving a socket passed by systemd.*name=dns.*view=dns'
	echo "# view dns: $(capinfos -c -M "$out" | grep -oE '[0-9]+$') of 700 records, through its socket and through a helper" >&3
	inside systemctl stop pcap-broker.service pcap-broker-view-dns.socket
}

@test "nspawn: the file-backed buffer in StateDirectory= and -restart, set as docs/nothing-missed.md shows" {
	local out="$BATS_TEST_TMPDIR/state.pcap" replay="$NS_ROOT/srv/pcap-broker-test/replay.pcap"
	inside systemctl stop pcap-broker.service
	rm -f "$NS_ROOT/srv/pcap-broker-test/go"
	# The doc's lines for /etc/default/pcap-broker, verbatim, and the replay.
	{ grep -E '^PCAP_BROKER_(BUFFER|BUFFER_FILE|RESTART)=' "$ROOT/docs/nothing-missed.md"; replay_command; } \
		>"$NS_ROOT/etc/default/pcap-broker"
	assert_equal "$(grep -c '^PCAP_BROKER_' "$NS_ROOT/etc/default/pcap-broker")" 3
	socat -u "TCP:127.0.0.1:$CLIENT_PORT" "OPEN:$out,creat,trunc" 3>&- &
	PIDS+=("$!")
	wait_until 30 status_has 'Status: "clients=1 packets=0 '
	touch "$NS_ROOT/srv/pcap-broker-test/go"
	wait_until 30 file_size_is "$out" "$(stat -c %s "$replay")"
	cmp "$replay" "$out"
	inside journalctl -u pcap-broker.service -o cat | grep -q 'buffer in a file path=/var/lib/pcap-broker/ring size=4294967296'
	run inside stat -c '%a %U %s' /var/lib/pcap-broker /var/lib/pcap-broker/ring
	assert_line --index 0 --regexp '^700 pcap-broker '
	assert_line --index 1 '600 pcap-broker 4294967296'
	inside systemctl stop pcap-broker.service
}

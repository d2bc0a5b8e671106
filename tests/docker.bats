#!/usr/bin/env bats
# The Dockerfile, without a Docker engine: dockerfilelint lints it, and
# tests/tools/dockerfile-chroot runs its own stages (its RUN lines, package
# lists, COPY paths, USER and ENV) in debootstrapped bookworm chroots. The
# image is then run as `docker run` would, as its non-root user, in network
# namespaces of its own. Needs root; in CI it always runs.

load helpers
bats_require_minimum_version 1.5.0

DCHROOT="$ROOT/tests/tools/dockerfile-chroot"
LINT="$ROOT/build/npm/node_modules/.bin/dockerfilelint"
IMG="$ROOT/build/docker-test"
SLIM="$ROOT/build/rootfs/slim"
IMAGE_VERSION=9.9.9-docker-test

is_root() { [ "$(id -u)" -eq 0 ]; }

setup() {
	is_root || skip "NOT RUN: the Dockerfile chroot test needs root (debootstrap, chroot, namespaces)"
	[ -z "${PCAP_BROKER_SANITIZED:-}" ] || skip "the image builds its own binaries: nothing to add under the sanitizers"
	IROOT="$(readlink -f "$IMG/image/root")"
}

setup_file() {
	is_root || return 0
	[ -z "${PCAP_BROKER_SANITIZED:-}" ] || return 0
	local t0=$SECONDS t1
	"$ROOT/scripts/nspawn-rootfs" "$SLIM" ""
	t1=$SECONDS
	if ! "$DCHROOT" build "$ROOT/Dockerfile" "$ROOT" "$SLIM" "$IMG" \
		VERSION="$IMAGE_VERSION" >"$IMG.log" 2>&1; then
		grep -E '^(# |dockerfile-chroot:|E:)' "$IMG.log" >&2
		tail -n 20 "$IMG.log" >&2
		return 1
	fi
	echo "# docker: minbase root ready in $((t1 - t0))s, both stages built in $((SECONDS - t1))s (log: $IMG.log)" >&3
}

# image ARGS...: the hub as `docker run IMAGE ARGS...` would run it, in a
# network namespace of its own; stderr in $HUB_LOG; sets HUB_PID.
image() {
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	"$DCHROOT" run "$IMG" -n "$@" 2>"$HUB_LOG" &
	HUB_PID=$!
	PIDS+=("$HUB_PID")
}

# in_net CMD...: CMD (a host program) in the hub's network namespace.
in_net() { nsenter -t "$HUB_PID" -n "$@"; }

# image_client OUT: a host socat, in the hub's namespace, on the image's
# default address.
image_client() {
	in_net socat -u -b 262144 TCP:127.0.0.1:4242 "OPEN:$1,creat,trunc" &
	PIDS+=("$!")
}

send_udp() { in_net bash -c 'for i in $(seq 1 '"$1"'); do echo "pcap-broker-test $i" >/dev/udp/127.0.0.1/9; done'; }
packets_in() { tcpdump -nr "$1" 2>/dev/null | wc -l; }
at_least_packets() { [ "$(packets_in "$1")" -ge "$2" ]; }

@test "docker: dockerfilelint finds no issue in the Dockerfile" {
	run "$LINT" "$ROOT/Dockerfile"
	echo "$output"
	assert_success
	assert_output --partial "Issues: None found"
}

@test "docker: dockerfilelint is not blind (a bad Dockerfile has issues)" {
	printf 'FROM debian\nRUN apt-get install tcpdump\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	run "$LINT" "$BATS_TEST_TMPDIR/Dockerfile"
	assert_failure
	assert_output --partial "Base Image Missing"
	assert_output --partial 'should include a `-y` flag'
}

@test "docker: the chroot build is not blind (unknown package, unknown instruction)" {
	local d="$BATS_TEST_TMPDIR/ctx"
	mkdir -p "$d"
	printf 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y no-such-package-pcap-broker\n' >"$d/Dockerfile"
	run "$DCHROOT" build "$d/Dockerfile" "$d" "$SLIM" "$BATS_TEST_TMPDIR/out"
	assert_failure
	assert_output --partial "Unable to locate package no-such-package-pcap-broker"
	printf 'FROM debian:bookworm-slim\nHEALTHCHECK CMD true\n' >"$d/Dockerfile"
	run "$DCHROOT" build "$d/Dockerfile" "$d" "$SLIM" "$BATS_TEST_TMPDIR/out"
	assert_failure
	assert_output --partial "instruction not supported by this test: HEALTHCHECK"
	rm -rf "$BATS_TEST_TMPDIR/out"
}

@test "docker: the build context honours .dockerignore (no .git, no build output)" {
	[ -f "$IROOT/../stage.1/src/Makefile" ]
	[ -f "$IROOT/../stage.1/src/hub/hub.c" ]
	[ ! -e "$IROOT/../stage.1/src/.git" ]
	# The image's own build made src/build; the host's build/ stayed out.
	[ -d "$IROOT/../stage.1/src/build/obj" ]
	[ ! -e "$IROOT/../stage.1/src/build/rootfs" ] && [ ! -e "$IROOT/../stage.1/src/build/npm" ]
}

@test "docker: the image has both binaries, its runtime packages, and tcpdump with cap_net_raw" {
	[ -x "$IROOT/usr/local/bin/pcap-broker" ]
	[ -x "$IROOT/usr/local/bin/pcap-broker-helper" ]
	run getcap "$IROOT/usr/bin/tcpdump"
	assert_output --partial "cap_net_raw=ep"
	run chroot "$IROOT" dpkg-query -W -f '${Package} ${Status}\n' libpcap0.8 libsystemd0 libmicrohttpd12 tcpdump openssh-client
	assert_output --partial "openssh-client install ok installed"
	[ "$(grep -c 'install ok installed' <<<"$output")" -eq 5 ]
	# No compiler, no setcap: they stayed in the build stage or were purged.
	[ ! -e "$IROOT/usr/bin/cc" ] && [ ! -e "$IROOT/usr/sbin/setcap" ]
	run chroot "$IROOT" ldd /usr/local/bin/pcap-broker /usr/local/bin/pcap-broker-helper
	refute_output --partial "not found"
}

@test "docker: the entrypoint is pcap-broker, run as the non-root user; -version from both" {
	run "$DCHROOT" run "$IMG" -- -version
	assert_success
	assert_line --index 0 "pcap-broker $IMAGE_VERSION"
	assert_line --index 1 --regexp '^libpcap version [0-9]'
	run "$DCHROOT" exec "$IMG" -- pcap-broker-helper -version
	assert_success
	assert_line --index 0 "pcap-broker-helper $IMAGE_VERSION"
	assert_line --index 1 --regexp '^libpcap version [0-9]'
	run "$DCHROOT" exec "$IMG" -- id -un
	assert_output pcap-broker
	run "$DCHROOT" exec "$IMG" -- sh -c 'test -w "$HOME/.ssh" && echo "$HOME"'
	assert_output /home/pcap-broker
}

@test "docker: PCAP_COMMAND replay served on the default LISTEN_ADDRESS 0.0.0.0:4242" {
	"$GEN" -c 3000 >"$IROOT/tmp/replay.pcap"
	rm -f "$IROOT/tmp/go"
	image -e "PCAP_COMMAND=while [ ! -e /tmp/go ]; do sleep 0.01; done; cat /tmp/replay.pcap"
	wait_until 20 log_has "$HUB_LOG" 'ready' || { cat "$HUB_LOG"; false; }
	assert_equal "$(grep -m1 -oE 'listening addr=[^ ]+' "$HUB_LOG")" "listening addr=0.0.0.0:4242"
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	touch "$IROOT/tmp/go"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	wait_until 10 bash -c "! kill -0 ${PIDS[-1]} 2>/dev/null"
	run "$VERIFY" -contiguous -count 3000 <"$BATS_TEST_TMPDIR/out.pcap"
	assert_success
}

@test "docker: without PCAP_COMMAND the hub reads the empty stdin and exits 65" {
	"$DCHROOT" run "$IMG" -n 2>"$BATS_TEST_TMPDIR/hub.log" </dev/null || HUB_STATUS=$?
	assert_equal "${HUB_STATUS:-0}" 65
	grep -q 'empty capture stream: no pcap header at byte offset 0' "$BATS_TEST_TMPDIR/hub.log"
}

@test "docker: local capture with the image's tcpdump works as the non-root user with only NET_RAW" {
	image -c net_raw -e "PCAP_COMMAND=tcpdump -i lo -U -w - udp port 9"
	wait_until 20 log_has "$HUB_LOG" 'listening on lo' || { cat "$HUB_LOG"; false; }
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	send_udp 5
	wait_until 20 at_least_packets "$BATS_TEST_TMPDIR/out.pcap" 5
	run tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap"
	assert_output --partial "127.0.0.1.9: UDP"
}

@test "docker: without NET_RAW in the container, the image's tcpdump does not start at all" {
	run "$DCHROOT" exec "$IMG" -n -c chown -- tcpdump --version
	assert_failure 126
	assert_output --partial "Operation not permitted"
	run "$DCHROOT" exec "$IMG" -n -c net_raw -- grep -E '^Cap(Eff|Bnd)' /proc/self/status
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000000$'
	assert_line --regexp '^CapBnd:[[:space:]]+0000000000002000$'
}

@test "docker: the hub's own -i capture is refused to the non-root user (status 74)" {
	image -- -i lo
	hub_exit
	assert_equal "$HUB_STATUS" 74
	run cat "$HUB_LOG"
	assert_output --regexp 'ermission|not permitted'
}

@test "docker: the hub's own -i capture works as root with only NET_RAW" {
	image -u root -c net_raw -- -i lo -f 'udp port 9'
	wait_until 20 log_has "$HUB_LOG" 'ready' || { cat "$HUB_LOG"; false; }
	run cat "/proc/$HUB_PID/status"
	assert_line --regexp '^CapEff:[[:space:]]+0000000000002000$'
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	send_udp 5
	wait_until 20 at_least_packets "$BATS_TEST_TMPDIR/out.pcap" 5
}

# compose_command: the compose example's PCAP_COMMAND (a folded scalar).
compose_command() {
	awk '/^ *PCAP_COMMAND: >-$/ { on = 1; ind = index($0, "P"); next }
	     on && match($0, /^ */) && RLENGTH > ind - 1 { sub(/^ +/, ""); out = out (out ? " " : "") $0; next }
	     on { exit } END { print out }' "$ROOT/docker-compose.yml.example"
}

@test "docker: the compose example runs the remote tcpdump over ssh without its own traffic, key read-only" {
	local f="$ROOT/docker-compose.yml.example"
	run compose_command
	assert_output "ssh -o StrictHostKeyChecking=accept-new -o ServerAliveInterval=10 -i /home/pcap-broker/.ssh/sensor_key user@sensor tcpdump -i eth0 -U -w - 'not port 22'"
	grep -qE '^ +LISTEN_ADDRESS: "0.0.0.0:4242"$' "$f"
	grep -qE '^ +- ./sensor_key:/home/pcap-broker/.ssh/sensor_key:ro$' "$f"
	grep -qE '^ +- "4242:4242"$' "$f"
}

@test "docker: the compose example's ssh capture works against a real sshd sensor, without port 22 in it" {
	local sensor="$ROOT/build/docker-sensor" key="$BATS_TEST_TMPDIR/sensor_key" cmd sshd_pid t0=$SECONDS
	"$DCHROOT" build "$ROOT/tests/docker/sensor.Dockerfile" "$ROOT/tests/docker" "$SLIM" "$sensor" \
		>"$sensor.log" 2>&1 || { tail -n 20 "$sensor.log"; false; }
	echo "# docker: sensor (sshd, tcpdump) built in $((SECONDS - t0))s" >&3
	ssh-keygen -q -t ed25519 -N '' -C pcap-broker-test -f "$key"
	install -m 0600 "$key.pub" "$(readlink -f "$sensor/image/root")/root/.ssh/authorized_keys"
	# As the compose file mounts it: read-only, owned by the image's user.
	install -m 0400 -o 4242 -g 4242 "$key" "$IROOT/home/pcap-broker/.ssh/sensor_key"
	rm -f "$IROOT/home/pcap-broker/.ssh/known_hosts"
	"$DCHROOT" exec "$sensor" -n -u root -- /usr/sbin/sshd -D -e 2>"$BATS_TEST_TMPDIR/sshd.log" &
	sshd_pid=$!
	PIDS+=("$sshd_pid")
	wait_until 20 bash -c "nsenter -t $sshd_pid -n ss -Hltn 'sport = :22' | grep -q LISTEN" || { cat "$BATS_TEST_TMPDIR/sshd.log"; false; }
	# The compose file's command, aimed at this sensor's loopback.
	cmd=$(compose_command)
	cmd=${cmd/user@sensor/root@127.0.0.1}
	cmd=${cmd/-i eth0/-i lo}
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	"$DCHROOT" run "$IMG" -N "$sshd_pid" -e "PCAP_COMMAND=$cmd" 2>"$HUB_LOG" &
	HUB_PID=$!
	PIDS+=("$HUB_PID")
	wait_until 30 log_has "$HUB_LOG" 'listening on lo' || { cat "$HUB_LOG" "$BATS_TEST_TMPDIR/sshd.log"; false; }
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	send_udp 5
	wait_until 20 at_least_packets "$BATS_TEST_TMPDIR/out.pcap" 5
	# accept-new stored the sensor's key in the image user's known_hosts.
	ssh-keygen -F 127.0.0.1 -f "$IROOT/home/pcap-broker/.ssh/known_hosts" | grep -q ' ssh-ed25519 '
	run tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap" 'udp port 9'
	assert_output --partial "127.0.0.1.9: UDP"
	# The stream itself flowed over port 22, and none of it was captured.
	assert_equal "$(tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap" 'tcp port 22' 2>/dev/null | wc -l)" 0
	grep -q 'client connected' "$HUB_LOG"
}

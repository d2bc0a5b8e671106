#!/usr/bin/env bats
# The Dockerfile, without a Docker engine: dockerfilelint lints it, and
# tests/tools/dockerfile-chroot runs its own stages (its RUN lines, package
# lists, COPY paths, USER and ENV) in debootstrapped bookworm chroots. The
# image is then run as `docker run` would, through its entrypoint, in network
# namespaces of its own. Needs root; in CI it always runs.

load helpers
bats_require_minimum_version 1.5.0

DCHROOT="$ROOT/tests/tools/dockerfile-chroot"
LINT="$ROOT/build/npm/node_modules/.bin/dockerfilelint"
IMG="$ROOT/build/docker-test"
SLIM="$ROOT/build/rootfs/slim"
IMAGE_VERSION=9.9.9-docker-test

SENSOR="$ROOT/build/docker-sensor"
# Docker's default capabilities: what a container gets without --cap-add or
# --cap-drop (moby's defaults), as under a compose file that names none.
DOCKER_CAPS=chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap

is_root() { [ "$(id -u)" -eq 0 ]; }

setup() {
	is_root || skip "NOT RUN: the Dockerfile chroot test needs root (debootstrap, chroot, namespaces)"
	[ -z "${PCAP_BROKER_SANITIZED:-}" ] || skip "the image builds its own binaries: nothing to add under the sanitizers"
	IROOT="$(readlink -f "$IMG/image/root")"
}

eval "helpers_$(declare -f teardown)"
teardown() {
	helpers_teardown
	# What the Go compose test leaves in the image and the sensor: the mount
	# points Docker would have made in the container, and the copies. (Never
	# without IROOT: these would be the host's own paths.)
	[ -n "${IROOT:-}" ] && [ "$IROOT" != / ] || return 0
	rm -rf "$IROOT/root/.ssh" "$IROOT/home/pcap-broker/.ssh/id_ed25519" "$IROOT/home/pcap-broker/.ssh/known_hosts"
	[ -s "$IROOT/etc/hosts" ] || rm -f "$IROOT/etc/hosts"
	[ -z "${SROOT:-}" ] || rm -f "$SROOT/usr/local/sbin/tcpdump" "$SROOT"/tmp/tcpdump.*
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
	track_client "$!"
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

@test "docker: the image has both binaries, the entrypoint, its runtime packages, and tcpdump with cap_net_raw" {
	[ -x "$IROOT/usr/local/bin/pcap-broker" ]
	[ -x "$IROOT/usr/local/bin/pcap-broker-helper" ]
	[ -x "$IROOT/usr/local/bin/docker-entrypoint" ]
	[ -x "$IROOT/usr/bin/setpriv" ]
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

@test "docker: the entrypoint runs pcap-broker, as root or as the user; -version from both programs" {
	run "$DCHROOT" run "$IMG" -c "$DOCKER_CAPS" -- -version
	assert_success
	assert_line --index 0 "pcap-broker $IMAGE_VERSION"
	assert_line --index 1 --regexp '^libpcap version [0-9]'
	run "$DCHROOT" run "$IMG" -u pcap-broker -- -version
	assert_success
	assert_line --index 0 "pcap-broker $IMAGE_VERSION"
	run "$DCHROOT" exec "$IMG" -- pcap-broker-helper -version
	assert_success
	assert_line --index 0 "pcap-broker-helper $IMAGE_VERSION"
	assert_line --index 1 --regexp '^libpcap version [0-9]'
	# The container starts as root (so the entrypoint can read /root/.ssh).
	run "$DCHROOT" exec "$IMG" -- id -un
	assert_output root
	run "$DCHROOT" exec "$IMG" -u pcap-broker -- sh -c 'test -w "$HOME/.ssh" && echo "$HOME"'
	assert_output /home/pcap-broker
}

# status_of PID FIELD: the first value of FIELD (Uid, CapEff, ...) in its status.
status_of() { awk -v f="$2:" '$1 == f { print $2; exit }' "/proc/$1/status"; }

# descendants PID: its child processes, their children, and so on.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done
}

# assert_dropped PID CAPS NNP: PID runs as pcap-broker (4242:4242, no
# supplementary group) with capability sets CAPS (effective, permitted,
# bounding) and NoNewPrivs NNP. Its ambient set is CAPS too, or empty for a
# program with file capabilities (tcpdump), which the kernel clears it for.
assert_dropped() {
	local f
	assert_equal "$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' "/proc/$1/status")" 4242424242424242
	assert_equal "$(awk '$1 == "Gid:" { print $2 $3 $4 $5 }' "/proc/$1/status")" 4242424242424242
	assert_equal "$(awk '$1 == "Groups:" { print NF - 1 }' "/proc/$1/status")" 0
	for f in CapEff CapPrm CapBnd; do assert_equal "$f $(status_of "$1" "$f")" "$f $2"; done
	[[ "$(status_of "$1" CapAmb)" =~ ^($2|0000000000000000)$ ]]
	assert_equal "$(status_of "$1" NoNewPrivs)" "$3"
}

@test "docker: as root with Docker's default capabilities, the hub and its tcpdump run as pcap-broker with only NET_RAW" {
	image -c "$DOCKER_CAPS" -e "PCAP_COMMAND=tcpdump -i lo -U -w - udp port 9"
	wait_until 20 log_has "$HUB_LOG" 'listening on lo' || { cat "$HUB_LOG"; false; }
	# Every process of the container: the hub (the entrypoint exec'd it) and
	# the capture command's; NET_RAW is ambient, so tcpdump has it under
	# no_new_privs, which its file capability alone could not give.
	local p n=0
	for p in "$HUB_PID" $(descendants "$HUB_PID"); do
		assert_dropped "$p" 0000000000002000 1
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
	assert_equal "$(status_of "$HUB_PID" CapAmb)" 0000000000002000
	tr '\0' '\n' <"/proc/$HUB_PID/environ" | grep -qx 'HOME=/home/pcap-broker'
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	send_udp 5
	wait_until 20 at_least_packets "$BATS_TEST_TMPDIR/out.pcap" 5
}

@test "docker: with --cap-drop NET_RAW, the entrypoint leaves the hub no capability at all" {
	image -c "${DOCKER_CAPS/,net_raw/}" -e "PCAP_COMMAND=exec sleep 600"
	wait_until 20 log_has "$HUB_LOG" 'ready' || { cat "$HUB_LOG"; false; }
	assert_dropped "$HUB_PID" 0000000000000000 1
}

@test "docker: as root without SETUID and SETGID, the entrypoint refuses in one line (status 77), never runs the hub as root" {
	run -77 "$DCHROOT" run "$IMG" -n -c net_raw -- -version
	assert_output "docker-entrypoint: started as root without the SETUID and SETGID capabilities, so it cannot become pcap-broker: run the container with --user pcap-broker, or allow them (--cap-add SETUID --cap-add SETGID)"
}

@test "docker: as root without DAC_OVERRIDE, another user's key under /root/.ssh stops the entrypoint in one line (status 71)" {
	local key="$BATS_TEST_TMPDIR/id_ed25519"
	echo "not a key" >"$key"
	chown 1000:1000 "$key"
	chmod 0600 "$key"
	run -71 "$DCHROOT" run "$IMG" -n -c net_raw,setuid,setgid -v "$key:/root/.ssh/id_ed25519:ro" -- -version
	assert_output --partial "Permission denied"
	assert_line "docker-entrypoint: cannot read /root/.ssh to hand it to pcap-broker"
	refute_output --partial "pcap-broker $IMAGE_VERSION"
}

@test "docker: the entrypoint turns newlines in PCAP_COMMAND into spaces, as the Go image's word splitting did" {
	"$GEN" -c 10 >"$IROOT/tmp/replay.pcap"
	image -c "$DOCKER_CAPS" -e "PCAP_COMMAND=$(printf 'cat\n/tmp/replay.pcap')"
	hub_exit
	assert_equal "$HUB_STATUS" 0
	grep -q 'exiting status=0 records=10 ' "$HUB_LOG" || { cat "$HUB_LOG"; false; }
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

@test "docs/docker.md recipe: --user pcap-broker: the entrypoint just runs the hub; its tcpdump captures with only NET_RAW" {
	grep -qF -- "--user pcap-broker --cap-drop ALL --cap-add NET_RAW \\" "$ROOT/docs/docker.md"
	image -u pcap-broker -c net_raw -e "PCAP_COMMAND=tcpdump -i lo -U -w - udp port 9"
	wait_until 20 log_has "$HUB_LOG" 'listening on lo' || { cat "$HUB_LOG"; false; }
	# No setpriv: the user's hub has no capability, and no no_new_privs, so
	# tcpdump's file capability applies.
	assert_equal "$(status_of "$HUB_PID" Uid)" 4242
	assert_equal "$(status_of "$HUB_PID" CapEff)" 0000000000000000
	assert_equal "$(status_of "$HUB_PID" NoNewPrivs)" 0
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	send_udp 5
	wait_until 20 at_least_packets "$BATS_TEST_TMPDIR/out.pcap" 5
	run tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap"
	assert_output --partial "127.0.0.1.9: UDP"
}

@test "docker: without NET_RAW in the container, the image's tcpdump does not start at all" {
	run "$DCHROOT" exec "$IMG" -n -u pcap-broker -c chown -- tcpdump --version
	assert_failure 126
	assert_output --partial "Operation not permitted"
	run "$DCHROOT" exec "$IMG" -n -u pcap-broker -c net_raw -- grep -E '^Cap(Eff|Bnd)' /proc/self/status
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000000$'
	assert_line --regexp '^CapBnd:[[:space:]]+0000000000002000$'
}

@test "docker: the hub's own -i capture is refused to --user pcap-broker, which has no capability (status 74)" {
	image -u pcap-broker -- -i lo
	hub_exit
	assert_equal "$HUB_STATUS" 74
	run cat "$HUB_LOG"
	assert_output --regexp 'ermission|not permitted'
}

@test "docs/docker.md recipe: local tcpdump as pcap-broker with only NET_RAW (SETUID and SETGID for the entrypoint)" {
	grep -qF -- "-e PCAP_COMMAND='tcpdump -i eth0 --immediate-mode -U -w - not port 4242'" "$ROOT/docs/docker.md"
	image -c net_raw,setuid,setgid -e "PCAP_COMMAND=tcpdump -i lo --immediate-mode -U -w - udp port 9"
	wait_until 20 log_has "$HUB_LOG" 'listening on lo' || { cat "$HUB_LOG"; false; }
	local p
	for p in "$HUB_PID" $(descendants "$HUB_PID"); do
		assert_equal "$(status_of "$p" Uid) $(status_of "$p" CapEff) $(status_of "$p" NoNewPrivs)" "4242 0000000000002000 1"
	done
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	send_udp 5
	wait_until 20 at_least_packets "$BATS_TEST_TMPDIR/out.pcap" 5
}

@test "docs/docker.md recipe: the hub's own -i capture works as pcap-broker with only NET_RAW (SETUID and SETGID for the entrypoint)" {
	grep -qF -- "--cap-drop ALL --cap-add NET_RAW --cap-add SETUID --cap-add SETGID \\" "$ROOT/docs/docker.md"
	grep -qF -- "-e LISTEN_ADDRESS=127.0.0.1:4242 pcap-broker -i eth0 -f 'not port 4242'" "$ROOT/docs/docker.md"
	image -c net_raw,setuid,setgid -- -i lo -f 'udp port 9'
	wait_until 20 log_has "$HUB_LOG" 'ready' || { cat "$HUB_LOG"; false; }
	# Without SETPCAP the entrypoint cannot shrink the bounding set; under
	# no_new_privs, as a non-root user, SETUID and SETGID there give nothing.
	assert_equal "$(status_of "$HUB_PID" Uid)" 4242
	assert_equal "$(status_of "$HUB_PID" CapEff)" 0000000000002000
	assert_equal "$(status_of "$HUB_PID" CapAmb)" 0000000000002000
	assert_equal "$(status_of "$HUB_PID" NoNewPrivs)" 1
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

# sensor_image: the capture sensor (sshd, tcpdump), built once per run of
# this file; sets SROOT, its root.
sensor_image() {
	local t0=$SECONDS
	if [ ! -e "$BATS_FILE_TMPDIR/sensor-built" ]; then
		"$DCHROOT" build "$ROOT/tests/docker/sensor.Dockerfile" "$ROOT/tests/docker" "$SLIM" "$SENSOR" \
			>"$SENSOR.log" 2>&1 || { tail -n 20 "$SENSOR.log"; return 1; }
		echo "# docker: sensor (sshd, tcpdump) built in $((SECONDS - t0))s" >&3
		touch "$BATS_FILE_TMPDIR/sensor-built"
	fi
	SROOT="$(readlink -f "$SENSOR/image/root")"
}

# netns_anchor: a process in a new network namespace, for others to join
# (dockerfile-chroot -N, nsenter); sets NS to its pid.
netns_anchor() {
	unshare --net sleep 3600 &
	NS=$!
	PIDS+=("$NS")
	wait_until 10 bash -c "[ \"\$(readlink /proc/$NS/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
}

# start_sshd NETNS_PID: the sensor's sshd in that process's network
# namespace; waits until it listens on port 22.
start_sshd() {
	"$DCHROOT" exec "$SENSOR" -N "$1" -u root -- /usr/sbin/sshd -D -e 2>"$BATS_TEST_TMPDIR/sshd.log" &
	PIDS+=("$!")
	wait_until 20 bash -c "nsenter -t $1 -n ss -Hltn 'sport = :22' | grep -q LISTEN" || { cat "$BATS_TEST_TMPDIR/sshd.log"; return 1; }
}

@test "docker: the compose example's ssh capture works against a real sshd sensor, without port 22 in it" {
	local key="$BATS_TEST_TMPDIR/sensor_key" cmd ns
	sensor_image
	ssh-keygen -q -t ed25519 -N '' -C pcap-broker-test -f "$key"
	install -m 0600 "$key.pub" "$SROOT/root/.ssh/authorized_keys"
	# As the compose file mounts it: read-only, owned by the image's user.
	install -m 0400 -o 4242 -g 4242 "$key" "$IROOT/home/pcap-broker/.ssh/sensor_key"
	rm -f "$IROOT/home/pcap-broker/.ssh/known_hosts"
	netns_anchor
	ns=$NS
	nsenter -t "$ns" -n ip link set lo up
	start_sshd "$ns"
	# The compose file's command, aimed at this sensor's loopback.
	cmd=$(compose_command)
	cmd=${cmd/user@sensor/root@127.0.0.1}
	cmd=${cmd/-i eth0/-i lo}
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	"$DCHROOT" run "$IMG" -N "$ns" -c "$DOCKER_CAPS" -e "PCAP_COMMAND=$cmd" 2>"$HUB_LOG" &
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

# The Go image's compose file (fox-it/pcap-broker, docker-compose.yml.example),
# as a user who swaps in this image runs it, unchanged: its environment byte
# for byte (PCAP_COMMAND is a YAML block scalar, `|-`, so it holds a newline;
# compose turns nothing else in it), and its volume, the host user's own key
# mounted read-only at /root/.ssh/id_ed25519. No user, no capability option:
# Docker's defaults.
GO_COMPOSE_COMMAND=$'ssh root@remote-host -oStrictHostKeyChecking=no\ntcpdump -U --immediate-mode -ni eth0 -s 65535 -w - not port 22'
GO_COMPOSE_LISTEN=0.0.0.0:4242
GO_COMPOSE_KEY=/root/.ssh/id_ed25519

# two_hosts: the container and remote-host, each in a network namespace of
# its own (CTR and REMOTE, anchor pids), joined by a veth pair that is eth0
# on both sides: 10.42.0.1 and 10.42.0.2. No IPv6 and fixed neighbours, so
# the link carries only what the test sends and the ssh session.
two_hosts() {
	local p mac1 mac2
	netns_anchor; CTR=$NS
	netns_anchor; REMOTE=$NS
	for p in "$CTR" "$REMOTE"; do
		nsenter -t "$p" -n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add eth0 netns "$CTR" type veth peer name eth0 netns "$REMOTE"
	nsenter -t "$CTR" -n ip addr add 10.42.0.1/24 dev eth0
	nsenter -t "$REMOTE" -n ip addr add 10.42.0.2/24 dev eth0
	for p in "$CTR" "$REMOTE"; do
		nsenter -t "$p" -n ip link set lo up
		nsenter -t "$p" -n ip link set eth0 up
	done
	mac1=$(nsenter -t "$CTR" -n ip -br link show eth0 | awk '{ print $3 }')
	mac2=$(nsenter -t "$REMOTE" -n ip -br link show eth0 | awk '{ print $3 }')
	nsenter -t "$CTR" -n ip neigh replace 10.42.0.2 lladdr "$mac2" dev eth0 nud permanent
	nsenter -t "$REMOTE" -n ip neigh replace 10.42.0.1 lladdr "$mac1" dev eth0 nud permanent
}

# go_compose_hub [OPTIONS...]: the image as the Go compose file runs it, in
# CTR, with remote-host resolving to the sensor (as Docker's DNS or
# extra_hosts would); OPTIONS go to dockerfile-chroot run.
go_compose_hub() {
	printf '127.0.0.1 localhost\n10.42.0.2 remote-host\n' >"$BATS_TEST_TMPDIR/hosts"
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	"$DCHROOT" run "$IMG" -N "$CTR" -c "$DOCKER_CAPS" "$@" \
		-e "PCAP_COMMAND=$GO_COMPOSE_COMMAND" -e "LISTEN_ADDRESS=$GO_COMPOSE_LISTEN" \
		-v "$BATS_TEST_TMPDIR/home/.ssh/id_ed25519:$GO_COMPOSE_KEY:ro" \
		-v "$BATS_TEST_TMPDIR/hosts:/etc/hosts:ro" 2>"$HUB_LOG" &
	HUB_PID=$!
	PIDS+=("$HUB_PID")
}

same_size() { [ "$(stat -c %s "$1")" = "$(stat -c %s "$2")" ]; }

# key_state FILE: owner, mode and content of a file, to show it unchanged.
key_state() { stat -c '%u:%g %a' "$1"; sha256sum <"$1"; }

@test "docker: the Go image's compose file, unchanged: its ssh capture of remote-host reaches clients byte for byte, as pcap-broker" {
	local home="$BATS_TEST_TMPDIR/home" before p
	sensor_image
	two_hosts
	# The host user's key (uid 1000, 0600: what ~/.ssh/id_ed25519 is), that
	# the image's user could not read; remote-host lets it in as root.
	mkdir -p "$home/.ssh"
	ssh-keygen -q -t ed25519 -N '' -C go-compose-test -f "$home/.ssh/id_ed25519"
	chown 1000:1000 "$home/.ssh/id_ed25519"
	before=$(key_state "$home/.ssh/id_ed25519")
	install -m 0600 "$home/.ssh/id_ed25519.pub" "$SROOT/root/.ssh/authorized_keys"
	# The sensor's tcpdump, instrumented: the real one, with its arguments
	# and its exact output kept, for the byte-for-byte comparison.
	printf '%s\n' '#!/bin/sh' 'printf "%s\n" "$@" >/tmp/tcpdump.args' \
		'/usr/bin/tcpdump "$@" | tee /tmp/tcpdump.out' >"$SROOT/usr/local/sbin/tcpdump"
	chmod 0755 "$SROOT/usr/local/sbin/tcpdump"
	start_sshd "$REMOTE"

	# Before: as the image's user alone (the old image), the key is out of reach.
	go_compose_hub -u pcap-broker
	wait_until 60 proc_gone "$HUB_PID" || { cat "$HUB_LOG"; false; }
	hub_exit
	assert_equal "$HUB_STATUS" 255
	grep -q 'Permission denied (publickey)' "$HUB_LOG" || { cat "$HUB_LOG"; false; }
	[ ! -e "$SROOT/tmp/tcpdump.args" ]

	go_compose_hub
	wait_until 30 log_has "$HUB_LOG" 'listening on eth0' || { cat "$HUB_LOG" "$BATS_TEST_TMPDIR/sshd.log"; false; }
	# The remote tcpdump got the compose file's words, the newline a space.
	assert_equal "$(tr '\n' ' ' <"$SROOT/tmp/tcpdump.args")" "-U --immediate-mode -ni eth0 -s 65535 -w - not port 22 "
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	in_net bash -c 'for i in $(seq 1 20); do echo "go-compose $i" >/dev/udp/10.42.0.2/9; done'
	wait_until 20 bash -c "[ \$(tcpdump -nr '$SROOT/tmp/tcpdump.out' 'udp port 9' 2>/dev/null | wc -l) -ge 20 ]"
	wait_until 20 same_size "$SROOT/tmp/tcpdump.out" "$BATS_TEST_TMPDIR/out.pcap"
	# What the client got is what tcpdump wrote on remote-host, byte for byte:
	# its header (snaplen 65535), then every record, port 22 left out.
	cmp "$SROOT/tmp/tcpdump.out" "$BATS_TEST_TMPDIR/out.pcap"
	run tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap"
	assert_equal "$(grep -c '10.42.0.1.[0-9]* > 10.42.0.2.9: UDP' <<<"$output")" 20
	refute_output --partial '.22:'
	assert_equal "$(capinfos -l "$BATS_TEST_TMPDIR/out.pcap" | grep -oE '[0-9]+ bytes')" "65535 bytes"
	# The hub, ssh and everything under them: pcap-broker, dropped.
	for p in "$HUB_PID" $(descendants "$HUB_PID"); do assert_dropped "$p" 0000000000002000 1; done
	# The key was handed over as a copy of the user's; the host file is as it was.
	assert_equal "$(stat -c '%u:%g %a' "$IROOT/home/pcap-broker/.ssh/id_ed25519")" "4242:4242 600"
	cmp "$home/.ssh/id_ed25519" "$IROOT/home/pcap-broker/.ssh/id_ed25519"
	assert_equal "$(key_state "$home/.ssh/id_ed25519")" "$before"
	# StrictHostKeyChecking=no stored remote-host's key in the copy's known_hosts.
	ssh-keygen -F remote-host -f "$IROOT/home/pcap-broker/.ssh/known_hosts" | grep -q ' ssh-ed25519 '
}

# docs_command MOUNT: the PCAP_COMMAND of the docs/docker.md recipe whose -v
# mounts MOUNT.
docs_command() {
	awk -v v="$1" 'index($0, v) { on = 1 }
	     on && match($0, /-e PCAP_COMMAND="[^"]*"/) { print substr($0, RSTART + 17, RLENGTH - 18); exit }' "$ROOT/docs/docker.md"
}

@test "docs/docker.md recipe: a sensor key mounted under /root/.ssh, ssh capture with no capability at all (--cap-drop NET_RAW)" {
	local key="$BATS_TEST_TMPDIR/sensor_key" cmd p
	grep -qF -- '-v "$PWD/sensor_key:/root/.ssh/sensor_key:ro"' "$ROOT/docs/docker.md"
	grep -qF -- 'docker run -d --name pcap-broker -p 4242:4242 --cap-drop NET_RAW \' "$ROOT/docs/docker.md"
	cmd=$(docs_command /root/.ssh/sensor_key)
	assert_equal "$cmd" "ssh -o StrictHostKeyChecking=accept-new -i ~/.ssh/sensor_key user@sensor tcpdump -i eth0 -U -w - 'not port 22'"
	sensor_image
	ssh-keygen -q -t ed25519 -N '' -C docs-recipe-test -f "$key"
	chown 1000:1000 "$key"
	install -m 0600 "$key.pub" "$SROOT/root/.ssh/authorized_keys"
	netns_anchor
	nsenter -t "$NS" -n ip link set lo up
	start_sshd "$NS"
	# The recipe's command, aimed at this sensor's loopback.
	cmd=${cmd/user@sensor/root@127.0.0.1}
	cmd=${cmd/-i eth0/-i lo}
	HUB_LOG="$BATS_TEST_TMPDIR/hub.log"
	"$DCHROOT" run "$IMG" -N "$NS" -c "${DOCKER_CAPS/,net_raw/}" -v "$key:/root/.ssh/sensor_key:ro" \
		-e "PCAP_COMMAND=$cmd" 2>"$HUB_LOG" &
	HUB_PID=$!
	PIDS+=("$HUB_PID")
	wait_until 30 log_has "$HUB_LOG" 'listening on lo' || { cat "$HUB_LOG" "$BATS_TEST_TMPDIR/sshd.log"; false; }
	for p in "$HUB_PID" $(descendants "$HUB_PID"); do assert_dropped "$p" 0000000000000000 1; done
	image_client "$BATS_TEST_TMPDIR/out.pcap"
	wait_until 20 log_has "$HUB_LOG" 'client connected'
	send_udp 5
	wait_until 20 at_least_packets "$BATS_TEST_TMPDIR/out.pcap" 5
	assert_equal "$(tcpdump -nr "$BATS_TEST_TMPDIR/out.pcap" 'tcp port 22' 2>/dev/null | wc -l)" 0
}

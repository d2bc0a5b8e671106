# A Debian container with systemd as PID 1 for tests/nspawn.bats: the cached
# rootfs (scripts/nspawn-rootfs) under an overlay, so every run boots a pristine
# system and leaves the cache untouched. Every step is bounded in time, and
# nspawn_down always powers the container off (or kills it) and unmounts.

NS_BASE="${NS_BASE:-$BUILD/rootfs/base}"

# nspawn_prepare DIR: mounts the overlay at DIR/root; exports NS_DIR, NS_ROOT.
nspawn_prepare() {
	export NS_DIR="$1" NS_ROOT="$1/root"
	mkdir -p "$NS_DIR/upper" "$NS_DIR/work" "$NS_ROOT"
	mount -t overlay overlay \
		-o "lowerdir=$NS_BASE,upperdir=$NS_DIR/upper,workdir=$NS_DIR/work" "$NS_ROOT"
}

# nspawn_boot: boots NS_ROOT in the background (sharing the host's network),
# sets NS_PID (systemd-nspawn) and NS_LEADER (the container's PID 1), and
# waits until the boot is complete. The console goes to NS_DIR/console.log.
nspawn_boot() {
	# timeout bounds the container's life even if teardown never runs: on
	# SIGTERM nspawn shuts the container down, and -k kills it after that.
	timeout -k 30 900 systemd-nspawn --quiet --boot --register=no --keep-unit \
		--machine=pcap-broker-test --console=read-only -D "$NS_ROOT" \
		</dev/null >"$NS_DIR/console.log" 2>&1 3>&- &
	echo $! >"$NS_DIR/timeout.pid"
	wait_until 30 nspawn_find_leader || { nspawn_console; return 1; }
	export NS_PID NS_LEADER
	local state
	# PID 1 answers on its private socket once it is up far enough.
	wait_until 60 inside test -S /run/systemd/private || { nspawn_console; return 1; }
	state=$(inside timeout 120 systemctl is-system-running --wait) || true
	case "$state" in
	running) ;;
	*) echo "container did not boot cleanly: state=$state" >&2
	   inside systemctl --no-pager --failed >&2 || true
	   nspawn_console; return 1 ;;
	esac
}

nspawn_find_leader() {
	NS_PID=$(pgrep -P "$(cat "$NS_DIR/timeout.pid")" -x systemd-nspawn) || return 1
	NS_LEADER=$(pgrep -P "$NS_PID" -x systemd) || return 1
	echo "$NS_PID $NS_LEADER" >"$NS_DIR/pids"
}

nspawn_console() { echo "--- container console (tail):" >&2; tail -n 30 "$NS_DIR/console.log" >&2; }

# inside COMMAND...: runs COMMAND in the container, bounded to 60 s.
inside() { timeout -k 5 60 nsenter -t "$NS_LEADER" -a "$@"; }

# nspawn_down: poweroff, then SIGKILL to whatever is left; unmount.
nspawn_down() {
	[ -n "${NS_DIR:-}" ] || return 0
	local pid leader tpid
	if [ -f "$NS_DIR/pids" ]; then
		read -r pid leader <"$NS_DIR/pids"
		tpid=$(cat "$NS_DIR/timeout.pid")
		kill -TERM "$pid" 2>/dev/null || true # nspawn: orderly shutdown
		for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		# Killing a PID namespace's init kills everything in it.
		kill -KILL "$leader" "$pid" "$tpid" 2>/dev/null || true
	elif [ -f "$NS_DIR/timeout.pid" ]; then
		kill -TERM "$(cat "$NS_DIR/timeout.pid")" 2>/dev/null || true
	fi
	for _ in $(seq 1 100); do mountpoint -q "$NS_ROOT" || break; umount "$NS_ROOT" 2>/dev/null && break; sleep 0.1; done
	mountpoint -q "$NS_ROOT" && umount -l "$NS_ROOT"
	rm -rf "$NS_DIR"
}

# free_port: a TCP port nobody listens on, outside the ephemeral range that
# kernel-chosen ports of other tests come from.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 12000))
		[ -z "$(ss -Hltn "sport = :$p")" ] && { echo "$p"; return 0; }
	done
	return 1
}

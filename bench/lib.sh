# Shell helpers of bench/run and bench/live (sourced).

die() { echo "bench: $*" >&2; exit 1; }

# wait_until SECONDS COMMAND...: polls COMMAND every 20 ms.
wait_until() {
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && die "timed out waiting for: $*"
		sleep 0.02
	done
}

# field NAME LINE: the value of NAME=... in a result line (pcapsink, livegen).
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

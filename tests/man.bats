#!/usr/bin/env bats
# The man pages: they render without a warning (mandoc -T lint, groff -ww,
# man -l), and they document every flag, variable, exit status and unit that
# the programs' -help and units/ name, so they cannot silently fall behind.

load helpers
bats_require_minimum_version 1.5.0

HUB_MAN="$ROOT/man/pcap-broker.8"
HELPER_MAN="$ROOT/man/pcap-broker-helper.8"

# section PAGE NAME: the roff source of section .SH NAME of PAGE.
section() { awk -v s=".SH $2" '$0 == s { on = 1; next } /^\.SH / { on = 0 } on' "$1"; }

# help_flags PROGRAM: the flags its -help lists, one per line (-cmd, ...).
help_flags() { "$1" -help | grep -oE '^  -[a-z][a-z-]*' | sed 's/^ *//'; }

# help_vars PROGRAM: the variables its -help names in [BRACKETS].
help_vars() { "$1" -help | grep -oE '\[[A-Z_]+\]' | tr -d '[]'; }

# help_statuses PROGRAM: the two-digit exit statuses of its -help.
help_statuses() { "$1" -help | sed -n '/^Exit status/,/^$/p' | grep -oE '(^|[ ;])[0-9]{2}( |$)' | tr -d ' ;'; }

# documented PAGE SECTION WORD...: every WORD (a flag: dashes escaped as in
# roff) appears in SECTION of PAGE; prints those that do not.
documented() {
	local page=$1 sec=$2 w missing=() text; shift 2
	text=$(section "$page" "$sec")
	for w in "$@"; do
		grep -qF -- "${w//-/\\-}" <<<"$text" || missing+=("$w")
	done
	[ "${#missing[@]}" -eq 0 ] || { echo "not in $sec of ${page##*/}: ${missing[*]}"; return 1; }
}

@test "man: mandoc -T lint -W all finds nothing in either page" {
	for p in "$HUB_MAN" "$HELPER_MAN"; do
		run mandoc -T lint -W all "$p"
		assert_success
		assert_output ""
	done
}

@test "man: groff -ww renders both pages without a warning" {
	for p in "$HUB_MAN" "$HELPER_MAN"; do
		run --separate-stderr groff -ww -man -Tutf8 -z "$p"
		assert_success
		[ -z "$stderr" ] || { echo "$stderr"; false; }
	done
}

@test "man: man -l renders both pages, with no message on stderr" {
	for p in "$HUB_MAN" "$HELPER_MAN"; do
		run --separate-stderr env MANWIDTH=80 MANPAGER=cat man -l "$p"
		assert_success
		[ -z "$stderr" ] || { echo "$stderr"; false; }
		assert_line --regexp '^PCAP-BROKER(-HELPER)?\(8\)'
		assert_line --regexp '^EXAMPLES$'
	done
}

@test "man: the linters are not blind (a broken page is reported)" {
	printf '.TH BROKEN 8\n.SH NAME\nbroken \\- x\n.XX what\n.BR\n' >"$BATS_TEST_TMPDIR/broken.8"
	run mandoc -T lint -W all "$BATS_TEST_TMPDIR/broken.8"
	assert_failure
	run --separate-stderr groff -ww -man -Tutf8 -z "$BATS_TEST_TMPDIR/broken.8"
	[ -n "$stderr" ]
}

@test "man: pcap-broker(8) documents every flag, variable and exit status of -help" {
	mapfile -t flags < <(help_flags "$HUB")
	mapfile -t vars < <(help_vars "$HUB")
	mapfile -t st < <(help_statuses "$HUB")
	[ "${#flags[@]}" -ge 15 ] && [ "${#vars[@]}" -ge 10 ] && [ "${#st[@]}" -ge 5 ]
	documented "$HUB_MAN" OPTIONS "${flags[@]}"
	documented "$HUB_MAN" ENVIRONMENT "${vars[@]}"
	documented "$HUB_MAN" OPTIONS "${vars[@]}"
	for s in "${st[@]}"; do section "$HUB_MAN" "EXIT STATUS" | grep -qx "\.B $s" || { echo "status $s"; false; }; done
}

@test "man: pcap-broker-helper(8) documents every flag, variable and exit status of -help" {
	local helper="$BUILD/pcap-broker-helper"
	mapfile -t flags < <(help_flags "$helper")
	mapfile -t vars < <(help_vars "$helper")
	mapfile -t st < <(help_statuses "$helper")
	[ "${#flags[@]}" -ge 5 ] && [ "${#vars[@]}" -ge 1 ] && [ "${#st[@]}" -ge 3 ]
	documented "$HELPER_MAN" OPTIONS "${flags[@]}"
	documented "$HELPER_MAN" ENVIRONMENT "${vars[@]}"
	for s in "${st[@]}"; do section "$HELPER_MAN" "EXIT STATUS" | grep -qx "\.B $s" || { echo "status $s"; false; }; done
}

@test "man: every systemd unit in units/ is in pcap-broker(8)" {
	local u units=()
	for u in "$ROOT"/units/*.in; do u=${u##*/}; units+=("${u%.in}"); done
	[ "${#units[@]}" -ge 4 ]
	documented "$HUB_MAN" "SYSTEMD UNITS" "${units[@]}"
}

@test "man: the check is not blind (a flag missing from a page is reported)" {
	run documented "$HELPER_MAN" OPTIONS -socket -no-such-flag
	assert_failure
	assert_output "not in OPTIONS of pcap-broker-helper.8: -no-such-flag"
}

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

# documents_help PAGE PROGRAM MIN_FLAGS MIN_VARS MIN_STATUSES: PAGE names, in
# OPTIONS, ENVIRONMENT and EXIT STATUS, every flag, variable and status of
# PROGRAM's -help (of which there are at least the numbers given).
documents_help() {
	local page=$1 prog=$2 s flags vars st
	mapfile -t flags < <(help_flags "$prog")
	mapfile -t vars < <(help_vars "$prog")
	mapfile -t st < <(help_statuses "$prog")
	[ "${#flags[@]}" -ge "$3" ] && [ "${#vars[@]}" -ge "$4" ] && [ "${#st[@]}" -ge "$5" ]
	documented "$page" OPTIONS "${flags[@]}" "${vars[@]}"
	documented "$page" ENVIRONMENT "${vars[@]}"
	for s in "${st[@]}"; do section "$page" "EXIT STATUS" | grep -qx "\.B $s" || { echo "status $s"; return 1; }; done
}

@test "man: pcap-broker(8) documents every flag, variable and exit status of -help" {
	documents_help "$HUB_MAN" "$HUB" 15 10 5
}

@test "man: pcap-broker-helper(8) documents every flag, variable and exit status of -help" {
	documents_help "$HELPER_MAN" "$BUILD/pcap-broker-helper" 5 1 3
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

#!/usr/bin/env bats
# -version: the version (git describe in a checkout; a VERSION file, or 0.1.0,
# in a copy without .git, as from a tarball) and libpcap's, from both programs.

load helpers
bats_require_minimum_version 1.5.0

# copy_tree DIR: the source tree as a tarball would hold it: the files git
# tracks or would track, without .git and without build output.
copy_tree() {
	mkdir -p "$1"
	(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -C "$1" -xf -
	[ ! -e "$1/.git" ] && [ -f "$1/Makefile" ]
}

# build_copy DIR: a plain build there, whatever BUILD, CFLAGS or make
# variables this suite runs under (the sanitizer pass sets some).
build_copy() {
	env -u BUILD -u CFLAGS -u LDFLAGS -u VERSION -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s -C "$1" WERROR=1 build/pcap-broker build/pcap-broker-helper >/dev/null
}

@test "version: from git, both programs print git describe and the libpcap version" {
	local want
	want=$(git -C "$ROOT" describe --tags --always)
	for p in pcap-broker pcap-broker-helper; do
		run "$BUILD/$p" -version
		assert_success
		assert_line --index 0 --regexp "^$p $want(-dirty)?\$"
		assert_line --index 1 --regexp '^libpcap version [0-9]+\.[0-9]+'
	done
}

@test "version: a copy without .git says 0.1.0, or what its VERSION file says" {
	local c="$BATS_TEST_TMPDIR/pcap-broker-copy" p
	copy_tree "$c"
	rm -f "$c/VERSION"
	build_copy "$c"
	for p in pcap-broker pcap-broker-helper; do
		run "$c/build/$p" -version
		assert_line --index 0 "$p 0.1.0"
		assert_line --index 1 --regexp '^libpcap version [0-9]'
	done
	echo 1.2.3-tarball >"$c/VERSION"
	rm -rf "$c/build"
	build_copy "$c"
	run "$c/build/pcap-broker" -version
	assert_line --index 0 "pcap-broker 1.2.3-tarball"
	run "$c/build/pcap-broker-helper" -version
	assert_line --index 0 "pcap-broker-helper 1.2.3-tarball"
}

#!/usr/bin/env bats
# Hardening, round 2 (issue 16): regressions for what an adversarial review
# broke. Each test is named after its finding.

load helpers

setup_file() {
	"$BUILD/tools/pcapgen" -c 100 > "$BATS_FILE_TMPDIR/100.pcap"
}

@test "finding 7: PCAP_BROKER_ALLOW set to the empty string fails closed (64), like -allow=" {
	local cap="cat '$BATS_FILE_TMPDIR/100.pcap'"
	for v in "" " " ","; do
		run env PCAP_BROKER_ALLOW="$v" timeout 10 "$HUB" -n -listen 127.0.0.1:0 -cmd "$cap"
		assert_equal "$status" 64
		assert_output --partial "PCAP_BROKER_ALLOW"
		refute_output --partial "listening"
	done
	run env PCAP_BROKER_ALLOW= timeout 10 "$HUB" -n -listen 127.0.0.1:0 -cmd "$cap"
	assert_output --partial "empty allow-list is refused"
	# A flag does not rescue it: the variable is checked first, as any other.
	run env PCAP_BROKER_ALLOW= timeout 10 "$HUB" -n -listen 127.0.0.1:0 -allow 127.0.0.1 -cmd "$cap"
	assert_equal "$status" 64
	# Other variables set to "" still count as unset (commit 16a936e).
	run env PCAP_BROKER_STALL_TIMEOUT= PCAP_BROKER_MAX_CLIENTS= timeout 10 "$HUB" -n -listen 127.0.0.1:0 -cmd "$cap"
	assert_success
}

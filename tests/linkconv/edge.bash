# Edge-case records for tests/linkconv.bats, as text2pcap input: one
# record per line. Each set goes through tcprewrite and linkconvert.
IP4="45 00 00 1c 00 01 00 00 40 11 00 00 7f 00 00 01 7f 00 00 01 00 35 00 35 00 08 00 00"
IP4_TO_MCAST="45 00 00 1c 00 01 00 00 40 11 00 00 0a 00 00 01 e0 00 00 fb 00 35 00 35 00 08 00 00"
IP4_FROM_MCAST="45 00 00 1c 00 01 00 00 40 11 00 00 ef 01 02 03 0a 00 00 01 00 35 00 35 00 08 00 00"
IP4_OPTS="46 00 00 20 00 01 00 00 40 11 00 00 7f 00 00 01 7f 00 00 01 01 01 01 00 00 35 00 35 00 08 00 00"
IP6_MCAST="60 00 00 00 00 00 3b 01 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 09 ff 02 00 00 00 00 00 00 00 00 00 01 ff 25 6a 50"
IP6_HBH="60 00 00 00 00 24 00 01 fe 80 00 00 00 00 00 00 74 22 99 ff fe ed 87 36 ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 16 3a 00 05 02 00 00 01 00 8f 00 e7 66 00 00 00 01 04 00 00 00 ff 02 00 00 00 00 00 00 00 00 00 01 ff ed 87 36"
ARP="00 01 08 00 06 04 00 01 02 11 22 33 44 55 0a 00 00 01 00 00 00 00 00 00 0a 00 00 02"
LLC="42 42 03 00 00 00 00 00 00 00"

rec() { echo "000000 $*"; }
# first N BYTES...: the first N of the bytes.
first() { local n=$1; shift; echo "${@:1:$n}"; }

# SLL headers: Ethernet device (with a MAC), loopback, Ethernet without MAC.
SLL_ETH="00 00 00 01 00 06 02 11 22 33 44 55 00 00"
SLL_LO="00 00 03 04 00 06 00 00 00 00 00 00 00 00"
SLL_NOMAC="00 00 00 01 00 06 00 00 00 00 00 00 00 00"
# SLL2 headers after the protocol: reserved, ifindex, hatype, type, halen, MAC.
SLL2_ETH="00 00 00 00 00 07 00 01 04 06 02 11 22 33 44 55 00 00"
SLL2_SPELLED="00 00 00 00 00 07 00 01 04 06 00 07 00 01 04 06 00 00"

edge_sll() {
	rec $SLL_ETH 08 00 $IP4
	rec $SLL_ETH 08 00 $(first 19 $IP4)
	rec $SLL_ETH 08 00 $IP4_OPTS
	rec $SLL_ETH 08 00 $(first 23 $IP4_OPTS)
	rec $SLL_ETH 08 06 $ARP
	rec $SLL_ETH 08 06 $(first 4 $ARP)
	rec $SLL_ETH 08 06 $(first 5 $ARP)
	rec $SLL_ETH 00 04 $LLC
	rec $SLL_ETH 05 ff $LLC
	rec $SLL_ETH 81 00 00 2a 08 00 $IP4
	rec $SLL_ETH 81 00 00 2a 00 04 $LLC
	rec $SLL_ETH 88 a8 00 2a 81 00 00 2b
	rec $SLL_ETH 88 a8 00 2a 81 00 00 2b 86 dd
	rec $SLL_NOMAC 86 dd $IP6_MCAST
	rec $SLL_LO 08 00 $IP4_TO_MCAST
	rec $SLL_LO 08 00 $IP4_FROM_MCAST
	rec $SLL_ETH 86 dd $(first 39 $IP6_MCAST)
	rec $SLL_ETH 86 dd $IP6_HBH
	rec 00 00 00 01 00 06 02
}

edge_sll2() {
	rec 08 00 $SLL2_ETH $IP4
	rec 08 00 $SLL2_ETH $(first 19 $IP4)
	rec 08 06 $SLL2_ETH $ARP
	rec 00 01 $SLL2_ETH $LLC
	rec 86 dd $SLL2_ETH $IP6_MCAST
	rec 86 dd $SLL2_SPELLED $IP6_MCAST
	rec 08 00 $SLL2_ETH $IP4_FROM_MCAST
	rec 08 00 00 00 00 00 00 07 03 04
}

edge_raw() {
	rec $IP4
	rec $IP4_TO_MCAST
	rec $IP4_FROM_MCAST
	rec $IP4_OPTS
	rec $(first 23 $IP4_OPTS)
	rec $(first 19 $IP4)
	rec $IP6_MCAST
	rec $IP6_HBH
	rec $(first 39 $IP6_MCAST)
	rec 50 $(first 19 $IP4)
	rec $ARP
}

# edge_null V4 V6 V6B: NULL or LOOP records with these address families.
edge_null() {
	rec $1 $IP4
	rec $1 $IP4_TO_MCAST
	rec $2 $IP6_MCAST
	rec $3 $IP6_HBH
	rec $2 $(first 39 $IP6_MCAST)
	rec 00 00 00 07 $IP4
	rec 07 00 00 00 $IP4
	rec 02 00 00
}

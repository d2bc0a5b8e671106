# pcap-broker container image: the hub and the helper on Debian bookworm,
# with tcpdump (local capture) and openssh-client (remote capture over ssh).
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t pcap-broker .
#   docker run --rm -p 4242:4242 -e PCAP_COMMAND='ssh ...' pcap-broker
#
# PCAP_COMMAND and LISTEN_ADDRESS work as with the Go image; LISTEN_ADDRESS
# is 0.0.0.0:4242 here. The hub runs as the unprivileged user pcap-broker
# (uid/gid PCAP_UID). The container starts as root only so that
# docker-entrypoint can hand a key mounted at /root/.ssh (as the Go image's
# compose file does) to that user; it then drops every privilege with setpriv
# (no_new_privs, no capability but NET_RAW if the container has it) before
# the hub runs. Started with --user pcap-broker, it just runs the hub, whose
# tcpdump carries the file capability cap_net_raw for a local capture. See
# docs/docker.md.
#
# tests/docker.bats runs these stages in debootstrapped bookworm chroots
# (tests/tools/dockerfile-chroot): keep to ARG, FROM, RUN, COPY, WORKDIR,
# ENV, USER, EXPOSE, ENTRYPOINT and CMD, or teach it the new instruction.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS build
ARG BUILD_PACKAGES="build-essential pkg-config libpcap-dev libsystemd-dev libmicrohttpd-dev"
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${BUILD_PACKAGES} \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Without git in the build context, the Makefile's fallback version applies.
ARG VERSION=
RUN make WERROR=1 ${VERSION:+VERSION="$VERSION"} build/pcap-broker build/pcap-broker-helper

FROM debian:${DEBIAN_RELEASE}-slim
ARG RUNTIME_PACKAGES="libpcap0.8 libsystemd0 libmicrohttpd12 tcpdump openssh-client"
ARG PCAP_UID=4242
# setcap (libcap2-bin) is needed only to give tcpdump cap_net_raw.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} libcap2-bin \
    && setcap cap_net_raw=ep /usr/bin/tcpdump \
    && apt-get purge -y --auto-remove libcap2-bin \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid "${PCAP_UID}" pcap-broker \
    && useradd --uid "${PCAP_UID}" --gid pcap-broker --create-home \
       --home-dir /home/pcap-broker --shell /usr/sbin/nologin pcap-broker \
    && install -d -m 0700 -o pcap-broker -g pcap-broker /home/pcap-broker/.ssh
COPY --from=build /src/build/pcap-broker /src/build/pcap-broker-helper /src/packaging/docker-entrypoint /usr/local/bin/
ENV LISTEN_ADDRESS=0.0.0.0:4242
# root only until docker-entrypoint has dropped to pcap-broker (see above).
USER root
WORKDIR /home/pcap-broker
EXPOSE 4242
ENTRYPOINT ["docker-entrypoint"]

# A capture sensor for tests/docker.bats: sshd and tcpdump, so the image's
# remote capture (docker-compose.yml.example's PCAP_COMMAND, and the Go
# image's compose file) runs for real. It always runs in a network namespace
# of its own, so sshd listens on every address there.
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server tcpdump \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /run/sshd /root/.ssh \
    && chmod 0700 /root/.ssh \
    && printf '%s\n' 'PermitRootLogin prohibit-password' \
       'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'UsePAM no' \
       > /etc/ssh/sshd_config.d/test.conf

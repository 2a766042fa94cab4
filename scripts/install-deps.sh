#!/bin/sh
# Installs every Debian package glass builds with and tests against.
# Safe to run again: apt-get skips what is already there.
#   scripts/install-deps.sh          build + test packages
#   scripts/install-deps.sh build    only what `make` needs
set -eu

BUILD="gcc make meson ninja-build pkg-config clang-format python3
  libjson-c-dev libseccomp-dev libcap-dev libarchive-dev libcurl4-openssl-dev
  libmicrohttpd-dev libmnl-dev libisal-dev libzstd-dev zlib1g-dev libssl-dev
  busybox-static"
TEST="crun runc hyperfine time iproute2 util-linux procps psmisc kmod
  podman containerd docker-registry skopeo umoci apache2-utils openssl curl isal e2fsprogs
  uidmap fuse-overlayfs slirp4netns containernetworking-plugins
  chromium chromium-driver nodejs python3 python3-jsonschema jq zstd bsdextrautils
  file strace tmux nftables iptables cppcheck clang-tidy
  docker.io python3-docker docker-compose python3-grpcio python3-grpc-tools"
QEMU="qemu-system-x86 linux-image-amd64 cpio"

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

want="$BUILD"
[ "${1:-all}" = build ] || want="$BUILD $TEST"
need=$(missing $want)
qneed=""
[ "${1:-all}" = build ] || qneed=$(missing $QEMU)
if [ -z "$need" ] && [ -z "$qneed" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "glass: missing Debian packages: $need $qneed" >&2
	echo "glass: run as root: apt-get install $need $qneed" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt-get (an unattended upgrade, a second make) may hold the lock.
APT="apt-get -o DPkg::Lock::Timeout=600"
$APT update -qq
# shellcheck disable=SC2086
[ -z "$need" ] || $APT install -y -qq $need
# qemu's recommends pull ~180 packages; the cgroup v2 lane needs none of them.
# shellcheck disable=SC2086
[ -z "$qneed" ] || $APT install -y -qq --no-install-recommends $qneed

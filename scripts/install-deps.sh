#!/bin/sh
# Installs every Debian package glass builds with and tests against.
# Safe to run again: apt-get skips what is already there.
#   scripts/install-deps.sh          build + test packages (what `make check` needs)
#   scripts/install-deps.sh build    only what `make` and `make lab` need
#   scripts/install-deps.sh --list   print the packages (all of them), install nothing
# Every program a test or script calls comes from a package listed here or
# from one of Debian's "required" packages (there on every install):
# tests/integration/t-deps.sh checks that.
set -eu

BUILD="gcc libc6-dev binutils make meson ninja-build pkg-config python3 scdoc
  libjson-c-dev libseccomp-dev libcap-dev libarchive-dev libcurl4-openssl-dev
  libmicrohttpd-dev libmnl-dev libisal-dev libzstd-dev zlib1g-dev libssl-dev
  nettle-dev busybox-static"
TEST="crun runc hyperfine time iproute2 util-linux procps psmisc kmod
  podman conmon containerd docker-registry skopeo umoci apache2-utils openssl curl isal e2fsprogs
  uidmap fuse-overlayfs slirp4netns containernetworking-plugins
  chromium chromium-driver nodejs python3 python3-jsonschema jq zstd xz-utils
  bsdextrautils file strace tmux nftables iptables clang-format cppcheck clang-tidy clang
  docker.io python3-docker docker-compose python3-grpcio python3-grpc-tools
  zsh bash-completion man-db"
QEMU="qemu-system-x86 linux-image-amd64 cpio"

if [ "${1:-}" = --list ]; then
	printf '%s\n' $BUILD $TEST $QEMU
	exit 0
fi

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

want="$BUILD"
[ "${1:-all}" = build ] || want="$BUILD $TEST"
# npm fetches the browser tests' playwright-core.  Debian's npm goes with
# Debian's nodejs; a Node.js from elsewhere brings its own npm and
# conflicts with Debian's, so npm is wanted only when there is none.
# (It joins $want, not $need: $need is computed again after the build set.)
if [ "${1:-all}" != build ] && ! command -v npm >/dev/null; then
	want="$want npm"
fi
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
# Installs with the package lists as they are; only when that fails (lists
# never fetched, or stale) fetches them and tries again: the README's
# command has just run `apt-get update`, a second one costs seconds.
apt_install() {
	# shellcheck disable=SC2068
	$APT install -y -qq $@ || { $APT update -qq && $APT install -y -qq $@; }
}
# The build set without recommends (they add ~100 packages the build never
# uses: the lab's first start on a new machine waits for them).
bneed=$(missing $BUILD)
# shellcheck disable=SC2086
[ -z "$bneed" ] || apt_install --no-install-recommends $bneed
need=$(missing $want)
# No service of these packages is started (policy-rc.d's 101, "action
# forbidden", which invoke-rc.d and deb-systemd-invoke obey): docker.io is
# here for its client alone, containerd and the registry are started by the
# tests that use them, on their own sockets.  A daemon started here would
# make a bridge and firewall rules in the host's network namespace.
if [ -n "$need" ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
[ -z "$need" ] || apt_install $need
# qemu's recommends pull ~180 packages; the cgroup v2 lane needs none of them.
# shellcheck disable=SC2086
[ -z "$qneed" ] || apt_install --no-install-recommends $qneed

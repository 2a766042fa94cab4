#!/bin/bash
# The cgroup v2 lane: boots Debian's kernel under qemu with a busybox
# initramfs, mounts a pure cgroup2 tree with the memory, cpu, io and pids
# controllers, and runs the cgroup behaviour tests there with the built
# glass-runtime (shared with the guest over virtio-9p at the same paths,
# together with the host's /usr read-only so dynamic binaries run).  The
# guest's TAP is renumbered into one stream here; pass/fail comes from the
# result lines the guest writes, never from qemu's exit status (qemu exits
# 0 even when the guest panics).
#   tests/qemu/run.sh [BUILD]     (GLASS_BUILD / GLASS_SRC from tests/run.sh)
#   GLASS_QEMU_TESTS="paths..."   override what runs inside
#   GLASS_SKIP_QEMU=1             skip the lane (prints why)
set -u
SRC=${GLASS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${1:-${GLASS_BUILD:-$SRC/build}}
BUILD=$(cd "$BUILD" && pwd)
skip_all() {
	echo "1..0 # SKIP qemu cgroup v2 lane: $*"
	exit 0
}
# A missing package is a failure: scripts/install-deps.sh installs them all.
missing() {
	echo "not ok 1 - qemu cgroup v2 lane: $* (scripts/install-deps.sh installs it)"
	echo "1..1"
	exit 1
}

[ "${GLASS_SKIP_QEMU:-0}" = 1 ] && skip_all "GLASS_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip_all "needs root (9p shares of /usr and the build)"
command -v qemu-system-x86_64 >/dev/null || missing "qemu-system-x86_64 not installed (apt-get install --no-install-recommends qemu-system-x86)"
command -v cpio >/dev/null || missing "cpio not installed (apt-get install cpio)"
command -v file >/dev/null || missing "file(1) not installed, needed to check that busybox is static (apt-get install file)"
KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
[ -n "$KERNEL" ] || missing "no /boot/vmlinuz-* (apt-get install linux-image-amd64)"
KVER=${KERNEL#/boot/vmlinuz-}
MODDIR=/usr/lib/modules/$KVER
[ -d "$MODDIR" ] || missing "no modules for $KVER in $MODDIR (apt-get install linux-image-$KVER)"
BUSYBOX=$(command -v busybox) || missing "busybox not installed (apt-get install busybox-static)"
file -L "$BUSYBOX" | grep -q 'statically linked' ||
	missing "$BUSYBOX is not statically linked: $(file -bL "$BUSYBOX" | cut -c1-80) (apt-get install busybox-static)"
[ -x "$BUILD/glass-runtime" ] || skip_all "no $BUILD/glass-runtime (run make first)"

TESTS=${GLASS_QEMU_TESTS:-"$BUILD/tests/unit/test-cgroup $SRC/tests/integration/t-cgroup.sh"}
WORK=$(mktemp -d /tmp/glass-qemu.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/initrd/bin" "$WORK/initrd/modules" "$WORK/out"

# The initramfs: busybox, the modules (insmod order in guest-init.sh), /init.
cp "$BUSYBOX" "$WORK/initrd/bin/busybox"
for m in overlay llc stp bridge veth netfs fscache 9pnet 9p virtio_ring virtio \
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet_virtio configfs null_blk; do
	f=$(find "$MODDIR/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
	[ -n "$f" ] || skip_all "module $m not found under $MODDIR"
	case $f in
	*.xz) xz -dc "$f" >"$WORK/initrd/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$WORK/initrd/modules/$m.ko" ;;
	*) cp "$f" "$WORK/initrd/modules/$m.ko" ;;
	esac
done
install -m 755 "$SRC/tests/qemu/guest-init.sh" "$WORK/initrd/init"
install -m 755 "$SRC/tests/qemu/guest-stage2.sh" "$WORK/initrd/stage2"
(cd "$WORK/initrd" && find . | cpio -o -H newc --quiet) | gzip -1 >"$WORK/initrd.gz"

# What the guest runs, and where things are (same paths as here).
sep=
case $BUILD/ in "$SRC"/*) ;; *) sep=1 ;; esac
cat >"$WORK/out/env" <<EOF
GLASS_SRC='$SRC'
GLASS_BUILD='$BUILD'
GLASS_BUILD_SEPARATE='$sep'
GLASS_QEMU_TESTS='$TESTS'
EOF

virtfs=(-virtfs "local,path=/usr,mount_tag=usr,security_model=none,readonly=on"
	-virtfs "local,path=$SRC,mount_tag=src,security_model=none"
	-virtfs "local,path=$WORK/out,mount_tag=out,security_model=none")
[ -n "$sep" ] && virtfs+=(-virtfs "local,path=$BUILD,mount_tag=build,security_model=none")
# Software emulation: /dev/kvm may exist on these machines but guests hang
# under it (no VMX/SVM exposed); GLASS_QEMU_KVM=1 tries it anyway.
accel=(-accel tcg)
[ "${GLASS_QEMU_KVM:-0}" = 1 ] && accel=(-accel kvm -accel tcg)

t0=$(date +%s)
timeout --kill-after=10 "${GLASS_QEMU_TIMEOUT:-700}" qemu-system-x86_64 "${accel[@]}" -m 1024 -smp 2 \
	-nographic -no-reboot -kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 loglevel=3" "${virtfs[@]}" \
	</dev/null >"$WORK/console.log" 2>&1
qrc=$?
t1=$(date +%s)
echo "# qemu: $(basename "$KERNEL"), ${accel[*]}, $((t1 - t0)) s, exit $qrc"
grep -ao 'GLASS-QEMU:.*' "$WORK/console.log" | tr -d '\r' | sed 's/^/# /'

# Renumber the guest's TAP streams into one.
n=0 failed=0
while IFS= read -r line; do
	line=${line%$'\r'}
	if [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
		n=$((n + 1))
		[ -n "${BASH_REMATCH[1]}" ] && failed=$((failed + 1))
		echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[2]/#\ - / - v2: }"
	elif [[ $line =~ ^1\.\.[0-9]+ ]]; then
		[[ $line == *SKIP* ]] && echo "# guest: $line"
	elif [[ $line =~ ^#\ exit\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" != 0 ]; then
		echo "$line"
		if [ "$failed" -eq 0 ]; then
			n=$((n + 1))
			failed=$((failed + 1))
			echo "not ok $n - v2: a guest test exited ${BASH_REMATCH[1]}"
		fi
	else
		echo "$line"
	fi
done < <(cat "$WORK/out/tap" 2>/dev/null)

if ! grep -q 'GLASS-QEMU-DONE' "$WORK/out/done" 2>/dev/null; then
	n=$((n + 1))
	echo "not ok $n - qemu lane: the guest did not finish (timeout or panic); console tail:"
	tail -30 "$WORK/console.log" | sed 's/^/#   /'
fi
echo "1..$n"
grep -q 'GLASS-QEMU-DONE rc=0' "$WORK/out/done" 2>/dev/null

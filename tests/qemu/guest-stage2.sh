#!/bin/busybox sh
# Stage 2 of the qemu lane's guest: a pure cgroup v2 machine.  Mounts the
# host's /usr (read-only) so the host's dynamically linked programs run,
# the source tree and build directory at the same paths as on the host,
# and the results directory; enables the memory, cpu, io and pids
# controllers (and cpuset, hugetlb) for the tree; runs the tests listed in
# /out/env and writes their TAP to /out/tap and a final line to /out/done.
PATH=/usr/sbin:/usr/bin:/bin
export PATH
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /usr /out /etc /root /var/tmp
# busybox applets as a fallback after /usr/bin: the host's /etc/alternatives
# (awk -> mawk, ...) is not shared, so those links dangle here.
/bin/busybox --install -s /bin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mkdir -p /dev/pts /dev/shm
/bin/busybox ln -sf /proc/self/fd /dev/fd
/bin/busybox ln -sf /proc/self/fd/0 /dev/stdin
/bin/busybox ln -sf /proc/self/fd/1 /dev/stdout
/bin/busybox ln -sf /proc/self/fd/2 /dev/stderr
/bin/busybox mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
/bin/busybox mount -t tmpfs tmpfs /dev/shm
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in cpuset cpu io memory hugetlb pids rdma misc; do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done
O="trans=virtio,version=9p2000.L,msize=262144"
/bin/busybox mount -t 9p -o "$O,ro" usr /usr || echo "GLASS-QEMU: cannot mount /usr"
/bin/busybox ln -s usr/lib /lib
/bin/busybox ln -s usr/lib64 /lib64
/bin/busybox ln -s usr/sbin /sbin
/bin/busybox mount -t 9p -o "$O" out /out || echo "GLASS-QEMU: cannot mount /out"
. /out/env
/bin/busybox mkdir -p "$GLASS_SRC"
/bin/busybox mount -t 9p -o "$O" src "$GLASS_SRC"
if [ -n "${GLASS_BUILD_SEPARATE:-}" ]; then
	/bin/busybox mkdir -p "$GLASS_BUILD"
	/bin/busybox mount -t 9p -o "$O" build "$GLASS_BUILD"
fi
echo "root:x:0:0:root:/root:/bin/sh" >/etc/passwd
echo "root:x:0:" >/etc/group
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>/etc/passwd
echo "nogroup:x:65534:" >>/etc/group
echo "127.0.0.1 localhost" >/etc/hosts
/bin/busybox hostname glass-qemu
/bin/busybox ip link set lo up 2>/dev/null
ulimit -n 65536 2>/dev/null
export GLASS_BUILD GLASS_SRC GLASS_IN_QEMU=1 HOME=/root TMPDIR=/tmp
echo "GLASS-QEMU: kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
: >/out/tap
rc=0
for t in $GLASS_QEMU_TESTS; do
	echo "# ---- qemu: $t" >>/out/tap
	case $t in
	*.sh) timeout 400 bash "$t" >>/out/tap 2>&1 ;;
	*) timeout 400 "$t" >>/out/tap 2>&1 ;;
	esac
	r=$?
	echo "# exit $r" >>/out/tap
	[ $r -eq 0 ] || rc=1
done
sync
echo "GLASS-QEMU-DONE rc=$rc" >/out/done
sync
echo "GLASS-QEMU-DONE rc=$rc"
/bin/busybox poweroff -f

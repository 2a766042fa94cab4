#!/bin/sh
# Makes the built-in image: a busybox root filesystem from Debian's
# busybox-static (no network), with the test probe at /usr/bin/glass-probe.
#   mkrootfs.sh OUTDIR PROBE
set -eu
out=$1
# Absolute, since the image is assembled after a cd into a temporary dir.
probe=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
bb=/bin/busybox
# Debian's busybox-static installs /bin/busybox; a dynamic busybox would not
# run inside a root filesystem that has no libc.
if [ ! -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
	echo "glass: a static busybox is needed for the built-in image: apt-get install busybox-static" >&2
	exit 1
fi
stamp="$out/.glass-rootfs"
if [ -f "$stamp" ] && [ "$stamp" -nt "$bb" ] && [ "$stamp" -nt "$probe" ] && [ "$stamp" -nt "$0" ]; then
	exit 0
fi
tmp="$out.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
cd "$tmp"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp run root home var/tmp var/log mnt
chmod 1777 tmp var/tmp
cp "$bb" bin/busybox
for applet in $(./bin/busybox --list-full); do
	[ "$applet" = bin/busybox ] && continue
	mkdir -p "$(dirname "$applet")"
	ln -sf /bin/busybox "$applet"
done
cp "$probe" usr/bin/glass-probe
cat > etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > etc/group <<'G'
root:x:0:
daemon:x:1:
tty:x:5:
nogroup:x:65534:
G
echo glass > etc/hostname
printf 'hosts: files dns\n' > etc/nsswitch.conf
printf '127.0.0.1 localhost\n::1 localhost\n' > etc/hosts
: > etc/resolv.conf
cd - >/dev/null
rm -rf "$out"
mv "$tmp" "$out"
touch "$out/.glass-rootfs"

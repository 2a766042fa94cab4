#!/bin/bash
# The container's root filesystem, seen from inside: each mount kind of
# config.json (proc, sysfs, tmpfs, devpts, mqueue, cgroup, bind/rbind with
# ro/nosuid/noexec/propagation options, rro), maskedPaths and
# readonlyPaths, /dev (default devices, linux.devices, symlinks), a
# read-only root, mount destinations that are symlinks pointing out of the
# rootfs (they must land inside), proc over a symlink (refused), sysctl,
# rootfsPropagation and --no-pivot, a tmpfs's mode and tmpcopyup (every
# kind of file with its metadata, xattrs and hard links).  Tests that
# change the image work on a private copy of it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=h3rootfs-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r h3id; do R delete --force "$h3id"; done <"$TEST_TMP/ids"'

# new_bundle FILTER [copy]: a bundle (default spec edited by FILTER); with
# "copy", on a private copy of the image.  Prints its directory.
new_bundle() {
	local filter=$1 copy=${2:-} b
	b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	make_bundle "$b" "$filter" || return 1
	if [ -n "$copy" ]; then
		cp -a "$ROOTFS" "$b/rootfs" && jq_edit "$b/config.json" '.root.path = "rootfs"'
	fi
	echo "$b"
}
# in_ct BUNDLE SCRIPT [runtime run flags]: runs `sh -c SCRIPT` in a new
# container; prints stdout and stderr; the runtime's exit status.
in_ct() {
	local b=$1 script=$2 id
	shift 2
	id=$ID-${b##*.}
	echo "$id" >>"$TEST_TMP/ids"
	jq_edit "$b/config.json" '.process.args = ["sh", "-c", $s]' --arg s "$script"
	# A hung container must not hang the suite: 60 s is plenty.
	timeout -k 5 60 "$RUNTIME" --root "$STATE" run "$@" "$id" --bundle "$b" </dev/null 2>&1
}
# val OUTPUT KEY: the value of a "KEY=value" line of a container's output.
val() { sed -n "s/^$2=//p" <<<"$1" | head -1; }

# --- the default mounts (runc's spec): proc sysfs tmpfs devpts mqueue cgroup
b=$(new_bundle '.')
out=$(probe_json "$b" "$ID-m" --only mounts)
check "the default spec's container runs the probe" $?
echo "$ID-m" >>"$TEST_TMP/ids"
mnt() { jq -r --arg t "$1" "[.mounts[] | select(.target == \$t)] | last | .$2" <<<"$out"; }
is "proc on /proc" "$(mnt /proc fstype)" proc
is "sysfs on /sys" "$(mnt /sys fstype)" sysfs
like "sysfs is read-only, nosuid, nodev, noexec" "$(mnt /sys options)" '^ro,nosuid,nodev,noexec'
is "tmpfs on /dev" "$(mnt /dev fstype)" tmpfs
like "/dev tmpfs has mode=755 and nosuid" "$(mnt /dev options),$(mnt /dev super)" 'nosuid.*mode=755'
is "devpts on /dev/pts" "$(mnt /dev/pts fstype)" devpts
like "devpts is a new instance with ptmxmode=666 gid=5 mode=620" "$(mnt /dev/pts super)" 'gid=5,mode=620,ptmxmode=666'
is "tmpfs on /dev/shm" "$(mnt /dev/shm fstype)" tmpfs
is "mqueue on /dev/mqueue" "$(mnt /dev/mqueue fstype)" mqueue
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	is "cgroup2 on /sys/fs/cgroup (cgroup2-only host)" "$(mnt /sys/fs/cgroup fstype)" cgroup2
else
	is "tmpfs on /sys/fs/cgroup (hybrid host)" "$(mnt /sys/fs/cgroup fstype)" tmpfs
	like "/sys/fs/cgroup is read-only" "$(mnt /sys/fs/cgroup options)" '^ro,'
	is "the memory hierarchy on /sys/fs/cgroup/memory" "$(mnt /sys/fs/cgroup/memory fstype)" cgroup
	like "... read-only too" "$(mnt /sys/fs/cgroup/memory options)" '^ro,'
	if [ -d /sys/fs/cgroup/unified ]; then
		is "cgroup2 on /sys/fs/cgroup/unified" "$(mnt /sys/fs/cgroup/unified fstype)" cgroup2
	fi
fi

# --- the cgroup mount is the container's own cgroup, read-only
b=$(new_bundle '.')
out=$(in_ct "$b" 'echo "procs=$(tr "\n" " " </sys/fs/cgroup/pids/cgroup.procs)"
	mkdir /sys/fs/cgroup/pids/x 2>/dev/null && echo cgwrite=ok || echo cgwrite=denied')
is "/sys/fs/cgroup/pids/cgroup.procs lists the container's init as pid 1" "$(val "$out" procs | awk '{print $1}')" 1
is "the cgroup hierarchy cannot be changed (ro)" "$(val "$out" cgwrite)" denied

# --- bind mounts: ro, rbind vs bind, nosuid/noexec, a file, rro, propagation
data=$TEST_TMP/data
rb=$TEST_TMP/rb
mkdir -p "$data" "$rb/sub"
echo hi >"$data/hello"
cp /bin/busybox "$data/true"
mount -t tmpfs -o size=1m glass-h3-sub "$rb/sub" && on_exit "umount -l '$rb/sub'"
touch "$rb/sub/marker"
b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
make_bundle "$b" '.root.readonly = false' && cp -a "$ROOTFS" "$b/rootfs" &&
	jq_edit "$b/config.json" '.root.path = "rootfs" | .mounts += [
 {destination: "/mnt/ro", type: "bind", source: $d, options: ["bind", "ro"]},
 {destination: "/mnt/rbind", type: "bind", source: $r, options: ["rbind"]},
 {destination: "/mnt/bind", type: "bind", source: $r, options: ["bind"]},
 {destination: "/mnt/rro", type: "bind", source: $r, options: ["rbind", "rro"]},
 {destination: "/mnt/noexec", type: "bind", source: $d, options: ["bind", "noexec", "nosuid", "nodev"]},
 {destination: "/mnt/exec", source: $d, options: ["bind"]},
 {destination: "/etc/hello-file", type: "bind", source: ($d + "/hello"), options: ["bind", "ro"]},
 {destination: "/mnt/shared", type: "tmpfs", source: "tmpfs", options: ["rshared", "size=64k"]},
 {destination: "/mnt/private", type: "tmpfs", source: "tmpfs", options: ["private", "noexec"]}]' \
		--arg d "$data" --arg r "$rb"
out=$(in_ct "$b" '
mi() { grep " $1 " /proc/self/mountinfo | tail -1; }
echo "ro_read=$(cat /mnt/ro/hello)"
touch /mnt/ro/new 2>&1 | grep -q "Read-only" && echo ro_write=EROFS
echo "rbind_sub=$(ls /mnt/rbind/sub)"
echo "bind_sub=$(ls /mnt/bind/sub)"
touch /mnt/rro/sub/x 2>&1 | grep -q "Read-only" && echo rro_sub=EROFS
touch /mnt/rro/y 2>&1 | grep -q "Read-only" && echo rro_top=EROFS
/mnt/noexec/true 2>/dev/null && echo noexec=ran || echo noexec=refused
/mnt/exec/true && echo exec=ran
echo "noexec_opts=$(mi /mnt/noexec | cut -d" " -f6)"
echo "file=$(cat /etc/hello-file)"
[ -f /etc/hello-file ] && echo file_type=regular
echo "shared=$(mi /mnt/shared | cut -d" " -f7)"
echo "private=$(mi /mnt/private | cut -d" " -f7)"
echo "private_opts=$(mi /mnt/private | cut -d" " -f6)"
')
check "a container with bind mounts runs" $?
is "bind ro: the source is readable" "$(val "$out" ro_read)" hi
is "bind ro: writes fail with EROFS" "$(val "$out" ro_write)" EROFS
is "rbind carries the source's submounts" "$(val "$out" rbind_sub)" marker
is "bind does not" "$(val "$out" bind_sub)" ""
is "rro makes the submounts read-only too" "$(val "$out" rro_sub)" EROFS
is "rro makes the top read-only" "$(val "$out" rro_top)" EROFS
is "noexec: a binary cannot run" "$(val "$out" noexec)" refused
is "the same source without noexec runs it" "$(val "$out" exec)" ran
is "nosuid,nodev,noexec on the bind" "$(val "$out" noexec_opts)" rw,nosuid,nodev,noexec,relatime
is "a file bind mount (target created as a file)" "$(val "$out" file):$(val "$out" file_type)" hi:regular
like "rshared: the mount is in a peer group" "$(val "$out" shared)" '^shared:[0-9]+'
like "private: no propagation" "$(val "$out" private)" '^-?$'
like "tmpfs noexec option" "$(val "$out" private_opts)" 'noexec'
[ ! -e "$ROOTFS/mnt/ro" ]
check "the shared image was not touched" $?

# --- idmapped bind mount (mounts[].uidMappings): files owned by 0 show as 1000:2000
idm=$TEST_TMP/idm
mkdir -p "$idm" && touch "$idm/f" && chown 0:0 "$idm/f"
b=$(new_bundle '.mounts += [{destination: "/mnt", type: "bind", source: "IDM", options: ["rbind"],
	uidMappings: [{containerID: 0, hostID: 1000, size: 10}], gidMappings: [{containerID: 0, hostID: 2000, size: 10}]}]')
jq_edit "$b/config.json" '.mounts[-1].source = $d' --arg d "$idm"
out=$(in_ct "$b" 'echo "owner=$(stat -c %u:%g /mnt/f)"')
is "idmapped bind mount: a file owned by 0:0 shows as 1000:2000" "$(val "$out" owner)" 1000:2000
is "... while the host still sees 0:0" "$(stat -c %u:%g "$idm/f")" 0:0

# --- a relative bind source is relative to the bundle
b=$(new_bundle '.' copy)
mkdir -p "$b/reldata" && echo rel >"$b/reldata/x"
jq_edit "$b/config.json" '.mounts += [{destination: "/mnt", type: "bind", source: "reldata", options: ["bind", "ro"]}]'
out=$(cd / && in_ct "$b" 'echo "rel=$(cat /mnt/x)"')
is "a relative mounts[].source is found in the bundle" "$(val "$out" rel)" rel

# --- masked and readonly paths (default list + custom ones)
b=$(new_bundle '.root.readonly = false | (.mounts[] | select(.destination == "/proc")).options = ["nosuid", "noexec", "nodev"] |
	.linux.maskedPaths += ["/etc/hostname", "/var", "/nonexistent"] |
	.linux.readonlyPaths += ["/home", "/nonexistent2"]' copy)
out=$(in_ct "$b" '
echo "keys=$(cat /proc/keys | wc -c)"
echo "timer_list=$(cat /proc/timer_list | wc -c)"
echo "hostname_file=$(cat /etc/hostname | wc -c)"
echo "var=$(ls -A /var | wc -l)"
touch /var/x 2>&1 | grep -q "Read-only" && echo var_write=EROFS
echo "firmware=$(ls -A /sys/firmware | wc -l)"
(echo x >/proc/sys/kernel/domainname) 2>&1 | grep -q "Read-only" && echo procsys=EROFS
/usr/bin/glass-probe try open-write /proc/sysrq-trigger | sed -n "s/.*\"errname\":\"\([A-Z]*\)\".*/sysrq=\1/p"
echo "procsys_opts=$(awk '"'"'$5 == "/proc/sys" {print $6}'"'"' /proc/self/mountinfo)"
touch /home/x 2>&1 | grep -q "Read-only" && echo home=EROFS
touch /root/x && echo root_dir=writable
rm -f /root/x
exit 0')
check "a container with masked and readonly paths runs (missing ones skipped)" $?
is "masked file /proc/keys reads empty" "$(val "$out" keys)" 0
is "masked file /proc/timer_list reads empty" "$(val "$out" timer_list)" 0
is "masked file /etc/hostname reads empty" "$(val "$out" hostname_file)" 0
is "masked directory /var is empty" "$(val "$out" var)" 0
is "masked directory /var is read-only" "$(val "$out" var_write)" EROFS
is "masked /sys/firmware is empty" "$(val "$out" firmware)" 0
is "readonly /proc/sys: writes fail with EROFS" "$(val "$out" procsys)" EROFS
is "readonly /proc/sys keeps the nosuid,nodev,noexec of /proc's mount (as runc)" "$(val "$out" procsys_opts)" ro,nosuid,nodev,noexec,relatime
if [ -e /proc/sysrq-trigger ]; then
	is "readonly /proc/sysrq-trigger cannot be opened for writing" "$(val "$out" sysrq)" EROFS
else
	skip "readonly /proc/sysrq-trigger cannot be opened for writing" "this kernel has no /proc/sysrq-trigger"
fi
is "readonly /home: EROFS" "$(val "$out" home)" EROFS
is "the rest of the root is writable" "$(val "$out" root_dir)" writable

# --- /dev: default devices, linux.devices, symlinks
b=$(new_bundle '.linux.devices = [
 {path: "/dev/glass-null", type: "c", major: 1, minor: 3, fileMode: 384, uid: 1000, gid: 1001},
 {path: "/dev/sub/glass-fifo", type: "p"},
 {path: "/dev/zero", type: "c", major: 1, minor: 5, fileMode: 432}]')
out=$(in_ct "$b" '
for d in null zero full random urandom tty glass-null sub/glass-fifo; do
	echo "dev_${d##*/}=$(stat -c "%F %t:%T %a %u:%g" /dev/$d)"
done
for l in fd stdin stdout stderr ptmx; do echo "link_$l=$(readlink /dev/$l)"; done
echo "pts=$(ls -d /dev/pts/ptmx)"')
check "a container with linux.devices runs" $?
for d in "null 1:3" "full 1:7" "random 1:8" "urandom 1:9" "tty 5:0"; do
	set -- $d
	is "default device /dev/$1" "$(val "$out" "dev_$1")" "character special file $2 666 0:0"
done
is "linux.devices overrides a default device's mode (/dev/zero 0660)" "$(val "$out" dev_zero)" "character special file 1:5 660 0:0"
is "linux.devices: char device with fileMode, uid, gid" "$(val "$out" dev_glass-null)" "character special file 1:3 600 1000:1001"
like "linux.devices: a fifo in a new subdirectory" "$(val "$out" dev_glass-fifo)" '^fifo 0:0 666 0:0'
is "/dev/fd -> /proc/self/fd" "$(val "$out" link_fd)" /proc/self/fd
is "/dev/stdin -> /proc/self/fd/0" "$(val "$out" link_stdin)" /proc/self/fd/0
is "/dev/stdout -> /proc/self/fd/1" "$(val "$out" link_stdout)" /proc/self/fd/1
is "/dev/stderr -> /proc/self/fd/2" "$(val "$out" link_stderr)" /proc/self/fd/2
is "/dev/ptmx -> pts/ptmx (the container's devpts)" "$(val "$out" link_ptmx)" pts/ptmx
is "/dev/pts/ptmx exists" "$(val "$out" pts)" /dev/pts/ptmx

# --- in a user namespace: devices are binds of the host's nodes; without a
# network namespace sysfs cannot be mounted and the host's /sys is bound
USERNS='.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
	.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
b=$(new_bundle "$USERNS")
out=$(in_ct "$b" '
echo "null=$(stat -c "%F %t:%T" /dev/null)"
echo "nullmnt=$(awk '\''$5 == "/dev/null" {print $9}'\'' /proc/self/mountinfo)"
echo x >/dev/null && echo "write=ok"
echo "sys=$(awk '\''$5 == "/sys" {print $9}'\'' /proc/self/mountinfo)"')
check "a container in a user namespace runs" $?
is "userns: /dev/null is the host's character device 1:3" "$(val "$out" null)" "character special file 1:3"
is "userns: /dev/null is a bind mount from the host's devtmpfs" "$(val "$out" nullmnt)" devtmpfs
is "userns: /dev/null is writable" "$(val "$out" write)" ok
is "userns with a network namespace: sysfs is mounted" "$(val "$out" sys)" sysfs
b=$(new_bundle "$USERNS"' | .linux.namespaces |= map(select(.type != "network"))')
out=$(in_ct "$b" 'echo "sys=$(awk '\''$5 == "/sys" {print $9 ":" $6}'\'' /proc/self/mountinfo)"; ls /sys/kernel >/dev/null && echo sysread=ok')
is "userns without a network namespace: the host's /sys is bound read-only instead" "$(val "$out" sys)" sysfs:ro,nosuid,nodev,noexec,relatime
is "... and readable" "$(val "$out" sysread)" ok

# --- read-only root, writable tmpfs /tmp
b=$(new_bundle '.root.readonly = true | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=1m"]}]')
out=$(in_ct "$b" '
touch /x 2>&1 | grep -q "Read-only" && echo root=EROFS
touch /tmp/x && echo tmp=writable
echo "rootopts=$(awk '\''$5 == "/" {print $6}'\'' /proc/self/mountinfo | tail -1 | cut -d, -f1)"')
is "read-only root: touch / fails with EROFS" "$(val "$out" root)" EROFS
is "a tmpfs /tmp stays writable" "$(val "$out" tmp)" writable
is "/ is mounted ro" "$(val "$out" rootopts)" ro

# --- mount destinations that are symlinks out of the rootfs land inside it
outside=$TEST_TMP/outside
mkdir -p "$outside"
b=$(new_bundle '.root.readonly = false' copy)
ln -s "$outside" "$b/rootfs/esc-abs"
ln -s "../../../../../../../../../..$outside" "$b/rootfs/esc-rel"
ln -s "/nowhere/deep" "$b/rootfs/esc-dangling"
jq_edit "$b/config.json" '.mounts += [
 {destination: "/esc-abs/m1", type: "tmpfs", source: "tmpfs", options: ["size=64k"]},
 {destination: "/esc-rel/m2", type: "tmpfs", source: "tmpfs", options: ["size=64k"]},
 {destination: "/esc-dangling", type: "bind", source: $d, options: ["bind"]},
 {destination: "/esc-abs/f", type: "bind", source: ($d + "/hello"), options: ["bind"]}]' --arg d "$data"
out=$(in_ct "$b" "
echo \"m1=\$(grep -c ' $outside/m1 ' /proc/self/mountinfo)\"
echo \"m2=\$(grep -c ' $outside/m2 ' /proc/self/mountinfo)\"
echo \"dangling=\$(cat /nowhere/deep/hello)\"")
check "a container whose mount targets are symlinks out of the rootfs runs" $?
is "absolute symlink target: the tmpfs is at $outside/m1 inside the container" "$(val "$out" m1)" 1
is "relative ../.. symlink target: the tmpfs is at $outside/m2 inside" "$(val "$out" m2)" 1
is "a dangling symlink destination is created inside the rootfs" "$(val "$out" dangling)" hi
[ -z "$(ls -A "$outside")" ]
check "nothing was created or mounted in the host's $outside" $?
[ -d "$b/rootfs$outside/m1" ] && [ -d "$b/rootfs$outside/m2" ] && [ -f "$b/rootfs$outside/f" ] &&
	[ -d "$b/rootfs/nowhere/deep" ]
check "the targets were created inside the bundle's rootfs" $?
[ ! -e /nowhere ]
check "no /nowhere on the host" $?
[ -z "$(host_mounts | grep -- "$outside")" ]
check "no mount left on the host" $?

# --- proc over a symlink is refused
b=$(new_bundle '.' copy)
rmdir "$b/rootfs/proc" && ln -s /tmp "$b/rootfs/proc"
fails "proc on a /proc that is a symlink: the run fails" in_ct "$b" 'true'
like "... saying why" "$FAIL_OUT" 'mounts\[0\].*symlink'
nothing_left "$ID-${b##*.}"
check "... and leaves nothing behind" $?

# --- sysctl: namespaced keys set, others refused
host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
b=$(new_bundle '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "12345678", "kernel.domainname": "glass.test"}')
out=$(in_ct "$b" 'echo "fwd=$(cat /proc/sys/net/ipv4/ip_forward)"; echo "shmmax=$(cat /proc/sys/kernel/shmmax)"; echo "dom=$(cat /proc/sys/kernel/domainname)"')
is "sysctl net.ipv4.ip_forward (network namespace)" "$(val "$out" fwd)" 1
is "sysctl kernel.shmmax (ipc namespace)" "$(val "$out" shmmax)" 12345678
is "sysctl kernel.domainname (uts namespace)" "$(val "$out" dom)" glass.test
is "the host's ip_forward is unchanged" "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
b=$(new_bundle '.linux.sysctl = {"kernel.panic": "5"}')
fails "a sysctl that is not namespaced is refused" in_ct "$b" 'true'
like "... naming linux.sysctl.kernel.panic" "$FAIL_OUT" 'linux\.sysctl\.kernel\.panic.*not a namespaced sysctl'
nothing_left "$ID-${b##*.}"
check "... and leaves nothing behind" $?
b=$(new_bundle '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}')
fails "net.* without a network namespace is refused" in_ct "$b" 'true'
like "... saying a network namespace is needed" "$FAIL_OUT" 'linux\.sysctl\.net\.ipv4\.ip_forward.*network namespace'

# --- tmpfs over a directory: its mode (no mode= given), tmpcopyup
# The directory a tmpfs covers is a bind mount of a host tree here, made
# just before: tmpcopyup copies what the mount point shows.
SRC=$TEST_TMP/copyup
mkdir -p "$SRC/sub/deeper"
echo hello >"$SRC/file"
chmod 0640 "$SRC/file"
chown 1000:1001 "$SRC/file"
ln "$SRC/file" "$SRC/hardlink"
ln -s file "$SRC/symlink"
ln -s /etc/passwd "$SRC/abs-link"
mkfifo -m 0620 "$SRC/fifo"
mknod "$SRC/null" c 1 3 && chown 5:6 "$SRC/null"
echo x >"$SRC/sub/deeper/f"
chmod 4755 "$SRC/sub/deeper/f"
chmod 0711 "$SRC/sub"
chown 7:8 "$SRC/sub"
chmod 0750 "$SRC"
cat >"$TEST_TMP/dump.py" <<'EOF'
import os, stat, sys
root, seen = sys.argv[1], {}
for d, dirs, files in os.walk(root):
    dirs.sort()
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        first = rel if stat.S_ISDIR(st.st_mode) else seen.setdefault((st.st_dev, st.st_ino), rel)
        xs = ""
        if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
            xs = " ".join("%s=%s" % (x, os.getxattr(p, x).hex()) for x in sorted(os.listxattr(p)))
        what = os.readlink(p) if stat.S_ISLNK(st.st_mode) else \
            "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)) if stat.S_ISCHR(st.st_mode) else ""
        print(rel, oct(st.st_mode), st.st_uid, st.st_gid,
              st.st_size if stat.S_ISREG(st.st_mode) else "-", st.st_mtime_ns,
              "link-of:" + first if first != rel else "", what, xs)
print(". mode", oct(os.stat(root).st_mode))
EOF
/usr/bin/python3 -c '
import os, sys
d = sys.argv[1]
os.setxattr(d + "/file", "user.glass", b"yes")
os.setxattr(d + "/file", "trusted.glass", b"t")
os.setxattr(d + "/sub", "user.dir", b"d")
# file capabilities v2: CAP_NET_RAW permitted and effective
os.setxattr(d + "/sub/deeper/f", "security.capability", bytes([0, 0, 0, 2, 0, 0x20, 0, 0]) + bytes(12))' "$SRC"
touch -h -d '2020-01-02 03:04:05' "$SRC/file" "$SRC/sub" "$SRC/symlink"
WANT=$(/usr/bin/python3 "$TEST_TMP/dump.py" "$SRC")
for ro in "" ro; do
	b=$(new_bundle ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$SRC\", options: [\"bind\"]},
		{destination: \"/mnt\", type: \"tmpfs\", source: \"tmpfs\", options: [\"tmpcopyup\", \"nosuid\"${ro:+, \"ro\"}]},
		{destination: \"/home\", type: \"tmpfs\", source: \"tmpfs\"},
		{destination: \"/tmp\", type: \"tmpfs\", source: \"tmpfs\", options: [\"mode=700\"]}] |
		.process.args = [\"sleep\", \"60\"]")
	id=$ID-cu$ro
	echo "$id" >>"$TEST_TMP/ids"
	if R run -d "$id" --bundle "$b" </dev/null >/dev/null 2>"$b.err"; then
		pid=$(pid_of "$id")
		got=$(/usr/bin/python3 "$TEST_TMP/dump.py" "/proc/$pid/root/mnt")
		is "tmpcopyup${ro:+ (read-only tmpfs)}: every entry with mode, owner, size, times, xattrs, links" "$got" "$WANT"
		like "tmpcopyup${ro:+ (read-only tmpfs)}: /mnt is a tmpfs" "$(awk '$5 == "/mnt" {print $9}' "/proc/$pid/mountinfo" | tail -1)" '^tmpfs$'
		[ -n "$ro" ] && like "tmpcopyup into a read-only tmpfs: read-only afterwards" "$(awk '$5 == "/mnt" {print $6}' "/proc/$pid/mountinfo" | tail -1)" '^ro,'
		is "a tmpfs over /home takes its mode (0755, as runc)" "$(stat -c %a "/proc/$pid/root/home")" 755
		is "a tmpfs with mode=700 keeps it" "$(stat -c %a "/proc/$pid/root/tmp")" 700
		R delete -f "$id" >/dev/null 2>&1
	else
		not_ok_line "a container with tmpcopyup${ro:+ (read-only)} runs: $(cat "$b.err")"
	fi
done

# --- a relative mount destination (deprecated): relative to "/", warned
b=$(new_bundle '.mounts += [{destination: "mnt", type: "tmpfs", source: "tmpfs"}] | .process.args = ["sh", "-c", "grep -c \" /mnt \" /proc/self/mountinfo"]')
echo "$ID-rel" >>"$TEST_TMP/ids"
out=$("$RUNTIME" --root "$STATE" --log "$b.log" run "$ID-rel" --bundle "$b" </dev/null 2>&1)
is "mounts[].destination \"mnt\": mounted at /mnt" "$out" 1
like "... with a warning in the runtime's log" "$(cat "$b.log")" 'level=warning msg=.*destination \\?"mnt\\?" is not absolute: mounted at \\?"/mnt'

# --- rootfsPropagation
for p in private slave shared unbindable; do
	b=$(new_bundle ".linux.rootfsPropagation = \"$p\"")
	out=$(in_ct "$b" 'echo "opt=$(awk '\''$5 == "/" {print $7}'\'' /proc/self/mountinfo | tail -1)"')
	case $p in
	private) want='^-$' ;;
	slave) want='^-$|^master:' ;; # the host's / is private: nothing to follow
	shared) want='^shared:[0-9]+' ;;
	unbindable) want='^unbindable' ;;
	esac
	like "rootfsPropagation $p: / of the container is $p" "$(val "$out" opt)" "$want"
done

# --- --no-pivot: MS_MOVE + chroot
b=$(new_bundle '.')
out=$(in_ct "$b" 'echo "host=$(cat /etc/hostname)"; echo "n=$(ls / | wc -l)"' --no-pivot)
check "--no-pivot: the container runs" $?
is "--no-pivot: / is the image (its /etc/hostname)" "$(val "$out" host)" glass
is "--no-pivot: / lists the image's entries" "$(val "$out" n)" "$(ls "$ROOTFS" | wc -l)"

b=$(new_bundle '.')
jq_edit "$b/config.json" '.process.args = ["true"]'
echo "$ID-np2" >>"$TEST_TMP/ids"
out=$(R --trace run --no-pivot "$ID-np2" --bundle "$b" </dev/null 2>&1)
like "--no-pivot detaches the host's /proc before the chroot (trace)" "$out" 'umount2\("/proc", MNT_DETACH\) = 0'
like "... and the host's /sys" "$out" 'umount2\("/sys", MNT_DETACH\) = 0'
like "... then MS_MOVE and chroot" "$out" 'mount\([^)]*"/", [^)]*MS_MOVE.*chroot\("\."\) = 0'

finish

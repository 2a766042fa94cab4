#!/bin/bash
# docker cp (through glass serve) and glass cp against a hostile
# container, both ways: its files are read and written by a child of the
# engine chrooted into its root, as host root, so nothing there may make
# that child run the container's code (docker's CVE-2019-14271):
#  - glibc's NSS: the container's /etc/nsswitch.conf names a module
#    (`passwd: files glasspwn`) and ships libnss_glasspwn.so.2, whose
#    constructor writes a marker; the copied files belong to uid 4242,
#    which no passwd file names, so a name lookup would reach the module;
#  - glibc's iconv: the container's gconv-modules makes UTF-8 and
#    ANSI_X3.4-1968 aliases of a module of its own, loaded by any
#    conversion glibc has to set up in there.  glass sets LC_CTYPE to
#    C.UTF-8 at start; the same copies run again with no C.UTF-8 on the
#    host (a tmpfs over /usr/lib/locale in a mount namespace of this
#    test's own), where the locale's charset is ANSI_X3.4-1968.
# The proof is that no constructor ever runs: no marker anywhere (the
# container's root, the host's /, the test's directories, which are the
# roots the children enter).  The same files copied onto the host and
# used as a destination and a source make the same attack on the host side.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd gcc
need_cmd curl
need_cmd unshare
. "$(dirname "$0")/lib-engine.sh"
out=$(G run --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"
DOCKER=/usr/bin/docker
SOCK=$GLASS_ROOT/glass.sock
export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$TEST_TMP/docker-config
D() { timeout 30 $DOCKER "$@"; }
# a command with no C.UTF-8 locale to load: glass's LC_CTYPE stays "C"
# (ASCII); unshare and sh exec, so the command keeps the pid
NOLOC=(unshare -m sh -c 'mount -t tmpfs glass-test-noloc /usr/lib/locale && exec "$@"' sh)
H=$TEST_TMP/host
mkdir -p "$H/in/sub" && echo from-host >"$H/in/sub/f" && chown -R 4242:4242 "$H/in"
MARK=glasspwn-$$
ARCH=$(gcc -print-multiarch)

# plant DIR [AT]: the hostile NSS and gconv set-up in the tree DIR, their
# markers written at AT/MARK-nss and AT/MARK-gconv (AT: "", the root)
plant() {
	local d=$1 at=${2:-} src=$TEST_TMP/pwn.c
	mkdir -p "$d/etc" "$d/lib/$ARCH" "$d/usr/lib/$ARCH/gconv"
	cat >"$src" <<-'EOF'
		#include <fcntl.h>
		#include <unistd.h>
		__attribute__((constructor)) static void pwn(void)
		{
			int fd = open(MARKER, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0)
				close(fd);
		}
	EOF
	gcc -shared -fPIC -DMARKER="\"$at/$MARK-nss\"" -o "$d/lib/$ARCH/libnss_glasspwn.so.2" "$src" &&
		gcc -shared -fPIC -DMARKER="\"$at/$MARK-gconv\"" -o "$d/usr/lib/$ARCH/gconv/libglasspwn.so" "$src" || return 1
	printf 'passwd: files glasspwn\ngroup: files glasspwn\n' >"$d/etc/nsswitch.conf"
	printf 'alias\t%s\tGLASSPWN//\n' ISO-10646/UTF8/ UTF-8// ANSI_X3.4-1968// >"$d/usr/lib/$ARCH/gconv/gconv-modules"
	printf 'module\tGLASSPWN//\tINTERNAL\tlibglasspwn\t1\nmodule\tINTERNAL\tGLASSPWN//\tlibglasspwn\t1\n' >>"$d/usr/lib/$ARCH/gconv/gconv-modules"
	rm -f "$d/usr/lib/$ARCH/gconv/gconv-modules.cache"
}
# the markers a constructor left, wherever a child's root was
markers() { find / -maxdepth 1 -name "$MARK-*"; find "$TEST_TMP" -path "*/upper" -prune -o -name "$MARK-*" -print; }

# the attack set-up works: glibc outside any container loads the module
plant "$TEST_TMP/probe" "$TEST_TMP/probe"
check "gcc builds the hostile modules" $?
(echo x | GCONV_PATH=$TEST_TMP/probe/usr/lib/$ARCH/gconv iconv -f UTF-8 -t LATIN1) >/dev/null 2>&1
check "the gconv set-up loads its module where glibc reads it" "$([ -e "$TEST_TMP/probe/$MARK-gconv" ]; echo $?)"
rm -rf "$TEST_TMP/probe"
# a constructor run outside any chroot writes in the host's /
on_exit rm -f "/$MARK-nss" "/$MARK-gconv"

id=$(G run -d --name hostile busybox sleep 300)
R=$GLASS_ROOT/containers/$id/rootfs
plant "$R"
mkdir -p "$R/data/sub" && echo from-ctr >"$R/data/sub/f" && chown -R 4242:4242 "$R/data"
plant "$H/evil"
is "the hostile container is ready" "$(markers)" ""

# cps FRONT LABEL N: both ways, into and from a plain dir and the planted one
cps() {
	local run=$1 tag=$2 n=$3
	ok "$tag: cp CTR:/data HOSTDIR" $run cp hostile:/data "$H/out$n"
	is "$tag:   the tree came out" "$(cat "$H/out$n/sub/f")" from-ctr
	ok "$tag: cp CTR:/data/sub/f into a dir holding the hostile set-up" $run cp hostile:/data/sub/f "$H/evil/"
	ok "$tag: cp HOSTDIR CTR:/tmp/" $run cp "$H/in" "hostile:/tmp/in$n"
	is "$tag:   the tree went in" "$(cat "$R/tmp/in$n/sub/f")" from-host
	ok "$tag: cp from a dir holding the hostile set-up" $run cp "$H/evil/etc" "hostile:/tmp/etc$n"
	local m
	m=$(markers)
	is "$tag: no code of the container ran" "$m" ""
	[ -z "$m" ] || rm -f $m
}

G_noloc() { "${NOLOC[@]}" "$ENGINE" "$@"; }
cps G "glass cp" 1
cps G_noloc "glass cp, locale C" 2

if [ -x $DOCKER ]; then
	SERVER=
	start_server() { # start_server [PREFIX...]: the server runs as PREFIX glass serve
		"$@" "$ENGINE" serve >>"$TEST_TMP/serve.log" 2>&1 &
		SERVER=$!
		wait_for curl -sf --unix-socket "$SOCK" http://glass/_ping
	}
	stop_server() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; SERVER=; true; }
	on_exit stop_server
	start_server
	cps D "docker cp" 3
	stop_server
	start_server "${NOLOC[@]}"
	cps D "docker cp, locale C" 4
	pid=$SERVER
	stop_server
	check "the server without C.UTF-8 ended" "$([ ! -d "/proc/$pid" ]; echo $?)"
else
	missing "the docker CLI" "$DOCKER (Debian's docker.io)"
fi
ok "rm -f" G rm -f hostile
is "nothing left" "$(engine_leftovers)" ""
finish

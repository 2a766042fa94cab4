#!/bin/bash
# glass volumes: named volumes that outlive containers and start as a copy
# of the image's directory, :ro refusing writes with EROFS, bind mounts,
# --mount's and -v's errors, --tmpfs, volume rm refused while in use,
# anonymous volumes removed by --rm and rm -v, --volumes-from, prune.  No
# network is involved.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
export GLASS_ROOT=$TEST_TMP/root
G() { "$ENGINE" "$@"; }
RUN() { "$ENGINE" run --cgroup-parent "/$CG_PARENT" "$@" </dev/null; }
out=$(RUN --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"

# --- a named volume keeps its data across containers
RUN --rm -v data:/data busybox sh -c 'echo kept >/data/f' >/dev/null 2>&1
check "-v NAME:/path creates the volume on first use" "$([ -d "$GLASS_ROOT/volumes/data/_data" ]; echo $?)"
is "the data is in the volume on the host" "$(cat "$GLASS_ROOT/volumes/data/_data/f" 2>&1)" kept
is "a new container sees it" "$(RUN --rm -v data:/data busybox cat /data/f 2>&1)" kept
like "volume ls lists it" "$(G volume ls)" "local +data"
is "volume inspect gives its mountpoint" "$(G volume inspect data | jq -r '.[0].Mountpoint')" "$GLASS_ROOT/volumes/data/_data"

# --- a new volume is filled from the image at its mount point
is "a new volume over /etc holds the image's /etc/passwd" \
	"$(RUN --rm -v etcvol:/etc busybox cat /etc/passwd 2>&1 | head -1)" "$(head -1 "$ROOTFS/etc/passwd")"
check "and keeps it on the host" "$(cmp -s "$GLASS_ROOT/volumes/etcvol/_data/passwd" "$ROOTFS/etc/passwd"; echo $?)"

# --- :ro refuses writes
fails ":ro refuses writes with EROFS" -m 'Read-only file system' RUN --rm -v data:/data:ro busybox touch /data/x

# --- bind mounts
mkdir -p "$TEST_TMP/host"
echo from-host >"$TEST_TMP/host/in"
is "-v /host:/ctr binds a host directory" "$(RUN --rm -v "$TEST_TMP/host:/h" busybox sh -c 'cat /h/in; echo out >/h/out' 2>&1)" from-host
is "writes land on the host" "$(cat "$TEST_TMP/host/out" 2>&1)" out
is "--mount type=bind,readonly" "$(RUN --rm --mount "type=bind,source=$TEST_TMP/host,target=/h,readonly" busybox sh -c 'touch /h/y 2>&1 | grep -o "Read-only file system"' 2>&1)" "Read-only file system"
fails "--mount type=bind with a missing source is docker's error" -m 'bind source path does not exist' \
	RUN --rm --mount "type=bind,source=$TEST_TMP/nope,target=/h" busybox true
check "and creates nothing" "$([ ! -e "$TEST_TMP/nope" ] && [ ! -e "$GLASS_ROOT/containers" ] || [ -z "$(ls "$GLASS_ROOT/containers")" ]; echo $?)"
fails "a relative host path is refused" -m 'invalid characters for a local volume name' RUN --rm -v ./rel:/x busybox true
fails "a volume name with / is refused" -m 'invalid volume name' G volume create a/b
fails "a relative target is refused" -m 'must be an absolute path' RUN --rm -v data:rel busybox true
is "--tmpfs mounts a tmpfs" "$(RUN --rm --tmpfs /scratch:size=1m busybox sh -c 'grep " /scratch " /proc/mounts | cut -d" " -f3' 2>&1)" tmpfs

# --- in use, --rm and anonymous volumes, prune
RUN --rm --name holder -v data:/data busybox sleep 30 >/dev/null 2>&1 &
hpid=$!
on_exit "'$ENGINE' rm -f holder >/dev/null 2>&1"
for _ in $(seq 100); do [ -n "$(ls "$GLASS_ROOT/volumes/data/users" 2>/dev/null)" ] && break; sleep 0.1; done
fails "volume rm is refused while a container uses it" -m 'volume is in use' G volume rm data
G kill holder >/dev/null
wait $hpid
before=$(G volume ls -q | wc -l)
RUN --rm -v /anon busybox sh -c 'echo x >/anon/f' >/dev/null 2>&1
is "--rm removes the container's anonymous volume" "$(G volume ls -q | wc -l)" "$before"
RUN --name keeper -v /anon busybox true >/dev/null 2>&1
is "without --rm it stays" "$(G volume ls -q | wc -l)" "$((before + 1))"
is "and prune keeps it while its container exists" "$(G volume prune)" ""
G rm keeper >/dev/null
is "prune removes an unused anonymous volume" "$(G volume prune | wc -l)" 1
RUN --name keeper2 -v /anon -v kept2:/k busybox true >/dev/null 2>&1
ok "rm -v" G rm -v keeper2
is "rm -v removes its anonymous volume, not the named one" "$(G volume ls -q)" "$(printf 'data\netcvol\nkept2')"
G volume rm kept2 >/dev/null

# --- --volumes-from: the other container's binds and volumes, same paths
RUN --name vsrc -v data:/data -v /anon2 -v "$TEST_TMP/host:/h:ro" busybox sh -c 'echo in-anon >/anon2/f' >/dev/null 2>&1
is "--volumes-from: its named volume, anonymous volume and bind at the same paths" \
	"$(RUN --rm --volumes-from vsrc busybox sh -c 'cat /data/f /anon2/f /h/in' 2>&1 | tr '\n' ' ')" "kept in-anon from-host "
is "a read-only bind stays read-only" \
	"$(RUN --rm --volumes-from vsrc busybox sh -c 'touch /h/z 2>&1 | grep -o "Read-only file system"' 2>&1)" "Read-only file system"
fails "--volumes-from NAME:ro makes all of them read-only" -m 'Read-only file system' RUN --rm --volumes-from vsrc:ro busybox touch /data/x
ok "--volumes-from NAME:rw writes" RUN --rm --volumes-from vsrc:rw busybox touch /data/x
is "inspect: VolumesFrom is recorded" "$(RUN --name vuser --volumes-from vsrc busybox true >/dev/null 2>&1; G inspect -f '{{json .HostConfig.VolumesFrom}}' vuser)" '["vsrc"]'
G rm vuser >/dev/null
fails "--volumes-from of a missing container names it" -m 'No such container: nosuch' RUN --rm --volumes-from nosuch busybox true
fails "--volumes-from with a bad mode is refused" -m 'invalid mode "rx"' RUN --rm --volumes-from vsrc:rx busybox true
G rm -v vsrc >/dev/null
# rm -v: the container's anonymous volumes go with it, named ones stay
vols=$(G volume ls -q | sort | tr '\n' ' ')
nvols=$(G volume ls -q | wc -l)
RUN --name rmv -v /anon -v data:/data busybox true >/dev/null 2>&1
is "rmv made one anonymous volume" "$(G volume ls -q | wc -l)" "$((nvols + 1))"
ok "rm -v" G rm -v rmv
is "rm -v removed its anonymous volume, not the named one" "$(G volume ls -q | sort | tr '\n' ' ')" "$vols"
# one another container still uses stays
RUN --name v1 -v /shared busybox true >/dev/null 2>&1
anon=$(G volume ls -q | sort | comm -13 <(tr ' ' '\n' <<<"$vols" | sed '/^$/d') -)
RUN --name v2 -v "$anon:/shared" busybox true >/dev/null 2>&1
ok "rm -v of a container whose anonymous volume another one uses" G rm -v v1
check "that volume stays" "$(G volume ls -q | grep -qx "$anon"; echo $?)"
G rm v2 >/dev/null
G volume rm "$anon" >/dev/null
ok "volume rm of an unused volume" G volume rm data
is "prune -a removes unused named volumes" "$(G volume prune -a)" etcvol
is "no volume is left" "$(G volume ls -q)" ""
is "no mount is left" "$(grep -c "$TEST_TMP" /proc/self/mountinfo)" 0
finish

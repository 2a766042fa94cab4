#!/bin/bash
# A container's filesystem and processes from the host: cp both ways with
# docker cp's rules (and symlinks resolved inside the container), diff
# from the overlay upper dir (A/C/D, whiteouts as deletions), top, stats
# from the cgroup, port.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
. "$(dirname "$0")/lib-engine.sh"
out=$(G run --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"
H=$TEST_TMP/host
mkdir -p "$H"
# a directory of the host that no container has: the target of their links
HS=$TEST_TMP/hostside
mkdir -p "$HS" && echo host-secret >"$HS/secret"

G run -d --name fs busybox sh -c 'mkdir -p /data/sub && echo one >/data/sub/f && echo top >/data/t && rm /etc/group && echo x >>/etc/passwd && ln -s /etc /data/etclink && ln -s / /escape && touch /ready && exec sleep 300' >/dev/null
wait_for G exec fs test -e /ready

# diff
d=$(G diff fs)
like "diff: an added dir and file (A)" "$d" $'A /data\nA /data/etclink\nA /data/sub\nA /data/sub/f'
like "diff: a deletion read from the whiteout (D)" "$d" "D /etc/group"
like "diff: a changed file (C)" "$d" "C /etc/passwd"
like "diff: its parent changed (C)" "$d" "C /etc"

# cp from the container
ok "cp CTR:/data/sub/f DIR/ (into an existing dir)" G cp fs:/data/sub/f "$H/"
is "the file arrived" "$(cat "$H/f")" one
ok "cp CTR:/data/t NEWFILE (a new name)" G cp fs:/data/t "$H/renamed"
is "under the new name" "$(cat "$H/renamed")" top
ok "cp CTR:/data DIR (a dir into an existing dir)" G cp fs:/data "$H/"
is "as DIR/data with its tree" "$(cat "$H/data/sub/f")" one
is "symlinks are copied as symlinks" "$(readlink "$H/data/etclink")" /etc
ok "cp CTR:/data/. NEWDIR (contents into a new dir)" G cp fs:/data/. "$H/contents"
is "the contents, not the dir" "$(ls "$H/contents" | tr '\n' ' ')" "etclink sub t "
ok "cp CTR:/ NEWDIR (the root's contents)" G cp fs:/ "$H/rootcopy"
is "  the container's files in it" "$(cat "$H/rootcopy/data/t")" top
is "  its links as links" "$(readlink "$H/rootcopy/escape")" /
fails "cp of a missing path" -m 'Could not find' G cp fs:/nonexistent "$H/"
fails "cp to a missing dir/ fails" -m 'does not exist' G cp fs:/data/t "$H/nodir/"
ok "cp through a symlink inside the container stays inside" G cp fs:/escape/etc/hostname "$H/hn"
is "it read the container's /etc/hostname" "$(cat "$H/hn")" "$(G exec fs cat /etc/hostname)"

# cp to the container
echo from-host >"$H/in.txt"
mkdir -p "$H/tree/a" && echo deep >"$H/tree/a/b"
ok "cp FILE CTR:/tmp/ (into a dir)" G cp "$H/in.txt" fs:/tmp/
is "arrived in the container" "$(G exec fs cat /tmp/in.txt)" from-host
ok "cp FILE CTR:/tmp/new.txt (a new name)" G cp "$H/in.txt" fs:/tmp/new.txt
is "under the new name" "$(G exec fs cat /tmp/new.txt)" from-host
ok "cp DIR CTR:/tmp/tree2 (a dir, new name)" G cp "$H/tree" fs:/tmp/tree2
is "the tree arrived" "$(G exec fs cat /tmp/tree2/a/b)" deep
ok "cp FILE CTR:/escape/tmp/x writes inside the container's root" G cp "$H/in.txt" fs:/escape/tmp/x
is "in the container's /tmp" "$(G exec fs cat /tmp/x)" from-host
check "not in the host's /tmp" "$([ ! -e /tmp/x ] || [ "$(cat /tmp/x)" != from-host ]; echo $?)"
fails "cp needs one CONTAINER:PATH" -m 'CONTAINER:PATH' G cp "$H/in.txt" "$H/x"

# symlinks: copied as links; -L follows SRC (in the container's root on
# its side); "-" is a tar stream on stdout or stdin
G exec fs sh -c "ln -s /data/t /data/tlink && ln -s '$HS/secret' /data/hlink" >/dev/null
ok "cp CTR:LINK copies the link" G cp fs:/data/tlink "$H/tlink"
is "  a symlink, as in the container" "$(readlink "$H/tlink")" /data/t
ok "cp -L CTR:LINK copies what it points to" G cp -L fs:/data/tlink "$H/tfollowed"
check "  a file, under the link's name" "$([ -f "$H/tfollowed" ] && [ ! -L "$H/tfollowed" ]; echo $?)"
is "  with the target's contents" "$(cat "$H/tfollowed")" top
fails "cp -L of a link to a host path resolves in the container" -m 'Could not find' G cp -L fs:/data/hlink "$H/hfollowed"
check "  nothing of the host came out" "$([ ! -e "$H/hfollowed" ]; echo $?)"
ln -s "$H/in.txt" "$H/inlink"
ok "cp -L HOSTLINK CTR:/tmp/ copies the host file" G cp -L "$H/inlink" fs:/tmp/
is "  a file in the container, under the link's name" "$(G exec fs sh -c 'test -L /tmp/inlink || cat /tmp/inlink')" from-host
ok "cp HOSTLINK CTR:/tmp/ copies the link" G cp "$H/inlink" fs:/tmp/inlink2
is "  a symlink in the container" "$(G exec fs readlink /tmp/inlink2)" "$H/in.txt"
is "cp CTR:FILE - writes a tar of it on stdout" "$(G cp fs:/data/t - | tar -tf -)" t
echo piped >"$H/piped.txt"
ok "cp - CTR:DIR extracts a tar from stdin" sh -c "tar -C '$H' -cf - piped.txt | '$ENGINE' cp - fs:/tmp"
is "  the file arrived" "$(G exec fs cat /tmp/piped.txt)" piped
fails "cp - CTR:FILE: the destination must be a directory" -m 'directory' sh -c "tar -C '$H' -cf - piped.txt | '$ENGINE' cp - fs:/data/t"

# a container whose /etc is a link to "/": its side of every copy
# resolves in its own root, never on the host
G run -d --name etclink busybox sh -c 'rm -rf /etc && ln -s / /etc && echo ctr-root >/hostname && touch /ready && exec sleep 300' >/dev/null
wait_for G exec etclink test -e /ready
ok "cp CTR:/etc/hostname (/etc -> /)" G cp etclink:/etc/hostname "$H/etc-hn"
is "  the container's /hostname, not the host's /etc/hostname" "$(cat "$H/etc-hn")" ctr-root
ok "cp FILE CTR:/etc/ (/etc -> /)" G cp "$H/in.txt" etclink:/etc/
is "  in the container's /" "$(G exec etclink cat /in.txt)" from-host
check "  not in the host's /etc" "$([ ! -e /etc/in.txt ]; echo $?)"
ok "cp CTR:/etc copies the link itself" G cp etclink:/etc "$H/etc-out"
is "  a symlink to /" "$(readlink "$H/etc-out")" /
ok "cp DIR CTR:/etc/ (/etc -> /)" G cp "$H/tree" etclink:/etc/
is "  the tree in the container's /" "$(G exec etclink cat /tree/a/b)" deep
check "  not in the host's /etc" "$([ ! -e /etc/tree ]; echo $?)"
ok "rm -f the /etc -> / container" G rm -f etclink

# a container that swaps its directories for links to a directory of the
# host while copies run, both ways: whatever each copy does (it may fail),
# nothing of the host comes out and nothing lands in the host's directory
G run -d --name swap busybox sh -c "mkdir -p /w/tree; while :; do rm -rf /w/d /w/tree/a; mkdir /w/d; echo ctr >/w/d/secret; rm -rf /w/d; ln -s '$HS' /w/d; ln -s '$HS' /w/tree/a; done" >/dev/null
for i in $(seq 20); do
	G cp swap:/w "$H/sw$i" >/dev/null 2>&1
	G cp swap:/w/d/secret "$H/swf$i" >/dev/null 2>&1
	G cp "$H/tree" swap:/w/ >/dev/null 2>&1
	G cp "$H/in.txt" swap:/w/d/ >/dev/null 2>&1
done
is "swapped links: nothing of the host came out" "$(grep -rl host-secret "$H"/sw* 2>/dev/null)" ""
is "swapped links: nothing landed in the host's directory" "$(ls "$HS")" secret
ok "rm -f the swapping container" G rm -f swap

# top, stats, port
t=$(G top fs)
like "top: ps -ef's header and the container's process" "$t" $'UID +PID.*\n.*sleep 300'
is "top: only the container's processes" "$(echo "$t" | tail -n +2 | wc -l)" 1
like "top with ps options" "$(G top fs -o pid,comm)" $'PID +COMMAND\n *[0-9]+ +sleep'
s=$(G stats --no-stream --format json fs)
check "stats: memory usage from the cgroup" "$([ "$(echo "$s" | jq .memory_stats.usage)" -gt 0 ]; echo $?)"
is "stats: one process" "$(echo "$s" | jq .pids_stats.current)" 1
like "stats --no-stream: a table" "$(G stats --no-stream fs)" $'CONTAINER ID.*\n[0-9a-f]{12} +fs '
is "port: nothing published (the host's network)" "$(G port fs)" ""
ok "rm -f" G rm -f fs
fails "top of a removed container" -m 'No such container' G top fs
is "nothing left" "$(engine_leftovers)" ""
finish

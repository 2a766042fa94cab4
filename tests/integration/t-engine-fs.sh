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

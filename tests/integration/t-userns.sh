#!/bin/bash
# User namespaces: container root is an unprivileged uid on the host.
# With linux.uidMappings 0 -> 100000 (65536 ids), the probe sees uid 0
# and the mapping in /proc/self/uid_map; the host sees the process as uid
# 100000; a root-owned 0644 host file bind-mounted in cannot be written
# (EACCES) or chmod'ed (EPERM) even with CAP_DAC_OVERRIDE/CAP_FOWNER in
# the container, because its owner is not mapped into the namespace.  And
# idmapped bind mounts (mounts[].uidMappings): a root-owned host tree
# appears owned by the mapped ids without a chown.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
[ -e /proc/self/ns/user ] || skip_all "kernel without user namespaces"

ID=h5uns-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r i; do R delete --force "$i"; done <"$TEST_TMP/ids"'

chmod 755 "$TEST_TMP"
HD=$TEST_TMP/hostdir
mkdir -p "$HD"
echo "host root's file" >"$HD/rootfile"
chmod 0644 "$HD/rootfile"
chmod 0755 "$HD"
export HD

USERNS='.linux.namespaces += [{"type":"user"}]
 | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
 | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
 | .mounts += [{"destination":"/home","type":"bind","source":$ENV.HD,"options":["bind"]}]'
ALLCAPS='.process.capabilities.bounding += ["CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_CHOWN"]
 | .process.capabilities.effective += ["CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_CHOWN"]
 | .process.capabilities.permitted += ["CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_CHOWN"]'

B=$(mktemp -d "$TEST_TMP/b.XXXXXX")
CID=$ID-${B##*.}
echo "$CID" >>"$TEST_TMP/ids"
make_bundle "$B" "$USERNS | $ALLCAPS"
set_args "$B" /bin/sh -c '/usr/bin/glass-probe --only ids,idmap,status; /usr/bin/glass-probe try open-write /home/rootfile chmod /home/rootfile; exec /usr/bin/glass-probe sleep 30'
R run -d "$CID" --bundle "$B" </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
wait_status "$CID" running 10
pid=$(pid_of "$CID")
sleep 0.5
OUT=$(head -1 "$TEST_TMP/out")
TRY=$(sed -n 2p "$TEST_TMP/out")
is "inside: uid 0" "$(jq -r '.uid' <<<"$OUT")" 0
is "inside: /proc/self/uid_map maps 0 -> 100000 (65536)" "$(jq -c '.uid_map' <<<"$OUT")" "[[0,100000,65536]]"
is "inside: /proc/self/gid_map maps 0 -> 100000 (65536)" "$(jq -c '.gid_map' <<<"$OUT")" "[[0,100000,65536]]"
like "inside: CAP_DAC_OVERRIDE and CAP_FOWNER effective" "$(jq -c '.caps.effective' <<<"$OUT")" 'CAP_DAC_OVERRIDE.*CAP_FOWNER|CAP_FOWNER.*CAP_DAC_OVERRIDE'
if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
	is "host: the container's process runs as uid 100000" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" 100000
	is "host: and gid 100000" "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" 100000
else
	not_ok_line "host: the container's process is visible (state pid '$pid')"
fi
is "root-owned 0644 host file: write fails EACCES (owner not mapped)" "$(jq -r '.tries[0].errname' <<<"$TRY")" EACCES
is "root-owned host file: chmod fails EPERM (CAP_FOWNER is namespaced)" "$(jq -r '.tries[1].errname' <<<"$TRY")" EPERM
is "host file untouched" "$(cat "$HD/rootfile")" "host root's file"
R kill "$CID" KILL >/dev/null 2>&1
wait_status "$CID" stopped 10
R delete --force "$CID" >/dev/null 2>&1

# setgroups: a privileged runtime leaves it "allow"; an unprivileged one
# must write "deny" first (checked in t-rootless.sh).
is "setgroups stays allow when the runtime is root" "$(jq -r '.setgroups' <<<"$OUT")" allow

# ---- idmapped bind mounts --------------------------------------------------
mkdir -p "$TEST_TMP/idm"
echo data >"$TEST_TMP/idm/f"
chmod 755 "$TEST_TMP/idm"
export IDM=$TEST_TMP/idm
IDMOUNT='.mounts += [{"destination":"/mnt","type":"bind","source":$ENV.IDM,"options":["bind"],
  "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
  "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}]}]'
# Without a user namespace: root-owned files appear owned by 100000.
B=$(mktemp -d "$TEST_TMP/b.XXXXXX")
CID=$ID-${B##*.}
echo "$CID" >>"$TEST_TMP/ids"
make_bundle "$B" "$IDMOUNT"
set_args "$B" /bin/sh -c 'stat -c "%u:%g" /mnt/f'
OUT=$(R run "$CID" --bundle "$B" </dev/null 2>&1)
is "idmapped mount (no user namespace): root-owned file seen as 100000:100000" "$OUT" "100000:100000"
is "the host file keeps its owner" "$(stat -c %u:%g "$TEST_TMP/idm/f")" "0:0"
# With the user namespace mapping 0 -> 100000: container root owns it.
B=$(mktemp -d "$TEST_TMP/b.XXXXXX")
CID=$ID-${B##*.}
echo "$CID" >>"$TEST_TMP/ids"
make_bundle "$B" "$USERNS | $IDMOUNT"
set_args "$B" /bin/sh -c 'stat -c "%u:%g" /mnt/f; echo more >>/mnt/f && echo wrote'
OUT=$(R run "$CID" --bundle "$B" </dev/null 2>&1)
like "idmapped mount in a user namespace: container root owns the files and writes" "$OUT" '^0:0.*wrote'
is "the write landed in the host file, still owned by 0" "$(stat -c %u "$TEST_TMP/idm/f"):$(tail -1 "$TEST_TMP/idm/f")" "0:more"
finish

#!/bin/bash
# Rootless: glass-runtime run by an ordinary user (nobody, via setpriv)
# with the config from `glass-runtime spec --rootless`, a single-id
# mapping, setgroups denied before the gid map, no cgroups (the caller
# cannot write /sys/fs/cgroup: a trace note says so), state under
# $XDG_RUNTIME_DIR/glass-runtime, the default seccomp profile working
# without privileges, and errors from missing privileges that say which
# one and how to get it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
need_cmd setpriv "apt-get install util-linux"
[ -e /proc/self/ns/user ] || skip_all "kernel without user namespaces"
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
	skip_all "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)"
fi
NOBODY=$(id -u nobody 2>/dev/null) || skip_all "no user nobody"
NOGROUP=$(id -g nobody)

chmod 755 "$TEST_TMP"
RL=$TEST_TMP/rl
mkdir -p "$RL/xdg" "$RL/b1" "$RL/b2" "$RL/b3"
chown -R "$NOBODY:$NOGROUP" "$RL"
chmod 700 "$RL/xdg"
# Everything the user needs must be readable by it.
for p in "$RUNTIME" "$ROOTFS/usr/bin/glass-probe"; do
	su_ok=$(setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups test -r "$(readlink -f "$p")" && echo y)
	[ "$su_ok" = y ] || skip_all "$p is not readable by nobody (build tree permissions)"
done
AS=(setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin
	HOME="$RL" XDG_RUNTIME_DIR="$RL/xdg")
# Containers the user made live under its own state root.
on_exit 'for d in "$RL"/xdg/glass-runtime/*/; do [ -d "$d" ] && "${AS[@]}" "$RUNTIME" delete --force "$(basename "$d")"; done'

# bundle DIR [spec flags]: `spec --rootless` as the user, on the built-in image.
bundle() {
	local d=$1
	shift
	(cd "$d" && "${AS[@]}" "$RUNTIME" spec --rootless "$@") || return 1
	jq --arg r "$ROOTFS" '.root.path = $r | .process.terminal = false' "$d/config.json" >"$d/c" &&
		cat "$d/c" >"$d/config.json" && rm -f "$d/c"
}
set_args_as() {
	local b=$1
	shift
	jq --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '.process.args = $a' "$b/config.json" >"$b/c" &&
		cat "$b/c" >"$b/config.json" && rm -f "$b/c"
}

bundle "$RL/b1" || { not_ok_line "spec --rootless as nobody"; finish; exit 1; }
C=$RL/b1/config.json
is "spec --rootless: a user namespace" "$(jq -r '[.linux.namespaces[].type] | index("user") != null' "$C")" true
is "spec --rootless: maps container 0 to the caller ($NOBODY), one id" "$(jq -c '.linux.uidMappings' "$C")" "[{\"containerID\":0,\"hostID\":$NOBODY,\"size\":1}]"

# 1. run as nobody: identity, maps, setgroups, caps.
set_args_as "$RL/b1" /usr/bin/glass-probe --only ids,idmap,status,cgroup
OUT=$(cd "$RL/b1" && "${AS[@]}" "$RUNTIME" --trace run rl-$$-1 </dev/null 2>"$RL/trace1")
RC=$?
TRACE=$(cat "$RL/trace1")
is "rootless run: exit 0" "$RC" 0
is "rootless: uid 0 inside" "$(jq -r .uid <<<"$OUT")" 0
is "rootless: /proc/self/uid_map = [[0,$NOBODY,1]]" "$(jq -c .uid_map <<<"$OUT")" "[[0,$NOBODY,1]]"
is "rootless: /proc/self/gid_map = [[0,$NOGROUP,1]]" "$(jq -c .gid_map <<<"$OUT")" "[[0,$NOGROUP,1]]"
is "rootless: setgroups is deny" "$(jq -r .setgroups <<<"$OUT")" deny
sg=$(grep -n 'setgroups", "deny"' <<<"$TRACE" | head -1 | cut -d: -f1)
gm=$(grep -n 'gid_map' <<<"$TRACE" | grep write | head -1 | cut -d: -f1)
check "rootless: setgroups deny written before gid_map" $([ -n "$sg" ] && [ -n "$gm" ] && [ "$sg" -lt "$gm" ]; echo $?)
like "rootless: no cgroup, and the trace says why" "$TRACE" 'rootless: /sys/fs/cgroup/[a-z]+ is not writable'
is "rootless: nothing created under /sys/fs/cgroup" "$(find /sys/fs/cgroup -maxdepth 2 -name "rl-$$-1" | wc -l)" 0

# 2. the host's view: the process is nobody, state under XDG_RUNTIME_DIR.
set_args_as "$RL/b1" /usr/bin/glass-probe sleep 30
(cd "$RL/b1" && "${AS[@]}" "$RUNTIME" run -d rl-$$-2 </dev/null >/dev/null 2>"$RL/err2")
st=$("${AS[@]}" "$RUNTIME" state rl-$$-2 2>/dev/null)
pid=$(jq -r .pid <<<"$st" 2>/dev/null)
check "rootless: state lives in \$XDG_RUNTIME_DIR/glass-runtime/rl-$$-2" $([ -d "$RL/xdg/glass-runtime/rl-$$-2" ]; echo $?)
if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
	is "rootless: the host sees the container process as uid $NOBODY" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" "$NOBODY"
else
	not_ok_line "rootless: the container runs (state: $st $(cat "$RL/err2"))"
fi
"${AS[@]}" "$RUNTIME" delete --force rl-$$-2 >/dev/null 2>&1
check "rootless: delete removes the state" $([ ! -e "$RL/xdg/glass-runtime/rl-$$-2" ]; echo $?)

# 3. the default seccomp profile needs no privilege (no_new_privs).
bundle "$RL/b2" --seccomp-default || not_ok_line "spec --rootless --seccomp-default"
set_args_as "$RL/b2" /usr/bin/glass-probe try mount keyctl unshare-user
OUT=$(cd "$RL/b2" && "${AS[@]}" "$RUNTIME" run rl-$$-3 </dev/null 2>"$RL/err3")
is "rootless + default profile: mount EPERM" "$(jq -r '.tries[0].errname' <<<"$OUT")" EPERM
is "rootless + default profile: keyctl EPERM (seccomp)" "$(jq -r '.tries[1].errname' <<<"$OUT")" EPERM
is "rootless + default profile: nested user namespace EPERM (seccomp)" "$(jq -r '.tries[2].errname' <<<"$OUT")" EPERM

# 4. missing privileges: a wider map needs newuidmap and /etc/subuid.
bundle "$RL/b3"
jq '.linux.uidMappings = [{"containerID":0,"hostID":200000,"size":1000}] | .linux.gidMappings = [{"containerID":0,"hostID":200000,"size":1000}]' \
	"$RL/b3/config.json" >"$RL/b3/c" && cat "$RL/b3/c" >"$RL/b3/config.json"
ERR=$(cd "$RL/b3" && "${AS[@]}" "$RUNTIME" run rl-$$-4 </dev/null 2>&1)
like "a 1000-id map as nobody fails naming linux.uidMappings" "$ERR" 'linux\.uidMappings'
like "... and says how to get the privilege (newuidmap, /etc/subuid)" "$ERR" '(newuidmap|subuid)'
check "... and leaves no state behind" $([ ! -e "$RL/xdg/glass-runtime/rl-$$-4" ]; echo $?)
# A config asking for a cgroup limit the user cannot set.
jq '.linux.uidMappings = [{"containerID":0,"hostID":'"$NOBODY"',"size":1}] | .linux.gidMappings = [{"containerID":0,"hostID":'"$NOGROUP"',"size":1}] | .linux.resources = {"pids":{"limit":50}}' \
	"$RL/b3/config.json" >"$RL/b3/c" && cat "$RL/b3/c" >"$RL/b3/config.json"
run_b3() { (cd "$RL/b3" && "${AS[@]}" "$RUNTIME" run rl-$$-5 </dev/null); }
fails "a pids limit as nobody fails, naming the cgroup and the missing permission" \
	-m '(cgroup|pids).*(Permission denied|EACCES|not writable|delegat)' run_b3
# The audit of the rootless config: a user namespace protects.
like "audit: the rootless config has a user namespace" "$("$RUNTIME" audit "$C")" 'ok +user namespace: container root is an unprivileged host uid'
# A new user namespace without maps (crun's rule, issue 11): the
# container's root is the caller, with a warning in the log.
mkdir -p "$RL/b4" && chown "$NOBODY:$NOGROUP" "$RL/b4"
bundle "$RL/b4" && jq 'del(.linux.uidMappings) | del(.linux.gidMappings) | .process.args = ["/usr/bin/glass-probe", "--only", "idmap"]' \
	"$RL/b4/config.json" >"$RL/b4/c" && cat "$RL/b4/c" >"$RL/b4/config.json"
OUT=$(cd "$RL/b4" && "${AS[@]}" "$RUNTIME" --log "$RL/b4/log" --log-format json run rl-$$-6 </dev/null 2>"$RL/b4/err")
is "a user namespace without maps: root is mapped to the caller ($NOBODY)" "$(jq -c .uid_map <<<"$OUT" 2>/dev/null)" "[[0,$NOBODY,1]]"
like "... with a warning that says so" "$(cat "$RL/b4/log" 2>/dev/null)" 'without maps: its root is mapped to the caller'
finish

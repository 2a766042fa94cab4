#!/bin/bash
# OCI hooks: each kind (prestart, createRuntime, createContainer,
# startContainer, poststart, poststop) runs at its point of the lifecycle
# with the container's state on stdin, its args and env; a hook that runs
# past its timeout fails create with a clear error and leaves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

P=/usr/bin/glass-probe
ID=h8hk-$$
H=$TEST_TMP/hooks
mkdir -p "$H"
# A hook writes its stdin to KIND.json, appends KIND to order, and records
# its argv and env.  startContainer runs inside the container, after
# pivot_root: it sees the hooks directory as /mnt (a bind mount) and uses
# the image's busybox sh.
hook() {
	local kind=$1 dir=$2
	jq -n --arg k "$kind" --arg d "$dir" '{path: "/bin/sh", args: ["sh", "-c",
		"cat > \($d)/\($k).json; echo \($k) >> \($d)/order; echo \"$0 $1\" > \($d)/\($k).args; echo \"$GLASS_HOOK\" > \($d)/\($k).env",
		"arg0-\($k)", "arg1"], env: ["GLASS_HOOK=env-\($k)"]}'
}
HOOKS=$(jq -n --argjson pre "$(hook prestart "$H")" --argjson cr "$(hook createRuntime "$H")" \
	--argjson cc "$(hook createContainer "$H")" --argjson sc "$(hook startContainer /mnt)" \
	--argjson ps "$(hook poststart "$H")" --argjson po "$(hook poststop "$H")" \
	'{prestart: [$pre], createRuntime: [$cr], createContainer: [$cc], startContainer: [$sc], poststart: [$ps], poststop: [$po]}')
B=$TEST_TMP/bundle
make_bundle "$B" ".hooks = $HOOKS | .mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$H\", options: [\"rbind\", \"rw\"]}]"
set_args "$B" $P wait-signal /dev/shm/ready

c=$ID-a
on_exit cleanup_container "$c"
R create --bundle "$B" "$c" </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err"
check "create with every kind of hook exits 0" $?
pid=$(pid_of "$c")
is "after create: prestart, createRuntime, createContainer ran, in order" \
	"$(tr '\n' ' ' <"$H/order" 2>/dev/null)" "prestart createRuntime createContainer "
for k in prestart createRuntime createContainer; do
	st=$(cat "$H/$k.json" 2>/dev/null)
	is "$k: state on stdin names the container" "$(jq -r .id <<<"$st" 2>/dev/null)" "$c"
	is "$k: state on stdin has the init's pid" "$(jq -r .pid <<<"$st" 2>/dev/null)" "$pid"
	is "$k: state on stdin has the bundle" "$(jq -r .bundle <<<"$st" 2>/dev/null)" "$B"
	ok "$k: state on stdin is valid against state-schema.json" state_valid "$st"
	is "$k: args" "$(cat "$H/$k.args" 2>/dev/null)" "arg0-$k arg1"
	is "$k: env" "$(cat "$H/$k.env" 2>/dev/null)" "env-$k"
done
is "createRuntime sees status creating" "$(jq -r .status "$H/createRuntime.json" 2>/dev/null)" creating
ok "startContainer has not run before start" test ! -e "$H/startContainer.json"
ok "poststart has not run before start" test ! -e "$H/poststart.json"

R start "$c" </dev/null
check "start exits 0" $?
wait_file "/proc/$pid/root/dev/shm/ready" 10
is "after start: startContainer then poststart" "$(tr '\n' ' ' <"$H/order" 2>/dev/null)" \
	"prestart createRuntime createContainer startContainer poststart "
is "startContainer ran inside the container (its state names it)" "$(jq -r .id "$H/startContainer.json" 2>/dev/null)" "$c"
is "startContainer: args" "$(cat "$H/startContainer.args" 2>/dev/null)" "arg0-startContainer arg1"
is "poststart: state says running" "$(jq -r .status "$H/poststart.json" 2>/dev/null)" running
ok "poststop has not run before delete" test ! -e "$H/poststop.json"

R kill "$c" TERM
wait_status "$c" stopped 10
R delete "$c"
check "delete exits 0" $?
is "after delete: poststop last" "$(tail -1 "$H/order" 2>/dev/null)" poststop
is "poststop: state names the container" "$(jq -r .id "$H/poststop.json" 2>/dev/null)" "$c"
is "poststop: state says stopped" "$(jq -r .status "$H/poststop.json" 2>/dev/null)" stopped
ok "nothing left after the hooked lifecycle" nothing_left "$c"

# --- run (foreground) runs the same hooks, poststop at the end
rm -f "$H"/*
set_args "$B" $P exit 0
R run --bundle "$B" "$ID-run" </dev/null >/dev/null 2>&1
check "run with every kind of hook exits 0" $?
is "run: every hook ran, in order" "$(tr '\n' ' ' <"$H/order" 2>/dev/null)" \
	"prestart createRuntime createContainer startContainer poststart poststop "

# --- a hook past its timeout fails create and leaves nothing
on_exit 'for p in $(pgrep -f "sleep 2[0-9][.]'$$'"); do kill -9 $p; done'
i=0
for kind in createRuntime prestart createContainer; do
	i=$((i + 1))
	c=$ID-to-$kind
	b=$TEST_TMP/to-$kind
	make_bundle "$b" ".hooks = {\"$kind\": [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"sleep 2$i.$$\"], timeout: 1}]}"
	on_exit cleanup_container "$c"
	t0=$(date +%s)
	fails "$kind hook past its timeout: create fails" timeout 25 "$RUNTIME" --root "$STATE" create --bundle "$b" "$c" </dev/null
	t1=$(date +%s)
	err=$FAIL_OUT
	is "$kind hook timeout: the hook's own children are killed too" "$(pgrep -f "sleep 2$i[.]$$")" ""
	[ $((t1 - t0)) -le 5 ]
	check "$kind hook timeout: create gives up within a few seconds ($((t1 - t0)) s)" $?
	like "$kind hook timeout: the message names the hook and the timeout" "$err" "$kind.*(timed out|timeout)|(timed out|timeout).*$kind"
	sleep 0.2
	ok "$kind hook timeout: nothing left" nothing_left "$c"
	fails "$kind hook timeout: no state" R state "$c"
done

# --- a failing hook fails create and leaves nothing
c=$ID-fail
b=$TEST_TMP/fail
make_bundle "$b" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "echo hook-says-no >&2; exit 3"]}]}'
on_exit cleanup_container "$c"
fails "a createRuntime hook exiting 3 fails create" -m 'createRuntime' R create --bundle "$b" "$c" </dev/null
like "the message names the hook and what it said" "$FAIL_OUT" "createRuntime(.|$'\n')*hook-says-no|hook-says-no(.|$'\n')*createRuntime"
ok "a failed hook leaves nothing" nothing_left "$c"
ok "no cgroup left under this test's parent" no_cgroups_left
finish

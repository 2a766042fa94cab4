#!/bin/bash
# Bad input and faults: a missing bundle, malformed JSON, a bad field, a
# missing rootfs, an unknown container id, a duplicate id, and failures
# midway through create (a bind mount whose source does not exist, a
# failing hook).  Each gets a clear message naming what and where, a
# non-zero exit, and leaves no state directory, cgroup, mount or process.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

P=/usr/bin/glass-probe
ID=h8err-$$
mounts_before=$(host_mounts)

# fails_clean NAME ID REGEX CMD...: CMD fails, stderr matches REGEX, nothing left.
fails_clean() {
	local name=$1 id=$2 re=$3 err rc
	shift 3
	fails "$name: exits non-zero" timeout 30 "$@" </dev/null
	like "$name: the message says what and where" "$FAIL_OUT" "$re"
	[ "$(grep -c . <<<"$FAIL_OUT")" -le 12 ]
	check "$name: the message is short (no stack of noise)" $?
	ok "$name: nothing left behind" nothing_left "$id"
	ok "$name: no state for $id" test ! -e "$STATE/$id"
}

# --- missing bundle
fails_clean "missing bundle" "$ID-1" "/nonexistent/bundle-$$" \
	"$RUNTIME" --root "$STATE" run --bundle "/nonexistent/bundle-$$" "$ID-1"
fails_clean "missing bundle (create)" "$ID-1c" "/nonexistent/bundle-$$.*config.json|config.json.*/nonexistent/bundle-$$|/nonexistent/bundle-$$" \
	"$RUNTIME" --root "$STATE" create --bundle "/nonexistent/bundle-$$" "$ID-1c"

# --- malformed JSON: the message names the file and where in it
b=$TEST_TMP/malformed
mkdir -p "$b"
printf '{\n  "ociVersion": "1.0.2",\n  "process": {\n    "args": ["/bin/true",]\n  }\n}\n' >"$b/config.json"
fails_clean "malformed JSON" "$ID-2" "config\.json.*(line|col|offset|position|char|byte)" \
	"$RUNTIME" --root "$STATE" run --bundle "$b" "$ID-2"
err=$(R run --bundle "$b" "$ID-2" 2>&1 </dev/null)
like "malformed JSON: the message names line 4" "$err" "line 4|:4:|line: 4|4:[0-9]"

# --- a bad field: its JSON path and the value
b=$TEST_TMP/badfield
make_bundle "$b" '.process.rlimits = [{"type": "RLIMIT_FOO", "hard": 1, "soft": 1}]'
fails_clean "unknown rlimit" "$ID-3" 'process\.rlimits\[0\]\.type.*RLIMIT_FOO' \
	"$RUNTIME" --root "$STATE" run --bundle "$b" "$ID-3"
b=$TEST_TMP/badfield2
make_bundle "$b" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}, {"type": "RLIMIT_NPROC", "hard": "lots", "soft": 1}]'
fails_clean "rlimit with a string where a number belongs" "$ID-3b" 'process\.rlimits\[1\]\.hard' \
	"$RUNTIME" --root "$STATE" run --bundle "$b" "$ID-3b"
b=$TEST_TMP/badfield3
make_bundle "$b" '.linux.namespaces += [{"type": "bogus"}]'
fails_clean "unknown namespace type" "$ID-3c" 'linux\.namespaces\[[0-9]+\]\.type.*bogus' \
	"$RUNTIME" --root "$STATE" run --bundle "$b" "$ID-3c"
b=$TEST_TMP/badfield4
make_bundle "$b" 'del(.process.args)'
fails_clean "process without args" "$ID-3d" 'process\.args' \
	"$RUNTIME" --root "$STATE" run --bundle "$b" "$ID-3d"
b=$TEST_TMP/badfield5
make_bundle "$b" '.ociVersion = 5'
fails_clean "ociVersion of the wrong type" "$ID-3e" 'ociVersion' \
	"$RUNTIME" --root "$STATE" run --bundle "$b" "$ID-3e"
b=$TEST_TMP/unknown-field
make_bundle "$b" '.process.args = ["/bin/true"] | .glassUnknownField = {"x": 1} | .process.glassToo = 2'
R run --bundle "$b" "$ID-3f" </dev/null >/dev/null 2>&1
check "unknown fields are ignored, as the spec requires" $?

# --- missing rootfs
b=$TEST_TMP/norootfs
make_bundle "$b" ".root.path = \"$TEST_TMP/no-such-rootfs\""
fails_clean "missing rootfs" "$ID-4" "no-such-rootfs" \
	"$RUNTIME" --root "$STATE" run --bundle "$b" "$ID-4"

# --- unknown container id: runc's wording
for verb in state start kill delete exec; do
	args=("$verb" "$ID-nosuch")
	[ "$verb" = exec ] && args+=(/bin/true)
	fails "$verb of an unknown id fails" R "${args[@]}" </dev/null
	like "$verb of an unknown id: \"does not exist\"" "$FAIL_OUT" "does not exist"
done
fails "an id with a slash is refused" R create --bundle "$TEST_TMP/badfield" "../$ID-evil"
ok "an id with a slash leaves nothing outside the root" test ! -e "$TEST_TMP/$ID-evil"

# --- duplicate id: refused, and the existing container is untouched
b=$TEST_TMP/dup
make_bundle "$b"
set_args "$b" $P sleep 60
c=$ID-5
on_exit cleanup_container "$c"
R create --bundle "$b" "$c" </dev/null >/dev/null 2>&1
pid=$(pid_of "$c")
fails "create of a duplicate id fails" R create --bundle "$b" "$c" </dev/null
like "duplicate id: the message says it exists" "$FAIL_OUT" "exists|already"
is "duplicate id: the first container is still created" "$(status "$c")" created
is "duplicate id: with the same pid" "$(pid_of "$c")" "$pid"
fails "run of a duplicate id fails" -m "exists|already" R run --bundle "$b" "$c" </dev/null
is "duplicate id (run): the first container is still created" "$(status "$c")" created
R delete --force "$c"
ok "the first container deletes cleanly" nothing_left "$c"

# --- failure midway: a bind mount whose source does not exist
b=$TEST_TMP/badmount
make_bundle "$b" ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$TEST_TMP/no-such-source\", options: [\"rbind\"]}]"
set_args "$b" $P sleep 60
n=$(jq '.mounts | length - 1' "$b/config.json")
fails_clean "bind mount source missing" "$ID-6" "mounts\[$n\]|no-such-source" \
	"$RUNTIME" --root "$STATE" create --bundle "$b" "$ID-6"
err=$(R run --bundle "$b" "$ID-6" 2>&1 </dev/null >/dev/null)
like "bind mount source missing: the message names the source path" "$err" "no-such-source"
ok "bind mount source missing: run leaves nothing" nothing_left "$ID-6"

# --- failure midway: a mount target that cannot be made (a file in the way, read-only image)
b=$TEST_TMP/badtarget
make_bundle "$b" '.mounts += [{destination: "/bin/busybox/sub", type: "tmpfs", source: "tmpfs"}]'
set_args "$b" $P sleep 60
fails_clean "mount target under a file" "$ID-7" "/bin/busybox/sub|mounts\[" \
	"$RUNTIME" --root "$STATE" create --bundle "$b" "$ID-7"

# --- failure midway: a hook that fails
b=$TEST_TMP/badhook
make_bundle "$b" '.hooks = {createRuntime: [{path: "/bin/false"}]}'
set_args "$b" $P sleep 60
fails_clean "failing createRuntime hook" "$ID-8" "createRuntime|hook" \
	"$RUNTIME" --root "$STATE" create --bundle "$b" "$ID-8"
b=$TEST_TMP/badhook2
make_bundle "$b" '.hooks = {createContainer: [{path: "/nonexistent/hook"}]}'
set_args "$b" $P sleep 60
fails_clean "missing createContainer hook binary" "$ID-9" "/nonexistent/hook" \
	"$RUNTIME" --root "$STATE" create --bundle "$b" "$ID-9"

# --- an executable that does not exist: create succeeds or fails, start/run fails clearly
b=$TEST_TMP/noexec
make_bundle "$b" '.process.args = ["/no/such/program"]'
fails "run of a missing program fails" R run --bundle "$b" "$ID-10" </dev/null
like "the message names the program" "$FAIL_OUT" "/no/such/program"
ok "run of a missing program leaves nothing" nothing_left "$ID-10"

# --- no mount of this test's files left on the host
is "the host mount table has no new mounts of this test's files" "$(host_mounts)" "$mounts_before"
is "the runtime root is empty" "$(ls -A "$STATE")" ""
ok "no cgroup left under this test's parent" no_cgroups_left
finish

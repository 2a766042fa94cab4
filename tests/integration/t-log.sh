#!/bin/bash
# --log FILE --log-format json|text: errors land in the log as JSON lines
# {"level":"error","msg":...,"time":...} in runc's wording ("does not
# exist", "container not running"), so containerd and podman, which parse
# runc's log, understand glass-runtime's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=h8log-$$
L=$TEST_TMP/log.json

# every line of a JSON log parses, and some error line's msg matches REGEX
log_has() {
	local file=$1 re=$2
	jq -e . "$file" >/dev/null 2>&1 || return 2
	jq -r 'select(.level == "error") | .msg' "$file" | grep -qE -- "$re"
}

fails "state of an unknown id with --log exits non-zero" R --log "$L" --log-format json state "$ID-nosuch"
ok "the log is JSON lines" jq -e . "$L"
ok "an error line says: does not exist" log_has "$L" "does not exist"
is "error lines carry level, msg and time" "$(jq -r 'select(.level == "error") | [has("level"), has("msg"), has("time")] | all' "$L" | sort -u)" true

: >"$L"
B=$TEST_TMP/bundle
make_bundle "$B"
set_args "$B" /bin/true
on_exit cleanup_container "$ID-a"
R create --bundle "$B" "$ID-a" </dev/null >/dev/null 2>&1 && R start "$ID-a" </dev/null >/dev/null 2>&1
wait_status "$ID-a" stopped 10
fails "kill of a stopped container with --log exits non-zero" R --log "$L" --log-format json kill "$ID-a" TERM
ok "an error line says: container not running" log_has "$L" "not running"
R delete "$ID-a" >/dev/null 2>&1

: >"$L"
b=$TEST_TMP/bad
make_bundle "$b" '.process.rlimits = [{"type": "RLIMIT_FOO", "hard": 1, "soft": 1}]'
fails "run of a bad config with --log exits non-zero" R --log "$L" --log-format json run --bundle "$b" "$ID-b" </dev/null
ok "the error line names the field" log_has "$L" 'process\.rlimits\[0\]\.type.*RLIMIT_FOO'
ok "the log stays JSON lines after a container error" jq -e . "$L"

T=$TEST_TMP/log.txt
fails "delete of an unknown id with a text log exits non-zero" R --log "$T" --log-format text delete "$ID-nosuch2"
like "the text log says: does not exist" "$(cat "$T")" "does not exist"

: >"$L"
R --log "$L" --log-format json --debug run --bundle "$B" "$ID-c" </dev/null >/dev/null 2>&1
check "run with --debug exits 0" $?
ok "--debug writes debug lines to the log" test "$(jq -r 'select(.level == "debug") | .msg' "$L" 2>/dev/null | wc -l)" -gt 0
is "a successful run logs no error" "$(jq -r 'select(.level == "error") | .msg' "$L" 2>/dev/null)" ""
ok "no cgroup left under this test's parent" no_cgroups_left
finish

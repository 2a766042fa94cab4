# glass serve inside a network namespace this test makes (sourced after
# lib.sh and lib-engine.sh), for the tests that drive it with the real
# clients: every bridge, veth, NAT rule and published port the server's
# containers get lives in that namespace, never the host's.
#   serve_start         starts `glass serve` in the namespace; sets DOCKER_HOST
#   IN CMD...           runs CMD in the namespace (curl to a published port)
#   D ARGS...           Debian's docker CLI (client only), bounded by a timeout
# The server is stopped by pid at exit, after the containers are removed.
need_cmd nsenter util-linux
DOCKER=/usr/bin/docker # Debian's docker.io 20.10, not another docker on PATH
[ -x $DOCKER ] || { missing "the docker CLI" "$DOCKER (Debian's docker.io)"; finish; exit 1; }
NS=glass-test-$$
netns_add "$NS" || skip_all "cannot create a network namespace"
IN() { nsenter --net="/run/netns/$NS" "$@"; }
IN ip link set lo up
SOCK=$GLASS_ROOT/glass.sock
export DOCKER_HOST=unix://$SOCK
export DOCKER_CONFIG=$TEST_TMP/docker-config # no credentials of the host's user
D() { timeout 60 $DOCKER "$@"; }

serve_start() {
	mkdir -p "$GLASS_ROOT"
	# nsenter execs the server (no fork for a net namespace): $! is its pid
	nsenter --net="/run/netns/$NS" "$ENGINE" serve --host "unix://$SOCK" >"$TEST_TMP/serve.log" 2>&1 &
	SERVE_PID=$!
	# engine_cleanup (lib-engine.sh) runs after this: on_exit runs in reverse
	on_exit "kill $SERVE_PID; wait $SERVE_PID"
	wait_for curl -sf -m 2 --unix-socket "$SOCK" http://d/_ping || {
		sed 's/^/#   /' "$TEST_TMP/serve.log"
		return 1
	}
}

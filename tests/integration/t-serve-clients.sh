#!/bin/bash
# glass serve driven by the Python clients of the Docker API, Debian's:
# docker-py (python3-docker) through a lifecycle script, and docker-compose
# 1.29 with a two-service project (tests/integration/serve/).  The server
# runs in the test's network namespace; every client call is bounded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-engine.sh"
need_root
need_cmd curl
need_cmd /usr/bin/python3 python3
need_cmd /usr/bin/docker-compose docker-compose
/usr/bin/python3 -c 'import docker' 2>/dev/null || { missing "docker-py" "python3-docker"; finish; exit 1; }
. "$(dirname "$0")/lib-serve-net.sh"
serve_start || skip_all "glass serve did not start"
export CG_PARENT DOCKER_CLIENT_TIMEOUT=60 COMPOSE_HTTP_TIMEOUT=60
HERE=$(dirname "$0")/serve

# --- docker-py: one line per step ------------------------------------------
while IFS= read -r line; do
	case $line in
	"ok - "*) ok_line "docker-py: ${line#ok - }" ;;
	"not ok - "*) not_ok_line "docker-py: ${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done < <(timeout 300 /usr/bin/python3 "$HERE/lifecycle.py" 2>&1)

# --- docker-compose --------------------------------------------------------
DC() { timeout 120 /usr/bin/docker-compose -p gt -f "$HERE/compose.yml" --ansi never "$@"; }
on_exit "timeout 120 /usr/bin/docker-compose -p gt -f '$HERE/compose.yml' down -v"
ok "compose up -d" DC up -d
ps=$(DC ps)
like "compose ps: web is up" "$ps" "gt_web_1 .* Up"
like "compose ps: client is up" "$ps" "gt_client_[0-9]+ .* Up"
wait_for sh -c "timeout 60 /usr/bin/docker-compose -p gt -f '$HERE/compose.yml' --ansi never logs client | grep -q hello-from-web"
like "compose logs: the client fetched from web by its service name" "$(DC logs client)" "hello-from-web"
is "compose exec: the named volume holds what it got" "$(DC exec -T client cat /data/got 2>&1)" "hello-from-web"
is "the volume is compose's (labelled)" "$(D volume inspect gt_data --format '{{index .Labels "com.docker.compose.project"}}')" "gt"
is "the network is compose's (labelled)" "$(D network inspect gt_front --format '{{index .Labels "com.docker.compose.project"}}')" "gt"
ok "compose down -v" DC down -v
is "no container left" "$(D ps -aq)" ""
is "no volume left" "$(D volume ls -q)" ""
is "no network of the project left" "$(D network ls -q --filter name=gt_)" ""
is "nothing left behind" "$(engine_leftovers)" ""
finish

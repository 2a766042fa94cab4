#!/bin/bash
# glass serve's images, networks, volumes and system/df, driven by Debian's
# docker CLI (docker.io 20.10, the client only: no dockerd runs).  Pulls
# come from Debian's docker-registry on 127.0.0.1 inside the test's network
# namespace, filled by skopeo from an archive `docker save` wrote.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-engine.sh"
need_root
need_cmd jq
need_cmd curl
need_cmd skopeo
need_cmd docker-registry
. "$(dirname "$0")/lib-serve-net.sh"
serve_start || skip_all "glass serve did not start"
RUN() { D run --cgroup-parent "/$CG_PARENT" "$@" </dev/null; }

# --- images: the built-in one, inspect, history, tag, rmi ------------------
ok "docker pull busybox gives the built-in image" D pull busybox
is "docker images lists it" "$(D images --format '{{.Repository}}:{{.Tag}}')" "localhost/busybox:latest"
id=$(D image inspect busybox --format '{{.Id}}')
like "inspect gives the image ID (its config digest)" "$id" '^sha256:[0-9a-f]{64}$'
is "inspect's RootFS has one layer" "$(D image inspect busybox | jq '.[0].RootFS.Layers | length')" 1
like "history shows the layer" "$(D history busybox --format '{{.ID}} {{.Size}}')" "^${id:7:12} [0-9.]+MB$"
ok "docker tag busybox mine/bb:1" D tag busybox mine/bb:1
is "the tag is a second name of the same ID" "$(D images -q --no-trunc mine/bb:1)" "$id"
is "images filters by reference" "$(D images --format '{{.Repository}}' --filter reference='mine/*')" "mine/bb"
fails "rmi by ID refuses an image with two names" -m "referenced in multiple repositories" D rmi "${id:7:12}"
is "rmi of a tag untags only" "$(D rmi mine/bb:1)" "Untagged: mine/bb:1"
fails "rmi of an unknown image is a 404" -m "No such image: nosuch:1" D rmi nosuch:1
fails "inspect of an unknown image" -m "No such image" D image inspect nosuch:1
fails "push is refused with the reason" -m "does not push" D push mine/bb:1

# --- save / load ------------------------------------------------------------
ok "docker save -o" D save -o "$TEST_TMP/bb.tar" busybox
is "the archive has docker's manifest.json" "$(tar xOf "$TEST_TMP/bb.tar" manifest.json | jq -r '.[0].RepoTags[0]')" "localhost/busybox:latest"
is "and an OCI index" "$(tar xOf "$TEST_TMP/bb.tar" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')" "localhost/busybox:latest"
is "rmi -f removes the image" "$(D rmi -f busybox | tail -1)" "Deleted: $id"
is "no image left" "$(D images -q)" ""
like "docker load reads it back" "$(D load -i "$TEST_TMP/bb.tar")" "Loaded image: localhost/busybox:latest"
is "same ID after the round trip" "$(D image inspect busybox --format '{{.Id}}')" "$id"
fails "load of a file that is no image archive" -m "Unrecognized archive format" \
	D load -i "$GLASS_SRC/README.md"

# --- pull from a registry --------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$TEST_TMP/reg/storage"
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
	"$TEST_TMP/reg/storage" "$port" >"$TEST_TMP/reg/config.yml"
nsenter --net="/run/netns/$NS" docker-registry serve "$TEST_TMP/reg/config.yml" >"$TEST_TMP/reg/log" 2>&1 &
reg_pid=$!
on_exit "kill $reg_pid; wait $reg_pid"
REG=127.0.0.1:$port
if ! wait_for IN curl -sf -m 2 "http://$REG/v2/"; then
	skip "pull from docker-registry" "the registry did not start: $(head -c 300 "$TEST_TMP/reg/log")"
else
	ok "skopeo pushes the saved archive" IN timeout 120 skopeo copy -q --dest-tls-verify=false \
		"oci-archive:$TEST_TMP/bb.tar:localhost/busybox:latest" "docker://$REG/test/bb:v1"
	out=$(D pull "$REG/test/bb:v1")
	like "docker pull streams Docker's progress messages" "$out" "Status: Downloaded newer image for $REG/test/bb:v1"
	is "the pulled image has the saved image's ID" "$(D image inspect "$REG/test/bb:v1" --format '{{.Id}}')" "$id"
	like "RepoDigests names the registry's manifest" "$(D image inspect "$REG/test/bb:v1" --format '{{json .RepoDigests}}')" "$REG/test/bb@sha256:"
	fails "a missing image: the error message of the stream" -m "HTTP 404" D pull "$REG/test/nothere:v1"
	is "docker run on the pulled image" "$(RUN --rm "$REG/test/bb:v1" echo pulled)" "pulled"
	ok "rmi the pulled name" D rmi "$REG/test/bb:v1"
fi

# --- volumes ------------------------------------------------------------------
is "volume create" "$(D volume create --label team=a vol1)" "vol1"
is "volume ls" "$(D volume ls -q)" "vol1"
is "volume ls --filter label" "$(D volume ls -q --filter label=team=a)" "vol1"
is "volume ls --filter label (no match)" "$(D volume ls -q --filter label=team=b)" ""
is "volume inspect: local driver, labels" "$(D volume inspect vol1 | jq -c '.[0] | [.Driver, .Labels.team, .Scope]')" '["local","a","local"]'
fails "a volume driver other than local is refused" -m "only the local driver" D volume create -d nfs v2
fails "driver options are refused with the reason" -m "DriverOpts: not supported" D volume create -o type=tmpfs v2
fails "a bad filter is refused by name" -m "invalid filter 'colour'" D volume ls --filter colour=red
ok "run -v vol1:/data writes into the volume" RUN --rm -v vol1:/data busybox sh -c 'echo kept >/data/f'
is "a second container reads it" "$(RUN --rm -v vol1:/data busybox cat /data/f)" "kept"
ok "a container holding vol1" RUN -d --name holder -v vol1:/data busybox sleep 60
fails "volume rm of a volume in use" -m "in use" D volume rm vol1
is "run --volumes-from holder: its volume, at its place" "$(RUN --rm --volumes-from holder busybox cat /data/f)" "kept"
is "  :ro makes it read-only" "$(RUN --rm --volumes-from holder:ro busybox sh -c 'echo x >/data/g 2>/dev/null || echo refused')" "refused"
like "system df counts the image, the container, the volume" "$(D system df --format '{{.Type}} {{.TotalCount}} {{.Active}}')" \
	"Images 1 1.*Containers 1 1.*Local Volumes 1 1"
is "system df -v: the volume's size (5 bytes)" "$(D system df -v --format '{{json .Volumes}}' | jq -r '.[] | select(.Name=="vol1") | .Size')" "5B"
ok "rm -f the holder" D rm -f holder
is "volume prune removes the unused volume (API 1.41: named too)" "$(D volume prune -f | sed -n 2p)" "vol1"
is "no volume left" "$(D volume ls -q)" ""

# --- networks -----------------------------------------------------------------
like "network ls shows bridge, host and none" "$(D network ls --format '{{.Name}}' | sort | tr '\n' ' ')" "^bridge host none $"
nid=$(D network create --subnet 10.123.0.0/24 --label team=a net1)
like "network create answers the new network's ID" "$nid" '^[0-9a-f]{64}$'
is "network inspect by ID prefix" "$(D network inspect "${nid:0:12}" --format '{{.Name}} {{(index .IPAM.Config 0).Subnet}}')" "net1 10.123.0.0/24"
fails "a second network of that name" -m "already exists" D network create net1
fails "IPv6 is refused with the reason" -m "IPv4 only" D network create --ipv6 net2
fails "a driver other than bridge is refused" -m "only the bridge driver" D network create -d macvlan net2
fails "driver options are refused" -m "driver options are not supported" D network create -o com.docker.network.bridge.name=x net2
fails "bridge cannot be removed" -m "pre-defined network" D network rm bridge
SERVE='mkdir /www && echo served >/www/index.html && exec httpd -f -p 8080 -h /www'
ok "run -d --network net1" RUN -d --name web --network net1 busybox sh -c "$SERVE"
ip=$(D network inspect net1 | jq -r --arg id "$(D inspect web --format '{{.Id}}')" '.[0].Containers[$id].IPv4Address')
like "network inspect lists the container's endpoint" "$ip" '^10\.123\.0\.[0-9]+/24$'
like "a second container reaches it by name on the network" \
	"$(RUN --rm --network net1 busybox wget -q -O - http://web:8080/ 2>&1)" '^served$'
fails "network rm of a network in use" -m "active endpoints" D network rm net1
ok "network disconnect" D network disconnect net1 web
is "the endpoint is gone" "$(D network inspect net1 --format '{{len .Containers}}')" "0"
ok "network connect" D network connect net1 web
is "the endpoint is back" "$(D network inspect net1 --format '{{len .Containers}}')" "1"
fails "connect with a link is refused" -m "Links: not supported" D network connect --link pub:x net1 web
ok "rm -f web" D rm -f web
ok "network rm" D network rm net1
ok "network create prunable" D network create --label gone=1 net3
is "network prune --filter label" "$(D network prune -f --filter label=gone=1 | sed -n 2p)" "net3"

# --- published ports (inside the test's namespace, on loopback) -------------
served() { [ "$(IN curl -sf -m 2 "http://127.0.0.1:$1/")" = served ]; }
ok "run -d --network bridge -p 127.0.0.1:18080:8080" \
	RUN -d --name pub --network bridge -p 127.0.0.1:18080:8080 busybox sh -c "$SERVE"
wait_for served 18080
is "curl reaches the published port" "$(IN curl -sf -m 2 http://127.0.0.1:18080/)" "served"
is "docker port reads the binding (NetworkSettings.Ports)" "$(D port pub 8080/tcp)" "127.0.0.1:18080"
ok "rm -f pub" D rm -f pub
ok "run -d -p 127.0.0.1:18081:8080 (no --network: Docker's default is the bridge)" \
	RUN -d --name pub2 -p 127.0.0.1:18081:8080 busybox sh -c "$SERVE"
wait_for served 18081
ok "curl reaches a port published without --network" served 18081
ok "rm -f pub2" D rm -f pub2

# --- image prune ----------------------------------------------------------
ok "a stopped container keeps its image" RUN --name keep busybox true
fails "rmi of an image a container uses" -m "container [0-9a-f]{12} is using" D rmi busybox
like "image prune -a leaves an image in use" "$(D image prune -af)" "Total reclaimed space"
is "the image stays" "$(D images -q --no-trunc)" "$id"
ok "rm keep" D rm keep
like "image prune -a removes it then" "$(D image prune -af)" "deleted: $id"

# --- bad requests, answered in Docker's shape ---------------------------------
api() { # METHOD PATH [BODY]: "STATUS BODY"
	curl -s -m 30 --unix-socket "$SOCK" -X "$1" -w ' %{http_code}' ${3:+-H 'Content-Type: application/json' --data "$3"} \
		"http://d/v1.41$2"
}
like "filters that are not JSON: 400" "$(api GET '/images/json?filters=%7Bbad')" '^\{"message":"invalid filters: not a JSON object.*"\}[[:space:]]+400$'
like "a filter value of the wrong type: 400 naming it" "$(api GET '/volumes?filters=%7B%22label%22%3A5%7D')" 'filters.label: neither a list nor a set.* 400$'
like "network create with a Name of the wrong type: 400 naming it" "$(api POST /networks/create '{"Name": 5}')" 'Name.* 400$'
like "network create without a Name: 400" "$(api POST /networks/create '{}')" 'Name: a network name is required.* 400$'
like "volume create with a body that is not JSON: 400" "$(api POST /volumes/create 'not json')" ' 400$'
like "an unknown network: 404 in Docker's shape" "$(api GET /networks/nosuch)" '^\{"message":"network nosuch not found"\}[[:space:]]+404$'
like "an unknown volume: 404" "$(api GET /volumes/nosuch)" 'no such volume: nosuch.* 404$'
like "wrong method on a volume: 405" "$(api PUT /volumes/x)" ' 405$'
like "connect of an unknown container: 404" "$(api POST /networks/bridge/connect '{"Container": "nosuch"}')" 'No such container: nosuch.* 404$'
like "pull without fromImage: 400" "$(api POST /images/create)" 'fromImage: an image name is required.* 400$'
like "images/create from a tarball is refused: 501" "$(api POST '/images/create?fromSrc=-')" 'fromSrc: .* 501$'

is "nothing left behind" "$(engine_leftovers)" ""
finish

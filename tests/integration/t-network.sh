#!/bin/bash
# glass networks through CNI, with real packets.  Everything network-side
# lives in a namespace this test makes (glass-test-PID): glass runs inside
# it (nsenter --net), so the bridges, veths, NAT rules and leases are made
# and destroyed there, and traffic goes only to addresses inside it.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
need_cmd curl
need_cmd iptables-save iptables
need_cmd nsenter util-linux
[ -x /usr/lib/cni/bridge ] || need_cmd /usr/lib/cni/bridge containernetworking-plugins
NS=glass-test-$$
netns_add "$NS" || skip_all "cannot create a network namespace"
export GLASS_ROOT=$TEST_TMP/root
IN() { nsenter --net="/run/netns/$NS" "$@"; }
G() { IN "$ENGINE" "$@"; }
RUN() { G run --cgroup-parent "/$CG_PARENT" "$@" </dev/null; }
IN ip link set lo up
# a foreground run started in the background: its glass pid, stopped at exit
# (busybox's wget -T crashes; a wget here is bounded by the test's timeout)
bg_pids=() bg_names=()
stop_bg() {
	for n in "${bg_names[@]}"; do G rm -f "$n" >/dev/null 2>&1; done
	for p in "${bg_pids[@]}"; do wait "$p"; done
	bg_pids=() bg_names=()
}
on_exit stop_bg
BG() { # NAME ARGS...: glass run --name NAME in the background, stopped by stop_bg
	local n=$1
	shift
	nsenter --net="/run/netns/$NS" "$ENGINE" run --cgroup-parent "/$CG_PARENT" --name "$n" "$@" \
		</dev/null >"$TEST_TMP/bg.$n.out" 2>&1 &
	bg_pids+=($!) bg_names+=("$n")
}
cid() { G inspect --format '{{.Id}}' "$1" 2>/dev/null; } # NAME: its id (the attachments' key)
wait_attached() { # NET NAME: until NAME is attached (its ADD returned)
	for _ in $(seq 100); do
		G network inspect "$1" 2>/dev/null | jq -e --arg n "$(cid "$2")" '.[0].Containers[$n]' >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
fetch() { # URL: curl from the test's namespace, retried while the server starts
	for _ in $(seq 50); do
		IN curl -s --max-time 5 "$1" && return 0
		sleep 0.1
	done
}
before_links=$(IN ip -o link | awk -F': ' '{print $2}' | sort)

out=$(RUN --rm --network none busybox true 2>&1) || skip_all "glass run --network none does not work here: $out"

# --- the network configuration a user can read
ok "network create" G network create --subnet 10.91.7.0/24 web
conf=$GLASS_ROOT/networks/web.conflist
is "the conflist is CNI 1.0's: bridge, portmap, firewall, tuning" \
	"$(jq -c '[.cniVersion, .name, [.plugins[].type]]' "$conf")" '["1.0.0","web",["bridge","portmap","firewall","tuning"]]'
is "host-local keeps its leases under the engine's root" "$(jq -r '.plugins[0].ipam.dataDir' "$conf")" "$GLASS_ROOT/cni/networks"
like "network ls lists it" "$(G network ls)" "web +bridge +10.91.7.0/24"
fails "a bad subnet is refused, naming the flag" -m 'not an IPv4 CIDR.*--subnet' G network create --subnet 10.1.2.3 bad
fails "a duplicate name is refused" -m 'already exists' G network create web
fails "a name with / is refused" -m 'invalid network name' G network create a/b

# --- bad input: a clear error, and nothing made
fails "--network of a missing network names it" -m 'network nosuch not found' RUN --rm --name bad1 --network nosuch busybox true
is "and leaves no record, netns, snapshot or lease" \
	"$(ls "$GLASS_ROOT/run/net" "$GLASS_ROOT/run/netns" 2>/dev/null | grep -c bad1; ls "$GLASS_ROOT/containers" 2>/dev/null | grep -c bad1)" "0
0"
fails "-p without a host port is refused, naming the flag" -m 'HOSTPORT:CTRPORT.*--publish' RUN --rm --network web -p 80 busybox true
fails "--network none cannot be combined with a network" -m 'cannot be combined' RUN --rm --network none --network web busybox true

# --- --network none: lo only, up
is "--network none: only lo, and it is up" \
	"$(RUN --rm --network none busybox sh -c 'ip -o link | cut -d: -f2 | tr -d " "; ip -o link show lo | grep -o "<[^>]*UP"' 2>&1 | tr '\n' ' ')" "lo <LOOPBACK,UP,LOWER_UP "

like "--ip asks host-local for that address" "$(RUN --rm --network web --ip 10.91.7.50 busybox ip -o -4 addr show eth0 2>&1)" "inet 10\.91\.7\.50/24"

like "--add-host adds a line to /etc/hosts" "$(RUN --rm --network none --add-host db.example:10.1.2.3 busybox cat /etc/hosts 2>&1)" "10\.1\.2\.3	db\.example"
is "--dns and --dns-search replace the host's servers and search list" \
	"$(RUN --rm --network none --dns 10.0.0.53 --dns-search corp.example busybox grep -E '^(nameserver|search)' /etc/resolv.conf 2>&1 | tr '\n' ' ')" "nameserver 10.0.0.53 search corp.example "
is "the host's loopback servers are not the container's" \
	"$(RUN --rm --network none busybox grep -c 'nameserver 127\.' /etc/resolv.conf 2>&1)" 0

# --- two containers reach each other by name
BG srv --network web --network-alias www busybox sh -c 'mkdir /w; echo hello-from-srv >/w/index.html; exec httpd -f -p 80 -h /w'
wait_attached web srv
check "the server is attached to web" $?
is "a peer reaches it by name" "$(RUN --rm --network web busybox wget -qO- http://srv/ 2>&1)" hello-from-srv
is "and by its --network-alias" "$(RUN --rm --network web busybox wget -qO- http://www/ 2>&1)" hello-from-srv
like "the peer's /etc/hosts names srv" "$(RUN --rm --network web --name cli busybox cat /etc/hosts 2>&1)" "10\.91\.7\.[0-9]+	[0-9a-f]{12} srv www"
is "--network container:srv shares its interfaces" \
	"$(RUN --rm --network container:srv busybox wget -qO- http://127.0.0.1/ 2>&1)" hello-from-srv

like "--network host: the engine's interfaces (the bridge of web)" "$(RUN --rm --network host busybox ip -o link 2>&1)" "gl-[0-9a-f]{12}"

# --- connect and disconnect a running container
ok "network create other" G network create other
ok "network connect attaches a running container (as eth1)" G network connect other srv
is "a container on the other network reaches it by name" "$(RUN --rm --network other busybox wget -qO- http://srv/ 2>&1)" hello-from-srv
fails "connecting twice is refused" -m 'already attached' G network connect other srv
ok "network disconnect" G network disconnect other srv
like "after disconnect the other network no longer knows it" "$(RUN --rm --network other busybox wget -qO- http://srv/ 2>&1)" "bad address 'srv'"

# --- -p publishes through portmap: on the bridge address and on 127.0.0.1
BG pub --network web -p 8080:80 busybox sh -c 'mkdir /w; echo published >/w/index.html; exec httpd -f -p 80 -h /w'
wait_attached web pub
is "-p: reachable at the bridge's address" "$(fetch http://10.91.7.1:8080/)" published
# portmap's DNAT for locally sent packets is in OUTPUT; it sets
# route_localnet on the bridge so 127.0.0.1 may be routed there and
# masquerades the reply path
is "-p: reachable at 127.0.0.1 of the test's namespace" "$(fetch http://127.0.0.1:8080/)" published
like "the DNAT rule is portmap's, tagged with the container" "$(IN iptables-save -t nat)" "dnat name: \\\\\"web\\\\\" id: \\\\\"$(cid pub)\\\\\".*--dports 8080"

# --- --internal: no way out; a normal network has one
# an address of the test's namespace outside every bridge's subnet
IN ip addr add 10.99.0.1/32 dev lo
mkdir -p "$TEST_TMP/out" && echo outside >"$TEST_TMP/out/index.html"
nsenter --net="/run/netns/$NS" busybox httpd -f -p 10.99.0.1:8099 -h "$TEST_TMP/out" &
out_pid=$!
on_exit "kill $out_pid"
sleep 0.3
is "a normal network reaches beyond its bridge" "$(RUN --rm --network web busybox wget -qO- http://10.99.0.1:8099/ 2>&1)" outside
ok "network create --internal" G network create --internal closed
like "an --internal network has no way out" "$(RUN --rm --network closed busybox wget -qO- http://10.99.0.1:8099/ 2>&1)" "unreachable"
fails "network rm refuses a network in use" -m 'active endpoints' G network rm web

# --- glass --trace shows the CNI calls
like "--trace shows each plugin call with what was sent and returned" \
	"$(G --trace run --rm --network web busybox true 2>&1 </dev/null)" \
	'bridge ADD netns=[^ ]+ ifname=eth0 .*sent: \{.*got: \{.*portmap ADD .*sent: \{"type":"portmap","cniVersion":"1\.0\.0","name":"web","prevResult":\{"cniVersion"'

# --- a detached container: its network lives while it runs, with no engine
# process; once it died, the next engine command runs DEL
G run -d --cgroup-parent "/$CG_PARENT" --name k9 --network web busybox sleep 300 </dev/null >/dev/null 2>&1
on_exit "G rm -f k9 >/dev/null 2>&1"
wait_attached web k9
G network ls >/dev/null
is "with no engine process, a running container keeps its network" \
	"$(G network inspect web | jq -c --arg id "$(cid k9)" '.[0].Containers | has($id)')" true
k9id=$(cid k9)
"$RUNTIME" --root "$GLASS_ROOT/runtime" kill "$k9id" KILL
for _ in $(seq 100); do G ps -a --format '{{.Names}} {{.Status}}' | grep -q '^k9 Exited' && break; sleep 0.1; done
G network ls >/dev/null
is "once it died, the next engine command ran DEL for it" \
	"$(G network inspect web | jq -c --arg id "$k9id" '.[0].Containers | has($id)')" false
G rm -f k9 >/dev/null 2>&1

# --- teardown: DEL for each container, nothing left
stop_bg 2>/dev/null
kill $out_pid
IN ip addr del 10.99.0.1/32 dev lo
is "no container is attached any more" "$(G network inspect web | jq -c '.[0].Containers')" "{}"
is "no address lease is left" "$(find "$GLASS_ROOT/cni/networks" -type f ! -name lock ! -name 'last_reserved_ip*' | wc -l)" 0
is "no per-container iptables rule is left" "$(IN iptables-save | grep -c 'id: \"')" 0
# portmap's DEL finds its chain only through the portMappings of its ADD
# (runtimeConfig), which the engine records and passes again
is "no DNAT rule of a published port is left" "$(IN iptables-save -t nat | grep -c -- '--dport 8080')" 0
is "no netns mount is left" "$(ls "$GLASS_ROOT/run/netns" 2>/dev/null | wc -l)" 0
ok "network rm" G network rm web closed other
is "network prune leaves the default network alone and removes unused ones" \
	"$(G network create p1 >/dev/null; G network prune)" p1
G network rm glass >/dev/null 2>&1
is "no link is left in the namespace" "$(IN ip -o link | awk -F': ' '{print $2}' | sort)" "$before_links"
is "no mount is left (netns files, snapshots)" "$(grep -c "$TEST_TMP" /proc/self/mountinfo)" 0
finish

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
# (Debian's busybox is built without FEATURE_WGET_TIMEOUT, and its `wget -T`
# writes through NULL: docs/network.md; a wget here is bounded by `timeout`)
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
fails "-p with a bad host port is refused, naming the flag" -m 'HOSTPORT:\]CTRPORT.*--publish' RUN --rm --network web -p 70000:80 busybox true
fails "--network none cannot be combined with a network" -m 'cannot be combined' RUN --rm --network none --network web busybox true

# --- --network none: lo only, up
is "--network none: only lo, and it is up" \
	"$(RUN --rm --network none busybox sh -c 'ip -o link | cut -d: -f2 | tr -d " "; ip -o link show lo | grep -o "<[^>]*UP"' 2>&1 | tr '\n' ' ')" "lo <LOOPBACK,UP,LOWER_UP "

# --- without --network: the runtime's own netns, or GLASS_DEFAULT_NETWORK
is "a run without --network keeps the runtime's own netns: lo alone, up (as none)" \
	"$(RUN --rm busybox sh -c 'ip -o link | cut -d: -f2 | tr -d " "; ip -o link show lo | grep -c "<[^>]*UP"' 2>&1 | tr '\n' ' ')" "lo 1 "
like "GLASS_DEFAULT_NETWORK=web: a run without --network joins web (docker's default, opted into)" \
	"$(GLASS_DEFAULT_NETWORK=web RUN --rm busybox ip -o -4 addr show eth0 2>&1)" "inet 10\.91\.7\.[0-9]+/24"
fails "a bad GLASS_DEFAULT_NETWORK is named" -m 'GLASS_DEFAULT_NETWORK=a/b' env GLASS_DEFAULT_NETWORK=a/b "$ENGINE" create busybox true

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

# rename: peers resolve the new name, and no longer the old one
BG peer --network web busybox sleep 60
wait_attached web peer
ok "rename srv to srv2" G rename srv srv2
is "a peer reaches it by its new name" "$(G exec peer wget -qO- http://srv2/ 2>&1)" hello-from-srv
like "and no longer by the old one" "$(G exec peer wget -qO- http://srv/ 2>&1)" "bad address 'srv'"
ok "rename it back" G rename srv2 srv
ok "rm -f peer" G rm -f peer

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
# process; a run that ends releases it (docker's): `stop` itself, an exit
# through the shim (`container cleanup`), and a shim killed with -9 through
# the next engine command
attached() { G network inspect "$1" | jq -c --arg id "$2" '.[0].Containers | has($id)'; }
leftovers_of() { # ID: its attachment record, netns file, lease, veth, portmap rules
	ls "$GLASS_ROOT/run/net" "$GLASS_ROOT/run/netns" 2>/dev/null | grep -c "$1"
	grep -rl "$1" "$GLASS_ROOT/cni/networks" 2>/dev/null | wc -l
	IN iptables-save | grep -c "$1"
}
until_true() { # CMD...: retried for up to 10 s
	for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done
	return 1
}
G run -d --cgroup-parent "/$CG_PARENT" --name k9 --network web busybox sleep 300 </dev/null >/dev/null 2>&1
on_exit "G rm -f k9 >/dev/null 2>&1"
wait_attached web k9
G network ls >/dev/null
k9id=$(cid k9)
is "with no engine process, a running container keeps its network" "$(attached web "$k9id")" true
"$RUNTIME" --root "$GLASS_ROOT/runtime" kill "$k9id" KILL
released() { [ "$(attached web "$k9id")" = false ]; }
until_true released
check "once it died, its shim released the network (CNI DEL)" $?
is "nothing of its run is left: record, netns, lease, iptables rule" \
	"$(leftovers_of "$k9id" | tr '\n' ' ')" "0 0 0 "
G rm -f k9 >/dev/null 2>&1

# stop: nothing left; start: a new ADD, reachable again at the same port
veths() { IN ip -o link show type veth | wc -l; }
v0=$(veths)
G run -d --cgroup-parent "/$CG_PARENT" --name again --network web -p 8090:80 busybox \
	sh -c 'mkdir -p /w; echo again >/w/index.html; exec httpd -f -p 80 -h /w' </dev/null >/dev/null 2>&1
on_exit "G rm -f again >/dev/null 2>&1"
wait_attached web again
againid=$(cid again)
is "a published container is reachable" "$(fetch http://127.0.0.1:8090/)" again
is "port shows the binding of the run" "$(G port again)" "80/tcp -> 0.0.0.0:8090"
is "port NAME 80: that port's binding alone" "$(G port again 80)" "0.0.0.0:8090"
fails "port NAME 81: docker's error" -m "no public port '81/tcp' published for again" G port again 81
like "ps shows it in PORTS" "$(G ps --filter name=again --format '{{.Ports}}')" '^0\.0\.0\.0:8090->80/tcp$'
is "inspect: NetworkSettings of the run (IPAddress, its network's endpoint, SandboxKey)" \
	"$(G inspect again | jq -r '.[0].NetworkSettings | [(.IPAddress | test("^10\\.91\\.7\\.")), (.Networks.web.IPAddress == .IPAddress), .Networks.web.Gateway, (.SandboxKey | endswith("'"$againid"'"))] | @tsv')" \
	$'true\ttrue\t10.91.7.1\ttrue'
ok "stop" G stop -t 0 again
is "stop released it: no record, netns, lease or iptables rule" "$(leftovers_of "$againid" | tr '\n' ' ')" "0 0 0 "
is "and no veth" "$(veths)" "$v0"
is "no portmap rule for its port is left" "$(IN iptables-save -t nat | grep -c -- '--dport 8090')" 0
is "a stopped container publishes nothing" "$(G port again)" ""
is "and has no address" "$(G inspect -f '{{.NetworkSettings.IPAddress}}' again)" ""
ok "start again" G start again
wait_attached web again
is "started again, it is reachable at the same port" "$(fetch http://127.0.0.1:8090/)" again
ok "restart" G restart -t 0 again
wait_attached web again
is "restarted, it is reachable" "$(fetch http://127.0.0.1:8090/)" again
is "one DNAT for it, not one per run" "$(IN iptables-save -t nat | grep -c -- '--dport 8090 -j DNAT')" 1
G rm -f again >/dev/null 2>&1

# a restart by its policy happens in the shim, which holds the network
# across it: the same address every run, and a sweep meanwhile leaves it
G run -d --cgroup-parent "/$CG_PARENT" --name rpol --restart always --network web busybox \
	sh -c 'ip -o -4 addr show eth0 | cut -d" " -f7 | cut -d/ -f1; sleep 0.5; exit 1' </dev/null >/dev/null 2>&1
on_exit "G rm -f rpol >/dev/null 2>&1"
restarted() { [ "$(G logs rpol 2>/dev/null | wc -l)" -ge 3 ]; }
until_true restarted
RUN --rm --network none busybox true >/dev/null 2>&1 # an attach, and its sweep
is "restarted by its policy, it kept its address and network" \
	"$(G logs rpol | head -3 | sort -u | wc -l) $(attached web "$(cid rpol)")" "1 true"
G rm -f rpol >/dev/null 2>&1

# a shim killed with -9 and its container gone: the next engine command
# (its sweep) runs DEL, since the network's owner, the shim, is gone
G run -d --cgroup-parent "/$CG_PARENT" --name orphan --network web busybox sleep 300 </dev/null >/dev/null 2>&1
on_exit "G rm -f orphan >/dev/null 2>&1"
wait_attached web orphan
orphid=$(cid orphan)
opid=$(G inspect -f '{{.State.Pid}}' orphan)
kill -9 "$(cat "$GLASS_ROOT/containers/$orphid/shim.pid")" "$opid"
for _ in $(seq 50); do [ -d "/proc/$opid" ] || break; sleep 0.1; done
RUN --rm --network none busybox true >/dev/null 2>&1
is "after its shim was killed, the next attach swept its network" "$(attached web "$orphid")" false
G rm -f orphan >/dev/null 2>&1

# -P and -p CTRPORT: host ports picked at start, shown by `port`
# an image whose config exposes 80/tcp and 53/udp: busybox exported,
# its config edited, the digests redone, imported as localhost/exposed
G export busybox "$TEST_TMP/exposed" >/dev/null 2>&1
cfg=$(jq -r '.manifests[0].digest' "$TEST_TMP/exposed/index.json" | cut -d: -f2)
cfg=$(jq -r '.config.digest' "$TEST_TMP/exposed/blobs/sha256/$cfg" | cut -d: -f2)
jq -c '.config.ExposedPorts = {"80/tcp": {}, "53/udp": {}}' "$TEST_TMP/exposed/blobs/sha256/$cfg" >"$TEST_TMP/cfg.json"
ch=$(sha256sum "$TEST_TMP/cfg.json" | cut -d' ' -f1)
cp "$TEST_TMP/cfg.json" "$TEST_TMP/exposed/blobs/sha256/$ch"
m=$(jq -r '.manifests[0].digest' "$TEST_TMP/exposed/index.json" | cut -d: -f2)
jq -c --arg d "sha256:$ch" --argjson s "$(stat -c %s "$TEST_TMP/cfg.json")" '.config.digest = $d | .config.size = $s' \
	"$TEST_TMP/exposed/blobs/sha256/$m" >"$TEST_TMP/man.json"
mh=$(sha256sum "$TEST_TMP/man.json" | cut -d' ' -f1)
cp "$TEST_TMP/man.json" "$TEST_TMP/exposed/blobs/sha256/$mh"
jq -c --arg d "sha256:$mh" --argjson s "$(stat -c %s "$TEST_TMP/man.json")" '.manifests[0].digest = $d | .manifests[0].size = $s' \
	"$TEST_TMP/exposed/index.json" >"$TEST_TMP/idx.json" && mv "$TEST_TMP/idx.json" "$TEST_TMP/exposed/index.json"
G import "$TEST_TMP/exposed" >/dev/null 2>&1
G run -d --cgroup-parent "/$CG_PARENT" --name pall --network web -P -p 127.0.0.1::8000 exposed \
	sh -c 'mkdir -p /w; echo all >/w/index.html; httpd -p 8000 -h /w; exec httpd -f -p 80 -h /w' </dev/null >/dev/null 2>&1
on_exit "G rm -f pall >/dev/null 2>&1"
wait_attached web pall
ports=$(G port pall)
like "-P publishes the image's ExposedPorts, -p 127.0.0.1::8000 on a picked port" "$(echo "$ports" | sort | tr '\n' ' ')" \
	'^53/udp -> 0\.0\.0\.0:[0-9]+ 80/tcp -> 0\.0\.0\.0:[0-9]+ 8000/tcp -> 127\.0\.0\.1:[0-9]+ $'
p80=$(echo "$ports" | sed -n 's|^80/tcp -> 0.0.0.0:||p')
p8000=$(echo "$ports" | sed -n 's|^8000/tcp -> 127.0.0.1:||p')
is "the picked port of 80/tcp reaches the container" "$(fetch "http://127.0.0.1:$p80/")" all
is "and that of 8000/tcp" "$(fetch "http://127.0.0.1:$p8000/")" all
is "inspect keeps what was asked: PublishAllPorts, an empty HostPort" \
	"$(G inspect -f '{{.HostConfig.PublishAllPorts}} {{json .HostConfig.PortBindings}}' pall)" 'true {"8000/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}'
G rm -f pall >/dev/null 2>&1

# network connect on a stopped container: remembered, joined at start
G create --cgroup-parent "/$CG_PARENT" --name later --network web busybox sleep 300 >/dev/null 2>&1
on_exit "G rm -f later >/dev/null 2>&1"
is "a created container holds no network yet" "$(ls "$GLASS_ROOT/run/netns" 2>/dev/null | grep -c "$(cid later)")" 0
ok "network connect of a created container" G network connect other later
G start later >/dev/null
is "at start it is on both networks" "$(G exec later ip -o -4 addr | awk '{print $2}' | sort | tr '\n' ' ')" "eth0 eth1 lo "
fails "none cannot be connected, with docker's words" -m 'private \(none\) mode' IN sh -c "$ENGINE create --name nn --network none busybox true >/dev/null; $ENGINE network connect web nn"
G rm -f later nn >/dev/null 2>&1

# --- IPv6: a dual-stack network, real packets over v6
if [ "$(IN cat /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null)" = 0 ]; then
	ok "network create --ipv6 --subnet fd00:91:8::/64" G network create --ipv6 --subnet fd00:91:8::/64 six
	is "host-local gets a range per family" \
		"$(jq -c '[.plugins[0].ipam.ranges[][0].subnet | test(":")]' "$GLASS_ROOT/networks/six.conflist")" '[false,true]'
	BG six6 --network six busybox sh -c 'mkdir /w; echo over-six >/w/index.html; exec httpd -f -p [::]:80 -h /w'
	wait_attached six six6
	# attached (ADD done) comes before the container's process runs: exec waits for it
	for _ in $(seq 50); do
		addr6=$(G exec six6 ip -o -6 addr show dev eth0 scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
		[ -n "$addr6" ] && break
		sleep 0.1
	done
	like "a container on it has an address of the v6 subnet" "$addr6" '^fd00:91:8::[0-9a-f]+$'
	is "a peer reaches it over IPv6" "$(RUN --rm --network six busybox wget -qO- "http://[$addr6]/" 2>&1)" over-six
	like "a peer's /etc/hosts names it by its v6 address too" \
		"$(RUN --rm --network six busybox grep six6 /etc/hosts 2>&1 | tr '\n' ' ')" "^10\.[0-9.]+	[0-9a-f]{12} six6 $addr6	[0-9a-f]{12} six6 $"
	# retried: the bridge's v6 address is tentative (DAD) for about a second
	# after the network's first ADD made the bridge
	is "and so does the test's namespace, through the bridge's v6 gateway" \
		"$(for _ in $(seq 30); do IN curl -s -g --max-time 2 "http://[$addr6]/" && break; sleep 0.2; done)" over-six
	is "network inspect: EnableIPv6 and both subnets in IPAM.Config" \
		"$(G network inspect six | jq -c '.[0] | [.EnableIPv6, [.IPAM.Config[].Subnet][1], .IPAM.Config[1].Gateway]')" \
		'[true,"fd00:91:8::/64","fd00:91:8::1"]'
	like "without --subnet, a unique local /64 (fd00::/8) from the name" \
		"$(G network create --ipv6 six2 >/dev/null && jq -r '.plugins[0].ipam.ranges[1][0].subnet' "$GLASS_ROOT/networks/six2.conflist")" \
		'^fd[0-9a-f]{2}:[0-9a-f]{4}:[0-9a-f]{4}::/64$'
	G network rm six2 >/dev/null
else
	for n in 1 2 3 4 5 6 7 8; do skip "IPv6 network check $n" "IPv6 is disabled in this network namespace"; done
fi
fails "an IPv6 --subnet without --ipv6 is refused, naming the flag" -m 'give --ipv6.*--subnet' G network create --subnet fd00:1::/64 v6a
fails "an IPv6 subnet with host bits is refused" -m 'host bits set' G network create --ipv6 --subnet fd00:1::1/64 v6b
fails "a v6 gateway outside the subnet is refused" -m 'not an address in fd00:1::/64.*--gateway' \
	G network create --ipv6 --subnet fd00:1::/64 --gateway fd00:2::1 v6c

# --- rootless: an unprivileged glass says what a container and its network
# lack, before it makes anything
if command -v setpriv >/dev/null && nob=$(id -u nobody 2>/dev/null); then
	mkdir -m 777 "$TEST_TMP/rl" && chmod 755 "$TEST_TMP"
	fails "run by an unprivileged user, it names what is missing" \
		-m 'rootless containers are not supported yet: glass runs as uid [0-9]+.*CAP_NET_ADMIN.*--network web.*slirp4netns' \
		IN setpriv --reuid "$nob" --regid "$(id -g nobody)" --clear-groups \
		env GLASS_ROOT="$TEST_TMP/rl/root" "$ENGINE" run --rm --network web busybox true
	is "and makes nothing" "$(ls -A "$TEST_TMP/rl")" ""
else
	skip "run by an unprivileged user, it names what is missing" "no setpriv or no user nobody"
	skip "and makes nothing" "no setpriv or no user nobody"
fi

# --- teardown: DEL for each container, nothing left
stop_bg 2>/dev/null
kill $out_pid
IN ip addr del 10.99.0.1/32 dev lo
is "no container is attached any more" "$(G network inspect web | jq -c '.[0].Containers')" "{}"
is "no address lease is left" "$(find "$GLASS_ROOT/cni/networks" -type f ! -name lock ! -name 'last_reserved_ip*' | wc -l)" 0
is "no per-container iptables rule or portmap chain is left" "$(IN iptables-save | grep -cE 'id: \\"|CNI-DN-')" 0
is "nor an ip6tables one" "$(IN ip6tables-save 2>/dev/null | grep -cE 'id: \\"|CNI-DN-')" 0
is "no netns mount is left" "$(ls "$GLASS_ROOT/run/netns" 2>/dev/null | wc -l)" 0
ok "network rm" G network rm web closed other
G network rm six >/dev/null 2>&1
is "network prune leaves the default network alone and removes unused ones" \
	"$(G network create p1 >/dev/null; G network prune)" p1
G network rm glass >/dev/null 2>&1
is "no link is left in the namespace" "$(IN ip -o link | awk -F': ' '{print $2}' | sort)" "$before_links"
is "no mount is left (netns files, snapshots)" "$(grep -c "$TEST_TMP" /proc/self/mountinfo)" 0
finish

#!/bin/bash
# glass pull from real registries: Debian's docker-registry on 127.0.0.1
# (plain HTTP, then HTTPS with a self-signed CA and htpasswd auth), images
# pushed with skopeo; a misbehaving server for digest mismatch and kill -9.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
need_root
need_cmd docker-registry
need_cmd skopeo
need_cmd jq
need_cmd zstd
need_cmd openssl
need_cmd htpasswd apache2-utils
export GLASS_ROOT=$TEST_TMP/root
G() { "$ENGINE" "$@"; }
RUN() { "$ENGINE" run --rm --cgroup-parent "/$CG_PARENT" "$@" </dev/null; }
have_runtime=1
if ! G run --rm --cgroup-parent "/$CG_PARENT" busybox true </dev/null >/dev/null 2>&1; then
	have_runtime=0
fi
runs() { # runs NAME WANT IMAGE CMD...: the container's output must match WANT
	local name=$1 want=$2
	shift 2
	if [ $have_runtime = 0 ]; then
		skip "$name" "glass run does not work here (glass-runtime missing or failing)"
		return
	fi
	like "$name" "$(RUN "$@" 2>&1)" "$want"
}

L=$TEST_TMP/layout
build_test_layout "$L"

# --- plain HTTP -----------------------------------------------------------
port=$(free_port)
start_registry "$TEST_TMP/reg" "$port" || skip_all "docker-registry did not start"
R=127.0.0.1:$port
ok "skopeo pushes the test layout (multi-arch index)" \
	skopeo copy --all -q --dest-tls-verify=false "oci:$L:v1" "docker://$R/test/img:v1"
out=$(G pull "$R/test/img:v1" 2>&1)
like "pull refuses plain HTTP without --tls-verify=false" "$out" "tls-verify=false"
nlayers=$(ls "$GLASS_ROOT/layers" | grep -c '^[0-9a-f]\{64\}$')
ok "pull --tls-verify=false over HTTP" G pull -q --tls-verify=false "$R/test/img:v1"
is "pull -q: the store reports nothing on stderr" "$(G pull -q --tls-verify=false "$R/test/img:v1" 2>&1 >/dev/null)" ""
out=$(G pull --tls-verify=false --unpack-jobs 0 "$R/test/img:v1" 2>&1)
like "a tuning flag out of range is a usage error" "$out" "unpack-jobs needs a valid value"
like "image ls shows the pulled image" "$(G image ls)" "$R/test/img +v1"
insp=$(G image inspect "$R/test/img:v1")
is "the host platform was chosen from the index" "$(jq -r '.[0].Architecture' <<<"$insp")" amd64
is "inspect lists three layers" "$(jq '.[0].Layers | length' <<<"$insp")" 3
is "inspect names the index" "$(jq -r '.[0].Index' <<<"$insp")" "$(cat "$L/.index")"
is "inspect shows the history" "$(jq -r '.[0].History[2].created_by' <<<"$insp")" "layer 3"
is "three layer directories, one per chain ID" "$(($(ls "$GLASS_ROOT/layers" | grep -c '^[0-9a-f]\{64\}$') - nlayers))" 3
for c in $(jq -r '.[0].Layers[].ChainID' <<<"$insp"); do [ -d "$GLASS_ROOT/layers/${c#sha256:}/diff" ] || echo "missing $c"; done >"$TEST_TMP/missing"
is "each chain ID has its layer directory" "$(cat "$TEST_TMP/missing")" ""
runs "merged fs: whiteout deletes, opaque dir hides lower" '^keep.txt new.txt / upper$' \
	"$R/test/img:v1" sh -c 'echo $(ls /data) / $(ls /opq)'
runs "merged fs: hard link and symlink" '^same target$' "$R/test/img:v1" \
	sh -c '[ $(stat -c %i /links/hard) = $(stat -c %i /links/target) ] && echo same $(cat /links/sym)'
runs "image config: Env and WorkingDir" '^1 /data$' "$R/test/img:v1" sh -c 'echo $GLASS_TEST $(pwd)'
dig=$(cat "$L/.index")
ok "pull by digest" G pull -q --tls-verify=false "$R/test/img@$dig"
ok "pull --platform linux/arm64" G pull -q --tls-verify=false --platform linux/arm64 "$R/test/img:v1"
is "shared layers are unpacked once (arm64 reuses them)" "$(($(ls "$GLASS_ROOT/layers" | grep -c '^[0-9a-f]\{64\}$') - nlayers))" 3
is "--platform picked the arm64 manifest" \
	"$(G image inspect "$R/test/img:v1" | jq -r '.[0].Digest')" "$(cat "$L/.manifest-arm64")"
out=$(G pull --tls-verify=false --platform linux/s390x "$R/test/img:v1" 2>&1)
like "an unknown platform lists what the index offers" "$out" "linux/amd64, linux/arm64"
out=$(G pull --tls-verify=false "$R/test/nothere:v1" 2>&1)
like "a missing image is a clear error" "$out" "HTTP 404"

# many small files, zstd and gzip, pulled under a low open-file limit
export GLASS_ROOT=$TEST_TMP/root-small
SM=$TEST_TMP/small-layout
mkdir -p "$SM/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' >"$SM/oci-layout"
small_files_tar "$TEST_TMP/small.tar" 50000
zstd -q -c "$TEST_TMP/small.tar" >"$TEST_TMP/small.tzst"
gzip -1 -n -c "$TEST_TMP/small.tar" >"$TEST_TMP/small.tgz"
read -r zd zs < <(oci_add_blob "$SM" "$TEST_TMP/small.tzst")
read -r gd gs < <(oci_add_blob "$SM" "$TEST_TMP/small.tgz")
si=sha256:$(sha256sum <"$TEST_TMP/small.tar" | cut -d' ' -f1)
jq -n --arg i "$si" '{architecture:"amd64",os:"linux",config:{Cmd:["sh"]},rootfs:{type:"layers",diff_ids:[$i,$i]}}' >"$TEST_TMP/smallcfg.json"
read -r cd cs < <(oci_add_blob "$SM" "$TEST_TMP/smallcfg.json")
jq -n --arg cd "$cd" --argjson cs "$cs" --arg zd "$zd" --argjson zs "$zs" --arg gd "$gd" --argjson gs "$gs" \
	'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},
	  layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+zstd",digest:$zd,size:$zs},{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$gd,size:$gs}]}' >"$TEST_TMP/smallman.json"
read -r md ms < <(oci_add_blob "$SM" "$TEST_TMP/smallman.json")
jq -n --arg d "$md" --argjson s "$ms" '{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":"v1"}}]}' >"$SM/index.json"
ok "skopeo pushes a zstd + gzip image of 50,000 small files a layer" \
	skopeo copy -q --dest-tls-verify=false "oci:$SM:v1" "docker://$R/test/small:v1"
out=$( (ulimit -n 128; "$ENGINE" pull -q --tls-verify=false "$R/test/small:v1") 2>&1)
check "it pulls with ulimit -n 128" $?
insp=$(G image inspect "$R/test/small:v1")
for k in 0 1; do
	c=$(jq -r ".[0].Layers[$k].ChainID" <<<"$insp")
	is "layer $k ($(jq -r ".[0].Layers[$k].MediaType" <<<"$insp" | sed 's/.*+//')): all files unpacked" \
		"$(find "$GLASS_ROOT/layers/${c#sha256:}/diff" -type f | wc -l)" 50000
done
export GLASS_ROOT=$TEST_TMP/root

GLASS_ROOT=$TEST_TMP/root-fresh runs "run pulls a missing image first" '^keep.txt new.txt$' \
	-q --tls-verify=false "$R/test/img:v1" sh -c 'echo $(ls /data)'

# two pulls of the same image at once share the work safely
export GLASS_ROOT=$TEST_TMP/root-conc
"$ENGINE" pull -q --tls-verify=false "$R/test/img:v1" >"$TEST_TMP/c1" 2>&1 &
c1=$!
"$ENGINE" pull -q --tls-verify=false "$R/test/img:v1" >"$TEST_TMP/c2" 2>&1 &
c2=$!
wait $c1
r1=$?
wait $c2
r2=$?
is "two concurrent pulls both succeed" "$r1 $r2" "0 0"
is "the image is named once" "$(jq '.manifests | length' "$GLASS_ROOT/store/index.json")" 1
is "no temporary layer dirs left" "$(ls -A "$GLASS_ROOT/layers" | grep -c '^\.tmp')" 0
export GLASS_ROOT=$TEST_TMP/root

# --- HTTPS + htpasswd -----------------------------------------------------
T=$TEST_TMP/tls
make_tls "$T" || skip_all "openssl failed"
sport=$(free_port)
start_registry "$TEST_TMP/sreg" "$sport" "$T" || skip_all "TLS registry did not start"
S=127.0.0.1:$sport
ok "skopeo pushes to the HTTPS registry with auth" \
	skopeo copy -q --dest-cert-dir "$T/certs" --dest-creds glass:secret "oci:$L:v1" "docker://$S/auth/img:v1"
out=$(G pull "$S/auth/img:v1" 2>&1)
like "an untrusted CA is refused with a hint" "$out" "cert-dir"
out=$(G pull --cert-dir "$T/certs" "$S/auth/img:v1" 2>&1)
like "no credentials: the registry asks for a login" "$out" "(login|credentials|HTTP 401)"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$S" "$(printf glass:secret | base64)" >"$TEST_TMP/auth.json"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$S" "$(printf glass:wrong | base64)" >"$TEST_TMP/bad.json"
out=$(G pull --cert-dir "$T/certs" --authfile "$TEST_TMP/bad.json" "$S/auth/img:v1" 2>&1)
like "wrong credentials are refused" "$out" "(refused|401|authentication)"
ok "pull over HTTPS with --cert-dir and --authfile" \
	G pull -q --cert-dir "$T/certs" --authfile "$TEST_TMP/auth.json" "$S/auth/img:v1"
G image rm "$S/auth/img:v1" >/dev/null 2>&1
ok "pull with --creds" G pull -q --cert-dir "$T/certs" --creds glass:secret "$S/auth/img:v1"
G image rm "$S/auth/img:v1" >/dev/null 2>&1
ok "pull with --tls-verify=false skips the CA check" \
	G pull -q --tls-verify=false --creds glass:secret "$S/auth/img:v1"
runs "run the image pulled over HTTPS" '^keep.txt new.txt$' "$S/auth/img:v1" sh -c 'echo $(ls /data)'

# --- Bearer tokens (the docker hub flow), from a server of our own ---------
export GLASS_ROOT=$TEST_TMP/root-bearer
python3 "$(dirname "$0")/fake-registry.py" "$L" "$TEST_TMP/bport" --bearer glass:secret --log "$TEST_TMP/bearer.log" &
bpid=$!
on_exit "kill $bpid"
for _ in $(seq 50); do [ -s "$TEST_TMP/bport" ] && break; sleep 0.1; done
B=127.0.0.1:$(cat "$TEST_TMP/bport")
out=$(G pull --tls-verify=false "$B/tok/img:v1" 2>&1)
like "Bearer: without credentials the token is refused" "$out" "(token|refused|401)"
ok "Bearer: pull with credentials gets a token" G pull -q --tls-verify=false --creds glass:secret "$B/tok/img:v1"
like "Bearer: the token endpoint was asked with the scope" "$(grep -m1 '^GET /token' "$TEST_TMP/bearer.log")" "scope=repository"
kill "$bpid" 2>/dev/null; wait "$bpid" 2>/dev/null

# --- a corrupted blob -----------------------------------------------------
export GLASS_ROOT=$TEST_TMP/root2
layer2=$(jq -r '.layers[1].digest' "$L/blobs/sha256/$(cut -d: -f2 "$L/.manifest-amd64")")
python3 "$(dirname "$0")/fake-registry.py" "$L" "$TEST_TMP/fport" --corrupt "$layer2" &
fpid=$!
on_exit "kill $fpid"
for _ in $(seq 50); do [ -s "$TEST_TMP/fport" ] && break; sleep 0.1; done
F=127.0.0.1:$(cat "$TEST_TMP/fport")
fails "a corrupted layer fails the pull" -m "$layer2" G pull --tls-verify=false "$F/bad/img:v1"
like "the error names the digest mismatch" "$FAIL_OUT" "$layer2.*(digest|received)"
check "the corrupted blob is not in the store" "$([ ! -e "$GLASS_ROOT/store/blobs/sha256/${layer2#sha256:}" ]; echo $?)"
check "no partial file of the bad blob is left" "$([ ! -e "$GLASS_ROOT/store/ingest/${layer2#sha256:}.partial" ]; echo $?)"
is "no image was named" "$(G image ls -q)" ""
is "index.json is still valid and empty" "$(jq '.manifests | length' "$GLASS_ROOT/store/index.json")" 0
kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null

# --- kill -9 in the middle of a pull ----------------------------------------
export GLASS_ROOT=$TEST_TMP/root3
K=$TEST_TMP/big
mkdir -p "$K/blobs/sha256" "$TEST_TMP/bigtree"
head -c 12000000 /dev/urandom >"$TEST_TMP/bigtree/random.bin"
tar -C "$TEST_TMP/bigtree" -cf "$TEST_TMP/big.tar" .
gzip -1 -c "$TEST_TMP/big.tar" >"$TEST_TMP/big.tgz"
read -r bd bs < <(oci_add_blob "$K" "$TEST_TMP/big.tgz")
bi=sha256:$(sha256sum <"$TEST_TMP/big.tar" | cut -d' ' -f1)
jq -n --arg i "$bi" '{architecture:"amd64",os:"linux",config:{Cmd:["sh"]},rootfs:{type:"layers",diff_ids:[$i]}}' >"$TEST_TMP/bigcfg.json"
read -r cd cs < <(oci_add_blob "$K" "$TEST_TMP/bigcfg.json")
jq -n --arg cd "$cd" --argjson cs "$cs" --arg bd "$bd" --argjson bs "$bs" \
	'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$bd,size:$bs}]}' >"$TEST_TMP/bigman.json"
read -r md ms < <(oci_add_blob "$K" "$TEST_TMP/bigman.json")
jq -n --arg d "$md" --argjson s "$ms" '{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":"v1"}}]}' >"$K/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$K/oci-layout"
rm -f "$TEST_TMP/fport"
python3 "$(dirname "$0")/fake-registry.py" "$K" "$TEST_TMP/fport" --slow 2000000 --log "$TEST_TMP/slow.log" &
spid=$!
on_exit "kill $spid"
for _ in $(seq 50); do [ -s "$TEST_TMP/fport" ] && break; sleep 0.1; done
F=127.0.0.1:$(cat "$TEST_TMP/fport")
"$ENGINE" pull -q --tls-verify=false "$F/big/img:v1" >/dev/null 2>&1 &
gpid=$!
partial=$GLASS_ROOT/store/ingest/${bd#sha256:}.partial
for _ in $(seq 100); do [ "$(stat -c %s "$partial" 2>/dev/null || echo 0)" -gt 1000000 ] && break; sleep 0.1; done
kill -9 "$gpid" 2>/dev/null
wait "$gpid" 2>/dev/null
got=$(stat -c %s "$partial" 2>/dev/null || echo 0)
check "the pull was killed in the middle of the layer" $((got == 0 || got >= bs))
check "after kill -9 the layer is not a visible blob" "$([ ! -e "$GLASS_ROOT/store/blobs/sha256/${bd#sha256:}" ]; echo $?)"
is "after kill -9 no image is named" "$(jq '.manifests | length' "$GLASS_ROOT/store/index.json")" 0
ok "the next pull succeeds" G pull -q --tls-verify=false "$F/big/img:v1"
like "the next pull resumed with a Range request" "$(grep "blobs/$bd" "$TEST_TMP/slow.log" | tail -1)" "bytes=[1-9][0-9]*-"
check "the resumed layer verified and stored" "$([ -e "$GLASS_ROOT/store/blobs/sha256/${bd#sha256:}" ]; echo $?)"
is "the resumed layer unpacked whole" "$(stat -c %s "$GLASS_ROOT/layers/${bi#sha256:}/diff/random.bin")" 12000000
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
finish

#!/bin/bash
# glass run IMAGE: snapshot (overlay or copy), bundle, glass-runtime,
# exit status relay, --rm cleanup, the run options, many-layer images,
# and `glass bundle`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
need_root
need_cmd jq
need_cmd zstd
export GLASS_ROOT=$TEST_TMP/root
G() { "$ENGINE" "$@"; }
RUN() { "$ENGINE" run --cgroup-parent "/$CG_PARENT" "$@" </dev/null; }
[ -x "$RUNTIME" ] || skip_all "glass-runtime not built"
out=$(RUN --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"

is "run relays the output" "$(RUN --rm busybox echo hello 2>/dev/null)" hello
RUN --rm busybox sh -c 'exit 42' >/dev/null 2>&1
is "run relays the exit code" $? 42
RUN --rm --name sig busybox sleep 30 >/dev/null 2>&1 &
spid=$!
for _ in $(seq 50); do
	[ "$(G inspect -f '{{.State.Status}}' sig 2>/dev/null)" = running ] && break
	sleep 0.1
done
G kill -s KILL sig >/dev/null 2>&1
wait $spid
is "killed by signal 9: 128+9" $? 137
fails "a missing command fails, naming it" -m '/nonexistent' RUN --rm busybox /nonexistent
is "-e sets the environment" "$(RUN --rm -e FOO=bar -e PATH=/bin busybox sh -c 'echo $FOO $PATH' 2>/dev/null)" "bar /bin"
is "-w sets the working directory" "$(RUN --rm -w /etc busybox pwd 2>/dev/null)" /etc
G bundle -u nobody busybox "$TEST_TMP/ub" >/dev/null 2>&1
is "-u name resolves in the image's /etc/passwd" "$(jq -c '[.process.user.uid, .process.user.gid]' "$TEST_TMP/ub/config.json")" "[65534,65534]"
G bundle --rm "$TEST_TMP/ub" >/dev/null 2>&1
out=$(RUN --rm -u 1000:1001 busybox sh -c 'echo $(id -u):$(id -g)' 2>&1)
if [[ $out == *exec.fifo* ]]; then
	skip "-u uid:gid inside the container" "glass-runtime cannot start a non-root process yet: $out"
else
	is "-u uid:gid inside the container" "$out" 1000:1001
fi
like "-u of an unknown user is an error" "$(RUN --rm -u nosuchuser busybox true 2>&1)" "not found in the image"
fails "--read-only: / is not writable" -m 'Read-only file system' RUN --rm --read-only busybox touch /x
hn=$(RUN --name hn1 busybox hostname 2>/dev/null)
is "hostname defaults to the short container ID (docker's)" "$hn" "$(G inspect -f '{{.Id}}' hn1 2>/dev/null | cut -c1-12)"
G rm hn1 >/dev/null 2>&1
is "the rootfs is an overlay mount" "$(RUN --rm busybox sh -c "grep ' / / ' /proc/self/mountinfo | grep -o ' - overlay '" 2>/dev/null)" " - overlay "

# --rm leaves nothing; without it the container's changes stay on disk
ids() { find "$GLASS_ROOT/containers" -mindepth 1 -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}' 2>/dev/null; }
RUN --rm --name gone busybox sh -c 'echo x >/tmp/f' >/dev/null 2>&1
is "--rm removes the container's directory (snapshot, record)" "$(ids)" ""
is "--rm removes the runtime state" "$(ls "$GLASS_ROOT/runtime")" ""
is "--rm leaves no mount" "$(grep -c "$GLASS_ROOT/containers" /proc/self/mountinfo)" 0
RUN --name kept busybox sh -c 'echo x >/tmp/f' >/dev/null 2>&1
is "without --rm the upper dir keeps the writes" "$(cat "$(G inspect -f '{{.GraphDriver.Data.UpperDir}}' kept)/tmp/f" 2>&1)" x
like "the name is taken" "$(RUN --name kept busybox true 2>&1)" "is already in use"
ok "rm removes the exited container" G rm kept
is "and its mount" "$(grep -c "$GLASS_ROOT/containers" /proc/self/mountinfo)" 0

# resources become linux.resources in the container's cgroup
RUN --rm --name res -m 64m --cpus 0.5 busybox sleep 3 >/dev/null 2>&1 &
rpid=$!
mem="" quota=""
for _ in $(seq 50); do
	mem=$(cat /sys/fs/cgroup/memory/"$CG_PARENT"/*/memory.limit_in_bytes 2>/dev/null ||
		cat /sys/fs/cgroup/"$CG_PARENT"/*/memory.max 2>/dev/null)
	quota=$(cat /sys/fs/cgroup/cpu/"$CG_PARENT"/*/cpu.cfs_quota_us 2>/dev/null ||
		cut -d' ' -f1 /sys/fs/cgroup/"$CG_PARENT"/*/cpu.max 2>/dev/null)
	[ -n "$mem" ] && break
	sleep 0.1
done
wait $rpid
is "--memory 64m sets the memory limit" "$mem" 67108864
is "--cpus 0.5 sets the CFS quota" "$quota" 50000

# the copy snapshotter: same merged view without overlayfs
L=$TEST_TMP/layout
build_test_layout "$L"
G image import "$L" >/dev/null 2>&1
is "overlay: whiteout and opaque dir" "$(RUN --rm localhost/layout:v1 sh -c 'echo $(ls /data) / $(ls /opq)' 2>/dev/null)" "keep.txt new.txt / upper"
out=$(GLASS_SNAPSHOTTER=copy RUN --rm localhost/layout:v1 sh -c 'echo $(ls /data) / $(ls /opq); stat -c %i /links/hard /links/target | uniq | wc -l' 2>&1)
like "copy fallback is reported" "$out" "copying the layers"
like "copy: whiteout deletes, opaque dir hides lower" "$out" "keep.txt new.txt / upper"
like "copy: hard links stay hard links" "$out" $'\n1$'

# many layers: short lowerdir names keep the mount options within a page
M=$TEST_TMP/many
mkdir -p "$M/blobs/sha256" "$TEST_TMP/ml"
echo '{"imageLayoutVersion":"1.0.0"}' >"$M/oci-layout"
layers="" diffs=""
read -r d s < <(oci_add_blob "$M" <(tar -C "$ROOTFS" -cf - . | gzip -n))
# process substitution gives no stable file: store the base layer explicitly
tar -C "$ROOTFS" --sort=name -cf "$TEST_TMP/ml/base.tar" .
read -r d s < <(oci_add_blob "$M" "$TEST_TMP/ml/base.tar")
layers="{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$d\",\"size\":$s}"
diffs="\"$d\""
for i in $(seq 1 120); do
	mkdir -p "$TEST_TMP/ml/$i/layers"
	echo "$i" >"$TEST_TMP/ml/$i/layers/$i"
	tar -C "$TEST_TMP/ml/$i" -cf "$TEST_TMP/ml/$i.tar" .
	read -r d s < <(oci_add_blob "$M" "$TEST_TMP/ml/$i.tar")
	layers="$layers,{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$d\",\"size\":$s}"
	diffs="$diffs,\"$d\""
done
echo "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diffs]}}" >"$TEST_TMP/ml/config.json"
read -r cd cs < <(oci_add_blob "$M" "$TEST_TMP/ml/config.json")
echo "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$cd\",\"size\":$cs},\"layers\":[$layers]}" >"$TEST_TMP/ml/manifest.json"
read -r md ms < <(oci_add_blob "$M" "$TEST_TMP/ml/manifest.json")
echo "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$md\",\"size\":$ms,\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}" >"$M/index.json"
ok "import a 121-layer image" G image import --name many:v1 "$M"
is "run a 121-layer image on overlayfs (options fit a page)" "$(RUN --rm many:v1 sh -c 'ls /layers | wc -l; grep -c " / / .* overlay " /proc/self/mountinfo' 2>/dev/null | tr '\n' ' ')" "120 1 "

# glass bundle
B=$TEST_TMP/bundle
ok "glass bundle writes a bundle" G bundle busybox "$B" echo from-bundle
is "config.json: args from the command line" "$(jq -c .process.args "$B/config.json")" '["echo","from-bundle"]'
like "config.json: the default seccomp profile is included" "$(jq -r '.linux.seccomp.defaultAction' "$B/config.json")" "SCMP_ACT_"
jq --arg cg "/$CG_PARENT/bundle1" '.linux.cgroupsPath = $cg' "$B/config.json" >"$B/c.new" && mv "$B/c.new" "$B/config.json"
is "glass-runtime runs the bundle" "$("$RUNTIME" --root "$STATE" run --bundle "$B" bundle1 </dev/null 2>&1)" from-bundle
ok "glass bundle --rm removes the snapshot" G bundle --rm "$B"
is "no snapshot mount left" "$(grep -c "$GLASS_ROOT/containers/bundle-" /proc/self/mountinfo)" 0
finish

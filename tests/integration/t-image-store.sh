#!/bin/bash
# The image store without a registry: the built-in image, import of OCI
# layouts / OCI archives / docker-save archives, export read back by skopeo
# and podman, ls/inspect/rm/prune with reference counting, crash safety of
# the layout on disk.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
need_root
need_cmd jq
need_cmd zstd
export GLASS_ROOT=$TEST_TMP/root
G() { "$ENGINE" "$@"; }
ST=$GLASS_ROOT/store

# the built-in image, imported on first use
like "image ls imports the built-in busybox on first use" "$(G image inspect busybox 2>/dev/null | jq -r '.[0].Name')" '^localhost/busybox:latest$'
like "it is listed" "$(G image ls)" "localhost/busybox +latest"
is "the store is an OCI layout" "$(jq -r .imageLayoutVersion "$ST/oci-layout")" 1.0.0
bad=0
for b in "$ST"/blobs/sha256/*; do [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || bad=1; done
check "every blob's name is its sha256" $bad
like "image ls --format json" "$(G image ls --format json | jq -r '.[0].Repository')" localhost/busybox
is "image ls -q prints short IDs" "$(G image ls -q | awk '{print length($0)}')" 12
id=$(G image ls -q)
is "inspect by ID prefix" "$(G image inspect "${id:0:6}" | jq -r '.[0].Name')" localhost/busybox:latest
fails "inspect of an unknown image fails" G image inspect nosuchimage

# import an OCI layout directory (multi-arch index, tag v1)
L=$TEST_TMP/layout
build_test_layout "$L"
like "import an OCI layout" "$(G image import "$L" 2>&1)" "Loaded image: localhost/layout:v1"
is "the host platform was selected" "$(G image inspect localhost/layout:v1 | jq -r '.[0].Digest')" "$(cat "$L/.manifest-amd64")"
like "import --platform linux/arm64 --name (normalised like podman)" "$(G image import --platform linux/arm64 --name arm/img:1 "$L" 2>&1)" "docker.io/arm/img:1"
is "arm64 manifest imported" "$(G image inspect arm/img:1 | jq -r '.[0].Architecture')" arm64
chains=$(ls "$GLASS_ROOT/layers" | grep -c '^[0-9a-f]\{64\}$')
is "import unpacked 3 layers, shared by amd64 and arm64" "$chains" 3

# OCI archive
(cd "$L" && tar -cf "$TEST_TMP/layout.tar" oci-layout index.json blobs)
like "import an OCI archive" "$(G image import --name fromtar:v2 "$TEST_TMP/layout.tar" 2>&1)" "localhost/fromtar:v2"
check "the archive's temp dir is gone" "$([ -z "$(ls -A "$GLASS_ROOT/tmp" 2>/dev/null)" ]; echo $?)"

# reference counting: rm keeps blobs other images use
lay2=$(jq -r '.[0].Layers[1].Digest' < <(G image inspect localhost/layout:v1))
cfg_amd=$(G image inspect localhost/layout:v1 | jq -r '.[0].Id')
ok "image rm localhost/layout:v1" G image rm localhost/layout:v1
check "a layer another image uses stays" "$([ -e "$ST/blobs/sha256/${lay2#sha256:}" ]; echo $?)"
check "the config only it used is still kept by fromtar:v2 (same image)" "$([ -e "$ST/blobs/sha256/${cfg_amd#sha256:}" ]; echo $?)"
ok "image rm fromtar:v2" G image rm fromtar:v2
check "now its config is gone" "$([ ! -e "$ST/blobs/sha256/${cfg_amd#sha256:}" ]; echo $?)"
check "the shared layer still stays (arm/img:1)" "$([ -e "$ST/blobs/sha256/${lay2#sha256:}" ]; echo $?)"
ok "image rm arm/img:1" G image rm arm/img:1
check "the last user gone: the layer blob is removed" "$([ ! -e "$ST/blobs/sha256/${lay2#sha256:}" ]; echo $?)"
is "no layer dirs left" "$(ls "$GLASS_ROOT/layers" | grep -c '^[0-9a-f]\{64\}$')" 0
is "no dangling short links" "$(find "$GLASS_ROOT/layers/l" -xtype l | wc -l)" 0
fails "rm of an unknown image fails" G image rm nosuch:tag

# tag and save (the operations glass serve's tag and get call)
ok "image tag busybox mine/bb:1" G image tag busybox mine/bb:1
is "the tag names the same image" "$(G image inspect mine/bb:1 | jq -r '.[0].Id')" "$(G image inspect busybox | jq -r '.[0].Id')"
fails "image rm by ID of an image with two names needs -f" -m "referenced in multiple repositories" \
	G image rm "$(G image inspect busybox | jq -r '.[0].Id')"
ok "image save -o" G image save -o "$TEST_TMP/saved.tar" mine/bb:1
is "the archive is a docker save (RepoTags)" "$(tar xOf "$TEST_TMP/saved.tar" manifest.json | jq -r '.[0].RepoTags[0]')" "mine/bb:1"
is "image rm mine/bb:1 untags only" "$(G image rm mine/bb:1)" "Untagged: mine/bb:1"
like "image import reads the saved archive back" "$(G image import "$TEST_TMP/saved.tar" 2>&1)" "docker.io/mine/bb:1"
ok "image rm docker.io/mine/bb:1" G image rm docker.io/mine/bb:1

# prune removes leftovers of an interrupted run (partials of dead writers, tmp dirs)
head -c 1000 /dev/urandom >"$ST/ingest/$(printf '%064d' 0).partial"
mkdir -p "$GLASS_ROOT/layers/.tmp-999999-0/diff"
ok "image prune" G image prune
is "stale partial removed" "$(ls "$ST/ingest" | wc -l)" 0
check "stale tmp layer removed" "$([ ! -e "$GLASS_ROOT/layers/.tmp-999999-0" ]; echo $?)"
like "busybox survives prune" "$(G image ls)" "localhost/busybox"

# export, read back by skopeo and podman
G image import "$L" >/dev/null 2>&1
ok "export to an OCI layout" G image export localhost/layout:v1 "$TEST_TMP/exp"
ok "export to an OCI archive" G image export localhost/layout:v1 "$TEST_TMP/exp.tar"
if command -v skopeo >/dev/null; then
	like "skopeo inspects the exported layout" "$(skopeo inspect "oci:$TEST_TMP/exp:v1" 2>&1 | jq -r '.Layers | length')" '^3$'
	like "skopeo inspects the exported archive" "$(skopeo inspect "oci-archive:$TEST_TMP/exp.tar:v1" 2>&1 | jq -r .Architecture)" '^amd64$'
	G image export busybox "$TEST_TMP/exp-bb" >/dev/null 2>&1
	ok "skopeo writes a docker-save archive from an export" skopeo copy -q "oci:$TEST_TMP/exp-bb:latest" "docker-archive:$TEST_TMP/docker.tar:test/saved:v3"
	like "import a docker-save archive" "$(G image import "$TEST_TMP/docker.tar" 2>&1)" "docker.io/test/saved:v3"
	is "same layers after the round trip" \
		"$(G image inspect docker.io/test/saved:v3 | jq -r '[.[0].Layers[].DiffID] | join(",")')" \
		"$(G image inspect busybox | jq -r '[.[0].Layers[].DiffID] | join(",")')"
else
	missing "skopeo round trip" "skopeo not installed"
fi
if command -v podman >/dev/null; then
	rmdir_if_new /run/containers /run/containers/networks
	P="podman --root $TEST_TMP/podman/root --runroot $TEST_TMP/podman/run --tmpdir $TEST_TMP/podman/tmp --storage-driver vfs"
	out=$($P load -i "$TEST_TMP/exp.tar" 2>&1)
	like "podman loads the exported archive" "$out" "Loaded image"
	like "podman lists it" "$($P images --format '{{.Repository}}:{{.Tag}}' 2>&1)" "v1"
	$P rmi -af >/dev/null 2>&1
else
	missing "podman load" "podman not installed"
fi

# the on-disk index survives a writer killed at any point: it is replaced atomically
before=$(jq -c . "$ST/index.json")
for i in $(seq 5); do
	G image import --name "loop/img:$i" "$L" >/dev/null 2>&1 &
	p=$!
	sleep 0.0$((RANDOM % 9))
	kill -9 $p 2>/dev/null
	wait $p 2>/dev/null
	jq . "$ST/index.json" >/dev/null 2>&1 || echo "index.json broken after kill $i"
done >"$TEST_TMP/kills"
is "index.json stays valid JSON across kill -9 of importers" "$(cat "$TEST_TMP/kills")" ""
bad=0
for b in "$ST"/blobs/sha256/*; do [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || bad=1; done
check "every visible blob still matches its digest" $bad
finish

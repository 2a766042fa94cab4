/* Experiment 4: overlay, layers live.
 *
 * A container's root filesystem is an overlay mount: the image's layers,
 * read-only, under a writable upper directory of the container's own.
 * The worker builds one from a real image in the store: it enters a mount
 * namespace of its own (so nothing it mounts is seen by the host), unpacks
 * the image's layers (the store's own unpacked directories), adds one
 * layer of its own on top of them (a large file, a directory to delete and
 * make again, one to rename, a file with two names: what the lessons need
 * and a small image lacks), and mounts overlay with the learner's options
 * (redirect_dir, index).  A real container runs on that mount; every
 * action is done by the container's own process (glass-probe fs serve),
 * through the merged mount, and each is followed by a fresh read of the
 * upper layer and of the merged view.  A bind-mounted directory, the
 * volume, holds a file of the same size: the same write there copies
 * nothing up.
 */
#include "container.h"
#include "image.h"
#include "lab.h"
#include "store.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LAYERS 64
#define ANSWER_MS  120000

static const char *const ops[] = {"write",  "delete", "rmtree-mkdir", "rename", "link",
                                  "lookup", NULL};
static const char *const probe_ops[] = {"write", "unlink", "rmtree-mkdir", "rename", "link", NULL};

/* ---- requests (server side) ---- */

static int ov_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind",  "image",  "redirect_dir",
	                                   "index", "big_mb", NULL};
	bool redirect, index;
	long long big;
	json_object *v;
	if (!lab_req_only(req, keys, why) ||
	    !lab_req_bool(req, "redirect_dir", false, &redirect, why) ||
	    !lab_req_bool(req, "index", false, &index, why) ||
	    !lab_req_int(req, "big_mb", 1, 256, 100, &big, why))
		return -1;
	const char *image = "builtin";
	if (json_object_object_get_ex(req, "image", &v)) {
		image = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (!image || !lab_image_ref_ok(image)) {
			snprintf(why, LAB_WHY_SIZE,
			         "image: expected \"builtin\" or the name of an image in "
			         "the store");
			return -1;
		}
	}
	json_object_object_add(p, "image", json_object_new_string(image));
	json_object_object_add(p, "redirect_dir", json_object_new_boolean(redirect));
	json_object_object_add(p, "index", json_object_new_boolean(index));
	json_object_object_add(p, "big_mb", json_object_new_int64(big));
	return 0;
}

/* A path in the container's merged root: absolute, no "..", nothing the
 * probe's line format could split, not under the volume or a kernel
 * filesystem (the container mounts none, but the name is refused anyway). */
static bool path_ok(const char *p, char *why)
{
	size_t n = strlen(p);
	if (p[0] != '/' || n < 2 || n > 255 || strstr(p, "/../") || strstr(p, "//") ||
	    (n >= 3 && strcmp(p + n - 3, "/..") == 0) || p[n - 1] == '/') {
		snprintf(why, LAB_WHY_SIZE, "path: expected an absolute path without \"..\"");
		return false;
	}
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			snprintf(why, LAB_WHY_SIZE, "path: control characters are not allowed");
			return false;
		}
	static const char *const no[] = {"/proc", "/sys", "/dev", NULL};
	for (size_t i = 0; no[i]; i++) {
		size_t l = strlen(no[i]);
		if (strncmp(p, no[i], l) == 0 && (p[l] == '/' || !p[l])) {
			snprintf(why, LAB_WHY_SIZE, "path: %s is not part of the image", no[i]);
			return false;
		}
	}
	return true;
}

static char *ov_action(json_object *req, char *why)
{
	static const char *const keys[] = {"op", "path", NULL};
	const char *op;
	json_object *v;
	if (!lab_req_only(req, keys, why) || !lab_req_enum(req, "op", ops, NULL, &op, why))
		return NULL;
	if (!op || !json_object_object_get_ex(req, "path", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(why, LAB_WHY_SIZE,
		         op ? "path: expected a path in the container"
		            : "op: expected one of write, delete, rmtree-mkdir, "
		              "rename, link, lookup");
		return NULL;
	}
	const char *path = json_object_get_string(v);
	if (!path_ok(path, why))
		return NULL;
	if (strcmp(op, "lookup") != 0 && strncmp(path, "/volume", 7) == 0 &&
	    (!path[7] || path[7] == '/') &&
	    !(strcmp(op, "write") == 0 && strcmp(path, "/volume/big.bin") == 0)) {
		snprintf(why, LAB_WHY_SIZE,
		         "path: in the volume only the write to /volume/big.bin");
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "path", json_object_new_string(path));
	return lab_json_steal(o);
}

static json_object *ov_info(void)
{
	return lab_image_names();
}

/* ---- the worker ---- */

struct ov {
	char dir[512];
	char upper[600], work[600], merged[600], lab[600], volume[600];
	const char *layers[MAX_LAYERS + 2]; /* upper, lab, the image's top down */
	const char *roles[MAX_LAYERS + 2];
	char *owned[MAX_LAYERS];
	size_t nlayers, nowned;
	int to_probe, from_probe;
	struct strbuf pending;
	bool index;
	char options[64]; /* redirect_dir=..,index=.. as mounted */
};

static int write_big(const char *path, long long mb, struct glass_err **err)
{
	static char block[1 << 20];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char)('a' + i % 26);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", path);
	for (long long i = 0; i < mb; i++)
		if (write_all(fd, block, sizeof(block)) < 0)
			return glass_err_new(err, errno, "write(\"%s\")", path);
	return 0;
}

static int put_file(const char *path, const char *text, struct glass_err **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return glass_err_new(err, errno, "write(\"%s\")", path);
	return 0;
}

/* The lab's own layer: /data with what the lessons act on. */
static int make_lab_layer(struct ov *o, long long big_mb, struct glass_err **err)
{
	static const char *const dirs[] = {"data", "data/dir-a", "data/dir-b", "data/dir-b/inner"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cleanup_free char *d = xasprintf("%s/%s", o->lab, dirs[i]);
		if (mkdir_p(d, 0755) < 0)
			return glass_err_new(err, errno, "mkdir(\"%s\")", d);
	}
	cleanup_free char *big = xasprintf("%s/data/big.bin", o->lab);
	cleanup_free char *note = xasprintf("%s/data/notes.txt", o->lab);
	cleanup_free char *a1 = xasprintf("%s/data/dir-a/one.txt", o->lab);
	cleanup_free char *a2 = xasprintf("%s/data/dir-a/two.txt", o->lab);
	cleanup_free char *b1 = xasprintf("%s/data/dir-b/inner/three.txt", o->lab);
	cleanup_free char *hl = xasprintf("%s/data/hardlink-1.txt", o->lab);
	cleanup_free char *hl2 = xasprintf("%s/data/hardlink-2.txt", o->lab);
	if (write_big(big, big_mb, err) < 0 ||
	    put_file(note, "a small file of the lab's layer\n", err) < 0 ||
	    put_file(a1, "one\n", err) < 0 || put_file(a2, "two\n", err) < 0 ||
	    put_file(b1, "three\n", err) < 0 || put_file(hl, "one inode, two names\n", err) < 0)
		return -1;
	if (link(hl, hl2) < 0)
		return glass_err_new(err, errno, "link(\"%s\")", hl2);
	cleanup_free char *vbig = xasprintf("%s/big.bin", o->volume);
	return write_big(vbig, big_mb, err);
}

static int copy_probe(const char *rootfs, const char *volume, struct glass_err **err)
{
	cleanup_free char *from = xasprintf("%s/usr/bin/glass-probe", rootfs);
	cleanup_free char *to = xasprintf("%s/glass-probe", volume);
	size_t len = 0;
	cleanup_free char *data = read_file_at(AT_FDCWD, from, &len);
	if (!data)
		return glass_err_new(err, errno, "read(\"%s\")", from);
	cleanup_close int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write_all(fd, data, len) < 0)
		return glass_err_new(err, errno, "write(\"%s\")", to);
	return 0;
}

/* The image's layer directories, unpacked by the store, topmost first. */
static int image_layers(struct ov *o, json_object *p, struct glass_err **err)
{
	struct glass_store *s = NULL;
	struct glass_image *img = NULL;
	char **dirs = NULL;
	int rc =
	    lab_image_open(lab_param_str(p, "image"), lab_param_str(p, "rootfs"), &s, &img, err);
	if (rc == 0)
		rc = glass_image_unpack(s, img, false, &dirs, err);
	size_t n = 0;
	while (rc == 0 && dirs[n])
		n++;
	json_object *ev = lab_event("image");
	if (img) {
		json_object_object_add(ev, "name",
		                       json_object_new_string(img->name ? img->name : ""));
		json_object_object_add(ev, "manifest",
		                       json_object_new_string(img->manifest_digest));
		json_object_object_add(ev, "id", json_object_new_string(img->config_digest));
	}
	for (size_t i = n; i-- > 0 && o->nowned < MAX_LAYERS;) {
		cleanup_free char *rel = xasprintf("%s/layers/%s", s->root, dirs[i]);
		char real[4096];
		if (!realpath(rel, real)) {
			rc = glass_err_new(err, errno, "realpath(\"%s\")", rel);
			break;
		}
		o->owned[o->nowned] = xstrdup(real);
		o->layers[o->nlayers] = o->owned[o->nowned++];
		o->roles[o->nlayers++] = "image";
	}
	json_object_object_add(ev, "layers", json_object_new_int((int)n));
	lab_emit(ev);
	glass_manifest_strv_free(dirs);
	glass_image_free(img);
	if (s)
		glass_store_close(s);
	return rc;
}

static int mount_overlay(struct ov *o, json_object *p, struct glass_err **err)
{
	struct strbuf opts = STRBUF_INIT;
	strbuf_printf(&opts, "lowerdir=");
	for (size_t i = 1; i < o->nlayers; i++)
		strbuf_printf(&opts, "%s%s", i > 1 ? ":" : "", o->layers[i]);
	strbuf_printf(&opts, ",upperdir=%s,workdir=%s,redirect_dir=%s,index=%s", o->upper, o->work,
	              lab_param_bool(p, "redirect_dir") ? "on" : "off", o->index ? "on" : "off");
	cleanup_free char *data = strbuf_steal(&opts);
	snprintf(o->options, sizeof(o->options), "redirect_dir=%s,index=%s",
	         lab_param_bool(p, "redirect_dir") ? "on" : "off", o->index ? "on" : "off");
	glass_trace_phase("rootfs");
	return glass_sys_mount("overlay", o->merged, "overlay", 0, data, "root.path", err);
}

/* A mount namespace of the worker's own, whose mounts never reach the
 * host: / becomes a slave of the host's (events flow in, not out). */
static int private_mounts(struct glass_err **err)
{
	glass_trace_phase("namespaces");
	if (glass_sys_unshare(CLONE_NEWNS, NULL, err) < 0)
		return -1;
	return glass_sys_mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL, NULL, err);
}

static int build(struct ov *o, json_object *p, struct glass_err **err)
{
	const char *dir = lab_param_str(p, "dir");
	snprintf(o->dir, sizeof(o->dir), "%s", dir);
	snprintf(o->upper, sizeof(o->upper), "%s/upper", dir);
	snprintf(o->work, sizeof(o->work), "%s/work", dir);
	snprintf(o->merged, sizeof(o->merged), "%s/merged", dir);
	snprintf(o->lab, sizeof(o->lab), "%s/lab-layer", dir);
	snprintf(o->volume, sizeof(o->volume), "%s/volume", dir);
	const char *mk[] = {o->upper, o->work, o->merged, o->lab, o->volume};
	for (size_t i = 0; i < 5; i++)
		if (mkdir_p(mk[i], 0755) < 0)
			return glass_err_new(err, errno, "mkdir(\"%s\")", mk[i]);
	o->index = lab_param_bool(p, "index");
	o->layers[0] = o->upper;
	o->roles[0] = "upper";
	o->layers[1] = o->lab;
	o->roles[1] = "lab";
	o->nlayers = 2;
	if (make_lab_layer(o, lab_param_int(p, "big_mb"), err) < 0 ||
	    copy_probe(lab_param_str(p, "rootfs"), o->volume, err) < 0 ||
	    image_layers(o, p, err) < 0)
		return -1;
	glass_trace_set_output(GLASS_TRACE_JSON, LAB_EVENT_FD);
	int rc = private_mounts(err) == 0 && mount_overlay(o, p, err) == 0 ? 0 : -1;
	glass_trace_set_output(GLASS_TRACE_OFF, -1);
	return rc;
}

static void emit_layer(struct ov *o, size_t i)
{
	json_object *e = lab_event("layer");
	json_object_object_add(e, "index", json_object_new_int((int)i));
	json_object_object_add(e, "role", json_object_new_string(o->roles[i]));
	json_object_object_add(e, "list", lab_ov_list(o->layers[i]));
	lab_emit(e);
}

static void emit_state(struct ov *o)
{
	emit_layer(o, 0);
	json_object *e = lab_event("merged");
	json_object_object_add(e, "list", lab_ov_list(o->merged));
	lab_emit(e);
	if (o->index) {
		cleanup_free char *idx = xasprintf("%s/index", o->work);
		e = lab_event("index");
		json_object_object_add(e, "list", lab_ov_list(idx));
		lab_emit(e);
	}
}

static json_object *make_config(struct ov *o, json_object *p)
{
	/* The probe from the volume: any image will do, with or without it. */
	static const char *const args[] = {"/volume/glass-probe", "fs", "serve", NULL};
	static const char *const bind[] = {"rbind", "rw", "nosuid", "nodev", NULL};
	struct lab_config c = {
	    .ns = {true, true, true, true, true, false, false, false},
	    .rootfs = o->merged,
	    .cgroup = lab_param_str(p, "cgroup"),
	    .hostname = "glass-overlay",
	    .args = args,
	    .root_rw = true,
	};
	json_object *cfg = lab_config_json(&c);
	/* The volume beside the runtime's /proc, /dev and /sys (which the
	 * page's paths may not name). */
	lab_config_add_mount(cfg, "/volume", "bind", o->volume, bind);
	return cfg;
}

/* One operation by the container's process: a line out, a line back. */
static json_object *ask_probe(struct ov *o, const char *op, const char *a, const char *b)
{
	cleanup_free char *line =
	    b ? xasprintf("%s\t%s\t%s\n", op, a, b) : xasprintf("%s\t%s\n", op, a);
	if (write_all(o->to_probe, line, strlen(line)) < 0)
		return NULL;
	for (int waited = 0; waited < ANSWER_MS && !lab_worker_stop;) {
		char *nl = o->pending.len ? memchr(o->pending.buf, '\n', o->pending.len) : NULL;
		if (nl) {
			*nl = '\0';
			json_object *r = json_tokener_parse(o->pending.buf);
			size_t used = (size_t)(nl - o->pending.buf) + 1;
			memmove(o->pending.buf, nl + 1, o->pending.len - used);
			o->pending.len -= used;
			return r;
		}
		struct pollfd pfd = {.fd = o->from_probe, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0) {
			waited += 200;
			continue;
		}
		char buf[4096];
		ssize_t n = read(o->from_probe, buf, sizeof(buf));
		if (n <= 0)
			return NULL;
		strbuf_append(&o->pending, buf, (size_t)n);
	}
	return NULL;
}

static void act(struct ov *o, const char *op, const char *path)
{
	json_object *e = lab_event("action");
	json_object_object_add(e, "op", json_object_new_string(op));
	json_object_object_add(e, "path", json_object_new_string(path));
	if (strcmp(op, "lookup") == 0) {
		json_object_object_add(
		    e, "lookup", lab_ov_lookup(o->merged, o->layers, o->roles, o->nlayers, path));
		lab_emit(e);
		return;
	}
	size_t k = 0;
	while (ops[k] && strcmp(ops[k], op) != 0)
		k++;
	cleanup_free char *to = NULL;
	if (strcmp(op, "rename") == 0)
		to = xasprintf("%s-renamed", path);
	else if (strcmp(op, "link") == 0)
		to = xasprintf("%s.link", path);
	json_object *r = ask_probe(o, probe_ops[k], path, to);
	json_object_object_add(e, "result", r);
	lab_emit(e);
	emit_state(o);
}

static void serve(struct ov *o)
{
	while (!lab_worker_stop) {
		char *line = NULL;
		int got = lab_control_line(1000, &line);
		if (got < 0)
			return;
		if (got == 0)
			continue;
		json_object *req = json_tokener_parse(line), *op, *path;
		free(line);
		if (req && json_object_object_get_ex(req, "op", &op) &&
		    json_object_object_get_ex(req, "path", &path))
			act(o, json_object_get_string(op), json_object_get_string(path));
		json_object_put(req);
	}
}

/* The container on the merged mount, serving the page's actions. */
static int run_container(struct ov *o, json_object *p)
{
	struct glass_err *err = NULL;
	json_object *cfg = make_config(o, p);
	cleanup_free char *bundle = xasprintf("%s/bundle", o->dir);
	cleanup_free char *state = xasprintf("%s/state", o->dir);
	cleanup_free char *id =
	    xasprintf("glass-lab-%lld-%s", lab_param_int(p, "lab_pid"), lab_param_str(p, "id"));
	int wr = lab_write_bundle(bundle, cfg, &err);
	json_object_put(cfg);
	if (wr < 0 || mkdir_p(state, 0711) < 0) {
		lab_emit_error(err, "bundle");
		glass_err_free(&err);
		return -1;
	}
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid_t init = 0;
	int rc = lab_start_container_io(state, id, bundle, in[0], out[1], &init);
	close(in[0]);
	close(out[1]);
	o->to_probe = in[1];
	o->from_probe = out[0];
	if (rc == 0) {
		json_object *e = lab_event("running");
		json_object_object_add(e, "init_pid", json_object_new_int(init));
		lab_emit(e);
		emit_state(o);
		serve(o);
		close(o->to_probe); /* the probe's stdin ends: it exits */
		o->to_probe = -1;
		lab_delete_container(state, id);
	}
	if (o->to_probe >= 0)
		close(o->to_probe);
	close(o->from_probe);
	return rc;
}

static int run_overlay(json_object *p)
{
	struct ov o = {.to_probe = -1, .from_probe = -1};
	struct glass_err *err = NULL;
	int rc = -1;
	if (build(&o, p, &err) < 0) {
		lab_emit_error(err, "overlay");
		glass_err_free(&err);
	} else {
		json_object *e = lab_event("layers");
		json_object *roles = json_object_new_array();
		for (size_t i = 0; i < o.nlayers; i++)
			json_object_array_add(roles, json_object_new_string(o.roles[i]));
		json_object_object_add(e, "roles", roles);
		json_object_object_add(e, "merged", json_object_new_string(o.merged));
		json_object_object_add(e, "options", json_object_new_string(o.options));
		lab_emit(e);
		for (size_t i = 1; i < o.nlayers; i++)
			emit_layer(&o, i);
		rc = run_container(&o, p);
	}
	glass_sys_umount2(o.merged, MNT_DETACH, NULL, NULL);
	strbuf_release(&o.pending);
	for (size_t i = 0; i < o.nowned; i++)
		free(o.owned[i]);
	return rc;
}

static const struct lab_kind kinds[] = {
    {.name = "overlay", .params = ov_params, .action = ov_action, .run = run_overlay},
};

const struct lab_module lab_module_overlay = {
    .id = "overlay",
    .title = "4 · overlay: layers live",
    .summary = "a real image's layers as columns under the container's upper layer, the "
               "merged view beside them, where each path comes from; copy_up (with its "
               "cost on a large file), whiteouts, opaque directories, redirect_dir off "
               "(EXDEV) and on (trusted.overlay.redirect), hard links and index, and the "
               "volume that copies nothing",
    .source = "src/lab/exp-overlay.c",
    .needs = "overlayfs",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
    .info = ov_info,
};

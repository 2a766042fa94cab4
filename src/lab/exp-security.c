/* Experiment 7: the security layers under attack.
 *
 * A container is kept in by several independent layers: the capability
 * sets (checked inside each privileged syscall), the seccomp filter (run
 * at syscall entry, before the call's own checks), no_new_privs (setuid
 * bits and file capabilities ignored at execve), the user namespace (root
 * inside is an unprivileged uid outside; capabilities count only over what
 * the namespace owns), masked and read-only paths over /proc and /sys, a
 * read-only root, and the device cgroup (which device numbers may be
 * opened).  The worker runs the probe's attacks (glass-probe attack) in a
 * real container per configuration, and for each refused attack runs it
 * again with one layer removed at a time: the layer whose removal lets the
 * attack through is the one that stopped it.  When no single removal does
 * (two layers each stop it alone), each layer is tried alone on an
 * otherwise open container.  Results are cached by configuration, so each
 * distinct configuration runs once.
 *
 * The second kind, `security-audit`, judges a config the learner edits
 * (privileged, a runtime socket mounted, the host's / mounted, the host's
 * network) with the library's auditor: nothing runs and no packet is sent.
 */
#include "audit.h"
#include "lab.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum layer {
	L_CAPS,
	L_SECCOMP,
	L_NNP,
	L_USERNS,
	L_MASKED,
	L_ROPATHS,
	L_ROROOT,
	L_DEVICES,
	NLAYERS
};
static const char *const layer_names[NLAYERS] = {
    "capabilities", "seccomp",         "no_new_privs",   "user namespace",
    "masked paths", "read-only paths", "read-only root", "device cgroup"};

enum caps_set { CAPS_DEFAULT, CAPS_NONE, CAPS_ALL };

/* One configuration: the layers present, the capability set while the
 * capability layer is present, and the set the seccomp profile was made
 * for (Docker's profile allows some calls only with a capability, so the
 * profile keeps its shape when only the capabilities change). */
struct variant {
	unsigned on;
	enum caps_set caps, seccomp_for;
};

#define BIT(l) (1u << (l))
#define ON_DEFAULT                                                                                 \
	(BIT(L_CAPS) | BIT(L_SECCOMP) | BIT(L_NNP) | BIT(L_MASKED) | BIT(L_ROPATHS) |              \
	 BIT(L_DEVICES))

static const struct column {
	const char *id, *title, *flag;
	struct variant v;
} columns[] = {
    {"default", "default", "docker run", {ON_DEFAULT, CAPS_DEFAULT, CAPS_DEFAULT}},
    {"cap-drop", "no capabilities", "--cap-drop ALL", {ON_DEFAULT, CAPS_NONE, CAPS_NONE}},
    {"unconfined",
     "no seccomp",
     "--security-opt seccomp=unconfined",
     {ON_DEFAULT & ~BIT(L_SECCOMP), CAPS_DEFAULT, CAPS_DEFAULT}},
    {"nnp-off",
     "no no_new_privs",
     "noNewPrivileges: false",
     {ON_DEFAULT & ~BIT(L_NNP), CAPS_DEFAULT, CAPS_DEFAULT}},
    {"userns",
     "user namespace",
     "--userns-remap (0 → 100000)",
     {ON_DEFAULT | BIT(L_USERNS), CAPS_DEFAULT, CAPS_DEFAULT}},
    {"read-only",
     "read-only root",
     "--read-only",
     {ON_DEFAULT | BIT(L_ROROOT), CAPS_DEFAULT, CAPS_DEFAULT}},
    {"privileged", "privileged", "--privileged", {0, CAPS_ALL, CAPS_ALL}},
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static const struct attack {
	const char *name, *title, *why;
} attacks[] = {
    {"mount", "mount a filesystem", "CAP_SYS_ADMIN over the mount namespace"},
    {"unshare-user", "unshare(CLONE_NEWUSER)", "a new user namespace: full capabilities inside it"},
    {"ptrace", "ptrace another process", "a non-dumpable one needs CAP_SYS_PTRACE"},
    {"keyctl", "keyctl", "the kernel keyrings are not namespaced"},
    {"bpf", "bpf", "eBPF maps and programs: kernel memory"},
    {"reboot", "reboot", "CAP_SYS_BOOT (in a PID namespace: its own init)"},
    {"kexec", "kexec_load", "load a new kernel: CAP_SYS_BOOT over the host"},
    {"raw-socket", "a raw socket", "CAP_NET_RAW: forge packets"},
    {"sysctl", "write /proc/sys/kernel/core_pattern",
     "a host-wide knob: a helper run as host root"},
    {"kcore", "read /proc/kcore", "the kernel's memory"},
    {"mknod", "mknod a host block device and open it", "the host's disk, under every file"},
    {"setuid", "a setuid binary (as uid 1000)", "gain root through execve"},
    {"chown", "chown a host file through a bind mount", "CAP_CHOWN on files the host owns"},
    {"runtime-socket", "connect to a mounted runtime socket", "whoever connects starts containers"},
};
#define NATTACKS (sizeof(attacks) / sizeof(attacks[0]))

struct result {
	bool allowed;
	int err;
	json_object *obj; /* the probe's object, with what the host saw added */
};

/* The results of every configuration run so far. */
static struct cached {
	struct variant v;
	struct result r[NATTACKS];
} cache[96];
static size_t ncache;

struct ctx {
	json_object *p;
	const char *dir;
	char block[32]; /* "MAJ:MIN" of a host block device, "" when none */
	json_object *spec_default;
	int runs;
};

static bool same_variant(const struct variant *a, const struct variant *b)
{
	bool caps = (a->on & BIT(L_CAPS)) == (b->on & BIT(L_CAPS)) &&
	            (!(a->on & BIT(L_CAPS)) || a->caps == b->caps);
	bool sc = (a->on & BIT(L_SECCOMP)) == (b->on & BIT(L_SECCOMP)) &&
	          (!(a->on & BIT(L_SECCOMP)) || a->seccomp_for == b->seccomp_for);
	return a->on == b->on && caps && sc;
}

static struct variant without(struct variant v, enum layer l)
{
	v.on &= ~BIT(l);
	if (l == L_CAPS)
		v.caps = CAPS_ALL;
	return v;
}

/* "default − seccomp", for the page and the events. */
static char *variant_label(const struct variant *v)
{
	struct strbuf b = STRBUF_INIT;
	static const char *const cn[] = {"Docker's default", "none", "all"};
	strbuf_printf(&b, "caps: %s", cn[v->on & BIT(L_CAPS) ? v->caps : CAPS_ALL]);
	for (int l = L_SECCOMP; l < NLAYERS; l++)
		if (v->on & BIT(l))
			strbuf_printf(&b, ", %s", layer_names[l]);
	if (v->on & BIT(L_SECCOMP) && v->seccomp_for != (v->on & BIT(L_CAPS) ? v->caps : CAPS_ALL))
		strbuf_printf(&b, " (profile for caps: %s)", cn[v->seccomp_for]);
	return strbuf_steal(&b);
}

/* ---- the host side: the files the attacks aim at ---- */

/* A whole disk of the host (sysfs: /sys/dev/block/MAJ:MIN/uevent says
 * DEVTYPE=disk), or "" when the host has none. */
static void find_block_device(char *out, size_t size)
{
	out[0] = '\0';
	DIR *d = opendir("/sys/dev/block");
	struct dirent *e;
	while (d && (e = readdir(d)) && !out[0]) {
		if (e->d_name[0] == '.')
			continue;
		cleanup_free char *path = xasprintf("/sys/dev/block/%s/uevent", e->d_name);
		cleanup_free char *u = lab_read_text(path);
		if (u && strstr(u, "DEVTYPE=disk") && !strstr(u, "DEVNAME=loop") &&
		    !strstr(u, "DEVNAME=ram"))
			snprintf(out, size, "%.20s", e->d_name);
	}
	if (d)
		closedir(d);
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	cleanup_close int in = open(from, O_RDONLY | O_CLOEXEC);
	cleanup_close int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	char buf[65536];
	ssize_t n;
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return -1;
	/* chmod after chown: chown clears the setuid bit. */
	if (n < 0 || fchown(out, 0, 0) < 0 || fchmod(out, mode) < 0)
		return -1;
	return 0;
}

/* DIR/lab: host-file (owned by 1234:1234), suid-probe (root, 4755) and
 * runtime.sock (root, 0660, listening).  Returns the listening socket. */
static int make_host_dir(const char *ctxdir, const char *lab)
{
	if (mkdir_p(lab, 0755) < 0)
		return -1;
	cleanup_free char *file = xasprintf("%s/host-file", lab);
	cleanup_free char *suid = xasprintf("%s/suid-probe", lab);
	cleanup_free char *sock = xasprintf("%s/runtime.sock", lab);
	cleanup_free char *probe = xasprintf("%s/usr/bin/glass-probe", ctxdir);
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fchown(fd, 1234, 1234) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (copy_file(probe, suid, 04755) < 0)
		return -1;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(sock, 0660) < 0 ||
	    listen(s, 16) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* What the host saw of the attacks that reach its files: the owner of
 * host-file now, and who connected to runtime.sock (SO_PEERCRED). */
static void host_view(const char *lab, int lsock, json_object *attacks_arr)
{
	cleanup_free char *file = xasprintf("%s/host-file", lab);
	struct stat st;
	json_object *peer = NULL;
	int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	if (c >= 0) {
		struct ucred cr;
		socklen_t len = sizeof(cr);
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
			peer = json_object_new_object();
			json_object_object_add(peer, "pid", json_object_new_int(cr.pid));
			json_object_object_add(peer, "uid", json_object_new_int((int)cr.uid));
		}
		close(c);
	}
	for (size_t i = 0; attacks_arr && i < json_object_array_length(attacks_arr); i++) {
		json_object *a = json_object_array_get_idx(attacks_arr, i), *n;
		if (!json_object_object_get_ex(a, "name", &n))
			continue;
		const char *name = json_object_get_string(n);
		if (!strcmp(name, "chown") && stat(file, &st) == 0) {
			char o[32];
			snprintf(o, sizeof(o), "%u:%u", st.st_uid, st.st_gid);
			json_object_object_add(a, "host_owner", json_object_new_string(o));
		}
		if (!strcmp(name, "runtime-socket") && peer)
			json_object_object_add(a, "host_peer", json_object_get(peer));
	}
	json_object_put(peer);
}

/* ---- a configuration as config.json ---- */

static bool prctl_capbset_read(int cap)
{
	return prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

static json_object *caps_json(enum caps_set set)
{
	json_object *a = json_object_new_array();
	if (set == CAPS_DEFAULT) {
		size_t n;
		const int *caps = glass_seccomp_default_caps(&n);
		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, json_object_new_string(glass_cap_name(caps[i])));
	} else if (set == CAPS_ALL) {
		/* Every capability of this host's bounding set (it may lack some). */
		for (int cap = 0; cap < 64; cap++)
			if (glass_cap_name(cap) && prctl_capbset_read(cap))
				json_object_array_add(a,
				                      json_object_new_string(glass_cap_name(cap)));
	}
	return a;
}

static json_object *seccomp_json(enum caps_set set)
{
	int ints[64];
	size_t n = 0;
	json_object *names = caps_json(set);
	for (size_t i = 0; i < json_object_array_length(names) && n < 64; i++)
		ints[n++] = glass_cap_from_name(
		    json_object_get_string(json_object_array_get_idx(names, i)));
	json_object_put(names);
	cleanup_free char *s = glass_seccomp_default_profile_json_for_caps(ints, n);
	return s ? json_tokener_parse(s) : NULL;
}

static void set_caps(json_object *proc, enum caps_set set, bool as_user)
{
	json_object *cs = json_object_new_object();
	json_object_object_add(cs, "bounding", caps_json(set));
	/* A non-root process starts with none in effect (Docker's rule); the
	 * setuid attack is about what execve would give it. */
	json_object_object_add(cs, "effective", as_user ? json_object_new_array() : caps_json(set));
	json_object_object_add(cs, "permitted", as_user ? json_object_new_array() : caps_json(set));
	json_object_object_add(proc, "capabilities", cs);
}

static void add_paths(json_object *lx, json_object *spec_default, const char *key)
{
	json_object *dl, *v;
	if (json_object_object_get_ex(spec_default, "linux", &dl) &&
	    json_object_object_get_ex(dl, key, &v))
		json_object_object_add(lx, key, json_object_get(v));
}

/* The attacks' container for variant `v`: the probe as its process (all
 * attacks as root, or the setuid one as uid 1000), DIR/lab at /lab. */
static json_object *variant_config(struct ctx *c, const struct variant *v, bool as_user,
                                   const char *lab)
{
	static const char *const args[] = {"/usr/bin/glass-probe", NULL};
	static const char *const bind[] = {"rbind", NULL};
	struct lab_config lc = {.rootfs = lab_param_str(c->p, "rootfs"),
	                        .cgroup = lab_param_str(c->p, "cgroup"),
	                        .hostname = "glass-lab",
	                        .args = args};
	for (int i = 0; i < 7; i++)
		lc.ns[i] = i != 5 || (v->on & BIT(L_USERNS));
	json_object *cfg = lab_config_json(&lc), *proc, *root, *lx, *a, *u;
	json_object_object_get_ex(cfg, "process", &proc);
	json_object_object_get_ex(cfg, "root", &root);
	json_object_object_get_ex(cfg, "linux", &lx);
	json_object_object_get_ex(proc, "args", &a);
	json_object_array_add(a, json_object_new_string("attack"));
	if (c->block[0]) {
		json_object_array_add(a, json_object_new_string("--block"));
		json_object_array_add(a, json_object_new_string(c->block));
	}
	for (size_t i = 0; i < NATTACKS; i++)
		if (as_user == !strcmp(attacks[i].name, "setuid"))
			json_object_array_add(a, json_object_new_string(attacks[i].name));
	if (as_user && json_object_object_get_ex(proc, "user", &u)) {
		json_object_object_add(u, "uid", json_object_new_int(1000));
		json_object_object_add(u, "gid", json_object_new_int(1000));
	}
	set_caps(proc, v->on & BIT(L_CAPS) ? v->caps : CAPS_ALL, as_user);
	json_object_object_add(proc, "noNewPrivileges",
	                       json_object_new_boolean(v->on & BIT(L_NNP)));
	json_object_object_add(root, "readonly", json_object_new_boolean(v->on & BIT(L_ROROOT)));
	if (v->on & BIT(L_SECCOMP))
		json_object_object_add(lx, "seccomp", seccomp_json(v->seccomp_for));
	if (v->on & BIT(L_MASKED))
		add_paths(lx, c->spec_default, "maskedPaths");
	if (v->on & BIT(L_ROPATHS))
		add_paths(lx, c->spec_default, "readonlyPaths");
	if (!(v->on & BIT(L_DEVICES))) {
		json_object *res = json_object_new_object(), *devs = json_object_new_array(),
		            *all = json_object_new_object();
		json_object_object_add(all, "allow", json_object_new_boolean(true));
		json_object_object_add(all, "access", json_object_new_string("rwm"));
		json_object_array_add(devs, all);
		json_object_object_add(res, "devices", devs);
		json_object_object_add(lx, "resources", res);
	}
	if (lab)
		lab_config_add_mount(cfg, "/lab", "bind", lab, bind);
	return cfg;
}

/* ---- running a configuration ---- */

static void store_results(struct cached *k, json_object *view)
{
	json_object *arr;
	if (!view || !json_object_object_get_ex(view, "attacks", &arr))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *a = json_object_array_get_idx(arr, i), *n, *al, *e;
		if (!json_object_object_get_ex(a, "name", &n))
			continue;
		for (size_t x = 0; x < NATTACKS; x++) {
			if (strcmp(attacks[x].name, json_object_get_string(n)) != 0)
				continue;
			k->r[x].allowed = json_object_object_get_ex(a, "allowed", &al) &&
			                  json_object_get_boolean(al);
			k->r[x].err =
			    json_object_object_get_ex(a, "errno", &e) ? json_object_get_int(e) : 0;
			json_object_put(k->r[x].obj);
			k->r[x].obj = json_object_get(a);
		}
	}
}

/* One container of a configuration: all the attacks as root, or the
 * setuid one as uid 1000.  The results land in k. */
static int run_pass(struct ctx *c, struct cached *k, int n, bool as_user)
{
	struct glass_err *err = NULL;
	cleanup_free char *base = xasprintf("%s/v%d%s", c->dir, n, as_user ? "u" : "r");
	cleanup_free char *lab = xasprintf("%s/lab", base);
	cleanup_free char *bundle = xasprintf("%s/bundle", base);
	cleanup_free char *state = xasprintf("%s/state", c->dir);
	cleanup_free char *id = xasprintf("glass-lab-%d-%s-v%d%s", getppid(),
	                                  lab_param_str(c->p, "id"), n, as_user ? "u" : "r");
	int rc = -1, status = -1, lsock = make_host_dir(lab_param_str(c->p, "rootfs"), lab);
	if (lsock < 0) {
		lab_emit_errorf("host files", errno, "preparing %s", lab);
		lab_cleanup_dir(base);
		return -1;
	}
	json_object *cfg = variant_config(c, &k->v, as_user, lab), *view = NULL;
	if (lab_write_bundle(bundle, cfg, &err) < 0 || mkdir_p(state, 0711) < 0) {
		lab_emit_error(err, "bundle");
		glass_err_free(&err);
	} else if (lab_run_container(state, id, bundle, &view, &status) == 0) {
		json_object *arr;
		if (view && json_object_object_get_ex(view, "attacks", &arr))
			host_view(lab, lsock, arr);
		store_results(k, view);
		rc = view ? 0 : -1;
	}
	json_object_put(view);
	json_object_put(cfg);
	close(lsock);
	lab_cleanup_dir(base);
	return rc;
}

static json_object *result_json(const struct result *r)
{
	return r->obj ? json_object_get(r->obj) : json_object_new_null();
}

/* The results of configuration v, running it when it has not run yet;
 * NULL when the container could not run (the error was emitted). */
static struct cached *run_variant(struct ctx *c, const struct variant *v)
{
	for (size_t i = 0; i < ncache; i++)
		if (same_variant(&cache[i].v, v))
			return &cache[i];
	if (ncache == sizeof(cache) / sizeof(cache[0]) || lab_worker_stop)
		return NULL;
	struct cached *k = &cache[ncache];
	memset(k, 0, sizeof(*k));
	k->v = *v;
	int n = c->runs++;
	if (run_pass(c, k, n, false) < 0 || run_pass(c, k, n, true) < 0) {
		for (size_t i = 0; i < NATTACKS; i++)
			json_object_put(k->r[i].obj);
		return NULL;
	}
	ncache++;
	json_object *o = lab_event("run");
	cleanup_free char *label = variant_label(v);
	json_object_object_add(o, "n", json_object_new_int(n));
	json_object_object_add(o, "label", json_object_new_string(label));
	json_object *res = json_object_new_object();
	for (size_t i = 0; i < NATTACKS; i++)
		json_object_object_add(res, attacks[i].name, result_json(&k->r[i]));
	json_object_object_add(o, "results", res);
	lab_emit(o);
	return k;
}

static const char *outcome_name(const struct result *r)
{
	if (r->allowed)
		return "allowed";
	return r->err ? strerrorname_np(r->err) : "refused";
}

static bool same_outcome(const struct result *x, const struct result *y)
{
	return x->allowed == y->allowed && (x->allowed || x->err == y->err);
}

/* Each layer of col alone on an otherwise open container: the ones that
 * refuse attack a otherwise than the open container does (`open`: NULL
 * when it lets the attack through) join `stoppers`.  The seccomp filter
 * runs at syscall entry, before any check of the call itself, so it is
 * listed first when it is one of them. */
static json_object *layers_alone(struct ctx *c, const struct variant *col, size_t a,
                                 const struct result *open, json_object *stoppers)
{
	static const int order[NLAYERS] = {L_SECCOMP, L_CAPS,    L_NNP,    L_USERNS,
	                                   L_MASKED,  L_ROPATHS, L_ROROOT, L_DEVICES};
	json_object *alone = json_object_new_object();
	for (int i = 0; i < NLAYERS; i++) {
		int l = order[i];
		if (!(col->on & BIT(l)))
			continue;
		struct variant only = {BIT(l), col->caps, col->seccomp_for};
		struct cached *k = run_variant(c, &only);
		if (!k)
			continue;
		json_object_object_add(alone, layer_names[l],
		                       json_object_new_string(outcome_name(&k->r[a])));
		if (!k->r[a].allowed && (!open || !same_outcome(&k->r[a], open)))
			json_object_array_add(stoppers, json_object_new_string(layer_names[l]));
	}
	return alone;
}

/* Which layer stopped attack a in column col (its result `r`):
 *   single      the layers whose removal alone lets it through;
 *   host        none does, and an open container (every layer off) is
 *               refused the same way: the kernel itself (a call not built
 *               in, a file it does not have);
 *   first       the open container is refused otherwise: the layers whose
 *               removal changes the answer gave it, before the kernel's own;
 *   each-alone  the layers that, alone on an open container, refuse it
 *               (defence in depth: removing one leaves the other). */
static void find_layer(struct ctx *c, const struct variant *col, size_t a, const struct result *r,
                       json_object *cell)
{
	json_object *removals = json_object_new_object(), *stoppers = json_object_new_array();
	const char *how = "single";
	struct result changed[NLAYERS];
	unsigned ran = 0;
	for (int l = 0; l < NLAYERS; l++) {
		if (!(col->on & BIT(l)))
			continue;
		struct variant w = without(*col, l);
		struct cached *k = run_variant(c, &w);
		if (!k)
			continue;
		changed[l] = k->r[a];
		ran |= BIT(l);
		json_object_object_add(removals, layer_names[l],
		                       json_object_new_string(outcome_name(&k->r[a])));
		if (k->r[a].allowed)
			json_object_array_add(stoppers, json_object_new_string(layer_names[l]));
	}
	if (json_object_array_length(stoppers) == 0) {
		struct variant open = {0, CAPS_ALL, CAPS_ALL};
		struct cached *k = run_variant(c, &open);
		const struct result *o = k ? &k->r[a] : NULL;
		if (o)
			json_object_object_add(cell, "open",
			                       json_object_new_string(outcome_name(o)));
		how = !o || o->allowed ? "each-alone" : same_outcome(o, r) ? "host" : "first";
		for (int l = 0; !strcmp(how, "first") && l < NLAYERS; l++)
			if ((ran & BIT(l)) && !same_outcome(&changed[l], r))
				json_object_array_add(stoppers,
				                      json_object_new_string(layer_names[l]));
		if (!strcmp(how, "first") && json_object_array_length(stoppers) == 0)
			how = "each-alone";
		if (!strcmp(how, "each-alone"))
			json_object_object_add(
			    cell, "alone",
			    layers_alone(c, col, a, o && !o->allowed ? o : NULL, stoppers));
	}
	json_object_object_add(cell, "how", json_object_new_string(how));
	json_object *first = json_object_array_get_idx(stoppers, 0);
	json_object_object_add(cell, "layer",
	                       first ? json_object_get(first) : json_object_new_string(how));
	json_object_object_add(cell, "layers", stoppers);
	json_object_object_add(cell, "removals", removals);
}

static json_object *cell_event(size_t a, const struct column *col, const struct result *r)
{
	json_object *o = lab_event("cell");
	json_object_object_add(o, "attack", json_object_new_string(attacks[a].name));
	json_object_object_add(o, "column", json_object_new_string(col->id));
	json_object_object_add(o, "allowed", json_object_new_boolean(r->allowed));
	json_object_object_add(o, "errno", json_object_new_int(r->allowed ? 0 : r->err));
	json_object_object_add(o, "outcome", json_object_new_string(outcome_name(r)));
	json_object_object_add(o, "result", result_json(r));
	return o;
}

static json_object *matrix_event(void)
{
	json_object *o = lab_event("matrix"), *cols = json_object_new_array(),
	            *rows = json_object_new_array();
	for (size_t i = 0; i < NCOLUMNS; i++) {
		json_object *x = json_object_new_object();
		cleanup_free char *label = variant_label(&columns[i].v);
		json_object_object_add(x, "id", json_object_new_string(columns[i].id));
		json_object_object_add(x, "title", json_object_new_string(columns[i].title));
		json_object_object_add(x, "flag", json_object_new_string(columns[i].flag));
		json_object_object_add(x, "layers", json_object_new_string(label));
		json_object_array_add(cols, x);
	}
	for (size_t i = 0; i < NATTACKS; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "name", json_object_new_string(attacks[i].name));
		json_object_object_add(x, "title", json_object_new_string(attacks[i].title));
		json_object_object_add(x, "why", json_object_new_string(attacks[i].why));
		json_object_array_add(rows, x);
	}
	json_object_object_add(o, "columns", cols);
	json_object_object_add(o, "attacks", rows);
	return o;
}

static int run_security(json_object *p)
{
	struct ctx c = {.p = p, .dir = lab_param_str(p, "dir")};
	cleanup_free char *def = glass_spec_default_json(false);
	c.spec_default = json_tokener_parse(def);
	find_block_device(c.block, sizeof(c.block));
	json_object *m = matrix_event();
	json_object_object_add(m, "block_device", json_object_new_string(c.block));
	lab_emit(m);
	int rc = 0;
	for (size_t col = 0; col < NCOLUMNS && !lab_worker_stop; col++) {
		struct cached *k = run_variant(&c, &columns[col].v);
		if (!k) {
			/* This host cannot make this configuration (the error
			 * was emitted): its column says so, the others run. */
			json_object *u = lab_event("unavailable");
			json_object_object_add(u, "column",
			                       json_object_new_string(columns[col].id));
			lab_emit(u);
			rc = -1;
			continue;
		}
		for (size_t a = 0; a < NATTACKS; a++)
			lab_emit(cell_event(a, &columns[col], &k->r[a]));
		for (size_t a = 0; a < NATTACKS && !lab_worker_stop; a++) {
			if (k->r[a].allowed)
				continue;
			json_object *cell = cell_event(a, &columns[col], &k->r[a]);
			find_layer(&c, &columns[col].v, a, &k->r[a], cell);
			lab_emit(cell);
		}
	}
	for (size_t i = 0; i < ncache; i++)
		for (size_t a = 0; a < NATTACKS; a++)
			json_object_put(cache[i].r[a].obj);
	json_object_put(c.spec_default);
	return lab_worker_stop ? -1 : rc;
}

/* ---- the attack vectors, judged from a config ---- */

static const char *const audit_keys[] = {"privileged", "runtime_socket", "host_root",
                                         "host_network"};

static const struct vector {
	const char *key, *title, *flag, *findings;
} vectors[] = {
    {"privileged", "privileged mode", "--privileged", "all-caps no-seccomp devices-allow-all"},
    {"runtime_socket", "the runtime's socket mounted", "-v /run/docker.sock:/var/run/docker.sock",
     "runtime-socket"},
    {"host_root", "the host's / mounted", "-v /:/host", "sensitive-host-path"},
    {"host_network", "the host's network (metadata reachable)", "--network host",
     "cloud-metadata-reachable"},
};

static int audit_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind",      "privileged",   "runtime_socket",
	                                   "host_root", "host_network", NULL};
	if (!lab_req_only(req, keys, why))
		return -1;
	for (size_t i = 0; i < 4; i++) {
		bool v;
		if (!lab_req_bool(req, audit_keys[i], false, &v, why))
			return -1;
		json_object_object_add(p, audit_keys[i], json_object_new_boolean(v));
	}
	return 0;
}

static int security_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind", NULL};
	(void)p;
	return lab_req_only(req, keys, why) ? 0 : -1;
}

/* The default column's config with the learner's choices applied. */
static json_object *audit_config(struct ctx *c)
{
	static const char *const rbind[] = {"rbind", NULL};
	bool priv = lab_param_bool(c->p, "privileged");
	struct variant v = priv ? columns[NCOLUMNS - 1].v : columns[0].v;
	json_object *cfg = variant_config(c, &v, false, NULL), *lx, *nss, *args, *proc;
	json_object_object_get_ex(cfg, "process", &proc);
	json_object_object_get_ex(proc, "args", &args);
	json_object_array_del_idx(args, 1, json_object_array_length(args) - 1);
	json_object_array_add(args, json_object_new_string("sleep"));
	json_object_array_add(args, json_object_new_string("60"));
	if (lab_param_bool(c->p, "runtime_socket"))
		lab_config_add_mount(cfg, "/var/run/docker.sock", "bind", "/run/docker.sock",
		                     rbind);
	if (lab_param_bool(c->p, "host_root"))
		lab_config_add_mount(cfg, "/host", "bind", "/", rbind);
	if (lab_param_bool(c->p, "host_network") && json_object_object_get_ex(cfg, "linux", &lx) &&
	    json_object_object_get_ex(lx, "namespaces", &nss)) {
		for (size_t i = json_object_array_length(nss); i-- > 0;) {
			json_object *t, *n = json_object_array_get_idx(nss, i);
			if (json_object_object_get_ex(n, "type", &t) &&
			    !strcmp(json_object_get_string(t), "network"))
				json_object_array_del_idx(nss, i, 1);
		}
	}
	return cfg;
}

static int run_audit(json_object *p)
{
	struct ctx c = {.p = p};
	struct glass_err *err = NULL;
	json_object *cfg = audit_config(&c);
	const char *text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PRETTY);
	struct glass_spec *spec = glass_spec_parse(text, strlen(text), &err);
	if (!spec) {
		lab_emit_error(err, "audit");
		glass_err_free(&err);
		json_object_put(cfg);
		return -1;
	}
	struct glass_audit_report *rep = glass_audit_spec(spec);
	cleanup_free char *rj = glass_audit_report_json(rep, "config.json");
	json_object *o = lab_event("audit"), *vs = json_object_new_array();
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "key", json_object_new_string(vectors[i].key));
		json_object_object_add(x, "title", json_object_new_string(vectors[i].title));
		json_object_object_add(x, "flag", json_object_new_string(vectors[i].flag));
		json_object_object_add(x, "findings", json_object_new_string(vectors[i].findings));
		json_object_object_add(x, "on",
		                       json_object_new_boolean(lab_param_bool(p, vectors[i].key)));
		json_object_array_add(vs, x);
	}
	json_object_object_add(o, "vectors", vs);
	json_object_object_add(o, "config", cfg);
	json_object_object_add(o, "report", json_tokener_parse(rj));
	lab_emit(o);
	glass_audit_free(rep);
	glass_spec_free(spec);
	return 0;
}

static const struct lab_kind kinds[] = {
    {.name = "security", .params = security_params, .run = run_security},
    {.name = "security-audit", .params = audit_params, .run = run_audit},
};

const struct lab_module lab_module_security = {
    .id = "security",
    .title = "7 · Security layers under attack",
    .summary = "fourteen attacks run for real by the probe in containers of seven "
               "configurations (default, --cap-drop ALL, seccomp unconfined, no "
               "no_new_privs, a user namespace, --read-only, privileged); each refusal's errno "
               "and the layer that gave it, found by running the attack again with one layer "
               "removed at a time; the attack vectors of an edited config, as glass-runtime "
               "audit judges them",
    .source = "src/lab/exp-security.c",
    .needs = "seccomp",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
};

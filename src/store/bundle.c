/* bundle: image config -> OCI runtime config.
 *
 * The user name is resolved by reading the rootfs's /etc/passwd through
 * openat2(RESOLVE_IN_ROOT): an image whose /etc/passwd is a symlink to
 * the host's /etc/passwd reads its own (or nothing), never the host's. */
#include "bundle.h"
#include "seccomp.h"
#include "spec.h"
#include "sys.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

int64_t glass_parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
	case 'b':
		break;
	case 'k':
		v *= 1024;
		break;
	case 'm':
		v *= 1024 * 1024;
		break;
	case 'g':
		v *= 1024.0 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	return (int64_t)v;
}

static char *read_in_root(const char *root, const char *path)
{
	cleanup_close int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return NULL;
	cleanup_close int fd = glass_sys_openat2(
	    rfd, "rootfs", path, O_RDONLY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, NULL, NULL);
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0 && b.len < (1 << 20))
		strbuf_append(&b, buf, (size_t)n);
	return strbuf_steal(&b);
}

/* Looks `name` up in a passwd/group file: returns field 2 (the id) and,
 * for passwd, field 3 (the primary gid) in *gid. */
static int lookup(const char *text, const char *name, long *id, long *gid)
{
	if (!text)
		return -1;
	size_t nl = strlen(name);
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		if ((size_t)(eol - line) > nl && strncmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *p = strchr(line + nl + 1, ':');
			if (p && p < eol) {
				*id = strtol(p + 1, NULL, 10);
				const char *q = strchr(p + 1, ':');
				if (gid && q && q < eol)
					*gid = strtol(q + 1, NULL, 10);
				return 0;
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	return -1;
}

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int glass_bundle_resolve_user(const char *spec, const char *rootfs, long *uid, long *gid,
                              struct glass_err **err)
{
	cleanup_free char *u = xstrdup(spec);
	char *g = strchr(u, ':');
	if (g)
		*g++ = '\0';
	*uid = 0;
	*gid = 0;
	if (*u) {
		if (numeric(u)) {
			*uid = strtol(u, NULL, 10);
			cleanup_free char *pw = read_in_root(rootfs, "/etc/passwd");
			/* the primary group of a numeric uid, when listed */
			for (const char *line = pw; line && *line;) {
				long a, b;
				const char *eol = strchr(line, '\n');
				if (sscanf(line, "%*[^:]:%*[^:]:%ld:%ld", &a, &b) == 2 &&
				    a == *uid) {
					*gid = b;
					break;
				}
				line = eol ? eol + 1 : "";
			}
		} else {
			cleanup_free char *pw = read_in_root(rootfs, "/etc/passwd");
			if (lookup(pw, u, uid, gid) < 0) {
				glass_err_new(err, ENOENT,
				              "user \"%s\" not found in the image's "
				              "/etc/passwd",
				              u);
				return glass_err_set_field(err, "process.user");
			}
		}
	}
	if (g && *g) {
		if (numeric(g)) {
			*gid = strtol(g, NULL, 10);
		} else {
			cleanup_free char *gr = read_in_root(rootfs, "/etc/group");
			if (lookup(gr, g, gid, NULL) < 0) {
				glass_err_new(err, ENOENT,
				              "group \"%s\" not found in the image's "
				              "/etc/group",
				              g);
				return glass_err_set_field(err, "process.user");
			}
		}
	}
	return 0;
}

static void env_set(struct json_object *env, const char *kv)
{
	size_t kl = strcspn(kv, "=");
	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (strncmp(e, kv, kl) == 0 && e[kl] == '=') {
			json_object_array_put_idx(env, i, json_object_new_string(kv));
			return;
		}
	}
	json_object_array_add(env, json_object_new_string(kv));
}

static struct json_object *obj(struct json_object *parent, const char *key)
{
	struct json_object *o;
	if (json_object_object_get_ex(parent, key, &o) && json_object_is_type(o, json_type_object))
		return o;
	o = json_object_new_object();
	json_object_object_add(parent, key, o);
	return o;
}

/* A capability name as the runtime spells it: CAP_X (docker takes X too). */
static char *cap_norm(const char *name)
{
	char *c = strncasecmp(name, "CAP_", 4) == 0 ? xstrdup(name) : xasprintf("CAP_%s", name);
	for (char *p = c; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return c;
}

static bool in_list(char **list, const char *cap)
{
	for (char **p = list; p && *p; p++) {
		cleanup_free char *n = cap_norm(*p);
		if (strcmp(n, "CAP_ALL") == 0 || strcmp(n, cap) == 0)
			return true;
	}
	return false;
}

/* The engine's containers get Docker's default capability set (14
 * caps), not the runtime spec's minimal three, then --cap-add and
 * --cap-drop (ALL in either, drop winning as in docker); --privileged
 * has every capability the kernel knows.  The default seccomp profile is
 * later computed for exactly the bounding set written here. */
static int set_caps(struct json_object *proc, const struct glass_bundle_opts *o,
                    struct glass_err **err)
{
	size_t ndef = 0;
	const int *def = glass_seccomp_default_caps(&ndef);
	struct json_object *list = json_object_new_array();
	for (char **p = o->cap_add; p && *p; p++) {
		cleanup_free char *n = cap_norm(*p);
		if (strcmp(n, "CAP_ALL") != 0 && glass_cap_from_name(n) < 0) {
			json_object_put(list);
			return glass_err_new(err, EINVAL, "--cap-add: unknown capability \"%s\"",
			                     *p);
		}
	}
	for (int cap = 0; cap <= 63; cap++) {
		const char *name = glass_cap_name(cap);
		bool dflt = false;
		if (!name)
			continue;
		for (size_t i = 0; i < ndef; i++)
			dflt = dflt || def[i] == cap;
		/* privileged: what this process may still hand on (a host whose
		 * bounding set lacks one, as here CAP_SYS_RESOURCE, cannot) */
		bool priv =
		    o->privileged && prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1;
		bool keep = priv || dflt || in_list(o->cap_add, name);
		if (!o->privileged && in_list(o->cap_drop, name))
			keep = false;
		if (keep)
			json_object_array_add(list, json_object_new_string(name));
	}
	struct json_object *c = json_object_new_object();
	const char *sets[] = {"bounding", "effective", "permitted"};
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		json_object_object_add(
		    c, sets[s],
		    s + 1 < sizeof(sets) / sizeof(sets[0]) ? json_object_get(list) : list);
	json_object_object_add(proc, "capabilities", c);
	return 0;
}

/* --pids-limit, --security-opt, --privileged and --init's bind mount. */
static int set_security(struct json_object *cfg, struct json_object *proc, struct json_object *lin,
                        const struct glass_bundle_opts *o, struct glass_err **err)
{
	if (o->pids_limit > 0)
		json_object_object_add(obj(obj(lin, "resources"), "pids"), "limit",
		                       json_object_new_int64(o->pids_limit));
	json_object_object_add(proc, "noNewPrivileges",
	                       json_object_new_boolean(o->no_new_privileges));
	if (o->privileged) {
		json_object_object_del(lin, "maskedPaths");
		json_object_object_del(lin, "readonlyPaths");
	}
	if (o->seccomp_file) {
		size_t len;
		cleanup_free char *text = read_file_at(AT_FDCWD, o->seccomp_file, &len);
		struct json_object *prof = text ? json_tokener_parse(text) : NULL;
		if (!prof || !json_object_is_type(prof, json_type_object)) {
			json_object_put(prof);
			return glass_err_new(err, text ? EINVAL : errno,
			                     "--security-opt seccomp=%s: %s", o->seccomp_file,
			                     text ? "not a JSON object" : "cannot read");
		}
		json_object_object_add(lin, "seccomp", prof);
	}
	if (o->init_path) {
		struct json_object *mounts = NULL, *m = json_object_new_object(),
		                   *opts = json_object_new_array();
		if (!json_object_object_get_ex(cfg, "mounts", &mounts)) {
			mounts = json_object_new_array();
			json_object_object_add(cfg, "mounts", mounts);
		}
		json_object_object_add(m, "destination", json_object_new_string(GLASS_BUNDLE_INIT));
		json_object_object_add(m, "type", json_object_new_string("bind"));
		json_object_object_add(m, "source", json_object_new_string(o->init_path));
		json_object_array_add(opts, json_object_new_string("bind"));
		json_object_array_add(opts, json_object_new_string("ro"));
		json_object_object_add(m, "options", opts);
		json_object_array_add(mounts, m);
	}
	return 0;
}

int glass_bundle_write(const char *dir, const char *rootfs, const char *rootfs_host,
                       const struct glass_image *img, const struct glass_bundle_opts *o,
                       struct glass_err **err)
{
	const char *final; /* cfg's own text */
	cleanup_free char *path = NULL;
	struct json_object *cfg = glass_spec_default_doc(false), *proc, *args, *env, *lin;
	const struct glass_image_config *ic = img->config;
	int rc = -1;
	proc = obj(cfg, "process");
	args = json_object_new_array();
	if (o->init_path)
		json_object_array_add(args, json_object_new_string(GLASS_BUNDLE_INIT));
	if (o->init_path)
		json_object_array_add(args, json_object_new_string("--"));
	for (char **p = o->entrypoint_set ? o->entrypoint : ic->entrypoint; p && *p; p++)
		json_object_array_add(args, json_object_new_string(*p));
	for (char **p = o->args ? o->args : ic->cmd; p && *p; p++)
		json_object_array_add(args, json_object_new_string(*p));
	if (json_object_array_length(args) == (o->init_path ? 2u : 0u)) {
		json_object_put(args);
		glass_err_field(err, EINVAL, "process.args",
		                "the image has no Entrypoint or Cmd and no command was given");
		goto out;
	}
	json_object_object_add(proc, "args", args);
	env = json_object_new_array();
	json_object_array_add(
	    env, json_object_new_string(
	             "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	if (o->terminal)
		json_object_array_add(env, json_object_new_string("TERM=xterm"));
	for (char **p = ic->env; p && *p; p++)
		env_set(env, *p);
	if (o->hostname) {
		cleanup_free char *h = xasprintf("HOSTNAME=%s", o->hostname);
		env_set(env, h);
	}
	for (char **p = o->env; p && *p; p++)
		env_set(env, *p);
	json_object_object_add(proc, "env", env);
	const char *cwd = o->workdir ? o->workdir : ic->workdir && *ic->workdir ? ic->workdir : "/";
	if (cwd[0] != '/') {
		glass_err_field(err, EINVAL, "process.cwd",
		                "working directory \"%s\" is not absolute", cwd);
		goto out;
	}
	json_object_object_add(proc, "cwd", json_object_new_string(cwd));
	json_object_object_add(proc, "terminal", json_object_new_boolean(o->terminal));
	if (o->terminal && o->console_height && o->console_width) {
		struct json_object *size = obj(proc, "consoleSize");
		json_object_object_add(size, "height", json_object_new_int64(o->console_height));
		json_object_object_add(size, "width", json_object_new_int64(o->console_width));
	}
	const char *user = o->user ? o->user : ic->user;
	if (user && *user) {
		long uid, gid;
		if (glass_bundle_resolve_user(user, rootfs_host, &uid, &gid, err) < 0)
			goto out;
		struct json_object *u = obj(proc, "user");
		json_object_object_add(u, "uid", json_object_new_int64(uid));
		json_object_object_add(u, "gid", json_object_new_int64(gid));
	}
	struct json_object *root = obj(cfg, "root");
	json_object_object_add(root, "path", json_object_new_string(rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(o->readonly));
	if (o->hostname)
		json_object_object_add(cfg, "hostname", json_object_new_string(o->hostname));
	lin = obj(cfg, "linux");
	if (o->cgroups_path)
		json_object_object_add(lin, "cgroupsPath", json_object_new_string(o->cgroups_path));
	if (o->memory > 0 || o->cpus > 0) {
		struct json_object *res = obj(lin, "resources");
		if (o->memory > 0)
			json_object_object_add(obj(res, "memory"), "limit",
			                       json_object_new_int64(o->memory));
		if (o->cpus > 0) {
			struct json_object *cpu = obj(res, "cpu");
			json_object_object_add(cpu, "period", json_object_new_int64(100000));
			json_object_object_add(cpu, "quota",
			                       json_object_new_int64((int64_t)(o->cpus * 100000)));
		}
	}
	if (set_caps(proc, o, err) < 0 || set_security(cfg, proc, lin, o, err) < 0)
		goto out;
	/* the profile goes into the object built here: no text printed and
	 * parsed again on the way (what glass_seccomp_with_default_profile
	 * would do) */
	int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
	if (!o->no_seccomp && !o->privileged && !o->seccomp_file) {
		glass_seccomp_add_default_profile(cfg);
		flags = GLASS_SECCOMP_CONFIG_JSON_FLAGS;
	}
	/* plan, then execute: the runtime's own checks of what we write, on
	 * the object the text is printed from */
	struct glass_spec *spec = glass_spec_parse_doc(cfg, err);
	if (!spec) {
		glass_err_ctx(err, "generated config.json");
		goto out;
	}
	glass_spec_free(spec);
	final = json_object_to_json_string_ext(cfg, flags);
	if (mkdir_p(dir, 0700) < 0) {
		glass_err_new(err, errno, "mkdir(\"%s\")", dir);
		goto out;
	}
	path = xasprintf("%s/config.json", dir);
	if (write_file_atomic_at(AT_FDCWD, path, final, strlen(final), 0600) < 0) {
		glass_err_new(err, errno, "write(\"%s\")", path);
		goto out;
	}
	rc = 0;
out:
	json_object_put(cfg);
	return rc;
}

/* spec: config.json -> struct glass_spec (see spec.h).
 *
 * The kernel never sees config.json: it sees the clone flags, mounts,
 * credentials and cgroup writes the runtime derives from it.  So the
 * whole document is parsed and checked here, before the first syscall,
 * and every bad value is reported with the JSON path that holds it.
 * This file holds the top level (ociVersion, root, mounts, hostname,
 * hooks, annotations) and the entry points; the big sub-objects live in
 * spec-process.c, spec-linux.c and spec-resources.c. */
#include "spec-internal.h"
#include "trace.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* SemVer 2.0.0: MAJOR.MINOR.PATCH[-pre][+build], numbers without leading
 * zeros.  Returns the major version, or -1. */
static long semver_major(const char *v)
{
	long major = -1;
	int part;
	const char *c = v;

	for (part = 0; part < 3; part++) {
		const char *start = c;
		long n = 0;
		while (isdigit((unsigned char)*c)) {
			if (n < 100000000)
				n = n * 10 + (*c - '0');
			c++;
		}
		if (c == start || (c - start > 1 && *start == '0'))
			return -1;
		if (part == 0)
			major = n;
		if (part < 2 && *c++ != '.')
			return -1;
	}
	if (*c == '-' || *c == '+') {
		const char *rest = c + 1;
		if (*rest == '\0')
			return -1;
		for (; *rest; rest++)
			if (!isalnum((unsigned char)*rest) && !strchr(".-+", *rest))
				return -1;
		return major;
	}
	return *c == '\0' ? major : -1;
}

static int parse_mounts(struct json_object *doc, struct glass_spec *s, struct glass_err **err)
{
	struct json_object *a;
	struct jp ap = JP_KEY(NULL, "mounts");
	size_t i, n;
	int r = spec_get_arr(doc, "mounts", NULL, &a, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	s->mounts = xcalloc(n + 1, sizeof(*s->mounts));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_mount *m = &s->mounts[i];
		struct jp ep = JP_IDX(&ap, i);
		struct jp dp = JP_KEY(&ep, "destination");
		struct jp up = JP_KEY(&ep, "uidMappings");
		struct jp gp = JP_KEY(&ep, "gidMappings");
		int ru, rg;

		s->nmounts = i + 1;
		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "destination", &ep, err) < 0 ||
		    spec_get_str(e, "destination", &ep, &m->destination, err) < 0 ||
		    spec_get_str(e, "type", &ep, &m->type, err) < 0 ||
		    spec_get_str(e, "source", &ep, &m->source, err) < 0 ||
		    spec_get_strv(e, "options", &ep, &m->options, &m->noptions, err) < 0)
			return -1;
		if (m->destination[0] == '\0')
			return spec_fail(err, &dp, "must not be empty");
		if (m->destination[0] != '/') {
			/* config.md: "it MAY be a relative path, in which case it
			 * MUST be interpreted as relative to "/"" (deprecated). */
			char *abs = xasprintf("/%s", m->destination);
			free(m->destination);
			m->destination = abs;
			m->relative_destination = true;
		}
		ru = spec_get_idmaps(e, "uidMappings", &ep, &m->uid_mappings, &m->nuid_mappings,
		                     err);
		if (ru < 0)
			return -1;
		rg = spec_get_idmaps(e, "gidMappings", &ep, &m->gid_mappings, &m->ngid_mappings,
		                     err);
		if (rg < 0)
			return -1;
		if (ru > 0 && rg == 0)
			return spec_fail(err, &gp, "required when uidMappings is set");
		if (rg > 0 && ru == 0)
			return spec_fail(err, &up, "required when gidMappings is set");
	}
	return 0;
}

static const char *const hook_names[GLASS_HOOK_COUNT] = {
    [GLASS_HOOK_PRESTART] = "prestart",
    [GLASS_HOOK_CREATE_RUNTIME] = "createRuntime",
    [GLASS_HOOK_CREATE_CONTAINER] = "createContainer",
    [GLASS_HOOK_START_CONTAINER] = "startContainer",
    [GLASS_HOOK_POSTSTART] = "poststart",
    [GLASS_HOOK_POSTSTOP] = "poststop",
};

static int parse_hooks(struct json_object *doc, struct glass_spec *s, struct glass_err **err)
{
	struct json_object *h;
	struct jp hp = JP_KEY(NULL, "hooks");
	int k, r = spec_get_obj(doc, "hooks", NULL, &h, err);

	if (r <= 0)
		return r;
	for (k = 0; k < GLASS_HOOK_COUNT; k++) {
		struct json_object *a;
		struct jp kp = JP_KEY(&hp, hook_names[k]);
		size_t i, n;

		r = spec_get_arr(h, hook_names[k], &hp, &a, err);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		n = json_object_array_length(a);
		s->hooks[k] = xcalloc(n + 1, sizeof(struct glass_hook));
		for (i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			struct glass_hook *hook = &s->hooks[k][i];
			struct jp ep = JP_IDX(&kp, i);
			struct jp pp = JP_KEY(&ep, "path");
			struct jp tp = JP_KEY(&ep, "timeout");
			int64_t t;
			int rt;

			s->nhooks[k] = i + 1;
			if (spec_expect(e, json_type_object, &ep, err) < 0 ||
			    spec_require(e, "path", &ep, err) < 0 ||
			    spec_get_str(e, "path", &ep, &hook->path, err) < 0 ||
			    spec_check_abs(hook->path, &pp, err) < 0 ||
			    spec_get_strv(e, "args", &ep, &hook->args, &hook->nargs, err) < 0)
				return -1;
			rt = spec_get_strv(e, "env", &ep, &hook->env, &hook->nenv, err);
			if (rt < 0)
				return -1;
			hook->has_env = rt > 0;
			rt = spec_get_i64(e, "timeout", &ep, INT64_MIN, INT64_MAX, &t, err);
			if (rt < 0)
				return -1;
			if (rt > 0 && (t <= 0 || t > INT32_MAX))
				return spec_fail(err, &tp,
				                 "%lld: must be greater than zero (seconds)",
				                 (long long)t);
			hook->has_timeout = rt > 0;
			hook->timeout = rt > 0 ? (int)t : 0;
		}
	}
	return 0;
}

static bool id_mapped(const struct glass_idmap *m, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (id >= m[i].container_id &&
		    (uint64_t)id < (uint64_t)m[i].container_id + m[i].size)
			return true;
	return false;
}

/* With a new user namespace, setresuid(2)/setresgid(2)/setgroups(2) fail
 * with EINVAL for an id the maps do not cover: say so before starting. */
/* A new user namespace with neither linux.uidMappings nor gidMappings:
 * crun maps the container's root to the calling user (one id each), which
 * is the only map an unprivileged caller may write itself; runc refuses.
 * A rootless glass does what crun does and says so (glass_spec_warn).  For
 * a root caller that map would be the host's root (audit's high finding
 * "a user namespace mapping host root"), so there the config is refused,
 * as runc refuses it (docs/security.md). */
static void default_userns_maps(struct glass_spec *s)
{
	struct glass_linux *l = &s->linux_;
	if (!l->ns[GLASS_NS_USER].present || l->ns[GLASS_NS_USER].path || l->nuid_mappings ||
	    l->ngid_mappings || geteuid() == 0)
		return;
	l->uid_mappings = xcalloc(1, sizeof(*l->uid_mappings));
	l->gid_mappings = xcalloc(1, sizeof(*l->gid_mappings));
	l->uid_mappings[0] = (struct glass_idmap){0, (uint32_t)geteuid(), 1};
	l->gid_mappings[0] = (struct glass_idmap){0, (uint32_t)getegid(), 1};
	l->nuid_mappings = l->ngid_mappings = 1;
	l->maps_defaulted = true;
}

static int check_user_mapped(const struct glass_spec *s, struct glass_err **err)
{
	const struct glass_linux *l = &s->linux_;
	const struct glass_user *u = &s->process.user;
	struct jp pp = JP_KEY(NULL, "process");
	struct jp up = JP_KEY(&pp, "user");
	struct jp uid = JP_KEY(&up, "uid");
	struct jp gid = JP_KEY(&up, "gid");
	struct jp agp = JP_KEY(&up, "additionalGids");
	size_t i;

	if (!s->process.present || !l->ns[GLASS_NS_USER].present || l->ns[GLASS_NS_USER].path)
		return 0;
	if (l->nuid_mappings && !id_mapped(l->uid_mappings, l->nuid_mappings, u->uid))
		return spec_fail(err, &uid, "%u is not mapped by linux.uidMappings", u->uid);
	if (l->ngid_mappings && !id_mapped(l->gid_mappings, l->ngid_mappings, u->gid))
		return spec_fail(err, &gid, "%u is not mapped by linux.gidMappings", u->gid);
	for (i = 0; l->ngid_mappings && i < u->nadditional_gids; i++) {
		struct jp e = JP_IDX(&agp, i);
		if (!id_mapped(l->gid_mappings, l->ngid_mappings, u->additional_gids[i]))
			return spec_fail(err, &e, "%u is not mapped by linux.gidMappings",
			                 u->additional_gids[i]);
	}
	return 0;
}

/* runc's rule, which crun shares: the kernel.hostname and
 * kernel.domainname sysctls are the hostname and domainname fields by
 * another name; when the field is set too, the two would fight. */
static int check_uts_sysctls(const struct glass_spec *s, struct glass_err **err)
{
	static const char *const keys[] = {"kernel.hostname", "kernel.domainname"};
	const char *fields[] = {s->hostname, s->domainname};
	for (size_t i = 0; i < s->linux_.nsysctl; i++)
		for (size_t k = 0; k < 2; k++) {
			if (strcmp(s->linux_.sysctl[i].key, keys[k]) != 0 || !fields[k] ||
			    !*fields[k])
				continue;
			struct jp lp = JP_KEY(NULL, "linux");
			struct jp sp = JP_KEY(&lp, "sysctl");
			struct jp kp = JP_KEY(&sp, keys[k]);
			spec_fail(err, &kp, "conflicts with the field \"%s\" (both set the %s)",
			          k ? "domainname" : "hostname",
			          k ? "NIS domain name" : "hostname");
			return glass_err_hint(err,
			                      "set only one of them, as runc and crun require");
		}
	return 0;
}

static int parse_doc(struct json_object *doc, struct glass_spec *s, struct glass_err **err)
{
	struct json_object *sub;
	struct jp vp = JP_KEY(NULL, "ociVersion");
	struct jp rp = JP_KEY(NULL, "root");
	struct jp rpp = JP_KEY(&rp, "path");
	struct jp hp = JP_KEY(NULL, "hostname");
	long major;
	int r;

	if (spec_expect(doc, json_type_object, NULL, err) < 0 ||
	    spec_require(doc, "ociVersion", NULL, err) < 0 ||
	    spec_get_str(doc, "ociVersion", NULL, &s->oci_version, err) < 0)
		return -1;
	major = semver_major(s->oci_version);
	if (major < 0)
		return spec_fail(err, &vp, "\"%s\" is not a SemVer 2.0.0 version like \"1.2.0\"",
		                 s->oci_version);
	if (major > 1) {
		spec_fail(err, &vp, "unsupported runtime-spec version \"%s\"", s->oci_version);
		return glass_err_hint(err, "glass implements runtime-spec up to 1.3.x; a new major "
		                           "version may change the meaning of fields");
	}
	if (spec_require(doc, "root", NULL, err) < 0 ||
	    spec_get_obj(doc, "root", NULL, &sub, err) < 0 ||
	    spec_require(sub, "path", &rp, err) < 0 ||
	    spec_get_str(sub, "path", &rp, &s->root_path, err) < 0 ||
	    spec_get_bool(sub, "readonly", &rp, &s->root_readonly, err) < 0)
		return -1;
	if (s->root_path[0] == '\0')
		return spec_fail(err, &rpp, "must not be empty");
	if (parse_mounts(doc, s, err) < 0)
		return -1;
	r = spec_get_obj(doc, "process", NULL, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp pp = JP_KEY(NULL, "process");
		if (spec_parse_process(sub, &pp, &s->process, err) < 0)
			return -1;
	}
	if (spec_get_str(doc, "hostname", NULL, &s->hostname, err) < 0 ||
	    spec_get_str(doc, "domainname", NULL, &s->domainname, err) < 0 ||
	    parse_hooks(doc, s, err) < 0 ||
	    spec_get_map(doc, "annotations", NULL, &s->annotations, &s->nannotations, err) < 0)
		return -1;
	r = spec_get_obj(doc, "linux", NULL, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp lp = JP_KEY(NULL, "linux");
		s->has_linux = true;
		if (spec_parse_linux(sub, &lp, &s->linux_, err) < 0)
			return -1;
	}
	default_userns_maps(s);
	if (check_user_mapped(s, err) < 0)
		return -1;
	if (check_uts_sysctls(s, err) < 0)
		return -1;
	/* sethostname(2) without a new UTS namespace renames the host. */
	if (((s->hostname && *s->hostname) || (s->domainname && *s->domainname)) &&
	    !s->linux_.ns[GLASS_NS_UTS].present) {
		struct jp dp = JP_KEY(NULL, "domainname");
		spec_fail(err, s->hostname && *s->hostname ? &hp : &dp,
		          "cannot be set without a private UTS namespace");
		return glass_err_hint(err, "add {\"type\": \"uts\"} to linux.namespaces");
	}
	return 0;
}

void glass_spec_warn(const struct glass_spec *s)
{
	char field[64];
	if (s->linux_.maps_defaulted)
		glass_trace_log(GLASS_LOG_WARN, "linux.uidMappings",
		                "linux.uidMappings/gidMappings: a new user namespace without maps: "
		                "its root is mapped to the caller (uid %u, gid %u), as crun does",
		                s->linux_.uid_mappings[0].host_id,
		                s->linux_.gid_mappings[0].host_id);
	if (s->process.caps.unknown)
		glass_trace_log(
		    GLASS_LOG_WARN, "process.capabilities",
		    "process.capabilities: unknown capabilities skipped (as runc and crun "
		    "do): %s",
		    s->process.caps.unknown);
	for (size_t i = 0; i < s->nmounts; i++) {
		if (!s->mounts[i].relative_destination)
			continue;
		snprintf(field, sizeof(field), "mounts[%zu].destination", i);
		glass_trace_log(GLASS_LOG_WARN, field,
		                "%s \"%s\" is not absolute: mounted at \"%s\" (relative "
		                "destinations are deprecated)",
		                field, s->mounts[i].destination + 1, s->mounts[i].destination);
	}
	for (size_t i = 0; i < s->linux_.ndevices; i++) {
		const struct glass_device *d = &s->linux_.devices[i];
		if (!d->file_mode_dropped)
			continue;
		snprintf(field, sizeof(field), "linux.devices[%zu].fileMode", i);
		glass_trace_log(GLASS_LOG_DEBUG, field,
		                "%s %#o: the file type bits %#o dropped, permissions %#o kept "
		                "(the type comes from linux.devices[%zu].type)",
		                field, d->file_mode | d->file_mode_dropped, d->file_mode_dropped,
		                d->file_mode, i);
	}
}

struct glass_spec *glass_spec_parse(const char *json_text, size_t len, struct glass_err **err)
{
	struct glass_spec *s;
	struct json_object *doc = glass_json_parse(json_text, len, "config.json", err);

	if (doc == NULL)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->json = doc;
	if (parse_doc(doc, s, err) < 0) {
		glass_spec_free(s);
		return NULL;
	}
	return s;
}

struct glass_spec *glass_spec_parse_doc(struct json_object *doc, struct glass_err **err)
{
	struct glass_spec *s = xcalloc(1, sizeof(*s));
	s->json = json_object_get(doc);
	if (parse_doc(doc, s, err) < 0) {
		glass_spec_free(s);
		return NULL;
	}
	return s;
}

struct glass_spec *glass_spec_load(const char *path, struct glass_err **err)
{
	cleanup_free char *text = NULL;
	struct glass_spec *s;
	size_t len = 0;

	text = read_file_at(AT_FDCWD, path, &len);
	if (text == NULL) {
		int e = errno;
		glass_err_new(err, e, "open(\"%s\")", path);
		if (e == ENOENT)
			glass_err_hint(err, "no config.json in the bundle; `glass-runtime spec` "
			                    "writes a default one");
		return NULL;
	}
	s = glass_spec_parse(text, len, err);
	if (s == NULL)
		glass_err_ctx(err, "%s", path);
	return s;
}

void glass_spec_free(struct glass_spec *s)
{
	size_t i, k;

	if (s == NULL)
		return;
	free(s->oci_version);
	free(s->root_path);
	for (i = 0; i < s->nmounts; i++) {
		struct glass_mount *m = &s->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		spec_strv_free(m->options, m->noptions);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(s->mounts);
	glass_process_clear(&s->process);
	free(s->hostname);
	free(s->domainname);
	for (k = 0; k < GLASS_HOOK_COUNT; k++) {
		for (i = 0; i < s->nhooks[k]; i++) {
			free(s->hooks[k][i].path);
			spec_strv_free(s->hooks[k][i].args, s->hooks[k][i].nargs);
			spec_strv_free(s->hooks[k][i].env, s->hooks[k][i].nenv);
		}
		free(s->hooks[k]);
	}
	spec_kv_free(s->annotations, s->nannotations);
	spec_linux_clear(&s->linux_);
	if (s->json)
		json_object_put(s->json);
	free(s);
}

void glass_spec_freep(struct glass_spec **spec)
{
	int saved = errno;
	glass_spec_free(*spec);
	*spec = NULL;
	errno = saved;
}

void glass_json_putp(struct json_object **o)
{
	int saved = errno;
	if (*o)
		json_object_put(*o);
	*o = NULL;
	errno = saved;
}

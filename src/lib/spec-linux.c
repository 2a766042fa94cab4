/* spec-linux: the `linux` object of config.json.
 *
 * Namespaces (clone(2)/unshare(2) flags, or setns(2) into a path), the
 * user-namespace id maps written to /proc/PID/{uid,gid}_map, time
 * namespace offsets (/proc/PID/timens_offsets), device nodes (mknod(2)),
 * network devices moved into the container's network namespace (netlink
 * RTM_NEWLINK with IFLA_NET_NS_FD), seccomp filters, sysctls
 * (/proc/sys), masked and read-only paths, resctrl (Intel RDT), the NUMA
 * memory policy (set_mempolicy(2)) and the execution domain
 * (personality(2)).  Cgroup resources are in spec-resources.c. */
#include "spec-internal.h"
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <sys/stat.h>

static int parse_namespaces(struct json_object *o, const struct jp *p, struct glass_linux *l,
                            struct glass_err **err)
{
	struct json_object *a;
	struct jp ap = JP_KEY(p, "namespaces");
	size_t i, n;
	int r = spec_get_arr(o, "namespaces", p, &a, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct jp ep = JP_IDX(&ap, i);
		struct jp tp = JP_KEY(&ep, "type");
		struct jp pp = JP_KEY(&ep, "path");
		cleanup_free char *type = NULL;
		char *path = NULL;
		int t;

		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "type", &ep, err) < 0 ||
		    spec_get_str(e, "type", &ep, &type, err) < 0)
			return -1;
		for (t = 0; t < GLASS_NS_COUNT; t++)
			if (strcmp(type, glass_ns_name(t)) == 0)
				break;
		if (t == GLASS_NS_COUNT) {
			spec_fail(err, &tp, "unknown namespace type \"%s\"", type);
			return glass_err_hint(err, "namespace types are mount, uts, ipc, pid, "
			                           "network, user, cgroup and time");
		}
		if (l->ns[t].present)
			return spec_fail(err, &tp, "duplicate namespace type \"%s\"", type);
		if (spec_get_str(e, "path", &ep, &path, err) < 0)
			return -1;
		l->ns[t].present = true;
		l->ns[t].path = path;
		if (path && spec_check_abs(path, &pp, err) < 0)
			return -1;
	}
	return 0;
}

/* time_namespaces(7): only CLOCK_MONOTONIC and CLOCK_BOOTTIME have
 * per-namespace offsets. */
static int parse_time_offsets(struct json_object *o, const struct jp *p, struct glass_linux *l,
                              struct glass_err **err)
{
	struct json_object *m;
	struct jp mp = JP_KEY(p, "timeOffsets");
	int r = spec_get_obj(o, "timeOffsets", p, &m, err);

	if (r <= 0)
		return r;
	json_object_object_foreach(m, k, v)
	{
		struct jp ep = JP_KEY(&mp, k);
		struct jp np = JP_KEY(&ep, "nanosecs");
		struct glass_time_offset *t;

		if (strcmp(k, "monotonic") == 0)
			t = &l->time_monotonic;
		else if (strcmp(k, "boottime") == 0)
			t = &l->time_boottime;
		else
			return spec_fail(err, &ep, "unknown clock \"%s\" (monotonic or boottime)",
			                 k);
		if (spec_expect(v, json_type_object, &ep, err) < 0 ||
		    spec_get_i64(v, "secs", &ep, INT64_MIN, INT64_MAX, &t->secs, err) < 0 ||
		    spec_get_u32(v, "nanosecs", &ep, &t->nanosecs, err) < 0)
			return -1;
		if (t->nanosecs >= 1000000000u)
			return spec_fail(err, &np, "%u out of range (0..999999999)", t->nanosecs);
		t->present = true;
	}
	if ((l->time_monotonic.present || l->time_boottime.present) &&
	    !l->ns[GLASS_NS_TIME].present)
		return spec_fail(err, &mp,
		                 "time offsets need a time namespace in linux.namespaces");
	if ((l->time_monotonic.present || l->time_boottime.present) && l->ns[GLASS_NS_TIME].path)
		return spec_fail(err, &mp,
		                 "time offsets cannot be set when joining an existing "
		                 "time namespace");
	return 0;
}

static int parse_devices(struct json_object *o, const struct jp *p, struct glass_linux *l,
                         struct glass_err **err)
{
	struct json_object *a;
	struct jp ap = JP_KEY(p, "devices");
	size_t i, n;
	int r = spec_get_arr(o, "devices", p, &a, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	l->devices = xcalloc(n + 1, sizeof(*l->devices));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_device *d = &l->devices[i];
		struct jp ep = JP_IDX(&ap, i);
		struct jp tp = JP_KEY(&ep, "type");
		struct jp pp = JP_KEY(&ep, "path");
		struct jp fp = JP_KEY(&ep, "fileMode");
		cleanup_free char *type = NULL;
		int rm;

		l->ndevices = i + 1;
		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "type", &ep, err) < 0 ||
		    spec_require(e, "path", &ep, err) < 0 ||
		    spec_get_str(e, "type", &ep, &type, err) < 0 ||
		    spec_get_str(e, "path", &ep, &d->path, err) < 0)
			return -1;
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return spec_fail(err, &tp, "unknown device type \"%s\" (c, b, u or p)",
			                 type);
		d->type = type[0];
		if (spec_check_abs(d->path, &pp, err) < 0)
			return -1;
		if (d->type != 'p' && (spec_require(e, "major", &ep, err) < 0 ||
		                       spec_require(e, "minor", &ep, err) < 0))
			return -1;
		if (spec_get_i64(e, "major", &ep, 0, INT64_MAX, &d->major, err) < 0 ||
		    spec_get_i64(e, "minor", &ep, 0, INT64_MAX, &d->minor, err) < 0)
			return -1;
		rm = spec_get_u32(e, "fileMode", &ep, &d->file_mode, err);
		if (rm < 0)
			return -1;
		d->has_file_mode = rm > 0;
		/* podman copies the host node's whole st_mode (020600 for a char
		 * device); runc keeps the permission bits, and so does glass. */
		if (d->has_file_mode && (d->file_mode & ~(07777u | S_IFMT)))
			return spec_fail(err, &fp,
			                 "%u is neither permission bits (0..4095, i.e. 07777) nor "
			                 "an st_mode (file type and permission bits)",
			                 d->file_mode);
		d->file_mode_dropped = d->file_mode & ~07777u;
		d->file_mode &= 07777u;
		rm = spec_get_u32(e, "uid", &ep, &d->uid, err);
		if (rm < 0)
			return -1;
		d->has_uid = rm > 0;
		rm = spec_get_u32(e, "gid", &ep, &d->gid, err);
		if (rm < 0)
			return -1;
		d->has_gid = rm > 0;
	}
	return 0;
}

/* Interface names: at most IFNAMSIZ-1 (15) bytes, not "." or "..", no
 * '/', ':' or whitespace (dev_valid_name() in net/core/dev.c). */
static int check_ifname(const char *name, const struct jp *p, struct glass_err **err)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > 15)
		return spec_fail(err, p, "interface name \"%s\" must be 1 to 15 characters", name);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return spec_fail(err, p, "interface name \"%s\" is not allowed", name);
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]))
			return spec_fail(err, p,
			                 "interface name \"%s\" must not contain '/', ':' or "
			                 "whitespace",
			                 name);
	return 0;
}

static int parse_net_devices(struct json_object *o, const struct jp *p, struct glass_linux *l,
                             struct glass_err **err)
{
	struct json_object *m;
	struct jp mp = JP_KEY(p, "netDevices");
	size_t i = 0, j;
	int r = spec_get_obj(o, "netDevices", p, &m, err);

	if (r <= 0)
		return r;
	l->net_devices = xcalloc((size_t)json_object_object_length(m) + 1, sizeof(*l->net_devices));
	json_object_object_foreach(m, k, v)
	{
		struct glass_net_device *d = &l->net_devices[i];
		struct jp ep = JP_KEY(&mp, k);
		struct jp np = JP_KEY(&ep, "name");

		d->host_name = xstrdup(k);
		l->nnet_devices = ++i;
		if (check_ifname(k, &ep, err) < 0 ||
		    spec_expect(v, json_type_object, &ep, err) < 0 ||
		    spec_get_str(v, "name", &ep, &d->name, err) < 0)
			return -1;
		if (d->name && check_ifname(d->name, &np, err) < 0)
			return -1;
		for (j = 0; j + 1 < i; j++) {
			const char *a = l->net_devices[j].name ? l->net_devices[j].name
			                                       : l->net_devices[j].host_name;
			const char *b = d->name ? d->name : d->host_name;
			if (strcmp(a, b) == 0 && !strstr(b, "%d"))
				return spec_fail(
				    err, d->name ? &np : &ep,
				    "two devices would be named \"%s\" in the container", b);
		}
	}
	return 0;
}

static bool action_takes_errno(const char *action)
{
	return strcmp(action, "SCMP_ACT_ERRNO") == 0 || strcmp(action, "SCMP_ACT_TRACE") == 0;
}

static int check_action(const char *action, const struct jp *p, struct glass_err **err)
{
	if (spec_name_lookup(spec_seccomp_actions, action, NULL) < 0)
		return spec_fail(err, p, "unknown seccomp action \"%s\"", action);
	return 0;
}

static int parse_seccomp_rule(struct json_object *e, const struct jp *ep,
                              struct glass_seccomp_rule *rule, struct glass_err **err)
{
	struct json_object *a;
	struct jp np = JP_KEY(ep, "names");
	struct jp acp = JP_KEY(ep, "action");
	struct jp erp = JP_KEY(ep, "errnoRet");
	struct jp ap = JP_KEY(ep, "args");
	size_t i, n;
	int r;

	if (spec_expect(e, json_type_object, ep, err) < 0 ||
	    spec_require(e, "names", ep, err) < 0 || spec_require(e, "action", ep, err) < 0 ||
	    spec_get_strv(e, "names", ep, &rule->names, &rule->nnames, err) < 0 ||
	    spec_get_str(e, "action", ep, &rule->action, err) < 0)
		return -1;
	if (rule->nnames == 0)
		return spec_fail(err, &np, "must contain at least one syscall name");
	if (check_action(rule->action, &acp, err) < 0)
		return -1;
	r = spec_get_u32(e, "errnoRet", ep, &rule->errno_ret, err);
	if (r < 0)
		return -1;
	rule->has_errno_ret = r > 0;
	if (rule->has_errno_ret && !action_takes_errno(rule->action))
		return spec_fail(err, &erp, "action %s does not take an errno", rule->action);
	r = spec_get_arr(e, "args", ep, &a, err);
	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	rule->args = xcalloc(n + 1, sizeof(*rule->args));
	for (i = 0; i < n; i++) {
		struct json_object *ae = json_object_array_get_idx(a, i);
		struct glass_seccomp_arg *arg = &rule->args[i];
		struct jp aep = JP_IDX(&ap, i);
		struct jp ip = JP_KEY(&aep, "index");
		struct jp op = JP_KEY(&aep, "op");
		uint32_t idx = 0;

		rule->nargs = i + 1;
		if (spec_expect(ae, json_type_object, &aep, err) < 0 ||
		    spec_require(ae, "index", &aep, err) < 0 ||
		    spec_require(ae, "value", &aep, err) < 0 ||
		    spec_require(ae, "op", &aep, err) < 0 ||
		    spec_get_u32(ae, "index", &aep, &idx, err) < 0 ||
		    spec_get_u64(ae, "value", &aep, UINT64_MAX, &arg->value, err) < 0 ||
		    spec_get_u64(ae, "valueTwo", &aep, UINT64_MAX, &arg->value_two, err) < 0 ||
		    spec_get_str(ae, "op", &aep, &arg->op, err) < 0)
			return -1;
		if (idx > 5)
			return spec_fail(err, &ip, "%u out of range (a syscall has arguments 0..5)",
			                 idx);
		arg->index = idx;
		if (spec_name_lookup(spec_seccomp_ops, arg->op, NULL) < 0)
			return spec_fail(err, &op, "unknown seccomp operator \"%s\"", arg->op);
	}
	return 0;
}

static int parse_seccomp(struct json_object *s, const struct jp *p, struct glass_seccomp *sc,
                         struct glass_err **err)
{
	struct json_object *a;
	struct jp dp = JP_KEY(p, "defaultAction");
	struct jp dep = JP_KEY(p, "defaultErrnoRet");
	struct jp archp = JP_KEY(p, "architectures");
	struct jp fp = JP_KEY(p, "flags");
	struct jp mp = JP_KEY(p, "listenerMetadata");
	struct jp sp = JP_KEY(p, "syscalls");
	bool notify = false;
	size_t i, n;
	int r;

	sc->present = true;
	if (spec_require(s, "defaultAction", p, err) < 0 ||
	    spec_get_str(s, "defaultAction", p, &sc->default_action, err) < 0 ||
	    check_action(sc->default_action, &dp, err) < 0)
		return -1;
	if (strcmp(sc->default_action, "SCMP_ACT_NOTIFY") == 0)
		return spec_fail(err, &dp, "SCMP_ACT_NOTIFY cannot be the default action");
	r = spec_get_u32(s, "defaultErrnoRet", p, &sc->default_errno_ret, err);
	if (r < 0)
		return -1;
	sc->has_default_errno_ret = r > 0;
	if (sc->has_default_errno_ret && !action_takes_errno(sc->default_action))
		return spec_fail(err, &dep, "action %s does not take an errno", sc->default_action);
	if (spec_get_strv(s, "architectures", p, &sc->architectures, &sc->narchitectures, err) < 0)
		return -1;
	for (i = 0; i < sc->narchitectures; i++) {
		struct jp e = JP_IDX(&archp, i);
		if (spec_name_lookup(spec_seccomp_archs, sc->architectures[i], NULL) < 0)
			return spec_fail(err, &e, "unknown seccomp architecture \"%s\"",
			                 sc->architectures[i]);
	}
	if (spec_get_strv(s, "flags", p, &sc->flags, &sc->nflags, err) < 0)
		return -1;
	for (i = 0; i < sc->nflags; i++) {
		struct jp e = JP_IDX(&fp, i);
		if (spec_name_lookup(spec_seccomp_flags, sc->flags[i], NULL) < 0)
			return spec_fail(err, &e, "unknown seccomp flag \"%s\"", sc->flags[i]);
	}
	if (spec_get_str(s, "listenerPath", p, &sc->listener_path, err) < 0 ||
	    spec_get_str(s, "listenerMetadata", p, &sc->listener_metadata, err) < 0)
		return -1;
	if (sc->listener_metadata && !sc->listener_path)
		return spec_fail(err, &mp, "must not be set without listenerPath");
	r = spec_get_arr(s, "syscalls", p, &a, err);
	if (r < 0)
		return -1;
	n = r > 0 ? json_object_array_length(a) : 0;
	sc->syscalls = xcalloc(n + 1, sizeof(*sc->syscalls));
	for (i = 0; i < n; i++) {
		struct jp ep = JP_IDX(&sp, i);
		sc->nsyscalls = i + 1;
		if (parse_seccomp_rule(json_object_array_get_idx(a, i), &ep, &sc->syscalls[i],
		                       err) < 0)
			return -1;
		if (strcmp(sc->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
			notify = true;
	}
	if (notify && !sc->listener_path) {
		struct jp lp = JP_KEY(p, "listenerPath");
		return spec_fail(err, &lp, "required when a rule uses SCMP_ACT_NOTIFY");
	}
	return 0;
}

static int check_no_newline(const char *s, const struct jp *p, struct glass_err **err)
{
	if (s && strchr(s, '\n'))
		return spec_fail(err, p, "must not contain a newline");
	return 0;
}

static int parse_intel_rdt(struct json_object *o, const struct jp *p, struct glass_intel_rdt *r,
                           struct glass_err **err)
{
	struct jp cp = JP_KEY(p, "closID");
	struct jp lp = JP_KEY(p, "l3CacheSchema");
	struct jp mp = JP_KEY(p, "memBwSchema");
	struct jp sp = JP_KEY(p, "schemata");
	size_t i;

	r->present = true;
	if (spec_get_str(o, "closID", p, &r->clos_id, err) < 0 ||
	    spec_get_str(o, "l3CacheSchema", p, &r->l3_cache_schema, err) < 0 ||
	    spec_get_str(o, "memBwSchema", p, &r->mem_bw_schema, err) < 0 ||
	    spec_get_strv(o, "schemata", p, &r->schemata, &r->nschemata, err) < 0 ||
	    spec_get_bool(o, "enableMonitoring", p, &r->enable_monitoring, err) < 0 ||
	    spec_get_bool(o, "enableCMT", p, &r->enable_cmt, err) < 0 ||
	    spec_get_bool(o, "enableMBM", p, &r->enable_mbm, err) < 0)
		return -1;
	if (r->clos_id && strcmp(r->clos_id, "/") != 0 &&
	    (r->clos_id[0] == '\0' || strchr(r->clos_id, '/') || strchr(r->clos_id, '\n') ||
	     strcmp(r->clos_id, ".") == 0 || strcmp(r->clos_id, "..") == 0))
		return spec_fail(err, &cp, "\"%s\" is not a resctrl group name", r->clos_id);
	if (check_no_newline(r->l3_cache_schema, &lp, err) < 0)
		return -1;
	if (r->mem_bw_schema &&
	    (strncmp(r->mem_bw_schema, "MB:", 3) != 0 || strchr(r->mem_bw_schema, '\n')))
		return spec_fail(err, &mp, "must start with \"MB:\" and hold no newline");
	for (i = 0; i < r->nschemata; i++) {
		struct jp e = JP_IDX(&sp, i);
		if (check_no_newline(r->schemata[i], &e, err) < 0)
			return -1;
	}
	return 0;
}

/* A node or CPU list "0-3,7": ranges of decimal numbers, low <= high. */
static int check_list(const char *s, const struct jp *p, const char *what, struct glass_err **err)
{
	const char *c = s;

	while (*c) {
		char *end;
		unsigned long lo = strtoul(c, &end, 10);
		if (end == c || !isdigit((unsigned char)*c))
			goto bad;
		c = end;
		if (*c == '-') {
			c++;
			if (!isdigit((unsigned char)*c))
				goto bad;
			unsigned long hi = strtoul(c, &end, 10);
			c = end;
			if (hi < lo)
				goto bad;
		}
		if (*c == ',' && c[1] != '\0')
			c++;
		else if (*c != '\0')
			goto bad;
	}
	return 0;
bad:
	return spec_fail(err, p, "\"%s\" is not a %s list like \"0-3,7\"", s, what);
}

static int parse_memory_policy(struct json_object *o, const struct jp *p,
                               struct glass_memory_policy *m, struct glass_err **err)
{
	struct jp mp = JP_KEY(p, "mode");
	struct jp np = JP_KEY(p, "nodes");
	struct jp fp = JP_KEY(p, "flags");
	char **flags = NULL;
	size_t nflags = 0, i;
	long v;

	m->present = true;
	if (spec_require(o, "mode", p, err) < 0 ||
	    spec_get_str(o, "mode", p, &m->mode_name, err) < 0)
		return -1;
	if (spec_name_lookup(spec_mpol_modes, m->mode_name, &v) < 0)
		return spec_fail(err, &mp, "unknown memory policy mode \"%s\"", m->mode_name);
	m->mode = (int)v;
	if (spec_get_str(o, "nodes", p, &m->nodes, err) < 0)
		return -1;
	if (m->nodes && m->nodes[0] == '\0') {
		free(m->nodes);
		m->nodes = NULL;
	}
	if (m->nodes && check_list(m->nodes, &np, "node", err) < 0)
		return -1;
	if (spec_get_strv(o, "flags", p, &flags, &nflags, err) < 0)
		return -1;
	for (i = 0; i < nflags; i++) {
		struct jp e = JP_IDX(&fp, i);
		if (spec_name_lookup(spec_mpol_flags, flags[i], &v) < 0) {
			spec_fail(err, &e, "unknown memory policy flag \"%s\"", flags[i]);
			spec_strv_free(flags, nflags);
			return -1;
		}
		m->flags |= (unsigned)v;
	}
	spec_strv_free(flags, nflags);
	/* set_mempolicy(2): DEFAULT and LOCAL take no nodes; BIND, INTERLEAVE,
	 * WEIGHTED_INTERLEAVE and PREFERRED_MANY need at least one. */
	if ((m->mode == 0 || m->mode == 4) && m->nodes)
		return spec_fail(err, &np, "%s takes no nodes", m->mode_name);
	if ((m->mode == 2 || m->mode == 3 || m->mode == 5 || m->mode == 6) && !m->nodes)
		return spec_fail(err, &np, "%s needs at least one node", m->mode_name);
	if ((m->flags & (1u << 15)) && (m->flags & (1u << 14)))
		return spec_fail(err, &fp,
		                 "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES "
		                 "exclude each other");
	return 0;
}

static int parse_personality(struct json_object *o, const struct jp *p,
                             struct glass_personality *pe, struct glass_err **err)
{
	struct jp dp = JP_KEY(p, "domain");
	struct jp fp = JP_KEY(p, "flags");

	pe->present = true;
	if (spec_require(o, "domain", p, err) < 0 ||
	    spec_get_str(o, "domain", p, &pe->domain, err) < 0 ||
	    spec_get_strv(o, "flags", p, &pe->flags, &pe->nflags, err) < 0)
		return -1;
	if (strcmp(pe->domain, "LINUX") != 0 && strcmp(pe->domain, "LINUX32") != 0)
		return spec_fail(err, &dp, "unknown personality domain \"%s\" (LINUX or LINUX32)",
		                 pe->domain);
	if (pe->nflags > 0) {
		struct jp e = JP_IDX(&fp, 0);
		return spec_fail(err, &e,
		                 "personality flag \"%s\" is not supported (the spec "
		                 "defines none)",
		                 pe->flags[0]);
	}
	return 0;
}

/* A sysctl name becomes a path under /proc/sys ("net.ipv4.ip_forward" ->
 * net/ipv4/ip_forward): no empty or ".." component may lead out of it. */
static int check_sysctls(const struct glass_linux *l, const struct jp *p, struct glass_err **err)
{
	struct jp sp = JP_KEY(p, "sysctl");
	size_t i;

	for (i = 0; i < l->nsysctl; i++) {
		const char *k = l->sysctl[i].key, *c = k;
		struct jp ep = JP_KEY(&sp, k);

		while (*c) {
			size_t n = strcspn(c, "./");
			if (n == 0)
				goto bad;
			c += n;
			if (*c && !*++c)
				goto bad;
		}
		if (k[0] == '\0' || strpbrk(k, " \t\n"))
			goto bad;
		continue;
	bad:
		return spec_fail(err, &ep,
		                 "\"%s\" is not a sysctl name like \"net.ipv4.ip_forward\"", k);
	}
	return 0;
}

static int check_abs_list(char **v, size_t n, const struct jp *p, const char *key,
                          struct glass_err **err)
{
	struct jp kp = JP_KEY(p, key);
	size_t i;

	for (i = 0; i < n; i++) {
		struct jp e = JP_IDX(&kp, i);
		if (spec_check_abs(v[i], &e, err) < 0)
			return -1;
	}
	return 0;
}

/* Parses the optional object `key` of `o` with `fn`. */
#define PARSE_SUB(key, fn, out)                                                                    \
	do {                                                                                       \
		struct json_object *sub_;                                                          \
		struct jp kp_ = JP_KEY(p, key);                                                    \
		int r_ = spec_get_obj(o, key, p, &sub_, err);                                      \
		if (r_ < 0 || (r_ > 0 && fn(sub_, &kp_, out, err) < 0))                            \
			return -1;                                                                 \
	} while (0)

int spec_parse_linux(struct json_object *o, const struct jp *p, struct glass_linux *l,
                     struct glass_err **err)
{
	struct jp rp = JP_KEY(p, "rootfsPropagation");
	struct jp up = JP_KEY(p, "uidMappings");
	struct json_object *res;
	int r;

	if (parse_namespaces(o, p, l, err) < 0 ||
	    spec_get_idmaps(o, "uidMappings", p, &l->uid_mappings, &l->nuid_mappings, err) < 0 ||
	    spec_get_idmaps(o, "gidMappings", p, &l->gid_mappings, &l->ngid_mappings, err) < 0)
		return -1;
	if ((l->nuid_mappings || l->ngid_mappings) && !l->ns[GLASS_NS_USER].present)
		return spec_fail(err, &up, "id mappings need a user namespace in linux.namespaces");
	if (parse_time_offsets(o, p, l, err) < 0 || parse_devices(o, p, l, err) < 0 ||
	    parse_net_devices(o, p, l, err) < 0 ||
	    spec_get_str(o, "cgroupsPath", p, &l->cgroups_path, err) < 0)
		return -1;
	r = spec_get_obj(o, "resources", p, &res, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp resp = JP_KEY(p, "resources");
		if (spec_parse_resources(res, &resp, &l->resources, err) < 0)
			return -1;
	}
	if (spec_get_str(o, "rootfsPropagation", p, &l->rootfs_propagation, err) < 0)
		return -1;
	/* The schema lists private, shared, slave and unbindable; Docker and
	 * runc also use the recursive spellings (rshared, rslave, ...). */
	if (l->rootfs_propagation) {
		const char *v = l->rootfs_propagation;
		if (v[0] == 'r')
			v++;
		if (strcmp(v, "private") != 0 && strcmp(v, "shared") != 0 &&
		    strcmp(v, "slave") != 0 && strcmp(v, "unbindable") != 0)
			return spec_fail(err, &rp,
			                 "unknown propagation \"%s\" (private, shared, slave or "
			                 "unbindable, optionally with an r- prefix)",
			                 l->rootfs_propagation);
	}
	PARSE_SUB("seccomp", parse_seccomp, &l->seccomp);
	if (spec_get_map(o, "sysctl", p, &l->sysctl, &l->nsysctl, err) < 0 ||
	    check_sysctls(l, p, err) < 0 ||
	    spec_get_strv(o, "maskedPaths", p, &l->masked_paths, &l->nmasked_paths, err) < 0 ||
	    check_abs_list(l->masked_paths, l->nmasked_paths, p, "maskedPaths", err) < 0 ||
	    spec_get_strv(o, "readonlyPaths", p, &l->readonly_paths, &l->nreadonly_paths, err) <
	        0 ||
	    check_abs_list(l->readonly_paths, l->nreadonly_paths, p, "readonlyPaths", err) < 0 ||
	    spec_get_str(o, "mountLabel", p, &l->mount_label, err) < 0)
		return -1;
	PARSE_SUB("intelRdt", parse_intel_rdt, &l->intel_rdt);
	PARSE_SUB("memoryPolicy", parse_memory_policy, &l->memory_policy);
	PARSE_SUB("personality", parse_personality, &l->personality);
	return 0;
}

void spec_linux_clear(struct glass_linux *l)
{
	size_t i, j;

	for (i = 0; i < GLASS_NS_COUNT; i++)
		free(l->ns[i].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (i = 0; i < l->ndevices; i++)
		free(l->devices[i].path);
	free(l->devices);
	for (i = 0; i < l->nnet_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
	free(l->cgroups_path);
	spec_resources_clear(&l->resources);
	free(l->rootfs_propagation);
	free(l->seccomp.default_action);
	spec_strv_free(l->seccomp.architectures, l->seccomp.narchitectures);
	spec_strv_free(l->seccomp.flags, l->seccomp.nflags);
	free(l->seccomp.listener_path);
	free(l->seccomp.listener_metadata);
	for (i = 0; i < l->seccomp.nsyscalls; i++) {
		struct glass_seccomp_rule *r = &l->seccomp.syscalls[i];
		spec_strv_free(r->names, r->nnames);
		free(r->action);
		for (j = 0; j < r->nargs; j++)
			free(r->args[j].op);
		free(r->args);
	}
	free(l->seccomp.syscalls);
	spec_kv_free(l->sysctl, l->nsysctl);
	spec_strv_free(l->masked_paths, l->nmasked_paths);
	spec_strv_free(l->readonly_paths, l->nreadonly_paths);
	free(l->mount_label);
	free(l->intel_rdt.clos_id);
	free(l->intel_rdt.l3_cache_schema);
	free(l->intel_rdt.mem_bw_schema);
	spec_strv_free(l->intel_rdt.schemata, l->intel_rdt.nschemata);
	free(l->memory_policy.mode_name);
	free(l->memory_policy.nodes);
	free(l->personality.domain);
	spec_strv_free(l->personality.flags, l->personality.nflags);
	memset(l, 0, sizeof(*l));
}

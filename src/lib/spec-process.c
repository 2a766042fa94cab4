/* spec-process: the `process` object of config.json (and process.json of
 * `exec --process`).
 *
 * Everything the kernel needs to turn the container's init into the
 * user's program: argv/envp for execve(2), the working directory, the
 * credentials (setresuid/setresgid/setgroups, umask), the five capability
 * sets (capset(2), PR_CAPBSET_DROP, PR_CAP_AMBIENT), rlimits
 * (prlimit(2)), no_new_privs (prctl), oom_score_adj, the scheduler
 * (sched_setattr(2)), the I/O priority (ioprio_set(2)) and the CPU
 * affinity of exec'd processes (sched_setaffinity(2)). */
#include "spec-internal.h"
#include "util.h"

#include <string.h>

static int parse_caps(struct json_object *o, const struct jp *p, struct glass_caps *c,
                      struct glass_err **err)
{
	static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
	                                   "ambient"};
	bool *has[] = {&c->has_bounding, &c->has_effective, &c->has_inheritable, &c->has_permitted,
	               &c->has_ambient};
	int **lists[] = {&c->bounding, &c->effective, &c->inheritable, &c->permitted, &c->ambient};
	size_t *ns[] = {&c->nbounding, &c->neffective, &c->ninheritable, &c->npermitted,
	                &c->nambient};
	size_t s, i;

	for (s = 0; s < 5; s++) {
		char **names = NULL;
		size_t n = 0;
		int r = spec_get_strv(o, sets[s], p, &names, &n, err);

		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		*has[s] = true;
		*lists[s] = xcalloc(n + 1, sizeof(int));
		*ns[s] = 0;
		for (i = 0; i < n; i++) {
			int cap = glass_cap_from_name(names[i]);
			if (cap >= 0) {
				(*lists[s])[(*ns[s])++] = cap;
				continue;
			}
			/* runc and crun skip a name they do not know (a newer
			 * kernel's, or a typo) with a warning: so does glass. */
			char *u = xasprintf("%s%s%s[%zu] \"%s\"", c->unknown ? c->unknown : "",
			                    c->unknown ? ", " : "", sets[s], i, names[i]);
			free(c->unknown);
			c->unknown = u;
		}
		spec_strv_free(names, n);
	}
	return 0;
}

static int parse_rlimits(struct json_object *o, const struct jp *p, struct glass_process *pr,
                         struct glass_err **err)
{
	struct json_object *a;
	struct jp ap = JP_KEY(p, "rlimits");
	size_t i, j, n;
	int r = spec_get_arr(o, "rlimits", p, &a, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	pr->rlimits = xcalloc(n + 1, sizeof(*pr->rlimits));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_rlimit *rl = &pr->rlimits[i];
		struct jp ep = JP_IDX(&ap, i);
		struct jp tp = JP_KEY(&ep, "type");

		pr->nrlimits = i + 1;
		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "type", &ep, err) < 0 ||
		    spec_require(e, "soft", &ep, err) < 0 ||
		    spec_require(e, "hard", &ep, err) < 0 ||
		    spec_get_str(e, "type", &ep, &rl->type, err) < 0 ||
		    spec_get_u64(e, "soft", &ep, UINT64_MAX, &rl->soft, err) < 0 ||
		    spec_get_u64(e, "hard", &ep, UINT64_MAX, &rl->hard, err) < 0)
			return -1;
		rl->resource = glass_rlimit_from_name(rl->type);
		if (rl->resource < 0) {
			spec_fail(err, &tp, "unknown rlimit \"%s\"", rl->type);
			return glass_err_hint(err, "rlimit types are the RLIMIT_* names of "
			                           "getrlimit(2), e.g. \"RLIMIT_NOFILE\"");
		}
		for (j = 0; j < i; j++)
			if (pr->rlimits[j].resource == rl->resource)
				return spec_fail(err, &tp,
				                 "duplicate rlimit \"%s\" (also at index %zu)",
				                 rl->type, j);
		if (rl->soft > rl->hard)
			return spec_fail(err, &ep, "soft limit %llu exceeds hard limit %llu",
			                 (unsigned long long)rl->soft,
			                 (unsigned long long)rl->hard);
	}
	return 0;
}

/* An id beyond GLASS_ID_MAX is refused: setresuid(-1) would leave the
 * process root, and runc refuses the same range. */
static int check_id(uint64_t id, const struct jp *p, struct glass_err **err)
{
	if (id <= GLASS_ID_MAX)
		return 0;
	spec_fail(err, p, "%llu out of range (0..%u)", (unsigned long long)id, GLASS_ID_MAX);
	return glass_err_hint(err, "(uid_t)-1 tells setresuid(2) to leave the id unchanged: "
	                           "4294967295 would keep the process root");
}

static int parse_user(struct json_object *o, const struct jp *p, struct glass_user *u,
                      struct glass_err **err)
{
	struct json_object *a;
	struct jp gp = JP_KEY(p, "additionalGids");
	struct jp uidp = JP_KEY(p, "uid");
	struct jp gidp = JP_KEY(p, "gid");
	size_t i, n;
	int r;

	if (spec_get_u32(o, "uid", p, &u->uid, err) < 0 ||
	    spec_get_u32(o, "gid", p, &u->gid, err) < 0 || check_id(u->uid, &uidp, err) < 0 ||
	    check_id(u->gid, &gidp, err) < 0)
		return -1;
	r = spec_get_u32(o, "umask", p, &u->umask, err);
	if (r < 0)
		return -1;
	u->has_umask = r > 0;
	if (u->has_umask && u->umask > 0777) {
		struct jp mp = JP_KEY(p, "umask");
		return spec_fail(err, &mp, "%u is not a valid umask (0..511, i.e. 0777)", u->umask);
	}
	if (spec_get_str(o, "username", p, &u->username, err) < 0)
		return -1;
	r = spec_get_arr(o, "additionalGids", p, &a, err);
	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	u->additional_gids = xcalloc(n + 1, sizeof(uint32_t));
	for (i = 0; i < n; i++) {
		struct jp e = JP_IDX(&gp, i);
		uint64_t g;
		if (spec_val_u64(json_object_array_get_idx(a, i), &e, UINT32_MAX, &g, err) < 0 ||
		    check_id(g, &e, err) < 0)
			return -1;
		u->additional_gids[i] = (uint32_t)g;
		u->nadditional_gids = i + 1;
	}
	return 0;
}

/* One decimal id of 0..GLASS_ID_MAX; `end` gets the first byte after it. */
static int parse_id(const char *s, const char **end, uint32_t *out)
{
	uint64_t v = 0;
	const char *c = s;
	if (*c < '0' || *c > '9')
		return -1;
	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > GLASS_ID_MAX)
			return -1;
	}
	*end = c;
	*out = (uint32_t)v;
	return 0;
}

int glass_spec_parse_id_arg(const char *s, const char *flag, uint32_t *id, struct glass_err **err)
{
	const char *end;
	if (parse_id(s, &end, id) < 0 || *end)
		return glass_err_field(err, EINVAL, flag, "%s %s: want a decimal id of 0..%u", flag,
		                       s, GLASS_ID_MAX);
	return 0;
}

int glass_spec_parse_user_arg(const char *s, const char *flag, uint32_t *uid, uint32_t *gid,
                              bool *has_gid, struct glass_err **err)
{
	const char *end;
	*has_gid = false;
	if (parse_id(s, &end, uid) == 0 && *end == '\0')
		return 0;
	if (parse_id(s, &end, uid) == 0 && *end == ':' && parse_id(end + 1, &end, gid) == 0 &&
	    *end == '\0') {
		*has_gid = true;
		return 0;
	}
	glass_err_field(err, EINVAL, flag, "%s %s: want UID[:GID], decimal ids of 0..%u", flag, s,
	                GLASS_ID_MAX);
	return glass_err_hint(err, "(uid_t)-1 tells setresuid(2) to leave the id unchanged: "
	                           "4294967295 would keep the process root");
}

/* Scheduler names are from sched(7); the numbers go to sched_setattr(2). */
static int parse_scheduler(struct json_object *o, const struct jp *p, struct glass_scheduler *s,
                           struct glass_err **err)
{
	struct jp pp = JP_KEY(p, "policy");
	struct jp fp = JP_KEY(p, "flags");
	char **flags = NULL;
	size_t nflags = 0, i;
	long v;
	int r;

	s->present = true;
	if (spec_require(o, "policy", p, err) < 0 ||
	    spec_get_str(o, "policy", p, &s->policy_name, err) < 0)
		return -1;
	if (spec_name_lookup(spec_sched_policies, s->policy_name, &v) < 0)
		return spec_fail(err, &pp, "unknown scheduler policy \"%s\"", s->policy_name);
	s->policy = (int)v;
	if (spec_get_int(o, "nice", p, &s->nice, err) < 0 ||
	    spec_get_int(o, "priority", p, &s->priority, err) < 0 ||
	    spec_get_u64(o, "runtime", p, UINT64_MAX, &s->runtime, err) < 0 ||
	    spec_get_u64(o, "deadline", p, UINT64_MAX, &s->deadline, err) < 0 ||
	    spec_get_u64(o, "period", p, UINT64_MAX, &s->period, err) < 0)
		return -1;
	if (s->nice < -20 || s->nice > 19) {
		struct jp np = JP_KEY(p, "nice");
		return spec_fail(err, &np, "nice value %d out of range (-20..19)", s->nice);
	}
	r = spec_get_strv(o, "flags", p, &flags, &nflags, err);
	if (r < 0)
		return -1;
	for (i = 0; i < nflags; i++) {
		struct jp e = JP_IDX(&fp, i);
		if (spec_name_lookup(spec_sched_flags, flags[i], &v) < 0) {
			spec_fail(err, &e, "unknown scheduler flag \"%s\"", flags[i]);
			spec_strv_free(flags, nflags);
			return -1;
		}
		s->flags |= (uint64_t)v;
	}
	spec_strv_free(flags, nflags);
	return 0;
}

static int parse_ioprio(struct json_object *o, const struct jp *p, struct glass_io_priority *io,
                        struct glass_err **err)
{
	struct jp cp = JP_KEY(p, "class");
	struct jp pp = JP_KEY(p, "priority");
	long v;

	io->present = true;
	if (spec_require(o, "class", p, err) < 0 ||
	    spec_get_str(o, "class", p, &io->class_name, err) < 0)
		return -1;
	if (spec_name_lookup(spec_ioprio_classes, io->class_name, &v) < 0)
		return spec_fail(err, &cp, "unknown I/O priority class \"%s\"", io->class_name);
	io->klass = (int)v;
	if (spec_get_int(o, "priority", p, &io->priority, err) < 0)
		return -1;
	if (io->priority < 0 || io->priority > 7)
		return spec_fail(err, &pp, "%d out of range (0..7)", io->priority);
	return 0;
}

/* "0-3,7": digits, commas, dashes (and spaces, as the schema allows). */
static int check_cpu_list(const char *s, const struct jp *p, struct glass_err **err)
{
	if (s[strspn(s, "0123456789, -")] != '\0')
		return spec_fail(err, p, "\"%s\" is not a CPU list like \"0-3,7\"", s);
	return 0;
}

static int parse_affinity(struct json_object *o, const struct jp *p, struct glass_cpu_affinity *a,
                          struct glass_err **err)
{
	struct jp ip = JP_KEY(p, "initial");
	struct jp fp = JP_KEY(p, "final");

	if (spec_get_str(o, "initial", p, &a->initial, err) < 0 ||
	    spec_get_str(o, "final", p, &a->final, err) < 0)
		return -1;
	if (a->initial && check_cpu_list(a->initial, &ip, err) < 0)
		return -1;
	if (a->final && check_cpu_list(a->final, &fp, err) < 0)
		return -1;
	return 0;
}

int spec_parse_process(struct json_object *o, const struct jp *p, struct glass_process *pr,
                       struct glass_err **err)
{
	struct json_object *sub;
	struct jp cwd = JP_KEY(p, "cwd");
	struct jp args = JP_KEY(p, "args");
	int r;

	pr->present = true;
	if (spec_expect(o, json_type_object, p, err) < 0 ||
	    spec_get_bool(o, "terminal", p, &pr->terminal, err) < 0)
		return -1;
	r = spec_get_obj(o, "consoleSize", p, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp cp = JP_KEY(p, "consoleSize");
		if (spec_require(sub, "height", &cp, err) < 0 ||
		    spec_require(sub, "width", &cp, err) < 0 ||
		    spec_get_u32(sub, "height", &cp, &pr->console_size.height, err) < 0 ||
		    spec_get_u32(sub, "width", &cp, &pr->console_size.width, err) < 0)
			return -1;
		pr->has_console_size = true;
	}
	r = spec_get_obj(o, "user", p, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp up = JP_KEY(p, "user");
		if (parse_user(sub, &up, &pr->user, err) < 0)
			return -1;
	}
	if (spec_get_strv(o, "args", p, &pr->args, &pr->nargs, err) < 0 ||
	    spec_get_str(o, "commandLine", p, &pr->command_line, err) < 0 ||
	    spec_get_strv(o, "env", p, &pr->env, &pr->nenv, err) < 0)
		return -1;
	for (size_t i = 0; i < pr->nenv; i++) {
		struct jp envp = JP_KEY(p, "env");
		struct jp e = JP_IDX(&envp, i);
		const char *eq = strchr(pr->env[i], '=');
		if (eq == NULL || eq == pr->env[i])
			return spec_fail(err, &e, "\"%s\" is not NAME=VALUE", pr->env[i]);
	}
	if (pr->nargs == 0)
		return spec_fail(err, &args,
		                 "must contain at least one entry (the program to run)");
	if (pr->args[0][0] == '\0') {
		struct jp a0 = JP_IDX(&args, 0);
		return spec_fail(err, &a0, "the program to run must not be empty");
	}
	if (spec_require(o, "cwd", p, err) < 0 || spec_get_str(o, "cwd", p, &pr->cwd, err) < 0 ||
	    spec_check_abs(pr->cwd, &cwd, err) < 0)
		return -1;
	r = spec_get_obj(o, "capabilities", p, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp cp = JP_KEY(p, "capabilities");
		pr->has_caps = true;
		if (parse_caps(sub, &cp, &pr->caps, err) < 0)
			return -1;
	}
	if (parse_rlimits(o, p, pr, err) < 0 ||
	    spec_get_bool(o, "noNewPrivileges", p, &pr->no_new_privileges, err) < 0 ||
	    spec_get_str(o, "apparmorProfile", p, &pr->apparmor_profile, err) < 0 ||
	    spec_get_str(o, "selinuxLabel", p, &pr->selinux_label, err) < 0)
		return -1;
	r = spec_get_int(o, "oomScoreAdj", p, &pr->oom_score_adj, err);
	if (r < 0)
		return -1;
	pr->has_oom_score_adj = r > 0;
	if (pr->has_oom_score_adj && (pr->oom_score_adj < -1000 || pr->oom_score_adj > 1000)) {
		struct jp op = JP_KEY(p, "oomScoreAdj");
		return spec_fail(err, &op, "%d out of range (-1000..1000)", pr->oom_score_adj);
	}
	r = spec_get_obj(o, "scheduler", p, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp sp = JP_KEY(p, "scheduler");
		if (parse_scheduler(sub, &sp, &pr->scheduler, err) < 0)
			return -1;
	}
	r = spec_get_obj(o, "ioPriority", p, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp ip = JP_KEY(p, "ioPriority");
		if (parse_ioprio(sub, &ip, &pr->io_priority, err) < 0)
			return -1;
	}
	r = spec_get_obj(o, "execCPUAffinity", p, &sub, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		struct jp ap = JP_KEY(p, "execCPUAffinity");
		if (parse_affinity(sub, &ap, &pr->exec_cpu_affinity, err) < 0)
			return -1;
	}
	return 0;
}

void glass_process_clear(struct glass_process *p)
{
	if (p == NULL)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	spec_strv_free(p->args, p->nargs);
	free(p->command_line);
	spec_strv_free(p->env, p->nenv);
	free(p->cwd);
	free(p->caps.bounding);
	free(p->caps.effective);
	free(p->caps.inheritable);
	free(p->caps.permitted);
	free(p->caps.ambient);
	free(p->caps.unknown);
	for (size_t i = 0; i < p->nrlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->scheduler.policy_name);
	free(p->io_priority.class_name);
	free(p->exec_cpu_affinity.initial);
	free(p->exec_cpu_affinity.final);
	memset(p, 0, sizeof(*p));
}

int glass_spec_parse_process(const char *json_text, size_t len, struct glass_process *out,
                             struct glass_err **err)
{
	struct json_object *doc;
	int r;

	memset(out, 0, sizeof(*out));
	doc = glass_json_parse(json_text, len, "process.json", err);
	if (doc == NULL)
		return -1;
	r = spec_parse_process(doc, NULL, out, err);
	json_object_put(doc);
	if (r < 0)
		glass_process_clear(out);
	return r < 0 ? -1 : 0;
}

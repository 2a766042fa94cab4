/* cli-opts: docker run's (and create's) flags into struct ctr_create_opts.
 *
 * Flags come as `--name x`, `--name=x`, and short booleans bundle (-dit).
 * Repeatable flags (-e, --label, --cap-add ...) collect into arrays sized
 * by argc, so no flag can overflow them. */
#include "cli.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

enum opt_kind { O_BOOL, O_STR, O_LIST };

struct opt {
	const char *shrt, *lng;
	enum opt_kind kind;
	size_t off; /* into struct cli_run */
};

#define F(m) offsetof(struct cli_run, m)
static const struct opt opts[] = {
    {"-d", "--detach", O_BOOL, F(detach)},
    {"-i", "--interactive", O_BOOL, F(c.stdin_open)},
    {"-t", "--tty", O_BOOL, F(c.tty)},
    {NULL, "--rm", O_BOOL, F(c.rm)},
    {NULL, "--read-only", O_BOOL, F(c.bundle.readonly)},
    {NULL, "--privileged", O_BOOL, F(c.bundle.privileged)},
    {NULL, "--init", O_BOOL, F(c.init)},
    {"-q", "--quiet", O_BOOL, F(c.pull.quiet)},
    {"-P", "--publish-all", O_BOOL, F(c.publish_all)},
    {NULL, "--name", O_STR, F(c.name)},
    {"-w", "--workdir", O_STR, F(c.bundle.workdir)},
    {"-u", "--user", O_STR, F(c.bundle.user)},
    {"-h", "--hostname", O_STR, F(c.bundle.hostname)},
    {NULL, "--entrypoint", O_STR, F(entrypoint)},
    {NULL, "--restart", O_STR, F(c.restart)},
    {"-m", "--memory", O_STR, F(memory)},
    {NULL, "--cpus", O_STR, F(cpus)},
    {NULL, "--pids-limit", O_STR, F(pids)},
    {NULL, "--stop-signal", O_STR, F(c.stop_signal)},
    {NULL, "--stop-timeout", O_STR, F(stop_timeout)},
    {NULL, "--cgroup-parent", O_STR, F(c.cgroup_parent)},
    {NULL, "--log-driver", O_STR, F(log_driver)},
    {"-e", "--env", O_LIST, F(env)},
    {NULL, "--env-file", O_LIST, F(env_files)},
    {"-l", "--label", O_LIST, F(labels)},
    {NULL, "--cap-add", O_LIST, F(cap_add)},
    {NULL, "--cap-drop", O_LIST, F(cap_drop)},
    {NULL, "--security-opt", O_LIST, F(security_opt)},
    {NULL, "--log-opt", O_LIST, F(log_opts)},
    {NULL, "--volumes-from", O_LIST, F(volumes_from)},
};
#undef F

static void list_add(struct cli_list *l, const char *v)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = (char *)v;
	l->v[l->n] = NULL;
}

static int set_opt(struct cli_run *r, const struct opt *o, const char *v)
{
	char *base = (char *)r + o->off;
	if (o->kind == O_BOOL)
		*(bool *)base = true;
	else if (o->kind == O_STR)
		*(const char **)base = v;
	else
		list_add((struct cli_list *)base, v);
	return 1;
}

/* -dit: every letter a boolean flag. */
static int bundled(struct cli_run *r, const char *a)
{
	if (a[0] != '-' || a[1] == '-' || strlen(a) < 3)
		return 0;
	for (const char *p = a + 1; *p; p++)
		if (!strchr("dit", *p))
			return 0;
	for (const char *p = a + 1; *p; p++)
		set_opt(r, &opts[*p == 'd' ? 0 : *p == 'i' ? 1 : 2], NULL);
	return 1;
}

/* 1: argv[*i] was one of run's flags; 0: not; -1: it lacks its value. */
static int run_flag(int argc, char **argv, int *i, struct cli_run *r)
{
	const char *a = argv[*i];
	if (bundled(r, a))
		return 1;
	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		const struct opt *o = &opts[k];
		size_t ll = strlen(o->lng);
		bool is_short = o->shrt && strcmp(a, o->shrt) == 0;
		if (o->kind != O_BOOL && strncmp(a, o->lng, ll) == 0 && a[ll] == '=')
			return set_opt(r, o, a + ll + 1);
		if (!is_short && strcmp(a, o->lng) != 0)
			continue;
		if (o->kind == O_BOOL)
			return set_opt(r, o, NULL);
		if (*i + 1 >= argc)
			return -1;
		return set_opt(r, o, argv[++*i]);
	}
	return 0;
}

int cli_parse_run(int argc, char **argv, struct cli_run *r, const char *use, const char *verb,
                  int *status)
{
	int i = 1;
	r->c.pull.tls_verify = 1;
	r->c.stop_timeout = -1;
	r->c.netvol = &r->nv;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		int k = engine_pull_flag(argc, argv, &i, &r->c.pull);
		if (k == 0) {
			struct glass_err *e = NULL;
			k = engine_netvol_parse_flag(argc, argv, &i, &r->nv, &e);
			if (k < 0) {
				*status = cli_fail(&e, 125);
				return -1;
			}
		}
		if (k == 0)
			k = run_flag(argc, argv, &i, r);
		if (k < 0)
			*status = engine_usage(use, "%s: %s needs a value", verb, a);
		else if (k == 0)
			*status = engine_usage(use, "%s: unknown option %s", verb, a);
		if (k <= 0)
			return -1;
	}
	if (i >= argc) {
		*status = engine_usage(use, "%s: no image given", verb);
		return -1;
	}
	r->c.image = argv[i++];
	r->c.bundle.args = i < argc ? argv + i : NULL;
	return 0;
}

void cli_run_release(struct cli_run *r)
{
	struct cli_list *lists[] = {&r->env,      &r->env_files,    &r->labels,   &r->cap_add,
	                            &r->cap_drop, &r->security_opt, &r->log_opts, &r->volumes_from};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		free(lists[i]->v);
	for (size_t i = 0; i < r->env_read.n; i++)
		free(r->env_read.v[i]);
	free(r->env_read.v);
	free(r->init);
	glass_manifest_strv_free(r->c.bundle.entrypoint);
	engine_netvol_free(&r->nv);
}

/* --env-file: K=V lines, # comments; a bare K takes this process's value. */
static int read_env_file(struct cli_run *r, const char *path, struct glass_err **err)
{
	FILE *f = fopen(path, "re");
	char line[8192];
	if (!f)
		return glass_err_new(err, errno, "--env-file %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		const char *l = line + strspn(line, " \t");
		if (!*l || *l == '#')
			continue;
		if (strchr(l, '='))
			list_add(&r->env_read, xstrdup(l));
		else if (getenv(l))
			list_add(&r->env_read, xasprintf("%s=%s", l, getenv(l)));
	}
	fclose(f);
	return 0;
}

/* --security-opt: no-new-privileges[:true|false], seccomp=unconfined|FILE */
static int security_opts(struct cli_run *r, struct glass_err **err)
{
	for (size_t i = 0; i < r->security_opt.n; i++) {
		const char *s = r->security_opt.v[i];
		if (strcmp(s, "no-new-privileges") == 0 ||
		    strcmp(s, "no-new-privileges:true") == 0 ||
		    strcmp(s, "no-new-privileges=true") == 0)
			r->c.bundle.no_new_privileges = true;
		else if (strcmp(s, "no-new-privileges:false") == 0 ||
		         strcmp(s, "no-new-privileges=false") == 0)
			r->c.bundle.no_new_privileges = false;
		else if (strcmp(s, "seccomp=unconfined") == 0 ||
		         strcmp(s, "seccomp:unconfined") == 0)
			r->c.bundle.no_seccomp = true;
		else if (strncmp(s, "seccomp=", 8) == 0 || strncmp(s, "seccomp:", 8) == 0)
			r->c.bundle.seccomp_file = s + 8;
		else
			return glass_err_new(
			    err, EINVAL,
			    "--security-opt \"%s\": glass knows no-new-privileges and "
			    "seccomp=unconfined|FILE",
			    s);
	}
	return 0;
}

static int log_opts(struct cli_run *r, struct glass_err **err)
{
	if (r->log_driver && strcmp(r->log_driver, "json-file") != 0)
		return glass_err_new(err, EINVAL, "--log-driver %s: glass writes json-file only",
		                     r->log_driver);
	for (size_t i = 0; i < r->log_opts.n; i++) {
		const char *s = r->log_opts.v[i];
		if (strncmp(s, "max-size=", 9) == 0) {
			r->c.log_max_size = glass_parse_size(s + 9);
			if (r->c.log_max_size <= 0)
				return glass_err_new(err, EINVAL, "--log-opt %s: bad size", s);
		} else if (strncmp(s, "max-file=", 9) == 0) {
			r->c.log_max_file = atoi(s + 9);
			if (r->c.log_max_file <= 0)
				return glass_err_new(err, EINVAL, "--log-opt %s: bad count", s);
		} else {
			return glass_err_new(
			    err, EINVAL, "--log-opt \"%s\": json-file takes max-size and max-file",
			    s);
		}
	}
	return 0;
}

static int restart_policy(const char *p, struct glass_err **err)
{
	char *end;
	if (!p || strcmp(p, "no") == 0 || strcmp(p, "always") == 0 ||
	    strcmp(p, "unless-stopped") == 0 || strcmp(p, "on-failure") == 0)
		return 0;
	if (strncmp(p, "on-failure:", 11) == 0 && strtol(p + 11, &end, 10) >= 0 && !*end && p[11])
		return 0;
	return glass_err_new(
	    err, EINVAL, "--restart \"%s\": want no, always, unless-stopped or on-failure[:N]", p);
}

/* Numbers and sizes. */
static int limits(struct cli_run *r, struct glass_err **err)
{
	char *end = "";
	struct glass_bundle_opts *b = &r->c.bundle;
	if (r->memory && (b->memory = glass_parse_size(r->memory)) <= 0)
		return glass_err_new(err, EINVAL, "--memory \"%s\": not a size", r->memory);
	if (r->cpus && ((b->cpus = strtod(r->cpus, &end)) <= 0 || *end))
		return glass_err_new(err, EINVAL, "--cpus \"%s\": not a positive number", r->cpus);
	if (r->pids && ((b->pids_limit = strtoll(r->pids, &end, 10)) == 0 || *end))
		return glass_err_new(err, EINVAL, "--pids-limit \"%s\": not a number", r->pids);
	if (r->stop_timeout && ((r->c.stop_timeout = (int)strtol(r->stop_timeout, &end, 10)) < 0 ||
	                        *end || !*r->stop_timeout))
		return glass_err_new(err, EINVAL, "--stop-timeout \"%s\": not a number of seconds",
		                     r->stop_timeout);
	if (r->c.stop_signal && ctr_parse_signal(r->c.stop_signal) < 0)
		return glass_err_new(err, EINVAL, "--stop-signal \"%s\": unknown signal",
		                     r->c.stop_signal);
	return 0;
}

/* Turns what was typed into the operation's options; 0 or -1 with *err. */
int cli_run_check(struct cli_run *r, struct glass_err **err)
{
	for (size_t i = 0; i < r->env_files.n; i++)
		if (read_env_file(r, r->env_files.v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < r->env.n; i++) {
		const char *e = r->env.v[i], *val = getenv(e);
		if (strchr(e, '='))
			list_add(&r->env_read, xstrdup(e));
		else if (val) /* docker: -e K passes this process's K, if set */
			list_add(&r->env_read, xasprintf("%s=%s", e, val));
	}
	r->c.bundle.env = r->env_read.v;
	r->c.labels = r->labels.v;
	r->c.bundle.cap_add = r->cap_add.v;
	r->c.bundle.cap_drop = r->cap_drop.v;
	r->c.security_opt = r->security_opt.v;
	r->c.volumes_from = r->volumes_from.v;
	if (r->entrypoint) {
		r->c.bundle.entrypoint_set = true;
		r->c.bundle.entrypoint = xcalloc(2, sizeof(char *));
		if (*r->entrypoint)
			r->c.bundle.entrypoint[0] = xstrdup(r->entrypoint);
	}
	if (r->c.init) {
		r->init = engine_find_sibling("glass-init");
		if (!r->init)
			return glass_err_new(err, ENOENT, "--init: glass-init not found beside %s",
			                     engine_exe_dir());
		r->c.bundle.init_path = r->init;
	}
	if (r->c.rm && r->c.restart && strcmp(r->c.restart, "no") != 0)
		return glass_err_new(err, EINVAL, "conflicting options: --restart and --rm");
	if (limits(r, err) < 0 || security_opts(r, err) < 0 || log_opts(r, err) < 0 ||
	    restart_policy(r->c.restart, err) < 0)
		return -1;
	return 0;
}

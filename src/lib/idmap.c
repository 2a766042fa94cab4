/* idmap: see idmap.h. */
#include "idmap.h"
#include "sys.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *map_text(const struct glass_idmap *m, size_t n)
{
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&b, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	return strbuf_steal(&b);
}

/* Runs newuidmap/newgidmap PID inside outside count ... */
static int run_helper(const char *helper, pid_t pid, const struct glass_idmap *m, size_t n,
                      const char *field, struct glass_err **err)
{
	char **argv = xcalloc(3 * n + 3, sizeof(char *));
	size_t a = 0;
	pid_t child;
	int status = 0;
	struct glass_trace_op op = {0};
	cleanup_free char *shown = map_text(m, n);

	for (char *p = shown; *p; p++)
		if (*p == '\n')
			*p = ' ';
	argv[a++] = xstrdup(helper);
	argv[a++] = xasprintf("%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		argv[a++] = xasprintf("%u", m[i].container_id);
		argv[a++] = xasprintf("%u", m[i].host_id);
		argv[a++] = xasprintf("%u", m[i].size);
	}
	if (glass_trace_on && glass_trace_begin(&op, helper, field, "%d %s", (int)pid, shown) < 0) {
		status = -1;
		errno = ECANCELED;
		goto out;
	}
	child = fork();
	if (child == 0) {
		execvp(helper, argv);
		_exit(127);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0)
		status = -1;
	if (op.active)
		glass_trace_end(&op, status == 0 ? 0 : -1, status == 0 ? 0 : EPERM);
out:
	for (size_t i = 0; i < a; i++)
		free(argv[i]);
	free(argv);
	if (status != 0) {
		glass_err_field(err, status < 0 ? errno : 0, field, "%s %d %s: %s", helper,
		                (int)pid, shown,
		                status < 0                                        ? "could not run"
		                : WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not installed"
		                                                                  : "failed");
		return glass_err_hint(err,
		                      "%s needs the uidmap package and ranges for this user "
		                      "in /etc/subuid and /etc/subgid",
		                      helper);
	}
	return 0;
}

static bool own_id_only(const struct glass_idmap *m, size_t n, uint32_t own)
{
	return n == 1 && m[0].host_id == own && m[0].size == 1;
}

int glass_idmap_write(pid_t pid, const struct glass_spec *spec, struct glass_err **err)
{
	const struct glass_linux *l = &spec->linux_;
	char path[64];
	bool root = geteuid() == 0;

	if (l->nuid_mappings) {
		if (root || own_id_only(l->uid_mappings, l->nuid_mappings, geteuid())) {
			cleanup_free char *text = map_text(l->uid_mappings, l->nuid_mappings);
			snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
			if (glass_sys_write_file(path, text, "linux.uidMappings", err) < 0)
				return glass_err_ctx(err, "write uid map");
		} else if (run_helper("newuidmap", pid, l->uid_mappings, l->nuid_mappings,
		                      "linux.uidMappings", err) < 0) {
			return glass_err_ctx(err, "write uid map");
		}
	}
	if (l->ngid_mappings) {
		if (root || own_id_only(l->gid_mappings, l->ngid_mappings, getegid())) {
			cleanup_free char *text = map_text(l->gid_mappings, l->ngid_mappings);
			if (!root) {
				/* An unprivileged gid map requires setgroups to be
				 * denied first (CVE-2014-8989: dropping groups could
				 * grant access). */
				snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
				if (glass_sys_write_file(path, "deny", "linux.gidMappings", err) <
				    0)
					return glass_err_ctx(err, "write gid map");
			}
			snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
			if (glass_sys_write_file(path, text, "linux.gidMappings", err) < 0)
				return glass_err_ctx(err, "write gid map");
		} else if (run_helper("newgidmap", pid, l->gid_mappings, l->ngid_mappings,
		                      "linux.gidMappings", err) < 0) {
			return glass_err_ctx(err, "write gid map");
		}
	}
	return 0;
}

uid_t glass_idmap_to_host(const struct glass_idmap *maps, size_t n, uint32_t id)
{
	if (n == 0)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= maps[i].container_id && id - maps[i].container_id < maps[i].size)
			return maps[i].host_id + (id - maps[i].container_id);
	return (uid_t)-1;
}

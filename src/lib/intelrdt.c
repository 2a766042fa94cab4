/* intelrdt: see intelrdt.h. */
#include "intelrdt.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Finds the resctrl mount point in /proc/self/mountinfo (field 5 is the
 * mount point; the filesystem type follows the " - " separator). */
static char *resctrl_mount(void)
{
	cleanup_free char *info = read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL);
	char *save = NULL;
	if (info == NULL)
		return NULL;
	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[4096];
		const char *sep = strstr(line, " - ");
		if (sep == NULL || strncmp(sep + 3, "resctrl ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			return xstrdup(mnt);
	}
	return NULL;
}

int glass_intelrdt_check(const struct glass_spec *spec, struct glass_err **err)
{
	cleanup_free char *mnt = NULL;
	if (!spec->linux_.intel_rdt.present)
		return 0;
	mnt = resctrl_mount();
	if (mnt == NULL) {
		glass_err_field(err, 0, "linux.intelRdt",
		                "linux.intelRdt: no resctrl filesystem is mounted on this host");
		return glass_err_hint(err,
		                      "Intel RDT needs a CPU with CAT/MBA and `mount -t resctrl "
		                      "resctrl /sys/fs/resctrl`; remove linux.intelRdt to run "
		                      "without it");
	}
	return 0;
}

static bool has_schema(const struct glass_intel_rdt *r)
{
	return r->l3_cache_schema || r->mem_bw_schema || r->nschemata > 0;
}

/* The lines to write, in the spec's order: l3CacheSchema, memBwSchema,
 * then schemata[]. */
static char *schemata_text(const struct glass_intel_rdt *r)
{
	struct strbuf b = STRBUF_INIT;
	if (r->l3_cache_schema)
		strbuf_printf(&b, "%s\n", r->l3_cache_schema);
	if (r->mem_bw_schema)
		strbuf_printf(&b, "%s\n", r->mem_bw_schema);
	for (size_t i = 0; i < r->nschemata; i++)
		strbuf_printf(&b, "%s\n", r->schemata[i]);
	return strbuf_steal(&b);
}

/* An existing class must already hold the asked-for schema lines. */
static int compare_schemata(const char *dir, const struct glass_intel_rdt *r,
                            struct glass_err **err)
{
	cleanup_free char *path = xasprintf("%s/schemata", dir);
	cleanup_free char *have = read_file_at(AT_FDCWD, path, NULL);
	const char *want[2] = {r->l3_cache_schema, r->mem_bw_schema};
	if (have == NULL)
		return glass_err_new(err, errno, "read(%s)", path);
	for (int i = 0; i < 2; i++) {
		if (want[i] && strstr(have, want[i]) == NULL)
			return glass_err_field(err, 0, "linux.intelRdt",
			                       "linux.intelRdt: class %s exists with a different "
			                       "schemata (wanted \"%s\")",
			                       dir, want[i]);
	}
	return 0;
}

int glass_intelrdt_apply(const struct glass_spec *spec, const char *id, pid_t pid, bool *created,
                         struct glass_err **err)
{
	const struct glass_intel_rdt *r = &spec->linux_.intel_rdt;
	cleanup_free char *mnt = NULL, *dir = NULL, *tasks = NULL, *text = NULL;
	char pidbuf[32];
	struct stat st;

	*created = false;
	if (!r->present)
		return 0;
	if (glass_intelrdt_check(spec, err) < 0)
		return -1;
	glass_trace_phase("intelrdt");
	mnt = resctrl_mount();
	if (r->clos_id && strcmp(r->clos_id, "/") == 0)
		dir = xstrdup(mnt);
	else
		dir = xasprintf("%s/%s", mnt, r->clos_id ? r->clos_id : id);
	if (stat(dir, &st) < 0) {
		if (r->clos_id && !has_schema(r))
			return glass_err_field(err, ENOENT, "linux.intelRdt.closID",
			                       "linux.intelRdt.closID: no pre-configured class %s",
			                       dir);
		if (glass_sys_mkdirat(AT_FDCWD, dir, 0755, "linux.intelRdt", err) < 0)
			return -1;
		*created = r->clos_id == NULL;
	} else if (r->clos_id && has_schema(r) && compare_schemata(dir, r, err) < 0) {
		return -1;
	}
	if (has_schema(r)) {
		cleanup_free char *path = xasprintf("%s/schemata", dir);
		text = schemata_text(r);
		if (glass_sys_write_file(path, text, "linux.intelRdt", err) < 0)
			goto fail;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	tasks = xasprintf("%s/tasks", dir);
	if (glass_sys_write_file(tasks, pidbuf, "linux.intelRdt", err) < 0)
		goto fail;
	if (r->enable_monitoring) {
		cleanup_free char *mon = xasprintf("%s/mon_groups/%s", dir, id);
		cleanup_free char *mtasks = xasprintf("%s/tasks", mon);
		if (glass_sys_mkdirat(AT_FDCWD, mon, 0755, "linux.intelRdt.enableMonitoring", err) <
		        0 ||
		    glass_sys_write_file(mtasks, pidbuf, "linux.intelRdt.enableMonitoring", err) <
		        0)
			goto fail;
	}
	return 0;
fail:
	glass_intelrdt_remove(spec, id, *created, NULL);
	*created = false;
	return -1;
}

int glass_intelrdt_remove(const struct glass_spec *spec, const char *id, bool created,
                          struct glass_err **err)
{
	const struct glass_intel_rdt *r = &spec->linux_.intel_rdt;
	cleanup_free char *mnt = NULL, *dir = NULL;
	int ret = 0;
	if (!r->present || (mnt = resctrl_mount()) == NULL)
		return 0;
	if (r->clos_id && strcmp(r->clos_id, "/") == 0)
		dir = xstrdup(mnt);
	else
		dir = xasprintf("%s/%s", mnt, r->clos_id ? r->clos_id : id);
	if (r->enable_monitoring) {
		cleanup_free char *mon = xasprintf("%s/mon_groups/%s", dir, id);
		if (rmdir(mon) < 0 && errno != ENOENT)
			ret = glass_err_new(err, errno, "rmdir(%s)", mon);
	}
	if (created && rmdir(dir) < 0 && errno != ENOENT)
		ret = glass_err_new(err, errno, "rmdir(%s)", dir);
	return ret;
}

/* cgroup-layout: what cgroups this host has, and the small helpers every
 * backend uses.
 *
 * The kernel shows its cgroup filesystems in /proc/self/mountinfo: each
 * v1 hierarchy is a `cgroup` mount whose superblock options name the
 * controllers bound to it ("rw,cpu,cpuacct", or "name=systemd" for a
 * hierarchy without controllers), the unified tree is a `cgroup2` mount
 * whose root lists its controllers in cgroup.controllers.  A controller is
 * bound to one hierarchy at a time, so on a hybrid host the cgroup2 mount
 * offers only what no v1 hierarchy took.  /proc/self/cgroup says where the
 * caller sits in each hierarchy ("4:memory:/process_api/...", "0::/" for
 * cgroup2), which is where relative paths start.
 */
#include "cgroup-internal.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const ctrl_v1[CG_NCTRL] = {
    [CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",   [CG_CPUSET] = "cpuset",
    [CG_MEMORY] = "memory",   [CG_DEVICES] = "devices",   [CG_FREEZER] = "freezer",
    [CG_BLKIO] = "blkio",     [CG_PIDS] = "pids",         [CG_HUGETLB] = "hugetlb",
    [CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_PERF_EVENT] = "perf_event",
    [CG_RDMA] = "rdma",       [CG_MISC] = "misc",
};
static const char *const ctrl_v2[CG_NCTRL] = {
    [CG_CPU] = "cpu",
    [CG_CPUSET] = "cpuset",
    [CG_MEMORY] = "memory",
    [CG_BLKIO] = "io",
    [CG_PIDS] = "pids",
    [CG_HUGETLB] = "hugetlb",
    [CG_PERF_EVENT] = "perf_event",
    [CG_RDMA] = "rdma",
    [CG_MISC] = "misc",
};

const char *glass_cg_ctrl_name(enum cg_ctrl c)
{
	return c < CG_NCTRL ? ctrl_v1[c] : NULL;
}

const char *glass_cg_ctrl_v2_name(enum cg_ctrl c)
{
	return c < CG_NCTRL ? ctrl_v2[c] : NULL;
}

const char *glass_cg_mode_name(enum cg_mode m)
{
	switch (m) {
	case CG_MODE_V1:
		return "v1";
	case CG_MODE_V2:
		return "v2";
	case CG_MODE_HYBRID:
		return "hybrid";
	case CG_MODE_NONE:
		return "none";
	default:
		return "?";
	}
}

const struct glass_device_rule glass_cg_default_rules[] = {
    {true, 'c', -1, -1, "m"},    /* mknod of any char device (opening it is refused) */
    {true, 'b', -1, -1, "m"},    /* mknod of any block device */
    {true, 'c', 1, 3, "rwm"},    /* /dev/null */
    {true, 'c', 1, 5, "rwm"},    /* /dev/zero */
    {true, 'c', 1, 7, "rwm"},    /* /dev/full */
    {true, 'c', 5, 0, "rwm"},    /* /dev/tty */
    {true, 'c', 1, 8, "rwm"},    /* /dev/random */
    {true, 'c', 1, 9, "rwm"},    /* /dev/urandom */
    {true, 'c', 5, 2, "rwm"},    /* /dev/ptmx */
    {true, 'c', 136, -1, "rwm"}, /* /dev/pts/N */
    {true, 'c', 10, 200, "rwm"}, /* /dev/net/tun */
    {false, 0, 0, 0, NULL},
};

/* ---- small file helpers ---- */

char *glass_cg_read(const char *dir, const char *file)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	return read_file_at(AT_FDCWD, p, NULL);
}

int glass_cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
	cleanup_free char *s = glass_cg_read(dir, file);
	if (s == NULL)
		return -1;
	if (strncmp(s, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

int glass_cg_write_hugetlb(const char *dir, const struct glass_resources *r, const char *suffix,
                           struct glass_err **err)
{
	for (size_t i = 0; i < r->nhugepage_limits; i++) {
		const struct glass_hugepage_limit *l = &r->hugepage_limits[i];
		cleanup_free char *f = xasprintf("linux.resources.hugepageLimits[%zu]", i);
		cleanup_free char *file = xasprintf("hugetlb.%s.%s", l->page_size, suffix);
		cleanup_free char *rsvd = xasprintf("hugetlb.%s.rsvd.%s", l->page_size, suffix);
		if (!glass_cg_has(dir, file))
			return glass_err_field(err, ENOENT, f, "no huge page size \"%s\" (%s/%s)",
			                       l->page_size, dir, file);
		if (glass_cg_writef(dir, file, f, err, "%llu", (unsigned long long)l->limit) < 0)
			return -1;
		/* The reservation limit, where the kernel has one, follows the
		 * same value (as runc sets it). */
		if (glass_cg_has(dir, rsvd) &&
		    glass_cg_writef(dir, rsvd, f, err, "%llu", (unsigned long long)l->limit) < 0)
			return -1;
	}
	return 0;
}

int glass_cg_apply_cpuset(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                          struct glass_err **err)
{
	(void)cg;
	if (r->cpu.cpus &&
	    glass_cg_write(dir, "cpuset.cpus", r->cpu.cpus, "linux.resources.cpu.cpus", err) < 0)
		return -1;
	if (r->cpu.mems &&
	    glass_cg_write(dir, "cpuset.mems", r->cpu.mems, "linux.resources.cpu.mems", err) < 0)
		return -1;
	return 0;
}

int glass_cg_apply_pids(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                        struct glass_err **err)
{
	(void)cg;
	if (!r->pids.has_limit)
		return 0;
	if (r->pids.limit < 0)
		return glass_cg_write(dir, "pids.max", "max", "linux.resources.pids.limit", err);
	return glass_cg_writef(dir, "pids.max", "linux.resources.pids.limit", err, "%lld",
	                       (long long)r->pids.limit);
}

char *glass_cg_rdma_line(const struct glass_rdma_limit *l)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_printf(&b, "%s", l->device);
	if (l->has_hca_handles)
		strbuf_printf(&b, " hca_handle=%u", l->hca_handles);
	if (l->has_hca_objects)
		strbuf_printf(&b, " hca_object=%u", l->hca_objects);
	return strbuf_steal(&b);
}

int glass_cg_apply_rdma(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                        struct glass_err **err)
{
	(void)cg;
	for (size_t i = 0; i < r->nrdma; i++) {
		cleanup_free char *line = glass_cg_rdma_line(&r->rdma[i]);
		if (glass_cg_write(dir, "rdma.max", line, "linux.resources.rdma", err) < 0)
			return -1;
	}
	return 0;
}

int glass_cg_write(const char *dir, const char *file, const char *value, const char *field,
                   struct glass_err **err)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	return glass_sys_write_file(p, value, field, err);
}

int glass_cg_writef(const char *dir, const char *file, const char *field, struct glass_err **err,
                    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *v = xvasprintf(fmt, ap);
	va_end(ap);
	return glass_cg_write(dir, file, v, field, err);
}

bool glass_cg_has(const char *dir, const char *file)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

bool glass_cg_keyed(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
			*out = strtoull(l + kl + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

bool glass_cg_bfq_in_use(void)
{
	DIR *d = opendir("/sys/block");
	if (d == NULL)
		return false;
	struct dirent *e;
	bool found = false;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		cleanup_free char *p = xasprintf("/sys/block/%s/queue/scheduler", e->d_name);
		cleanup_free char *s = read_file_at(AT_FDCWD, p, NULL);
		found = s && strstr(s, "[bfq]");
	}
	closedir(d);
	return found;
}

/* runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] -> [1, 10000]. */
uint64_t glass_cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t glass_cg_weight_to_shares(uint64_t weight)
{
	if (weight == 0)
		return 0;
	return 2 + ((weight - 1) * 262142) / 9999;
}

/* runc's ConvertBlkIOToIOWeightValue: [10, 1000] -> [1, 10000]. */
uint64_t glass_cg_blkio_to_io_weight(uint64_t w)
{
	if (w == 0)
		return 0;
	if (w < 10)
		w = 10;
	return 1 + (w - 10) * 9999 / 990;
}

/* ---- probing the layout ---- */

/* Decodes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3]) {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static int ctrl_from_v1(const char *name, size_t len)
{
	for (int c = 0; c < CG_NCTRL; c++)
		if (strlen(ctrl_v1[c]) == len && strncmp(ctrl_v1[c], name, len) == 0)
			return c;
	return -1;
}

int glass_cg_ctrl_from_v2(const char *name, size_t len)
{
	for (int c = 0; c < CG_NCTRL; c++)
		if (ctrl_v2[c] && strlen(ctrl_v2[c]) == len && strncmp(ctrl_v2[c], name, len) == 0)
			return c;
	return -1;
}

/* The controller set named by a v1 superblock option list or a
 * /proc/self/cgroup controller field; `name=` hierarchies go to *named. */
static uint32_t v1_ctrls(const char *list, char **named)
{
	uint32_t m = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		int c = ctrl_from_v1(p, n);
		if (c >= 0)
			m |= 1u << c;
		else if (named && n > 5 && strncmp(p, "name=", 5) == 0) {
			free(*named);
			*named = strndup(p, n);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return m;
}

void glass_cg_layout_clear(struct cg_layout *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->h[i].mountpoint);
		free(l->h[i].mount_root);
		free(l->h[i].name);
		free(l->h[i].own);
	}
	memset(l, 0, sizeof(*l));
}

int glass_cg_layout_parse(const char *mountinfo, const char *self_cgroup,
                          const char *v2_controllers, struct cg_layout *out, struct glass_err **err)
{
	memset(out, 0, sizeof(*out));
	out->v2 = -1;
	for (int c = 0; c < CG_NCTRL; c++)
		out->by_ctrl[c] = -1;

	cleanup_free char *mi = xstrdup(mountinfo ? mountinfo : "");
	char *save = NULL;
	for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		char fstype[32] = "", source[64] = "", super[512] = "";
		if (sscanf(sep + 3, "%31s %63s %511s", fstype, source, super) < 2)
			continue;
		bool v2 = strcmp(fstype, "cgroup2") == 0;
		if (!v2 && strcmp(fstype, "cgroup") != 0)
			continue;
		char root[4096], mnt[4096];
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		unescape(root);
		unescape(mnt);
		char *named = NULL;
		uint32_t ctrls = v2 ? 0 : v1_ctrls(super, &named);
		if (!v2 && ctrls == 0 && named == NULL)
			continue;
		/* The same hierarchy mounted twice: keep the first. */
		bool dup = false;
		for (size_t i = 0; i < out->n; i++) {
			struct cg_hier *h = &out->h[i];
			if (h->v2 == v2 && h->ctrls == ctrls &&
			    (v2 || (named ? h->name && strcmp(h->name, named) == 0 : true)))
				dup = true;
		}
		if (dup || out->n == CG_MAX_HIER) {
			free(named);
			continue;
		}
		struct cg_hier *h = &out->h[out->n];
		h->v2 = v2;
		h->mountpoint = xstrdup(mnt);
		h->mount_root = xstrdup(root);
		h->ctrls = ctrls;
		if (v2) {
			h->name = xstrdup("cgroup2");
			out->v2 = (int)out->n;
		} else if (named) {
			h->name = named;
		} else {
			struct strbuf b = STRBUF_INIT;
			for (int c = 0; c < CG_NCTRL; c++)
				if (ctrls & (1u << c))
					strbuf_printf(&b, "%s%s", b.len ? "," : "", ctrl_v1[c]);
			h->name = strbuf_steal(&b);
		}
		for (int c = 0; c < CG_NCTRL; c++)
			if ((ctrls & (1u << c)) && out->by_ctrl[c] < 0)
				out->by_ctrl[c] = (int)out->n;
		out->n++;
	}

	/* Controllers bound to the cgroup2 mount. */
	if (out->v2 >= 0 && v2_controllers) {
		const char *p = v2_controllers;
		while (*p) {
			p += strspn(p, " \n");
			size_t n = strcspn(p, " \n");
			if (n == 0)
				break;
			int c = glass_cg_ctrl_from_v2(p, n);
			if (c >= 0 && out->by_ctrl[c] < 0) {
				out->h[out->v2].ctrls |= 1u << c;
				out->by_ctrl[c] = out->v2;
				if (c == CG_CPU && out->by_ctrl[CG_CPUACCT] < 0) {
					out->h[out->v2].ctrls |= 1u << CG_CPUACCT;
					out->by_ctrl[CG_CPUACCT] = out->v2;
				}
			}
			p += n;
		}
	}

	/* Where the caller sits in each hierarchy. */
	cleanup_free char *sc = xstrdup(self_cgroup ? self_cgroup : "");
	save = NULL;
	for (char *line = strtok_r(sc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c1 = '\0';
		*c2 = '\0';
		const char *list = c1 + 1, *path = c2 + 1;
		bool v2 = strcmp(line, "0") == 0 && *list == '\0';
		char *named = NULL;
		uint32_t ctrls = v2 ? 0 : v1_ctrls(list, &named);
		for (size_t i = 0; i < out->n; i++) {
			struct cg_hier *h = &out->h[i];
			bool match =
			    v2 ? h->v2
			       : !h->v2 && ((ctrls && (h->ctrls & ctrls) == ctrls) ||
			                    (!ctrls && named && strcmp(h->name, named) == 0));
			if (match && h->own == NULL)
				h->own = xstrdup(path);
		}
		free(named);
	}
	bool any_v1 = false;
	for (size_t i = 0; i < out->n; i++) {
		if (out->h[i].own == NULL)
			out->h[i].own = xstrdup("/");
		if (!out->h[i].v2 && out->h[i].ctrls)
			any_v1 = true;
	}
	if (any_v1)
		out->mode = out->v2 >= 0 ? CG_MODE_HYBRID : CG_MODE_V1;
	else if (out->v2 >= 0)
		out->mode = CG_MODE_V2;
	else
		out->mode = CG_MODE_NONE;
	if (out->mode == CG_MODE_NONE) {
		glass_err_new(err, ENOENT, "no cgroup filesystem is mounted");
		return glass_err_hint(err, "mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none "
		                           "/sys/fs/cgroup)");
	}
	return 0;
}

static struct cg_layout host_layout;
static bool host_probed;

const struct cg_layout *glass_cg_layout(struct glass_err **err)
{
	if (host_probed)
		return &host_layout;
	cleanup_free char *mi = read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL);
	if (mi == NULL) {
		glass_err_new(err, errno, "read(\"/proc/self/mountinfo\")");
		return NULL;
	}
	cleanup_free char *sc = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL);
	if (sc == NULL) {
		glass_err_new(err, errno, "read(\"/proc/self/cgroup\")");
		return NULL;
	}
	struct cg_layout l;
	if (glass_cg_layout_parse(mi, sc, NULL, &l, err) < 0)
		return NULL;
	if (l.v2 >= 0) {
		/* Read the cgroup2 root's controllers now that we know where it is. */
		cleanup_free char *ctl = glass_cg_read(l.h[l.v2].mountpoint, "cgroup.controllers");
		glass_cg_layout_clear(&l);
		if (glass_cg_layout_parse(mi, sc, ctl, &l, err) < 0)
			return NULL;
	}
	host_layout = l;
	host_probed = true;
	glass_trace_note("cgroup", NULL, "host cgroup layout: %s (%zu hierarchies)",
	                 glass_cg_mode_name(l.mode), l.n);
	return &host_layout;
}

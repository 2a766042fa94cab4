/* Unit tests of the cgroup module: layout probing from sample
 * /proc/self/mountinfo and /proc/self/cgroup texts of v1, v2 and hybrid
 * hosts, the v1<->v2 conversions the spec defines, and (as root on a host
 * with cgroups) a create/enter/destroy round trip under a glass-test-*
 * parent that the test removes. */
#include "../../src/lib/cgroup-internal.h"
#include "../../src/lib/sys.h"
#include "../../src/lib/util.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char hybrid_mi[] =
    "23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_cg[] = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n"
                                "5:devices:/\n4:memory:/process_api/8aca\n3:cpuset:/\n"
                                "2:cpuacct:/\n1:cpu:/\n0::/\n";

static const char v1_mi[] =
    "25 18 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "29 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "30 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
    "31 25 0:28 / /sys/fs/my\\040cg rw - cgroup cgroup rw,pids\n";
static const char v1_cg[] =
    "5:pids:/user.slice\n4:net_cls,net_prio:/\n3:memory:/user.slice\n"
    "2:cpu,cpuacct:/user.slice\n1:name=systemd:/user.slice/session-1.scope\n";

static const char v2_mi[] =
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
static const char v2_cg[] = "0::/user.slice/user-0.slice/session-3.scope\n";

static void test_layouts(void)
{
	struct cg_layout l;
	struct glass_err *err = NULL;
	TAP_OK(glass_cg_layout_parse(hybrid_mi, hybrid_cg, "hugetlb\n", &l, &err) == 0,
	       "hybrid: parses");
	TAP_OK(l.mode == CG_MODE_HYBRID, "hybrid: mode is hybrid (%s)", glass_cg_mode_name(l.mode));
	TAP_OK(l.n == 10, "hybrid: 10 hierarchies (%zu)", l.n);
	TAP_OK(l.by_ctrl[CG_CPU] >= 0 && l.by_ctrl[CG_CPUACCT] >= 0 &&
	           l.by_ctrl[CG_CPU] != l.by_ctrl[CG_CPUACCT],
	       "hybrid: cpu and cpuacct are separate hierarchies");
	TAP_OK(l.by_ctrl[CG_HUGETLB] == l.v2, "hybrid: hugetlb is bound to the cgroup2 mount");
	TAP_OK(l.by_ctrl[CG_NET_CLS] < 0, "hybrid: no net_cls");
	int m = l.by_ctrl[CG_MEMORY];
	TAP_OK(m >= 0 && strcmp(l.h[m].own, "/process_api/8aca") == 0,
	       "hybrid: own memory cgroup (%s)", m >= 0 ? l.h[m].own : "?");
	TAP_OK(strcmp(l.h[l.v2].mountpoint, "/sys/fs/cgroup/unified") == 0,
	       "hybrid: v2 mountpoint");
	bool named = false;
	for (size_t i = 0; i < l.n; i++)
		named |= strcmp(l.h[i].name, "name=systemd") == 0;
	TAP_OK(named, "hybrid: name=systemd hierarchy kept");
	glass_cg_layout_clear(&l);

	TAP_OK(glass_cg_layout_parse(v1_mi, v1_cg, NULL, &l, &err) == 0, "v1: parses");
	TAP_OK(l.mode == CG_MODE_V1, "v1: mode is v1");
	TAP_OK(l.by_ctrl[CG_CPU] == l.by_ctrl[CG_CPUACCT], "v1: cpu,cpuacct co-mounted");
	TAP_OK(l.by_ctrl[CG_NET_CLS] == l.by_ctrl[CG_NET_PRIO] && l.by_ctrl[CG_NET_CLS] >= 0,
	       "v1: net_cls,net_prio co-mounted");
	int p = l.by_ctrl[CG_PIDS];
	TAP_OK(p >= 0 && strcmp(l.h[p].mountpoint, "/sys/fs/my cg") == 0,
	       "v1: octal escapes in mount points decoded");
	int c = l.by_ctrl[CG_CPU];
	TAP_OK(c >= 0 && strcmp(l.h[c].own, "/user.slice") == 0, "v1: own cpu cgroup");
	glass_cg_layout_clear(&l);

	TAP_OK(glass_cg_layout_parse(v2_mi, v2_cg, "cpuset cpu io memory hugetlb pids rdma misc\n",
	                             &l, &err) == 0,
	       "v2: parses");
	TAP_OK(l.mode == CG_MODE_V2, "v2: mode is v2");
	TAP_OK(l.by_ctrl[CG_MEMORY] == 0 && l.by_ctrl[CG_BLKIO] == 0 && l.by_ctrl[CG_CPUACCT] == 0,
	       "v2: memory, io and cpu(acct) on the unified tree");
	TAP_OK(l.by_ctrl[CG_DEVICES] < 0 && l.by_ctrl[CG_FREEZER] < 0,
	       "v2: no devices/freezer controllers (BPF and cgroup.freeze instead)");
	TAP_OK(strcmp(l.h[0].own, "/user.slice/user-0.slice/session-3.scope") == 0,
	       "v2: own cgroup");
	glass_cg_layout_clear(&l);

	TAP_OK(glass_cg_layout_parse("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", "", NULL, &l, &err) <
	               0 &&
	           err != NULL,
	       "no cgroup mounts: an error");
	glass_err_free(&err);
}

static void test_conversions(void)
{
	TAP_OK(glass_cg_shares_to_weight(1024) == 39, "shares 1024 -> weight 39 (%llu)",
	       (unsigned long long)glass_cg_shares_to_weight(1024));
	TAP_OK(glass_cg_shares_to_weight(2) == 1, "shares 2 -> weight 1");
	TAP_OK(glass_cg_shares_to_weight(262144) == 10000, "shares 262144 -> weight 10000");
	TAP_OK(glass_cg_shares_to_weight(0) == 0, "shares 0 (unset) -> 0");
	TAP_OK(glass_cg_weight_to_shares(1) == 2 && glass_cg_weight_to_shares(10000) == 262144,
	       "weight -> shares at the ends of the range");
	TAP_OK(glass_cg_blkio_to_io_weight(10) == 1 && glass_cg_blkio_to_io_weight(1000) == 10000,
	       "blkio weight 10..1000 -> io weight 1..10000");
	TAP_OK(glass_cg_blkio_to_io_weight(500) == 4950, "blkio 500 -> io %llu",
	       (unsigned long long)glass_cg_blkio_to_io_weight(500));
	uint64_t v = 0;
	TAP_OK(glass_cg_keyed("nr_periods 5\nnr_throttled 3\nthrottled_time 77\n", "nr_throttled",
	                      &v) &&
	           v == 3,
	       "keyed file lookup");
	TAP_OK(!glass_cg_keyed("nr_periods 5\n", "nr_per", &v), "keyed lookup needs the whole key");
	struct glass_rdma_limit rl = {(char *)"mlx5_1", true, true, 3, 10000};
	char *line = glass_cg_rdma_line(&rl);
	TAP_OK(strcmp(line, "mlx5_1 hca_handle=3 hca_object=10000") == 0, "rdma line: %s", line);
	free(line);
	rl.has_hca_handles = false;
	line = glass_cg_rdma_line(&rl);
	TAP_OK(strcmp(line, "mlx5_1 hca_object=10000") == 0, "rdma line, objects only: %s", line);
	free(line);
}

/* As root: create a cgroup under /glass-test-unit-PID with a memory and pids
 * limit, move a child in, check the files and the kernel's view, destroy. */
struct join_child {
	struct glass_cgroup_join *j;
	int ready;
};

/* The child of the round trip: moves itself in, says so, waits. */
static int join_child_main(void *arg)
{
	struct join_child *jc = arg;
	struct glass_err *err = NULL;
	if (glass_cgroup_join_self(jc->j, &err) < 0 || write(jc->ready, "j", 1) != 1)
		return 1;
	pause();
	return 0;
}

static void test_roundtrip(void)
{
	if (geteuid() != 0) {
		TAP_SKIP("needs root", "cgroup round trip");
		return;
	}
	struct glass_err *err = NULL;
	const struct cg_layout *lay = glass_cg_layout(&err);
	if (lay == NULL) {
		TAP_SKIP("no cgroups on this host", "cgroup round trip");
		glass_err_free(&err);
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "/glass-test-unit-%d/c1", (int)getpid());
	struct glass_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.linux_.cgroups_path = path;
	struct glass_resources *r = &spec.linux_.resources;
	r->memory.present = r->memory.has_limit = true;
	r->memory.limit = 64 << 20;
	r->pids.present = r->pids.has_limit = true;
	r->pids.limit = 42;
	struct glass_cgroup *cg = NULL;
	int rc = glass_cgroup_create(&spec, "c1", false, &cg, &err);
	TAP_OK(rc == 0, "create %s", path);
	if (rc < 0) {
		char *s = glass_err_format(err);
		printf("#   %s\n", s);
		free(s);
		glass_err_free(&err);
		return;
	}
	TAP_OK(strcmp(glass_cgroup_path(cg), path) == 0, "absolute path saved as is");
	int mh = lay->by_ctrl[CG_MEMORY], ph = lay->by_ctrl[CG_PIDS];
	uint64_t v = 0;
	if (mh >= 0)
		TAP_OK(glass_cg_read_u64(cg->dir[mh],
		                         lay->h[mh].v2 ? "memory.max" : "memory.limit_in_bytes",
		                         &v) == 0 &&
		           v == 64 << 20,
		       "memory limit written (%llu)", (unsigned long long)v);
	if (ph >= 0)
		TAP_OK(glass_cg_read_u64(cg->dir[ph], "pids.max", &v) == 0 && v == 42,
		       "pids.max = 42");
	/* The entry of a container's process: the cgroup2 directory and the
	 * v1 tasks files opened first, the child started in cgroup2 by
	 * clone3 and moving itself into v1 ("0" to each tasks). */
	struct glass_cgroup_join j;
	int ready[2];
	bool placed = false;
	char joined = 0;
	TAP_OK(glass_cgroup_join_open(cg, &j, &err) == 0 && pipe(ready) == 0,
	       "open what a child joins by (%zu v1 tasks files)", j.n);
	struct join_child jc = {&j, ready[1]};
	pid_t child = glass_sys_clone_into(SIGCHLD, j.v2_fd, j.v2_path, join_child_main, &jc,
	                                   &placed, NULL, &err);
	close(ready[1]);
	glass_cgroup_join_clear(&j);
	TAP_OK(child > 0 && read(ready[0], &joined, 1) == 1 && joined == 'j',
	       "a child moves itself in");
	close(ready[0]);
	TAP_OK(placed || glass_cgroup_enter_v2(cg, child, &err) == 0,
	       "cgroup2: started there by clone3 (%s), or its pid written", placed ? "yes" : "no");
	glass_cgroup_enter_end(cg);
	pid_t *pids = NULL;
	size_t n = 0;
	TAP_OK(glass_cgroup_pids(cg, &pids, &n, &err) == 0 && n == 1 && pids[0] == child,
	       "pids lists the child");
	free(pids);
	char own[64];
	snprintf(own, sizeof(own), "/proc/%d/cgroup", (int)child);
	char *txt = read_file_at(AT_FDCWD, own, NULL);
	TAP_OK(txt && strstr(txt, path), "the kernel shows the child in %s", path);
	free(txt);
	TAP_OK(glass_cgroup_freeze(cg, true, &err) == 0 && glass_cgroup_is_frozen(cg), "freeze");
	TAP_OK(glass_cgroup_freeze(cg, false, &err) == 0 && !glass_cgroup_is_frozen(cg), "thaw");
	struct glass_cgroup_stats stats;
	TAP_OK(glass_cgroup_stats(cg, &stats, &err) == 0 && stats.pids.present &&
	           stats.pids.current == 1 && stats.pids.limit == 42,
	       "stats: pids current 1, limit 42 (%llu, %llu)",
	       (unsigned long long)stats.pids.current, (unsigned long long)stats.pids.limit);
	TAP_OK(mh < 0 || (stats.memory.present && stats.memory.usage.present &&
	                  stats.memory.usage.limit == 64 << 20 && stats.memory.nraw > 0),
	       "stats: memory usage with the 64 MiB limit and memory.stat's counters");
	glass_cgroup_stats_clear(&stats);
	/* A signal the kernel refuses (EINVAL) is an error, also for a caller
	 * that passes no error pointer (delete does). */
	TAP_OK(glass_cgroup_kill(cg, 100, NULL) == -1,
	       "kill: a refused signal fails with err NULL");
	TAP_OK(glass_cgroup_kill(cg, 100, &err) == -1 && err && err->errnum == EINVAL,
	       "kill: a refused signal is EINVAL in the error");
	glass_err_free(&err);
	TAP_OK(kill(child, 0) == 0 && !glass_cgroup_is_frozen(cg),
	       "kill: the child lives on, thawed, after a refused signal");
	/* Reopen from the saved path and destroy: kills the child, removes dirs. */
	struct glass_cgroup *cg2 = NULL;
	TAP_OK(glass_cgroup_open(glass_cgroup_path(cg), &cg2, &err) == 0, "reopen from saved path");
	TAP_OK(cg2 && glass_cgroup_destroy(cg2, &err) == 0, "destroy (kills what is left)");
	int st;
	TAP_OK(waitpid(child, &st, 0) == child && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "the child was SIGKILLed");
	bool gone = true;
	for (size_t i = 0; i < lay->n; i++)
		if (cg->dir[i] && access(cg->dir[i], F_OK) == 0)
			gone = false;
	TAP_OK(gone, "every hierarchy's directory removed");
	/* The parent is the test's own. */
	for (size_t i = 0; i < lay->n; i++)
		if (cg->dir[i]) {
			char *parent = xstrdup(cg->dir[i]);
			*strrchr(parent, '/') = '\0';
			rmdir(parent);
			free(parent);
		}
	glass_cgroup_free(cg2);
	glass_cgroup_free(cg);

	/* A bad path is refused before anything is made. */
	spec.linux_.cgroups_path = (char *)"/glass-test-unit/../escape";
	TAP_OK(glass_cgroup_create(&spec, "c2", false, &cg, &err) < 0 && err && err->field &&
	           strcmp(err->field, "linux.cgroupsPath") == 0,
	       "\"..\" in cgroupsPath refused, naming the field");
	glass_err_free(&err);
	/* --systemd-cgroup without systemd. */
	if (access("/run/systemd/system", F_OK) != 0) {
		spec.linux_.cgroups_path = path;
		TAP_OK(glass_cgroup_create(&spec, "c3", true, &cg, &err) < 0 && err &&
		           strstr(err->op, "systemd is not running"),
		       "--systemd-cgroup refused without systemd");
		glass_err_free(&err);
	}
}

int main(void)
{
	test_layouts();
	test_conversions();
	test_roundtrip();
	return tap_done();
}

/* rlimit: resource limits and the OOM killer's score of the process.
 *
 * Each rlimit is a pair: the soft limit the kernel enforces and the hard
 * limit, a ceiling for the soft one.  Lowering either is always allowed;
 * raising a hard limit needs CAP_SYS_RESOURCE in the initial user
 * namespace.  The limits survive execve and are inherited by children.
 * oom_score_adj (-1000..1000) biases the OOM killer's choice; lowering it
 * below its current value needs CAP_SYS_RESOURCE too.
 */
#include "process-internal.h"
#include "sys.h"
#include "util.h"

#include <stdio.h>
#include <sys/resource.h>

int glass_process_rlimits(const struct glass_process *p, struct glass_err **err)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct glass_rlimit *r = &p->rlimits[i];
		struct rlimit lim = {.rlim_cur = (rlim_t)r->soft, .rlim_max = (rlim_t)r->hard};
		struct rlimit cur;
		char field[40];
		snprintf(field, sizeof(field), "process.rlimits[%zu]", i);
		if (r->soft > r->hard)
			return glass_err_field(
			    err, EINVAL, field,
			    "%s: soft limit %llu of %s is above its hard limit %llu", field,
			    (unsigned long long)r->soft, r->type, (unsigned long long)r->hard);
		if (glass_sys_prlimit(0, r->resource, &lim, r->type, field, err) == 0)
			continue;
		if (errno == EPERM && getrlimit((__rlimit_resource_t)r->resource, &cur) == 0) {
			char hard[32];
			if (cur.rlim_max == RLIM_INFINITY)
				snprintf(hard, sizeof(hard), "unlimited");
			else
				snprintf(hard, sizeof(hard), "%llu",
				         (unsigned long long)cur.rlim_max);
			return glass_err_hint(
			    err,
			    "raising the hard limit of %s above the current one (%s) "
			    "needs CAP_SYS_RESOURCE, which this runtime lacks; "
			    "ask for at most %s",
			    r->type, hard, hard);
		}
		return -1;
	}
	return 0;
}

int glass_process_oom_score(const struct glass_process *p, struct glass_err **err)
{
	char val[16];
	if (!p->has_oom_score_adj)
		return 0;
	snprintf(val, sizeof(val), "%d", p->oom_score_adj);
	if (glass_sys_write_file("/proc/self/oom_score_adj", val, "process.oomScoreAdj", err) == 0)
		return 0;
	if (errno == EPERM || errno == EACCES)
		return glass_err_hint(err, "lowering oom_score_adj below its current value needs "
		                           "CAP_SYS_RESOURCE, which this runtime lacks");
	return -1;
}

/* seccomp: the system-call filter of the container's process.
 *
 * The kernel runs a classic-BPF program on every system call a filtered
 * task makes; the program sees the syscall number, the architecture and the
 * six raw argument registers, and returns an action (allow, fail with an
 * errno, kill, trap, log, or hand the call to a supervisor through a
 * notification fd).  Filters are inherited across fork and execve and can
 * never be removed, only stacked.  Installing one needs either
 * no_new_privs or CAP_SYS_ADMIN, which is why the container's child loads
 * it right after no_new_privs, or before dropping capabilities.
 *
 * glass compiles linux.seccomp with libseccomp in the parent (before
 * clone), exports the BPF program into memory, and the child installs it
 * with seccomp(2) itself: that way every kernel flag works, including
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV which libseccomp 2.5 cannot set,
 * and the trace shows the real program size.
 */
#include "seccomp.h"
#include "fdpass.h"
#include "sync.h"
#include "seccomp-internal.h"
#include "lsm.h"
#include "selfexe.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <libseccomp.h> /* libseccomp, see libseccomp.h */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static void ctx_release(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}
#define cleanup_scmp __attribute__((cleanup(ctx_release)))

struct name_flag {
	const char *name;
	unsigned long flag;
};

static const struct name_flag filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static const struct name_flag cmp_ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

const char *glass_seccomp_flags_str(unsigned long flags, char *buf, size_t size)
{
	static const struct name_flag all[] = {
	    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
	    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
	    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	    {"SECCOMP_FILTER_FLAG_NEW_LISTENER", SECCOMP_FILTER_FLAG_NEW_LISTENER},
	    {"SECCOMP_FILTER_FLAG_TSYNC_ESRCH", SECCOMP_FILTER_FLAG_TSYNC_ESRCH},
	    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
	};
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (flags & all[i].flag)
			at += (size_t)snprintf(buf + at, at < size ? size - at : 0, "%s%s",
			                       at ? "|" : "", all[i].name);
	if (at == 0)
		snprintf(buf, size, "0");
	return buf;
}

int glass_seccomp_parse_action(const char *name, bool has_errno, uint32_t errno_ret,
                               const char *field, uint32_t *out, struct glass_err **err)
{
	uint32_t ret = has_errno ? errno_ret : EPERM;
	bool takes_errno = false;

	if (!name)
		return glass_err_field(err, EINVAL, field, "seccomp action missing");
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else if (!strcmp(name, "SCMP_ACT_ERRNO")) {
		*out = SCMP_ACT_ERRNO(ret);
		takes_errno = true;
	} else if (!strcmp(name, "SCMP_ACT_TRACE")) {
		*out = SCMP_ACT_TRACE(ret);
		takes_errno = true;
	} else {
		glass_err_field(err, EINVAL, field, "unknown seccomp action \"%s\"", name);
		return glass_err_hint(err, "use one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
		                           "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, "
		                           "SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, "
		                           "SCMP_ACT_NOTIFY");
	}
	if (has_errno && !takes_errno)
		return glass_err_field(err, EINVAL, field,
		                       "errnoRet %u given for action %s, which returns no errno",
		                       errno_ret, name);
	if (ret > 0xffff)
		return glass_err_field(err, ERANGE, field, "errnoRet %u does not fit in 16 bits",
		                       errno_ret);
	return 0;
}

int glass_seccomp_parse_arch(const char *name, uint32_t *out)
{
	char lower[32];
	size_t i;
	if (strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(name + 10) >= sizeof(lower))
		return -1;
	for (i = 0; name[10 + i]; i++)
		lower[i] = (char)(name[10 + i] >= 'A' && name[10 + i] <= 'Z' ? name[10 + i] + 32
		                                                             : name[10 + i]);
	lower[i] = '\0';
	*out = seccomp_arch_resolve_name(lower);
	return *out ? 0 : -1;
}

/* Adds one syscalls[] entry to the filter.  Conditions on distinct
 * arguments are ANDed in one rule; when one argument carries several
 * conditions each becomes its own rule (ORed), the convention runc and
 * Docker's profile rely on (e.g. personality(0) or personality(8)). */
static int add_rule(scmp_filter_ctx ctx, const struct glass_seccomp_rule *r, size_t ri,
                    uint32_t default_act, struct glass_seccomp_prog *prog, struct glass_err **err)
{
	char field[96];
	uint32_t act;
	struct scmp_arg_cmp conds[6];
	unsigned per_arg[6] = {0};
	bool split = false;

	snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].action", ri);
	if (glass_seccomp_parse_action(r->action, r->has_errno_ret, r->errno_ret, field, &act,
	                               err) < 0)
		return -1;
	if (act == SCMP_ACT_NOTIFY)
		prog->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	if (r->nargs > 6)
		return glass_err_field(err, EINVAL, "linux.seccomp.syscalls", "%zu args (max 6)",
		                       r->nargs);
	for (size_t a = 0; a < r->nargs; a++) {
		const struct glass_seccomp_arg *ga = &r->args[a];
		int op = -1;
		snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].args[%zu]", ri, a);
		if (ga->index > 5)
			return glass_err_field(err, EINVAL, field,
			                       "argument index %u out of range (0..5)", ga->index);
		for (size_t k = 0; ga->op && k < sizeof(cmp_ops) / sizeof(cmp_ops[0]); k++)
			if (!strcmp(ga->op, cmp_ops[k].name))
				op = (int)cmp_ops[k].flag;
		if (op < 0) {
			glass_err_field(err, EINVAL, field, "unknown seccomp operator \"%s\"",
			                ga->op ? ga->op : "");
			return glass_err_hint(err, "use SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT or "
			                           "_MASKED_EQ");
		}
		conds[a] = (struct scmp_arg_cmp){.arg = ga->index,
		                                 .op = (enum scmp_compare)op,
		                                 .datum_a = ga->value,
		                                 .datum_b = ga->value_two};
		if (++per_arg[ga->index] > 1)
			split = true;
	}
	if (act == default_act) {
		prog->nsame++;
		return 0;
	}
	for (size_t n = 0; n < r->nnames; n++) {
		int nr = seccomp_syscall_resolve_name(r->names[n]);
		int rc = 0;
		snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].names[%zu]", ri, n);
		if (nr == __NR_SCMP_ERROR) {
			prog->nskipped++;
			/* A warning, not an error (a profile names syscalls of
			 * newer kernels), but said: runc's log says it too. */
			const struct scmp_version *v = seccomp_version();
			glass_trace_log(GLASS_LOG_WARN, field,
			                "%s: unknown syscall \"%s\" ignored (libseccomp %u.%u.%u "
			                "does not know it)",
			                field, r->names[n], v->major, v->minor, v->micro);
			continue;
		}
		if (!split)
			rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)r->nargs,
			                            r->nargs ? conds : NULL);
		else
			for (size_t a = 0; a < r->nargs && rc == 0; a++)
				rc = seccomp_rule_add_array(ctx, act, nr, 1, &conds[a]);
		if (rc < 0) {
			glass_err_field(err, -rc, field,
			                "seccomp_rule_add(%#x, \"%s\", %zu conditions)", act,
			                r->names[n], r->nargs);
			if (rc == -EINVAL)
				glass_err_hint(err, "the argument conditions cannot be expressed "
				                    "for this syscall on every architecture");
			return -1;
		}
		prog->nrules++;
	}
	return 0;
}

/* Exports the compiled program as raw struct sock_filter[] into memory. */
static int export_bpf(scmp_filter_ctx ctx, struct glass_seccomp_prog *prog, struct glass_err **err)
{
	cleanup_close int fd = memfd_create("glass-seccomp-bpf", MFD_CLOEXEC);
	struct stat st;
	int rc;
	if (fd < 0)
		return glass_err_new(err, errno, "memfd_create(\"glass-seccomp-bpf\")");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return glass_err_new(err, -rc, "seccomp_export_bpf(memfd)");
	if (fstat(fd, &st) < 0)
		return glass_err_new(err, errno, "fstat(seccomp bpf)");
	if (st.st_size % sizeof(struct sock_filter) || st.st_size == 0)
		return glass_err_new(err, EINVAL, "seccomp_export_bpf: %lld bytes",
		                     (long long)st.st_size);
	prog->len = (size_t)st.st_size / sizeof(struct sock_filter);
	if (prog->len > BPF_MAXINSNS) {
		glass_err_field(err, E2BIG, "linux.seccomp",
		                "seccomp filter of %zu instructions exceeds the kernel's %d",
		                prog->len, BPF_MAXINSNS);
		return glass_err_hint(err, "merge rules or shorten the syscall list");
	}
	prog->insns = xmalloc((size_t)st.st_size);
	if (pread(fd, prog->insns, (size_t)st.st_size, 0) != st.st_size)
		return glass_err_new(err, errno ? errno : EIO, "pread(seccomp bpf)");
	return 0;
}

int glass_seccomp_compile(const struct glass_seccomp *sc, struct glass_seccomp_prog **out,
                          struct glass_err **err)
{
	cleanup_scmp scmp_filter_ctx ctx = NULL;
	struct glass_seccomp_prog *prog;
	uint32_t def;
	int rc;

	*out = NULL;
	if (glass_seccomp_parse_action(sc->default_action, sc->has_default_errno_ret,
	                               sc->default_errno_ret, "linux.seccomp.defaultAction", &def,
	                               err) < 0)
		return -1;
	if (def == SCMP_ACT_NOTIFY)
		return glass_err_field(err, EINVAL, "linux.seccomp.defaultAction",
		                       "SCMP_ACT_NOTIFY cannot be the default action");
	if (sc->listener_metadata && !sc->listener_path)
		return glass_err_field(err, EINVAL, "linux.seccomp.listenerMetadata",
		                       "listenerMetadata is set but listenerPath is not");
	ctx = seccomp_init(def);
	if (!ctx)
		return glass_err_field(err, EINVAL, "linux.seccomp.defaultAction",
		                       "seccomp_init(%s)", sc->default_action);

	prog = xcalloc(1, sizeof(*prog));
	prog->sock[0] = prog->sock[1] = prog->listener_fd = -1;
	prog->default_action = def;

	/* glass sets no_new_privs itself (process.noNewPrivileges); libseccomp
	 * must not turn it on behind the config's back. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; i < sc->narchitectures; i++) {
		char field[64];
		uint32_t arch;
		snprintf(field, sizeof(field), "linux.seccomp.architectures[%zu]", i);
		if (glass_seccomp_parse_arch(sc->architectures[i], &arch) < 0) {
			glass_err_field(err, EINVAL, field, "unknown architecture \"%s\"",
			                sc->architectures[i]);
			glass_err_hint(err, "use SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, "
			                    "SCMP_ARCH_AARCH64, ... as libseccomp names them");
			goto fail;
		}
		rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST) {
			glass_err_field(err, -rc, field, "seccomp_arch_add(%s)",
			                sc->architectures[i]);
			goto fail;
		}
	}
	for (size_t i = 0; i < sc->nflags; i++) {
		char field[64];
		unsigned long f = 0;
		snprintf(field, sizeof(field), "linux.seccomp.flags[%zu]", i);
		for (size_t k = 0; k < sizeof(filter_flags) / sizeof(filter_flags[0]); k++)
			if (!strcmp(sc->flags[i], filter_flags[k].name))
				f = filter_flags[k].flag;
		if (!f) {
			glass_err_field(err, EINVAL, field, "unknown seccomp flag \"%s\"",
			                sc->flags[i]);
			glass_err_hint(err, "use SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW or "
			                    "_WAIT_KILLABLE_RECV");
			goto fail;
		}
		prog->flags |= f;
	}
	for (size_t i = 0; i < sc->nsyscalls; i++)
		if (add_rule(ctx, &sc->syscalls[i], i, def, prog, err) < 0)
			goto fail;
	if ((prog->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) &&
	    !(prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		/* The kernel rejects the flag without a listener (EINVAL); it only
		 * changes how notified syscalls wait, so without one it is moot. */
		prog->flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		glass_trace_note("seccomp", "linux.seccomp.flags",
		                 "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV dropped: no "
		                 "SCMP_ACT_NOTIFY rule");
	}
	if ((prog->flags & SECCOMP_FILTER_FLAG_TSYNC) &&
	    (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		/* TSYNC returns a thread id on failure, NEW_LISTENER an fd on
		 * success: together the kernel needs TSYNC_ESRCH (Linux 5.7). */
		prog->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	if (export_bpf(ctx, prog, err) < 0)
		goto fail;
	if ((prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) && !sc->listener_path) {
		glass_err_field(err, EINVAL, "linux.seccomp.listenerPath",
		                "a SCMP_ACT_NOTIFY rule needs listenerPath");
		glass_err_hint(err, "set linux.seccomp.listenerPath to the UNIX socket of a "
		                    "seccomp agent that will answer the notifications");
		goto fail;
	}
	if (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		if (sc->listener_path)
			prog->listener_path = xstrdup(sc->listener_path);
		if (sc->listener_metadata)
			prog->listener_metadata = xstrdup(sc->listener_metadata);
		/* The child hands the notify fd back over this pair: the
		 * listener socket lives on the host, outside the new root. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, prog->sock) < 0) {
			glass_err_new(err, errno, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
			goto fail;
		}
	}
	*out = prog;
	return 0;
fail:
	glass_seccomp_free(prog);
	return -1;
}

static bool wants_label(const struct glass_process *p)
{
	return (p->apparmor_profile && *p->apparmor_profile) ||
	       (p->selinux_label && *p->selinux_label);
}

/* Compiles linux.seccomp, or takes it from the cache (seccomp-cache.c). */
static int compile_or_reuse(const struct glass_seccomp *sc, const char *root,
                            struct glass_seccomp_prog **out, struct glass_err **err)
{
	char flags[160], name[32];
	bool hit = glass_seccomp_cache_load(root, sc, out, name, sizeof(name)) == 1;
	if (!hit && glass_seccomp_compile(sc, out, err) < 0)
		return glass_err_ctx(err, "seccomp");
	glass_trace_note("seccomp", "linux.seccomp",
	                 "%s: default %s, %zu rules, %zu names skipped (unknown), %zu same as "
	                 "default, %zu BPF instructions, flags %s%s%s%s",
	                 hit ? "cached" : "compiled", sc->default_action, (*out)->nrules,
	                 (*out)->nskipped, (*out)->nsame, (*out)->len,
	                 glass_seccomp_flags_str((*out)->flags, flags, sizeof(flags)),
	                 hit ? " (the program compiled from this very profile, by this build, in "
	                     : "",
	                 hit ? root : "", hit ? "/.seccomp-cache: libseccomp not called)" : "");
	if (!hit)
		glass_seccomp_cache_store(root, sc, *out);
	return 0;
}

int glass_seccomp_prepare(const struct glass_spec *spec, const struct glass_process *proc,
                          const char *root, struct glass_seccomp_prog **out, struct glass_err **err)
{
	const struct glass_seccomp *sc = &spec->linux_.seccomp;
	*out = NULL;
	if (glass_selfexe_cost_ns())
		glass_trace_note("selfexe", NULL,
		                 "runtime re-executed from a sealed memfd copy of its binary "
		                 "(CVE-2019-5736 defense): copy + re-exec took %llu us",
		                 glass_selfexe_cost_ns() / 1000);
	/* The other layer loaded at the same point: LSM labels.  A label the
	 * host cannot apply is refused here, before anything is created. */
	if ((proc ? glass_lsm_check_process(spec, proc, false, err)
	          : glass_lsm_check(spec, false, err)) < 0)
		return -1;
	if (proc == NULL)
		proc = &spec->process;
	if (spec->has_linux && sc->present && compile_or_reuse(sc, root, out, err) < 0)
		return -1;
	if (wants_label(proc)) {
		struct glass_seccomp_prog *prog = *out;
		if (!prog) {
			prog = xcalloc(1, sizeof(*prog));
			prog->sock[0] = prog->sock[1] = prog->listener_fd = -1;
			*out = prog;
		}
		if (proc->apparmor_profile)
			prog->lsm_proc.apparmor_profile = xstrdup(proc->apparmor_profile);
		if (proc->selinux_label)
			prog->lsm_proc.selinux_label = xstrdup(proc->selinux_label);
		prog->lsm_ignore = glass_lsm_ignoring(spec, false);
	}
	return 0;
}

int glass_seccomp_load_labels(struct glass_seccomp_prog *prog, struct glass_err **err)
{
	if (!prog || !(prog->lsm_proc.apparmor_profile || prog->lsm_proc.selinux_label))
		return 0;
	return glass_lsm_apply_exec_label(&prog->lsm_proc, prog->lsm_ignore, err);
}

bool glass_seccomp_loads_last(const struct glass_seccomp_prog *prog, bool nnp)
{
	return nnp && prog && prog->insns && !(prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

/* The notify fd goes to the parent (or the listener) at once. */
static int hand_over_listener(struct glass_seccomp_prog *prog, long fd, struct glass_err **err)
{
	prog->listener_fd = (int)fd;
	if (prog->sock[1] >= 0 && glass_fd_send(prog->sock[1], (int)fd, "n", 1) < 0)
		return glass_err_new(err, errno, "sendmsg(SCM_RIGHTS, seccomp notify fd %ld)", fd);
	close((int)fd);
	prog->listener_fd = -1;
	if (prog->sock[1] >= 0) {
		close(prog->sock[1]);
		prog->sock[1] = -1;
	}
	return 0;
}

int glass_seccomp_load_filter(struct glass_seccomp_prog *prog, struct glass_err **err)
{
	struct sock_fprog fprog;
	char flags[200], phase[24];
	long rc;

	if (!prog || !prog->insns)
		return 0;
	snprintf(phase, sizeof(phase), "%s", glass_trace_current_phase());
	glass_trace_phase("security");
	fprog.len = (unsigned short)prog->len;
	fprog.filter = prog->insns;
	glass_seccomp_flags_str(prog->flags, flags, sizeof(flags));
	rc = GLASS_SYS(err, "seccomp", "linux.seccomp",
	               syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog),
	               "SECCOMP_SET_MODE_FILTER, %s, {len=%zu}", flags, prog->len);
	if (rc < 0) {
		if (errno == EACCES)
			glass_err_hint(err, "installing a filter needs no_new_privs or "
			                    "CAP_SYS_ADMIN in the container's user namespace");
		else if (errno == EINVAL && (prog->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
			glass_err_hint(err,
			               "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs Linux 5.19");
		glass_trace_phase(phase);
		return glass_err_ctx(err, "seccomp");
	}
	if ((prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
	    hand_over_listener(prog, rc, err) < 0) {
		glass_trace_phase(phase);
		return glass_err_ctx(err, "seccomp");
	}
	glass_trace_phase(phase);
	return 0;
}

int glass_seccomp_load(struct glass_seccomp_prog *prog, struct glass_err **err)
{
	/* Labels first: a strict filter might not allow the write. */
	if (glass_seccomp_load_labels(prog, err) < 0)
		return -1;
	return glass_seccomp_load_filter(prog, err);
}

int glass_seccomp_filter_fd(const struct glass_seccomp_prog *prog, struct glass_err **err)
{
	uint64_t head[2] = {prog->flags, prog->len};
	size_t size = prog->len * sizeof(struct sock_filter);
	cleanup_close int fd = -1;
	char flags[200];

	fd = GLASS_SYS(err, "memfd_create", "linux.seccomp",
	               memfd_create("glass-seccomp-filter", MFD_CLOEXEC),
	               "\"glass-seccomp-filter\", MFD_CLOEXEC");
	if (fd < 0)
		return -1;
	if (write(fd, head, sizeof(head)) != (ssize_t)sizeof(head) ||
	    write(fd, prog->insns, size) != (ssize_t)size)
		return glass_err_new(err, errno ? errno : EIO, "write(seccomp filter memfd)");
	glass_trace_note("security", "linux.seccomp",
	                 "the sealed exec stub loads the filter (seccomp(SECCOMP_SET_MODE_FILTER, "
	                 "%s, {len=%zu})) as its last step before execve: no system call of the "
	                 "runtime runs under it",
	                 glass_seccomp_flags_str(prog->flags, flags, sizeof(flags)), prog->len);
	return steal_fd(&fd);
}

int glass_seccomp_explain_silence(const struct glass_seccomp_prog *prog, bool nnp,
                                  struct glass_err **err)
{
	struct glass_err *e = err ? *err : NULL;
	if (!e || e->hint || !e->op || strcmp(e->op, GLASS_SYNC_SILENT_EXIT) != 0 || !prog ||
	    !prog->insns || glass_seccomp_loads_last(prog, nnp))
		return -1;
	return glass_err_hint(err, "linux.seccomp was loaded before the identity change "
	                           "(without process.noNewPrivileges, loading a filter needs "
	                           "CAP_SYS_ADMIN), so the runtime's last steps (setgroups, "
	                           "setresgid, setresuid, capset, prctl, chdir, close_range, "
	                           "sendmsg, openat, write, execve) ran under it: a filter "
	                           "that denies them ends the process silently; set "
	                           "process.noNewPrivileges to load it last");
}

void glass_seccomp_free(struct glass_seccomp_prog *prog)
{
	if (!prog)
		return;
	free(prog->insns);
	free(prog->lsm_proc.apparmor_profile);
	free(prog->lsm_proc.selinux_label);
	free(prog->listener_path);
	free(prog->listener_metadata);
	for (int i = 0; i < 2; i++)
		if (prog->sock[i] >= 0)
			close(prog->sock[i]);
	if (prog->listener_fd >= 0)
		close(prog->listener_fd);
	free(prog);
}

size_t glass_seccomp_size(const struct glass_seccomp_prog *prog)
{
	return prog ? prog->len : 0;
}

int glass_seccomp_keep_fd(const struct glass_seccomp_prog *prog)
{
	return prog ? prog->sock[1] : -1;
}

bool glass_seccomp_wants_listener(const struct glass_seccomp_prog *prog)
{
	return prog && (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

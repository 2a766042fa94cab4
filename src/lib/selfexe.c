/* selfexe: see selfexe.h.
 *
 * memfd_create() makes an anonymous tmpfs file; with MFD_ALLOW_SEALING its
 * contents can be frozen by fcntl(F_ADD_SEALS): after F_SEAL_WRITE no
 * write(2) or writable mapping succeeds (EPERM), after F_SEAL_SHRINK/GROW
 * its size is fixed, and F_SEAL_SEAL forbids removing or adding seals.
 * fexecve() runs the memfd through execveat(fd, "", AT_EMPTY_PATH), so the
 * new image's /proc/self/exe is "/memfd:glass-runtime (deleted)".
 */
#include "selfexe.h"
#include "execstub.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static unsigned long long cost_ns;
static char **saved_argv; /* for a re-exec decided later (create/run) */
static int sealed = -1;   /* is_sealed(), once known */

bool glass_selfexe_needed(int argc, char *const argv[])
{
	/* A bare word anywhere is enough: a container id spelled like the
	 * verb only costs one needless copy, a missed verb would cost the
	 * defense.  create and run decide later (glass_selfexe_guard). */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "exec"))
			return true;
	return false;
}

bool glass_selfexe_is_sealed(void)
{
	int fd, seals;
	if (sealed >= 0)
		return sealed;
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	seals = fcntl(fd, F_GET_SEALS);
	close(fd);
	sealed = seals >= 0 && (seals & SEALS) == SEALS;
	return sealed;
}

unsigned long long glass_selfexe_cost_ns(void)
{
	return cost_ns;
}

int glass_selfexe_memfd(const char *name, struct glass_err **err)
{
	int fd;
	/* With vm.memfd_noexec = 1 or 2 a memfd is not executable unless
	 * created with MFD_EXEC (Linux 6.3); older kernels reject the flag. */
	fd = (int)GLASS_SYS(
	    err, "memfd_create", NULL,
	    syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC),
	    "\"%s\", MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_EXEC", name);
	if (fd < 0 && errno == EINVAL) {
		glass_err_free(err);
		fd =
		    (int)GLASS_SYS(err, "memfd_create", NULL,
		                   syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING),
		                   "\"%s\", MFD_CLOEXEC|MFD_ALLOW_SEALING", name);
	}
	return fd;
}

int glass_selfexe_memfd_seal(int fd, const char *name, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "fcntl", NULL, fcntl(fd, F_ADD_SEALS, SEALS),
	                      "%d</memfd:%s>, F_ADD_SEALS, "
	                      "F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE",
	                      fd, name);
}

/* Copies the running binary into a new sealed memfd.  Returns the fd. */
static int sealed_copy(struct glass_err **err)
{
	cleanup_close int src = -1;
	cleanup_close int mfd = -1;
	struct stat st;
	off_t off = 0;

	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return glass_err_new(err, errno, "open(\"/proc/self/exe\", O_RDONLY)");
	if (fstat(src, &st) < 0)
		return glass_err_new(err, errno, "fstat(/proc/self/exe)");
	mfd = glass_selfexe_memfd("glass-runtime", err);
	if (mfd < 0)
		return -1;
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return glass_err_new(err, n < 0 ? errno : EIO,
			                     "sendfile(memfd, /proc/self/exe, %lld of %lld)",
			                     (long long)off, (long long)st.st_size);
	}
	if (glass_selfexe_memfd_seal(mfd, "glass-runtime", err) < 0)
		return -1;
	return steal_fd(&mfd);
}

/* Records the cost when this is the sealed instance; true when it is. */
static bool sealed_instance(struct glass_err **err, int *rc)
{
	const char *mark = getenv(GLASS_SELFEXE_ENV);
	unsigned long long started;
	if (!mark)
		return false;
	started = strtoull(mark, NULL, 10);
	unsetenv(GLASS_SELFEXE_ENV);
	if (!glass_selfexe_is_sealed()) {
		*rc = glass_err_new(err, EPERM, "re-executed binary is not a sealed memfd");
		return true;
	}
	cost_ns = started ? now_ns() - started : 0;
	*rc = 0;
	return true;
}

int glass_selfexe_seal(char *argv[], struct glass_err **err)
{
	unsigned long long t0;
	char val[32];
	int mfd, rc;

	if (sealed_instance(err, &rc))
		return rc;
	if (glass_selfexe_is_sealed())
		return 0;
	t0 = now_ns();
	mfd = sealed_copy(err);
	if (mfd < 0) {
		glass_err_hint(err, "glass re-executes from a sealed copy of itself so a container "
		                    "cannot overwrite the host binary (CVE-2019-5736)");
		return glass_err_ctx(err, "selfexe");
	}
	snprintf(val, sizeof(val), "%llu", t0);
	setenv(GLASS_SELFEXE_ENV, val, 1);
	fflush(NULL);
	glass_sys_execveat_fd(mfd, "/memfd:glass-runtime (sealed)", argv, environ, NULL, err);
	unsetenv(GLASS_SELFEXE_ENV);
	close(mfd);
	return glass_err_ctx(err, "selfexe");
}

int glass_selfexe_protect(int argc, char *argv[], struct glass_err **err)
{
	int rc;
	/* A copy: getopt may permute argv later. */
	saved_argv = xcalloc((size_t)argc + 1, sizeof(char *));
	memcpy(saved_argv, argv, (size_t)argc * sizeof(char *));
	if (sealed_instance(err, &rc))
		return rc;
	if (!glass_selfexe_needed(argc, argv))
		return 0;
	return glass_selfexe_seal(argv, err);
}

/* True when the container's process could hold CAP_SYS_PTRACE in the
 * host's user namespace: no user namespace, and a bounding set that keeps
 * it (an absent bounding set is empty, caps.c). */
static bool may_ptrace_host(const struct glass_process *p, bool userns)
{
	const struct glass_caps *c = &p->caps;
	if (userns)
		return false;
	for (size_t i = 0; i < c->nbounding; i++)
		if (c->bounding[i] == CAP_SYS_PTRACE)
			return true;
	return false;
}

/* True when linux.seccomp surely lets `name` through, whatever its
 * arguments: the one rule naming it allows it without conditions, or no
 * rule names it and the default allows. */
static bool seccomp_allows(const struct glass_seccomp *sc, const char *name)
{
	const char *action = sc->default_action;
	int named = 0;
	if (!sc->present)
		return true;
	for (size_t i = 0; i < sc->nsyscalls; i++) {
		const struct glass_seccomp_rule *rl = &sc->syscalls[i];
		for (size_t j = 0; j < rl->nnames; j++) {
			if (strcmp(rl->names[j], name) != 0)
				continue;
			if (rl->nargs || ++named > 1)
				return false;
			action = rl->action;
		}
	}
	return action && (!strcmp(action, "SCMP_ACT_ALLOW") || !strcmp(action, "SCMP_ACT_LOG"));
}

bool glass_selfexe_init_waits_in_stub(const struct glass_spec *spec, bool attached, bool tracing)
{
	return !spec->nhooks[GLASS_HOOK_START_CONTAINER] && !(attached && tracing);
}

const char *glass_selfexe_stub_not_enough(const struct glass_spec *spec,
                                          const struct glass_ns_plan *plan, bool attached)
{
	if (!glass_execstub_available())
		return "this build has no exec stub for this architecture";
	if (geteuid() != 0)
		return "rootless: the runtime writes the child's /proc files as an unprivileged "
		       "user, which a non-dumpable child would refuse";
	if (!plan->create[GLASS_NS_PID])
		return "no new PID namespace: processes that already run there could reach the "
		       "child while it sets up";
	/* The init waits for start in the runtime only to run startContainer
	 * hooks or to narrate (run --trace): then an exec'd process could meet
	 * it, and CAP_SYS_PTRACE opens a non-dumpable process's exe. */
	if (may_ptrace_host(&spec->process, plan->present[GLASS_NS_USER]) &&
	    !glass_selfexe_init_waits_in_stub(spec, attached, glass_trace_on))
		return "the process may hold CAP_SYS_PTRACE in the host's user namespace, which "
		       "opens /proc/PID/exe even of a non-dumpable process, and the init waits "
		       "for start in the runtime (startContainer hooks, or run --trace)";
	if ((spec->process.apparmor_profile && *spec->process.apparmor_profile) ||
	    (spec->process.selinux_label && *spec->process.selinux_label))
		return "an LSM label takes effect at the next execve, which must be the "
		       "process's, not the stub's";
	if (!seccomp_allows(&spec->linux_.seccomp, "execveat") ||
	    !seccomp_allows(&spec->linux_.seccomp, "fcntl"))
		return "linux.seccomp may block execveat or fcntl, which the stub needs";
	return NULL;
}

int glass_selfexe_guard(const struct glass_spec *spec, const struct glass_ns_plan *plan,
                        bool attached, int *stub_fd, struct glass_err **err)
{
	const char *why;
	*stub_fd = -1;
	if (glass_selfexe_is_sealed())
		return 0;
	why = glass_selfexe_stub_not_enough(spec, plan, attached);
	if (why == NULL) {
		glass_trace_note("selfexe", NULL,
		                 "the init stays non-dumpable while it sets up, and execs the "
		                 "process through a sealed %zu-byte stub (CVE-2019-5736 defense)",
		                 glass_execstub_size());
		*stub_fd = glass_execstub_open(err);
		return *stub_fd < 0 ? glass_err_ctx(err, "selfexe") : 0;
	}
	if (saved_argv == NULL) {
		glass_err_new(err, EPERM, "selfexe: the runtime is not a sealed copy and %s", why);
		glass_err_hint(err, "a program that creates containers through libglass calls "
		                    "glass_selfexe_seal() first");
		return -1;
	}
	glass_trace_note("selfexe", NULL,
	                 "%s: re-executing from a sealed copy of the runtime (the steps so far "
	                 "repeat)",
	                 why);
	return glass_selfexe_seal(saved_argv, err);
}

int glass_selfexe_check_join(pid_t init, const struct glass_process *p,
                             const struct glass_spec *spec, struct glass_err **err)
{
	char link[64], exe[256];
	ssize_t n;
	if (!may_ptrace_host(p, spec->linux_.ns[GLASS_NS_USER].present))
		return 0;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)init);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (strncmp(exe, "/memfd:", 7) == 0)
			return 0; /* the init runs from a sealed copy */
	}
	glass_err_field(err, EPERM, "process.capabilities.bounding",
	                "exec: this process could hold CAP_SYS_PTRACE on the host while the "
	                "container's init is still the runtime (created, not started): it could "
	                "open /proc/1/exe, the runtime's binary (CVE-2019-5736)");
	return glass_err_hint(err, "start the container first, or exec without CAP_SYS_PTRACE");
}

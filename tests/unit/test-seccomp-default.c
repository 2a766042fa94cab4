/* Unit tests of the default seccomp profile: it is a valid linux.seccomp
 * object, it blocks what Docker's default blocks (checked by loading it in
 * a child and making the calls), and it is capability-aware. */
#include "libseccomp.h"
#include "seccomp-internal.h"
#include "seccomp.h"
#include "spec.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct glass_seccomp_prog *compile_json(const char *profile)
{
	struct glass_err *err = NULL;
	cleanup_free char *doc = xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
	                                   "\"linux\":{\"seccomp\":%s}}",
	                                   profile);
	struct glass_spec *spec = glass_spec_parse(doc, strlen(doc), &err);
	struct glass_seccomp_prog *prog = NULL;
	if (!spec) {
		cleanup_free char *m = glass_err_format(err);
		printf("# parse: %s\n", m);
		glass_err_free(&err);
		return NULL;
	}
	if (glass_seccomp_prepare(spec, NULL, NULL, &prog, &err) < 0) {
		cleanup_free char *m = glass_err_format(err);
		printf("# prepare: %s\n", m);
		glass_err_free(&err);
	}
	glass_spec_free(spec);
	return prog;
}

/* Runs `nr` with the given args in a child under prog; returns the errno
 * (0 on success, 255 when the call succeeded but is not meant to be
 * reported, -signal when killed). */
static int try_call(struct glass_seccomp_prog *prog, long nr, long a, long b, long c, long d)
{
	pid_t pid = fork();
	int st;
	if (pid == 0) {
		struct glass_err *e = NULL;
		long r;
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (glass_seccomp_load(prog, &e) < 0)
			_exit(254);
		r = syscall(nr, a, b, c, d, 0, 0);
		_exit(r < 0 ? errno : 0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int fork_works(struct glass_seccomp_prog *prog)
{
	pid_t pid = fork();
	int st;
	if (pid == 0) {
		struct glass_err *e = NULL;
		pid_t c;
		int cs;
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (glass_seccomp_load(prog, &e) < 0)
			_exit(254);
		c = fork(); /* glibc: clone3 -> ENOSYS -> clone(SIGCHLD) */
		if (c == 0)
			_exit(7);
		if (c < 0)
			_exit(errno);
		waitpid(c, &cs, 0);
		_exit(WIFEXITED(cs) && WEXITSTATUS(cs) == 7 ? 0 : 100);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

int main(void)
{
	cleanup_free char *def = glass_seccomp_default_profile_json();
	struct glass_seccomp_prog *prog;
	json_object *o = json_tokener_parse(def), *sys, *allow;
	size_t ncaps, blocked = 0, total = 0;
	const int *caps = glass_seccomp_default_caps(&ncaps);

	TAP_OK(o != NULL, "default profile is JSON");
	TAP_OK(ncaps == 14 && caps[0] == CAP_CHOWN, "Docker's 14 default capabilities");
	json_object_object_get_ex(o, "syscalls", &sys);
	allow = json_object_object_get(json_object_array_get_idx(sys, 0), "names");
	/* Count the x86-64 syscalls the allow-list leaves out. */
	for (int nr = 0; nr < 470; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		bool found = false;
		if (!name)
			continue;
		total++;
		for (size_t i = 0; i < json_object_array_length(allow) && !found; i++)
			found = !strcmp(json_object_get_string(json_object_array_get_idx(allow, i)),
			                name);
		if (!found)
			blocked++;
		free(name);
	}
	printf("# x86-64: %zu of %zu syscalls not unconditionally allowed\n", blocked, total);
	TAP_OK(blocked >= 40 && blocked <= 90, "blocks %zu of %zu syscalls (Docker: ~44 of 330+)",
	       blocked, total);
	json_object_put(o);

	prog = compile_json(def);
	TAP_OK(prog != NULL, "default profile compiles (%zu BPF instructions)",
	       glass_seccomp_size(prog));
	if (!prog)
		return tap_done();
	TAP_OK(try_call(prog, SYS_mount, (long)"none", (long)"/tmp", (long)"tmpfs", 0) == EPERM,
	       "mount: EPERM");
	TAP_OK(try_call(prog, SYS_umount2, (long)"/tmp", 0, 0, 0) == EPERM, "umount2: EPERM");
	TAP_OK(try_call(prog, SYS_unshare, CLONE_NEWUSER, 0, 0, 0) == EPERM,
	       "unshare(CLONE_NEWUSER): EPERM");
	TAP_OK(try_call(prog, SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0) == EPERM,
	       "clone(CLONE_NEWUSER): EPERM (masked arg rule)");
	TAP_OK(try_call(prog, SYS_keyctl, 0, 0, 0, 0) == EPERM, "keyctl: EPERM");
	TAP_OK(try_call(prog, SYS_add_key, (long)"user", (long)"k", 0, 0) == EPERM,
	       "add_key: EPERM");
	TAP_OK(try_call(prog, SYS_request_key, (long)"user", (long)"k", 0, 0) == EPERM,
	       "request_key: EPERM");
	TAP_OK(try_call(prog, SYS_bpf, 0, 0, 0, 0) == EPERM, "bpf: EPERM");
	TAP_OK(try_call(prog, SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	                LINUX_REBOOT_CMD_CAD_OFF, 0) == EPERM,
	       "reboot: EPERM");
	TAP_OK(try_call(prog, SYS_kexec_load, 0, 0, 0, 0) == EPERM, "kexec_load: EPERM");
	TAP_OK(try_call(prog, SYS_ptrace, PTRACE_ATTACH, 1, 0, 0) == EPERM, "ptrace: EPERM");
	TAP_OK(try_call(prog, SYS_personality, 0x0040000, 0, 0, 0) == EPERM,
	       "personality(ADDR_NO_RANDOMIZE): EPERM");
	TAP_OK(try_call(prog, SYS_personality, 0xffffffff, 0, 0, 0) == 0,
	       "personality(query): allowed");
	TAP_OK(try_call(prog, SYS_clone3, 0, 0, 0, 0) == ENOSYS,
	       "clone3: ENOSYS (libc falls back)");
	TAP_OK(try_call(prog, SYS_getpid, 0, 0, 0, 0) == 0, "getpid: allowed");
	TAP_OK(fork_works(prog) == 0, "fork still works (clone without namespace flags)");
	TAP_OK(try_call(prog, SYS_chroot, (long)"/nonexistent-glass", 0, 0, 0) == ENOENT,
	       "chroot reaches the kernel (CAP_SYS_CHROOT is a default capability)");
	glass_seccomp_free(prog);

	/* With CAP_SYS_ADMIN the mount family comes back. */
	{
		int admin[] = {CAP_SYS_ADMIN, CAP_CHOWN};
		cleanup_free char *p2 = glass_seccomp_default_profile_json_for_caps(admin, 2);
		prog = compile_json(p2);
		TAP_OK(prog != NULL, "CAP_SYS_ADMIN profile compiles");
		TAP_OK(try_call(prog, SYS_umount2, (long)"/nonexistent-glass", 0, 0, 0) == ENOENT,
		       "umount2 reaches the kernel with CAP_SYS_ADMIN (ENOENT)");
		TAP_OK(try_call(prog, SYS_chroot, (long)"/nonexistent-glass", 0, 0, 0) == EPERM,
		       "chroot: EPERM without CAP_SYS_CHROOT");
		glass_seccomp_free(prog);
	}
	/* The config transformer used by `spec --seccomp-default`. */
	{
		struct glass_err *err = NULL;
		cleanup_free char *cfg = glass_spec_default_json(false);
		cleanup_free char *with = glass_seccomp_with_default_profile(cfg, &err);
		struct glass_spec *spec = with ? glass_spec_parse(with, strlen(with), &err) : NULL;
		TAP_OK(spec && spec->linux_.seccomp.present &&
		           !strcmp(spec->linux_.seccomp.default_action, "SCMP_ACT_ERRNO"),
		       "spec --seccomp-default config parses with the profile");
		glass_spec_free(spec);
		TAP_OK(glass_seccomp_with_default_profile("[1]", &err) == NULL && err,
		       "non-object config refused");
		glass_err_free(&err);
	}
	return tap_done();
}

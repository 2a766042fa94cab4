/* Unit tests of seccomp compilation and loading: each filter is compiled
 * from a linux.seccomp struct and loaded in a forked child, which then
 * reports what the kernel did to the syscalls it tried. */
#include "seccomp-internal.h"
#include "seccomp.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char *names1[] = {"getcwd"};
static char *names_unknown[] = {"no_such_syscall_xyz", "getppid"};

/* Forks; the child sets no_new_privs, loads prog and runs fn; returns the
 * child's wait status. */
static int in_child(struct glass_seccomp_prog *prog, int (*fn)(void))
{
	pid_t pid = fork();
	int st;
	if (pid == 0) {
		struct glass_err *e = NULL;
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (glass_seccomp_load(prog, &e) < 0)
			_exit(99);
		_exit(fn());
	}
	waitpid(pid, &st, 0);
	return st;
}

static int try_getcwd(void)
{
	char buf[64];
	long r = syscall(SYS_getcwd, buf, sizeof(buf));
	return r < 0 ? errno : 0;
}
static int try_getppid(void)
{
	long r = syscall(SYS_getppid);
	return r < 0 ? errno : 0;
}
static int try_personality(void)
{
	/* personality(0xffffffff) only queries. */
	long a = syscall(SYS_personality, 0xffffffffUL);
	long b = syscall(SYS_personality, 8UL);
	int eb = b < 0 ? errno : 0;
	long c = syscall(SYS_personality, 0x20000UL);
	int ec = c < 0 ? errno : 0;
	return (a < 0 ? 1 : 0) | (eb ? 2 : 0) | (ec == EPERM ? 4 : 0);
}
static int try_socket(void)
{
	/* socket(AF_UNIX=1, SOCK_STREAM=1) denied with EACCES only for that
	 * exact pair (two conditions ANDed); AF_INET allowed. */
	int a = (int)syscall(SYS_socket, 1, 1, 0);
	int ea = a < 0 ? errno : 0;
	int b = (int)syscall(SYS_socket, 1, 2, 0);
	return (ea == EACCES ? 1 : 0) | (b >= 0 ? 2 : 0);
}
static int try_clone_flags(void)
{
	/* unshare(CLONE_NEWUSER) denied by a masked-eq rule; unshare(0) ok. */
	long a = syscall(SYS_unshare, 0x10000000UL);
	int ea = a < 0 ? errno : 0;
	long b = syscall(SYS_unshare, 0UL);
	return (ea == EPERM ? 1 : 0) | (b == 0 ? 2 : 0);
}

int main(void)
{
	struct glass_err *err = NULL;
	struct glass_seccomp_prog *prog = NULL;
	struct glass_seccomp_rule rule = {.names = names1, .nnames = 1, .action = "SCMP_ACT_ERRNO"};
	struct glass_seccomp sc = {
	    .present = true, .default_action = "SCMP_ACT_ALLOW", .syscalls = &rule, .nsyscalls = 1};
	int st;

	/* 1: errno defaults to EPERM */
	TAP_OK(glass_seccomp_compile(&sc, &prog, &err) == 0, "compile a one-rule filter");
	TAP_OK(prog && glass_seccomp_size(prog) > 4, "filter has %zu BPF instructions",
	       glass_seccomp_size(prog));
	st = in_child(prog, try_getcwd);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == EPERM, "getcwd fails EPERM (status %#x)", st);
	st = in_child(prog, try_getppid);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "getppid allowed by defaultAction");
	glass_seccomp_free(prog);

	/* 2: errnoRet */
	rule.has_errno_ret = true;
	rule.errno_ret = ENOTSUP;
	TAP_OK(glass_seccomp_compile(&sc, &prog, &err) == 0, "compile with errnoRet");
	st = in_child(prog, try_getcwd);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == ENOTSUP, "errnoRet ENOTSUP returned");
	glass_seccomp_free(prog);

	/* 3: unknown action names its field */
	rule.action = "SCMP_ACT_BOGUS";
	rule.has_errno_ret = false;
	TAP_OK(glass_seccomp_compile(&sc, &prog, &err) < 0 && err && err->field &&
	           !strcmp(err->field, "linux.seccomp.syscalls[0].action"),
	       "unknown action is an error naming linux.seccomp.syscalls[0].action");
	glass_err_free(&err);

	/* 4: errnoRet on an action without errno */
	rule.action = "SCMP_ACT_KILL";
	rule.has_errno_ret = true;
	TAP_OK(glass_seccomp_compile(&sc, &prog, &err) < 0, "errnoRet with SCMP_ACT_KILL refused");
	glass_err_free(&err);
	rule.has_errno_ret = false;

	/* 5: unknown syscall name skipped, the rest applied */
	rule.names = names_unknown;
	rule.nnames = 2;
	rule.action = "SCMP_ACT_ERRNO";
	TAP_OK(glass_seccomp_compile(&sc, &prog, &err) == 0 && prog->nskipped == 1,
	       "unknown syscall name skipped");
	st = in_child(prog, try_getppid);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == EPERM, "getppid (the known name) denied");
	glass_seccomp_free(prog);

	/* 6: default action KILL_PROCESS with an allow-list: a syscall outside it kills */
	{
		static char *allow[] = {"exit_group", "exit", "getcwd", "rt_sigreturn"};
		struct glass_seccomp_rule r2 = {
		    .names = allow, .nnames = 4, .action = "SCMP_ACT_ALLOW"};
		struct glass_seccomp s2 = {.present = true,
		                           .default_action = "SCMP_ACT_KILL_PROCESS",
		                           .syscalls = &r2,
		                           .nsyscalls = 1};
		TAP_OK(glass_seccomp_compile(&s2, &prog, &err) == 0, "compile an allow-list");
		st = in_child(prog, try_getppid);
		TAP_OK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		       "syscall outside the allow-list: killed by SIGSYS");
		if (TAP_SANITIZED) {
			TAP_SKIP(TAP_SANITIZED_WHY, "allowed syscall runs");
		} else {
			st = in_child(prog, try_getcwd);
			TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "allowed syscall runs");
		}
		glass_seccomp_free(prog);
	}

	/* 7: several conditions on one argument are ORed (Docker's personality) */
	{
		static char *pers[] = {"personality"};
		struct glass_seccomp_arg args[] = {
		    {.index = 0, .value = 0, .op = "SCMP_CMP_EQ"},
		    {.index = 0, .value = 8, .op = "SCMP_CMP_EQ"},
		    {.index = 0, .value = 0xffffffff, .op = "SCMP_CMP_EQ"},
		};
		struct glass_seccomp_rule r3 = {.names = pers,
		                                .nnames = 1,
		                                .action = "SCMP_ACT_ALLOW",
		                                .args = args,
		                                .nargs = 3};
		struct glass_seccomp s3 = {.present = true,
		                           .default_action = "SCMP_ACT_ERRNO",
		                           .syscalls = &r3,
		                           .nsyscalls = 1};
		static char *base[] = {"exit_group", "exit", "rt_sigreturn", "getpid"};
		struct glass_seccomp_rule rules[2] = {
		    r3, {.names = base, .nnames = 4, .action = "SCMP_ACT_ALLOW"}};
		s3.syscalls = rules;
		s3.nsyscalls = 2;
		TAP_OK(glass_seccomp_compile(&s3, &prog, &err) == 0, "compile ORed conditions");
		if (TAP_SANITIZED) {
			TAP_SKIP(TAP_SANITIZED_WHY,
			         "personality(0xffffffff) and (8) allowed, (0x20000) EPERM");
		} else {
			st = in_child(prog, try_personality);
			TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 4,
			       "personality(0xffffffff) and (8) allowed, (0x20000) EPERM (got %d)",
			       WEXITSTATUS(st));
		}
		glass_seccomp_free(prog);
	}

	/* 8: conditions on two arguments ANDed; SCMP_CMP_MASKED_EQ */
	{
		static char *sock[] = {"socket"};
		static char *unsh[] = {"unshare"};
		struct glass_seccomp_arg a1[] = {
		    {.index = 0, .value = 1, .op = "SCMP_CMP_EQ"},
		    {.index = 1, .value = 1, .op = "SCMP_CMP_EQ"},
		};
		struct glass_seccomp_arg a2[] = {
		    {.index = 0,
		     .value = 0x10000000,
		     .value_two = 0x10000000,
		     .op = "SCMP_CMP_MASKED_EQ"},
		};
		struct glass_seccomp_rule rules[2] = {
		    {.names = sock,
		     .nnames = 1,
		     .action = "SCMP_ACT_ERRNO",
		     .has_errno_ret = true,
		     .errno_ret = EACCES,
		     .args = a1,
		     .nargs = 2},
		    {.names = unsh,
		     .nnames = 1,
		     .action = "SCMP_ACT_ERRNO",
		     .args = a2,
		     .nargs = 1},
		};
		struct glass_seccomp s4 = {.present = true,
		                           .default_action = "SCMP_ACT_ALLOW",
		                           .syscalls = rules,
		                           .nsyscalls = 2};
		TAP_OK(glass_seccomp_compile(&s4, &prog, &err) == 0,
		       "compile ANDed and masked rules");
		st = in_child(prog, try_socket);
		TAP_OK(
		    WIFEXITED(st) && WEXITSTATUS(st) == 3,
		    "socket(AF_UNIX, SOCK_STREAM) EACCES, socket(AF_UNIX, SOCK_DGRAM) ok (got %d)",
		    WEXITSTATUS(st));
		st = in_child(prog, try_clone_flags);
		TAP_OK(WIFEXITED(st) && (WEXITSTATUS(st) & 1),
		       "unshare(CLONE_NEWUSER) EPERM by SCMP_CMP_MASKED_EQ (got %d)",
		       WEXITSTATUS(st));
		rules[1].args[0].op = "SCMP_CMP_BOGUS";
		TAP_OK(glass_seccomp_compile(&s4, &prog, &err) < 0 && err && err->field &&
		           strstr(err->field, "syscalls[1].args[0]"),
		       "unknown operator names its field");
		glass_err_free(&err);
	}

	/* 9: flags and architectures */
	{
		static char *flags[] = {"SECCOMP_FILTER_FLAG_LOG",
		                        "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
		static char *arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
		static char *badarch[] = {"SCMP_ARCH_VAX"};
		static char *badflag[] = {"SECCOMP_FILTER_FLAG_NOPE"};
		size_t one;
		rule.names = names1;
		rule.nnames = 1;
		sc.flags = flags;
		sc.nflags = 2;
		TAP_OK(glass_seccomp_compile(&sc, &prog, &err) == 0 &&
		           prog->flags ==
		               (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW),
		       "flags LOG|SPEC_ALLOW recorded");
		st = in_child(prog, try_getcwd);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == EPERM, "filter with flags loads");
		one = glass_seccomp_size(prog);
		glass_seccomp_free(prog);
		sc.architectures = arches;
		sc.narchitectures = 3;
		TAP_OK(glass_seccomp_compile(&sc, &prog, &err) == 0 &&
		           glass_seccomp_size(prog) > one,
		       "three architectures make a bigger program (%zu > %zu)",
		       glass_seccomp_size(prog), one);
		glass_seccomp_free(prog);
		sc.architectures = badarch;
		sc.narchitectures = 1;
		TAP_OK(glass_seccomp_compile(&sc, &prog, &err) < 0 && err->field &&
		           !strcmp(err->field, "linux.seccomp.architectures[0]"),
		       "unknown architecture names its field");
		glass_err_free(&err);
		sc.narchitectures = 0;
		sc.flags = badflag;
		sc.nflags = 1;
		TAP_OK(glass_seccomp_compile(&sc, &prog, &err) < 0 && err->field &&
		           !strcmp(err->field, "linux.seccomp.flags[0]"),
		       "unknown flag names its field");
		glass_err_free(&err);
		sc.nflags = 0;
	}

	/* 10: SCMP_ACT_NOTIFY without listenerPath is refused; with one the fd
	 * and the state reach the agent, which answers the syscall. */
	{
		char dir[] = "/tmp/glass-seccomp-XXXXXX";
		char path[100];
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int ls, conn;
		pid_t pid;
		rule.action = "SCMP_ACT_NOTIFY";
		TAP_OK(glass_seccomp_compile(&sc, &prog, &err) < 0 && err->field &&
		           !strcmp(err->field, "linux.seccomp.listenerPath"),
		       "SCMP_ACT_NOTIFY without listenerPath refused");
		glass_err_free(&err);
		mkdtemp(dir);
		snprintf(path, sizeof(path), "%s/agent.sock", dir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		ls = socket(AF_UNIX, SOCK_STREAM, 0);
		bind(ls, (struct sockaddr *)&sa, sizeof(sa));
		listen(ls, 1);
		sc.listener_path = path;
		sc.listener_metadata = "hello-agent";
		/* libseccomp 2.5 cannot set this flag; glass loads the program
		 * itself, so the kernel gets it. */
		static char *killable[] = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
		sc.flags = killable;
		sc.nflags = 1;
		TAP_OK(glass_seccomp_compile(&sc, &prog, &err) == 0 &&
		           glass_seccomp_keep_fd(prog) >= 0 &&
		           prog->flags == (SECCOMP_FILTER_FLAG_NEW_LISTENER |
		                           SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV),
		       "compile with SCMP_ACT_NOTIFY and WAIT_KILLABLE_RECV");
		pid = fork();
		if (pid == 0) {
			struct glass_err *e = NULL;
			char buf[64];
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			if (glass_seccomp_load(prog, &e) < 0)
				_exit(99);
			/* The agent answers getcwd with 4242. */
			_exit(syscall(SYS_getcwd, buf, sizeof(buf)) == 4242 ? 0 : 1);
		}
		TAP_OK(glass_seccomp_notify_forward(prog, "ctr1", "/b", pid, NULL, &err) == 0,
		       "notify fd forwarded to the listener");
		conn = accept(ls, NULL, NULL);
		{
			char buf[2048] = {0};
			char cbuf[CMSG_SPACE(sizeof(int))];
			struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
			struct msghdr msg = {.msg_iov = &iov,
			                     .msg_iovlen = 1,
			                     .msg_control = cbuf,
			                     .msg_controllen = sizeof(cbuf)};
			int nfd = -1;
			ssize_t n = recvmsg(conn, &msg, 0);
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			if (c && c->cmsg_type == SCM_RIGHTS)
				memcpy(&nfd, CMSG_DATA(c), sizeof(int));
			TAP_OK(n > 0 && strstr(buf, "\"fds\":[\"seccompFd\"]") &&
			           strstr(buf, "\"metadata\":\"hello-agent\"") &&
			           strstr(buf, "\"id\":\"ctr1\"") &&
			           strstr(buf, "\"status\":\"creating\""),
			       "state JSON received: %s", buf);
			TAP_OK(nfd >= 0, "seccompFd received in SCM_RIGHTS");
			if (nfd >= 0) {
				struct seccomp_notif req;
				struct seccomp_notif_resp resp;
				memset(&req, 0, sizeof(req));
				if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
					memset(&resp, 0, sizeof(resp));
					resp.id = req.id;
					resp.val = 4242;
					ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
				}
				TAP_OK(req.data.nr == SYS_getcwd, "agent saw getcwd (nr %d)",
				       req.data.nr);
				close(nfd);
			}
		}
		waitpid(pid, &st, 0);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "the agent's answer reached the caller");
		glass_seccomp_free(prog);
		close(conn);
		close(ls);
		unlink(path);
		rmdir(dir);
	}
	return tap_done();
}

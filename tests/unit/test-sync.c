/* Unit tests of the sync framing: one message per send, the sender's pid
 * from the kernel's credentials, errors filled on a failed send, and a
 * pair that refuses to exist when the kernel will not pass credentials. */
#include "libseccomp.h"
#include "sync.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* In a child whose setsockopt() a seccomp filter fails with EPERM: the
 * pair must fail and say which call, instead of handing out a socket on
 * which the parent would never learn a sender's pid.  Exit 0 when so. */
static int pair_without_passcred(void)
{
	struct glass_err *err = NULL;
	int sp[2] = {7, 7};
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	if (f == NULL || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setsockopt), 0) < 0 ||
	    seccomp_load(f) < 0)
		return 2;
	if (glass_sync_pair(sp, &err) == 0)
		return 3;
	if (err == NULL || err->errnum != EPERM || strstr(err->op, "SO_PASSCRED") == NULL)
		return 4;
	if (sp[0] != -1 || sp[1] != -1)
		return 5;
	glass_err_free(&err);
	return 0;
}

int main(void)
{
	struct glass_err *err = NULL;
	char buf[64];
	uint32_t type = 0;
	pid_t sender = 0, pid;
	int sp[2], st = 0;

	TAP_OK(glass_sync_pair(sp, &err) == 0, "pair");
	pid = fork();
	if (pid == 0) {
		close(sp[0]);
		_exit(glass_sync_send(sp[1], GLASS_SYNC_USER, "hello", 5, NULL) < 0);
	}
	close(sp[1]);
	ssize_t n = glass_sync_recv(sp[0], &type, buf, sizeof(buf), &sender);
	TAP_OK(n == 5 && type == GLASS_SYNC_USER && memcmp(buf, "hello", 5) == 0,
	       "one message arrives whole (%zd bytes, type %u)", n, type);
	TAP_OK(sender == pid, "recv names the sender's pid (%d, child %d)", (int)sender, (int)pid);
	waitpid(pid, NULL, 0);
	n = glass_sync_recv(sp[0], &type, buf, sizeof(buf), NULL);
	TAP_OK(n == 0 && type == 0, "EOF once the child is gone");
	TAP_OK(glass_sync_send(sp[0], GLASS_SYNC_USER, "x", 1, &err) == -1 && err &&
	           err->errnum == EPIPE && strstr(err->op, "send(sync socket"),
	       "a send to a closed peer fills the error: %s", err ? err->op : "none");
	glass_err_free(&err);
	static char big[GLASS_SYNC_MAX + 1];
	TAP_OK(glass_sync_send(sp[0], GLASS_SYNC_USER, big, sizeof(big), &err) == -1 && err &&
	           err->errnum == EMSGSIZE,
	       "an oversized message is EMSGSIZE in the error");
	glass_err_free(&err);
	close(sp[0]);

	pid = fork();
	if (pid == 0)
		_exit(pair_without_passcred());
	waitpid(pid, &st, 0);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "setsockopt(SO_PASSCRED) refused: the pair fails naming it, no fd left (%d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return tap_done();
}

/* Unit tests of the trace stream: BEGIN/END pairing, JSON rendering, the
 * recent-events ring, step answers from a control fd, and relaying a
 * child's events over the sync socket. */
#include "container-internal.h"
#include "sys.h"
#include "tap.h"
#include "trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct glass_trace_event seen[64];
static int nseen;

static void collect(const struct glass_trace_event *ev, void *ctx)
{
	(void)ctx;
	if (nseen < 64)
		seen[nseen++] = *ev;
}

static int child_main(int fd)
{
	/* The relay is set while the inherited sink is still on (a child
	 * relays only for a parent that traces), then the sink goes. */
	glass_trace_set_relay(fd);
	glass_trace_set_callback(NULL, NULL);
	glass_trace_phase("child");
	glass_sys_chdir("/", "process.cwd", NULL);
	glass_sys_chdir("/nonexistent-glass", "process.cwd", NULL);
	glass_sync_send(fd, GLASS_SYNC_USER, "done", 4, NULL);
	return 0;
}

int main(void)
{
	struct glass_err *err = NULL;
	struct glass_trace_event recent[8];
	char json[2048];
	int ctl[2], sp[2];
	pid_t pid;

	glass_trace_set_callback(collect, NULL);
	glass_trace_phase("unit");
	TAP_OK(glass_sys_chdir("/", "process.cwd", &err) == 0, "traced chdir succeeds");
	TAP_OK(nseen == 2 && seen[0].kind == GLASS_TRACE_BEGIN && seen[1].kind == GLASS_TRACE_END,
	       "one call emits BEGIN then END (%d events)", nseen);
	TAP_OK(seen[0].step == seen[1].step && seen[1].seq == seen[0].seq + 1, "BEGIN/END paired");
	TAP_OK(strcmp(seen[1].field, "process.cwd") == 0 && strcmp(seen[1].phase, "unit") == 0,
	       "events carry field and phase");
	TAP_OK(glass_sys_chdir("/nonexistent-glass", "process.cwd", &err) == -1 && err &&
	           err->errnum == ENOENT,
	       "failed call fills the error");
	TAP_OK(seen[3].errnum == ENOENT && seen[3].result == -1, "END carries errno");
	glass_trace_event_json(&seen[3], json, sizeof(json));
	TAP_OK(strstr(json, "\"errname\":\"ENOENT\"") && strstr(json, "\"type\":\"end\"") &&
	           strstr(json, "\"args\":\"\\\"\\/nonexistent-glass\\\"\""),
	       "JSON form: %s", json);
	TAP_OK(glass_trace_recent(recent, 8) == 4 && recent[3].errnum == ENOENT,
	       "ring keeps the recent events");
	glass_err_free(&err);

	/* Step control from a pipe: "next" runs the step, "abort" cancels it. */
	TAP_OK(pipe(ctl) == 0, "control pipe");
	(void)!write(ctl[1], "next\nabort\n", 11);
	glass_trace_set_step(true, ctl[0]);
	TAP_OK(glass_sys_chdir("/", NULL, NULL) == 0, "next: the step runs");
	TAP_OK(glass_sys_chdir("/", NULL, &err) == -1 && err && err->errnum == ECANCELED,
	       "abort: the step fails with ECANCELED");
	glass_err_free(&err);
	close(ctl[1]);
	glass_trace_set_step(false, -1);
	close(ctl[0]);

	/* A child's events relayed over the sync socket. */
	nseen = 0;
	TAP_OK(glass_sync_pair(sp, NULL) == 0, "sync pair");
	pid = fork();
	if (pid == 0) {
		close(sp[0]);
		_exit(child_main(sp[1]));
	}
	close(sp[1]);
	TAP_OK(glass_container_sync_expect(sp[0], GLASS_SYNC_USER, NULL, 0, NULL, &err) == 0,
	       "parent receives the child's message after its trace events");
	TAP_OK(nseen == 4 && strcmp(seen[0].phase, "child") == 0 && seen[0].pid == pid,
	       "child's events reached the parent's sink (%d)", nseen);
	TAP_OK(seen[3].errnum == ENOENT, "child's failed call relayed with errno");
	waitpid(pid, NULL, 0);
	close(sp[0]);

	/* With tracing off in the parent, a child has nothing to relay to:
	 * setting the relay must leave every wrapper on its fast path. */
	glass_trace_set_callback(NULL, NULL);
	glass_trace_set_relay(sp[1] >= 0 ? sp[1] : 1);
	TAP_OK(!glass_trace_on, "no relay (and no per-call cost) when the parent does not trace");
	glass_trace_set_relay(-1);
	return tap_done();
}

/* Unit tests of what the trace shows a person: flags and constants by name
 * (sys.c), a flags text that does not fit its buffer (issue 19: the write
 * position ran past the buffer's end), NULL unquoted, and the text sink's
 * levels: a run of one step folded into one line, bookkeeping left out,
 * failures never folded, the summary at the end. */
#include "sys.h"
#include "tap.h"
#include "trace.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static struct glass_trace_event last;

static void collect(const struct glass_trace_event *ev, void *ctx)
{
	(void)ctx;
	last = *ev;
}

/* The bytes past `size` in a larger buffer must stay as they were. */
static void flags_fit(void)
{
	unsigned long all = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_REMOUNT | MS_BIND |
	                    MS_REC | MS_PRIVATE | MS_RELATIME | (1UL << 30);
	char buf[64];
	for (size_t size = 1; size <= 40; size++) {
		memset(buf, 'Z', sizeof(buf));
		glass_sys_mount_flags_str(all, buf, size);
		bool untouched = true;
		for (size_t i = size; i < sizeof(buf); i++)
			untouched &= buf[i] == 'Z';
		bool terminated = memchr(buf, '\0', size) != NULL;
		if (!untouched || !terminated) {
			TAP_OK(false, "flags text in a %zu-byte buffer stays inside it", size);
			return;
		}
	}
	TAP_OK(true, "flags text in buffers of 1..40 bytes never writes past the end");
	glass_sys_mount_flags_str(all, buf, 24);
	TAP_OK(strcmp(buf, "MS_RDONLY|MS_NOSUID|...") == 0,
	       "a cut flags text stops after a whole name and says so: %s", buf);
	char whole[200];
	glass_sys_mount_flags_str(all, whole, sizeof(whole));
	TAP_OK(strstr(whole, "MS_BIND|MS_REC") && strstr(whole, "0x40000000") &&
	           strstr(whole, "...") == NULL,
	       "a flags text that fits is whole, unknown bits as hex: %s", whole);
	glass_sys_mount_flags_str(0, buf, sizeof(buf));
	TAP_OK(strcmp(buf, "0") == 0, "no flags: 0");
}

static void names(void)
{
	char buf[160];
	TAP_OK(
	    strcmp(glass_sys_open_flags_str(O_RDONLY | O_CLOEXEC | O_DIRECTORY, buf, sizeof(buf)),
	           "O_RDONLY|O_DIRECTORY|O_CLOEXEC") == 0,
	    "open flags by name: %s", buf);
	TAP_OK(strcmp(glass_sys_open_flags_str(O_PATH | O_CLOEXEC, buf, sizeof(buf)),
	              "O_CLOEXEC|O_PATH") == 0,
	       "O_PATH without an access mode: %s", buf);
	TAP_OK(strcmp(glass_sys_open_flags_str(O_WRONLY | O_CREAT | O_EXCL, buf, sizeof(buf)),
	              "O_WRONLY|O_CREAT|O_EXCL") == 0,
	       "O_WRONLY|O_CREAT|O_EXCL: %s", buf);
	TAP_OK(strcmp(glass_sys_resolve_flags_str(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, buf,
	                                          sizeof(buf)),
	              "RESOLVE_NO_MAGICLINKS|RESOLVE_IN_ROOT") == 0,
	       "RESOLVE_* by name: %s", buf);

	glass_trace_set_callback(collect, NULL);
	glass_sys_mkdirat(AT_FDCWD, "/nonexistent-glass/x", 0755, NULL, NULL);
	TAP_OK(strncmp(last.args, "AT_FDCWD, ", 10) == 0, "AT_FDCWD by name: %s", last.args);
	glass_sys_mount(NULL, "/nonexistent-glass", NULL, MS_REC | MS_PRIVATE, NULL, NULL, NULL);
	TAP_OK(strcmp(last.args, "NULL, \"/nonexistent-glass\", NULL, MS_REC|MS_PRIVATE, NULL") ==
	           0,
	       "NULL unquoted: %s", last.args);
	glass_trace_set_callback(NULL, NULL);
}

static void end_event(const char *phase, const char *call, const char *args, const char *field,
                      int errnum)
{
	struct glass_trace_event ev = {0};
	ev.kind = GLASS_TRACE_END;
	ev.pid = 42;
	ev.errnum = errnum;
	ev.result = errnum ? -1 : 0;
	ev.dur_ns = 1000;
	snprintf(ev.phase, sizeof(ev.phase), "%s", phase);
	snprintf(ev.call, sizeof(ev.call), "%s", call);
	snprintf(ev.args, sizeof(ev.args), "%s", args);
	snprintf(ev.field, sizeof(ev.field), "%s", field);
	glass_trace_emit(&ev);
}

/* Feeds a container's steps to the text sink at `level`; returns what it
 * printed (static). */
static const char *narrate(enum glass_trace_level level)
{
	static char out[16384];
	static const char *const caps[] = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
	                                   "CAP_SETPCAP"};
	static const char *const hier[] = {"cpu", "memory", "pids"};
	char args[256];
	int p[2];
	ssize_t n;
	if (pipe(p) < 0)
		return "";
	glass_trace_set_style(level, 0);
	glass_trace_set_output(GLASS_TRACE_TEXT, p[1]);
	end_event("namespaces", "clone", "CLONE_NEWNS|CLONE_NEWPID|SIGCHLD", "linux.namespaces", 0);
	for (size_t i = 0; i < 3; i++) {
		snprintf(args, sizeof(args), "AT_FDCWD, \"/sys/fs/cgroup/%s\", 0755", hier[i]);
		end_event("rootfs", "mkdirat", args, "mounts[6]", 0);
		snprintf(args, sizeof(args),
		         "\"cgroup\", \"/proc/self/fd/7\" (/sys/fs/cgroup/%s), \"cgroup\", "
		         "MS_NOSUID, \"%s\"",
		         hier[i], hier[i]);
		end_event("rootfs", "mount", args, "mounts[6]", 0);
	}
	end_event("rootfs", "openat2", "3<root>, \"/proc/kcore\", {flags=O_PATH}", "x", ENOENT);
	end_event("rootfs", "pivot_root", "\".\", \".\"", "root.path", 0);
	for (size_t i = 0; i < 4; i++) {
		snprintf(args, sizeof(args), "PR_CAPBSET_DROP, %s", caps[i]);
		end_event("identity", "prctl", args, "process.capabilities.bounding", 0);
	}
	end_event("identity", "prctl", "PR_CAPBSET_DROP, CAP_SYS_ADMIN",
	          "process.capabilities.bounding", EPERM);
	end_event("identity", "capset",
	          "{_LINUX_CAPABILITY_VERSION_3, 0}, {effective=CAP_KILL, permitted=CAP_KILL, "
	          "inheritable=0}",
	          "process.capabilities", 0);
	glass_trace_finish();
	glass_trace_set_output(GLASS_TRACE_OFF, -1);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return out;
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *at = s; (at = strstr(at, what)); at++)
		n++;
	return n;
}

static void levels(void)
{
	const char *steps = narrate(GLASS_TRACE_STEPS);
	const char *all;
	TAP_OK(strstr(steps, "mount ×3 cgroup v1 hierarchies under /sys/fs/cgroup") != NULL,
	       "steps: three cgroup mounts folded into one line");
	TAP_OK(strstr(steps, "PR_CAPBSET_DROP ×4 (CAP_CHOWN … CAP_SETPCAP)") != NULL,
	       "steps: a run of PR_CAPBSET_DROP folded, first … last");
	TAP_OK(strstr(steps, "CAP_SYS_ADMIN) = -1 EPERM") != NULL,
	       "steps: a failure is never folded");
	TAP_OK(count(steps, "mkdirat") == 0 && count(steps, "/proc/kcore") == 0,
	       "steps: bookkeeping (mkdirat) and a probe that found nothing are left out");
	TAP_OK(strstr(steps, "pivot_root(\".\", \".\") = 0") != NULL, "steps: pivot_root shown");
	TAP_OK(strstr(steps, "namespaces    new: mnt, pid") != NULL &&
	           strstr(steps, "capabilities  CAP_KILL (effective); bounding set: 4 dropped") &&
	           strstr(steps, "time "),
	       "the summary: namespaces, capabilities, time per phase");
	all = narrate(GLASS_TRACE_ALL);
	TAP_OK(count(all, "mkdirat(") == 3 && count(all, "PR_CAPBSET_DROP, CAP_") == 5 &&
	           count(all, " mount(") == 3 && strstr(all, "/proc/kcore"),
	       "all: every call, one line each");
	if (tap_failed)
		printf("# steps:\n%s# all:\n%s", steps, all);
}

int main(void)
{
	flags_fit();
	names();
	levels();
	return tap_done();
}

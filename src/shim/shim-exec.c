/* shim: `exec -d`, a process the container keeps without anyone waiting.
 *
 * The runtime's `exec --detach` starts the process and exits; the kernel
 * then hands the orphan to the nearest subreaper among its ancestors.  Run
 * from the engine, that is whatever reaper the engine's caller has (init,
 * a terminal's session manager), which never learns of it; run from here,
 * it is this shim, which reaps it with the container's other orphans
 * (shim-loop.c's reap()) -- as containerd's shim and conmon do. */
#include "shim.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQUEST_MAX (1 << 20)

/* The request file: ours (written by the engine as this euid), regular,
 * not a symlink, and named as the engine names it. */
static char *read_request(struct shim *s, const char *file, size_t *len, char *why, size_t size)
{
	struct stat st;
	if (strncmp(file, "exec-", 5) != 0 ||
	    strspn(file, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(file) ||
	    strstr(file, "..")) {
		snprintf(why, size, "exec: bad request file name \"%s\"", file);
		return NULL;
	}
	cleanup_close int fd = openat(s->dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *text = NULL;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    st.st_size < REQUEST_MAX) {
		text = xmalloc((size_t)st.st_size + 1);
		if (read(fd, text, (size_t)st.st_size) != st.st_size) {
			free(text);
			text = NULL;
		}
	}
	if (!text)
		snprintf(why, size, "exec: cannot read %s/%s",
		         s->o.state_dir ? s->o.state_dir : ".", file);
	unlinkat(s->dirfd, file, 0);
	*len = text ? (size_t)st.st_size : 0;
	return text;
}

/* argv of the runtime's verb: exec --detach --pid-file P FLAGS... ID CMD... */
static const char **exec_args(struct shim *s, char *text, size_t len, const char *pidfile)
{
	size_t n = 0, cap = 8;
	for (size_t i = 0; i < len; i++)
		cap += text[i] == '\0';
	const char **v = xcalloc(cap + 1, sizeof(char *));
	v[n++] = "exec", v[n++] = "--detach", v[n++] = "--pid-file", v[n++] = pidfile;
	bool cmd = false;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1) {
		if (!text[i] && !cmd) { /* the end of the flags: the id goes here */
			v[n++] = s->o.id;
			cmd = true;
		} else if (text[i]) {
			v[n++] = text + i;
		}
	}
	return cmd ? v : (free(v), NULL);
}

int shim_exec(struct shim *s, const char *file, pid_t *pid, char *why, size_t size)
{
	size_t len;
	if (!s->running)
		return snprintf(why, size, "container %s is not running", s->o.id), -1;
	cleanup_free char *text = read_request(s, file, &len, why, size);
	if (!text)
		return -1;
	text[len] = '\0';
	char pidfile[80], log[80];
	snprintf(pidfile, sizeof(pidfile), "%.60s.pid", file);
	snprintf(log, sizeof(log), "%.60s.log", file);
	cleanup_free const char **args = exec_args(s, text, len, pidfile);
	if (!args)
		return snprintf(why, size, "exec: %s holds no command", file), -1;
	glass_trace_note("shim", NULL, "%s exec --detach %s: its process is re-parented here",
	                 s->o.runtime, s->o.id);
	int status = shim_run_runtime(s, log, args, NULL);
	cleanup_free char *p = status == 0 ? read_file_at(s->dirfd, pidfile, NULL) : NULL;
	if (status != 0) {
		shim_runtime_log_error(s, log, why, size);
		if (!why[0])
			snprintf(why, size, "%s exec exited with status %d", s->o.runtime,
			         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	} else if (!p || atoi(p) <= 0) {
		snprintf(why, size, "exec: %s/%s holds no pid", s->o.state_dir, pidfile);
	}
	unlinkat(s->dirfd, pidfile, 0);
	unlinkat(s->dirfd, log, 0);
	if (status != 0 || !p || atoi(p) <= 0)
		return -1;
	*pid = (pid_t)atoi(p);
	return 0;
}

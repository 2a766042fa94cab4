/* lab worker: one experiment in one fresh, single-threaded process.
 *
 * The server execs `glass lab --worker KIND PARAMS` with the event pipe on
 * fd 3 and the step control on fd 4.  The worker makes its containers with
 * libglass (container.h), with the trace sink on fd 3 as JSON lines, so
 * the page sees every syscall the moment it happens.  It is a subreaper,
 * so the container's init is its child to wait for whatever the runtime's
 * fork structure, and it asks to get SIGTERM when the server dies.
 * On SIGTERM it kills and deletes its container before it exits.
 */
#include "container.h"
#include "lab.h"
#include "trace.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t lab_worker_stop;

static void on_term(int sig)
{
	lab_worker_stop = 1;
}

void lab_emit(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	struct strbuf b = STRBUF_INIT;
	strbuf_printf(&b, "%s\n", s);
	write_all(LAB_EVENT_FD, b.buf, b.len);
	strbuf_release(&b);
	json_object_put(o);
}

void lab_emit_error(const struct glass_err *e, const char *where)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(o, "where", json_object_new_string(where));
	if (e) {
		cleanup_free char *js = glass_err_to_json(e);
		cleanup_free char *line = glass_err_format(e);
		json_object_object_add(o, "error", json_tokener_parse(js));
		json_object_object_add(o, "message", json_object_new_string(line));
	}
	lab_emit(o);
}

json_object *lab_event(const char *type)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	return o;
}

void lab_emit_errorf(const char *where, int errnum, const char *fmt, ...)
{
	struct glass_err *e = NULL;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	glass_err_new(&e, errnum, "%s", msg);
	lab_emit_error(e, where);
	glass_err_free(&e);
}

long long lab_param_int(json_object *p, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(p, key, &v) ? json_object_get_int64(v) : 0;
}

/* Lines from the server: read with a buffer kept across calls, so that
 * two lines in one read are two answers. */
static struct strbuf ctl_buf;

int lab_control_line(int ms, char **line)
{
	for (;;) {
		char *nl = ctl_buf.len ? memchr(ctl_buf.buf, '\n', ctl_buf.len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - ctl_buf.buf);
			*line = xstrndup(ctl_buf.buf, n);
			memmove(ctl_buf.buf, nl + 1, ctl_buf.len - n - 1);
			ctl_buf.len -= n + 1;
			return 1;
		}
		if (lab_worker_stop)
			return -1;
		struct pollfd pfd = {.fd = LAB_CONTROL_FD, .events = POLLIN};
		int r = poll(&pfd, 1, ms);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		char buf[1024];
		ssize_t n = read(LAB_CONTROL_FD, buf, sizeof(buf));
		if (n <= 0)
			return n < 0 && errno == EINTR ? 0 : -1;
		strbuf_append(&ctl_buf, buf, (size_t)n);
	}
}

void lab_note_ipc(const char *dir, char kind, int key, int id)
{
	cleanup_free char *path = xasprintf("%s/ipc", dir);
	FILE *f = fopen(path, "ae");
	if (!f)
		return;
	fprintf(f, "%c %d %d\n", kind, key, id);
	fclose(f);
}

const char *lab_param_str(json_object *p, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(p, key, &v) ? json_object_get_string(v) : "";
}

bool lab_param_bool(json_object *p, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(p, key, &v) && json_object_get_boolean(v);
}

/* Runs the probe on the host, as a plain child: the host's side of the
 * comparison, read by the same program that reads the container's. */
json_object *lab_probe_host(const char *rootfs, const char *sections)
{
	cleanup_free char *probe = xasprintf("%s/usr/bin/glass-probe", rootfs);
	int mfd = memfd_create("glass-lab-probe", MFD_CLOEXEC);
	if (mfd < 0)
		return NULL;
	pid_t c = fork();
	if (c == 0) {
		dup2(mfd, 1);
		char *argv[] = {probe, "--only", (char *)sections, NULL};
		execv(probe, argv);
		_exit(127);
	}
	int st = 0;
	if (c > 0)
		waitpid(c, &st, 0);
	json_object *o = lab_read_json_fd(mfd);
	close(mfd);
	return o;
}

json_object *lab_read_json_fd(int fd)
{
	struct strbuf b = STRBUF_INIT;
	char buf[8192];
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_append(&b, buf, (size_t)n);
	cleanup_free char *s = strbuf_steal(&b);
	json_object *o = json_tokener_parse(s);
	if (!o && s[0]) {
		o = json_object_new_object();
		json_object_object_add(o, "unparsed_output", json_object_new_string(s));
	}
	return o;
}

/* Writes DIR/config.json (DIR is created). */
int lab_write_bundle(const char *dir, json_object *config, struct glass_err **err)
{
	if (mkdir_p(dir, 0711) < 0)
		return glass_err_new(err, errno, "mkdir(%s)", dir);
	const char *s = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PRETTY);
	cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || write_file_atomic_at(dfd, "config.json", s, strlen(s), 0600) < 0)
		return glass_err_new(err, errno, "write %s/config.json", dir);
	return 0;
}

/* Waits for `pid` to exit (it is our child: we are a subreaper).  On
 * SIGTERM returns -1 with *status unset. */
int lab_wait_exit(pid_t pid, int *status, int timeout_ms)
{
	int waited = 0;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno == ECHILD) {
			/* Not our child: wait until it is gone. */
			if (kill(pid, 0) < 0 && errno == ESRCH)
				return 0;
		}
		if (lab_worker_stop || (timeout_ms >= 0 && waited >= timeout_ms))
			return -1;
		usleep(20000);
		waited += 20;
		/* Reap whatever else came to us (intermediate processes). */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

/* glass_container_run: create (attached, so the container's child keeps
 * relaying trace events and step pauses until its execve), start, wait,
 * delete; the container's stdout goes to a memfd read afterwards.
 * Signals are blocked meanwhile (run forwards them to the init), so a
 * SIGTERM ends the container and run still deletes it.  Returns 0 or -1
 * (the error is emitted). */
int lab_run_container(const char *root, const char *id, const char *bundle, json_object **view,
                      int *exit_status)
{
	struct glass_err *err = NULL;
	struct glass_create_opts opts = {0};
	int out = memfd_create("glass-lab-stdout", MFD_CLOEXEC);
	int saved = dup(1);
	int rc = -1;

	*view = NULL;
	if (out < 0 || saved < 0) {
		glass_err_new(&err, errno, "memfd_create(container stdout)");
		lab_emit_error(err, "run");
		glass_err_free(&err);
		goto done;
	}
	dup2(out, 1); /* the container's stdout: run passes 0/1/2 through */
	int r = glass_container_run(root, id, bundle, &opts, exit_status, &err);
	dup2(saved, 1);
	if (r < 0) {
		lab_emit_error(err, "run");
		glass_err_free(&err);
		goto done;
	}
	*view = lab_read_json_fd(out);
	rc = 0;
done:
	if (saved >= 0)
		close(saved);
	if (out >= 0)
		close(out);
	return rc;
}

int lab_start_container(const char *root, const char *id, const char *bundle, int out_fd,
                        pid_t *init)
{
	return lab_start_container_io(root, id, bundle, -1, out_fd, init);
}

int lab_start_container_io(const char *root, const char *id, const char *bundle, int in_fd,
                           int out_fd, pid_t *init)
{
	struct glass_err *err = NULL;
	struct glass_create_opts opts = {0};
	int saved_in = dup(0), saved_out = dup(1);
	int null =
	    in_fd >= 0 ? fcntl(in_fd, F_DUPFD_CLOEXEC, 0) : open("/dev/null", O_RDONLY | O_CLOEXEC);
	int rc = -1;
	if (saved_in < 0 || saved_out < 0 || null < 0) {
		glass_err_new(&err, errno, "dup(stdio)");
	} else {
		/* The init inherits 0/1/2 (no terminal asked for). */
		dup2(null, 0);
		dup2(out_fd, 1);
		rc = glass_container_create(root, id, bundle, &opts, init, &err);
		dup2(saved_in, 0);
		dup2(saved_out, 1);
		if (rc == 0 && glass_container_start(root, id, &err) < 0) {
			rc = -1;
			lab_delete_container(root, id);
		}
	}
	if (rc < 0) {
		lab_emit_error(err, "create");
		glass_err_free(&err);
	}
	if (saved_in >= 0)
		close(saved_in);
	if (saved_out >= 0)
		close(saved_out);
	if (null >= 0)
		close(null);
	return rc;
}

void lab_delete_container(const char *root, const char *id)
{
	struct glass_err *err = NULL;
	if (glass_container_delete(root, id, true, &err) < 0) {
		lab_emit_error(err, "delete");
		glass_err_free(&err);
	}
}

int glass_lab_worker(const char *kind, const char *params_json)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() == 1)
		return 1;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	fcntl(LAB_EVENT_FD, F_SETFD, FD_CLOEXEC);
	fcntl(LAB_CONTROL_FD, F_SETFD, FD_CLOEXEC);
	close_range(LAB_CONTROL_FD + 1, ~0U, 0);

	json_object *p = json_tokener_parse(params_json);
	const struct lab_kind *k = lab_kind_find(kind, NULL);
	if (!p || !k) {
		json_object_put(p);
		return 2;
	}
	int rc = k->run(p);
	json_object_put(p);
	json_object *d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("done"));
	json_object_object_add(d, "ok", json_object_new_boolean(rc == 0));
	lab_emit(d);
	return rc;
}

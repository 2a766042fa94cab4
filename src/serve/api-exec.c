/* api-exec: /containers/{id}/exec and /exec/{id}/...
 *
 * An exec instance is what `exec create` describes, kept in this server's
 * memory until its container goes (as dockerd keeps them); `exec start`
 * runs it through ctr_exec_spawn() with the hijacked connection as its
 * stdio: with a tty, the runtime hands over the pty master and the bytes
 * are relayed raw (and `resize` sets its size); without, stdout and stderr
 * come through pipes and are framed (stdcopy), and stdin, when attached,
 * is the connection itself.  The exit code is recorded before the stream
 * ends, so the client's `exec inspect` that follows has it. */
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

struct exec_inst {
	char id[CTR_ID_LEN + 1];
	char ctr[CTR_ID_LEN + 1];
	struct json_object *cfg; /* the create request's body (owned) */
	char **argv, **env;      /* into cfg */
	bool in, out, errs, tty;
	bool privileged; /* docker's exec --privileged: every capability */
	bool started, running;
	int exit_code; /* -1 until it ends */
	pid_t pid;
	int master;                /* the pty while it runs, else -1 */
	unsigned short rows, cols; /* a resize that came before the pty */
	struct exec_inst *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct exec_inst *insts;

static struct exec_inst *find(const char *id)
{
	for (struct exec_inst *e = insts; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

/* Instances whose container is gone go with it. */
static void sweep(void)
{
	for (struct exec_inst **pp = &insts; *pp;) {
		struct exec_inst *e = *pp;
		cleanup_ctr struct ctr *c = NULL;
		if (!e->running && ctr_find(e->ctr, &c, NULL) < 0) {
			*pp = e->next;
			json_object_put(e->cfg);
			free(e->argv);
			free(e->env);
			free(e);
		} else {
			pp = &e->next;
		}
	}
}

static void new_id(char *id)
{
	unsigned char b[CTR_ID_LEN / 2];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		abort();
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
}

static int exec_fields(struct exec_inst *e, struct glass_err **err)
{
	struct json_object *o = e->cfg;
	if (api_field_strv(o, "Cmd", &e->argv, err) < 0 ||
	    api_field_strv(o, "Env", &e->env, err) < 0 ||
	    api_field_bool(o, "AttachStdin", &e->in, err) < 0 ||
	    api_field_bool(o, "AttachStdout", &e->out, err) < 0 ||
	    api_field_bool(o, "AttachStderr", &e->errs, err) < 0 ||
	    api_field_bool(o, "Tty", &e->tty, err) < 0 ||
	    api_field_bool(o, "Privileged", &e->privileged, err) < 0)
		return -1;
	const char *s = NULL;
	if (api_field_str(o, "WorkingDir", &s, err) < 0 || api_field_str(o, "User", &s, err) < 0)
		return -1;
	if (!e->argv || !e->argv[0])
		return glass_err_new(err, EINVAL, "Cmd: no command given");
	return 0;
}

static enum MHD_Result create(struct api_req *r)
{
	enum MHD_Result ret;
	struct glass_err *err = NULL;
	cleanup_ctr struct ctr *c = NULL;
	if (api_body_json(r, &ret) < 0)
		return ret;
	if (ctr_find(api_param(r, 0), &c, &err) < 0)
		return api_reply_err(r, &err);
	if (c->st.status != CTR_RUNNING)
		return api_reply_error(r, 409, "Container %s is %s", c->id,
		                       c->st.status == CTR_PAUSED
		                           ? "paused, unpause the container before exec"
		                           : "not running");
	struct exec_inst *e = xcalloc(1, sizeof(*e));
	e->cfg = json_object_get(r->json);
	e->exit_code = -1;
	e->master = -1;
	snprintf(e->ctr, sizeof(e->ctr), "%s", c->id);
	if (exec_fields(e, &err) < 0) {
		json_object_put(e->cfg);
		free(e->argv);
		free(e->env);
		free(e);
		return api_reply_err(r, &err);
	}
	new_id(e->id);
	pthread_mutex_lock(&mu);
	sweep();
	e->next = insts;
	insts = e;
	pthread_mutex_unlock(&mu);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Id", json_object_new_string(e->id));
	return api_reply_json(r, 201, o);
}

static void exec_opts(const struct exec_inst *e, struct ctr_exec_opts *o)
{
	const char *wd = json_object_get_string(json_object_object_get(e->cfg, "WorkingDir"));
	const char *user = json_object_get_string(json_object_object_get(e->cfg, "User"));
	*o = (struct ctr_exec_opts){
	    .argv = e->argv,
	    .env = e->env,
	    .workdir = wd && *wd ? wd : NULL,
	    .user = user && *user ? user : NULL,
	    .tty = e->tty,
	    .interactive = e->in,
	    .privileged = e->privileged,
	};
}

static void ended(struct exec_inst *e, struct ctr_exec_proc *p)
{
	int code = -1;
	ctr_exec_finish(p, &code);
	pthread_mutex_lock(&mu);
	if (e->master >= 0)
		close(e->master);
	e->master = -1;
	e->running = false;
	e->exit_code = code;
	pthread_mutex_unlock(&mu);
}

/* Frames what comes from the pipes (1 stdout, 2 stderr) until both end. */
static void frame_pipes(int sock, int out, int err_)
{
	struct pollfd p[2] = {{.fd = out, .events = POLLIN}, {.fd = err_, .events = POLLIN}};
	char buf[32768 + 8];
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf + 8, sizeof(buf) - 8);
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			uint32_t len = (uint32_t)n;
			unsigned char h[8] = {(unsigned char)(i + 1),
			                      0,
			                      0,
			                      0,
			                      (unsigned char)(len >> 24),
			                      (unsigned char)(len >> 16),
			                      (unsigned char)(len >> 8),
			                      (unsigned char)len};
			memcpy(buf, h, 8);
			write_all(sock, buf, (size_t)n + 8);
		}
	}
}

static void start_pty(struct exec_inst *e, int sock, const char *extra, size_t extra_len,
                      struct ctr_exec_proc *p)
{
	pthread_mutex_lock(&mu);
	e->master = p->master;
	if (e->rows && e->cols) {
		struct winsize ws = {.ws_row = e->rows, .ws_col = e->cols};
		ioctl(e->master, TIOCSWINSZ, &ws);
	}
	pthread_mutex_unlock(&mu);
	if (extra_len && e->in)
		write_all(p->master, extra, extra_len);
	api_relay(sock, p->master, e->in, false);
}

static void start_run(void *data, int sock, const char *extra, size_t extra_len)
{
	struct exec_inst *e = data;
	struct ctr_exec_opts o;
	struct ctr_exec_proc p;
	struct glass_err *err = NULL;
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	exec_opts(e, &o);
	if (!e->tty && (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0))
		return;
	int fds[3] = {e->in ? sock : -1, e->out ? po[1] : -1, e->errs ? pe[1] : -1};
	int rc = ctr_exec_spawn(e->ctr, &o, fds, &p, &err);
	pthread_mutex_lock(&mu);
	e->pid = rc == 0 ? p.pid : 0;
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 2 && !e->tty; i++)
		close(i ? pe[1] : po[1]);
	if (rc < 0) {
		cleanup_free char *m = glass_err_format(err);
		glass_err_free(&err);
		dprintf(sock, "glass: exec: %s\r\n", m);
		pthread_mutex_lock(&mu);
		e->running = false;
		e->exit_code = 126;
		pthread_mutex_unlock(&mu);
	} else if (e->tty) {
		start_pty(e, sock, extra, extra_len, &p);
		ended(e, &p);
	} else {
		frame_pipes(sock, po[0], pe[0]);
		ended(e, &p);
	}
	if (po[0] >= 0) {
		close(po[0]);
		close(pe[0]);
	}
}

/* The stream is over (or never began: a client gone before the upgrade). */
static void start_done(void *data)
{
	struct exec_inst *e = data;
	pthread_mutex_lock(&mu);
	if (e->running && e->pid == 0 && e->exit_code < 0)
		e->running = false;
	pthread_mutex_unlock(&mu);
}

/* Detach: the process runs with no stdio; a thread reaps it. */
static void *detached_main(void *arg)
{
	struct exec_inst *e = arg;
	struct ctr_exec_opts o;
	struct ctr_exec_proc p;
	struct glass_err *err = NULL;
	int fds[3] = {-1, -1, -1};
	exec_opts(e, &o);
	o.tty = false;
	if (ctr_exec_spawn(e->ctr, &o, fds, &p, &err) < 0) {
		glass_err_free(&err);
		pthread_mutex_lock(&mu);
		e->running = false;
		e->exit_code = 126;
		pthread_mutex_unlock(&mu);
		return NULL;
	}
	pthread_mutex_lock(&mu);
	e->pid = p.pid;
	pthread_mutex_unlock(&mu);
	ended(e, &p);
	return NULL;
}

static enum MHD_Result start(struct api_req *r)
{
	enum MHD_Result ret;
	struct glass_err *err = NULL;
	bool detach = false;
	if (api_body_json(r, &ret) < 0)
		return ret;
	if (api_field_bool(r->json, "Detach", &detach, &err) < 0)
		return api_reply_err(r, &err);
	pthread_mutex_lock(&mu);
	struct exec_inst *e = find(api_param(r, 0));
	bool again = e && e->started;
	if (e && !again)
		e->started = e->running = true;
	pthread_mutex_unlock(&mu);
	if (!e)
		return api_reply_error(r, 404, "No such exec instance: %s", api_param(r, 0));
	if (again)
		return api_reply_error(r, 409, "exec instance %s has already been started", e->id);
	if (!detach)
		return api_hijack(r,
		                  e->tty ? "application/vnd.docker.raw-stream"
		                         : "application/vnd.docker.multiplexed-stream",
		                  start_run, start_done, e);
	pthread_t t;
	if (pthread_create(&t, NULL, detached_main, e) != 0)
		return api_reply_error(r, 500, "could not start the exec");
	pthread_detach(t);
	return api_reply_empty(r, 200);
}

static enum MHD_Result resize(struct api_req *r)
{
	enum MHD_Result ret;
	unsigned short h, w;
	if (api_query_size(r, &h, &w, &ret) < 0)
		return ret;
	pthread_mutex_lock(&mu);
	struct exec_inst *e = find(api_param(r, 0));
	bool tty = e && e->tty;
	if (tty) {
		e->rows = h;
		e->cols = w;
		struct winsize ws = {.ws_row = e->rows, .ws_col = e->cols};
		if (e->master >= 0)
			ioctl(e->master, TIOCSWINSZ, &ws);
	}
	pthread_mutex_unlock(&mu);
	if (!e)
		return api_reply_error(r, 404, "No such exec instance: %s", api_param(r, 0));
	if (!tty)
		return api_reply_error(r, 400, "exec %s has no tty to resize", api_param(r, 0));
	return api_reply_empty(r, 201);
}

static enum MHD_Result inspect(struct api_req *r)
{
	struct json_object *o = json_object_new_object(), *pc = json_object_new_object(),
	                   *args = json_object_new_array();
	pthread_mutex_lock(&mu);
	struct exec_inst *e = find(api_param(r, 0));
	if (!e) {
		pthread_mutex_unlock(&mu);
		json_object_put(o);
		json_object_put(pc);
		json_object_put(args);
		return api_reply_error(r, 404, "No such exec instance: %s", api_param(r, 0));
	}
	for (size_t i = 1; e->argv[i]; i++)
		json_object_array_add(args, json_object_new_string(e->argv[i]));
	json_object_object_add(pc, "tty", json_object_new_boolean(e->tty));
	json_object_object_add(pc, "entrypoint", json_object_new_string(e->argv[0]));
	json_object_object_add(pc, "arguments", args);
	json_object_object_add(pc, "privileged", json_object_new_boolean(e->privileged));
	json_object_object_add(o, "ID", json_object_new_string(e->id));
	json_object_object_add(o, "Running", json_object_new_boolean(e->running));
	json_object_object_add(o, "ExitCode",
	                       e->exit_code >= 0 ? json_object_new_int(e->exit_code) : NULL);
	json_object_object_add(o, "ProcessConfig", pc);
	json_object_object_add(o, "OpenStdin", json_object_new_boolean(e->in));
	json_object_object_add(o, "OpenStdout", json_object_new_boolean(e->out));
	json_object_object_add(o, "OpenStderr", json_object_new_boolean(e->errs));
	json_object_object_add(o, "ContainerID", json_object_new_string(e->ctr));
	json_object_object_add(o, "Pid", json_object_new_int(e->running ? e->pid : 0));
	json_object_object_add(o, "CanRemove", json_object_new_boolean(false));
	pthread_mutex_unlock(&mu);
	return api_reply_json(r, 200, o);
}

const struct api_route api_routes_exec[] = {
    {"POST", "/containers/{id}/exec", create, 0},
    {"POST", "/exec/{id}/start", start, 0},
    {"POST", "/exec/{id}/resize", resize, 0},
    {"GET", "/exec/{id}/json", inspect, 0},
    {NULL, NULL, NULL, 0},
};

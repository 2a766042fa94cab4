/* cni: runs CNI 1.0 plugins as the specification's "Execution Protocol"
 * says.  A plugin is an executable named by the config's "type", found in
 * the directories of CNI_PATH.  The runtime passes the operation in the
 * environment (CNI_COMMAND ADD|DEL|CHECK|VERSION, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME, CNI_PATH) and the network configuration on stdin;
 * the plugin answers with a result (ADD) or nothing (DEL, CHECK) on stdout
 * and exit status 0, or an error object {code, msg, details} and a
 * non-zero status.
 *
 * A configuration list runs as a chain: each plugin gets the list's
 * "cniVersion" and "name", its own keys, and in "prevResult" the result of
 * the plugin before it (ADD) or the cached result of the whole ADD (DEL,
 * CHECK); DEL walks the list backwards.  A plugin that declares a
 * capability ("capabilities": {"portMappings": true}) gets the runtime's
 * value for it in "runtimeConfig". */
#include "doctor.h"
#include "netvol.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

extern char **environ;

static engine_net_observer observer;
static void *observer_arg;

void engine_net_set_observer(engine_net_observer fn, void *arg)
{
	observer = fn;
	observer_arg = arg;
}

void engine_net_notify(const struct engine_net_event *ev)
{
	if (observer)
		observer(ev, observer_arg);
}

const char *engine_cni_path(void)
{
	return glass_cni_path(); /* the doctor looks where the engine runs them */
}

/* The plugin `type` in one of CNI_PATH's directories; malloc'd or NULL.
 * A type with a '/' would name a file outside them: refused. */
static char *find_plugin(const char *type)
{
	if (!type || !*type || strchr(type, '/') || strcmp(type, "..") == 0)
		return NULL;
	cleanup_free char *dirs = xstrdup(engine_cni_path());
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, type);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static char **plugin_env(const char *cmd, const struct engine_cni_call *c)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + 7, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_", 4) != 0)
			env[k++] = xstrdup(environ[i]);
	env[k++] = xasprintf("CNI_COMMAND=%s", cmd);
	env[k++] = xasprintf("CNI_PATH=%s", engine_cni_path());
	if (c) {
		env[k++] = xasprintf("CNI_CONTAINERID=%s", c->container_id);
		env[k++] = xasprintf("CNI_NETNS=%s", c->netns);
		env[k++] = xasprintf("CNI_IFNAME=%s", c->ifname);
	}
	return env;
}

/* Writes `in` to the plugin's stdin while reading its stdout, so neither
 * side blocks on a full pipe; the plugin's stderr is ours. */
static char *exchange(int wfd, int rfd, const char *in)
{
	struct strbuf out = {0};
	size_t off = 0, len = strlen(in);
	char buf[8192];
	struct pollfd p[2] = {{.fd = rfd, .events = POLLIN}, {.fd = wfd, .events = POLLOUT}};
	while (p[0].fd >= 0) {
		if (poll(p, p[1].fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if (p[1].fd >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(wfd, in + off, len - off);
			if (w > 0)
				off += (size_t)w;
			if (w < 0 || off == len) {
				close(wfd);
				p[1].fd = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(rfd, buf, sizeof(buf));
			if (r > 0)
				strbuf_append(&out, buf, (size_t)r);
			else if (r == 0 || errno != EINTR)
				p[0].fd = -1;
		}
	}
	if (p[1].fd >= 0)
		close(wfd);
	close(rfd);
	return strbuf_steal(&out);
}

/* Runs one plugin; *out gets its stdout (possibly empty).  Returns its
 * exit status, or -1 with err when it could not run. */
static int exec_plugin(const char *path, char **env, const char *in, char **out,
                       struct glass_err **err)
{
	int pin[2], pout[2], status;
	if (pipe2(pin, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		return glass_err_new(err, errno, "pipe2()");
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
		return glass_err_new(err, e, "fork()");
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		char *argv[] = {(char *)path, NULL};
		execve(path, argv, env);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	*out = exchange(pin[1], pout[0], in);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The error a failed plugin printed, as the spec's error object. */
static int plugin_error(const char *type, const char *cmd, int status, const char *out,
                        struct glass_err **err)
{
	struct json_object *e = json_tokener_parse(out ? out : ""), *v;
	const char *msg = NULL, *details = NULL;
	int code = -1;
	if (e && json_object_object_get_ex(e, "msg", &v))
		msg = json_object_get_string(v);
	if (e && json_object_object_get_ex(e, "details", &v))
		details = json_object_get_string(v);
	if (e && json_object_object_get_ex(e, "code", &v))
		code = json_object_get_int(v);
	if (msg)
		glass_err_new(err, EIO, "CNI plugin %s %s: %s%s%s (code %d)", type, cmd, msg,
		              details && *details ? ": " : "", details ? details : "", code);
	else
		glass_err_new(err, EIO, "CNI plugin %s %s exited with status %d", type, cmd,
		              status);
	if (status == 127)
		glass_err_hint(err, "the plugin could not be executed");
	json_object_put(e);
	return -1;
}

/* The stdin of plugin `p` of the list: its keys, the list's cniVersion and
 * name, prevResult, and runtimeConfig for its declared capabilities. */
static char *plugin_input(struct json_object *list, struct json_object *p, struct json_object *prev,
                          struct json_object *rc)
{
	struct json_object *in = json_object_new_object(), *caps, *v;
	json_object_object_foreach(p, key, val)
	{
		if (strcmp(key, "capabilities") != 0)
			json_object_object_add(in, key, json_object_get(val));
	}
	if (json_object_object_get_ex(list, "cniVersion", &v))
		json_object_object_add(in, "cniVersion", json_object_get(v));
	if (json_object_object_get_ex(list, "name", &v))
		json_object_object_add(in, "name", json_object_get(v));
	if (prev)
		json_object_object_add(in, "prevResult", json_object_get(prev));
	if (rc && json_object_object_get_ex(p, "capabilities", &caps)) {
		struct json_object *sel = json_object_new_object();
		json_object_object_foreach(caps, cap, on)
		{
			if (json_object_get_boolean(on) && json_object_object_get_ex(rc, cap, &v))
				json_object_object_add(sel, cap, json_object_get(v));
		}
		if (json_object_object_length(sel) > 0)
			json_object_object_add(in, "runtimeConfig", sel);
		else
			json_object_put(sel);
	}
	char *s = xstrdup(json_object_to_json_string_ext(in, JSON_FLAGS));
	json_object_put(in);
	return s;
}

/* Runs `cmd` of plugin `p`; for ADD *result gets the parsed result. */
static int run_one(const char *cmd, struct json_object *list, struct json_object *p,
                   const struct engine_cni_call *c, struct json_object *prev,
                   struct json_object **result, struct glass_err **err)
{
	struct json_object *t;
	const char *type =
	    json_object_object_get_ex(p, "type", &t) ? json_object_get_string(t) : "";
	cleanup_free char *path = find_plugin(type);
	if (!path) {
		glass_err_new(err, ENOENT, "CNI plugin \"%s\" not found in %s", type,
		              engine_cni_path());
		return glass_err_hint(err, "install Debian's containernetworking-plugins, or set "
		                           "GLASS_CNI_PATH");
	}
	cleanup_free char *in = plugin_input(list, p, prev, c->runtime_config);
	cleanup_free char *out = NULL;
	char **env = plugin_env(cmd, c);
	unsigned long long t0 = now_ns();
	int status = exec_plugin(path, env, in, &out, err);
	engine_strv_free(env);
	if (glass_trace_on)
		glass_trace_note(
		    "cni", NULL,
		    "%s %s netns=%s ifname=%s (%.1f ms, status %d)\n  sent: %s\n  got: %s", path,
		    cmd, c->netns, c->ifname, (double)(now_ns() - t0) / 1e6, status, in,
		    out && *out ? out : "(nothing)");
	struct engine_net_event ev = {.what = "cni",
	                              .container = c->container_id,
	                              .path = path,
	                              .cmd = cmd,
	                              .type = type,
	                              .netns = c->netns,
	                              .ifname = c->ifname,
	                              .input = in,
	                              .output = out ? out : "",
	                              .status = status};
	engine_net_notify(&ev);
	if (status < 0)
		return glass_err_ctx(err, "CNI plugin %s %s", type, cmd);
	if (status != 0)
		return plugin_error(type, cmd, status, out, err);
	if (result) {
		*result = json_tokener_parse(out ? out : "");
		if (!*result || !json_object_is_type(*result, json_type_object)) {
			json_object_put(*result);
			*result = NULL;
			return glass_err_new(
			    err, EPROTO, "CNI plugin %s %s: result is not a JSON object: %.200s",
			    type, cmd, out ? out : "");
		}
	}
	return 0;
}

static struct json_object *plugins_of(struct json_object *list)
{
	struct json_object *p;
	if (!json_object_object_get_ex(list, "plugins", &p) ||
	    !json_object_is_type(p, json_type_array))
		return NULL;
	return p;
}

int engine_cni_add(struct json_object *list, const struct engine_cni_call *c,
                   struct json_object **result, struct glass_err **err)
{
	struct json_object *plugins = plugins_of(list), *prev = NULL;
	size_t n = plugins ? json_object_array_length(plugins) : 0;
	if (n == 0)
		return glass_err_field(err, EINVAL, "plugins",
		                       "network configuration has no plugins");
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = NULL;
		if (run_one("ADD", list, json_object_array_get_idx(plugins, i), c, prev, &r, err) <
		    0) {
			/* the spec: a failed ADD is followed by DEL, so partial setup goes */
			engine_cni_del(list, c, prev, NULL);
			json_object_put(prev);
			return -1;
		}
		json_object_put(prev);
		prev = r;
	}
	*result = prev;
	return 0;
}

int engine_cni_del(struct json_object *list, const struct engine_cni_call *c,
                   struct json_object *cached, struct glass_err **err)
{
	struct json_object *plugins = plugins_of(list);
	size_t n = plugins ? json_object_array_length(plugins) : 0;
	int rc = 0;
	/* DEL goes on after a failure: the rest of the chain still holds state */
	for (size_t i = n; i-- > 0;) {
		struct glass_err *e = NULL;
		if (run_one("DEL", list, json_object_array_get_idx(plugins, i), c, cached, NULL,
		            &e) < 0) {
			if (rc == 0 && err)
				glass_err_move(err, &e);
			glass_err_free(&e);
			rc = -1;
		}
	}
	return rc;
}

int engine_cni_check(struct json_object *list, const struct engine_cni_call *c,
                     struct json_object *cached, struct glass_err **err)
{
	struct json_object *plugins = plugins_of(list);
	size_t n = plugins ? json_object_array_length(plugins) : 0;
	for (size_t i = 0; i < n; i++)
		if (run_one("CHECK", list, json_object_array_get_idx(plugins, i), c, cached, NULL,
		            err) < 0)
			return -1;
	return 0;
}

int engine_cni_version(const char *type, const char *want, struct glass_err **err)
{
	cleanup_free char *path = find_plugin(type);
	cleanup_free char *out = NULL;
	cleanup_free char *in = xasprintf("{\"cniVersion\":\"%s\"}", want);
	if (!path)
		return glass_err_new(err, ENOENT, "CNI plugin \"%s\" not found in %s", type,
		                     engine_cni_path());
	char **env = plugin_env("VERSION", NULL);
	int status = exec_plugin(path, env, in, &out, err);
	engine_strv_free(env);
	if (status != 0)
		return status < 0 ? -1 : plugin_error(type, "VERSION", status, out, err);
	struct json_object *r = json_tokener_parse(out), *v;
	bool found = false;
	if (r && json_object_object_get_ex(r, "supportedVersions", &v))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(v, i)), want) ==
			    0)
				found = true;
	json_object_put(r);
	if (!found)
		return glass_err_new(err, ENOTSUP, "CNI plugin %s does not support cniVersion %s",
		                     type, want);
	return 0;
}

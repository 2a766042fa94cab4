/* common: what several verbs share: opening the store, finding the
 * built-in image and sibling programs, resolving an image (importing the
 * built-in one or pulling when missing).  The engine, a program, is where
 * the environment is read and reports are printed; the store is told
 * through its options. */
#include "common.h"
#include "pull.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *engine_find_sibling(const char *name)
{
	const char *d = engine_exe_dir();
	const char *rel[] = {"%s/%s", "%s/../runtime/%s", "%s/../shim/%s", "%s/../init/%s",
	                     "%s/../../%s"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = xasprintf(rel[i], d, name);
		if (access(p, X_OK) == 0) {
			/* a clean path: it is what `ps` shows for the shim */
			char *real = realpath(p, NULL);
			if (real) {
				free(p);
				return real;
			}
			return p;
		}
		free(p);
	}
	return NULL;
}

char *engine_builtin_rootfs(void)
{
	const char *env = getenv("GLASS_BUILTIN_ROOTFS");
	const char *d = engine_exe_dir();
	if (env && *env)
		return xstrdup(env);
	const char *rel[] = {"%s/rootfs", "%s/../../rootfs", "%s/../share/glass/rootfs"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = xasprintf(rel[i], d);
		if (is_dir(p)) {
			char *real = realpath(p, NULL);
			if (real) {
				free(p);
				return real;
			}
			return p;
		}
		free(p);
	}
	return NULL;
}

char *engine_runtime_root(void)
{
	const char *g = getenv("GLASS_ROOT");
	if (g && *g)
		return xasprintf("%s/runtime", g);
	return xstrdup("/run/glass-runtime");
}

const char *engine_root_dir(void)
{
	const char *r = getenv("GLASS_ROOT");
	return r && *r ? r : "/var/lib/glass";
}

/* The store's reports on stderr.  A status line is redrawn in place on a
 * terminal and dropped elsewhere (a log wants lines). */
static void print_report(void *data, enum glass_report_kind kind, const char *text)
{
	static bool status_shown;
	(void)data;
	if (kind == GLASS_REPORT_STATUS) {
		if (isatty(2)) {
			fprintf(stderr, "\r\033[K%s", text);
			status_shown = true;
		}
		return;
	}
	if (status_shown)
		fprintf(stderr, "\r\033[K");
	status_shown = false;
	fprintf(stderr, "%s%s\n", kind == GLASS_REPORT_WARN ? "glass: " : "", text);
}

int engine_store_open_report(bool exclusive, glass_report_fn report, void *data,
                             struct glass_store **s, struct glass_err **err)
{
	const char *snap = getenv("GLASS_SNAPSHOTTER");
	struct glass_store_opts o = {
	    .report = report, .report_data = data, .snapshotter = snap && *snap ? snap : NULL};
	return glass_store_open_opts(engine_root_dir(), exclusive, &o, s, err);
}

int engine_store_open(bool exclusive, struct glass_store **s, struct glass_err **err)
{
	return engine_store_open_report(exclusive, print_report, NULL, s, err);
}

int engine_pull(struct glass_store *s, const char *ref, const struct engine_pull_opts *po,
                char **name, struct glass_err **err)
{
	/* where podman and docker look for credentials, in their order */
	const char *env = getenv("REGISTRY_AUTH_FILE"), *xdg = getenv("XDG_RUNTIME_DIR"),
	           *home = getenv("HOME");
	cleanup_free char *a1 = env && *env ? xstrdup(env) : NULL;
	cleanup_free char *a2 = xdg && *xdg ? xasprintf("%s/containers/auth.json", xdg) : NULL;
	cleanup_free char *a3 = xasprintf("/run/containers/%d/auth.json", (int)getuid());
	cleanup_free char *a4 = home && *home ? xasprintf("%s/.docker/config.json", home) : NULL;
	const char *cand[] = {a1, a2, a3, a4}, *files[5] = {0};
	size_t n = 0;
	for (size_t i = 0; i < 4; i++)
		if (cand[i])
			files[n++] = cand[i];
	struct glass_pull_opts o = {.platform = po->platform,
	                            .quiet = po->quiet,
	                            .registry = {.tls_verify = po->tls_verify != 0,
	                                         .cert_dir = po->cert_dir,
	                                         .authfile = po->authfile,
	                                         .authfiles = files,
	                                         .creds = po->creds,
	                                         .parallel = po->parallel}};
	if (po->unpack_jobs)
		s->o.unpack_jobs = po->unpack_jobs;
	if (po->unpack_threads)
		s->o.unpack_threads = po->unpack_threads;
	if (po->inflate)
		s->o.inflate_zlib = po->inflate == 1;
	return glass_pull(s, ref, &o, name, err);
}

/* The built-in image answers to "busybox", "busybox:latest" and
 * "localhost/busybox[:latest]". */
bool engine_is_builtin_image(const char *ref)
{
	return strcmp(ref, "busybox") == 0 || strcmp(ref, "busybox:latest") == 0 ||
	       strcmp(ref, GLASS_BUILTIN_IMAGE) == 0 || strcmp(ref, "localhost/busybox") == 0;
}

int engine_image_get(struct glass_store *s, const char *ref, const struct engine_pull_opts *pull,
                     struct glass_image **img, struct glass_err **err)
{
	struct glass_err *e1 = NULL;
	if (glass_image_find(s, ref, img, &e1) == 0)
		return 0;
	if (e1->errnum != ENOENT) {
		*err = e1;
		return -1;
	}
	if (engine_is_builtin_image(ref)) {
		cleanup_free char *rootfs = engine_builtin_rootfs();
		if (rootfs) {
			glass_err_free(&e1);
			if (!pull || !pull->quiet)
				fprintf(stderr, "Importing the built-in image %s from %s\n",
				        GLASS_BUILTIN_IMAGE, rootfs);
			if (glass_image_import_dir(s, rootfs, GLASS_BUILTIN_IMAGE, err) < 0)
				return -1;
			return glass_image_find(s, GLASS_BUILTIN_IMAGE, img, err);
		}
	}
	if (!pull) {
		*err = e1;
		return -1;
	}
	glass_err_free(&e1);
	cleanup_free char *name = NULL;
	if (engine_pull(s, ref, pull, &name, err) < 0)
		return -1;
	return glass_image_find(s, name, img, err);
}

int engine_run_quiet(char *const argv[], struct glass_err **err)
{
	int pfd[2], status = 0;
	char buf[1024];
	size_t len = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return glass_err_new(err, errno, "fork()");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(pfd[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (ssize_t n; (n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) != 0;)
		if (n > 0)
			len += (size_t)n;
		else if (errno != EINTR || len >= sizeof(buf) - 1)
			break;
	close(pfd[0]);
	buf[len] = '\0';
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (WIFSIGNALED(status))
		return glass_err_new(err, EIO, "%s: killed by signal %d%s%s", prog,
		                     WTERMSIG(status), len ? ": " : "", buf);
	return glass_err_new(err, EIO, "%s: exit status %d%s%s", prog, WEXITSTATUS(status),
	                     len ? ": " : "", buf);
}

static volatile pid_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Runs glass-runtime with argv, stdio inherited; returns its exit status
 * mapped docker's way, or -1 with err when it could not be started. */
int engine_run_runtime(char *const argv[], struct glass_err **err)
{
	struct sigaction sa = {.sa_handler = forward}, old[4];
	const int sigs[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	int status;
	pid_t pid = fork();
	if (pid < 0)
		return glass_err_new(err, errno, "fork()");
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL); /* ignored dispositions survive execve */
		execv(argv[0], argv);
		fprintf(stderr, "glass: execv(\"%s\"): %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	child_pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int engine_json_save(const char *path, struct json_object *o, bool pretty, int mode,
                     struct glass_err **err)
{
	const char *t = json_object_to_json_string_ext(
	    o, (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
	           JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write_file_atomic_at(AT_FDCWD, path, t, strlen(t), (mode_t)mode) < 0)
		return glass_err_new(err, errno, "write(\"%s\")", path);
	return 0;
}

/* run: `glass run [--rm] [-i] [-t] [--name N] [-e K=V] [-w DIR] [-u USER]
 * [--read-only] [-m SIZE] [--cpus N] [--hostname H] [--cgroup-parent P]
 * [pull flags] IMAGE [CMD...]`.
 *
 * The engine's part of Docker's chain in one process: find (or pull) the
 * image, make sure its layers are unpacked, build the container's
 * snapshot (overlay mount), write the bundle's config.json, then hand the
 * bundle to glass-runtime (found beside this binary) in the foreground
 * and relay its exit status: the process's code, or 128+N when signal N
 * killed it, as docker does. */
#include "bundle.h"
#include "common.h"
#include "netvol.h"
#include "snapshot.h"
#include "trace.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const char use[] =
    "glass run [--rm] [-i] [-t] [--name NAME] [-e K=V] [-w DIR] [-u USER[:GROUP]] [--read-only] "
    "[-m SIZE] [--cpus N] [--hostname H] [--cgroup-parent PATH] [--platform P] "
    "[--tls-verify=false] [--network NET|none|host|container:NAME] [-p [IP:]H:C[/udp]] "
    "[--network-alias A] [--dns IP] [--dns-search D] [--add-host H:IP] [--mac-address M] "
    "[--ip IP] [-v [SRC:]DST[:ro]] [--mount type=...] [--tmpfs DST[:OPTS]] IMAGE [CMD...]";

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

static void random_id(char out[13])
{
	unsigned char b[6] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			memset(b, 0, sizeof(b));
		close(fd);
	}
	for (int i = 0; i < 6; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static bool valid_name(const char *n)
{
	if (!*n || strlen(n) > 64 || n[0] == '.' || n[0] == '-')
		return false;
	for (const char *p = n; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* --rm: the runtime's state, the container's volumes claim (anonymous
 * ones removed, as docker's --rm) and its snapshot go. */
static void remove_container(char *runtime, char *rroot, const char *name)
{
	struct glass_err *err = NULL;
	struct glass_store *s = NULL;
	char *dargv[] = {runtime, "--root", rroot, "delete", "--force", (char *)name, NULL};
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC), saved = dup(2);
	if (fd >= 0 && saved >= 0) { /* a container already deleted is fine */
		dup2(fd, 2);
		engine_run_runtime(dargv, NULL);
		dup2(saved, 2);
	}
	if (fd >= 0)
		close(fd);
	if (saved >= 0)
		close(saved);
	/* seam (volumes): the ops layer's rm calls this (remove_anon: rm -v) */
	if (engine_netvol_remove(name, true, &err) < 0) {
		glass_err_report("glass", err, -1, 0);
		glass_err_free(&err);
	}
	if (engine_store_open(false, &s, &err) < 0 || glass_snapshot_remove(s, name, &err) < 0)
		glass_err_report("glass", err, -1, 0);
	glass_err_free(&err);
	glass_store_close(s);
}

int cmd_run(int argc, char **argv)
{
	struct engine_pull_opts po = {.tls_verify = 1, .quiet = false};
	struct glass_bundle_opts bo = {0};
	struct engine_netvol nv = {0};
	const char *name = NULL, *cg_parent = getenv("GLASS_CGROUP_PARENT");
	bool rm = false, tty = false;
	char **env = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t nenv = 0;
	int i = 1;
	struct glass_err *err = NULL;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		int r = engine_pull_flag(argc, argv, &i, &po);
		if (r < 0)
			return engine_usage(use, "run: %s needs a value", a);
		if (r > 0 || engine_bundle_flag(argc, argv, &i, &bo, env, &nenv))
			continue;
		if ((r = engine_netvol_parse_flag(argc, argv, &i, &nv, &err)) < 0) {
			engine_fail(&err);
			engine_netvol_free(&nv);
			free(env);
			return 125;
		}
		if (r > 0)
			continue;
#define VAL(short_, long_)                                                                         \
	((strcmp(a, short_) == 0 || strcmp(a, long_) == 0) && i + 1 < argc ? argv[++i] : NULL)
		const char *v;
		if (strcmp(a, "--rm") == 0)
			rm = true;
		else if (strcmp(a, "-i") == 0 || strcmp(a, "--interactive") == 0)
			;
		else if (strcmp(a, "-t") == 0 || strcmp(a, "--tty") == 0 || strcmp(a, "-it") == 0 ||
		         strcmp(a, "-ti") == 0)
			tty = true;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			po.quiet = true;
		else if ((v = VAL("--name", "--name")))
			name = v;
		else if ((v = VAL("--hostname", "-h")))
			bo.hostname = v;
		else if ((v = VAL("--cgroup-parent", "--cgroup-parent")))
			cg_parent = v;
		else if ((v = VAL("-m", "--memory"))) {
			bo.memory = glass_parse_size(v);
			if (bo.memory <= 0)
				return engine_usage(use, "run: bad --memory \"%s\"", v);
		} else if ((v = VAL("--cpus", "--cpus"))) {
			char *end;
			bo.cpus = strtod(v, &end);
			if (*end || bo.cpus <= 0)
				return engine_usage(use, "run: bad --cpus \"%s\"", v);
		} else
			return engine_usage(use, "run: unknown option %s", a);
#undef VAL
	}
	if (i >= argc)
		return engine_usage(use, "run: no image given");
	const char *ref = argv[i++];
	bo.args = i < argc ? argv + i : NULL;
	bo.env = env;
	bo.terminal = tty && isatty(0);
	char idbuf[13];
	if (name && !valid_name(name))
		return engine_usage(use, "run: invalid container name \"%s\"", name);
	if (!name) {
		random_id(idbuf);
		name = idbuf;
	}
	if (!bo.hostname)
		bo.hostname = name;
	cleanup_free char *cgpath =
	    xasprintf("%s/%s", cg_parent && *cg_parent ? cg_parent : "/glass", name);
	if (cgpath[0] != '/') {
		char *abs = xasprintf("/%s", cgpath);
		free(cgpath);
		cgpath = abs;
	}
	bo.cgroups_path = cgpath;

	struct glass_store *s = NULL;
	struct glass_image *img = NULL;
	struct glass_snapshot *snap = NULL;
	char **lowers = NULL;
	int code = 125;
	cleanup_free char *runtime = engine_find_sibling("glass-runtime");
	cleanup_free char *rroot = engine_runtime_root();
	if (!runtime) {
		glass_err_new(&err, ENOENT, "glass-runtime not found beside %s", engine_exe_dir());
		glass_err_hint(&err, "build it with `make`; glass runs containers through it");
		goto fail;
	}
	glass_trace_phase("image");
	if (engine_store_open(false, &s, &err) < 0 ||
	    engine_image_get(s, ref, &po, &img, &err) < 0 ||
	    glass_image_unpack(s, img, !po.quiet, &lowers, &err) < 0)
		goto fail;
	if (glass_trace_on)
		glass_trace_note("image", NULL, "%s: manifest %s, config %s, %zu layers", img->name,
		                 img->manifest_digest, img->config_digest, img->manifest->nlayers);
	glass_trace_phase("snapshot");
	if (glass_snapshot_create(s, name, img, lowers, po.quiet, &snap, &err) < 0)
		goto fail;
	glass_trace_phase("bundle");
	if (glass_bundle_write(snap->dir, "rootfs", snap->rootfs, img, &bo, &err) < 0) {
		glass_err_ctx(&err, "bundle for %s", name);
		goto fail_snap;
	}
	/* seam (networks, volumes): after the snapshot, before the runtime;
	 * the ops layer's create makes these two calls */
	glass_trace_phase("network");
	if (engine_netvol_prepare(&nv, name, bo.hostname, snap->rootfs, &err) < 0 ||
	    engine_netvol_bundle(&nv, snap->dir, &err) < 0) {
		glass_err_ctx(&err, "container %s", name);
		goto fail_snap;
	}
	/* The snapshot's `layers` file now protects its layers from gc. */
	glass_store_close(s);
	s = NULL;
	if (mkdir_p(rroot, 0700) < 0) {
		glass_err_new(&err, errno, "mkdir(\"%s\")", rroot);
		goto fail_snap;
	}
	/* --trace carries on into the runtime, so one run narrates the chain */
	char *rargv[] = {runtime,   "--root",     rroot, "run", "--bundle",
	                 snap->dir, (char *)name, NULL,  NULL};
	if (glass_trace_on) {
		memmove(rargv + 2, rargv + 1, 6 * sizeof(char *));
		rargv[1] = "--trace";
	}
	glass_trace_phase("runtime");
	code = engine_run_runtime(rargv, &err);
	if (code < 0) {
		code = 125;
		goto fail_snap;
	}
	/* seam (networks): the container's process is gone, so its networks
	 * go (CNI DEL); the ops layer calls this when a container stops */
	engine_netvol_stop(name, NULL);
	if (rm)
		remove_container(runtime, rroot, name);
	else
		glass_snapshot_unmount(snap->rootfs, NULL);
	goto out;
fail_snap:
	engine_netvol_remove(name, true, NULL);
	if (s || engine_store_open(false, &s, NULL) == 0)
		glass_snapshot_remove(s, name, NULL);
fail:
	engine_fail(&err);
out:
	glass_snapshot_free(snap);
	glass_manifest_strv_free(lowers);
	glass_image_free(img);
	glass_store_close(s);
	engine_netvol_free(&nv);
	free(env);
	return code;
}

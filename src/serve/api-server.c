/* api-server: `glass serve`, the listening socket and the daemon.
 *
 *   glass serve [--host unix:///run/glass/glass.sock | tcp://127.0.0.1:PORT]
 *               [--group NAME]
 *
 * The socket is a root-equivalent door (whoever can write to it can run a
 * privileged container): it is made mode 0660, owned by root and by the
 * group given with --group (else root's), and GLASS_ROOT moves it beside
 * the rest of glass's state (GLASS_ROOT/glass.sock).  A TCP listener has no
 * such door at all: it is opened only when asked for by name, with a
 * warning.
 *
 * libmicrohttpd runs one thread per connection: a `wait`, a log follow or
 * a hijacked attach blocks in its own thread and nothing else.  On SIGINT
 * or SIGTERM the server removes its socket and exits without joining those
 * threads (they may be blocked on a container for hours); the containers
 * are the shims', not the server's, and keep running. */
#include "api.h"
#include "common.h"
#include "ctr.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SERVE_USAGE "glass serve [--host unix://PATH|tcp://127.0.0.1:PORT] [--group NAME]"
#define CONN_LIMIT  512

static char *default_host(void)
{
	const char *root = getenv("GLASS_ROOT");
	if (root && *root)
		return xasprintf("unix://%s/glass.sock", root);
	return xstrdup("unix:///run/glass/glass.sock");
}

/* A socket file left by a server that is gone refuses connections: it is
 * removed.  One that answers belongs to a running server: refused. */
static int clear_stale(const char *path, struct glass_err **err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : glass_err_new(err, errno, "stat(\"%s\")", path);
	if (!S_ISSOCK(st.st_mode))
		return glass_err_new(err, EEXIST, "%s exists and is not a socket", path);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return glass_err_new(err, EADDRINUSE, "%s: another server answers on it", path);
	if (unlink(path) < 0)
		return glass_err_new(err, errno, "unlink(\"%s\")", path);
	return 0;
}

static int listen_unix(const char *path, gid_t gid, int *out, struct glass_err **err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path))
		return glass_err_new(err, ENAMETOOLONG,
		                     "--host unix://%s: a socket path has at most %zu bytes", path,
		                     sizeof(a.sun_path) - 1);
	cleanup_free char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	if (*dir && mkdir_p(dir, 0755) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", dir);
	if (clear_stale(path, err) < 0)
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return glass_err_new(err, errno, "socket(AF_UNIX)");
	/* bound with no access for anyone, then opened to root and the group */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0)
		return glass_err_new(err, errno, "bind(\"%s\")", path);
	if (chown(path, 0, gid) < 0 || chmod(path, 0660) < 0 || listen(fd, 128) < 0) {
		glass_err_new(err, errno, "socket %s", path);
		unlink(path);
		return -1;
	}
	*out = steal_fd(&fd);
	return 0;
}

static int listen_tcp(const char *hostport, int *out, struct glass_err **err)
{
	cleanup_free char *h = xstrdup(hostport);
	char *colon = strrchr(h, ':'), *end;
	struct sockaddr_in a = {.sin_family = AF_INET};
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || port <= 0 || port > 65535 || *end)
		return glass_err_new(err, EINVAL, "--host tcp://%s: want tcp://ADDRESS:PORT",
		                     hostport);
	*colon = '\0';
	if (inet_pton(AF_INET, h, &a.sin_addr) != 1)
		return glass_err_new(err, EINVAL, "--host tcp://%s: \"%s\" is not an IPv4 address",
		                     hostport, h);
	a.sin_port = htons((uint16_t)port);
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return glass_err_new(err, errno, "socket(AF_INET)");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0)
		return glass_err_new(err, errno, "listen on %s", hostport);
	fprintf(stderr,
	        "glass serve: WARNING: the API on tcp://%s has no authentication: anyone who "
	        "can connect to it is root on this host\n",
	        hostport);
	*out = steal_fd(&fd);
	return 0;
}

static int open_listener(const char *host, const char *group, int *fd, char **unix_path,
                         struct glass_err **err)
{
	gid_t gid = 0;
	if (group) {
		struct group *g = getgrnam(group);
		if (!g)
			return glass_err_new(err, ENOENT, "--group %s: no such group", group);
		gid = g->gr_gid;
	}
	if (strncmp(host, "unix://", 7) == 0) {
		if (host[7] != '/')
			return glass_err_new(err, EINVAL, "--host %s: want an absolute path", host);
		*unix_path = xstrdup(host + 7);
		return listen_unix(host + 7, gid, fd, err);
	}
	if (strncmp(host, "tcp://", 6) == 0) {
		if (group)
			return glass_err_new(err, EINVAL,
			                     "--group applies to a unix:// socket only");
		return listen_tcp(host + 6, fd, err);
	}
	return glass_err_new(err, EINVAL, "--host %s: want unix://PATH or tcp://ADDRESS:PORT",
	                     host);
}

/* libmicrohttpd's own messages, one line each with the server's prefix.
 * A client that leaves while its stream is open (a `wait` whose CLI read
 * the answer and closed, a `logs -f` stopped) is no error of the server's:
 * those are not printed. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	cleanup_free char *msg = xvasprintf(fmt, ap);
	if (strstr(msg, "no longer available") || strstr(msg, "Connection reset"))
		return;
	msg[strcspn(msg, "\n")] = '\0';
	fprintf(stderr, "glass serve: %s\n", msg);
}

static struct MHD_Daemon *start_daemon(int fd, struct glass_err **err)
{
	/* libmicrohttpd is loaded now: a missing one is an error that names
	 * its package, not an abort at the first request */
	if (glass_mhd_need(err) < 0)
		return NULL;
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_UPGRADE |
	        MHD_USE_ERROR_LOG,
	    0, NULL, NULL, api_dispatch, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, api_completed, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(64 * 1024), MHD_OPTION_END);
	if (!d)
		glass_err_new(err, errno, "MHD_start_daemon");
	return d;
}

static int serve(const char *host, const char *group, struct glass_err **err)
{
	int fd = -1;
	cleanup_free char *path = NULL;
	if (open_listener(host, group, &fd, &path, err) < 0)
		return -1;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* blocked before the first thread exists, so every thread inherits it
	 * and only sigwait() below takes them */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* a long-lived process: lists reuse what they read (ctr-cache.c) */
	ctr_cache_enable();
	struct MHD_Daemon *d = start_daemon(fd, err);
	if (!d) {
		if (path)
			unlink(path);
		return -1;
	}
	fprintf(stderr, "glass serve: listening on %s (API %s)\n", host, API_VERSION);
	int sig = 0;
	sigwait(&set, &sig);
	if (path)
		unlink(path);
	fprintf(stderr, "glass serve: %s: stopped (containers keep running)\n", strsignal(sig));
	/* not MHD_stop_daemon(): it joins every connection's thread, and a
	 * follower of a container's log would keep the server alive */
	_exit(0);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"host", required_argument, NULL, 'H'},
	    {"group", required_argument, NULL, 'G'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char *host = default_host();
	const char *group = NULL;
	struct glass_err *err = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "H:G:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			free(host);
			host = xstrdup(optarg);
			break;
		case 'G':
			group = optarg;
			break;
		case 'h':
			printf(
			    "usage: %s\n"
			    "  --host unix://PATH    the socket (default /run/glass/glass.sock, "
			    "GLASS_ROOT/glass.sock with GLASS_ROOT)\n"
			    "  --host tcp://IP:PORT  a TCP listener (root-equivalent, no auth)\n"
			    "  --group NAME          the group allowed on the socket (mode 0660)\n",
			    SERVE_USAGE);
			return 0;
		default:
			return engine_usage(SERVE_USAGE, "serve: bad option");
		}
	}
	if (optind != argc)
		return engine_usage(SERVE_USAGE, "serve: unexpected argument \"%s\"", argv[optind]);
	if (geteuid() != 0) {
		fprintf(stderr, "glass serve: the API runs containers and needs root\n");
		return 1;
	}
	if (serve(host, group, &err) < 0)
		return engine_fail(&err);
	return 0;
}

/* lab server: HTTP with libmicrohttpd, one thread per connection.
 *
 * The lab runs as root and starts containers, so every request is checked
 * before anything else:
 *   Host    must name the lab's own address (a DNS-rebinding page reaches
 *           127.0.0.1 under its own domain name: refused, 403);
 *   Origin  when present, must be the lab's own origin (no cross-site
 *           requests, 403); curl sends none and is allowed;
 *   token   a 256-bit random value made for this run (getrandom), put in
 *           the page it serves (which itself needs ?token=), and required on
 *           every /api/ request in the X-Glass-Token header, or as ?token=
 *           for the event stream, which EventSource cannot give headers (401).
 * The page is one document with its scripts and styles compiled in, so it
 * works offline and needs no files beside the binary; its tabs and panels
 * are filled in from the experiment table (registry.c).
 *
 * Idle connections must not lock the learner out (slowloris): each
 * connection costs a thread here, so connections that have not yet shown
 * the token are capped at MAX_ANON; when one more arrives, the oldest is
 * shut down.  A connection that showed the token is the learner's and is
 * never evicted; any connection silent for CONN_TIMEOUT seconds is closed
 * by libmicrohttpd.
 */
#include "lazy-mhd.h"
#include "lab.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_BODY     ((size_t)64 * 1024)
#define MAX_CONNS    256
#define MAX_ANON     32
#define CONN_TIMEOUT 15

static char token[65];
static char host_ok[3][160]; /* accepted Host values */
static unsigned nhost_ok;
static bool any_ip_host; /* --allow-remote on a wildcard: any IP literal with our port */
static unsigned short lab_port;

struct request {
	struct strbuf body;
	bool too_big;
};

/* Every open connection, oldest first, for the slowloris guard. */
struct conn {
	int fd;
	bool trusted; /* it showed the token */
	struct conn *prev, *next;
};
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *conns_head, *conns_tail;
static unsigned nanon;

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	pthread_mutex_lock(&conns_lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn *n = xcalloc(1, sizeof(*n));
		n->fd = ci ? ci->connect_fd : -1;
		n->prev = conns_tail;
		if (conns_tail)
			conns_tail->next = n;
		else
			conns_head = n;
		conns_tail = n;
		*socket_context = n;
		/* Too many strangers: the oldest one goes.  shutdown() makes
		 * its thread see the end of the stream and close it. */
		if (++nanon > MAX_ANON)
			for (struct conn *o = conns_head; o && o != n; o = o->next)
				if (!o->trusted && o->fd >= 0) {
					shutdown(o->fd, SHUT_RDWR);
					o->fd = -1;
					break;
				}
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		struct conn *n = *socket_context;
		if (!n->trusted)
			nanon--;
		if (n->prev)
			n->prev->next = n->next;
		else
			conns_head = n->next;
		if (n->next)
			n->next->prev = n->prev;
		else
			conns_tail = n->prev;
		free(n);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&conns_lock);
}

static void conn_trust(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	pthread_mutex_lock(&conns_lock);
	struct conn *n = ci ? ci->socket_context : NULL;
	if (n && !n->trusted) {
		n->trusted = true;
		nanon--;
	}
	pthread_mutex_unlock(&conns_lock);
}

static bool const_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* "127.0.0.1:7777", "[::1]:7777", "localhost:7777", or an IP literal with
 * our port when listening on a wildcard with --allow-remote. */
static bool host_allowed(const char *host)
{
	if (!host)
		return false;
	for (unsigned i = 0; i < nhost_ok; i++)
		if (strcasecmp(host, host_ok[i]) == 0)
			return true;
	if (!any_ip_host)
		return false;
	char h[128];
	const char *colon = strrchr(host, ':');
	if (!colon || strlen(host) >= sizeof(h) || (unsigned)atoi(colon + 1) != lab_port)
		return false;
	memcpy(h, host, (size_t)(colon - host));
	h[colon - host] = '\0';
	unsigned char addr[16];
	if (h[0] == '[') {
		size_t l = strlen(h);
		if (l < 3 || h[l - 1] != ']')
			return false;
		h[l - 1] = '\0';
		return inet_pton(AF_INET6, h + 1, addr) == 1;
	}
	return inet_pton(AF_INET, h, addr) == 1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(body), body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy",
	                        "default-src 'self'; img-src 'self' data:; "
	                        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return reply(c, status, "application/json", s, true);
}

/* The tabs, panels and module assets, from the experiment table. */
static void page_part(struct strbuf *b, const char *mark)
{
	for (size_t i = 0; i < lab_nmodules; i++) {
		const struct lab_module *m = lab_modules[i];
		if (strcmp(mark, "HEAD") == 0) {
			strbuf_printf(b, "<link rel=\"stylesheet\" href=\"/exp-%s.css\">\n", m->id);
			strbuf_printf(b, "<script src=\"/exp-%s.js\" defer></script>\n", m->id);
		} else if (strcmp(mark, "TABS") == 0) {
			strbuf_printf(b,
			              "<button role=\"tab\" class=\"tab%s\" id=\"tab-%s\" "
			              "data-tab=\"%s\" data-testid=\"tab-%s\" "
			              "aria-controls=\"exp-%s\" aria-selected=\"%s\" "
			              "tabindex=\"%s\">%s</button>\n",
			              i ? "" : " active", m->id, m->id, m->id, m->id,
			              i ? "false" : "true", i ? "-1" : "0", m->title);
		} else if (strcmp(mark, "PANELS") == 0) {
			cleanup_free char *path = xasprintf("/exp-%s.html", m->id);
			const struct lab_asset *a = lab_asset_find(path);
			strbuf_printf(b,
			              "<section class=\"exp%s\" role=\"tabpanel\" id=\"exp-%s\" "
			              "aria-labelledby=\"tab-%s\" data-testid=\"exp-%s\">\n",
			              i ? "" : " active", m->id, m->id, m->id);
			if (a)
				strbuf_append(b, (const char *)a->data, a->len);
			strbuf_printf(b, "</section>\n");
		}
	}
}

/* The page: index.html with this run's token in a <meta> the script
 * reads, and <!--GLASS:X--> marks filled in. */
static enum MHD_Result serve_page(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (!t || !const_eq(t, token))
		return reply(
		    c, 401, "text/html; charset=utf-8",
		    "<!doctype html><meta charset=utf-8><title>glass lab</title>"
		    "<p>This lab needs its token: open the URL that <code>glass lab</code> "
		    "printed (it ends in <code>/?token=...</code>).</p>",
		    false);
	conn_trust(c);
	const struct lab_asset *a = lab_asset_find("/index.html");
	struct strbuf b = STRBUF_INIT;
	const char *p = (const char *)a->data, *end = p + a->len;
	while (p < end) {
		const char *m = memmem(p, (size_t)(end - p), "__GLASS_TOKEN__", 15);
		const char *g = memmem(p, (size_t)(end - p), "<!--GLASS:", 10);
		const char *next = m && (!g || m < g) ? m : g;
		if (!next) {
			strbuf_append(&b, p, (size_t)(end - p));
			break;
		}
		strbuf_append(&b, p, (size_t)(next - p));
		if (next == m) {
			strbuf_append(&b, token, strlen(token));
			p = m + 15;
			continue;
		}
		const char *close = memmem(g, (size_t)(end - g), "-->", 3);
		if (!close)
			break;
		char mark[16];
		snprintf(mark, sizeof(mark), "%.*s", (int)(close - g - 10), g + 10);
		page_part(&b, mark);
		p = close + 3;
	}
	return reply(c, 200, a->type, strbuf_steal(&b), true);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n = lab_stream_read(cls, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void sse_free(void *cls)
{
	lab_stream_close(cls);
}

/* /api/experiments/ID/events: the experiment's events as Server-Sent Events. */
static enum MHD_Result serve_stream(struct MHD_Connection *c, const char *url)
{
	char id[32];
	const char *p = url + strlen("/api/experiments/");
	const char *slash = strchr(p, '/');
	if (!slash || (size_t)(slash - p) >= sizeof(id))
		return reply_json_error(c, 404, "no such experiment");
	memcpy(id, p, (size_t)(slash - p));
	id[slash - p] = '\0';
	long from = 0;
	const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	if (last)
		from = atol(last) + 1;
	struct lab_stream *s = lab_stream_open(id, from);
	if (!s)
		return reply_json_error(c, 404, "no such experiment");
	struct MHD_Response *r =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536, sse_read, s, sse_free);
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
	struct request *req = *con_cls;
	if (!req) {
		req = xcalloc(1, sizeof(*req));
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_size) {
		if (req->body.len + *upload_size > MAX_BODY)
			req->too_big = true;
		else
			strbuf_append(&req->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}

	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (!host_allowed(host))
		return reply_json_error(c, 403, "Host is not this lab's address");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (origin) {
		char own[160];
		snprintf(own, sizeof(own), "http://%s", host);
		if (strcasecmp(origin, own) != 0)
			return reply_json_error(c, 403, "Origin is not this lab");
	}

	if (strncmp(url, "/api/", 5) != 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return reply_json_error(c, 405, "method not allowed");
		if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
			return serve_page(c);
		const struct lab_asset *a = lab_asset_find(url);
		if (!a || strcmp(url, "/index.html") == 0)
			return reply_json_error(c, 404, "not found");
		struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)a->data,
		                                                         MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "Content-Type", a->type);
		MHD_add_response_header(r, "Cache-Control", "no-store");
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		enum MHD_Result ret = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ret;
	}

	bool is_stream = strcmp(method, "GET") == 0 && strncmp(url, "/api/experiments/", 17) == 0 &&
	                 strlen(url) > 24 && strcmp(url + strlen(url) - 7, "/events") == 0;
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Glass-Token");
	if (!t && is_stream)
		t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (!t || !const_eq(t, token))
		return reply_json_error(c, 401, "missing or wrong lab token (X-Glass-Token)");
	conn_trust(c);
	if (req->too_big)
		return reply_json_error(c, 413, "request body too large");
	if (is_stream)
		return serve_stream(c, url);

	char *out = NULL;
	int status = lab_api_handle(method, url, req->body.buf, req->body.len, &out);
	return reply(c, (unsigned)status, "application/json", out, true);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;
	if (req) {
		strbuf_release(&req->body);
		free(req);
		*con_cls = NULL;
	}
}

/* This run's directory (with the cgroup parent named in it, for whoever
 * cleans up after a lab that died), the watcher, the janitor.  Before any
 * thread: the watcher is forked here. */
static int start_run(struct glass_err **err)
{
	lab_cleanup_stale();
	if (mkdir_p(lab_paths.run_dir, 0711) < 0)
		return glass_err_new(err, errno, "mkdir(%s)", lab_paths.run_dir);
	cleanup_close int dfd = open(lab_paths.run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || write_file_atomic_at(dfd, "cgroup", lab_paths.cgroup,
	                                    strlen(lab_paths.cgroup), 0600) < 0)
		return glass_err_new(err, errno, "write %s/cgroup", lab_paths.run_dir);
	lab_doctor_init();
	if (lab_watcher_start(err) < 0)
		return -1;
	return lab_exp_init(err);
}

static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen,
                        bool *loopback, bool *wildcard, char *hostpart, size_t hsize,
                        struct glass_err **err)
{
	char h[128];
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof(h))
		return glass_err_new(err, EINVAL, "--listen %s: expected ADDR:PORT", spec);
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return glass_err_new(err, EINVAL, "--listen %s: bad port", spec);
	memcpy(h, spec, (size_t)(colon - spec));
	h[colon - spec] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (h[0] == '[') {
		size_t l = strlen(h);
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		if (l < 3 || h[l - 1] != ']')
			return glass_err_new(err, EINVAL, "--listen %s: bad IPv6 address", spec);
		h[l - 1] = '\0';
		if (inet_pton(AF_INET6, h + 1, &s6->sin6_addr) != 1)
			return glass_err_new(err, EINVAL, "--listen %s: bad IPv6 address", spec);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*s6);
		*loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
		*wildcard = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
		if (snprintf(hostpart, hsize, "[%s]", h + 1) >= (int)hsize)
			return glass_err_new(err, EINVAL, "--listen %s: address too long", spec);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		if (strcmp(h, "localhost") == 0)
			snprintf(h, sizeof(h), "127.0.0.1");
		if (inet_pton(AF_INET, h, &s4->sin_addr) != 1)
			return glass_err_new(err, EINVAL,
			                     "--listen %s: bad IPv4 address (use [ADDR] for IPv6)",
			                     spec);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*s4);
		*loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
		*wildcard = s4->sin_addr.s_addr == INADDR_ANY;
		if (snprintf(hostpart, hsize, "%s", h) >= (int)hsize)
			return glass_err_new(err, EINVAL, "--listen %s: address too long", spec);
	}
	return 0;
}

int glass_lab_serve(const struct glass_lab_opts *opts, struct glass_err **err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	bool loopback = false, wildcard = false;
	char hostpart[128];
	const char *listen_on = opts->listen ? opts->listen : "127.0.0.1:7777";
	unsigned char raw[32];

	if (parse_listen(listen_on, &ss, &sslen, &loopback, &wildcard, hostpart, sizeof(hostpart),
	                 err) < 0)
		return -1;
	if (!loopback && !opts->allow_remote) {
		glass_err_new(err, EPERM, "--listen %s: not a loopback address", listen_on);
		return glass_err_hint(err,
		                      "the lab runs containers as root: pass --allow-remote to "
		                      "listen beyond loopback (anyone who can reach it and has "
		                      "the token can run its experiments)");
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return glass_err_new(err, errno, "getrandom(32 bytes for the lab token)");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);

	/* The socket is ours, so a busy port is a precise error. */
	int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (lfd < 0)
		return glass_err_new(err, errno, "socket()");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, sslen) < 0 || listen(lfd, 64) < 0) {
		int e = errno;
		close(lfd);
		glass_err_new(err, e, "listen on %s", listen_on);
		if (e == EADDRINUSE)
			glass_err_hint(err, "another program (another lab?) listens there: try "
			                    "--listen 127.0.0.1:0 for a free port");
		return -1;
	}
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	getsockname(lfd, (struct sockaddr *)&bound, &blen);
	lab_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
	                                             : ((struct sockaddr_in *)&bound)->sin_port);

	if (lab_paths_init(getpid(), err) < 0 || start_run(err) < 0) {
		close(lfd);
		return -1;
	}

	/* SIGINT/SIGTERM are taken by sigwait() below; every thread inherits
	 * the mask.  SIGPIPE: a closed tab must not kill the server. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Orphans of a worker that died come to us, to be reaped and counted. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	/* No MHD_USE_ERROR_LOG: a tab closing an event stream is not news. */
	if (glass_mhd_need(err) < 0) {
		close(lfd);
		lab_exp_shutdown();
		return glass_err_ctx(err, "the lab's HTTP server");
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_LISTEN_SOCKET, lfd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT, MHD_OPTION_NOTIFY_COMPLETED,
	    completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, conn_notify, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNS, MHD_OPTION_THREAD_STACK_SIZE,
	    (size_t)(256 * 1024), MHD_OPTION_END);
	if (!d) {
		int e = errno;
		close(lfd);
		lab_exp_shutdown();
		return glass_err_new(err, e, "MHD_start_daemon(%s)", listen_on);
	}
	if (snprintf(host_ok[nhost_ok], sizeof(host_ok[0]), "%s:%u", hostpart, lab_port) <
	    (int)sizeof(host_ok[0]))
		nhost_ok++;
	if (loopback && snprintf(host_ok[nhost_ok], sizeof(host_ok[0]), "localhost:%u", lab_port) <
	                    (int)sizeof(host_ok[0]))
		nhost_ok++;
	any_ip_host = wildcard && opts->allow_remote;

	const char *shown =
	    wildcard ? (ss.ss_family == AF_INET6 ? "[::1]" : "127.0.0.1") : hostpart;
	printf("glass lab: open http://%s:%u/?token=%s\n", shown, lab_port, token);
	if (!loopback) {
		printf("glass lab: listening on %s (--allow-remote): the token is %s\n", hostpart,
		       token);
		printf("glass lab: from another machine open http://ADDRESS:%u/?token=%s\n",
		       lab_port, token);
	}
	printf("glass lab: built-in image %s; state under %s; cgroups under %s\n", lab_paths.rootfs,
	       lab_paths.run_dir, lab_paths.cgroup);
	printf("glass lab: Ctrl-C stops the lab and removes every container it made\n");
	fflush(stdout);

	int sig = 0;
	sigwait(&set, &sig);
	printf("glass lab: %s: stopping, tearing experiments down\n", strsignal(sig));
	fflush(stdout);
	lab_exp_shutdown();
	MHD_stop_daemon(d);
	printf("glass lab: stopped\n");
	fflush(stdout);
	return 0;
}

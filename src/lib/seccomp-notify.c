/* seccomp-notify: handing the seccomp notify fd to a seccomp agent.
 *
 * A filter with SCMP_ACT_NOTIFY rules, installed with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, makes seccomp(2) return a notify fd:
 * whoever holds it receives each matching syscall (SECCOMP_IOCTL_NOTIF_RECV)
 * and decides its result (SECCOMP_IOCTL_NOTIF_SEND) while the caller waits.
 * The fd is born in the container's child, behind the new root, so the
 * child sends it back to the runtime over a private socketpair, and the
 * runtime passes it on to the agent at linux.seccomp.listenerPath with the
 * container process state (config-linux.md, "The Container Process State"):
 * one JSON document per connection, the fd in SCM_RIGHTS.
 */
#include "fdpass.h"
#include "seccomp-internal.h"
#include "spec.h"
#include "seccomp.h"
#include "sys.h"
#include "util.h"

#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* How long the parent waits for the child to hand the fd over. */
#define NOTIFY_WAIT_MS 30000

static int recv_fd(int sock, struct glass_err **err)
{
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	char byte;
	int fd;

	if (poll(&pfd, 1, NOTIFY_WAIT_MS) == 0) {
		glass_err_new(err, ETIMEDOUT, "waiting for the seccomp notify fd from the child");
		return glass_err_hint(err,
		                      "the container's child did not load its filter within "
		                      "%d s",
		                      NOTIFY_WAIT_MS / 1000);
	}
	fd = glass_fd_recv(sock, &byte, 1);
	if (fd >= 0)
		return fd;
	if (errno == EPIPE)
		return glass_err_new(
		    err, EPIPE, "the container's child exited before loading its seccomp filter");
	return glass_err_new(err, errno, "recvmsg(seccomp handoff)");
}

char *glass_seccomp_state_json(const char *id, const char *bundle, pid_t pid, const char *metadata,
                               const struct glass_spec *spec)
{
	json_object *o = json_object_new_object();
	json_object *st = json_object_new_object();
	json_object *fds = json_object_new_array();
	json_object *ann = json_object_new_object();
	const char *ver = spec && spec->oci_version ? spec->oci_version : GLASS_OCI_VERSION;
	char *out;

	json_object_array_add(fds, json_object_new_string("seccompFd"));
	json_object_object_add(o, "ociVersion", json_object_new_string(ver));
	json_object_object_add(o, "fds", fds);
	json_object_object_add(o, "pid", json_object_new_int(pid));
	if (metadata)
		json_object_object_add(o, "metadata", json_object_new_string(metadata));
	json_object_object_add(st, "ociVersion", json_object_new_string(ver));
	json_object_object_add(st, "id", json_object_new_string(id ? id : ""));
	json_object_object_add(st, "status", json_object_new_string("creating"));
	json_object_object_add(st, "pid", json_object_new_int(pid));
	json_object_object_add(st, "bundle", json_object_new_string(bundle ? bundle : ""));
	for (size_t i = 0; spec && i < spec->nannotations; i++)
		json_object_object_add(ann, spec->annotations[i].key,
		                       json_object_new_string(spec->annotations[i].value));
	json_object_object_add(st, "annotations", ann);
	json_object_object_add(o, "state", st);
	out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

static long send_state(int sock, const char *json, int fd)
{
	struct iovec iov = {.iov_base = (void *)json, .iov_len = strlen(json)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = u.buf,
	                     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;
	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	/* The fd travels with the first sendmsg only; the rest is payload. */
	n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	if (n >= 0 && (size_t)n < iov.iov_len &&
	    write_all(sock, json + n, iov.iov_len - (size_t)n) < 0)
		return -1;
	return n;
}

int glass_seccomp_notify_forward(struct glass_seccomp_prog *prog, const char *id,
                                 const char *bundle, pid_t pid, const struct glass_spec *spec,
                                 struct glass_err **err)
{
	cleanup_close int nfd = -1;
	cleanup_close int sock = -1;
	cleanup_free char *json = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *field = "linux.seccomp.listenerPath";

	if (!glass_seccomp_wants_listener(prog))
		return 0;
	/* Our copy of the child's end: closed so a dead child reads as EOF. */
	if (prog->sock[1] >= 0) {
		close(prog->sock[1]);
		prog->sock[1] = -1;
	}
	nfd = recv_fd(prog->sock[0], err);
	if (nfd < 0)
		return glass_err_ctx(err, "seccomp notify");
	if (!prog->listener_path)
		return 0;
	if (strlen(prog->listener_path) >= sizeof(sa.sun_path))
		return glass_err_field(err, ENAMETOOLONG, field, "listenerPath \"%s\"",
		                       prog->listener_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", prog->listener_path);
	json = glass_seccomp_state_json(id, bundle, pid, prog->listener_metadata, spec);
	sock = (int)GLASS_SYS(err, "socket", field, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	                      "AF_UNIX, SOCK_STREAM");
	if (sock < 0)
		return glass_err_ctx(err, "seccomp notify");
	if (GLASS_SYS(err, "connect", field, connect(sock, (struct sockaddr *)&sa, sizeof(sa)),
	              "%d, \"%s\"", sock, prog->listener_path) < 0) {
		glass_err_hint(err, "start the seccomp agent listening on %s first",
		               prog->listener_path);
		return glass_err_ctx(err, "seccomp notify");
	}
	if (GLASS_SYS(err, "sendmsg", field, send_state(sock, json, nfd),
	              "%d, {state=%zu bytes, SCM_RIGHTS=[seccompFd %d]}", sock, strlen(json),
	              nfd) < 0)
		return glass_err_ctx(err, "seccomp notify");
	return 0;
}

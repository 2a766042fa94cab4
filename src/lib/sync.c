/* sync: see sync.h. */
#include "sync.h"
#include "trace.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

static pid_t last_sender;

pid_t glass_sync_last_sender(void)
{
	return last_sender;
}

struct hdr {
	uint32_t type;
	uint32_t len;
};

int glass_sync_pair(int fds[2], struct glass_err **err)
{
	int one = 1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return glass_err_new(err, errno, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
	/* With SO_PASSCRED the kernel attaches the sender's credentials to
	 * every message, its pid translated into the receiver's pid
	 * namespace: the parent learns the host pid of a child that sits in
	 * a new pid namespace (where getpid() says 1). */
	setsockopt(fds[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	setsockopt(fds[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	return 0;
}

int glass_sync_send(int fd, uint32_t type, const void *payload, size_t len)
{
	struct hdr h = {type, (uint32_t)len};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	ssize_t n;
	if (len > GLASS_SYNC_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

ssize_t glass_sync_recv(int fd, uint32_t *type, void *buf, size_t size)
{
	char raw[sizeof(struct hdr) + GLASS_SYNC_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {raw, sizeof(raw)};
	struct msghdr m = {.msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = ctl.buf,
	                   .msg_controllen = sizeof(ctl.buf)};
	struct hdr h;
	ssize_t n;
	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	last_sender = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			last_sender = cred.pid;
		}
	}
	if (n == 0) {
		*type = 0;
		return 0;
	}
	if ((size_t)n < sizeof(h)) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&h, raw, sizeof(h));
	*type = h.type;
	n -= (ssize_t)sizeof(h);
	if ((size_t)n > size)
		n = (ssize_t)size;
	if (n > 0)
		memcpy(buf, raw + sizeof(h), (size_t)n);
	return n;
}

/* Reads messages, relaying trace events and step answers, until one of
 * type `want` arrives (want == 0: until EOF, other types ignored). */
static int pump(int fd, uint32_t want, void *buf, size_t size, size_t *len, struct glass_err **err)
{
	char msg[GLASS_SYNC_MAX];
	for (;;) {
		uint32_t type = 0;
		ssize_t n = glass_sync_recv(fd, &type, msg, sizeof(msg));
		if (n < 0)
			return glass_err_new(err, errno, "recv(sync socket)");
		if (n == 0 && type == 0)
			return want == 0
			           ? 0
			           : glass_err_new(err, 0, "container process exited during setup");
		if (type == GLASS_SYNC_TRACE && (size_t)n == sizeof(struct glass_trace_event)) {
			struct glass_trace_event ev;
			memcpy(&ev, msg, sizeof(ev));
			glass_trace_relay_in(&ev, fd);
			continue;
		}
		if (type == GLASS_SYNC_ERROR) {
			glass_err_free(err);
			if (err)
				*err = glass_err_unpack(msg, (size_t)n);
			return -1;
		}
		if (want == 0)
			continue;
		if (type != want)
			return glass_err_new(err, EPROTO,
			                     "sync: expected message %u from container, got %u",
			                     want, type);
		if (buf && n > 0)
			memcpy(buf, msg, (size_t)n < size ? (size_t)n : size);
		if (len)
			*len = (size_t)n;
		return 0;
	}
}

int glass_sync_expect(int fd, uint32_t want, void *buf, size_t size, size_t *len,
                      struct glass_err **err)
{
	return pump(fd, want, buf, size, len, err);
}

int glass_sync_pump_until_eof(int fd, struct glass_err **err)
{
	return pump(fd, 0, NULL, 0, NULL, err);
}

void glass_sync_send_error(int fd, const struct glass_err *err)
{
	char buf[GLASS_SYNC_MAX];
	size_t n = glass_err_pack(err, buf, sizeof(buf));
	glass_sync_send(fd, GLASS_SYNC_ERROR, buf, n);
}

/* sync: see sync.h. */
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

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
	for (int i = 0; i < 2; i++) {
		if (setsockopt(fds[i], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
			int e = errno;
			close(fds[0]);
			close(fds[1]);
			fds[0] = fds[1] = -1;
			return glass_err_new(err, e, "setsockopt(sync socket, SO_PASSCRED)");
		}
	}
	return 0;
}

int glass_sync_send(int fd, uint32_t type, const void *payload, size_t len, struct glass_err **err)
{
	struct hdr h = {type, (uint32_t)len};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	ssize_t n;
	if (len > GLASS_SYNC_MAX)
		return glass_err_new(err, EMSGSIZE, "send(sync socket, message %u, %zu bytes)",
		                     type, len);
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return glass_err_new(err, errno, "send(sync socket, message %u)", type);
	return 0;
}

ssize_t glass_sync_recv(int fd, uint32_t *type, void *buf, size_t size, pid_t *sender)
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
	if (sender)
		*sender = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (sender && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*sender = cred.pid;
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

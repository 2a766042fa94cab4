/* container-sync: the parent's side of the sync socket while a container
 * process is set up.
 *
 * The child sends three kinds of message besides the handshakes of
 * container-internal.h: trace events (which the parent fans out to its
 * own sink, with the pid the kernel's credentials give, since the child's
 * getpid() is its pid inside its own PID namespace), step pauses (the
 * child blocks until the parent's controller answers), and one error
 * (after which it exits).  Every wait of the parent therefore relays, so a
 * stepping child never deadlocks its parent.
 */
#include "container-internal.h"
#include "trace.h"

#include <errno.h>
#include <string.h>

/* Reads messages, relaying trace events and step answers, until one of
 * type `want` arrives (want == 0: until EOF, other types ignored). */
static int relay(int fd, uint32_t want, void *buf, size_t size, size_t *len, struct glass_err **err)
{
	char msg[GLASS_SYNC_MAX];
	for (;;) {
		uint32_t type = 0;
		pid_t sender = 0;
		ssize_t n = glass_sync_recv(fd, &type, msg, sizeof(msg), &sender);
		if (n < 0)
			return glass_err_new(err, errno, "recv(sync socket)");
		if (n == 0 && type == 0)
			return want == 0 ? 0 : glass_err_new(err, 0, "%s", GLASS_SYNC_SILENT_EXIT);
		if (type == GLASS_SYNC_TRACE && (size_t)n == sizeof(struct glass_trace_event)) {
			struct glass_trace_event ev;
			memcpy(&ev, msg, sizeof(ev));
			glass_trace_relay_in(&ev, sender, fd);
			continue;
		}
		if (type == GLASS_SYNC_ERROR) {
			struct glass_err *child = glass_err_unpack(msg, (size_t)n);
			return glass_err_move(err, &child);
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

int glass_container_sync_expect(int fd, uint32_t want, void *buf, size_t size, size_t *len,
                                struct glass_err **err)
{
	return relay(fd, want, buf, size, len, err);
}

int glass_container_sync_drain(int fd, struct glass_err **err)
{
	return relay(fd, 0, NULL, 0, NULL, err);
}

int glass_container_expect_joined(int sync_fd, const struct glass_cgroup_join *j,
                                  struct glass_err **err)
{
	return j->n ? relay(sync_fd, SYNC_JOINED, NULL, 0, NULL, err) : 0;
}

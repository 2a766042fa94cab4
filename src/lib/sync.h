/* sync: the framing of the parent <-> container-child channel.
 *
 * A SOCK_SEQPACKET socketpair, so one send is one message and no framing
 * bugs are possible: a header (type, length) and a payload.  The kernel
 * attaches the sender's credentials to each message (SO_PASSCRED), so a
 * receiver learns the sender's pid as its own pid namespace numbers it.
 * This module only frames: what the messages mean (trace events, errors,
 * the lifecycle handshakes) and the parent's loop that relays a child's
 * trace events while it waits are the container's (container-sync.c). */
#ifndef GLASS_SYNC_H
#define GLASS_SYNC_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum glass_sync_type {
	GLASS_SYNC_TRACE = 1, /* payload: struct glass_trace_event */
	GLASS_SYNC_ERROR = 2, /* payload: glass_err_pack() output */
	GLASS_SYNC_STEP = 3,  /* parent -> child: 1 byte, 'n' | 'c' | 'a' */
	GLASS_SYNC_USER = 100 /* first type free for container.c's handshakes */
};

#define GLASS_SYNC_MAX 8192
/* The error when the child closed the sync socket without a word. */
#define GLASS_SYNC_SILENT_EXIT "container process exited during setup"

/* Makes the socketpair (both ends close-on-exec, both passing
 * credentials).  0 or -1 with err. */
int glass_sync_pair(int fds[2], struct glass_err **err);

/* Sends one message.  0, or -1 with errno set and *err filled (err may be
 * NULL: in the child the error itself may be what cannot be sent). */
int glass_sync_send(int fd, uint32_t type, const void *payload, size_t len, struct glass_err **err);

/* Receives one message into buf (payload only, truncated at size).
 * Returns the payload length, 0 with *type = 0 on EOF, -1 with errno on
 * failure.  *sender (may be NULL) is the sender's pid as this process's
 * pid namespace sees it, or 0 when the kernel did not say. */
ssize_t glass_sync_recv(int fd, uint32_t *type, void *buf, size_t size, pid_t *sender);

#endif

/* sync: the parent <-> container-child channel.
 *
 * A SOCK_SEQPACKET socketpair, so one send is one message and no framing
 * bugs are possible: a header (type, length) and a payload.  The child
 * uses it for trace events (see trace.h), for errors (a packed glass_err,
 * after which it exits) and for the lifecycle handshakes that container.c
 * defines (types from GLASS_SYNC_USER up).  The parent waits for a given
 * message with glass_sync_expect(), which meanwhile relays trace events and
 * answers step pauses, so a stepping child never deadlocks its parent. */
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

/* Makes the socketpair (both ends close-on-exec).  0 or -1 with err. */
int glass_sync_pair(int fds[2], struct glass_err **err);

/* Sends one message.  0 or -1 with errno set (no err: usable in the child
 * where the error itself may be what is being sent). */
int glass_sync_send(int fd, uint32_t type, const void *payload, size_t len);

/* Receives one message into buf (payload only).  Returns the payload length,
 * 0 with *type = 0 on EOF, -1 with errno on failure. */
ssize_t glass_sync_recv(int fd, uint32_t *type, void *buf, size_t size);

/* The host pid (as seen from this process's pid namespace) of the sender
 * of the last message glass_sync_recv() returned, or 0 when unknown. */
pid_t glass_sync_last_sender(void);

/* Waits for a message of type `want`, relaying trace events and step
 * answers meanwhile.  An ERROR message becomes *err (with the child's
 * frames) and -1; EOF becomes "container process exited during setup".
 * On success copies the payload into buf and its length into *len (either
 * may be NULL). */
int glass_sync_expect(int fd, uint32_t want, void *buf, size_t size, size_t *len,
                      struct glass_err **err);

/* Relays trace events and step answers until EOF (the child's end is
 * close-on-exec: EOF means it executed its process).  An ERROR message
 * becomes *err and -1; other messages are ignored. */
int glass_sync_pump_until_eof(int fd, struct glass_err **err);

/* Child side: sends the error and returns.  The caller then _exit()s. */
void glass_sync_send_error(int fd, const struct glass_err *err);

#endif

/* fdpass: handing a file descriptor to another process over a unix socket.
 *
 * The kernel duplicates an fd sent as SCM_RIGHTS ancillary data into the
 * receiver, which gets a new number for the same open file.  glass passes
 * the pty master to --console-socket this way, and the seccomp notify fd
 * from the container's child to the runtime and on to the listener.
 */
#ifndef GLASS_FDPASS_H
#define GLASS_FDPASS_H

#include <stddef.h>

/* Sends `fd` with `len` bytes of `data` (at least one byte travels: a
 * zero byte when len is 0) over the connected unix socket `sock`.
 * 0, or -1 with errno. */
int glass_fd_send(int sock, int fd, const void *data, size_t len);

/* Receives one message and the fd it carries (close-on-exec), copying up
 * to `size` payload bytes into `data`.  Returns the fd, or -1 with errno
 * (EPIPE: the peer closed; EBADMSG: a message without an fd). */
int glass_fd_recv(int sock, void *data, size_t size);

#endif

/* console: the container's terminal.
 *
 * A pseudo-terminal is a pair: the master, held by whoever plays the
 * terminal (the caller's terminal through a relay, or a client such as
 * containerd's shim or conmon, which receives the master over a unix
 * socket as SCM_RIGHTS ancillary data: --console-socket), and the slave,
 * which becomes the process's stdin/stdout/stderr and controlling
 * terminal (setsid, then ioctl TIOCSCTTY) and is bind-mounted on
 * /dev/console inside the container.
 */
#ifndef GLASS_CONSOLE_H
#define GLASS_CONSOLE_H

#include "err.h"
#include "fdpass.h"

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

/* Opens a new pty pair from /dev/ptmx: *master (O_CLOEXEC) and the slave
 * path (malloc'd).  The slave is opened by the child. */
int glass_console_open_pty(int *master, char **slave_path, struct glass_err **err);

/* Sets the terminal size of `fd` (rows, cols); 0 values are ignored. */
int glass_console_set_size(int fd, unsigned rows, unsigned cols, struct glass_err **err);
/* Copies the size of terminal `from` to `to` (SIGWINCH). */
void glass_console_copy_size(int from, int to);

/* Child side: opens the slave, makes it the controlling terminal of the
 * (new) session and dups it onto 0, 1 and 2. */
int glass_console_attach(const char *slave_path, struct glass_err **err);

/* Connects to the unix socket `path` and sends `fd` as SCM_RIGHTS (with
 * its name as payload, as runc does). */
int glass_console_send_fd(const char *socket_path, int fd, const char *name,
                          struct glass_err **err);

/* Puts terminal `fd` in raw mode, saving its settings; false when `fd` is
 * not a terminal. */
bool glass_console_raw(int fd, struct termios *saved);
void glass_console_restore(int fd, const struct termios *saved);

#endif

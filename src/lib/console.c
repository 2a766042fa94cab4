/* console: see console.h. */
#include "console.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int glass_console_open_pty(int *master, char **slave_path, struct glass_err **err)
{
	char name[128];
	int fd = glass_sys_openat(AT_FDCWD, NULL, "/dev/ptmx", O_RDWR | O_NOCTTY, 0,
	                          "process.terminal", err);
	if (fd < 0)
		return -1;
	if (GLASS_SYS(err, "unlockpt", "process.terminal", unlockpt(fd), "%d</dev/ptmx>", fd) < 0 ||
	    GLASS_SYS(err, "ptsname", "process.terminal",
	              ptsname_r(fd, name, sizeof(name)) ? -1 : 0, "%d</dev/ptmx>", fd) < 0) {
		close(fd);
		return -1;
	}
	*master = fd;
	*slave_path = xstrdup(name);
	return 0;
}

int glass_console_set_size(int fd, unsigned rows, unsigned cols, struct glass_err **err)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	if (rows == 0 && cols == 0)
		return 0;
	if (GLASS_SYS(err, "ioctl", "process.consoleSize", ioctl(fd, TIOCSWINSZ, &ws),
	              "%d, TIOCSWINSZ, {rows=%u, cols=%u}", fd, rows, cols) < 0)
		return -1;
	return 0;
}

void glass_console_copy_size(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

int glass_console_attach(const char *slave_path, struct glass_err **err)
{
	int fd = glass_sys_openat(AT_FDCWD, NULL, slave_path, O_RDWR, 0, "process.terminal", err);
	if (fd < 0)
		return -1;
	if (GLASS_SYS(err, "ioctl", "process.terminal", ioctl(fd, TIOCSCTTY, 0),
	              "%d<%s>, TIOCSCTTY, 0", fd, slave_path) < 0)
		goto fail;
	for (int i = 0; i < 3; i++)
		if (GLASS_SYS(err, "dup3", "process.terminal", dup3(fd, i, 0), "%d<%s>, %d", fd,
		              slave_path, i) < 0)
			goto fail;
	if (fd > 2)
		close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int glass_console_send_fd(const char *socket_path, int fd, const char *name, struct glass_err **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int sock = -1;
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return glass_err_new(err, ENAMETOOLONG, "console socket path %s", socket_path);
	strcpy(addr.sun_path, socket_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return glass_err_new(err, errno, "socket(AF_UNIX)");
	if (GLASS_SYS(err, "connect", "--console-socket",
	              connect(sock, (struct sockaddr *)&addr, sizeof(addr)), "\"%s\"",
	              socket_path) < 0)
		return glass_err_hint(err, "--console-socket must name a listening unix socket");
	if (GLASS_SYS(err, "sendmsg", "--console-socket",
	              glass_fd_send(sock, fd, name, strlen(name)), "\"%s\", SCM_RIGHTS [%d<%s>]",
	              socket_path, fd, name) < 0)
		return -1;
	return 0;
}

bool glass_console_raw(int fd, struct termios *saved)
{
	struct termios t;
	if (tcgetattr(fd, saved) < 0)
		return false;
	t = *saved;
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
	return true;
}

void glass_console_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSANOW, saved);
}

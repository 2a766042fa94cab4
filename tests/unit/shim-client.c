/* shim-client: the client library (src/shim/client.h) from the shell, for
 * tests/integration/t-shim.sh.
 *   shim-client status STATE      the status JSON ("dead" when the shim is gone)
 *   shim-client wait STATE        the same after glass_shim_wait
 *   shim-client run STATE ID BUNDLE RUNTIME ROOT
 *       glass_shim_start_attached (glass-shim from $GLASS_SHIM): the
 *       container's stdout frames to stdout, its stderr frames to stderr,
 *       until the stream ends; exit status 0 when the frames were whole. */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(struct glass_err **err)
{
	char *msg = glass_err_format(*err);
	fprintf(stderr, "shim-client: %s\n", msg);
	free(msg);
	glass_err_free(err);
	return 1;
}

static int read_full(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

/* Copies stdcopy frames to stdout/stderr; 0 at a clean end, -1 on a cut frame. */
static int demux(int fd)
{
	unsigned char hdr[8], buf[65536];
	uint32_t len;
	int r, stream;
	while ((r = read_full(fd, hdr, 8)) == 1) {
		if ((stream = glass_wire_stdcopy_parse(hdr, &len)) < 1 || len > sizeof(buf) ||
		    read_full(fd, buf, len) != 1)
			return -1;
		fwrite(buf, 1, len, stream == 1 ? stdout : stderr);
		fflush(stream == 1 ? stdout : stderr);
	}
	return r;
}

static int run(char **argv)
{
	struct glass_shim_opts o = {.state_dir = argv[0],
	                            .id = argv[1],
	                            .bundle = argv[2],
	                            .runtime = argv[3],
	                            .runtime_root = argv[4],
	                            .shim = getenv("GLASS_SHIM")};
	struct glass_err *err = NULL;
	pid_t pid;
	int fd;
	if (glass_shim_start_attached(&o, false, true, true, &pid, &fd, &err) < 0)
		return fail(&err);
	int r = demux(fd);
	close(fd);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct glass_shim_status st;
	struct glass_err *err = NULL;
	if (argc == 7 && !strcmp(argv[1], "run"))
		return run(argv + 2);
	if (argc != 3 || (strcmp(argv[1], "status") && strcmp(argv[1], "wait"))) {
		fprintf(
		    stderr,
		    "usage: shim-client status|wait STATE | run STATE ID BUNDLE RUNTIME ROOT\n");
		return 2;
	}
	int r = !strcmp(argv[1], "wait") ? glass_shim_wait(argv[2], &st, &err)
	                                 : glass_shim_status(argv[2], &st, &err);
	if (r < 0)
		return fail(&err);
	char *json = glass_wire_status_json(&st);
	printf("%s\n", json);
	free(json);
	return 0;
}

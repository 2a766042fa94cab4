/* shim-status STATE_DIR [wait]: prints what the client library
 * (src/shim/client.h) makes of a container's state directory, as the
 * status JSON; with `wait`, after glass_shim_wait.  For t-shim.sh. */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct glass_shim_status st;
	struct glass_err *err = NULL;
	if (argc < 2) {
		fprintf(stderr, "usage: shim-status STATE_DIR [wait]\n");
		return 2;
	}
	int r = argc > 2 && !strcmp(argv[2], "wait") ? glass_shim_wait(argv[1], &st, &err)
	                                             : glass_shim_status(argv[1], &st, &err);
	if (r < 0) {
		char *msg = glass_err_format(err);
		fprintf(stderr, "shim-status: %s\n", msg);
		free(msg);
		glass_err_free(&err);
		return 1;
	}
	char *json = glass_wire_status_json(&st);
	printf("%s\n", json);
	free(json);
	return 0;
}

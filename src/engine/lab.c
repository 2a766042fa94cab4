/* glass lab: the interactive lab in the browser (src/lab/).
 *
 *   glass lab [--listen ADDR:PORT] [--allow-remote]
 *
 * Serves the lab on 127.0.0.1:7777 by default (port 0: any free port) and
 * prints the URL to open, token included.  `glass lab --worker KIND PARAMS`
 * is the lab's own worker process (one per experiment), not for users. */
#include "engine.h"
#include "lab.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LAB_USAGE "glass lab [--listen ADDR:PORT] [--allow-remote]"

int cmd_lab(int argc, char **argv);

int cmd_lab(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"allow-remote", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct glass_lab_opts opts = {0};
	struct glass_err *err = NULL;
	int c;

	if (argc == 4 && strcmp(argv[1], "--worker") == 0)
		return glass_lab_worker(argv[2], argv[3]);
	if (argc == 2 && strcmp(argv[1], "--docs") == 0) {
		glass_lab_print_docs();
		return 0;
	}

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opts.listen = optarg;
			break;
		case 'r':
			opts.allow_remote = true;
			break;
		case 'h':
			printf("usage: %s\n", LAB_USAGE);
			printf("  --listen ADDR:PORT  where to listen (default 127.0.0.1:7777; "
			       "port 0 picks a free one)\n");
			printf("  --allow-remote      allow a non-loopback address (prints the "
			       "token to use)\n");
			return 0;
		default:
			return engine_usage(LAB_USAGE, "lab: bad option");
		}
	}
	if (optind != argc)
		return engine_usage(LAB_USAGE, "lab: unexpected argument \"%s\"", argv[optind]);
	if (geteuid() != 0) {
		fprintf(stderr,
		        "glass lab: the lab makes real containers and needs root "
		        "(try: sudo %s lab)\n",
		        argv[0]);
		return 1;
	}
	if (glass_lab_serve(&opts, &err) < 0)
		return engine_fail(&err);
	return 0;
}

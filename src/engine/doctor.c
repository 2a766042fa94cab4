/* glass doctor: what this host's kernel can show, each check a real probe.
 *
 *   glass doctor [--format text|json]
 *
 * Prints the report of the library's doctor (src/lib/doctor.h): for each
 * feature the test it ran, the result, and where something is missing
 * what the lab cannot show and how to get it.  Exits 0 (the report is the
 * answer, whatever it says), 125 on a usage error. */
#include "doctor.h"
#include "engine.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DOCTOR_USAGE "glass doctor [--format text|json]"

int cmd_doctor(int argc, char **argv);

int cmd_doctor(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return engine_usage(
				    DOCTOR_USAGE, "doctor: --format: want text or json, not \"%s\"",
				    optarg);
			json = !strcmp(optarg, "json");
			break;
		case 'h':
			printf("usage: %s\n", DOCTOR_USAGE);
			printf("  --format text|json  the report as text (default) or JSON\n");
			printf(
			    "\nEach check probes this kernel for real (statfs, unshare in a child, "
			    "an\n"
			    "overlay mount in a child's mount namespace, seccomp flags the kernel\n"
			    "recognises) and says what the lab cannot show where something is "
			    "missing.\n");
			return 0;
		default:
			return engine_usage(DOCTOR_USAGE, "doctor: bad option");
		}
	}
	if (optind != argc)
		return engine_usage(DOCTOR_USAGE, "doctor: unexpected argument \"%s\"",
		                    argv[optind]);
	cleanup_free char *report = glass_doctor_report_json();
	if (json) {
		fputs(report, stdout);
		putchar('\n');
		return 0;
	}
	cleanup_free char *text =
	    glass_doctor_report_text(report, isatty(1) && !getenv("NO_COLOR"));
	fputs(text, stdout);
	return 0;
}

/* engine: what every verb of `glass` shares: how an error and a usage
 * message are printed, and where the program lives. */
#include "engine.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int engine_fail(struct glass_err **err)
{
	glass_err_report("glass", *err, -1, 0);
	glass_err_free(err);
	return 1;
}

/* True while a verb runs for `glass VERB --help`.  A verb that does not
 * parse --help itself rejects it as an unknown option through
 * engine_usage(), which then prints the usage on stdout and succeeds: every
 * verb answers --help (the man page and completions are made from it). */
static bool help_asked;

void engine_set_help_asked(bool asked)
{
	help_asked = asked;
}

int engine_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;
	if (help_asked && usage) {
		printf("usage: %s\n", usage);
		return 0;
	}
	va_start(ap, fmt);
	fputs("glass: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (usage)
		fprintf(stderr, "usage: %s\n", usage);
	return 125;
}

const char *engine_exe_dir(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		if (n <= 0)
			snprintf(dir, sizeof(dir), ".");
		else
			dir[n] = '\0';
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir)
			*slash = '\0';
	}
	return dir;
}

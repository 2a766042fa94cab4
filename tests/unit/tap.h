/* A tiny TAP producer for the C unit tests: ok/not ok lines, a plan at
 * the end, exit status 1 when anything failed.  Usage:
 *   TAP_OK(cond, "name %d", i);  ...  return tap_done(); */
#ifndef GLASS_TAP_H
#define GLASS_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...)                                                                          \
	do {                                                                                       \
		int _c = !!(cond);                                                                 \
		printf("%sok %d - ", _c ? "" : "not ", ++tap_n);                                   \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!_c) {                                                                         \
			tap_failed++;                                                              \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
		}                                                                                  \
	} while (0)

#define TAP_SKIP(reason, ...)                                                                      \
	do {                                                                                       \
		printf("ok %d - ", ++tap_n);                                                       \
		printf(__VA_ARGS__);                                                               \
		printf(" # SKIP %s\n", reason);                                                    \
	} while (0)

/* True in the sanitizer lane's build (-fsanitize=address): its runtime
 * makes syscalls of its own, which a strict seccomp allow-list kills. */
#if defined(__SANITIZE_ADDRESS__)
#define TAP_SANITIZED 1
#else
#define TAP_SANITIZED 0
#endif
#define TAP_SANITIZED_WHY                                                                          \
	"sanitizer build: ASan's runtime makes syscalls outside the test's allow-list"

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

/* fuzz-spec: libFuzzer target for the config.json parser (untrusted
 * input: a bundle may come from anyone).  Each input is parsed as a whole
 * config.json and as a process.json; the parser must never crash, leak or
 * read out of bounds, and every rejection must name an operation.
 *
 * Not part of the default build (it needs clang's -fsanitize=fuzzer).
 * Build and run from the top of the checkout:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Isrc/lib -I/usr/include/json-c tests/fuzz/fuzz-spec.c \
 *     src/lib/spec.c src/lib/spec-json.c src/lib/spec-names.c \
 *     src/lib/spec-process.c src/lib/spec-linux.c src/lib/spec-resources.c \
 *     src/lib/spec-default.c src/lib/spec-features.c src/lib/err.c src/lib/util.c \
 *     -ljson-c -lseccomp -o /tmp/fuzz-spec
 *   cp -r ../shared/specs/runtime-spec/schema/test/config /tmp/fuzz-spec-corpus
 *   /tmp/fuzz-spec -max_total_time=60 -max_len=16384 /tmp/fuzz-spec-corpus
 */
#include "spec.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glass_err *err = NULL;
	struct glass_spec *s;
	struct glass_process p;

	s = glass_spec_parse((const char *)data, size, &err);
	if (s == NULL && (err == NULL || err->op == NULL))
		abort(); /* a rejection must say why */
	glass_spec_free(s);
	glass_err_free(&err);
	if (glass_spec_parse_process((const char *)data, size, &p, &err) == 0)
		glass_process_clear(&p);
	else if (err == NULL)
		abort();
	glass_err_free(&err);
	return 0;
}

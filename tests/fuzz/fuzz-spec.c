/* fuzz-spec: libFuzzer target for the config.json parser (untrusted
 * input: a bundle may come from anyone).  Each input is parsed as a whole
 * config.json and as a process.json; the parser must never crash, leak or
 * read out of bounds, and every rejection must name an operation.
 *
 * Built with -Dfuzzers=true (tests/fuzz/meson.build, CC=clang), from the
 * library's own source lists.  Run, e.g.:
 *
 *   build-fuzz/tests/fuzz/fuzz-spec -max_total_time=60 CORPUS_DIR
 *
 * (a corpus to start from: ../shared/specs/runtime-spec/schema/test/config)
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

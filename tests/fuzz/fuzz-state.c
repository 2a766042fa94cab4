/* fuzz-state: libFuzzer target for the runtime's own record,
 * ROOT/ID/state.json: what glass-runtime reads back on every state, list,
 * kill and delete, and what a full disk or a crash may leave truncated.
 * A record that does not parse must be an error saying so (list shows
 * it, delete --force recovers), never a crash or a read past the text.
 *
 *   build-fuzz/tests/fuzz/fuzz-state -max_total_time=60 tests/fuzz/corpus/fuzz-state
 */
#include "state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glass_err *err = NULL;
	struct glass_state *st = NULL;
	/* Not NUL-terminated: the parser must keep to the length. */
	char *text = malloc(size ? size : 1);
	memcpy(text, data, size);
	if (glass_state_parse(text, size, "state.json", "fuzz", &st, &err) == 0) {
		char *oci = glass_state_oci_json(st, GLASS_STATUS_RUNNING, false);
		free(oci);
		glass_state_free(st);
	} else if (err == NULL || !glass_state_is_corrupt(err)) {
		abort(); /* a rejection without the corrupt error */
	}
	glass_err_free(&err);
	free(text);
	return 0;
}

/* fuzz-lab-api: libFuzzer target for the bodies of the lab's HTTP API
 * (src/lab/api.c), which anyone who can reach the lab's port may send.
 * Each input is one body, taken through what the server does with it:
 * lab_body_parse() (every POST), lab_exp_params() (POST /api/experiments:
 * the kind, and that kind's check of every field), and every kind's
 * action check (POST .../action).  None may crash, leak or read past the
 * body, and:
 *   - a refused body gets a JSON error document {"error": "..."} with
 *     status 400, never an empty reason;
 *   - an accepted action is one line (the worker's control pipe reads
 *     lines: a newline in it would be a second command) of JSON.
 * Nothing is started: the experiment itself is not run.
 *
 *   build-fuzz/tests/fuzz/fuzz-lab-api -max_total_time=60 tests/fuzz/corpus/fuzz-lab-api
 */
#include "lab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* `out` is {"error": non-empty string}; frees it. */
static void check_error(char *out)
{
	json_object *o = out ? json_tokener_parse(out) : NULL, *e;
	if (!o || !json_object_object_get_ex(o, "error", &e) ||
	    !json_object_is_type(e, json_type_string) || json_object_get_string_len(e) == 0)
		abort();
	json_object_put(o);
	free(out);
}

static void check_actions(json_object *req)
{
	if (!json_object_is_type(req, json_type_object))
		return; /* lab_exp_action refuses it before the kind sees it */
	for (size_t m = 0; m < lab_nmodules; m++)
		for (size_t k = 0; k < lab_modules[m]->nkinds; k++) {
			const struct lab_kind *kind = &lab_modules[m]->kinds[k];
			char why[LAB_WHY_SIZE] = "";
			if (!kind->action)
				continue;
			char *line = kind->action(req, why);
			if (!line) {
				if (!why[0])
					abort(); /* refused without naming the field */
				continue;
			}
			json_object *o = json_tokener_parse(line);
			if (strchr(line, '\n') || !o)
				abort();
			json_object_put(o);
			free(line);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	/* Not NUL-terminated, as libmicrohttpd hands the body over. */
	char *body = malloc(size ? size : 1);
	memcpy(body, data, size);
	json_object *req = lab_body_parse(body, size, true, &out);
	free(body);
	if (!req) {
		check_error(out);
		return 0;
	}
	const struct lab_kind *kind = NULL;
	int status = 0;
	json_object *p = lab_exp_params(req, &kind, &status, &out);
	if (p) {
		if (!kind || out)
			abort();
		json_object_put(p);
	} else {
		if (status != 400)
			abort();
		check_error(out);
	}
	check_actions(req);
	json_object_put(req);
	return 0;
}

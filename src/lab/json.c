/*
 * The lab's JSON answers: every body the server sends is built here or by
 * json-c directly, never by pasting strings, so a value the learner typed
 * can never break the document (or be echoed into it unescaped).
 */
#include "lab.h"
#include "util.h"

#include <stdarg.h>

char *lab_json_steal(json_object *o)
{
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

char *lab_json_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	return lab_json_steal(o);
}

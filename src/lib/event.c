/* event: see event.h. */
#include "event.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct json_object *event_json(const char *type, const char *action, const char *id,
                                      const char *const *attrs)
{
	struct json_object *o = json_object_new_object(), *actor = json_object_new_object(),
	                   *at = json_object_new_object();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	for (size_t i = 0; attrs && attrs[i]; i += 2)
		if (attrs[i + 1])
			json_object_object_add(at, attrs[i], json_object_new_string(attrs[i + 1]));
	if (strcmp(type, "container") == 0) { /* the fields of API < 1.22 */
		json_object_object_add(o, "status", json_object_new_string(action));
		json_object_object_add(o, "id", json_object_new_string(id));
		struct json_object *img = json_object_object_get(at, "image");
		if (img)
			json_object_object_add(o, "from", json_object_get(img));
	}
	json_object_object_add(o, "Type", json_object_new_string(type));
	json_object_object_add(o, "Action", json_object_new_string(action));
	json_object_object_add(actor, "ID", json_object_new_string(id));
	json_object_object_add(actor, "Attributes", at);
	json_object_object_add(o, "Actor", actor);
	json_object_object_add(o, "scope", json_object_new_string("local"));
	json_object_object_add(o, "time", json_object_new_int64((int64_t)ts.tv_sec));
	json_object_object_add(o, "timeNano",
	                       json_object_new_int64((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec));
	return o;
}

int glass_event_write(int dirfd, const char *path, const char *type, const char *action,
                      const char *id, const char *const *attrs)
{
	struct json_object *o = event_json(type, action, id, attrs);
	cleanup_free char *line =
	    xasprintf("%s\n", json_object_to_json_string_ext(
	                          o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_size > EVENT_LOG_MAX) {
		cleanup_free char *old = xasprintf("%s.1", path);
		renameat(dirfd, path, dirfd, old);
	}
	return write_all(fd, line, strlen(line));
}

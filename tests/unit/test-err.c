/* Unit tests of the error chain: formatting, JSON, and the pack/unpack
 * round trip that carries a child's error to its parent. */
#include "err.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int failing_op(struct glass_err **err)
{
	return glass_err_field(err, EINVAL, "root.path", "pivot_root(\"%s\", \"%s\")", "/r",
	                       "/r/.old");
}

/* glass_err_move: the one way an error goes up from a local. */
static void test_move(void)
{
	struct glass_err *e = NULL, *dst = NULL;
	glass_err_new(&e, ENOENT, "open(\"a\")");
	errno = EBUSY;
	TAP_OK(glass_err_move(NULL, &e) == -1 && e == NULL && errno == EBUSY,
	       "move to NULL frees the error, keeps errno");
	glass_err_new(&e, ENOENT, "open(\"b\")");
	glass_err_new(&dst, EPERM, "old");
	TAP_OK(glass_err_move(&dst, &e) == -1 && e == NULL && dst && dst->errnum == ENOENT &&
	           strcmp(dst->op, "open(\"b\")") == 0,
	       "move replaces (and frees) what the destination held");
	TAP_OK(glass_err_move(&dst, &e) == -1 && dst && dst->errnum == ENOENT,
	       "moving an empty error leaves the destination as it was");
	glass_err_free(&dst);
	TAP_OK(glass_err_move(NULL, NULL) == -1, "move(NULL, NULL) is safe");
}

int main(void)
{
	struct glass_err *err = NULL;
	char *s, *j, buf[4096];
	struct glass_err *back;
	size_t n;

	TAP_OK(failing_op(&err) == -1, "failing op returns -1");
	glass_err_ctx(&err, "rootfs");
	glass_err_ctx(&err, "create %s", "web");
	glass_err_hint(&err, "the new root must be a mount point");
	s = glass_err_format(err);
	TAP_OK(strncmp(s, "create web: rootfs: pivot_root(\"/r\", \"/r/.old\"): Invalid argument",
	               64) == 0,
	       "format chains frames outermost first: %s", s);
	TAP_OK(strstr(s, "(config: root.path)") != NULL, "format names the field");
	TAP_OK(strstr(s, "hint: the new root must be a mount point") != NULL,
	       "format shows the hint");
	j = glass_err_to_json(err);
	TAP_OK(strstr(j, "\"errname\":\"EINVAL\"") != NULL, "json has errname: %s", j);
	TAP_OK(strstr(j, "\"field\":\"root.path\"") != NULL, "json has field");
	n = glass_err_pack(err, buf, sizeof(buf));
	back = glass_err_unpack(buf, n);
	TAP_OK(back->errnum == EINVAL && back->nframes == 2 &&
	           strcmp(back->frames[1], "create web") == 0,
	       "pack/unpack keeps errno and frames");
	TAP_OK(back->hint && strcmp(back->hint, err->hint) == 0, "pack/unpack keeps the hint");
	n = glass_err_pack(err, buf, 20);
	glass_err_free(&back);
	back = glass_err_unpack(buf, n);
	TAP_OK(back != NULL && back->errnum == EINVAL, "a truncated pack still unpacks");
	glass_err_free(&back);
	glass_err_free(&err);
	TAP_OK(err == NULL, "free resets the pointer");
	TAP_OK(glass_err_ctx(&err, "nothing") == -1 && err == NULL, "ctx on no error is a no-op");
	free(s);
	free(j);
	test_move();
	return tap_done();
}

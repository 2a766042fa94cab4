/* Unit tests of the compiled-filter cache (seccomp-cache.c): a profile
 * compiled once is found again, byte for byte the same program and
 * behaving the same in the kernel; any other input (one errnoRet, one
 * name) misses; an entry that is not private to us, is a symlink, or was
 * altered is never used; uncacheable compiles are not kept. */
#include "seccomp-internal.h"
#include "seccomp.h"
#include "spec.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[] = "/tmp/glass-test-seccomp-cache.XXXXXX";

static struct glass_spec *parse(const char *profile)
{
	struct glass_err *err = NULL;
	cleanup_free char *doc = xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
	                                   "\"linux\":{\"seccomp\":%s}}",
	                                   profile);
	struct glass_spec *spec = glass_spec_parse(doc, strlen(doc), &err);
	glass_err_free(&err);
	return spec;
}

static const char prof_a[] =
    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
    "\"syscalls\":[{\"names\":[\"getcwd\",\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\","
    "\"errnoRet\":38}]}";
/* the same but for errnoRet (crun once forgot such a field in its key) */
static const char prof_b[] =
    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
    "\"syscalls\":[{\"names\":[\"getcwd\",\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\","
    "\"errnoRet\":39}]}";
static const char prof_unknown[] =
    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_call_xyz\","
    "\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";

/* prepare() through the cache; *hit: it did not compile. */
static struct glass_seccomp_prog *prepare(const char *profile)
{
	struct glass_err *err = NULL;
	struct glass_seccomp_prog *prog = NULL;
	struct glass_spec *spec = parse(profile);
	if (spec && glass_seccomp_prepare(spec, NULL, root, &prog, &err) < 0)
		glass_err_free(&err);
	glass_spec_free(spec);
	return prog;
}

static int lookup(const char *profile, struct glass_seccomp_prog **out, char *name)
{
	struct glass_spec *spec = parse(profile);
	int hit = spec ? glass_seccomp_cache_load(root, &spec->linux_.seccomp, out, name, 32) : -1;
	glass_spec_free(spec);
	return hit;
}

/* The errno getcwd fails with under prog, in a child. */
static int getcwd_errno(struct glass_seccomp_prog *prog)
{
	pid_t pid = fork();
	int st;
	if (pid == 0) {
		struct glass_err *e = NULL;
		char buf[64];
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (glass_seccomp_load(prog, &e) < 0)
			_exit(255);
		_exit(syscall(SYS_getcwd, buf, sizeof(buf)) < 0 ? errno : 0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool same_prog(const struct glass_seccomp_prog *a, const struct glass_seccomp_prog *b)
{
	return a && b && a->len == b->len && a->flags == b->flags &&
	       memcmp(a->insns, b->insns, a->len * sizeof(*a->insns)) == 0;
}

static void test_hit_and_miss(void)
{
	char name[32];
	struct glass_seccomp_prog *cached = NULL, *other = NULL;
	TAP_OK(lookup(prof_a, &cached, name) == 0, "empty cache: a miss");
	struct glass_seccomp_prog *compiled = prepare(prof_a);
	TAP_OK(compiled != NULL, "the profile compiles");
	TAP_OK(lookup(prof_a, &cached, name) == 1, "compiled once: the same profile hits (%s)",
	       name);
	TAP_OK(same_prog(compiled, cached),
	       "the cached program is the compiled one, byte for byte");
	TAP_OK(cached && getcwd_errno(cached) == 38, "the cached program fails getcwd with 38");
	TAP_OK(lookup(prof_b, &other, name) == 0 && other == NULL,
	       "another errnoRet, otherwise the same profile: a miss");
	struct glass_seccomp_prog *b = prepare(prof_b);
	TAP_OK(b && getcwd_errno(b) == 39, "and compiled, it fails getcwd with 39");
	glass_seccomp_free(b);
	glass_seccomp_free(compiled);
	glass_seccomp_free(cached);
}

static int entry_fd(const char *name, int flags)
{
	cleanup_free char *p = xasprintf("%s/.seccomp-cache/%s", root, name);
	return open(p, flags | O_CLOEXEC);
}

static void test_untrusted_entries(void)
{
	char name[32];
	struct glass_seccomp_prog *p = NULL;
	lookup(prof_a, &p, name);
	glass_seccomp_free(p);
	p = NULL;
	cleanup_free char *path = xasprintf("%s/.seccomp-cache/%s", root, name);
	cleanup_free char *dir = xasprintf("%s/.seccomp-cache", root);

	chmod(path, 0644);
	TAP_OK(lookup(prof_a, &p, name) == 0, "an entry readable by others is not used");
	chmod(path, 0600);
	chmod(dir, 0755);
	TAP_OK(lookup(prof_a, &p, name) == 0, "a cache directory open to others is not used");
	chmod(dir, 0700);
	TAP_OK(lookup(prof_a, &p, name) == 1, "restored: used again");
	glass_seccomp_free(p);
	p = NULL;

	/* a symlink to a good copy of the entry is not followed */
	cleanup_free char *copy = xasprintf("%s/copy", root);
	size_t len = 0;
	cleanup_free char *data = read_file_at(AT_FDCWD, path, &len);
	TAP_OK(data && write_file_atomic_at(AT_FDCWD, copy, data, len, 0600) == 0,
	       "a copy of the entry beside the cache");
	unlink(path);
	TAP_OK(symlink(copy, path) == 0 && lookup(prof_a, &p, name) == 0,
	       "a symlink to it in the cache is not followed");
	unlink(path);
	TAP_OK(rename(copy, path) == 0 && lookup(prof_a, &p, name) == 1,
	       "the copy itself, moved back: used");
	glass_seccomp_free(p);
	p = NULL;

	/* one bit of the program flipped: the checksum catches it */
	int fd = entry_fd(name, O_RDWR);
	struct stat st;
	unsigned char c = 0;
	bool flipped = fd >= 0 && fstat(fd, &st) == 0 && pread(fd, &c, 1, st.st_size - 3) == 1 &&
	               (c ^= 1, pwrite(fd, &c, 1, st.st_size - 3) == 1);
	if (fd >= 0)
		close(fd);
	TAP_OK(flipped && lookup(prof_a, &p, name) == 0, "an altered entry is not used");

	/* a compile that recompiles replaces what was refused */
	glass_seccomp_free(prepare(prof_a));
	TAP_OK(lookup(prof_a, &p, name) == 1, "compiled again: kept again");
	glass_seccomp_free(p);
}

static void test_not_kept(void)
{
	char name[32];
	struct glass_seccomp_prog *p = prepare(prof_unknown), *c = NULL;
	TAP_OK(p && p->nskipped == 1, "a profile with an unknown name compiles, skipping it");
	TAP_OK(lookup(prof_unknown, &c, name) == 0,
	       "and is not kept (its warning must be said every time)");
	glass_seccomp_free(p);
	glass_seccomp_free(c);
	struct glass_err *err = NULL;
	struct glass_spec *spec = parse(prof_a);
	TAP_OK(spec && glass_seccomp_cache_load(NULL, &spec->linux_.seccomp, &c, name, 32) == 0,
	       "no root: no cache");
	glass_spec_free(spec);
	glass_err_free(&err);
}

int main(void)
{
	if (!mkdtemp(root)) {
		TAP_SKIP("mkdtemp failed", "seccomp cache");
		return tap_done();
	}
	test_hit_and_miss();
	test_untrusted_entries();
	test_not_kept();
	cleanup_free char *cmd = xasprintf("rm -rf %s", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
	return tap_done();
}

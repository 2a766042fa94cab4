/* ctr-cache: what a long-lived engine process (glass serve) keeps of each
 * container between two lists, so that `docker ps` does not parse every
 * record and probe every shim through /proc again.
 *
 * Nothing kept is believed without a check that costs less than what it
 * saves:
 *   - a parsed record is reused only when record.json holds the very bytes
 *     it was parsed from (the file is read every time, and compared; its
 *     mtime or inode would not do: a rewrite within one coarse clock tick
 *     keeps the mtime, and a freed inode number is given out again);
 *   - a shim is held by a pidfd, opened once and checked to be a
 *     glass-shim then (the pid's comm after the pidfd pins it): the shim
 *     lives as long as the pidfd does not poll readable, a recycled pid
 *     cannot pass for it.
 *
 * A record is lent, not shared: json-c's reference counts are not atomic,
 * so one json_object must never be touched by two threads.  A list takes
 * the parsed record out of the cache (a second list at the same time
 * parses its own) and hands it back when it frees the list, when nothing
 * refers into it any more (ctr_summary() and the rows copy what they
 * keep).  Without ctr_cache_enable() (the one-shot CLI) nothing is kept. */
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct entry {
	char id[CTR_ID_LEN + 1];
	char *text;              /* record.json's bytes that `rec` was parsed from */
	struct json_object *rec; /* NULL while a list has it */
	pid_t shim;              /* the pid `pidfd` pins, 0 when none */
	int pidfd;
	char *cgroup; /* the cgroup whose freezer state `freezer` reads */
	int freezer;  /* freezer.state (v1) or cgroup.freeze (v2), read with pread */
	bool v2;
	bool seen; /* by the list that runs now (ctr_cache_sweep) */
	struct entry *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;
static size_t made; /* entries made since the last prune */
static bool enabled;

/* Entries made between two prunes: a server that runs containers and
 * never lists them keeps no more than that of removed ones (and their
 * fds). */
#define PRUNE_EVERY 32

void ctr_cache_enable(void)
{
	enabled = true;
}

bool ctr_cache_on(void)
{
	return enabled;
}

static void entry_free(struct entry *e);

/* Drops the entries of containers whose directory is gone (removed by
 * another process: the shim's `rm -f` of an --rm container). */
static void prune(void)
{
	for (struct entry **pp = &entries; *pp;) {
		struct entry *e = *pp;
		cleanup_free char *dir = ctr_dir_of(e->id);
		if (access(dir, F_OK) == 0 || errno != ENOENT) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		entry_free(e);
	}
	made = 0;
}

static struct entry *find(const char *id, bool make)
{
	for (struct entry *e = entries; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	if (!make)
		return NULL;
	if (++made > PRUNE_EVERY)
		prune();
	struct entry *e = xcalloc(1, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->pidfd = e->freezer = -1;
	e->next = entries;
	entries = e;
	return e;
}

static void drop_shim(struct entry *e)
{
	if (e->pidfd >= 0)
		close(e->pidfd);
	e->pidfd = -1;
	e->shim = 0;
}

static void drop_freezer(struct entry *e)
{
	if (e->freezer >= 0)
		close(e->freezer);
	e->freezer = -1;
	free(e->cgroup);
	e->cgroup = NULL;
}

static void entry_free(struct entry *e)
{
	drop_shim(e);
	drop_freezer(e);
	free(e->text);
	json_object_put(e->rec);
	free(e);
}

struct json_object *ctr_cache_take_record(const char *id, const char *text)
{
	struct json_object *rec = NULL;
	if (!enabled)
		return NULL;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, false);
	if (e && e->rec && e->text && strcmp(e->text, text) == 0) {
		rec = e->rec;
		e->rec = NULL;
	}
	pthread_mutex_unlock(&mu);
	return rec;
}

bool ctr_cache_give_record(const char *id, char *text, struct json_object *rec)
{
	if (!enabled || !text || !rec)
		return false;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, true);
	free(e->text);
	json_object_put(e->rec);
	e->text = text;
	e->rec = rec;
	pthread_mutex_unlock(&mu);
	return true;
}

/* A new pidfd for `pid` when it is a live glass-shim, -1 when it is not,
 * -2 when that cannot be told (no fd left: EMFILE). */
static int shim_pidfd(pid_t pid)
{
	char path[64], comm[32] = "";
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return errno == ESRCH || errno == EINVAL ? -1 : -2;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	cleanup_free char *c = read_file_at(AT_FDCWD, path, NULL);
	if (c)
		snprintf(comm, sizeof(comm), "%s", c);
	/* polled after the comm was read: still alive then, the comm was the
	 * pinned process's (a zombie's pidfd polls readable too) */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (strcmp(comm, "glass-shim\n") != 0 || poll(&p, 1, 0) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int ctr_cache_shim_alive(const char *id, pid_t pid)
{
	if (!enabled)
		return -1;
	if (pid <= 0)
		return 0;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, true);
	if (e->shim != pid)
		drop_shim(e);
	int fd = e->pidfd >= 0 ? e->pidfd : shim_pidfd(pid);
	if (fd == -2) {
		pthread_mutex_unlock(&mu);
		return -1;
	}
	e->pidfd = fd;
	e->shim = fd >= 0 ? pid : 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	bool alive = fd >= 0 && poll(&p, 1, 0) == 0;
	if (!alive) { /* exited: its pidfd is of no more use, nor its cgroup's file */
		drop_shim(e);
		drop_freezer(e);
	}
	pthread_mutex_unlock(&mu);
	return alive;
}

void ctr_cache_sweep(char *const *ids, size_t n)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&mu);
	for (struct entry *e = entries; e; e = e->next)
		e->seen = false;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = find(ids[i], false);
		if (e)
			e->seen = true;
	}
	/* a container that is gone: its entry (and pidfd) with it */
	for (struct entry **pp = &entries; *pp;) {
		struct entry *e = *pp;
		if (e->seen) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		entry_free(e);
	}
	pthread_mutex_unlock(&mu);
}

/* The cgroup's freezer file, v1's freezer.state else v2's cgroup.freeze
 * (ctr-store.c's frozen() reads the same two). */
static int open_freezer(struct entry *e, const char *cgroup)
{
	cleanup_free char *v1 = xasprintf("/sys/fs/cgroup/freezer%s/freezer.state", cgroup);
	cleanup_free char *v2 = xasprintf("/sys/fs/cgroup/unified%s/cgroup.freeze", cgroup);
	e->v2 = false;
	e->freezer = open(v1, O_RDONLY | O_CLOEXEC);
	if (e->freezer < 0 && errno != EMFILE && errno != ENFILE) {
		e->v2 = true;
		e->freezer = open(v2, O_RDONLY | O_CLOEXEC);
	}
	if (e->freezer < 0)
		return -1;
	e->cgroup = xstrdup(cgroup);
	return 0;
}

int ctr_cache_frozen(const char *id, const char *cgroup)
{
	char buf[32];
	ssize_t n = -1;
	if (!enabled)
		return -1;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, true);
	if (e->cgroup && strcmp(e->cgroup, cgroup) != 0)
		drop_freezer(e);
	/* a cgroup file read at offset 0 is generated anew (seq_file), so one
	 * open file serves every look; a removed cgroup's fails (ENODEV) */
	if (e->freezer >= 0 || open_freezer(e, cgroup) == 0)
		n = pread(e->freezer, buf, sizeof(buf) - 1, 0);
	bool v2 = e->v2;
	if (n < 0)
		drop_freezer(e);
	pthread_mutex_unlock(&mu);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (v2)
		return buf[0] == '1';
	return strncmp(buf, "FROZEN", 6) == 0 || strncmp(buf, "FREEZING", 8) == 0;
}

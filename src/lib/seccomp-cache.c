/* seccomp-cache: compiled filters kept in ROOT/.seccomp-cache, so that a
 * profile compiled once is not compiled again.
 *
 * libseccomp builds its rule database one syscall and one architecture at
 * a time: Docker's default profile (some 350 names on three
 * architectures) takes it about 20 ms of CPU, most of the runtime's own
 * time in `create`, for a program of a few thousand bytes.  crun keeps
 * the compiled program in its state root for the same reason; glass does
 * too, with these rules, since a wrong filter would be a hole:
 *  - an entry holds the whole input it was compiled from (every field of
 *    linux.seccomp, in order, length-prefixed) plus what else decides the
 *    program: this binary's build-id, libseccomp's version and API level,
 *    the native architecture.  A lookup compares all of it byte for byte;
 *    the file name (a hash of it) only spreads the entries, so a
 *    collision is a miss, never a wrong filter;
 *  - the directory and each entry must be owned by this euid and closed to
 *    group and others (0700, 0600), entries are regular files opened
 *    without following symlinks, written to a temporary name and renamed
 *    (a reader sees a whole entry or none), and a checksum over the entry
 *    must match;
 *  - only compiles that said nothing are kept: no unknown syscall name
 *    (its warning would be lost), no SCMP_ACT_NOTIFY (the listener is per
 *    container), no flag dropped;
 *  - at most CACHE_MAX entries: a new one evicts the oldest.
 * Any failure of the cache is a miss: the filter is compiled as before. */
#include "seccomp-internal.h"
#include "trace.h"
#include "util.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <libseccomp.h> /* libseccomp, see libseccomp.h */
#include <link.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define CACHE_DIR      ".seccomp-cache"
#define CACHE_MAX      32
#define CACHE_MAGIC    "GLSECBPF"
#define CACHE_MAX_SIZE (1 << 20)

struct entry_head {
	char magic[8];
	uint32_t key_len, ninsns;
	uint64_t flags;
	uint32_t default_action, nrules, nsame, pad;
	uint64_t sum; /* of the key and the program */
};

/* FNV-1a: the entry's name and checksum.  Not a defence (the key itself
 * is compared); it only has to spread names and catch a damaged file. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

struct build_id {
	const unsigned char *id;
	size_t len;
};

/* The main program's NT_GNU_BUILD_ID note, from its mapped headers. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	struct build_id *b = data;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr),
		           *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*n);
			const char *desc = name + ((n->n_namesz + 3) & ~3U);
			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4)) {
				b->id = (const unsigned char *)desc;
				b->len = n->n_descsz;
				return 1;
			}
			p = desc + ((n->n_descsz + 3) & ~3U);
		}
	}
	return 1; /* the first object is the program: look no further */
}

static void put_u64(struct strbuf *b, uint64_t v)
{
	strbuf_append(b, (const char *)&v, sizeof(v));
}

static void put_str(struct strbuf *b, const char *s)
{
	put_u64(b, s ? strlen(s) + 1 : 0);
	if (s)
		strbuf_append(b, s, strlen(s));
}

static void put_rule(struct strbuf *b, const struct glass_seccomp_rule *r)
{
	put_str(b, r->action);
	put_u64(b, r->has_errno_ret);
	put_u64(b, r->errno_ret);
	put_u64(b, r->nargs);
	for (size_t a = 0; a < r->nargs; a++) {
		put_u64(b, r->args[a].index);
		put_u64(b, r->args[a].value);
		put_u64(b, r->args[a].value_two);
		put_str(b, r->args[a].op);
	}
	put_u64(b, r->nnames);
	for (size_t n = 0; n < r->nnames; n++)
		put_str(b, r->names[n]);
}

/* Everything the compiled program depends on, as bytes; false when this
 * binary has no build-id (then nothing is cached). */
static bool cache_key(const struct glass_seccomp *sc, struct strbuf *b)
{
	struct build_id bid = {0};
	const struct scmp_version *v = seccomp_version();
	dl_iterate_phdr(find_build_id, &bid);
	if (!bid.len)
		return false;
	strbuf_printf(b, "glass seccomp cache 1\nlibseccomp %u.%u.%u api %u native %#x\nbuild-id ",
	              v->major, v->minor, v->micro, seccomp_api_get(), seccomp_arch_native());
	for (size_t i = 0; i < bid.len; i++)
		strbuf_printf(b, "%02x", bid.id[i]);
	strbuf_append(b, "\n", 1);
	put_str(b, sc->default_action);
	put_u64(b, sc->has_default_errno_ret);
	put_u64(b, sc->default_errno_ret);
	put_u64(b, sc->narchitectures);
	for (size_t i = 0; i < sc->narchitectures; i++)
		put_str(b, sc->architectures[i]);
	put_u64(b, sc->nflags);
	for (size_t i = 0; i < sc->nflags; i++)
		put_str(b, sc->flags[i]);
	put_str(b, sc->listener_path);
	put_str(b, sc->listener_metadata);
	put_u64(b, sc->nsyscalls);
	for (size_t i = 0; i < sc->nsyscalls; i++)
		put_rule(b, &sc->syscalls[i]);
	return true;
}

/* Owned by us and closed to everyone else: anything else is not ours. */
static bool private_to_us(int fd, mode_t type)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type && st.st_uid == geteuid() &&
	       (st.st_mode & 077) == 0 && (type != S_IFREG || st.st_nlink == 1);
}

static int open_dir(const char *root, bool create)
{
	cleanup_free char *path = xasprintf("%s/" CACHE_DIR, root);
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && !private_to_us(fd, S_IFDIR)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint64_t entry_sum(const struct entry_head *h, const char *key, const void *insns)
{
	struct entry_head z = *h;
	z.sum = 0;
	uint64_t s = fnv(FNV_INIT, &z, sizeof(z));
	s = fnv(s, key, h->key_len);
	return fnv(s, insns, h->ninsns * sizeof(struct sock_filter));
}

/* The entry's bytes as a program when they hold exactly `key`. */
static struct glass_seccomp_prog *parse_entry(const char *data, size_t len,
                                              const struct strbuf *key)
{
	struct entry_head h;
	if (len < sizeof(h))
		return NULL;
	memcpy(&h, data, sizeof(h));
	const char *k = data + sizeof(h), *insns = k + h.key_len;
	if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.key_len != key->len || h.ninsns == 0 ||
	    h.ninsns > BPF_MAXINSNS ||
	    len != sizeof(h) + h.key_len + h.ninsns * sizeof(struct sock_filter) ||
	    memcmp(k, key->buf, key->len) != 0 || entry_sum(&h, k, insns) != h.sum)
		return NULL;
	struct glass_seccomp_prog *prog = xcalloc(1, sizeof(*prog));
	prog->sock[0] = prog->sock[1] = prog->listener_fd = -1;
	prog->len = h.ninsns;
	prog->insns = xmalloc(h.ninsns * sizeof(struct sock_filter));
	memcpy(prog->insns, insns, h.ninsns * sizeof(struct sock_filter));
	prog->flags = (unsigned long)h.flags;
	prog->default_action = h.default_action;
	prog->nrules = h.nrules;
	prog->nsame = h.nsame;
	return prog;
}

int glass_seccomp_cache_load(const char *root, const struct glass_seccomp *sc,
                             struct glass_seccomp_prog **out, char *name, size_t size)
{
	struct strbuf key = STRBUF_INIT;
	struct stat st;
	*out = NULL;
	if (!root || !cache_key(sc, &key)) {
		strbuf_release(&key);
		return 0;
	}
	snprintf(name, size, "%016llx", (unsigned long long)fnv(FNV_INIT, key.buf, key.len));
	cleanup_close int dfd = open_dir(root, false);
	cleanup_close int fd =
	    dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && private_to_us(fd, S_IFREG) && fstat(fd, &st) == 0 &&
	    st.st_size <= CACHE_MAX_SIZE) {
		char *data = xmalloc((size_t)st.st_size + 1);
		ssize_t n = read(fd, data, (size_t)st.st_size + 1);
		if (n == st.st_size)
			*out = parse_entry(data, (size_t)n, &key);
		free(data);
	}
	strbuf_release(&key);
	return *out ? 1 : 0;
}

/* Keeps the directory at CACHE_MAX entries: the oldest go. */
static void evict(int dfd)
{
	for (;;) {
		cleanup_dir DIR *d = fdopendir(dup(dfd));
		struct dirent *e;
		char oldest[NAME_MAX + 1] = "";
		struct timespec t = {0};
		size_t n = 0;
		struct stat st;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.' || strchr(e->d_name, '.') ||
			    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			n++;
			if (!oldest[0] || st.st_mtim.tv_sec < t.tv_sec ||
			    (st.st_mtim.tv_sec == t.tv_sec && st.st_mtim.tv_nsec < t.tv_nsec)) {
				snprintf(oldest, sizeof(oldest), "%s", e->d_name);
				t = st.st_mtim;
			}
		}
		if (n <= CACHE_MAX || unlinkat(dfd, oldest, 0) < 0)
			return;
	}
}

void glass_seccomp_cache_store(const char *root, const struct glass_seccomp *sc,
                               const struct glass_seccomp_prog *prog)
{
	struct strbuf key = STRBUF_INIT, entry = STRBUF_INIT;
	char name[32];
	bool dropped = false;
	for (size_t i = 0; i < sc->nflags; i++)
		dropped =
		    dropped || (!strcmp(sc->flags[i], "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") &&
		                !(prog->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
	if (!root || !prog->insns || prog->nskipped || dropped ||
	    (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) || !cache_key(sc, &key)) {
		strbuf_release(&key);
		return;
	}
	struct entry_head h = {.key_len = (uint32_t)key.len,
	                       .ninsns = (uint32_t)prog->len,
	                       .flags = prog->flags,
	                       .default_action = prog->default_action,
	                       .nrules = (uint32_t)prog->nrules,
	                       .nsame = (uint32_t)prog->nsame};
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.sum = entry_sum(&h, key.buf, prog->insns);
	strbuf_append(&entry, (const char *)&h, sizeof(h));
	strbuf_append(&entry, key.buf, key.len);
	strbuf_append(&entry, (const char *)prog->insns, prog->len * sizeof(struct sock_filter));
	snprintf(name, sizeof(name), "%016llx",
	         (unsigned long long)fnv(FNV_INIT, key.buf, key.len));
	cleanup_close int dfd = open_dir(root, true);
	if (dfd >= 0 && write_file_atomic_at(dfd, name, entry.buf, entry.len, 0600) == 0) {
		glass_trace_note("seccomp", "linux.seccomp", "kept in %s/" CACHE_DIR "/%s", root,
		                 name);
		evict(dfd);
	}
	strbuf_release(&key);
	strbuf_release(&entry);
}

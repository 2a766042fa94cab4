/* exec-stub: the last program the container's init runs before its own.
 *
 * glass-runtime's child sets up the container as a forked copy of the
 * runtime, so until its execve /proc/PID/exe names the runtime's binary on
 * the host.  While it sets up, the child is non-dumpable: no container
 * process can open that link (it would need CAP_SYS_PTRACE in the host's
 * user namespace).  The remaining hole is the execve itself: a container
 * whose program is /proc/self/exe, or a script starting "#!/proc/self/exe",
 * would make the kernel run the runtime's host binary as the container's
 * process (CVE-2019-5736).  So the child does not exec the program itself:
 * it execs this stub from a sealed memfd, and the stub execs the program.
 * At that moment /proc/self/exe names the sealed stub, never the host
 * binary.  runc's "runc-dmz" took the same idea.
 *
 * Freestanding (no libc): a glibc program's startup alone costs more than
 * the whole stub, and there is nothing here worth linking it for.
 *
 *   argv: "glass-exec" SYNC_FD|- FIFO_FD|- FILTER_FD|- PATH ARG0 ARG1 ...
 *
 * SYNC_FD is the child's end of the sync socket (sync.h), left open across
 * the exec of the stub: the stub marks it close-on-exec, so the runtime
 * sees end-of-file exactly when the program has been executed.  "-" when
 * `create` has returned (it only waited for the stub to start): errors
 * then go to stderr.  FIFO_FD,
 * when given, is the exec fifo (read-write): the stub waits there for
 * `start` itself, so a created container's init is the sealed stub, not the
 * runtime (a process with CAP_SYS_PTRACE that joins it then finds nothing
 * of the host's).  FILTER_FD, when given, holds the container's seccomp
 * filter (u64 flags, u64 instruction count, the instructions): the stub
 * loads it after everything else, so the only system call made under the
 * filter is the execve (with noNewPrivileges: no capability is needed, and
 * a profile that allows only what the program needs still works; a
 * pre-5.9 profile without close_range, say).  When a step fails, the stub sends a GLASS_SYNC_ERROR
 * message (a packed glass_err: errno, op, field, hint, frames) and exits 1,
 * as the child itself would; if the runtime is gone (create returned), it
 * says why on stderr instead.
 */
#include <asm/unistd.h>
#include <stddef.h>

#define F_SETFD                 2
#define FD_CLOEXEC              1
#define MSG_NOSIGNAL            0x4000
#define PR_SET_NAME             15
#define GLASS_SYNC_ERROR        2
#define SECCOMP_SET_MODE_FILTER 1
#define BPF_MAXINSNS            4096

struct sock_filter {
	unsigned short code;
	unsigned char jt, jf;
	unsigned int k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};

#if defined(__x86_64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "	xor %rbp, %rbp\n"
        "	mov %rsp, %rdi\n"
        "	and $-16, %rsp\n"
        "	call stub_main\n"
        "	hlt\n");

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "	mov x29, #0\n"
        "	mov x30, #0\n"
        "	mov x0, sp\n"
        "	and sp, x0, #-16\n"
        "	bl stub_main\n"
        "	brk #0\n");

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
	                 : "+r"(x0)
	                 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
	                 : "memory");
	return x0;
}
#else
#error "exec-stub: no system call glue for this architecture"
#endif

#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

void stub_main(long *sp) __attribute__((noreturn, used));

/* Appends s (with its NUL when nul) to buf at *at, within size. */
static void put(char *buf, size_t size, size_t *at, const char *s, int nul)
{
	while (*s && *at < size - 1)
		buf[(*at)++] = *s++;
	if (nul && *at < size)
		buf[(*at)++] = '\0';
}

static void put_num(char *buf, size_t size, size_t *at, long v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 23);
	while (n && *at < size - 1)
		buf[(*at)++] = d[--n];
}

static long parse_fd(const char *s)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static const char *errname(long e)
{
	switch (e) {
	case 1:
		return "EPERM (Operation not permitted)";
	case 2:
		return "ENOENT (No such file or directory)";
	case 7:
		return "E2BIG (Argument list too long)";
	case 8:
		return "ENOEXEC (Exec format error)";
	case 12:
		return "ENOMEM (Cannot allocate memory)";
	case 13:
		return "EACCES (Permission denied)";
	case 20:
		return "ENOTDIR (Not a directory)";
	case 21:
		return "EISDIR (Is a directory)";
	case 26:
		return "ETXTBSY (Text file busy)";
	case 40:
		return "ELOOP (Too many levels of symbolic links)";
	case 80:
		return "ELIBBAD (Accessing a corrupted shared library)";
	default:
		return "(see errno(3))";
	}
}

static __attribute__((noreturn)) void quit(int code)
{
	sys3(__NR_exit_group, code, 0, 0);
	/* Only a seccomp filter that denies exit_group gets here: the
	 * single-thread exit, else die on an illegal instruction. */
	sys3(__NR_exit, code, 0, 0);
	__builtin_trap();
}

/* Reports a failed step as the child would (a GLASS_SYNC_ERROR message
 * on the sync socket: errno, op, field, hint, frames) or, when nobody
 * listens any more (create returned), on stderr; then exits 1. */
static __attribute__((noreturn)) void fail(long fd, long e, const char *op1, const char *op2,
                                           const char *op3, const char *field, const char *frame1,
                                           const char *frame2)
{
	char msg[4096];
	size_t at = 8; /* after the header: uint32 type, uint32 length */
	unsigned int hdr[2];

	put_num(msg, sizeof(msg), &at, e);
	put(msg, sizeof(msg), &at, "", 1);
	put(msg, sizeof(msg), &at, op1, 0);
	put(msg, sizeof(msg), &at, op2, 0);
	put(msg, sizeof(msg), &at, op3, 1);
	put(msg, sizeof(msg), &at, field, 1);
	put(msg, sizeof(msg), &at, "", 1); /* no hint */
	put(msg, sizeof(msg), &at, "1", 1);
	put(msg, sizeof(msg), &at, frame1, 0);
	put(msg, sizeof(msg), &at, frame2, 1);
	hdr[0] = GLASS_SYNC_ERROR;
	hdr[1] = (unsigned int)(at - 8);
	for (size_t i = 0; i < 8; i++)
		msg[i] = ((char *)hdr)[i];
	if (fd < 0 || sys6(__NR_sendto, fd, (long)msg, (long)at, MSG_NOSIGNAL, 0, 0) < 0) {
		at = 0;
		put(msg, sizeof(msg), &at, "glass-runtime: container init: ", 0);
		put(msg, sizeof(msg), &at, frame1, 0);
		put(msg, sizeof(msg), &at, frame2, 0);
		put(msg, sizeof(msg), &at, ": ", 0);
		put(msg, sizeof(msg), &at, op1, 0);
		put(msg, sizeof(msg), &at, op2, 0);
		put(msg, sizeof(msg), &at, op3, 0);
		put(msg, sizeof(msg), &at, ": ", 0);
		put(msg, sizeof(msg), &at, errname(e), 0);
		put(msg, sizeof(msg), &at, "\n", 0);
		sys3(__NR_write, 2, msg, at);
	}
	quit(1);
}

/* Waits for `start` as the init would: reading the exec fifo (fifo, open
 * read-write, so a writer itself: the read never sees end-of-file) blocks
 * until start writes its byte; then the fd is made close-on-exec, so
 * start sees the fifo hang up when the program has been executed. */
static void wait_for_start(long fd, long fifo)
{
	static const char name[16] = "glass-init";
	char go;
	long r;

	/* For ps while the container is created (else: the fd number). */
	sys6(__NR_prctl, PR_SET_NAME, (long)name, 0, 0, 0, 0);
	do
		r = sys3(__NR_read, fifo, &go, 1);
	while (r == -4 /* EINTR */);
	if (r != 1)
		fail(fd, r < 0 ? -r : 5 /* EIO */, "read(exec.fifo) by the sealed exec stub", "",
		     "", "", "start", "");
	sys3(__NR_fcntl, fifo, F_SETFD, FD_CLOEXEC);
}

/* Reads the filter from its memfd into `insns` (BPF_MAXINSNS at most) and
 * closes the fd; returns the instruction count and sets *flags. */
static long read_filter(long fd, long filter, struct sock_filter *insns, long *flags)
{
	unsigned long head[2];
	long want, got = 0, n;

	if (sys6(__NR_pread64, filter, (long)head, sizeof(head), 0, 0, 0) != sizeof(head) ||
	    head[1] == 0 || head[1] > BPF_MAXINSNS)
		fail(fd, 22 /* EINVAL */, "pread(seccomp filter fd) by the sealed exec stub", "",
		     "", "linux.seccomp", "seccomp", "");
	want = (long)(head[1] * sizeof(struct sock_filter));
	while (got < want) {
		n = sys6(__NR_pread64, filter, (long)insns + got, want - got, sizeof(head) + got, 0,
		         0);
		if (n <= 0)
			fail(fd, n < 0 ? -n : 5, "pread(seccomp filter fd) by the sealed exec stub",
			     "", "", "linux.seccomp", "seccomp", "");
		got += n;
	}
	sys3(__NR_close, filter, 0, 0);
	*flags = (long)head[0];
	return (long)head[1];
}

void stub_main(long *sp)
{
	static struct sock_filter insns[BPF_MAXINSNS];
	struct sock_fprog prog = {0, insns};
	long flags = 0;
	static const char usage[] = "glass-exec: the sealed exec stub of glass-runtime; it only "
	                            "starts a container's process and cannot be run by hand\n";
	static const char magic[] = "glass-exec";
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long fd, fifo, filter, e;

	for (size_t i = 0; argc >= 1 && i < sizeof(magic); i++)
		if (argv[0][i] != magic[i])
			argc = 0;
	fd = argc >= 6 && argv[1][0] != '-' ? parse_fd(argv[1]) : -1;
	fifo = argc >= 6 && argv[2][0] != '-' ? parse_fd(argv[2]) : -1;
	filter = argc >= 6 && argv[3][0] != '-' ? parse_fd(argv[3]) : -1;
	if (argc < 6 || (fd < 0 && argv[1][0] != '-') || (fifo < 0 && argv[2][0] != '-') ||
	    (filter < 0 && argv[3][0] != '-')) {
		sys3(__NR_write, 2, usage, sizeof(usage) - 1);
		quit(127);
	}
	if (fifo >= 0)
		wait_for_start(fd, fifo);
	if (filter >= 0)
		prog.len = (unsigned short)read_filter(fd, filter, insns, &flags);
	/* Close-on-exec: the runtime's end-of-file means "executed". */
	if (fd >= 0)
		sys3(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC);
	if (prog.len) {
		e = sys3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
		if (e < 0)
			fail(fd, -e, "seccomp(SECCOMP_SET_MODE_FILTER) by the sealed exec stub", "",
			     "", "linux.seccomp", "seccomp", "");
	}
	/* Under the filter from here: nothing but the execve (and, when it
	 * fails, the report, which the filter may deny). */
	e = -sys3(__NR_execve, argv[4], argv + 5, envp);
	fail(fd, e, "execve(\"", argv[4], "\") by the sealed exec stub", "process.args", "exec ",
	     argv[5]);
}

/* Unit test of the exec stub and of the choice between it and the sealed
 * copy (selfexe.h, execstub.h): the decision for configs that differ in
 * one field each, and the stub itself run from its sealed memfd. */
#include "execstub.h"
#include "seccomp.h"
#include "selfexe.h"
#include "spec.h"
#include "sync.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The reason glass_selfexe_stub_not_enough() gives for the default config
 * edited by `edit` (a JSON object merged over the top level), "" for
 * none. */
static bool attached_run;

static char *reason(const char *config)
{
	struct glass_err *err = NULL;
	struct glass_spec *spec = glass_spec_parse(config, strlen(config), &err);
	struct glass_ns_plan plan;
	const char *why;
	char *out;
	if (spec == NULL || glass_ns_plan_make(spec, &plan, &err) < 0) {
		out = xasprintf("parse error: %s", err ? err->op : "?");
		glass_err_free(&err);
		glass_spec_free(spec);
		return out;
	}
	why = glass_selfexe_stub_not_enough(spec, &plan, attached_run);
	out = xstrdup(why ? why : "");
	glass_ns_plan_close(&plan);
	glass_spec_free(spec);
	return out;
}

/* The default config with one change made by a json-c callback. */
static char *edited(void (*edit)(json_object *))
{
	cleanup_free char *text = glass_spec_default_json(false);
	json_object *o = json_tokener_parse(text);
	char *r;
	edit(o);
	r = reason(json_object_to_json_string(o));
	json_object_put(o);
	return r;
}

static json_object *ns_list(json_object *o)
{
	json_object *l, *ns;
	json_object_object_get_ex(o, "linux", &l);
	json_object_object_get_ex(l, "namespaces", &ns);
	return ns;
}

static void no_edit(json_object *o)
{
	(void)o;
}

static void drop_pidns(json_object *o)
{
	json_object *ns = ns_list(o);
	for (size_t i = 0; i < json_object_array_length(ns); i++) {
		json_object *t;
		json_object_object_get_ex(json_object_array_get_idx(ns, i), "type", &t);
		if (!strcmp(json_object_get_string(t), "pid")) {
			json_object_array_del_idx(ns, i, 1);
			return;
		}
	}
}

static void add_ptrace(json_object *o)
{
	json_object *p, *c, *b;
	json_object_object_get_ex(o, "process", &p);
	json_object_object_get_ex(p, "capabilities", &c);
	json_object_object_get_ex(c, "bounding", &b);
	json_object_array_add(b, json_object_new_string("CAP_SYS_PTRACE"));
}

static void no_caps(json_object *o)
{
	json_object *p;
	json_object_object_get_ex(o, "process", &p);
	json_object_object_del(p, "capabilities");
}

static void add_userns(json_object *o)
{
	json_object *l, *m = json_object_new_array(), *e = json_object_new_object();
	json_object_array_add(ns_list(o), json_tokener_parse("{\"type\": \"user\"}"));
	json_object_object_add(e, "containerID", json_object_new_int(0));
	json_object_object_add(e, "hostID", json_object_new_int(100000));
	json_object_object_add(e, "size", json_object_new_int(65536));
	json_object_array_add(m, e);
	json_object_object_get_ex(o, "linux", &l);
	json_object_object_add(l, "uidMappings", m);
	json_object_object_add(l, "gidMappings", json_object_get(m));
}

static void ptrace_in_userns(json_object *o)
{
	add_ptrace(o);
	add_userns(o);
}

static void start_hook(json_object *o)
{
	json_object_object_add(
	    o, "hooks", json_tokener_parse("{\"startContainer\": [{\"path\": \"/bin/true\"}]}"));
}

static void ptrace_and_hook(json_object *o)
{
	add_ptrace(o);
	start_hook(o);
}

static void apparmor(json_object *o)
{
	json_object *p;
	json_object_object_get_ex(o, "process", &p);
	json_object_object_add(p, "apparmorProfile", json_object_new_string("docker-default"));
}

static void seccomp_json(json_object *o, const char *sc)
{
	json_object *l;
	json_object_object_get_ex(o, "linux", &l);
	json_object_object_add(l, "seccomp", json_tokener_parse(sc));
}

static void seccomp_deny_default(json_object *o)
{
	seccomp_json(o, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
	                "[\"execve\", \"fcntl\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
}

static void seccomp_allow_listed(json_object *o)
{
	seccomp_json(o, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
	                "[\"execve\", \"execveat\", \"fcntl\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
}

static void seccomp_execveat_args(json_object *o)
{
	seccomp_json(o, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	                "[\"execveat\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 4, "
	                "\"value\": 4096, \"op\": \"SCMP_CMP_MASKED_EQ\", \"valueTwo\": 4096}]}]}");
}

static void seccomp_docker(json_object *o)
{
	cleanup_free char *sc = glass_seccomp_default_profile_json();
	seccomp_json(o, sc);
}

static void no_caps_and_hook(json_object *o)
{
	no_caps(o);
	start_hook(o);
}

static void check_reason(void (*edit)(json_object *), const char *want, const char *name);

static void no_caps_hook_check(void)
{
	/* An absent object is empty sets (caps.c), CAP_SYS_PTRACE included. */
	check_reason(no_caps_and_hook, NULL,
	             "no capabilities object (no capability) and startContainer hooks");
}

static void check_reason(void (*edit)(json_object *), const char *want, const char *name)
{
	cleanup_free char *r = edited(edit);
	if (want == NULL)
		TAP_OK(r[0] == '\0', "%s: the exec stub is enough%s%s", name,
		       r[0] ? " — got: " : "", r);
	else
		TAP_OK(strstr(r, want) != NULL, "%s: sealed copy (%s)", name, r);
}

/* Runs the stub from a fresh sealed memfd with argv; returns the wait
 * status, the stub's stderr in err_out and what it sent on the sync
 * socket in msg (its length in *msglen). */
/* When >= 0, run_stub() hands it to the stub as fd 7 (the filter fd). */
static int stub_filter_fd = -1;

static int run_stub(char *const argv[], char *err_out, size_t errsz, char *msg, size_t *msglen)
{
	struct glass_err *err = NULL;
	int fd = glass_execstub_open(&err);
	int sp[2], ep[2], status = -1;
	pid_t pid;
	ssize_t n;
	if (fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 ||
	    pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char *envp[] = {NULL};
		dup2(ep[1], 2);
		dup2(sp[1], 9); /* dup2 clears close-on-exec, as the child does */
		if (stub_filter_fd >= 0)
			dup2(stub_filter_fd, 7);
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(99);
	}
	close(ep[1]);
	close(sp[1]);
	close(fd);
	n = read(ep[0], err_out, errsz - 1);
	err_out[n > 0 ? n : 0] = '\0';
	err_out[strcspn(err_out, "\n")] = '\0';
	n = recv(sp[0], msg, 8192, MSG_DONTWAIT);
	waitpid(pid, &status, 0);
	if (n < 0)
		n = recv(sp[0], msg, 8192, MSG_DONTWAIT);
	*msglen = n > 0 ? (size_t)n : 0;
	close(ep[0]);
	close(sp[0]);
	return status;
}

/* The stub as a created container's init: it waits reading the exec fifo
 * (opened read-write before it, as create does), named glass-init, running
 * from the sealed memfd, until `start` writes; then it execs the program
 * and the fifo hangs up, the "0" taken. */
static void fifo_case(void)
{
	struct glass_err *err = NULL;
	char dir[] = "/tmp/glass-execstub.XXXXXX", fifo[64], link[128] = "", comm[32] = "";
	int stub = glass_execstub_open(&err), sp[2], rwfd, r, w, status = -1, waited, left = -1;
	struct pollfd hup = {-1, 0, 0};
	pid_t pid;
	ssize_t n;

	if (stub < 0 || !mkdtemp(dir)) {
		TAP_OK(0, "fifo case: setup failed");
		return;
	}
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	mkfifo(fifo, 0600);
	rwfd = open(fifo, O_RDWR | O_CLOEXEC);
	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {
		    GLASS_EXECSTUB_ARGV0, "9", "8", "-", "/bin/sh", "sh", "-c", "exit 7", NULL};
		char *envp[] = {NULL};
		dup2(rwfd, 8);
		dup2(sp[1], 9);
		syscall(SYS_execveat, stub, "", argv, envp, AT_EMPTY_PATH);
		_exit(99);
	}
	close(sp[1]);
	close(rwfd); /* the stub's fd is then the fifo's only writer */
	/* Until the stub has named itself (a loaded machine may be slow). */
	for (int i = 0; i < 250; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
		cleanup_free char *t = read_file_at(AT_FDCWD, p, NULL);
		if (t && !strncmp(t, "glass-init", 10))
			break;
		usleep(20000);
	}
	usleep(50000);
	waited = waitpid(pid, &status, WNOHANG);
	TAP_OK(waited == 0, "with a fifo the stub waits for start");
	{
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
		if (readlink(p, link, sizeof(link) - 1) < 0)
			link[0] = '\0';
		snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
		cleanup_free char *t = read_file_at(AT_FDCWD, p, NULL);
		snprintf(comm, sizeof(comm), "%s", t ? t : "");
		comm[strcspn(comm, "\n")] = '\0';
	}
	TAP_OK(!strncmp(link, "/memfd:glass-exec", 17), "... as the sealed stub: exe %s", link);
	TAP_OK(!strcmp(comm, "glass-init"), "... named glass-init (comm %s)", comm);
	w = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	r = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	n = write(w, "0", 1);
	close(w);
	TAP_OK(n == 1, "start writes its \"0\" without waiting (the stub holds a reader)");
	hup.fd = r;
	TAP_OK(poll(&hup, 1, 10000) == 1 && (hup.revents & POLLHUP),
	       "... then the fifo hangs up once the program is executed");
	TAP_OK(ioctl(r, FIONREAD, &left) == 0 && left == 0, "... the stub took the \"0\" (%d left)",
	       left);
	close(r);
	waitpid(pid, &status, 0);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "the program ran (exit %d)",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(sp[0]);
	close(stub);
	unlink(fifo);
	rmdir(dir);
}

/* A filter memfd as glass_seccomp_filter_fd() writes it: u64 flags, u64
 * count, the instructions. */
static int filter_memfd(const struct sock_filter *insns, uint64_t n)
{
	uint64_t head[2] = {0, n};
	int fd = memfd_create("test-filter", 0);
	if (fd < 0 || write(fd, head, n ? sizeof(head) : 4) < 0 ||
	    (n && write(fd, insns, n * sizeof(*insns)) < 0))
		return -1;
	return fd;
}

/* The stub loads the filter of its filter fd as its last step: the
 * program it execs runs under it (Seccomp: 2), and a broken filter fd is
 * reported on the sync socket naming linux.seccomp. */
static void filter_cases(void)
{
	static const struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	char errbuf[512], msg[8192];
	size_t mlen;
	int st;
	{
		char *argv[] = {GLASS_EXECSTUB_ARGV0,
		                "9",
		                "-",
		                "7",
		                "/bin/sh",
		                "sh",
		                "-c",
		                "grep -q '^Seccomp:.2' /proc/self/status",
		                NULL};
		stub_filter_fd = filter_memfd(allow, 1);
		st = run_stub(argv, errbuf, sizeof(errbuf), msg, &mlen);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "with a filter fd the exec'd program runs under the filter (Seccomp: 2)");
		close(stub_filter_fd);
	}
	{
		char *argv[] = {GLASS_EXECSTUB_ARGV0, "9", "-", "7", "/bin/true", "true", NULL};
		struct glass_err *e;
		stub_filter_fd = filter_memfd(allow, 0);
		st = run_stub(argv, errbuf, sizeof(errbuf), msg, &mlen);
		close(stub_filter_fd);
		stub_filter_fd = -1;
		e = glass_err_unpack(msg + 8, mlen > 8 ? mlen - 8 : 0);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 1 && e && e->field &&
		           !strcmp(e->field, "linux.seccomp") && strstr(e->op, "seccomp filter fd"),
		       "a broken filter fd fails, naming linux.seccomp (%s)", e ? e->op : "?");
		glass_err_free(&e);
	}
}

int main(void)
{
	char errbuf[512], msg[8192];
	size_t mlen;
	int st;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (the stub is for containers that root starts)\n");
		return 0;
	}
	TAP_OK(glass_execstub_available(), "this build carries the stub (%zu bytes)",
	       glass_execstub_size());
	TAP_OK(glass_execstub_size() < 16384, "the stub is small: %zu bytes",
	       glass_execstub_size());

	check_reason(no_edit, NULL, "default config");
	check_reason(drop_pidns, "no new PID namespace", "no PID namespace");
	check_reason(add_ptrace, NULL, "CAP_SYS_PTRACE, create (the init waits in the stub)");
	attached_run = true;
	check_reason(add_ptrace, NULL, "CAP_SYS_PTRACE, run without --trace (waits in the stub)");
	attached_run = false;
	check_reason(start_hook, NULL, "startContainer hooks without CAP_SYS_PTRACE");
	check_reason(ptrace_and_hook, "CAP_SYS_PTRACE",
	             "CAP_SYS_PTRACE and startContainer hooks (the init waits in the runtime)");
	no_caps_hook_check();
	check_reason(ptrace_in_userns, NULL, "CAP_SYS_PTRACE inside a user namespace");
	check_reason(apparmor, "LSM label", "process.apparmorProfile");
	check_reason(seccomp_deny_default, "execveat", "seccomp allow-list without execveat");
	check_reason(seccomp_allow_listed, NULL, "seccomp allow-list with execveat and fcntl");
	check_reason(seccomp_execveat_args, "execveat", "seccomp rule on execveat's arguments");
	check_reason(seccomp_docker, NULL, "the default (Docker) profile");

	{
		char *argv[] = {"something-else", "9", "-", "-", "/bin/true", "true", NULL};
		st = run_stub(argv, errbuf, sizeof(errbuf), msg, &mlen);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 127, "stub run by hand exits 127");
		TAP_OK(strstr(errbuf, "sealed exec stub") != NULL, "... and says what it is: %s",
		       errbuf);
	}
	{
		char *argv[] = {GLASS_EXECSTUB_ARGV0, "9", "-", "-", "/bin/true", "true", NULL};
		st = run_stub(argv, errbuf, sizeof(errbuf), msg, &mlen);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "stub execs /bin/true (status %d)",
		       st);
		TAP_OK(mlen == 0, "nothing on the sync socket after a good exec (%zu bytes)", mlen);
	}
	{
		char *argv[] = {GLASS_EXECSTUB_ARGV0, "9",    "-", "-",
		                "/nonexistent/prog",  "prog", NULL};
		struct glass_err *e;
		uint32_t type = 0;
		st = run_stub(argv, errbuf, sizeof(errbuf), msg, &mlen);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "a failed execve exits 1 (status %d)",
		       st);
		memcpy(&type, msg, sizeof(type));
		TAP_OK(mlen > 8 && type == GLASS_SYNC_ERROR,
		       "... and sends GLASS_SYNC_ERROR (%zu bytes)", mlen);
		e = glass_err_unpack(msg + 8, mlen > 8 ? mlen - 8 : 0);
		TAP_OK(e->errnum == ENOENT, "... errno ENOENT (%d)", e->errnum);
		TAP_OK(strstr(e->op, "execve(\"/nonexistent/prog\")") != NULL, "... op: %s", e->op);
		TAP_OK(e->field && !strcmp(e->field, "process.args"), "... field process.args");
		TAP_OK(e->nframes == 1 && !strcmp(e->frames[0], "exec prog"),
		       "... frame: exec prog");
		glass_err_free(&e);
	}
	{
		char *argv[] = {GLASS_EXECSTUB_ARGV0, "-",    "-", "-",
		                "/nonexistent/prog",  "prog", NULL};
		st = run_stub(argv, errbuf, sizeof(errbuf), msg, &mlen);
		TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 1 && mlen == 0,
		       "without a sync socket a failed execve exits 1, nothing sent");
		TAP_OK(strstr(errbuf, "exec prog") && strstr(errbuf, "ENOENT"),
		       "... and says why on stderr: %s", errbuf);
	}
	fifo_case();
	filter_cases();
	return tap_done();
}

/* Unit tests of glass-shim's wire formats (src/shim/wire.h) and of the
 * client's reading of a state directory (status, a dead shim). */
#include "client.h"
#include "tap.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *escaped(const char *s, size_t n)
{
	struct strbuf b = STRBUF_INIT;
	glass_wire_json_escape(&b, s, n);
	return strbuf_steal(&b);
}

/* Go's encoding/json is the reference: what docker writes and reads. */
static void test_escape(void)
{
	struct {
		const char *in;
		size_t n;
		const char *want;
	} cases[] = {
	    {"plain text", 10, "plain text"},
	    {"a\"b\\c", 5, "a\\\"b\\\\c"},
	    {"line\n\r\t", 7, "line\\n\\r\\t"},
	    {"\x01\x1f", 2, "\\u0001\\u001f"},
	    {"<a & b>", 7, "\\u003ca \\u0026 b\\u003e"},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", 14,
	     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"},
	    {"bad \xff byte", 10, "bad \\ufffd byte"},
	    {"cut \xe2\x82", 6, "cut \\ufffd\\ufffd"},
	    {"overlong \xc0\xaf", 11, "overlong \\ufffd\\ufffd"},
	    {"surrogate \xed\xa0\x80", 13, "surrogate \\ufffd\\ufffd\\ufffd"},
	    {"ls \xe2\x80\xa8 ps \xe2\x80\xa9", 13, "ls \\u2028 ps \\u2029"},
	    {"nul\0in", 6, "nul\\u0000in"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(cases[i].in, cases[i].n);
		TAP_OK(strcmp(got, cases[i].want) == 0, "escape case %zu: %s", i, got);
		free(got);
	}
}

static void test_log_line(void)
{
	struct strbuf b = STRBUF_INIT;
	struct timespec ts = {.tv_sec = 1796212800, .tv_nsec = 1234567};
	glass_wire_log_line(&b, "stderr", "oops \"x\"\n", 9, &ts);
	TAP_OK(strcmp(b.buf, "{\"log\":\"oops \\\"x\\\"\\n\",\"stream\":\"stderr\","
	                     "\"time\":\"2026-12-02T12:00:00.001234567Z\"}\n") == 0,
	       "json-file line: log, stream, RFC 3339 time with nanoseconds: %.*s", (int)b.len - 1,
	       b.buf);
	strbuf_release(&b);
}

/* The one RFC 3339 writer (util.h) the log lines, the shim's status and
 * the runtime's and engine's records share. */
static void test_rfc3339(void)
{
	char t[GLASS_RFC3339_MAX];
	struct timespec a = {.tv_sec = 1796212800, .tv_nsec = 5},
	                b = {.tv_sec = 0, .tv_nsec = 999999999};
	TAP_OK(!strcmp(glass_time_rfc3339(t, sizeof(t), &a), "2026-12-02T12:00:00.000000005Z"),
	       "RFC 3339: nanoseconds zero-padded: %s", t);
	TAP_OK(!strcmp(glass_time_rfc3339(t, sizeof(t), &b), "1970-01-01T00:00:00.999999999Z"),
	       "RFC 3339: the epoch, UTC: %s", t);
	time_t before = time(NULL);
	glass_time_rfc3339(t, sizeof(t), NULL);
	struct tm tm = {0};
	char *end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	time_t got = end ? timegm(&tm) : 0;
	TAP_OK(strlen(t) == 30 && end && *end == '.' && got >= before && got <= time(NULL),
	       "RFC 3339 of now (the wall clock): %s", t);
}

static void test_stdcopy(void)
{
	unsigned char h[8];
	uint32_t len = 0;
	glass_wire_stdcopy_header(h, 2, 0x01020304);
	TAP_OK(h[0] == 2 && !h[1] && !h[2] && !h[3] && h[4] == 1 && h[5] == 2 && h[6] == 3 &&
	           h[7] == 4,
	       "stdcopy header: stream byte, three zeros, big-endian length");
	TAP_OK(glass_wire_stdcopy_parse(h, &len) == 2 && len == 0x01020304, "stdcopy parse");
	h[2] = 1;
	TAP_OK(glass_wire_stdcopy_parse(h, &len) == -1, "stdcopy parse refuses a nonzero pad");
}

static void test_request(void)
{
	struct glass_wire_req r;
	char why[128];
	TAP_OK(glass_wire_req_parse("{\"op\":\"attach\",\"stdin\":true,\"stdout\":false,"
	                            "\"stderr\":true,\"x\":[1]}",
	                            &r, why, sizeof(why)) == -1,
	       "a nested value is refused (%s)", why);
	TAP_OK(glass_wire_req_parse(" { \"op\" : \"attach\" , \"stdin\":true,\"stdout\":false,"
	                            "\"stderr\":true, \"extra\":null}",
	                            &r, why, sizeof(why)) == 0 &&
	           !strcmp(r.op, "attach") && r.in && !r.out && r.err,
	       "attach request with spaces and an unknown key");
	TAP_OK(glass_wire_req_parse("{\"op\":\"resize\",\"height\":40,\"width\":132}", &r, why,
	                            sizeof(why)) == 0 &&
	           r.height == 40 && r.width == 132,
	       "resize request");
	TAP_OK(glass_wire_req_parse("{\"signal\":9}", &r, why, sizeof(why)) == -1 &&
	           strstr(why, "op"),
	       "a request without op is refused (%s)", why);
	TAP_OK(glass_wire_req_parse("not json", &r, why, sizeof(why)) == -1, "garbage is refused");
	TAP_OK(glass_wire_req_parse("{\"op\":\"sig\\u006eal\",\"signal\":15}", &r, why,
	                            sizeof(why)) == 0 &&
	           !strcmp(r.op, "signal") && r.signal == 15,
	       "\\u escapes in strings");
}

static void test_status_round_trip(void)
{
	struct glass_shim_status st = {
	    .pid = 42, .exit_code = 137, .signal = 9, .oom_killed = true, .restart_count = 3};
	struct glass_shim_status back;
	snprintf(st.status, sizeof(st.status), "exited");
	snprintf(st.started_at, sizeof(st.started_at), "2026-12-02T12:00:00.000000001Z");
	snprintf(st.error, sizeof(st.error), "a \"quoted\" error\nwith \xc3\xa9");
	char *json = glass_wire_status_json(&st);
	TAP_OK(glass_wire_status_parse(json, &back) == 0 && !strcmp(back.status, "exited") &&
	           back.pid == 42 && back.exit_code == 137 && back.signal == 9 && back.oom_killed &&
	           back.restart_count == 3 && !strcmp(back.started_at, st.started_at) &&
	           !back.finished_at[0] && !strcmp(back.error, st.error),
	       "status.json round trip: %s", json);
	free(json);
}

/* A state directory whose status says running but whose shim.pid names a
 * process that is not a glass-shim: the client reports "dead". */
static void test_dead_shim(void)
{
	char dir[] = "/tmp/glass-test-shim-unit.XXXXXX";
	struct glass_shim_status st;
	struct glass_err *err = NULL;
	if (!mkdtemp(dir)) {
		TAP_SKIP("mkdtemp failed", "dead shim");
		return;
	}
	int dfd = open(dir, O_PATH | O_DIRECTORY);
	const char *running = "{\"status\":\"running\",\"pid\":1}\n";
	char pid[32];
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid()); /* this test, not a glass-shim */
	write_file_atomic_at(dfd, "status.json", running, strlen(running), 0644);
	write_file_atomic_at(dfd, "shim.pid", pid, strlen(pid), 0644);
	TAP_OK(glass_shim_status(dir, &st, &err) == 0 && !strcmp(st.status, "dead") &&
	           strstr(st.error, "shim died (pid"),
	       "a shim.pid that is no glass-shim: dead (%s)", st.error);
	const char *exited = "{\"status\":\"exited\",\"pid\":1,\"exitCode\":3}\n";
	write_file_atomic_at(dfd, "status.json", exited, strlen(exited), 0644);
	TAP_OK(glass_shim_status(dir, &st, &err) == 0 && !strcmp(st.status, "exited") &&
	           st.exit_code == 3,
	       "an exited container needs no shim");
	TAP_OK(glass_shim_signal(dir, 15, &err) == -1 && err && err->errnum == ENOENT,
	       "signal without a control socket: an error naming it");
	glass_err_free(&err);
	unlinkat(dfd, "status.json", 0);
	unlinkat(dfd, "shim.pid", 0);
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	test_escape();
	test_log_line();
	test_rfc3339();
	test_stdcopy();
	test_request();
	test_status_round_trip();
	test_dead_shim();
	return tap_done();
}

/* trace: see trace.h.  All state is per process and static: after clone()
 * the child inherits the configuration and switches to the relay. */
#include "trace-internal.h"
#include "sync.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool glass_trace_on;

static enum glass_trace_format out_fmt;
static int out_fd = -1;
static glass_trace_cb out_cb;
static void *out_cb_ctx;
static int relay_fd = -1;
static bool step_on;
static int step_fd = -1;
static uint32_t next_seq = 1;
static uint16_t next_step = 1;
static char cur_phase[24] = "setup";

#define RING 32
static struct glass_trace_event ring[RING];
static unsigned ring_n;

static void update_on(void)
{
	glass_trace_on = out_fmt != GLASS_TRACE_OFF || out_cb != NULL || relay_fd >= 0 || step_on;
}

void glass_trace_set_output(enum glass_trace_format fmt, int fd)
{
	out_fmt = fmt;
	out_fd = fd;
	update_on();
}

void glass_trace_set_callback(glass_trace_cb cb, void *ctx)
{
	out_cb = cb;
	out_cb_ctx = ctx;
	update_on();
}

void glass_trace_set_step(bool on, int control_fd)
{
	step_on = on;
	step_fd = control_fd;
	update_on();
}

bool glass_trace_stepping(void)
{
	return step_on;
}

void glass_trace_set_relay(int sync_fd)
{
	/* Relay only when the parent traces or steps (the child inherited
	 * that state with its memory): otherwise every wrapped call would
	 * cost the child a message and the parent a wakeup for nothing. */
	relay_fd = sync_fd >= 0 && glass_trace_on ? sync_fd : -1;
	update_on();
}

void glass_trace_phase(const char *phase)
{
	snprintf(cur_phase, sizeof(cur_phase), "%s", phase);
}

const char *glass_trace_current_phase(void)
{
	return cur_phase;
}

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case GLASS_TRACE_BEGIN:
		return "begin";
	case GLASS_TRACE_END:
		return "end";
	case GLASS_TRACE_NOTE:
		return "note";
	default:
		return "unknown";
	}
}

void glass_trace_event_json(const struct glass_trace_event *ev, char *buf, unsigned size)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(kind_name(ev->kind)));
	json_object_object_add(o, "seq", json_object_new_int64(ev->seq));
	json_object_object_add(o, "step", json_object_new_int(ev->step));
	json_object_object_add(o, "pid", json_object_new_int(ev->pid));
	json_object_object_add(o, "phase", json_object_new_string(ev->phase));
	json_object_object_add(o, "call", json_object_new_string(ev->call));
	json_object_object_add(o, "args", json_object_new_string(ev->args));
	json_object_object_add(o, "field", json_object_new_string(ev->field));
	json_object_object_add(o, "ts_ns", json_object_new_int64((int64_t)ev->ts_ns));
	if (ev->kind == GLASS_TRACE_END) {
		json_object_object_add(o, "result", json_object_new_int64(ev->result));
		json_object_object_add(o, "errno", json_object_new_int(ev->errnum));
		if (ev->errnum) {
			const char *name = strerrorname_np(ev->errnum);
			json_object_object_add(o, "errname",
			                       json_object_new_string(name ? name : "?"));
			json_object_object_add(o, "error",
			                       json_object_new_string(strerror(ev->errnum)));
		}
		json_object_object_add(o, "dur_ns", json_object_new_int64((int64_t)ev->dur_ns));
	}
	snprintf(buf, size, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

void glass_trace_emit(struct glass_trace_event *ev)
{
	ev->seq = next_seq++;
	ring[ring_n % RING] = *ev;
	ring_n++;
	if (out_fd >= 0 && out_fmt == GLASS_TRACE_JSON) {
		char buf[2048];
		glass_trace_event_json(ev, buf, sizeof(buf));
		dprintf(out_fd, "%s\n", buf);
	} else if (out_fd >= 0 && out_fmt == GLASS_TRACE_TEXT) {
		glass_trace_text_event(out_fd, ev);
	}
	if (out_cb)
		out_cb(ev, out_cb_ctx);
}

void glass_trace_finish(void)
{
	if (out_fd >= 0 && out_fmt == GLASS_TRACE_TEXT)
		glass_trace_text_finish(out_fd);
}

unsigned glass_trace_recent(struct glass_trace_event *out, unsigned max)
{
	unsigned n = ring_n < RING ? ring_n : RING;
	unsigned first = ring_n - n;
	if (n > max) {
		first += n - max;
		n = max;
	}
	for (unsigned i = 0; i < n; i++)
		out[i] = ring[(first + i) % RING];
	return n;
}

/* Waits for the controller's answer to a pause: 'n', 'c' or 'a'. */
static char step_answer(const struct glass_trace_event *ev)
{
	char line[64];
	int fd = step_fd;
	int tty = -1;
	ssize_t n;
	size_t at = 0;

	if (out_fd >= 0 && out_fmt == GLASS_TRACE_JSON)
		dprintf(out_fd, "{\"type\":\"pause\",\"step\":%u,\"call\":\"%s\"}\n", ev->step,
		        ev->call);
	if (out_fd >= 0 && out_fmt == GLASS_TRACE_TEXT)
		glass_trace_text_flush(out_fd); /* what ran so far, before the prompt */
	if (fd < 0) {
		tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (tty < 0)
			return 'c'; /* no terminal to ask: run on */
		dprintf(tty, "glass: next: %s(%s)%s%s  [Enter: run, c: run to end, a: abort] ",
		        ev->call, ev->args, ev->field[0] ? "  <- " : "", ev->field);
		fd = tty;
	}
	/* Reads one line byte by byte so nothing after it is consumed. */
	while (at + 1 < sizeof(line)) {
		char c;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			line[at] = '\0';
			if (at == 0) {
				/* Controller gone: stop pausing rather than hang. */
				if (tty >= 0)
					close(tty);
				return 'c';
			}
			break;
		}
		if (c == '\n')
			break;
		line[at++] = c;
	}
	line[at] = '\0';
	if (tty >= 0)
		close(tty);
	if (line[0] == 'a')
		return 'a';
	if (line[0] == 'c')
		return 'c';
	return 'n';
}

static void fill(struct glass_trace_event *ev, uint8_t kind, const char *call, const char *field)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->pid = (int32_t)getpid();
	snprintf(ev->phase, sizeof(ev->phase), "%s", cur_phase);
	snprintf(ev->call, sizeof(ev->call), "%s", call ? call : "");
	snprintf(ev->field, sizeof(ev->field), "%s", field ? field : "");
}

/* Sends or emits `ev`; for a BEGIN in step mode returns the answer. */
static char dispatch(struct glass_trace_event *ev)
{
	if (relay_fd >= 0) {
		char buf[16];
		uint32_t type = 0;
		ev->ack = ev->kind == GLASS_TRACE_BEGIN && step_on;
		glass_sync_send(relay_fd, GLASS_SYNC_TRACE, ev, sizeof(*ev), NULL);
		if (!ev->ack)
			return 'n';
		if (glass_sync_recv(relay_fd, &type, buf, sizeof(buf), NULL) <= 0 ||
		    type != GLASS_SYNC_STEP)
			return 'a';
		if (buf[0] == 'c')
			step_on = false;
		return buf[0];
	}
	glass_trace_emit(ev);
	if (ev->kind == GLASS_TRACE_BEGIN && step_on) {
		char a = step_answer(ev);
		if (a == 'c')
			step_on = false;
		update_on();
		return a;
	}
	return 'n';
}

void glass_trace_relay_in(const struct glass_trace_event *in, pid_t sender, int sync_fd)
{
	struct glass_trace_event ev = *in;
	/* The child's getpid() is its pid inside its own pid namespace (1
	 * for a container's init); the socket's credentials give the pid
	 * as this process sees it. */
	if (sender > 0)
		ev.pid = (int32_t)sender;
	glass_trace_emit(&ev);
	if (ev.ack) {
		char a = step_on ? step_answer(&ev) : 'c';
		if (a == 'c')
			step_on = false;
		glass_sync_send(sync_fd, GLASS_SYNC_STEP, &a, 1, NULL);
	}
}

void glass_trace_note(const char *what, const char *field, const char *fmt, ...)
{
	struct glass_trace_event ev;
	va_list ap;
	if (!glass_trace_on)
		return;
	fill(&ev, GLASS_TRACE_NOTE, what, field);
	ev.ts_ns = now_ns();
	va_start(ap, fmt);
	vsnprintf(ev.args, sizeof(ev.args), fmt, ap);
	va_end(ap);
	bool saved = step_on;
	step_on = false; /* notes never pause */
	dispatch(&ev);
	step_on = saved;
}

static glass_log_cb log_cb;
static void *log_ctx;

void glass_trace_set_log(glass_log_cb cb, void *ctx)
{
	log_cb = cb;
	log_ctx = ctx;
}

void glass_trace_log(enum glass_log_level level, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	glass_trace_note(level == GLASS_LOG_WARN ? "warning" : "debug", field, "%s", msg);
	if (log_cb)
		log_cb(level, msg, log_ctx);
}

int glass_trace_begin(struct glass_trace_op *op, const char *call, const char *field,
                      const char *fmt, ...)
{
	struct glass_trace_event ev;
	va_list ap;
	char a;

	op->active = true;
	op->call = call;
	op->field = field;
	op->step = next_step++;
	va_start(ap, fmt);
	vsnprintf(op->args, sizeof(op->args), fmt, ap);
	va_end(ap);
	fill(&ev, GLASS_TRACE_BEGIN, call, field);
	ev.step = op->step;
	memcpy(ev.args, op->args, sizeof(ev.args));
	op->t0 = now_ns();
	ev.ts_ns = op->t0;
	a = dispatch(&ev);
	op->t0 = now_ns(); /* the pause is not the call's duration */
	if (a == 'a') {
		glass_trace_end(op, -1, ECANCELED);
		op->active = false;
		errno = ECANCELED;
		return -1;
	}
	return 0;
}

void glass_trace_end(struct glass_trace_op *op, long long result, int errnum)
{
	struct glass_trace_event ev;
	uint64_t t1;
	if (!op->active)
		return;
	t1 = now_ns();
	fill(&ev, GLASS_TRACE_END, op->call, op->field);
	ev.step = op->step;
	memcpy(ev.args, op->args, sizeof(ev.args));
	ev.result = result;
	ev.errnum = errnum;
	ev.ts_ns = t1;
	ev.dur_ns = t1 - op->t0;
	bool saved = step_on;
	step_on = false;
	dispatch(&ev);
	step_on = saved;
	op->active = false;
}

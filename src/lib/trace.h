/* trace: the stream of steps that build a container.
 *
 * Every kernel-facing operation in libglass is wrapped (see sys.h) so that
 * it emits two events: BEGIN just before the call (the step a learner can
 * pause on) and END just after it (result, errno, duration).  An event is a
 * fixed-size record that needs no allocation, so the container's child
 * process can emit it between clone() and execve(): there the sink is the
 * sync socket, and the parent, which owns the real sink, fans the record
 * out (numbering it) as text, JSON lines, or to a callback (the lab).
 *
 * Step mode: before each BEGIN event the process that owns the step
 * control waits for "go": a line on the control fd ("next", "continue" =
 * stop pausing, "abort" = fail this step with ECANCELED), or Enter on
 * /dev/tty.  A child in step mode sends its BEGIN with `ack` set and blocks
 * until the parent relays the answer.  See docs/trace.md for the format.
 *
 * With no sink set, tracing costs one predictable branch per operation.
 */
#ifndef GLASS_TRACE_H
#define GLASS_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum glass_trace_kind {
	GLASS_TRACE_BEGIN = 1, /* about to run: call + args + field */
	GLASS_TRACE_END = 2,   /* ran: result, errnum, dur_ns */
	GLASS_TRACE_NOTE = 3,  /* narration with no syscall (phase changes, plan lines) */
};

enum glass_trace_format {
	GLASS_TRACE_OFF = 0,
	GLASS_TRACE_TEXT = 1, /* human narration */
	GLASS_TRACE_JSON = 2, /* one JSON object per line */
};

struct glass_trace_event {
	uint32_t seq;   /* assigned by the process that owns the sink */
	uint8_t kind;   /* enum glass_trace_kind */
	uint8_t ack;    /* child waits for a step answer after this BEGIN */
	uint16_t step;  /* BEGIN/END pairing id within the emitting process */
	int32_t pid;    /* emitting process, as seen from the host */
	int32_t errnum; /* END: errno, 0 on success */
	int64_t result; /* END: return value */
	uint64_t ts_ns; /* CLOCK_MONOTONIC at BEGIN (END: at END) */
	uint64_t dur_ns;
	char phase[24]; /* "validate", "namespaces", "idmap", "rootfs", "cgroup", "process", ... */
	char call[32];  /* syscall or operation name: "mount", "pivot_root", "write" */
	char
	    args[512]; /* arguments as text, C-like: "\"proc\", \"/r/proc\", \"proc\", MS_NOSUID" */
	char field[128]; /* config.json path that caused it ("mounts[2]"), or "" */
};

typedef void (*glass_trace_cb)(const struct glass_trace_event *ev, void *ctx);

/* True when any sink or the step mode is active.  Checked inline by the
 * wrappers before they format anything. */
extern bool glass_trace_on;

/* Chooses the sink for this process: text or JSON lines on `fd`.
 * GLASS_TRACE_OFF disables (unless a callback or the child relay is set). */
void glass_trace_set_output(enum glass_trace_format fmt, int fd);

/* How the text sink narrates (docs/trace.md, "Levels"). */
enum glass_trace_level {
	GLASS_TRACE_STEPS = 0, /* the steps that change what the process is, runs folded */
	GLASS_TRACE_ALL = 1,   /* every call, one line each */
};

/* The text sink's level and colors: `color` 1 always, 0 never, -1 when
 * the fd is a terminal (and NO_COLOR is unset, TERM is not "dumb").  The
 * JSON sink and the callback always get every event. */
void glass_trace_set_style(enum glass_trace_level level, int color);

/* Ends the text narration of this process: writes what a folded line
 * still holds and, when the events made or entered a container, a summary
 * (time per phase; the namespaces, uid map, capabilities, seccomp mode
 * and root the container ended up with).  A no-op for the other sinks. */
void glass_trace_finish(void);

/* Delivers every event to `cb` as well (the lab's live stream). NULL unsets. */
void glass_trace_set_callback(glass_trace_cb cb, void *ctx);

/* Step mode in the process that owns the control.  `control_fd` >= 0: read
 * "next"/"continue"/"abort" lines from it (the lab, programs); -1: read
 * Enter from /dev/tty (`glass-runtime --step`).  Before each wait a JSON
 * sink receives {"type":"pause",...}; the text sink prints a prompt. */
void glass_trace_set_step(bool on, int control_fd);
bool glass_trace_stepping(void);

/* In the container's child after clone(): send every event over the
 * SOCK_SEQPACKET `sync_fd` (as a GLASS_SYNC_TRACE message) instead of the
 * sink.  Step waits then block on the same socket for the parent's answer.
 * A no-op when tracing was off before the call (nothing to relay to). */
void glass_trace_set_relay(int sync_fd);

/* Sets the phase carried by subsequent events (copied, truncated). */
void glass_trace_phase(const char *phase);
const char *glass_trace_current_phase(void);

/* Emits narration (a NOTE event): call = `what`, args = formatted text. */
void glass_trace_note(const char *what, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Messages for the program's log, like runc's "level=warning" lines: a
 * config accepted with a change (a relative mount destination, the file
 * type bits of a device's fileMode), an LSM label ignored on request.
 * Each is also a NOTE event (call "warning" or "debug").  The program sets
 * the sink (glass-runtime: its --log, or stderr); without one they are
 * trace notes only.  For the runtime's own process, not the child after
 * clone(). */
enum glass_log_level {
	GLASS_LOG_DEBUG = 0, /* only with the program's --debug */
	GLASS_LOG_WARN = 1,
};
typedef void (*glass_log_cb)(enum glass_log_level level, const char *msg, void *ctx);
void glass_trace_set_log(glass_log_cb cb, void *ctx);
void glass_trace_log(enum glass_log_level level, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An operation in flight: filled by begin, completed by end. */
struct glass_trace_op {
	bool active;
	uint16_t step;
	uint64_t t0;
	const char *call;
	const char *field;
	char args[512];
};

/* Starts an operation: formats the args, emits BEGIN and, in step mode,
 * waits for the answer.  Returns 0 to proceed, -1 with errno = ECANCELED
 * when the controller aborted the step.  Call only when glass_trace_on. */
int glass_trace_begin(struct glass_trace_op *op, const char *call, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Emits END for `op` with the call's result and errno. */
void glass_trace_end(struct glass_trace_op *op, long long result, int errnum);

/* Parent side of the relay: a trace record received from the child is
 * emitted to this process's sink, its pid replaced by `sender` (the pid
 * the socket's credentials give, when > 0); when it asks for a step
 * answer, the answer is collected here and written back as one byte on
 * `sync_fd` ('n' next, 'c' continue, 'a' abort). */
void glass_trace_relay_in(const struct glass_trace_event *ev, pid_t sender, int sync_fd);

/* Writes one event to the active sinks (assigns seq).  Used by the relay
 * and by tests. */
void glass_trace_emit(struct glass_trace_event *ev);

/* Renders an event as one JSON object (no newline) into buf. */
void glass_trace_event_json(const struct glass_trace_event *ev, char *buf, unsigned size);

/* The last events seen by this process (a ring), so a failure can show
 * what led to it.  Returns how many were copied into out (oldest first). */
unsigned glass_trace_recent(struct glass_trace_event *out, unsigned max);

#endif

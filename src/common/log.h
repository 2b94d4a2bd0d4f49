/* SPDX-License-Identifier: MIT */
/*
 * Logging: one small vocabulary for the daemon and the CLI.
 *
 * Only daemon/ and cli/ call these; lower layers return -errno and leave the
 * wording to their callers.  Messages go to stderr as "prog: message"; the
 * daemon switches to syslog-style "<N>" prefixes when stderr is the journal.
 * Thread-safe: each message is written with a single write(2).
 */
#ifndef RC_LOG_H
#define RC_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum rc_log_level {
	RC_LOG_ERR = 3,
	RC_LOG_WARNING = 4,
	RC_LOG_NOTICE = 5,
	RC_LOG_INFO = 6,
	RC_LOG_DEBUG = 7,
};

void rc_log_init(const char *progname, int journal_prefix);
/* Is standard error the journal stream systemd set up for us? */
bool rc_log_stderr_is_journal(void);
/* Start each line with the local time, e.g. 2026-12-01T14:03:05.123+0100
 * (a daemon in the foreground, not under journald). */
void rc_log_set_timestamps(bool on);
void rc_log_set_level(enum rc_log_level max);
int rc_log_get_level(void);

__attribute__((format(printf, 2, 3)))
void rc_log(enum rc_log_level lvl, const char *fmt, ...);
__attribute__((format(printf, 2, 0)))
void rc_logv(enum rc_log_level lvl, const char *fmt, va_list ap);

/*
 * At most @n bytes of @src into @dst, @len bytes with its
 * NUL, each control character (below 0x20, and 0x7f) as \xNN: a name from
 * outside (a path, an interface, a request) in a log line or a report can
 * then neither start a line of its own nor drive the reader's terminal.
 * Cut at a whole character when @dst is full.  Returns the length written.
 */
size_t rc_log_escape(char *dst, size_t len, const char *src, size_t n);

/* Log and return r (a negative errno) with strerror(-r) appended. */
__attribute__((format(printf, 3, 4)))
int rc_log_errno(enum rc_log_level lvl, int r, const char *fmt, ...);

#define log_err(...) rc_log(RC_LOG_ERR, __VA_ARGS__)
#define log_warn(...) rc_log(RC_LOG_WARNING, __VA_ARGS__)
#define log_notice(...) rc_log(RC_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) rc_log(RC_LOG_INFO, __VA_ARGS__)
#define log_debug(...) rc_log(RC_LOG_DEBUG, __VA_ARGS__)

#endif

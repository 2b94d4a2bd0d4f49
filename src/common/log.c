// SPDX-License-Identifier: MIT
/*
 * Logging backend.  Formats into a stack buffer and emits it with one
 * write(2) so that lines from worker threads never interleave.
 */
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "ringcap";
static int journal;
static bool timestamps;
static int max_level = RC_LOG_INFO;

bool rc_log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* set by systemd for the stream it connected; inherited by children
	 * whose stderr may be something else by now: compare */
	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void rc_log_set_timestamps(bool on)
{
	timestamps = on;
}

void rc_log_init(const char *progname, int journal_prefix)
{
	if (progname)
		prog = progname;
	journal = journal_prefix;
}

void rc_log_set_level(enum rc_log_level max)
{
	max_level = max;
}

int rc_log_get_level(void)
{
	return max_level;
}

size_t rc_log_escape(char *dst, size_t len, const char *src, size_t n)
{
	size_t k = 0;

	if (!len)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x20 || c == 0x7f) {
			if (k + 4 >= len)
				break;
			snprintf(dst + k, len - k, "\\x%02x", c);
			k += 4;
		} else {
			if (k + 1 >= len)
				break;
			dst[k++] = (char)c;
		}
	}
	dst[k] = 0;
	return k;
}

void rc_logv(enum rc_log_level lvl, const char *fmt, va_list ap)
{
	char buf[2048], msg[1536];
	int n, m, saved = errno;

	if ((int)lvl > max_level)
		return;
	if (journal) {
		n = snprintf(buf, sizeof(buf), "<%d>", (int)lvl);
	} else if (timestamps) {
		struct timespec ts;
		struct tm tm;
		char when[48] = "";

		clock_gettime(CLOCK_REALTIME, &ts);
		if (localtime_r(&ts.tv_sec, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(buf, sizeof(buf), "%s.%03ld ", when, ts.tv_nsec / 1000000);
		if (n > 0 && (size_t)n < sizeof(buf) && strftime(buf + n - 1, sizeof(buf) - n, "%z", &tm))
			n = (int)strlen(buf);
		n += snprintf(buf + n, sizeof(buf) - n, " %s: ", prog);
	} else {
		n = snprintf(buf, sizeof(buf), "%s: ", prog);
	}
	if (n < 0)
		n = 0;
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (m < 0)
		m = 0;
	if (m > (int)sizeof(msg) - 1)
		m = sizeof(msg) - 1;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	/* a message holds names from outside (paths, interfaces, requests) */
	n += (int)rc_log_escape(buf + n, sizeof(buf) - 1 - (size_t)n, msg, (size_t)m);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}

void rc_log(enum rc_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc_logv(lvl, fmt, ap);
	va_end(ap);
}

int rc_log_errno(enum rc_log_level lvl, int r, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc_log(lvl, "%s: %s", msg, strerror(r < 0 ? -r : r));
	return r;
}

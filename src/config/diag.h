/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics: the messages a configuration load collects (yaml.h), one
 * "FILE:LINE:COLUMN: key: message" line each, so that one run shows every
 * problem of a file.  Lines and columns count from 1, columns in
 * characters.  No logging here: callers print the messages
 * (rc_diag_print) or hand them to the logger.
 *
 * Plain memory, no global state; a struct rc_diag is used by one thread at
 * a time.
 */
#ifndef RC_CONFIG_DIAG_H
#define RC_CONFIG_DIAG_H

#include <stdio.h>

#define RC_DIAG_MAX 64          /* messages kept; later ones are only counted */
#define RC_DIAG_MSG_LEN 512     /* longer messages are truncated */

struct rc_diag_msg {
	unsigned line, col;         /* 1-based; 0 when the message is about the whole file */
	char text[RC_DIAG_MSG_LEN]; /* "FILE:LINE:COL: message", no newline */
};

struct rc_diag {
	unsigned n;                 /* valid entries in msg[] */
	unsigned dropped;           /* errors found beyond RC_DIAG_MAX */
	struct rc_diag_msg msg[RC_DIAG_MAX];
};

void rc_diag_init(struct rc_diag *d);

/*
 * Add "FILE:LINE:COL: message" ("FILE: message" when @line is 0).  A message
 * identical to one already kept is not added twice: a bad value under
 * `defaults` is reported once, not once per capture that inherits it.
 */
__attribute__((format(printf, 5, 6)))
void rc_diag_add(struct rc_diag *d, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...);

/* One line per message, each preceded by @prefix (may be NULL), then
 * "... and N more errors" if some were dropped. */
void rc_diag_print(const struct rc_diag *d, FILE *f, const char *prefix);

#endif

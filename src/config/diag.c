// SPDX-License-Identifier: MIT
/*
 * Configuration diagnostics (diag.h): the "FILE:LINE:COLUMN: message"
 * lines a load collects.  A message already kept is not kept twice; past
 * RC_DIAG_MAX messages are only counted.  diag_sort() puts them in file
 * order once the walk is done (yaml_load.c).
 *
 * Plain memory, no I/O but rc_diag_print(); one struct rc_diag per load,
 * used by one thread at a time.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "yaml_priv.h"

/* snprintf into a fixed buffer where cutting the text short is acceptable
 * (messages, key paths): kept out of line so that the compiler does not
 * flag every such call as a possible truncation. */
__attribute__((format(printf, 3, 4)))
void bprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* diagnostics                                                         */

void rc_diag_init(struct rc_diag *d)
{
	d->n = 0;
	d->dropped = 0;
}

void rc_diag_add(struct rc_diag *d, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...)
{
	char msg[RC_DIAG_MSG_LEN];
	struct rc_diag_msg *m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->n == RC_DIAG_MAX) {
		d->dropped++;
		return;
	}
	m = &d->msg[d->n];
	if (line)
		bprintf(m->text, sizeof(m->text), "%s:%u:%u: %s", file, line, col, msg);
	else
		bprintf(m->text, sizeof(m->text), "%s: %s", file, msg);
	for (unsigned i = 0; i < d->n; i++)
		if (!strcmp(d->msg[i].text, m->text))
			return;
	m->line = line;
	m->col = line ? col : 0;
	d->n++;
}

void rc_diag_print(const struct rc_diag *d, FILE *f, const char *prefix)
{
	for (unsigned i = 0; i < d->n; i++)
		fprintf(f, "%s%s\n", prefix ? prefix : "", d->msg[i].text);
	if (d->dropped)
		fprintf(f, "%s... and %u more error%s\n", prefix ? prefix : "", d->dropped,
			d->dropped == 1 ? "" : "s");
}

/* File order, stable: messages found in one pass come out in the order
 * they were found.  At most RC_DIAG_MAX entries, so insertion sort. */
void diag_sort(struct rc_diag *d)
{
	for (unsigned i = 1; i < d->n; i++) {
		struct rc_diag_msg t = d->msg[i];
		unsigned j = i;

		while (j > 0 && (d->msg[j - 1].line > t.line ||
				 (d->msg[j - 1].line == t.line && d->msg[j - 1].col > t.col))) {
			d->msg[j] = d->msg[j - 1];
			j--;
		}
		d->msg[j] = t;
	}
}

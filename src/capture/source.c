// SPDX-License-Identifier: MIT
/*
 * Helpers every capture source's set-up shares: notes worth a log line and
 * error messages that name the failed step.
 */
#include "source.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rc_source_note(struct rc_source *s, const char *fmt, ...)
{
	size_t len = strlen(s->notes);
	va_list ap;

	if (len + 3 >= sizeof(s->notes))
		return;
	if (len) {
		s->notes[len++] = ';';
		s->notes[len++] = ' ';
		s->notes[len] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(s->notes + len, sizeof(s->notes) - len, fmt, ap);
	va_end(ap);
}

int rc_source_fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

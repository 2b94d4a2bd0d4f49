// SPDX-License-Identifier: MIT
/*
 * What every sink shares: state names and events.
 */
#include "sink.h"

#include <stdarg.h>
#include <stdio.h>

const char *rc_sink_state_name(enum rc_sink_state st)
{
	switch (st) {
	case RC_SINK_IDLE:
		return "starting";
	case RC_SINK_WRITING:
		return "writing";
	case RC_SINK_WAITING:
		return "not writing";
	case RC_SINK_FAILED:
		return "failed";
	case RC_SINK_CLOSED:
		return "closed";
	}
	return "?";
}

void rc_sink_event(struct rc_sink *s, enum rc_log_level lvl, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	if (!s->events)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->label[0])
		rc_events_post(s->events, lvl, "%s: %s", s->label, msg);
	else
		rc_events_post(s->events, lvl, "%s", msg);
}

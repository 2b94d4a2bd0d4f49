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
	va_list ap;

	va_start(ap, fmt);
	rc_events_vpost(s->events, lvl, s->label, fmt, ap);
	va_end(ap);
}

void rc_sink_stats_add(struct rc_sink_stats *dst, const struct rc_sink_stats *src)
{
	/* the counters: every field before the gauges, all uint64_t */
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;

	_Static_assert(offsetof(struct rc_sink_stats, g) % sizeof(uint64_t) == 0,
		       "rc_sink_stats' counters are uint64_t");
	for (size_t i = 0; i < offsetof(struct rc_sink_stats, g) / sizeof(uint64_t); i++)
		d[i] += s[i];
	/* the gauges count queue pairs and credits: they add up too */
	dst->g.fwd_connected += src->g.fwd_connected;
	dst->g.fwd_credits += src->g.fwd_credits;
	dst->g.fwd_zero_copy += src->g.fwd_zero_copy;
}

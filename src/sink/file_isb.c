// SPDX-License-Identifier: MIT
/*
 * File sink: pcapng's per-file statistics (file_priv.h).  Each pcapng
 * file ends with one interface statistics block per interface that says
 * what happened while that file was written: the source's counters
 * (received, dropped, accepted by the filter) at its close minus those at
 * its open, the frames it holds, and its time span.  The counters read at
 * one file's close are the next file's start, so that the files of a run
 * add up to the run's totals.
 *
 * Thread: the capture worker that owns the sink.
 */
#include <stdint.h>
#include <time.h>

#include "../common/clock.h"
#include "file_priv.h"
#include "format.h"

static inline uint64_t ts_units(const struct file_sink *s, uint64_t ns)
{
	return s->ts_micro ? ns / 1000 : ns;
}

/*
 * pcapng's end of a file: one interface statistics block per interface,
 * with this file's time span and what happened while it was written - the
 * difference between the source's counters now and when it was opened -
 * and the frames in it.  The counters now are the next file's start, so
 * that the files of a run add up to the run's totals.
 */
size_t ng_tail(struct file_sink *s, uint8_t *buf)
{
	uint64_t t0 = ts_units(s, s->opened_real), t1 = ts_units(s, rc_clock_ns(CLOCK_REALTIME));
	size_t len = 0;

	for (unsigned i = 0; i < s->n_ifaces; i++) {
		struct rc_sink_counters c, d, *b = &s->ctr_base[i];
		bool have = s->base.counters && s->base.counters(s->base.counters_arg, i, &c) == 0;

		if (have) {
			d.ifrecv = c.ifrecv - b->ifrecv;
			d.ifdrop = c.ifdrop - b->ifdrop;
			d.filteraccept = c.filteraccept - b->filteraccept;
			*b = c;
		}
		len += rc_format_ng_isb(buf + len, i, t0, t1, have ? &d : NULL, s->if_frames[i]);
		s->if_frames[i] = 0;
	}
	s->ctr_fresh = true;
	return len;
}

/* The counters at the start of a file, unless the last close just read them. */
void counters_start(struct file_sink *s)
{
	if (s->fmt->id != FMT_PCAPNG)
		return;
	s->opened_real = rc_clock_ns(CLOCK_REALTIME);
	for (unsigned i = 0; i < s->n_ifaces; i++) {
		s->if_frames[i] = 0;
		if (!s->ctr_fresh && s->base.counters)
			s->base.counters(s->base.counters_arg, i, &s->ctr_base[i]);
	}
	s->ctr_fresh = false;
}

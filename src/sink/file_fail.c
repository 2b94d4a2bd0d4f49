// SPDX-License-Identifier: MIT
/*
 * File sink: when an output cannot write (file_priv.h).
 *
 * After a failed write (disk full, EPIPE) the file is cut back to its last
 * complete record - salvage() walks the records written since the last
 * good flush, as far as they reached the file - so that every file left
 * behind is readable; a file that held no frame yet is removed.  The
 * frames that did not make it, and every frame that misses the output from
 * then on, are counted as lost.  stop_writing() decides what comes next:
 * with retry (the daemon) a new file after a back-off from 1 s to 30 s,
 * for a FIFO without a reader a new try every second, and otherwise the
 * output stops for good.  The state (writing, waiting, failed, closed) is
 * published with a release store, the reason under path_lock.
 *
 * Thread: the capture worker that owns the sink.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../capture/filter.h"
#include "../common/cleanup.h"
#include "../common/clock.h"
#include "../common/counter.h"
#include "file_priv.h"
#include "format.h"
#include "rotate.h"

/*
 * A write failed.  The backend says up to where the file is whole
 * (io.safe_end, a record boundary, with io.safe_tag frames before it) and
 * how far bytes reached it for sure (io.durable); walk the records in
 * between and cut the file after the last whole one.
 */
static void salvage(struct file_sink *s, uint64_t *ret_kept)
{
	uint64_t off = s->io.safe_end, kept = s->io.safe_tag;
	uint64_t end = s->io.durable;
	uint8_t peek[RC_PCAP_REC_HDR];

	if (s->io.regular && s->io.fd >= 0) {
		if (end < s->head_len) {
			off = 0;
		} else {
			if (off < s->head_len)
				off = s->head_len;
			while (off + s->fmt->peek <= end) {
				uint64_t len;
				bool frame;

				if (s->io.ops->read_at(&s->io, peek, s->fmt->peek, off) < 0)
					break;
				len = s->fmt->rec_len(peek, &frame);
				if (len == UINT64_MAX || off + len > end)
					break;
				off += len;
				kept += frame;
			}
		}
		s->io.ops->cut(&s->io, off);
	}
	*ret_kept = kept;
}

/*
 * The output cannot write now.  @why says what happened.  With retry (or
 * for a FIFO that only lacks a reader, @wait_ns) it waits and tries again
 * with a new file; otherwise it has stopped for good.  Returns 0 when it
 * will try again, -@e when it has stopped.
 */
int stop_writing(struct file_sink *s, int e, const char *why, uint64_t wait_ns)
{
	uint64_t now = rc_clock_ns(CLOCK_MONOTONIC);
	char msg[sizeof(s->why)];

	s->ctr_fresh = false;  /* the next file starts with counters of its own */
	snprintf(s->base.err, sizeof(s->base.err), "%s", why);
	if (!s->base.retry && !wait_ns) {
		bool was_writing = get_state(s) == RC_SINK_WRITING;

		s->base.dead = true;
		set_state(s, RC_SINK_FAILED, why);
		rc_sink_event(&s->base, RC_LOG_ERR, "%s%s", why,
			      was_writing ? "; this output has stopped" : "");
		return -e;
	}
	if (!wait_ns) {
		wait_ns = s->backoff;
		s->backoff = RC_MIN(s->backoff * 2, RETRY_MAX_NS);
	}
	__atomic_store_n(&s->retry_at, now + wait_ns, __ATOMIC_RELAXED);
	snprintf(msg, sizeof(msg), "%s; trying again in %llu s", why,
		 (unsigned long long)((wait_ns + 999999999ULL) / 1000000000ULL));
	/* say it once per outage, not at every attempt */
	if (get_state(s) != RC_SINK_WAITING)
		rc_sink_event(&s->base, wait_ns == WAIT_READER_NS ? RC_LOG_WARNING : RC_LOG_ERR,
			      "%s; frames that miss this output are counted as lost", msg);
	set_state(s, RC_SINK_WAITING, why);  /* state() adds when the next try is */
	return 0;
}

/* Turn a failed write into a closed, cut-back file and the sink's state. */
int fail_io(struct file_sink *s, const struct rc_batch *b, unsigned unwritten_from)
{
	int e = s->io.err ? s->io.err : EIO;
	uint64_t kept = s->io.safe_tag, lost;
	char why[sizeof(s->why)];
	bool empty;

	salvage(s, &kept);
	/* nothing but the header reached it (a file whose frames could not be
	 * read back is not empty: it is never removed) */
	empty = kept == 0 && s->io.durable <= s->head_len;
	lost = s->cur_frames - kept;
	RC_COUNTER_ADD(s->st.errors, 1);
	RC_COUNTER_ADD(s->st.lost, lost);
	s->lost_while_down += lost;  /* an outage goes on until a batch is written */
	s->again_pending = false;
	RC_COUNTER_SET(s->st.frames, RC_COUNTER_GET(s->st.frames) - lost);
	if (s->to_stdout)
		snprintf(why, sizeof(why), "writing to standard output failed: %s", strerror(e));
	else if (!s->io.regular)
		snprintf(why, sizeof(why), "writing %.400s failed: %s", s->path, strerror(e));
	else if (empty)
		snprintf(why, sizeof(why), "writing %.400s failed: %s; the file held no frame yet "
			 "and was removed", s->path, strerror(e));
	else if (kept == 0)
		snprintf(why, sizeof(why), "writing %.400s failed: %s; its frames could not be read "
			 "back, so the file is left as it is (%llu bytes)", s->path, strerror(e),
			 (unsigned long long)s->io.durable);
	else
		snprintf(why, sizeof(why), "writing %.400s failed: %s; the file was cut back to its "
			 "last complete frame (%llu frames, %llu bytes kept)", s->path, strerror(e),
			 (unsigned long long)kept, (unsigned long long)s->io.durable);
	if (s->io.regular && empty) {
		/* only a regular file this sink created (O_EXCL/O_TMPFILE), never a
		 * device or fifo; one with no frame in it is no use to anyone, and
		 * retries on a full disk would leave one each */
		unlink(s->path);
		rc_rotor_drop_current(&s->rotor);
	} else {
		rc_rotor_update(&s->rotor, s->io.durable);
	}
	s->io.ops->abandon(&s->io);
	s->wlen = 0;
	s->niov = 0;
	s->cur_frames = 0;
	if (b)
		count_lost(s, b, unwritten_from);
	return stop_writing(s, e, why, 0);
}

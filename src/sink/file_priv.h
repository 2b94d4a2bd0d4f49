/* SPDX-License-Identifier: MIT */
/*
 * The file sink's insides, shared by its files (private to src/sink/file*.c):
 *
 *   file.c         the sink's ops, rotation, and the hot path: the write
 *                  loop and the per-format record encoders, inlined into
 *                  one function per format (keep them in one file)
 *   file_create.c  naming and creating a file (O_TMPFILE + link, O_EXCL)
 *   file_fail.c    a failed write: salvage, the cut-back file, what next
 *   file_isb.c     pcapng's per-file interface statistics
 *
 * A struct file_sink is written by its capture worker only; other threads
 * read its state (atomic), its path and reason (path_lock) and its
 * counters (counter.h) through the stats()/state()/current() ops.
 */
#ifndef RC_SINK_FILE_PRIV_H
#define RC_SINK_FILE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>
#include <time.h>

#include "../capture/filter.h"
#include "fileio.h"
#include "rotate.h"
#include "sink.h"

#define NIOV 1024              /* IOV_MAX */
#define RETRY_MIN_NS (1000ULL * 1000000ULL)
#define RETRY_MAX_NS (30000ULL * 1000000ULL)
#define WAIT_READER_NS (1000ULL * 1000000ULL)

enum fmt { FMT_PCAP, FMT_PCAPNG };

/* ---- the sink -------------------------------------------------------------- */

struct file_sink;

/*
 * A file format.  head and tail are built per file (tail: at its close);
 * rec_len reads a record's length from its first @peek bytes and says
 * whether it holds a frame.  The records themselves: write_frames().
 */
struct file_format {
	const char *name;
	enum fmt id;
	unsigned peek;
	uint64_t (*rec_len)(const uint8_t *p, bool *ret_frame);
	size_t (*tail)(struct file_sink *s, uint8_t *buf);
};

struct file_sink {
	struct rc_sink base;
	const struct file_format *fmt;
	struct rc_fileio io;
	char *tmpl;
	uint32_t file_mode;
	bool to_stdout;
	bool numbered;            /* rotation: every name is numbered */
	bool renumbered;          /* the plain name was taken: numbered from now on */
	bool scanned;             /* the highest existing number was looked up */
	bool packet_time;         /* time rotation and names follow frame timestamps */
	bool ts_micro;            /* microsecond timestamps */
	uint64_t stop_size;       /* stop instead of writing a file past this */
	uint32_t stop_files;      /* stop instead of starting file stop_files + 1 */
	uint8_t *head;            /* what starts every file */
	size_t head_len;
	size_t tail_len;          /* what ends every file (reserved in the size limit) */
	struct bpf_program prog;
	bool has_filter;
	unsigned snaplen;
	unsigned n_ifaces;
	struct rc_rotor rotor;

	uint8_t *wbuf;             /* record headers and small frames */
	size_t wlen;
	struct iovec iov[NIOV];    /* what the next write sends, in order */
	int niov;
	char path[4096];
	pthread_mutex_t path_lock; /* path and why */
	uint64_t cur_bytes, cur_frames, opened_mono;
	uint64_t opened_ts;       /* packet_time: the first frame's timestamp (ns) */
	int io_said;              /* 0, or 1 + io.direct as last said */
	/* per interface, for the file's statistics: the counters when it was
	 * opened, and the frames it holds */
	struct rc_sink_counters *ctr_base;
	uint64_t *if_frames;
	bool ctr_fresh;           /* ctr_base was read at the last close */
	uint64_t opened_real;     /* CLOCK_REALTIME ns at open: isb_starttime */

	int state;                /* enum rc_sink_state; written by the worker */
	char why[600];            /* unless writing: what is wrong */
	uint64_t retry_at;        /* CLOCK_MONOTONIC ns of the next attempt */
	uint64_t backoff;
	uint64_t lost_while_down; /* frames missed since the output stopped writing */
	bool again_pending;       /* a new file after an outage: say so at its first frames */

	struct rc_sink_stats st;
};

/* ---- state ------------------------------------------------------------- */

/* Both inline here as they were when the sink was one file: the write
 * loop (file.c) inlines them, and its code would change if it could not. */
static inline void set_state(struct file_sink *s, enum rc_sink_state st, const char *why)
{
	pthread_mutex_lock(&s->path_lock);
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "");
	pthread_mutex_unlock(&s->path_lock);
	__atomic_store_n(&s->state, (int)st, __ATOMIC_RELEASE);
}

static inline enum rc_sink_state get_state(const struct file_sink *s)
{
	return (enum rc_sink_state)__atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

/* file.c */
void count_lost(struct file_sink *s, const struct rc_batch *b, unsigned from);

/* file_isb.c */
size_t ng_tail(struct file_sink *s, uint8_t *buf);
void counters_start(struct file_sink *s);

/* file_fail.c */
int stop_writing(struct file_sink *s, int e, const char *why, uint64_t wait_ns);
int fail_io(struct file_sink *s, const struct rc_batch *b, unsigned unwritten_from);

/* file_create.c */
int create_file(struct file_sink *s, time_t t, int tmp, char *path, size_t len,
		char *err, size_t errlen);
int open_named_with_header(struct file_sink *s, time_t t, char *path, size_t len,
			   char *err, size_t errlen);

#endif

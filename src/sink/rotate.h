/* SPDX-License-Identifier: MIT */
/*
 * File rotation: names and the set of files kept.  Pure bookkeeping, no
 * I/O, so that every naming and pruning rule is unit-tested.
 *
 * Naming rule (one rule for every combination of -C, -G, -W and budget):
 *   - no rotation: the path as given, strftime-expanded if it holds '%';
 *   - rotation: the strftime-expanded path with "_NNNNN" (a run-wide file
 *     number, from 00001, at least five digits) put before the extension of
 *     the last path component: cap.pcap -> cap_00001.pcap, cap -> cap_00001.
 * Numbers never repeat within a run, so names sort in capture order and a
 * ring of N files is simply the N newest; the oldest is deleted.  Files
 * that were there before the run are never touched: the sink creates every
 * file with O_EXCL, starts numbering after the highest number already in
 * the directory, and writes a non-rotating output whose file exists under
 * the numbered name instead (cap.pcap exists -> cap_00001.pcap).
 */
#ifndef RC_ROTATE_H
#define RC_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../config/conf.h"

/* Insert "_TAG" before the extension of the last path component. */
int rc_rotate_tag(const char *path, const char *tag, char *buf, size_t len);

int rc_rotate_name(const char *tmpl, bool numbered, uint64_t seq, time_t t, char *buf,
		   size_t len);

/*
 * Is directory entry @name the numbered form of file name @base (a last
 * path component, already strftime-expanded), that is @base with "_N" (at
 * least five digits) before its extension?  If so, *ret is N.  Used to
 * continue numbering after the highest file already there, so that a new
 * run never overwrites an earlier run's files and names keep sorting in
 * capture order.
 */
bool rc_rotate_number_of(const char *base, const char *name, uint64_t *ret);

struct rc_rotor_file {
	char *path;
	uint64_t bytes;
	uint64_t dev, ino;   /* which file it was (0, 0: not known) */
};

struct rc_rotor {
	struct rc_rotate_conf conf;
	uint64_t next_seq;
	struct rc_rotor_file *files;  /* oldest first; the last one is being written */
	size_t n, cap;
	uint64_t total;               /* bytes in all files, the open one included */
};

void rc_rotor_init(struct rc_rotor *r, const struct rc_rotate_conf *conf);
void rc_rotor_fini(struct rc_rotor *r);

/* A new file is being written; takes a copy of @path. */
int rc_rotor_push(struct rc_rotor *r, const char *path);

/* The file being written is @dev/@ino: a file at its name later that is
 * another one (replaced, or reached through a directory swapped for a
 * link) is not this run's, and is never removed. */
void rc_rotor_set_id(struct rc_rotor *r, uint64_t dev, uint64_t ino);

/* The file being written has grown to @bytes. */
void rc_rotor_update(struct rc_rotor *r, uint64_t bytes);

/* The file being written was removed (e.g. never got a valid header). */
void rc_rotor_drop_current(struct rc_rotor *r);

/*
 * If the kept files exceed the count or byte budget, take the oldest one
 * out of the set: returns 1 and hands its path to the caller (to unlink and
 * free).  Never returns the file being written.  0 when within limits.
 */
int rc_rotor_pop_excess(struct rc_rotor *r, char **ret_path);
/* The same, with what is known of the file (its path is the caller's). */
int rc_rotor_pop_excess_file(struct rc_rotor *r, struct rc_rotor_file *ret);

/* Size rule: would a record of @rec bytes push a non-empty file over? */
static inline bool rc_rotor_size_due(const struct rc_rotor *r, uint64_t cur_bytes,
				     uint64_t cur_frames, uint64_t rec)
{
	return r->conf.max_size && cur_frames && cur_bytes + rec > r->conf.max_size;
}

/* Time rule: is a non-empty file opened at @opened_ns older than the limit? */
static inline bool rc_rotor_time_due(const struct rc_rotor *r, uint64_t opened_ns,
				     uint64_t now_ns, uint64_t cur_frames)
{
	return r->conf.max_time_ns && cur_frames && now_ns - opened_ns >= r->conf.max_time_ns;
}

#endif

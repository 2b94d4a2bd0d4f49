/* SPDX-License-Identifier: MIT */
/*
 * One file, one writer: which file names a pcap output can write, and
 * whether two outputs of one configuration can ever write the same file.
 *
 * An output's path template stands for a family of names, made the way
 * engine/run.c and sink/rotate.c make them:
 *
 *     DIR/ STEM [_wK] [_NNNNN] EXT
 *
 *   - DIR is normalised: "//", "." and ".." are collapsed, and the longest
 *     leading part of the directory that exists (and holds no '%') is
 *     resolved with realpath(), so a symlinked directory, or ".." taken
 *     after a symlink, lands where the kernel will put the file.  The rest
 *     is collapsed lexically.  The last component is never resolved.
 *   - "_wK" is the per-worker tag, put before the extension of the
 *     template's last component (sink/rotate.c rc_rotate_tag): present for
 *     K < N when the capture has N > 1 workers; absent with one worker;
 *     either, with any K, when the count is only known at start (AF_XDP
 *     with a worker per RX queue: RC_OUTPATHS_ANY).
 *   - strftime conversions stand for what they can print in the C locale
 *     the daemon runs in (%Y four digits, %H two, %a three letters, %s up to
 *     20 digits or '-', ...; flags and widths widen them; a conversion
 *     glibc does not know is printed as written).  No conversion prints '.',
 *     only %D and %x print '/'.
 *   - "_NNNNN" is a file number (five digits from 00001, more digits beyond
 *     99999, never a leading zero then), put before the extension of the
 *     expanded name's last component.  It is part of every family, rotating
 *     or not: a rotating output numbers its files, and an output whose file
 *     already exists writes a numbered one instead of overwriting it.
 *
 * Two outputs clash when their families share a name.  That is decided
 * exactly over these patterns (each family is a small automaton over
 * bytes; the product of two is searched breadth first, so the example
 * given is a shortest shared name), and conservatively where the patterns
 * widen what strftime can print.  When the search grows beyond a fixed
 * budget (dozens of variable-width conversions), the outputs are taken to
 * clash: a configuration that cannot be checked is not passed.
 *
 * Names that are a directory ("DIR/", "DIR/.", "DIR/..") are no file and
 * are left out; templates of PATH_MAX bytes or more cannot be written at
 * all (the daemon's name buffer is that long) and clash with nothing.
 *
 * No logging, no global state; the caller (yaml.c) turns a clash into a
 * message.  Runs in the thread that loads the configuration.
 */
#ifndef RC_CONFIG_OUTPATHS_H
#define RC_CONFIG_OUTPATHS_H

#include <stddef.h>

#include "conf.h"

#define RC_OUTPATHS_ANY 0u          /* worker count known only at start */
#define RC_OUTPATHS_TEXT_LEN 512

struct rc_outpaths;

struct rc_outpaths_clash {
	size_t other;                    /* the earlier output, counted from 0 in adding order */
	/* "would both write FILE" with an example FILE (bytes below 0x20 escaped),
	 * then ", a per-worker name of 'TEMPLATE'" and the like when a tag or a
	 * number makes the name; or why the two could not be told apart */
	char what[RC_OUTPATHS_TEXT_LEN];
};

int rc_outpaths_new(struct rc_outpaths **ret);
struct rc_outpaths *rc_outpaths_free(struct rc_outpaths *s);

/* How many files each output of @c is split into: 1, N, or RC_OUTPATHS_ANY. */
unsigned rc_outpaths_workers(const struct rc_capture_conf *c);

/*
 * Add the output whose path template is @tmpl (absolute), in a capture of
 * @workers workers (rc_outpaths_workers()).  Unless it fails, the output
 * is kept, clash or not, as number rc_outpaths_count() - 1.
 *
 * Returns 0 when no earlier output can write a name it can; 1 when one can,
 * with the first such in *@ret; -EINVAL for a relative template; -ENOMEM.
 */
int rc_outpaths_add(struct rc_outpaths *s, const char *tmpl, unsigned workers,
		    struct rc_outpaths_clash *ret);

size_t rc_outpaths_count(const struct rc_outpaths *s);

/*
 * @tmpl with its directory normalised as above (strftime conversions left
 * as written, the last component untouched): "//x/./y/../a.pcap" gives
 * "/x/a.pcap".  -EINVAL if @tmpl is relative, -ENAMETOOLONG if @len is too
 * small, -ENOMEM.
 */
int rc_outpaths_normalise(const char *tmpl, char *buf, size_t len);

#endif

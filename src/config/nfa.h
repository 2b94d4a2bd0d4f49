/* SPDX-License-Identifier: MIT */
/*
 * Byte automata, just enough to ask whether two patterns of names share
 * one: build a nondeterministic automaton whose edges read a set of bytes
 * (or nothing), then search the product of two breadth first for a
 * shortest string both accept.  Nodes carry marks (a byte of flags chosen
 * by the builder) so that a caller can tell which parts of its pattern the
 * string went through.
 *
 * Used by outpaths.c; kept apart because nothing in it knows about files.
 * No global state; any thread.
 */
#ifndef RC_CONFIG_NFA_H
#define RC_CONFIG_NFA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rc_cset {
	uint64_t w[4];
};

static inline void rc_cset_add(struct rc_cset *s, unsigned char c)
{
	s->w[c >> 6] |= 1ULL << (c & 63);
}

static inline bool rc_cset_has(const struct rc_cset *s, unsigned char c)
{
	return s->w[c >> 6] >> (c & 63) & 1;
}

void rc_cset_add_str(struct rc_cset *s, const char *chars);
void rc_cset_add_range(struct rc_cset *s, unsigned char lo, unsigned char hi);

struct rc_nfa_edge {
	uint32_t from, to;
	bool eps;               /* reads nothing */
	struct rc_cset set;     /* else: one byte of these */
};

/* Build with rc_nfa_node() and rc_nfa_edge*() from start to accept, then
 * rc_nfa_finish().  A failed allocation is remembered (oom) and reported
 * by rc_nfa_finish(), so that building needs no error checks. */
struct rc_nfa {
	struct rc_nfa_edge *e;
	size_t ne, cap_e;
	uint8_t *marks;         /* per node */
	uint32_t nn, cap_n;
	uint32_t *first;        /* after finish: node i's edges are e[first[i]..first[i+1]) */
	uint32_t start, accept;
	bool oom;
};

/* An empty automaton with its start and accepting nodes. */
void rc_nfa_init(struct rc_nfa *a);
void rc_nfa_fini(struct rc_nfa *a);

uint32_t rc_nfa_node(struct rc_nfa *a, uint8_t mark);
/* An edge reading one byte of @set; reading nothing when @set is NULL. */
void rc_nfa_edge(struct rc_nfa *a, uint32_t from, uint32_t to, const struct rc_cset *set);
void rc_nfa_edge_byte(struct rc_nfa *a, uint32_t from, uint32_t to, unsigned char c);
void rc_nfa_edge_range(struct rc_nfa *a, uint32_t from, uint32_t to, unsigned char lo,
		       unsigned char hi);

/* Ready to search; -ENOMEM if building ran out of memory. */
int rc_nfa_finish(struct rc_nfa *a);

#define RC_NFA_TEXT_LEN 4096

struct rc_nfa_meet {
	/* a shortest string both accept (its end if longer), each byte the
	 * first of its set among digits, letters, other visible ASCII, any;
	 * \n, \t and other bytes below 0x20 or 0x7f escaped */
	char text[RC_NFA_TEXT_LEN];
	uint8_t marks_x, marks_y;  /* the marks of the nodes each automaton went through */
};

/*
 * Is there a string both @x and @y accept?  1 with one in *@ret, 0 if
 * none, -E2BIG when the search visited more than @budget pairs of nodes
 * without an answer, -ENOMEM.
 */
int rc_nfa_meet(const struct rc_nfa *x, const struct rc_nfa *y, size_t budget,
		struct rc_nfa_meet *ret);

#endif

// SPDX-License-Identifier: MIT
/*
 * Byte automata and the search of their product; see nfa.h.
 *
 * The search is breadth first over pairs of nodes, so the first pair of
 * accepting nodes it reaches ends a shortest common string; the pairs seen
 * are kept in an open-addressing set and the steps in a queue whose
 * parent links give the string back.
 */
#include "nfa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rc_cset_add_str(struct rc_cset *s, const char *chars)
{
	for (; *chars; chars++)
		rc_cset_add(s, (unsigned char)*chars);
}

void rc_cset_add_range(struct rc_cset *s, unsigned char lo, unsigned char hi)
{
	for (unsigned c = lo; c <= hi; c++)
		rc_cset_add(s, (unsigned char)c);
}

static bool cset_and(const struct rc_cset *a, const struct rc_cset *b, struct rc_cset *ret)
{
	uint64_t any = 0;

	for (int i = 0; i < 4; i++)
		any |= ret->w[i] = a->w[i] & b->w[i];
	return any != 0;
}

/* The byte an example shows for a set: a digit, a letter, something
 * visible, in this order of preference. */
static unsigned char cset_pick(const struct rc_cset *s)
{
	static const uint64_t prefer[][4] = {
		{ 0x03ff000000000000ULL, 0, 0, 0 },                      /* 0-9 */
		{ 0, 0x07fffffe07fffffeULL, 0, 0 },                      /* A-Z a-z */
		{ 0xfffffffe00000000ULL, 0x7fffffffffffffffULL, 0, 0 },  /* 0x21-0x7e */
		{ ~0ULL, ~0ULL, ~0ULL, ~0ULL },
	};

	for (size_t k = 0; k < sizeof(prefer) / sizeof(prefer[0]); k++)
		for (int i = 0; i < 4; i++) {
			uint64_t w = s->w[i] & prefer[k][i];

			if (w)
				return (unsigned char)(64 * i + __builtin_ctzll(w));
		}
	return 0;
}

/* ------------------------------------------------------------------ */
/* building                                                            */

uint32_t rc_nfa_node(struct rc_nfa *a, uint8_t mark)
{
	if (a->nn == a->cap_n) {
		uint32_t cap = a->cap_n ? 2 * a->cap_n : 128;
		uint8_t *m = realloc(a->marks, cap);

		if (!m) {
			a->oom = true;
			return 0;
		}
		a->marks = m;
		a->cap_n = cap;
	}
	a->marks[a->nn] = mark;
	return a->nn++;
}

void rc_nfa_init(struct rc_nfa *a)
{
	memset(a, 0, sizeof(*a));
	a->accept = rc_nfa_node(a, 0);
	a->start = rc_nfa_node(a, 0);
}

void rc_nfa_edge(struct rc_nfa *a, uint32_t from, uint32_t to, const struct rc_cset *set)
{
	if (a->oom)
		return;
	if (a->ne == a->cap_e) {
		size_t cap = a->cap_e ? 2 * a->cap_e : 128;
		struct rc_nfa_edge *e = reallocarray(a->e, cap, sizeof(*e));

		if (!e) {
			a->oom = true;
			return;
		}
		a->e = e;
		a->cap_e = cap;
	}
	a->e[a->ne++] = (struct rc_nfa_edge){ from, to, !set,
					      set ? *set : (struct rc_cset){ { 0 } } };
}

void rc_nfa_edge_byte(struct rc_nfa *a, uint32_t from, uint32_t to, unsigned char c)
{
	struct rc_cset s = { { 0 } };

	rc_cset_add(&s, c);
	rc_nfa_edge(a, from, to, &s);
}

void rc_nfa_edge_range(struct rc_nfa *a, uint32_t from, uint32_t to, unsigned char lo,
		       unsigned char hi)
{
	struct rc_cset s = { { 0 } };

	rc_cset_add_range(&s, lo, hi);
	rc_nfa_edge(a, from, to, &s);
}

static int cmp_edge(const void *x, const void *y)
{
	const struct rc_nfa_edge *a = x, *b = y;

	return (a->from > b->from) - (a->from < b->from);
}

int rc_nfa_finish(struct rc_nfa *a)
{
	if (a->oom)
		return -ENOMEM;
	qsort(a->e, a->ne, sizeof(*a->e), cmp_edge);
	free(a->first);
	a->first = calloc((size_t)a->nn + 1, sizeof(*a->first));
	if (!a->first)
		return -ENOMEM;
	for (size_t i = 0; i < a->ne; i++)
		a->first[a->e[i].from + 1]++;
	for (uint32_t i = 0; i < a->nn; i++)
		a->first[i + 1] += a->first[i];
	return 0;
}

void rc_nfa_fini(struct rc_nfa *a)
{
	free(a->e);
	free(a->marks);
	free(a->first);
	memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------------ */
/* the product search                                                  */

#define NO_PARENT UINT32_MAX

struct step {
	uint32_t a, b, parent;
	int c;               /* the byte both read, -1 for a move that reads nothing */
};

struct search {
	struct step *q;
	size_t n, cap;
	uint64_t *seen;      /* open addressing, key + 1 (0 = empty) */
	size_t seen_cap, seen_n;
	bool oom;
};

/* Both halves of a key (the two nodes) move the slot. */
static size_t slot(uint64_t key, size_t mask)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h ^ h >> 32) & mask;
}

static bool seen_insert(struct search *s, uint64_t key)
{
	size_t mask, i;

	if (2 * (s->seen_n + 1) > s->seen_cap) {
		size_t cap = s->seen_cap ? 2 * s->seen_cap : 1024;
		uint64_t *t = calloc(cap, sizeof(*t));

		if (!t) {
			s->oom = true;
			return false;
		}
		for (size_t k = 0; k < s->seen_cap; k++) {
			uint64_t v = s->seen[k];

			if (!v)
				continue;
			for (i = slot(v, cap - 1); t[i]; i = (i + 1) & (cap - 1))
				;
			t[i] = v;
		}
		free(s->seen);
		s->seen = t;
		s->seen_cap = cap;
	}
	key++;
	mask = s->seen_cap - 1;
	for (i = slot(key, mask); s->seen[i]; i = (i + 1) & mask)
		if (s->seen[i] == key)
			return false;
	s->seen[i] = key;
	s->seen_n++;
	return true;
}

static void visit(struct search *s, uint32_t a, uint32_t b, uint32_t parent,
		  const struct rc_cset *both)
{
	if (!seen_insert(s, (uint64_t)a << 32 | b))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct step *q = reallocarray(s->q, cap, sizeof(*q));

		if (!q) {
			s->oom = true;
			return;
		}
		s->q = q;
		s->cap = cap;
	}
	s->q[s->n++] = (struct step){ a, b, parent, both ? cset_pick(both) : -1 };
}

/* The string of the steps that end at @end, escaped, and the marks. */
static void trace(const struct search *s, size_t end, const struct rc_nfa *x,
		  const struct rc_nfa *y, struct rc_nfa_meet *ret)
{
	char *t = ret->text;
	size_t pos = sizeof(ret->text) - 1;

	t[pos] = '\0';
	ret->marks_x = ret->marks_y = 0;
	for (size_t h = end; h != NO_PARENT; h = s->q[h].parent) {
		const struct step *st = &s->q[h];

		ret->marks_x |= x->marks[st->a];
		ret->marks_y |= y->marks[st->b];
		if (st->c < 0 || pos < 4)
			continue;
		if (st->c == '\n' || st->c == '\t') {
			pos -= 2;
			t[pos] = '\\';
			t[pos + 1] = st->c == '\n' ? 'n' : 't';
		} else if (st->c < 0x20 || st->c == 0x7f) {
			pos -= 4;
			snprintf(t + pos, 5, "\\x%02x", (unsigned)st->c);
		} else {
			t[--pos] = (char)st->c;
		}
	}
	memmove(t, t + pos, sizeof(ret->text) - pos);
}

int rc_nfa_meet(const struct rc_nfa *x, const struct rc_nfa *y, size_t budget,
		struct rc_nfa_meet *ret)
{
	struct search s = { 0 };
	int r = 0;

	visit(&s, x->start, y->start, NO_PARENT, NULL);
	for (size_t h = 0; h < s.n && !s.oom; h++) {
		const struct step st = s.q[h];

		if (st.a == x->accept && st.b == y->accept) {
			trace(&s, h, x, y, ret);
			r = 1;
			break;
		}
		if (s.n > budget) {
			r = -E2BIG;
			break;
		}
		for (uint32_t i = x->first[st.a]; i < x->first[st.a + 1]; i++)
			if (x->e[i].eps)
				visit(&s, x->e[i].to, st.b, (uint32_t)h, NULL);
		for (uint32_t j = y->first[st.b]; j < y->first[st.b + 1]; j++)
			if (y->e[j].eps)
				visit(&s, st.a, y->e[j].to, (uint32_t)h, NULL);
		for (uint32_t i = x->first[st.a]; i < x->first[st.a + 1]; i++) {
			if (x->e[i].eps)
				continue;
			for (uint32_t j = y->first[st.b]; j < y->first[st.b + 1]; j++) {
				struct rc_cset both;

				if (!y->e[j].eps && cset_and(&x->e[i].set, &y->e[j].set, &both))
					visit(&s, x->e[i].to, y->e[j].to, (uint32_t)h, &both);
			}
		}
	}
	if (s.oom)
		r = -ENOMEM;
	free(s.q);
	free(s.seen);
	return r;
}

// SPDX-License-Identifier: MIT
/*
 * Output file families and their clashes; see outpaths.h for the rule.
 *
 * A template is turned into one list of pattern elements per kind of name
 * (with or without the worker tag, with or without the file number): a
 * literal byte, a byte class repeated min..max times (what one strftime
 * conversion prints), the worker number, the file number.  The lists of
 * one output are compiled into one byte automaton (nfa.h); two outputs
 * clash when some string is accepted by both automata.
 * Classes never hold '/' or '.', which is what makes the placement of the
 * file number (before the last '.' of the last component) exact.
 */
#include "outpaths.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfa.h"

#define CLASS_MAX 255            /* a longer field makes a name no file system takes */
#define WORKERS_EXACT_MAX 1000   /* beyond: as if any count */
#define SEARCH_BUDGET (1u << 18) /* state pairs per comparison; real ones need ~1000 */

/* ------------------------------------------------------------------ */
/* pattern elements                                                    */

enum ekind { E_LIT, E_CLASS, E_WORKER, E_NUM };

struct elem {
	enum ekind kind;
	struct rc_cset set;   /* E_LIT: one byte */
	unsigned min, max;    /* E_CLASS */
};

struct elems {
	struct elem *v;
	size_t n, cap;
	bool oom;
};

static void push(struct elems *l, struct elem e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct elem *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = e;
}

static void push_lit(struct elems *l, unsigned char c)
{
	struct elem e = { .kind = E_LIT, .min = 1, .max = 1 };

	rc_cset_add(&e.set, c);
	push(l, e);
}

static void push_lits(struct elems *l, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		push_lit(l, (unsigned char)s[i]);
}

static void push_class(struct elems *l, const struct rc_cset *set, unsigned min, unsigned max)
{
	push(l, (struct elem){ .kind = E_CLASS, .set = *set, .min = min,
			       .max = max > CLASS_MAX ? CLASS_MAX : max });
}

static bool is_lit(const struct elem *e, unsigned char c)
{
	return e->kind == E_LIT && rc_cset_has(&e->set, c);
}

/* ------------------------------------------------------------------ */
/* strftime, C locale, as glibc prints it                              */

#define DIGITS "0123456789"
#define LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static const struct conv {
	char c;
	const char *chars;   /* what it prints, min..max of them; NULL: @sub */
	unsigned min, max;
	const char *sub;     /* the format it stands for */
} convs[] = {
	{ 'a', LETTERS, 3, 3, NULL }, { 'A', LETTERS, 6, 9, NULL },
	{ 'b', LETTERS, 3, 3, NULL }, { 'B', LETTERS, 3, 9, NULL },
	{ 'c', NULL, 0, 0, "%a %b %e %H:%M:%S %Y" }, { 'C', DIGITS, 2, 2, NULL },
	{ 'd', DIGITS, 2, 2, NULL }, { 'D', NULL, 0, 0, "%m/%d/%y" },
	{ 'e', " " DIGITS, 2, 2, NULL }, { 'F', NULL, 0, 0, "%Y-%m-%d" },
	{ 'g', DIGITS, 2, 2, NULL }, { 'G', DIGITS, 4, 4, NULL },
	{ 'h', LETTERS, 3, 3, NULL }, { 'H', DIGITS, 2, 2, NULL },
	{ 'I', DIGITS, 2, 2, NULL }, { 'j', DIGITS, 3, 3, NULL },
	{ 'k', " " DIGITS, 2, 2, NULL }, { 'l', " " DIGITS, 2, 2, NULL },
	{ 'm', DIGITS, 2, 2, NULL }, { 'M', DIGITS, 2, 2, NULL },
	{ 'n', "\n", 1, 1, NULL }, { 'p', LETTERS, 2, 2, NULL },
	{ 'P', LETTERS, 2, 2, NULL }, { 'r', NULL, 0, 0, "%I:%M:%S %p" },
	{ 'R', NULL, 0, 0, "%H:%M" }, { 's', "-" DIGITS, 1, 20, NULL },
	{ 'S', DIGITS, 2, 2, NULL }, { 't', "\t", 1, 1, NULL },
	{ 'T', NULL, 0, 0, "%H:%M:%S" }, { 'u', DIGITS, 1, 1, NULL },
	{ 'U', DIGITS, 2, 2, NULL }, { 'V', DIGITS, 2, 2, NULL },
	{ 'w', DIGITS, 1, 1, NULL }, { 'W', DIGITS, 2, 2, NULL },
	{ 'x', NULL, 0, 0, "%m/%d/%y" }, { 'X', NULL, 0, 0, "%H:%M:%S" },
	{ 'y', DIGITS, 2, 2, NULL }, { 'Y', DIGITS, 4, 4, NULL },
	{ 'z', "+-" DIGITS, 5, 5, NULL }, { 'Z', "+-" DIGITS LETTERS, 1, 32, NULL },
	{ '%', "%", 1, 1, NULL },
};

static const struct conv *conv_find(char c)
{
	for (size_t i = 0; i < sizeof(convs) / sizeof(convs[0]); i++)
		if (convs[i].c == c)
			return &convs[i];
	return NULL;
}

static void parse_fmt(struct elems *l, const char *s, size_t n);

/* A conversion with flags ("_-0^#"; @dash for '-') and a field width. */
static void emit_conv(struct elems *l, const struct conv *cv, bool flags, bool dash,
		      unsigned width)
{
	struct rc_cset set = { { 0 } };
	unsigned min = cv->min;

	if (width) {
		/* padding, or nothing when the field is wider than the width */
		rc_cset_add_str(&set, " 0");
		push_class(l, &set, 0, width);
		memset(&set, 0, sizeof(set));
	}
	if (!cv->chars) {
		for (const char *p = cv->sub; *p; p++) {
			if (*p == '%') {
				p++;
				emit_conv(l, conv_find(*p), flags, dash, 0);
			} else {
				push_lit(l, (unsigned char)*p);
			}
		}
		return;
	}
	rc_cset_add_str(&set, cv->chars);
	if (flags)
		rc_cset_add_str(&set, " 0");
	if (dash)
		min = 1;
	push_class(l, &set, min, cv->max);
}

/* The bytes @s[0..@n) of a template, strftime conversions as patterns. */
static void parse_fmt(struct elems *l, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const struct conv *cv;
		bool flags = false, dash = false;
		unsigned width = 0;
		size_t j = i + 1, end;

		if (s[i] != '%') {
			push_lit(l, (unsigned char)s[i++]);
			continue;
		}
		for (; j < n && s[j] && strchr("_-0^#", s[j]); j++) {
			flags = true;
			dash |= s[j] == '-';
		}
		for (; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			width = width > CLASS_MAX ? width : width * 10 + (unsigned)(s[j] - '0');
		if (j < n && (s[j] == 'E' || s[j] == 'O'))
			j++;
		cv = j < n ? conv_find(s[j]) : NULL;
		if (cv) {
			emit_conv(l, cv, flags, dash, width);
			i = j + 1;
			continue;
		}
		/* glibc prints what it does not know as written, padded */
		end = j < n ? j + 1 : n;
		if (width) {
			struct rc_cset sp = { { 0 } };

			rc_cset_add(&sp, ' ');
			push_class(l, &sp, 0, width);
		}
		push_lits(l, s + i, end - i);
		i = end;
	}
}

/* ------------------------------------------------------------------ */
/* the directory                                                       */

struct comp {
	const char *s;
	size_t len;
	bool verbatim;   /* from realpath(): no strftime in it */
};

struct normdir {
	char *real;      /* realpath() of the longest existing prefix */
	struct comp *c;
	size_t n;
};

static void normdir_fini(struct normdir *d)
{
	free(d->real);
	free(d->c);
}

/* Split @s[0..@len) at '/' into @c (room for len / 2 + 1). */
static size_t split(const char *s, size_t len, struct comp *c, bool verbatim)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && s[j] != '/')
			j++;
		if (j > i)
			c[n++] = (struct comp){ s + i, j - i, verbatim };
		i = j + 1;
	}
	return n;
}

/* The components of the directory @tmpl[0..@dirlen), normalised. */
static int normdir_make(const char *tmpl, size_t dirlen, struct normdir *ret)
{
	struct comp *raw, *out;
	size_t nraw, first_var, j, n = 0;
	char *real = NULL;

	raw = calloc(dirlen / 2 + 1, sizeof(*raw));
	if (!raw)
		return -ENOMEM;
	nraw = split(tmpl, dirlen, raw, false);
	for (first_var = 0; first_var < nraw; first_var++)
		if (memchr(raw[first_var].s, '%', raw[first_var].len))
			break;
	/* the longest leading part that exists, as the kernel resolves it */
	for (j = first_var; j > 0; j--) {
		const char *end = raw[j - 1].s + raw[j - 1].len;
		char *prefix = strndup(tmpl, (size_t)(end - tmpl));

		if (!prefix) {
			free(raw);
			return -ENOMEM;
		}
		real = realpath(prefix, NULL);
		free(prefix);
		if (real)
			break;
		if (errno == ENOMEM) {
			free(raw);
			return -ENOMEM;
		}
	}
	out = calloc((real ? strlen(real) / 2 + 1 : 0) + nraw + 1, sizeof(*out));
	if (!out) {
		free(real);
		free(raw);
		return -ENOMEM;
	}
	if (real)
		n = split(real, strlen(real), out, true);
	for (; j < nraw; j++) {
		const struct comp *c = &raw[j];

		if (c->len == 1 && c->s[0] == '.')
			continue;
		if (c->len == 2 && c->s[0] == '.' && c->s[1] == '.') {
			if (n)
				n--;
			continue;
		}
		out[n++] = *c;
	}
	free(raw);
	*ret = (struct normdir){ real, out, n };
	return 0;
}

int rc_outpaths_normalise(const char *tmpl, char *buf, size_t len)
{
	const char *last;
	struct normdir d;
	size_t pos = 0;
	int r;

	if (tmpl[0] != '/')
		return -EINVAL;
	last = strrchr(tmpl, '/') + 1;
	r = normdir_make(tmpl, (size_t)(last - tmpl), &d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d.n && r == 0; i++) {
		int k = snprintf(buf + pos, len - pos, "/%.*s", (int)d.c[i].len, d.c[i].s);

		if (k < 0 || (size_t)k >= len - pos)
			r = -ENAMETOOLONG;
		else
			pos += (size_t)k;
	}
	if (r == 0) {
		int k = snprintf(buf + pos, len - pos, "/%s", last);

		if (k < 0 || (size_t)k >= len - pos)
			r = -ENAMETOOLONG;
	}
	normdir_fini(&d);
	return r;
}

/* ------------------------------------------------------------------ */
/* patterns to automata                                                */

enum { F_TAG = 1, F_NUM = 2 };  /* a node inside a worker tag / a file number */

/* Any worker number (the count is known only at start): 0, or up to ten
 * digits without a leading zero. */
static uint32_t build_worker_any(struct rc_nfa *a, uint32_t cur, uint32_t exit)
{
	uint32_t z = rc_nfa_node(a, F_TAG), d = rc_nfa_node(a, F_TAG);

	rc_nfa_edge_byte(a, cur, z, '0');
	rc_nfa_edge(a, z, exit, NULL);
	rc_nfa_edge_range(a, cur, d, '1', '9');
	rc_nfa_edge(a, d, exit, NULL);
	for (int i = 1; i < 10; i++) {
		uint32_t nd = rc_nfa_node(a, F_TAG);

		rc_nfa_edge_range(a, d, nd, '0', '9');
		rc_nfa_edge(a, nd, exit, NULL);
		d = nd;
	}
	return exit;
}

/* The worker number K: 0 .. @workers - 1 in decimal, or any. */
static uint32_t build_worker(struct rc_nfa *a, uint32_t cur, unsigned workers)
{
	uint32_t exit = rc_nfa_node(a, F_TAG);
	size_t base = a->ne;

	if (workers == RC_OUTPATHS_ANY || workers > WORKERS_EXACT_MAX)
		return build_worker_any(a, cur, exit);
	/* a trie of the numbers; a node is found again by the edge into it */
	for (unsigned k = 0; k < workers; k++) {
		char digits[16];
		uint32_t at = cur;

		snprintf(digits, sizeof(digits), "%u", k);
		for (const char *p = digits; *p; p++) {
			uint32_t next = UINT32_MAX;

			for (size_t i = base; i < a->ne && !a->oom; i++)
				if (a->e[i].from == at && !a->e[i].eps &&
				    rc_cset_has(&a->e[i].set, (unsigned char)*p)) {
					next = a->e[i].to;
					break;
				}
			if (next == UINT32_MAX) {
				next = rc_nfa_node(a, F_TAG);
				rc_nfa_edge_byte(a, at, next, (unsigned char)*p);
			}
			at = next;
		}
		rc_nfa_edge(a, at, exit, NULL);
	}
	return exit;
}

/* "_" and a file number: %05llu of 1, 2, ... (five digits, not all zero,
 * or six and more without a leading zero; 64 bits have 20). */
static uint32_t build_num(struct rc_nfa *a, uint32_t cur)
{
	uint32_t u = rc_nfa_node(a, F_NUM), exit = rc_nfa_node(a, F_NUM);
	uint32_t zero = u, nonzero = UINT32_MAX, d;

	rc_nfa_edge_byte(a, cur, u, '_');
	for (int i = 1; i <= 5; i++) {
		uint32_t z = i < 5 ? rc_nfa_node(a, F_NUM) : UINT32_MAX;
		uint32_t nz = rc_nfa_node(a, F_NUM);

		if (z != UINT32_MAX)
			rc_nfa_edge_byte(a, zero, z, '0');
		rc_nfa_edge_range(a, zero, nz, '1', '9');
		if (nonzero != UINT32_MAX)
			rc_nfa_edge_range(a, nonzero, nz, '0', '9');
		zero = z;
		nonzero = nz;
	}
	rc_nfa_edge(a, nonzero, exit, NULL);
	d = rc_nfa_node(a, F_NUM);
	rc_nfa_edge_range(a, u, d, '1', '9');
	for (int i = 2; i <= 20; i++) {
		uint32_t nd = rc_nfa_node(a, F_NUM);

		rc_nfa_edge_range(a, d, nd, '0', '9');
		if (i >= 6)
			rc_nfa_edge(a, nd, exit, NULL);
		d = nd;
	}
	return exit;
}

static void build_chain(struct rc_nfa *a, const struct elems *l, unsigned workers)
{
	uint32_t cur = rc_nfa_node(a, 0);

	rc_nfa_edge(a, a->start, cur, NULL);
	for (size_t i = 0; i < l->n; i++) {
		const struct elem *e = &l->v[i];
		uint32_t next, exit;

		switch (e->kind) {
		case E_LIT:
			next = rc_nfa_node(a, 0);
			rc_nfa_edge(a, cur, next, &e->set);
			cur = next;
			break;
		case E_CLASS:
			exit = rc_nfa_node(a, 0);
			if (e->min == 0)
				rc_nfa_edge(a, cur, exit, NULL);
			for (unsigned k = 1; k <= e->max; k++) {
				next = rc_nfa_node(a, 0);
				rc_nfa_edge(a, cur, next, &e->set);
				if (k >= e->min)
					rc_nfa_edge(a, next, exit, NULL);
				cur = next;
			}
			cur = exit;
			break;
		case E_WORKER:
			cur = build_worker(a, cur, workers);
			break;
		case E_NUM:
			cur = build_num(a, cur);
			break;
		}
	}
	rc_nfa_edge(a, cur, a->accept, NULL);
}

/* ------------------------------------------------------------------ */
/* an output's family                                                  */

struct family {
	char *tmpl;
	bool none;       /* writes no file: the template is too long */
	struct rc_nfa nfa;
};

struct rc_outpaths {
	struct family *f;
	size_t n, cap;
};

/* Does @l name a directory ("D/", "D/.", "D/..") rather than a file? */
static bool names_directory(const struct elems *l)
{
	size_t i = l->n;

	while (i > 0 && !is_lit(&l->v[i - 1], '/'))
		i--;
	for (size_t k = i; k < l->n; k++)
		if (!is_lit(&l->v[k], '.'))
			return false;
	return l->n - i <= 2;
}

/* @l with the file number in: before the last '.' of the last component,
 * unless that '.' starts it (a hidden name), else at the end. */
static void add_number(struct elems *l)
{
	size_t slash = 0, at = l->n;

	for (size_t i = 0; i < l->n; i++)
		if (is_lit(&l->v[i], '/'))
			slash = i;
	for (size_t i = l->n; i > slash + 2; i--)
		if (is_lit(&l->v[i - 1], '.')) {
			at = i - 1;
			break;
		}
	push(l, (struct elem){ .kind = E_NUM });
	if (l->oom)
		return;
	memmove(&l->v[at + 1], &l->v[at], (l->n - 1 - at) * sizeof(l->v[0]));
	l->v[at] = (struct elem){ .kind = E_NUM };
}

/* The elements of the normalised directory, ending in '/'. */
static void dir_elems(struct elems *l, const struct normdir *d)
{
	for (size_t i = 0; i < d->n; i++) {
		push_lit(l, '/');
		if (d->c[i].verbatim)
			push_lits(l, d->c[i].s, d->c[i].len);
		else
			parse_fmt(l, d->c[i].s, d->c[i].len);
	}
	push_lit(l, '/');
}

/* One kind of name: with the worker tag or not, numbered or not. */
static int add_variant(struct rc_nfa *a, const struct normdir *d, const char *last, bool tag,
		       bool numbered, unsigned workers)
{
	struct elems l = { 0 };
	int r = 0;

	dir_elems(&l, d);
	if (tag) {
		/* rc_rotate_tag on the template: "_wK" before the extension */
		const char *dot = strrchr(last, '.');
		size_t stem = dot && dot != last ? (size_t)(dot - last) : strlen(last);
		char *head = malloc(stem + 3);

		if (!head) {
			free(l.v);
			return -ENOMEM;
		}
		memcpy(head, last, stem);
		memcpy(head + stem, "_w", 3);
		parse_fmt(&l, head, stem + 2);
		free(head);
		push(&l, (struct elem){ .kind = E_WORKER });
		parse_fmt(&l, last + stem, strlen(last + stem));
	} else {
		parse_fmt(&l, last, strlen(last));
	}
	if (numbered)
		add_number(&l);
	if (l.oom)
		r = -ENOMEM;
	else if (!names_directory(&l))
		build_chain(a, &l, workers);
	free(l.v);
	return r;
}

static int family_build(struct family *f, const char *tmpl, unsigned workers)
{
	const char *last = strrchr(tmpl, '/') + 1;
	bool untagged = workers == 1 || workers == RC_OUTPATHS_ANY;
	bool tagged = workers != 1;
	struct normdir d;
	int r;

	if (strlen(tmpl) >= PATH_MAX) {
		f->none = true;
		return 0;
	}
	r = normdir_make(tmpl, (size_t)(last - tmpl), &d);
	if (r < 0)
		return r;
	rc_nfa_init(&f->nfa);
	for (int numbered = 0; numbered < 2 && r == 0; numbered++) {
		if (untagged)
			r = add_variant(&f->nfa, &d, last, false, numbered, workers);
		if (tagged && r == 0)
			r = add_variant(&f->nfa, &d, last, true, numbered, workers);
	}
	normdir_fini(&d);
	return r < 0 ? r : rc_nfa_finish(&f->nfa);
}

/* snprintf where a message cut short is acceptable; out of line so that
 * the compiler does not flag each possible truncation. */
__attribute__((format(printf, 3, 4)))
static void textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* "a numbered per-worker name of 'T'" and the like, or "". */
static void how_made(char *buf, size_t len, uint8_t flags, const char *tmpl)
{
	const char *kind = (flags & F_TAG) && (flags & F_NUM) ? "numbered per-worker"
			   : flags & F_TAG ? "per-worker" : "numbered";

	if (flags)
		snprintf(buf, len, "a %s name of '%s'", kind, tmpl);
	else
		*buf = '\0';
}

/* Can @self write a name @other can?  1 with the message in @what. */
static int compare(const struct family *self, const struct family *other, char *what,
		   size_t len)
{
	char mine[RC_OUTPATHS_TEXT_LEN], theirs[RC_OUTPATHS_TEXT_LEN];
	struct rc_nfa_meet *m;
	int r;

	if (self->none || other->none)
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = rc_nfa_meet(&other->nfa, &self->nfa, SEARCH_BUDGET, m);
	if (r > 0) {
		how_made(mine, sizeof(mine), m->marks_y, self->tmpl);
		how_made(theirs, sizeof(theirs), m->marks_x, other->tmpl);
		if (!strcmp(mine, theirs))
			*theirs = '\0';
		textf(what, len, "would both write %s%s%s%s%s", m->text,
			 *mine || *theirs ? ", " : "", mine, *mine && *theirs ? " and " : "",
			 theirs);
	} else if (r == -E2BIG) {
		snprintf(what, len, "may write the same file: their names have too many "
			 "variable fields to tell apart");
		r = 1;
	}
	free(m);
	return r;
}

/* ------------------------------------------------------------------ */
/* the set                                                             */

int rc_outpaths_new(struct rc_outpaths **ret)
{
	struct rc_outpaths *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

struct rc_outpaths *rc_outpaths_free(struct rc_outpaths *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].tmpl);
		rc_nfa_fini(&s->f[i].nfa);
	}
	free(s->f);
	free(s);
	return NULL;
}

unsigned rc_outpaths_workers(const struct rc_capture_conf *c)
{
	if (c->backend == RC_BACKEND_AFXDP && !c->workers)
		return RC_OUTPATHS_ANY;
	return c->workers ? c->workers : 1;
}

size_t rc_outpaths_count(const struct rc_outpaths *s)
{
	return s->n;
}

int rc_outpaths_add(struct rc_outpaths *s, const char *tmpl, unsigned workers,
		    struct rc_outpaths_clash *ret)
{
	struct family *f;
	int r;

	if (tmpl[0] != '/')
		return -EINVAL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;

		f = reallocarray(s->f, cap, sizeof(*f));
		if (!f)
			return -ENOMEM;
		s->f = f;
		s->cap = cap;
	}
	f = &s->f[s->n];
	memset(f, 0, sizeof(*f));
	f->tmpl = strdup(tmpl);
	r = f->tmpl ? family_build(f, tmpl, workers) : -ENOMEM;
	if (r < 0) {
		free(f->tmpl);
		rc_nfa_fini(&f->nfa);
		return r;
	}
	s->n++;
	for (size_t i = 0; i + 1 < s->n; i++) {
		r = compare(f, &s->f[i], ret->what, sizeof(ret->what));
		if (r != 0) {
			ret->other = i;
			return r;
		}
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * From a YAML node to a C value, or to one message: the schema's (yaml.c)
 * helpers.
 *
 * walk_map() matches a mapping's keys against the list the schema gives
 * (struct map_key): an unknown key is answered with the nearest known one
 * ("did you mean") or with the list of known keys, a repeated one points at
 * the first.  The get_*() helpers read one value each - integers, booleans,
 * sizes, durations, file modes, strings, absolute paths, a choice from a
 * table, fanout settings, filter expressions (compiled as the capture
 * would) - and return 0 when the key is absent, 1 when the value was
 * stored, or -EINVAL after one message that names the key path
 * ("captures[0].ring.size") and what was expected.
 *
 * Private to the loader (yaml_priv.h).  Reentrant, no global state.
 */
#include <ctype.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/cleanup.h"
#include "yaml_priv.h"

#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

__attribute__((format(printf, 4, 5)))
void diag_at(struct ctx *x, yaml_mark_t m, const char *path, const char *fmt, ...)
{
	unsigned line = (unsigned)m.line + 1, col = (unsigned)m.column + 1;
	char msg[RC_DIAG_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->errors++;
	if (path && *path)
		rc_diag_add(x->diag, x->file, line, col, "%s: %s", path, msg);
	else
		rc_diag_add(x->diag, x->file, line, col, "%s", msg);
}

static char *xstrdup(struct ctx *x, const char *s)
{
	char *p = strdup(s);

	if (!p)
		x->oom = true;
	return p;
}

/* "parent.key"; a path too long for PATH_LEN is cut, which only shortens
 * a message. */
void join(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		bprintf(buf, PATH_LEN, "%s.%s", parent, key);
	else
		bprintf(buf, PATH_LEN, "%s", key);
}

yaml_node_t *node(struct ctx *x, int id)
{
	return yaml_document_get_node(x->doc, id);
}

const char *text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain scalar that YAML reads as null: empty, "~" or "null". */
bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = text(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* What a node is, for "expected X, got Y". */
static const char *describe(const yaml_node_t *n, char *buf, size_t len)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (is_null(n))
		return "nothing";
	if (strlen(text(n)) > 40)
		bprintf(buf, len, "'%.40s...'", text(n));
	else
		bprintf(buf, len, "'%s'", text(n));
	return buf;
}

static void wrong_type(struct ctx *x, const yaml_node_t *n, const char *path, const char *want)
{
	char buf[64];

	diag_at(x, n->start_mark, path, "expected %s, got %s", want, describe(n, buf, sizeof(buf)));
}

/* ------------------------------------------------------------------ */
/* keys                                                                */

/* Optimal string alignment distance (a swap of neighbours counts 1). */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = d[i - 1][j - 1] + cost;

			v = RC_MIN(v, d[i - 1][j] + 1);
			v = RC_MIN(v, d[i][j - 1] + 1);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = RC_MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	return d[la][lb];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void unknown_key(struct ctx *x, const yaml_node_t *key, const char *path,
			const struct map_key *slots, size_t n)
{
	const char *best = NULL, *names[16];
	unsigned best_d = 3;
	char known[256] = "";
	size_t len = 0, nn = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned dist = edit_distance(text(key), slots[i].name);

		if (dist < best_d) {
			best_d = dist;
			best = slots[i].name;
		}
		if (nn < RC_ARRAY_SIZE(names))
			names[nn++] = slots[i].name;
	}
	qsort(names, nn, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < nn && len < sizeof(known); i++)
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
					names[i]);
	if (best)
		diag_at(x, key->start_mark, path, "unknown key '%s', did you mean '%s'?", text(key),
		    best);
	else
		diag_at(x, key->start_mark, path, "unknown key '%s' (known keys: %s)", text(key),
		    known);
}

/*
 * Fill @slots from mapping @map.  Null counts as an empty mapping (a section
 * written with nothing under it).  Unknown and repeated keys are reported;
 * the first of repeated keys is kept.  -EINVAL if @map is no mapping at all.
 */
int walk_map(struct ctx *x, yaml_node_t *map, const char *path, struct map_key *slots,
	     size_t n)
{
	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE) {
		wrong_type(x, map, path, "a mapping");
		return -EINVAL;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(x, p->key), *v = node(x, p->value);
		size_t i;

		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			wrong_type(x, k, *path ? path : "key", "a key name");
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(text(k), slots[i].name))
				break;
		if (i == n) {
			unknown_key(x, k, path, slots, n);
			continue;
		}
		if (slots[i].key) {
			diag_at(x, k->start_mark, path, "duplicate key '%s' (first given at %zu:%zu)",
			    slots[i].name, slots[i].key->start_mark.line + 1,
			    slots[i].key->start_mark.column + 1);
			continue;
		}
		slots[i].key = k;
		slots[i].val = v;
	}
	return 0;
}

void missing_key(struct ctx *x, const yaml_node_t *map, const char *path,
		 const char *key)
{
	diag_at(x, map->start_mark, path, "missing required key '%s'", key);
}

/* ------------------------------------------------------------------ */
/* values: 0 = key absent, 1 = value stored, -EINVAL = reported        */

static const char *want_scalar(struct ctx *x, const struct map_key *s, const char *path,
			       const char *want)
{
	if (s->val->type != YAML_SCALAR_NODE || is_null(s->val)) {
		wrong_type(x, s->val, path, want);
		return NULL;
	}
	if (strlen(text(s->val)) != s->val->data.scalar.length) {
		diag_at(x, s->val->start_mark, path, "contains a NUL character");
		return NULL;
	}
	return text(s->val);
}

static void fmt_num(char *buf, size_t len, uint64_t v, bool size)
{
	if (size && v >= GiB && v % GiB == 0)
		bprintf(buf, len, "%lluGiB", (unsigned long long)(v / GiB));
	else if (size && v >= MiB && v % MiB == 0)
		bprintf(buf, len, "%lluMiB", (unsigned long long)(v / MiB));
	else if (size && v >= 1024 && v % 1024 == 0)
		bprintf(buf, len, "%lluKiB", (unsigned long long)(v / 1024));
	else
		bprintf(buf, len, "%llu", (unsigned long long)v);
}

enum unit_kind { KIND_INT, KIND_SIZE, KIND_DURATION, KIND_MODE };

static void fmt_value(char *buf, size_t len, uint64_t v, enum unit_kind kind)
{
	if (kind == KIND_DURATION)
		rc_format_duration(buf, len, v);
	else if (kind == KIND_MODE)
		bprintf(buf, len, "%04llo", (unsigned long long)v);
	else
		fmt_num(buf, len, v, kind == KIND_SIZE);
}

static void out_of_range(struct ctx *x, const struct map_key *s, const char *path, uint64_t min,
			 uint64_t max, enum unit_kind kind)
{
	char lo[32], hi[32];

	fmt_value(lo, sizeof(lo), min, kind);
	fmt_value(hi, sizeof(hi), max, kind);
	if (max == NO_MAX)
		diag_at(x, s->val->start_mark, path, "%s is out of range (at least %s)",
		    text(s->val), lo);
	else
		diag_at(x, s->val->start_mark, path, "%s is out of range (%s to %s)", text(s->val),
		    lo, hi);
}

/* A "-5" is a number, only not one we take. */
static bool is_negative_number(const char *s)
{
	return s[0] == '-' && isdigit((unsigned char)s[1]);
}

int get_uint(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
	     uint64_t max, uint64_t *ret)
{
	char path[PATH_LEN];
	const char *t;
	uint64_t v;
	int r;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	t = want_scalar(x, s, path, "an integer");
	if (!t)
		return -EINVAL;
	r = rc_parse_uint(t, max, &v);
	if (r == -ERANGE || (r == 0 && v < min) || (r < 0 && is_negative_number(t))) {
		out_of_range(x, s, path, min, max, KIND_INT);
		return -EINVAL;
	}
	if (r < 0) {
		wrong_type(x, s->val, path, "an integer");
		return -EINVAL;
	}
	*ret = v;
	return 1;
}

int get_u32(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
	    uint64_t max, uint32_t *ret)
{
	uint64_t v;
	int r = get_uint(x, parent, s, min, max, &v);

	if (r > 0)
		*ret = (uint32_t)v;
	return r;
}

int get_bool(struct ctx *x, const char *parent, const struct map_key *s, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	static const char want[] = "a boolean (true/false, yes/no, on/off)";
	char path[PATH_LEN];
	const char *t;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	t = want_scalar(x, s, path, want);
	if (!t)
		return -EINVAL;
	for (size_t i = 0; i < RC_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(t, yes[i])) {
			*ret = true;
			return 1;
		}
		if (!strcasecmp(t, no[i])) {
			*ret = false;
			return 1;
		}
	}
	wrong_type(x, s->val, path, want);
	return -EINVAL;
}

/* A number with a unit: a size or a duration. */
struct unit_num {
	const char *what;	/* "a size" */
	const char *hint;	/* how one is written */
	int (*parse)(const char *s, uint64_t bare_unit, uint64_t *ret);
	uint64_t bare_unit;	/* what a bare number counts */
	enum unit_kind kind;
};

static int get_unit_num(struct ctx *x, const char *parent, const struct map_key *s,
			const struct unit_num *u, uint64_t min, uint64_t max, uint64_t *ret)
{
	char path[PATH_LEN];
	const char *t;
	uint64_t v;
	int r;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	t = want_scalar(x, s, path, u->what);
	if (!t)
		return -EINVAL;
	r = u->parse(t, u->bare_unit, &v);
	if (r == -EINVAL && !is_negative_number(t)) {
		diag_at(x, s->val->start_mark, path, "'%s' is not %s (%s)", t, u->what, u->hint);
		return -EINVAL;
	}
	if (r < 0 || v < min || v > max) {
		if (r == -ERANGE && max == NO_MAX)
			diag_at(x, s->val->start_mark, path, "%s is out of range (too large)", t);
		else
			out_of_range(x, s, path, min, max, u->kind);
		return -EINVAL;
	}
	*ret = v;
	return 1;
}

/* Sizes: a bare number is bytes.  @max NO_MAX = no limit of ours. */
int get_size(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
	     uint64_t max, uint64_t *ret)
{
	static const struct unit_num u = {
		"a size", "a number of bytes, or with B, KiB, MiB, GiB, TiB, kB, MB, GB or TB",
		rc_parse_size, 1, KIND_SIZE,
	};

	return get_unit_num(x, parent, s, &u, min, max, ret);
}

/* Durations in nanoseconds: a bare number is seconds. */
int get_duration(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
		 uint64_t max, uint64_t *ret)
{
	static const struct unit_num u = {
		"a duration", "a number of seconds, or with ns, us, ms, s, min, h or d",
		rc_parse_duration, SEC, KIND_DURATION,
	};

	return get_unit_num(x, parent, s, &u, min, max, ret);
}

/* A file mode: octal digits as chmod(1) takes them, with or without the
 * leading 0 ("0640", 640, 0o640), quoted or not. */
int get_mode(struct ctx *x, const char *parent, const struct map_key *s, uint32_t *ret)
{
	static const char want[] = "an octal file mode such as \"0640\"";
	char path[PATH_LEN];
	const char *t, *p;
	uint64_t v = 0;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	t = want_scalar(x, s, path, want);
	if (!t)
		return -EINVAL;
	p = t;
	if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		p += 2;
	if (!*p || strspn(p, "01234567") != strlen(p)) {
		wrong_type(x, s->val, path, want);
		return -EINVAL;
	}
	for (; *p; p++) {
		v = v * 8 + (uint64_t)(*p - '0');
		if (v > 07777)
			break;
	}
	/* 0 is refused: to the pcap sink it means "not set" */
	if (v < 1 || v > 0777) {
		out_of_range(x, s, path, 1, 0777, KIND_MODE);
		return -EINVAL;
	}
	*ret = (uint32_t)v;
	return 1;
}

/* A string; with @empty_ok false, "" is reported as missing a value.  Null
 * is "" where @empty_ok. */
int get_str(struct ctx *x, const char *parent, const struct map_key *s, bool empty_ok,
	    char **ret)
{
	char path[PATH_LEN];
	const char *t;
	char *dup;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	if (empty_ok && is_null(s->val)) {
		t = "";
	} else {
		t = want_scalar(x, s, path, "a string");
		if (!t)
			return -EINVAL;
	}
	if (!empty_ok && !*t) {
		wrong_type(x, s->val, path, "a non-empty string");
		return -EINVAL;
	}
	dup = xstrdup(x, t);
	if (!dup)
		return -ENOMEM;
	free(*ret);
	*ret = dup;
	return 1;
}

int get_abs_path(struct ctx *x, const char *parent, const struct map_key *s, char **ret)
{
	char path[PATH_LEN];
	int r = get_str(x, parent, s, false, ret);

	if (r <= 0)
		return r;
	if ((*ret)[0] != '/') {
		join(path, parent, s->name);
		diag_at(x, s->val->start_mark, path, "'%s' is not an absolute path", *ret);
		free(*ret);
		*ret = NULL;
		return -EINVAL;
	}
	return 1;
}

int get_choice(struct ctx *x, const char *path, const yaml_node_t *n,
	       const struct choice *c, size_t nc, const char *what, int *ret)
{
	char known[128] = "";
	size_t len = 0;
	const char *t;

	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		char want[64];

		bprintf(want, sizeof(want), "a %s", what);
		wrong_type(x, n, path, want);
		return -EINVAL;
	}
	t = text(n);
	for (size_t i = 0; i < nc; i++) {
		if (!strcmp(t, c[i].name)) {
			*ret = c[i].value;
			return 1;
		}
		if (len < sizeof(known))
			len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s",
						i ? (i + 1 == nc ? " or " : ", ") : "", c[i].name);
	}
	diag_at(x, n->start_mark, path, "unknown %s '%s' (expected %s)", what, t, known);
	return -EINVAL;
}

static const struct choice fanout_modes[] = {
	{ "hash", RC_FANOUT_HASH }, { "lb", RC_FANOUT_LB },
	{ "cpu", RC_FANOUT_CPU },   { "qm", RC_FANOUT_QM },
	{ "rollover", RC_FANOUT_ROLLOVER }, { "random", RC_FANOUT_RANDOM },
};

enum { FLAG_DEFRAG, FLAG_ROLLOVER };
static const struct choice fanout_flags[] = {
	{ "defrag", FLAG_DEFRAG },
	{ "rollover", FLAG_ROLLOVER },
};

int get_fanout(struct ctx *x, const char *parent, const struct map_key *s,
	       enum rc_fanout_mode *ret)
{
	char path[PATH_LEN];
	int v, r;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	r = get_choice(x, path, s->val, fanout_modes, RC_ARRAY_SIZE(fanout_modes), "fanout mode",
		       &v);
	if (r > 0)
		*ret = (enum rc_fanout_mode)v;
	return r;
}

int get_fanout_flags(struct ctx *x, const char *parent, const struct map_key *s,
		     struct rc_capture_conf *c)
{
	char path[PATH_LEN];
	bool defrag = false, rollover = false;
	int bad = 0;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	if (is_null(s->val))
		goto done; /* "fanout_flags:" with nothing: none */
	if (s->val->type != YAML_SEQUENCE_NODE) {
		wrong_type(x, s->val, path, "a list of fanout flags");
		return -EINVAL;
	}
	for (yaml_node_item_t *it = s->val->data.sequence.items.start;
	     it < s->val->data.sequence.items.top; it++) {
		char ipath[PATH_LEN];
		yaml_node_t *n = node(x, *it);
		int v;

		if (!n)
			continue;
		bprintf(ipath, sizeof(ipath), "%s[%td]", path,
			it - s->val->data.sequence.items.start);
		if (get_choice(x, ipath, n, fanout_flags, RC_ARRAY_SIZE(fanout_flags),
			       "fanout flag", &v) < 0) {
			bad = 1;
			continue;
		}
		if (v == FLAG_DEFRAG)
			defrag = true;
		else
			rollover = true;
	}
	if (bad)
		return -EINVAL;
done:
	c->fanout_defrag = defrag;
	c->fanout_rollover = rollover;
	return 1;
}

/* ------------------------------------------------------------------ */
/* filters                                                             */

/* Compile-check @expr as the capture would (Ethernet link type). */
int check_filter(struct ctx *x, const char *path, const yaml_node_t *at,
		 const char *expr, unsigned snaplen)
{
	struct bpf_program prog;
	pcap_t *p;
	int r = 0;

	p = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (!p) {
		x->oom = true;
		return -ENOMEM;
	}
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		diag_at(x, at->start_mark, path, "bad filter expression '%.80s%s': %s", expr,
		    strlen(expr) > 80 ? "..." : "", pcap_geterr(p));
		r = -EINVAL;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return r;
}

/* "" means no filter; stored as NULL. */
int get_filter(struct ctx *x, const char *parent, const struct map_key *s, char **ret)
{
	int r = get_str(x, parent, s, true, ret);

	if (r > 0 && !**ret) {
		free(*ret);
		*ret = NULL;
	}
	return r;
}

size_t list_len(const yaml_node_t *l)
{
	return (size_t)(l->data.sequence.items.top - l->data.sequence.items.start);
}

/* A list that must hold at least one item; null counts as empty. */
yaml_node_t *want_list(struct ctx *x, const struct map_key *s, const char *path,
		       const char *what, const char *whats)
{
	if (s->val->type != YAML_SEQUENCE_NODE && !is_null(s->val)) {
		char want[64];

		bprintf(want, sizeof(want), "a list of %s", whats);
		wrong_type(x, s->val, path, want);
		return NULL;
	}
	if (is_null(s->val) || !list_len(s->val)) {
		diag_at(x, s->val->start_mark, path, "the list is empty: at least one %s is required",
		    what);
		return NULL;
	}
	return s->val;
}

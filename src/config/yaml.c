// SPDX-License-Identifier: MIT
/*
 * ringcap.yaml to struct rc_config.
 *
 * The whole file is read into memory and composed by libyaml into a node
 * tree first, so that `defaults` applies whatever its place in the file and
 * every message can point at the node it is about.  The schema is code, not
 * data: one small function per mapping (root, daemon, prometheus, defaults,
 * capture, ring, output, pcap, rotate).  Each lists its keys once; walk_map()
 * catches unknown keys (suggesting a near one) and duplicates, and the
 * get_*() helpers turn a value node into a C value or into one message
 * naming the key path ("captures[0].ring.size").  A bad value is reported
 * and skipped, and the walk goes on, so one run reports every problem.
 *
 * Checks that belong to both front ends (ring geometry, rotation) are left
 * to conf.c and only located here.  Ring settings may come from `defaults`
 * and from the capture: each field remembers where it was written so that
 * a bad one is reported there.
 *
 * Walking never recurses beyond the schema's fixed depth, so aliases (even
 * cyclic ones) cannot make it loop.
 */
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h> /* libyaml; this file's own header is "yaml.h" */

#include "../common/cleanup.h"
#include "../common/units.h"
#include "outpaths.h"

#define MAX_FILE_SIZE (1u << 20)
#define PATH_LEN 96     /* "captures[12].outputs[3].pcap.rotate.total" */
#define NAME_MAX_LEN 32
#define WORKERS_MAX 64
#define SEC RC_NSEC_PER_SEC
#define MSEC RC_NSEC_PER_MSEC
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)
#define NO_MAX UINT64_MAX

/* snprintf into a fixed buffer where cutting the text short is acceptable
 * (messages, key paths): kept out of line so that the compiler does not
 * flag every such call as a possible truncation. */
__attribute__((format(printf, 3, 4)))
static void bprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* diagnostics                                                         */

void rc_diag_init(struct rc_diag *d)
{
	d->n = 0;
	d->dropped = 0;
}

void rc_diag_add(struct rc_diag *d, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...)
{
	char msg[RC_DIAG_MSG_LEN];
	struct rc_diag_msg *m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->n == RC_DIAG_MAX) {
		d->dropped++;
		return;
	}
	m = &d->msg[d->n];
	if (line)
		bprintf(m->text, sizeof(m->text), "%s:%u:%u: %s", file, line, col, msg);
	else
		bprintf(m->text, sizeof(m->text), "%s: %s", file, msg);
	for (unsigned i = 0; i < d->n; i++)
		if (!strcmp(d->msg[i].text, m->text))
			return;
	m->line = line;
	m->col = line ? col : 0;
	d->n++;
}

void rc_diag_print(const struct rc_diag *d, FILE *f, const char *prefix)
{
	for (unsigned i = 0; i < d->n; i++)
		fprintf(f, "%s%s\n", prefix ? prefix : "", d->msg[i].text);
	if (d->dropped)
		fprintf(f, "%s... and %u more error%s\n", prefix ? prefix : "", d->dropped,
			d->dropped == 1 ? "" : "s");
}

/* File order, stable: messages found in one pass come out in the order
 * they were found.  At most RC_DIAG_MAX entries, so insertion sort. */
static void diag_sort(struct rc_diag *d)
{
	for (unsigned i = 1; i < d->n; i++) {
		struct rc_diag_msg t = d->msg[i];
		unsigned j = i;

		while (j > 0 && (d->msg[j - 1].line > t.line ||
				 (d->msg[j - 1].line == t.line && d->msg[j - 1].col > t.col))) {
			d->msg[j] = d->msg[j - 1];
			j--;
		}
		d->msg[j] = t;
	}
}

/* ------------------------------------------------------------------ */
/* the walk's state                                                    */

/* A capture name or an output path, with where it was written. */
struct seen {
	const char *text;    /* owned by the config being built */
	char owner[128];     /* for paths: "capture 'x'", "the Prometheus file" */
	yaml_mark_t mark;
};

struct ctx {
	const char *file;
	yaml_document_t *doc;
	struct rc_diag *diag;
	unsigned errors;
	bool oom;
	struct seen *names, *paths;
	size_t n_names, n_paths;
	struct rc_outpaths *outputs; /* the file names of x->paths[i] */
};

/* One setting of a ring, and where it came from (defaults or capture). */
struct ring_field {
	bool set;
	uint64_t v;
	yaml_mark_t mark;
	char path[PATH_LEN];
};

struct ring_spec {
	struct ring_field size, blocks, block_size, frame_size, retire_ms;
};

/* What `defaults` gives every capture before its own keys. */
struct defaults {
	struct rc_capture_conf c; /* scalar fields only: no strings, no outputs */
	struct ring_spec ring;
	uint32_t file_mode;
	bool workers_set;         /* `workers` given under defaults */
};

/* A key of a mapping: its name in the schema and, once walked, its nodes. */
struct map_key {
	const char *name;
	yaml_node_t *key, *val;
};

#define KEY(idx, key_name) [idx] = { .name = key_name, .key = NULL, .val = NULL }

__attribute__((format(printf, 4, 5)))
static void diag_at(struct ctx *x, yaml_mark_t m, const char *path, const char *fmt, ...)
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
static void join(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		bprintf(buf, PATH_LEN, "%s.%s", parent, key);
	else
		bprintf(buf, PATH_LEN, "%s", key);
}

static yaml_node_t *node(struct ctx *x, int id)
{
	return yaml_document_get_node(x->doc, id);
}

static const char *text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain scalar that YAML reads as null: empty, "~" or "null". */
static bool is_null(const yaml_node_t *n)
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
static int walk_map(struct ctx *x, yaml_node_t *map, const char *path, struct map_key *slots,
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

static void missing_key(struct ctx *x, const yaml_node_t *map, const char *path,
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

static int get_uint(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
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

static int get_u32(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
		   uint64_t max, uint32_t *ret)
{
	uint64_t v;
	int r = get_uint(x, parent, s, min, max, &v);

	if (r > 0)
		*ret = (uint32_t)v;
	return r;
}

static int get_bool(struct ctx *x, const char *parent, const struct map_key *s, bool *ret)
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

/* Sizes: a bare number is bytes.  @max NO_MAX = no limit of ours. */
static int get_size(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
		    uint64_t max, uint64_t *ret)
{
	char path[PATH_LEN];
	const char *t;
	uint64_t v;
	int r;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	t = want_scalar(x, s, path, "a size");
	if (!t)
		return -EINVAL;
	r = rc_parse_size(t, 1, &v);
	if (r == -EINVAL && !is_negative_number(t)) {
		diag_at(x, s->val->start_mark, path,
		    "'%s' is not a size (a number of bytes, or with B, KiB, MiB, GiB, TiB, kB, MB, GB or TB)",
		    t);
		return -EINVAL;
	}
	if (r < 0 || v < min || v > max) {
		if (r == -ERANGE && max == NO_MAX)
			diag_at(x, s->val->start_mark, path, "%s is out of range (too large)", t);
		else
			out_of_range(x, s, path, min, max, KIND_SIZE);
		return -EINVAL;
	}
	*ret = v;
	return 1;
}

/* Durations in nanoseconds: a bare number is seconds. */
static int get_duration(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
			uint64_t max, uint64_t *ret)
{
	char path[PATH_LEN];
	const char *t;
	uint64_t v;
	int r;

	if (!s->val)
		return 0;
	join(path, parent, s->name);
	t = want_scalar(x, s, path, "a duration");
	if (!t)
		return -EINVAL;
	r = rc_parse_duration(t, SEC, &v);
	if (r == -EINVAL && !is_negative_number(t)) {
		diag_at(x, s->val->start_mark, path,
		    "'%s' is not a duration (a number of seconds, or with ns, us, ms, s, min, h or d)",
		    t);
		return -EINVAL;
	}
	if (r < 0 || v < min || v > max) {
		if (r == -ERANGE && max == NO_MAX)
			diag_at(x, s->val->start_mark, path, "%s is out of range (too large)", t);
		else
			out_of_range(x, s, path, min, max, KIND_DURATION);
		return -EINVAL;
	}
	*ret = v;
	return 1;
}

/* A file mode: octal digits as chmod(1) takes them, with or without the
 * leading 0 ("0640", 640, 0o640), quoted or not. */
static int get_mode(struct ctx *x, const char *parent, const struct map_key *s, uint32_t *ret)
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
static int get_str(struct ctx *x, const char *parent, const struct map_key *s, bool empty_ok,
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

static int get_abs_path(struct ctx *x, const char *parent, const struct map_key *s, char **ret)
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

struct choice {
	const char *name;
	int value;
};

static int get_choice(struct ctx *x, const char *path, const yaml_node_t *n,
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

static int get_fanout(struct ctx *x, const char *parent, const struct map_key *s,
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

static int get_fanout_flags(struct ctx *x, const char *parent, const struct map_key *s,
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
static int check_filter(struct ctx *x, const char *path, const yaml_node_t *at,
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
static int get_filter(struct ctx *x, const char *parent, const struct map_key *s, char **ret)
{
	int r = get_str(x, parent, s, true, ret);

	if (r > 0 && !**ret) {
		free(*ret);
		*ret = NULL;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* ring                                                                */

static void ring_set(struct ring_field *f, const char *parent, const struct map_key *s,
		     uint64_t v)
{
	f->set = true;
	f->v = v;
	f->mark = s->val->start_mark;
	join(f->path, parent, s->name);
}

/* Overlay the keys of a `ring:` mapping on @spec. */
static void parse_ring(struct ctx *x, const char *parent, const struct map_key *rs,
		       struct ring_spec *spec)
{
	enum { R_SIZE, R_BLOCKS, R_BLOCK_SIZE, R_FRAME_SIZE, R_RETIRE, R__N };
	struct map_key s[R__N] = {
		KEY(R_SIZE, "size"), KEY(R_BLOCKS, "blocks"),
		KEY(R_BLOCK_SIZE, "block_size"), KEY(R_FRAME_SIZE, "frame_size"),
		KEY(R_RETIRE, "retire_timeout"),
	};
	char path[PATH_LEN];
	uint64_t v;

	if (!rs->val)
		return;
	join(path, parent, rs->name);
	if (walk_map(x, rs->val, path, s, R__N) < 0)
		return;
	if (s[R_SIZE].key && s[R_BLOCKS].key) {
		diag_at(x, s[R_BLOCKS].key->start_mark, path,
		    "'size' and 'blocks' cannot both be given (size is at %zu:%zu)",
		    s[R_SIZE].key->start_mark.line + 1, s[R_SIZE].key->start_mark.column + 1);
		s[R_BLOCKS].val = NULL;
	}
	/* a capture's size replaces an inherited block count and vice versa */
	if (s[R_SIZE].key)
		spec->blocks.set = false;
	if (s[R_BLOCKS].val)
		spec->size.set = false;
	if (get_size(x, path, &s[R_SIZE], 1, NO_MAX, &v) > 0)
		ring_set(&spec->size, path, &s[R_SIZE], v);
	if (get_uint(x, path, &s[R_BLOCKS], 1, UINT32_MAX, &v) > 0)
		ring_set(&spec->blocks, path, &s[R_BLOCKS], v);
	if (get_size(x, path, &s[R_BLOCK_SIZE], 1, 1ULL << 30, &v) > 0)
		ring_set(&spec->block_size, path, &s[R_BLOCK_SIZE], v);
	if (get_size(x, path, &s[R_FRAME_SIZE], 1, 1ULL << 30, &v) > 0)
		ring_set(&spec->frame_size, path, &s[R_FRAME_SIZE], v);
	if (get_duration(x, path, &s[R_RETIRE], MSEC, 60 * SEC, &v) > 0) {
		if (v % MSEC) {
			char rpath[PATH_LEN];

			join(rpath, path, "retire_timeout");
			diag_at(x, s[R_RETIRE].val->start_mark, rpath,
			    "%s is not a whole number of milliseconds", text(s[R_RETIRE].val));
		} else {
			ring_set(&spec->retire_ms, path, &s[R_RETIRE], v / MSEC);
		}
	}
}

/* Overlay the keys of an `xdp:` mapping (AF_XDP backend) on @xc. */
static void parse_xdp(struct ctx *x, const char *parent, const struct map_key *xs,
		      struct rc_xdp_conf *xc)
{
	enum { X_FRAME_SIZE, X_FRAMES, X_RING_SIZE, X_MODE, X_DEDICATED, X__N };
	static const struct choice modes[] = {
		{ "auto", RC_XDP_MODE_AUTO }, { "native", RC_XDP_MODE_NATIVE },
		{ "skb", RC_XDP_MODE_SKB },
	};
	struct map_key s[X__N] = {
		KEY(X_FRAME_SIZE, "frame_size"), KEY(X_FRAMES, "frames"),
		KEY(X_RING_SIZE, "ring_size"), KEY(X_MODE, "mode"),
		KEY(X_DEDICATED, "dedicated_port"),
	};
	char path[PATH_LEN], kpath[PATH_LEN];
	uint64_t v;
	int m;

	if (!xs->val)
		return;
	join(path, parent, xs->name);
	if (walk_map(x, xs->val, path, s, X__N) < 0)
		return;
	if (get_size(x, path, &s[X_FRAME_SIZE], 2048, 4096, &v) > 0) {
		if (v != 2048 && v != 4096) {
			join(kpath, path, "frame_size");
			diag_at(x, s[X_FRAME_SIZE].val->start_mark, kpath,
			    "%s is not a UMEM frame size (2048 or 4096)", text(s[X_FRAME_SIZE].val));
		} else {
			xc->frame_size = (uint32_t)v;
		}
	}
	get_u32(x, path, &s[X_FRAMES], 64, 1u << 22, &xc->frame_count);
	if (get_u32(x, path, &s[X_RING_SIZE], 64, 1u << 20, &xc->ring_size) > 0 &&
	    (xc->ring_size & (xc->ring_size - 1))) {
		join(kpath, path, "ring_size");
		diag_at(x, s[X_RING_SIZE].val->start_mark, kpath, "%u is not a power of two",
		    xc->ring_size);
	}
	if (s[X_MODE].val) {
		join(kpath, path, "mode");
		if (get_choice(x, kpath, s[X_MODE].val, modes, RC_ARRAY_SIZE(modes), "XDP mode",
			       &m) > 0)
			xc->mode = (enum rc_xdp_mode)m;
	}
	get_bool(x, path, &s[X_DEDICATED], &xc->dedicated_port);
}

static int ring_err(struct ctx *x, const struct ring_field *f, const char *msg)
{
	diag_at(x, f->mark, f->path, "%s", msg);
	return -EINVAL;
}

/*
 * Settle the ring geometry one field at a time on top of known-good
 * defaults, so that conf.c's verdict can be blamed on the key that caused
 * it: block size, then frame size, retire timeout, and last the ring size
 * (or block count).  Without either, the ring keeps the default total size.
 */
static int build_ring(struct ctx *x, const struct ring_spec *spec, struct rc_ring_conf *ret)
{
	struct rc_capture_conf init;
	struct rc_ring_conf r;
	char msg[RC_DIAG_MSG_LEN];

	rc_capture_conf_init(&init);
	r = init.ring;
	if (spec->block_size.set) {
		r.block_size = (uint32_t)spec->block_size.v;
		if (rc_ring_conf_validate(&r, msg, sizeof(msg)) < 0)
			return ring_err(x, &spec->block_size, msg);
	}
	if (spec->frame_size.set) {
		r.frame_size = (uint32_t)spec->frame_size.v;
		if (rc_ring_conf_validate(&r, msg, sizeof(msg)) < 0)
			return ring_err(x, &spec->frame_size, msg);
	}
	if (spec->retire_ms.set) {
		r.retire_tov_ms = (uint32_t)spec->retire_ms.v;
		if (rc_ring_conf_validate(&r, msg, sizeof(msg)) < 0)
			return ring_err(x, &spec->retire_ms, msg);
	}
	if (spec->size.set) {
		if (rc_ring_conf_set_size(&r, spec->size.v, spec->block_size.set, msg,
					  sizeof(msg)) < 0)
			return ring_err(x, &spec->size, msg);
	} else if (spec->blocks.set) {
		r.block_nr = (uint32_t)spec->blocks.v;
		if (rc_ring_conf_validate(&r, msg, sizeof(msg)) < 0)
			return ring_err(x, &spec->blocks, msg);
	} else if (rc_ring_conf_set_size(&r, RC_RING_SIZE_DEFAULT, spec->block_size.set, msg,
					 sizeof(msg)) < 0) {
		/* only a block size can make the default size fail */
		return ring_err(x, &spec->block_size, msg);
	}
	*ret = r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* outputs                                                             */

/* conf.c words rotation problems for the CLI ("a file count (-W) needs
 * ..."); the keys are named by the message's path here, so drop the
 * flags in parentheses. */
static void strip_flags(char *s)
{
	char *p;

	while ((p = strstr(s, " (-"))) {
		char *e = strchr(p, ')');

		if (!e)
			break;
		memmove(p, e + 1, strlen(e + 1) + 1);
	}
}

static void parse_rotate(struct ctx *x, const char *parent, const struct map_key *rs,
			 struct rc_pcap_conf *p)
{
	enum { T_SIZE, T_TIME, T_FILES, T_TOTAL, T__N };
	struct map_key s[T__N] = {
		KEY(T_SIZE, "size"), KEY(T_TIME, "time"),
		KEY(T_FILES, "files"), KEY(T_TOTAL, "total"),
	};
	struct rc_rotate_conf r = { 0 };
	char path[PATH_LEN], msg[RC_DIAG_MSG_LEN];
	int bad = 0;

	if (!rs->val)
		return;
	join(path, parent, rs->name);
	if (walk_map(x, rs->val, path, s, T__N) < 0)
		return;
	bad |= get_size(x, path, &s[T_SIZE], 1, NO_MAX, &r.max_size) < 0;
	bad |= get_duration(x, path, &s[T_TIME], SEC, NO_MAX, &r.max_time_ns) < 0;
	bad |= get_u32(x, path, &s[T_FILES], 1, UINT32_MAX, &r.max_files) < 0;
	bad |= get_size(x, path, &s[T_TOTAL], 1, NO_MAX, &r.max_total) < 0;
	if (bad)
		return;
	if (rc_rotate_conf_validate(&r, p->path, msg, sizeof(msg)) < 0) {
		strip_flags(msg);
		diag_at(x, rs->val->start_mark, path, "%s", msg);
		return;
	}
	p->rotate = r;
}

/* One file, one writer: an output that could write a file an earlier one
 * could is an error at the later one (outpaths.h has the rule). */
static void remember_file(struct ctx *x, const char *path, const yaml_node_t *at,
			  const char *template, unsigned workers, const char *owner)
{
	struct rc_outpaths_clash clash;
	struct seen *n;
	int r;

	n = reallocarray(x->paths, x->n_paths + 1, sizeof(*n));
	if (!n) {
		x->oom = true;
		return;
	}
	x->paths = n;
	if (!x->outputs && rc_outpaths_new(&x->outputs) < 0) {
		x->oom = true;
		return;
	}
	r = rc_outpaths_add(x->outputs, template, workers, &clash);
	if (r < 0) {
		x->oom = true;
		return;
	}
	n[x->n_paths] = (struct seen){ .text = template, .mark = at->start_mark };
	snprintf(n[x->n_paths].owner, sizeof(n[x->n_paths].owner), "%s", owner);
	x->n_paths++;
	if (r > 0) {
		const struct seen *s = &x->paths[clash.other];

		diag_at(x, at->start_mark, path, "outputs '%s' and '%s' (%s at %zu:%zu) %s",
		    template, s->text, s->owner, s->mark.line + 1, s->mark.column + 1,
		    clash.what);
	}
}

static void remember_path(struct ctx *x, const char *path, const yaml_node_t *at,
			  const char *template, const struct rc_capture_conf *c)
{
	char owner[128];

	snprintf(owner, sizeof(owner), "capture '%s'", c->name ? c->name : "?");
	remember_file(x, path, at, template, rc_outpaths_workers(c), owner);
}

static const struct choice file_formats[] = {
	{ "pcap", RC_FORMAT_PCAP }, { "pcapng", RC_FORMAT_PCAPNG },
};

static const struct choice io_modes[] = {
	{ "auto", RC_IO_AUTO }, { "direct", RC_IO_DIRECT }, { "buffered", RC_IO_BUFFERED },
};

static void parse_pcap(struct ctx *x, const char *parent, const struct map_key *ps,
		       const struct rc_capture_conf *c, struct rc_pcap_conf *p)
{
	enum { P_PATH, P_ROTATE, P_MODE, P_FILTER, P_SNAPLEN, P_FORMAT, P_IO, P__N };
	struct map_key s[P__N] = {
		KEY(P_PATH, "path"), KEY(P_ROTATE, "rotate"), KEY(P_MODE, "file_mode"),
		KEY(P_FILTER, "filter"), KEY(P_SNAPLEN, "snaplen"), KEY(P_FORMAT, "format"),
		KEY(P_IO, "io"),
	};
	char path[PATH_LEN], fpath[PATH_LEN];

	join(path, parent, ps->name);
	if (walk_map(x, ps->val, path, s, P__N) < 0)
		return;
	if (!s[P_PATH].key)
		missing_key(x, ps->val, path, "path");
	else if (get_abs_path(x, path, &s[P_PATH], &p->path) > 0) {
		join(fpath, path, "path");
		remember_path(x, fpath, s[P_PATH].val, p->path, c);
	}
	get_mode(x, path, &s[P_MODE], &p->file_mode); /* 0 = unset: the default */
	if (s[P_FORMAT].val) {
		int v;

		join(fpath, path, "format");
		if (get_choice(x, fpath, s[P_FORMAT].val, file_formats,
			       RC_ARRAY_SIZE(file_formats), "file format", &v) > 0)
			p->format = (enum rc_file_format)v;
	}
	if (s[P_IO].val) {
		int v;

		join(fpath, path, "io");
		if (get_choice(x, fpath, s[P_IO].val, io_modes, RC_ARRAY_SIZE(io_modes),
			       "way of writing", &v) > 0)
			p->io = (enum rc_io_mode)v;
	}
	get_u32(x, path, &s[P_SNAPLEN], 1, RC_SNAPLEN_DEFAULT, &p->snaplen);
	if (get_filter(x, path, &s[P_FILTER], &p->filter) > 0 && p->filter) {
		join(fpath, path, "filter");
		check_filter(x, fpath, s[P_FILTER].val, p->filter,
			     p->snaplen ? p->snaplen : c->snaplen);
	}
	parse_rotate(x, path, &s[P_ROTATE], p);
	if (s[P_ROTATE].val && c->workers > 1) {
		/* each worker writes its own files with its share of the limits:
		 * what the daemon would refuse at start must not pass here */
		struct rc_rotate_conf share;
		char msg[RC_DIAG_MSG_LEN];

		rc_rotate_conf_split(&p->rotate, c->workers, &share);
		if (rc_rotate_conf_validate(&share, p->path, msg, sizeof(msg)) < 0) {
			join(fpath, path, "rotate");
			strip_flags(msg);
			diag_at(x, s[P_ROTATE].val->start_mark, fpath,
			    "with %u workers each writes its own files with 1/%u of the limits: %s",
			    c->workers, c->workers, msg);
		}
	}
}

static const struct choice rdma_policies[] = {
	{ "drop", RC_RDMA_DROP }, { "hold", RC_RDMA_HOLD },
};

static void parse_rdma(struct ctx *x, const char *parent, const struct map_key *rs,
		       struct rc_rdma_conf *r)
{
	enum { R_PEER, R_DEVICE, R_SLOTS, R_POLICY, R_HOLD, R__N };
	struct map_key s[R__N] = {
		KEY(R_PEER, "peer"), KEY(R_DEVICE, "device"), KEY(R_SLOTS, "slots"),
		KEY(R_POLICY, "on_backpressure"), KEY(R_HOLD, "hold_blocks"),
	};
	char path[PATH_LEN], fpath[PATH_LEN];

	r->slots = RC_RDMA_SLOTS_DEFAULT;
	r->hold_blocks = RC_RDMA_HOLD_DEFAULT;
	join(path, parent, rs->name);
	if (walk_map(x, rs->val, path, s, R__N) < 0)
		return;
	if (!s[R_PEER].key) {
		missing_key(x, rs->val, path, "peer");
	} else if (get_str(x, path, &s[R_PEER], false, &r->peer) > 0) {
		char host[256], port[16], msg[RC_DIAG_MSG_LEN];

		if (rc_peer_split(r->peer, host, sizeof(host), port, sizeof(port), msg,
				  sizeof(msg)) < 0) {
			join(fpath, path, "peer");
			diag_at(x, s[R_PEER].val->start_mark, fpath, "%s", msg);
		}
	}
	get_str(x, path, &s[R_DEVICE], false, &r->device);
	get_u32(x, path, &s[R_SLOTS], 1, RC_RDMA_MAX_SLOTS, &r->slots);
	get_u32(x, path, &s[R_HOLD], 1, RC_RDMA_MAX_SLOTS, &r->hold_blocks);
	if (s[R_POLICY].val) {
		int v;

		join(fpath, path, "on_backpressure");
		if (get_choice(x, fpath, s[R_POLICY].val, rdma_policies,
			       RC_ARRAY_SIZE(rdma_policies), "policy", &v) > 0)
			r->policy = (enum rc_rdma_policy)v;
	}
}

static void parse_output(struct ctx *x, const char *path, yaml_node_t *n,
			 struct rc_capture_conf *c)
{
	struct map_key s[] = { { .name = "pcap" }, { .name = "rdma" } };

	if (walk_map(x, n, path, s, RC_ARRAY_SIZE(s)) < 0)
		return;
	if (s[0].key && s[1].key) {
		diag_at(x, s[1].key->start_mark, path, "one output is either pcap or rdma: "
		    "make two list items");
		return;
	}
	if (s[1].key) {
		parse_rdma(x, path, &s[1], &c->rdmas[c->n_rdmas++]);
		return;
	}
	if (!s[0].key) {
		/* an unknown type has been reported by walk_map already */
		if (is_null(n) || n->data.mapping.pairs.start == n->data.mapping.pairs.top)
			missing_key(x, n, path, "pcap");
		return;
	}
	parse_pcap(x, path, &s[0], c, &c->pcaps[c->n_pcaps++]);
}

static size_t list_len(const yaml_node_t *l)
{
	return (size_t)(l->data.sequence.items.top - l->data.sequence.items.start);
}

/* A list that must hold at least one item; null counts as empty. */
static yaml_node_t *want_list(struct ctx *x, const struct map_key *s, const char *path,
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

static void parse_outputs(struct ctx *x, const char *parent, const struct map_key *s,
			  struct rc_capture_conf *c)
{
	char path[PATH_LEN];
	yaml_node_t *l;
	size_t n;

	join(path, parent, s->name);
	l = want_list(x, s, path, "output", "outputs");
	if (!l)
		return;
	n = list_len(l);
	c->pcaps = calloc(n, sizeof(*c->pcaps));
	c->rdmas = calloc(n, sizeof(*c->rdmas));
	if (!c->pcaps || !c->rdmas) {
		x->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char ipath[PATH_LEN];
		yaml_node_t *item = node(x, l->data.sequence.items.start[i]);

		if (!item)
			continue;
		bprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		parse_output(x, ipath, item, c);
	}
}

/* ------------------------------------------------------------------ */
/* captures                                                            */

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= NAME_MAX_LEN &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* The kernel's dev_valid_name(). */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

/* Keys a capture shares with `defaults` come first, parsed by one function. */
enum {
	K_SNAPLEN, K_PROMISC, K_RING, K_WORKERS, K_FANOUT, K_FFLAGS, K_XDP, K__COMMON,
	C_NAME = K__COMMON, C_IFACE, C_BACKEND, C_FILTER, C_OUTPUTS, C__N,
	D_MODE = K__COMMON, D__N,
};
#define COMMON_SLOTS \
	KEY(K_SNAPLEN, "snaplen"), KEY(K_PROMISC, "promiscuous"), KEY(K_RING, "ring"), \
	KEY(K_WORKERS, "workers"), KEY(K_FANOUT, "fanout"), KEY(K_FFLAGS, "fanout_flags"), \
	KEY(K_XDP, "xdp")

static void parse_capture_common(struct ctx *x, const char *path, const struct map_key *s,
				 struct rc_capture_conf *c, struct ring_spec *ring)
{
	get_u32(x, path, &s[K_SNAPLEN], 1, RC_SNAPLEN_DEFAULT, &c->snaplen);
	get_bool(x, path, &s[K_PROMISC], &c->promisc);
	get_u32(x, path, &s[K_WORKERS], 1, WORKERS_MAX, &c->workers);
	get_fanout(x, path, &s[K_FANOUT], &c->fanout);
	get_fanout_flags(x, path, &s[K_FFLAGS], c);
	parse_ring(x, path, &s[K_RING], ring);
	parse_xdp(x, path, &s[K_XDP], &c->xdp);
}

static void check_name(struct ctx *x, const char *path, const struct map_key *s,
		       const char *name)
{
	char kpath[PATH_LEN];

	join(kpath, path, s->name);
	if (!valid_name(name)) {
		diag_at(x, s->val->start_mark, kpath,
		    "'%s' is not a valid capture name (1 to %d of A-Z a-z 0-9 _ . -)", name,
		    NAME_MAX_LEN);
		return;
	}
	for (size_t i = 0; i < x->n_names; i++)
		if (!strcmp(x->names[i].text, name)) {
			diag_at(x, s->val->start_mark, kpath,
			    "capture '%s' is already defined at %zu:%zu", name,
			    x->names[i].mark.line + 1, x->names[i].mark.column + 1);
			return;
		}
	/* x->names has room for every item of the list */
	x->names[x->n_names++] = (struct seen){ .text = name, .mark = s->val->start_mark };
}

static void parse_capture(struct ctx *x, size_t idx, yaml_node_t *n, const struct defaults *d,
			  struct rc_capture_conf *c)
{
	struct map_key s[C__N] = {
		COMMON_SLOTS,
		KEY(C_NAME, "name"), KEY(C_IFACE, "interface"), KEY(C_BACKEND, "backend"),
		KEY(C_FILTER, "filter"), KEY(C_OUTPUTS, "outputs"),
	};
	static const struct choice backends[] = {
		{ "afpacket", RC_BACKEND_AFPACKET }, { "afxdp", RC_BACKEND_AFXDP },
	};
	struct ring_spec ring = d->ring;
	char path[PATH_LEN], kpath[PATH_LEN];

	*c = d->c;
	c->line = (unsigned)n->start_mark.line + 1;
	c->col = (unsigned)n->start_mark.column + 1;
	bprintf(path, sizeof(path), "captures[%zu]", idx);
	if (walk_map(x, n, path, s, C__N) < 0)
		return;
	if (!s[C_NAME].key)
		missing_key(x, n, path, "name");
	if (!s[C_IFACE].key)
		missing_key(x, n, path, "interface");
	if (!s[C_OUTPUTS].key)
		missing_key(x, n, path, "outputs");

	if (get_str(x, path, &s[C_NAME], false, &c->name) > 0)
		check_name(x, path, &s[C_NAME], c->name);
	if (get_str(x, path, &s[C_IFACE], false, &c->iface) > 0) {
		c->iface_line = (unsigned)s[C_IFACE].key->start_mark.line + 1;
		c->iface_col = (unsigned)s[C_IFACE].key->start_mark.column + 1;
		if (!valid_ifname(c->iface)) {
			join(kpath, path, "interface");
			diag_at(x, s[C_IFACE].val->start_mark, kpath,
			    "'%s' is not a valid interface name (1 to %d characters, no '/', ':' or blanks)",
			    c->iface, IFNAMSIZ - 1);
		}
	}
	if (s[C_BACKEND].val) {
		int v;

		join(kpath, path, "backend");
		if (get_choice(x, kpath, s[C_BACKEND].val, backends, RC_ARRAY_SIZE(backends),
			       "backend", &v) > 0)
			c->backend = (enum rc_backend)v;
	}
	parse_capture_common(x, path, s, c, &ring);
	if (c->backend == RC_BACKEND_AFXDP) {
		/* AF_XDP needs the operator's explicit word: the host loses the frames */
		if (!c->xdp.dedicated_port)
			diag_at(x, s[C_BACKEND].val->start_mark, kpath,
			    "backend 'afxdp' takes captured frames away from the host's network "
			    "stack: use it only on a dedicated capture port (SPAN/TAP) and say so "
			    "with xdp: { dedicated_port: true }");
		/* workers are RX queues: all of them unless the file says how many */
		if (!s[K_WORKERS].val && !d->workers_set)
			c->workers = 0;
	}
	build_ring(x, &ring, &c->ring);
	if (get_filter(x, path, &s[C_FILTER], &c->filter) > 0 && c->filter) {
		join(kpath, path, "filter");
		check_filter(x, kpath, s[C_FILTER].val, c->filter, c->snaplen);
	}
	if (s[C_OUTPUTS].val) {
		parse_outputs(x, path, &s[C_OUTPUTS], c);
		for (size_t i = 0; i < c->n_pcaps; i++)
			if (!c->pcaps[i].file_mode)
				c->pcaps[i].file_mode = d->file_mode;
	}
}

static void parse_defaults(struct ctx *x, const struct map_key *ds, struct defaults *d)
{
	struct map_key s[D__N] = { COMMON_SLOTS, KEY(D_MODE, "file_mode") };

	rc_capture_conf_init(&d->c);
	memset(&d->ring, 0, sizeof(d->ring));
	d->file_mode = 0640;
	d->workers_set = false;
	if (!ds->val)
		return;
	if (walk_map(x, ds->val, "defaults", s, D__N) < 0)
		return;
	parse_capture_common(x, "defaults", s, &d->c, &d->ring);
	d->workers_set = s[K_WORKERS].val != NULL;
	get_mode(x, "defaults", &s[D_MODE], &d->file_mode);
}

static void parse_captures(struct ctx *x, const struct map_key *s, const struct defaults *d,
			   struct rc_config *conf)
{
	yaml_node_t *l = want_list(x, s, "captures", "capture", "captures");
	size_t n;

	if (!l)
		return;
	n = list_len(l);
	conf->captures = calloc(n, sizeof(*conf->captures));
	x->names = calloc(n, sizeof(*x->names));
	if (!conf->captures || !x->names) {
		x->oom = true;
		return;
	}
	conf->n_captures = n;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = node(x, l->data.sequence.items.start[i]);

		rc_capture_conf_init(&conf->captures[i]);
		if (item)
			parse_capture(x, i, item, d, &conf->captures[i]);
	}
}

/* ------------------------------------------------------------------ */
/* daemon                                                              */

static void parse_prometheus(struct ctx *x, const struct map_key *ps, struct rc_config *conf)
{
	enum { M_PATH, M_INTERVAL, M__N };
	struct map_key s[M__N] = { KEY(M_PATH, "path"), KEY(M_INTERVAL, "interval") };
	static const char path[] = "daemon.prometheus";

	if (!ps->val || is_null(ps->val))
		return; /* off */
	if (walk_map(x, ps->val, path, s, M__N) < 0)
		return;
	if (!s[M_PATH].key)
		missing_key(x, ps->val, path, "path");
	else if (get_abs_path(x, path, &s[M_PATH], &conf->prometheus_path) > 0) {
		size_t n = strlen(conf->prometheus_path);

		/* node_exporter's textfile collector reads *.prom only */
		if (n < 6 || strcmp(conf->prometheus_path + n - 5, ".prom"))
			diag_at(x, s[M_PATH].val->start_mark, "daemon.prometheus.path",
			    "'%s' does not end in .prom, which node_exporter's textfile collector requires",
			    conf->prometheus_path);
		/* replaced by a rename every interval: no output may be there */
		remember_file(x, "daemon.prometheus.path", s[M_PATH].val, conf->prometheus_path, 1,
			      "the Prometheus file");
	}
	get_duration(x, path, &s[M_INTERVAL], SEC, NO_MAX, &conf->prometheus_interval_ns);
}

static void parse_daemon(struct ctx *x, const struct map_key *ds, struct rc_config *conf)
{
	enum { DM_USER, DM_GROUP, DM_RUNDIR, DM_STATUS, DM_PROM, DM__N };
	struct map_key s[DM__N] = {
		KEY(DM_USER, "user"), KEY(DM_GROUP, "group"),
		KEY(DM_RUNDIR, "runtime_directory"), KEY(DM_STATUS, "status_interval"),
		KEY(DM_PROM, "prometheus"),
	};

	if (!ds->val)
		return;
	if (walk_map(x, ds->val, "daemon", s, DM__N) < 0)
		return;
	get_str(x, "daemon", &s[DM_USER], true, &conf->user);
	get_str(x, "daemon", &s[DM_GROUP], true, &conf->group);
	if (conf->user && !*conf->user) {
		free(conf->user);
		conf->user = NULL;
		if (conf->group && *conf->group)
			diag_at(x, s[DM_GROUP].val->start_mark, "daemon.group",
			    "group '%s' needs a user: with user \"\" the daemon keeps its identity",
			    conf->group);
	}
	if (conf->group && !*conf->group) {
		free(conf->group);
		conf->group = NULL;
	}
	get_abs_path(x, "daemon", &s[DM_RUNDIR], &conf->runtime_dir);
	get_duration(x, "daemon", &s[DM_STATUS], SEC, NO_MAX, &conf->status_interval_ns);
	parse_prometheus(x, &s[DM_PROM], conf);
}

/* ------------------------------------------------------------------ */
/* loading                                                             */

/*
 * libyaml's time grows with the square of the nesting depth: 40,000 '['
 * take it tens of seconds.  No configuration nests more than a handful of
 * levels, so more than MAX_NESTING is refused before libyaml sees it.
 * Only flow collections can nest deeply in a 1 MiB file (block nesting
 * costs indentation); quoted scalars and comments are skipped.
 */
#define MAX_NESTING 64
static int check_nesting(const char *path, const char *buf, size_t len, struct rc_diag *diag)
{
	unsigned depth = 0, line = 1, col = 0;
	char quote = 0, prev = '\n';  /* the last character that was not a blank */

	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];

		col++;
		if (ch == '\n') {
			line++;
			col = 0;
			prev = '\n';
			if (quote == '#')
				quote = 0;
			continue;
		}
		if (quote) {
			if (quote == '"' && ch == '\\' && i + 1 < len)
				i++, col++;
			else if (ch == quote && quote != '#')
				quote = 0;
			continue;
		}
		/* a quote opens a scalar only where a scalar can begin (not the
		 * apostrophe in `it's`) */
		if ((ch == '"' || ch == '\'') && strchr("\n:-[{,?", prev))
			quote = ch;
		else if (ch == '#' && (i == 0 || buf[i - 1] == ' ' || buf[i - 1] == '\t'))
			quote = '#';
		else if ((ch == '[' || ch == '{') && ++depth > MAX_NESTING) {
			rc_diag_add(diag, path, line, col, "nested more than %d levels deep",
				    MAX_NESTING);
			return -EINVAL;
		} else if ((ch == ']' || ch == '}') && depth) {
			depth--;
		}
		if (ch != ' ' && ch != '\t')
			prev = ch;
	}
	return 0;
}

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	/* never wait on a FIFO (or a device): the daemon's main thread loads
	 * at start, and nothing may hang it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -ENOTSUP;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *b;

			if (cap > MAX_FILE_SIZE)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			b = realloc(buf, cap + 1);
			if (!b)
				return -ENOMEM;
			buf = b;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > MAX_FILE_SIZE)
		return -EFBIG;
	buf[len] = '\0';
	*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* libyaml's reader reports a byte offset only; find line and column. */
static yaml_mark_t offset_mark(const char *buf, size_t len, size_t off)
{
	yaml_mark_t m = { 0 };

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	m.index = off;
	return m;
}

static void syntax_error(struct ctx *x, const yaml_parser_t *p, const char *buf, size_t len)
{
	const char *problem = p->problem ? p->problem : "unknown problem";

	if (p->error == YAML_READER_ERROR) {
		diag_at(x, offset_mark(buf, len, p->problem_offset), NULL, "YAML syntax error: %s",
		    problem);
	} else if (p->context) {
		diag_at(x, p->problem_mark, NULL, "YAML syntax error: %s (%s at %zu:%zu)", problem,
		    p->context, p->context_mark.line + 1, p->context_mark.column + 1);
	} else {
		diag_at(x, p->problem_mark, NULL, "YAML syntax error: %s", problem);
	}
}

static void parse_root(struct ctx *x, struct rc_config *conf)
{
	enum { K_DAEMON, K_DEFAULTS, K_CAPTURES, K__N };
	struct map_key s[K__N] = {
		KEY(K_DAEMON, "daemon"), KEY(K_DEFAULTS, "defaults"),
		KEY(K_CAPTURES, "captures"),
	};
	yaml_node_t *root = yaml_document_get_root_node(x->doc);
	struct defaults d;
	yaml_mark_t start = { 0 };

	if (root && walk_map(x, root, "top level", s, K__N) < 0)
		return;
	parse_defaults(x, &s[K_DEFAULTS], &d);
	parse_daemon(x, &s[K_DAEMON], conf);
	if (!s[K_CAPTURES].key)
		diag_at(x, root ? root->start_mark : start, NULL, "missing required key 'captures'");
	else
		parse_captures(x, &s[K_CAPTURES], &d, conf);
}

static int config_new(const char *path, struct rc_config **ret)
{
	struct rc_config *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->path = strdup(path);
	c->user = strdup("ringcap");
	c->runtime_dir = strdup("/run/ringcap");
	c->status_interval_ns = 5 * SEC;
	c->prometheus_interval_ns = 15 * SEC;
	if (!c->path || !c->user || !c->runtime_dir) {
		rc_config_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

int rc_config_load(const char *path, struct rc_config **ret, struct rc_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	struct rc_config *conf = NULL;
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct ctx x = { .file = path, .doc = &doc, .diag = diag };
	size_t len = 0;
	int r;

	rc_diag_init(diag);
	r = read_all(path, &buf, &len);
	if (r < 0) {
		rc_diag_add(diag, path, 0, 0, "cannot read configuration: %s",
			    r == -ENOTSUP ? "not a regular file" :
			    r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return r;
	}
	r = check_nesting(path, buf, len, diag);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&parser)) {
		rc_diag_add(diag, path, 0, 0, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		if (r == -EINVAL)
			syntax_error(&x, &parser, buf, len);
		else
			rc_diag_add(diag, path, 0, 0, "out of memory");
		yaml_parser_delete(&parser);
		return r;
	}
	/* one document per file: a second one would be silently ignored */
	if (!yaml_parser_load(&parser, &extra)) {
		if (parser.error == YAML_MEMORY_ERROR) {
			r = -ENOMEM;
			goto out;
		}
		syntax_error(&x, &parser, buf, len);
	} else {
		yaml_node_t *second = yaml_document_get_root_node(&extra);

		if (second)
			diag_at(&x, extra.start_mark, NULL,
			    "a second YAML document; the file must hold exactly one");
		yaml_document_delete(&extra);
	}

	r = config_new(path, &conf);
	if (r < 0)
		goto out;
	parse_root(&x, conf);
	if (x.oom)
		r = -ENOMEM;
	else if (x.errors)
		r = -EINVAL;
	if (r < 0) {
		rc_config_free(conf);
		conf = NULL;
	}
out:
	if (r == -ENOMEM)
		rc_diag_add(diag, path, 0, 0, "out of memory");
	diag_sort(diag);
	free(x.names);
	free(x.paths);
	rc_outpaths_free(x.outputs);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (r < 0)
		return r;
	*ret = conf;
	return 0;
}

int rc_config_check_interfaces(const struct rc_config *c, struct rc_diag *diag)
{
	int r = 0;

	for (size_t i = 0; i < c->n_captures; i++) {
		const struct rc_capture_conf *cap = &c->captures[i];

		/* "any": every interface (afpacket) */
		if (!cap->iface || !strcmp(cap->iface, "any") || if_nametoindex(cap->iface))
			continue;
		if (errno == ENODEV || errno == ENXIO)
			rc_diag_add(diag, c->path, cap->iface_line, cap->iface_col,
				    "captures[%zu].interface: no such network interface '%s'", i,
				    cap->iface);
		else
			rc_diag_add(diag, c->path, cap->iface_line, cap->iface_col,
				    "captures[%zu].interface: cannot look up interface '%s': %s", i,
				    cap->iface, strerror(errno));
		r = -ENODEV;
	}
	return r;
}

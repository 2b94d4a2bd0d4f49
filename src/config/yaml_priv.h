/* SPDX-License-Identifier: MIT */
/*
 * What the pieces of the configuration loader share; included by
 * src/config/yaml*.c and diag.c only.
 *
 *   yaml_load.c  reading the file, libyaml's document, rc_config_load()
 *   yaml.c       the schema: one parse function per mapping
 *   yaml_get.c   nodes to values: keys ("did you mean"), sizes, durations,
 *                modes, choices, strings, paths, filters
 *   diag.c       the messages (diag.h) and their file order
 *
 * The walk's state is one struct ctx per load, on the loading thread's
 * stack: the document, where messages go, what has been seen (capture
 * names, output files).  The helpers keep the short names they had when
 * the loader was one file.  No global state.
 */
#ifndef RC_CONFIG_YAML_PRIV_H
#define RC_CONFIG_YAML_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h> /* libyaml; this directory's own header is "yaml.h" */

#include "../common/units.h"
#include "conf.h"
#include "diag.h"
#include "outpaths.h"

#define PATH_LEN 96     /* "captures[12].outputs[3].pcap.rotate.total" */
#define SEC RC_NSEC_PER_SEC
#define MSEC RC_NSEC_PER_MSEC
#define NO_MAX UINT64_MAX

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

/* A key of a mapping: its name in the schema and, once walked, its nodes. */
struct map_key {
	const char *name;
	yaml_node_t *key, *val;
};

#define KEY(idx, key_name) [idx] = { .name = key_name, .key = NULL, .val = NULL }

struct choice {
	const char *name;
	int value;
};

/* diag.c */
__attribute__((format(printf, 3, 4)))
void bprintf(char *buf, size_t len, const char *fmt, ...);
void diag_sort(struct rc_diag *d);

/* yaml_get.c: nodes, keys and values (0 = key absent, 1 = value stored, -EINVAL = reported) */
__attribute__((format(printf, 4, 5)))
void diag_at(struct ctx *x, yaml_mark_t m, const char *path, const char *fmt, ...);
void join(char *buf, const char *parent, const char *key);
yaml_node_t *node(struct ctx *x, int id);
const char *text(const yaml_node_t *n);
bool is_null(const yaml_node_t *n);
int walk_map(struct ctx *x, yaml_node_t *map, const char *path, struct map_key *slots,
	     size_t n);
void missing_key(struct ctx *x, const yaml_node_t *map, const char *path,
		 const char *key);
int get_uint(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
	     uint64_t max, uint64_t *ret);
int get_u32(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
	    uint64_t max, uint32_t *ret);
int get_bool(struct ctx *x, const char *parent, const struct map_key *s, bool *ret);
int get_size(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
	     uint64_t max, uint64_t *ret);
int get_duration(struct ctx *x, const char *parent, const struct map_key *s, uint64_t min,
		 uint64_t max, uint64_t *ret);
int get_mode(struct ctx *x, const char *parent, const struct map_key *s, uint32_t *ret);
int get_str(struct ctx *x, const char *parent, const struct map_key *s, bool empty_ok,
	    char **ret);
int get_abs_path(struct ctx *x, const char *parent, const struct map_key *s, char **ret);
int get_choice(struct ctx *x, const char *path, const yaml_node_t *n,
	       const struct choice *c, size_t nc, const char *what, int *ret);
int get_fanout(struct ctx *x, const char *parent, const struct map_key *s,
	       enum rc_fanout_mode *ret);
int get_fanout_flags(struct ctx *x, const char *parent, const struct map_key *s,
		     struct rc_capture_conf *c);
int check_filter(struct ctx *x, const char *path, const yaml_node_t *at,
		 const char *expr, unsigned snaplen);
int get_filter(struct ctx *x, const char *parent, const struct map_key *s, char **ret);
size_t list_len(const yaml_node_t *l);
yaml_node_t *want_list(struct ctx *x, const struct map_key *s, const char *path,
		       const char *what, const char *whats);

/* yaml.c: the schema, from the document's root */
void parse_root(struct ctx *x, struct rc_config *conf);
#endif

// SPDX-License-Identifier: MIT
/*
 * ringcap.yaml to struct rc_config: the schema.
 *
 * The whole file is read into memory and composed by libyaml into a node
 * tree first, so that `defaults` applies whatever its place in the file and
 * every message can point at the node it is about.  The schema is code, not
 * data: one small function per mapping (root, daemon, prometheus, defaults,
 * captures, capture, ring, xdp, outputs, pcap, rotate, rdma), all in this
 * file.  Each lists its keys once; walk_map() catches unknown keys
 * (suggesting a near one) and duplicates, and the get_*() helpers turn a
 * value node into a C value or into one message naming the key path
 * ("captures[0].ring.size").  A bad value is reported and skipped, and the
 * walk goes on, so one run reports every problem.
 *
 * Checks that belong to both front ends (ring geometry, rotation) are left
 * to conf.c and only located here.  Ring settings may come from `defaults`
 * and from the capture: each field remembers where it was written so that
 * a bad one is reported there.
 *
 * Walking never recurses beyond the schema's fixed depth, so aliases (even
 * cyclic ones) cannot make it loop.
 *
 * The rest of the loader (yaml_priv.h): yaml_load.c reads the file and
 * runs libyaml, yaml_get.c turns nodes into values, diag.c keeps the
 * messages.  Reentrant, no global state.
 */
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "outpaths.h"
#include "yaml_priv.h"

#define NAME_MAX_LEN 32
#define WORKERS_MAX 64

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
	enum { X_FRAME_SIZE, X_FRAMES, X_RING_SIZE, X_MODE, X_DEDICATED, X_TAKE, X__N };
	static const struct choice modes[] = {
		{ "auto", RC_XDP_MODE_AUTO }, { "native", RC_XDP_MODE_NATIVE },
		{ "skb", RC_XDP_MODE_SKB },
	};
	struct map_key s[X__N] = {
		KEY(X_FRAME_SIZE, "frame_size"), KEY(X_FRAMES, "frames"),
		KEY(X_RING_SIZE, "ring_size"), KEY(X_MODE, "mode"),
		KEY(X_DEDICATED, "dedicated_port"), KEY(X_TAKE, "take_matching"),
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
	get_bool(x, path, &s[X_TAKE], &xc->take_matching);
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
		if (!c->xdp.dedicated_port && !c->xdp.take_matching)
			diag_at(x, s[C_BACKEND].val->start_mark, kpath,
			    "backend 'afxdp' takes the frames it captures away from the host's "
			    "network stack: on a dedicated capture port (SPAN/TAP) say so with "
			    "xdp: { dedicated_port: true } (every frame is taken); on a port the "
			    "host uses, give a filter and xdp: { take_matching: true } (the frames "
			    "that match it are taken, the others reach the host)");
		else if (c->xdp.dedicated_port && c->xdp.take_matching)
			diag_at(x, s[C_BACKEND].val->start_mark, kpath,
			    "xdp: dedicated_port and take_matching exclude each other: a dedicated "
			    "port gives every frame to the capture, take_matching only those that "
			    "match the filter");
		/* workers are RX queues: all of them unless the file says how many */
		if (!s[K_WORKERS].val && !d->workers_set)
			c->workers = 0;
	}
	build_ring(x, &ring, &c->ring);
	if (get_filter(x, path, &s[C_FILTER], &c->filter) > 0 && c->filter) {
		join(kpath, path, "filter");
		check_filter(x, kpath, s[C_FILTER].val, c->filter, c->snaplen);
	}
	if (c->backend == RC_BACKEND_AFXDP && c->xdp.take_matching && !c->xdp.dedicated_port &&
	    (!c->filter || !c->filter[0])) {
		join(kpath, path, "backend");
		diag_at(x, s[C_BACKEND].val->start_mark, kpath,
		    "xdp: { take_matching: true } takes the frames that match the capture "
		    "filter from the host: give a filter");
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

void parse_root(struct ctx *x, struct rc_config *conf)
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

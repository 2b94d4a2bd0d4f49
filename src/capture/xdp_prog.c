// SPDX-License-Identifier: MIT
/*
 * ringcap's XDP program on an interface; see xdp_prog.h for what it owns,
 * the order of attaching and the threads.
 *
 * The registry (prog_lock, progs) holds one struct rc_xdp_prog per
 * interface this process captures on with AF_XDP.  Every libxdp call that
 * reads or changes what is attached runs under prog_lock, so two sources
 * set up on two threads never race each other's dispatcher update, and
 * the message libxdp leaves for a failure (xdp_env.h) is the one of this
 * call.
 *
 * libxdp 1.3 (Debian 12's) leaves open a descriptor of every program it
 * finds on an interface whenever it looks there: xdp_multiprog__get_from_
 * ifindex() takes each program by id or from its pin, keeps a duplicate
 * and never closes the first (fixed in libxdp 1.4.1), and
 * xdp_program__attach() and __detach() look there first.  Each such
 * descriptor keeps its program, and that program's maps, loaded until the
 * process ends, although nothing runs it any more: ringcapd gained one
 * with every AF_XDP start, stop or refusal, and held on to the programs of
 * other processes after they had gone.  So every libxdp call that looks at
 * an interface runs between fds_note() and fds_close_new(), which closes
 * the program descriptors that appeared meanwhile, except the ones kept
 * on purpose.  That is sound because every BPF program descriptor of this
 * process is opened under prog_lock, where those calls run (the AF_XDP
 * sockets are made with XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD, so libxdp's
 * xsk code opens none); with a libxdp that leaves nothing open, nothing is
 * closed.
 */
#include "xdp_prog.h"

#ifdef RC_HAVE_AFXDP

/* before any <linux/if.h>: glibc's and the kernel's ifreq then agree */
#include <net/if.h>

#include <dirent.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* libpcap and the kernel both define struct bpf_insn; the kernel's is only
 * named (never used) below, so it gets another name here. */
#define bpf_insn rc_kernel_bpf_insn
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>
#include "rc_xdp.skel.h"
#undef bpf_insn

#include "../common/cleanup.h"
#include "filter.h"
#include "xdp_env.h"
#include "xdp_filter.h"
#include "xdp_owner.h"

#define PROG_NAME "ringcap_xdp"

/* xdp_owner.c reads the owner fields as the first 24 bytes of .rodata */
_Static_assert(offsetof(struct rc_xdp__rodata, owner_pid) == 0 &&
	       offsetof(struct rc_xdp__rodata, owner_start) == 8 &&
	       offsetof(struct rc_xdp__rodata, owner_pidns) == 16,
	       "the owner fields must open .rodata");
/* progs[] of bpf/rc_xdp.bpf.c */
#define PROG_FILTER 0u
#define PROG_TAKE 1u
#define PROG_REJECT 2u

struct rc_xdp_prog {
	struct rc_xdp_prog *next;
	int ifindex;
	unsigned refs;
	struct rc_xdp *skel;       /* owns the bpf_object and its maps */
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	bool legacy;               /* attached on its own, not through the dispatcher */
	bool frags;                /* loaded with BPF_F_XDP_HAS_FRAGS */
	bool dedicated;
	int xsks_fd;
	int counters_fd;
	int progs_fd;
	/* the capture filter: what was asked last, and how that went */
	char *filter_expr;         /* NULL: none asked for yet */
	int filter_r;              /* 1: in progs[PROG_FILTER]; 0: in user space */
	char filter_why[512];
	unsigned filter_ready;     /* sources that run it in user space now */
	uint32_t max_queues;
	unsigned ncpus;
	int promisc_fd;            /* AF_PACKET socket holding a promiscuous membership */
};

static pthread_mutex_t prog_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rc_xdp_prog *progs;

/* The BPF program descriptors open in this process at one moment. */
struct fd_list {
	int *fd;
	size_t n;
	bool ok;           /* false: unknown (no /proc, no memory) */
};

static bool fd_listed(const int *fd, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (fd[i] == x)
			return true;
	return false;
}

static void fd_list_free(struct fd_list *l)
{
	free(l->fd);
	*l = (struct fd_list){ 0 };
}

/* Before a libxdp call that looks at an interface; caller holds prog_lock. */
static void fds_note(struct fd_list *l)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t cap = 0;

	*l = (struct fd_list){ 0 };
	if (!d)
		return;
	l->ok = true;
	while ((de = readdir(d))) {
		char *end, link[32];
		long fd = strtol(de->d_name, &end, 10);
		ssize_t len;

		if (end == de->d_name || *end || fd < 0 || fd == dirfd(d))
			continue;
		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:bpf-prog"))
			continue;
		if (l->n == cap) {
			int *v = realloc(l->fd, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!v) {
				fd_list_free(l);
				break;
			}
			l->fd = v;
			cap = cap ? cap * 2 : 16;
		}
		l->fd[l->n++] = (int)fd;
	}
	closedir(d);
}

/* After it: close the program descriptors that were not open at
 * fds_note() (@before, freed here), except the @nkeep in @keep. */
static void fds_close_new(struct fd_list *before, const int *keep, size_t nkeep)
{
	struct fd_list now;

	if (!before->ok)
		return;
	fds_note(&now);
	if (now.ok)
		for (size_t i = 0; i < now.n; i++)
			if (!fd_listed(before->fd, before->n, now.fd[i]) &&
			    !fd_listed(keep, nkeep, now.fd[i]))
				close(now.fd[i]);
	fd_list_free(&now);
	fd_list_free(before);
}

int rc_xdp_fail_perm(char *err, size_t errlen, const char *ifname, const char *step)
{
	return rc_source_fail(err, errlen, -EPERM,
		    "AF_XDP capture on %s needs CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW "
		    "(run as root or grant them): %s was refused", ifname, step);
}

static const char *mode_name(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "SKB (generic)";
	case XDP_MODE_HW:
		return "offloaded";
	default:
		return "unknown";
	}
}

/* Sum one queue's per-CPU counters. */
int rc_xdp_prog_counters(const struct rc_xdp_prog *p, uint32_t queue,
			 struct rc_xdp_counters *ret)
{
	_cleanup_free_ struct rc_xdp_counters *v = calloc(p->ncpus, sizeof(*v));

	memset(ret, 0, sizeof(*ret));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(p->counters_fd, &queue, v) < 0)
		return -errno;
	for (unsigned i = 0; i < p->ncpus; i++) {
		ret->seen += v[i].seen;
		ret->redirected += v[i].redirected;
		ret->passed += v[i].passed;
		ret->filtered += v[i].filtered;
	}
	return 0;
}

uint32_t rc_xdp_prog_max_queues(const struct rc_xdp_prog *p)
{
	return p->max_queues;
}

int rc_xdp_prog_add_socket(struct rc_xdp_prog *p, struct xsk_socket *xsk)
{
	return xsk_socket__update_xskmap(xsk, p->xsks_fd) < 0 ? -errno : 0;
}

int rc_xdp_prog_remove_socket(struct rc_xdp_prog *p, uint32_t queue)
{
	if (bpf_map_delete_elem(p->xsks_fd, &queue) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * One look for a stale ringcap program on @ifindex: removed (true: look
 * again), or none; *live is the pid of a live ringcap whose program is
 * there, 0 if none.
 */
static bool remove_one_stale(struct rc_source *s, int ifindex, const char *ifname,
			     uint64_t *live)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p = NULL, *victim = NULL;
	struct rc_xdp_owner o = { 0 };
	bool removed = false;
	uint32_t id;

	if (libxdp_get_error(mp))
		return false;
	*live = 0;
	for (p = xdp_multiprog__is_legacy(mp) ? xdp_multiprog__main_prog(mp) :
						 xdp_multiprog__next_prog(NULL, mp);
	     p && !victim;
	     p = xdp_multiprog__is_legacy(mp) ? NULL : xdp_multiprog__next_prog(p, mp)) {
		if (strcmp(xdp_program__name(p), PROG_NAME))
			continue;
		if (!rc_xdp_owner_alive(xdp_program__fd(p), &o))
			victim = p;
		else
			*live = o.pid;
	}
	if (victim) {
		id = xdp_program__id(victim);
		rc_xdp_lib_clear();
		if (xdp_program__detach(victim, ifindex, xdp_multiprog__attach_mode(mp), 0) < 0) {
			char why[300];

			rc_source_note(s, "could not remove the stale ringcap XDP program (id %u) on %s%s",
				       id, ifname, rc_xdp_lib_why(why, sizeof(why)));
		} else {
			rc_source_note(s, "removed a stale ringcap XDP program (id %u) on %s, left by "
				       "process %llu", id, ifname, (unsigned long long)o.pid);
			removed = true;
		}
	}
	xdp_multiprog__close(mp);
	return removed;
}

/*
 * A ringcap that died (SIGKILL, crash) leaves its program attached.  Its
 * sockets are gone, so the program passes everything to the stack; remove
 * it anyway so that programs do not pile up.  Caller holds prog_lock,
 * so no program of this process is on the interface.  Returns the pid of
 * a live ringcap whose program is there, 0 if none.
 */
static uint64_t remove_stale(struct rc_source *s, int ifindex, const char *ifname)
{
	uint64_t live = 0;
	bool again = true;

	for (int round = 0; round < 8 && again; round++) {
		struct fd_list before;

		fds_note(&before);
		again = remove_one_stale(s, ifindex, ifname, &live);
		fds_close_new(&before, NULL, 0);
	}
	return live;
}

/*
 * A program attached on its own comes off with one netlink request that
 * names it (so nobody else's program is removed), which CAP_NET_ADMIN
 * alone allows: a daemon that gave up its other privileges can still do
 * it.  The dispatcher's way needs what libxdp needs.
 */
static void prog_free(struct rc_xdp_prog *at)
{
	if (!at)
		return;
	if (at->prog && at->mode != XDP_MODE_UNSPEC) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = xdp_program__fd(at->prog));
		uint32_t flags = XDP_FLAGS_REPLACE |
				 (at->mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);

		if (!at->legacy || bpf_xdp_detach(at->ifindex, flags, &opts) < 0) {
			struct fd_list before;

			fds_note(&before);
			xdp_program__detach(at->prog, at->ifindex, at->mode, 0);
			fds_close_new(&before, NULL, 0);
		}
	}
	if (at->prog)
		xdp_program__close(at->prog);
	rc_xdp__destroy(at->skel);
	if (at->promisc_fd >= 0)
		close(at->promisc_fd);
	free(at->filter_expr);
	free(at);
}

/* The loaded object and program of an attempt that failed; returns @r. */
static int attach_undo(struct rc_xdp_prog *at, int r)
{
	xdp_program__close(at->prog);
	at->prog = NULL;
	rc_xdp__destroy(at->skel);
	at->skel = NULL;
	return r;
}

/* The programs the filter's verdict tail-calls, in their slots. */
static int fill_progs(struct rc_xdp_prog *at)
{
	const uint32_t take = PROG_TAKE, reject = PROG_REJECT;
	int take_fd = bpf_program__fd(at->skel->progs.ringcap_take);
	int reject_fd = bpf_program__fd(at->skel->progs.ringcap_reject);

	if (bpf_map_update_elem(at->progs_fd, &take, &take_fd, BPF_ANY) < 0 ||
	    bpf_map_update_elem(at->progs_fd, &reject, &reject_fd, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Load and attach in one mode; on failure everything is undone. */
static int attach_try(struct rc_xdp_prog *at, enum xdp_attach_mode mode,
		      const struct rc_xdp_owner *self)
{
	struct bpf_program *bp;
	struct fd_list before;
	/* the skeleton's programs, and libxdp's descriptor of the one it attaches */
	int keep[sizeof(((struct rc_xdp *)0)->progs) / sizeof(struct bpf_program *) + 1], r;
	size_t nkeep = 0;

	at->skel = rc_xdp__open();
	if (!at->skel)
		return -errno;
	at->skel->rodata->owner_pid = self->pid;
	at->skel->rodata->owner_start = self->start;
	at->skel->rodata->owner_pidns = self->pidns;
	at->skel->rodata->dedicated = at->dedicated;
	/* every program that shares `progs` must agree on fragments */
	bpf_object__for_each_program(bp, at->skel->obj)
		if (at->frags)
			bpf_program__set_flags(bp, bpf_program__flags(bp) | BPF_F_XDP_HAS_FRAGS);
	{
		DECLARE_LIBXDP_OPTS(xdp_program_opts, o, .obj = at->skel->obj, .prog_name = PROG_NAME);

		at->prog = xdp_program__create(&o);
	}
	r = (int)libxdp_get_error(at->prog);
	if (r < 0) {
		at->prog = NULL;
		return attach_undo(at, r);
	}
	if (at->frags)
		xdp_program__set_xdp_frags_support(at->prog, true);
	fds_note(&before);
	r = xdp_program__attach(at->prog, at->ifindex, mode, 0);
	/* what it loaded for us stays, attached or not (attach_undo) */
	bpf_object__for_each_program(bp, at->skel->obj)
		if (nkeep < RC_ARRAY_SIZE(keep) - 1)
			keep[nkeep++] = bpf_program__fd(bp);
	keep[nkeep++] = xdp_program__fd(at->prog);
	fds_close_new(&before, keep, nkeep);
	if (r < 0)
		return attach_undo(at, r);
	at->mode = mode;
	at->xsks_fd = bpf_map__fd(at->skel->maps.xsks);
	at->counters_fd = bpf_map__fd(at->skel->maps.counters);
	at->progs_fd = bpf_map__fd(at->skel->maps.progs);
	at->max_queues = bpf_map__max_entries(at->skel->maps.xsks);
	return 0;
}

/* Is @at's program on the interface itself, not behind libxdp's dispatcher?
 * Asked of the kernel: libxdp would leave a descriptor open (above). */
static bool attached_alone(const struct rc_xdp_prog *at)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t id;

	if (bpf_xdp_query(at->ifindex, 0, &q) < 0)
		return false;
	id = at->mode == XDP_MODE_SKB ? q.skb_prog_id : q.drv_prog_id;
	return id && id == xdp_program__id(at->prog);
}

/* The message for a program that attached in no mode; returns the error. */
static int attach_failed(int r, const enum xdp_attach_mode *modes, size_t nmodes,
			 const char *first_why, uint64_t other, const char *ifname, char *err,
			 size_t errlen)
{
	char why[300];

	if (rc_xdp_is_perm(r))
		return rc_xdp_fail_perm(err, errlen, ifname, "loading or attaching the XDP program");
	if ((r == -EEXIST || r == -EBUSY) && other)
		return rc_source_fail(err, errlen, -EBUSY,
			 "ringcap process %llu already captures on %s with AF_XDP; one "
			 "AF_XDP capture per interface", (unsigned long long)other, ifname);
	if (r == -EEXIST || r == -EBUSY)
		return rc_source_fail(err, errlen, -EBUSY,
			 "%s already carries an XDP program that libxdp cannot share: "
			 "%s; remove it (xdp-loader unload) or capture with afpacket",
			 ifname, first_why);
	if (nmodes == 2)
		return rc_source_fail(err, errlen, r,
			 "attaching the XDP program to %s failed in native mode (%s) and "
			 "in SKB mode (%s%s)", ifname, first_why, strerror(-r),
			 rc_xdp_lib_why(why, sizeof(why)));
	return rc_source_fail(err, errlen, r, "attaching the XDP program to %s in %s mode: %s",
			      ifname, mode_name(modes[0]), first_why);
}

/* A new program on @ifindex, attached; caller holds prog_lock. */
static int prog_new(const struct rc_capture_conf *c, int ifindex, const char *ifname, bool frags,
		    struct rc_source *s, struct rc_xdp_prog **ret, char *err, size_t errlen)
{
	static const enum xdp_attach_mode auto_modes[] = { XDP_MODE_NATIVE, XDP_MODE_SKB };
	static const enum xdp_attach_mode native[] = { XDP_MODE_NATIVE };
	static const enum xdp_attach_mode skb[] = { XDP_MODE_SKB };
	const enum xdp_attach_mode *modes = c->xdp.mode == RC_XDP_MODE_NATIVE ? native :
					    c->xdp.mode == RC_XDP_MODE_SKB ? skb : auto_modes;
	size_t nmodes = c->xdp.mode == RC_XDP_MODE_AUTO ? 2 : 1;
	char first_why[300] = "", why[300];
	struct rc_xdp_owner self;
	struct rc_xdp_prog *at;
	uint64_t other;
	int r = 0, ncpus;

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return rc_source_fail(err, errlen, ncpus < 0 ? ncpus : -EINVAL,
			 "cannot count the possible CPUs for the XDP counters");
	at = calloc(1, sizeof(*at));
	if (!at)
		return -ENOMEM;
	at->ifindex = ifindex;
	at->promisc_fd = -1;
	at->ncpus = (unsigned)ncpus;
	at->frags = frags;
	at->dedicated = c->xdp.dedicated_port;
	rc_xdp_owner_self(&self);

	rc_xdp_bpffs_get(s);
	other = remove_stale(s, ifindex, ifname);
	for (size_t i = 0; i < nmodes; i++) {
		rc_xdp_lib_clear();
		r = attach_try(at, modes[i], &self);
		if (r == 0)
			break;
		if (i == 0)
			snprintf(first_why, sizeof(first_why), "%s%s", strerror(-r),
				 rc_xdp_lib_why(why, sizeof(why)));
	}
	if (r < 0) {
		r = attach_failed(r, modes, nmodes, first_why, other, ifname, err, errlen);
		free(at);
		if (!progs)
			rc_xdp_bpffs_put();
		return r;
	}

	at->legacy = attached_alone(at);
	if (at->legacy)
		rc_source_note(s, "XDP program attached to %s in %s mode without libxdp's dispatcher "
		     "(%s), so no other XDP program can share the interface", ifname,
		     mode_name(at->mode),
		     rc_xdp_dispatcher_why()[0] ? rc_xdp_dispatcher_why() : "not usable here");
	else
		rc_source_note(s, "XDP program attached to %s in %s mode", ifname, mode_name(at->mode));
	if (at->mode == XDP_MODE_SKB && nmodes == 2)
		rc_source_note(s, "native XDP refused: %s", first_why);
	r = fill_progs(at);
	if (r < 0) {
		prog_free(at);
		if (!progs)
			rc_xdp_bpffs_put();
		return rc_source_fail(err, errlen, r,
				      "chaining the XDP program's parts on %s (program array): %s",
				      ifname, strerror(-r));
	}

	if (c->promisc) {
		/* a membership, not IFF_PROMISC: the kernel drops it with the
		 * socket, even when ringcap is killed */
		struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };

		at->promisc_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (at->promisc_fd < 0 ||
		    setsockopt(at->promisc_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
			       sizeof(mr)) < 0)
			rc_source_note(s, "could not put %s in promiscuous mode: %s", ifname, strerror(errno));
	}
	at->refs = 1;
	*ret = at;
	return 0;
}

int rc_xdp_prog_get(const struct rc_capture_conf *c, int ifindex, const char *ifname, bool frags,
		    struct rc_source *s, struct rc_xdp_prog **ret, char *err, size_t errlen)
{
	struct rc_xdp_prog *at;
	int r = 0;

	pthread_mutex_lock(&prog_lock);
	for (at = progs; at; at = at->next)
		if (at->ifindex == ifindex)
			break;
	if (at && (at->frags != frags || at->dedicated != c->xdp.dedicated_port)) {
		/* one program per interface, loaded for one kind of capture */
		r = rc_source_fail(err, errlen, -EBUSY,
				   "%s is already captured with AF_XDP by this process, with %s",
				   ifname, at->frags != frags ? "another MTU" :
				   at->dedicated ? "--dedicated-port" : "--take-matching");
	} else if (at) {
		at->refs++;
	} else {
		r = prog_new(c, ifindex, ifname, frags, s, &at, err, errlen);
		if (r == 0) {
			at->next = progs;
			progs = at;
		}
	}
	pthread_mutex_unlock(&prog_lock);
	if (r == 0)
		*ret = at;
	return r;
}

/* The verifier's last words on a program it refused (the lines before the
 * end usually say which instruction and why). */
static void verifier_tail(const char *log, char *buf, size_t len)
{
	const char *end = log + strlen(log), *p = end;
	int lines = 0;

	while (p > log && (end - p < 2 || lines < 3)) {
		p--;
		if (*p == '\n' && p + 1 < end)
			lines++;
	}
	if (*p == '\n')
		p++;
	if ((size_t)(end - p) >= len)
		p = end - (len - 1);
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	for (char *q = buf; *q; q++)
		if (*q == '\n')
			*q = q[1] ? ' ' : '\0';
}

/* Translate, load and chain the filter.  1, or 0 with the reason, or -errno.
 * Caller holds prog_lock. */
static int filter_load(struct rc_xdp_prog *at, const struct bpf_program *cbpf, char *why,
		       size_t whylen)
{
	const struct rc_xdp_filter_target t = {
		.frags = at->frags, .tail_map_fd = at->progs_fd,
		.accept_slot = PROG_TAKE, .reject_slot = PROG_REJECT,
	};
	const uint32_t slot = PROG_FILTER;
	struct rc_xdp_filter_code code;
	_cleanup_close_ int fd = -1;
	int r;

	r = rc_xdp_filter_translate(cbpf, &t, &code, why, whylen);
	if (r == -ENOTSUP || r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	{
		LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = at->frags ? BPF_F_XDP_HAS_FRAGS : 0,
			    .expected_attach_type = BPF_XDP);

		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "ringcap_filter", "Dual MIT/GPL",
				   code.insns, code.len, &o);
	}
	if (fd < 0) {
		/* again, for the verifier's account of it */
		int e = errno;
		_cleanup_free_ char *log = calloc(1, 1u << 20);
		char tail[300] = "";

		if (log) {
			LIBBPF_OPTS(bpf_prog_load_opts, o,
				    .prog_flags = at->frags ? BPF_F_XDP_HAS_FRAGS : 0,
				    .expected_attach_type = BPF_XDP, .log_buf = log,
				    .log_size = 1u << 20, .log_level = 1);
			int fd2 = bpf_prog_load(BPF_PROG_TYPE_XDP, "ringcap_filter", "Dual MIT/GPL",
						code.insns, code.len, &o);

			if (fd2 >= 0)
				close(fd2);
			verifier_tail(log, tail, sizeof(tail));
		}
		rc_xdp_filter_code_free(&code);
		if (e == ENOMEM)
			return -ENOMEM;
		snprintf(why, whylen, "the kernel refused the translated filter (%s)%s%s",
			 strerror(e), tail[0] ? ": " : "", tail);
		return 0;
	}
	rc_xdp_filter_code_free(&code);
	/* the program array holds it from here on */
	if (bpf_map_update_elem(at->progs_fd, &slot, &fd, BPF_ANY) < 0) {
		snprintf(why, whylen, "the translated filter could not be chained to the XDP "
			 "program: %s", strerror(errno));
		return 0;
	}
	return 1;
}

static bool same_expr(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

int rc_xdp_prog_set_filter(struct rc_xdp_prog *at, const char *expr, uint32_t snaplen,
			   char *why, size_t whylen)
{
	const uint32_t slot = PROG_FILTER;
	struct bpf_program cbpf;
	char *copy;
	int r = 1;

	if (why && whylen)
		why[0] = '\0';
	pthread_mutex_lock(&prog_lock);
	if (at->filter_expr && same_expr(at->filter_expr, expr)) {
		/* the next queue of the same capture */
		snprintf(why, whylen, "%s", at->filter_why);
		r = at->filter_r;
		pthread_mutex_unlock(&prog_lock);
		return r;
	}
	copy = strdup(expr ? expr : "");
	if (!copy) {
		pthread_mutex_unlock(&prog_lock);
		return -ENOMEM;
	}
	if (!copy[0]) {
		/* none: nothing is left for user space either */
		if (bpf_map_delete_elem(at->progs_fd, &slot) < 0 && errno != ENOENT)
			r = -errno;
	} else {
		r = rc_filter_compile(copy, DLT_EN10MB, snaplen, &cbpf, why, whylen);
		if (r == 0) {
			/* 1: in the slot now, which each frame sees whole; 0: the
			 * old one stays until every source filters in user space */
			r = filter_load(at, &cbpf, why, whylen);
			pcap_freecode(&cbpf);
		}
	}
	if (r < 0) {
		/* nothing changed: the old filter goes on where it ran */
		free(copy);
		pthread_mutex_unlock(&prog_lock);
		return r;
	}
	free(at->filter_expr);
	at->filter_expr = copy;
	at->filter_r = r;
	at->filter_ready = 0;
	snprintf(at->filter_why, sizeof(at->filter_why), "%s", why ? why : "");
	pthread_mutex_unlock(&prog_lock);
	return r;
}

void rc_xdp_prog_filter_ready(struct rc_xdp_prog *at)
{
	const uint32_t slot = PROG_FILTER;

	pthread_mutex_lock(&prog_lock);
	if (at->filter_r == 0 && ++at->filter_ready >= at->refs)
		bpf_map_delete_elem(at->progs_fd, &slot);
	pthread_mutex_unlock(&prog_lock);
}

void rc_xdp_prog_put(struct rc_xdp_prog *at)
{
	struct rc_xdp_prog **pp;

	if (!at)
		return;
	pthread_mutex_lock(&prog_lock);
	if (--at->refs) {
		pthread_mutex_unlock(&prog_lock);
		return;
	}
	for (pp = &progs; *pp; pp = &(*pp)->next)
		if (*pp == at) {
			*pp = at->next;
			break;
		}
	prog_free(at);
	if (!progs)
		rc_xdp_bpffs_put();
	pthread_mutex_unlock(&prog_lock);
}

#endif /* RC_HAVE_AFXDP */

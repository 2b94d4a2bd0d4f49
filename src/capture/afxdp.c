// SPDX-License-Identifier: MIT
/*
 * AF_XDP source; see afxdp.h for the contract.
 *
 * What it owns, per RX queue: a UMEM (frame_count chunks on huge pages:
 * reserved ones if there are, else transparent ones), its FILL ring, one
 * AF_XDP socket with its RX ring, and a few batch slots.  Per interface,
 * shared by every queue of it in this process: the XDP program (struct
 * attach, reference counted; the last source of an interface to go
 * detaches it).  libxdp keeps its dispatcher's state in bpffs: when none
 * is mounted this file mounts one, and unmounts it again with the last
 * program if nothing else was pinned there.
 *
 * Set-up is a row of small steps (check → resolve → link → filter → umem
 * → attach → socket → fill → map), each failing with a message that names
 * it.  Frames start to flow only at the last step, when the socket enters
 * the program's XSKMAP.
 *
 * Leases: a batch is a run of RX descriptors taken in one peek, held in a
 * slot; the slot's lease returns its chunk addresses to the FILL ring when
 * the last reference goes, and the slot is free again once its lease is no
 * longer held (lease.h: that state, set after the hook, is the one truth).
 * The FILL ring does not care in which order chunks come back, so slots may
 * be released in any order and from any thread: the FILL producer side is
 * under a spinlock (uncontended unless an asynchronous sink releases at the
 * same moment as the worker).  Chunks for which the FILL ring has no
 * room wait in a spare queue.  Frames that fail
 * the filter go back at once and never appear in a batch.  A worker that
 * finds only a few frames waiting leaves them a moment to gather company
 * (see hold()): wake-ups, not frames, are what costs here.
 *
 * Timestamps: the program leaves bpf_ktime_get_tai_ns() in the 8 bytes
 * before each frame.  They are converted with the TAI - REALTIME offset,
 * which is the kernel's whole-second TAI offset (measured, rounded, and
 * measured again every second so that a leap second is followed).  The
 * stamp is cleared once read, so a frame arriving without one (the program
 * could not grow the metadata area) is seen as such and stamped with the
 * time of its batch instead, and counted.
 *
 * Shutdown without loss: quiesce() deletes the queue's XSKMAP entry (from
 * then on the program passes the queue's frames to the stack); drained()
 * waits until the RX ring is empty and every frame the program redirected
 * before that has been taken or counted as dropped by the kernel.
 *
 * Threads: the worker calls next/wait/done/quiesce/drained; the lease
 * release hook runs wherever the last reference is dropped; stats and
 * set_filter may be called from any thread; open and free from the
 * owner's thread (the attach registry has its own lock).
 */
#include "afxdp.h"

#ifdef RC_HAVE_AFXDP

/* before any <linux/if.h>: glibc's and the kernel's ifreq then agree */
#include <net/if.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
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
#include "../common/counter.h"
#include "filter.h"
#include "lease.h"

#define PROG_NAME "ringcap_xdp"
#define META_LEN 8u
#define BATCH_MAX 1024u
#define NSLOTS 16u
/* The kernel puts a frame XDP_PACKET_HEADROOM (256) + this many bytes into
 * its chunk, so the 8-byte stamp right before it shares the frame's first
 * cache line: one miss per frame instead of two. */
#define UMEM_HEADROOM META_LEN
#define COMP_RING_SIZE 64u        /* required by the kernel, unused: no TX */
#define HUGE_PAGE (2u << 20)
#define NSEC 1000000000LL
#define TAI_REFRESH_NS NSEC
#define DRAIN_GRACE_NS (100LL * 1000000LL)
#define PREFETCH_AHEAD 8u
#define HOLD_MIN_NS 20000LL
#define HOLD_START_NS 200000LL
#define HOLD_MAX_NS 1000000LL

/* ------------------------------------------------------------------ */
/* libbpf / libxdp messages                                            */

/*
 * Library code does not print: libbpf's and libxdp's warnings are kept
 * (the last one, per thread) and put into the error message of the step
 * that failed.
 */
static __thread char lib_msg[256];
/* libxdp says why it does without its dispatcher only at info level, and
 * only the first time (the answer is cached); written under attach_lock */
static char dispatcher_msg[160];

__attribute__((format(printf, 3, 0)))
static void keep_msg(char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t n;

	vsnprintf(buf, len, fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		keep_msg(lib_msg, sizeof(lib_msg), fmt, ap);
	return 0;
}

__attribute__((format(printf, 2, 0)))
static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBXDP_WARN)
		keep_msg(lib_msg, sizeof(lib_msg), fmt, ap);
	else if (!strncmp(fmt, "libxdp: Compatibility check", 27))
		keep_msg(dispatcher_msg, sizeof(dispatcher_msg), fmt + 8, ap);
	return 0;
}

static pthread_once_t print_once = PTHREAD_ONCE_INIT;

static void print_init(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

/* " (<last library warning>)" or "" */
static const char *lib_why(char *buf, size_t len)
{
	if (!lib_msg[0])
		return "";
	snprintf(buf, len, " (%s)", lib_msg);
	return buf;
}

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static int fail_perm(char *err, size_t errlen, const char *ifname, const char *step)
{
	return rc_source_fail(err, errlen, -EPERM,
		    "AF_XDP capture on %s needs CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW "
		    "(run as root or grant them): %s was refused", ifname, step);
}

static bool is_perm(int r)
{
	return r == -EPERM || r == -EACCES;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC + ts->tv_nsec;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts_ns(&ts);
}

/*
 * CLOCK_TAI is CLOCK_REALTIME plus the kernel's TAI offset, a whole number
 * of seconds; both move together when the clock is set or slewed.  A
 * measurement between two REALTIME reads is off by far less than half a
 * second, so rounding gives the offset exactly.
 */
static int64_t measure_tai_offset(void)
{
	int64_t r1 = clock_ns(CLOCK_REALTIME);
	int64_t t = clock_ns(CLOCK_TAI);
	int64_t r2 = clock_ns(CLOCK_REALTIME);
	int64_t d = t - (r1 + (r2 - r1) / 2);

	return (d >= 0 ? (d + NSEC / 2) / NSEC : (d - NSEC / 2) / NSEC) * NSEC;
}

/* /proc/PID/stat field 22: start time in clock ticks since boot; 0 = gone */
static uint64_t proc_start_time(uint64_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold anything, even ") " */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* field 3 (state) follows ") "; field 22 is 19 fields further */
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &start) != 1)
		return 0;
	return start;
}

static uint64_t pidns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* ------------------------------------------------------------------ */
/* the XDP program, once per interface                                 */

struct rc_xdp_counters {
	uint64_t seen;
	uint64_t redirected;
	uint64_t passed;
};

struct attach {
	struct attach *next;
	int ifindex;
	unsigned refs;
	struct rc_xdp *skel;       /* owns the bpf_object and its maps */
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	bool legacy;               /* attached on its own, not through the dispatcher */
	int xsks_fd;
	int counters_fd;
	uint32_t max_queues;
	unsigned ncpus;
	int promisc_fd;            /* AF_PACKET socket holding a promiscuous membership */
};

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static struct attach *attachments;

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
static int read_counters(const struct attach *at, uint32_t q, struct rc_xdp_counters *ret)
{
	_cleanup_free_ struct rc_xdp_counters *v = calloc(at->ncpus, sizeof(*v));

	memset(ret, 0, sizeof(*ret));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(at->counters_fd, &q, v) < 0)
		return -errno;
	for (unsigned i = 0; i < at->ncpus; i++) {
		ret->seen += v[i].seen;
		ret->redirected += v[i].redirected;
		ret->passed += v[i].passed;
	}
	return 0;
}

/* Where this process mounted bpffs, "" if it did not; under attach_lock. */
static char bpffs_ours[256];

/* libxdp keeps its dispatcher's state in bpffs; mount it if nobody has. */
static void ensure_bpffs(struct rc_source *s)
{
	const char *dir = secure_getenv(XDP_BPFFS_ENVVAR);
	struct statfs st;

	if (!dir)
		dir = "/sys/fs/bpf";
	if (statfs(dir, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC)
		return;
	if (mount("bpf", dir, "bpf", 0, "mode=0700") == 0) {
		snprintf(bpffs_ours, sizeof(bpffs_ours), "%s", dir);
		rc_source_note(s, "mounted bpffs on %s for libxdp's dispatcher", dir);
		return;
	}
	rc_source_note(s, "no bpffs on %s and mounting one failed (%s)", dir, strerror(errno));
}

/*
 * Undo our mount once the last program is gone, if bpffs holds nothing
 * but the kernel's own preload entries and libxdp's (empty) state
 * directory.  Anything else, or a mount in use, stays.
 */
static void release_bpffs(void)
{
	char sub[sizeof(bpffs_ours) + 8];
	struct dirent *de;
	bool busy = false;
	DIR *d;

	if (!bpffs_ours[0])
		return;
	d = opendir(bpffs_ours);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name;

		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "maps.debug") ||
		    !strcmp(n, "progs.debug"))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", bpffs_ours, n);
		if (!strcmp(n, "xdp") && rmdir(sub) == 0)
			continue;
		busy = true;
	}
	closedir(d);
	if (!busy && umount2(bpffs_ours, UMOUNT_NOFOLLOW) == 0)
		bpffs_ours[0] = '\0';
}

struct owner {
	uint64_t pid, start, pidns;
};

/* The owner fields of a program found on an interface, from its .rodata. */
static int program_owner(struct xdp_program *p, struct owner *ret)
{
	struct bpf_prog_info info = { 0 };
	uint32_t ids[16], len = sizeof(info);
	int r = -ENOENT;

	info.nr_map_ids = RC_ARRAY_SIZE(ids);
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(xdp_program__fd(p), &info, &len) < 0)
		return -errno;
	for (uint32_t i = 0; i < info.nr_map_ids && i < RC_ARRAY_SIZE(ids) && r < 0; i++) {
		struct bpf_map_info mi = { 0 };
		uint32_t mlen = sizeof(mi), zero = 0;
		size_t nl;
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		nl = 0;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0)
			nl = strlen(mi.name);
		if (nl >= 7 && !strcmp(mi.name + nl - 7, ".rodata") &&
		    mi.value_size >= sizeof(*ret)) {
			_cleanup_free_ uint8_t *v = calloc(1, mi.value_size);

			if (v && bpf_map_lookup_elem(fd, &zero, v) == 0) {
				memcpy(ret, v, sizeof(*ret));
				r = 0;
			}
		}
		close(fd);
	}
	return r;
}

/* Is the process that attached @p still there?  When it cannot be told
 * (another pid namespace, no owner fields), say yes: leave it alone. */
static bool owner_alive(struct xdp_program *p, struct owner *o)
{
	uint64_t start;

	if (program_owner(p, o) < 0 || !o->pid)
		return true;
	if (o->pidns != pidns_inode())
		return true;
	start = proc_start_time(o->pid);
	return start && start == o->start;
}

/*
 * A ringcap that died (SIGKILL, crash) leaves its program attached.  Its
 * sockets are gone, so the program passes everything to the stack; remove
 * it anyway so that programs do not pile up.  Caller holds attach_lock,
 * so no program of this process is on the interface.  Returns the pid of
 * a live ringcap whose program is there, 0 if none.
 */
static uint64_t remove_stale(struct rc_source *s, int ifindex, const char *ifname)
{
	uint64_t live = 0;

	for (int round = 0; round < 8; round++) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
		struct xdp_program *p = NULL, *victim = NULL;
		struct owner o = { 0 };
		uint32_t id;

		if (libxdp_get_error(mp))
			return live;
		live = 0;
		for (p = xdp_multiprog__is_legacy(mp) ? xdp_multiprog__main_prog(mp) :
							 xdp_multiprog__next_prog(NULL, mp);
		     p && !victim;
		     p = xdp_multiprog__is_legacy(mp) ? NULL : xdp_multiprog__next_prog(p, mp)) {
			if (strcmp(xdp_program__name(p), PROG_NAME))
				continue;
			if (!owner_alive(p, &o))
				victim = p;
			else
				live = o.pid;
		}
		if (!victim) {
			xdp_multiprog__close(mp);
			return live;
		}
		id = xdp_program__id(victim);
		lib_msg[0] = '\0';
		if (xdp_program__detach(victim, ifindex, xdp_multiprog__attach_mode(mp), 0) < 0) {
			char why[300];

			rc_source_note(s, "could not remove the stale ringcap XDP program (id %u) on %s%s",
			     id, ifname, lib_why(why, sizeof(why)));
			xdp_multiprog__close(mp);
			return live;
		}
		rc_source_note(s, "removed a stale ringcap XDP program (id %u) on %s, left by process %llu",
		     id, ifname, (unsigned long long)o.pid);
		xdp_multiprog__close(mp);
	}
	return live;
}

/*
 * A program attached on its own comes off with one netlink request that
 * names it (so nobody else's program is removed), which CAP_NET_ADMIN
 * alone allows: a daemon that gave up its other privileges can still do
 * it.  The dispatcher's way needs what libxdp needs.
 */
static void attach_free(struct attach *at)
{
	if (!at)
		return;
	if (at->prog && at->mode != XDP_MODE_UNSPEC) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = xdp_program__fd(at->prog));
		uint32_t flags = XDP_FLAGS_REPLACE |
				 (at->mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);

		if (!at->legacy || bpf_xdp_detach(at->ifindex, flags, &opts) < 0)
			xdp_program__detach(at->prog, at->ifindex, at->mode, 0);
	}
	if (at->prog)
		xdp_program__close(at->prog);
	rc_xdp__destroy(at->skel);
	if (at->promisc_fd >= 0)
		close(at->promisc_fd);
	free(at);
}

/* Load and attach in one mode; on failure everything is undone. */
static int attach_try(struct attach *at, enum xdp_attach_mode mode, const struct owner *self)
{
	int r;

	at->skel = rc_xdp__open();
	if (!at->skel)
		return -errno;
	at->skel->rodata->owner_pid = self->pid;
	at->skel->rodata->owner_start = self->start;
	at->skel->rodata->owner_pidns = self->pidns;
	at->prog = xdp_program__from_bpf_obj(at->skel->obj, "xdp");
	r = (int)libxdp_get_error(at->prog);
	if (r < 0) {
		at->prog = NULL;
		goto out;
	}
	r = xdp_program__attach(at->prog, at->ifindex, mode, 0);
	if (r < 0)
		goto out;
	at->mode = mode;
	at->xsks_fd = bpf_map__fd(at->skel->maps.xsks);
	at->counters_fd = bpf_map__fd(at->skel->maps.counters);
	at->max_queues = bpf_map__max_entries(at->skel->maps.xsks);
	return 0;
out:
	xdp_program__close(at->prog);
	at->prog = NULL;
	rc_xdp__destroy(at->skel);
	at->skel = NULL;
	return r;
}

static int attach_get(const struct rc_capture_conf *c, int ifindex, const char *ifname,
		      struct rc_source *s, struct attach **ret, char *err, size_t errlen)
{
	static const enum xdp_attach_mode auto_modes[] = { XDP_MODE_NATIVE, XDP_MODE_SKB };
	static const enum xdp_attach_mode native[] = { XDP_MODE_NATIVE };
	static const enum xdp_attach_mode skb[] = { XDP_MODE_SKB };
	const enum xdp_attach_mode *modes = c->xdp.mode == RC_XDP_MODE_NATIVE ? native :
					    c->xdp.mode == RC_XDP_MODE_SKB ? skb : auto_modes;
	size_t nmodes = c->xdp.mode == RC_XDP_MODE_AUTO ? 2 : 1;
	char first_why[300] = "", why[300];
	struct owner self;
	struct attach *at;
	struct xdp_multiprog *mp;
	uint64_t other;
	int r = 0, ncpus;

	pthread_mutex_lock(&attach_lock);
	for (at = attachments; at; at = at->next)
		if (at->ifindex == ifindex) {
			at->refs++;
			pthread_mutex_unlock(&attach_lock);
			*ret = at;
			return 0;
		}

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		r = rc_source_fail(err, errlen, ncpus < 0 ? ncpus : -EINVAL,
			 "cannot count the possible CPUs for the XDP counters");
		goto out_unlock;
	}
	at = calloc(1, sizeof(*at));
	if (!at) {
		r = -ENOMEM;
		goto out_unlock;
	}
	at->ifindex = ifindex;
	at->promisc_fd = -1;
	at->ncpus = (unsigned)ncpus;
	self.pid = (uint64_t)getpid();
	self.start = proc_start_time(self.pid);
	self.pidns = pidns_inode();

	ensure_bpffs(s);
	other = remove_stale(s, ifindex, ifname);
	for (size_t i = 0; i < nmodes; i++) {
		lib_msg[0] = '\0';
		r = attach_try(at, modes[i], &self);
		if (r == 0)
			break;
		if (i == 0)
			snprintf(first_why, sizeof(first_why), "%s%s", strerror(-r),
				 lib_why(why, sizeof(why)));
	}
	if (r < 0) {
		if (is_perm(r))
			r = fail_perm(err, errlen, ifname, "loading or attaching the XDP program");
		else if ((r == -EEXIST || r == -EBUSY) && other)
			r = rc_source_fail(err, errlen, -EBUSY,
				 "ringcap process %llu already captures on %s with AF_XDP; one "
				 "AF_XDP capture per interface", (unsigned long long)other, ifname);
		else if (r == -EEXIST || r == -EBUSY)
			r = rc_source_fail(err, errlen, -EBUSY,
				 "%s already carries an XDP program that libxdp cannot share: "
				 "%s; remove it (xdp-loader unload) or capture with afpacket",
				 ifname, first_why);
		else if (nmodes == 2)
			r = rc_source_fail(err, errlen, r,
				 "attaching the XDP program to %s failed in native mode (%s) and "
				 "in SKB mode (%s%s)", ifname, first_why, strerror(-r),
				 lib_why(why, sizeof(why)));
		else
			r = rc_source_fail(err, errlen, r, "attaching the XDP program to %s in %s mode: %s",
				 ifname, mode_name(modes[0]), first_why);
		free(at);
		if (!attachments)
			release_bpffs();
		goto out_unlock;
	}

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	at->legacy = !libxdp_get_error(mp) && xdp_multiprog__is_legacy(mp);
	if (at->legacy)
		rc_source_note(s, "XDP program attached to %s in %s mode without libxdp's dispatcher "
		     "(%s), so no other XDP program can share the interface", ifname,
		     mode_name(at->mode), dispatcher_msg[0] ? dispatcher_msg : "not usable here");
	else
		rc_source_note(s, "XDP program attached to %s in %s mode", ifname, mode_name(at->mode));
	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	if (at->mode == XDP_MODE_SKB && nmodes == 2)
		rc_source_note(s, "native XDP refused: %s", first_why);

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
	at->next = attachments;
	attachments = at;
	*ret = at;
out_unlock:
	pthread_mutex_unlock(&attach_lock);
	return r;
}

static void attach_put(struct attach *at)
{
	struct attach **pp;

	if (!at)
		return;
	pthread_mutex_lock(&attach_lock);
	if (--at->refs) {
		pthread_mutex_unlock(&attach_lock);
		return;
	}
	for (pp = &attachments; *pp; pp = &(*pp)->next)
		if (*pp == at) {
			*pp = at->next;
			break;
		}
	attach_free(at);
	if (!attachments)
		release_bpffs();
	pthread_mutex_unlock(&attach_lock);
}

/* ------------------------------------------------------------------ */
/* the source                                                          */

struct slot {
	struct rc_lease lease;
	uint32_t n;                /* free: !rc_lease_held(&lease) */
	uint64_t *addrs;           /* the chunks behind frames[] */
	struct rc_frame *frames;
};

struct afxdp {
	struct rc_source base;
	struct rc_source_iface iface;
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint32_t queue;
	int fd;                    /* the socket, -1 for rc_afxdp_open_mem() */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx_own;
	struct xsk_ring_prod fill_own;
	struct xsk_ring_cons comp_own;
	struct xsk_ring_cons *rx;
	struct xsk_ring_prod *fill;
	uint8_t *area;
	uint64_t area_len;
	size_t map_len;            /* 0: the area is not ours to unmap */
	const char *pages;         /* what backs the UMEM, for the notes */
	uint32_t chunk;
	uint32_t nchunks;
	struct attach *at;
	uint64_t base_redirected;  /* the queue's counter when this socket joined */

	/* worker */
	struct rc_lease_owner owner;
	struct slot *slots;
	unsigned next_slot;
	uint32_t batch_max;
	uint64_t *rejects;
	struct bpf_program *filter; /* NULL: every frame */
	unsigned filter_gen_seen;
	int64_t tai_off;
	int64_t tai_next_ns;       /* CLOCK_MONOTONIC_COARSE */
	bool tai_fixed;
	bool quiesced;
	int64_t quiesce_ns;
	int64_t hold_until;        /* CLOCK_MONOTONIC; 0 = not holding */
	int64_t hold_ns;

	/* FILL producer side, from any thread */
	pthread_spinlock_t fill_lock;
	uint64_t *spare;           /* a queue of nchunks entries */
	uint32_t spare_head, nspare;

	/* set_filter hand-over */
	pthread_mutex_t filter_lock;
	struct bpf_program *filter_next;
	unsigned filter_gen;

	/* single-writer counters (the worker) */
	uint64_t taken;            /* descriptors taken from the RX ring */
	uint64_t frames, bytes, filtered, ts_fallback, batches, malformed;
};

#define AFX(s) ((struct afxdp *)(s))

static void filter_free(struct bpf_program *p)
{
	if (p) {
		pcap_freecode(p);
		free(p);
	}
}

/* NULL expression or "" → *ret = NULL (no filter). */
static int filter_new(const char *expr, int dlt, unsigned snaplen, struct bpf_program **ret,
		      char *err, size_t errlen)
{
	struct bpf_program *p;
	int r;

	*ret = NULL;
	if (!expr || !expr[0])
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r = rc_filter_compile(expr, dlt, snaplen, p, err, errlen);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/*
 * Chunks back to the kernel, oldest first: the spare queue (chunks the
 * FILL ring had no room for) drains before @addrs, and order is kept, so
 * the kernel fills memory in the order it was freed.  Caller holds
 * fill_lock.
 */
static void give_back_locked(struct afxdp *a, const uint64_t *addrs, uint32_t n)
{
	uint64_t mask = ~(uint64_t)(a->chunk - 1);
	uint32_t room, idx, from_spare, from_addrs = 0;

	room = RC_MIN(xsk_prod_nb_free(a->fill, a->nspare + n), a->nspare + n);
	if (room && xsk_ring_prod__reserve(a->fill, room, &idx) == room) {
		from_spare = RC_MIN(room, a->nspare);
		for (uint32_t i = 0; i < from_spare; i++) {
			*xsk_ring_prod__fill_addr(a->fill, idx + i) = a->spare[a->spare_head];
			a->spare_head = a->spare_head + 1 == a->nchunks ? 0 : a->spare_head + 1;
		}
		a->nspare -= from_spare;
		from_addrs = room - from_spare;
		for (uint32_t i = 0; i < from_addrs; i++)
			*xsk_ring_prod__fill_addr(a->fill, idx + from_spare + i) = addrs[i] & mask;
		xsk_ring_prod__submit(a->fill, room);
		/* a zero-copy driver that ran dry waits to be told */
		if (a->fd >= 0 && xsk_ring_prod__needs_wakeup(a->fill))
			recvfrom(a->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
	}
	for (uint32_t i = from_addrs; i < n; i++) {
		a->spare[(a->spare_head + a->nspare) % a->nchunks] = addrs[i] & mask;
		a->nspare++;
	}
}

static void give_back(struct afxdp *a, const uint64_t *addrs, uint32_t n)
{
	pthread_spin_lock(&a->fill_lock);
	give_back_locked(a, addrs, n);
	pthread_spin_unlock(&a->fill_lock);
}

/* The lease hook: the one place where batch memory returns to the kernel. */
static void slot_release(struct rc_lease_owner *owner, struct rc_lease *l)
{
	struct afxdp *a = (struct afxdp *)((char *)owner - offsetof(struct afxdp, owner));
	struct slot *sl = &a->slots[l->unit];

	give_back(a, sl->addrs, sl->n);
	sl->n = 0;
}

static struct slot *free_slot(struct afxdp *a)
{
	for (unsigned k = 0; k < NSLOTS; k++) {
		unsigned i = (a->next_slot + k) % NSLOTS;

		if (!rc_lease_held(&a->slots[i].lease)) {
			a->next_slot = (i + 1) % NSLOTS;
			return &a->slots[i];
		}
	}
	return NULL;
}

static void take_new_filter(struct afxdp *a)
{
	struct bpf_program *old;

	pthread_mutex_lock(&a->filter_lock);
	old = a->filter;
	a->filter = a->filter_next;
	a->filter_next = NULL;
	a->filter_gen_seen = a->filter_gen;
	pthread_mutex_unlock(&a->filter_lock);
	filter_free(old);
}

static void tai_refresh(struct afxdp *a)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC_COARSE);

	if (a->tai_fixed || now < a->tai_next_ns)
		return;
	a->tai_off = measure_tai_offset();
	a->tai_next_ns = now + TAI_REFRESH_NS;
}

/* Entries in the RX ring, the producer read afresh. */
static uint32_t rx_ready(struct xsk_ring_cons *rx)
{
	rx->cached_prod = __atomic_load_n(rx->producer, __ATOMIC_ACQUIRE);
	return rx->cached_prod - rx->cached_cons;
}

/*
 * Each wake-up of the worker costs a few microseconds of system calls, as
 * much as handling dozens of frames.  When only a few frames wait, leave
 * them a little while so that more gather (the frames carry their own
 * time stamps, only delivery waits).  The while adapts: it doubles (up to
 * 1 ms) when it passes without half a batch gathering, and halves (down to
 * 20 us) when a batch filled up during it, so that a fast queue never
 * holds long enough to fill its ring.  Returns true to hold now.
 */
static bool hold(struct afxdp *a, uint32_t ready)
{
	int64_t now;

	if (ready >= a->batch_max / 2 || a->quiesced) {
		if (a->hold_until)
			a->hold_ns = RC_MAX(a->hold_ns / 2, HOLD_MIN_NS);
		a->hold_until = 0;
		return false;
	}
	now = clock_ns(CLOCK_MONOTONIC);
	if (!a->hold_until) {
		a->hold_until = now + a->hold_ns;
		return true;
	}
	if (now < a->hold_until)
		return true;
	a->hold_ns = RC_MIN(a->hold_ns * 2, HOLD_MAX_NS);
	a->hold_until = 0;
	return false;
}

static int xdp_next(struct rc_source *s, struct rc_batch *ret)
{
	struct afxdp *a = AFX(s);

	if (__atomic_load_n(&a->filter_gen, __ATOMIC_ACQUIRE) != a->filter_gen_seen)
		take_new_filter(a);
	for (;;) {
		struct slot *sl = free_slot(a);
		uint32_t ready, n, idx, nrej = 0, k = 0, nfilt = 0, nfall = 0, bad = 0;
		int64_t batch_time = 0;
		uint64_t bytes = 0;

		if (!sl)
			return 0; /* every slot leased to an async sink */
		ready = rx_ready(a->rx);
		if (!ready || hold(a, ready))
			return 0;
		n = xsk_ring_cons__peek(a->rx, a->batch_max, &idx);
		if (!n)
			return 0;
		tai_refresh(a);
		for (uint32_t i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(a->rx, idx + i);
			uint64_t addr = d->addr, off = addr & (a->chunk - 1), stamp = 0;
			uint32_t len = d->len;
			struct rc_frame *f = &sl->frames[k];
			uint8_t *data;

			if (i + PREFETCH_AHEAD < n) {
				const struct xdp_desc *ahead =
					xsk_ring_cons__rx_desc(a->rx, idx + i + PREFETCH_AHEAD);

				/* stamp and frame start share a line (UMEM_HEADROOM) */
				if (ahead->addr >= META_LEN && ahead->addr < a->area_len)
					__builtin_prefetch(a->area + ahead->addr - META_LEN);
			}
			/* the ring is shared with the kernel: check before use */
			if (rc_unlikely(addr >= a->area_len || off + len > a->chunk || len == 0)) {
				bad++;
				if (addr < a->area_len)
					a->rejects[nrej++] = addr;
				continue;
			}
			data = a->area + addr;
			f->data = data;
			f->dir = RC_DIR_IN;  /* XDP sees what arrives, nothing else */
			f->h.len = len;
			f->h.caplen = len < s->snaplen ? len : s->snaplen;
			if (a->filter && !rc_filter_match(a->filter, f)) {
				a->rejects[nrej++] = addr;
				nfilt++;
				continue;
			}
			if (rc_likely(off >= META_LEN)) {
				memcpy(&stamp, data - META_LEN, sizeof(stamp));
				if (stamp)
					memset(data - META_LEN, 0, META_LEN);
			}
			if (rc_likely(stamp)) {
				int64_t t = (int64_t)stamp - a->tai_off;

				f->h.ts.tv_sec = t / NSEC;
				f->h.ts.tv_usec = t % NSEC;
			} else {
				if (!batch_time)
					batch_time = clock_ns(CLOCK_REALTIME);
				f->h.ts.tv_sec = batch_time / NSEC;
				f->h.ts.tv_usec = batch_time % NSEC;
				nfall++;
			}
			sl->addrs[k++] = addr;
			bytes += len;
		}
		xsk_ring_cons__release(a->rx, n);
		RC_COUNTER_ADD(a->taken, n);
		if (nrej)
			give_back(a, a->rejects, nrej);
		if (nfilt)
			RC_COUNTER_ADD(a->filtered, nfilt);
		if (bad)
			RC_COUNTER_ADD(a->malformed, bad);
		if (nfall)
			RC_COUNTER_ADD(a->ts_fallback, nfall);
		if (!k)
			continue;
		sl->n = k;
		rc_lease_begin(&sl->lease, RC_COUNTER_GET(a->batches));
		RC_COUNTER_ADD(a->frames, k);
		RC_COUNTER_ADD(a->bytes, bytes);
		RC_COUNTER_ADD(a->batches, 1);
		ret->frames = sl->frames;
		ret->n = k;
		ret->lease = &sl->lease;
		ret->bytes = bytes;
		ret->raw = NULL;  /* scattered UMEM frames: forwarded by copy */
		ret->raw_len = 0;
		return 1;
	}
}

static void xdp_done(struct rc_source *s, struct rc_batch *b)
{
	(void)s;
	rc_lease_put(b->lease);
}

/* The socket reports ENETDOWN when its interface is unregistered. */
static int device_gone(struct afxdp *a)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == ENETDOWN)
		return -ENODEV;
	if ((int)if_nametoindex(a->ifname) != a->ifindex)
		return -ENODEV;
	return soerr ? -soerr : 0;
}

static bool any_slot_free(struct afxdp *a)
{
	for (unsigned i = 0; i < NSLOTS; i++)
		if (!rc_lease_held(&a->slots[i].lease))
			return true;
	return false;
}

/* Sleep until @until (CLOCK_MONOTONIC) unless @wake_fd wakes us first. */
static void nap(int wake_fd, int64_t until)
{
	int64_t left = until - clock_ns(CLOCK_MONOTONIC);
	struct timespec ts;
	struct pollfd pfd = { .fd = wake_fd, .events = POLLIN };

	if (left <= 0)
		return;
	ts.tv_sec = left / NSEC;
	ts.tv_nsec = left % NSEC;
	if (wake_fd >= 0)
		ppoll(&pfd, 1, &ts, NULL);
	else
		nanosleep(&ts, NULL);
}

static int xdp_wait(struct rc_source *s, int wake_fd, int timeout_ms)
{
	struct afxdp *a = AFX(s);
	struct pollfd pfd[2] = {
		{ .fd = a->fd, .events = POLLIN | POLLRDNORM },
		{ .fd = wake_fd, .events = POLLIN },
	};
	int n;

	if (rx_ready(a->rx)) {
		if (!any_slot_free(a)) {
			/* frames wait, but every slot is leased to an async
			 * sink: nap instead of spinning */
			if (timeout_ms > 0)
				nap(wake_fd, clock_ns(CLOCK_MONOTONIC) + 1000000);
		} else if (a->hold_until) {
			nap(wake_fd, RC_MIN(a->hold_until, clock_ns(CLOCK_MONOTONIC) +
						     (int64_t)timeout_ms * 1000000));
		}
		return 1;
	}
	a->hold_until = 0;
	if (a->fd < 0) {
		nap(wake_fd, clock_ns(CLOCK_MONOTONIC) + (int64_t)RC_MIN(timeout_ms, 1) * 1000000);
		return 0;
	}
	/* poll() also wakes a zero-copy driver that waits for FILL entries */
	n = poll(pfd, wake_fd >= 0 ? 2 : 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[0].revents & POLLNVAL)
		return -EBADF;
	if (n == 0 || (pfd[0].revents & POLLERR)) {
		int r = device_gone(a);

		return r < 0 ? r : 0;
	}
	return (pfd[0].revents & (POLLIN | POLLRDNORM)) ? 1 : 0;
}

static int xdp_quiesce(struct rc_source *s)
{
	struct afxdp *a = AFX(s);

	if (a->quiesced)
		return 0;
	if (a->at && bpf_map_delete_elem(a->at->xsks_fd, &a->queue) < 0 && errno != ENOENT)
		return -errno;
	a->quiesced = true;
	a->quiesce_ns = clock_ns(CLOCK_MONOTONIC);
	return 0;
}

static int xsk_statistics(struct afxdp *a, struct xdp_statistics *ret)
{
	socklen_t len = sizeof(*ret);

	memset(ret, 0, sizeof(*ret));
	if (a->fd < 0)
		return 0;
	if (getsockopt(a->fd, SOL_XDP, XDP_STATISTICS, ret, &len) < 0)
		return -errno;
	return 0;
}

static bool xdp_drained(struct rc_source *s)
{
	struct afxdp *a = AFX(s);
	struct rc_xdp_counters c;
	struct xdp_statistics st;

	if (!a->quiesced || xsk_cons_nb_avail(a->rx, 1))
		return false;
	if (!a->at)
		return true;
	/* a frame redirected just before the entry went may still be on its
	 * way into the ring: wait until it is in, or counted as dropped */
	if (read_counters(a->at, a->queue, &c) == 0 && xsk_statistics(a, &st) == 0 &&
	    RC_COUNTER_GET(a->taken) + st.rx_dropped + st.rx_ring_full >=
		    c.redirected - a->base_redirected)
		return true;
	return clock_ns(CLOCK_MONOTONIC) - a->quiesce_ns >= DRAIN_GRACE_NS;
}

int rc_afxdp_stats(struct rc_source *s, struct rc_afxdp_stats *ret)
{
	struct afxdp *a = AFX(s);
	struct rc_xdp_counters c = { 0 };
	struct xdp_statistics st;
	int r, r2 = 0;

	memset(ret, 0, sizeof(*ret));
	/* ours first, the kernel's after: "redirected" is never behind */
	ret->filtered = RC_COUNTER_GET(a->filtered);
	ret->ts_fallback = RC_COUNTER_GET(a->ts_fallback);
	ret->batches = RC_COUNTER_GET(a->batches);
	r = xsk_statistics(a, &st);
	ret->rx_dropped = st.rx_dropped;
	ret->rx_ring_full = st.rx_ring_full;
	ret->fill_empty = st.rx_fill_ring_empty_descs;
	ret->invalid_descs = st.rx_invalid_descs;
	if (a->at) {
		r2 = read_counters(a->at, a->queue, &c);
		ret->redirected = c.redirected - a->base_redirected;
	} else {
		ret->redirected = RC_COUNTER_GET(a->taken);
	}
	return r < 0 ? r : r2;
}

static int xdp_stats(struct rc_source *s, struct rc_source_stats *ret)
{
	struct afxdp *a = AFX(s);
	struct rc_afxdp_stats x;
	uint64_t frames = RC_COUNTER_GET(a->frames);
	uint64_t bytes = RC_COUNTER_GET(a->bytes);
	int r;

	r = rc_afxdp_stats(s, &x);
	memset(ret, 0, sizeof(*ret));
	ret->frames = frames;
	ret->bytes = bytes;
	ret->kernel_drops = x.rx_dropped + x.rx_ring_full;
	/* like PACKET_STATISTICS' tp_packets: what got past the filter,
	 * dropped or not; the filter runs here, so take its rejects out */
	ret->received = x.redirected > x.filtered ? x.redirected - x.filtered : 0;
	ret->blocks = x.batches;
	ret->malformed = RC_COUNTER_GET(a->malformed);
	ret->xdp_filtered = x.filtered;
	ret->xdp_fill_empty = x.fill_empty;
	ret->xdp_invalid_descs = x.invalid_descs;
	ret->xdp_ring_full = x.rx_ring_full;
	ret->xdp_ts_fallback = x.ts_fallback;
	return r;
}

static int xdp_set_filter(struct rc_source *s, const char *expr, char *err, size_t errlen)
{
	struct afxdp *a = AFX(s);
	struct bpf_program *p, *old;
	int r;

	r = filter_new(expr, s->dlt, s->snaplen, &p, err, errlen);
	if (r < 0)
		return r;
	/* the worker takes it before the next frame it looks at */
	pthread_mutex_lock(&a->filter_lock);
	old = a->filter_next;
	a->filter_next = p;
	__atomic_store_n(&a->filter_gen, a->filter_gen + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&a->filter_lock);
	filter_free(old);
	return 0;
}

static void xdp_free(struct rc_source *s)
{
	struct afxdp *a = AFX(s);

	if (!a)
		return;
	/* closing the socket takes it out of the XSKMAP: the queue's frames
	 * go to the stack from here on */
	if (a->xsk)
		xsk_socket__delete(a->xsk);
	if (a->umem)
		xsk_umem__delete(a->umem);
	if (a->map_len)
		munmap(a->area, a->map_len);
	attach_put(a->at);
	if (a->slots)
		for (unsigned i = 0; i < NSLOTS; i++) {
			free(a->slots[i].addrs);
			free(a->slots[i].frames);
		}
	free(a->slots);
	free(a->rejects);
	free(a->spare);
	filter_free(a->filter);
	filter_free(a->filter_next);
	pthread_spin_destroy(&a->fill_lock);
	pthread_mutex_destroy(&a->filter_lock);
	free(a);
}

static const struct rc_source_ops afxdp_ops = {
	.name = "afxdp",
	.next = xdp_next,
	.wait = xdp_wait,
	.done = xdp_done,
	.quiesce = xdp_quiesce,
	.drained = xdp_drained,
	.stats = xdp_stats,
	.set_filter = xdp_set_filter,
	.free = xdp_free,
};

void rc_afxdp_set_tai_offset(struct rc_source *s, int64_t offset_ns)
{
	AFX(s)->tai_off = offset_ns;
	AFX(s)->tai_fixed = true;
}

/* ------------------------------------------------------------------ */
/* set-up steps                                                        */

static int step_check(const struct rc_capture_conf *c, char *err, size_t errlen)
{
	const struct rc_xdp_conf *x = &c->xdp;

	if (!x->dedicated_port)
		return rc_source_fail(err, errlen, -EINVAL,
			    "AF_XDP takes frames away from the host's network stack; only use it "
			    "on a dedicated capture port (SPAN/TAP) and say so with "
			    "--dedicated-port / dedicated_port: true");
	if (x->frame_size != 2048 && x->frame_size != 4096)
		return rc_source_fail(err, errlen, -EINVAL,
			    "AF_XDP frame size %u is not a UMEM frame size (2048 or 4096)",
			    x->frame_size);
	if (x->ring_size < 64 || x->ring_size > (1u << 20) || (x->ring_size & (x->ring_size - 1)))
		return rc_source_fail(err, errlen, -EINVAL,
			    "AF_XDP ring size %u is not a power of two between 64 and 1048576",
			    x->ring_size);
	if (x->frame_count < 64 || x->frame_count > (1u << 22))
		return rc_source_fail(err, errlen, -EINVAL,
			    "AF_XDP frame count %u is not between 64 and 4194304", x->frame_count);
	if (!c->snaplen)
		return rc_source_fail(err, errlen, -EINVAL, "snaplen 0 is not a capture length");
	return 0;
}

/* Slots, spare list and the first FILL entries. */
static int step_slots(struct afxdp *a, const struct rc_capture_conf *c)
{
	uint64_t *all;

	a->batch_max = RC_MIN(BATCH_MAX, c->xdp.ring_size);
	a->slots = calloc(NSLOTS, sizeof(*a->slots));
	a->rejects = calloc(a->batch_max, sizeof(*a->rejects));
	a->spare = calloc(a->nchunks, sizeof(*a->spare));
	all = calloc(a->nchunks, sizeof(*all));
	if (!a->slots || !a->rejects || !a->spare || !all) {
		free(all);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < NSLOTS; i++) {
		rc_lease_init(&a->slots[i].lease, &a->owner, i);
		a->slots[i].addrs = calloc(a->batch_max, sizeof(uint64_t));
		a->slots[i].frames = calloc(a->batch_max, sizeof(struct rc_frame));
		if (!a->slots[i].addrs || !a->slots[i].frames) {
			free(all);
			return -ENOMEM;
		}
	}
	for (uint32_t i = 0; i < a->nchunks; i++)
		all[i] = (uint64_t)i * a->chunk;
	give_back(a, all, a->nchunks);
	free(all);
	return 0;
}

static struct afxdp *afxdp_alloc(const struct rc_capture_conf *c)
{
	struct afxdp *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fd = -1;
	a->base.ops = &afxdp_ops;
	a->owner.release = slot_release;
	a->base.dlt = DLT_EN10MB;
	a->base.snaplen = c->snaplen;
	a->base.ifaces = &a->iface;
	a->base.n_ifaces = 1;
	a->base.poll_fd = -1;
	a->chunk = c->xdp.frame_size;
	a->nchunks = c->xdp.frame_count;
	a->area_len = (uint64_t)a->nchunks * a->chunk;
	a->tai_off = measure_tai_offset();
	a->tai_next_ns = clock_ns(CLOCK_MONOTONIC_COARSE) + TAI_REFRESH_NS;
	a->hold_ns = HOLD_START_NS;
	pthread_spin_init(&a->fill_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_mutex_init(&a->filter_lock, NULL);
	return a;
}

static int step_link(struct afxdp *a, const struct rc_capture_conf *c, char *err,
		     size_t errlen)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t room = c->xdp.frame_size - XDP_PACKET_HEADROOM - UMEM_HEADROOM;

	if (fd < 0)
		return rc_source_fail(err, errlen, -errno, "socket(AF_INET): %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return rc_source_fail(err, errlen, -errno, "cannot read the link type of %s: %s", a->ifname,
			    strerror(errno));
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return rc_source_fail(err, errlen, -EPROTONOSUPPORT,
			    "%s has link type %u (ARPHRD); AF_XDP capture supports Ethernet "
			    "interfaces only (use afpacket)", a->ifname, ifr.ifr_hwaddr.sa_family);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return rc_source_fail(err, errlen, -errno, "cannot read the MTU of %s: %s", a->ifname,
			    strerror(errno));
	/* a frame must fit one chunk after the kernel's headroom: Ethernet
	 * header and one VLAN tag on top of the MTU */
	if ((uint32_t)ifr.ifr_mtu + 18 > room)
		return rc_source_fail(err, errlen, -EINVAL,
			    "the MTU of %s (%d) is too large for AF_XDP frames of %u bytes, which "
			    "hold frames of up to %u bytes; %s", a->ifname, ifr.ifr_mtu,
			    c->xdp.frame_size, room,
			    c->xdp.frame_size < 4096 ? "use frame_size 4096 or lower the MTU" :
			    "lower the MTU or capture with afpacket");
	return 0;
}

/* Bytes of transparent huge pages in the mapping that holds @addr. */
static uint64_t thp_bytes(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	uintptr_t a = (uintptr_t)addr;
	unsigned long long lo, hi, kb;
	bool inside = false;
	uint64_t ret = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2 && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = a >= lo && a < hi;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) {
			ret = (uint64_t)kb << 10;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * UMEM memory: every frame is a page of its own (4 KiB chunks) or half of
 * one, so with small pages nearly every frame costs a TLB miss.  Reserved
 * huge pages (vm.nr_hugepages) first; else transparent huge pages, asked
 * for on a 2 MiB-aligned mapping; else whatever the kernel gives.
 */
static int step_umem_area(struct afxdp *a)
{
	size_t len = (a->area_len + HUGE_PAGE - 1) & ~((size_t)HUGE_PAGE - 1);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	uint8_t *p, *aligned;
	size_t head;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (p != MAP_FAILED) {
		a->area = p;
		a->map_len = len;
		a->pages = "huge pages";
		return 0;
	}
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	aligned = (uint8_t *)(((uintptr_t)p + HUGE_PAGE - 1) & ~((uintptr_t)HUGE_PAGE - 1));
	head = (size_t)(aligned - p);
	if (head)
		munmap(p, head);
	munmap(aligned + len, HUGE_PAGE - head);
	a->area = aligned;
	a->map_len = len;
	madvise(aligned, len, MADV_HUGEPAGE);
	/* fault it all in now (registration would, one page at a time) */
	if (madvise(aligned, len, MADV_POPULATE_WRITE) < 0)
		memset(aligned, 0, len);
	a->pages = thp_bytes(aligned) >= len / 2 ? "transparent huge pages" :
		   "regular pages (no huge pages free: vm.nr_hugepages)";
	return 0;
}

static int step_umem(struct afxdp *a, const struct rc_capture_conf *c, char *err,
		     size_t errlen)
{
	struct xsk_umem_config cfg = {
		.fill_size = c->xdp.ring_size,
		.comp_size = COMP_RING_SIZE,
		.frame_size = c->xdp.frame_size,
		.frame_headroom = UMEM_HEADROOM,
		.flags = 0,
	};
	int r;

	r = step_umem_area(a);
	if (r < 0)
		return rc_source_fail(err, errlen, r, "allocating the %llu MiB UMEM for %s queue %u: %s",
			    (unsigned long long)(a->area_len >> 20), a->ifname, a->queue,
			    strerror(-r));
	/* offered to sinks that register it (RDMA forwarding by gather) */
	a->base.mem = a->area;
	a->base.mem_len = a->area_len;
	r = xsk_umem__create(&a->umem, a->area, a->area_len, &a->fill_own, &a->comp_own, &cfg);
	if (r < 0) {
		a->umem = NULL;
		if (is_perm(r))
			return fail_perm(err, errlen, a->ifname, "socket(AF_XDP)");
		if (r == -ENOBUFS || r == -ENOMEM)
			return rc_source_fail(err, errlen, -ENOBUFS,
				    "registering the %llu MiB UMEM for %s queue %u: %s; the UMEM is "
				    "locked in memory: grant CAP_IPC_LOCK, raise RLIMIT_MEMLOCK "
				    "(LimitMEMLOCK=) or lower frame_count",
				    (unsigned long long)(a->area_len >> 20), a->ifname, a->queue,
				    strerror(-r));
		return rc_source_fail(err, errlen, r, "registering the UMEM for %s queue %u: %s", a->ifname,
			    a->queue, strerror(-r));
	}
	if (fcntl(xsk_umem__fd(a->umem), F_SETFD, FD_CLOEXEC) < 0)
		return rc_source_fail(err, errlen, -errno, "FD_CLOEXEC on the AF_XDP socket: %s",
			    strerror(errno));
	a->fill = &a->fill_own;
	return 0;
}

/*
 * Bind without XDP_ZEROCOPY or XDP_COPY: the kernel tries zero-copy and
 * falls back to copy mode by itself when the driver cannot; XDP_OPTIONS
 * then says which one it chose.
 */
static int step_socket(struct afxdp *a, const struct rc_capture_conf *c, char *err,
		       size_t errlen)
{
	struct xsk_socket_config cfg = {
		.rx_size = c->xdp.ring_size,
		.tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	struct xdp_options opts = { 0 };
	socklen_t len = sizeof(opts);
	bool zc;
	int r;

	r = xsk_socket__create(&a->xsk, a->ifname, a->queue, a->umem, &a->rx_own, NULL, &cfg);
	if (r < 0) {
		a->xsk = NULL;
		if (is_perm(r))
			return fail_perm(err, errlen, a->ifname, "binding the AF_XDP socket");
		return rc_source_fail(err, errlen, r, "binding an AF_XDP socket to %s queue %u: %s",
			    a->ifname, a->queue, strerror(-r));
	}
	a->rx = &a->rx_own;
	a->fd = xsk_socket__fd(a->xsk);
	zc = getsockopt(a->fd, SOL_XDP, XDP_OPTIONS, &opts, &len) == 0 &&
	     (opts.flags & XDP_OPTIONS_ZEROCOPY);
	rc_source_note(&a->base, "queue %u: %s, UMEM of %llu MiB on %s", a->queue,
	     zc ? "zero-copy" : "copy mode (the driver has no zero-copy AF_XDP)",
	     (unsigned long long)(a->area_len >> 20),
	     a->pages);
	return 0;
}

/* What pcapng's interface block says about it. */
static void describe(struct afxdp *a)
{
	snprintf(a->iface.name, sizeof(a->iface.name), "%s", a->ifname);
	snprintf(a->iface.desc, sizeof(a->iface.desc), "%s queue %u, AF_XDP", a->ifname, a->queue);
	a->iface.dlt = a->base.dlt;
	a->iface.snaplen = a->base.snaplen;
	a->iface.ifindex = a->ifindex;
}

int rc_afxdp_queue_count(const char *iface)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	char path[64 + IF_NAMESIZE];
	struct dirent *de;
	DIR *d;
	int n = 0, fd;

	if (!iface || !iface[0] || strlen(iface) >= IF_NAMESIZE || !if_nametoindex(iface))
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
		ifr.ifr_data = (void *)&ch;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			n = (int)(ch.rx_count + ch.combined_count);
		close(fd);
	}
	if (n > 0)
		return n;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", iface);
	d = opendir(path);
	if (!d)
		return 1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "rx-", 3))
			n++;
	closedir(d);
	return n > 0 ? n : 1;
}

int rc_afxdp_open(const struct rc_capture_conf *c, unsigned queue, struct rc_source **ret,
		  char *err, size_t errlen)
{
	struct afxdp *a;
	struct rc_xdp_counters cnt;
	int r, nq;

	pthread_once(&print_once, print_init);
	r = step_check(c, err, errlen);
	if (r < 0)
		return r;
	if (!c->iface || !c->iface[0] || strlen(c->iface) >= IF_NAMESIZE)
		return rc_source_fail(err, errlen, -ENODEV, "interface name '%s' is not valid",
			    c->iface ? c->iface : "");
	a = afxdp_alloc(c);
	if (!a)
		return -ENOMEM;
	a->queue = queue;
	snprintf(a->ifname, sizeof(a->ifname), "%s", c->iface);

	/* resolve */
	a->ifindex = (int)if_nametoindex(a->ifname);
	if (a->ifindex == 0) {
		r = rc_source_fail(err, errlen, -ENODEV, "no such interface: %s", a->ifname);
		goto out;
	}
	r = step_link(a, c, err, errlen);
	if (r < 0)
		goto out;
	nq = rc_afxdp_queue_count(a->ifname);
	if (nq > 0 && queue >= (unsigned)nq) {
		r = rc_source_fail(err, errlen, -EINVAL, "%s has %d RX queue%s; there is no queue %u",
			 a->ifname, nq, nq == 1 ? "" : "s", queue);
		goto out;
	}
	/* filter */
	r = filter_new(c->filter, a->base.dlt, c->snaplen, &a->filter, err, errlen);
	if (r < 0)
		goto out;
	r = step_umem(a, c, err, errlen);
	if (r < 0)
		goto out;
	r = attach_get(c, a->ifindex, a->ifname, &a->base, &a->at, err, errlen);
	if (r < 0)
		goto out;
	if (queue >= a->at->max_queues) {
		r = rc_source_fail(err, errlen, -EINVAL, "AF_XDP capture handles queues 0 to %u; not %u",
			 a->at->max_queues - 1, queue);
		goto out;
	}
	r = step_socket(a, c, err, errlen);
	if (r < 0)
		goto out;
	r = step_slots(a, c);
	if (r < 0) {
		rc_source_fail(err, errlen, r, "setting up the batches of %s queue %u: %s", a->ifname, queue,
		     strerror(-r));
		goto out;
	}
	/* map: from here on, frames flow.  The counter is read first, so
	 * that every frame redirected to this socket is counted. */
	r = read_counters(a->at, queue, &cnt);
	if (r < 0) {
		rc_source_fail(err, errlen, r, "reading the XDP program's counters: %s", strerror(-r));
		goto out;
	}
	a->base_redirected = cnt.redirected;
	r = xsk_socket__update_xskmap(a->xsk, a->at->xsks_fd);
	if (r < 0) {
		r = -errno;
		rc_source_fail(err, errlen, r, "adding the AF_XDP socket of %s queue %u to the XSKMAP: %s",
		     a->ifname, queue, strerror(-r));
		goto out;
	}
	describe(a);
	*ret = &a->base;
	return 0;
out:
	xdp_free(&a->base);
	return r;
}

int rc_afxdp_open_mem(const struct rc_capture_conf *c, void *umem, uint64_t umem_len,
		      struct xsk_ring_cons *rx, struct xsk_ring_prod *fill,
		      struct rc_source **ret, char *err, size_t errlen)
{
	struct afxdp *a;
	int r;

	r = step_check(c, err, errlen);
	if (r < 0)
		return r;
	if ((uint64_t)c->xdp.frame_count * c->xdp.frame_size > umem_len)
		return rc_source_fail(err, errlen, -EINVAL, "the UMEM is smaller than %u frames of %u bytes",
			    c->xdp.frame_count, c->xdp.frame_size);
	a = afxdp_alloc(c);
	if (!a)
		return -ENOMEM;
	snprintf(a->ifname, sizeof(a->ifname), "%s", c->iface ? c->iface : "mem");
	a->area = umem;
	a->rx = rx;
	a->fill = fill;
	r = filter_new(c->filter, a->base.dlt, c->snaplen, &a->filter, err, errlen);
	if (r == 0)
		r = step_slots(a, c);
	if (r < 0) {
		if (!err[0])
			rc_source_fail(err, errlen, r, "setting up the batches: %s", strerror(-r));
		xdp_free(&a->base);
		return r;
	}
	describe(a);
	*ret = &a->base;
	return 0;
}

#endif /* RC_HAVE_AFXDP */

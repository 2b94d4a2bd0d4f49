// SPDX-License-Identifier: MIT
/*
 * `ringcap capture` flag parsing.  Pure: no I/O besides getopt's state, so
 * it can run in unit tests.
 */
#include "args.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/units.h"

const char rc_capture_usage[] =
	"usage: ringcap capture -i IFACE [-i IFACE ...] -w FILE|- [-f FILTER | -F FILE |\n"
	"                       FILTER...] [-s SNAPLEN] [--format pcap|pcapng]\n"
	"                       [--time-stamp-precision micro|nano] [-j TYPE] [-z CMD]\n"
	"                       [--io auto|direct|buffered]\n"
	"                       [-b KEY:VALUE] [-a KEY:VALUE]\n"
	"                       [-c COUNT] [--duration TIME] [-C SIZE] [-G TIME] [-W FILES]\n"
	"                       [--max-total SIZE] [-B RING_SIZE] [--block-size SIZE]\n"
	"                       [--frame-size SIZE] [--retire-timeout TIME] [-p] [-q] [-Z USER]\n"
	"                       [--backend afpacket|afxdp] [--dedicated-port | --take-matching]\n"
	"                       [--xdp-mode MODE] [--xdp-frame-size SIZE]\n"
	"                       [--forward rdma://ADDR:PORT [--forward-slots N]\n"
	"                        [--forward-policy drop|hold] [--forward-device NAME]]\n"
	"       ringcap -i IFACE -w FILE ...   (the same, tcpdump style)\n"
	"       ringcap -r FILE|- -w FILE [rotation options] [FILTER...]\n"
	"       ringcap -D\n"
	"\n"
	"  -i IFACE          interface to capture on; any: every interface (LINUX_SLL2\n"
	"                    headers); several -i: one file with a pcapng interface\n"
	"                    block each\n"
	"  -D                list the interfaces and what ringcap can do on each\n"
	"  -r FILE|-         read frames from a pcap or pcapng file (- = standard\n"
	"                    input) instead of an interface, filter, write/rotate\n"
	"  -w FILE|-         capture file to write; - = standard output\n"
	"  --format FMT      pcap (the default) or pcapng (the default for a FILE\n"
	"                    ending in .pcapng): interface blocks, direction per\n"
	"                    frame, each file's own drop counts\n"
	"  --time-stamp-precision P  nano (the default) or micro\n"
	"  --io MODE         how files reach the disk: auto (the default: direct I/O,\n"
	"                    O_DIRECT + io_uring, where the file system takes it; not\n"
	"                    on tmpfs), direct (or fail) or buffered (page cache)\n"
	"  -j TYPE, --time-stamp-type TYPE  host (the default), adapter or\n"
	"                    adapter_unsynced: the NIC's clock (SO_TIMESTAMPING)\n"
	"  -z CMD            run CMD FILE after each file is closed (e.g. gzip); not\n"
	"                    through a shell\n"
	"  -f FILTER         capture filter, tcpdump syntax (or give it after the flags)\n"
	"  -F FILE           read the filter from FILE (# starts a comment)\n"
	"  -s SNAPLEN        bytes kept of each frame (default and 0: 262144)\n"
	"  -c COUNT          stop after COUNT frames\n"
	"  --duration TIME   stop after TIME (10, 30s, 5min, 2h)\n"
	"  -C SIZE           new file before one would exceed SIZE (bare number: millions\n"
	"                    of bytes, as tcpdump; or 100MB, 1GiB, ...)\n"
	"  -G TIME           new file every TIME (bare number: seconds)\n"
	"  -W FILES          keep only the newest FILES files (needs -C or -G)\n"
	"  -b filesize:KB | duration:SECS | files:N   dumpcap's names for -C, -G, -W\n"
	"  -a duration:SECS | packets:N | filesize:KB | files:N   stop after that\n"
	"                    (dumpcap's autostop; filesize with rotation: -C)\n"
	"  --max-total SIZE  keep the files together under SIZE (needs -C or -G)\n"
	"  -B RING_SIZE      kernel ring size (bare number: KiB, as tcpdump; default 64MiB)\n"
	"  --block-size SIZE ring block size (default 1MiB)\n"
	"  --frame-size SIZE afpacket: ring frame size (default 2048)\n"
	"  --retire-timeout TIME  hand a part-filled block over after TIME (default 40ms)\n"
	"  -p                do not put the interface into promiscuous mode\n"
	"  -q                no live status line\n"
	"  -Z USER           once the capture socket is open, run as USER (no\n"
	"                    privileges left); the files belong to USER\n"
	"  --backend NAME    afpacket (default: TPACKET_V3 ring) or afxdp (AF_XDP, one\n"
	"                    worker per RX queue)\n"
	"  --dedicated-port  afxdp only: consent that every frame of the port is taken\n"
	"                    away from the host's network stack (SPAN/TAP ports)\n"
	"  --take-matching   afxdp only, with a filter: consent that the frames that\n"
	"                    match it are taken away from the host's network stack;\n"
	"                    the others reach the host as before (a port the host uses)\n"
	"  --xdp-mode MODE   afxdp: auto (default), native or skb\n"
	"  --xdp-frame-size SIZE  afxdp: UMEM frame size, 2048 (default) or 4096; larger\n"
	"                    frames (jumbo MTU) take several (multi-buffer AF_XDP)\n"
	"  --forward rdma://ADDR:PORT  also send every block to a collector (ringcap\n"
	"                    rdma-recv) over RDMA; -w is then optional\n"
	"  --forward-slots N writes in flight at most (default 16)\n"
	"  --forward-policy P  out of credits: drop (default) or hold (keep blocks\n"
	"                    leased, at most 8)\n"
	"  --forward-device NAME  the RDMA device the collector must be reached through\n"
	"With rotation, files are named FILE_00001.ext, FILE_00002.ext, ... (FILE may hold\n"
	"strftime %-conversions).\n";

enum {
	OPT_DURATION = 256,
	OPT_BLOCK_SIZE,
	OPT_FRAME_SIZE,
	OPT_RETIRE_TOV,
	OPT_BACKEND,
	OPT_DEDICATED,
	OPT_TAKE_MATCHING,
	OPT_XDP_MODE,
	OPT_XDP_FRAME_SIZE,
	OPT_FORWARD,
	OPT_FWD_SLOTS,
	OPT_FWD_POLICY,
	OPT_FWD_DEVICE,
	OPT_FORMAT,
	OPT_TSPREC,
	OPT_IO,
};

#define MAX_IFACES 64

static const struct option longopts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "write", required_argument, NULL, 'w' },
	{ "filter", required_argument, NULL, 'f' },
	{ "snapshot-length", required_argument, NULL, 's' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "file-size", required_argument, NULL, 'C' },
	{ "rotate-seconds", required_argument, NULL, 'G' },
	{ "file-count", required_argument, NULL, 'W' },
	{ "max-total", required_argument, NULL, RC_OPT_MAX_TOTAL },
	{ "buffer-size", required_argument, NULL, 'B' },
	{ "block-size", required_argument, NULL, OPT_BLOCK_SIZE },
	{ "frame-size", required_argument, NULL, OPT_FRAME_SIZE },
	{ "retire-timeout", required_argument, NULL, OPT_RETIRE_TOV },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "dedicated-port", no_argument, NULL, OPT_DEDICATED },
	{ "take-matching", no_argument, NULL, OPT_TAKE_MATCHING },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "xdp-frame-size", required_argument, NULL, OPT_XDP_FRAME_SIZE },
	{ "forward", required_argument, NULL, OPT_FORWARD },
	{ "forward-slots", required_argument, NULL, OPT_FWD_SLOTS },
	{ "forward-policy", required_argument, NULL, OPT_FWD_POLICY },
	{ "forward-device", required_argument, NULL, OPT_FWD_DEVICE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "time-stamp-precision", required_argument, NULL, OPT_TSPREC },
	{ "io", required_argument, NULL, OPT_IO },
	{ "time-stamp-type", required_argument, NULL, 'j' },
	{ "list-interfaces", no_argument, NULL, 'D' },
	{ "read", required_argument, NULL, 'r' },
	{ "ring-buffer", required_argument, NULL, 'b' },
	{ "autostop", required_argument, NULL, 'a' },
	{ "no-promiscuous-mode", no_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "relinquish-privileges", required_argument, NULL, 'Z' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

__attribute__((format(printf, 3, 4)))
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int set_str(char **dst, const char *v)
{
	char *c = strdup(v);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* Join the words after the flags into one filter expression, as tcpdump. */
static int join_words(int n, char **words, char **ret)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	*ret = s;
	return 0;
}

int rc_args_rotate_opt(int opt, const char *arg, struct rc_rotate_conf *rot, char *err,
		       size_t errlen)
{
	uint64_t v;

	switch (opt) {
	case 'C':
		if (rc_parse_size(arg, 1000000, &v) < 0 || v == 0)
			return bad(err, errlen,
				   "%s: '%s' is not a file size (e.g. 100 for 100 MB, 10MiB, 1GB)",
				   "-C", arg);
		rot->max_size = v;
		return 0;
	case 'G':
		if (rc_parse_duration(arg, RC_NSEC_PER_SEC, &v) < 0 ||
		    v < RC_NSEC_PER_SEC)
			return bad(err, errlen,
				   "%s: '%s' is not a rotation time of at least 1s (e.g. 60, 15min)",
				   "-G", arg);
		rot->max_time_ns = v;
		return 0;
	case 'W':
		if (rc_parse_uint(arg, UINT32_MAX, &v) < 0 || v == 0)
			return bad(err, errlen, "%s: file count '%s' is not a positive number",
				   "-W", arg);
		rot->max_files = (uint32_t)v;
		return 0;
	case RC_OPT_MAX_TOTAL:
		if (rc_parse_size(arg, 1, &v) < 0 || v == 0)
			return bad(err, errlen, "%s: '%s' is not a size (e.g. 10GiB)",
				   "--max-total", arg);
		rot->max_total = v;
		return 0;
	default:
		return bad(err, errlen, "not a rotation option");
	}
}

/* -F: the filter expression in @path, '#' to the end of a line a comment
 * (as tcpdump reads it).  At most 64 KiB. */
static int filter_file(const char *path, char **ret, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return bad(err, errlen, "-F: cannot read %s: %s", path, strerror(errno));
	buf = malloc(65537);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, 65537, f);
	if (ferror(f) || n > 65536) {
		int e = ferror(f) ? errno : EFBIG;

		fclose(f);
		free(buf);
		return bad(err, errlen, "-F: cannot read %s: %s", path,
			   e == EFBIG ? "longer than 64 KiB" : strerror(e));
	}
	fclose(f);
	buf[n] = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '#')
			while (i < n && buf[i] != '\n')
				buf[i++] = ' ';
		if (buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r')
			buf[i] = ' ';
	}
	if (strlen(buf) != n) {
		free(buf);
		return bad(err, errlen, "-F: %s holds a NUL byte", path);
	}
	*ret = buf;
	return 0;
}

/* "key:value" of -b / -a: split into @key (at most 15 bytes) and the value. */
static const char *key_value(const char *opt, const char *arg, char *key, char *err,
			     size_t errlen)
{
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || colon - arg > 15 || !colon[1]) {
		bad(err, errlen, "%s: '%s' is not KEY:VALUE (e.g. %s)", opt, arg,
		    !strcmp(opt, "-b") ? "filesize:100000, duration:60, files:10" :
					 "duration:60, packets:1000, filesize:100000, files:5");
		return NULL;
	}
	memcpy(key, arg, (size_t)(colon - arg));
	key[colon - arg] = 0;
	return colon + 1;
}

/*
 * The limits that more than one option sets: -C and -b filesize, -G and
 * -b duration, -W and -b files, -c and -a packets, --duration and -a
 * duration.  Each keeps its value and the option that gave it, so that a
 * different value from the other option is refused rather than silently
 * winning; the same value is fine, and one option given again wins, as
 * in tcpdump.
 */
enum { L_SIZE, L_TIME, L_FILES, L_TOTAL, L_COUNT, L_DURATION, L_STOP_SIZE, L_STOP_FILES, L_N };

struct limit {
	uint64_t v;
	char by[80];   /* "-C 2", "-b filesize:1000"; empty: not given */
	char opt[16];  /* "-C", "-b" */
};

static const char *const limit_names[L_N] = {
	[L_SIZE] = "file size limit",         [L_TIME] = "rotation time",
	[L_FILES] = "file count",              [L_TOTAL] = "disk budget",
	[L_COUNT] = "packet count",            [L_DURATION] = "capture duration",
	[L_STOP_SIZE] = "autostop file size",  [L_STOP_FILES] = "autostop file count",
};

static int give(struct limit *lim, int which, uint64_t v, const char *opt, const char *arg,
		char *err, size_t errlen)
{
	struct limit *l = &lim[which];
	char by[sizeof(l->by)];

	snprintf(by, sizeof(by), "%s %s", opt, arg);
	/* one option again: the last one wins, as in tcpdump */
	if (l->by[0] && l->v != v && strcmp(l->opt, opt))
		return bad(err, errlen, "%s and %s set the %s to different values: give one",
			   l->by, by, limit_names[which]);
	if (!l->by[0] || !strcmp(l->opt, opt)) {
		memcpy(l->by, by, sizeof(by));
		snprintf(l->opt, sizeof(l->opt), "%s", opt);
	}
	l->v = v;
	return 0;
}

/* What the limits given say, into the configuration. */
static void apply_limits(const struct limit *lim, struct rc_capture_args *a,
			 struct rc_pcap_conf *out)
{
	if (lim[L_SIZE].by[0])
		out->rotate.max_size = lim[L_SIZE].v;
	if (lim[L_TIME].by[0])
		out->rotate.max_time_ns = lim[L_TIME].v;
	if (lim[L_FILES].by[0])
		out->rotate.max_files = (uint32_t)lim[L_FILES].v;
	if (lim[L_TOTAL].by[0])
		out->rotate.max_total = lim[L_TOTAL].v;
	if (lim[L_COUNT].by[0])
		a->count = lim[L_COUNT].v;
	if (lim[L_DURATION].by[0])
		a->duration_ns = lim[L_DURATION].v;
	if (lim[L_STOP_SIZE].by[0])
		out->stop_size = lim[L_STOP_SIZE].v;
	if (lim[L_STOP_FILES].by[0])
		out->stop_files = (uint32_t)lim[L_STOP_FILES].v;
}

/* -C, -G, -W, --max-total: checked by rc_args_rotate_opt(), kept in @lim. */
static int rotate_limit(int opt, const char *arg, struct limit *lim, char *err, size_t errlen)
{
	struct rc_rotate_conf r = { 0 };
	int k = rc_args_rotate_opt(opt, arg, &r, err, errlen);

	if (k < 0)
		return k;
	switch (opt) {
	case 'C':
		return give(lim, L_SIZE, r.max_size, "-C", arg, err, errlen);
	case 'G':
		return give(lim, L_TIME, r.max_time_ns, "-G", arg, err, errlen);
	case 'W':
		return give(lim, L_FILES, r.max_files, "-W", arg, err, errlen);
	default:
		return give(lim, L_TOTAL, r.max_total, "--max-total", arg, err, errlen);
	}
}

/* dumpcap's -b KEY:VALUE: the ring buffer in -C, -G, -W terms (1 kB =
 * 1000 bytes, as dumpcap counts). */
static int ring_buffer_opt(const char *arg, struct limit *lim, char *err, size_t errlen)
{
	char key[16];
	const char *v = key_value("-b", arg, key, err, errlen);
	uint64_t n;

	if (!v)
		return -EINVAL;
	if (!strcmp(key, "filesize")) {
		if (rc_parse_uint(v, UINT64_MAX / 1000, &n) < 0 || n == 0)
			return bad(err, errlen, "-b filesize: '%s' is not a size in kB", v);
		return give(lim, L_SIZE, n * 1000, "-b", arg, err, errlen);
	} else if (!strcmp(key, "duration")) {
		if (rc_parse_duration(v, RC_NSEC_PER_SEC, &n) < 0 || n < RC_NSEC_PER_SEC)
			return bad(err, errlen, "-b duration: '%s' is not a time of at least 1s", v);
		return give(lim, L_TIME, n, "-b", arg, err, errlen);
	} else if (!strcmp(key, "files")) {
		if (rc_parse_uint(v, UINT32_MAX, &n) < 0 || n == 0)
			return bad(err, errlen, "-b files: '%s' is not a positive number", v);
		return give(lim, L_FILES, n, "-b", arg, err, errlen);
	}
	return bad(err, errlen, "-b: '%s' is not supported (filesize, duration or files; "
		   "-G for a time)", key);
}

/* dumpcap's -a KEY:VALUE: when to stop. */
static int autostop_opt(const char *arg, struct limit *lim, char *err, size_t errlen)
{
	char key[16];
	const char *v = key_value("-a", arg, key, err, errlen);
	uint64_t n;

	if (!v)
		return -EINVAL;
	if (!strcmp(key, "duration")) {
		if (rc_parse_duration(v, RC_NSEC_PER_SEC, &n) < 0 || n == 0)
			return bad(err, errlen, "-a duration: '%s' is not a duration", v);
		return give(lim, L_DURATION, n, "-a", arg, err, errlen);
	} else if (!strcmp(key, "packets")) {
		if (rc_parse_uint(v, UINT64_MAX, &n) < 0 || n == 0)
			return bad(err, errlen, "-a packets: '%s' is not a positive number", v);
		return give(lim, L_COUNT, n, "-a", arg, err, errlen);
	} else if (!strcmp(key, "filesize")) {
		if (rc_parse_uint(v, UINT64_MAX / 1000, &n) < 0 || n < 5)
			return bad(err, errlen, "-a filesize: '%s' is not a size of at least 5 kB", v);
		return give(lim, L_STOP_SIZE, n * 1000, "-a", arg, err, errlen);
	} else if (!strcmp(key, "files")) {
		if (rc_parse_uint(v, UINT32_MAX, &n) < 0 || n == 0)
			return bad(err, errlen, "-a files: '%s' is not a positive number", v);
		return give(lim, L_STOP_FILES, n, "-a", arg, err, errlen);
	}
	return bad(err, errlen, "-a: '%s' is not supported (duration, packets, filesize "
		   "or files)", key);
}

/* The interfaces as `ringcap -D` numbers them, asked for once. */
struct numbering {
	rc_args_iface_list list;
	char **names;
	size_t n;
	bool asked;
};

static void numbering_free(struct numbering *nb)
{
	for (size_t i = 0; i < nb->n; i++)
		free(nb->names[i]);
	free(nb->names);
	nb->names = NULL;
	nb->n = 0;
}

/* -i @arg: a name, or (digits only, naming no interface) the @arg-th
 * interface of the list, into @ret (not to be freed). */
static int iface_number(struct numbering *nb, const char *arg, const char **ret, char *err,
			size_t errlen)
{
	uint64_t k;

	*ret = arg;
	if (!nb->list || strspn(arg, "0123456789") != strlen(arg))
		return 0;
	if (!nb->asked) {
		char msg[256] = "";
		int r;

		nb->asked = true;
		r = nb->list(&nb->names, &nb->n, msg, sizeof(msg));
		if (r < 0) {
			nb->names = NULL;
			nb->n = 0;
			return bad(err, errlen, "-i %s: cannot list the interfaces: %s", arg,
				   msg[0] ? msg : strerror(-r));
		}
	}
	for (size_t i = 0; i < nb->n; i++)
		if (!strcmp(nb->names[i], arg))
			return 0;  /* an interface of that name */
	if (rc_parse_uint(arg, UINT64_MAX, &k) < 0 || k == 0 || k > nb->n)
		return bad(err, errlen, "-i %s: no interface has number %s (ringcap -D lists %zu, "
			   "numbered from 1)", arg, arg, nb->n);
	*ret = nb->names[k - 1];
	return 0;
}

static int add_iface(char **list, unsigned *n, const char *name, char *err, size_t errlen)
{
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(list[i], name))
			return bad(err, errlen, "-i %s given twice", name);
	if (*n == MAX_IFACES)
		return bad(err, errlen, "-i: at most %d interfaces", MAX_IFACES);
	list[*n] = strdup(name);
	if (!list[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* The interfaces given: the first in cap.iface, all of them in cap.ifaces
 * when there are several. */
static int set_ifaces(struct rc_capture_conf *cap, char **list, unsigned n)
{
	if (!n)
		return 0;
	cap->iface = strdup(list[0]);
	if (!cap->iface)
		return -ENOMEM;
	if (n > 1) {
		cap->ifaces = calloc(n, sizeof(*cap->ifaces));
		if (!cap->ifaces)
			return -ENOMEM;
		for (unsigned i = 0; i < n; i++) {
			cap->ifaces[i] = list[i];
			list[i] = NULL;
		}
		cap->n_ifaces = n;
	}
	return 0;
}

static int parse(int argc, char **argv, struct numbering *nb, struct rc_capture_args *a,
		 char **ifs, unsigned *nifs, char *err, size_t errlen);

int rc_args_parse_capture(int argc, char **argv, rc_args_iface_list list,
			  struct rc_capture_args *a, char *err, size_t errlen)
{
	struct numbering nb = { .list = list };
	char *ifs[MAX_IFACES];
	unsigned nifs = 0;
	int r;

	r = parse(argc, argv, &nb, a, ifs, &nifs, err, errlen);
	for (unsigned i = 0; i < nifs; i++)
		free(ifs[i]);
	numbering_free(&nb);
	return r;
}

static int parse(int argc, char **argv, struct numbering *nb, struct rc_capture_args *a,
		 char **ifs, unsigned *nifs, char *err, size_t errlen)
{
	struct rc_pcap_conf *out;
	struct rc_rdma_conf *fwd;
	uint64_t v, ring_size = 0;
	bool fwd_opts = false, xdp_opts = false;
	bool have_ring = false, have_block = false, have_io = false;
	char *ffilter = NULL;
	bool from_file = false;  /* the filter came from -F */
	struct limit lim[L_N] = { 0 };
	int c, r;

	memset(a, 0, sizeof(*a));
	rc_capture_conf_init(&a->cap);
	out = calloc(1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	a->cap.pcaps = out;
	a->cap.n_pcaps = 1;
	fwd = calloc(1, sizeof(*fwd));
	if (!fwd)
		return -ENOMEM;
	fwd->slots = RC_RDMA_SLOTS_DEFAULT;
	fwd->hold_blocks = RC_RDMA_HOLD_DEFAULT;
	a->cap.rdmas = fwd;
	a->cap.n_rdmas = 1;  /* until the end: 0 unless --forward */

	optind = 0; /* full re-initialisation, so tests can parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:w:f:F:s:c:C:G:W:B:pqnZ:hVDr:z:j:b:a:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i': {
			const char *name;

			if (!optarg[0])
				return bad(err, errlen, "%s: empty interface name", "-i");
			r = iface_number(nb, optarg, &name, err, errlen);
			if (r < 0)
				return r;
			r = add_iface(ifs, nifs, name, err, errlen);
			if (r < 0)
				return r;
			break;
		}
		case 'D':
			a->list_ifaces = true;
			break;
		case 'r':
			if (!optarg[0])
				return bad(err, errlen, "%s: empty file name", "-r");
			r = set_str(&a->cap.read_file, optarg);
			if (r < 0)
				return r;
			break;
		case 'z':
			if (!optarg[0])
				return bad(err, errlen, "%s: empty command", "-z");
			r = set_str(&a->postrotate, optarg);
			if (r < 0)
				return r;
			break;
		case 'F':
			if (a->cap.filter && !from_file)
				return bad(err, errlen, "filter given twice: with -f and with -F");
			r = filter_file(optarg, &ffilter, err, errlen);
			if (r < 0)
				return r;
			free(a->cap.filter);
			a->cap.filter = ffilter;
			from_file = true;
			break;
		case 'j':
			if (!strcmp(optarg, "host") || !strcmp(optarg, "host_lowprec") ||
			    !strcmp(optarg, "host_hiprec"))
				a->cap.tstamp = RC_TSTAMP_HOST;
			else if (!strcmp(optarg, "adapter"))
				a->cap.tstamp = RC_TSTAMP_ADAPTER;
			else if (!strcmp(optarg, "adapter_unsynced"))
				a->cap.tstamp = RC_TSTAMP_ADAPTER_UNSYNCED;
			else
				return bad(err, errlen, "-j: '%s' is not a time stamp type (host, "
					   "host_lowprec, host_hiprec, adapter, adapter_unsynced)",
					   optarg);
			break;
		case 'b':
			r = ring_buffer_opt(optarg, lim, err, errlen);
			if (r < 0)
				return r;
			break;
		case 'a':
			r = autostop_opt(optarg, lim, err, errlen);
			if (r < 0)
				return r;
			break;
		case 'w':
			if (!optarg[0])
				return bad(err, errlen, "%s: empty output file name", "-w");
			r = set_str(&out->path, optarg);
			if (r < 0)
				return r;
			break;
		case 'f':
			if (from_file)
				return bad(err, errlen, "filter given twice: with -F and with -f");
			r = set_str(&a->cap.filter, optarg);
			if (r < 0)
				return r;
			break;
		case 's':
			if (rc_parse_uint(optarg, UINT32_MAX, &v) < 0 || v > RC_SNAPLEN_DEFAULT)
				return bad(err, errlen,
					   "%s: snapshot length '%s' is not a number from 0 to 262144",
					   "-s", optarg);
			a->cap.snaplen = v ? (uint32_t)v : RC_SNAPLEN_DEFAULT;
			break;
		case 'c':
			if (rc_parse_uint(optarg, UINT64_MAX, &v) < 0 || v == 0)
				return bad(err, errlen, "%s: count '%s' is not a positive number",
					   "-c", optarg);
			r = give(lim, L_COUNT, v, "-c", optarg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_DURATION:
			if (rc_parse_duration(optarg, RC_NSEC_PER_SEC, &v) < 0 || v == 0)
				return bad(err, errlen,
					   "%s: '%s' is not a duration (e.g. 10, 30s, 5min, 2h)",
					   "--duration", optarg);
			r = give(lim, L_DURATION, v, "--duration", optarg, err, errlen);
			if (r < 0)
				return r;
			break;
		case 'C':
		case 'G':
		case 'W':
		case RC_OPT_MAX_TOTAL:
			r = rotate_limit(c, optarg, lim, err, errlen);
			if (r < 0)
				return r;
			break;
		case 'B':
			if (rc_parse_size(optarg, 1024, &v) < 0 || v == 0)
				return bad(err, errlen,
					   "%s: '%s' is not a ring size (bare number: KiB; or 64MiB)",
					   "-B", optarg);
			ring_size = v;
			have_ring = true;
			break;
		case OPT_BLOCK_SIZE:
			if (rc_parse_size(optarg, 1, &v) < 0 || v > UINT32_MAX)
				return bad(err, errlen, "%s: '%s' is not a block size (e.g. 1MiB)",
					   "--block-size", optarg);
			a->cap.ring.block_size = (uint32_t)v;
			have_block = true;
			break;
		case OPT_FRAME_SIZE:
			if (rc_parse_size(optarg, 1, &v) < 0 || v > UINT32_MAX)
				return bad(err, errlen, "%s: '%s' is not a frame size (e.g. 2048)",
					   "--frame-size", optarg);
			a->cap.ring.frame_size = (uint32_t)v;
			break;
		case OPT_RETIRE_TOV:
			if (rc_parse_duration(optarg, RC_NSEC_PER_MSEC, &v) < 0 ||
			    v < RC_NSEC_PER_MSEC || v / RC_NSEC_PER_MSEC > UINT32_MAX)
				return bad(err, errlen,
					   "%s: '%s' is not a timeout of at least 1ms (e.g. 40ms)",
					   "--retire-timeout", optarg);
			a->cap.ring.retire_tov_ms = (uint32_t)(v / RC_NSEC_PER_MSEC);
			break;
		case OPT_BACKEND:
			if (!strcmp(optarg, "afpacket"))
				a->cap.backend = RC_BACKEND_AFPACKET;
			else if (!strcmp(optarg, "afxdp"))
				a->cap.backend = RC_BACKEND_AFXDP;
			else
				return bad(err, errlen,
					   "--backend: '%s' is not a backend (afpacket or afxdp)",
					   optarg);
			break;
		case OPT_DEDICATED:
			a->cap.xdp.dedicated_port = true;
			break;
		case OPT_TAKE_MATCHING:
			a->cap.xdp.take_matching = true;
			break;
		case OPT_XDP_FRAME_SIZE:
			if (rc_parse_size(optarg, 1, &v) < 0 || (v != 2048 && v != 4096))
				return bad(err, errlen, "--xdp-frame-size: '%s' is not a UMEM frame "
					   "size (2048 or 4096)", optarg);
			a->cap.xdp.frame_size = (uint32_t)v;
			xdp_opts = true;
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "auto"))
				a->cap.xdp.mode = RC_XDP_MODE_AUTO;
			else if (!strcmp(optarg, "native"))
				a->cap.xdp.mode = RC_XDP_MODE_NATIVE;
			else if (!strcmp(optarg, "skb"))
				a->cap.xdp.mode = RC_XDP_MODE_SKB;
			else
				return bad(err, errlen,
					   "--xdp-mode: '%s' is not a mode (auto, native or skb)",
					   optarg);
			break;
		case OPT_FORWARD: {
			char host[256], port[16];

			if (strncmp(optarg, "rdma://", 7))
				return bad(err, errlen, "--forward: '%s' is not rdma://ADDR:PORT", optarg);
			if (rc_peer_split(optarg, host, sizeof(host), port, sizeof(port), err,
					  errlen) < 0) {
				char msg[512];

				snprintf(msg, sizeof(msg), "%s", err);
				return bad(err, errlen, "--forward: %s", msg);
			}
			r = set_str(&fwd->peer, optarg + 7);
			if (r < 0)
				return r;
			break;
		}
		case OPT_FWD_SLOTS:
			if (rc_parse_uint(optarg, 1024, &v) < 0 || v < 1)
				return bad(err, errlen, "--forward-slots: '%s' is not a number of "
					   "slots from 1 to 1024", optarg);
			fwd->slots = (uint32_t)v;
			fwd_opts = true;
			break;
		case OPT_FWD_POLICY:
			if (!strcmp(optarg, "drop"))
				fwd->policy = RC_RDMA_DROP;
			else if (!strcmp(optarg, "hold"))
				fwd->policy = RC_RDMA_HOLD;
			else
				return bad(err, errlen,
					   "--forward-policy: '%s' is not a policy (drop or hold)", optarg);
			fwd_opts = true;
			break;
		case OPT_FWD_DEVICE:
			if (!optarg[0])
				return bad(err, errlen, "--forward-device: empty device name");
			r = set_str(&fwd->device, optarg);
			if (r < 0)
				return r;
			fwd_opts = true;
			break;
		case OPT_FORMAT:
			if (rc_file_format_parse(optarg, &out->format) < 0)
				return bad(err, errlen,
					   "--format: '%s' is not a file format (pcap or pcapng)", optarg);
			break;
		case OPT_TSPREC:
			if (!strcmp(optarg, "micro"))
				out->ts_micro = true;
			else if (!strcmp(optarg, "nano"))
				out->ts_micro = false;
			else
				return bad(err, errlen, "--time-stamp-precision: '%s' is not a "
					   "precision (micro or nano)", optarg);
			break;
		case OPT_IO:
			if (rc_io_mode_parse(optarg, &out->io) < 0)
				return bad(err, errlen, "--io: '%s' is not a way of writing (auto, "
					   "direct or buffered)", optarg);
			have_io = true;
			break;
		case 'p':
			a->cap.promisc = false;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'Z':
			if (!optarg[0])
				return bad(err, errlen, "%s: empty user name", "-Z");
			free(a->run_as);
			a->run_as = strdup(optarg);
			if (!a->run_as)
				return -ENOMEM;
			break;
		case 'n':
			break; /* tcpdump's "no name resolution": ringcap never resolves */
		case 'h':
			a->help = true;
			return RC_ARGS_EXIT;
		case 'V':
			a->version = true;
			return RC_ARGS_EXIT;
		case ':':
			return bad(err, errlen, "option %s needs a value", argv[optind - 1]);
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option -%c", optopt);
			else
				snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
			return -EINVAL;
		}
	}
	apply_limits(lim, a, out);
	if (optind < argc) {
		if (a->cap.filter)
			return bad(err, errlen,
				   "filter given twice: with %s and as words after the flags (%s%s)",
				   from_file ? "-F" : "-f", argv[optind],
				   optind + 1 < argc ? " ..." : "");
		r = join_words(argc - optind, argv + optind, &a->cap.filter);
		if (r < 0)
			return r;
	}
	r = set_ifaces(&a->cap, ifs, *nifs);
	if (r < 0)
		return r;
	if (a->list_ifaces)
		return RC_ARGS_OK;  /* -D: nothing else matters */
	if (a->cap.read_file) {
		if (a->cap.iface)
			return bad(err, errlen, "-r reads frames from a file: -i does not go with it");
		if (!out->path)
			return bad(err, errlen, "-r needs -w FILE: ringcap writes the frames it reads "
				   "(filtered, rotated); it does not print them");
		if (fwd->peer || a->cap.backend != RC_BACKEND_AFPACKET)
			return bad(err, errlen, "-r goes with neither --forward nor --backend");
		if (a->cap.tstamp != RC_TSTAMP_HOST)
			return bad(err, errlen, "-j goes with a capture, not with -r: the file's "
				   "timestamps are what they are");
	} else if (!a->cap.iface) {
		return bad(err, errlen, "no interface given: use -i IFACE (or -r FILE)");
	}
	if (a->cap.n_ifaces > 1) {
		for (size_t i = 0; i < a->cap.n_ifaces; i++)
			if (!strcmp(a->cap.ifaces[i], "any"))
				return bad(err, errlen, "-i any already captures every interface: "
					   "give it alone");
		if (a->cap.backend != RC_BACKEND_AFPACKET || fwd->peer)
			return bad(err, errlen, "several -i go with neither --backend afxdp nor "
				   "--forward");
		if (out->path && rc_file_format_of(out) == RC_FORMAT_PCAP)
			return bad(err, errlen, "-w %s: a pcap file holds the frames of one "
				   "interface; for %zu interfaces write pcapng (--format pcapng, or a "
				   "name ending in .pcapng)", out->path, a->cap.n_ifaces);
	}
	if (a->cap.tstamp != RC_TSTAMP_HOST) {
		if (a->cap.iface && !strcmp(a->cap.iface, "any"))
			return bad(err, errlen, "-j: 'any' has no one adapter clock (host only, as "
				   "with tcpdump)");
		if (a->cap.backend == RC_BACKEND_AFXDP)
			return bad(err, errlen, "-j: the afxdp backend stamps frames in its XDP "
				   "program (host only)");
	}
	if (!fwd->peer) {
		if (fwd_opts)
			return bad(err, errlen, "--forward-slots, --forward-policy and "
				   "--forward-device go with --forward rdma://ADDR:PORT");
		rc_rdma_conf_clear(fwd);
		a->cap.n_rdmas = 0;
	}
	if (!out->path && !a->cap.n_rdmas)
		return bad(err, errlen,
			   "no output given: use -w FILE, or -w - to write pcap to standard output "
			   "(e.g. ringcap -i eth0 -w - | tshark -r -)");
	if (!out->path) {
		if (rc_rotate_conf_active(&out->rotate))
			return bad(err, errlen, "-C, -G, -W and --max-total rotate the -w file: "
				   "give -w FILE");
		if (a->postrotate || out->stop_size || out->stop_files)
			return bad(err, errlen, "-z and -a filesize/files act on the -w file: "
				   "give -w FILE");
		if (have_io)
			return bad(err, errlen, "--io says how the -w file is written: give -w FILE");
		a->cap.n_pcaps = 0;
	} else if (a->postrotate && !strcmp(out->path, "-")) {
		return bad(err, errlen, "-z runs on the files -w writes; with -w - there are none");
	} else if (out->io == RC_IO_DIRECT && !strcmp(out->path, "-")) {
		return bad(err, errlen, "--io direct writes files; standard output (-w -) is "
			   "written through the page cache (--io auto or buffered)");
	}
	if (out->stop_files && !rc_rotate_conf_active(&out->rotate))
		return bad(err, errlen, "-a files: stops after that many files, which needs "
			   "rotation (-b, -C or -G)");
	if (out->stop_size && rc_rotate_conf_active(&out->rotate)) {
		/* dumpcap: with a ring buffer, filesize switches files */
		if (!out->rotate.max_size || out->stop_size < out->rotate.max_size)
			out->rotate.max_size = out->stop_size;
		out->stop_size = 0;
	}
	if (a->cap.backend == RC_BACKEND_AFXDP) {
		if (!a->cap.xdp.dedicated_port && !a->cap.xdp.take_matching)
			return bad(err, errlen,
				   "--backend afxdp takes the frames it captures away from the host's "
				   "network stack: on a dedicated capture port (SPAN/TAP) say so with "
				   "--dedicated-port (every frame is taken); on a port the host uses, "
				   "give a filter and --take-matching (the frames that match it are "
				   "taken, the others reach the host)");
		if (a->cap.xdp.dedicated_port && a->cap.xdp.take_matching)
			return bad(err, errlen, "--dedicated-port and --take-matching exclude each "
				   "other: a dedicated port gives every frame to the capture, "
				   "--take-matching only those that match the filter");
		if (a->cap.xdp.take_matching && (!a->cap.filter || !a->cap.filter[0]))
			return bad(err, errlen, "--take-matching takes the frames that match the "
				   "capture filter from the host: give a filter");
		a->cap.workers = 0; /* one worker per RX queue */
		if (a->run_as)
			return bad(err, errlen, "-Z cannot go with --backend afxdp: removing the XDP "
				   "program at the end needs the privileges -Z gives up");
	} else if (a->cap.xdp.dedicated_port || a->cap.xdp.take_matching ||
		   a->cap.xdp.mode != RC_XDP_MODE_AUTO || xdp_opts) {
		return bad(err, errlen, "--dedicated-port, --take-matching, --xdp-mode and "
			   "--xdp-frame-size go with --backend afxdp");
	}
	if (!have_ring)
		ring_size = (uint64_t)a->cap.ring.block_nr * RC_BLOCK_SIZE_DEFAULT;
	r = rc_ring_conf_set_size(&a->cap.ring, ring_size, have_block, err, errlen);
	if (r < 0) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", have_ring ? "-B" : "--block-size", msg);
		return r;
	}
	if (a->cap.n_pcaps) {
		r = rc_rotate_conf_validate(&out->rotate, out->path, err, errlen);
		if (r < 0)
			return r;
	}
	return RC_ARGS_OK;
}

void rc_args_free(struct rc_capture_args *a)
{
	free(a->run_as);
	a->run_as = NULL;
	free(a->postrotate);
	a->postrotate = NULL;
	rc_capture_conf_clear(&a->cap);
}

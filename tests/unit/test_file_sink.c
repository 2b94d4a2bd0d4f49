// SPDX-License-Identifier: MIT
/*
 * The file sink writes records itself (see src/sink/file.c); these tests
 * hold it to libpcap: the same frames written through pcap_dump() and
 * through the sink must give the same bytes, for full frames, truncated
 * frames (output snaplen) and with a per-output filter, in nanosecond and
 * microsecond pcap; libpcap must read back every pcapng file frame for
 * frame.  Also: rotation by size keeps every file under the limit with no
 * frame lost, a file cut short by a write error keeps only whole records,
 * and the pcapng blocks (section, interfaces, direction and drop count,
 * per-file statistics) say what they should.
 *
 * Direct I/O (--io direct, src/sink/fileio_dio.c), in a directory that
 * takes O_DIRECT (RC_DIO_DIR, /var/tmp or /tmp; skipped without one):
 * the same bytes as libpcap and as --io buffered, pcapng read back by
 * libpcap, the tick putting whole blocks on disk for a live reader, a
 * file size limit hit mid-file (the file cut back to whole records, a
 * prefix of the full file, frames written + lost = frames given, in both
 * modes), and --io direct refused on tmpfs before any file is named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>

#include "rc_table.h"
#include "../../src/capture/frame.h"
#include "../../src/common/event.h"
#include "../../src/sink/dio.h"
#include "../../src/sink/file.h"

#define NFRAMES 300

/* The sink as the engine makes it: frames of one Ethernet interface. */
static int rc_pcap_sink_new(const struct rc_pcap_conf *conf, int dlt, unsigned snaplen,
			    struct rc_sink **ret, char *err, size_t errlen)
{
	static const struct rc_file_iface ifc = { "eth0", "test frames", DLT_EN10MB };
	struct rc_file_input in = { .ifaces = &ifc, .n_ifaces = 1, .snaplen = snaplen };

	(void)dlt;
	return rc_file_sink_new(conf, &in, ret, err, errlen);
}

static uint8_t payload[NFRAMES][1600];
static struct rc_frame frames[NFRAMES];

static void make_frames(void)
{
	uint32_t x = 12345;

	for (unsigned i = 0; i < NFRAMES; i++) {
		uint32_t len = 60 + (i * 37) % 1455;

		for (uint32_t j = 0; j < len; j++) {
			x = x * 1103515245u + 12345u;
			payload[i][j] = (uint8_t)(x >> 16);
		}
		/* a UDP/IPv4 frame to port 5000 on every third frame, else 6000 */
		memcpy(payload[i] + 12, "\x08\x00", 2);
		payload[i][14] = 0x45;
		payload[i][23] = 17;
		payload[i][20] = 0;
		payload[i][21] = 0;
		payload[i][36] = i % 3 ? 0x17 : 0x13;
		payload[i][37] = i % 3 ? 0x70 : 0x88;
		frames[i].h.ts.tv_sec = 1700000000 + i;
		frames[i].h.ts.tv_usec = (suseconds_t)(i * 1000003u % 1000000000u);
		frames[i].h.caplen = len;
		frames[i].h.len = len + (i % 5 == 0 ? 100 : 0); /* some already truncated */
		frames[i].data = payload[i];
	}
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*ret_len = (size_t)n;
	return buf;
}

/* libpcap's own writer, with the same filter and snaplen the sink gets */
static void write_reference(const char *path, unsigned snaplen, const char *filter)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
							 PCAP_TSTAMP_PRECISION_NANO);
	struct bpf_program prog;
	pcap_dumper_t *d;

	assert_non_null(p);
	if (filter)
		assert_int_equal(pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN), 0);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	for (unsigned i = 0; i < NFRAMES; i++) {
		struct pcap_pkthdr h = frames[i].h;

		if (filter && !pcap_offline_filter(&prog, &h, frames[i].data))
			continue;
		if (h.caplen > snaplen)
			h.caplen = snaplen;
		pcap_dump((u_char *)d, &h, frames[i].data);
	}
	pcap_dump_close(d);
	if (filter)
		pcap_freecode(&prog);
	pcap_close(p);
}

static void write_sink(const char *path, unsigned capture_snaplen, unsigned out_snaplen,
		       const char *filter, unsigned batch)
{
	struct rc_pcap_conf conf = { .path = (char *)path, .snaplen = out_snaplen,
				     .filter = (char *)filter };
	struct rc_sink *s;
	char err[512];

	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, capture_snaplen, &s, err,
					  sizeof(err)), 0);
	for (unsigned i = 0; i < NFRAMES; i += batch) {
		struct rc_batch b = { .frames = &frames[i],
				      .n = i + batch > NFRAMES ? NFRAMES - i : batch };

		assert_int_equal(s->ops->write(s, &b), 0);
	}
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
}

struct same_case {
	const char *name;
	unsigned out_snaplen;
	const char *filter;
	unsigned batch;
};

static void check_same(const struct same_case *tc)
{
	char ref[] = "/tmp/rc-ref-XXXXXX", dir[] = "/tmp/rc-got-XXXXXX", got[64];
	size_t nref, ngot;
	char *a, *b;

	close(mkstemp(ref));
	/* the sink creates its file itself, and never over an existing one */
	assert_non_null(mkdtemp(dir));
	snprintf(got, sizeof(got), "%s/got.pcap", dir);
	write_reference(ref, tc->out_snaplen ? tc->out_snaplen : 262144, tc->filter);
	write_sink(got, 262144, tc->out_snaplen, tc->filter, tc->batch);
	a = slurp(ref, &nref);
	b = slurp(got, &ngot);
	assert_true(nref > 24 + 16);
	assert_int_equal(ngot, nref);
	assert_memory_equal(a, b, nref);
	free(a);
	free(b);
	unlink(ref);
	unlink(got);
	rmdir(dir);
}

static void test_same_full(void **state)
{
	(void)state;
	check_same(&(struct same_case){ "full", 0, NULL, 64 });
}

static void test_same_one_batch(void **state)
{
	(void)state;
	check_same(&(struct same_case){ "one batch", 0, NULL, NFRAMES });
}

static void test_same_snaplen(void **state)
{
	(void)state;
	check_same(&(struct same_case){ "snaplen 96", 96, NULL, 50 });
}

static void test_same_filter(void **state)
{
	(void)state;
	check_same(&(struct same_case){ "filter", 0, "udp dst port 5000", 7 });
}

static void test_same_filter_snaplen(void **state)
{
	(void)state;
	check_same(&(struct same_case){ "filter+snaplen", 128, "udp dst port 6000", 33 });
}

/* walk a pcap file's records; returns the count, fails on a torn record */
static unsigned count_records(const char *path)
{
	size_t n, off = 24;
	char *d = slurp(path, &n);
	unsigned recs = 0;

	assert_true(n >= 24);
	while (off < n) {
		uint32_t caplen;

		assert_true(off + 16 <= n);
		memcpy(&caplen, d + off + 8, 4);
		assert_true(off + 16 + caplen <= n);
		off += 16 + caplen;
		recs++;
	}
	free(d);
	return recs;
}

static void test_rotation_size(void **state)
{
	char dir[] = "/tmp/rc-rot-XXXXXX", tmpl[256];
	struct rc_pcap_conf conf = { 0 };
	struct rc_sink_stats st;
	struct rc_sink *s;
	struct dirent *e;
	unsigned total = 0, files = 0;
	char err[512];
	DIR *dp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(tmpl, sizeof(tmpl), "%s/r.pcap", dir);
	conf.path = tmpl;
	conf.rotate.max_size = 20000;
	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, 262144, &s, err, sizeof(err)), 0);
	for (unsigned i = 0; i < NFRAMES; i += 10) {
		struct rc_batch b = { .frames = &frames[i], .n = 10 };

		assert_int_equal(s->ops->write(s, &b), 0);
	}
	assert_int_equal(s->ops->close(s), 0);
	s->ops->stats(s, &st);
	s->ops->free(s);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp))) {
		char p[512];
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(p, &sb), 0);
		assert_true(sb.st_size <= 20000);
		assert_non_null(strstr(e->d_name, "r_0"));
		total += count_records(p);
		files++;
		unlink(p);
	}
	closedir(dp);
	rmdir(dir);
	assert_int_equal(total, NFRAMES);
	assert_int_equal(st.frames, NFRAMES);
	assert_int_equal(st.files, files);
	assert_true(files > 5);
}

/* /dev/full fails every write with ENOSPC: the very first write (the file
 * header) fails when the output starts, so it is refused with the reason
 * before capture; without retry it has stopped for good. */
static void test_write_error(void **state)
{
	struct rc_pcap_conf conf = { .path = "/dev/full" };
	struct rc_sink *s = NULL;
	char err[512] = "", why[600];
	int r;

	(void)state;
	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, 262144, &s, err, sizeof(err)), 0);
	r = s->ops->start(s);
	/* the header write fails at once: refused before capture starts */
	assert_int_equal(r, -ENOSPC);
	assert_non_null(strstr(s->err, "No space left on device"));
	assert_true(s->dead);
	assert_int_equal(s->ops->state(s, why, sizeof(why)), RC_SINK_FAILED);
	/* a failed output that is not a regular file is never removed */
	{
		struct stat sb;

		assert_int_equal(stat("/dev/full", &sb), 0);
		assert_true(S_ISCHR(sb.st_mode));
	}
	s->ops->free(s);
}

/* With retry (the daemon), a failure is a state: every frame handed to
 * the output from then on is counted as lost, and it tries again later. */
static void test_write_error_retry(void **state)
{
	struct rc_pcap_conf conf = { .path = "/dev/full" };
	struct rc_batch b = { .frames = frames, .n = 10 };
	struct rc_sink_stats st = { 0 };
	struct rc_sink *s = NULL;
	char err[512] = "", why[600];

	(void)state;
	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, 262144, &s, err, sizeof(err)), 0);
	s->retry = true;
	assert_int_equal(s->ops->start(s), 0);
	assert_false(s->dead);
	assert_int_equal(s->ops->state(s, why, sizeof(why)), RC_SINK_WAITING);
	assert_non_null(strstr(why, "No space left on device"));
	assert_non_null(strstr(why, "trying again"));
	assert_int_equal(s->ops->write(s, &b), 0);
	assert_int_equal(s->ops->write(s, &b), 0);
	s->ops->stats(s, &st);
	assert_int_equal(st.lost, 20);
	assert_int_equal(st.frames, 0);
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
}

static void write_all(const char *path, const struct rc_rotate_conf *rot)
{
	struct rc_pcap_conf conf = { .path = (char *)path };
	struct rc_batch b = { .frames = frames, .n = NFRAMES };
	struct rc_sink *s;
	char err[512];

	if (rot)
		conf.rotate = *rot;
	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, 262144, &s, err, sizeof(err)), 0);
	assert_int_equal(s->ops->write(s, &b), 0);
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
}

static off_t size_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* A second run onto the same name never touches the first run's file: it
 * writes the numbered name instead, and a third continues the numbers. */
static void test_never_overwrite(void **state)
{
	char dir[] = "/tmp/rc-exist-XXXXXX", p[128], q[128], r[128];
	off_t first;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/cap.pcap", dir);
	write_all(p, NULL);
	first = size_of(p);
	assert_true(first > 24);
	write_all(p, NULL);
	assert_int_equal(size_of(p), first);
	snprintf(q, sizeof(q), "%s/cap_00001.pcap", dir);
	assert_int_equal(size_of(q), first);
	write_all(p, NULL);
	snprintf(r, sizeof(r), "%s/cap_00002.pcap", dir);
	assert_int_equal(size_of(r), first);
	assert_int_equal(size_of(p), first);
	assert_int_equal(size_of(q), first);
	unlink(p);
	unlink(q);
	unlink(r);
	rmdir(dir);
}

/* Rotation starts after the highest number already there, so an earlier
 * run's ring is never overwritten and names keep sorting in capture order;
 * a symlink planted at a name is never written through. */
static void test_rotation_continues(void **state)
{
	struct rc_rotate_conf rot = { .max_size = 20000 };
	char dir[] = "/tmp/rc-cont-XXXXXX", p[128], q[128], t[128];
	struct dirent *e;
	unsigned highest = 0, n = 0;
	DIR *dp;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/r.pcap", dir);
	/* an earlier run's file with a gap before it, and a symlink trap */
	snprintf(q, sizeof(q), "%s/r_00007.pcap", dir);
	fd = open(q, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	snprintf(t, sizeof(t), "%s/r_00008.pcap", dir);
	assert_int_equal(symlink("/tmp/rc-never-written-through", t), 0);
	write_all(p, &rot);
	assert_int_equal(size_of(q), 4);
	assert_int_equal(access("/tmp/rc-never-written-through", F_OK), -1);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp))) {
		unsigned num;

		if (sscanf(e->d_name, "r_%5u.pcap", &num) == 1 && num > 8) {
			n++;
			if (num > highest)
				highest = num;
		}
		if (e->d_name[0] != '.') {
			char f[300];

			snprintf(f, sizeof(f), "%s/%s", dir, e->d_name);
			unlink(f);
		}
	}
	closedir(dp);
	rmdir(dir);
	assert_true(n > 5);
	assert_int_equal(highest, 8 + n);
}

/* ---- pcapng ----------------------------------------------------------- */

/* The source's counters as the sink reads them: each read 50 frames
 * further, 3 of them dropped. */
static unsigned counter_reads;

static int fake_counters(void *arg, unsigned iface, struct rc_sink_counters *ret)
{
	(void)arg;
	counter_reads++;
	ret->ifrecv = 1000 * iface + 50ull * counter_reads;
	ret->filteraccept = ret->ifrecv;
	ret->ifdrop = 3ull * counter_reads;
	return 0;
}

struct ng_opts {
	unsigned snaplen;
	const char *filter;       /* the output's own */
	const char *cap_filter;   /* the capture's (if_filter) */
	unsigned batch;
	unsigned n_ifaces;
	bool micro;
	uint64_t max_size;
};

/* Write every frame (direction from its index, 7 drops before frame 3
 * of each batch) as pcapng into @path. */
static void ng_write(const char *path, const struct ng_opts *o)
{
	static const struct rc_file_iface ifs[2] = {
		{ "eth0", "the first", DLT_EN10MB }, { "eth1", "the second", DLT_EN10MB },
	};
	struct rc_file_input in = { .ifaces = ifs, .n_ifaces = o->n_ifaces ? o->n_ifaces : 1,
				    .snaplen = 262144, .filter = o->cap_filter };
	struct rc_pcap_conf conf = { .path = (char *)path, .format = RC_FORMAT_PCAPNG,
				     .snaplen = o->snaplen, .filter = (char *)o->filter,
				     .ts_micro = o->micro };
	unsigned batch = o->batch ? o->batch : 64;
	struct rc_sink *s;
	char err[512];

	conf.rotate.max_size = o->max_size;
	assert_int_equal(rc_file_sink_new(&conf, &in, &s, err, sizeof(err)), 0);
	s->counters = fake_counters;
	counter_reads = 0;
	for (unsigned i = 0; i < NFRAMES; i++)
		frames[i].dir = i % 3 == 0 ? RC_DIR_OUT : RC_DIR_IN | RC_RX_UNICAST;
	assert_int_equal(s->ops->start(s), 0);
	for (unsigned i = 0, k = 0; i < NFRAMES; i += batch, k++) {
		struct rc_batch b = { .frames = &frames[i],
				      .n = i + batch > NFRAMES ? NFRAMES - i : batch,
				      .iface = k % in.n_ifaces, .drops = 7, .drops_at = 3 };

		assert_int_equal(s->ops->write(s, &b), 0);
	}
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
	for (unsigned i = 0; i < NFRAMES; i++)
		frames[i].dir = 0;
}

/* libpcap reads the file back: the frames the output should have kept,
 * with their timestamps, lengths and bytes. */
static void ng_check_libpcap(const char *path, const struct ng_opts *o)
{
	unsigned snap = o->snaplen ? o->snaplen : 262144;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned i = 0, got = 0;
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, o->micro ?
							     PCAP_TSTAMP_PRECISION_MICRO :
							     PCAP_TSTAMP_PRECISION_NANO, errbuf);

	assert_non_null(p);
	if (o->filter)
		assert_int_equal(pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN), 0);
	while (pcap_next_ex(p, &h, &d) == 1) {
		const struct rc_frame *f;

		while (i < NFRAMES && o->filter &&
		       !pcap_offline_filter(&prog, &frames[i].h, frames[i].data))
			i++;
		assert_true(i < NFRAMES);
		f = &frames[i++];
		assert_int_equal(h->ts.tv_sec, f->h.ts.tv_sec);
		assert_int_equal(h->ts.tv_usec, o->micro ? f->h.ts.tv_usec / 1000 : f->h.ts.tv_usec);
		assert_int_equal(h->caplen, f->h.caplen < snap ? f->h.caplen : snap);
		assert_int_equal(h->len, f->h.len);
		assert_memory_equal(d, f->data, h->caplen);
		got++;
	}
	while (i < NFRAMES && o->filter && !pcap_offline_filter(&prog, &frames[i].h, frames[i].data))
		i++;
	assert_int_equal(i, NFRAMES);
	assert_true(got > 0);
	if (o->filter)
		pcap_freecode(&prog);
	pcap_close(p);
}

static void test_ng_libpcap_reads(void **state)
{
	static const struct ng_opts cases[] = {
		{ .batch = 64 },
		{ .batch = NFRAMES },
		{ .snaplen = 96, .batch = 50 },
		{ .filter = "udp dst port 5000", .batch = 7 },
		{ .filter = "udp dst port 6000", .snaplen = 128, .batch = 33 },
		{ .micro = true, .batch = 64 },
	};
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char dir[] = "/tmp/rc-ng-XXXXXX", path[64];

		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/x.pcapng", dir);
		ng_write(path, &cases[c]);
		ng_check_libpcap(path, &cases[c]);
		unlink(path);
		rmdir(dir);
	}
}

/* A pcapng file's blocks, as far as these tests look at them. */
struct ng_file {
	unsigned nshb, nidb, nepb, nisb;
	bool shb_first, isb_last;      /* ISBs only after every packet */
	char userappl[64], if_name[2][16], if_filter[256];
	unsigned tsresol, linktype;
	unsigned epb_iface[NFRAMES];
	uint32_t epb_flags[NFRAMES];   /* 0: no epb_flags option */
	uint64_t epb_drops[NFRAMES];
	struct { uint32_t iface; uint64_t start, end, recv, drop, accept, deliv; } isb[4];
};

static void ng_options(const uint8_t *p, const uint8_t *end,
		       void (*fn)(uint16_t code, const uint8_t *v, uint16_t len, void *arg),
		       void *arg)
{
	while (p + 4 <= end) {
		uint16_t code, len;

		memcpy(&code, p, 2);
		memcpy(&len, p + 2, 2);
		if (code == 0)
			return;
		assert_true(p + 4 + len <= end);
		fn(code, p + 4, len, arg);
		p += 4 + ((len + 3u) & ~3u);
	}
	fail_msg("options without opt_endofopt");
}

struct opt_ctx { struct ng_file *f; uint32_t type; unsigned idx; };

static uint64_t get64(const uint8_t *v)
{
	uint64_t x;

	memcpy(&x, v, 8);
	return x;
}

static uint64_t get_time(const uint8_t *v)
{
	uint32_t w[2];

	memcpy(w, v, 8);
	return ((uint64_t)w[0] << 32) | w[1];
}

static void ng_opt(uint16_t code, const uint8_t *v, uint16_t len, void *arg)
{
	struct opt_ctx *c = arg;
	struct ng_file *f = c->f;

	switch (c->type) {
	case 0x0A0D0D0A:
		if (code == 4)
			snprintf(f->userappl, sizeof(f->userappl), "%.*s", len, v);
		break;
	case 1:
		if (code == 2 && c->idx < 2)
			snprintf(f->if_name[c->idx], sizeof(f->if_name[0]), "%.*s", len, v);
		if (code == 9)
			f->tsresol = v[0];
		if (code == 11) {
			assert_int_equal(v[0], 0);
			snprintf(f->if_filter, sizeof(f->if_filter), "%.*s", len - 1, v + 1);
		}
		break;
	case 6:
		if (code == 2) {
			assert_int_equal(len, 4);
			memcpy(&f->epb_flags[c->idx], v, 4);
		}
		if (code == 4) {
			assert_int_equal(len, 8);
			f->epb_drops[c->idx] = get64(v);
		}
		break;
	case 5:
		assert_int_equal(len, 8);
		if (code == 2) f->isb[c->idx].start = get_time(v);
		if (code == 3) f->isb[c->idx].end = get_time(v);
		if (code == 4) f->isb[c->idx].recv = get64(v);
		if (code == 5) f->isb[c->idx].drop = get64(v);
		if (code == 6) f->isb[c->idx].accept = get64(v);
		if (code == 8) f->isb[c->idx].deliv = get64(v);
		break;
	}
}

static void ng_parse(const char *path, struct ng_file *f)
{
	size_t n, off = 0;
	uint8_t *d = (uint8_t *)slurp(path, &n);
	bool seen_isb = false;

	memset(f, 0, sizeof(*f));
	f->isb_last = true;
	while (off < n) {
		uint32_t type, len, len2;
		const uint8_t *b = d + off;
		struct opt_ctx c = { f, 0, 0 };

		assert_true(off + 12 <= n);
		memcpy(&type, b, 4);
		memcpy(&len, b + 4, 4);
		assert_true(len >= 12 && len % 4 == 0 && off + len <= n);
		memcpy(&len2, b + len - 4, 4);
		assert_int_equal(len, len2);
		c.type = type;
		if (off == 0)
			f->shb_first = type == 0x0A0D0D0A;
		if (type != 5 && seen_isb)
			f->isb_last = false;
		switch (type) {
		case 0x0A0D0D0A: {
			uint32_t magic;

			memcpy(&magic, b + 8, 4);
			assert_int_equal(magic, 0x1A2B3C4D);
			ng_options(b + 24, b + len - 4, ng_opt, &c);
			f->nshb++;
			break;
		}
		case 1: {
			uint16_t lt;

			memcpy(&lt, b + 8, 2);
			f->linktype = lt;
			c.idx = f->nidb++;
			ng_options(b + 16, b + len - 4, ng_opt, &c);
			break;
		}
		case 6: {
			uint32_t w[5];

			memcpy(w, b + 8, sizeof(w));
			assert_true(f->nepb < NFRAMES);
			c.idx = f->nepb++;
			f->epb_iface[c.idx] = w[0];
			assert_true(28 + ((w[3] + 3u) & ~3u) <= len - 4);
			ng_options(b + 28 + ((w[3] + 3u) & ~3u), b + len - 4, ng_opt, &c);
			break;
		}
		case 5:
			assert_true(f->nisb < 4);
			c.idx = f->nisb++;
			memcpy(&f->isb[c.idx].iface, b + 8, 4);
			ng_options(b + 20, b + len - 4, ng_opt, &c);
			seen_isb = true;
			break;
		default:
			fail_msg("unexpected block type %u", type);
		}
		off += len;
	}
	free(d);
}

/* Section, interface, packet and statistics blocks say what they should. */
static void test_ng_blocks(void **state)
{
	const struct ng_opts o = { .batch = 10, .filter = "udp", .cap_filter = "ether proto 0x800" };
	char dir[] = "/tmp/rc-ngb-XXXXXX", path[64];
	struct ng_file f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.pcapng", dir);
	ng_write(path, &o);
	ng_parse(path, &f);
	assert_true(f.shb_first);
	assert_int_equal(f.nshb, 1);
	assert_int_equal(f.nidb, 1);
	assert_int_equal(f.nepb, NFRAMES);
	assert_int_equal(f.nisb, 1);
	assert_true(f.isb_last);
	assert_non_null(strstr(f.userappl, "ringcap"));
	assert_string_equal(f.if_name[0], "eth0");
	assert_int_equal(f.tsresol, 9);
	assert_int_equal(f.linktype, 1);
	assert_string_equal(f.if_filter, "(ether proto 0x800) and (udp)");
	for (unsigned i = 0; i < NFRAMES; i++) {
		assert_int_equal(f.epb_flags[i], i % 3 == 0 ? 2u : 1u | 1u << 2);
		/* 7 drops before the 4th frame of every batch of 10, nowhere else */
		assert_int_equal(f.epb_drops[i], i % 10 == 3 ? 7u : 0u);
	}
	/* one read at open, one at close: 50 frames, 3 dropped in between */
	assert_int_equal(f.isb[0].iface, 0);
	assert_int_equal(f.isb[0].recv, 50);
	assert_int_equal(f.isb[0].accept, 50);
	assert_int_equal(f.isb[0].drop, 3);
	assert_int_equal(f.isb[0].deliv, NFRAMES);
	assert_true(f.isb[0].start > 1700000000ull * 1000000000ull);
	assert_true(f.isb[0].start <= f.isb[0].end);
	unlink(path);
	rmdir(dir);
}

/* Rotation: every file is a section of its own, under the size limit with
 * its statistics block, which together add up. */
static void test_ng_rotation(void **state)
{
	const struct ng_opts o = { .batch = 10, .max_size = 20000 };
	char dir[] = "/tmp/rc-ngr-XXXXXX", tmpl[64];
	uint64_t epbs = 0, recv = 0, drop = 0;
	unsigned files = 0;
	struct dirent *e;
	DIR *dp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(tmpl, sizeof(tmpl), "%s/r.pcapng", dir);
	ng_write(tmpl, &o);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp))) {
		char p[512];
		struct ng_file f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		assert_true(size_of(p) <= 20000);
		ng_parse(p, &f);
		assert_true(f.shb_first);
		assert_int_equal(f.nshb, 1);
		assert_int_equal(f.nidb, 1);
		assert_int_equal(f.nisb, 1);
		assert_true(f.isb_last);
		assert_int_equal(f.isb[0].deliv, f.nepb);
		epbs += f.nepb;
		recv += f.isb[0].recv;
		drop += f.isb[0].drop;
		files++;
		unlink(p);
	}
	closedir(dp);
	rmdir(dir);
	assert_true(files > 5);
	assert_int_equal(epbs, NFRAMES);
	/* every read after the first one ends a file and starts the next */
	assert_int_equal(counter_reads, files + 1);
	assert_int_equal(recv, 50ull * files);
	assert_int_equal(drop, 3ull * files);
}

/* Two interfaces: an interface block and a statistics block each, and
 * every packet names its own. */
static void test_ng_two_ifaces(void **state)
{
	const struct ng_opts o = { .batch = 10, .n_ifaces = 2 };
	char dir[] = "/tmp/rc-ng2-XXXXXX", path[64];
	struct ng_file f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.pcapng", dir);
	ng_write(path, &o);
	ng_parse(path, &f);
	assert_int_equal(f.nidb, 2);
	assert_string_equal(f.if_name[0], "eth0");
	assert_string_equal(f.if_name[1], "eth1");
	assert_int_equal(f.nepb, NFRAMES);
	for (unsigned i = 0; i < NFRAMES; i++)
		assert_int_equal(f.epb_iface[i], (i / 10) % 2);
	assert_int_equal(f.nisb, 2);
	assert_int_equal(f.isb[0].iface, 0);
	assert_int_equal(f.isb[1].iface, 1);
	assert_int_equal(f.isb[0].deliv + f.isb[1].deliv, NFRAMES);
	assert_int_equal(f.isb[0].deliv, 150);
	unlink(path);
	rmdir(dir);
}

/* pcap has one link type and no interface per frame: refused, and the
 * message says what to do instead. */
static void test_pcap_two_ifaces_refused(void **state)
{
	static const struct rc_file_iface ifs[2] = {
		{ "eth0", NULL, DLT_EN10MB }, { "eth1", NULL, DLT_EN10MB },
	};
	struct rc_file_input in = { .ifaces = ifs, .n_ifaces = 2, .snaplen = 262144 };
	struct rc_pcap_conf conf = { .path = "/tmp/never.pcap" };
	struct rc_sink *s = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(rc_file_sink_new(&conf, &in, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pcapng"));
	assert_null(s);
}

/* Microsecond pcap: the bytes pcap_dump() writes in a microsecond file. */
static void test_same_micro(void **state)
{
	char ref[] = "/tmp/rc-refu-XXXXXX", dir[] = "/tmp/rc-gotu-XXXXXX", got[64];
	struct rc_pcap_conf conf = { .ts_micro = true };
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144,
							 PCAP_TSTAMP_PRECISION_MICRO);
	struct rc_batch b = { .frames = frames, .n = NFRAMES };
	pcap_dumper_t *d;
	struct rc_sink *s;
	size_t nref, ngot;
	char err[512], *x, *y;

	(void)state;
	close(mkstemp(ref));
	d = pcap_dump_open(p, ref);
	assert_non_null(d);
	for (unsigned i = 0; i < NFRAMES; i++) {
		struct pcap_pkthdr h = frames[i].h;

		h.ts.tv_usec /= 1000;  /* the sink's frames carry nanoseconds */
		pcap_dump((u_char *)d, &h, frames[i].data);
	}
	pcap_dump_close(d);
	pcap_close(p);
	assert_non_null(mkdtemp(dir));
	snprintf(got, sizeof(got), "%s/got.pcap", dir);
	conf.path = got;
	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, 262144, &s, err, sizeof(err)), 0);
	assert_int_equal(s->ops->write(s, &b), 0);
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
	x = slurp(ref, &nref);
	y = slurp(got, &ngot);
	assert_int_equal(nref, ngot);
	assert_memory_equal(x, y, nref);
	free(x);
	free(y);
	unlink(ref);
	unlink(got);
	rmdir(dir);
}


/* ---- direct I/O ------------------------------------------------------- */

static char dio_dir[4096];     /* a directory that takes O_DIRECT, or "" */
static uint32_t dio_align;

static void find_dio_dir(void)
{
	const char *cands[] = { getenv("RC_DIO_DIR"), "/var/tmp", "/tmp" };

	for (unsigned i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		char path[4200];
		int fd, r;

		if (!cands[i] || !*cands[i])
			continue;
		snprintf(path, sizeof(path), "%s/rc-fs-probe.XXXXXX", cands[i]);
		fd = mkstemp(path);
		if (fd < 0)
			continue;
		unlink(path);
		r = rc_dio_probe(fd, &dio_align);
		close(fd);
		if (r == 0) {
			snprintf(dio_dir, sizeof(dio_dir), "%s", cands[i]);
			return;
		}
	}
}

/* A fresh directory in dio_dir, or skip. */
static void dio_mkdtemp(char *dir, size_t len)
{
	if (!dio_dir[0])
		skip();
	snprintf(dir, len, "%s/rc-fsdio-XXXXXX", dio_dir);
	assert_non_null(mkdtemp(dir));
}

/* The events a sink posted, one a line. */
static char said[8192];

static void collect(void *arg, enum rc_log_level lvl, const char *msg)
{
	size_t n = strlen(said);

	(void)arg;
	(void)lvl;
	snprintf(said + n, sizeof(said) - n, "%s\n", msg);
}

static const char *drain_said(struct rc_events *ev)
{
	said[0] = 0;
	rc_events_drain(ev, collect, NULL);
	return said;
}

static struct rc_sink *io_sink(const char *path, enum rc_io_mode io, struct rc_events *ev)
{
	struct rc_pcap_conf conf = { .path = (char *)path, .io = io };
	struct rc_sink *s;
	char err[512];

	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, 262144, &s, err, sizeof(err)), 0);
	s->events = ev;
	return s;
}

/* Every frame, @reps times over, in batches of @batch; the sink's
 * results are not looked at (a failed output keeps counting). */
static void feed_frames(struct rc_sink *s, unsigned reps, unsigned batch)
{
	for (unsigned k = 0; k < reps; k++)
		for (unsigned i = 0; i < NFRAMES; i += batch) {
			struct rc_batch b = { .frames = &frames[i],
					      .n = i + batch > NFRAMES ? NFRAMES - i : batch };

			(void)s->ops->write(s, &b);
		}
}

/* libpcap's bytes, the same through --io direct and --io buffered, and
 * direct I/O is what was used (it says so once). */
static void test_dio_same(void **state)
{
	static const enum rc_io_mode modes[] = { RC_IO_DIRECT, RC_IO_BUFFERED };
	char dir[4200], ref[4300], got[4300];
	struct rc_events *ev;

	(void)state;
	dio_mkdtemp(dir, sizeof(dir));
	assert_int_equal(rc_events_new(&ev), 0);
	snprintf(ref, sizeof(ref), "%s/ref.pcap", dir);
	write_reference(ref, 262144, NULL);
	for (unsigned m = 0; m < 2; m++)
		for (unsigned batch = 1; batch <= NFRAMES; batch = batch * 7 + 1) {
			struct rc_sink *s;
			size_t nref, ngot;
			char *a, *b;

			snprintf(got, sizeof(got), "%s/got-%u-%u.pcap", dir, m, batch);
			s = io_sink(got, modes[m], ev);
			assert_int_equal(s->ops->start(s), 0);
			feed_frames(s, 1, batch);
			assert_int_equal(s->ops->close(s), 0);
			s->ops->free(s);
			drain_said(ev);
			assert_non_null(strstr(said, modes[m] == RC_IO_DIRECT ? ": direct I/O (O_DIRECT" :
					       ": written through the page cache"));
			assert_null(strchr(strchr(said, '\n') + 1, '\n'));  /* said once */
			a = slurp(ref, &nref);
			b = slurp(got, &ngot);
			assert_int_equal(ngot, nref);
			assert_memory_equal(a, b, nref);
			free(a);
			free(b);
			unlink(got);
		}
	unlink(ref);
	rmdir(dir);
	rc_events_free(ev);
}

/* Rotation by size with direct I/O: every file whole, none over the
 * limit, every frame once; said once for all the files. */
static void test_dio_rotation(void **state)
{
	struct rc_pcap_conf conf = { .io = RC_IO_DIRECT, .rotate.max_size = 50000 };
	char dir[4200], tmpl[4300];
	struct rc_sink_stats st;
	struct rc_events *ev;
	struct rc_sink *s;
	struct dirent *e;
	unsigned total = 0, files = 0;
	char err[512];
	DIR *dp;

	(void)state;
	dio_mkdtemp(dir, sizeof(dir));
	assert_int_equal(rc_events_new(&ev), 0);
	snprintf(tmpl, sizeof(tmpl), "%s/r.pcap", dir);
	conf.path = tmpl;
	assert_int_equal(rc_pcap_sink_new(&conf, DLT_EN10MB, 262144, &s, err, sizeof(err)), 0);
	s->events = ev;
	feed_frames(s, 3, 17);
	assert_int_equal(s->ops->close(s), 0);
	s->ops->stats(s, &st);
	s->ops->free(s);
	drain_said(ev);
	assert_non_null(strstr(said, "direct I/O"));
	assert_null(strchr(strchr(said, '\n') + 1, '\n'));
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp))) {
		char p[4600];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		assert_true(size_of(p) <= 50000);
		total += count_records(p);
		files++;
		unlink(p);
	}
	closedir(dp);
	rmdir(dir);
	rc_events_free(ev);
	assert_int_equal(total, 3 * NFRAMES);
	assert_int_equal(st.frames, 3 * NFRAMES);
	assert_int_equal(st.files, files);
	assert_true(files > 10);
}

/* pcapng through direct I/O: libpcap reads back every frame. */
static void test_dio_pcapng(void **state)
{
	static const struct rc_file_iface ifc = { "eth0", "test frames", DLT_EN10MB };
	struct rc_file_input in = { .ifaces = &ifc, .n_ifaces = 1, .snaplen = 262144 };
	char dir[4200], path[4300];
	struct rc_pcap_conf conf = { .io = RC_IO_DIRECT, .format = RC_FORMAT_PCAPNG };
	struct rc_sink *s;
	char err[512];

	(void)state;
	dio_mkdtemp(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/x.pcapng", dir);
	conf.path = path;
	assert_int_equal(rc_file_sink_new(&conf, &in, &s, err, sizeof(err)), 0);
	assert_int_equal(s->ops->start(s), 0);
	feed_frames(s, 1, 41);
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
	ng_check_libpcap(path, &(struct ng_opts){ .batch = 41 });
	unlink(path);
	rmdir(dir);
}

/*
 * The tick puts what a slow capture wrote on the disk: afterwards the file
 * holds every whole block of it (a reader sees the records up to there,
 * as the full file has them), without waiting for a full buffer.
 */
static void test_dio_tick(void **state)
{
	char dir[4200], ref[4300], got[4300];
	uint64_t bytes = 24, whole;
	struct rc_sink *s;
	size_t nref, nmid, ngot;
	char *a, *b;

	(void)state;
	dio_mkdtemp(dir, sizeof(dir));
	snprintf(ref, sizeof(ref), "%s/ref.pcap", dir);
	snprintf(got, sizeof(got), "%s/got.pcap", dir);
	write_reference(ref, 262144, NULL);
	s = io_sink(got, RC_IO_DIRECT, NULL);
	assert_int_equal(s->ops->start(s), 0);
	{
		struct rc_batch batch = { .frames = frames, .n = NFRAMES / 2 };

		assert_int_equal(s->ops->write(s, &batch), 0);
	}
	for (unsigned i = 0; i < NFRAMES / 2; i++)
		bytes += 16 + frames[i].h.caplen;
	whole = bytes & ~(uint64_t)(dio_align - 1);
	assert_true(whole > 0);
	/* nothing whole has gone yet: the file is its header */
	assert_int_equal(size_of(got), 24);
	assert_int_equal(s->ops->tick(s, (uint64_t)time(NULL) * 1000000000ULL), 0);
	for (int i = 0; i < 500 && size_of(got) < (off_t)whole; i++)
		usleep(10000);
	assert_int_equal(size_of(got), (off_t)whole);
	a = slurp(ref, &nref);
	b = slurp(got, &nmid);
	assert_true(nmid < nref);
	assert_memory_equal(a, b, nmid);
	free(b);
	{
		struct rc_batch batch = { .frames = frames + NFRAMES / 2, .n = NFRAMES - NFRAMES / 2 };

		assert_int_equal(s->ops->write(s, &batch), 0);
	}
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
	b = slurp(got, &ngot);
	assert_int_equal(ngot, nref);
	assert_memory_equal(a, b, nref);
	free(a);
	free(b);
	unlink(ref);
	unlink(got);
	rmdir(dir);
}

/*
 * A file size limit (RLIMIT_FSIZE: a short write, then EFBIG) hit in the
 * middle of a file, with direct I/O and buffered: the file is cut back to
 * its last whole record and is a prefix of the full one (nothing before
 * the failure lost or damaged), and every frame given is either in it or
 * counted as lost, exactly.
 */
struct fsize_case {
	const char *name;
	enum rc_io_mode io;
	uint64_t limit;
	unsigned batch;
};

static const struct fsize_case fsize_cases[] = {
	{ "direct, limit inside a block", RC_IO_DIRECT, (2 << 20) + 1000, 64 },
	{ "direct, limit on a buffer boundary", RC_IO_DIRECT, 4 << 20, 300 },
	{ "direct, limit in the first buffer", RC_IO_DIRECT, 100000, 7 },
	{ "direct, limit past many buffers", RC_IO_DIRECT, (11 << 20) + 4096 * 3, 150 },
	{ "buffered, limit inside a block", RC_IO_BUFFERED, (2 << 20) + 1000, 64 },
	{ "buffered, limit in the first batch", RC_IO_BUFFERED, 100000, 300 },
};

static struct rlimit fsize0;

static int fsize_setup(void **state)
{
	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	return getrlimit(RLIMIT_FSIZE, &fsize0);
}

/* also after a failed case: the next ones must not run into the limit */
static int fsize_teardown(void **state)
{
	(void)state;
	return setrlimit(RLIMIT_FSIZE, &fsize0);
}

static void test_dio_fsize(void **state)
{
	const struct fsize_case *tc = *state;
	const unsigned reps = 60;   /* about 14 MB */
	char dir[4200], full[4300], got[4300];
	struct rlimit lim = fsize0;
	struct rc_sink_stats st;
	struct rc_sink *s;
	size_t nfull, ngot;
	char *a, *b;

	dio_mkdtemp(dir, sizeof(dir));
	snprintf(full, sizeof(full), "%s/full.pcap", dir);
	snprintf(got, sizeof(got), "%s/got.pcap", dir);
	s = io_sink(full, RC_IO_BUFFERED, NULL);
	feed_frames(s, reps, tc->batch);
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);

	lim.rlim_cur = tc->limit;
	s = io_sink(got, tc->io, NULL);
	assert_int_equal(s->ops->start(s), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	feed_frames(s, reps, tc->batch);
	(void)s->ops->close(s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &fsize0), 0);
	s->ops->stats(s, &st);
	print_message("%s: %llu frames written, %llu lost; %s\n", tc->name,
		      (unsigned long long)st.frames, (unsigned long long)st.lost, s->err);
	assert_true(s->dead);
	assert_non_null(strstr(s->err, "File too large"));
	s->ops->free(s);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.frames + st.lost, (uint64_t)reps * NFRAMES);
	assert_true(st.lost > 0);
	a = slurp(full, &nfull);
	if (st.frames == 0) {
		/* a file that held no frame when its write failed is removed
		 * (a direct write into the first buffer fails as a whole) */
		assert_int_equal(access(got, F_OK), -1);
		b = NULL;
		ngot = 0;
	} else {
		/* whole records, as many as it says, and the full file's first ones */
		assert_int_equal(count_records(got), st.frames);
		assert_true(size_of(got) <= (off_t)tc->limit);
		b = slurp(got, &ngot);
		assert_true(ngot < nfull);
		assert_memory_equal(a, b, ngot);
	}
	/* what is missing before the limit is at most a record (buffered),
	 * or what was in flight when the writes failed: a direct write that
	 * would cross the limit inside a block fails as a whole (ext4) */
	assert_true(ngot + 16 + 1514 + (tc->io == RC_IO_DIRECT ? (1u << 20) : 0) >
		    (tc->limit < nfull ? tc->limit : nfull));
	free(a);
	free(b);
	unlink(full);
	unlink(got);
	rmdir(dir);
}

/* --io direct where there is no disk: refused with the reason, and no
 * file is left behind (it is refused before it gets a name). */
static void test_dio_tmpfs_refused(void **state)
{
	char dir[] = "/dev/shm/rc-fsdio-XXXXXX", path[64];
	struct statfs sf;
	struct rc_sink *s;

	(void)state;
	if (!rc_dio_built() || statfs("/dev/shm", &sf) < 0 || sf.f_type != TMPFS_MAGIC)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.pcap", dir);
	s = io_sink(path, RC_IO_DIRECT, NULL);
	assert_true(s->ops->start(s) < 0);
	assert_true(s->dead);
	print_message("%s\n", s->err);
	assert_non_null(strstr(s->err, "cannot write"));
	assert_non_null(strstr(s->err, "--io direct"));
	assert_non_null(strstr(s->err, "tmpfs"));
	assert_non_null(strstr(s->err, "--io auto or buffered"));
	s->ops->free(s);
	assert_int_equal(rmdir(dir), 0);  /* empty */
	/* auto: the page cache, and it works */
	assert_non_null(mkdtemp(strcpy(dir, "/dev/shm/rc-fsdio-XXXXXX")));
	snprintf(path, sizeof(path), "%s/x.pcap", dir);
	s = io_sink(path, RC_IO_AUTO, NULL);
	assert_int_equal(s->ops->start(s), 0);
	feed_frames(s, 1, 100);
	assert_int_equal(s->ops->close(s), 0);
	s->ops->free(s);
	assert_int_equal(count_records(path), NFRAMES);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_full),
		cmocka_unit_test(test_same_one_batch),
		cmocka_unit_test(test_same_snaplen),
		cmocka_unit_test(test_same_filter),
		cmocka_unit_test(test_same_filter_snaplen),
		cmocka_unit_test(test_rotation_size),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_write_error_retry),
		cmocka_unit_test(test_never_overwrite),
		cmocka_unit_test(test_rotation_continues),
		cmocka_unit_test(test_same_micro),
		cmocka_unit_test(test_ng_libpcap_reads),
		cmocka_unit_test(test_ng_blocks),
		cmocka_unit_test(test_ng_rotation),
		cmocka_unit_test(test_ng_two_ifaces),
		cmocka_unit_test(test_pcap_two_ifaces_refused),
		cmocka_unit_test(test_dio_same),
		cmocka_unit_test(test_dio_rotation),
		cmocka_unit_test(test_dio_pcapng),
		cmocka_unit_test(test_dio_tick),
		cmocka_unit_test(test_dio_tmpfs_refused),
	};
	static const struct table tables[] = {
		TABLE_FIX("file size limit", test_dio_fsize, fsize_setup, fsize_teardown,
			  fsize_cases),
	};

	make_frames();
	find_dio_dir();
	return run_tables("file_sink", tests, ARRAY_SIZE(tests), tables, ARRAY_SIZE(tables));
}

// SPDX-License-Identifier: MIT
/*
 * The pcap sink writes records itself (see src/sink/pcap.c); these tests
 * hold it to libpcap: the same frames written through pcap_dump() and
 * through the sink must give the same bytes, for full frames, truncated
 * frames (output snaplen) and with a per-output filter.  Also: rotation by
 * size keeps every file under the limit with no frame lost, and a file cut
 * short by a write error keeps only whole records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/capture/frame.h"
#include "../../src/sink/pcap.h"

#define NFRAMES 300

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
	};

	make_frames();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

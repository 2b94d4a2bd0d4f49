// SPDX-License-Identifier: MIT
/*
 * diobw - what the direct-I/O writer (src/sink/dio.c) takes, without a
 * capture in front of it: the disk's limit for ringcap's own writer.
 *
 *   diobw DIR BYTES [FLEN [BUF_KIB NBUFS]]
 *
 * Creates a new file in DIR and writes BYTES (rounded up to whole records)
 * of capture-shaped records into it through rc_dio: a 16-byte pcap record
 * header and FLEN (default 1514) bytes of frame, the frames read from a
 * 64 MiB region laid out like a TPACKET_V3 ring (82 bytes of ring header in
 * front of each, 16-byte aligned), 512 records per call as a batch of the
 * worker.  Then rc_dio_finish(), fdatasync() and the file's pages in the
 * page cache (mincore), and the file is removed.
 *
 * Prints one line: "bytes wall_ns cpu_ns sync_ns cached_bytes registered",
 * wall_ns from the first write to the end of rc_dio_finish(), sync_ns the
 * fdatasync() after it, cpu_ns this process's CPU time (user + system, its
 * io_uring workers included) for the writes and the finish.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/sink/dio.h"

#define REGION (64u << 20)
#define RING_HDR 82u
#define PER_CALL 512u

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int e)
{
	fprintf(stderr, "diobw: %s: %s\n", what, strerror(e));
	exit(1);
}

int main(int argc, char **argv)
{
	struct rc_dio_conf conf = { 0 };
	struct rc_dio_status st;
	struct iovec iov[2 * PER_CALL];
	uint32_t hdrs[PER_CALL][4];
	uint64_t want, total = 0, k = 0, t0, t1, t2, c0, c1, cached = 0;
	unsigned flen = 1514, stride, nring;
	uint32_t align;
	struct rc_dio *d;
	uint8_t *ring;
	char path[4096];
	unsigned char *vec;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int fd, r;

	if (argc != 3 && argc != 4 && argc != 6) {
		fprintf(stderr, "usage: diobw DIR BYTES [FLEN [BUF_KIB NBUFS]]\n");
		return 2;
	}
	want = strtoull(argv[2], NULL, 10);
	if (argc >= 4)
		flen = (unsigned)strtoul(argv[3], NULL, 10);
	if (argc == 6) {
		conf.buf_size = (uint32_t)strtoul(argv[4], NULL, 10) << 10;
		conf.nbufs = (uint32_t)strtoul(argv[5], NULL, 10);
	}
	if (!want || !flen || flen > 65535)
		die("bad arguments", EINVAL);
	stride = (RING_HDR + flen + 15) & ~15u;
	nring = REGION / stride;
	ring = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ring == MAP_FAILED)
		die("mmap", errno);
	for (size_t i = 0; i < REGION; i++)
		ring[i] = (uint8_t)i;
	snprintf(path, sizeof(path), "%s/diobw.%d", argv[1], (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path, errno);
	r = rc_dio_probe(fd, &align);
	if (r < 0) {
		unlink(path);
		die("direct I/O in this directory", -r);
	}
	r = rc_dio_new(&conf, align, &d);
	if (r < 0 || (r = rc_dio_begin(d, fd)) < 0) {
		unlink(path);
		die("rc_dio", -r);
	}
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	while (total < want && r == 0) {
		for (unsigned j = 0; j < PER_CALL; j++, k++) {
			hdrs[j][0] = (uint32_t)k;
			hdrs[j][1] = 0;
			hdrs[j][2] = hdrs[j][3] = flen;
			iov[2 * j].iov_base = hdrs[j];
			iov[2 * j].iov_len = 16;
			iov[2 * j + 1].iov_base = ring + (k % nring) * stride + RING_HDR;
			iov[2 * j + 1].iov_len = flen;
			total += 16 + flen;
		}
		r = rc_dio_write(d, iov, 2 * PER_CALL, k);
	}
	if (r == 0)
		r = rc_dio_finish(d, &st);
	else
		rc_dio_finish(d, &st);
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (r < 0) {
		unlink(path);
		die("writing", -r);
	}
	if (fdatasync(fd) < 0)
		die("fdatasync", errno);
	t2 = now_ns(CLOCK_MONOTONIC);
	vec = malloc(total / pg + 1);
	if (vec) {
		void *p = mmap(NULL, total, PROT_READ, MAP_SHARED, fd, 0);

		if (p != MAP_FAILED && mincore(p, total, vec) == 0)
			for (size_t i = 0; i < (total + pg - 1) / pg; i++)
				cached += (vec[i] & 1) * pg;
		if (p != MAP_FAILED)
			munmap(p, total);
	}
	free(vec);
	unlink(path);
	close(fd);
	printf("%llu %llu %llu %llu %llu %d\n", (unsigned long long)st.durable,
	       (unsigned long long)(t1 - t0), (unsigned long long)(c1 - c0),
	       (unsigned long long)(t2 - t1), (unsigned long long)cached, st.registered);
	rc_dio_free(d);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fanout_wrap - put the kernel's PACKET_FANOUT unique-id counter where a
 * freshly booted machine has it: the next group made with
 * PACKET_FANOUT_FLAG_UNIQUEID gets id 0.
 *
 * The kernel (net/packet/af_packet.c, fanout_find_new_id) keeps one u16
 * counter, fanout_next_id, shared by all network namespaces.  A UNIQUEID
 * request takes the first id at or after the counter that no group of the
 * caller's namespace uses, and sets the counter to that id + 1, so after a
 * group got 65535 the counter is 0.  This tool makes unique groups until
 * one reads back (getsockopt PACKET_FANOUT) as 65535, and no further.
 *
 * It first moves into a network namespace of its own (unshare), which
 * holds only a loopback device that is down: no frame can reach its
 * sockets, and no group of another namespace makes it skip an id.  The
 * counter itself is global, which is the point.
 *
 * Two ways to take ids (--method):
 *   join  (default) the documented way: a running socket (its protocol
 *         registers it on every device of the empty namespace, which is
 *         what bind does) makes a group and is closed.  Each close waits
 *         for an RCU grace period (synchronize_net in packet_release), so
 *         many threads do it at once: 0.8 s here with 256 threads, 4.8 s
 *         with one.
 *   skip  relies on a detail of today's kernels: the id is taken before
 *         the kernel checks that the socket may join, so a request on a
 *         socket that is not running (protocol 0) fails with EINVAL yet
 *         uses up an id.  One socket, no close: 0.1 s.  Checked by the
 *         probe that follows; fails if the kernel did not move the counter.
 * Every step is checked by a probe: a running socket's unique group, its
 * id read back.  The last probe is the group that got 65535; if some
 * other process took ids meanwhile, the tool goes on from where the
 * probe says the counter is (and round again if 65535 went to another).
 *
 *   fanout_wrap [--method join|skip] [--threads N]
 *   fanout_wrap --probe      make one unique group, print its id (this
 *                            moves the counter on by one)
 * Needs CAP_SYS_ADMIN (unshare) and CAP_NET_RAW.  Exit 0 done, 1 failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ID_MAX        65535
/* IEEE 802 "local experimental" ethertype: nothing sends it */
#define ETH_P_QUIET   0x88b5
#define MAX_ROUNDS    3

static int unique_request(int fd)
{
	int v = (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID) << 16;

	return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof(v)) < 0 ? -errno : 0;
}

/* A running socket makes a unique group; returns its id or -errno.  The
 * socket is closed (one grace period) unless @ret_fd takes it. */
static int unique_group(int *ret_fd)
{
	int fd, r, v = 0;
	socklen_t len = sizeof(v);

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_QUIET));
	if (fd < 0)
		return -errno;
	r = unique_request(fd);
	if (r == 0 && getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &v, &len) < 0)
		r = -errno;
	if (r == 0)
		r = v & 0xffff;
	if (ret_fd && r >= 0)
		*ret_fd = fd;
	else
		close(fd);
	return r;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- skip: failed requests on a socket that is not running ------------ */

static int consume_skip(long n)
{
	int fd, r;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: not running */
	if (fd < 0)
		return -errno;
	for (long i = 0; i < n; i++) {
		r = unique_request(fd);
		if (r != -EINVAL) {
			close(fd);
			return r == 0 ? -EEXIST : r; /* joined: the kernel changed */
		}
	}
	close(fd);
	return 0;
}

/* --- join: groups made and closed by many threads --------------------- */

static atomic_long budget;
static atomic_int join_err;

static void *join_thread(void *arg)
{
	(void)arg;
	while (atomic_fetch_sub(&budget, 1) > 0) {
		int r = unique_group(NULL);

		if (r < 0) {
			atomic_store(&join_err, r);
			atomic_store(&budget, 0);
			break;
		}
	}
	return NULL;
}

static int consume_join(long n, int nthreads)
{
	pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
	pthread_attr_t attr;
	int started = 0;

	if (!t)
		return -ENOMEM;
	atomic_store(&budget, n);
	atomic_store(&join_err, 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (; started < nthreads; started++)
		if (pthread_create(&t[started], &attr, join_thread, NULL) != 0)
			break;
	pthread_attr_destroy(&attr);
	if (started == 0) {
		free(t);
		return -EAGAIN;
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	return atomic_load(&join_err);
}

/* ---------------------------------------------------------------------- */

enum method { M_JOIN, M_SKIP };

static void usage(FILE *f)
{
	fprintf(f, "usage: fanout_wrap [--method join|skip] [--threads N]\n"
		   "       fanout_wrap --probe\n"
		   "Make PACKET_FANOUT unique groups (in a network namespace of its own)\n"
		   "until one got id %d: the next unique group on this machine gets id 0.\n"
		   "--probe makes one unique group and prints its id.\n", ID_MAX);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "probe", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	enum method m = M_JOIN;
	int nthreads = 256, probe_only = 0, c, id, last, rounds = 0, probes = 0, r;
	long skipped = 0, joined = 0;
	double t0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "skip"))
				m = M_SKIP;
			else if (!strcmp(optarg, "join"))
				m = M_JOIN;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 't':
			nthreads = atoi(optarg);
			if (nthreads < 1 || nthreads > 4096) {
				fprintf(stderr, "fanout_wrap: --threads 1..4096\n");
				return 2;
			}
			break;
		case 'p':
			probe_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "fanout_wrap: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	if (probe_only) {
		id = unique_group(NULL);
		if (id < 0) {
			fprintf(stderr, "fanout_wrap: unique fanout group: %s\n", strerror(-id));
			return 1;
		}
		printf("%d\n", id);
		return 0;
	}

	t0 = now_s();
	last = unique_group(NULL);
	probes++;
	if (last < 0) {
		fprintf(stderr, "fanout_wrap: unique fanout group: %s\n", strerror(-last));
		return 1;
	}
	printf("fanout_wrap: the counter was at %d\n", last);
	while (last != ID_MAX) {
		long need = ID_MAX - 1 - last; /* ids to take before the probe that gets 65535 */
		int before = last;

		if (need > 0 && m == M_SKIP) {
			r = consume_skip(need);
			if (r < 0) {
				fprintf(stderr, "fanout_wrap: skip: %s\n", strerror(-r));
				return 1;
			}
			skipped += need;
		} else if (need > 0) {
			r = consume_join(need, nthreads);
			if (r < 0) {
				fprintf(stderr, "fanout_wrap: join: %s\n", strerror(-r));
				return 1;
			}
			joined += need;
		}
		id = unique_group(NULL);
		probes++;
		if (id < 0) {
			fprintf(stderr, "fanout_wrap: unique fanout group: %s\n", strerror(-id));
			return 1;
		}
		if (id <= before) { /* 65535 went to someone else: round again */
			if (++rounds >= MAX_ROUNDS) {
				fprintf(stderr, "fanout_wrap: the counter wrapped %d times under "
						"another process's groups\n", rounds);
				return 1;
			}
			printf("fanout_wrap: the counter wrapped elsewhere (probe got %d), again\n",
			       id);
		} else if (need > 1 && m == M_SKIP && id - before - 1 < need / 2) {
			fprintf(stderr, "fanout_wrap: --method skip: failed requests do not take "
					"ids on this kernel\n");
			return 1;
		}
		last = id;
	}
	printf("fanout_wrap: the last group got %d: the next unique group gets 0 "
	       "(%.2f s; %ld ids by failed requests, %ld by groups from %d threads, "
	       "%d probes)\n", ID_MAX, now_s() - t0, skipped, joined,
	       joined ? nthreads : 0, probes);
	return 0;
}

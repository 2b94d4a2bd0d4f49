// SPDX-License-Identifier: MIT
/*
 * xsk_hold - bind a bare AF_XDP socket to one RX queue of an interface,
 * hold it for a while, then exit.  No XDP program is attached: the socket
 * only takes the queue, so that a capture started meanwhile finds it busy
 * (bind fails with EBUSY) and a test can see what it does about it.
 *
 *   xsk_hold IFACE QUEUE MILLISECONDS READY-FILE
 *
 * READY-FILE is made once the socket is bound.  Exit 0 after the time,
 * 1 on an error (with a message).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#define NFRAMES 256
#define FRAME 2048

int main(int argc, char **argv)
{
	struct xsk_umem_config ucfg = { .fill_size = NFRAMES, .comp_size = NFRAMES,
					.frame_size = FRAME };
	struct xsk_socket_config scfg = {
		.rx_size = NFRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	};
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct timespec ts;
	void *area;
	long ms;
	int r, fd;

	if (argc != 5) {
		fprintf(stderr, "usage: xsk_hold IFACE QUEUE MILLISECONDS READY-FILE\n");
		return 2;
	}
	ms = strtol(argv[3], NULL, 10);
	area = mmap(NULL, (size_t)NFRAMES * FRAME, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		perror("xsk_hold: mmap");
		return 1;
	}
	r = xsk_umem__create(&umem, area, (size_t)NFRAMES * FRAME, &fill, &comp, &ucfg);
	if (r < 0) {
		fprintf(stderr, "xsk_hold: xsk_umem__create: %s\n", strerror(-r));
		return 1;
	}
	r = xsk_socket__create(&xsk, argv[1], (unsigned)atoi(argv[2]), umem, &rx, NULL, &scfg);
	if (r < 0) {
		fprintf(stderr, "xsk_hold: binding to %s queue %s: %s\n", argv[1], argv[2],
			strerror(-r));
		return 1;
	}
	fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror("xsk_hold: the ready file");
		return 1;
	}
	close(fd);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	return 0;
}

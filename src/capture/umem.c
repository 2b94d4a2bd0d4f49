// SPDX-License-Identifier: MIT
/*
 * The UMEM of one AF_XDP socket and its FILL/spare queue; see umem.h for
 * what it owns, its invariants and its threads.
 */
#include "umem.h"

#ifdef RC_HAVE_AFXDP

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "../common/cleanup.h"

#define COMP_RING_SIZE 64u        /* required by the kernel, unused: no TX */
#define HUGE_PAGE (2u << 20)

int rc_umem_init(struct rc_umem *u, uint32_t chunk, uint32_t nchunks)
{
	memset(u, 0, sizeof(*u));
	u->chunk = chunk;
	u->nchunks = nchunks;
	u->area_len = (uint64_t)nchunks * chunk;
	u->wake_fd = -1;
	pthread_spin_init(&u->fill_lock, PTHREAD_PROCESS_PRIVATE);
	u->spare = calloc(nchunks, sizeof(*u->spare));
	return u->spare ? 0 : -ENOMEM;
}

/* Bytes of transparent huge pages in the mapping that holds @addr. */
static uint64_t thp_bytes(const void *addr)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/smaps", "re");
	uintptr_t a = (uintptr_t)addr;
	unsigned long long lo, hi, kb;
	bool inside = false;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2 && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = a >= lo && a < hi;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1)
			return (uint64_t)kb << 10;
	}
	return 0;
}

/*
 * Every frame is a page of its own (4 KiB chunks) or half of one, so with
 * small pages nearly every frame costs a TLB miss.  Reserved huge pages
 * (vm.nr_hugepages) first; else transparent huge pages, asked for on a
 * 2 MiB-aligned mapping; else whatever the kernel gives.
 */
int rc_umem_map(struct rc_umem *u)
{
	size_t len = (u->area_len + HUGE_PAGE - 1) & ~((size_t)HUGE_PAGE - 1);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	uint8_t *p, *aligned;
	size_t head;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (p != MAP_FAILED) {
		u->area = p;
		u->map_len = len;
		u->pages = "huge pages";
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
	u->area = aligned;
	u->map_len = len;
	madvise(aligned, len, MADV_HUGEPAGE);
	/* fault it all in now (registration would, one page at a time) */
	if (madvise(aligned, len, MADV_POPULATE_WRITE) < 0)
		memset(aligned, 0, len);
	u->pages = thp_bytes(aligned) >= len / 2 ? "transparent huge pages" :
		   "regular pages (no huge pages free: vm.nr_hugepages)";
	return 0;
}

int rc_umem_register(struct rc_umem *u, uint32_t fill_size, uint32_t headroom)
{
	struct xsk_umem_config cfg = {
		.fill_size = fill_size,
		.comp_size = COMP_RING_SIZE,
		.frame_size = u->chunk,
		.frame_headroom = headroom,
		.flags = 0,
	};
	int r;

	r = xsk_umem__create(&u->xsk_umem, u->area, u->area_len, &u->fill_own, &u->comp_own,
			     &cfg);
	if (r < 0) {
		u->xsk_umem = NULL;
		return r;
	}
	if (fcntl(xsk_umem__fd(u->xsk_umem), F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	u->fill = &u->fill_own;
	return 0;
}

void rc_umem_use(struct rc_umem *u, void *area, struct xsk_ring_prod *fill)
{
	u->area = area;
	u->fill = fill;
}

/*
 * Chunks back to the kernel, oldest first: the spare queue drains before
 * @addrs, and order is kept.  Caller holds fill_lock.
 */
static void give_back_locked(struct rc_umem *u, const uint64_t *addrs, uint32_t n)
{
	uint64_t mask = ~(uint64_t)(u->chunk - 1);
	uint32_t room, idx, from_spare, from_addrs = 0;

	room = RC_MIN(xsk_prod_nb_free(u->fill, u->nspare + n), u->nspare + n);
	if (room && xsk_ring_prod__reserve(u->fill, room, &idx) == room) {
		from_spare = RC_MIN(room, u->nspare);
		for (uint32_t i = 0; i < from_spare; i++) {
			*xsk_ring_prod__fill_addr(u->fill, idx + i) = u->spare[u->spare_head];
			u->spare_head = u->spare_head + 1 == u->nchunks ? 0 : u->spare_head + 1;
		}
		u->nspare -= from_spare;
		from_addrs = room - from_spare;
		for (uint32_t i = 0; i < from_addrs; i++)
			*xsk_ring_prod__fill_addr(u->fill, idx + from_spare + i) = addrs[i] & mask;
		xsk_ring_prod__submit(u->fill, room);
		/* a zero-copy driver that ran dry waits to be told */
		if (u->wake_fd >= 0 && xsk_ring_prod__needs_wakeup(u->fill))
			recvfrom(u->wake_fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
	}
	for (uint32_t i = from_addrs; i < n; i++) {
		u->spare[(u->spare_head + u->nspare) % u->nchunks] = addrs[i] & mask;
		u->nspare++;
	}
}

void rc_umem_give_back(struct rc_umem *u, const uint64_t *addrs, uint32_t n)
{
	pthread_spin_lock(&u->fill_lock);
	give_back_locked(u, addrs, n);
	pthread_spin_unlock(&u->fill_lock);
}

int rc_umem_fill_all(struct rc_umem *u)
{
	_cleanup_free_ uint64_t *all = calloc(u->nchunks, sizeof(*all));

	if (!all)
		return -ENOMEM;
	for (uint32_t i = 0; i < u->nchunks; i++)
		all[i] = (uint64_t)i * u->chunk;
	rc_umem_give_back(u, all, u->nchunks);
	return 0;
}

void rc_umem_fini(struct rc_umem *u)
{
	if (u->xsk_umem)
		xsk_umem__delete(u->xsk_umem);
	u->xsk_umem = NULL;
	if (u->map_len)
		munmap(u->area, u->map_len);
	u->map_len = 0;
	free(u->spare);
	u->spare = NULL;
	pthread_spin_destroy(&u->fill_lock);
}

#endif /* RC_HAVE_AFXDP */

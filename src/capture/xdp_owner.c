// SPDX-License-Identifier: MIT
/*
 * The owner of a ringcap XDP program, from the program's read-only data
 * and /proc; see xdp_owner.h.
 */
#include "xdp_owner.h"

#ifdef RC_HAVE_AFXDP

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libpcap and the kernel both define struct bpf_insn (see xdp_env.c) */
#define bpf_insn rc_kernel_bpf_insn
#include <bpf/bpf.h>
#undef bpf_insn

#include "../common/cleanup.h"

/* /proc/PID/stat field 22: start time in clock ticks since boot; 0 = gone */
static uint64_t proc_start_time(uint64_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
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

void rc_xdp_owner_self(struct rc_xdp_owner *ret)
{
	ret->pid = (uint64_t)getpid();
	ret->start = proc_start_time(ret->pid);
	ret->pidns = pidns_inode();
}

/* The owner fields of program @prog_fd, from its .rodata map. */
static int program_owner(int prog_fd, struct rc_xdp_owner *ret)
{
	struct bpf_prog_info info = { 0 };
	uint32_t ids[16], len = sizeof(info);
	int r = -ENOENT;

	info.nr_map_ids = RC_ARRAY_SIZE(ids);
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return -errno;
	for (uint32_t i = 0; i < info.nr_map_ids && i < RC_ARRAY_SIZE(ids) && r < 0; i++) {
		struct bpf_map_info mi = { 0 };
		uint32_t mlen = sizeof(mi), zero = 0;
		_cleanup_close_ int fd = bpf_map_get_fd_by_id(ids[i]);
		size_t nl = 0;

		if (fd < 0)
			continue;
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
	}
	return r;
}

bool rc_xdp_owner_alive(int prog_fd, struct rc_xdp_owner *ret)
{
	uint64_t start;

	*ret = (struct rc_xdp_owner){ 0 };
	if (program_owner(prog_fd, ret) < 0 || !ret->pid)
		return true;
	if (ret->pidns != pidns_inode())
		return true;
	start = proc_start_time(ret->pid);
	return start && start == ret->start;
}

#endif /* RC_HAVE_AFXDP */

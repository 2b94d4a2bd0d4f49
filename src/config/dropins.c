// SPDX-License-Identifier: MIT
/*
 * Which systemd drop-ins a configuration needs, and whether this process
 * holds what they grant; see dropins.h.  Called from the main thread (the
 * daemon at start and for -n, the CLI for `config check`).
 *
 * What is checked is the one grant without which the backend cannot work
 * and whose absence the kernel reports least clearly:
 *   afxdp  CAP_SYS_ADMIN in the effective set.  libxdp finds the programs
 *          on an interface by id (BPF_PROG_GET_FD_BY_ID), at attach, at
 *          detach and when it removes the program of a daemon that was
 *          killed; the kernel allows that only with CAP_SYS_ADMIN, which
 *          also covers what loading the program needs (CAP_BPF,
 *          CAP_PERFMON).
 *   rdma   /dev/infiniband/rdma_cm: the unit's PrivateDevices= hides
 *          /dev/infiniband unless the drop-in binds it in; without it,
 *          librdmacm finds no device and says only "No such device".
 */
#include "dropins.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SEE_ALSO "ringcapd(8), \"Running under systemd\""
#define RDMA_CM "/dev/infiniband/rdma_cm"

enum dropin { AFXDP, RDMA, NDROPINS };

static const struct {
	const char *file;
	const char *uses;       /* "capture X <uses>" */
} dropins[NDROPINS] = {
	[AFXDP] = { "afxdp.conf", "uses backend afxdp" },
	[RDMA] = { "rdma.conf", "has an rdma output" },
};

struct need {
	const char *first;      /* the first capture that needs the drop-in */
	size_t n;               /* how many do */
};

static void needs(const struct rc_config *c, struct need ret[NDROPINS])
{
	memset(ret, 0, NDROPINS * sizeof(*ret));
	for (size_t i = 0; c && i < c->n_captures; i++) {
		const struct rc_capture_conf *cap = &c->captures[i];
		bool use[NDROPINS] = {
			[AFXDP] = cap->backend == RC_BACKEND_AFXDP,
			[RDMA] = cap->n_rdmas > 0,
		};

		for (int d = 0; d < NDROPINS; d++)
			if (use[d] && !ret[d].n++)
				ret[d].first = cap->name;
	}
}

void rc_dropins_print(const struct rc_config *c, FILE *f)
{
	struct need n[NDROPINS];

	needs(c, n);
	for (int d = 0; d < NDROPINS; d++) {
		if (!n[d].n)
			continue;
		fprintf(f, "under systemd, ringcapd.service needs the drop-in %s: capture %s ",
			dropins[d].file, n[d].first);
		if (n[d].n > 1)
			fprintf(f, "(and %zu more) ", n[d].n - 1);
		fprintf(f, "%s (%s)\n", dropins[d].uses, SEE_ALSO);
	}
}

static bool have_cap(unsigned cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return true;    /* cannot tell: let the kernel decide */
	return data[cap / 32].effective & (1u << (cap % 32));
}

int rc_dropins_check(const struct rc_config *c, char *err, size_t errlen)
{
	struct need n[NDROPINS];

	needs(c, n);
	if (n[AFXDP].n && !have_cap(CAP_SYS_ADMIN)) {
		snprintf(err, errlen, "capture %s %s, which needs CAP_SYS_ADMIN: under systemd, "
			 "enable the drop-in %s (%s)", n[AFXDP].first, dropins[AFXDP].uses,
			 dropins[AFXDP].file, SEE_ALSO);
		return -EPERM;
	}
	if (n[RDMA].n && access(RDMA_CM, F_OK) < 0) {
		snprintf(err, errlen, "capture %s %s, which needs %s: %s (no RDMA device here, or, "
			 "under systemd, the drop-in %s is not enabled: %s)", n[RDMA].first,
			 dropins[RDMA].uses, RDMA_CM, strerror(errno), dropins[RDMA].file,
			 SEE_ALSO);
		return -EPERM;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The process-wide side of AF_XDP capture: libbpf's and libxdp's print
 * hooks and the bpffs mount; see xdp_env.h for who starts and stops them
 * and on which threads.
 */
#include "xdp_env.h"

#ifdef RC_HAVE_AFXDP

#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

/* libpcap and the kernel both define struct bpf_insn; the kernel's is only
 * named (never used) below, so it gets another name here. */
#define bpf_insn rc_kernel_bpf_insn
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#undef bpf_insn

/* ------------------------------------------------------------------ */
/* library messages                                                    */

static __thread char lib_msg[256];
/* libxdp says why it does without its dispatcher only at info level, and
 * only the first time (the answer is cached); written under the XDP
 * program registry's lock, like every libxdp call */
static char dispatcher_msg[160];
static libbpf_print_fn_t old_libbpf_print;
static libxdp_print_fn_t old_libxdp_print;
static bool hooked;

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

void rc_xdp_lib_clear(void)
{
	lib_msg[0] = '\0';
}

const char *rc_xdp_lib_why(char *buf, size_t len)
{
	if (!lib_msg[0])
		return "";
	snprintf(buf, len, " (%s)", lib_msg);
	return buf;
}

const char *rc_xdp_dispatcher_why(void)
{
	return dispatcher_msg;
}

/* ------------------------------------------------------------------ */
/* bpffs                                                               */

static bool may_mount;
/* Where this process mounted bpffs, "" if it did not. */
static char bpffs_ours[256];

void rc_xdp_bpffs_get(struct rc_source *s)
{
	const char *dir = secure_getenv(XDP_BPFFS_ENVVAR);
	struct statfs st;

	if (!dir)
		dir = "/sys/fs/bpf";
	if (statfs(dir, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC)
		return;
	if (!may_mount) {
		rc_source_note(s, "no bpffs on %s (not mounted: the program did not allow it)", dir);
		return;
	}
	if (mount("bpf", dir, "bpf", 0, "mode=0700") == 0) {
		snprintf(bpffs_ours, sizeof(bpffs_ours), "%s", dir);
		rc_source_note(s, "mounted bpffs on %s for libxdp's dispatcher", dir);
		return;
	}
	rc_source_note(s, "no bpffs on %s and mounting one failed (%s)", dir, strerror(errno));
}

/*
 * Anything but the kernel's own preload entries and libxdp's (empty)
 * state directory, or a mount in use, stays.
 */
void rc_xdp_bpffs_put(void)
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

/* ------------------------------------------------------------------ */
/* the program's start and end                                         */

void rc_xdp_process_init(void)
{
	if (hooked)
		return;
	old_libbpf_print = libbpf_set_print(libbpf_print);
	old_libxdp_print = libxdp_set_print(libxdp_print);
	may_mount = true;
	hooked = true;
}

void rc_xdp_process_fini(void)
{
	if (!hooked)
		return;
	rc_xdp_bpffs_put();
	may_mount = false;
	libbpf_set_print(old_libbpf_print);
	libxdp_set_print(old_libxdp_print);
	hooked = false;
}

#endif /* RC_HAVE_AFXDP */

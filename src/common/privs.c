// SPDX-License-Identifier: MIT
/*
 * Privilege drop without libcap: prctl(PR_SET_KEEPCAPS) across setresuid,
 * then capset() to the capabilities we keep (three, or none).  Main thread, before
 * any worker thread exists (capabilities are per thread).
 */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEEP ((1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN) | (1u << CAP_IPC_LOCK))

int rc_privs_lookup(const char *user, const char *group, uid_t *ret_uid, gid_t *ret_gid,
		    char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen,
			 "user '%s' does not exist (create it, e.g. with systemd-sysusers, "
			 "or set daemon.user: \"\" to keep running as root)", user);
		return -ESRCH;
	}
	*ret_uid = pw->pw_uid;
	*ret_gid = pw->pw_gid;
	if (group && *group) {
		gr = getgrnam(group);
		if (!gr) {
			snprintf(err, errlen, "group '%s' does not exist", group);
			return -ESRCH;
		}
		*ret_gid = gr->gr_gid;
	}
	return 0;
}

static int drop(const char *user, uid_t uid, gid_t gid, uint32_t keep, char *err,
		size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (unsigned long cap = 0; cap <= 63; cap++) {
		if (cap < 32 && (keep & (1u << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			snprintf(err, errlen, "dropping capability %lu: %s", cap, strerror(errno));
			return -errno;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || initgroups(user, gid) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		snprintf(err, errlen, "switching to user %s (uid %u, gid %u): %s", user,
			 (unsigned)uid, (unsigned)gid, strerror(errno));
		return -errno;
	}
	data[0].effective = data[0].permitted = keep;
	if (syscall(SYS_capset, &hdr, data) < 0) {
		snprintf(err, errlen, "setting the capabilities kept as user %s: %s", user,
			 strerror(errno));
		return -errno;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

int rc_privs_drop(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	return drop(user, uid, gid, KEEP, err, errlen);
}

int rc_privs_drop_all(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	return drop(user, uid, gid, 0, err, errlen);
}

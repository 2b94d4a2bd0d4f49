// SPDX-License-Identifier: MIT
/*
 * Unit tests for src/config/dropins.h: which systemd drop-ins a
 * configuration needs (the lines `ringcapd -n` and `ringcap config check`
 * print), and the start-up check for the afxdp one, run once with
 * CAP_SYS_ADMIN in the effective set (taken out with capset() when this
 * runs as root: lowering the effective set needs no privilege) and once
 * without.  Table-driven: one YAML text, the lines expected, whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../src/config/dropins.h"
#include "../../src/config/yaml.h"
#include "rc_table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SEE "(ringcapd(8), \"Running under systemd\")"
#define AFXDP_LINE(who) "under systemd, ringcapd.service needs the drop-in afxdp.conf: " \
	who " uses backend afxdp " SEE "\n"
#define RDMA_LINE(who) "under systemd, ringcapd.service needs the drop-in rdma.conf: " \
	who " has an rdma output " SEE "\n"

#define PCAP(n) "      - pcap: { path: /tmp/ringcap-test-" n ".pcap }\n"
#define RDMA "      - rdma: { peer: \"198.18.0.2:7718\" }\n"
#define XDP "    backend: afxdp\n    xdp: { dedicated_port: true }\n"
#define CAPTURE(name) "  - name: " name "\n    interface: lo\n"

struct row {
	const char *what;
	const char *yaml;
	const char *printed;       /* what rc_dropins_print writes */
	bool afxdp;                /* rc_dropins_check needs CAP_SYS_ADMIN */
};

static const struct row rows[] = {
	{ "afpacket into files: the shipped unit is enough",
	  "captures:\n" CAPTURE("a") "    outputs:\n" PCAP("a"), "", false },
	{ "afxdp",
	  "captures:\n" CAPTURE("a") XDP "    outputs:\n" PCAP("a"),
	  AFXDP_LINE("capture a"), true },
	{ "rdma output",
	  "captures:\n" CAPTURE("a") "    outputs:\n" PCAP("a") RDMA,
	  RDMA_LINE("capture a"), false },
	{ "afxdp and rdma in one capture",
	  "captures:\n" CAPTURE("a") XDP "    outputs:\n" PCAP("a") RDMA,
	  AFXDP_LINE("capture a") RDMA_LINE("capture a"), true },
	{ "the first capture that needs it is named, the others counted",
	  "captures:\n"
	  CAPTURE("a") "    outputs:\n" PCAP("a")
	  CAPTURE("b") XDP "    outputs:\n" PCAP("b") RDMA
	  CAPTURE("c") XDP "    outputs:\n" PCAP("c")
	  CAPTURE("d") XDP "    outputs:\n" PCAP("d") RDMA,
	  AFXDP_LINE("capture b (and 2 more)") RDMA_LINE("capture b (and 1 more)"), true },
};

static struct rc_diag diag; /* 32 KiB: not on cmocka's stack */

static struct rc_config *load(const char *yaml)
{
	struct rc_config *c = NULL;
	char path[256];
	int r;

	rc_test_write_tmp(yaml, ".yaml", path, sizeof(path));
	r = rc_config_load(path, &c, &diag);
	unlink(path);
	if (r < 0)
		rc_diag_print(&diag, stderr, "  ");
	assert_int_equal(r, 0);
	return c;
}

static void test_print(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct rc_config *c = load(rows[i].yaml);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		rc_dropins_print(c, f);
		assert_int_equal(fclose(f), 0);
		if (strcmp(buf, rows[i].printed))
			fail_msg("%s: printed\n%s\nexpected\n%s", rows[i].what, buf, rows[i].printed);
		free(buf);
		rc_config_free(c);
	}
}

static bool effective_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	assert_int_equal(syscall(SYS_capget, &hdr, data), 0);
	return data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

/* Clear or set CAP_SYS_ADMIN in the effective set (it stays permitted). */
static void set_sys_admin(bool on)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	uint32_t bit = 1u << (CAP_SYS_ADMIN % 32);

	assert_int_equal(syscall(SYS_capget, &hdr, data), 0);
	if (on)
		data[CAP_SYS_ADMIN / 32].effective |= bit;
	else
		data[CAP_SYS_ADMIN / 32].effective &= ~bit;
	assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
}

static void check_rows(bool have)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct rc_config *c = load(rows[i].yaml);
		char err[1024] = "";
		int r = rc_dropins_check(c, err, sizeof(err));

		if (rows[i].afxdp && !have) {
			if (r != -EPERM || !strstr(err, "enable the drop-in afxdp.conf"))
				fail_msg("%s, without CAP_SYS_ADMIN: %d '%s'", rows[i].what, r, err);
		} else if (r == -EPERM && strstr(err, "afxdp")) {
			fail_msg("%s, %s CAP_SYS_ADMIN: %s", rows[i].what, have ? "with" : "without",
				 err);
		}
		rc_config_free(c);
	}
}

static void test_check_afxdp(void **state)
{
	bool had = effective_sys_admin();

	(void)state;
	if (had) {
		check_rows(true);
		set_sys_admin(false);
	}
	assert_false(effective_sys_admin());
	check_rows(false);
	if (had)
		set_sys_admin(true);
}

/* The rdma check is about /dev/infiniband/rdma_cm; where there is none
 * (this machine's kernel has no RDMA), the message names the drop-in. */
static void test_check_rdma(void **state)
{
	struct rc_config *c = load(rows[2].yaml);
	char err[1024] = "";
	int r;

	(void)state;
	if (access("/dev/infiniband/rdma_cm", F_OK) == 0) {
		rc_config_free(c);
		skip();
	}
	r = rc_dropins_check(c, err, sizeof(err));
	rc_config_free(c);
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(err, "capture a has an rdma output, which needs "
				    "/dev/infiniband/rdma_cm: No such file or directory"));
	assert_non_null(strstr(err, "the drop-in rdma.conf is not enabled"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_check_afxdp),
		cmocka_unit_test(test_check_rdma),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * -j: whether an interface can give adapter timestamps, decided from what
 * its driver reports (rc_tstamp_check, src/capture/tstamp.h), one case per
 * answer.  tests/integration/any_and_several.sh asks a real veth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/net_tstamp.h>

#include "../../src/capture/tstamp.h"

#define SOFT (SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE | \
	      SOF_TIMESTAMPING_SOFTWARE)
#define HARD (SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_RX_HARDWARE | \
	      SOF_TIMESTAMPING_RAW_HARDWARE)

struct ts_case {
	const char *name;
	uint32_t so_timestamping, rx_filters;
	enum rc_tstamp_type type;
	int ret;
	const char *needle;
};

static const struct ts_case cases[] = {
	{ "host on veth", SOFT, 0, RC_TSTAMP_HOST, 0, NULL },
	{ "adapter_unsynced on veth", SOFT, 0, RC_TSTAMP_ADAPTER_UNSYNCED, -EOPNOTSUPP,
	  "-j adapter_unsynced: veth0 cannot stamp frames in hardware" },
	{ "adapter on veth", SOFT, 0, RC_TSTAMP_ADAPTER, -EOPNOTSUPP, "software timestamps only" },
	{ "adapter_unsynced, every frame", SOFT | HARD, 1u << HWTSTAMP_FILTER_ALL,
	  RC_TSTAMP_ADAPTER_UNSYNCED, 0, NULL },
	{ "adapter_unsynced, PTP frames only", SOFT | HARD,
	  1u << HWTSTAMP_FILTER_PTP_V2_EVENT, RC_TSTAMP_ADAPTER_UNSYNCED, -EOPNOTSUPP,
	  "cannot stamp every frame" },
	{ "adapter, raw clock only", SOFT | HARD, 1u << HWTSTAMP_FILTER_ALL, RC_TSTAMP_ADAPTER,
	  -EOPNOTSUPP, "use -j adapter_unsynced" },
	{ "adapter, synchronized", SOFT | SOF_TIMESTAMPING_RX_HARDWARE |
	  SOF_TIMESTAMPING_SYS_HARDWARE, 1u << HWTSTAMP_FILTER_ALL, RC_TSTAMP_ADAPTER, 0, NULL },
};

static void test_check(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct ts_case *tc = &cases[c];
		struct ethtool_ts_info info = { .cmd = ETHTOOL_GET_TS_INFO,
						.so_timestamping = tc->so_timestamping,
						.phc_index = -1, .rx_filters = tc->rx_filters };
		char err[512] = "";

		print_message("%s\n", tc->name);
		assert_int_equal(rc_tstamp_check(&info, tc->type, "veth0", err, sizeof(err)),
				 tc->ret);
		if (tc->needle)
			assert_non_null(strstr(err, tc->needle));
		else
			assert_string_equal(err, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

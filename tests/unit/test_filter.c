// SPDX-License-Identifier: MIT
/*
 * rc_filter_cook (src/capture/filter.h): a program libpcap compiled for
 * LINUX_SLL2, rewritten for a cooked socket's kernel filter, which sees a
 * frame from its network header on.  The kernel itself runs the result in
 * tests/integration/any_and_several.sh; here, what the rewrite does to each
 * instruction, and what it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/filter.h>
#include <pcap/pcap.h>

#include "../../src/capture/filter.h"

#define SNAP 262144u

struct cook_case {
	const char *expr;
	int ret;             /* of rc_filter_cook */
	uint32_t ancillary;  /* an ancillary load the result must hold, 0 = none */
};

static const struct cook_case cases[] = {
	{ "udp port 5000", 0, SKF_AD_OFF + SKF_AD_PROTOCOL },
	{ "ip src 198.18.0.1 and tcp[13] & 2 != 0", 0, SKF_AD_OFF + SKF_AD_PROTOCOL },
	{ "inbound", 0, SKF_AD_OFF + SKF_AD_PKTTYPE },
	{ "outbound and udp", 0, SKF_AD_OFF + SKF_AD_PKTTYPE },
	{ "ifindex 7", 0, SKF_AD_OFF + SKF_AD_IFINDEX },
	{ "", 0, 0 },
	{ "len > 100", -ENOTSUP, 0 },
	{ "udp and greater 200", -ENOTSUP, 0 },
};

static void test_cook(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct cook_case *tc = &cases[c];
		struct bpf_program orig, cooked;
		bool anc = false;
		char err[256];

		assert_int_equal(rc_filter_compile(tc->expr, DLT_LINUX_SLL2, SNAP, &orig, err,
						   sizeof(err)), 0);
		assert_int_equal(rc_filter_compile(tc->expr, DLT_LINUX_SLL2, SNAP, &cooked, err,
						   sizeof(err)), 0);
		assert_int_equal(rc_filter_cook(&cooked), tc->ret);
		if (tc->ret) {
			/* refused: not touched at all */
			assert_memory_equal(orig.bf_insns, cooked.bf_insns,
					    orig.bf_len * sizeof(*orig.bf_insns));
		} else {
			for (unsigned i = 0; i < orig.bf_len; i++) {
				const struct bpf_insn *o = &orig.bf_insns[i], *n = &cooked.bf_insns[i];
				uint16_t cls = BPF_CLASS(o->code), mode = BPF_MODE(o->code);

				assert_int_equal(o->code, n->code);
				if (cls == BPF_RET && BPF_RVAL(o->code) == BPF_K) {
					/* the walker adds the 20-byte header back */
					assert_int_equal(n->k, o->k ? o->k - 20 : 0);
				} else if ((cls == BPF_LD || cls == BPF_LDX) &&
					   (mode == BPF_ABS || mode == BPF_IND || mode == BPF_MSH)) {
					if (o->k >= 20) {
						assert_int_equal(n->k, o->k - 20);
					} else {
						assert_true(n->k >= (uint32_t)SKF_AD_OFF);
						anc |= n->k == tc->ancillary;
					}
				} else {
					assert_int_equal(o->k, n->k);
				}
			}
			assert_true(anc || !tc->ancillary);
		}
		pcap_freecode(&orig);
		pcap_freecode(&cooked);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

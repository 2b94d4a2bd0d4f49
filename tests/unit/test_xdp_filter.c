// SPDX-License-Identifier: MIT
/*
 * Unit tests for the capture filter's translation to eBPF
 * (src/capture/xdp_filter.h), without privileges: what it refuses and
 * why, and the shape of what it emits (what the verifier insists on: every
 * instruction reachable, every jump forward and inside the program, an
 * exit at the end; the helpers and the map it names).  Whether the
 * translated filters give libpcap's verdicts is checked in the kernel by
 * tests/integration/afxdp_filter_translate.sh (it needs root).
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
#include <linux/filter.h>

#include "../../src/capture/filter.h"
#include "../../src/capture/xdp_filter.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#include "rc_table.h"

#define SNAPLEN 262144u
#define MAP_FD 42

static const struct rc_xdp_filter_target ret_plain = {
	.tail_map_fd = -1, .accept_ret = 2, .reject_ret = 1,
};
static const struct rc_xdp_filter_target ret_frags = {
	.frags = true, .tail_map_fd = -1, .accept_ret = 2, .reject_ret = 1,
};
static const struct rc_xdp_filter_target tails = {
	.frags = true, .tail_map_fd = MAP_FD, .accept_slot = 1, .reject_slot = 2,
};

static int translate_expr(const char *expr, const struct rc_xdp_filter_target *t,
			  struct rc_xdp_filter_code *ret, char *why, size_t whylen)
{
	struct bpf_program p;
	char err[512];
	int r;

	if (rc_filter_compile(expr, DLT_EN10MB, SNAPLEN, &p, err, sizeof(err)) < 0)
		fail_msg("libpcap: '%s': %s", expr, err);
	r = rc_xdp_filter_translate(&p, t, ret, why, whylen);
	pcap_freecode(&p);
	return r;
}

static bool is_jump(const struct rc_kernel_bpf_insn *i)
{
	uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT;
}

/* What the verifier checks before it looks at values. */
static void check_shape(const struct rc_xdp_filter_code *c)
{
	bool *seen = calloc(c->len, sizeof(*seen));

	assert_non_null(seen);
	assert_true(c->len > 0);
	assert_int_equal(c->insns[c->len - 1].code, BPF_JMP | BPF_EXIT);
	seen[0] = true;
	for (size_t i = 0; i < c->len; i++) {
		const struct rc_kernel_bpf_insn *in = &c->insns[i];
		bool wide = in->code == (BPF_LD | BPF_DW | BPF_IMM);

		if (!seen[i])
			fail_msg("instruction %zu of %zu is unreachable", i, c->len);
		if (is_jump(in)) {
			size_t to = i + 1 + (size_t)in->off;

			if (in->off < 0 || to >= c->len)
				fail_msg("instruction %zu jumps to %ld", i, (long)i + 1 + in->off);
			seen[to] = true;
			if (BPF_OP(in->code) == BPF_JA)
				continue;
		}
		if (in->code == (BPF_JMP | BPF_EXIT))
			continue;
		if (wide)
			seen[++i] = true;
		if (i + 1 < c->len)
			seen[i + 1] = true;
	}
	free(seen);
}

static unsigned calls(const struct rc_xdp_filter_code *c, int helper)
{
	unsigned n = 0;

	for (size_t i = 0; i < c->len; i++)
		n += c->insns[i].code == (BPF_JMP | BPF_CALL) && c->insns[i].imm == helper;
	return n;
}

/* ---- filters that translate ---- */

struct shape_case {
	const char *name;          /* the expression; "(none)" for "" */
	bool len_helper;           /* `len`: bpf_xdp_get_buff_len() */
	bool loads;                /* packet loads: bpf_xdp_load_bytes() with frags */
};

static const struct shape_case shape_cases[] = {
	{ "(none)", false, false },
	{ "udp dst port 5001", false, true },
	{ "vlan 7", false, true },
	{ "vlan 100 and vlan 200", false, true },
	{ "len > 100", true, false },
	{ "greater 200 and udp", true, true },
	{ "tcp[tcpflags] & tcp-syn != 0", false, true },
	{ "ip[2:2] / ip[1] > 10", false, true },
	{ "ip[0] << (ip[1] & 0x3f) > 100", false, true },
	{ "ether[8000] = 0xc3", false, true },
	{ "icmp or arp", false, true },
	{ "not ip6 and not (udp or tcp)", false, true },
	{ "ether host 02:00:00:00:00:01 and ip6", false, true },
	{ "portrange 5000-5010", false, true },
};

static void test_shape(void **state)
{
	const struct shape_case *tc = *state;
	const struct rc_xdp_filter_target *targets[] = { &ret_plain, &ret_frags, &tails };
	char why[256];

	for (size_t t = 0; t < ARRAY_SIZE(targets); t++) {
		struct rc_xdp_filter_code c;

		assert_int_equal(translate_expr(strcmp(tc->name, "(none)") ? tc->name : "", targets[t],
						&c, why, sizeof(why)), 0);
		check_shape(&c);
		assert_int_equal(calls(&c, BPF_FUNC_xdp_get_buff_len) > 0, tc->len_helper);
		/* into fragments only where frames have them */
		assert_int_equal(calls(&c, BPF_FUNC_xdp_load_bytes) > 0,
				 tc->loads && targets[t]->frags);
		if (targets[t]->tail_map_fd >= 0) {
			bool map = false;

			for (size_t i = 0; i + 1 < c.len; i++)
				if (c.insns[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
					assert_int_equal(c.insns[i].src_reg, BPF_PSEUDO_MAP_FD);
					assert_int_equal(c.insns[i].imm, MAP_FD);
					map = true;
				}
			assert_true(map);
			assert_true(calls(&c, BPF_FUNC_tail_call) >= 1);
		} else {
			assert_int_equal(calls(&c, BPF_FUNC_tail_call), 0);
		}
		rc_xdp_filter_code_free(&c);
	}
}

/* ---- filters it refuses ---- */

struct refuse_case {
	const char *name;          /* the expression */
	int r;
	const char *why;           /* part of the reason */
};

static const struct refuse_case refuse_cases[] = {
	{ "inbound", -EPROTONOSUPPORT, "the packet type" },
	{ "outbound and udp", -EPROTONOSUPPORT, "every frame an XDP program sees is inbound" },
	{ "ip6 protochain 6", -ENOTSUP, "jumps backwards" },
	{ "udp or ip protochain 17", -ENOTSUP, "protochain" },
};

static void test_refuse(void **state)
{
	const struct refuse_case *tc = *state;
	struct rc_xdp_filter_code c;
	char why[256] = "";

	assert_int_equal(translate_expr(tc->name, &tails, &c, why, sizeof(why)), tc->r);
	print_message("    why: %s\n", why);
	assert_non_null(strstr(why, tc->why));
	assert_null(c.insns);
}

/* ---- classic programs that are not valid ---- */

#define STMT(code, k) { (unsigned short)(code), 0, 0, (k) }
#define JUMP(code, k, jt, jf) { (unsigned short)(code), (jt), (jf), (k) }

struct invalid_case {
	const char *name;
	struct bpf_insn insns[4];
	unsigned len;
	int r;
	const char *why;
};

static const struct invalid_case invalid_cases[] = {
	{ "empty", { STMT(BPF_RET | BPF_K, 0) }, 0, -EINVAL, "empty" },
	{ "runs off the end", { STMT(BPF_LD | BPF_IMM, 1) }, 1, -EINVAL, "past its last" },
	{ "jumps off the end", { JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), STMT(BPF_RET | BPF_K, 0) },
	  2, -EINVAL, "past the end" },
	{ "reads M[16]", { STMT(BPF_LD | BPF_MEM, 16), STMT(BPF_RET | BPF_A, 0) }, 2, -EINVAL,
	  "M[16]" },
	{ "writes M[99]", { STMT(BPF_ST, 99), STMT(BPF_RET | BPF_K, 1) }, 2, -EINVAL, "M[99]" },
	{ "divides by 0", { STMT(BPF_ALU | BPF_DIV | BPF_K, 0), STMT(BPF_RET | BPF_A, 0) }, 2,
	  -EINVAL, "by the constant 0" },
	{ "returns X", { STMT(BPF_RET | BPF_X, 0) }, 1, -EINVAL, "return" },
	{ "shifts by 40", { STMT(BPF_ALU | BPF_LSH | BPF_K, 40), STMT(BPF_RET | BPF_A, 0) }, 2,
	  -ENOTSUP, "40 bits" },
	{ "jumps back", { STMT(BPF_LD | BPF_IMM, 1), STMT(BPF_JMP | BPF_JA, (uint32_t)-2),
			  STMT(BPF_RET | BPF_K, 0) }, 3, -ENOTSUP, "backwards" },
	{ "ancillary word", { STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_VLAN_TAG),
			      STMT(BPF_RET | BPF_A, 0) }, 2, -EPROTONOSUPPORT, "VLAN tag" },
};

static void test_invalid(void **state)
{
	const struct invalid_case *tc = *state;
	struct bpf_program p = { .bf_len = tc->len, .bf_insns = (struct bpf_insn *)tc->insns };
	struct rc_xdp_filter_code c;
	char why[256] = "";

	assert_int_equal(rc_xdp_filter_translate(&p, &tails, &c, why, sizeof(why)), tc->r);
	print_message("    why: %s\n", why);
	assert_non_null(strstr(why, tc->why));
}

/* Loads that can never succeed end their path: the code after them is
 * not emitted (the verifier would call it unreachable). */
static void test_dead_load(void **state)
{
	const struct bpf_insn insns[] = {
		STMT(BPF_LD | BPF_B | BPF_ABS, 70000),  /* past any single-buffer frame */
		STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		STMT(BPF_RET | BPF_A, 0),
	};
	struct bpf_program p = { .bf_len = 3, .bf_insns = (struct bpf_insn *)insns };
	struct rc_xdp_filter_code c;
	char why[256];

	(void)state;
	assert_int_equal(rc_xdp_filter_translate(&p, &ret_plain, &c, why, sizeof(why)), 0);
	check_shape(&c);
	/* just the reject: r0 = 1; exit, after the prologue */
	assert_int_equal(calls(&c, BPF_FUNC_xdp_load_bytes), 0);
	assert_int_equal(c.insns[c.len - 2].imm, ret_plain.reject_ret);
	rc_xdp_filter_code_free(&c);
	/* with fragments the frame may be that long */
	assert_int_equal(rc_xdp_filter_translate(&p, &ret_frags, &c, why, sizeof(why)), 0);
	check_shape(&c);
	assert_int_equal(calls(&c, BPF_FUNC_xdp_load_bytes), 1);
	rc_xdp_filter_code_free(&c);
}

int main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_dead_load),
	};
	static const struct table tables[] = {
		TABLE("translates", test_shape, shape_cases),
		TABLE("refuses", test_refuse, refuse_cases),
		TABLE("invalid", test_invalid, invalid_cases),
	};

	return run_tables("xdp_filter", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}

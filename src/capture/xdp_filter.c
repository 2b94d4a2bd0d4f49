// SPDX-License-Identifier: MIT
/*
 * Classic BPF to eBPF for ringcap's XDP program; see xdp_filter.h for the
 * meaning it keeps and what it refuses.
 *
 * Two passes over the classic program.  The first checks it and finds the
 * instructions that can run: a jump to `ret #k` becomes a jump to the
 * shared accept or reject tail, and a load that can never succeed ends its
 * path there.  The verifier refuses code that no path reaches, so only
 * those instructions are emitted.  The second pass emits them in order
 * (classic jumps only go forward, so every eBPF jump does too) and patches
 * the jump offsets at the end.
 *
 * Registers: r6 the context, r7 A, r8 X, r9 the frame's first byte; r0-r5
 * scratch (a helper call clobbers them, which is why whatever lives across
 * a load is in r6-r9).  A and X are only ever written by 32-bit
 * operations, so their upper halves are zero and the verifier knows it.
 * Stack: M[i] at fp-64+4i; the buffer of bpf_xdp_load_bytes() at fp-72.
 *
 * A packet load, when its offset can be below 64 KiB (the verifier's limit
 * for packet pointers): offset + size checked against data_end, then the
 * load straight from the frame.  When that check fails, or the offset is
 * larger: with frags, bpf_xdp_load_bytes(), which reaches into fragments
 * and fails only outside the frame; without, the frame ends at data_end
 * and the filter rejects.
 */
#include "xdp_filter.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_CTX BPF_REG_6
#define R_A BPF_REG_7
#define R_X BPF_REG_8
#define R_DATA BPF_REG_9
#define R_FP BPF_REG_10
#define M_OFF(i) ((int16_t)(-64 + 4 * (int)(i)))
#define BUF_OFF ((int16_t)-72)
#define MAX_PKT_OFF 0xffffu       /* the verifier's bound on packet pointer offsets */
#define MAX_FRAME 0x7fffffffu     /* no frame is longer; larger offsets always fail */

/* jump targets besides classic instruction indexes */
#define L_ACCEPT (-1L)
#define L_REJECT (-2L)

struct fixup {
	size_t at;
	long target;
};

struct node {
	long succ[2];
	int nsucc;
	bool reach;
	bool dies;        /* a load that fails on every frame */
};

struct gen {
	const struct rc_xdp_filter_target *t;
	const struct bpf_insn *p;
	size_t len;
	struct node *nd;
	struct rc_kernel_bpf_insn *v;
	size_t n, cap;
	struct fixup *fx;
	size_t nfx, capfx;
	size_t *start;
	bool nomem;
	bool uses_pkt, uses_mem;
};

__attribute__((format(printf, 4, 5)))
static int refuse(char *why, size_t whylen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return r;
}

static void put(struct gen *g, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct rc_kernel_bpf_insn *i;

	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		struct rc_kernel_bpf_insn *v = realloc(g->v, cap * sizeof(*v));

		if (!v) {
			g->nomem = true;
			return;
		}
		g->v = v;
		g->cap = cap;
	}
	i = &g->v[g->n++];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst & 0xf;
	i->src_reg = src & 0xf;
	i->off = off;
	i->imm = imm;
}

/* The jump at @at goes to @target (classic index or tail label), patched
 * at the end. */
static void fixup_add(struct gen *g, size_t at, long target)
{
	if (g->nomem)
		return;
	if (g->nfx == g->capfx) {
		size_t cap = g->capfx ? g->capfx * 2 : 128;
		struct fixup *f = realloc(g->fx, cap * sizeof(*f));

		if (!f) {
			g->nomem = true;
			return;
		}
		g->fx = f;
		g->capfx = cap;
	}
	g->fx[g->nfx++] = (struct fixup){ at, target };
}

static void jump_to(struct gen *g, uint8_t code, uint8_t dst, uint8_t src, int32_t imm, long target)
{
	fixup_add(g, g->n, target);
	put(g, code, dst, src, 0, imm);
}

/* A jump forward inside one instruction's code: returns where it is, for
 * land_here(). */
static size_t jump_local(struct gen *g, uint8_t code, uint8_t dst, uint8_t src, int32_t imm)
{
	size_t at = g->n;

	put(g, code, dst, src, 0, imm);
	return at;
}

static void land_here(struct gen *g, size_t at)
{
	if (!g->nomem)
		g->v[at].off = (int16_t)(g->n - at - 1);
}

static void mov64_reg(struct gen *g, uint8_t dst, uint8_t src)
{
	put(g, BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

static void mov64_imm(struct gen *g, uint8_t dst, int32_t imm)
{
	put(g, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

static void call(struct gen *g, int32_t helper)
{
	put(g, BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

/* ---- the first pass: check, find successors and what can run ---- */

static const char *ancillary_name(uint32_t k)
{
	switch (k - (uint32_t)SKF_AD_OFF) {
	case SKF_AD_PKTTYPE:
		return "the packet type (`inbound`, `outbound`): every frame an XDP program sees "
		       "is inbound";
	case SKF_AD_VLAN_TAG:
	case SKF_AD_VLAN_TAG_PRESENT:
	case SKF_AD_VLAN_TPID:
		return "the VLAN tag the kernel takes out of the frame (libpcap's code for "
		       "`vlan` on a live socket)";
	case SKF_AD_IFINDEX:
		return "the interface index (`ifindex`)";
	case SKF_AD_PROTOCOL:
		return "the kernel's protocol field";
	default:
		return "a field the kernel keeps outside the frame";
	}
}

/* Where a jump to classic instruction @t really goes. */
static long resolve(const struct gen *g, uint32_t t)
{
	const struct bpf_insn *i = &g->p[t];

	if (i->code == (BPF_RET | BPF_K))
		return i->k ? L_ACCEPT : L_REJECT;
	return (long)t;
}

/* Does a load of @size bytes at the constant offset @k fail on every frame? */
static bool load_dies(const struct gen *g, uint32_t k, unsigned size)
{
	uint64_t end = (uint64_t)k + size;

	return end > MAX_FRAME || (!g->t->frags && end > MAX_PKT_OFF);
}

static int check_one(struct gen *g, size_t pc, char *why, size_t whylen)
{
	const struct bpf_insn *i = &g->p[pc];
	struct node *nd = &g->nd[pc];
	bool last = pc + 1 == g->len;
	unsigned size;

	nd->nsucc = 0;
	switch (BPF_CLASS(i->code)) {
	case BPF_LD:
	case BPF_LDX:
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			size = BPF_SIZE(i->code) == BPF_W ? 4 : BPF_SIZE(i->code) == BPF_H ? 2 : 1;
			if (i->k >= (uint32_t)SKF_AD_OFF)
				return refuse(why, whylen, -EPROTONOSUPPORT,
					      "instruction %zu reads %s", pc, ancillary_name(i->k));
			nd->dies = load_dies(g, i->k, size);
			g->uses_pkt = true;
			break;
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			nd->dies = i->k > MAX_FRAME;
			g->uses_pkt = true;
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			nd->dies = load_dies(g, i->k, 1);
			g->uses_pkt = true;
			break;
		case BPF_LD | BPF_W | BPF_LEN:
		case BPF_LDX | BPF_W | BPF_LEN:
		case BPF_LD | BPF_IMM:
		case BPF_LDX | BPF_W | BPF_IMM:
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_W | BPF_MEM:
			if (i->k >= BPF_MEMWORDS)
				return refuse(why, whylen, -EINVAL,
					      "instruction %zu reads M[%u]", pc, i->k);
			g->uses_mem = true;
			break;
		default:
			return refuse(why, whylen, -EINVAL, "instruction %zu: unknown load 0x%02x",
				      pc, i->code);
		}
		break;
	case BPF_ST:
	case BPF_STX:
		if (i->k >= BPF_MEMWORDS)
			return refuse(why, whylen, -EINVAL, "instruction %zu writes M[%u]", pc, i->k);
		break;
	case BPF_ALU:
		switch (BPF_OP(i->code)) {
		case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND:
		case BPF_XOR: case BPF_NEG:
			break;
		case BPF_DIV:
		case BPF_MOD:
			if (BPF_SRC(i->code) == BPF_K && i->k == 0)
				return refuse(why, whylen, -EINVAL,
					      "instruction %zu divides by the constant 0", pc);
			break;
		case BPF_LSH:
		case BPF_RSH:
			if (BPF_SRC(i->code) == BPF_K && i->k >= 32)
				return refuse(why, whylen, -ENOTSUP,
					      "instruction %zu shifts by %u bits", pc, i->k);
			break;
		default:
			return refuse(why, whylen, -EINVAL, "instruction %zu: unknown operation 0x%02x",
				      pc, i->code);
		}
		break;
	case BPF_JMP:
		if (BPF_OP(i->code) == BPF_JA) {
			if ((int32_t)i->k < 0)
				return refuse(why, whylen, -ENOTSUP,
					      "instruction %zu jumps backwards (a loop, as libpcap "
					      "writes for `protochain`)", pc);
			if (i->k >= g->len - pc - 1)
				return refuse(why, whylen, -EINVAL,
					      "instruction %zu jumps past the end", pc);
			nd->succ[nd->nsucc++] = resolve(g, (uint32_t)(pc + 1 + i->k));
			return 0;
		}
		switch (BPF_OP(i->code)) {
		case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
			break;
		default:
			return refuse(why, whylen, -EINVAL, "instruction %zu: unknown jump 0x%02x",
				      pc, i->code);
		}
		if (pc + 1 + i->jt >= g->len || pc + 1 + i->jf >= g->len)
			return refuse(why, whylen, -EINVAL, "instruction %zu jumps past the end", pc);
		nd->succ[nd->nsucc++] = resolve(g, (uint32_t)(pc + 1 + i->jt));
		nd->succ[nd->nsucc++] = resolve(g, (uint32_t)(pc + 1 + i->jf));
		return 0;
	case BPF_RET:
		if (BPF_RVAL(i->code) != BPF_K && BPF_RVAL(i->code) != BPF_A)
			return refuse(why, whylen, -EINVAL, "instruction %zu: unknown return 0x%02x",
				      pc, i->code);
		return 0;
	case BPF_MISC:
		if (BPF_MISCOP(i->code) != BPF_TAX && BPF_MISCOP(i->code) != BPF_TXA)
			return refuse(why, whylen, -EINVAL, "instruction %zu: unknown 0x%02x",
				      pc, i->code);
		break;
	}
	/* an instruction that goes on to the next one */
	if (last)
		return refuse(why, whylen, -EINVAL, "the program runs past its last instruction");
	if (!nd->dies)
		nd->succ[nd->nsucc++] = (long)(pc + 1);
	return 0;
}

static int analyse(struct gen *g, char *why, size_t whylen)
{
	if (g->len == 0)
		return refuse(why, whylen, -EINVAL, "the program is empty");
	for (size_t pc = 0; pc < g->len; pc++) {
		int r = check_one(g, pc, why, whylen);

		if (r < 0)
			return r;
	}
	/* reachable: forward edges only, so one sweep in order does it */
	g->nd[0].reach = true;
	for (size_t pc = 0; pc < g->len; pc++) {
		if (!g->nd[pc].reach)
			continue;
		for (int s = 0; s < g->nd[pc].nsucc; s++)
			if (g->nd[pc].succ[s] >= 0)
				g->nd[g->nd[pc].succ[s]].reach = true;
	}
	/* what the prologue must set up: only for code that runs */
	g->uses_pkt = g->uses_mem = false;
	for (size_t pc = 0; pc < g->len; pc++) {
		const struct bpf_insn *i = &g->p[pc];

		if (!g->nd[pc].reach)
			continue;
		if ((BPF_CLASS(i->code) == BPF_LD || BPF_CLASS(i->code) == BPF_LDX) &&
		    (BPF_MODE(i->code) == BPF_ABS || BPF_MODE(i->code) == BPF_IND ||
		     BPF_MODE(i->code) == BPF_MSH) && !g->nd[pc].dies)
			g->uses_pkt = true;
		if ((BPF_CLASS(i->code) == BPF_LD || BPF_CLASS(i->code) == BPF_LDX) &&
		    BPF_MODE(i->code) == BPF_MEM)
			g->uses_mem = true;
	}
	return 0;
}

/* ---- the second pass: emit ---- */

/* The classic instruction that the code after @pc's starts, or -3 (the tails). */
static long next_emitted(const struct gen *g, size_t pc)
{
	for (size_t j = pc + 1; j < g->len; j++)
		if (g->nd[j].reach)
			return (long)j;
	return -3;
}

static void goto_unless_next(struct gen *g, long target, long next)
{
	if (target != next)
		jump_to(g, BPF_JMP | BPF_JA, 0, 0, 0, target);
}

/* Network to host order (a byte needs nothing), and ldxb's 4*(x&0xf). */
static void load_finish(struct gen *g, uint8_t dst, unsigned size, bool msh)
{
	if (size > 1)
		put(g, BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, (int32_t)size * 8);
	if (msh) {
		put(g, BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, 0xf);
		put(g, BPF_ALU | BPF_LSH | BPF_K, dst, 0, 0, 2);
	}
}

static uint8_t size_code(unsigned size)
{
	return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
}

/* A load of @size bytes into @dst from the constant offset @k, or (@ind)
 * from X + @k.  Not called for loads that die (they are a jump to reject). */
static void emit_load(struct gen *g, bool ind, uint32_t k, unsigned size, uint8_t dst, bool msh)
{
	bool fast = ind || (uint64_t)k + size <= MAX_PKT_OFF;
	size_t slow[2], nslow = 0, to_next = 0;

	if (ind) {
		/* r1 = X + k, in 64 bits (no wrap), bounded for the verifier */
		mov64_reg(g, BPF_REG_1, R_X);
		put(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, (int32_t)k);
		slow[nslow++] = jump_local(g, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_1, 0,
					   (int32_t)(MAX_PKT_OFF - size));
		mov64_reg(g, BPF_REG_2, R_DATA);
		put(g, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_2, BPF_REG_1, 0, 0);
	} else if (fast) {
		mov64_reg(g, BPF_REG_2, R_DATA);
		put(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, (int32_t)k);
	}
	if (fast) {
		/* r2 + size <= data_end: the verifier then allows the load at r2 */
		mov64_reg(g, BPF_REG_3, BPF_REG_2);
		put(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, (int32_t)size);
		put(g, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, R_CTX,
		    (int16_t)offsetof(struct xdp_md, data_end), 0);
		slow[nslow++] = jump_local(g, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_3, BPF_REG_4, 0);
		put(g, BPF_LDX | size_code(size) | BPF_MEM, dst, BPF_REG_2, 0, 0);
		load_finish(g, dst, size, msh);
	}
	if (!g->t->frags) {
		/* the frame ends at data_end: a load beyond it rejects */
		for (size_t s = 0; s < nslow; s++)
			fixup_add(g, slow[s], L_REJECT);
		return;
	}
	if (fast)
		to_next = jump_local(g, BPF_JMP | BPF_JA, 0, 0, 0);
	for (size_t s = 0; s < nslow; s++)
		land_here(g, slow[s]);
	/* bpf_xdp_load_bytes(ctx, offset, fp - 72, size): into fragments too */
	if (ind) {
		mov64_reg(g, BPF_REG_2, BPF_REG_1);
		jump_to(g, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, (int32_t)MAX_FRAME, L_REJECT);
	} else {
		mov64_imm(g, BPF_REG_2, (int32_t)k);
	}
	mov64_reg(g, BPF_REG_1, R_CTX);
	mov64_reg(g, BPF_REG_3, R_FP);
	put(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, BUF_OFF);
	mov64_imm(g, BPF_REG_4, (int32_t)size);
	call(g, BPF_FUNC_xdp_load_bytes);
	jump_to(g, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 0, L_REJECT);
	put(g, BPF_LDX | size_code(size) | BPF_MEM, dst, R_FP, BUF_OFF, 0);
	load_finish(g, dst, size, msh);
	if (fast)
		land_here(g, to_next);
}

static const uint8_t inverse_op[] = {
	[BPF_JEQ >> 4] = BPF_JNE,
	[BPF_JGT >> 4] = BPF_JLE,
	[BPF_JGE >> 4] = BPF_JLT,
};

static void emit_cond(struct gen *g, size_t pc, long next)
{
	const struct bpf_insn *i = &g->p[pc];
	const struct node *nd = &g->nd[pc];
	long t = nd->succ[0], f = nd->succ[1];
	uint8_t op = BPF_OP(i->code), src = BPF_SRC(i->code);
	uint8_t sreg = src == BPF_X ? R_X : 0;
	int32_t imm = src == BPF_K ? (int32_t)i->k : 0;

	if (t == f) {
		goto_unless_next(g, t, next);
		return;
	}
	if (t == next && op != BPF_JSET) {
		/* jump on the opposite, fall through on the condition */
		jump_to(g, BPF_JMP32 | inverse_op[op >> 4] | src, R_A, sreg, imm, f);
		return;
	}
	jump_to(g, BPF_JMP32 | op | src, R_A, sreg, imm, t);
	goto_unless_next(g, f, next);
}

static void emit_alu(struct gen *g, const struct bpf_insn *i)
{
	uint8_t op = BPF_OP(i->code);

	if (op == BPF_NEG) {
		put(g, BPF_ALU | BPF_NEG, R_A, 0, 0, 0);
		return;
	}
	if (BPF_SRC(i->code) == BPF_K) {
		put(g, BPF_ALU | op | BPF_K, R_A, 0, 0, (int32_t)i->k);
		return;
	}
	switch (op) {
	case BPF_DIV:
	case BPF_MOD:
		/* classic BPF rejects the frame; eBPF would go on with 0 or A */
		jump_to(g, BPF_JMP32 | BPF_JEQ | BPF_K, R_X, 0, 0, L_REJECT);
		put(g, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
		break;
	case BPF_LSH:
	case BPF_RSH: {
		/* libpcap: a shift by 32 or more gives 0 (eBPF would mask it) */
		size_t small = jump_local(g, BPF_JMP32 | BPF_JLT | BPF_K, R_X, 0, 32);
		size_t done;

		put(g, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
		done = jump_local(g, BPF_JMP | BPF_JA, 0, 0, 0);
		land_here(g, small);
		put(g, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
		land_here(g, done);
		break;
	}
	default:
		put(g, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
		break;
	}
}

static void emit_one(struct gen *g, size_t pc)
{
	const struct bpf_insn *i = &g->p[pc];
	const struct node *nd = &g->nd[pc];
	long next = next_emitted(g, pc);
	unsigned size = BPF_SIZE(i->code) == BPF_W ? 4 : BPF_SIZE(i->code) == BPF_H ? 2 : 1;

	if (nd->dies) {
		jump_to(g, BPF_JMP | BPF_JA, 0, 0, 0, L_REJECT);
		return;
	}
	switch (BPF_CLASS(i->code)) {
	case BPF_LD:
	case BPF_LDX: {
		/* ABS and IND load into A only, MSH into X only (checked above) */
		int dst = BPF_CLASS(i->code) == BPF_LD ? R_A : R_X;

		switch (BPF_MODE(i->code)) {
		case BPF_ABS:
			emit_load(g, false, i->k, size, R_A, false);
			break;
		case BPF_IND:
			emit_load(g, true, i->k, size, R_A, false);
			break;
		case BPF_MSH:
			emit_load(g, false, i->k, 1, R_X, true);
			break;
		case BPF_LEN:
			mov64_reg(g, BPF_REG_1, R_CTX);
			call(g, BPF_FUNC_xdp_get_buff_len);
			put(g, BPF_ALU | BPF_MOV | BPF_X, dst, BPF_REG_0, 0, 0);
			break;
		case BPF_IMM:
			put(g, BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)i->k);
			break;
		case BPF_MEM:
			put(g, BPF_LDX | BPF_W | BPF_MEM, dst, R_FP, M_OFF(i->k), 0);
			break;
		}
		break;
	}
	case BPF_ST:
		put(g, BPF_STX | BPF_W | BPF_MEM, R_FP, R_A, M_OFF(i->k), 0);
		break;
	case BPF_STX:
		put(g, BPF_STX | BPF_W | BPF_MEM, R_FP, R_X, M_OFF(i->k), 0);
		break;
	case BPF_ALU:
		emit_alu(g, i);
		break;
	case BPF_JMP:
		if (BPF_OP(i->code) == BPF_JA)
			goto_unless_next(g, nd->succ[0], next);
		else
			emit_cond(g, pc, next);
		return;
	case BPF_RET:
		if (BPF_RVAL(i->code) == BPF_K) {
			jump_to(g, BPF_JMP | BPF_JA, 0, 0, 0, i->k ? L_ACCEPT : L_REJECT);
		} else {
			jump_to(g, BPF_JMP32 | BPF_JEQ | BPF_K, R_A, 0, 0, L_REJECT);
			jump_to(g, BPF_JMP | BPF_JA, 0, 0, 0, L_ACCEPT);
		}
		return;
	case BPF_MISC:
		if (BPF_MISCOP(i->code) == BPF_TAX)
			put(g, BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
		else
			put(g, BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
		break;
	}
}

static void emit_tail(struct gen *g, bool accept)
{
	const struct rc_xdp_filter_target *t = g->t;

	if (t->tail_map_fd < 0) {
		mov64_imm(g, BPF_REG_0, accept ? t->accept_ret : t->reject_ret);
		put(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		return;
	}
	mov64_reg(g, BPF_REG_1, R_CTX);
	put(g, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2, BPF_PSEUDO_MAP_FD, 0, t->tail_map_fd);
	put(g, 0, 0, 0, 0, 0);
	mov64_imm(g, BPF_REG_3, (int32_t)(accept ? t->accept_slot : t->reject_slot));
	call(g, BPF_FUNC_tail_call);
	/* only when the slot is empty: the frame goes on to the stack */
	mov64_imm(g, BPF_REG_0, XDP_PASS);
	put(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int emit(struct gen *g, char *why, size_t whylen)
{
	size_t at_accept = 0, at_reject = 0;
	bool want_accept = false, want_reject = false;

	mov64_reg(g, R_CTX, BPF_REG_1);
	put(g, BPF_ALU | BPF_MOV | BPF_K, R_A, 0, 0, 0);
	put(g, BPF_ALU | BPF_MOV | BPF_K, R_X, 0, 0, 0);
	if (g->uses_pkt)
		put(g, BPF_LDX | BPF_W | BPF_MEM, R_DATA, R_CTX,
		    (int16_t)offsetof(struct xdp_md, data), 0);
	if (g->uses_mem)
		for (int w = 0; w < BPF_MEMWORDS; w += 2)
			put(g, BPF_ST | BPF_DW | BPF_MEM, R_FP, 0, M_OFF(w), 0);
	for (size_t pc = 0; pc < g->len; pc++) {
		g->start[pc] = g->n;
		if (g->nd[pc].reach)
			emit_one(g, pc);
	}
	for (size_t f = 0; f < g->nfx; f++) {
		want_accept |= g->fx[f].target == L_ACCEPT;
		want_reject |= g->fx[f].target == L_REJECT;
	}
	if (want_accept) {
		at_accept = g->n;
		emit_tail(g, true);
	}
	if (want_reject) {
		at_reject = g->n;
		emit_tail(g, false);
	}
	if (g->nomem)
		return -ENOMEM;
	for (size_t f = 0; f < g->nfx; f++) {
		long target = g->fx[f].target;
		size_t dest = target == L_ACCEPT ? at_accept :
			      target == L_REJECT ? at_reject : g->start[target];
		long off = (long)dest - (long)g->fx[f].at - 1;

		if (off > INT16_MAX)
			return refuse(why, whylen, -ENOTSUP,
				      "the translated program needs jumps longer than eBPF's "
				      "(%zu instructions from %zu classic ones)", g->n, g->len);
		g->v[g->fx[f].at].off = (int16_t)off;
	}
	return 0;
}

int rc_xdp_filter_translate(const struct bpf_program *prog, const struct rc_xdp_filter_target *t,
			    struct rc_xdp_filter_code *ret, char *why, size_t whylen)
{
	struct gen g = { .t = t, .p = prog->bf_insns, .len = prog->bf_len };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (why && whylen)
		why[0] = '\0';
	g.nd = calloc(g.len ? g.len : 1, sizeof(*g.nd));
	g.start = calloc(g.len ? g.len : 1, sizeof(*g.start));
	if (!g.nd || !g.start) {
		r = -ENOMEM;
		goto out;
	}
	r = analyse(&g, why, whylen);
	if (r == 0)
		r = emit(&g, why, whylen);
	if (r == 0) {
		ret->insns = g.v;
		ret->len = g.n;
		g.v = NULL;
	}
out:
	free(g.nd);
	free(g.start);
	free(g.fx);
	free(g.v);
	return r;
}

void rc_xdp_filter_code_free(struct rc_xdp_filter_code *c)
{
	if (!c)
		return;
	free(c->insns);
	c->insns = NULL;
	c->len = 0;
}

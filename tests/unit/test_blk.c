// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Block requests against a VM's share and RAM (dataplane/blk_check.c), and PRP building
 * (kernel/drivers/nvme.c): page boundaries, lists, refusals, and fuzzed requests. */
#include <stdio.h>
#include <string.h>

#include "test.h"

#include "dataplane/blk.h"
#include "kernel/lib/err.h"

#define PG 4096ULL

static const struct blk_share share = { .nsid = 1, .lba_shift = 9, .start = 1000, .count = 4096 };
static const struct blk_mem mem = { .ipa = 0x40000000, .size = 32 << 20, .pa = 0x88000000 };

static struct blk_req req(uint8_t op, uint64_t lba, uint32_t count, uint64_t buf)
{
	return (struct blk_req){ .tag = 7, .op = op, .count = count, .lba = lba, .buf = buf };
}

static enum blk_status check(struct blk_req r, struct blk_cmd *c)
{
	return blk_check(&r, &share, &mem, 128, c);
}

static void test_check_read_translates(void)
{
	struct blk_cmd c;

	CHECK_EQ_U64(check(req(BLK_OP_READ, 10, 8, 0x40001000), &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_READ);
	CHECK_EQ_U64(c.slba, 1010); /* relative to the share */
	CHECK_EQ_U64(c.nlb, 8);
	CHECK_EQ_U64(c.pa, 0x88001000);
	CHECK_EQ_U64(c.bytes, 4096);
	CHECK_EQ_U64(c.nsid, 1);
	CHECK_EQ_U64(check(req(BLK_OP_WRITE, 4095, 1, 0x40000000 + (32 << 20) - 512), &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_WRITE);
	CHECK_EQ_U64(c.slba, 1000 + 4095);
}

static void test_check_range(void)
{
	struct blk_cmd c;

	CHECK_EQ_U64(check(req(BLK_OP_READ, 4096, 1, 0x40000000), &c), BLK_E_RANGE);
	CHECK_EQ_U64(check(req(BLK_OP_READ, 4090, 8, 0x40000000), &c), BLK_E_RANGE);
	CHECK_EQ_U64(check(req(BLK_OP_READ, ~0ULL - 2, 8, 0x40000000), &c), BLK_E_RANGE);
	CHECK_EQ_U64(check(req(BLK_OP_READ, 0, 0, 0x40000000), &c), BLK_E_RANGE);
	CHECK_EQ_U64(check(req(BLK_OP_WRITE_ZEROES, 4000, 97, 0), &c), BLK_E_RANGE);
	CHECK_EQ_U64(check(req(BLK_OP_DISCARD, 0, 4096, 0), &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_DSM);
	CHECK_EQ_U64(c.slba, 1000);
	CHECK_EQ_U64(c.nlb, 4096);
	CHECK_EQ_U64(check(req(BLK_OP_READ, 0, 129, 0x40000000), &c), BLK_E_SIZE);
}

static void test_check_buffer(void)
{
	struct blk_cmd c;

	CHECK_EQ_U64(check(req(BLK_OP_READ, 0, 1, 0x3ffffe00), &c), BLK_E_BUF);	 /* below */
	CHECK_EQ_U64(check(req(BLK_OP_READ, 0, 1, 0x3fffff00), &c), BLK_E_BUF);	 /* straddles */
	CHECK_EQ_U64(check(req(BLK_OP_READ, 0, 2, 0x41fffe00), &c), BLK_E_BUF);	 /* past end */
	CHECK_EQ_U64(check(req(BLK_OP_READ, 0, 1, 0x09000000), &c), BLK_E_BUF);	 /* MMIO */
	CHECK_EQ_U64(check(req(BLK_OP_READ, 0, 8, ~0ULL - 100), &c), BLK_E_BUF); /* wraps */
	CHECK_EQ_U64(check(req(BLK_OP_WRITE, 0, 1, 0x40000002), &c), BLK_E_BUF); /* align */
	CHECK_EQ_U64(check(req(BLK_OP_WRITE, 0, 1, 0x40000004), &c), BLK_OK);
}

static void test_check_malformed(void)
{
	struct blk_cmd c;
	struct blk_req r = req(BLK_OP_READ, 0, 1, 0x40000000);

	CHECK_EQ_U64(check(req(0, 0, 1, 0x40000000), &c), BLK_E_OP);
	CHECK_EQ_U64(check(req(6, 0, 1, 0x40000000), &c), BLK_E_OP);
	CHECK_EQ_U64(check(req(255, 0, 1, 0x40000000), &c), BLK_E_OP);
	r.flags = 1;
	CHECK_EQ_U64(check(r, &c), BLK_E_OP);
	r.flags = 0;
	r.rsvd = 0x100;
	CHECK_EQ_U64(check(r, &c), BLK_E_OP);
	CHECK_EQ_U64(check(req(BLK_OP_FLUSH, 0, 0, 0), &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_FLUSH);
	CHECK_EQ_U64(c.pa, 0);
}

static uint64_t list[64] __attribute__((aligned(512)));

static void test_prp_single_and_two_pages(void)
{
	uint64_t p1, p2;

	CHECK_EQ_U64(nvme_prp_build(0x80000000, 4096, list, 0x1000, 64, &p1, &p2), 0);
	CHECK_EQ_U64(p1, 0x80000000);
	CHECK_EQ_U64(p2, 0);
	/* 512 bytes at the end of a page: one page. */
	CHECK_EQ_U64(nvme_prp_build(0x80000e00, 512, list, 0x1000, 64, &p1, &p2), 0);
	CHECK_EQ_U64(p2, 0);
	/* 4 KiB from an offset: crosses into the next page, PRP2 is that page. */
	CHECK_EQ_U64(nvme_prp_build(0x80000e00, 4096, list, 0x1000, 64, &p1, &p2), 0);
	CHECK_EQ_U64(p1, 0x80000e00);
	CHECK_EQ_U64(p2, 0x80001000);
	/* Exactly two aligned pages. */
	CHECK_EQ_U64(nvme_prp_build(0x80000000, 8192, list, 0x1000, 64, &p1, &p2), 0);
	CHECK_EQ_U64(p2, 0x80001000);
}

static void test_prp_lists(void)
{
	uint64_t p1, p2;

	/* 8 KiB from an offset spans three pages: a list of two. */
	memset(list, 0xa5, sizeof(list));
	CHECK_EQ_U64(nvme_prp_build(0x80000200, 8192, list, 0x7000, 64, &p1, &p2), 2);
	CHECK_EQ_U64(p1, 0x80000200);
	CHECK_EQ_U64(p2, 0x7000);
	CHECK_EQ_U64(list[0], 0x80001000);
	CHECK_EQ_U64(list[1], 0x80002000);
	/* 256 KiB aligned: PRP1 + 63 entries, the whole list. */
	CHECK_EQ_U64(nvme_prp_build(0x80000000, 64 * PG, list, 0x7000, 64, &p1, &p2), 63);
	CHECK_EQ_U64(list[62], 0x80000000 + 63 * PG);
	/* 256 KiB from an offset: 65 pages, PRP1 and a full list of 64; 4 bytes more do not fit. */
	CHECK_EQ_U64(nvme_prp_build(0x80000004, 64 * PG, list, 0x7000, 64, &p1, &p2), 64);
	CHECK_EQ_U64(list[63], 0x80000000 + 64 * PG);
	CHECK_EQ_U64(nvme_prp_build(0x80000004, 64 * PG + 4093, list, 0x7000, 64, &p1, &p2),
		     E_RANGE);
	/* A list slot that would cross a page is refused (no chaining). */
	CHECK_EQ_U64(nvme_prp_build(0x80000000, 16 * PG, list, 0x7e00, 64, &p1, &p2), 15);
	CHECK_EQ_U64(nvme_prp_build(0x80000000, 16 * PG, list, 0x7e08, 64, &p1, &p2), E_INVAL);
	CHECK_EQ_U64(nvme_prp_build(0x80000000, 16 * PG, list, 0x7004, 64, &p1, &p2), E_INVAL);
	/* Misaligned, empty, wrapping. */
	CHECK_EQ_U64(nvme_prp_build(0x80000002, 512, list, 0x7000, 64, &p1, &p2), E_INVAL);
	CHECK_EQ_U64(nvme_prp_build(0x80000000, 0, list, 0x7000, 64, &p1, &p2), E_INVAL);
	CHECK_EQ_U64(nvme_prp_build(~0ULL - 0xfff, 2 * PG, list, 0x7000, 64, &p1, &p2), E_INVAL);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Pick a field value near the interesting edges, or anything. */
static uint64_t edgy(uint64_t edge)
{
	switch (next() % 4) {
	case 0:
		return edge + next() % 16 - 8;
	case 1:
		return next() % (edge + 1);
	case 2:
		return next();
	default:
		return next() % 64;
	}
}

/* Whatever a guest writes: an accepted request stays in its share and RAM, and its PRPs
 * describe exactly its buffer. */
static void test_fuzz(void)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < 200000; i++) {
		struct blk_req r = {
			.tag = next(),
			.op = (uint8_t)(next() % 8),
			.flags = next() % 16 ? 0 : (uint8_t)next(),
			.count = (uint32_t)edgy(130),
			.lba = edgy(share.count),
			.buf = mem.ipa + edgy(mem.size) - (next() % 2 ? 0 : edgy(mem.ipa)),
		};
		struct blk_cmd c;
		uint64_t p1, p2, covered;
		int n;

		if (blk_check(&r, &share, &mem, 128, &c) != BLK_OK)
			continue;
		ok++;
		if (r.op == BLK_OP_FLUSH)
			continue;
		CHECK(c.slba >= share.start && c.nlb >= 1 &&
		      c.slba + c.nlb <= share.start + share.count);
		if (!c.pa)
			continue;
		CHECK(c.pa >= mem.pa && c.pa + c.bytes <= mem.pa + mem.size);
		CHECK_EQ_U64(c.bytes, (uint64_t)c.nlb << share.lba_shift);
		n = nvme_prp_build(c.pa, c.bytes, list, 0x7000, 64, &p1, &p2);
		CHECK(n >= 0);
		if (n < 0)
			continue;
		CHECK_EQ_U64(p1, c.pa);
		covered = PG - (c.pa & (PG - 1));
		if (n == 0 && p2) {
			CHECK_EQ_U64(p2, (c.pa & ~(PG - 1)) + PG);
			covered += PG;
		}
		for (int k = 0; k < n; k++) {
			CHECK_EQ_U64(list[k], (c.pa & ~(PG - 1)) + (uint64_t)(k + 1) * PG);
			covered += PG;
		}
		CHECK(covered >= c.bytes && covered - c.bytes < PG);
		if (test_failures_in_case)
			break;
	}
	CHECK(ok > 1000); /* the fuzzer reaches the accepting paths too */
}

int main(void)
{
	RUN(test_check_read_translates);
	RUN(test_check_range);
	RUN(test_check_buffer);
	RUN(test_check_malformed);
	RUN(test_prp_single_and_two_pages);
	RUN(test_prp_lists);
	RUN(test_fuzz);
	return TEST_SUMMARY();
}

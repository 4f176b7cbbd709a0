// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the zero map (mm/zmap.c) on the fake hardware layer: which blocks a range
 * marks (whole blocks only) and forgets (every block it touches), what the memory map's hook
 * does for tracked and untracked owners, RAM past the span, and reads of never-owned blocks.
 */
#define _GNU_SOURCE /* mmap()'s MAP_FIXED_NOREPLACE and MAP_ANONYMOUS */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "fake.h"
#include "mm/zmap.h"
#include "test.h"

#define MiB	 (1ULL << 20)
#define RAM_BASE 0x50000000ULL
#define RAM_SIZE (16 * MiB)

static uint8_t *ram;

static void setup(void)
{
	if (!ram) {
		ram = mmap((void *)(uintptr_t)RAM_BASE, RAM_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (ram != (uint8_t *)(uintptr_t)RAM_BASE) {
			fprintf(stderr, "cannot map the test's RAM\n");
			exit(1);
		}
	}
	fake_reset();
	memset(ram, 0, RAM_SIZE);
	zmap_init(RAM_BASE, RAM_SIZE);
}

static uint64_t known_zero(void)
{
	uint64_t zero, unseen;

	zmap_counts(&zero, &unseen);
	return zero;
}

static void test_whole_blocks_marked_touched_blocks_forgotten(void)
{
	setup();
	CHECK_EQ_U64(known_zero(), 0);
	CHECK(!zmap_is_clean(RAM_BASE, 4096));
	/* 1.5 MiB from half a block in: only the one whole block it covers. */
	zmap_mark_clean(RAM_BASE + MiB / 2, 3 * MiB / 2);
	CHECK_EQ_U64(known_zero(), MiB);
	CHECK(zmap_is_clean(RAM_BASE + MiB, MiB));
	CHECK(zmap_is_clean(RAM_BASE + MiB + 4096, 4096));
	CHECK(!zmap_is_clean(RAM_BASE + MiB / 2, MiB));
	/* One page of it forgotten: the whole block goes. */
	zmap_mark_clean(RAM_BASE, 4 * MiB);
	zmap_forget(RAM_BASE + 2 * MiB - 4096, 8192);
	CHECK(zmap_is_clean(RAM_BASE, MiB));
	CHECK(!zmap_is_clean(RAM_BASE + MiB, 4096));
	CHECK(!zmap_is_clean(RAM_BASE + 2 * MiB, 4096));
	CHECK(zmap_is_clean(RAM_BASE + 3 * MiB, MiB));
	/* Outside the span: never clean, and marks there change nothing. */
	zmap_mark_clean(RAM_BASE + RAM_SIZE, 4 * MiB);
	zmap_mark_clean(RAM_BASE - 4 * MiB, 4 * MiB);
	CHECK_EQ_U64(known_zero(), 2 * MiB);
	CHECK(!zmap_is_clean(RAM_BASE + RAM_SIZE, MiB));
	CHECK(!zmap_is_clean(RAM_BASE - MiB, 2 * MiB));
	CHECK(!zmap_is_clean(RAM_BASE, 0));
}

static void test_memory_map_hook(void)
{
	setup();
	zmap_mark_clean(RAM_BASE, 8 * MiB);
	/* VM RAM keeps what is known, taken and given back. */
	zmap_pmem_change(RAM_BASE, 2 * MiB, true, true);
	zmap_pmem_change(RAM_BASE, 2 * MiB, false, true);
	CHECK(zmap_is_clean(RAM_BASE, 2 * MiB));
	/* Any other owner may write it: taken, or given back, it is unknown. */
	zmap_pmem_change(RAM_BASE + 2 * MiB, 4096, true, false);
	CHECK(!zmap_is_clean(RAM_BASE + 2 * MiB, MiB));
	zmap_pmem_change(RAM_BASE + 4 * MiB, MiB, false, false);
	CHECK(!zmap_is_clean(RAM_BASE + 4 * MiB, MiB));
	CHECK_EQ_U64(known_zero(), 6 * MiB);
}

static void test_reads_of_never_owned_blocks(void)
{
	uint64_t zero, unseen, pa;

	setup();
	ram[5 * MiB + 12345] = 1; /* a loader's byte */
	/* Only whole free blocks are read; the half block at the start is not. */
	zmap_unseen(RAM_BASE + MiB / 2, 8 * MiB);
	zmap_counts(&zero, &unseen);
	CHECK_EQ_U64(unseen, 7 * MiB);
	while (zmap_check_some())
		;
	zmap_counts(&zero, &unseen);
	CHECK_EQ_U64(unseen, 0);
	CHECK_EQ_U64(zero, 6 * MiB);
	CHECK(!zmap_is_clean(RAM_BASE + 5 * MiB, MiB));
	CHECK(ram[5 * MiB + 12345] == 1);
	CHECK_EQ_U64(fake_count(FAKE_DC, "zva"), 0);
	/* Each block that read zero was cleaned to the PoC for a guest with its MMU off. */
	CHECK(fake_find_arg(0, FAKE_DC, "cvac", RAM_BASE + MiB) >= 0);
	CHECK(fake_find_arg(0, FAKE_DC, "cvac", RAM_BASE + 5 * MiB) < 0);
	/* A read under way when its block is taken by another owner counts for nothing. */
	zmap_unseen(RAM_BASE + 10 * MiB, MiB);
	CHECK(zmap_check_claim(&pa));
	CHECK_EQ_U64(pa, RAM_BASE + 10 * MiB);
	zmap_pmem_change(RAM_BASE + 10 * MiB, 4096, true, false);
	zmap_check_done(pa, true);
	CHECK(!zmap_is_clean(pa, MiB));
	/* A block taken before it is read is not read at all. */
	zmap_unseen(RAM_BASE + 11 * MiB, MiB);
	zmap_pmem_change(RAM_BASE + 11 * MiB, MiB, true, true);
	CHECK(!zmap_check_claim(&pa));
}

int main(void)
{
	RUN(test_whole_blocks_marked_touched_blocks_forgotten);
	RUN(test_memory_map_hook);
	RUN(test_reads_of_never_owned_blocks);
	return TEST_SUMMARY();
}

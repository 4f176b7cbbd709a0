// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of kernel/lib/elf.c: well-formed AArch64 executables (one and several PT_LOAD
 * segments, a virtual entry point translated to the physical load address), each malformed
 * header or segment refused with its reason (truncated files, wrong class, machine or type,
 * segments past the file's end, overlapping, wrapping around, too many), and random mutations of
 * a good file parsed under ASan from a buffer of exactly the file's length: never a read
 * outside it, and whatever is accepted is consistent.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/elf.h"
#include "test.h"

#define FILE_MAX 4096

struct seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An ELF64 AArch64 executable: header, program headers at 64, segment bytes as given. */
static uint64_t make_elf(uint8_t *b, uint64_t entry, const struct seg *s, unsigned int n)
{
	uint64_t end = 64 + 56ULL * n;

	memset(b, 0, FILE_MAX);
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	b[4] = 2;	     /* ELFCLASS64 */
	b[5] = 1;	     /* ELFDATA2LSB */
	b[6] = 1;	     /* EV_CURRENT */
	put(b + 16, 2, 2);   /* ET_EXEC */
	put(b + 18, 183, 2); /* EM_AARCH64 */
	put(b + 20, 1, 4);
	put(b + 24, entry, 8);
	put(b + 32, 64, 8); /* e_phoff */
	put(b + 52, 64, 2);
	put(b + 54, 56, 2);
	put(b + 56, n, 2);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *ph = b + 64 + 56 * i;

		put(ph, s[i].type, 4);
		put(ph + 4, s[i].flags, 4);
		put(ph + 8, s[i].offset, 8);
		put(ph + 16, s[i].vaddr, 8);
		put(ph + 24, s[i].paddr, 8);
		put(ph + 32, s[i].filesz, 8);
		put(ph + 40, s[i].memsz, 8);
		if (s[i].type == 1 && s[i].offset + s[i].filesz <= FILE_MAX &&
		    s[i].offset + s[i].filesz > end)
			end = s[i].offset + s[i].filesz;
	}
	return end;
}

static const struct seg text = { 1, 5, 0x200, 0x40000000, 0x40000000, 0x300, 0x1000 };

/* Parse from a heap copy of exactly 'len' bytes, so ASan sees any read past the end. */
static int parse(const uint8_t *b, uint64_t len, struct elf_image *img, struct err_why *why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	CHECK(copy != NULL);
	memcpy(copy, b, len);
	*why = (struct err_why){ 0 };
	ret = elf_parse(copy, len, img, why);
	free(copy);
	return ret;
}

static void test_one_segment(void)
{
	uint8_t b[FILE_MAX];
	struct elf_image img;
	struct err_why why;
	uint64_t len = make_elf(b, 0x40000000, &text, 1);

	CHECK(elf_is_elf(b, len));
	CHECK_EQ_U64(parse(b, len, &img, &why), 0);
	CHECK_EQ_U64(img.n_loads, 1);
	CHECK_EQ_U64(img.entry, 0x40000000);
	CHECK_EQ_U64(img.load[0].paddr, 0x40000000);
	CHECK_EQ_U64(img.load[0].filesz, 0x300);
	CHECK_EQ_U64(img.load[0].memsz, 0x1000);
	CHECK_EQ_U64(img.file_end, 0x500);
}

static void test_segments_sorted_and_entry_translated(void)
{
	/* Linked to run at a high virtual address, loaded low; the PT_NOTE is skipped. */
	const struct seg s[3] = {
		{ 1, 6, 0x800, 0xffff000000100000, 0x40100000, 0x100, 0x2000 },
		{ 4, 4, 0x900, 0, 0, 0x10, 0x10 },
		{ 1, 5, 0x400, 0xffff000000000000, 0x40000000, 0x400, 0x400 },
	};
	uint8_t b[FILE_MAX];
	struct elf_image img;
	struct err_why why;
	uint64_t len = make_elf(b, 0xffff000000000040, s, 3);

	CHECK_EQ_U64(parse(b, len, &img, &why), 0);
	CHECK_EQ_U64(img.n_loads, 2);
	CHECK_EQ_U64(img.load[0].paddr, 0x40000000);
	CHECK_EQ_U64(img.load[1].paddr, 0x40100000);
	CHECK_EQ_U64(img.entry, 0x40000040);
	CHECK_EQ_U64(img.file_end, 0x900);
}

static void refused(const uint8_t *b, uint64_t len, int err, const char *reason)
{
	struct elf_image img;
	struct err_why why;

	CHECK_EQ_U64(parse(b, len, &img, &why), err);
	if (!strstr(why.msg, reason))
		fprintf(stderr, "  reason \"%s\" lacks \"%s\"\n", why.msg, reason);
	CHECK(strstr(why.msg, reason) != NULL);
}

static void test_bad_headers(void)
{
	uint8_t b[FILE_MAX];
	uint64_t len = make_elf(b, 0x40000000, &text, 1);

	refused(b, 63, E_INVAL, "no ELF header"); /* truncated inside the header */
	refused(b, 0, E_INVAL, "no ELF header");
	b[1] = 'X';
	refused(b, len, E_INVAL, "no ELF header");
	make_elf(b, 0x40000000, &text, 1);
	b[4] = 1; /* ELFCLASS32 */
	refused(b, len, E_INVAL, "64-bit little-endian");
	make_elf(b, 0x40000000, &text, 1);
	b[5] = 2; /* big-endian */
	refused(b, len, E_INVAL, "64-bit little-endian");
	make_elf(b, 0x40000000, &text, 1);
	put(b + 18, 62, 2); /* x86-64 */
	refused(b, len, E_INVAL, "e_machine 62 is not AArch64");
	make_elf(b, 0x40000000, &text, 1);
	put(b + 16, 3, 2); /* ET_DYN */
	refused(b, len, E_INVAL, "e_type 3 is not an executable");
	make_elf(b, 0x40000000, &text, 1);
	put(b + 54, 32, 2);
	refused(b, len, E_INVAL, "e_phentsize 32");
	make_elf(b, 0x40000000, &text, 1);
	put(b + 56, 0, 2);
	refused(b, len, E_RANGE, "0 program headers");
	make_elf(b, 0x40000000, &text, 1);
	put(b + 56, 0xffff, 2); /* PN_XNUM and beyond */
	refused(b, len, E_RANGE, "65535 program headers");
	make_elf(b, 0x40000000, &text, 1);
	refused(b, 64 + 55, E_RANGE, "program headers at 0x40 past the file's end");
	put(b + 32, UINT64_MAX - 8, 8); /* e_phoff that wraps */
	refused(b, len, E_RANGE, "past the file's end");
}

static void test_bad_segments(void)
{
	uint8_t b[FILE_MAX];
	struct seg s[9];
	uint64_t len;

	s[0] = text;
	s[0].filesz = 0x2000; /* more file than memory */
	len = make_elf(b, 0x40000000, s, 1);
	refused(b, len, E_INVAL, "p_filesz 0x2000 > p_memsz 0x1000");
	/* Truncated: the segment's bytes end past the file. */
	len = make_elf(b, 0x40000000, &text, 1);
	refused(b, len - 1, E_RANGE, "past the file's end");
	/* A huge offset whose sum with p_filesz wraps. */
	s[0] = text;
	s[0].offset = UINT64_MAX - 0x10;
	make_elf(b, 0x40000000, s, 1);
	refused(b, len, E_RANGE, "past the file's end");
	/* A huge size: the segment wraps around the address space. */
	s[0] = text;
	s[0].memsz = UINT64_MAX - 0x1000;
	len = make_elf(b, 0x40000000, s, 1);
	refused(b, len, E_RANGE, "wrap around");
	/* Two loads that share an address. */
	s[0] = text;
	s[1] = text;
	s[1].paddr = s[1].vaddr = 0x40000800;
	len = make_elf(b, 0x40000000, s, 2);
	refused(b, len, E_RANGE, "overlaps another PT_LOAD segment (0x40000000-0x40001000)");
	/* Nine loads, one too many. */
	for (unsigned int i = 0; i < 9; i++) {
		s[i] = text;
		s[i].paddr = s[i].vaddr = 0x40000000 + 0x1000ULL * i;
	}
	len = make_elf(b, 0x40000000, s, 9);
	refused(b, len, E_RANGE, "more than 8 PT_LOAD segments");
	/* Nothing to load, or an entry point outside what is loaded. */
	s[0] = text;
	s[0].type = 4;
	len = make_elf(b, 0x40000000, s, 1);
	refused(b, len, E_INVAL, "no PT_LOAD segment");
	len = make_elf(b, 0x40000300, &text, 1); /* in p_memsz, past p_filesz: zeros */
	refused(b, len, E_RANGE, "entry point 0x40000300 is in no PT_LOAD");
}

static uint32_t rng = 0x2545f491;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_fuzzed(void)
{
	const struct seg s[2] = { text, { 1, 6, 0x600, 0x40010000, 0x40010000, 0x80, 0x4000 } };
	unsigned int accepted = 0, rejected = 0;
	uint8_t good[FILE_MAX], b[FILE_MAX];
	uint64_t good_len = make_elf(good, 0x40000010, s, 2);

	for (unsigned int iter = 0; iter < 20000; iter++) {
		uint64_t len = good_len;
		struct elf_image img;
		struct err_why why;

		memcpy(b, good, sizeof(b));
		/* Flip a few bytes in the headers, and sometimes cut the file short. */
		for (unsigned int k = next_rand() % 4 + 1; k; k--)
			b[next_rand() % (64 + 56 * 2)] ^= (uint8_t)(1u << (next_rand() % 8));
		if (next_rand() % 4 == 0)
			len = next_rand() % good_len;
		if (parse(b, len, &img, &why)) {
			CHECK(why.msg[0] != '\0');
			rejected++;
			continue;
		}
		accepted++;
		CHECK(img.n_loads >= 1 && img.n_loads <= ELF_MAX_LOADS);
		CHECK(img.file_end <= len);
		for (unsigned int i = 0; i < img.n_loads; i++) {
			const struct elf_load *l = &img.load[i];

			CHECK(l->filesz <= l->memsz);
			CHECK(l->offset <= len && l->filesz <= len - l->offset);
			CHECK(l->paddr + l->memsz >= l->paddr);
			if (i)
				CHECK(img.load[i - 1].paddr + img.load[i - 1].memsz <= l->paddr);
		}
	}
	/* Both outcomes were reached: the mutations are neither all harmless nor all fatal. */
	CHECK(accepted > 100);
	CHECK(rejected > 100);
}

int main(void)
{
	RUN(test_one_segment);
	RUN(test_segments_sorted_and_entry_translated);
	RUN(test_bad_headers);
	RUN(test_bad_segments);
	RUN(test_fuzzed);
	return TEST_SUMMARY();
}

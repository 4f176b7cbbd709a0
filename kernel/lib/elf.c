// SPDX-License-Identifier: BSD-2-Clause-Patent
/* ELF64 AArch64 executables: header and program headers checked against the file (elf.h). */
#include "kernel/lib/elf.h"

/* System V gABI, "ELF Header" and "Program Header". */
#define EI_CLASS    4
#define EI_DATA	    5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC	    2
#define EM_AARCH64  183 /* ELF for the Arm 64-bit Architecture, "ELF Identification" */
#define EHDR_SIZE   64
#define PHDR_SIZE   56
#define PT_LOAD	    1
#define E_TYPE	    16 /* field offsets in the ELF64 header */
#define E_MACHINE   18
#define E_VERSION   20
#define E_ENTRY	    24
#define E_PHOFF	    32
#define E_EHSIZE    52
#define E_PHENTSIZE 54
#define E_PHNUM	    56
#define P_TYPE	    0 /* ... and in an ELF64 program header */
#define P_FLAGS	    4
#define P_OFFSET    8
#define P_VADDR	    16
#define P_PADDR	    24
#define P_FILESZ    32
#define P_MEMSZ	    40

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

bool elf_is_elf(const void *buf, uint64_t len)
{
	const uint8_t *b = buf;

	return len >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
}

/* [a, a + as) and [b, b + bs) share a byte (neither wraps: checked before). */
static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

static int parse_load(const uint8_t *ph, uint64_t len, unsigned int idx, struct elf_load *l,
		      struct err_why *why)
{
	*l = (struct elf_load){
		.flags = (uint32_t)le(ph + P_FLAGS, 4),
		.offset = le(ph + P_OFFSET, 8),
		.vaddr = le(ph + P_VADDR, 8),
		.paddr = le(ph + P_PADDR, 8),
		.filesz = le(ph + P_FILESZ, 8),
		.memsz = le(ph + P_MEMSZ, 8),
	};
	if (l->filesz > l->memsz)
		return err_fail(why, E_INVAL, "program header %u: p_filesz 0x%llx > p_memsz 0x%llx",
				idx, (unsigned long long)l->filesz, (unsigned long long)l->memsz);
	if (l->offset > len || l->filesz > len - l->offset)
		return err_fail(why, E_RANGE,
				"program header %u: file bytes 0x%llx+0x%llx past the file's end "
				"(0x%llx)",
				idx, (unsigned long long)l->offset, (unsigned long long)l->filesz,
				(unsigned long long)len);
	if (l->paddr + l->memsz < l->paddr || l->vaddr + l->memsz < l->vaddr)
		return err_fail(why, E_RANGE,
				"program header %u: 0x%llx bytes at 0x%llx wrap around", idx,
				(unsigned long long)l->memsz, (unsigned long long)l->paddr);
	return 0;
}

/* Keep the loads sorted by paddr; refuse two that share an address. */
static int add_load(struct elf_image *img, const struct elf_load *l, unsigned int idx,
		    struct err_why *why)
{
	unsigned int i = img->n_loads;

	if (img->n_loads >= ELF_MAX_LOADS)
		return err_fail(why, E_RANGE, "more than %u PT_LOAD segments", ELF_MAX_LOADS);
	for (unsigned int k = 0; k < img->n_loads; k++)
		if (overlap(l->paddr, l->memsz, img->load[k].paddr, img->load[k].memsz))
			return err_fail(
				why, E_RANGE,
				"program header %u: 0x%llx-0x%llx overlaps another "
				"PT_LOAD segment (0x%llx-0x%llx)",
				idx, (unsigned long long)l->paddr,
				(unsigned long long)(l->paddr + l->memsz),
				(unsigned long long)img->load[k].paddr,
				(unsigned long long)(img->load[k].paddr + img->load[k].memsz));
	for (; i > 0 && img->load[i - 1].paddr > l->paddr; i--)
		img->load[i] = img->load[i - 1];
	img->load[i] = *l;
	img->n_loads++;
	if (l->offset + l->filesz > img->file_end)
		img->file_end = l->offset + l->filesz;
	return 0;
}

/* e_entry is a virtual address: the load whose virtual range holds it says where it lands. */
static int find_entry(struct elf_image *img, uint64_t entry, struct err_why *why)
{
	for (unsigned int i = 0; i < img->n_loads; i++) {
		const struct elf_load *l = &img->load[i];

		if (entry >= l->vaddr && entry - l->vaddr < l->filesz) {
			img->entry = entry - l->vaddr + l->paddr;
			return 0;
		}
	}
	return err_fail(why, E_RANGE, "entry point 0x%llx is in no PT_LOAD segment's file bytes",
			(unsigned long long)entry);
}

int elf_parse(const void *buf, uint64_t len, struct elf_image *out, struct err_why *why)
{
	const uint8_t *b = buf;
	uint64_t phoff, phnum;
	int ret;

	*out = (struct elf_image){ 0 };
	if (len < EHDR_SIZE || !elf_is_elf(buf, len))
		return err_fail(why, E_INVAL, "no ELF header");
	if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB || b[EI_VERSION] != EV_CURRENT ||
	    le(b + E_VERSION, 4) != EV_CURRENT)
		return err_fail(why, E_INVAL, "not a 64-bit little-endian ELF (version 1)");
	if (le(b + E_MACHINE, 2) != EM_AARCH64)
		return err_fail(why, E_INVAL, "e_machine %u is not AArch64 (183)",
				(unsigned int)le(b + E_MACHINE, 2));
	if (le(b + E_TYPE, 2) != ET_EXEC)
		return err_fail(why, E_INVAL, "e_type %u is not an executable (ET_EXEC)",
				(unsigned int)le(b + E_TYPE, 2));
	if (le(b + E_EHSIZE, 2) < EHDR_SIZE || le(b + E_PHENTSIZE, 2) != PHDR_SIZE)
		return err_fail(why, E_INVAL, "e_ehsize %u or e_phentsize %u is wrong",
				(unsigned int)le(b + E_EHSIZE, 2),
				(unsigned int)le(b + E_PHENTSIZE, 2));
	phoff = le(b + E_PHOFF, 8);
	phnum = le(b + E_PHNUM, 2);
	if (!phnum || phnum > ELF_MAX_PHDRS)
		return err_fail(why, E_RANGE, "%llu program headers (1 to %u)",
				(unsigned long long)phnum, ELF_MAX_PHDRS);
	if (phoff > len || phnum * PHDR_SIZE > len - phoff)
		return err_fail(why, E_RANGE,
				"program headers at 0x%llx past the file's end (0x%llx)",
				(unsigned long long)phoff, (unsigned long long)len);
	out->file_end = phoff + phnum * PHDR_SIZE;
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (uint64_t)i * PHDR_SIZE;
		struct elf_load l;

		if (le(ph + P_TYPE, 4) != PT_LOAD)
			continue;
		ret = parse_load(ph, len, i, &l, why);
		if (!ret && l.memsz)
			ret = add_load(out, &l, i, why);
		if (ret)
			return ret;
	}
	if (!out->n_loads)
		return err_fail(why, E_INVAL, "no PT_LOAD segment");
	return find_entry(out, le(b + E_ENTRY, 8), why);
}

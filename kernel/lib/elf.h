/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * ELF64 executables for AArch64 (System V gABI, "ELF for the Arm 64-bit Architecture"): the
 * header and program headers of a file held in memory, checked against the file's length, so a
 * loader copies its PT_LOAD segments where they ask to be. Portable: tested on the host.
 */
#ifndef KERNEL_LIB_ELF_H
#define KERNEL_LIB_ELF_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/err.h"

#define ELF_MAX_LOADS 8	 /* PT_LOAD segments a kernel may have */
#define ELF_MAX_PHDRS 64 /* program headers looked at (a vmlinux has a handful) */

struct elf_load {
	uint64_t offset; /* in the file */
	uint64_t filesz; /* bytes copied from the file */
	uint64_t memsz;	 /* bytes it occupies; past filesz it reads zero */
	uint64_t paddr;	 /* where it is loaded (QEMU's -kernel uses the physical address too) */
	uint64_t vaddr;
	uint32_t flags; /* PF_X, PF_W, PF_R */
};

struct elf_image {
	uint64_t entry; /* the entry point as a physical address (e_entry translated by its load) */
	unsigned int n_loads;
	struct elf_load load[ELF_MAX_LOADS]; /* by ascending paddr */
	uint64_t file_end;		     /* bytes of the file the headers and loads need */
};

/* The file starts with the ELF magic ("\x7fELF"). */
bool elf_is_elf(const void *buf, uint64_t len);
/*
 * Parse the ELF64 little-endian AArch64 executable of 'len' bytes at 'buf'. 0 with *out filled,
 * or E_INVAL (not such an ELF, a malformed header) / E_RANGE (something lies past the file's
 * end, overflows, overlaps another segment, or there are too many) with the reason in 'why'.
 */
int elf_parse(const void *buf, uint64_t len, struct elf_image *out, struct err_why *why);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Macros and constants shared by the assembly files. */
#ifndef BOOT_ASM_H
#define BOOT_ASM_H

#ifdef __ASSEMBLER__
/* Address of a symbol, PC-relative, within +/- 4 GiB: works before and after relocation. */
/* Assembler syntax, not C: */
/* clang-format off */
.macro adr_l, reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm
/* clang-format on */
#endif

#define R_AARCH64_RELATIVE 1027
#define BOOT_STACK_SIZE	   (16 * 1024)

/* Register fields (SCTLR_EL2_RES1, SPSR_EL1H_MASKED, ...): one definition for C and assembly. */
#include "kernel/arch/sysregs.h"

/* Offsets in struct mmu_boot_regs (mm/mmu.h), checked there with _Static_assert. */
#define MMU_REGS_MAIR  0
#define MMU_REGS_TCR   8
#define MMU_REGS_TTBR0 16
#define MMU_REGS_SCTLR 24

#endif

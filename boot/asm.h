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

/*
 * After an ERET the core may speculate into the next instructions with EL2's context: stop it.
 * These instructions are never executed architecturally. SB is the barrier made for this where
 * FEAT_SB exists; DSB NSH; ISB stops speculation on every core. SB is an unallocated encoding
 * before Armv8.5 (UNDEFINED if ever executed, which it never is), so both are placed and each
 * core heeds the barrier it implements: no runtime choice is needed on a path that only
 * speculation reaches.
 */
.macro eret_sb
	eret
	.inst	0xd50330ff		/* SB, as its encoding: any -march assembles it */
	dsb	nsh
	isb
.endm
/* clang-format on */
#endif

#define R_AARCH64_RELATIVE 1027

/*
 * EL2 stacks, one per CPU (kernel/smp.c smp_stacks; the boot CPU's is slot 0). Each 16 KiB
 * stack is the upper half of a slot aligned to its own 32 KiB size, so bit STACK_SHIFT of an
 * SP on it is 1: boot/vectors.S tests that bit with no register to spare. Under the stack an
 * unmapped guard page (mm/mmu.c) makes an overflow fault; the rest of the slot below it is the
 * stack the overflow report runs on.
 */
#define STACK_SHIFT	    14
#define STACK_SIZE	    (1 << STACK_SHIFT)
#define STACK_SLOT_SIZE	    (2 * STACK_SIZE)
#define STACK_GUARD_SIZE    4096
#define STACK_GUARD_OFFSET  (STACK_SIZE - STACK_GUARD_SIZE) /* from the slot's base */
#define STACK_OVERFLOW_SIZE STACK_GUARD_OFFSET		    /* the report's stack, at the base */

/* Register fields (SCTLR_EL2_RES1, SPSR_EL1H_MASKED, ...): one definition for C and assembly. */
#include "kernel/arch/sysregs.h"

/* Offsets in struct mmu_boot_regs (mm/mmu.h), checked there with _Static_assert. */
#define MMU_REGS_MAIR  0
#define MMU_REGS_TCR   8
#define MMU_REGS_TTBR0 16
#define MMU_REGS_SCTLR 24

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * guest_enter(entry, x0): drop to EL1h at 'entry' with x0 = 'x0' and every other general
 * register zero (Linux booting.rst: x1-x3 must be 0), interrupts masked, as after a reset.
 */
#include "boot/asm.h"
#include "kernel/exception.h"

	.text
	.globl	guest_enter
guest_enter:
	msr	elr_el2, x0
	mov	x2, #SPSR_EL1H_MASKED	/* SPSR: EL1h (M = 0b0101) with D, A, I, F set */
	msr	spsr_el2, x2
	mov	x0, x1
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	mov	x4, xzr
	mov	x5, xzr
	mov	x6, xzr
	mov	x7, xzr
	mov	x8, xzr
	mov	x9, xzr
	mov	x10, xzr
	mov	x11, xzr
	mov	x12, xzr
	mov	x13, xzr
	mov	x14, xzr
	mov	x15, xzr
	mov	x16, xzr
	mov	x17, xzr
	mov	x18, xzr
	mov	x19, xzr
	mov	x20, xzr
	mov	x21, xzr
	mov	x22, xzr
	mov	x23, xzr
	mov	x24, xzr
	mov	x25, xzr
	mov	x26, xzr
	mov	x27, xzr
	mov	x28, xzr
	mov	x29, xzr
	mov	x30, xzr
	eret

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Entering a guest and coming back (Linux nVHE hyp/entry.S, Bao exceptions.S):
 * guest_enter(v) keeps the host's callee-saved registers on the EL2 stack, loads the vCPU's
 * registers from struct vcpu and ERETs; the lower-EL vectors (boot/vectors.S) branch to
 * guest_exit, which saves the guest's registers into the same struct vcpu and calls
 * vcpu_exit() (kernel/vmm/vcpu.c) on the stack below the host's frame. When the exit is handled
 * and the vCPU goes back in, the guest's registers are loaded again and it is re-entered at
 * once: the host's registers are neither restored nor saved again, and no C frame is left or
 * rebuilt between two entries (the exit fast path, docs/ARCHITECTURE.md). Only when the vCPU
 * must leave does guest_enter() return.
 */
#include "boot/asm.h"
#include "kernel/vmm/vcpu.h"

/*
 * void guest_enter(struct vcpu *v): run v, handing each exit to vcpu_exit(v, code) with the
 * vector slot (8-15) that took it, ORed with VCPU_EXIT_SERROR when an SError was pending as the
 * guest left; return when vcpu_exit() says the vCPU must not go back in.
 */
	.text
	.globl	guest_enter
guest_enter:
	/* Host frame: x19-x30 by the AAPCS64, and v for guest_exit to find. */
	stp	x29, x30, [sp, #-VCPU_HOST_FRAME]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	str	x0, [sp, #VCPU_HOST_FRAME_VCPU]

	/* x0 = v: (re-)enter the guest with the registers in struct vcpu. */
guest_resume:
	ldp	x1, x2, [x0, #VCPU_REGS_ELR]	/* ELR_EL2 and SPSR_EL2 are adjacent */
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #VCPU_REGS_X + 16]
	ldp	x4, x5, [x0, #VCPU_REGS_X + 32]
	ldp	x6, x7, [x0, #VCPU_REGS_X + 48]
	ldp	x8, x9, [x0, #VCPU_REGS_X + 64]
	ldp	x10, x11, [x0, #VCPU_REGS_X + 80]
	ldp	x12, x13, [x0, #VCPU_REGS_X + 96]
	ldp	x14, x15, [x0, #VCPU_REGS_X + 112]
	ldp	x16, x17, [x0, #VCPU_REGS_X + 128]
	ldp	x18, x19, [x0, #VCPU_REGS_X + 144]
	ldp	x20, x21, [x0, #VCPU_REGS_X + 160]
	ldp	x22, x23, [x0, #VCPU_REGS_X + 176]
	ldp	x24, x25, [x0, #VCPU_REGS_X + 192]
	ldp	x26, x27, [x0, #VCPU_REGS_X + 208]
	ldp	x28, x29, [x0, #VCPU_REGS_X + 224]
	ldr	x30, [x0, #VCPU_REGS_X + 240]
	ldp	x0, x1, [x0, #VCPU_REGS_X + 0]	/* x0 last: it held the address */
	eret_sb

/*
 * Entered from a lower-EL vector slot with SP where guest_enter() left it, the guest's x0 and
 * x1 pushed below that, x0 = v and x1 = the slot number.
 */
	.globl	guest_exit
guest_exit:
	stp	x2, x3, [x0, #VCPU_REGS_X + 16]
	stp	x4, x5, [x0, #VCPU_REGS_X + 32]
	stp	x6, x7, [x0, #VCPU_REGS_X + 48]
	stp	x8, x9, [x0, #VCPU_REGS_X + 64]
	stp	x10, x11, [x0, #VCPU_REGS_X + 80]
	stp	x12, x13, [x0, #VCPU_REGS_X + 96]
	stp	x14, x15, [x0, #VCPU_REGS_X + 112]
	stp	x16, x17, [x0, #VCPU_REGS_X + 128]
	stp	x18, x19, [x0, #VCPU_REGS_X + 144]
	stp	x20, x21, [x0, #VCPU_REGS_X + 160]
	stp	x22, x23, [x0, #VCPU_REGS_X + 176]
	stp	x24, x25, [x0, #VCPU_REGS_X + 192]
	stp	x26, x27, [x0, #VCPU_REGS_X + 208]
	stp	x28, x29, [x0, #VCPU_REGS_X + 224]
	ldp	x2, x3, [sp], #16		/* the guest's x0 and x1, pushed by the vector */
	stp	x2, x3, [x0, #VCPU_REGS_X + 0]
	mrs	x2, elr_el2
	stp	x30, x2, [x0, #VCPU_REGS_X + 240]	/* x30 and ELR are adjacent */
	mrs	x2, spsr_el2
	mrs	x3, esr_el2
	stp	x2, x3, [x0, #VCPU_REGS_SPSR]
	mrs	x2, far_el2
	mrs	x3, hpfar_el2
	stp	x2, x3, [x0, #VCPU_REGS_FAR]

	ldr	x2, [x0, #VCPU_EXIT_RAS]
	mov	x19, x0				/* v: x19 survives the C call; the guest's is saved */
	mov	x0, x1				/* the exit code: the slot */

	/*
	 * An SError the guest caused must be charged to it, not to whatever runs next on this
	 * CPU. With FEAT_RAS the ESB at the vector (PSTATE.A masked since the exception) deferred
	 * any pending SError into DISR_EL1: read and clear it.
	 */
	cbz	x2, 1f
	mrs	x2, S3_0_C12_C1_1		/* DISR_EL1 */
	cbnz	x2, 3f
	b	4f
1:	/*
	 * Without RAS: complete the guest's outstanding accesses (DSB SY), then look at
	 * ISR_EL1.A after an ISB so the read is not taken early. If one is pending, unmask
	 * SErrors for one instruction: the exception is taken there, at EL2, and el2_exception()
	 * recognises the window and sets VCPU_EXIT_SERROR in x0 (Linux __guest_exit does this).
	 */
	dsb	sy
	isb
	mrs	x2, isr_el1
	tbz	x2, #ISR_EL1_A_SHIFT, 4f	/* ISR_EL1.A */
	msr	daifclr, #4			/* PSTATE.A = 0 */
	.globl	guest_exit_serror_start
guest_exit_serror_start:
	isb					/* the SError is taken here at the latest */
	.globl	guest_exit_serror_end
guest_exit_serror_end:
	msr	daifset, #4
	b	4f
3:	msr	S3_0_C12_C1_1, xzr		/* DISR_EL1: consumed */
	orr	x0, x0, #VCPU_EXIT_SERROR

	/*
	 * Handle the exit in C, on the stack below the host's frame (SP is back where
	 * guest_enter() left it). vcpu_exit() is true when the vCPU goes back in: re-enter
	 * straight away, the host's registers still in their frame.
	 */
4:	mov	w1, w0
	mov	x0, x19
	bl	vcpu_exit
	cbz	w0, 5f
	mov	x0, x19
	b	guest_resume

	/* The vCPU leaves: back to vcpu_run() with the host's registers. */
5:	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #VCPU_HOST_FRAME
	ret

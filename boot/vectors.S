/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * EL2 exception vectors (VBAR_EL2). An exception taken at EL2 saves the whole register file
 * into a struct exc_frame on SP_EL2 and calls el2_exception(frame, slot); on return the frame,
 * possibly edited by C (ELR_EL2, SPSR_EL2, x0-x30), is restored and we ERET. An exception from
 * a guest is a guest exit instead: boot/guest.S saves its registers into its struct vcpu and
 * returns from guest_enter().
 */
#include "boot/asm.h"
#include "kernel/exception.h"
#include "kernel/vmm/vcpu.h"

/*
 * One 128-byte slot; the build fails if the code outgrows it. With 'stack', the slot first
 * checks that the frame lands on this CPU's stack (boot/asm.h: bit STACK_SHIFT of SP is 1 there,
 * 0 in the guard page and below) without a free register, as Linux's kernel_ventry does: an
 * overflow faulted in the guard page, and pushing a frame there would fault again, forever.
 */
.macro vector slot, stack=0
	.balign	0x80
.Lvec_\slot\():
	sub	sp, sp, #EXC_FRAME_SIZE
	.if	\stack
	add	sp, sp, x0			/* sp' = sp + x0 */
	sub	x0, sp, x0			/* x0' = sp */
	tbz	x0, #STACK_SHIFT, stack_overflow
	sub	x0, sp, x0			/* x0 again */
	sub	sp, sp, x0			/* sp again */
	.endif
	stp	x0, x1, [sp, #EXC_FRAME_X + 0]
	mov	x1, #\slot
	b	vector_common
	.if	(. - .Lvec_\slot) > 0x80
	.error	"vector slot \slot overflows 128 bytes"
	.endif
.endm

/*
 * A slot for exceptions from the guest. ESB first (a NOP without FEAT_RAS): with PSTATE.A
 * masked by the exception, it defers an SError the guest left pending into DISR_EL1, which
 * guest_exit reads. SP is where guest_enter() left it; the vCPU is in its frame.
 */
.macro guest_vector slot
	.balign	0x80
.Lvec_\slot\():
	hint	#16				/* ESB */
	stp	x0, x1, [sp, #-16]!
	ldr	x0, [sp, #16 + VCPU_HOST_FRAME_VCPU]
	mov	x1, #\slot
	b	guest_exit
	.if	(. - .Lvec_\slot) > 0x80
	.error	"vector slot \slot overflows 128 bytes"
	.endif
.endm

	.section .text.vectors, "ax"
	.balign	0x800			/* VBAR_EL2 bits 10:0 are RES0 */
	.globl	el2_vectors
el2_vectors:
	vector	0			/* current EL, SP_EL0: synchronous */
	vector	1			/* IRQ */
	vector	2			/* FIQ */
	vector	3			/* SError */
	vector	4, 1			/* current EL, SP_ELx: synchronous */
	vector	5, 1			/* IRQ */
	vector	6, 1			/* FIQ */
	vector	7, 1			/* SError */
	guest_vector 8			/* lower EL, AArch64: synchronous */
	guest_vector 9			/* IRQ */
	guest_vector 10			/* FIQ */
	guest_vector 11			/* SError */
	guest_vector 12			/* lower EL, AArch32 (guest EL0) */
	guest_vector 13
	guest_vector 14
	guest_vector 15

vector_common:
	stp	x2, x3, [sp, #EXC_FRAME_X + 16]
	stp	x4, x5, [sp, #EXC_FRAME_X + 32]
	stp	x6, x7, [sp, #EXC_FRAME_X + 48]
	stp	x8, x9, [sp, #EXC_FRAME_X + 64]
	stp	x10, x11, [sp, #EXC_FRAME_X + 80]
	stp	x12, x13, [sp, #EXC_FRAME_X + 96]
	stp	x14, x15, [sp, #EXC_FRAME_X + 112]
	stp	x16, x17, [sp, #EXC_FRAME_X + 128]
	stp	x18, x19, [sp, #EXC_FRAME_X + 144]
	stp	x20, x21, [sp, #EXC_FRAME_X + 160]
	stp	x22, x23, [sp, #EXC_FRAME_X + 176]
	stp	x24, x25, [sp, #EXC_FRAME_X + 192]
	stp	x26, x27, [sp, #EXC_FRAME_X + 208]
	stp	x28, x29, [sp, #EXC_FRAME_X + 224]
	add	x2, sp, #EXC_FRAME_SIZE	/* SP as it was when the exception was taken */
	stp	x30, x2, [sp, #EXC_FRAME_X + 240]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [sp, #EXC_FRAME_ELR]
	mrs	x2, esr_el2
	mrs	x3, far_el2
	stp	x2, x3, [sp, #EXC_FRAME_ESR]

	mov	x0, sp
	bl	el2_exception

	/* ELR/SPSR from the frame: the handler may have chosen where to resume. */
	ldp	x2, x3, [sp, #EXC_FRAME_ELR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x0, x1, [sp, #EXC_FRAME_X + 0]
	ldp	x2, x3, [sp, #EXC_FRAME_X + 16]
	ldp	x4, x5, [sp, #EXC_FRAME_X + 32]
	ldp	x6, x7, [sp, #EXC_FRAME_X + 48]
	ldp	x8, x9, [sp, #EXC_FRAME_X + 64]
	ldp	x10, x11, [sp, #EXC_FRAME_X + 80]
	ldp	x12, x13, [sp, #EXC_FRAME_X + 96]
	ldp	x14, x15, [sp, #EXC_FRAME_X + 112]
	ldp	x16, x17, [sp, #EXC_FRAME_X + 128]
	ldp	x18, x19, [sp, #EXC_FRAME_X + 144]
	ldp	x20, x21, [sp, #EXC_FRAME_X + 160]
	ldp	x22, x23, [sp, #EXC_FRAME_X + 176]
	ldp	x24, x25, [sp, #EXC_FRAME_X + 192]
	ldp	x26, x27, [sp, #EXC_FRAME_X + 208]
	ldp	x28, x29, [sp, #EXC_FRAME_X + 224]
	ldr	x30, [sp, #EXC_FRAME_X + 240]
	add	sp, sp, #EXC_FRAME_SIZE
	eret_sb

/*
 * The SP in x0 is off this CPU's stack: report on the overflow stack at the base of the same
 * slot, below the guard page, and park. Nothing here returns, so nothing more is saved.
 */
stack_overflow:
	and	x1, x0, #~(STACK_SLOT_SIZE - 1)	/* the slot's base */
	add	sp, x1, #STACK_OVERFLOW_SIZE
	mrs	x1, elr_el2
	mrs	x2, far_el2
	mrs	x3, esr_el2
	bl	el2_stack_overflow		/* does not return */
	b	park

/*
 * int exc_setjmp(struct exc_jmpbuf *jb): save x19-x30 and sp; returns 0, or the value passed
 * to exc_longjmp when that resumes here.
 */
	.text
	.globl	exc_setjmp
exc_setjmp:
	stp	x19, x20, [x0, #0]
	stp	x21, x22, [x0, #16]
	stp	x23, x24, [x0, #32]
	stp	x25, x26, [x0, #48]
	stp	x27, x28, [x0, #64]
	stp	x29, x30, [x0, #80]
	mov	x2, sp
	str	x2, [x0, #96]
	mov	w0, #0
	ret

	.globl	exc_longjmp
exc_longjmp:
	ldp	x19, x20, [x0, #0]
	ldp	x21, x22, [x0, #16]
	ldp	x23, x24, [x0, #32]
	ldp	x25, x26, [x0, #48]
	ldp	x27, x28, [x0, #64]
	ldp	x29, x30, [x0, #80]
	ldr	x2, [x0, #96]
	mov	sp, x2
	cmp	w1, #0
	csinc	w0, w1, wzr, ne		/* never return 0 from a longjmp */
	ret

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Test-guest entry: an arm64 Image header, a stack per vCPU, an EL1 vector table whose
 * synchronous handler lets C record the fault and skip the faulting instruction.
 */
#define STACK_SIZE 8192
#define MAX_CPUS 8

	.section .text.head, "ax"
	.globl	_start
_start:
	b	primary
	.long	0
	.quad	__text_offset		/* guest.ld */
	.quad	__image_size
	.quad	(1 << 1)		/* little-endian, 4 KiB pages */
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.long	0

primary:
	mov	x19, x0			/* DTB */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, #0
	bl	setup_cpu
	mov	x0, x19
	bl	guest_main
	b	.

	.globl	secondary_start
secondary_start:
	mov	x19, x0			/* context: our vCPU number */
	mov	x0, x19
	bl	setup_cpu
	mov	x0, x19
	bl	guest_secondary
	b	.

/* x0 = cpu index: stack, vectors. */
setup_cpu:
	adrp	x1, stacks
	add	x1, x1, :lo12:stacks
	add	x0, x0, #1
	mov	x2, #STACK_SIZE
	madd	x1, x0, x2, x1
	mov	sp, x1
	adrp	x1, vectors
	add	x1, x1, :lo12:vectors
	msr	vbar_el1, x1
	isb
	ret

/* Every vector: save x0-x30 and call guest_exception(esr, elr, far, kind); it may move ELR. */
.macro vec kind
	.balign	0x80
	sub	sp, sp, #256
	stp	x0, x1, [sp, #0]
	mov	x1, #\kind
	b	vec_common
.endm

	.balign	0x800
vectors:
	vec 0
	vec 1
	vec 2
	vec 3
	vec 4
	vec 5
	vec 6
	vec 7
	vec 8
	vec 9
	vec 10
	vec 11
	vec 12
	vec 13
	vec 14
	vec 15

vec_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x29, x30, [sp, #160]
	mov	x3, x1
	mrs	x0, esr_el1
	mrs	x1, elr_el1
	mrs	x2, far_el1
	bl	guest_exception		/* returns the address to resume at */
	msr	elr_el1, x0
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x29, x30, [sp, #160]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #256
	eret

	.bss
	.balign	16
stacks:
	.space	STACK_SIZE * (MAX_CPUS + 1)

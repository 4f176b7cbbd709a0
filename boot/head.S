/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Entry point: the arm64 Image header (Linux Documentation/arch/arm64/booting.rst), then the
 * primary CPU's path to C. Entered with the MMU off and x0 = physical address of the DTB.
 * The image is linked at 0 as a position-independent executable and relocates itself, so a
 * loader may place it at any 4 KiB-aligned address (QEMU -kernel, U-Boot booti).
 */
#include "boot/asm.h"

	.section .text.head, "ax"
	.globl	_start
_start:
	/* code0/code1: a branch over the header, as the protocol requires. */
	b	primary_entry
	.long	0
	.quad	0			/* text_offset: load at a 2 MiB-aligned base + 0 */
	.quad	__image_size		/* image_size: from _start to the end of .bss */
	.quad	IMAGE_FLAGS		/* flags: little-endian, 4 KiB pages */
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5: no PE/COFF header */

/* Image header flags: bit 0 = 0 (LE), bits 2:1 = 1 (4 KiB page size), bit 3 = 0. */
	.set	IMAGE_FLAGS, (1 << 1)

primary_entry:
	mov	x19, x0			/* keep the DTB pointer across the calls below */

	/*
	 * Only one CPU may take the primary path. The boot protocol enters only the boot CPU
	 * here, but a loader that releases every CPU into the image (spin-table style) must not
	 * run two hypervisors: later arrivals park in the holding pen. A plain load/store is
	 * enough because nothing else is running yet; exclusives would not work anyway with the
	 * MMU off (all data accesses are Device memory then).
	 */
	adr_l	x1, boot_primary_claimed
	ldr	w2, [x1]
	cbnz	w2, holding_pen
	mov	w2, #1
	str	w2, [x1]

	/* Apply R_AARCH64_RELATIVE relocations for the address we were actually loaded at. */
	adr_l	x0, _start		/* load address == link address + offset (link base is 0) */
	adr_l	x1, __rela_start
	adr_l	x2, __rela_end
1:	cmp	x1, x2
	b.hs	2f
	ldp	x3, x4, [x1], #16	/* r_offset, r_info */
	ldr	x5, [x1], #8		/* r_addend */
	cmp	w4, #R_AARCH64_RELATIVE
	b.ne	1b			/* nothing else is emitted for a static PIE */
	add	x5, x5, x0
	str	x5, [x3, x0]
	b	1b
2:
	/* Zero .bss (the stacks live there, so this comes before any call). */
	adr_l	x1, __bss_start
	adr_l	x2, __bss_end
3:	cmp	x1, x2
	b.hs	4f
	stp	xzr, xzr, [x1], #16
	b	3b
4:
	mrs	x1, CurrentEL
	ubfx	x1, x1, #2, #2
	cmp	x1, #2
	b.ne	wrong_el

	/* EL2: known SCTLR_EL2 (MMU and caches off, little-endian, RES1 bits set). */
	ldr	x2, =SCTLR_EL2_RES1
	msr	sctlr_el2, x2
	isb				/* the new SCTLR_EL2 applies before the next instruction */

	msr	spsel, #1		/* run on SP_EL2, never SP_EL0 */
	msr	tpidr_el2, xzr		/* UNKNOWN at reset; C reads 0 as "per-CPU data not set up" */
	adr_l	x2, smp_stacks + STACK_SLOT_SIZE	/* CPU 0's stack: the top of slot 0 */
	mov	sp, x2

	adr_l	x2, el2_vectors
	msr	vbar_el2, x2
	isb				/* vectors in place before anything can fault */

	mov	x29, xzr		/* end of the frame-record chain for backtraces */
	mov	x30, xzr
	mov	x0, x19
	bl	boot_main		/* does not return */
	b	park

wrong_el:
	/*
	 * Entered at EL1 (a loader that dropped to EL1, or QEMU without virtualization=on) or
	 * at EL3. We cannot be a hypervisor here: say so on the console the DTB names, then park.
	 */
	msr	spsel, #1
	adr_l	x2, smp_stacks + STACK_SLOT_SIZE
	mov	sp, x2
	mov	x0, x19
	bl	boot_wrong_el		/* does not return */
	b	park

/*
 * Secondary CPUs, started by PSCI CPU_ON with x0 = their index. The boot CPU has already
 * relocated the image, built the page tables and cleaned mmu_boot_regs and smp_stack_tops to
 * the Point of Coherency, so they can be read here with the MMU (and so the caches) off.
 * The MMU goes on before the first store, so no non-cacheable write can be shadowed later by
 * a stale cache line.
 */
	.globl	secondary_entry
secondary_entry:
	mov	x19, x0
	ldr	x2, =SCTLR_EL2_RES1
	msr	sctlr_el2, x2
	isb
	adr_l	x1, mmu_boot_regs
	ldp	x2, x3, [x1, #MMU_REGS_MAIR]	/* MAIR_EL2, TCR_EL2 */
	ldp	x4, x5, [x1, #MMU_REGS_TTBR0]	/* TTBR0_EL2, SCTLR_EL2 */
	msr	mair_el2, x2
	msr	tcr_el2, x3
	msr	ttbr0_el2, x4
	tlbi	alle2			/* nothing left from firmware in this CPU's TLB */
	dsb	nsh			/* TLBI complete (local) before the MMU is enabled */
	isb				/* MAIR/TCR/TTBR0 in force before SCTLR_EL2.M */
	msr	sctlr_el2, x5
	isb				/* following fetches use the MMU */
	msr	spsel, #1
	adr_l	x1, smp_stack_tops
	ldr	x2, [x1, x19, lsl #3]
	mov	sp, x2
	adr_l	x2, el2_vectors
	msr	vbar_el2, x2
	isb
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19
	bl	secondary_main		/* does not return */
	b	park

holding_pen:
	/* Wait for a release address; WFE is woken by the SEV that comes with the release. */
	adr_l	x1, boot_secondary_release
1:	wfe
	ldr	x2, [x1]
	cbz	x2, 1b
	br	x2

	.globl	park
park:
	wfi
	b	park

	.section .data
	.balign	8
	.globl	boot_primary_claimed
boot_primary_claimed:
	.long	0
	.balign	8
	.globl	boot_secondary_release
boot_secondary_release:
	.quad	0

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
	/*
	 * code0: its bytes begin with "MZ", the DOS signature a PE/COFF loader looks for (as in
	 * Linux's Image). As an instruction it is CCMP X18, #0, #0xd, PL: it only sets the
	 * condition flags, which nothing reads, so a loader that jumps here falls through to code1.
	 */
	.inst	0xfa405a4d
	b	primary_entry		/* code1: the boot protocol's branch over the header */
	.quad	0			/* text_offset: load at a 2 MiB-aligned base + 0 */
	.quad	__image_size		/* image_size: from _start to the end of .bss */
	.quad	IMAGE_FLAGS		/* flags: little-endian, 4 KiB pages */
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	pe_header - _start	/* res5: the PE header's offset (e_lfanew at 0x3c) */

/* Image header flags: bit 0 = 0 (LE), bits 2:1 = 1 (4 KiB page size), bit 3 = 0. */
	.set	IMAGE_FLAGS, (1 << 1)

/*
 * The PE/COFF header (Microsoft PE format specification; UEFI 2.10 section 2.1.1) that makes
 * the same file an EFI application. One section covers everything from the first page to the
 * end of .bss: a UEFI loader places the file at a page-aligned address with the layout the
 * flat image has, so `_start` and every link-time offset mean the same thing on both paths.
 * The image relocates itself (efi_pe_entry), so the base relocation directory is empty and
 * ImageBase is 0, as in Linux's Image. Every value is a difference of symbols: no absolute
 * relocation in a position-independent image.
 */
	.balign	8
pe_header:
	.ascii	"PE\0\0"
	/* COFF file header */
	.short	0xaa64			/* Machine: IMAGE_FILE_MACHINE_ARM64 */
	.short	1			/* NumberOfSections */
	.long	0			/* TimeDateStamp */
	.long	0			/* PointerToSymbolTable */
	.long	0			/* NumberOfSymbols */
	.short	pe_sections - pe_opt_header	/* SizeOfOptionalHeader */
	.short	0x0206			/* EXECUTABLE_IMAGE | LINE_NUMS_STRIPPED | DEBUG_STRIPPED */
pe_opt_header:
	.short	0x020b			/* Magic: PE32+ */
	.byte	0, 0			/* linker version */
	.long	__pe_file_end - pe_text	/* SizeOfCode */
	.long	0			/* SizeOfInitializedData: inside the one section */
	.long	__pe_bss_size		/* SizeOfUninitializedData: .bss and padding */
	.long	efi_pe_entry - _start	/* AddressOfEntryPoint */
	.long	pe_text - _start	/* BaseOfCode */
	.quad	0			/* ImageBase */
	.long	PE_SECTION_ALIGN	/* SectionAlignment */
	.long	PE_FILE_ALIGN		/* FileAlignment */
	.short	0, 0			/* Major/MinorOperatingSystemVersion */
	.short	0, 0			/* Major/MinorImageVersion */
	.short	0, 0			/* Major/MinorSubsystemVersion */
	.long	0			/* Win32VersionValue */
	.long	__image_end - _start	/* SizeOfImage: a multiple of SectionAlignment */
	.long	pe_text - _start	/* SizeOfHeaders: a multiple of FileAlignment */
	.long	0			/* CheckSum */
	.short	10			/* Subsystem: IMAGE_SUBSYSTEM_EFI_APPLICATION */
	.short	0			/* DllCharacteristics */
	.quad	0, 0, 0, 0		/* stack and heap reserve/commit: unused by UEFI */
	.long	0			/* LoaderFlags */
	.long	6			/* NumberOfRvaAndSizes */
	.quad	0			/* export table */
	.quad	0			/* import table */
	.quad	0			/* resource table */
	.quad	0			/* exception table */
	.quad	0			/* certificate table */
	.quad	0			/* base relocation table: none, see above */
pe_sections:
	.ascii	".text\0\0\0"		/* Name */
	.long	__image_end - pe_text	/* VirtualSize: to the end of .bss, zero-filled */
	.long	pe_text - _start	/* VirtualAddress */
	.long	__pe_file_end - pe_text	/* SizeOfRawData: the rest of the file */
	.long	pe_text - _start	/* PointerToRawData */
	.long	0			/* PointerToRelocations */
	.long	0			/* PointerToLinenumbers */
	.short	0			/* NumberOfRelocations */
	.short	0			/* NumberOfLinenumbers */
	/*
	 * CNT_CODE | CNT_INITIALIZED_DATA | MEM_EXECUTE | MEM_READ | MEM_WRITE: code and data
	 * share the section because the image writes its own relocations into it.
	 */
	.long	0xe0000060

	.set	PE_SECTION_ALIGN, 4096
	.set	PE_FILE_ALIGN, 512
	/* The headers end at the first page boundary, where the section (and the code) starts. */
	.balign	PE_SECTION_ALIGN
pe_text:

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

	bl	apply_relocs
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

/*
 * Apply the R_AARCH64_RELATIVE relocations for the address the image runs at. Each sets a
 * word to load address + addend (RELA), so applying them twice (once from efi_pe_entry, again
 * from primary_entry) writes the same values. Clobbers x0-x5 only; uses no stack.
 */
apply_relocs:
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
2:	ret

/*
 * The PE/COFF entry point (AddressOfEntryPoint): UEFI calls it as an AAPCS64 function with
 * x0 = ImageHandle and x1 = SystemTable, the MMU on and an identity map, on its own stack.
 * Relocate, then run kernel/efi.c. efi_main() returns only when it fails before
 * ExitBootServices: its EFI_STATUS goes back to the firmware.
 */
	.globl	efi_pe_entry
efi_pe_entry:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	stp	x0, x1, [sp, #16]
	bl	apply_relocs
	ldp	x0, x1, [sp, #16]
	bl	efi_main
	ldp	x29, x30, [sp], #32
	ret

/*
 * efi_enter_hypervisor(dtb): after ExitBootServices, leave UEFI's MMU and caches as the arm64
 * boot protocol requires and enter primary_entry with x0 = dtb (or 0). kernel/efi.c has
 * cleaned what it loaded to the Point of Coherency; the image (with the hand-off data in .data)
 * is cleaned and invalidated here, since primary_entry reads it with the MMU off and mmu_init()
 * invalidates it again before the MMU goes back on.
 */
	.globl	efi_enter_hypervisor
efi_enter_hypervisor:
	mov	x19, x0
	adr_l	x0, _start
	adr_l	x1, __image_end
	mrs	x2, ctr_el0
	ubfx	x2, x2, #16, #4		/* CTR_EL0.DminLine: log2 of the smallest line in words */
	mov	x3, #4
	lsl	x3, x3, x2		/* line size in bytes */
	sub	x4, x3, #1
	bic	x0, x0, x4
1:	dc	civac, x0		/* clean and invalidate to PoC */
	add	x0, x0, x3
	cmp	x0, x1
	b.lo	1b
	dsb	sy			/* the maintenance completes before the MMU goes off */
	mrs	x0, sctlr_el2
	bic	x0, x0, #SCTLR_EL2_M
	bic	x0, x0, #SCTLR_EL2_C
	bic	x0, x0, #SCTLR_EL2_I
	msr	sctlr_el2, x0
	isb				/* fetch what follows with the MMU and caches off */
	ic	iallu			/* no instruction left cached from UEFI's mapping */
	dsb	nsh			/* invalidation complete before the next fetch */
	isb
	mov	x0, x19
	b	primary_entry

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

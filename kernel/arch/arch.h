/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The one thin layer that touches the hardware: system-register accessors, barriers, MMIO,
 * cache and TLB maintenance. Portable modules never include this file.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/sysregs.h"
#include "kernel/lib/string.h" /* memcpy, which callers of the copies here also use */
#include "kernel/arch/tlb.h"

/*
 * read_sysreg(midr_el1) / write_sysreg(hcr_el2, v). Registers without an assembler name use
 * their encoding via read_sysreg_s("s3_0_c0_c2_4") / write_sysreg_s(enc, v), as the Arm ARM's
 * op0_op1_CRn_CRm_op2 (the SYS_* names in sysregs.h and gicv3_regs.h).
 */
#define read_sysreg(reg)                                      \
	({                                                    \
		uint64_t v_;                                  \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_)); \
		v_;                                           \
	})
#define write_sysreg(reg, val)                                                  \
	do {                                                                    \
		uint64_t wv_ = (uint64_t)(val);                                 \
		__asm__ volatile("msr " #reg ", %x0" : : "rZ"(wv_) : "memory"); \
	} while (0)
#define read_sysreg_s(enc)                                   \
	({                                                   \
		uint64_t v_;                                 \
		__asm__ volatile("mrs %0, " enc : "=r"(v_)); \
		v_;                                          \
	})
#define write_sysreg_s(enc, val)                                               \
	do {                                                                   \
		uint64_t wv_ = (uint64_t)(val);                                \
		__asm__ volatile("msr " enc ", %x0" : : "rZ"(wv_) : "memory"); \
	} while (0)

/* Barriers. Callers say in a comment what each one orders against what. */
#define isb()	 __asm__ volatile("isb" : : : "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt : : : "memory")
#define dmb(opt) __asm__ volatile("dmb " #opt : : : "memory")
#define wfe()	 __asm__ volatile("wfe" : : : "memory")
#define wfi()	 __asm__ volatile("wfi" : : : "memory")
/*
 * YIELD in a polling loop: a hint on hardware (a core's other thread may run), and under QEMU
 * with one TCG thread for all CPUs (-icount) the end of this CPU's turn, so the CPU it waits
 * for gets to run instead of waiting for the round-robin kick.
 */
#define cpu_relax() __asm__ volatile("yield" : : : "memory")
#define sev()	    __asm__ volatile("sev" : : : "memory")

/*
 * MMIO. Single loads and stores through volatile pointers, so the compiler emits exactly one
 * access of the named size (no merging or tearing). Ordering against Normal memory, where it
 * matters (DMA), is the caller's barrier; Device-nGnRE already keeps device accesses in order.
 */
static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline uint64_t mmio_read64(uintptr_t addr)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write64(uintptr_t addr, uint64_t v)
{
	__asm__ volatile("str %x0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
	uint8_t v;

	__asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline unsigned int current_el(void)
{
	return (unsigned int)((read_sysreg(CurrentEL) >> 2) & 3);
}

/* Interrupt masks (PSTATE.DAIF): I and F only; SError stays as it is. */
static inline uint64_t irq_save(void)
{
	uint64_t daif = read_sysreg(daif);

	__asm__ volatile("msr daifset, #3" : : : "memory");
	return daif;
}

static inline void irq_restore(uint64_t daif)
{
	write_sysreg(daif, daif);
}

/*
 * Deliberate exceptions: BRK #imm (EC 0x3c, the immediate in the ISS) and the permanently
 * undefined UDF #imm (EC 0x00). The immediate is part of the instruction, so these are macros.
 */
#define ARCH_XSTR_(x) #x
#define ARCH_XSTR(x)  ARCH_XSTR_(x)
#define brk(imm)      __asm__ volatile("brk #" ARCH_XSTR(imm) : : : "memory")
#define udf(imm)      __asm__ volatile("udf #" ARCH_XSTR(imm) : : : "memory")

/*
 * Translate a VA through the current EL2 stage-1 regime (AT S1E2R). Returns PAR_EL1; bit 0 (F)
 * set means the translation faulted. The ISB makes the AT result visible in PAR_EL1 before it
 * is read (Arm ARM D8.14: "AT and PAR_EL1 synchronization").
 */
static inline uint64_t at_s1e2r(uintptr_t va)
{
	__asm__ volatile("at s1e2r, %0" : : "r"(va) : "memory");
	isb();
	return read_sysreg(par_el1);
}

/* Cache maintenance by VA over [start, start + size), using CTR_EL0.DminLine for the stride. */
void dcache_inval_range(uintptr_t start, uintptr_t size);
void dcache_clean_inval_range(uintptr_t start, uintptr_t size);
void dcache_clean_range(uintptr_t start, uintptr_t size);
/* Zero [start, start + size) (8-byte aligned, Normal memory) with DC ZVA blocks where allowed:
 * one instruction per block instead of a store per word. */
void mem_zero_range(uintptr_t start, uintptr_t size);

#endif

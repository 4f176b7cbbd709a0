/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Host stand-in for kernel/arch/arch.h (Hafnium's src/arch/fake/ is the model). Tests compile
 * with -I tests/unit/fake before -I ., so the root-relative "kernel/arch/arch.h" of every
 * module under test resolves here. Same interface, no inline assembly: system registers live
 * in a name -> value table, and barriers, TLB and cache maintenance are appended in program
 * order to a log the test reads (tests/unit/fake/fake.h).
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "fake.h"
#include "kernel/arch/sysregs.h"
#include "kernel/arch/tlb.h" /* the fake one, beside this file */

/* By name, as the real accessors take them: read_sysreg(vttbr_el2) reads "vttbr_el2". */
#define read_sysreg(reg)       fake_sysreg_read(#reg)
#define write_sysreg(reg, val) fake_sysreg_write(#reg, (uint64_t)(val))
/* By encoding ("s3_4_c12_c11_1"): a separate entry from any name, as given. */
#define read_sysreg_s(enc)	 fake_sysreg_read(enc)
#define write_sysreg_s(enc, val) fake_sysreg_write(enc, (uint64_t)(val))

#define isb()	    fake_record(FAKE_ISB, "", 0)
#define dsb(opt)    fake_record(FAKE_DSB, #opt, 0)
#define dmb(opt)    fake_record(FAKE_DMB, #opt, 0)
#define wfe()	    fake_record(FAKE_HINT, "wfe", 0)
#define wfi()	    fake_record(FAKE_HINT, "wfi", 0)
#define cpu_relax() fake_record(FAKE_HINT, "yield", 0)
#define sev()	    fake_record(FAKE_HINT, "sev", 0)

/* MMIO: through the test's handler when one is set, else plain memory at that host address. */
static inline uint32_t mmio_read32(uintptr_t addr)
{
	return (uint32_t)fake_mmio(addr, 4, false, 0);
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	fake_mmio(addr, 4, true, v);
}

static inline uint64_t mmio_read64(uintptr_t addr)
{
	return fake_mmio(addr, 8, false, 0);
}

static inline void mmio_write64(uintptr_t addr, uint64_t v)
{
	fake_mmio(addr, 8, true, v);
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	fake_mmio(addr, 1, true, v);
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
	return (uint8_t)fake_mmio(addr, 1, false, 0);
}

static inline unsigned int current_el(void)
{
	return (unsigned int)((read_sysreg(CurrentEL) >> 2) & 3);
}

/* PSTATE.DAIF is the "daif" register of the table; I and F are bits 7 and 6. */
static inline uint64_t irq_save(void)
{
	uint64_t daif = read_sysreg(daif);

	write_sysreg(daif, daif | (3UL << 6));
	return daif;
}

static inline void irq_restore(uint64_t daif)
{
	write_sysreg(daif, daif);
}

/* Recorded; the answer is whatever the test put in "par_el1". */
static inline uint64_t at_s1e2r(uintptr_t va)
{
	fake_record(FAKE_AT, "s1e2r", va);
	isb();
	return read_sysreg(par_el1);
}

/* tests/unit/fake/fake_arch.c: recorded, and mem_zero_range also zeroes. */
void dcache_inval_range(uintptr_t start, uintptr_t size);
void dcache_clean_inval_range(uintptr_t start, uintptr_t size);
void dcache_clean_range(uintptr_t start, uintptr_t size);
void *memcpy(void *dst, const void *src, size_t n);
void mem_zero_range(uintptr_t start, uintptr_t size);

#endif

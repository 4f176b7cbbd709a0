// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The fake hardware layer itself: registers keep what is written, barriers and maintenance
 * land in the log in program order, and the real spinlock and timer headers work on top of it.
 */
#include <stdint.h>

#include "fake.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"
#include "test.h"

static void test_sysregs(void)
{
	fake_reset();
	CHECK_EQ_U64(current_el(), 2);
	CHECK_EQ_U64(read_sysreg(vttbr_el2), 0);
	write_sysreg(vttbr_el2, 0x1234000);
	CHECK_EQ_U64(read_sysreg(vttbr_el2), 0x1234000);
	CHECK_EQ_U64(fake_sysreg_get("VTTBR_EL2"), 0x1234000); /* names ignore case */
	/* An encoding is its own entry: the fake does not know which name it stands for. */
	fake_sysreg_set("s3_4_c12_c11_1", 3);
	CHECK_EQ_U64(read_sysreg_s("s3_4_c12_c11_1"), 3);
	CHECK_EQ_U64(fake_count(FAKE_MSR, "vttbr_el2"), 1);
	fake_reset();
	CHECK_EQ_U64(read_sysreg(vttbr_el2), 0);
	CHECK_EQ_U64(fake_log.n, 0);
}

static void test_log_order(void)
{
	int a, b, c;

	fake_reset();
	dsb(ishst);
	tlbi_ipas2e1is(0x80042000);
	dsb(ish);
	tlbi_vmalle1is();
	dsb(ish);
	isb();
	a = fake_find(0, FAKE_DSB, "ishst");
	b = fake_find_arg(0, FAKE_TLBI, "ipas2e1is", 0x80042);
	c = fake_find(0, FAKE_TLBI, "vmalle1is");
	CHECK(a == 0 && b == 1 && c == 3);
	CHECK_EQ_U64(fake_find(b, FAKE_DSB, "ish"), 2);
	CHECK_EQ_U64(fake_count(FAKE_DSB, "ish"), 2);
	CHECK_EQ_U64(fake_count(FAKE_DSB, NULL), 3);
	CHECK_EQ_U64(fake_find(0, FAKE_ISB, NULL), 5);
	CHECK(fake_find(0, FAKE_TLBI, "vmalls12e1is") < 0);
	CHECK_EQ_U64(fake_log.lost, 0);
}

static unsigned int hook_calls, hook_last;

static void count_hook(unsigned int i)
{
	hook_calls++;
	hook_last = i;
}

static void test_hook_and_overflow(void)
{
	fake_reset();
	fake_hook = count_hook;
	hook_calls = 0;
	isb();
	fake_note("free", 0x1000);
	CHECK_EQ_U64(hook_calls, 2);
	CHECK_EQ_U64(hook_last, 1);
	CHECK_EQ_U64(fake_find_arg(0, FAKE_NOTE, "free", 0x1000), 1);
	fake_hook = NULL;
	for (unsigned int i = 0; i < FAKE_LOG_MAX; i++)
		isb();
	CHECK_EQ_U64(fake_log.n, FAKE_LOG_MAX);
	CHECK_EQ_U64(fake_log.lost, 2);
}

static void test_irq_mask(void)
{
	uint64_t flags;

	fake_reset();
	flags = irq_save();
	CHECK_EQ_U64(flags, 0);
	CHECK_EQ_U64(read_sysreg(daif), 3UL << 6);
	irq_restore(flags);
	CHECK_EQ_U64(read_sysreg(daif), 0);
}

static uint64_t last_addr, last_val;

static uint64_t mmio_handler(uintptr_t addr, unsigned int size, bool write, uint64_t v)
{
	last_addr = addr;
	if (write)
		last_val = v;
	return size == 4 ? 0xabcd : 0;
}

static void test_mmio(void)
{
	uint32_t word = 0;

	fake_reset();
	mmio_write32((uintptr_t)&word, 0x5a5a);
	CHECK_EQ_U64(word, 0x5a5a);
	CHECK_EQ_U64(mmio_read32((uintptr_t)&word), 0x5a5a);
	fake_mmio_handler = mmio_handler;
	CHECK_EQ_U64(mmio_read32(0x9000018), 0xabcd);
	mmio_write8(0x9000000, 'x');
	CHECK_EQ_U64(last_addr, 0x9000000);
	CHECK_EQ_U64(last_val, 'x');
	CHECK_EQ_U64(word, 0x5a5a);
}

/* The real ticket lock and timer, unchanged, on the fake. */
static void test_spinlock_and_timer(void)
{
	struct spinlock l = SPINLOCK_INIT;
	uint64_t t0;

	fake_reset();
	spin_lock(&l);
	spin_unlock(&l);
	spin_lock(&l);
	spin_unlock(&l);
	CHECK_EQ_U64(l.serving, 2);
	CHECK_EQ_U64(fake_count(FAKE_HINT, "sev"), 2);
	CHECK_EQ_U64(fake_count(FAKE_HINT, "wfe"), 0); /* never had to wait */
	t0 = timer_count();
	udelay(100);
	CHECK(timer_count() - t0 >= timer_us_to_ticks(100));
	CHECK_EQ_U64(timer_ticks_to_ns(62500000), 1000000000);
}

int main(void)
{
	RUN(test_sysregs);
	RUN(test_log_order);
	RUN(test_hook_and_overflow);
	RUN(test_irq_mask);
	RUN(test_mmio);
	RUN(test_spinlock_and_timer);
	return TEST_SUMMARY();
}

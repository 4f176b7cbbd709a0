// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The benchmark guest, built into the hypervisor image for `bench hvc|mmio|virq|ipi`: its
 * command line says what to time ("hvc N", "mmio N", "virq N" or "ipi N"); each of the N
 * operations is timed with the virtual counter (CNTVCT_EL0, which EL1 reads without a trap and
 * which every vCPU of the VM shares), the samples stay in its RAM and a hypercall tells the
 * hypervisor where, before it powers off.
 */
#include "guest.h"

#define MAX_SAMPLES	      200000
#define MONADIC_HVC_RESULT    0x86000003U
#define MONADIC_HVC_BENCH_PMU 0x86000005U /* x1 = 0 count, 1 stop; x2 = which loop */

static uint64_t samples[MAX_SAMPLES];

static uint64_t counter(void)
{
	uint64_t v;

	/* ISB: the read is not taken early, before the operation it ends. */
	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

#define IPI_SGI 1 /* the SGI vCPU 0 sends vCPU 1 in "ipi" */

extern char secondary_start[];

static volatile uint64_t irq_stamp, irq_count, secondary_ready;

/*
 * virq: the timer's interrupt; record when the handler ran, mask the timer, complete.
 * ipi (on vCPU 1): the SGI from vCPU 0; record when the handler ran, complete.
 */
void guest_irq(void)
{
	uint64_t iar, now;

	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(now));
	__asm__ volatile("mrs %0, s3_0_c12_c12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
	if ((iar & 0xffffff) == 27 || (iar & 0xffffff) == IPI_SGI) {
		irq_stamp = now;
		/* The stamp is out before the count another vCPU polls (it reads them in turn). */
		__asm__ volatile("dmb ishst" : : : "memory");
		irq_count++;
	}
	if ((iar & 0xffffff) == 27)
		__asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(3UL)); /* ENABLE | IMASK */
	__asm__ volatile("msr s3_0_c12_c12_1, %0\n isb" : : "r"(iar)); /* ICC_EOIR1_EL1 */
}

/* ipi: vCPU 1 takes vCPU 0's SGIs, sleeping in WFI between them, until the VM powers off. */
void guest_secondary(uint64_t cpu)
{
	(void)cpu;
	guest_gic_enable(); /* SGIs are always enabled at the redistributor */
	secondary_ready = 1;
	for (;;)
		__asm__ volatile("wfi");
}

/*
 * Time from vCPU 0's write of ICC_SGI1R_EL1 (SGI 1 to Aff0 1; trapped, the SGI is made pending
 * for vCPU 1 and its CPU is kicked) to vCPU 1's handler, n times. vCPU 1 sleeps in WFI as an
 * idle guest CPU does. False when vCPU 1 cannot be started or stops answering.
 */
static bool bench_ipi(uint64_t n)
{
	if (guest_hvc(PSCI_CPU_ON, 1, (uintptr_t)secondary_start, 1) != 0)
		return false;
	for (unsigned long i = 0; i < 200000000UL && !secondary_ready; i++)
		__asm__ volatile("yield"); /* under -icount, lets vCPU 1's CPU run */
	if (!secondary_ready)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = counter(), k;

		__asm__ volatile("msr s3_0_c12_c11_5, %0\n isb" /* ICC_SGI1R_EL1 */
				 :
				 : "r"((uint64_t)IPI_SGI << 24 | 1U << 1)
				 : "memory");
		for (k = 0; k < 200000000UL && irq_count <= i; k++)
			__asm__ volatile("yield");
		if (irq_count <= i)
			return false;
		/* Pairs with the handler's DMB: the count was seen, so is its stamp. */
		__asm__ volatile("dmb ishld" : : : "memory");
		samples[i] = irq_stamp - t0;
	}
	return true;
}

/* Time from the virtual timer's compare value to the guest's handler, n times. */
static void bench_virq(uint64_t n)
{
	guest_gic_enable();
	guest_enable_ppi(0, 27);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t cval = counter() + 200; /* a few microseconds ahead */

		__asm__ volatile("msr cntv_cval_el0, %0\n msr cntv_ctl_el0, %1\n isb"
				 :
				 : "r"(cval), "r"(1UL)
				 : "memory");
		while (irq_count <= i)
			__asm__ volatile("wfi");
		samples[i] = irq_stamp - cval;
	}
}

/*
 * For the hypervisor's PMU (bench/bench_guest.c): loop 0 makes n null hypercalls (or, with
 * 'fr', n reads of the emulated UART's FR register), loop 1 is the same loop with that one
 * instruction left out; the hypervisor counts each on our CPU at EL1 and EL2, and the
 * difference over n is one round trip. Written in assembly so that the two loops differ by the
 * HVC or the load alone.
 */
static void pmu_loops(uint64_t n, volatile uint32_t *fr)
{
	uint64_t i = n;

	if (!n)
		return;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 0, 0, 0);
	if (fr)
		__asm__ volatile("1:	ldr	w1, [%[fr]]\n" /* trapped, emulated */
				 "	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(i)
				 : [fr] "r"(fr)
				 : "x1", "memory", "cc");
	else
		__asm__ volatile("1:	mov	x0, #0x86000000\n" /* MONADIC_HVC_NULL */
				 "	hvc	#0\n"
				 "	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(i)
				 :
				 : "x0", "x1", "x2", "x3", "memory", "cc");
	guest_hvc(MONADIC_HVC_BENCH_PMU, 1, 0, 0);
	i = n;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 0, 1, 0);
	if (fr)
		__asm__ volatile("1:	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(i)
				 : [fr] "r"(fr)
				 : "x1", "memory", "cc");
	else
		__asm__ volatile("1:	mov	x0, #0x86000000\n"
				 "	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(i)
				 :
				 : "x0", "x1", "x2", "x3", "memory", "cc");
	guest_hvc(MONADIC_HVC_BENCH_PMU, 1, 1, 0);
}

static uint64_t number_after(const char *s)
{
	uint64_t n = 0;

	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (uint64_t)(*s++ - '0');
	return n;
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	const char *args = guest_bootargs(dtb);
	bool mmio = args[0] == 'm', virq = args[0] == 'v', ipi = args[0] == 'i';
	uint64_t n = number_after(args);
	volatile uint32_t *fr;

	guest_console_init(dtb);
	fr = (volatile uint32_t *)(guest_uart() + 0x18);
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	if (virq)
		bench_virq(n);
	if (ipi && !bench_ipi(n))
		n = 0; /* no samples: the hypervisor reports that the run failed */
	for (uint64_t i = 0; i < n && !virq && !ipi; i++) {
		uint64_t t0 = counter();

		if (mmio)
			(void)*fr; /* a trapped, emulated register read */
		else
			guest_hvc(MONADIC_HVC_NULL, 0, 0, 0);
		samples[i] = counter() - t0;
	}
	if (!virq && !ipi)
		pmu_loops(n, mmio ? fr : 0);
	guest_hvc(MONADIC_HVC_RESULT, (uintptr_t)samples, n, 0);
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The benchmark guest, built into the hypervisor image for
 * `bench hvc|mmio|virq|virq-msi|virq-dev|ipi`: its command line says what to time ("hvc N",
 * "mmio N", "virq N", "virq-msi N", "virq-dev N" or "ipi N");
 * each of the N operations is timed with the virtual counter (CNTVCT_EL0, which EL1 reads
 * without a trap and which every vCPU of the VM shares), the samples stay in its RAM and a
 * hypercall tells the hypervisor where, before it powers off.
 */
#include "guest.h"
#include "kernel/lib/fdt.h"

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

#define MSI_LPI 8192 /* the benchmark device's one event, DeviceID 0 EventID 0 */

extern char secondary_start[];

static volatile uint64_t irq_stamp, irq_count, secondary_ready;
/* virq-dev: the passed-through QEMU edu function's BAR0 (its registers: docs/specs/edu.txt). */
static volatile uint32_t *edu;
#define EDU_IRQ_RAISE 0x60 /* WO: status |= value; an MSI when MSI is enabled */
#define EDU_IRQ_ACK   0x64 /* WO: status &= ~value */

/*
 * virq: the timer's interrupt; record when the handler ran, mask the timer, complete.
 * virq-msi: the device's LPI; the same, without a timer to mask.
 * virq-dev: the edu function's MSI, the same LPI; its status is acknowledged at the function.
 * ipi (on vCPU 1): the SGI from vCPU 0; record when the handler ran, complete.
 */
void guest_irq(void)
{
	uint64_t iar, now;

	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(now));
	__asm__ volatile("mrs %0, s3_0_c12_c12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
	if ((iar & 0xffffff) == 27 || (iar & 0xffffff) == IPI_SGI || (iar & 0xffffff) == MSI_LPI) {
		irq_stamp = now;
		/* The stamp is out before the count another vCPU polls (it reads them in turn). */
		__asm__ volatile("dmb ishst" : : : "memory");
		irq_count++;
	}
	if ((iar & 0xffffff) == 27)
		__asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(3UL)); /* ENABLE | IMASK */
	if ((iar & 0xffffff) == MSI_LPI && edu)
		edu[EDU_IRQ_ACK / 4] = 1;
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
		/*
		 * Checked and slept with IRQs masked: a timer interrupt taken between a plain check
		 * and the WFI would leave it waiting for one that never comes (the handler masks
		 * the timer). The wake-up then costs the unmask and its ISB on top.
		 */
		guest_wfi_until(&irq_count, i, ~0UL);
		samples[i] = irq_stamp - cval;
	}
}

/*
 * virq-msi: the emulated ITS (found in the DTB) with its tables here, DeviceID 0's EventID 0
 * mapped to LPI 8192 on collection 0, our vCPU. Returns GITS_TRANSLATER, or NULL.
 */
static uint8_t lpi_prop[8192] __attribute__((aligned(4096)));
static uint8_t lpi_pend[65536] __attribute__((aligned(65536)));
static uint64_t its_cmdq[512] __attribute__((aligned(4096)));
static uint64_t its_devtab[512] __attribute__((aligned(4096)));
static uint64_t its_colltab[512] __attribute__((aligned(4096)));
static uint64_t its_itt[32] __attribute__((aligned(256)));

static volatile uint32_t *msi_setup(const void *dtb)
{
	static const uint64_t cmds[][4] = {
		{ 0x08, 0, 0, 0 },			 /* MAPD DeviceID 0, 2 events (ITT below) */
		{ 0x09, 0, 1UL << 63, 0 },		 /* MAPC ICID 0 -> processor 0 */
		{ 0x0a, (uint64_t)MSI_LPI << 32, 0, 0 }, /* MAPTI EventID 0 -> LPI, ICID 0 */
		{ 0x05, 0, 0, 0 },			 /* SYNC processor 0 */
	};
	uintptr_t gicr = guest_gicr(0), its;
	const void *reg;
	struct fdt f;
	uint32_t len;
	int node;

	if (!gicr || fdt_init(&f, dtb, 1 << 20))
		return 0;
	node = fdt_find_compatible(&f, -1, "arm,gic-v3-its");
	reg = node >= 0 ? fdt_getprop(&f, node, "reg", &len) : 0;
	if (!reg || len < 16)
		return 0;
	its = (uintptr_t)fdt_read_cells(reg, 2);
	lpi_prop[MSI_LPI - 8192] = 0xa0 | 1;				/* priority 0xa0, enabled */
	*(volatile uint64_t *)(gicr + 0x70) = (uintptr_t)lpi_prop | 13; /* PROPBASER, 14 bits */
	*(volatile uint64_t *)(gicr + 0x78) = (uintptr_t)lpi_pend;	/* PENDBASER */
	*(volatile uint32_t *)(gicr + 0x0) = 1;				/* EnableLPIs */
	*(volatile uint64_t *)(its + 0x100) = 1UL << 63 | (uintptr_t)its_devtab;  /* BASER0 */
	*(volatile uint64_t *)(its + 0x108) = 1UL << 63 | (uintptr_t)its_colltab; /* BASER1 */
	*(volatile uint64_t *)(its + 0x80) = 1UL << 63 | (uintptr_t)its_cmdq;	  /* CBASER */
	*(volatile uint64_t *)(its + 0x88) = 0;					  /* CWRITER */
	*(volatile uint32_t *)(its + 0x0) = 1;					  /* Enabled */
	for (unsigned int i = 0; i < 4; i++)
		for (unsigned int w = 0; w < 4; w++)
			its_cmdq[4 * i + w] = cmds[i][w];
	its_cmdq[2] = 1UL << 63 | (uintptr_t)its_itt; /* MAPD's DW2: V, ITT_addr */
	/* DSB: the commands are in memory before CWRITER tells the ITS of them. */
	__asm__ volatile("dsb sy" : : : "memory");
	*(volatile uint64_t *)(its + 0x88) = 4 * 32;
	if (*(volatile uint64_t *)(its + 0x90) != 4 * 32) /* CREADR: all done, none stalled */
		return 0;
	return (volatile uint32_t *)(its + 0x10040);
}

/* Time from an MSI (a GITS_TRANSLATER write) to the guest's handler, n times. */
static void bench_msi(uint64_t n, volatile uint32_t *translater)
{
	guest_gic_enable();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = counter();

		*translater = 0; /* EventID 0 */
		while (irq_count <= i)
			__asm__ volatile("" : : : "memory");
		samples[i] = irq_stamp - t0;
	}
}

/*
 * For the PMU: loop 0 makes n MSIs, each taken by the handler before the next (the LPI is
 * pending when the trapped write returns, so it is taken at once), loop 1 the same loop without
 * the write. A loop whose interrupts did not all arrive is not reported (no stop call).
 */
static void msi_loops(uint64_t n, volatile uint32_t *translater)
{
	uint64_t i = n, before = irq_count;

	if (!n)
		return;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 0, 0, 0);
	__asm__ volatile("1:	str	wzr, [%[t]]\n" /* trapped: the ITS translates it */
			 "	subs	%[i], %[i], #1\n"
			 "	b.ne	1b\n"
			 : [i] "+r"(i)
			 : [t] "r"(translater)
			 : "memory", "cc");
	if (irq_count - before != n)
		return;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 1, 0, 0);
	i = n;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 0, 1, 0);
	__asm__ volatile("1:	subs	%[i], %[i], #1\n"
			 "	b.ne	1b\n"
			 : [i] "+r"(i)
			 : [t] "r"(translater)
			 : "memory", "cc");
	guest_hvc(MONADIC_HVC_BENCH_PMU, 1, 1, 0);
}

/*
 * virq-dev: the edu function (1234:11e8) as guest device 0, its MSI aimed at our ITS's
 * GITS_TRANSLATER with EventID 0 of DeviceID 0 (its RID), which msi_setup() mapped to our LPI.
 * False when there is no such function or it has no MSI capability.
 */
static bool edu_setup(const void *dtb, volatile uint32_t *translater)
{
	volatile uint8_t *cfg = guest_dev0_config(dtb);
	unsigned int cap, hops = 0;

	if (!cfg || *(volatile uint32_t *)cfg != 0x11e81234)
		return false;
	edu = (volatile uint32_t *)(uintptr_t)(*(volatile uint32_t *)(cfg + 0x10) & ~0xfU);
	*(volatile uint16_t *)(cfg + 0x04) = 0x6; /* Memory Space, Bus Master */
	for (cap = cfg[0x34]; cap && cfg[cap] != 0x05 && hops < 48; hops++)
		cap = cfg[cap + 1];
	if (!cap || cfg[cap] != 0x05)
		return false;
	*(volatile uint32_t *)(cfg + cap + 4) = (uint32_t)(uintptr_t)translater;
	*(volatile uint32_t *)(cfg + cap + 8) = (uint32_t)((uint64_t)(uintptr_t)translater >> 32);
	*(volatile uint16_t *)(cfg + cap + 12) = 0; /* data: EventID 0 (64-bit capable) */
	*(volatile uint16_t *)(cfg + cap + 2) = 1;  /* MSI Enable, one vector */
	return (cfg[cap + 2] & 0x80) && (cfg[cap + 2] & 1);
}

/* Time from the write that makes the edu function raise its MSI to the guest's handler. */
static void bench_dev(uint64_t n)
{
	guest_gic_enable();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = counter();

		edu[EDU_IRQ_RAISE / 4] = 1; /* not trapped: BAR0 is the function's, in Stage-2 */
		while (irq_count <= i)
			__asm__ volatile("" : : : "memory");
		samples[i] = irq_stamp - t0;
	}
}

/*
 * For the PMU: loop 0 makes the function raise n MSIs, each waited for; loop 1 the same loop
 * without the write and the wait. Their difference over n covers the write, the message's way
 * through the physical ITS to EL2 and the guest's ITS, the handler and the wait loop's test.
 */
static void dev_loops(uint64_t n)
{
	uint64_t i = n, before = irq_count;

	if (!n)
		return;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 0, 0, 0);
	__asm__ volatile("1:	ldr	x2, [%[c]]\n"
			 "	str	%w[one], [%[r]]\n" /* the function raises its MSI */
			 "2:	ldr	x3, [%[c]]\n"	   /* until the handler has counted it */
			 "	cmp	x3, x2\n"
			 "	b.eq	2b\n"
			 "	subs	%[i], %[i], #1\n"
			 "	b.ne	1b\n"
			 : [i] "+r"(i)
			 : [r] "r"(&edu[EDU_IRQ_RAISE / 4]), [one] "r"(1), [c] "r"(&irq_count)
			 : "x2", "x3", "memory", "cc");
	if (irq_count - before != n)
		return;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 1, 0, 0);
	i = n;
	guest_hvc(MONADIC_HVC_BENCH_PMU, 0, 1, 0);
	__asm__ volatile("1:	subs	%[i], %[i], #1\n"
			 "	b.ne	1b\n"
			 : [i] "+r"(i)
			 :
			 : "memory", "cc");
	guest_hvc(MONADIC_HVC_BENCH_PMU, 1, 1, 0);
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
	bool msi = virq && args[4] == '-', dev = msi && args[5] == 'd';
	uint64_t n = number_after(args);
	volatile uint32_t *fr, *translater = 0;

	guest_console_init(dtb);
	fr = (volatile uint32_t *)(guest_uart() + 0x18);
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	if (msi) {
		translater = msi_setup(dtb);
		if (!translater) {
			guest_printf("benchg: no usable ITS\n");
			guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
		}
		if (dev && !edu_setup(dtb, translater)) {
			guest_printf("benchg: no edu function with MSI as device 0\n");
			guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
		}
		if (dev) {
			bench_dev(n);
			dev_loops(n);
		} else {
			bench_msi(n, translater);
			msi_loops(n, translater);
		}
	} else if (virq) {
		bench_virq(n);
	}
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

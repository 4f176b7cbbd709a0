// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The side-by-side benchmark guest (`make bench-vs-kvm`): the same binary runs under this
 * hypervisor and as a KVM guest of Linux, so it uses only what both give a guest (PSCI and
 * SMCCC calls, the PL011 and the GICv3 its DTB names, the virtual timer) and reports through the
 * PL011. Each operation is timed with the virtual counter (CNTVCT_EL0) over many repetitions,
 * since under QEMU's -icount shift=0 one tick is several instructions; one line per operation:
 *
 *   uartbench: op=NAME n=N ticks=T base=B frq=F
 *
 * One operation costs (T - B) / N ticks, and a tick is 1e9 / F virtual ns (one instruction
 * each under -icount shift=0). B is the same loop with the operation left out (0 where there
 * is none). Operations:
 *   hvc        SMCCC_VERSION by HVC: a call both hypervisors answer themselves
 *   mmio-uart  a read of the PL011's FR register (KVM: emulated by QEMU in user space)
 *   mmio-gicd  a read of GICD_TYPER (KVM: its in-kernel vGIC distributor)
 *   ipi        SGI ping-pong between vCPU 0 and 1, each waiting in WFI: N one-way IPIs, each
 *              from the sender's ICC_SGI1R_EL1 write to the receiver's handler
 *   virq       the virtual timer, armed while the vCPU waits in WFI: from the compare value
 *              to the handler, summed over N expiries
 *   virq-busy  the same while the vCPU spins instead of waiting
 * The command line (/chosen/bootargs) may give "iters=N" (the hypercall and MMIO loops; the
 * slower operations take a fraction of it) and "rounds=R": every operation is measured R times
 * in turn (R lines each), so that a reader can take the median and leave out a round that a
 * host's own work (a timer tick, a daemon) fell into. The last line is "uartbench: done".
 */
#include "guest.h"

#define SGI_PING	    1
#define SGI_PONG	    2
#define VTIMER_PPI	    27
#define GICD_CTLR	    0x0000
#define GICD_TYPER	    0x0004
#define GICD_CTLR_ENABLE_G1 (1U << 1)
#define GICD_CTLR_ARE	    (1U << 4)
#define GICD_CTLR_RWP	    (1U << 31)
#define GICR_WAKER	    0x0014
#define GICR_WAKER_SLEEP    (1U << 1)
#define GICR_WAKER_ASLEEP   (1U << 2)
#define GICR_IGROUPR0	    (0x10000 + 0x0080)
#define UART_FR		    0x18
#define TIMER_AHEAD	    2000 /* ticks: past the time a host needs to go idle */
#define ICC_SGI1R_INTID(n)  ((uint64_t)(n) << 24)
#define CNTV_CTL_ENABLE	    1UL
#define CNTV_CTL_IMASK	    2UL
#define DEFAULT_ITERS	    2000

static uint64_t counter(void)
{
	uint64_t v;

	/* ISB: the read is not taken early, before the operation it ends. */
	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static void report(const char *op, uint64_t n, uint64_t ticks, uint64_t base)
{
	guest_printf("uartbench: op=%s n=%llu ticks=%llu base=%llu frq=%llu\n", op,
		     (unsigned long long)n, (unsigned long long)ticks, (unsigned long long)base,
		     (unsigned long long)read_sysreg(cntfrq_el0));
}

/* ---- hypercall and MMIO loops: with the operation, then without it ---- */

static uint64_t hvc_loop(uint64_t n, bool with)
{
	uint64_t t0 = counter();

	if (with)
		__asm__ volatile("1:	mov	x0, #0x80000000\n" /* SMCCC_VERSION */
				 "	hvc	#0\n"
				 "	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(n)
				 :
				 : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9",
				   "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory",
				   "cc");
	else
		__asm__ volatile("1:	mov	x0, #0x80000000\n"
				 "	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(n)
				 :
				 : "x0", "memory", "cc");
	return counter() - t0;
}

static uint64_t load_loop(uint64_t n, volatile uint32_t *reg, bool with)
{
	uint64_t t0 = counter();

	if (with)
		__asm__ volatile("1:	ldr	w1, [%[r]]\n" /* trapped, emulated */
				 "	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(n)
				 : [r] "r"(reg)
				 : "x1", "memory", "cc");
	else
		__asm__ volatile("1:	subs	%[i], %[i], #1\n"
				 "	b.ne	1b\n"
				 : [i] "+r"(n)
				 : [r] "r"(reg)
				 : "x1", "memory", "cc");
	return counter() - t0;
}

static void bench_hvc(uint64_t n)
{
	(void)hvc_loop(n / 8 + 1, true); /* first-touch costs out of the way */
	report("hvc", n, hvc_loop(n, true), hvc_loop(n, false));
}

static void bench_load(const char *op, uint64_t n, uintptr_t addr)
{
	volatile uint32_t *reg = (volatile uint32_t *)addr;

	(void)load_loop(n / 8 + 1, reg, true);
	report(op, n, load_loop(n, reg, true), load_loop(n, reg, false));
}

/* ---- the interrupt controller, as a guest's GIC driver sets it up ---- */

static void gic_setup(unsigned int vcpu)
{
	volatile uint32_t *waker = (volatile uint32_t *)(guest_gicr(vcpu) + GICR_WAKER);
	volatile uint32_t *igroup = (volatile uint32_t *)(guest_gicr(vcpu) + GICR_IGROUPR0);

	for (unsigned int i = 0; i < 1000000 && (*waker & GICR_WAKER_ASLEEP); i++)
		*waker &= ~GICR_WAKER_SLEEP;
	*igroup = *igroup | 1U << SGI_PING | 1U << SGI_PONG | 1U << VTIMER_PPI; /* Group 1 */
	guest_enable_ppi(vcpu, SGI_PING);
	guest_enable_ppi(vcpu, SGI_PONG);
	guest_enable_ppi(vcpu, VTIMER_PPI);
	guest_gic_enable();
}

static void gicd_enable(void)
{
	volatile uint32_t *ctlr = (volatile uint32_t *)(guest_gicd() + GICD_CTLR);

	*ctlr = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;
	for (unsigned int i = 0; i < 1000000 && (*ctlr & GICD_CTLR_RWP); i++)
		;
}

/* An SGI to the vCPU with MPIDR Aff0 = vcpu (Aff1-3 = 0), by its target list. */
static void send_sgi(unsigned int intid, unsigned int vcpu)
{
	uint64_t v = ICC_SGI1R_INTID(intid) | (1UL << vcpu);

	__asm__ volatile("msr s3_0_c12_c11_5, %0\n isb" : : "r"(v) : "memory"); /* ICC_SGI1R_EL1 */
}

static volatile uint64_t pings, pongs, timer_stamp, timer_count, secondary_up;

static uint64_t this_vcpu(void)
{
	return read_sysreg(mpidr_el1) & 0xff;
}

void guest_irq(void)
{
	uint64_t iar, now;
	unsigned int intid;

	now = counter();
	__asm__ volatile("mrs %0, s3_0_c12_c12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
	intid = (unsigned int)(iar & 0xffffff);
	if (intid == SGI_PING) {
		pings = pings + 1;
		send_sgi(SGI_PONG, 0);
	} else if (intid == SGI_PONG) {
		pongs = pongs + 1;
	} else if (intid == VTIMER_PPI) {
		timer_stamp = now;
		timer_count = timer_count + 1;
		__asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(CNTV_CTL_ENABLE | CNTV_CTL_IMASK));
	}
	__asm__ volatile("msr s3_0_c12_c12_1, %0\n isb" : : "r"(iar)); /* ICC_EOIR1_EL1 */
}

/* vCPU 1: answer pings until the machine is turned off. */
void guest_secondary(uint64_t cpu)
{
	gic_setup((unsigned int)cpu);
	secondary_up = 1;
	for (;;)
		__asm__ volatile("wfi");
}

/* Start vCPU 1 (it waits for pings in WFI). False, with an error line, if it does not. */
static bool start_secondary(void)
{
	int64_t ret;
	extern char secondary_start[];

	ret = guest_hvc(PSCI_CPU_ON, 1, (uintptr_t)secondary_start, 1);
	/* YIELD: QEMU's round-robin TCG runs another CPU only when this one stops or yields. */
	for (unsigned int i = 0; i < 100000000 && !ret && !secondary_up; i++)
		__asm__ volatile("yield");
	if (ret || !secondary_up)
		guest_printf("uartbench: error: vCPU 1 did not start (CPU_ON %lld)\n",
			     (long long)ret);
	return !ret && secondary_up;
}

static void bench_ipi(uint64_t rounds)
{
	uint64_t t0 = 0, first = pongs;

	for (uint64_t i = 0; i < rounds + rounds / 8 + 1; i++) {
		if (i == rounds / 8 + 1)
			t0 = counter(); /* after the warm-up rounds */
		send_sgi(SGI_PING, 1);
		while (pongs <= first + i)
			__asm__ volatile("wfi");
	}
	report("ipi", 2 * rounds, counter() - t0, 0);
}

/* From the virtual timer's compare value to the handler, n times, waiting or spinning. */
static void bench_virq(const char *op, uint64_t n, bool wait)
{
	uint64_t sum = 0, done = timer_count;

	for (uint64_t i = 0; i < n + 1; i++) {
		uint64_t cval = counter() + TIMER_AHEAD;

		__asm__ volatile("msr cntv_cval_el0, %0\n msr cntv_ctl_el0, %1\n isb"
				 :
				 : "r"(cval), "r"(CNTV_CTL_ENABLE)
				 : "memory");
		while (timer_count <= done + i)
			if (wait)
				__asm__ volatile("wfi");
		if (i) /* the first one warms up */
			sum += timer_stamp - cval;
	}
	report(op, n, sum, 0);
}

/* The number after 'word' (e.g. "iters=") on the command line, or 'dflt'. */
static uint64_t arg_from(const void *dtb, const char *word, uint64_t dflt)
{
	uint64_t n = 0;
	const char *p = guest_bootargs(dtb);

	for (; p && *p; p++) {
		unsigned int i = 0;

		while (word[i] && p[i] == word[i])
			i++;
		if (word[i])
			continue;
		for (p += i; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		break;
	}
	return n ? n : dflt;
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t n, rounds;
	bool ipi;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	n = arg_from(dtb, "iters=", DEFAULT_ITERS);
	rounds = arg_from(dtb, "rounds=", 1);
	guest_printf("uartbench: start iters=%llu rounds=%llu vcpu=%llu\n", (unsigned long long)n,
		     (unsigned long long)rounds, (unsigned long long)this_vcpu());
	if (!guest_gicd())
		guest_printf("uartbench: error: no GICv3 in the DTB\n");
	gicd_enable();
	gic_setup(0);
	ipi = start_secondary();
	for (uint64_t r = 0; r < rounds && guest_gicd(); r++) {
		bench_hvc(n);
		bench_load("mmio-uart", n / 4 + 1, guest_uart() + UART_FR);
		bench_load("mmio-gicd", n, guest_gicd() + GICD_TYPER);
		bench_virq("virq", n / 20 + 1, true);
		bench_virq("virq-busy", n / 20 + 1, false);
		if (ipi)
			bench_ipi(n / 10 + 1);
	}
	guest_printf("uartbench: done\n");
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

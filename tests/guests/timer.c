// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The interrupt test guest: the virtual timer's PPI 27 and an SGI to itself arrive through the
 * GICv3 virtual CPU interface (ICC_* system registers, which EL2 backs with list registers),
 * and WFI sleeps until they do.
 */
#include "guest.h"

#define TICKS	20
#define TICK_US 2000

static volatile uint64_t irqs, timer_irqs, sgi_irqs, many_irqs, last_intid, ptimer_irqs;
static volatile uint64_t active_in_handler; /* GICR_ISACTIVER0 read inside the handler */
static volatile bool look_active;

#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")

void guest_irq(void)
{
	uint64_t iar = read_sysreg(s3_0_c12_c12_0); /* ICC_IAR1_EL1 */
	uint64_t intid = iar & 0xffffff;

	irqs++;
	last_intid = intid;
	if (intid == 27) {
		timer_irqs++;
		if (look_active) /* GICR_ISACTIVER0, while the interrupt is ours */
			active_in_handler = *(volatile uint32_t *)(guest_gicr(0) + 0x10300);
		write_sysreg(cntv_ctl_el0, 3); /* ENABLE | IMASK: no more until reprogrammed */
	} else if (intid == 30) {
		ptimer_irqs++;
		write_sysreg(cntp_ctl_el0, 3); /* the physical timer: ENABLE | IMASK */
	} else if (intid == 3) {
		sgi_irqs++;
	} else if (intid >= 8 && intid < 16) {
		many_irqs++;
	}
	write_sysreg(s3_0_c12_c12_1, iar); /* ICC_EOIR1_EL1: priority drop and deactivate */
	__asm__ volatile("isb");
}

#define PPI_VTIMER_BIT (1U << 27)

/* GICR_ISPENDR0 bit 27, read up to 'tries' times until it is 'want'. */
static bool vtimer_pending_becomes(bool want, unsigned int tries)
{
	volatile uint32_t *ispendr0 = (volatile uint32_t *)(guest_gicr(0) + 0x10000 + 0x200);

	for (unsigned int i = 0; i < tries; i++)
		if (!!(*ispendr0 & PPI_VTIMER_BIT) == want)
			return true;
	return false;
}

/*
 * The virtual timer's line as GICR_ISPENDR0 shows it, with IRQs masked at the CPU: pending
 * while ENABLE, not IMASK and ISTATUS hold, and not once masking or disabling drops it; active
 * inside the handler and not after the EOI.
 */
static void test_vtimer_state(void)
{
	uint64_t t;

	__asm__ volatile("msr daifset, #2" : : : "memory");
	write_sysreg(cntv_ctl_el0, 0);
	__asm__ volatile("isb");
	guest_check(vtimer_pending_becomes(false, 1), "vtimer-idle-not-pending", "ISPENDR0 0x%x",
		    *(volatile uint32_t *)(guest_gicr(0) + 0x10200));
	write_sysreg(cntv_cval_el0, 0); /* long past: ISTATUS at once */
	write_sysreg(cntv_ctl_el0, 1);
	__asm__ volatile("isb");
	guest_check(vtimer_pending_becomes(true, 100000), "vtimer-pending", "CTL 0x%llx",
		    (unsigned long long)read_sysreg(cntv_ctl_el0));
	write_sysreg(cntv_ctl_el0, 3); /* IMASK */
	__asm__ volatile("isb");
	guest_check(vtimer_pending_becomes(false, 1), "vtimer-masked-not-pending", "CTL 0x%llx",
		    (unsigned long long)read_sysreg(cntv_ctl_el0));
	write_sysreg(cntv_ctl_el0, 1);
	__asm__ volatile("isb");
	guest_check(vtimer_pending_becomes(true, 100000), "vtimer-unmasked-pending", "CTL 0x%llx",
		    (unsigned long long)read_sysreg(cntv_ctl_el0));
	write_sysreg(cntv_ctl_el0, 0);
	__asm__ volatile("isb");
	guest_check(vtimer_pending_becomes(false, 1), "vtimer-disabled-not-pending", "CTL 0x%llx",
		    (unsigned long long)read_sysreg(cntv_ctl_el0));
	/* Active in the handler, until its EOI. */
	t = timer_irqs;
	look_active = true;
	active_in_handler = 0;
	write_sysreg(cntv_ctl_el0, 1);
	__asm__ volatile("isb\n msr daifclr, #2" : : : "memory");
	for (unsigned long i = 0; i < 100000000UL && timer_irqs == t; i++)
		__asm__ volatile("" : : : "memory");
	look_active = false;
	guest_check(timer_irqs == t + 1 && (active_in_handler & PPI_VTIMER_BIT) &&
			    !(*(volatile uint32_t *)(guest_gicr(0) + 0x10300) & PPI_VTIMER_BIT),
		    "vtimer-active-in-handler", "%llu interrupts, ISACTIVER0 0x%llx in the handler",
		    (unsigned long long)(timer_irqs - t), (unsigned long long)active_in_handler);
}

/* The EL1 physical timer is the guest's: PPI 30 once, not before its time. */
static void test_ptimer(uint64_t freq)
{
	uint64_t t0, t1;

	guest_enable_ppi(0, 30);
	t0 = read_sysreg(cntpct_el0);
	write_sysreg(cntp_tval_el0, freq / 1000); /* 1 ms */
	write_sysreg(cntp_ctl_el0, 1);
	__asm__ volatile("isb");
	while (!ptimer_irqs && read_sysreg(cntpct_el0) - t0 < freq)
		__asm__ volatile("wfi");
	t1 = read_sysreg(cntpct_el0);
	guest_check(ptimer_irqs == 1 && t1 - t0 >= freq / 1000 && last_intid == 30, "ptimer-fires",
		    "%llu interrupts after %llu ticks, CTL 0x%llx", (unsigned long long)ptimer_irqs,
		    (unsigned long long)(t1 - t0), (unsigned long long)read_sysreg(cntp_ctl_el0));
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t freq = read_sysreg(cntfrq_el0), t0, t1, waits = 0;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	/* The GICv3 system-register interface: SRE, then priority mask and Group 1 on. */
	write_sysreg(s3_0_c12_c12_5, 0x7); /* ICC_SRE_EL1: SRE | DFB | DIB */
	__asm__ volatile("isb");
	write_sysreg(s3_0_c4_c6_0, 0xff);			  /* ICC_PMR_EL1 */
	write_sysreg(s3_0_c12_c12_7, 1);			  /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb\n msr daifclr, #2" : : : "memory"); /* IRQs on */
	guest_enable_ppi(0, 27); /* the timer's PPI, at our redistributor */

	t0 = read_sysreg(cntvct_el0);
	for (unsigned int i = 1; i <= TICKS; i++) {
		write_sysreg(cntv_tval_el0, freq * TICK_US / 1000000);
		write_sysreg(cntv_ctl_el0, 1); /* ENABLE, unmasked */
		while (timer_irqs < i) {
			__asm__ volatile("wfi");
			waits++;
		}
	}
	t1 = read_sysreg(cntvct_el0);
	guest_check(timer_irqs == TICKS && last_intid == 27, "timer-ticks", "%llu ticks, last %llu",
		    (unsigned long long)timer_irqs, (unsigned long long)last_intid);
	guest_check((t1 - t0) * 1000000 / freq >= TICKS * TICK_US, "timer-not-early",
		    "%llu us for %u ticks", (unsigned long long)((t1 - t0) * 1000000 / freq),
		    TICKS);
	guest_printf("guest: %u ticks of %u us took %llu us, %llu WFIs\n", TICKS, TICK_US,
		     (unsigned long long)((t1 - t0) * 1000000 / freq), (unsigned long long)waits);

	/* SGI 3 to ourselves: ICC_SGI1R_EL1 with TargetList bit 0 (Aff0 0) traps to EL2. */
	write_sysreg(s3_0_c12_c11_5, (3UL << 24) | 1);
	for (unsigned long i = 0; i < 100000000UL && !sgi_irqs; i++)
		__asm__ volatile("wfi");
	guest_check(sgi_irqs == 1 && last_intid == 3, "sgi-to-self", "%llu SGIs, last %llu",
		    (unsigned long long)sgi_irqs, (unsigned long long)last_intid);

	/*
	 * Eight SGIs at once, more than the list registers hold (QEMU has four), taken while we
	 * spin without any trapping instruction: the rest can only arrive if EL2 asks for the
	 * underflow maintenance interrupt and refills the list registers.
	 */
	__asm__ volatile("msr daifset, #2" : : : "memory");
	for (uint64_t sgi = 8; sgi < 16; sgi++)
		write_sysreg(s3_0_c12_c11_5, (sgi << 24) | 1);
	many_irqs = 0;
	__asm__ volatile("isb\n msr daifclr, #2" : : : "memory");
	for (unsigned long i = 0; i < 400000000UL && many_irqs < 8; i++)
		__asm__ volatile("" : : : "memory");
	guest_check(many_irqs == 8, "more-than-lrs", "%llu of 8 SGIs",
		    (unsigned long long)many_irqs);
	/* CNTVOFF_EL2 is 0 at every start: the virtual counter is the physical one. */
	t0 = read_sysreg(cntpct_el0);
	t1 = read_sysreg(cntvct_el0);
	guest_check(t1 >= t0 && t1 - t0 < freq / 1000, "cntvoff-zero", "CNTPCT %llu CNTVCT %llu",
		    (unsigned long long)t0, (unsigned long long)t1);
	test_vtimer_state();
	test_ptimer(freq);
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The faithful-GIC test guest: from inside, the pending and active state of its SGIs and PPIs
 * as GICR_ISPENDR0/ICPENDR0/ISACTIVER0/ICACTIVER0 show and change it (list registers included),
 * priority order and preemption (IPRIORITYR, ICC_PMR_EL1, ICC_BPR1_EL1), EOImode 1 with
 * ICC_DIR_EL1, and the UART's SPI as level-sensitive or edge-triggered as GICD_ICFGR says.
 */
#include "guest.h"

#define write_sysreg_(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")
/* One level more, so a register's name given as a macro below is expanded first. */
#define wr(reg, v) write_sysreg_(reg, v)
#define rd(reg)	   read_sysreg(reg)

#define ICC_IAR1   s3_0_c12_c12_0
#define ICC_EOIR1  s3_0_c12_c12_1
#define ICC_BPR1   s3_0_c12_c12_3
#define ICC_CTLR   s3_0_c12_c12_4
#define ICC_PMR	   s3_0_c4_c6_0
#define ICC_DIR	   s3_0_c12_c11_1
#define CTLR_EOI1  (1U << 1) /* ICC_CTLR_EL1.EOImode */
#define ISR_I	   (1U << 7)
#define GICR_SGI   0x10000
#define R_ISPENDR  0x200
#define R_ICPENDR  0x280
#define R_ISACTIV  0x300
#define R_ICACTIV  0x380
#define R_PRIORITY 0x400
#define R_ENABLE   0x100

static volatile uint64_t order[8], taken, uart_irqs;
static volatile bool uart_stop_at_3; /* the handler lowers the UART's line at its 3rd interrupt */

#define UART_SPI  33
#define UART_IMSC 0x38
#define UART_TXIM (1U << 5) /* the vPL011's TX interrupt: its line is high while unmasked */

static void uart_imsc(uint32_t v)
{
	*(volatile uint32_t *)(guest_uart() + UART_IMSC) = v;
}

void guest_irq(void)
{
	uint64_t iar = rd(ICC_IAR1);

	if ((iar & 0xffffff) >= 1020)
		return;
	if (taken < 8)
		order[taken] = iar & 0xffffff;
	taken++;
	if ((iar & 0xffffff) == UART_SPI && ++uart_irqs == 3 && uart_stop_at_3)
		uart_imsc(0);
	wr(ICC_EOIR1, iar);
	__asm__ volatile("isb");
}

static volatile uint32_t *sgi_reg(unsigned int off)
{
	return (volatile uint32_t *)(guest_gicr(0) + GICR_SGI + off);
}

static void irqs_off(void)
{
	__asm__ volatile("msr daifset, #2\n isb" : : : "memory");
}

/* Unmask IRQs for a moment: whatever can be taken is taken. */
static void irqs_window(void)
{
	__asm__ volatile("msr daifclr, #2\n isb" : : : "memory");
	for (volatile unsigned int i = 0; i < 20000; i++)
		;
	irqs_off();
}

static bool irq_signalled(void)
{
	__asm__ volatile("isb");
	return rd(isr_el1) & ISR_I;
}

static void set_priority(unsigned int intid, uint8_t prio)
{
	((volatile uint8_t *)sgi_reg(R_PRIORITY))[intid] = prio;
}

static void state_checks(void)
{
	uint32_t v;

	/* A pending SGI and PPI show in ISPENDR0, wherever the hypervisor keeps them. */
	*sgi_reg(R_ENABLE) = 1U << 20;
	*sgi_reg(R_ISPENDR) = (1U << 5) | (1U << 20);
	v = *sgi_reg(R_ISPENDR);
	guest_check((v & ((1U << 5) | (1U << 20))) == ((1U << 5) | (1U << 20)), "ispendr-shows",
		    "ISPENDR0 0x%x", v);
	guest_check(irq_signalled(), "ispendr-signals", "ISR_EL1 0x%llx",
		    (unsigned long long)rd(isr_el1));
	/* ICPENDR0 takes them back: nothing left to take. */
	*sgi_reg(R_ICPENDR) = (1U << 5) | (1U << 20);
	v = *sgi_reg(R_ISPENDR);
	taken = 0;
	irqs_window();
	guest_check(!(v & ((1U << 5) | (1U << 20))) && taken == 0 && !irq_signalled(),
		    "icpendr-clears", "ISPENDR0 0x%x, %llu taken", v, (unsigned long long)taken);

	/* EOImode 1: EOIR only drops the priority; the SGI stays active until DIR. */
	wr(ICC_CTLR, rd(ICC_CTLR) | CTLR_EOI1);
	__asm__ volatile("isb");
	taken = 0;
	*sgi_reg(R_ISPENDR) = 1U << 6;
	irqs_window();
	v = *sgi_reg(R_ISACTIV);
	guest_check(taken == 1 && order[0] == 6 && (v & (1U << 6)), "isactiver-eoimode1",
		    "%llu taken, ISACTIVER0 0x%x", (unsigned long long)taken, v);
	wr(ICC_DIR, 6);
	__asm__ volatile("isb");
	v = *sgi_reg(R_ISACTIV);
	guest_check(!(v & (1U << 6)), "dir-deactivates", "ISACTIVER0 0x%x", v);

	/* ICACTIVER0 deactivates: the SGI can be taken again. */
	taken = 0;
	*sgi_reg(R_ISPENDR) = 1U << 7;
	irqs_window();
	*sgi_reg(R_ICACTIV) = 1U << 7;
	v = *sgi_reg(R_ISACTIV);
	*sgi_reg(R_ISPENDR) = 1U << 7;
	irqs_window();
	guest_check(taken == 2 && !(v & (1U << 7)), "icactiver-deactivates",
		    "%llu taken, ISACTIVER0 0x%x", (unsigned long long)taken, v);
	*sgi_reg(R_ICACTIV) = 1U << 7;
	wr(ICC_CTLR, rd(ICC_CTLR) & ~(uint64_t)CTLR_EOI1);
	__asm__ volatile("isb");

	/* ISACTIVER0: an active SGI made pending again is not taken until ICACTIVER0. */
	taken = 0;
	*sgi_reg(R_ISACTIV) = 1U << 8;
	v = *sgi_reg(R_ISACTIV);
	*sgi_reg(R_ISPENDR) = 1U << 8;
	irqs_window();
	guest_check((v & (1U << 8)) && taken == 0, "isactiver-sets", "ISACTIVER0 0x%x, %llu taken",
		    v, (unsigned long long)taken);
	*sgi_reg(R_ICACTIV) = 1U << 8;
	irqs_window();
	guest_check(taken == 1 && order[0] == 8, "isactiver-then-clear", "%llu taken, first %llu",
		    (unsigned long long)taken, (unsigned long long)order[0]);
}

static void priority_checks(void)
{
	uint64_t iar;

	set_priority(9, 0xa0);
	set_priority(10, 0x40);
	set_priority(11, 0x80);
	/* Three at once: taken in priority order, not INTID order. */
	taken = 0;
	*sgi_reg(R_ISPENDR) = (1U << 9) | (1U << 10) | (1U << 11);
	irqs_window();
	guest_check(taken == 3 && order[0] == 10 && order[1] == 11 && order[2] == 9,
		    "priority-order", "%llu taken: %llu %llu %llu", (unsigned long long)taken,
		    (unsigned long long)order[0], (unsigned long long)order[1],
		    (unsigned long long)order[2]);

	/* PMR: an interrupt of priority 0x80 is masked at PMR 0x80 and signalled at 0x90. */
	wr(ICC_PMR, 0x80);
	*sgi_reg(R_ISPENDR) = 1U << 11;
	bool masked = !irq_signalled();
	wr(ICC_PMR, 0x90);
	bool unmasked = irq_signalled();
	guest_check(masked && unmasked, "pmr-masks", "masked %d, unmasked %d", masked, unmasked);
	iar = rd(ICC_IAR1); /* SGI 11 active: running priority 0x80 */
	wr(ICC_PMR, 0xff);

	/* Preemption: 0xa0 does not preempt 0x80; 0x40 does. */
	*sgi_reg(R_ISPENDR) = 1U << 9;
	bool lower = irq_signalled();
	*sgi_reg(R_ISPENDR) = 1U << 10;
	bool higher = irq_signalled();
	guest_check((iar & 0xffffff) == 11 && !lower && higher, "preemption",
		    "IAR %llu, lower %d, higher %d", (unsigned long long)iar, lower, higher);
	iar = rd(ICC_IAR1);
	guest_check((iar & 0xffffff) == 10, "preempting-first", "IAR %llu",
		    (unsigned long long)iar);
	wr(ICC_EOIR1, 10);
	wr(ICC_EOIR1, 11);
	iar = rd(ICC_IAR1);
	wr(ICC_EOIR1, iar);

	/* BPR1: with group priority [7:7], 0x80 cannot preempt 0xa0; with [7:3] it can. */
	*sgi_reg(R_ISPENDR) = 1U << 9;
	iar = rd(ICC_IAR1); /* SGI 9 active: 0xa0 */
	wr(ICC_BPR1, 7);
	*sgi_reg(R_ISPENDR) = 1U << 11;
	bool same_group = irq_signalled();
	wr(ICC_BPR1, 3);
	bool other_group = irq_signalled();
	guest_check((iar & 0xffffff) == 9 && !same_group && other_group, "bpr-groups",
		    "IAR %llu, BPR 7: %d, BPR 3: %d", (unsigned long long)iar, same_group,
		    other_group);
	wr(ICC_EOIR1, iar);
	iar = rd(ICC_IAR1);
	wr(ICC_EOIR1, iar);
}

static volatile uint32_t *gicd_reg(unsigned int off)
{
	return (volatile uint32_t *)(guest_gicd() + off);
}

/* The UART's SPI as GICD_ICFGR says: level follows its line, edge fires on a rising edge. */
static void line_checks(void)
{
	uint32_t v;

	*gicd_reg(0x0) = 0x12;			  /* GICD_CTLR: ARE_NS, EnableGrp1A */
	*gicd_reg(0x104) = 1U << (UART_SPI - 32); /* ISENABLER1 */
	uart_imsc(UART_TXIM);
	v = *gicd_reg(0x204); /* ISPENDR1 */
	guest_check(v & (1U << (UART_SPI - 32)), "level-pending-while-high", "ISPENDR1 0x%x", v);
	uart_imsc(0);
	v = *gicd_reg(0x204);
	guest_check(!(v & (1U << (UART_SPI - 32))), "level-drops-with-line", "ISPENDR1 0x%x", v);
	/* Still high after the EOI: pending again at once, until the handler lowers the line. */
	uart_irqs = 0;
	uart_stop_at_3 = true;
	uart_imsc(UART_TXIM);
	irqs_window();
	guest_check(uart_irqs == 3, "level-retriggers-after-eoi", "%llu interrupts",
		    (unsigned long long)uart_irqs);
	/* Edge-triggered (ICFGR2 Int_config[1] for INTID 33): one per rising edge. */
	uart_stop_at_3 = false;
	*gicd_reg(0xc08) = 2U << (2 * (UART_SPI - 32));
	uart_irqs = 0;
	uart_imsc(UART_TXIM);
	irqs_window();
	irqs_window();
	bool once = uart_irqs == 1;
	uart_imsc(0);
	uart_imsc(UART_TXIM);
	irqs_window();
	guest_check(once && uart_irqs == 2, "edge-per-rising-edge", "once %d, %llu interrupts",
		    once, (unsigned long long)uart_irqs);
	uart_imsc(0);
	*gicd_reg(0x184) = 1U << (UART_SPI - 32); /* ICENABLER1 */
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	guest_gic_enable();
	irqs_off();
	state_checks();
	priority_checks();
	line_checks();
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

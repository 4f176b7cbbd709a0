// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The PMU test guest: the PMUv3 of the core it runs on is its own. It finds the PMU in its
 * DTB and ID registers, finds it clean at start (nothing left from the last VM or its own last
 * run, which leaves the counters running on purpose), counts cycles and instructions, sees that
 * EL2's work behind its hypercalls is not in its counts, and takes one overflow interrupt.
 */
#include "guest.h"
#include "kernel/lib/fdt.h"

#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")
#define isb()		     __asm__ volatile("isb" : : : "memory")

#define PMCR_E		(1UL << 0)
#define PMCR_P		(1UL << 1)
#define PMCR_C		(1UL << 2)
#define PMCR_LC		(1UL << 6)
#define CYCLES_BIT	(1UL << 31)
#define NSH		(1UL << 27) /* PMEVTYPER<n>_EL0: count at EL2 */
#define EV_INST_RETIRED 0x08
#define EV_CPU_CYCLES	0x11
#define LOOPS		1000
#define HVCS		100

static volatile uint64_t pmu_irqs, pmu_ovs, other_irqs;
static unsigned int pmu_intid;

void guest_irq(void)
{
	uint64_t iar = read_sysreg(s3_0_c12_c12_0); /* ICC_IAR1_EL1 */

	if ((iar & 0xffffff) == pmu_intid) {
		pmu_irqs++;
		pmu_ovs = read_sysreg(pmovsset_el0);
		write_sysreg(pmovsclr_el0, pmu_ovs); /* the line drops with the overflow flag */
		isb();
	} else {
		other_irqs++;
	}
	write_sysreg(s3_0_c12_c12_1, iar); /* ICC_EOIR1_EL1: priority drop and deactivate */
	isb();
}

/* 'n' times round a two-instruction loop (SUBS, B.NE). */
static void spin(uint64_t n)
{
	__asm__ volatile("1: subs %0, %0, #1\n b.ne 1b" : "+r"(n) : : "cc");
}

static unsigned int dtb_pmu_intid(const void *dtb)
{
	struct fdt f;
	const uint8_t *irq;
	uint32_t len;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return 0;
	node = fdt_find_compatible(&f, -1, "arm,armv8-pmuv3");
	irq = node >= 0 ? fdt_getprop(&f, node, "interrupts", &len) : 0;
	if (!irq || len < 12 || fdt_be32(irq) != 1) /* <GIC_PPI num flags> */
		return 0;
	return 16 + fdt_be32(irq + 4);
}

static uint64_t count_insns(void (*fn)(void))
{
	write_sysreg(pmcntenclr_el0, 1);
	/* It asks for EL2 too (NSH): MDCR_EL2.HPMD must keep EL2 out all the same. */
	write_sysreg(pmevtyper0_el0, EV_INST_RETIRED | NSH);
	write_sysreg(pmevcntr0_el0, 0);
	write_sysreg(pmcntenset_el0, 1);
	isb();
	fn();
	isb();
	return read_sysreg(pmevcntr0_el0);
}

static void loop_work(void)
{
	spin(LOOPS);
}

static void hvc_work(void)
{
	for (unsigned int i = 0; i < HVCS; i++)
		guest_hvc(MONADIC_HVC_NULL, 0, 0, 0);
}

static void empty_work(void)
{
	for (unsigned int i = 0; i < HVCS; i++)
		__asm__ volatile("" : : : "memory");
}

static void test_overflow(void)
{
	guest_gic_enable();
	guest_enable_ppi(0, pmu_intid);
	write_sysreg(pmcntenclr_el0, 1);
	write_sysreg(pmevtyper0_el0, EV_CPU_CYCLES);
	write_sysreg(pmevcntr0_el0, 0xffffffffUL - 1000);
	write_sysreg(pmintenset_el1, 1);
	write_sysreg(pmcntenset_el0, 1);
	isb();
	for (unsigned long i = 0; i < 100000000UL && !pmu_irqs; i++)
		__asm__ volatile("" : : : "memory");
	spin(100000); /* long enough for a second interrupt, if the line stayed up */
	guest_check(pmu_irqs == 1 && (pmu_ovs & 1) && other_irqs == 0, "pmu-overflow-irq",
		    "%llu interrupts, PMOVSSET 0x%llx (now 0x%llx), %llu others, counter 0 at %llu",
		    (unsigned long long)pmu_irqs, (unsigned long long)pmu_ovs,
		    (unsigned long long)read_sysreg(pmovsset_el0), (unsigned long long)other_irqs,
		    (unsigned long long)read_sysreg(pmevcntr0_el0));
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1), pmcr, n, c0, c1, insns, hvc_i, idle_i;
	unsigned int ver = (dfr0 >> 8) & 0xf;
	bool have_insns;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	pmcr = read_sysreg(pmcr_el0);
	n = (pmcr >> 11) & 0x1f;
	pmu_intid = dtb_pmu_intid(dtb);
	guest_printf("guest: PMUVer %u, PMCR_EL0 0x%llx (%llu event counters), PMU PPI %u\n", ver,
		     (unsigned long long)pmcr, (unsigned long long)n, pmu_intid);
	guest_check(ver != 0 && ver != 0xf, "pmu-id", "ID_AA64DFR0_EL1 0x%llx",
		    (unsigned long long)dfr0);
	guest_check(pmu_intid >= 16 && pmu_intid < 32, "pmu-dtb", "PPI %u", pmu_intid);
	guest_check(n >= 1, "pmu-counters", "PMCR_EL0.N %llu", (unsigned long long)n);
	/* Clean at start: whatever ran here before (this guest too) left nothing behind. */
	guest_check(!(pmcr & PMCR_E) && read_sysreg(pmcntenset_el0) == 0 &&
			    read_sysreg(pmintenset_el1) == 0 && read_sysreg(pmovsset_el0) == 0 &&
			    read_sysreg(pmccntr_el0) == 0 && read_sysreg(pmevcntr0_el0) == 0 &&
			    read_sysreg(pmevtyper0_el0) == 0 && read_sysreg(pmccfiltr_el0) == 0,
		    "pmu-clean-at-start",
		    "PMCR 0x%llx CNTEN 0x%llx CCNT %llu EVCNT0 %llu TYPER0 0x%llx",
		    (unsigned long long)pmcr, (unsigned long long)read_sysreg(pmcntenset_el0),
		    (unsigned long long)read_sysreg(pmccntr_el0),
		    (unsigned long long)read_sysreg(pmevcntr0_el0),
		    (unsigned long long)read_sysreg(pmevtyper0_el0));

	/* Cycles: the cycle counter at EL1 and EL0, 64-bit. */
	write_sysreg(pmccfiltr_el0, 0);
	write_sysreg(pmcr_el0, PMCR_E | PMCR_P | PMCR_C | PMCR_LC);
	write_sysreg(pmcntenset_el0, CYCLES_BIT);
	isb();
	c0 = read_sysreg(pmccntr_el0);
	spin(100000);
	isb();
	c1 = read_sysreg(pmccntr_el0);
	guest_check(c1 > c0, "pmu-cycles", "%llu -> %llu", (unsigned long long)c0,
		    (unsigned long long)c1);
	guest_printf("guest: %llu cycles for 100000 loops\n", (unsigned long long)(c1 - c0));

	/*
	 * Overflow: counter 0 counting cycles from 2^32 - 1000, its interrupt the DTB's PPI.
	 * "no-overflow" on the command line leaves it out (QEMU 7.2 under -icount never raises
	 * an event counter's overflow, with or without a hypervisor).
	 */
	if (!guest_cmdline_has(dtb, "no-overflow"))
		test_overflow();
	else
		guest_printf("guest: overflow interrupt not tested (no-overflow)\n");
	write_sysreg(pmintenclr_el1, 1);

	/*
	 * Instructions (QEMU implements INST_RETIRED under -icount only, and says so in PMCEID0):
	 * the loop's 2 per round, and across hypercalls only what EL1 ran, not EL2's handler.
	 */
	have_insns = read_sysreg(pmceid0_el0) & (1UL << EV_INST_RETIRED);
	if (have_insns) {
		insns = count_insns(loop_work);
		guest_check(insns >= 2 * LOOPS && insns <= 2 * LOOPS + 40, "pmu-instructions",
			    "%llu for %u loops", (unsigned long long)insns, LOOPS);
		hvc_i = count_insns(hvc_work);
		idle_i = count_insns(empty_work);
		guest_printf(
			"guest: %llu instructions for %u loops, %llu for %u HVCs (%llu without)\n",
			(unsigned long long)insns, LOOPS, (unsigned long long)hvc_i, HVCS,
			(unsigned long long)idle_i);
		/* The call itself is a handful of EL1 instructions; EL2's are not counted. */
		guest_check(hvc_i > idle_i && hvc_i - idle_i < 30 * HVCS, "pmu-el2-excluded",
			    "%llu with HVCs, %llu without", (unsigned long long)hvc_i,
			    (unsigned long long)idle_i);
	} else {
		guest_printf("guest: INST_RETIRED not implemented here (PMCEID0_EL0)\n");
	}

	/* Leave everything running: the next start must find it clean all the same. */
	write_sysreg(pmevtyper0_el0, EV_CPU_CYCLES);
	write_sysreg(pmcntenset_el0, 1 | CYCLES_BIT);
	write_sysreg(pmccfiltr_el0, 1UL << 30); /* U: not EL0 */
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

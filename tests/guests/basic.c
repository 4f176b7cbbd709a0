// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The well-behaved test guest: PSCI and SMCCC answered per spec over HVC and SMC, our own
 * calls, emulated MMIO, an external abort injected for an access to nothing, sanitised ID
 * registers, an UNDEF for a register EL2 does not emulate, a second vCPU started with CPU_ON
 * and stopped with CPU_OFF. It prints one line per check, a summary, and powers off.
 */
#include "guest.h"
#include "kernel/lib/fdt.h"

extern char secondary_start[];

static volatile uint64_t secondary_ran, secondary_ready, ipi_seen;

#define IPI_INTID  5
#define UART_INTID 33 /* SPI 1, as the DTB says */

/* Interrupts taken by either vCPU: an SGI from the other one is a virtual IPI. */
void guest_irq(void)
{
	uint64_t iar;

	__asm__ volatile("mrs %0, s3_0_c12_c12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
	if ((iar & 0xffffff) == IPI_INTID)
		ipi_seen = (read_sysreg(mpidr_el1) & 0xff) + 1; /* which vCPU got it, plus one */
	if ((iar & 0xffffff) == UART_INTID) {
		volatile uint32_t *u = (volatile uint32_t *)guest_uart();

		while (!(u[0x18 / 4] & 0x10)) /* FR.RXFE clear: a byte waits */
			guest_printf("guest: rx '%c'\n", (char)(u[0] & 0xff));
	}
	__asm__ volatile("msr s3_0_c12_c12_1, %0\n isb" : : "r"(iar)); /* ICC_EOIR1_EL1 */
}

void guest_secondary(uint64_t cpu)
{
	guest_printf("guest: vcpu%llu online, MPIDR 0x%llx\n", (unsigned long long)cpu,
		     (unsigned long long)(read_sysreg(mpidr_el1) & 0xffffff));
	guest_gic_enable();
	secondary_ready = 1;
	/* Wait for vCPU 0's IPI, sleeping in WFI. */
	guest_wfi_until(&ipi_seen, 0, 100000000UL);
	secondary_ran = cpu;
	__asm__ volatile("dsb sy" : : : "memory"); /* the flag is out before we go */
	guest_hvc(PSCI_CPU_OFF, 0, 0, 0);
	guest_printf("guest: FAIL CPU_OFF returned\n");
	for (;;)
		;
}

static unsigned int ec_of(uint64_t esr)
{
	return (unsigned int)(esr >> 26) & 0x3f;
}

static void test_calls(void)
{
	int64_t r;

	r = guest_hvc(PSCI_VERSION, 0, 0, 0);
	guest_check(r == 0x10001, "psci-version", "0x%llx", (long long)r);
	r = guest_smc(PSCI_VERSION, 0, 0, 0);
	guest_check(r == 0x10001, "psci-version-smc", "0x%llx", (long long)r);
	r = guest_hvc(PSCI_FEATURES, PSCI_CPU_ON, 0, 0);
	guest_check(r == 0, "psci-features-cpu-on", "%lld", (long long)r);
	r = guest_hvc(PSCI_FEATURES, 0x840000ffU, 0, 0);
	guest_check(r == -1, "psci-features-unknown", "%lld", (long long)r);
	r = guest_hvc(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0);
	guest_check(r == 2, "psci-migrate-info-type", "%lld", (long long)r);
	r = guest_hvc(SMCCC_VERSION, 0, 0, 0);
	guest_check(r == 0x10001, "smccc-version", "0x%llx", (long long)r);
	r = guest_hvc(SMCCC_ARCH_FEATURES, 0x80008000U, 0, 0); /* a workaround we do not offer */
	guest_check(r == -1, "smccc-arch-features", "%lld", (long long)r);
	r = guest_hvc(0xc7001234U, 1, 2, 3);
	guest_check(r == -1, "unknown-call", "%lld", (long long)r);
	r = guest_hvc(MONADIC_HVC_NULL, 0, 0, 0);
	guest_check(r == 0, "null-hypercall", "%lld", (long long)r);
}

static void test_mmio(void)
{
	volatile uint32_t *u = (volatile uint32_t *)guest_uart();

	guest_check((u[0x18 / 4] & 0x80) != 0, "mmio-uart-fr-txfe", "FR 0x%x", u[0x18 / 4]);
	guest_check(u[0xfe0 / 4] == 0x11 && u[0xffc / 4] == 0xb1, "mmio-uart-primecell-id",
		    "0x%x 0x%x", u[0xfe0 / 4], u[0xffc / 4]);
	u[0x30 / 4] = 0x301; /* CR: UARTEN | TXE | RXE */
	guest_check(u[0x30 / 4] == 0x301, "mmio-uart-cr-readback", "0x%x", u[0x30 / 4]);
}

static void test_abort(void)
{
	volatile uint64_t *nothing = (volatile uint64_t *)0x1000; /* no RAM, no device */
	uint64_t v;

	guest_fault_reset();
	v = *nothing;
	(void)v;
	/* From EL1: EC 0x25 (Data Abort, same EL); DFSC 0x10 synchronous external abort. */
	guest_check(guest_fault.count == 1 && ec_of(guest_fault.esr) == 0x25 &&
			    (guest_fault.esr & 0x3f) == 0x10 && guest_fault.far == 0x1000,
		    "abort-injected", "count %llu ESR 0x%llx FAR 0x%llx",
		    (unsigned long long)guest_fault.count, (unsigned long long)guest_fault.esr,
		    (unsigned long long)guest_fault.far);
}

static void test_sysregs(void)
{
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1), dfr0 = read_sysreg(id_aa64dfr0_el1);

	guest_check(((pfr0 >> 32) & 0xf) == 0, "id-no-sve", "PFR0 0x%llx",
		    (unsigned long long)pfr0);
	guest_check((pfr0 & 0xff) == 0x11, "id-aarch64-only", "PFR0 0x%llx",
		    (unsigned long long)pfr0);
	/* The core's PMU is the guest's: PMUVer is neither 0 (none) nor 0xf (not PMUv3). */
	guest_check(((dfr0 >> 8) & 0xf) != 0 && ((dfr0 >> 8) & 0xf) != 0xf, "id-pmu", "DFR0 0x%llx",
		    (unsigned long long)dfr0);
	guest_fault_reset();
	/* ACTLR_EL1 (HCR_EL2.TACR traps it) is not emulated: EL2 injects UNDEF. */
	__asm__ volatile("mrs x0, actlr_el1" : : : "x0");
	guest_check(guest_fault.count == 1 && ec_of(guest_fault.esr) == 0x00, "undef-injected",
		    "count %llu ESR 0x%llx", (unsigned long long)guest_fault.count,
		    (unsigned long long)guest_fault.esr);
	guest_fault_reset();
	/* Debug and PMU registers are trapped too, but read as zero rather than fault. */
	guest_check(read_sysreg(mdscr_el1) == 0 && guest_fault.count == 0, "debug-raz",
		    "count %llu", (unsigned long long)guest_fault.count);
}

/* The emulated distributor and redistributor frames, as a GIC driver probes and programs them. */
static void test_gic_frames(unsigned int ncpus)
{
	volatile uint32_t *d = (volatile uint32_t *)guest_gicd();
	volatile uint32_t *r = (volatile uint32_t *)guest_gicr(0);
	volatile uint8_t *prio = (volatile uint8_t *)(guest_gicd() + 0x400);
	uint64_t typer;

	if (!d || !r) {
		guest_check(false, "gic-dtb", "no arm,gic-v3 reg in the DTB");
		return;
	}
	guest_check(((d[0xffe8 / 4] >> 4) & 0xf) == 3, "gicd-pidr2-v3", "PIDR2 0x%x",
		    d[0xffe8 / 4]);
	guest_check((d[1] & 0x1f) >= 1 && ((d[1] >> 19) & 0x1f) == 13 && (d[1] & (1U << 17)),
		    "gicd-typer", "TYPER 0x%x", d[1]);
	d[0] = 0x12; /* ARE_NS | EnableGrp1A */
	guest_check((d[0] & 0x12) == 0x12, "gicd-ctlr", "CTLR 0x%x", d[0]);
	d[0x100 / 4 + 1] = 1U << 1; /* ISENABLER1: enable SPI 33 */
	guest_check(d[0x100 / 4 + 1] == 2, "gicd-enable", "ISENABLER1 0x%x", d[0x100 / 4 + 1]);
	d[0x180 / 4 + 1] = 1U << 1; /* ICENABLER1 */
	guest_check(d[0x100 / 4 + 1] == 0, "gicd-disable", "ISENABLER1 0x%x", d[0x100 / 4 + 1]);
	prio[33] = 0x80;
	guest_check(prio[33] == 0x80, "gicd-priority-byte", "0x%x", prio[33]);
	typer = *(volatile uint64_t *)((uintptr_t)r + 8);
	guest_check((typer >> 32) == 0 && ((typer >> 4) & 1) == (ncpus == 1), "gicr-typer",
		    "TYPER 0x%llx", (unsigned long long)typer);
	if (ncpus > 1) {
		typer = *(volatile uint64_t *)(guest_gicr(ncpus - 1) + 8);
		guest_check((typer >> 32) == ncpus - 1 && ((typer >> 4) & 1), "gicr-last",
			    "TYPER 0x%llx", (unsigned long long)typer);
	}
	r[0x14 / 4] = 0; /* WAKER: clear ProcessorSleep */
	guest_check((r[0x14 / 4] & 6) == 0, "gicr-waker", "WAKER 0x%x", r[0x14 / 4]);
	guest_fault_reset();
	(void)d[0x10000 / 4 - 1];			 /* inside the GICD frame: fine */
	(void)*(volatile uint32_t *)(guest_gicr(ncpus)); /* past the last redistributor */
	guest_check(guest_fault.count == 1, "gicr-beyond-faults", "%llu faults",
		    (unsigned long long)guest_fault.count);
}

static void test_cpu_on(unsigned int ncpus)
{
	int64_t r;

	r = guest_hvc(PSCI_CPU_ON, 0x80000077U, (uintptr_t)secondary_start, 7);
	guest_check(r == -2, "cpu-on-bad-mpidr", "%lld", (long long)r);
	if (ncpus < 2) {
		guest_printf("guest: skip cpu-on (one vCPU)\n");
		return;
	}
	r = guest_hvc(PSCI_CPU_ON, 1, (uintptr_t)secondary_start, 1);
	guest_check(r == 0, "cpu-on", "%lld", (long long)r);
	for (unsigned long i = 0; i < 200000000UL && !secondary_ready; i++)
		__asm__ volatile("yield");
	/* Virtual IPI: SGI 5 to Aff0 = 1 (ICC_SGI1R_EL1 TargetList bit 1), trapped by EL2. */
	__asm__ volatile("msr s3_0_c12_c11_5, %0\n isb" : : "r"((uint64_t)IPI_INTID << 24 | 2));
	for (unsigned long i = 0; i < 200000000UL && secondary_ran != 1; i++)
		__asm__ volatile("yield");
	guest_check(ipi_seen == 2, "ipi-to-vcpu1", "seen by %llu (vCPU + 1)",
		    (unsigned long long)ipi_seen);
	guest_check(secondary_ran == 1, "cpu-on-ran", "flag %llu",
		    (unsigned long long)secondary_ran);
	for (unsigned long i = 0; i < 200000000UL; i++)
		if (guest_hvc(PSCI_AFFINITY_INFO, 1, 0, 0) == 1)
			break;
	r = guest_hvc(PSCI_AFFINITY_INFO, 1, 0, 0);
	guest_check(r == 1, "cpu-off-affinity-info", "%lld", (long long)r);
}

/* The initrd the DTB describes (linux,initrd-start/end): its first bytes are a known marker. */
static void test_initrd(const void *dtb)
{
	static const char marker[] = "MONADIC-INITRD";
	struct fdt f;
	const uint8_t *ps, *pe;
	uint32_t ls = 0, le = 0;
	uint64_t start = 0, end = 0;
	int node;
	bool ok = true;

	if (!fdt_init(&f, dtb, 1 << 20) && (node = fdt_path_offset(&f, "/chosen")) >= 0) {
		ps = fdt_getprop(&f, node, "linux,initrd-start", &ls);
		pe = fdt_getprop(&f, node, "linux,initrd-end", &le);
		if (ps && pe) {
			start = fdt_read_cells(ps, ls / 4);
			end = fdt_read_cells(pe, le / 4);
		}
	}
	for (unsigned int i = 0; start && i < sizeof(marker) - 1; i++)
		ok = ok && ((const volatile char *)start)[i] == marker[i];
	guest_check(start && end > start && ok, "initrd", "start 0x%llx end 0x%llx",
		    (unsigned long long)start, (unsigned long long)end);
	guest_printf("guest: initrd of %llu bytes at 0x%llx\n", (unsigned long long)(end - start),
		     (unsigned long long)start);
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t el = (read_sysreg(CurrentEL) >> 2) & 3;
	uint64_t info[4];

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0); /* no console: nothing to report on */
	guest_hvc4(MONADIC_HVC_INFO, info);
	guest_printf("guest: hello from vm%llu vcpu%llu of %llu at EL%llu, DTB at %p\n",
		     (unsigned long long)info[1], (unsigned long long)info[2],
		     (unsigned long long)info[3], (unsigned long long)el, dtb);
	guest_check(info[0] == 0 && info[2] == 0, "info-call", "x0 %lld vcpu %llu",
		    (long long)info[0], (unsigned long long)info[2]);
	guest_check(el == 1, "runs-at-el1", "EL%llu", (unsigned long long)el);
	test_calls();
	test_mmio();
	test_abort();
	test_sysregs();
	test_gic_frames((unsigned int)info[3]);
	test_cpu_on((unsigned int)info[3]);
	if (guest_cmdline_has(dtb, "initrd"))
		test_initrd(dtb);
	guest_summary();
	if (guest_cmdline_has(dtb, "reset")) {
		guest_printf("guest: resetting\n");
		guest_hvc(0x84000009U, 0, 0, 0); /* PSCI SYSTEM_RESET */
		guest_printf("guest: FAIL SYSTEM_RESET returned\n");
	}
	if (guest_cmdline_has(dtb, "stay")) {
		/*
		 * Keep running until the VM is stopped from outside, echoing what arrives on the
		 * console: the UART's receive interrupt, enabled at the distributor as a driver does.
		 */
		volatile uint32_t *gicd = (volatile uint32_t *)guest_gicd();
		volatile uint32_t *u = (volatile uint32_t *)guest_uart();

		guest_gic_enable();
		gicd[0] = 0x12;				       /* GICD_CTLR: ARE_NS | EnableGrp1A */
		gicd[0x100 / 4 + 1] = 1U << (UART_INTID - 32); /* GICD_ISENABLER1 */
		u[0x38 / 4] = (1U << 4) | (1U << 6);	       /* UARTIMSC: RXIM | RTIM */
		guest_printf("guest: staying up\n");
		for (;;)
			__asm__ volatile("wfi");
	}
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	guest_printf("guest: FAIL SYSTEM_OFF returned\n");
	for (;;)
		;
}

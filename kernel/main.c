// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The primary CPU's path from boot/head.S to the shell: DTB, console, EL2 state, MMU. */
#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/arch/cpuid.h"
#include "kernel/lib/err.h"
#include "kernel/exception.h"
#include "kernel/hyp.h"
#include "kernel/init.h"
#include "kernel/panic.h"
#include "kernel/drivers/gic.h"
#include "kernel/drivers/uart.h"
#include "kernel/efi_boot.h"
#include "kernel/arch/psci.h"
#include "kernel/smp.h"

/* The boot protocol allows a DTB of up to 2 MiB (booting.rst, "Setup the device tree"). */
#define DTB_MAX_SIZE (2U << 20)

struct hyp_state hyp;

extern char __image_start[];

/* Why the boot stopped before a console existed; readable from GDB ("p boot_failure"). */
const char *boot_failure;

/* Parse the DTB the loader passed; on failure there is no console to say so. */
static int discover(const void *dtb, struct err_why *why)
{
	int ret;

	if (!dtb || ((uintptr_t)dtb & 7))
		return err_fail(why, E_BADFDT, "no DTB: x0 = %p is not an 8-byte aligned address",
				dtb);
	ret = fdt_init(&hyp.fdt, dtb, DTB_MAX_SIZE);
	if (ret)
		return err_fail(why, ret, "bad DTB at %p: %s", dtb, hyp.fdt.why);
	return plat_parse(&hyp.plat, &hyp.fdt, why);
}

/*
 * The generic timer's event stream wakes WFE whenever counter bit EVNTI toggles, i.e. every
 * 2^(EVNTI + 1) ticks (Arm ARM D12.2.3). Aim for about 100 us whatever CNTFRQ_EL0 is, so a
 * waiter whose SEV was lost rechecks its condition soon, while spurious wake-ups stay rare.
 */
static unsigned int event_stream_bit(void)
{
	uint64_t ticks = read_sysreg(cntfrq_el0) / 10000;
	unsigned int bit = 0;

	while (bit < 15 && (2UL << (bit + 1)) <= ticks)
		bit++;
	return bit;
}

/*
 * EL2 configuration for a hypervisor with no VM yet: stage 2 off, every trap set, FP/SVE/SME
 * and trace trapped, EL1 allowed the physical counter and timer only when a VM is built.
 */
void el2_setup(void)
{
	uint64_t pmcr = read_sysreg(pmcr_el0);
	unsigned int pmu_counters = FIELD_GET(pmcr, PMCR_EL0_N_SHIFT, PMCR_EL0_N_WIDTH);

	write_sysreg(hcr_el2, HCR_EL2_FAIL_CLOSED);
	write_sysreg(vtcr_el2, hyp.vtcr);
	write_sysreg(vttbr_el2, 0); /* no VM: VMID 0, no tables */
	write_sysreg(cptr_el2, CPTR_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TFP | CPTR_EL2_TSM |
				       CPTR_EL2_TTA | CPTR_EL2_TCPAC);
	/* EL1 would own every PMU counter (HPMN = N) but PMU and debug registers trap. */
	write_sysreg(mdcr_el2, FIELD_PREP(pmu_counters, MDCR_EL2_HPMN_SHIFT, MDCR_EL2_HPMN_WIDTH) |
				       MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TDA |
				       MDCR_EL2_TDOSA | MDCR_EL2_TDRA);
	write_sysreg(cnthctl_el2, CNTHCTL_EL2_EL1PCTEN | CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EVNTEN |
					  CNTHCTL_EL2_EVNTI(event_stream_bit()));
	write_sysreg(cntvoff_el2, 0);
	isb(); /* the new trap configuration is in force from here on */
}

/* The distributor and the redistributor regions the DTB lists. */
static int gic_boot(const struct platform *p)
{
	for (unsigned int r = 0; r < p->gic.n_redist; r++)
		if (gic_add_redist(p->gic.redist[r].base, p->gic.redist[r].size))
			break;
	return gic_init(p->gic.version, p->gic.dist.base);
}

__attribute__((noreturn)) void boot_main(void *dtb);
__attribute__((noreturn)) void boot_main(void *dtb)
{
	static struct err_why why;
	int ret;

	if (!boot_entry_count)
		boot_entry_count = read_sysreg(cntpct_el0);
	/* As an EFI application the platform was found before ExitBootServices (kernel/efi.c). */
	if (efi_handoff_take(&hyp.plat)) {
		hyp.dtb = NULL;
		ret = 0;
	} else {
		hyp.dtb = dtb;
		ret = discover(dtb, &why);
	}
	if (ret) {
		/* Without a DTB we do not know where a UART is; leave the reason for a debugger. */
		boot_failure = why.msg;
		park();
	}
	console_init(&(struct uart_cfg){ .kind = (enum uart_kind)hyp.plat.uart.kind,
					 .base = hyp.plat.uart.reg.base,
					 .reg_shift = hyp.plat.uart.reg_shift,
					 .reg_width = hyp.plat.uart.reg_width });
	printk("\nmonadic-hypervisor %s (built %s), loaded at %p\n", build_version, build_date,
	       (void *)__image_start);
	if (hyp.plat.fw.uefi)
		printk("UEFI %s rev 0x%x, platform from %s%s\n", hyp.plat.fw.vendor,
		       hyp.plat.fw.revision,
		       hyp.plat.fw.source == PLAT_SRC_ACPI ? "ACPI: "
							   : "the configuration table's DT",
		       hyp.plat.fw.acpi_tables);
	if (hyp.plat.fw.boot_warn[0])
		pr_warn("UEFI: %s; its word was dropped from the command line\n",
			hyp.plat.fw.boot_warn);
	if (hyp.plat.fw.acpi_warn[0])
		pr_warn("ACPI: skipped: %s\n", hyp.plat.fw.acpi_warn);

	/* The layers above the core join here: Stage-2 limits, the MMU, memory and VM 0. */
	init_run(INIT_BEFORE_EL2);
	el2_setup();
	init_run(INIT_MEMORY);
	init_run(INIT_VMS);
	ret = psci_init(hyp.plat.psci.conduit);
	if (ret)
		pr_warn("PSCI conduit '%s' unusable at EL2: reset, poweroff and SMP unavailable\n",
			plat_conduit_name(hyp.plat.psci.conduit));
	ret = smp_init_boot_cpu(&hyp.plat);
	if (ret)
		panic("the boot CPU (MPIDR 0x%llx) is not in the DTB's /cpus",
		      (unsigned long long)read_sysreg(mpidr_el1));
	ret = gic_boot(&hyp.plat);
	if (!ret)
		ret = gic_init_cpu();
	if (ret)
		pr_warn("GICv3 unavailable (%s): secondary CPUs will not be woken\n", err_str(ret));
	else if (!console_enable_wakeup(hyp.plat.uart.intid, percpu[0].mpidr))
		pr_warn("console: no usable UART interrupt; the shell polls\n");

	if (hyp.plat.fw.uefi)
		printk("EL%u, %u CPUs, %llu MiB RAM from the UEFI memory map, platform from %s, "
		       "MMU "
		       "and caches on\n",
		       current_el(), hyp.plat.n_cpus,
		       (unsigned long long)(plat_mem_total(&hyp.plat) >> 20),
		       hyp.plat.fw.source == PLAT_SRC_ACPI ? "ACPI" : "the DT");
	else
		printk("EL%u, %u CPUs, %llu MiB RAM, DTB %u bytes at %p, MMU and caches on\n",
		       current_el(), hyp.plat.n_cpus,
		       (unsigned long long)(plat_mem_total(&hyp.plat) >> 20), hyp.plat.dtb_size,
		       dtb);
	console_smp = true;
	if (!ret && hyp.plat.psci.conduit == PSCI_CONDUIT_SMC)
		printk("%u of %u CPUs online\n", smp_start_secondaries(), smp_ncpus);
	/*
	 * CNTPCT_EL0 from the firmware's hand-off (the EFI entry, or boot_main() on the Image
	 * path) to here, and the hand-off's own count: the time since the counter started at
	 * reset, which under QEMU includes the firmware's run.
	 */
	{
		uint64_t now = read_sysreg(cntpct_el0), hz = read_sysreg(cntfrq_el0);

		printk("boot: %llu us from hand-off to the shell; hand-off at %llu us\n",
		       (unsigned long long)((now - boot_entry_count) * 1000000 / hz),
		       (unsigned long long)(boot_entry_count * 1000000 / hz));
	}
	/* The shell (and the guests our command line names) take this CPU from here. */
	init_run(INIT_ENTRY);
	printk("HALTED: nothing registered to run after boot\n");
	park();
}

/* Entered at EL1 or EL3 (boot/head.S): explain on the DTB's console and stop. */
__attribute__((noreturn)) void boot_wrong_el(void *dtb);
__attribute__((noreturn)) void boot_wrong_el(void *dtb)
{
	static struct err_why why;
	unsigned int el = current_el();

	if (discover(dtb, &why)) {
		boot_failure = "entered below EL2 and no usable DTB";
		park();
	}
	console_init(&(struct uart_cfg){ .kind = (enum uart_kind)hyp.plat.uart.kind,
					 .base = hyp.plat.uart.reg.base,
					 .reg_shift = hyp.plat.uart.reg_shift,
					 .reg_width = hyp.plat.uart.reg_width });
	printk("\nmonadic-hypervisor: entered at EL%u, but a hypervisor must start at EL2.\n", el);
	printk("With QEMU use -M virt,virtualization=on; with U-Boot, boot from EL2 (booti).\n");
	printk("HALTED: wrong exception level\n");
	park();
}

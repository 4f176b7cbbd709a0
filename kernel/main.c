// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The primary CPU's path from boot/head.S to the shell: DTB, console, EL2 state, MMU. */
#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/arch/cpuid.h"
#include "kernel/lib/err.h"
#include "kernel/exception.h"
#include "kernel/hyp.h"
#include "kernel/panic.h"
#include "mm/mmu.h"
#include "monitor/shell.h"
#include "kernel/drivers/gic.h"
#include "kernel/arch/psci.h"
#include "kernel/smp.h"
#include "kernel/vmm/vm.h"
#include "pci/pci_host.h"
#include "pci/smmu_host.h"

/* The boot protocol allows a DTB of up to 2 MiB (booting.rst, "Setup the device tree"). */
#define DTB_MAX_SIZE (2U << 20)

struct hyp_state hyp;

extern char __image_start[];

/* Why the boot stopped before a console existed; readable from GDB ("p boot_failure"). */
const char *boot_failure;

/* Parse the DTB the loader passed; on failure there is no console to say so. */
static int discover(const void *dtb, char *why, size_t whylen)
{
	int ret;

	if (!dtb || ((uintptr_t)dtb & 7)) {
		fmt_snprintf(why, whylen, "no DTB: x0 = %p is not an 8-byte aligned address", dtb);
		return E_BADFDT;
	}
	ret = fdt_init(&hyp.fdt, dtb, DTB_MAX_SIZE);
	if (ret) {
		fmt_snprintf(why, whylen, "bad DTB at %p: %s", dtb, hyp.fdt.why);
		return ret;
	}
	return plat_parse(&hyp.plat, &hyp.fdt, why, whylen);
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

/*
 * VM 0's address space, built at boot so it can be inspected before guests run: RAM
 * identity-mapped (IPA = PA, so DMA addresses stay right without an SMMU), a quarter of free
 * RAM up to 256 MiB. Passed-through devices are added when PCIe is enumerated.
 */
static void vm0_build(void)
{
	uint64_t size = pmem_free_bytes(&phys_mem) / 4;
	struct vm *vm;
	int ret;

	if (size > (256UL << 20))
		size = 256UL << 20;
	size &= ~((2UL << 20) - 1);
	ret = size ? vm_create("vm0", size, true, &vm) : E_NOMEM;
	if (ret) {
		pr_warn("vm0: cannot build its address space: %s\n", err_str(ret));
		return;
	}
	ret = pci_host_init(&hyp.plat);
	if (ret && ret != E_NOENT)
		pr_warn("pci: enumeration incomplete: %s (see 'pci')\n", err_str(ret));
	if (pci_present) {
		int n = pci_host_passthrough_nvme(vm);

		printk("PCIe: %u function%s, %d NVMe BAR0 mapped into vm0\n", pci_topo.n_fn,
		       pci_topo.n_fn == 1 ? "" : "s", n);
		ret = smmu_host_init();
		if (!ret)
			printk("SMMUv3: on, %u StreamIDs abort DMA until a VM owns them\n",
			       1u << smmu_host.sid_log2);
		else if (ret != E_NOENT)
			pr_warn("smmu: not used: %s (%s)\n", smmu_host.why_off, err_str(ret));
	}
}

__attribute__((noreturn)) void boot_main(void *dtb);
__attribute__((noreturn)) void boot_main(void *dtb)
{
	static char why[160];
	struct vm *first_vm;
	bool attach;
	int ret;

	hyp.dtb = dtb;
	ret = discover(dtb, why, sizeof(why));
	if (ret) {
		/* Without a DTB we do not know where a UART is; leave the reason for a debugger. */
		boot_failure = why;
		park();
	}
	console_init(hyp.plat.uart.reg.base);
	printk("\nmonadic-hypervisor %s (built %s), loaded at %p\n", build_version, build_date,
	       (void *)__image_start);

	ret = vtcr_compute(read_sysreg(id_aa64mmfr0_el1), read_sysreg(id_aa64mmfr1_el1), &hyp.vtcr);
	if (ret)
		panic("cannot derive VTCR_EL2 from ID_AA64MMFR0_EL1: %s", err_str(ret));
	el2_setup();
	ret = mmu_init(&hyp.plat);
	if (ret)
		panic("EL2 MMU set-up failed: %s", err_str(ret));
	ret = mem_init(&hyp.plat, dtb, hyp.plat.dtb_size);
	if (ret)
		panic("physical memory set-up failed: %s", err_str(ret));
	vm0_build();
	ret = psci_init(hyp.plat.psci.conduit);
	if (ret)
		pr_warn("PSCI conduit '%s' unusable at EL2: reset, poweroff and SMP unavailable\n",
			plat_conduit_name(hyp.plat.psci.conduit));
	ret = smp_init_boot_cpu(&hyp.plat);
	if (ret)
		panic("the boot CPU (MPIDR 0x%llx) is not in the DTB's /cpus",
		      (unsigned long long)read_sysreg(mpidr_el1));
	ret = gic_init(&hyp.plat);
	if (!ret)
		ret = gic_init_cpu();
	if (ret)
		pr_warn("GICv3 unavailable (%s): secondary CPUs will not be woken\n", err_str(ret));
	else if (!console_enable_wakeup(hyp.plat.uart.intid, percpu[0].mpidr))
		pr_warn("console: no usable UART interrupt; the shell polls\n");

	printk("EL%u, %u CPUs, %llu MiB RAM, DTB %u bytes at %p, MMU and caches on\n", current_el(),
	       hyp.plat.n_cpus, (unsigned long long)(plat_mem_total(&hyp.plat) >> 20),
	       hyp.plat.dtb_size, dtb);
	console_smp = true;
	if (!ret && hyp.plat.psci.conduit == PSCI_CONDUIT_SMC)
		printk("%u of %u CPUs online\n", smp_start_secondaries(), smp_ncpus);
	/* Guests named on our command line (vm=...), each on its own cores. */
	first_vm = vm_boot_from_cmdline(hyp.plat.bootargs, &attach);
	if (first_vm && attach)
		vm_console(first_vm, true); /* `make run GUEST=...`: until it powers off */
	shell_run();
}

/* Entered at EL1 or EL3 (boot/head.S): explain on the DTB's console and stop. */
__attribute__((noreturn)) void boot_wrong_el(void *dtb);
__attribute__((noreturn)) void boot_wrong_el(void *dtb)
{
	static char why[160];
	unsigned int el = current_el();

	if (discover(dtb, why, sizeof(why))) {
		boot_failure = "entered below EL2 and no usable DTB";
		park();
	}
	console_init(hyp.plat.uart.reg.base);
	printk("\nmonadic-hypervisor: entered at EL%u, but a hypervisor must start at EL2.\n", el);
	printk("With QEMU use -M virt,virtualization=on; with U-Boot, boot from EL2 (booti).\n");
	printk("HALTED: wrong exception level\n");
	park();
}

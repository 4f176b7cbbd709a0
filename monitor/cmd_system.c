// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Shell commands about the machine itself: version, sysregs, platform, md, reset, poweroff. */
#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/arch/cpuid.h"
#include "kernel/lib/err.h"
#include "kernel/hyp.h"
#include "kernel/vmm/vm_vpe.h"
#include "monitor/provenance.h"
#include "kernel/drivers/uart.h"
#include "kernel/arch/psci.h"
#include "mm/mmu.h"
#include "mm/vtcr.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"

#define MD_DEFAULT_LEN 64
#define MD_MAX_LEN     4096

static int no_args(int argc, char **argv, const char *usage)
{
	if (argc > 1)
		return shell_error(E_INVAL, "unexpected argument '%s' (usage: %s)", argv[1], usage);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	struct json j;

	if (no_args(argc, argv, "version [--json]"))
		return E_INVAL;
	if (as_json) {
		shell_json_begin(&j);
		json_str(&j, "name", "monadic-hypervisor");
		json_str(&j, "version", build_version);
		json_str(&j, "build_date", build_date);
		json_str(&j, "compiler", build_compiler);
		json_end(&j);
		return 0;
	}
	printk("monadic-hypervisor %s\nbuilt %s with %s\n", build_version, build_date,
	       build_compiler);
	return 0;
}
SHELL_COMMAND(version, "version", "[--json]", "revision, build date and compiler", NULL,
	      cmd_version);

struct id_regs {
	uint64_t midr, mpidr, pfr0, isar0, mmfr0, mmfr1, dfr0;
	uint64_t hcr, vtcr, vttbr, sctlr, cntfrq;
};

static void read_id_regs(struct id_regs *r)
{
	r->midr = read_sysreg(midr_el1);
	r->mpidr = read_sysreg(mpidr_el1);
	r->pfr0 = read_sysreg(id_aa64pfr0_el1);
	r->isar0 = read_sysreg(id_aa64isar0_el1);
	r->mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	r->mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	r->dfr0 = read_sysreg(id_aa64dfr0_el1);
	r->hcr = read_sysreg(hcr_el2);
	r->vtcr = read_sysreg(vtcr_el2);
	r->vttbr = read_sysreg(vttbr_el2);
	r->sctlr = read_sysreg(sctlr_el2);
	r->cntfrq = read_sysreg(cntfrq_el0);
}

static int cmd_sysregs(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	struct id_regs r;
	unsigned int impl, part, parange, pmuver, ipa, sl, roots;
	struct json j;

	if (no_args(argc, argv, "sysregs [--json]"))
		return E_INVAL;
	read_id_regs(&r);
	impl = MIDR_IMPLEMENTER(r.midr);
	part = MIDR_PARTNUM(r.midr);
	parange = FIELD_GET(r.mmfr0, ID_AA64MMFR0_PARANGE_SHIFT, 4);
	pmuver = FIELD_GET(r.dfr0, ID_AA64DFR0_PMUVER_SHIFT, 4);
	vtcr_decode(r.vtcr, &ipa, &sl, &roots);

	if (as_json) {
		shell_json_begin(&j);
		json_u64(&j, "current_el", current_el());
		json_hex(&j, "midr", r.midr);
		json_str(&j, "implementer", cpuid_implementer_name(impl));
		json_str(&j, "core", cpuid_core_name(impl, part));
		provenance_json(&j, &hyp.plat);
		json_u64(&j, "variant", MIDR_VARIANT(r.midr));
		json_u64(&j, "revision", MIDR_REVISION(r.midr));
		json_hex(&j, "mpidr", r.mpidr);
		json_hex(&j, "id_aa64pfr0", r.pfr0);
		json_hex(&j, "id_aa64isar0", r.isar0);
		json_hex(&j, "id_aa64mmfr0", r.mmfr0);
		json_hex(&j, "id_aa64mmfr1", r.mmfr1);
		json_hex(&j, "id_aa64dfr0", r.dfr0);
		json_u64(&j, "pa_bits", cpuid_parange_bits(parange));
		json_bool(&j, "lse", cpuid_has_lse(r.isar0));
		json_bool(&j, "vhe", cpuid_has_vhe(r.mmfr1));
		json_str(&j, "pmu_version", cpuid_pmuver_name(pmuver));
		json_u64(&j, "cntfrq", r.cntfrq);
		json_hex(&j, "hcr_el2", r.hcr);
		json_hex(&j, "vtcr_el2", r.vtcr);
		json_u64(&j, "ipa_bits", ipa);
		json_u64(&j, "s2_start_level", sl);
		json_hex(&j, "vttbr_el2", r.vttbr);
		json_hex(&j, "sctlr_el2", r.sctlr);
		json_end(&j);
		return 0;
	}
	printk("CurrentEL        EL%u\n", current_el());
	printk("MIDR_EL1         0x%016llx  %s %s r%llup%llu\n", (unsigned long long)r.midr,
	       cpuid_implementer_name(impl), cpuid_core_name(impl, part),
	       (unsigned long long)MIDR_VARIANT(r.midr), (unsigned long long)MIDR_REVISION(r.midr));
	printk("MPIDR_EL1        0x%016llx  Aff3.2.1.0 = %llu.%llu.%llu.%llu\n",
	       (unsigned long long)r.mpidr,
	       (unsigned long long)FIELD_GET(r.mpidr, MPIDR_AFF3_SHIFT, MPIDR_AFF_WIDTH),
	       (unsigned long long)FIELD_GET(r.mpidr, MPIDR_AFF2_SHIFT, MPIDR_AFF_WIDTH),
	       (unsigned long long)FIELD_GET(r.mpidr, MPIDR_AFF1_SHIFT, MPIDR_AFF_WIDTH),
	       (unsigned long long)FIELD_GET(r.mpidr, MPIDR_AFF0_SHIFT, MPIDR_AFF_WIDTH));
	printk("ID_AA64PFR0_EL1  0x%016llx  EL2=%s SVE=%s GIC sysregs=%s\n",
	       (unsigned long long)r.pfr0,
	       FIELD_GET(r.pfr0, ID_AA64PFR0_EL2_SHIFT, 4) ? "yes" : "no",
	       FIELD_GET(r.pfr0, ID_AA64PFR0_SVE_SHIFT, 4) ? "yes" : "no",
	       FIELD_GET(r.pfr0, ID_AA64PFR0_GIC_SHIFT, 4) ? "yes" : "no");
	printk("ID_AA64ISAR0_EL1 0x%016llx  LSE=%s\n", (unsigned long long)r.isar0,
	       cpuid_has_lse(r.isar0) ? "yes" : "no");
	printk("ID_AA64MMFR0_EL1 0x%016llx  PARange=%u (%u bits) TGran4=%s\n",
	       (unsigned long long)r.mmfr0, parange, cpuid_parange_bits(parange),
	       FIELD_GET(r.mmfr0, ID_AA64MMFR0_TGRAN4_SHIFT, 4) == 0xf ? "no" : "yes");
	printk("ID_AA64MMFR1_EL1 0x%016llx  VHE=%s VMIDBits=%s\n", (unsigned long long)r.mmfr1,
	       cpuid_has_vhe(r.mmfr1) ? "yes" : "no",
	       FIELD_GET(r.mmfr1, ID_AA64MMFR1_VMIDBITS_SHIFT, 4) == 2 ? "16" : "8");
	printk("ID_AA64DFR0_EL1  0x%016llx  PMUVer=%s\n", (unsigned long long)r.dfr0,
	       cpuid_pmuver_name(pmuver));
	printk("HCR_EL2          0x%016llx\n", (unsigned long long)r.hcr);
	printk("VTCR_EL2         0x%016llx  IPA %u bits, start level %u, %u root table%s, VMID "
	       "%s\n",
	       (unsigned long long)r.vtcr, ipa, sl, roots, roots > 1 ? "s" : "",
	       (r.vtcr & VTCR_EL2_VS) ? "16-bit" : "8-bit");
	printk("VTTBR_EL2        0x%016llx\n", (unsigned long long)r.vttbr);
	printk("SCTLR_EL2        0x%016llx  M=%llu C=%llu I=%llu WXN=%llu\n",
	       (unsigned long long)r.sctlr, (unsigned long long)(r.sctlr & SCTLR_EL2_M),
	       (r.sctlr & SCTLR_EL2_C) ? 1ULL : 0ULL, (r.sctlr & SCTLR_EL2_I) ? 1ULL : 0ULL,
	       (r.sctlr & SCTLR_EL2_WXN) ? 1ULL : 0ULL);
	printk("CNTFRQ_EL0       %llu Hz\n", (unsigned long long)r.cntfrq);
	return 0;
}
SHELL_COMMAND(sysregs, "sysregs", "[--json]", "system and ID registers, decoded", NULL,
	      cmd_sysregs);

static const char *space_name(enum pci_space s)
{
	switch (s) {
	case PCI_SPACE_IO:
		return "io";
	case PCI_SPACE_MEM32:
		return "mem32";
	case PCI_SPACE_MEM64:
		return "mem64";
	default:
		return "cfg";
	}
}

static void platform_json(const struct platform *p)
{
	struct json j;

	shell_json_begin(&j);
	json_str(&j, "model", p->model);
	json_str(&j, "compatible", p->compatible);
	json_str(&j, "source", provenance_source(p));
	provenance_json(&j, p);
	json_str(&j, "bootargs", p->bootargs);
	json_u64(&j, "dtb_size", p->dtb_size);
	json_u64(&j, "mem_total", plat_mem_total(p));
	json_arr_begin(&j, "mem");
	for (unsigned int i = 0; i < p->n_mem; i++) {
		json_obj_begin(&j, NULL);
		json_u64(&j, "base", p->mem[i].base);
		json_u64(&j, "size", p->mem[i].size);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "cpus");
	for (unsigned int i = 0; i < p->n_cpus; i++) {
		json_obj_begin(&j, NULL);
		json_hex(&j, "mpidr", p->cpus[i].mpidr);
		json_bool(&j, "psci", p->cpus[i].psci);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_begin(&j, "uart");
	json_str(&j, "node", p->uart.node);
	json_str(&j, "kind", uart_kind_name((enum uart_kind)p->uart.kind));
	json_hex(&j, "base", p->uart.reg.base);
	json_hex(&j, "size", p->uart.reg.size);
	json_obj_end(&j);
	json_obj_begin(&j, "gic");
	json_u64(&j, "version", p->gic.version);
	json_hex(&j, "dist", p->gic.dist.base);
	json_arr_begin(&j, "redist");
	for (unsigned int i = 0; i < p->gic.n_redist; i++) {
		json_obj_begin(&j, NULL);
		json_hex(&j, "base", p->gic.redist[i].base);
		json_hex(&j, "size", p->gic.redist[i].size);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_hex(&j, "its", p->gic.its.base);
	/* What the ITS holds now: LPIs and vPEs in use, commands that failed. */
	json_obj_begin(&j, "its_state");
	json_bool(&j, "on", gic_its.on);
	json_bool(&j, "v4", gic_its_v4_ok());
	json_u64(&j, "lpis_used", gic_its.lpis_used);
	json_u64(&j, "vpes_used", vm_vpe_in_use());
	json_u64(&j, "commands", gic_its.commands);
	json_u64(&j, "errors", gic_its.errors);
	json_obj_end(&j);
	json_obj_end(&j);
	json_obj_begin(&j, "timer");
	json_bool(&j, "present", p->timer.present);
	json_u64(&j, "intid_phys", p->timer.intid_phys);
	json_u64(&j, "intid_virt", p->timer.intid_virt);
	json_u64(&j, "intid_hyp", p->timer.intid_hyp);
	json_u64(&j, "cntfrq", read_sysreg(cntfrq_el0));
	json_obj_end(&j);
	json_obj_begin(&j, "psci");
	json_bool(&j, "present", p->psci.present);
	json_str(&j, "conduit", plat_conduit_name(p->psci.conduit));
	json_str(&j, "compatible", p->psci.compatible);
	json_obj_end(&j);
	json_obj_begin(&j, "pcie");
	json_bool(&j, "present", p->pcie.present);
	json_hex(&j, "ecam", p->pcie.ecam.base);
	json_hex(&j, "ecam_size", p->pcie.ecam.size);
	json_u64(&j, "bus_start", p->pcie.bus_start);
	json_u64(&j, "bus_end", p->pcie.bus_end);
	json_arr_begin(&j, "windows");
	for (unsigned int i = 0; i < p->pcie.n_windows; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "space", space_name(p->pcie.windows[i].space));
		json_bool(&j, "prefetchable", p->pcie.windows[i].prefetchable);
		json_hex(&j, "pci_addr", p->pcie.windows[i].pci_addr);
		json_hex(&j, "cpu_addr", p->pcie.windows[i].cpu_addr);
		json_hex(&j, "size", p->pcie.windows[i].size);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_obj_begin(&j, "smmu");
	json_bool(&j, "present", p->smmu.present);
	json_hex(&j, "base", p->smmu.reg.base);
	json_obj_end(&j);
	json_u64(&j, "devices", p->n_devs);
	json_end(&j);
}

static int cmd_platform(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	const struct platform *p = &hyp.plat;

	if (no_args(argc, argv, "platform [--json]"))
		return E_INVAL;
	if (as_json) {
		platform_json(p);
		return 0;
	}
	printk("model       %s (%s)\n", p->model, p->compatible);
	if (p->fw.source == PLAT_SRC_ACPI)
		printk("source      ACPI (%s): %s%s%s\n", p->fw.acpi_oem, p->fw.acpi_tables,
		       p->fw.acpi_warn[0] ? "; skipped: " : "", p->fw.acpi_warn);
	else if (p->fw.uefi)
		printk("source      DT from the UEFI configuration table, %u bytes\n", p->dtb_size);
	else
		printk("source      DT, %u bytes at %p, %u nodes\n", p->dtb_size, hyp.dtb,
		       hyp.fdt.n_nodes);
	if (p->fw.uefi)
		printk("firmware    UEFI %s rev 0x%x; SMBIOS cpu \"%s\" \"%s\", product \"%s\"\n",
		       p->fw.vendor, p->fw.revision, p->fw.cpu_manufacturer, p->fw.cpu_version,
		       p->fw.product);
	printk("bootargs    \"%s\"\n", p->bootargs);
	printk("memory      %llu MiB in %u range%s\n",
	       (unsigned long long)(plat_mem_total(p) >> 20), p->n_mem, p->n_mem == 1 ? "" : "s");
	for (unsigned int i = 0; i < p->n_mem; i++)
		printk("              0x%012llx-0x%012llx (%llu MiB)\n",
		       (unsigned long long)p->mem[i].base,
		       (unsigned long long)(p->mem[i].base + p->mem[i].size - 1),
		       (unsigned long long)(p->mem[i].size >> 20));
	for (unsigned int i = 0; i < p->n_reserved; i++)
		printk("  reserved  0x%012llx-0x%012llx\n", (unsigned long long)p->reserved[i].base,
		       (unsigned long long)(p->reserved[i].base + p->reserved[i].size - 1));
	printk("cpus        %u:", p->n_cpus);
	for (unsigned int i = 0; i < p->n_cpus; i++)
		printk(" 0x%llx", (unsigned long long)p->cpus[i].mpidr);
	printk("\n");
	printk("uart        %s at 0x%llx (%s", p->uart.node, (unsigned long long)p->uart.reg.base,
	       uart_kind_name((enum uart_kind)p->uart.kind));
	if (p->uart.kind == UART_16550)
		printk(", reg-shift %u, %u-byte access", p->uart.reg_shift, p->uart.reg_width);
	if (p->uart.pci_vendor != 0xffff && p->fw.source == PLAT_SRC_ACPI)
		printk(", PCI %04x:%04x at %02x:%02x.%x", p->uart.pci_vendor, p->uart.pci_device,
		       p->uart.pci_bus, p->uart.pci_dev, p->uart.pci_fn);
	printk(")\n");
	printk("gic         v%u, distributor 0x%llx", p->gic.version,
	       (unsigned long long)p->gic.dist.base);
	for (unsigned int i = 0; i < p->gic.n_redist; i++)
		printk(", redistributors 0x%llx+0x%llx", (unsigned long long)p->gic.redist[i].base,
		       (unsigned long long)p->gic.redist[i].size);
	if (p->gic.its.base)
		printk(", ITS 0x%llx", (unsigned long long)p->gic.its.base);
	printk("\n");
	if (p->timer.present)
		printk("timer       INTIDs phys %u, virt %u, hyp %u; CNTFRQ_EL0 %llu Hz\n",
		       p->timer.intid_phys, p->timer.intid_virt, p->timer.intid_hyp,
		       (unsigned long long)read_sysreg(cntfrq_el0));
	printk("psci        %s, conduit %s\n", p->psci.present ? p->psci.compatible : "absent",
	       plat_conduit_name(p->psci.conduit));
	if (p->pcie.present) {
		printk("pcie        ECAM 0x%llx+0x%llx, buses %u-%u\n",
		       (unsigned long long)p->pcie.ecam.base, (unsigned long long)p->pcie.ecam.size,
		       p->pcie.bus_start, p->pcie.bus_end);
		for (unsigned int i = 0; i < p->pcie.n_windows; i++) {
			const struct pci_window *w = &p->pcie.windows[i];

			printk("              %-5s%s cpu 0x%llx pci 0x%llx size 0x%llx\n",
			       space_name(w->space), w->prefetchable ? " pref" : "",
			       (unsigned long long)w->cpu_addr, (unsigned long long)w->pci_addr,
			       (unsigned long long)w->size);
		}
	} else {
		printk("pcie        none\n");
	}
	printk("smmu        %s", p->smmu.present ? "SMMUv3" : "none");
	if (p->smmu.present)
		printk(" at 0x%llx", (unsigned long long)p->smmu.reg.base);
	printk("\ndevices     %u regions mapped Device-nGnRE at EL2%s\n", p->n_devs,
	       p->n_devs_dropped ? " (some dropped: table full)" : "");
	return 0;
}
SHELL_COMMAND(platform, "platform", "[--json]", "what the device tree describes", NULL,
	      cmd_platform);

/* MAIR attribute encoding from PAR_EL1.ATTR: Device memory has the top nibble 0. */
static bool par_is_device(uint64_t par)
{
	return ((par >> 56) & 0xf0) == 0;
}

static int cmd_md(int argc, char **argv)
{
	uint64_t addr, len = MD_DEFAULT_LEN, pa, par;
	uint8_t line[16];
	bool device;
	int ret;

	if (argc < 2 || argc > 3)
		return shell_error(E_INVAL, "usage: md <addr> [len]");
	ret = parse_u64(argv[1], &addr);
	if (ret)
		return shell_error(ret, "md: bad address '%s': %s", argv[1], err_str(ret));
	if (argc == 3) {
		ret = parse_size(argv[2], &len);
		if (ret)
			return shell_error(ret, "md: bad length '%s': %s", argv[2], err_str(ret));
		if (len == 0 || len > MD_MAX_LEN)
			return shell_error(E_RANGE, "md: length must be 1 to %d bytes", MD_MAX_LEN);
	}
	if (addr + len < addr)
		return shell_error(E_RANGE, "md: address range wraps around");
	/* Every page of the range must translate at EL2 before anything is read. */
	for (uint64_t page = addr & ~(PT_PAGE_SIZE - 1); page < addr + len; page += PT_PAGE_SIZE) {
		if (!mmu_va_readable(page, &pa))
			return shell_error(E_FAULT, "md: 0x%llx is not mapped at EL2",
					   (unsigned long long)(page < addr ? addr : page));
	}
	par = at_s1e2r(addr);
	device = par_is_device(par);
	if (device) {
		/* Registers may not accept byte reads: use aligned 32-bit accesses. */
		len += addr & 3;
		addr &= ~3UL;
		len = (len + 3) & ~3UL;
	}
	for (uint64_t off = 0; off < len; off += 16) {
		unsigned int n = len - off < 16 ? (unsigned int)(len - off) : 16;

		for (unsigned int i = 0; i < n; i += device ? 4 : 1) {
			uintptr_t a = (uintptr_t)(addr + off + i);

			if (device) {
				uint32_t w = mmio_read32(a);

				for (unsigned int b = 0; b < 4; b++)
					line[i + b] = (uint8_t)(w >> (8 * b));
			} else {
				line[i] = mmio_read8(a);
			}
		}
		printk("%016llx: ", (unsigned long long)(addr + off));
		for (unsigned int i = 0; i < 16; i++) {
			if (i < n)
				printk("%02x ", line[i]);
			else
				printk("   ");
		}
		printk(" |");
		for (unsigned int i = 0; i < n; i++)
			console_putc(line[i] >= 0x20 && line[i] < 0x7f ? (char)line[i] : '.');
		printk("|\n");
	}
	return 0;
}
SHELL_COMMAND(md, "md", "<addr> [len]", "memory dump in hex and ASCII (len 1-4096, default 64)",
	      "  The range must be mapped at EL2 (RAM, the image, DTB-described devices).\n"
	      "  Device memory is read with aligned 32-bit accesses.",
	      cmd_md);

static int cmd_reset(int argc, char **argv)
{
	int64_t ret;

	if (no_args(argc, argv, "reset"))
		return E_INVAL;
	printk("resetting the system (PSCI SYSTEM_RESET)\n");
	uart_flush();
	psci_system_reset();
	ret = psci_version();
	return shell_error(E_NOTSUP, "reset: PSCI SYSTEM_RESET returned (PSCI_VERSION says %lld)",
			   (long long)ret);
}
SHELL_COMMAND(reset, "reset", "", "reset the machine through PSCI SYSTEM_RESET", NULL, cmd_reset);

static int cmd_poweroff(int argc, char **argv)
{
	if (no_args(argc, argv, "poweroff"))
		return E_INVAL;
	printk("powering off (PSCI SYSTEM_OFF)\n");
	uart_flush();
	psci_system_off();
	return shell_error(E_NOTSUP, "poweroff: PSCI SYSTEM_OFF returned");
}
SHELL_COMMAND(poweroff, "poweroff", "", "power the machine off through PSCI SYSTEM_OFF", NULL,
	      cmd_poweroff);

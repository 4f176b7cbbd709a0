// SPDX-License-Identifier: BSD-2-Clause-Patent
/* `smmu`: the SMMUv3 the DTB names, its ID registers decoded, and what that means for DMA. */
#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/hyp.h"
#include "kernel/vmm/vm.h"
#include "pci/pci_host.h"
#include "pci/smmu_host.h"
#include "pci/smmuv3.h"
#include "mm/vtcr.h"
#include "monitor/shell.h"

#define SMMU_IDR0 0x00
#define SMMU_IIDR 0x18
#define SMMU_AIDR 0x1c
#define SMMU_CR0  0x20
#define SMMU_GBPA 0x44

static const char *dma_policy(const struct smmu_features *f)
{
	if (smmu_host.on && smmu_host_s2_ipa_max())
		return "translating: a VM's devices reach its RAM only, through the VM's own "
		       "Stage-2 (stage 2); other streams abort";
	if (smmu_host.on)
		return "translating: a VM's devices reach its RAM only (stage 1, identity), "
		       "other streams abort";
	return "no translation: VM RAM is identity-mapped so device DMA addresses stay right";
}

/* VTCR_EL2 of a VM with devices: the CPU's, its IPA size lowered to the SMMU's OAS. */
static uint64_t device_vm_vtcr(const struct smmu_features *f)
{
	uint64_t v = hyp.vtcr;

	if (f->oas_bits && vtcr_limit_ipa(hyp.vtcr, f->oas_bits, &v))
		v = hyp.vtcr;
	return v;
}

static int cmd_smmu(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	uintptr_t base = hyp.plat.smmu.reg.base;
	struct smmu_features f;
	struct smmu_idr r;
	uint32_t cr0, gbpa;
	char buf[200];
	struct json j;

	if (argc > 1)
		return shell_error(E_INVAL, "usage: smmu [--json]");
	if (!hyp.plat.smmu.present)
		return shell_error(E_NOENT,
				   "no arm,smmu-v3 node in the device tree "
				   "(QEMU: -M virt,iommu=smmuv3); device DMA is untranslated");
	for (unsigned int i = 0; i < 6; i++)
		r.idr[i] = mmio_read32(base + SMMU_IDR0 + 4 * i);
	r.iidr = mmio_read32(base + SMMU_IIDR);
	r.aidr = mmio_read32(base + SMMU_AIDR);
	smmu_host_poll_events(); /* what the SMMU recorded since last time */
	cr0 = mmio_read32(base + SMMU_CR0);
	gbpa = mmio_read32(base + SMMU_GBPA);
	smmu_decode(&r, &f);
	if (as_json) {
		shell_json_begin(&j);
		json_hex(&j, "base", base);
		for (unsigned int i = 0; i < 6; i++) {
			char key[8] = { 'i', 'd', 'r', (char)('0' + i), 0 };

			json_hex(&j, key, r.idr[i]);
		}
		json_hex(&j, "aidr", r.aidr);
		{
			char ver[12] = "SMMUv3.0";

			ver[7] = (char)('0' + (f.arch_minor < 10 ? f.arch_minor : 9));
			json_str(&j, "version", ver);
		}
		json_u64(&j, "arch_minor", f.arch_minor);
		json_bool(&j, "s1p", f.s1p);
		json_bool(&j, "s2p", f.s2p);
		json_bool(&j, "coherent", f.coherent);
		json_bool(&j, "vmid16", f.vmid16);
		json_u64(&j, "sid_bits", f.sid_bits);
		json_u64(&j, "oas_bits", f.oas_bits);
		json_bool(&j, "gran4k", f.gran4k);
		json_bool(&j, "enabled", cr0 & 1);
		json_bool(&j, "translating", smmu_host.on);
		json_str(&j, "why_off", smmu_host.why_off);
		json_str(&j, "dma_policy", dma_policy(&f));
		json_u64(&j, "vm_ipa_bits", 64 - (hyp.vtcr & 0x3f)); /* VTCR_EL2.T0SZ */
		json_u64(&j, "device_vm_ipa_bits", 64 - (device_vm_vtcr(&f) & 0x3f));
		if (smmu_s2_unfit(&f, device_vm_vtcr(&f)))
			json_str(&j, "s2_share_unfit", smmu_s2_unfit(&f, device_vm_vtcr(&f)));
		else
			json_null(&j, "s2_share_unfit");
		json_u64(&j, "events", smmu_host.events);
		json_u64(&j, "s2_invalidations", smmu_host.s2_tlbi);
		json_arr_begin(&j, "last_events");
		for (unsigned int i = 0; i < smmu_host.n_last; i++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "type", smmu_event_name(smmu_host.last[i].type));
			json_hex(&j, "sid", smmu_host.last[i].sid);
			json_hex(&j, "addr", smmu_host.last[i].addr);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_arr_begin(&j, "streams");
		for (unsigned int i = 0; smmu_host.on && i < pci_topo.n_fn; i++) {
			const struct pci_func *fn = &pci_topo.fn[i];
			char bdf[PCI_BDF_STRLEN];
			uint32_t sid;

			if (!smmu_host_sid(fn->bdf, &sid))
				continue;
			pci_format_bdf(bdf, sizeof(bdf), fn->bdf);
			json_obj_begin(&j, NULL);
			json_str(&j, "bdf", bdf);
			json_hex(&j, "sid", sid);
			json_str(&j, "ste", smmu_host_stream_state(sid));
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end(&j);
		return 0;
	}
	printk("SMMUv3.%u at 0x%llx (IIDR 0x%08x)\n", f.arch_minor, (unsigned long long)base,
	       r.iidr);
	printk("IDR0 0x%08x  %s\n", r.idr[0], smmu_describe_idr0(r.idr[0], buf, sizeof(buf)));
	printk("IDR1 0x%08x  SIDSIZE=%u SSIDSIZE=%u CMDQS=2^%u EVENTQS=2^%u\n", r.idr[1],
	       f.sid_bits, f.ssid_bits, f.cmdq_log2, f.evtq_log2);
	printk("IDR5 0x%08x  OAS=%u bits, granules:%s%s%s\n", r.idr[5], f.oas_bits,
	       f.gran4k ? " 4K" : "", f.gran16k ? " 16K" : "", f.gran64k ? " 64K" : "");
	printk("CR0  0x%08x  SMMUEN=%u; GBPA 0x%08x (%s when disabled)\n", cr0, cr0 & 1, gbpa,
	       (gbpa >> 20) & 1 ? "abort" : "bypass");
	printk("DMA: %s\n", dma_policy(&f));
	{
		uint64_t vtcr = device_vm_vtcr(&f);
		const char *why = smmu_s2_unfit(&f, vtcr);

		if (why)
			printk("stage 2: the VMs' Stage-2 tables cannot be shared: %s\n", why);
		else
			printk("stage 2: a VM's functions DMA through the VM's own Stage-2 tables "
			       "(%u-bit IPA space)%s\n",
			       64 - (unsigned int)(vtcr & 0x3f),
			       smmu_host.on ? "" : ", once the SMMU is in use");
	}
	if (!smmu_host.on)
		return 0;
	printk("events: %llu", (unsigned long long)smmu_host.events);
	for (unsigned int i = 0; i < smmu_host.n_last; i++)
		printk("%s %s SID 0x%x at 0x%llx",
		       i ? "," : "; newest:", smmu_event_name(smmu_host.last[i].type),
		       smmu_host.last[i].sid, (unsigned long long)smmu_host.last[i].addr);
	printk("\n");
	for (unsigned int i = 0; i < pci_topo.n_fn; i++) {
		const struct pci_func *fn = &pci_topo.fn[i];
		char bdf[PCI_BDF_STRLEN];
		uint32_t sid;

		if (!smmu_host_sid(fn->bdf, &sid))
			continue;
		pci_format_bdf(bdf, sizeof(bdf), fn->bdf);
		printk("  %s  StreamID 0x%04x  %s\n", bdf, sid, smmu_host_stream_state(sid));
	}
	return 0;
}
SHELL_COMMAND(smmu, "smmu", "[--json]", "the SMMUv3: ID registers decoded, DMA policy", NULL,
	      cmd_smmu);

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* `smmu`: the SMMUv3 the DTB names, its ID registers decoded, and what that means for DMA. */
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/err.h"
#include "kernel/hyp.h"
#include "pci/smmuv3.h"
#include "monitor/shell.h"

#define SMMU_IDR0 0x00
#define SMMU_IIDR 0x18
#define SMMU_AIDR 0x1c
#define SMMU_CR0  0x20
#define SMMU_GBPA 0x44

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
		json_str(&j, "dma_policy",
			 f.s2p ? "stage-2 available"
			       : "no stage 2: VM RAM is identity-mapped so device DMA addresses "
				 "stay right");
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
	if (f.s2p)
		printk("stage 2 supported: passed-through devices can share their VM's Stage-2 "
		       "tables\n");
	else
		printk("no stage 2 (QEMU before 8.1, or 8.1+ without -global arm-smmuv3.stage=2):\n"
		       "  VM RAM stays identity-mapped (IPA = PA) so device DMA addresses are "
		       "right\n");
	return 0;
}
SHELL_COMMAND(smmu, "smmu", "[--json]", "the SMMUv3: ID registers decoded, DMA policy", NULL,
	      cmd_smmu);

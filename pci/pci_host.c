// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * ECAM config access (PCIe Base 6.0, 7.2.2) through the EL2 mapping of the window the DTB names,
 * and enumeration at boot.
 */
#include "pci/pci_host.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"

struct pci_topo pci_topo;
bool pci_present;

/* ECAM is mapped Device-nGnRE: each access is one 32-bit load or store, in program order. */
static uint32_t ecam_read32(void *ctx, uint64_t off)
{
	return mmio_read32((uintptr_t)ctx + off);
}

static void ecam_write32(void *ctx, uint64_t off, uint32_t v)
{
	mmio_write32((uintptr_t)ctx + off, v);
}

bool pci_is_nvme(const struct pci_func *f)
{
	return f->class_code == 0x01 && f->subclass == 0x08 && f->progif == 0x02;
}

int pci_host_init(const struct platform *p, struct err_why *why)
{
	struct pci_cfg_ops ops = {
		.read32 = ecam_read32,
		.write32 = ecam_write32,
		.ctx = (void *)(uintptr_t)p->pcie.ecam.base,
		.bus_start = (uint8_t)p->pcie.bus_start,
		.bus_end = (uint8_t)p->pcie.bus_end,
	};
	uint64_t need = ((uint64_t)(p->pcie.bus_end - p->pcie.bus_start) + 1) << 20;
	int ret;

	if (!p->pcie.present)
		return E_NOENT;
	/* Never touch config space beyond the window the DTB gave us. */
	if (p->pcie.ecam.size < need)
		ops.bus_end = (uint8_t)(p->pcie.bus_start + (p->pcie.ecam.size >> 20) - 1);
	/* ACPI machines: the firmware's assignment stands (it may hold the console's BAR). */
	if (p->fw.firmware_bars) {
		ret = pci_scan(&pci_topo, &ops);
		int ret2 = pci_keep(&pci_topo, p->pcie.windows, p->pcie.n_windows);

		ret = ret ? ret : ret2;
	} else {
		ret = pci_enum(&pci_topo, &ops, p->pcie.windows, p->pcie.n_windows);
	}
	pci_present = true;
	pci_console_from_bootargs(p);
	return pci_enum_why(&pci_topo, ret, why);
}

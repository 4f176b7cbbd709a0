/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * PCIe functions passed through to a VM (docs/pcie-passthrough.md): the function appears on the
 * guest's emulated ECAM (pci/vpci.c), its memory BARs are mapped 1:1 Device-nGnRE in Stage-2,
 * its INTx is forwarded through the vGIC as a hardware interrupt, and its DMA lands in guest RAM
 * through the VM's own Stage-2 tables, which the SMMU shares (stage 2: the guest's RAM stays at
 * its usual IPA, anywhere in physical memory); where the SMMU has no stage 2 (or there is no
 * SMMU) the VM's RAM is identity-mapped (IPA = PA) instead, so DMA addresses are right as they
 * are.
 */
#ifndef KERNEL_VM_PCI_H
#define KERNEL_VM_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct err_why;

/* The guest's INTA for device 0; INTB-INTD and further devices follow the swizzle. */
#define VM_PCI_SPI_BASE 35
/*
 * Where a VM whose functions DMA through its Stage-2 has the physical ITS's translation page:
 * a hole in the guest layout (kernel/vmm/vm.h), just below the UART, not in the guest's DTB.
 */
#define VM_PCI_MSI_IPA	    0x08ff0000UL
#define GITS_TRANSLATER_OFF 0x10040 /* GICv3 spec 12.19.21: in the ITS's translation frame */

/*
 * Pass the function at 'bdf' through to 'vm' (not running). With the first function the VM's
 * Stage-2 is made shareable with the SMMU's stage 2 (its IPA size lowered to what the SMMU
 * takes, the ITS doorbell page mapped at VM_PCI_MSI_IPA) or, where that cannot be, its RAM moves
 * to IPA = PA. Takes the function's BARs out of VM 0. On failure returns an error and records
 * in 'why' a sentence for the user.
 */
int vm_pci_assign(struct vm *vm, uint16_t bdf, struct err_why *why);
/* At a start: functions put in a known state, their streams given the VM's SMMU context. */
void vm_pci_start(struct vm *vm);
/* On vCPU 0's CPU as it enters the guest: the functions' INTx lines routed here and enabled. */
void vm_pci_route_here(struct vm *vm);
/* When the VM stops: INTx lines disabled and deactivated, DMA and decoding off. */
void vm_pci_stop(struct vm *vm);
/* When the VM is destroyed: its SMMU context freed (its streams abort first). */
void vm_pci_release(struct vm *vm);
/*
 * The MMIO handler (kernel/vmm/mmio.h) of the guest's ECAM window, which vm_pci_assign()
 * registers with the first function: 'ctx' is the struct vm. Always 0: an access the emulated
 * config space has no register for reads all-ones or is ignored, as on a real bus.
 */
int vm_pci_ecam_mmio(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val);
/* A physical interrupt on a vCPU's CPU: true when it is a line passed through to 'vm' (it was
 * injected, as a hardware interrupt, into the vGIC). */
bool vm_pci_irq(struct vm *vm, unsigned int intid);
/* The physical INTID behind the guest's 'vintid', or 0 when it is not a forwarded line. */
unsigned int vm_pci_hw_intid(const struct vm *vm, unsigned int vintid);
/* The VM a function is passed through to, or NULL. */
const struct vm *vm_pci_owner(uint16_t bdf);
/*
 * The address a passed-through function of 'vm' writes its MSIs to so that they reach the
 * physical ITS's GITS_TRANSLATER, as the function's DMA sees it: VM_PCI_MSI_IPA + 0x40 when the
 * VM's Stage-2 translates its DMA (the page is mapped there from the first function on), the
 * register's PA otherwise (identity RAM: a stage-1 context must map that page at IOVA = PA for
 * the write to pass the SMMU); 0 when the platform has no ITS.
 */
uint64_t vm_pci_msi_addr(const struct vm *vm);
/*
 * How the VM's functions' DMA reaches its RAM: "smmu stage 2" (its own Stage-2), "smmu stage 1,
 * identity RAM", "identity RAM, untranslated" (no SMMU in use), or "none" (no functions).
 */
const char *vm_pci_dma_mode(const struct vm *vm);
/* Where the guest's ECAM sits (IPA). */
uint64_t vm_pci_ecam_ipa(void);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * MSI and MSI-X of passed-through functions, mediated (docs/pcie-passthrough.md): the guest
 * programs an emulated MSI capability or MSI-X table (kernel/vdev/vpci.c keeps what it wrote);
 * the function is programmed with the physical ITS's doorbell and events of its real DeviceID,
 * each mapped to a hypervisor LPI. When one arrives at EL2 it becomes the message the guest
 * programmed for that vector: a write of its data to the guest's ITS (kernel/vdev/vits.c) under
 * the function's guest DeviceID, and so the guest's LPI. Nothing the guest writes reaches the
 * function's MSI registers as written.
 */
#ifndef KERNEL_VM_MSI_H
#define KERNEL_VM_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vpci_func;

/*
 * The address a VM's functions are given for their messages: the physical ITS's GITS_TRANSLATER
 * as the function's DMA sees it. With RAM at IPA = PA and the SMMU (where there is one)
 * translating IOVA = PA, that is its PA; 0 without an ITS.
 */
uint64_t vm_msi_doorbell(const struct vm *vm);
/*
 * At assignment of 'g' to 'vm': its MSI and MSI-X are mediated when there is an ITS (hidden
 * otherwise). *trap and *trap_size (0 when none) are the pages of the BAR holding the MSI-X
 * table, which the caller leaves out of Stage-2 and which are emulated from then on. 0, or
 * E_NOMEM when the VM's table of emulated regions is full.
 */
int vm_msi_assign(struct vm *vm, struct vpci_func *g, uint64_t *trap, uint64_t *trap_size);
/* After a guest write to g's config space or MSI-X table (under pci_lock): the device follows. */
void vm_msi_sync(struct vm *vm, struct vpci_func *g);
/*
 * After the guest's ITS commands may have moved events (MAPD, MAPC, MAPTI, MAPI, MOVI, MOVALL,
 * DISCARD): each mediated event whose message its ITS now routes to another vCPU is moved at the
 * physical ITS (MOVI, SYNC) to the collection of the pCPU that vCPU is pinned to, so its LPI is
 * taken where the guest will handle it. Takes pci_lock and then vgic_lock: not under either.
 */
void vm_msi_follow(struct vm *vm);
/*
 * The guest's ITS ran commands or was switched on or off ('inv': among them an INV or INVALL):
 * with GICv4, each event of its functions follows its tables, mapped at the physical ITS to
 * the vLPI and vCPU they name (VMAPTI, VMOVI, DISCARD) or back to a hypervisor LPI. Takes
 * pci_lock, then vgic_lock: not to be called with vgic_lock held.
 */
void vm_msi_its_changed(struct vm *vm, bool inv);
/* At a start: the guest's view back to reset (both off, vectors masked). */
void vm_msi_start(struct vm *vm);
/* When the VM stops: the functions' MSI and MSI-X off, their events discarded, LPIs freed. */
void vm_msi_stop(struct vm *vm);

#endif

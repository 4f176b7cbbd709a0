/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * GICv4.0 vPEs for a VM's vCPUs (IHI 0069, 5.4, 6.3): where the GIC has them, a passed-through
 * function's MSI is mapped at the physical ITS (VMAPTI) straight to the guest's vLPI on the
 * vPE of the vCPU the guest's ITS names, and reaches the running vCPU without an exit. Each
 * vPE has a virtual pending table and a doorbell LPI; it is resident on the vCPU's CPU while
 * the vCPU runs and not while it sleeps in WFI, when the doorbell wakes it.
 */
#ifndef KERNEL_VM_VPE_H
#define KERNEL_VM_VPE_H

#include <stdbool.h>

struct vm;
struct vcpu;

/* vINTIDs a vPE covers: below 2^14, the LPIs the guest's redistributors offer (VGIC_NR_LPIS). */
#define VPE_ID_BITS 14

/*
 * At a start, its vCPUs placed: a vPE for each (VMAPP to its CPU's redistributor), when the
 * GIC has GICv4 and the VM is not held to the emulated path; a vCPU whose vPE cannot be had
 * keeps the emulated path, with a log line.
 */
void vm_vpe_start(struct vm *vm);
/* At a stop, its events already unmapped and no vCPU running: VMAPP V=0, tables freed. */
void vm_vpe_stop(struct vm *vm);
/* May an event be mapped to a vLPI of v's vPE (it exists, the guest's LPIs are on)? */
bool vm_vpe_ready(const struct vcpu *v);
/* On v's CPU: its vPE resident (GICR_VPROPBASER, GICR_VPENDBASER), when it has one. */
void vm_vpe_load(struct vcpu *v);
/* On v's CPU: its vPE no longer resident. True when a vLPI is pending in its VPT. */
bool vm_vpe_put(struct vcpu *v);
/* vPEIDs in use, by every VM (shown by `platform`). */
unsigned int vm_vpe_in_use(void);
/* The guest's INV or INVALL: each vPE of the VM re-reads its vLPIs' configuration. */
void vm_vpe_invall(struct vm *vm);

#endif

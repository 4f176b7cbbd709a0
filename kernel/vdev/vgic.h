/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Virtual interrupts for guests through the GICv3 virtualisation extensions (IHI 0069, ch. 6):
 * the hypervisor keeps what is pending for each vCPU and writes it into the list registers
 * (ICH_LR<n>_EL2) before every entry; the guest acknowledges and completes through the
 * virtual CPU interface (ICV_*) without trapping: SGIs, PPIs, SPIs and LPIs (from the ITS,
 * kernel/vdev/vits.c).
 */
#ifndef KERNEL_VGIC_H
#define KERNEL_VGIC_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* On the vCPU's CPU, before its first entry: list registers clear, virtual interface on. */
void vgic_vcpu_start(struct vcpu *v);
/* On the vCPU's CPU when it leaves for good: interface off, its physical PPIs disabled. */
void vgic_vcpu_stop(struct vcpu *v);
/* Mark an interrupt pending for 'v'; kick its CPU when that is another one. */
void vgic_inject(struct vcpu *v, unsigned int intid);
/* Make LPI 'intid' pending for 'v' (the ITS's translation); out-of-range INTIDs are ignored. */
void vgic_inject_lpi(struct vcpu *v, unsigned int intid);
/* ITS CLEAR, DISCARD: LPI 'intid' is no longer pending for 'v' (nor in its LR, if it runs here). */
void vgic_clear_lpi(struct vcpu *v, unsigned int intid);
/* ITS MOVI (one LPI) and MOVALL (intid 0: all): pending LPIs of 'from' become pending for 'to'. */
void vgic_move_lpis(struct vcpu *from, struct vcpu *to, unsigned int intid);
/* Make 'v' flush soon (ITS INV, INVALL: a property-table change to look at). */
void vgic_inject_kick(struct vcpu *v);
struct vm;
/*
 * The PA behind [ipa, ipa + len) when Stage-2 maps every page of it onto the VM's own RAM, else
 * 0: the check before the hypervisor reads or writes a table the guest points it at.
 */
uint64_t vgic_guest_ram(const struct vm *vm, uint64_t ipa, uint64_t len);
/* An SPI for 'vm': to the vCPU GICD_IROUTER names (vCPU 0 when none matches). */
void vgic_inject_spi(struct vm *vm, unsigned int intid);
/*
 * An emulated device's interrupt line to SPI 'intid' is now 'high' (or low). As GICD_ICFGR says:
 * edge-triggered, a rising edge makes it pending; level-sensitive, it is pending while the
 * line is high (lowering it takes the pending state back) and again after the guest's EOI.
 */
void vgic_set_spi_line(struct vm *vm, unsigned int intid, bool high);
/* On the vCPU's CPU, before ERET: move pending interrupts into free list registers. */
void vgic_flush(struct vcpu *v);
/* True when an interrupt waits for the guest (pending or in a list register). */
bool vgic_has_pending(struct vcpu *v);
/*
 * A physical interrupt taken (and its priority dropped) while the guest ran. True when it stays
 * active for the guest to deactivate (a forwarded device interrupt, the guest's timers' and
 * PMU's PPIs: ICH_LR<n>_EL2.HW); false when the caller deactivates it (everything else).
 */
bool vgic_physical_irq(struct vcpu *v, unsigned int intid);
/*
 * On the vCPU's CPU: a timer PPI whose condition no longer holds (the guest disabled or masked
 * the timer, or moved its compare value) stops being pending for the guest.
 */
void vgic_timer_sync(struct vcpu *v);
/* A trapped write to ICC_SGI1R_EL1 (the guest sending an SGI to some of its vCPUs). */
void vgic_sgi1r_write(struct vcpu *v, uint64_t val);
/*
 * MMIO handlers (kernel/vmm/mmio.h) for a VM's distributor frame and its redistributor region
 * (one 128 KiB frame per vCPU, in vCPU order): 'ctx' is the struct vm. Each access is made under
 * the VM's vgic_lock. 0, or an error for an access the frames do not emulate.
 */
int vgic_mmio_gicd(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val);
int vgic_mmio_gicr(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val);

#endif

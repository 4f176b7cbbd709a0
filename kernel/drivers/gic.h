/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * GICv3 physical interrupt controller, owned by the hypervisor (Arm IHI 0069, GICv3/v4
 * architecture specification). Used for software-generated interrupts between CPUs.
 */
#ifndef KERNEL_GIC_H
#define KERNEL_GIC_H

#include <stdbool.h>
#include <stdint.h>

/* The SGI that wakes an idle CPU to look at its work slot. */
#define GIC_SGI_WAKE	   0
#define GIC_INTID_SPURIOUS 1023

/* Redistributor regions the DTB may list (QEMU virt has one; large servers a few). */
#define GIC_MAX_REDIST 8

/*
 * Add a region of redistributor frames (a "reg" entry of the DTB's GIC node) for
 * gic_init_cpu() to search; before gic_init(). 0, or E_RANGE when GIC_MAX_REDIST are known.
 */
int gic_add_redist(uint64_t base, uint64_t size);
/*
 * Distributor (once, on the boot CPU): 'version' is the GIC architecture the DTB names.
 * 0, or E_NOTSUP without a GICv3, its distributor or a redistributor region.
 */
int gic_init(unsigned int version, uint64_t dist_base);
/* This CPU's redistributor and CPU interface. 0 or E_NOENT when no frame matches MPIDR. */
int gic_init_cpu(void);
/* The RD_base of the redistributor of the CPU with affinity 'mpidr', or 0. */
uintptr_t gic_redist_base(uint64_t mpidr);
/* Route SPI 'intid' to the CPU with affinity 'mpidr' as Group 1 and enable it. */
int gic_enable_spi(unsigned int intid, uint64_t mpidr, bool edge);
/* Disable SPI 'intid' and clear its pending and active state (a passed-through line let go). */
void gic_disable_spi(unsigned int intid);
/*
 * Split priority drop from deactivation on this CPU (ICC_CTLR_EL1.EOImode = 1) while it runs a
 * vCPU: a forwarded hardware interrupt stays active until the guest deactivates its virtual
 * twin (ICH_LR<n>_EL2.HW). Everything else then needs gic_deactivate() after gic_eoi().
 */
void gic_set_eoi_split(bool split);
void gic_deactivate(unsigned int intid);
/* Send SGI 'intid' (0-15) to the CPU with affinity 'mpidr'. */
void gic_send_sgi(uint64_t mpidr, unsigned int intid);
/* Enable or disable an SGI/PPI (INTID < 32) at this CPU's redistributor. */
void gic_enable_ppi(unsigned int intid);
void gic_disable_ppi(unsigned int intid);
/* Acknowledge the highest-priority pending Group 1 interrupt; returns its INTID (1023: none). */
unsigned int gic_ack(void);
void gic_eoi(unsigned int intid);

#endif

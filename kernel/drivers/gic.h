/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * GICv3 physical interrupt controller, owned by the hypervisor (Arm IHI 0069, GICv3/v4
 * architecture specification). Used for software-generated interrupts between CPUs.
 */
#ifndef KERNEL_GIC_H
#define KERNEL_GIC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/platform.h"

/* The SGI that wakes an idle CPU to look at its work slot. */
#define GIC_SGI_WAKE	   0
#define GIC_INTID_SPURIOUS 1023

/* Distributor (once, on the boot CPU). 0 or E_NOTSUP when the DTB has no GICv3. */
int gic_init(const struct platform *p);
/* This CPU's redistributor and CPU interface. 0 or E_NOENT when no frame matches MPIDR. */
int gic_init_cpu(void);
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

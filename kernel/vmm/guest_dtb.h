/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The device tree a guest boots with: an arm64 machine like QEMU's "virt" (RAM, PSCI CPUs, GICv3,
 * architected timer, PL011, optionally a generic ECAM PCIe host), written with kernel/fdt_write.
 */
#ifndef KERNEL_GUEST_DTB_H
#define KERNEL_GUEST_DTB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_DTB_MAX_CPUS 8

/* GICv3 frames are 64 KiB (IHI 0069, ch. 12); each redistributor has two (RD_base, SGI_base). */
#define GUEST_DTB_GICD_SIZE_MIN 0x10000U
#define GUEST_DTB_GICR_PER_CPU	0x20000U

/* Default PL011 and APB clock when uart_clock_hz is 0 (QEMU virt's "clk24mhz"). */
#define GUEST_DTB_DEFAULT_CLOCK_HZ 24000000U

/* Timer PPIs in the order of the arm,armv8-timer "interrupts" property (arm,arch_timer.yaml). */
enum guest_dtb_timer { GUEST_TIMER_SEC, GUEST_TIMER_PHYS, GUEST_TIMER_VIRT, GUEST_TIMER_HYP };

struct guest_dtb_desc {
	const char *model; /* NULL: "monadic-hypervisor guest" */
	uint64_t ram_base, ram_size;
	unsigned int n_cpus;		    /* 1 to GUEST_DTB_MAX_CPUS */
	uint64_t mpidr[GUEST_DTB_MAX_CPUS]; /* affinity fields only, all different */
	uint64_t gicd_base, gicd_size;	    /* distributor */
	uint64_t gicr_base, gicr_size;	    /* redistributors: 128 KiB per vCPU, one region */
	uint64_t its_base, its_size;	    /* the ITS (arm,gic-v3-its); size 0: none */
	uint32_t timer_intids[4];	    /* enum guest_dtb_timer order, PPI INTIDs 16-31 */
	uint32_t maint_intid;		    /* GIC maintenance interrupt, a PPI INTID 16-31 */
	uint32_t pmu_intid;		    /* PMU overflow PPI (arm,armv8-pmuv3); 0: no PMU */
	uint64_t uart_base, uart_size;	    /* PL011 */
	uint32_t uart_spi;		    /* its INTID, >= 32 */
	uint32_t uart_clock_hz;		    /* 0: GUEST_DTB_DEFAULT_CLOCK_HZ */
	const char *bootargs;		    /* NULL: no /chosen/bootargs */
	uint64_t initrd_start, initrd_end;  /* [start, end) inside RAM; both 0 when none */
	uint64_t virtio_base, virtio_size;  /* a virtio-mmio device; size 0: none */
	uint32_t virtio_spi;		    /* its INTID, >= 32, edge-triggered */
	bool pcie;			    /* the fields below matter only when true */
	uint64_t ecam_base, ecam_size;	    /* at least (bus_end + 1) MiB */
	uint32_t bus_end;		    /* bus-range is 0 to bus_end (<= 255) */
	uint64_t mmio32_base, mmio32_size;  /* non-prefetchable window below 4 GiB */
	uint64_t mmio64_base, mmio64_size;  /* 64-bit window; size 0 leaves it out */
	uint32_t pcie_spi_base;		    /* INTID of INTA; INTB-INTD follow */
};

/*
 * Check a description: counts, alignment (4 KiB, 64 KiB for the GIC), sizes, INTID ranges, that
 * regions neither wrap nor overlap and the initrd lies in RAM. Returns 0 or E_INVAL.
 */
int guest_dtb_check(const struct guest_dtb_desc *d);

/*
 * Write the guest's DTB into buf[0, size) and set *out_size to its totalsize. Returns 0, E_INVAL
 * when guest_dtb_check() rejects the description or an argument is NULL (buf is then untouched),
 * or E_NOMEM when the blob does not fit (buf then holds no valid blob, and nothing was written
 * past buf + size). *out_size is written only on success.
 */
int guest_dtb_build(const struct guest_dtb_desc *d, void *buf, size_t size, uint32_t *out_size);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Helpers shared by the test guests: console, calls to EL2, check reporting, faults. */
#ifndef TESTS_GUESTS_GUEST_H
#define TESTS_GUESTS_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

/* Find the console in the DTB and remember it. 0 or an error. */
int guest_console_init(const void *dtb);
uintptr_t guest_uart(void);
/* /chosen/bootargs (the VM's command line), "" when there is none. */
const char *guest_bootargs(const void *dtb);
/* True when /chosen/bootargs contains 'word' (the VM's command line). */
bool guest_cmdline_has(const void *dtb, const char *word);
void guest_printf(const char *fmt, ...) FMT_PRINTF(1, 2);
/* One "guest: ok <name>" or "guest: FAIL <name>: ..." line; counts for the summary. */
void guest_check(bool ok, const char *name, const char *fmt, ...) FMT_PRINTF(3, 4);
void guest_summary(void);

int64_t guest_hvc(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3);
/* An HVC returning x0-x3 in out[0..3]. */
void guest_hvc4(uint64_t x0, uint64_t out[4]);
/* An HVC with x0-x3 in; x0 comes back, x1-x3 into out[0..2] unless out is NULL. */
int64_t guest_hvc_out(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t out[3]);
/* The size of our RAM, from the DTB's /memory@40000000 (0 when not found). */
uint64_t guest_ram_size(const void *dtb);
int64_t guest_smc(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3);

/* The last exception taken (by guest_exception in common.c), cleared by guest_fault_reset. */
struct guest_fault {
	volatile uint64_t count, esr, elr, far;
};
extern struct guest_fault guest_fault;
void guest_fault_reset(void);
/* Entry of vCPUs started by CPU_ON (start.S); the default in common.c calls CPU_OFF. */
void guest_secondary(uint64_t cpu);
/* Called for every IRQ taken (a guest defines it to handle interrupts). */
void guest_irq(void);
/* Turn on the GICv3 system-register interface (SRE, PMR, Group 1) and unmask IRQs. */
void guest_gic_enable(void);
/*
 * Sleep in WFI until *word > above, at most 'tries' times; true once it is. A flag set by the
 * guest's own IRQ handler cannot be checked and then slept on with IRQs unmasked: an interrupt
 * taken between the check and the WFI sets it, and the WFI then waits for one that never
 * comes. So the check and the WFI run with IRQs masked (WFI still wakes on a pending interrupt,
 * Arm ARM D1.6.2), and the interrupt is taken when they are unmasked after it.
 */
bool guest_wfi_until(const volatile uint64_t *word, uint64_t above, unsigned long tries);
/* GICD and this vCPU's GICR (RD_base) from the DTB (0 when not found). */
uintptr_t guest_gicd(void);
uintptr_t guest_gicr(unsigned int vcpu);
/* Enable a PPI (16-31) at this vCPU's redistributor, as a guest's GIC driver must. */
void guest_enable_ppi(unsigned int vcpu, unsigned int intid);
/* Config space of guest device 0 (bus 0, function 0) in the ECAM window the DTB names, or NULL. */
volatile uint8_t *guest_dev0_config(const void *dtb);

/* NVMe controller registers (NVMe Base Specification, "Controller Properties"). */
#define NVME_CAP     0x00
#define NVME_CC	     0x14
#define NVME_CSTS    0x1c
#define NVME_AQA     0x24
#define NVME_ASQ     0x28
#define NVME_ACQ     0x30
#define NVME_SQ0TDBL 0x1000 /* admin SQ 0 tail doorbell; CQ 0's follows at 4 << CAP.DSTRD */
#define NVME_CC_EN   1u
#define NVME_CC_QES  (6u << 16 | 4u << 20) /* IOSQES, IOCQES: 64-byte SQ, 16-byte CQ entries */

#define PSCI_VERSION	       0x84000000U
#define PSCI_CPU_OFF	       0x84000002U
#define PSCI_CPU_ON	       0xc4000003U
#define PSCI_AFFINITY_INFO     0xc4000004U
#define PSCI_MIGRATE_INFO_TYPE 0x84000006U
#define PSCI_SYSTEM_OFF	       0x84000008U
#define PSCI_SYSTEM_RESET      0x84000009U
#define PSCI_FEATURES	       0x8400000aU
#define SMCCC_VERSION	       0x80000000U
#define SMCCC_ARCH_FEATURES    0x80000001U
#define MONADIC_HVC_NULL       0x86000000U
#define MONADIC_HVC_INFO       0x86000002U
#define MONADIC_HVC_RING       0x86000004U /* kernel/vring.h: a ring pair shared with the engine */
#define VRING_OP_ATTACH	       0
#define VRING_OP_STATUS	       1
#define VRING_RING1_OFFSET     256
#define VRING_SLOTS_OFFSET     512
#define VRING_GEOM_SEQ	       (1ULL << 63) /* x3 bit 63: the sequence layout */
#define VRING_UP	       1
#define VRING_SHUT	       2
#define E_INVAL		       (-1) /* kernel/err.h */
#define E_RANGE		       (-2)
#define E_EXIST		       (-10)

#define read_sysreg(reg)                                      \
	({                                                    \
		uint64_t v_;                                  \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_)); \
		v_;                                           \
	})

#endif

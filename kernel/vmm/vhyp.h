/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * What the hypervisor offers a guest through HVC/SMC (PSCI 1.1, SMCCC 1.1, our vendor calls)
 * and through trapped system registers (ID registers that hide what we do not virtualise).
 */
#ifndef KERNEL_VHYP_H
#define KERNEL_VHYP_H

#include <stdbool.h>
#include <stdint.h>

/* SMCCC (Arm DEN 0028) calls. */
#define SMCCC_VERSION	    0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U
#define SMCCC_NOT_SUPPORTED (-1L)

/* Our calls: SMCCC "Vendor Specific Hypervisor Service" range (owner 6), fast, SMC32/64. */
#define MONADIC_HVC_NULL   0x86000000U /* returns 0: the cheapest round trip to EL2 */
#define MONADIC_HVC_PUTC   0x86000001U /* x1 = a byte for the VM's console */
#define MONADIC_HVC_INFO   0x86000002U /* x0 = 0, x1 = VM id, x2 = vCPU id, x3 = vCPU count */
#define MONADIC_HVC_RESULT 0x86000003U /* x1 = IPA of u64 results, x2 = how many (benchmarks) */
#define MONADIC_HVC_RING   0x86000004U /* x1 = op: a shared ring pair (kernel/vring.h) */
/* From 0x86000005: calls that layers above the VM model add with VHYP_CALL(). */

struct vcpu;

/* Serve the call in x0-x3, answer in x0-x3. True when the vCPU must leave the guest. */
bool vhyp_call(struct vcpu *v);

/*
 * A call a higher layer adds (a benchmark's PMU control, say): when no call of our own matches
 * the function ID in x0, the one registered for it runs. It answers in x0-x3 itself and
 * returns what vhyp_call() does: true when the vCPU must leave the guest.
 */
struct vhyp_call {
	uint32_t fn;
	bool (*handler)(struct vcpu *v);
};
#define VHYP_CALL(fn_, handler_)                                           \
	static const struct vhyp_call vhyp_call_##handler_ __attribute__(( \
		used, section("vhyp_calls"), aligned(8))) = { .fn = (fn_), .handler = (handler_) }
/* A trapped MSR/MRS: true when handled (reads fill *val), false to inject UNDEF. */
bool vhyp_sysreg(struct vcpu *v, unsigned int op0, unsigned int op1, unsigned int crn,
		 unsigned int crm, unsigned int op2, bool read, uint64_t *val, uint64_t wval);

#endif

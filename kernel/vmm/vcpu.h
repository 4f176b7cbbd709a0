/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Virtual CPUs. Static partitioning: each vCPU is pinned 1:1 to a physical CPU, so its EL1
 * system registers and FP/SIMD state simply stay in that CPU while it runs; only the general
 * registers pass through the exception frame on each trap.
 */
#ifndef KERNEL_VCPU_H
#define KERNEL_VCPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/exception.h"
#include "kernel/vdev/vgic_regs.h"

#define VCPU_MAX     8
#define EXIT_CLASSES 64 /* indexed by ESR_EL2.EC */

enum vcpu_state { VCPU_OFF, VCPU_ON_PENDING, VCPU_ON };

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id;   /* index within the VM: Aff0 of its virtual MPIDR */
	unsigned int pcpu; /* the physical CPU it is pinned to */
	uint64_t vmpidr;
	_Atomic int state;	 /* enum vcpu_state: PSCI's view */
	_Atomic int stop;	 /* set by another CPU: leave the guest at the next exit */
	uint64_t entry, context; /* where CPU_ON starts it, and its x0 */
	struct exc_jmpbuf host;	 /* vcpu_run()'s frame: where a stopping vCPU goes back to */
	uint64_t exits[EXIT_CLASSES];
	uint64_t irq_exits;
	uint64_t last_pc;
	unsigned int inject_streak;
	_Atomic uint64_t vgic_pend[2]; /* INTIDs 0-127 waiting for a list register */
	_Atomic uint64_t virqs[3];     /* interrupts made pending for it: SGIs, PPIs, SPIs */
	struct vgic_redist vgic_rd;    /* its emulated redistributor frames */
};

/* Run 'v' on this CPU until it is stopped or turns itself off. */
void vcpu_run(struct vcpu *v);
/* vcpu_run() as an smp_work_fn, for smp_run_on(v->pcpu, vcpu_run_work, v). */
void vcpu_run_work(void *v);
/* Trap from the guest (boot/vectors.S, lower-EL vectors): handle and resume, or leave. */
void vcpu_trap(struct exc_frame *f, unsigned int vector);
/* Ask a running vCPU to leave the guest (SGI to its CPU); it returns to that CPU's idle loop. */
void vcpu_kick_stop(struct vcpu *v);
/* The vCPU running on this CPU, or NULL. */
struct vcpu *vcpu_current(void);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Virtual CPUs. Static partitioning: each vCPU is pinned 1:1 to a physical CPU, so its EL1
 * system registers and FP/SIMD state simply stay in that CPU while it runs; the general
 * registers, the return state and the syndrome are saved into struct vcpu at every exit
 * (boot/guest.S) and loaded from it at every entry.
 */
#ifndef KERNEL_VCPU_H
#define KERNEL_VCPU_H

#include "kernel/exception.h"

/* Byte offsets in struct vcpu used by boot/guest.S; checked with _Static_assert in vcpu.c. */
#define VCPU_REGS_X	0
#define VCPU_REGS_ELR	248
#define VCPU_REGS_SPSR	256
#define VCPU_REGS_ESR	264
#define VCPU_REGS_FAR	272
#define VCPU_REGS_HPFAR 280
#define VCPU_EXIT_RAS	288

/* guest_enter()'s result: the vector slot that took the exit, plus a flag. */
#define VCPU_EXIT_SLOT_MASK 0xf
#define VCPU_EXIT_SERROR    EXC_GUEST_EXIT_SERROR /* an SError was pending as the guest left */

/* The host frame guest_enter() pushes: x19-x30 and the vCPU; [sp, #HOST_FRAME_VCPU] on exit. */
#define VCPU_HOST_FRAME	     112
#define VCPU_HOST_FRAME_VCPU 96

#ifndef __ASSEMBLER__
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/vdev/vgic_regs.h"

#define VCPU_MAX     8
#define EXIT_CLASSES 64 /* indexed by ESR_EL2.EC */

/* A vCPU's guest state as of its last exit (or as it will start). */
struct vcpu_regs {
	uint64_t x[31];
	uint64_t elr;	/* ELR_EL2: the guest's PC */
	uint64_t spsr;	/* SPSR_EL2: its PSTATE */
	uint64_t esr;	/* ESR_EL2 of the last exit */
	uint64_t far;	/* FAR_EL2: meaningful after an abort */
	uint64_t hpfar; /* HPFAR_EL2: meaningful after a Stage-2 abort */
};

enum vcpu_state { VCPU_OFF, VCPU_ON_PENDING, VCPU_ON };

/* Its GICv4 vPE (kernel/vmm/vm_vpe.c), while its VM's MSIs may be injected directly. */
struct vcpu_vpe {
	bool on;	       /* mapped at the ITS (VMAPP), with a VPT and a doorbell */
	bool resident;	       /* GICR_VPENDBASER.Valid for it on its CPU */
	bool loaded;	       /* it was resident once since VMAPP (IDAI clear from then on) */
	unsigned int id;       /* vPEID */
	unsigned int doorbell; /* the physical LPI the ITS raises when it is not resident */
	uint64_t vpt_pa;       /* its virtual pending table, 64 KiB aligned */
	uintptr_t rd;	       /* its CPU's redistributor */
	uint64_t doorbells;    /* doorbells taken */
};

struct vm;

struct vcpu {
	struct vcpu_regs regs;	 /* first: boot/guest.S addresses it from the vCPU's address */
	uint64_t exit_ras;	 /* FEAT_RAS: the exit path reads DISR_EL1 instead of ISR_EL1 */
	_Atomic bool regs_valid; /* regs hold what it left the guest with (it ran, and is off) */
	struct vm *vm;
	unsigned int id;   /* index within the VM: Aff0 of its virtual MPIDR */
	unsigned int pcpu; /* the physical CPU it is pinned to */
	uint64_t vmpidr;
	_Atomic int state;	 /* enum vcpu_state: PSCI's view */
	_Atomic int stop;	 /* set by another CPU: leave the guest at the next exit */
	uint64_t entry, context; /* where CPU_ON starts it, and its x0 */
	uint64_t exits[EXIT_CLASSES];
	uint64_t irq_exits; /* IRQ exits, and interrupts taken as it woke from WFI */
	struct vcpu_vpe vpe;
	uint64_t last_pc;
	unsigned int inject_streak;
	unsigned int mmio_hint;	       /* the emulated region its last data abort hit (mmio.h) */
	_Atomic uint64_t vgic_pend[2]; /* INTIDs 0-127 waiting for a list register */
	bool vgic_uie;		       /* ICH_HCR_EL2.UIE as last written on its CPU */
	_Atomic uint64_t virqs[3];     /* interrupts made pending for it: SGIs, PPIs, SPIs */
	struct vgic_redist vgic_rd;    /* its emulated redistributor frames */
	/* Changes to its list registers asked by another vCPU, applied at its next flush. */
	_Atomic uint64_t vgic_req[VGIC_REQ_KINDS][2];
	_Atomic bool vgic_req_any;			/* some vgic_req[][] bit may be set */
	_Atomic uint64_t vgic_lpi_pend[VGIC_LPI_WORDS]; /* LPIs waiting for a list register */
	_Atomic uint64_t vgic_lpi_sum;			/* bit w: vgic_lpi_pend[w] is not 0 */
};

/* Run 'v' on this CPU until it is stopped or turns itself off. */
void vcpu_run(struct vcpu *v);
/* vcpu_run() as an smp_work_fn, for smp_run_on(v->pcpu, vcpu_run_work, v). */
void vcpu_run_work(void *v);
/* Ask a running vCPU to leave the guest (SGI to its CPU); it returns to that CPU's idle loop. */
void vcpu_kick_stop(struct vcpu *v);
/*
 * One exit of 'v' (boot/guest.S calls it; code: the vector slot, ORed with VCPU_EXIT_SERROR):
 * handle it and prepare the next entry. True when the guest goes back in, false when the vCPU
 * leaves (a stop, CPU_OFF, a fatal trap).
 */
bool vcpu_exit(struct vcpu *v, unsigned int code);
/* The vCPU running on this CPU, or NULL. */
struct vcpu *vcpu_current(void);

#endif
#endif

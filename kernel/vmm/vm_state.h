/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A VM's lifecycle as one state machine: every decision about what a VM may do next is taken
 * here, by the caller holding the VM's lifecycle lock (kernel/vmm/vm.c). No hardware is touched:
 * each decision returns the actions the caller must carry out under the same lock, so the whole
 * machine, races included, is tested on the host (tests/unit/test_vm_state.c).
 *
 *   free -> building -> created -> starting -> running -> stopping -> stopped -> starting ...
 *                                       |          \-> resetting -> starting (once all left)
 *                                       \-> stopping (a stop before vCPU 0 entered the guest)
 *   created, stopped -> free (destroy); building -> free (a create that failed half-way)
 *
 * It also owns the state of the VM's RAM scrub: RAM is dirty from the create (whatever was in
 * it before) and again from every stop, reset or failed start, and clean once every chunk has
 * been zeroed. Idle CPUs and vm_start() claim chunks here, zero them without the lock, and
 * report them done; a start is refused until the RAM is clean, so no byte of a run (or of an
 * earlier owner of the memory) is ever readable by the next.
 */
#ifndef KERNEL_VM_STATE_H
#define KERNEL_VM_STATE_H

#include <stdbool.h>

#include "kernel/lib/err.h"

enum vm_state {
	VM_FREE,      /* the slot holds nothing (a destroyed VM comes back here) */
	VM_BUILDING,  /* being created: no command, no walk of its tables sees it yet */
	VM_CREATED,   /* built, never started */
	VM_STARTING,  /* vm_start() is copying its Image and handing vCPU 0 to a CPU */
	VM_RUNNING,   /* vCPU 0 has entered the guest */
	VM_RESETTING, /* the guest asked for SYSTEM_RESET: vCPUs leaving, then a restart */
	VM_STOPPING,  /* a stop was accepted: vCPUs leaving, devices still the guest's */
	VM_STOPPED,   /* every vCPU has left and its devices were taken back */
	VM_STATE__COUNT,
};

/* What can be asked of a VM, and who asks. */
enum vm_req {
	VM_REQ_CLAIM,	     /* vm_create: a free slot becomes a VM being built */
	VM_REQ_PUBLISH,	     /* vm_create: fully built, visible from now on */
	VM_REQ_START,	     /* the shell, bootargs, a reset's restart */
	VM_REQ_HANDOFF,	     /* vm_start is done copying: vCPU 0 may go to its CPU */
	VM_REQ_START_FAILED, /* vm_start failed before vCPU 0 ran: undo */
	VM_REQ_STOP,	     /* the shell: stops, and cancels a pending reset */
	VM_REQ_POWER_OFF,    /* the guest (PSCI SYSTEM_OFF), a fatal trap, a benchmark timeout */
	VM_REQ_RESET,	     /* the guest: PSCI SYSTEM_RESET */
	VM_REQ_LEFT,	     /* a vCPU left the guest (the decision needs vcpus_all_off) */
	VM_REQ_DESTROY,	     /* the shell, or the undo of a failed create */
	VM_REQ__COUNT,
};

/* What the caller does, under the lock, after a transition. */
enum vm_act {
	VM_ACT_CLEAR_STOPS = 1u << 0,  /* clear every vCPU's stop flag (before any CPU sees it) */
	VM_ACT_STOP_VCPUS = 1u << 1,   /* set every vCPU's stop flag and kick its CPU */
	VM_ACT_REVOKE = 1u << 2,       /* take back passed functions, their INTx, SMMU streams */
	VM_ACT_RELEASE_CPUS = 1u << 3, /* the VM's CPUs are free for other work */
	VM_ACT_WAKE_SHELL = 1u << 4,   /* the shell's CPU restarts, or notices, the VM */
	VM_ACT_FREE = 1u << 5,	       /* free everything the VM holds */
	VM_ACT_RAM_IN_USE = 1u << 6,   /* the run may write the RAM: it is no longer known zero */
};

/* The part of a VM the state machine owns. */
struct vm_life {
	enum vm_state state;
	enum vm_state start_from; /* where a start that fails before vCPU 0 runs goes back to */
	bool parked;		  /* resetting: every vCPU has left and its devices are back */
	bool in_start;		  /* vm_start() has not handed vCPU 0 to its CPU yet */
	unsigned int id;	  /* for the reasons it gives */
	/* The RAM scrub: chunks [0, scrub_next) are claimed, scrub_busy of them not yet zeroed. */
	unsigned int scrub_chunks; /* the RAM in chunks (0: no RAM, nothing to scrub) */
	unsigned int scrub_next;   /* the next chunk to hand out; == scrub_chunks: all handed out */
	unsigned int scrub_busy;   /* handed out and not yet reported done */
	bool scrub_held;	   /* a destroy is waiting for scrub_busy to drain: no new claims */
	bool scrub_deferred;	   /* the last run's RAM is read after it stops: idle CPUs wait */
};

/*
 * Ask for 'req'. 'vcpus_all_off': no vCPU of the VM is on or on its way in (START refuses
 * otherwise; LEFT and the stop requests finish the stop when it holds). Returns 0 with the new
 * state in l->state and what to do in *acts, or an error with the reason in 'why' and nothing
 * changed.
 */
int vm_life_request(struct vm_life *l, enum vm_req req, bool vcpus_all_off, unsigned int *acts,
		    struct err_why *why);

/*
 * A vCPU on its CPU, about to enter the guest: may it? Only while the VM runs and its stop flag
 * is clear; vCPU 0 entering a starting VM makes it running. False: it leaves without entering.
 */
bool vm_life_may_enter(struct vm_life *l, unsigned int vcpu, bool stop_flag);

/* The VM's RAM is 'chunks' chunks, all dirty (vm_build, once the RAM is allocated). */
void vm_life_scrub_init(struct vm_life *l, unsigned int chunks);
/*
 * May a scrubber zero a chunk now? Only while no run can see the RAM (created, stopped, or a
 * parked reset), no destroy waits, and, for an idle CPU ('for_start' false), the scrub is not
 * deferred. True: *chunk is the scrubber's to zero, then report with vm_life_scrub_done().
 */
bool vm_life_scrub_claim(struct vm_life *l, unsigned int *chunk, bool for_start);
/*
 * Defer the idle CPUs' scrub of the RAM a run leaves (its owner reads results from it after the
 * stop, then destroys the VM or starts it again: a start scrubs it itself).
 */
void vm_life_scrub_defer(struct vm_life *l, bool defer);
void vm_life_scrub_done(struct vm_life *l);
/* Every chunk zeroed: a start may have the RAM. */
bool vm_life_ram_clean(const struct vm_life *l);
/* Chunks still to zero (handed out or not), for `vm info`. */
unsigned int vm_life_scrub_left(const struct vm_life *l);
/* A destroy that waited for in-flight chunks gave up: let scrubbers claim again. */
void vm_life_scrub_release(struct vm_life *l);

/* True while a vCPU may be in the guest or the guest's devices are still its own. */
bool vm_life_devices_live(const struct vm_life *l);
/* A VM commands may see: neither a free slot nor one being built. */
bool vm_life_visible(enum vm_state s);
const char *vm_state_name(enum vm_state s);
const char *vm_req_name(enum vm_req r);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Per-CPU state and secondary CPUs: every CPU in the DTB is started with PSCI CPU_ON and then
 * sleeps until it is given work. The shell keeps CPU 0.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot/asm.h"
#include "kernel/exception.h"
#include "kernel/platform.h"

#define CACHE_LINE 64

enum cpu_state {
	CPU_OFF,      /* never started, or failed to start */
	CPU_STARTING, /* CPU_ON issued, not yet in C */
	CPU_IDLE,     /* online, waiting for work */
	CPU_BUSY,     /* running a work item */
};

typedef void (*smp_work_fn)(void *arg);

struct vcpu;

/* One per CPU, on its own cache lines: only that CPU writes most of it. */
struct percpu {
	alignas(CACHE_LINE) unsigned int id;
	uint64_t mpidr;
	_Atomic int state; /* enum cpu_state */
	const char *doing; /* what it runs, for `cpus` */
	/* Work handoff: the shell CPU publishes (release), the target consumes (acquire). */
	_Atomic(smp_work_fn) work;
	void *work_arg;
	_Atomic unsigned int work_done; /* incremented (release) when an item finishes */
	uint64_t wakeups;
	/* Fault recovery for exc_try() on this CPU. */
	struct exc_jmpbuf recover;
	volatile int recover_armed;
	volatile unsigned int exc_nesting;
	uint64_t stack_top;
	struct vcpu *vcpu; /* the vCPU this CPU runs, or NULL */
	int vm_owner;	   /* VM whose vCPU is pinned here (even while that vCPU is off), or -1 */
};

extern struct percpu percpu[PLAT_MAX_CPUS];
/* Each CPU's stack slot (boot/asm.h): stack, guard page, overflow stack. CPU 0 boots on slot 0. */
extern uint8_t smp_stacks[PLAT_MAX_CPUS][STACK_SLOT_SIZE];
extern unsigned int smp_ncpus;

/* This CPU's struct percpu (TPIDR_EL2 holds its address). */
struct percpu *this_cpu(void);
/* Number the CPUs from the DTB, set up CPU 0 (the boot CPU must be one of them). */
int smp_init_boot_cpu(const struct platform *p);
/* Start every other CPU; returns how many came online. */
unsigned int smp_start_secondaries(void);
/* Run fn(arg) on CPU 'cpu'; 0, or E_BUSY/E_NOENT. smp_wait() waits for it to finish. */
int smp_run_on(unsigned int cpu, smp_work_fn fn, void *arg);
/* Wait until 'cpu' has finished its current item; false on timeout (timeout_us). */
bool smp_wait(unsigned int cpu, uint64_t timeout_us);
const char *smp_state_name(int state);
/*
 * Work an idle secondary CPU does between work items (the VM layer's RAM scrub): 'fn' does one
 * bounded step and returns true if there may be more, false to let the CPU sleep.
 */
void smp_set_idle_work(bool (*fn)(void));
/* Wake every idle secondary CPU (not this one) so it looks for idle work. */
void smp_wake_idle(void);

#endif

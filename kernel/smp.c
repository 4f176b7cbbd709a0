// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Secondary CPUs: started with PSCI CPU_ON at boot/head.S:secondary_entry, they enable the
 * MMU with the boot CPU's tables, configure EL2 like it, and sleep in WFI until an SGI says
 * that their work slot holds something. Static partitioning: work is pinned to a named CPU.
 */
#include "kernel/smp.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/drivers/gic.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/hyp.h"
#include "kernel/arch/psci.h"
#include "kernel/arch/timer.h"

struct percpu percpu[PLAT_MAX_CPUS];
unsigned int smp_ncpus;

/* Read by secondary_entry with the MMU off: cleaned to the Point of Coherency before CPU_ON. */
uint64_t smp_stack_tops[PLAT_MAX_CPUS];

/* Aligned to the slot's size: boot/vectors.S finds an overflow from SP's bit STACK_SHIFT. */
uint8_t smp_stacks[PLAT_MAX_CPUS][STACK_SLOT_SIZE] __attribute__((aligned(STACK_SLOT_SIZE)));

extern char secondary_entry[];
__attribute__((noreturn)) void secondary_main(unsigned int id);

struct percpu *this_cpu(void)
{
	struct percpu *c = (struct percpu *)(uintptr_t)read_sysreg(tpidr_el2);

	/* Before smp_init_boot_cpu() only the boot CPU runs: it will be CPU 0. */
	return c ? c : &percpu[0];
}

const char *smp_state_name(int state)
{
	switch (state) {
	case CPU_OFF:
		return "off";
	case CPU_STARTING:
		return "starting";
	case CPU_IDLE:
		return "idle";
	case CPU_BUSY:
		return "busy";
	default:
		return "?";
	}
}

int smp_init_boot_cpu(const struct platform *p)
{
	uint64_t me = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	unsigned int boot = p->n_cpus, id = 1;

	for (unsigned int i = 0; i < p->n_cpus; i++)
		if ((p->cpus[i].mpidr & MPIDR_AFF_MASK) == me)
			boot = i;
	if (boot == p->n_cpus)
		return E_NOENT;
	/* CPU 0 is the boot CPU; the others keep their DTB order. */
	for (unsigned int i = 0; i < p->n_cpus; i++) {
		struct percpu *c = &percpu[i == boot ? 0 : id++];

		c->id = (unsigned int)(c - percpu);
		c->mpidr = p->cpus[i].mpidr & MPIDR_AFF_MASK;
		c->stack_top = (uint64_t)(uintptr_t)(smp_stacks[c->id] + STACK_SLOT_SIZE);
		smp_stack_tops[c->id] = c->stack_top;
		atomic_store_explicit(&c->state, CPU_OFF, memory_order_relaxed);
		c->doing = "-";
		c->vm_owner = -1;
	}
	smp_ncpus = p->n_cpus;
	percpu[0].doing = "shell";
	atomic_store_explicit(&percpu[0].state, CPU_BUSY, memory_order_relaxed);
	write_sysreg(tpidr_el2, (uintptr_t)&percpu[0]);
	return 0;
}

unsigned int smp_start_secondaries(void)
{
	unsigned int online = 1;

	/* Secondaries read smp_stack_tops[] and the MMU registers with their MMU off. */
	dcache_clean_inval_range((uintptr_t)smp_stack_tops, sizeof(smp_stack_tops));
	for (unsigned int id = 1; id < smp_ncpus; id++) {
		struct percpu *c = &percpu[id];
		uint64_t deadline;
		int64_t ret;

		/* The CPU's stack was zeroed with the MMU off; drop any stale lines for it. */
		dcache_clean_inval_range(c->stack_top - STACK_SIZE, STACK_SIZE);
		atomic_store_explicit(&c->state, CPU_STARTING, memory_order_relaxed);
		ret = psci_call(PSCI_0_2_FN64_CPU_ON, c->mpidr, (uintptr_t)secondary_entry, id);
		if (ret != PSCI_RET_SUCCESS) {
			pr_warn("cpu%u (MPIDR 0x%llx): PSCI CPU_ON failed: %lld\n", id,
				(unsigned long long)c->mpidr, (long long)ret);
			atomic_store_explicit(&c->state, CPU_OFF, memory_order_relaxed);
			continue;
		}
		deadline = timer_count() + timer_us_to_ticks(1000000);
		while (atomic_load_explicit(&c->state, memory_order_acquire) == CPU_STARTING &&
		       timer_count() < deadline)
			;
		if (atomic_load_explicit(&c->state, memory_order_acquire) != CPU_IDLE) {
			pr_warn("cpu%u (MPIDR 0x%llx) did not come online within 1 s\n", id,
				(unsigned long long)c->mpidr);
			continue;
		}
		online++;
	}
	return online;
}

static bool (*_Atomic idle_work)(void);

static bool idle_fn_step(void)
{
	bool (*fn)(void) = atomic_load(&idle_work);

	return fn && fn();
}

void smp_set_idle_work(bool (*fn)(void))
{
	atomic_store(&idle_work, fn);
}

void smp_wake_idle(void)
{
	for (unsigned int c = 1; c < smp_ncpus; c++)
		if (&percpu[c] != this_cpu() && atomic_load(&percpu[c].state) == CPU_IDLE)
			gic_send_sgi(percpu[c].mpidr, GIC_SGI_WAKE);
}

void secondary_main(unsigned int id)
{
	struct percpu *me = &percpu[id];

	write_sysreg(tpidr_el2, (uintptr_t)me);
	el2_setup();
	if (gic_init_cpu())
		pr_warn("cpu%u: no GIC redistributor for MPIDR 0x%llx; it will poll\n", id,
			(unsigned long long)me->mpidr);
	me->doing = "idle";
	/* Publish "online" after everything above (release pairs with the boot CPU's acquire). */
	atomic_store_explicit(&me->state, CPU_IDLE, memory_order_release);
	for (;;) {
		smp_work_fn fn = atomic_load_explicit(&me->work, memory_order_acquire);
		unsigned int intid;

		if (fn) {
			atomic_store_explicit(&me->state, CPU_BUSY, memory_order_relaxed);
			fn(me->work_arg);
			me->doing = "idle";
			atomic_store_explicit(&me->work, NULL, memory_order_relaxed);
			atomic_store_explicit(&me->state, CPU_IDLE, memory_order_relaxed);
			/* Everything fn wrote is visible to whoever sees the new count. */
			atomic_fetch_add_explicit(&me->work_done, 1, memory_order_release);
			continue;
		}
		/* Idle work, one bounded step at a time: a new work item waits at most one step. */
		if (idle_fn_step())
			continue;
		/*
		 * Sleep until the wake-up SGI is pending. A work item published between the load
		 * above and the WFI is not lost: its SGI is already pending, so WFI returns at once.
		 */
		wfi();
		intid = gic_ack();
		if (intid != GIC_INTID_SPURIOUS)
			gic_eoi(intid);
		if (gic_lpi_dispatch(intid)) {
			/* A passed-through function's message: its handler made it the guest's. */
		} else if (intid >= 32 && intid < GIC_INTID_SPURIOUS) {
			/*
			 * An SPI routed here with no vCPU to take it: a passed-through line whose
			 * vCPU 0 went off (PSCI CPU_OFF). Level-triggered, it would fire again at
			 * once, forever: turn it off until its VM starts again.
			 */
			gic_disable_spi(intid);
			pr_warn("cpu%u: INTID %u arrived with no vCPU here to take it: disabled\n",
				me->id, intid);
		}
		me->wakeups++;
	}
}

int smp_run_on(unsigned int cpu, smp_work_fn fn, void *arg)
{
	struct percpu *c;

	if (cpu >= smp_ncpus)
		return E_NOENT;
	c = &percpu[cpu];
	if (c == this_cpu() || atomic_load_explicit(&c->state, memory_order_acquire) != CPU_IDLE ||
	    atomic_load_explicit(&c->work, memory_order_acquire))
		return E_BUSY;
	c->work_arg = arg;
	/* The argument is written before the function pointer that makes the item visible. */
	atomic_store_explicit(&c->work, fn, memory_order_release);
	gic_send_sgi(c->mpidr, GIC_SGI_WAKE);
	return 0;
}

bool smp_wait(unsigned int cpu, uint64_t timeout_us)
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(timeout_us);
	struct percpu *c = &percpu[cpu];

	while (atomic_load_explicit(&c->work, memory_order_acquire)) {
		if (timer_count() >= deadline)
			return false;
		/* A hint to an emulator that runs CPUs in turn (QEMU -icount): let that CPU run. */
		cpu_relax();
	}
	return true;
}

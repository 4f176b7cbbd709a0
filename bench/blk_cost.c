// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The block engines' cost counted by the PMU at EL2 (blk_cost.h). */
#include "bench/blk_cost.h"

#include "bench/pmu.h"
#include "dataplane/blk.h"
#include "kernel/vmm/vdisk.h"

static bool count_insns;

void bench_blk_cost_setup(void)
{
	static const unsigned int ev[] = { PMU_EV_INST_RETIRED };

	pmu_init_cpu();
	if (count_insns)
		pmu_setup_events(ev, 1);
}

void bench_blk_cost_read(uint64_t *insns, uint64_t *cycles)
{
	*cycles = pmu_read_cycles();
	*insns = 0;
	if (count_insns)
		pmu_read_events(insns, 1);
}

void bench_blk_cost_sum(struct bench_blk_sum *s)
{
	const struct blk_engine *e;

	*s = (struct bench_blk_sum){ 0 };
	for (unsigned int i = 0; (e = vdisk_engine(i)); i++) {
		/* Relaxed: statistics, read after the work they measure is done. */
		s->insns += atomic_load_explicit(&e->busy_insns, memory_order_relaxed);
		s->cycles += atomic_load_explicit(&e->busy_cycles, memory_order_relaxed);
		s->passes += atomic_load_explicit(&e->busy_passes, memory_order_relaxed);
		s->ios += *(const volatile uint64_t *)&e->completed;
	}
}

static const struct dp_cost_ops cost_ops = { .setup = bench_blk_cost_setup,
					     .read = bench_blk_cost_read };

static void set_cost(const struct dp_cost_ops *ops)
{
	struct blk_engine *e;

	for (unsigned int i = 0; (e = vdisk_engine(i)); i++)
		blk_engine_set_cost(e, ops);
}

const struct dp_cost_ops *bench_cost_ops(bool insns)
{
	/* Before the ops are published: the engines' set_cost() release orders it for them. */
	count_insns = insns;
	return &cost_ops;
}

void bench_blk_cost_start(bool insns)
{
	set_cost(bench_cost_ops(insns));
}

void bench_blk_cost_stop(void)
{
	set_cost(NULL);
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `bench ring`: a guest's ring pair to the data-plane engine (kernel/vmm/vring.h) in each
 * layout, one run after the other: the index layout and the sequence layout with 64-byte
 * messages, and the sequence layout with 56-byte ones (each message and its sequence word in
 * one line). The ring test guest (tests/guests/ring.c, built into the image) times N
 * single-message round trips with the virtual counter; the engine's passes that handled them
 * are counted at EL2 on its core (PMU cycles and, where the PMU counts them, instructions).
 */
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/bench_list.h"
#include "bench/blk_cost.h"
#include "bench/pmu.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_access.h"
#include "kernel/vmm/vm_guest.h"
#include "dataplane/service.h"
#include "monitor/shell.h"

#define RING_MEM	  (16UL << 20)
#define RING_MAX_ITERS	  100000 /* the guest's sample array (MAX_SAMPLES in ring.c) */
#define RING_ENGINE_SLOTS 256	 /* the engine's local echo rings, when we start it */
#define RING_ENGINE_BURST 32

extern const char embedded_ring_start[], embedded_ring_end[];

static const struct {
	const char *layout; /* as the guest's command line and `dp stats` say it */
	unsigned int msg;   /* bytes per message */
} runs[] = { { "index", 64 }, { "seq", 64 }, { "seq", 56 } };
#define RUNS (sizeof(runs) / sizeof(runs[0]))

struct ring_result {
	struct stats ticks, ns;
	uint64_t msgs, insns, cycles, passes;
};

static bool count_insns;

static void busy_snapshot(const struct dp_engine *e, struct ring_result *r)
{
	/* Relaxed: the engine's sums, read after the guest that made them stopped. */
	r->insns = atomic_load_explicit(&e->busy_insns, memory_order_relaxed);
	r->cycles = atomic_load_explicit(&e->busy_cycles, memory_order_relaxed);
	r->passes = atomic_load_explicit(&e->busy_passes, memory_order_relaxed);
	r->msgs = atomic_load_explicit(&e->busy_msgs, memory_order_relaxed);
}

/* One guest run in one layout: its round trips and what the engine spent on them. */
static int run_one(const struct bench_opts *o, unsigned int i, struct ring_result *res)
{
	// cppcheck-suppress comparePointers
	uint64_t size = (uint64_t)(embedded_ring_end - embedded_ring_start);
	struct dp_engine *e = dp_service_engine();
	struct ring_result before, after;
	struct err_why why = { 0 };
	char cmdline[64];
	uint64_t *samples;
	struct vm *vm;
	int ret;

	ret = vm_create("bench-ring", RING_MEM, false, &vm);
	if (ret)
		return shell_error(ret, "ring: cannot create the benchmark VM: %s", err_str(ret));
	fmt_snprintf(cmdline, sizeof(cmdline), "bench layout=%s slot=%u count=%llu", runs[i].layout,
		     runs[i].msg, (unsigned long long)o->iters);
	ret = vm_load_builtin_image(vm, embedded_ring_start, size, 1, cmdline);
	if (ret) {
		vm_destroy(vm, NULL);
		return shell_error(ret, "ring: cannot load the ring guest: %s", err_str(ret));
	}
	busy_snapshot(e, &before);
	dp_engine_set_cost(e, bench_cost_ops(count_insns));
	ret = bench_run_vm(vm, BENCH_TIMEOUT_US, &why);
	dp_engine_set_cost(e, NULL);
	busy_snapshot(e, &after);
	samples = ret ? NULL : bench_alloc_samples(o->iters);
	if (!ret)
		ret = samples ? vm_read_results(vm, samples, o->iters) : E_NOMEM;
	vm_destroy(vm, NULL);
	if (ret) {
		if (samples)
			bench_free_samples(samples, o->iters);
		return shell_error(ret,
				   "ring: the %s-layout guest did not finish or left no "
				   "results (see its log lines)",
				   runs[i].layout);
	}
	stats_compute(samples, o->iters, &res->ticks);
	bench_free_samples(samples, o->iters);
	res->ns = res->ticks;
	bench_stats_ticks_to_ns(&res->ns);
	res->msgs = after.msgs - before.msgs;
	res->insns = after.insns - before.insns;
	res->cycles = after.cycles - before.cycles;
	res->passes = after.passes - before.passes;
	return 0;
}

static void print_results(const struct bench_opts *o, const struct ring_result *res, int cpu)
{
	char insns[24];

	printk("guest ring round trip to the dp engine on cpu%d, %llu single-message round "
	       "trips per layout, timed in the guest with CNTVCT_EL0 (%llu ns resolution); EL2: "
	       "the engine's passes that handled them, per message\n",
	       cpu, (unsigned long long)o->iters, (unsigned long long)timer_ticks_to_ns(1));
	printk("%-22s %-6s %8s %8s %8s %8s %8s %8s %10s %10s\n", "layout", "unit", "min", "p50",
	       "p90", "p99", "p99.9", "max", "EL2 insns", "EL2 cycles");
	for (unsigned int i = 0; i < RUNS; i++) {
		const struct stats *s = &res[i].ns;
		char label[32];

		fmt_snprintf(label, sizeof(label), "%s, %u-byte msgs", runs[i].layout, runs[i].msg);
		fmt_snprintf(insns, sizeof(insns), "%llu",
			     (unsigned long long)bench_per(res[i].insns, res[i].msgs));
		printk("%-22s %-6s %8llu %8llu %8llu %8llu %8llu %8llu %10s %10llu\n", label, "ns",
		       (unsigned long long)s->min, (unsigned long long)s->p50,
		       (unsigned long long)s->p90, (unsigned long long)s->p99,
		       (unsigned long long)s->p999, (unsigned long long)s->max,
		       count_insns ? insns : "n/a",
		       (unsigned long long)bench_per(res[i].cycles, res[i].msgs));
	}
	if (!count_insns)
		printk("(EL2 insns: INST_RETIRED not implemented by this PMU; QEMU counts "
		       "instructions only with -icount)\n");
}

static void json_results(const struct bench_opts *o, const struct ring_result *res, int cpu)
{
	struct bench_opts p = *o;
	struct json j;

	p.cpu_a = (unsigned int)cpu;
	bench_json_begin(&j, "ring", &p);
	json_str(&j, "metric", "guest ring round trip to the dp engine, by layout");
	json_bool(&j, "inst_retired", count_insns);
	json_arr_begin(&j, "layouts");
	for (unsigned int i = 0; i < RUNS; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "layout", runs[i].layout);
		json_u64(&j, "msg_bytes", runs[i].msg);
		bench_json_stats(&j, "rtt_ns", "ns", &res[i].ns);
		bench_json_stats(&j, "rtt_ticks", "ticks", &res[i].ticks);
		json_u64(&j, "engine_msgs", res[i].msgs);
		json_u64(&j, "engine_passes", res[i].passes);
		/* null, never a guess, when the PMU cannot count it. */
		if (count_insns && res[i].msgs)
			json_u64(&j, "el2_insns_per_msg", bench_per(res[i].insns, res[i].msgs));
		else
			json_null(&j, "el2_insns_per_msg");
		if (res[i].msgs)
			json_u64(&j, "el2_cycles_per_msg", bench_per(res[i].cycles, res[i].msgs));
		else
			json_null(&j, "el2_cycles_per_msg");
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
}

/* The engine's core: the one running, else the last CPU, which we start it on. */
static int engine_up(bool *started)
{
	unsigned int cpu = smp_ncpus - 1;
	int ret;

	*started = false;
	if (dp_service_cpu() >= 0)
		return 0;
	ret = dp_service_start(cpu, RING_ENGINE_SLOTS, RING_ENGINE_BURST);
	if (ret)
		return shell_error(ret, "ring: cannot start the dp engine on cpu%u: %s", cpu,
				   err_str(ret));
	*started = true;
	return 0;
}

int bench_ring(struct bench_opts *o)
{
	static struct ring_result res[RUNS];
	bool started;
	int ret, cpu;

	if (o->iters > RING_MAX_ITERS)
		return shell_error(E_RANGE, "ring: at most %d round trips", RING_MAX_ITERS);
	if (smp_ncpus < 3)
		return shell_error(E_BUSY,
				   "ring: needs 2 CPUs besides the shell's (the engine's and the "
				   "guest's); this machine has %u",
				   smp_ncpus - 1);
	ret = engine_up(&started);
	if (ret)
		return ret;
	cpu = dp_service_cpu();
	count_insns = pmu_event_supported(PMU_EV_INST_RETIRED);
	for (unsigned int i = 0; i < RUNS && !ret; i++)
		ret = run_one(o, i, &res[i]);
	if (started && dp_service_stop())
		pr_warn("ring: the dp engine this benchmark started did not stop\n");
	if (ret)
		return ret;
	if (o->json)
		json_results(o, res, cpu);
	else
		print_results(o, res, cpu);
	return 0;
}

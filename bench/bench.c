// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Options, sample memory, the platform identity every JSON result carries, and output. */
#include "bench/bench.h"

#include <stdatomic.h>

#include "bench/pmu.h"
#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/arch/cpuid.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "mm/mem.h"
#include "mm/pgtable.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"
#include "monitor/provenance.h"
#include "kernel/hyp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_access.h"
#include "kernel/vmm/vm_guest.h"

int bench_parse_opts(int argc, char **argv, int first, struct bench_opts *o)
{
	for (int i = first; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t v;
		int ret;

		if (str_eq(opt, "--json")) {
			o->json = true;
			continue;
		}
		if (!str_eq(opt, "--iters") && !str_eq(opt, "--cpus") && !str_eq(opt, "--ring") &&
		    !str_eq(opt, "--burst") && !str_eq(opt, "--path") && !str_eq(opt, "--wait"))
			return shell_error(E_INVAL,
					   "unknown option '%s' (--iters, --cpus, --ring, "
					   "--burst, --path, --wait, --json)",
					   opt);
		if (!val)
			return shell_error(E_INVAL, "%s needs a value", opt);
		i++;
		if (str_eq(opt, "--path")) {
			if (str_eq(val, "emulated"))
				o->path = BENCH_PATH_EMULATED;
			else if (str_eq(val, "direct"))
				o->path = BENCH_PATH_DIRECT;
			else
				return shell_error(
					E_INVAL, "--path wants emulated or direct, not '%s'", val);
			continue;
		}
		if (str_eq(opt, "--wait")) {
			if (str_eq(val, "wfi"))
				o->wait_wfe = false;
			else if (str_eq(val, "wfe"))
				o->wait_wfe = true;
			else
				return shell_error(E_INVAL, "--wait wants wfi or wfe, not '%s'",
						   val);
			continue;
		}
		if (str_eq(opt, "--cpus")) {
			char a[8] = { 0 };
			unsigned int k = 0;
			uint64_t ca, cb;
			const char *comma = val;

			while (*comma && *comma != ',' && k < sizeof(a) - 1)
				a[k++] = *comma++;
			if (*comma != ',' || parse_u64(a, &ca) || parse_u64(comma + 1, &cb) ||
			    ca >= PLAT_MAX_CPUS || cb >= PLAT_MAX_CPUS)
				return shell_error(E_INVAL,
						   "--cpus wants two CPU numbers, e.g. 1,2");
			o->cpu_a = (unsigned int)ca;
			o->cpu_b = (unsigned int)cb;
			o->cpus_given = true;
			continue;
		}
		ret = parse_size(val, &v);
		if (ret)
			return shell_error(ret, "%s: bad number '%s'", opt, val);
		if (str_eq(opt, "--iters")) {
			if (v < 1 || v > BENCH_MAX_ITERS)
				return shell_error(E_RANGE, "--iters must be 1 to %lu",
						   BENCH_MAX_ITERS);
			o->iters = v;
		} else if (str_eq(opt, "--ring")) {
			if (v < 2 || v > 65536 || (v & (v - 1)))
				return shell_error(E_RANGE,
						   "--ring must be a power of two, 2 to 65536");
			o->ring = (uint32_t)v;
		} else {
			if (v < 1 || v > 256)
				return shell_error(E_RANGE, "--burst must be 1 to 256");
			o->burst = (uint32_t)v;
		}
	}
	return 0;
}

int bench_check_cpus(const struct bench_opts *o)
{
	if (o->cpu_a == o->cpu_b)
		return shell_error(E_INVAL, "the two CPUs must differ (got %u,%u)", o->cpu_a,
				   o->cpu_b);
	if (o->cpu_a >= smp_ncpus || o->cpu_b >= smp_ncpus)
		return shell_error(E_RANGE, "this machine has CPUs 0 to %u", smp_ncpus - 1);
	if (o->cpu_b == 0)
		return shell_error(E_INVAL, "CPU 0 runs the shell: it may only be the first CPU");
	for (unsigned int c = 1; c < smp_ncpus; c++) {
		if (c != o->cpu_a && c != o->cpu_b)
			continue;
		if (percpu[c].vm_owner >= 0)
			return shell_error(E_BUSY, "cpu%u belongs to vm%d", c, percpu[c].vm_owner);
		if (atomic_load(&percpu[c].state) != CPU_IDLE)
			return shell_error(E_BUSY, "cpu%u is %s", c,
					   smp_state_name(atomic_load(&percpu[c].state)));
	}
	return 0;
}

int bench_run_vm(struct vm *vm, uint64_t timeout_us, struct err_why *why)
{
	int ret = vm_start(vm, why);

	if (!ret && !vm_wait_stopped(vm, timeout_us)) {
		vm_stop_and_wait(vm, "benchmark timed out", 1000000);
		ret = E_BUSY;
	}
	return ret;
}

uint64_t *bench_alloc_samples(uint64_t n)
{
	uint64_t base;
	uint64_t bytes = (n * sizeof(uint64_t) + PT_PAGE_SIZE - 1) & ~(PT_PAGE_SIZE - 1);

	if (pmem_alloc(&phys_mem, bytes, PT_PAGE_SIZE, "bench samples", &base))
		return NULL;
	return (uint64_t *)(uintptr_t)base;
}

void bench_free_samples(uint64_t *v, uint64_t n)
{
	uint64_t bytes = (n * sizeof(uint64_t) + PT_PAGE_SIZE - 1) & ~(PT_PAGE_SIZE - 1);

	if (v)
		pmem_free(&phys_mem, (uintptr_t)v, bytes);
}

void bench_json_begin(struct json *j, const char *name, const struct bench_opts *o)
{
	uint64_t midr = read_sysreg(midr_el1);
	unsigned int pmuver =
		FIELD_GET(read_sysreg(id_aa64dfr0_el1), ID_AA64DFR0_PMUVER_SHIFT, ID_FIELD_WIDTH);

	shell_json_begin(j);
	json_str(j, "bench", name);
	json_obj_begin(j, "platform");
	json_hex(j, "midr", midr);
	json_str(j, "implementer", cpuid_implementer_name(MIDR_IMPLEMENTER(midr)));
	json_str(j, "core", cpuid_core_name(MIDR_IMPLEMENTER(midr), MIDR_PARTNUM(midr)));
	json_u64(j, "cntfrq", timer_freq());
	json_str(j, "pmu", cpuid_pmuver_name(pmuver));
	json_bool(j, "lse", cpuid_has_lse(read_sysreg(id_aa64isar0_el1)));
	json_u64(j, "cpus", smp_ncpus);
	provenance_json(j, &hyp.plat);
	json_obj_end(j);
	json_obj_begin(j, "params");
	json_u64(j, "iters", o->iters);
	json_u64(j, "cpu_a", o->cpu_a);
	json_u64(j, "cpu_b", o->cpu_b);
	if (o->ring)
		json_u64(j, "ring", o->ring);
	if (o->burst)
		json_u64(j, "burst", o->burst);
	json_obj_end(j);
}

void bench_json_stats(struct json *j, const char *key, const char *unit, const struct stats *s)
{
	json_obj_begin(j, key);
	json_str(j, "unit", unit);
	json_u64(j, "n", s->n);
	json_u64(j, "min", s->min);
	json_u64(j, "p50", s->p50);
	json_u64(j, "p90", s->p90);
	json_u64(j, "p99", s->p99);
	json_u64(j, "p999", s->p999);
	json_u64(j, "max", s->max);
	json_u64(j, "mean", s->mean);
	json_obj_end(j);
}

void bench_print_stats(const char *label, const char *unit, const struct stats *s)
{
	printk("%-22s %-6s %8llu %8llu %8llu %8llu %8llu %8llu\n", label, unit,
	       (unsigned long long)s->min, (unsigned long long)s->p50, (unsigned long long)s->p90,
	       (unsigned long long)s->p99, (unsigned long long)s->p999, (unsigned long long)s->max);
}

uint64_t bench_cycles_to_ns(uint64_t cycles, uint64_t total_cycles, uint64_t total_ticks)
{
	uint64_t ns = timer_ticks_to_ns(total_ticks);
	uint64_t ratio; /* nanoseconds per cycle, 40.24 fixed point */

	if (!total_cycles || ns >> 39)
		return 0; /* no cycles, or a run longer than ~9 minutes: no calibration */
	ratio = (ns << 24) / total_cycles;
	/* Split cycles so neither product overflows 64 bits for any ratio below 2^24 ns/cycle. */
	return (cycles >> 24) * ratio + (((cycles & 0xffffff) * ratio) >> 24);
}

void bench_stats_cycles_to_ns(const struct stats *cyc, struct stats *ns, uint64_t total_cycles,
			      uint64_t total_ticks)
{
	*ns = *cyc;
	ns->min = bench_cycles_to_ns(cyc->min, total_cycles, total_ticks);
	ns->p50 = bench_cycles_to_ns(cyc->p50, total_cycles, total_ticks);
	ns->p90 = bench_cycles_to_ns(cyc->p90, total_cycles, total_ticks);
	ns->p99 = bench_cycles_to_ns(cyc->p99, total_cycles, total_ticks);
	ns->p999 = bench_cycles_to_ns(cyc->p999, total_cycles, total_ticks);
	ns->max = bench_cycles_to_ns(cyc->max, total_cycles, total_ticks);
	ns->mean = bench_cycles_to_ns(cyc->mean, total_cycles, total_ticks);
}

void bench_stats_ticks_to_ns(struct stats *s)
{
	s->min = timer_ticks_to_ns(s->min);
	s->p50 = timer_ticks_to_ns(s->p50);
	s->p90 = timer_ticks_to_ns(s->p90);
	s->p99 = timer_ticks_to_ns(s->p99);
	s->p999 = timer_ticks_to_ns(s->p999);
	s->max = timer_ticks_to_ns(s->max);
	s->mean = timer_ticks_to_ns(s->mean);
}

static const unsigned int bench_events[] = {
	PMU_EV_INST_RETIRED,	 PMU_EV_L1D_CACHE,  PMU_EV_L1D_CACHE_REFILL,
	PMU_EV_L2D_CACHE_REFILL, PMU_EV_BUS_ACCESS, PMU_EV_STALL_BACKEND,
	PMU_EV_STALL_FRONTEND,	 PMU_EV_INST_SPEC,  PMU_EV_BR_MIS_PRED,
};

void bench_pmu_start(struct bench_pmu *p)
{
	unsigned int max = pmu_num_counters();

	p->n = 0;
	if (!pmu_init_cpu())
		return;
	for (unsigned int i = 0; i < sizeof(bench_events) / sizeof(bench_events[0]); i++)
		if (p->n < max && p->n < PMU_MAX_EVENTS && pmu_event_supported(bench_events[i]))
			p->ev[p->n++] = bench_events[i];
	p->n = pmu_setup_events(p->ev, p->n);
}

void bench_pmu_stop(struct bench_pmu *p)
{
	pmu_read_events(p->count, p->n);
}

void bench_json_pmu(struct json *j, const struct bench_pmu *p)
{
	json_obj_begin(j, "pmu");
	for (unsigned int i = 0; i < p->n; i++) {
		const char *name = pmu_event_name(p->ev[i]);

		json_u64(j, name ? name : "?", p->count[i]);
	}
	json_obj_end(j);
}

void bench_print_pmu(const struct bench_pmu *p, unsigned int cpu)
{
	if (!p->n) {
		printk("PMU events: none implemented beyond the cycle counter\n");
		return;
	}
	printk("PMU events on cpu%u:", cpu);
	for (unsigned int i = 0; i < p->n; i++)
		printk(" %s %llu", pmu_event_name(p->ev[i]), (unsigned long long)p->count[i]);
	printk("\n");
}

uint64_t bench_deadline(void)
{
	return timer_count() + timer_us_to_ticks(BENCH_TIMEOUT_US);
}

bool bench_expired(uint64_t deadline)
{
	return timer_count() > deadline;
}

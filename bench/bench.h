/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Shared pieces of the shell's benchmarks: options, sample buffers, timing, result output. */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/pmu.h"
#include "bench/stats.h"
#include "monitor/json.h"

/* total / n rounded to the nearest; 0 when n is 0 (a figure per I/O, per message, per trip). */
static inline uint64_t bench_per(uint64_t total, uint64_t n)
{
	return n ? (total + n / 2) / n : 0;
}

#define BENCH_MAX_ITERS 1000000UL
/* A benchmark that makes no progress for 30 s gives up (TCG on a loaded 2-core host can stall
 * a vCPU for seconds; real hardware never comes near). */
#define BENCH_TIMEOUT_US 30000000UL

struct bench_opts {
	uint64_t iters;
	unsigned int cpu_a, cpu_b; /* initiator/producer and responder/consumer */
	bool cpus_given;
	uint32_t ring;	/* ring capacity (slots) */
	uint32_t burst; /* messages per burst; 0: the benchmark's sweep */
	bool json;
	/* virq-dev: how the device's MSI reaches the guest (--path); auto: direct where it can. */
	enum { BENCH_PATH_AUTO, BENCH_PATH_EMULATED, BENCH_PATH_DIRECT } path;
	/* nvme: the guest waits for completions in WFE on its ring (--wait wfe), not WFI. */
	bool wait_wfe;
};

/*
 * Parse "--iters N --cpus A,B --ring N --burst N --path emulated|direct --wait wfi|wfe --json" after argv[first]. Unknown options and
 * bad values print an error and return it. Defaults must be set by the caller first.
 */
int bench_parse_opts(int argc, char **argv, int first, struct bench_opts *o);
/* Check cpu_a/cpu_b name two different online CPUs (the shell's CPU 0 may be cpu_a). */
int bench_check_cpus(const struct bench_opts *o);
/* A sample buffer of n uint64_t from free RAM; bench_free_samples() gives it back. */
uint64_t *bench_alloc_samples(uint64_t n);
void bench_free_samples(uint64_t *v, uint64_t n);

struct vm;
struct err_why;
/*
 * Start a benchmark VM and wait until it powers off. One still running after timeout_us is
 * stopped and E_BUSY returned; vm_start()'s error otherwise, 'why' saying why.
 */
int bench_run_vm(struct vm *vm, uint64_t timeout_us, struct err_why *why);

/* Open a JSON result line with the platform identity and "bench": name. */
void bench_json_begin(struct json *j, const char *name, const struct bench_opts *o);
/* "name": {"unit":..., "n":..., "min":..., "p50":..., ...}. */
void bench_json_stats(struct json *j, const char *key, const char *unit, const struct stats *s);
/* Human table row: label, then min/p50/p90/p99/p99.9/max. */
void bench_print_stats(const char *label, const char *unit, const struct stats *s);
/*
 * Cycles to nanoseconds with the ratio measured over the same run (total_cycles of the PMU
 * against total_ticks of the generic timer): 0 when there is nothing to calibrate with.
 */
uint64_t bench_cycles_to_ns(uint64_t cycles, uint64_t total_cycles, uint64_t total_ticks);
/* The same for every figure of a stats block. */
void bench_stats_cycles_to_ns(const struct stats *cyc, struct stats *ns, uint64_t total_cycles,
			      uint64_t total_ticks);
/* Convert a stats block from counter ticks to nanoseconds. */
void bench_stats_ticks_to_ns(struct stats *s);
/*
 * PMU event counts over a measured loop, taken on the CPU that runs it: the first implemented
 * events of a fixed list (instructions, L1D/L2D refills, bus accesses, stalls ...), as many as
 * there are counters. bench_pmu_start() programs and zeroes them, bench_pmu_stop() reads them.
 */
struct bench_pmu {
	unsigned int n;
	unsigned int ev[PMU_MAX_EVENTS];
	uint64_t count[PMU_MAX_EVENTS];
};
void bench_pmu_start(struct bench_pmu *p);
void bench_pmu_stop(struct bench_pmu *p);
/* "pmu": {"INST_RETIRED": n, ...} (an empty object without a PMU). */
void bench_json_pmu(struct json *j, const struct bench_pmu *p);
/* "PMU events (cpuN): NAME n, NAME n ..." */
void bench_print_pmu(const struct bench_pmu *p, unsigned int cpu);

/* Deadline helpers on the generic timer. */
uint64_t bench_deadline(void);
bool bench_expired(uint64_t deadline);

#endif

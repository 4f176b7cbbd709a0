// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Benchmarks of the silicon itself: cache-line ping-pong between cores (c2c), SEV-to-WFE wake-up
 * latency (wfe), and the cost of acquire/release, fenced and atomic read-modify-write
 * instructions (atomics). Per-sample times come from the PMU cycle counter where there is one,
 * converted to nanoseconds by calibrating against the generic timer over the same run.
 */
#include <stdalign.h>
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/bench_list.h"
#include "bench/pmu.h"
#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/arch/cpuid.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "monitor/shell.h"

/* A timestamp in PMU cycles when the PMU works on this CPU, else in counter ticks. */
static uint64_t now_cycles(bool pmu)
{
	return pmu ? pmu_read_cycles() : timer_count();
}

/* Run 'a' on cpu_a (inline when that is this CPU) and 'b' on cpu_b; wait for both. */
static int run_pair(const struct bench_opts *o, smp_work_fn a, smp_work_fn b, void *arg,
		    const char *what)
{
	int ret = smp_run_on(o->cpu_b, b, arg);

	if (ret)
		return shell_error(ret, "cannot start %s on cpu%u: %s", what, o->cpu_b,
				   err_str(ret));
	percpu[o->cpu_b].doing = what;
	if (o->cpu_a == this_cpu()->id) {
		a(arg);
	} else {
		ret = smp_run_on(o->cpu_a, a, arg);
		if (ret)
			return shell_error(ret, "cannot start %s on cpu%u: %s", what, o->cpu_a,
					   err_str(ret));
		percpu[o->cpu_a].doing = what;
		if (!smp_wait(o->cpu_a, BENCH_TIMEOUT_US + 1000000))
			return shell_error(E_BUSY, "cpu%u did not finish", o->cpu_a);
	}
	if (!smp_wait(o->cpu_b, BENCH_TIMEOUT_US + 1000000))
		return shell_error(E_BUSY, "cpu%u did not finish", o->cpu_b);
	return 0;
}

/* ---- c2c: cache-line ping-pong ---- */

struct c2c {
	alignas(64) _Atomic uint64_t ping;
	alignas(64) _Atomic uint64_t pong;
	alignas(64) _Atomic int ready;
	_Atomic int abort;
	uint64_t iters;
	uint64_t *samples;	/* round trips, in cycles (or ticks without a PMU) */
	uint64_t ticks, cycles; /* totals over the run, for calibration */
	bool pmu;
	int err;
	struct bench_pmu events; /* on the initiator */
};

static void c2c_responder(void *arg)
{
	struct c2c *s = arg;
	uint64_t deadline = bench_deadline();

	atomic_store_explicit(&s->ready, 1, memory_order_release);
	for (uint64_t i = 1; i <= s->iters; i++) {
		unsigned int spins = 0;

		while (atomic_load_explicit(&s->ping, memory_order_acquire) != i)
			if (!(++spins & 1023) &&
			    (bench_expired(deadline) ||
			     atomic_load_explicit(&s->abort, memory_order_relaxed)))
				return;
		atomic_store_explicit(&s->pong, i, memory_order_release);
	}
}

static void c2c_initiator(void *arg)
{
	struct c2c *s = arg;
	uint64_t deadline = bench_deadline(), t0, c0;

	s->pmu = pmu_init_cpu();
	while (!atomic_load_explicit(&s->ready, memory_order_acquire))
		if (bench_expired(deadline)) {
			s->err = E_BUSY;
			return;
		}
	bench_pmu_start(&s->events);
	t0 = timer_count();
	c0 = now_cycles(s->pmu);
	for (uint64_t i = 1; i <= s->iters; i++) {
		uint64_t start = now_cycles(s->pmu);
		unsigned int spins = 0;

		atomic_store_explicit(&s->ping, i, memory_order_release);
		while (atomic_load_explicit(&s->pong, memory_order_acquire) != i) {
			if (!(++spins & 1023) && bench_expired(deadline)) {
				s->err = E_BUSY;
				atomic_store_explicit(&s->abort, 1, memory_order_relaxed);
				return;
			}
		}
		s->samples[i - 1] = now_cycles(s->pmu) - start;
	}
	s->cycles = now_cycles(s->pmu) - c0;
	s->ticks = timer_count() - t0;
	bench_pmu_stop(&s->events);
}

/* One ping-pong between o->cpu_a and o->cpu_b; round-trip stats in cycles and ns. */
static struct c2c c2c_state;

static int c2c_pair(const struct bench_opts *o, uint64_t *samples, struct stats *cyc,
		    struct stats *ns, bool *pmu)
{
	int ret;

	c2c_state = (struct c2c){ .iters = o->iters, .samples = samples };
	ret = run_pair(o, c2c_initiator, c2c_responder, &c2c_state, "bench c2c");
	if (ret)
		return ret;
	if (c2c_state.err)
		return shell_error(c2c_state.err, "c2c cpu%u<->cpu%u: no answer within %lu s",
				   o->cpu_a, o->cpu_b, BENCH_TIMEOUT_US / 1000000);
	if (c2c_state.pmu) {
		stats_compute(samples, o->iters, cyc);
		bench_stats_cycles_to_ns(cyc, ns, c2c_state.cycles, c2c_state.ticks);
	} else {
		stats_compute(samples, o->iters, ns);
		*cyc = *ns;
		bench_stats_ticks_to_ns(ns);
	}
	*pmu = c2c_state.pmu;
	return 0;
}

int bench_c2c(struct bench_opts *o)
{
	uint64_t *samples;
	unsigned int n = smp_ncpus;
	uint64_t matrix[16][16] = { { 0 } };
	struct stats cyc, ns;
	struct json j;
	bool pmu = false;
	int ret = 0;

	if (n < 2)
		return shell_error(E_NOTSUP, "c2c needs at least two CPUs");
	if (o->cpus_given && (ret = bench_check_cpus(o)))
		return ret;
	if (!o->cpus_given && n > 16)
		n = 16; /* the matrix shows the first 16 CPUs */
	samples = bench_alloc_samples(o->iters);
	if (!samples)
		return shell_error(E_NOMEM, "no RAM for %llu samples",
				   (unsigned long long)o->iters);
	if (o->cpus_given) {
		ret = c2c_pair(o, samples, &cyc, &ns, &pmu);
		if (!ret && o->json) {
			bench_json_begin(&j, "c2c", o);
			bench_json_stats(&j, "rtt_ns", "ns", &ns);
			if (pmu)
				bench_json_stats(&j, "rtt_cycles", "cycles", &cyc);
			bench_json_pmu(&j, &c2c_state.events);
			json_end(&j);
		} else if (!ret) {
			printk("cache-line round trip cpu%u <-> cpu%u, %llu iterations\n", o->cpu_a,
			       o->cpu_b, (unsigned long long)o->iters);
			printk("%-22s %-6s %8s %8s %8s %8s %8s %8s\n", "", "unit", "min", "p50",
			       "p90", "p99", "p99.9", "max");
			bench_print_stats("round trip", "ns", &ns);
			if (pmu)
				bench_print_stats("round trip", "cycles", &cyc);
			bench_print_pmu(&c2c_state.events, o->cpu_a);
		}
		bench_free_samples(samples, o->iters);
		return ret;
	}
	/* Every ordered pair (a, b) with b != 0: one-way latency = median round trip / 2. */
	for (unsigned int a = 0; a < n && !ret; a++) {
		for (unsigned int b = 1; b < n && !ret; b++) {
			struct bench_opts p = *o;

			if (a == b)
				continue;
			p.cpu_a = a;
			p.cpu_b = b;
			ret = bench_check_cpus(&p);
			if (!ret)
				ret = c2c_pair(&p, samples, &cyc, &ns, &pmu);
			matrix[a][b] = ns.p50 / 2;
		}
	}
	bench_free_samples(samples, o->iters);
	if (ret)
		return ret;
	if (o->json) {
		bench_json_begin(&j, "c2c", o);
		json_str(&j, "unit", "ns");
		json_str(&j, "metric", "one-way latency, median round trip / 2");
		json_arr_begin(&j, "matrix");
		for (unsigned int a = 0; a < n; a++) {
			json_arr_begin(&j, NULL);
			for (unsigned int b = 0; b < n; b++)
				json_u64(&j, NULL, matrix[a][b]);
			json_arr_end(&j);
		}
		json_arr_end(&j);
		json_end(&j);
		return 0;
	}
	printk("one-way cache-line latency in ns (median round trip / 2, %llu iterations);\n"
	       "row = initiator, column = responder (CPU 0 runs the shell: never a responder)\n",
	       (unsigned long long)o->iters);
	printk("      ");
	for (unsigned int b = 0; b < n; b++)
		printk(" cpu%-4u", b);
	printk("\n");
	for (unsigned int a = 0; a < n; a++) {
		printk("cpu%-3u", a);
		for (unsigned int b = 0; b < n; b++) {
			if (a == b || b == 0)
				printk(" %7s", "-");
			else
				printk(" %7llu", (unsigned long long)matrix[a][b]);
		}
		printk("\n");
	}
	return 0;
}

/* ---- wfe: SEV to WFE wake-up latency ---- */

struct wfe {
	alignas(64) _Atomic uint64_t armed; /* sleeper: about to wait for round i */
	alignas(64) _Atomic uint64_t go;    /* waker: round i released */
	alignas(64) _Atomic uint64_t woke;  /* sleeper: saw round i */
	uint64_t wake_stamp;		    /* counter value when the sleeper woke */
	_Atomic int abort;
	uint64_t iters;
	uint64_t *samples;
	int err;
};

static void wfe_sleeper(void *arg)
{
	struct wfe *s = arg;
	uint64_t deadline = bench_deadline();

	for (uint64_t i = 1; i <= s->iters; i++) {
		atomic_store_explicit(&s->armed, i, memory_order_release);
		/* SEVL then WFE clears the event register, so the next WFE really waits. */
		__asm__ volatile("sevl; wfe" : : : "memory");
		while (atomic_load_explicit(&s->go, memory_order_acquire) != i) {
			wfe(); /* woken by SEV, or by the event stream as a backstop */
			if (bench_expired(deadline) ||
			    atomic_load_explicit(&s->abort, memory_order_relaxed))
				return;
		}
		s->wake_stamp = timer_count();
		atomic_store_explicit(&s->woke, i, memory_order_release);
	}
}

static void wfe_waker(void *arg)
{
	struct wfe *s = arg;
	uint64_t deadline = bench_deadline();

	for (uint64_t i = 1; i <= s->iters; i++) {
		uint64_t t0;

		while (atomic_load_explicit(&s->armed, memory_order_acquire) != i)
			if (bench_expired(deadline))
				goto timeout;
		udelay(2); /* let the sleeper reach its WFE */
		t0 = timer_count();
		atomic_store_explicit(&s->go, i, memory_order_release);
		/* SEV after the store: the DSB makes the store visible before the event arrives. */
		dsb(ish);
		sev();
		while (atomic_load_explicit(&s->woke, memory_order_acquire) != i)
			if (bench_expired(deadline))
				goto timeout;
		s->samples[i - 1] = s->wake_stamp - t0;
	}
	return;
timeout:
	s->err = E_BUSY;
	atomic_store_explicit(&s->abort, 1, memory_order_relaxed);
}

int bench_wfe(struct bench_opts *o)
{
	static struct wfe s;
	struct stats ticks, ns;
	struct json j;
	int ret = bench_check_cpus(o);

	if (ret)
		return ret;
	s = (struct wfe){ .iters = o->iters, .samples = bench_alloc_samples(o->iters) };
	if (!s.samples)
		return shell_error(E_NOMEM, "no RAM for samples");
	ret = run_pair(o, wfe_waker, wfe_sleeper, &s, "bench wfe");
	if (!ret && s.err)
		ret = shell_error(s.err, "wfe: cpu%u did not wake", o->cpu_b);
	if (!ret) {
		stats_compute(s.samples, o->iters, &ticks);
		ns = ticks;
		bench_stats_ticks_to_ns(&ns);
		if (o->json) {
			bench_json_begin(&j, "wfe", o);
			bench_json_stats(&j, "wake_ns", "ns", &ns);
			bench_json_stats(&j, "wake_ticks", "ticks", &ticks);
			json_end(&j);
		} else {
			printk("SEV on cpu%u to WFE wake-up on cpu%u, %llu iterations "
			       "(generic timer at %llu Hz: %llu ns resolution)\n",
			       o->cpu_a, o->cpu_b, (unsigned long long)o->iters,
			       (unsigned long long)timer_freq(),
			       (unsigned long long)timer_ticks_to_ns(1));
			printk("%-22s %-6s %8s %8s %8s %8s %8s %8s\n", "", "unit", "min", "p50",
			       "p90", "p99", "p99.9", "max");
			bench_print_stats("wake-up", "ns", &ns);
		}
	}
	bench_free_samples(s.samples, o->iters);
	return ret;
}

/* ---- atomics: the cost of ordering and atomic read-modify-write ---- */

enum atomic_op {
	OP_LDAR_STLR,
	OP_LDR_STR_DMB,
	OP_LDAPR_STLR,
	OP_LDADDAL,
	OP_CASAL,
	OP_LDXR_STXR,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	[OP_LDAR_STLR] = "ldar+stlr",	[OP_LDR_STR_DMB] = "ldr+str+dmb ish",
	[OP_LDAPR_STLR] = "ldapr+stlr", [OP_LDADDAL] = "ldaddal (LSE)",
	[OP_CASAL] = "casal (LSE)",	[OP_LDXR_STXR] = "ldaxr/stlxr loop",
};

struct atomics {
	alignas(64) uint64_t word;
	alignas(64) uint64_t iters;
	enum atomic_op op;
	_Atomic int start;
	uint64_t cycles, ticks;
	bool pmu;
	struct bench_pmu events;
};

/* One increment of *p by the chosen method; every asm is the whole operation under test. */
static inline void atomic_op_once(enum atomic_op op, uint64_t *p)
{
	uint64_t t, old, desired, one = 1;
	unsigned int fail;

	switch (op) {
	case OP_LDAR_STLR:
		__asm__ volatile("ldar %0, [%1]\n add %0, %0, #1\n stlr %0, [%1]"
				 : "=&r"(t)
				 : "r"(p)
				 : "memory");
		break;
	case OP_LDR_STR_DMB:
		__asm__ volatile("ldr %0, [%1]\n add %0, %0, #1\n str %0, [%1]\n dmb ish"
				 : "=&r"(t)
				 : "r"(p)
				 : "memory");
		break;
	case OP_LDAPR_STLR:
		/* LDAPR is FEAT_LRCPC (Armv8.3); the caller checks ID_AA64ISAR1_EL1.LRCPC. */
		__asm__ volatile(".arch_extension rcpc\n ldapr %0, [%1]\n add %0, %0, #1\n"
				 " stlr %0, [%1]"
				 : "=&r"(t)
				 : "r"(p)
				 : "memory");
		break;
	case OP_LDADDAL:
		__asm__ volatile("ldaddal %1, %0, [%2]" : "=r"(old) : "r"(one), "r"(p) : "memory");
		break;
	case OP_CASAL:
		/* CASAL Xs, Xt: if [p] == Xs store Xt; Xs gets the old value. Retry until it wins. */
		__asm__ volatile("ldr %[cur], [%[p]]\n"
				 "1: mov %[exp], %[cur]\n"
				 " add %[des], %[cur], #1\n"
				 " casal %[cur], %[des], [%[p]]\n"
				 " cmp %[cur], %[exp]\n"
				 " b.ne 1b"
				 : [cur] "=&r"(old), [exp] "=&r"(t), [des] "=&r"(desired)
				 : [p] "r"(p)
				 : "memory", "cc");
		break;
	case OP_LDXR_STXR:
		__asm__ volatile("1: ldaxr %0, [%2]\n add %0, %0, #1\n stlxr %w1, %0, [%2]\n"
				 " cbnz %w1, 1b"
				 : "=&r"(t), "=&r"(fail)
				 : "r"(p)
				 : "memory");
		break;
	default:
		break;
	}
}

static void atomics_run(void *arg)
{
	struct atomics *s = arg;
	uint64_t c0, t0;

	s->pmu = pmu_init_cpu();
	bench_pmu_start(&s->events);
	t0 = timer_count();
	c0 = now_cycles(s->pmu);
	for (uint64_t i = 0; i < s->iters; i++)
		atomic_op_once(s->op, &s->word);
	s->cycles = now_cycles(s->pmu) - c0;
	s->ticks = timer_count() - t0;
	bench_pmu_stop(&s->events);
}

int bench_atomics(struct bench_opts *o)
{
	static struct atomics s;
	bool lse = cpuid_has_lse(read_sysreg(id_aa64isar0_el1));
	bool rcpc = FIELD_GET(read_sysreg(id_aa64isar1_el1), ID_AA64ISAR1_LRCPC_SHIFT,
			      ID_FIELD_WIDTH) >= 1;
	struct json j;

	if (o->json) {
		bench_json_begin(&j, "atomics", o);
		json_str(&j, "metric", "one uncontended increment, averaged");
		json_arr_begin(&j, "ops");
	} else {
		printk("uncontended increment of one cache line on cpu%u, %llu iterations each\n",
		       this_cpu()->id, (unsigned long long)o->iters);
		printk("%-20s %12s %12s\n", "method", "ns/op", "cycles/op");
	}
	for (int op = 0; op < OP_COUNT; op++) {
		bool ok = (op != OP_LDADDAL && op != OP_CASAL) || lse;

		ok = ok && (op != OP_LDAPR_STLR || rcpc);
		if (ok) {
			s = (struct atomics){ .iters = o->iters, .op = (enum atomic_op)op };
			atomics_run(&s);
			if (s.word != o->iters)
				return shell_error(E_IO, "%s: counted %llu, expected %llu",
						   op_names[op], (unsigned long long)s.word,
						   (unsigned long long)o->iters);
		}
		/* Hundredths of a nanosecond per op, to keep two decimals without floats. */
		uint64_t cns = ok ? timer_ticks_to_ns(s.ticks) * 100 / o->iters : 0;
		uint64_t ccyc = ok && s.pmu ? s.cycles * 100 / o->iters : 0;

		if (o->json) {
			json_obj_begin(&j, NULL);
			json_str(&j, "op", op_names[op]);
			json_bool(&j, "supported", ok);
			json_u64(&j, "ns_x100", cns);
			json_u64(&j, "cycles_x100", ccyc);
			if (ok)
				bench_json_pmu(&j, &s.events);
			json_obj_end(&j);
		} else if (!ok) {
			printk("%-20s %12s %12s\n", op_names[op], "n/a", "n/a");
		} else {
			printk("%-20s %9llu.%02llu %9llu.%02llu\n", op_names[op],
			       (unsigned long long)(cns / 100), (unsigned long long)(cns % 100),
			       (unsigned long long)(ccyc / 100), (unsigned long long)(ccyc % 100));
		}
	}
	if (o->json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return 0;
}

/* ---- pmu: what the PMU offers ---- */

static int cmd_pmu(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	unsigned int pmuver =
		FIELD_GET(read_sysreg(id_aa64dfr0_el1), ID_AA64DFR0_PMUVER_SHIFT, ID_FIELD_WIDTH);
	struct json j;

	if (argc > 1)
		return shell_error(E_INVAL, "usage: pmu [--json]");
	if (!pmu_init_cpu())
		return shell_error(E_NOTSUP, "no PMUv3 (ID_AA64DFR0_EL1.PMUVer = %u)", pmuver);
	if (as_json) {
		shell_json_begin(&j);
		json_str(&j, "version", cpuid_pmuver_name(pmuver));
		json_u64(&j, "counters", pmu_num_counters());
		json_arr_begin(&j, "events");
	} else {
		printk("%s, %u event counters + cycle counter; common events implemented:\n",
		       cpuid_pmuver_name(pmuver), pmu_num_counters());
	}
	for (unsigned int ev = 0; ev < 64; ev++) {
		const char *name = pmu_event_name(ev);

		if (!pmu_event_supported(ev))
			continue;
		if (as_json) {
			json_obj_begin(&j, NULL);
			json_hex(&j, "event", ev);
			json_str(&j, "name", name ? name : "");
			json_obj_end(&j);
		} else {
			printk("  0x%02x %s\n", ev, name ? name : "(unnamed)");
		}
	}
	if (as_json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return 0;
}
SHELL_COMMAND(pmu, "pmu", "[--json]", "the PMU's version, counters and implemented events", NULL,
	      cmd_pmu);

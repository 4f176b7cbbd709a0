// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The data plane measured between two cores: round-trip latency through a pair of rings
 * (spsc-lat), throughput by burst size (spsc-tput), and a sequence-checked transfer that must
 * lose, duplicate and reorder nothing (spsc-stress). All use the zero-copy API: messages are
 * written and read in place in the ring's slots, and waiting is WFE on the index's cache line.
 */
#include <stdalign.h>
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/bench_list.h"
#include "bench/pmu.h"
#include "dataplane/spsc.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "monitor/shell.h"

#define MSG_SIZE     64	 /* one cache line per message */
#define WAIT_STEP    64	 /* WFEs per spsc_wait_* call before checking the deadline */
#define DEFAULT_RING 256 /* slots */

struct msg {
	uint64_t seq;
	uint64_t stamp;
	uint64_t check; /* seq ^ a constant: detects torn or stale slots */
	uint64_t pad[5];
};
_Static_assert(sizeof(struct msg) == MSG_SIZE, "one message per cache line");

#define CHECK_XOR 0x6d6f6e6164696321UL

struct spsc_bench {
	struct spsc_ring req, resp; /* each index on its own cache line (see spsc.h) */
	alignas(64) _Atomic int abort;
	uint64_t iters;
	uint32_t burst;
	uint64_t *samples;
	uint64_t cycles, ticks; /* initiator's totals, for calibration or throughput */
	uint64_t errors, received;
	bool pmu;
	int err;
	struct bench_pmu events; /* on the initiator (lat) or the consumer (tput) */
};

static struct spsc_bench sb;
static uint8_t *ring_mem;
static uint64_t ring_mem_words;

static uint64_t stamp(bool pmu)
{
	return pmu ? pmu_read_cycles() : timer_count();
}

/* Wait for a message (consumer) or a free slot (producer) until the deadline or an abort. */
static bool wait_ring(struct spsc_ring *r, bool consumer, uint64_t deadline)
{
	for (;;) {
		if (consumer ? spsc_wait_nonempty(r, WAIT_STEP) : spsc_wait_free(r, WAIT_STEP))
			return true;
		if (bench_expired(deadline) ||
		    atomic_load_explicit(&sb.abort, memory_order_relaxed)) {
			atomic_store_explicit(&sb.abort, 1, memory_order_relaxed);
			return false;
		}
	}
}

static int rings_init(uint32_t ring)
{
	uint64_t bytes = 2UL * ring * MSG_SIZE;

	ring_mem_words = bytes / sizeof(uint64_t);
	ring_mem = (uint8_t *)bench_alloc_samples(ring_mem_words);
	if (!ring_mem)
		return shell_error(E_NOMEM, "no RAM for two rings of %u slots", ring);
	if (spsc_init(&sb.req, ring_mem, ring, MSG_SIZE) ||
	    spsc_init(&sb.resp, ring_mem + (uint64_t)ring * MSG_SIZE, ring, MSG_SIZE))
		return shell_error(E_INVAL, "bad ring size %u", ring);
	return 0;
}

static void rings_free(void)
{
	bench_free_samples((uint64_t *)ring_mem, ring_mem_words);
	ring_mem = NULL;
}

/* ---- spsc-lat ---- */

static void lat_initiator(void *arg)
{
	uint64_t deadline = bench_deadline(), c0, t0;

	(void)arg;
	sb.pmu = pmu_init_cpu();
	bench_pmu_start(&sb.events);
	t0 = timer_count();
	c0 = stamp(sb.pmu);
	for (uint64_t i = 1; i <= sb.iters; i++) {
		uint64_t start = stamp(sb.pmu);
		struct msg *m;

		if (!wait_ring(&sb.req, false, deadline))
			goto fail;
		spsc_reserve(&sb.req, 1, (void **)&m);
		m->seq = i; /* written in place in the ring's slot */
		spsc_commit_notify(&sb.req, 1);
		if (!wait_ring(&sb.resp, true, deadline))
			goto fail;
		spsc_peek(&sb.resp, 1, (void **)&m);
		if (m->seq != i)
			sb.errors++;
		spsc_release(&sb.resp, 1);
		sb.samples[i - 1] = stamp(sb.pmu) - start;
	}
	sb.cycles = stamp(sb.pmu) - c0;
	sb.ticks = timer_count() - t0;
	bench_pmu_stop(&sb.events);
	return;
fail:
	sb.err = E_BUSY;
}

static void lat_responder(void *arg)
{
	uint64_t deadline = bench_deadline();

	(void)arg;
	for (uint64_t i = 1; i <= sb.iters; i++) {
		struct msg *in, *out;

		if (!wait_ring(&sb.req, true, deadline))
			return;
		spsc_peek(&sb.req, 1, (void **)&in);
		if (!wait_ring(&sb.resp, false, deadline))
			return;
		spsc_reserve(&sb.resp, 1, (void **)&out);
		out->seq = in->seq;
		spsc_commit_notify(&sb.resp, 1);
		spsc_release(&sb.req, 1);
	}
}

static int run(const struct bench_opts *o, smp_work_fn a, smp_work_fn b, const char *what)
{
	int ret = smp_run_on(o->cpu_b, b, NULL);

	if (ret)
		return shell_error(ret, "cannot start on cpu%u", o->cpu_b);
	percpu[o->cpu_b].doing = what;
	if (o->cpu_a == this_cpu()->id) {
		a(NULL);
	} else if ((ret = smp_run_on(o->cpu_a, a, NULL))) {
		atomic_store(&sb.abort, 1);
		smp_wait(o->cpu_b, BENCH_TIMEOUT_US + 1000000);
		return shell_error(ret, "cannot start on cpu%u", o->cpu_a);
	} else {
		percpu[o->cpu_a].doing = what;
		smp_wait(o->cpu_a, BENCH_TIMEOUT_US + 1000000);
	}
	if (!smp_wait(o->cpu_b, BENCH_TIMEOUT_US + 1000000))
		return shell_error(E_BUSY, "cpu%u did not finish", o->cpu_b);
	if (sb.err || atomic_load(&sb.abort))
		return shell_error(E_BUSY, "%s: no progress within %lu s", what,
				   BENCH_TIMEOUT_US / 1000000);
	return 0;
}

static void reset(const struct bench_opts *o)
{
	sb = (struct spsc_bench){ .iters = o->iters, .burst = o->burst };
}

int bench_spsc_lat(struct bench_opts *o)
{
	struct stats cyc, ns;
	struct json j;
	int ret = bench_check_cpus(o);

	if (ret)
		return ret;
	if (!o->ring)
		o->ring = DEFAULT_RING;
	reset(o);
	if ((ret = rings_init(o->ring)))
		return ret;
	sb.samples = bench_alloc_samples(o->iters);
	if (!sb.samples) {
		rings_free();
		return shell_error(E_NOMEM, "no RAM for samples");
	}
	ret = run(o, lat_initiator, lat_responder, "bench spsc-lat");
	if (!ret && sb.errors)
		ret = shell_error(E_IO, "spsc-lat: %llu replies out of sequence",
				  (unsigned long long)sb.errors);
	if (!ret) {
		stats_compute(sb.samples, o->iters, &cyc);
		if (sb.pmu) {
			bench_stats_cycles_to_ns(&cyc, &ns, sb.cycles, sb.ticks);
		} else {
			ns = cyc;
			bench_stats_ticks_to_ns(&ns);
		}
		if (o->json) {
			bench_json_begin(&j, "spsc-lat", o);
			bench_json_stats(&j, "rtt_ns", "ns", &ns);
			bench_json_stats(&j, "rtt_cycles", sb.pmu ? "cycles" : "ticks", &cyc);
			bench_json_pmu(&j, &sb.events);
			json_end(&j);
		} else {
			printk("SPSC round trip cpu%u -> cpu%u -> cpu%u, %u-slot rings of %u-byte "
			       "messages, zero-copy, WFE waiting, %llu iterations\n",
			       o->cpu_a, o->cpu_b, o->cpu_a, o->ring, MSG_SIZE,
			       (unsigned long long)o->iters);
			printk("%-22s %-6s %8s %8s %8s %8s %8s %8s\n", "", "unit", "min", "p50",
			       "p90", "p99", "p99.9", "max");
			bench_print_stats("round trip", "ns", &ns);
			bench_print_stats("round trip", sb.pmu ? "cycles" : "ticks", &cyc);
			bench_print_pmu(&sb.events, o->cpu_a);
		}
	}
	bench_free_samples(sb.samples, o->iters);
	rings_free();
	return ret;
}

/* ---- spsc-tput and spsc-stress: one producer, one consumer ---- */

static void producer(void *arg)
{
	uint64_t deadline = bench_deadline(), seq = 1;

	(void)arg;
	while (seq <= sb.iters) {
		uint64_t want = sb.iters - seq + 1;
		uint32_t n = want < sb.burst ? (uint32_t)want : sb.burst, got;
		struct msg *m;

		if (!wait_ring(&sb.req, false, deadline))
			return;
		got = spsc_reserve(&sb.req, n, (void **)&m);
		for (uint32_t k = 0; k < got; k++, seq++) {
			m[k].seq = seq;
			m[k].check = seq ^ CHECK_XOR;
		}
		spsc_commit_notify(&sb.req, got);
	}
}

static void consumer(void *arg)
{
	uint64_t deadline = bench_deadline(), expect = 1, t0 = 0;

	(void)arg;
	while (expect <= sb.iters) {
		struct msg *m;
		uint32_t got;

		if (!wait_ring(&sb.req, true, deadline)) {
			sb.err = E_BUSY;
			return;
		}
		if (expect == 1) {
			bench_pmu_start(&sb.events);
			t0 = timer_count(); /* from the first message seen */
		}
		got = spsc_peek(&sb.req, sb.burst, (void **)&m);
		for (uint32_t k = 0; k < got; k++, expect++)
			if (m[k].seq != expect || m[k].check != (expect ^ CHECK_XOR))
				sb.errors++;
		sb.received += got;
		spsc_release(&sb.req, got);
	}
	sb.ticks = timer_count() - t0;
	bench_pmu_stop(&sb.events);
}

/* Producer on cpu_a (or the shell CPU), consumer on cpu_b. */
static int transfer(const struct bench_opts *o, uint32_t burst)
{
	struct bench_opts p = *o;

	reset(o);
	sb.burst = burst;
	if (spsc_init(&sb.req, ring_mem, o->ring, MSG_SIZE))
		return shell_error(E_INVAL, "bad ring size");
	p.burst = burst;
	return run(&p, producer, consumer, "bench spsc");
}

static const uint32_t sweep[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256 };

int bench_spsc_tput(struct bench_opts *o)
{
	int ret = bench_check_cpus(o);
	struct json j;

	if (ret)
		return ret;
	if (!o->ring)
		o->ring = DEFAULT_RING;
	if ((ret = rings_init(o->ring)))
		return ret;
	if (!o->json)
		printk("SPSC throughput cpu%u -> cpu%u, %u-slot ring of %u-byte messages, "
		       "zero-copy, "
		       "%llu messages per burst size\n%8s %14s %12s %10s\n",
		       o->cpu_a, o->cpu_b, o->ring, MSG_SIZE, (unsigned long long)o->iters, "burst",
		       "messages/s", "ns/message", "MB/s");
	for (unsigned int i = 0; i < sizeof(sweep) / sizeof(sweep[0]) && !ret; i++) {
		uint32_t burst = o->burst ? o->burst : sweep[i];
		uint64_t ns, mps;

		if (burst > o->ring)
			break;
		ret = transfer(o, burst);
		if (!ret && sb.errors)
			ret = shell_error(E_IO, "spsc-tput: %llu messages out of sequence",
					  (unsigned long long)sb.errors);
		if (ret)
			break;
		ns = timer_ticks_to_ns(sb.ticks);
		mps = ns ? o->iters * 1000000000UL / ns : 0;
		if (o->json) {
			struct bench_opts p = *o;

			p.burst = burst;
			bench_json_begin(&j, "spsc-tput", &p);
			json_u64(&j, "msgs", o->iters);
			json_u64(&j, "msg_size", MSG_SIZE);
			json_u64(&j, "ns", ns);
			json_u64(&j, "mps", mps);
			bench_json_pmu(&j, &sb.events);
			json_end(&j);
		} else {
			printk("%8u %14llu %9llu.%02llu %10llu\n", burst, (unsigned long long)mps,
			       (unsigned long long)(ns / o->iters),
			       (unsigned long long)(ns * 100 / o->iters % 100),
			       (unsigned long long)(mps * MSG_SIZE / 1000000));
		}
		if (o->burst)
			break;
	}
	rings_free();
	return ret;
}

int bench_spsc_stress(struct bench_opts *o)
{
	uint32_t bursts[] = { 1, 7, 32 };
	uint64_t total = 0, errors = 0, ticks = 0;
	struct json j;
	int ret = bench_check_cpus(o);

	if (ret)
		return ret;
	if (!o->ring)
		o->ring = DEFAULT_RING;
	if ((ret = rings_init(o->ring)))
		return ret;
	/* Three passes with different burst sizes, so wrap-around lands at different offsets. */
	for (unsigned int i = 0; i < 3 && !ret; i++) {
		struct bench_opts p = *o;

		p.iters = o->iters / 3 + (i < o->iters % 3);
		if (!p.iters)
			continue;
		ret = transfer(&p, o->burst ? o->burst : bursts[i] > o->ring ? o->ring : bursts[i]);
		total += sb.received;
		errors += sb.errors;
		ticks += sb.ticks;
	}
	rings_free();
	if (ret)
		return ret;
	if (o->json) {
		bench_json_begin(&j, "spsc-stress", o);
		json_u64(&j, "messages", total);
		json_u64(&j, "errors", errors);
		json_u64(&j, "ns", timer_ticks_to_ns(ticks));
		json_end(&j);
	} else {
		printk("moved %llu sequence-numbered messages cpu%u -> cpu%u through a %u-slot "
		       "ring: "
		       "%llu lost, duplicated, reordered or torn; %llu ms\n",
		       (unsigned long long)total, o->cpu_a, o->cpu_b, o->ring,
		       (unsigned long long)errors,
		       (unsigned long long)(timer_ticks_to_ns(ticks) / 1000000));
	}
	if (errors || total != o->iters)
		return shell_error(E_IO, "spsc-stress: %llu errors, %llu of %llu messages arrived",
				   (unsigned long long)errors, (unsigned long long)total,
				   (unsigned long long)o->iters);
	return 0;
}

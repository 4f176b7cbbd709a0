// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `dp`: run the data-plane engine on a dedicated core with an echo service, and drive it from
 * the shell's core: start, send (sequence-checked round trips), stats, stop.
 */
#include <stdatomic.h>

#include "bench/bench.h"
#include "dataplane/engine.h"
#include "kernel/console.h"
#include "kernel/err.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "kernel/vm.h"
#include "monitor/parse.h"
#include "monitor/shell.h"

#define DP_SLOT		64
#define DP_DEFAULT_RING 256
#define DP_MAX_SEND	1000000UL

struct dp_msg {
	uint64_t seq;
	uint64_t check;
	uint64_t pad[6];
};
_Static_assert(sizeof(struct dp_msg) == DP_SLOT, "one message per slot");

static struct dp_engine dp;
static struct spsc_ring dp_to_engine, dp_from_engine;
static uint32_t dp_slot_size = DP_SLOT;
static uint8_t *dp_mem;
static uint64_t dp_mem_size;
static int dp_cpu = -1;
static uint64_t dp_next_seq = 1;

static void engine_work(void *arg)
{
	dp_engine_run(arg);
}

static int dp_start(int argc, char **argv)
{
	uint64_t cpu, ring = DP_DEFAULT_RING, burst = 32;
	uint64_t deadline;
	int ret;

	if (dp_cpu >= 0)
		return shell_error(E_BUSY, "dp: the engine already runs on cpu%d ('dp stop' first)",
				   dp_cpu);
	if (argc < 3 || parse_u64(argv[2], &cpu))
		return shell_error(E_INVAL, "usage: dp start <cpu> [--ring N] [--burst N]");
	for (int i = 3; i < argc; i += 2) {
		uint64_t *dst = str_eq(argv[i], "--ring")    ? &ring
				: str_eq(argv[i], "--burst") ? &burst
							     : NULL;

		if (!dst || i + 1 >= argc || parse_size(argv[i + 1], dst))
			return shell_error(E_INVAL, "usage: dp start <cpu> [--ring N] [--burst N]");
	}
	if (ring < 2 || ring > 65536 || (ring & (ring - 1)))
		return shell_error(E_RANGE, "dp: --ring must be a power of two, 2 to 65536");
	if (burst < 1 || burst > ring)
		return shell_error(E_RANGE, "dp: --burst must be 1 to the ring size");
	if (cpu == 0 || cpu >= smp_ncpus)
		return shell_error(E_RANGE, "dp: cpu must be 1 to %u (cpu0 runs the shell)",
				   smp_ncpus - 1);
	if (percpu[cpu].vm_owner >= 0)
		return shell_error(E_BUSY, "dp: cpu%llu belongs to vm%d", (unsigned long long)cpu,
				   percpu[cpu].vm_owner);
	dp_mem_size = 2 * ring * DP_SLOT;
	if (pmem_alloc(&phys_mem, (dp_mem_size + 4095) & ~4095UL, 4096, "dp rings",
		       (uint64_t *)&dp_mem))
		return shell_error(E_NOMEM, "dp: no RAM for the rings");
	spsc_init(&dp_to_engine, dp_mem, (uint32_t)ring, DP_SLOT);
	spsc_init(&dp_from_engine, dp_mem + ring * DP_SLOT, (uint32_t)ring, DP_SLOT);
	dp_engine_init(&dp, (uint32_t)burst);
	dp_engine_add_port(&dp, &dp_to_engine, &dp_from_engine, dp_echo, &dp_slot_size);
	ret = smp_run_on((unsigned int)cpu, engine_work, &dp);
	if (ret) {
		pmem_free(&phys_mem, (uintptr_t)dp_mem, (dp_mem_size + 4095) & ~4095UL);
		return shell_error(ret, "dp: cpu%llu is not idle", (unsigned long long)cpu);
	}
	percpu[cpu].doing = "dp engine (echo)";
	deadline = timer_count() + timer_us_to_ticks(1000000);
	while (!atomic_load_explicit(&dp.running, memory_order_acquire))
		if (timer_count() > deadline)
			return shell_error(E_BUSY, "dp: engine did not start on cpu%llu",
					   (unsigned long long)cpu);
	dp_cpu = (int)cpu;
	dp_next_seq = 1;
	printk("dp: echo engine running on cpu%d, rings of %llu x %u bytes, burst %llu\n", dp_cpu,
	       (unsigned long long)ring, DP_SLOT, (unsigned long long)burst);
	return 0;
}

static int dp_stop(void)
{
	if (dp_cpu < 0)
		return shell_error(E_NOENT, "dp: no engine running");
	dp_engine_stop(&dp);
	sev(); /* wake it from WFE now rather than at the next event-stream tick */
	if (!smp_wait((unsigned int)dp_cpu, 2000000))
		return shell_error(E_BUSY, "dp: engine on cpu%d did not stop", dp_cpu);
	pmem_free(&phys_mem, (uintptr_t)dp_mem, (dp_mem_size + 4095) & ~4095UL);
	printk("dp: stopped on cpu%d after %llu messages\n", dp_cpu,
	       (unsigned long long)dp.ports[0].msgs);
	dp_cpu = -1;
	return 0;
}

/* Send n messages through the engine, pipelined, and check every echo's sequence number. */
static int dp_send(const char *arg, bool as_json)
{
	uint64_t n, sent = 0, got = 0, errors = 0, t0, deadline, ns;
	struct json j;

	if (dp_cpu < 0)
		return shell_error(E_NOENT, "dp: no engine running ('dp start <cpu>')");
	if (parse_size(arg, &n) || n < 1 || n > DP_MAX_SEND)
		return shell_error(E_RANGE, "dp send: count must be 1 to %lu", DP_MAX_SEND);
	t0 = timer_count();
	deadline = t0 + timer_us_to_ticks(BENCH_TIMEOUT_US);
	while (got < n) {
		struct dp_msg *m;
		uint32_t k;

		if (sent < n) {
			k = spsc_reserve(&dp_to_engine, (uint32_t)(n - sent > 32 ? 32 : n - sent),
					 (void **)&m);
			for (uint32_t i = 0; i < k; i++) {
				m[i].seq = dp_next_seq + sent + i;
				m[i].check = ~m[i].seq;
			}
			spsc_commit_notify(&dp_to_engine, k);
			sent += k;
		}
		k = spsc_peek(&dp_from_engine, 32, (void **)&m);
		for (uint32_t i = 0; i < k; i++)
			if (m[i].seq != dp_next_seq + got + i || m[i].check != ~m[i].seq)
				errors++;
		spsc_release(&dp_from_engine, k);
		got += k;
		if (timer_count() > deadline)
			return shell_error(E_BUSY, "dp send: %llu of %llu echoes after %lu s",
					   (unsigned long long)got, (unsigned long long)n,
					   BENCH_TIMEOUT_US / 1000000);
	}
	ns = timer_ticks_to_ns(timer_count() - t0);
	dp_next_seq += n;
	if (as_json) {
		shell_json_begin(&j);
		json_u64(&j, "sent", n);
		json_u64(&j, "echoed", got);
		json_u64(&j, "errors", errors);
		json_u64(&j, "ns", ns);
		json_u64(&j, "mps", ns ? n * 1000000000UL / ns : 0);
		json_end(&j);
	} else {
		printk("dp send: %llu messages echoed by cpu%d, %llu errors, %llu us, %llu "
		       "messages/s\n",
		       (unsigned long long)n, dp_cpu, (unsigned long long)errors,
		       (unsigned long long)(ns / 1000),
		       (unsigned long long)(ns ? n * 1000000000UL / ns : 0));
	}
	if (errors)
		return shell_error(E_IO, "dp send: %llu echoes out of sequence",
				   (unsigned long long)errors);
	return 0;
}

static int dp_stats(bool as_json)
{
	struct json j;
	const struct dp_port *p = &dp.ports[0];

	if (as_json) {
		shell_json_begin(&j);
		json_bool(&j, "running", dp_cpu >= 0);
		json_i64(&j, "cpu", dp_cpu);
		json_u64(&j, "polls", dp.polls);
		json_u64(&j, "idle_waits", dp.idle_waits);
		json_u64(&j, "msgs", p->msgs);
		json_u64(&j, "sent", p->sent);
		json_end(&j);
		return 0;
	}
	if (dp_cpu < 0) {
		printk("dp: no engine running\n");
		return 0;
	}
	printk("dp: echo engine on cpu%d: %llu messages handled, %llu sent, %llu polls, "
	       "%llu idle waits\n",
	       dp_cpu, (unsigned long long)p->msgs, (unsigned long long)p->sent,
	       (unsigned long long)dp.polls, (unsigned long long)dp.idle_waits);
	return 0;
}

static int cmd_dp(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);

	if (argc >= 2 && str_eq(argv[1], "start"))
		return dp_start(argc, argv);
	if (argc == 2 && str_eq(argv[1], "stop"))
		return dp_stop();
	if (argc == 2 && str_eq(argv[1], "stats"))
		return dp_stats(as_json);
	if (argc == 3 && str_eq(argv[1], "send"))
		return dp_send(argv[2], as_json);
	return shell_error(E_INVAL, "usage: dp start <cpu> [--ring N] [--burst N] | dp send <n> | "
				    "dp stats | dp stop");
}
SHELL_COMMAND(dp, "dp", "start|send|stats|stop ...",
	      "the data-plane engine on a dedicated core (an echo service)",
	      "  dp start <cpu> [--ring N] [--burst N]  run the engine on that core\n"
	      "  dp send <n>     send n sequence-numbered messages from the shell's core,\n"
	      "                  check every echo (pipelined, zero-copy both ways)\n"
	      "  dp stats        messages, polls, idle waits;  dp stop  stop the engine",
	      cmd_dp);

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `dp`: run the data-plane engine on a dedicated core with an echo service, and drive it from
 * the shell's core: start, send (sequence-checked round trips), stats, stop.
 */
#include <stdatomic.h>

#include "dataplane/engine.h"
#include "dataplane/service.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vring.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"

#define DP_SLOT		DP_SERVICE_SLOT
#define DP_DEFAULT_RING 256
#define DP_MAX_SEND	1000000UL
/* How long `dp send` waits for its echoes before it gives up. */
#define DP_SEND_TIMEOUT_US 30000000UL

struct dp_msg {
	uint64_t seq;
	uint64_t check;
	uint64_t pad[6];
};
_Static_assert(sizeof(struct dp_msg) == DP_SLOT, "one message per slot");

static uint64_t dp_next_seq = 1;

static int dp_start(int argc, char **argv)
{
	uint64_t cpu, ring = DP_DEFAULT_RING, burst = 32;
	int ret;

	if (dp_service_cpu() >= 0)
		return shell_error(E_BUSY, "dp: the engine already runs on cpu%d ('dp stop' first)",
				   dp_service_cpu());
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
	ret = dp_service_start((unsigned int)cpu, (uint32_t)ring, (uint32_t)burst);
	if (ret == E_NOMEM)
		return shell_error(ret, "dp: no RAM for the rings");
	if (ret)
		return shell_error(ret, "dp: cpu%llu is not idle or the engine did not start",
				   (unsigned long long)cpu);
	dp_next_seq = 1;
	printk("dp: echo engine running on cpu%d, rings of %llu x %u bytes, burst %llu\n",
	       dp_service_cpu(), (unsigned long long)ring, DP_SLOT, (unsigned long long)burst);
	return 0;
}

static int dp_stop(void)
{
	int cpu = dp_service_cpu(), ret;

	if (cpu < 0)
		return shell_error(E_NOENT, "dp: no engine running");
	ret = dp_service_stop();
	if (ret)
		return shell_error(ret, "dp: engine on cpu%d did not stop", cpu);
	printk("dp: stopped on cpu%d after %llu messages\n", cpu,
	       (unsigned long long)dp_service_engine()->ports[0].msgs);
	return 0;
}

/* Send n messages through the engine, pipelined, and check every echo's sequence number. */
static int dp_send(const char *arg, bool as_json)
{
	uint64_t n, sent = 0, got = 0, errors = 0, t0, deadline, ns;
	struct spsc_ring *dp_to_engine, *dp_from_engine;
	int dp_cpu = dp_service_cpu();
	struct json j;

	dp_service_local(&dp_to_engine, &dp_from_engine);
	if (dp_cpu < 0)
		return shell_error(E_NOENT, "dp: no engine running ('dp start <cpu>')");
	if (parse_size(arg, &n) || n < 1 || n > DP_MAX_SEND)
		return shell_error(E_RANGE, "dp send: count must be 1 to %lu", DP_MAX_SEND);
	t0 = timer_count();
	deadline = t0 + timer_us_to_ticks(DP_SEND_TIMEOUT_US);
	while (got < n) {
		struct dp_msg *m;
		uint32_t k;

		if (sent < n) {
			k = spsc_reserve(dp_to_engine, (uint32_t)(n - sent > 32 ? 32 : n - sent),
					 (void **)&m);
			for (uint32_t i = 0; i < k; i++) {
				m[i].seq = dp_next_seq + sent + i;
				m[i].check = ~m[i].seq;
			}
			spsc_commit_notify(dp_to_engine, k);
			sent += k;
		}
		k = spsc_peek(dp_from_engine, 32, (void **)&m);
		for (uint32_t i = 0; i < k; i++)
			if (m[i].seq != dp_next_seq + got + i || m[i].check != ~m[i].seq)
				errors++;
		spsc_release(dp_from_engine, k);
		got += k;
		if (timer_count() > deadline)
			return shell_error(E_BUSY, "dp send: %llu of %llu echoes after %lu s",
					   (unsigned long long)got, (unsigned long long)n,
					   DP_SEND_TIMEOUT_US / 1000000);
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

static const char *port_state(const struct dp_port *p)
{
	switch (DP_PORT_STATE(atomic_load(&p->cmd))) {
	case DP_PORT_RUN:
		return atomic_load(&p->down) ? "shut" : "up";
	case DP_PORT_OFF:
		return "detaching";
	default:
		return "free";
	}
}

static int dp_stats(bool as_json)
{
	struct dp_engine *dp = dp_service_engine();
	int dp_cpu = dp_service_cpu();
	const struct dp_port *p = &dp->ports[0];
	struct json j;

	if (as_json) {
		shell_json_begin(&j);
		json_bool(&j, "running", dp_cpu >= 0);
		json_i64(&j, "cpu", dp_cpu);
		json_u64(&j, "polls", dp->polls);
		json_u64(&j, "idle_waits", dp->idle_waits);
		json_u64(&j, "msgs", p->msgs);
		json_u64(&j, "sent", p->sent);
		json_u64(&j, "faults", dp->faults);
		json_arr_begin(&j, "ports");
		for (unsigned int i = 0; dp_cpu >= 0 && i < DP_MAX_PORTS; i++) {
			json_obj_begin(&j, NULL);
			json_u64(&j, "port", i);
			json_str(&j, "state", port_state(&dp->ports[i]));
			json_i64(&j, "vm", i == 0 ? -1 : vring_port_owner(i));
			json_str(&j, "layout", dp_layout_name(dp->ports[i].ends.layout));
			json_u64(&j, "msgs", dp->ports[i].msgs);
			json_u64(&j, "sent", dp->ports[i].sent);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end(&j);
		return 0;
	}
	if (dp_cpu < 0) {
		printk("dp: no engine running\n");
		return 0;
	}
	printk("dp: echo engine on cpu%d: %llu messages handled, %llu sent, %llu polls, "
	       "%llu idle waits, %llu ports shut for bad indices\n",
	       dp_cpu, (unsigned long long)p->msgs, (unsigned long long)p->sent,
	       (unsigned long long)dp->polls, (unsigned long long)dp->idle_waits,
	       (unsigned long long)dp->faults);
	for (unsigned int i = 1; i < DP_MAX_PORTS; i++)
		if (DP_PORT_STATE(atomic_load(&dp->ports[i].cmd)) != DP_PORT_FREE)
			printk("  port %u: vm%d's ring, %s, %s layout, %llu messages handled, "
			       "%llu sent\n",
			       i, vring_port_owner(i), port_state(&dp->ports[i]),
			       dp_layout_name(dp->ports[i].ends.layout),
			       (unsigned long long)dp->ports[i].msgs,
			       (unsigned long long)dp->ports[i].sent);
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
	      "  dp stats        messages, polls, idle waits, guests' ring ports\n"
	      "  dp stop         stop the engine (guests' ring ports go with it)",
	      cmd_dp);

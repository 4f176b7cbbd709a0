// SPDX-License-Identifier: BSD-2-Clause-Patent
/* `cpus`: every CPU the DTB lists, its state and what it runs; `cpus check` pings each one. */
#include <stdatomic.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"

struct ping {
	uint64_t mpidr;
	unsigned int el;
	uint64_t stamp; /* counter value when the target ran the item */
};

/* Runs on the target CPU: report who and where we are. */
static void ping_work(void *arg)
{
	struct ping *p = arg;

	p->mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	p->el = current_el();
	p->stamp = timer_count();
}

static int cpus_check(bool as_json)
{
	int failures = 0;
	struct json j;

	if (as_json) {
		shell_json_begin(&j);
		json_arr_begin(&j, "check");
	}
	for (unsigned int id = 1; id < smp_ncpus; id++) {
		struct ping p = { 0 };
		uint64_t t0 = timer_count();
		bool ok;
		int ret = smp_run_on(id, ping_work, &p);

		if (!ret && !smp_wait(id, 1000000))
			ret = E_BUSY;
		ok = !ret && p.mpidr == percpu[id].mpidr && p.el == 2;
		if (!ok)
			failures++;
		if (as_json) {
			json_obj_begin(&j, NULL);
			json_u64(&j, "cpu", id);
			json_bool(&j, "ok", ok);
			json_hex(&j, "mpidr", p.mpidr);
			json_u64(&j, "el", p.el);
			json_u64(&j, "wake_ns", ok ? timer_ticks_to_ns(p.stamp - t0) : 0);
			json_obj_end(&j);
		} else if (ok) {
			printk("cpu%-3u ok: ran at EL%u with MPIDR 0x%llx, woke after %llu ns\n",
			       id, p.el, (unsigned long long)p.mpidr,
			       (unsigned long long)timer_ticks_to_ns(p.stamp - t0));
		} else {
			printk("cpu%-3u FAILED: %s (state %s)\n", id,
			       ret ? err_str(ret) : "wrong answer",
			       smp_state_name(atomic_load(&percpu[id].state)));
		}
	}
	if (as_json) {
		json_arr_end(&j);
		json_u64(&j, "failures", (uint64_t)failures);
		json_end(&j);
	}
	if (failures)
		return shell_error(E_IO, "cpus check: %d CPU%s did not answer", failures,
				   failures == 1 ? "" : "s");
	return 0;
}

static int cmd_cpus(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	struct json j;

	if (argc > 2 || (argc == 2 && !str_eq(argv[1], "check")))
		return shell_error(E_INVAL, "usage: cpus [check] [--json]");
	if (argc == 2)
		return cpus_check(as_json);
	if (as_json) {
		shell_json_begin(&j);
		json_arr_begin(&j, "cpus");
	} else {
		printk("cpu   MPIDR        state     wakeups  doing\n");
	}
	for (unsigned int id = 0; id < smp_ncpus; id++) {
		const struct percpu *c = &percpu[id];
		const char *state = smp_state_name(atomic_load(&c->state));

		if (as_json) {
			json_obj_begin(&j, NULL);
			json_u64(&j, "cpu", id);
			json_hex(&j, "mpidr", c->mpidr);
			json_str(&j, "state", state);
			json_u64(&j, "wakeups", c->wakeups);
			json_str(&j, "doing", c->doing);
			json_obj_end(&j);
		} else {
			printk("%-5u 0x%-10llx %-9s %-8llu %s\n", id, (unsigned long long)c->mpidr,
			       state, (unsigned long long)c->wakeups, c->doing);
		}
	}
	if (as_json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return 0;
}
SHELL_COMMAND(cpus, "cpus", "[check] [--json]", "CPUs, their state and work; check pings each",
	      "  check runs a work item on every other CPU and verifies it ran there at EL2.",
	      cmd_cpus);

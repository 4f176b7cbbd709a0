// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of kernel/vmm/vm_state.c, the VM lifecycle's state machine: every transition and
 * refusal, and the races of issue 12 explored exhaustively. A small model of a VM (two vCPUs,
 * their stop flags, the devices given to the guest, the CPUs it owns) is driven by the real
 * decision functions; the start is split into the steps vm_start() takes, and every
 * interleaving of those steps with a stop, a guest's SYSTEM_RESET or SYSTEM_OFF, the vCPUs
 * entering and leaving, and the shell's restart after a reset is visited by depth-first search.
 */
#include <stdbool.h>

#include "kernel/vmm/vm_state.h"
#include "test.h"

/* ---- single transitions ---- */

static int ask(struct vm_life *l, enum vm_req r, bool all_off, unsigned int *acts,
	       struct err_why *why)
{
	*why = (struct err_why){ 0 };
	return vm_life_request(l, r, all_off, acts, why);
}

static void test_names(void)
{
	CHECK_STR(vm_state_name(VM_FREE), "free");
	CHECK_STR(vm_state_name(VM_STOPPING), "stopping");
	CHECK_STR(vm_state_name(VM_RESETTING), "resetting");
	CHECK_STR(vm_state_name((enum vm_state)99), "invalid");
	CHECK_STR(vm_req_name(VM_REQ_HANDOFF), "handoff");
	CHECK(!vm_life_visible(VM_FREE) && !vm_life_visible(VM_BUILDING));
	CHECK(vm_life_visible(VM_CREATED) && vm_life_visible(VM_STOPPED));
}

static void test_create_is_all_or_nothing(void)
{
	struct vm_life l = { .id = 3 };
	struct err_why why;
	unsigned int acts;

	CHECK(ask(&l, VM_REQ_CLAIM, true, &acts, &why) == 0 && l.state == VM_BUILDING);
	/* A claimed slot cannot be claimed twice, nor be seen. */
	CHECK(ask(&l, VM_REQ_CLAIM, true, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm3 is building, not free");
	CHECK(!vm_life_visible(l.state));
	/* A step failed: the undo frees it, and it can be claimed again. */
	CHECK(ask(&l, VM_REQ_DESTROY, true, &acts, &why) == 0);
	CHECK(l.state == VM_FREE && acts == VM_ACT_FREE);
	CHECK(ask(&l, VM_REQ_CLAIM, true, &acts, &why) == 0);
	CHECK(ask(&l, VM_REQ_PUBLISH, true, &acts, &why) == 0 && l.state == VM_CREATED);
	CHECK(ask(&l, VM_REQ_PUBLISH, true, &acts, &why) == E_INVAL);
}

static void test_start_stop_destroy(void)
{
	struct vm_life l = { .id = 1, .state = VM_CREATED };
	struct err_why why;
	unsigned int acts;

	CHECK(ask(&l, VM_REQ_STOP, true, &acts, &why) == E_INVAL);
	CHECK_STR(why.msg, "vm1 is created, not running");
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == 0);
	CHECK(l.state == VM_STARTING && acts == (VM_ACT_CLEAR_STOPS | VM_ACT_RAM_IN_USE));
	/* Wrong-state answers name the state. */
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm1 is starting, not created or stopped");
	CHECK(ask(&l, VM_REQ_DESTROY, true, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm1 is starting: stop it first");
	CHECK(ask(&l, VM_REQ_HANDOFF, true, &acts, &why) == 0 && acts == 0);
	CHECK(vm_life_may_enter(&l, 0, false) && l.state == VM_RUNNING);
	/* Only the shell's stop with vCPUs still in: STOPPING, not yet stopped. */
	CHECK(ask(&l, VM_REQ_STOP, false, &acts, &why) == 0);
	CHECK(l.state == VM_STOPPING && acts == VM_ACT_STOP_VCPUS);
	CHECK(ask(&l, VM_REQ_STOP, false, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm1 is stopping already");
	CHECK(ask(&l, VM_REQ_START, false, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm1 is stopping: wait until it is stopped");
	CHECK(ask(&l, VM_REQ_LEFT, false, &acts, &why) == 0 && acts == 0);
	CHECK(ask(&l, VM_REQ_LEFT, true, &acts, &why) == 0);
	CHECK(l.state == VM_STOPPED &&
	      acts == (VM_ACT_REVOKE | VM_ACT_RELEASE_CPUS | VM_ACT_WAKE_SHELL));
	/* A second LEFT (two vCPUs leaving at once) does nothing more. */
	CHECK(ask(&l, VM_REQ_LEFT, true, &acts, &why) == 0 && acts == 0);
	CHECK(ask(&l, VM_REQ_STOP, true, &acts, &why) == E_INVAL);
	CHECK_STR(why.msg, "vm1 is stopped, not running");
	CHECK(ask(&l, VM_REQ_DESTROY, true, &acts, &why) == 0 && l.state == VM_FREE);
}

static void test_start_that_fails_goes_back(void)
{
	struct vm_life l = { .id = 2, .state = VM_CREATED };
	struct err_why why;
	unsigned int acts;

	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == 0);
	CHECK(ask(&l, VM_REQ_START_FAILED, true, &acts, &why) == 0);
	CHECK(l.state == VM_CREATED && (acts & VM_ACT_REVOKE) && (acts & VM_ACT_RELEASE_CPUS));
	l.state = VM_STOPPED;
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == 0);
	CHECK(ask(&l, VM_REQ_START_FAILED, true, &acts, &why) == 0 && l.state == VM_STOPPED);
	/* A vCPU of the last run still on its way out: no new start. */
	CHECK(ask(&l, VM_REQ_START, false, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm2 is stopped, but a vCPU of its last run has not left yet");
}

static void test_guest_requests(void)
{
	struct vm_life l = { .id = 4, .state = VM_RUNNING };
	struct err_why why;
	unsigned int acts;

	CHECK(ask(&l, VM_REQ_RESET, false, &acts, &why) == 0 && l.state == VM_RESETTING);
	CHECK(acts == VM_ACT_STOP_VCPUS);
	/* A second vCPU's SYSTEM_OFF or RESET while resetting: the first reason wins. */
	CHECK(ask(&l, VM_REQ_POWER_OFF, false, &acts, &why) == E_BUSY);
	CHECK(ask(&l, VM_REQ_RESET, false, &acts, &why) == E_BUSY);
	CHECK(ask(&l, VM_REQ_START, false, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm4 is resetting: its vCPUs are still leaving");
	CHECK(ask(&l, VM_REQ_LEFT, true, &acts, &why) == 0 && l.parked);
	CHECK(l.state == VM_RESETTING && (acts & VM_ACT_REVOKE) && (acts & VM_ACT_WAKE_SHELL));
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == 0 && l.state == VM_STARTING);
	CHECK(!l.parked && l.start_from == VM_STOPPED);
	CHECK(ask(&l, VM_REQ_HANDOFF, true, &acts, &why) == 0);
	CHECK(!vm_life_may_enter(&l, 1, false)); /* only vCPU 0 starts a VM */
	CHECK(!vm_life_may_enter(&l, 0, true));	 /* its stop flag is set: it stays out */
	CHECK(vm_life_may_enter(&l, 0, false) && l.state == VM_RUNNING);
	CHECK(ask(&l, VM_REQ_POWER_OFF, false, &acts, &why) == 0 && l.state == VM_STOPPING);
	CHECK(ask(&l, VM_REQ_RESET, false, &acts, &why) == E_BUSY && l.state == VM_STOPPING);
	CHECK(!vm_life_may_enter(&l, 1, false));
}

static void test_stop_cancels_a_parked_reset(void)
{
	struct vm_life l = { .id = 5, .state = VM_RESETTING, .parked = true };
	struct err_why why;
	unsigned int acts;

	/* Devices were taken back when it parked: the stop only settles the state. */
	CHECK(ask(&l, VM_REQ_STOP, true, &acts, &why) == 0);
	CHECK(l.state == VM_STOPPED && acts == 0 && !l.parked);
}

/* ---- the races: a model VM, every interleaving ---- */

enum { OFF, PENDING, ON };
enum scenario { SHELL_STOP, GUEST_RESET_AND_SHELL_STOP, GUEST_OFF_AND_SHELL_STOP };

#define MODEL_VCPUS 2
#define START_STEPS 4 /* START, prepare, HANDOFF, vCPU 0 to its CPU */

struct world {
	struct vm_life l;
	unsigned char vcpu[MODEL_VCPUS]; /* OFF, PENDING (handed to its CPU), ON (in the guest) */
	unsigned char stop[MODEL_VCPUS];
	unsigned char start_pc; /* next step of the shell's start; START_STEPS: done */
	unsigned char starts;	/* the shell's start, then at most one restart */
	bool stop_done, stop_accepted, cpu_on_done, guest_req_done, guest_req_accepted;
	bool devices, cpus; /* given to the guest; owned by the VM */
	unsigned char gives, revokes;
	bool clear_after_stop; /* a stop flag was cleared after a stop was accepted */
};

struct explore {
	enum scenario sc;
	unsigned long paths, terminal, failures;
	struct world *seen;
	size_t n_seen, cap_seen;
};

static bool all_off(const struct world *w)
{
	for (int c = 0; c < MODEL_VCPUS; c++)
		if (w->vcpu[c] != OFF)
			return false;
	return true;
}

static void fail(struct explore *e, const struct world *w, const char *what)
{
	if (e->failures++ < 5)
		fprintf(stderr,
			"  race model: %s (state %s, vcpu %d/%d, stop %d/%d, start step %d, "
			"stop %s)\n",
			what, vm_state_name(w->l.state), w->vcpu[0], w->vcpu[1], w->stop[0],
			w->stop[1], w->start_pc, w->stop_accepted ? "accepted" : "not accepted");
}

/* What vm.c's apply() does, on the model: the same acts, the same order. */
static void apply(struct explore *e, struct world *w, unsigned int acts)
{
	if (acts & VM_ACT_CLEAR_STOPS) {
		if (w->stop_accepted)
			w->clear_after_stop = true; /* nothing may start a VM again after a stop */
		for (int c = 0; c < MODEL_VCPUS; c++)
			w->stop[c] = 0;
	}
	if (acts & VM_ACT_STOP_VCPUS)
		for (int c = 0; c < MODEL_VCPUS; c++)
			w->stop[c] = 1;
	if (acts & VM_ACT_REVOKE) {
		if (!all_off(w))
			fail(e, w, "devices revoked while a vCPU may be in the guest");
		if (w->devices)
			w->revokes++;
		w->devices = false;
	}
	if (acts & VM_ACT_RELEASE_CPUS)
		w->cpus = false;
}

static int request(struct explore *e, struct world *w, enum vm_req r)
{
	unsigned int acts;
	int ret = vm_life_request(&w->l, r, all_off(w), &acts, NULL);

	if (!ret)
		apply(e, w, acts);
	return ret;
}

/* A vCPU leaves the guest (or never entered): off, then the VM layer hears of it. */
static void leave(struct explore *e, struct world *w, int c)
{
	w->vcpu[c] = OFF;
	request(e, w, VM_REQ_LEFT);
}

/* One step of the shell's start (vm_start), or of its restart after a reset (vm_service). */
static void start_step(struct explore *e, struct world *w)
{
	switch (w->start_pc) {
	case 0:
		if (request(e, w, VM_REQ_START)) {
			w->start_pc = START_STEPS; /* refused: the shell reports it */
			return;
		}
		break;
	case 1: /* place the vCPUs, give the devices back, copy RAM: slow, no lock */
		w->cpus = true;
		w->devices = true;
		w->gives++;
		break;
	case 2:
		request(e, w, VM_REQ_HANDOFF);
		if (w->l.state != VM_STARTING) {
			w->start_pc = START_STEPS; /* stopped while it started */
			return;
		}
		break;
	case 3:
		w->vcpu[0] = PENDING; /* smp_run_on(): vCPU 0 is on its way in */
		break;
	}
	w->start_pc++;
}

static bool start_enabled(const struct world *w)
{
	if (w->start_pc < START_STEPS)
		return true;
	/* vm_service(): a parked reset is restarted once (the model stops there). */
	return w->starts < 2 && w->l.state == VM_RESETTING && w->l.parked;
}

static bool same(const struct world *a, const struct world *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool visited(struct explore *e, const struct world *w)
{
	for (size_t i = 0; i < e->n_seen; i++)
		if (same(&e->seen[i], w))
			return true;
	if (e->n_seen == e->cap_seen) {
		e->cap_seen = e->cap_seen ? 2 * e->cap_seen : 256;
		e->seen = realloc(e->seen, e->cap_seen * sizeof(*w));
		if (!e->seen)
			abort();
	}
	e->seen[e->n_seen++] = *w;
	return false;
}

static void check_step(struct explore *e, const struct world *w)
{
	for (int c = 0; c < MODEL_VCPUS; c++)
		if (w->vcpu[c] == ON && !w->devices)
			fail(e, w, "a vCPU in the guest found its device gone");
	if (w->vcpu[0] == ON && !vm_life_devices_live(&w->l))
		fail(e, w, "a vCPU in the guest, devices not live");
	if (w->clear_after_stop)
		fail(e, w, "a stop flag was cleared after the stop was accepted");
}

static void check_end(struct explore *e, const struct world *w)
{
	e->terminal++;
	if (w->stop_accepted) {
		/* The stop is never lost: stopped, nobody in, devices and CPUs back. */
		if (w->l.state != VM_STOPPED)
			fail(e, w, "stop accepted but the VM did not end stopped");
		if (!all_off(w) || w->devices || w->cpus)
			fail(e, w, "stopped, but a vCPU, a device or a CPU is still out");
	}
	if (w->l.state == VM_STOPPED && w->revokes != w->gives)
		fail(e, w, "stopped, but devices given and revoked do not match");
	if (w->l.state == VM_RUNNING && (w->vcpu[0] != ON && w->vcpu[1] != ON))
		fail(e, w, "running with no vCPU in the guest");
	if (w->l.state == VM_STARTING || w->l.state == VM_STOPPING || w->l.state == VM_RESETTING)
		fail(e, w, "stuck half-way");
}

static void explore(struct explore *e, const struct world *w, int depth);

static void step(struct explore *e, const struct world *w, int depth, int actor)
{
	struct world n = *w;

	switch (actor) {
	case 0:
		if (n.start_pc >= START_STEPS) {
			n.start_pc = 0; /* the restart after a reset */
			n.starts++;
		}
		start_step(e, &n);
		break;
	case 1: /* the shell's stop */
		n.stop_done = true;
		n.stop_accepted = !request(e, &n, VM_REQ_STOP) || n.stop_accepted;
		break;
	case 7: { /* the guest's SYSTEM_RESET or SYSTEM_OFF, trapped on vCPU 0 */
		enum vm_req r =
			e->sc == GUEST_RESET_AND_SHELL_STOP ? VM_REQ_RESET : VM_REQ_POWER_OFF;

		n.guest_req_done = true;
		n.guest_req_accepted = !request(e, &n, r);
		if (r == VM_REQ_POWER_OFF && n.guest_req_accepted)
			n.stop_accepted = true; /* a SYSTEM_OFF is a stop too */
		leave(e, &n, 0);		/* the trap leaves the guest either way */
		break;
	}
	case 2: /* vCPU 0 or 1 on its CPU decides whether to enter */
	case 3: {
		int c = actor - 2;

		if (vm_life_may_enter(&n.l, (unsigned int)c, n.stop[c]))
			n.vcpu[c] = ON;
		else
			leave(e, &n, c);
		break;
	}
	case 4: /* vCPU 0's guest starts vCPU 1 (PSCI CPU_ON) */
		n.cpu_on_done = true;
		n.vcpu[1] = PENDING;
		break;
	case 5: /* vCPU 0 or 1 takes the kick and leaves */
	case 6:
		leave(e, &n, actor - 5);
		break;
	}
	check_step(e, &n);
	explore(e, &n, depth + 1);
}

static void explore(struct explore *e, const struct world *w, int depth)
{
	bool any = false;

	if (depth > 64) {
		fail(e, w, "no end in 64 steps");
		return;
	}
	if (visited(e, w))
		return;
	e->paths++;
	for (int actor = 0; actor < 8; actor++) {
		bool on = false;

		switch (actor) {
		case 0:
			on = start_enabled(w);
			break;
		case 1:
			on = !w->stop_done; /* once, at any point */
			break;
		case 7:
			on = e->sc != SHELL_STOP && !w->guest_req_done && w->vcpu[0] == ON;
			break;
		case 2:
		case 3:
			on = w->vcpu[actor - 2] == PENDING;
			break;
		case 4:
			on = w->vcpu[0] == ON && !w->cpu_on_done && w->vcpu[1] == OFF;
			break;
		case 5:
		case 6:
			on = w->vcpu[actor - 5] == ON && w->stop[actor - 5];
			break;
		}
		if (on) {
			any = true;
			step(e, w, depth, actor);
		}
	}
	if (!any)
		check_end(e, w);
}

static unsigned long run_scenario(enum scenario sc, const char *name)
{
	struct explore e = { .sc = sc };
	struct world w;

	memset(&w, 0, sizeof(w)); /* padding too: worlds are compared with memcmp */
	w.l.id = 0;
	w.l.state = VM_CREATED;
	w.starts = 1;
	explore(&e, &w, 0);
	printf("  %s: %lu states, %lu end states, %lu failures\n", name, e.paths, e.terminal,
	       e.failures);
	CHECK(e.failures == 0);
	CHECK(e.terminal > 0);
	free(e.seen);
	return e.paths;
}

static void test_race_stop_against_start(void)
{
	/* A stop at every point of a start, vCPU 1 started by the guest at every point too. */
	CHECK(run_scenario(SHELL_STOP, "shell stop x start") > 20);
}

static void test_race_stop_against_reset(void)
{
	/* Item 3: the guest's SYSTEM_RESET and the shell's stop, and the restart, in any order. */
	CHECK(run_scenario(GUEST_RESET_AND_SHELL_STOP, "guest reset x shell stop x restart") > 20);
}

static void test_race_stop_against_power_off(void)
{
	CHECK(run_scenario(GUEST_OFF_AND_SHELL_STOP, "guest SYSTEM_OFF x shell stop") > 20);
}

/* ---- the RAM scrub's state ---- */

static void scrub_all(struct vm_life *l)
{
	unsigned int chunk;

	while (vm_life_scrub_claim(l, &chunk, false))
		vm_life_scrub_done(l);
}

static void test_scrub_states(void)
{
	struct vm_life l = { .id = 2 };
	unsigned int acts, chunk, a, b;
	struct err_why why;

	CHECK(ask(&l, VM_REQ_CLAIM, true, &acts, &why) == 0);
	vm_life_scrub_init(&l, 3);
	/* Building: nobody zeroes RAM the create may still give back. */
	CHECK(!vm_life_scrub_claim(&l, &chunk, false));
	CHECK(ask(&l, VM_REQ_PUBLISH, true, &acts, &why) == 0);
	CHECK(!vm_life_ram_clean(&l) && vm_life_scrub_left(&l) == 3);
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm2 is created, but its RAM is still being scrubbed");
	/* Two CPUs take different chunks; the RAM is clean only once both are done. */
	CHECK(vm_life_scrub_claim(&l, &a, false) && vm_life_scrub_claim(&l, &b, false) && a != b);
	CHECK(vm_life_scrub_claim(&l, &chunk, false));
	CHECK(!vm_life_scrub_claim(&l, &chunk, false)); /* all handed out */
	vm_life_scrub_done(&l);
	vm_life_scrub_done(&l);
	CHECK(!vm_life_ram_clean(&l) && vm_life_scrub_left(&l) == 1);
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == E_BUSY);
	vm_life_scrub_done(&l);
	CHECK(vm_life_ram_clean(&l));
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == 0);
	/* While a run may see the RAM, no chunk is handed out. */
	CHECK(!vm_life_scrub_claim(&l, &chunk, false));
	CHECK(ask(&l, VM_REQ_HANDOFF, true, &acts, &why) == 0);
	CHECK(vm_life_may_enter(&l, 0, false) && l.state == VM_RUNNING);
	CHECK(!vm_life_scrub_claim(&l, &chunk, false));
	/* A reset: dirty once every vCPU has left; scrubbed while parked, before the restart. */
	CHECK(ask(&l, VM_REQ_RESET, false, &acts, &why) == 0);
	CHECK(!vm_life_scrub_claim(&l, &chunk, false)); /* vCPUs still in the guest */
	CHECK(ask(&l, VM_REQ_LEFT, true, &acts, &why) == 0 && l.parked);
	CHECK(!vm_life_ram_clean(&l));
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == E_BUSY);
	scrub_all(&l);
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == 0);
	/* A start that fails after copying the kernel in: dirty again. */
	CHECK(ask(&l, VM_REQ_START_FAILED, true, &acts, &why) == 0 && l.state == VM_STOPPED);
	CHECK(!vm_life_ram_clean(&l));
	scrub_all(&l);
	/* A stop: dirty from the moment it is stopped. */
	CHECK(ask(&l, VM_REQ_START, true, &acts, &why) == 0);
	CHECK(ask(&l, VM_REQ_HANDOFF, true, &acts, &why) == 0);
	CHECK(ask(&l, VM_REQ_STOP, true, &acts, &why) == 0 && l.state == VM_STOPPED);
	CHECK(vm_life_scrub_left(&l) == 3);
	/* A destroy waits for a chunk being zeroed, and holds new claims back meanwhile. */
	CHECK(vm_life_scrub_claim(&l, &chunk, false));
	CHECK(ask(&l, VM_REQ_DESTROY, true, &acts, &why) == E_BUSY);
	CHECK_STR(why.msg, "vm2 is stopped, but a CPU is still zeroing its RAM");
	CHECK(!vm_life_scrub_claim(&l, &chunk, false));
	vm_life_scrub_done(&l);
	CHECK(ask(&l, VM_REQ_DESTROY, true, &acts, &why) == 0 && acts == VM_ACT_FREE);
	/* Deferred (a benchmark reads its samples after the stop): idle CPUs wait, a start not. */
	l = (struct vm_life){ .id = 2, .state = VM_STOPPED };
	vm_life_scrub_init(&l, 2);
	vm_life_scrub_defer(&l, true);
	CHECK(!vm_life_scrub_claim(&l, &chunk, false));
	CHECK(vm_life_scrub_claim(&l, &chunk, true));
	vm_life_scrub_done(&l);
	/* A destroy that gave up lets the scrub go on. */
	l = (struct vm_life){ .id = 2, .state = VM_STOPPED };
	vm_life_scrub_init(&l, 2);
	CHECK(vm_life_scrub_claim(&l, &chunk, false));
	CHECK(ask(&l, VM_REQ_DESTROY, true, &acts, &why) == E_BUSY);
	vm_life_scrub_release(&l);
	CHECK(vm_life_scrub_claim(&l, &chunk, false));
}

int main(void)
{
	RUN(test_names);
	RUN(test_create_is_all_or_nothing);
	RUN(test_start_stop_destroy);
	RUN(test_start_that_fails_goes_back);
	RUN(test_guest_requests);
	RUN(test_stop_cancels_a_parked_reset);
	RUN(test_race_stop_against_start);
	RUN(test_race_stop_against_reset);
	RUN(test_race_stop_against_power_off);
	RUN(test_scrub_states);
	return TEST_SUMMARY();
}

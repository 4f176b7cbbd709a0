// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The VM lifecycle's decisions (see vm_state.h); the caller holds the VM's lifecycle lock. */
#include "kernel/vmm/vm_state.h"

static const char *const state_names[VM_STATE__COUNT] = {
	[VM_FREE] = "free",	    [VM_BUILDING] = "building", [VM_CREATED] = "created",
	[VM_STARTING] = "starting", [VM_RUNNING] = "running",	[VM_RESETTING] = "resetting",
	[VM_STOPPING] = "stopping", [VM_STOPPED] = "stopped",
};

static const char *const req_names[VM_REQ__COUNT] = {
	[VM_REQ_CLAIM] = "claim",
	[VM_REQ_PUBLISH] = "publish",
	[VM_REQ_START] = "start",
	[VM_REQ_HANDOFF] = "handoff",
	[VM_REQ_START_FAILED] = "start-failed",
	[VM_REQ_STOP] = "stop",
	[VM_REQ_POWER_OFF] = "power-off",
	[VM_REQ_RESET] = "reset",
	[VM_REQ_LEFT] = "left",
	[VM_REQ_DESTROY] = "destroy",
};

const char *vm_state_name(enum vm_state s)
{
	return (unsigned int)s < VM_STATE__COUNT ? state_names[s] : "invalid";
}

const char *vm_req_name(enum vm_req r)
{
	return (unsigned int)r < VM_REQ__COUNT ? req_names[r] : "invalid";
}

bool vm_life_visible(enum vm_state s)
{
	return s != VM_FREE && s != VM_BUILDING;
}

bool vm_life_devices_live(const struct vm_life *l)
{
	return l->state == VM_STARTING || l->state == VM_RUNNING || l->state == VM_STOPPING ||
	       (l->state == VM_RESETTING && !l->parked);
}

/* What a run (or a start that copied the Image in) leaves in the RAM must go before the next. */
static void ram_dirty(struct vm_life *l)
{
	l->scrub_next = 0;
}

void vm_life_scrub_init(struct vm_life *l, unsigned int chunks)
{
	l->scrub_chunks = chunks;
	l->scrub_next = 0;
	l->scrub_busy = 0;
	l->scrub_held = false;
}

void vm_life_scrub_defer(struct vm_life *l, bool defer)
{
	l->scrub_deferred = defer;
}

bool vm_life_scrub_claim(struct vm_life *l, unsigned int *chunk, bool for_start)
{
	bool idle = l->state == VM_CREATED || l->state == VM_STOPPED ||
		    (l->state == VM_RESETTING && l->parked);

	if (!idle || l->scrub_held || (l->scrub_deferred && !for_start) ||
	    l->scrub_next >= l->scrub_chunks)
		return false;
	*chunk = l->scrub_next++;
	l->scrub_busy++;
	return true;
}

void vm_life_scrub_done(struct vm_life *l)
{
	if (l->scrub_busy)
		l->scrub_busy--;
}

bool vm_life_ram_clean(const struct vm_life *l)
{
	return l->scrub_next >= l->scrub_chunks && !l->scrub_busy;
}

unsigned int vm_life_scrub_left(const struct vm_life *l)
{
	return l->scrub_chunks - l->scrub_next + l->scrub_busy;
}

void vm_life_scrub_release(struct vm_life *l)
{
	l->scrub_held = false;
}

/*
 * The end of a stop or of a reset's first half: once no vCPU is on or on its way in, and
 * vm_start() is not in the middle of building the run, take the devices back. Never while a
 * vCPU may be in the guest: that is what 'all_off' guarantees.
 */
static unsigned int finish(struct vm_life *l, bool all_off)
{
	if (!all_off || l->in_start)
		return 0;
	if (l->state == VM_STOPPING) {
		l->state = VM_STOPPED;
		ram_dirty(l);
		return VM_ACT_REVOKE | VM_ACT_RELEASE_CPUS | VM_ACT_WAKE_SHELL;
	}
	if (l->state == VM_RESETTING && !l->parked) {
		l->parked = true; /* the shell's CPU restarts it (vm_service) */
		ram_dirty(l);
		return VM_ACT_REVOKE | VM_ACT_RELEASE_CPUS | VM_ACT_WAKE_SHELL;
	}
	return 0;
}

static int refuse(const struct vm_life *l, int err, struct err_why *why, const char *what)
{
	return err_fail(why, err, "vm%u is %s%s", l->id, vm_state_name(l->state), what);
}

int vm_life_request(struct vm_life *l, enum vm_req req, bool all_off, unsigned int *acts,
		    struct err_why *why)
{
	enum vm_state s = l->state;

	*acts = 0;
	switch (req) {
	case VM_REQ_CLAIM:
		if (s != VM_FREE)
			return refuse(l, E_BUSY, why, ", not free");
		*l = (struct vm_life){ .state = VM_BUILDING, .id = l->id };
		return 0;
	case VM_REQ_PUBLISH:
		if (s != VM_BUILDING)
			return refuse(l, E_INVAL, why, ", not being built");
		l->state = VM_CREATED;
		return 0;
	case VM_REQ_START:
		if (s == VM_RESETTING && !l->parked)
			return refuse(l, E_BUSY, why, ": its vCPUs are still leaving");
		if (s != VM_CREATED && s != VM_STOPPED && s != VM_RESETTING)
			return refuse(l, E_BUSY, why,
				      s == VM_STOPPING ? ": wait until it is stopped"
						       : ", not created or stopped");
		if (!all_off)
			return refuse(l, E_BUSY, why,
				      ", but a vCPU of its last run has not left yet");
		if (!vm_life_ram_clean(l))
			return refuse(l, E_BUSY, why, ", but its RAM is still being scrubbed");
		l->start_from = s == VM_CREATED ? VM_CREATED : VM_STOPPED;
		l->state = VM_STARTING;
		l->parked = false;
		l->in_start = true;
		/* Before any CPU can see the vCPUs: a stop from now on is never wiped. */
		*acts = VM_ACT_CLEAR_STOPS | VM_ACT_RAM_IN_USE;
		return 0;
	case VM_REQ_HANDOFF:
		if (!l->in_start || (s != VM_STARTING && s != VM_STOPPING))
			return refuse(l, E_INVAL, why, ", not starting");
		l->in_start = false;
		/* A stop that came while vm_start() worked ends the start here, before any vCPU. */
		*acts = finish(l, all_off);
		return 0;
	case VM_REQ_START_FAILED:
		if (s == VM_STARTING && all_off) {
			l->in_start = false;
			l->state = l->start_from;
			ram_dirty(l); /* the Image and DTB may be in it already */
			*acts = VM_ACT_REVOKE | VM_ACT_RELEASE_CPUS;
			return 0;
		}
		if (s == VM_STOPPING || s == VM_STOPPED) {
			l->in_start = false;
			*acts = finish(l, all_off);
			return 0;
		}
		return refuse(l, E_INVAL, why, ", not starting");
	case VM_REQ_STOP:
		if (s == VM_RESETTING && l->parked) {
			/* Between a reset and its restart: cancel the restart; devices are back. */
			l->state = VM_STOPPED;
			l->parked = false;
			return 0;
		}
		if (s != VM_STARTING && s != VM_RUNNING && s != VM_RESETTING)
			return refuse(l, s == VM_STOPPING ? E_BUSY : E_INVAL, why,
				      s == VM_STOPPING ? " already" : ", not running");
		/* A reset that is under way loses: the stop is the last word. */
		l->state = VM_STOPPING;
		*acts = VM_ACT_STOP_VCPUS | finish(l, all_off);
		return 0;
	case VM_REQ_POWER_OFF:
		/* The first reason wins: a second one is a consequence of the first stop. */
		if (s != VM_STARTING && s != VM_RUNNING)
			return refuse(l, E_BUSY, why, ", not running");
		l->state = VM_STOPPING;
		*acts = VM_ACT_STOP_VCPUS | finish(l, all_off);
		return 0;
	case VM_REQ_RESET:
		if (s != VM_RUNNING)
			return refuse(l, E_BUSY, why, ", not running");
		l->state = VM_RESETTING;
		*acts = VM_ACT_STOP_VCPUS | finish(l, all_off);
		return 0;
	case VM_REQ_LEFT:
		*acts = finish(l, all_off);
		return 0;
	case VM_REQ_DESTROY:
		if (s != VM_BUILDING && s != VM_CREATED && s != VM_STOPPED)
			return refuse(l, E_BUSY, why, ": stop it first");
		if (!all_off)
			return refuse(l, E_BUSY, why, ", but a vCPU has not left yet");
		if (l->scrub_busy) {
			/* Its RAM cannot go back while a CPU zeroes part of it: no new claims. */
			l->scrub_held = true;
			return refuse(l, E_BUSY, why, ", but a CPU is still zeroing its RAM");
		}
		l->state = VM_FREE;
		*acts = VM_ACT_FREE;
		return 0;
	default:
		return err_fail(why, E_INVAL, "unknown request %d", (int)req);
	}
}

bool vm_life_may_enter(struct vm_life *l, unsigned int vcpu, bool stop_flag)
{
	if (stop_flag)
		return false;
	if (l->state == VM_STARTING && !l->in_start && vcpu == 0) {
		l->state = VM_RUNNING;
		return true;
	}
	return l->state == VM_RUNNING;
}

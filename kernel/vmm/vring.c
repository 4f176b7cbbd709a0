// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Guest rings as ports of the data-plane engine. The region is the guest's own RAM, which
 * the hypervisor reaches through its identity map of physical memory: nothing is mapped or
 * copied. Everything that steers an access (where the slots are, how many, how big) is checked
 * once here and kept in struct vring, in the hypervisor's memory.
 */
#include "kernel/vmm/vring.h"

#include <stdatomic.h>

#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "dataplane/service.h"

_Static_assert(VRING_RING1_OFFSET == sizeof(struct spsc_shared),
	       "ring 1's index lines follow ring 0's");
_Static_assert(VRING_SLOTS_OFFSET == 2 * sizeof(struct spsc_shared),
	       "slots follow both index pairs");

struct vring {
	struct spsc_cons rx; /* ring 0: the guest produces, the engine consumes */
	struct spsc_prod tx; /* ring 1: the engine produces, the guest consumes */
	_Atomic int state;   /* enum vring_state */
	unsigned int port;
	uint64_t epoch; /* which engine has the port */
	uint32_t slot_size;
	unsigned int vm_id;
	_Atomic uint32_t bad_index; /* what shut the port */
	uint64_t attaches, faults;  /* for rate-limiting what a guest can make us log */
};

static struct vring vrings[VM_MAX];

static const char *const state_names[] = { "none", "up", "shut", "gone" };

const char *vring_state_name(int state)
{
	return state >= 0 && state <= VRING_GONE ? state_names[state] : "?";
}

/*
 * The guest's service: the echo, transformed in place into the reply slot. Each input word is
 * read once (the guest may rewrite the slot meanwhile): word 0 (a sequence number) comes back
 * as it is, every other word complemented.
 */
static bool vring_echo(void *ctx, const void *in, void *out)
{
	const struct vring *r = ctx;
	const volatile uint64_t *src = in;
	uint64_t *dst = out;

	dst[0] = src[0];
	for (uint32_t i = 1; i < r->slot_size / 8; i++)
		dst[i] = ~src[i];
	return true;
}

/* On the engine's core: the guest published an impossible index and its port is shut. */
static void vring_fault(void *ctx, const struct dp_port *p)
{
	struct vring *r = ctx;
	bool head = p->rx->fault;
	uint32_t bad = head ? p->rx->bad_index : p->tx->bad_index;

	atomic_store(&r->bad_index, bad);
	atomic_store(&r->state, VRING_SHUT);
	if (log_nth_ok(++r->faults))
		pr_warn("vm%u: ring port %u shut: the guest published %s 0x%x "
			"(the engine's %s is 0x%x, capacity %u)\n",
			r->vm_id, r->port, head ? "head" : "tail", bad, head ? "tail" : "head",
			head ? p->rx->tail : p->tx->head, (head ? p->rx->mask : p->tx->mask) + 1);
}

void vring_detach(struct vm *vm)
{
	struct vring *r = &vrings[vm->id];
	int state = atomic_load(&r->state);

	if (state == VRING_NONE)
		return;
	if (state != VRING_GONE && !dp_service_detach(r->port, r->epoch))
		pr_err("vm%u: the engine did not let go of ring port %u\n", vm->id, r->port);
	atomic_store(&r->state, VRING_NONE);
}

static int vring_current_state(struct vring *r)
{
	int state = atomic_load(&r->state);

	/* The engine that had the port stopped: the port is gone with it. */
	if ((state == VRING_UP || state == VRING_SHUT) &&
	    (dp_service_cpu() < 0 || dp_service_epoch() != r->epoch))
		return VRING_GONE;
	return state;
}

static int64_t vring_attach(struct vm *vm, uint64_t ipa, uint64_t geometry, uint64_t *port)
{
	struct vring *r = &vrings[vm->id];
	uint32_t cap = (uint32_t)geometry, slot = (uint32_t)(geometry >> 32);
	uint64_t size, pa;
	uint8_t *base;
	int ret;

	if (vring_current_state(r) == VRING_UP)
		return E_EXIST;
	vring_detach(vm); /* a port shut for a fault, or lost with an engine: let it go first */
	if (!cap || cap > VRING_MAX_CAP || (cap & (cap - 1)) || !slot || slot > VRING_MAX_SLOT ||
	    slot % 8)
		return E_INVAL;
	size = VRING_SLOTS_OFFSET + 2UL * cap * slot;
	/* Inside the VM's RAM, whole; the IPA is 4 KiB aligned so the index lines are too. */
	if ((ipa & 0xfff) || ipa < vm->ram_ipa || ipa - vm->ram_ipa > vm->ram_size ||
	    size > vm->ram_size - (ipa - vm->ram_ipa))
		return E_RANGE;
	pa = vm->ram_pa + (ipa - vm->ram_ipa);
	base = (uint8_t *)(uintptr_t)pa;
	/* Our ends start at 0 and say so on their lines; the guest's ends must start there too. */
	ret = spsc_cons_attach(&r->rx, (struct spsc_shared *)base, base + VRING_SLOTS_OFFSET, cap,
			       slot, 0);
	if (!ret)
		ret = spsc_prod_attach(&r->tx, (struct spsc_shared *)(base + VRING_RING1_OFFSET),
				       base + VRING_SLOTS_OFFSET + (uint64_t)cap * slot, cap, slot,
				       0);
	if (ret)
		return ret;
	r->slot_size = slot;
	r->vm_id = vm->id;
	atomic_store(&r->bad_index, 0);
	/* Up before the engine can see the port: a fault it finds at once must not be lost. */
	atomic_store(&r->state, VRING_UP);
	ret = dp_service_attach(&r->rx, &r->tx, vring_echo, r, vring_fault, &r->port, &r->epoch);
	if (ret) {
		atomic_store(&r->state, VRING_NONE);
		return ret;
	}
	if (log_nth_ok(++r->attaches))
		pr_info("vm%u: ring pair at IPA 0x%llx (%u x %u bytes each way) "
			"is engine port %u\n",
			vm->id, (unsigned long long)ipa, cap, slot, r->port);
	*port = r->port;
	return 0;
}

void vring_call(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vring *r = &vrings[vm->id];
	uint64_t port = 0;
	int64_t ret = 0;

	switch (v->regs.x[1]) {
	case VRING_OP_ATTACH:
		ret = vring_attach(vm, v->regs.x[2], v->regs.x[3], &port);
		v->regs.x[1] = port;
		break;
	case VRING_OP_STATUS: {
		int state = vring_current_state(r);

		v->regs.x[1] = (uint64_t)state;
		v->regs.x[2] = state == VRING_NONE ? 0 : dp_service_engine()->ports[r->port].msgs;
		v->regs.x[3] = atomic_load(&r->bad_index);
		break;
	}
	case VRING_OP_DETACH:
		vring_detach(vm);
		break;
	default:
		ret = E_INVAL;
		break;
	}
	v->regs.x[0] = (uint64_t)ret;
}

int vring_port_owner(unsigned int port)
{
	for (unsigned int i = 0; i < VM_MAX; i++) {
		int state = vring_current_state(&vrings[i]);

		if ((state == VRING_UP || state == VRING_SHUT) && vrings[i].port == port)
			return (int)i;
	}
	return -1;
}

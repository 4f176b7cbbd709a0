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
	/* Our ends, of the layout the guest asked for: ring 0 the guest produces, ring 1 we do. */
	union {
		struct {
			struct spsc_cons rx;
			struct spsc_prod tx;
		} idx;
		struct {
			struct spsc_seq_cons rx;
			struct spsc_seq_prod tx;
		} seq;
	} ends;
	enum dp_layout layout;
	_Atomic int state; /* enum vring_state */
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

/* The sequence layout's fault, said: which slot held what, and what an honest guest writes. */
static void vring_seq_fault(struct vring *r, bool log)
{
	const struct spsc_seq_cons *rx = &r->ends.seq.rx;
	const struct spsc_seq_prod *tx = &r->ends.seq.tx;
	uint32_t cap = rx->mask + 1;

	if (rx->fault) {
		atomic_store(&r->bad_index, rx->bad_seq);
		if (!log)
			return;
		if (rx->bad_len || rx->bad_seq == rx->bad_at + 1)
			pr_warn("vm%u: ring port %u shut: the guest's slot 0x%x claims a run of %u "
				"(the engine's tail is 0x%x, capacity %u)\n",
				r->vm_id, r->port, rx->bad_at, rx->bad_len, rx->tail, cap);
		else
			pr_warn("vm%u: ring port %u shut: the guest wrote sequence word 0x%x "
				"in slot 0x%x (0x%x or 0x%x expected, capacity %u)\n",
				r->vm_id, r->port, rx->bad_seq, rx->bad_at, rx->bad_at + 1,
				rx->bad_at + 1 - cap, cap);
		return;
	}
	atomic_store(&r->bad_index, tx->bad_index);
	if (log)
		pr_warn("vm%u: ring port %u shut: the guest published tail 0x%x "
			"(the engine's head is 0x%x, capacity %u)\n",
			r->vm_id, r->port, tx->bad_index, tx->head, tx->mask + 1);
}

/* On the engine's core: the guest published an impossible value and its port is shut. */
static void vring_fault(void *ctx, const struct dp_port *p)
{
	struct vring *r = ctx;
	bool log = log_nth_ok(++r->faults);

	(void)p; /* our own ends say more than the port's view of them */
	if (r->layout == DP_LAYOUT_SEQ) {
		vring_seq_fault(r, log);
	} else {
		const struct spsc_cons *rx = &r->ends.idx.rx;
		const struct spsc_prod *tx = &r->ends.idx.tx;
		bool head = rx->fault;
		uint32_t bad = head ? rx->bad_index : tx->bad_index;

		atomic_store(&r->bad_index, bad);
		if (log)
			pr_warn("vm%u: ring port %u shut: the guest published %s 0x%x "
				"(the engine's %s is 0x%x, capacity %u)\n",
				r->vm_id, r->port, head ? "head" : "tail", bad,
				head ? "tail" : "head", head ? rx->tail : tx->head,
				(head ? rx->mask : tx->mask) + 1);
	}
	atomic_store(&r->state, VRING_SHUT);
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

/*
 * Our ends over the region at 'base' (checked to hold 'area' bytes per ring after the index
 * lines), in the layout asked for. They start at 0 and say so on their lines; the guest's ends
 * must start there too. The sequence layout's producer end writes every ring-1 word (empty).
 */
static int vring_ends(struct vring *r, uint8_t *base, uint32_t cap, uint32_t slot, uint64_t area,
		      struct dp_ends *ends)
{
	struct spsc_shared *sh0 = (struct spsc_shared *)base;
	struct spsc_shared *sh1 = (struct spsc_shared *)(base + VRING_RING1_OFFSET);
	uint8_t *slots0 = base + VRING_SLOTS_OFFSET, *slots1 = slots0 + area;
	int ret;

	ends->layout = r->layout;
	if (r->layout == DP_LAYOUT_SEQ) {
		ret = spsc_seq_cons_attach(&r->ends.seq.rx, sh0, slots0, cap, slot, 0);
		if (!ret)
			ret = spsc_seq_prod_attach(&r->ends.seq.tx, sh1, slots1, cap, slot, 0);
		ends->rx.seq = &r->ends.seq.rx;
		ends->tx.seq = &r->ends.seq.tx;
		return ret;
	}
	ret = spsc_cons_attach(&r->ends.idx.rx, sh0, slots0, cap, slot, 0);
	if (!ret)
		ret = spsc_prod_attach(&r->ends.idx.tx, sh1, slots1, cap, slot, 0);
	ends->rx.idx = &r->ends.idx.rx;
	ends->tx.idx = &r->ends.idx.tx;
	return ret;
}

static int64_t vring_attach(struct vm *vm, uint64_t ipa, uint64_t geometry, uint64_t *port)
{
	struct vring *r = &vrings[vm->id];
	uint32_t cap = (uint32_t)geometry, slot = (uint32_t)((geometry & ~VRING_GEOM_SEQ) >> 32);
	bool seq = geometry & VRING_GEOM_SEQ;
	struct dp_ends ends;
	uint64_t size, pa, area;
	uint8_t *base;
	int ret;

	if (vring_current_state(r) == VRING_UP)
		return E_EXIST;
	vring_detach(vm); /* a port shut for a fault, or lost with an engine: let it go first */
	if (!cap || cap > VRING_MAX_CAP || (cap & (cap - 1)) || !slot || slot > VRING_MAX_SLOT ||
	    slot % 8)
		return E_INVAL;
	/* Both bounded above (4096 slots of 256 bytes and their trailers): no overflow. */
	area = seq ? VRING_SEQ_AREA(cap, slot) : (uint64_t)cap * slot;
	size = VRING_SLOTS_OFFSET + 2 * area;
	/* Inside the VM's RAM, whole; the IPA is 4 KiB aligned so the index lines are too. */
	if ((ipa & 0xfff) || ipa < vm->ram_ipa || ipa - vm->ram_ipa > vm->ram_size ||
	    size > vm->ram_size - (ipa - vm->ram_ipa))
		return E_RANGE;
	pa = vm->ram_pa + (ipa - vm->ram_ipa);
	base = (uint8_t *)(uintptr_t)pa;
	r->layout = seq ? DP_LAYOUT_SEQ : DP_LAYOUT_INDEX;
	ret = vring_ends(r, base, cap, slot, area, &ends);
	if (ret)
		return ret;
	r->slot_size = slot;
	r->vm_id = vm->id;
	atomic_store(&r->bad_index, 0);
	/* Up before the engine can see the port: a fault it finds at once must not be lost. */
	atomic_store(&r->state, VRING_UP);
	ret = dp_service_attach(&ends, vring_echo, r, vring_fault, &r->port, &r->epoch);
	if (ret) {
		atomic_store(&r->state, VRING_NONE);
		return ret;
	}
	if (log_nth_ok(++r->attaches))
		pr_info("vm%u: ring pair at IPA 0x%llx (%u x %u bytes each way, %s layout) "
			"is engine port %u\n",
			vm->id, (unsigned long long)ipa, cap, slot, dp_layout_name(r->layout),
			r->port);
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

int vring_info(unsigned int vm_id, unsigned int *port, const char **layout)
{
	int state;

	if (vm_id >= VM_MAX)
		return VRING_NONE;
	state = vring_current_state(&vrings[vm_id]);
	*port = vrings[vm_id].port;
	*layout = dp_layout_name(vrings[vm_id].layout);
	return state;
}

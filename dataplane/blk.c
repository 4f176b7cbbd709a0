// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The block engine's loop. Nothing is copied on the data path: a request's buffer is described
 * to the controller by PRPs that point into the guest's RAM. Ordering with the guests comes from
 * the rings' acquire/release; with the controller from the barriers in the NVMe driver.
 */
#include "dataplane/blk.h"

#include "dataplane/wait.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"

#define BLK_CHECK_US 10000 /* how often timeouts and CSTS are looked at */
/*
 * After its last work the engine polls for BLK_SPIN_US (blk.h; `nvme spin` changes it) before
 * it sleeps in WFI or waits in WFE, and reads the counter only every BLK_CLOCK_PASSES idle
 * passes. On silicon either costs only power on the
 * engine's own core. Under QEMU's TCG both matter: a WFE is a yield and a CNTPCT_EL0 read an
 * I/O register access, each of which takes QEMU's global lock, which a vCPU woken from WFI
 * (the guest waiting for its completion interrupt) must take too; an engine doing either in a
 * tight loop held that vCPU off for milliseconds per request.
 */
#define BLK_CLOCK_PASSES 64
#define BLK_NONE	 (-1)
#define BLK_OP_VQ_ID	 0x80 /* a slot's op: a virtio GET_ID, answered by the engine itself */

static const char *const status_names[BLK_STATUS__COUNT] = {
	[BLK_OK] = "ok",
	[BLK_E_OP] = "bad-op",
	[BLK_E_RANGE] = "out-of-range",
	[BLK_E_BUF] = "bad-buffer",
	[BLK_E_SIZE] = "too-big",
	[BLK_E_IO] = "io-error",
	[BLK_E_ABORTED] = "aborted",
	[BLK_E_NODEV] = "no-device",
};

const char *blk_status_name(unsigned int s)
{
	return s < BLK_STATUS__COUNT ? status_names[s] : "?";
}

static uint64_t prp_bytes(uint16_t entries)
{
	return (uint64_t)entries * BLK_PRP_ENTRIES * 8;
}

uint64_t blk_engine_mem_size(uint16_t entries)
{
	return prp_bytes(entries) + (uint64_t)entries * sizeof(struct blk_slot);
}

uint32_t blk_engine_max_blocks(const struct blk_engine *e, uint32_t lba_shift)
{
	return e->ctrl->max_xfer >> lba_shift;
}

void blk_engine_init(struct blk_engine *e, struct nvme_ctrl *c, struct nvme_queue *q, void *mem,
		     uint64_t mem_pa, uint32_t burst)
{
	atomic_store_explicit(&e->stop, 0, memory_order_relaxed);
	atomic_store_explicit(&e->running, 0, memory_order_relaxed);
	atomic_store_explicit(&e->reset_req, 0, memory_order_relaxed);
	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++) {
		atomic_store_explicit(&e->disks[i].cmd, BLK_DISK_FREE, memory_order_relaxed);
		atomic_store_explicit(&e->disks[i].ack, BLK_DISK_FREE, memory_order_relaxed);
	}
	e->ctrl = c;
	e->q = q;
	e->prp = mem;
	e->prp_pa = mem_pa;
	e->slots = (struct blk_slot *)((uint8_t *)mem + prp_bytes(q->entries));
	/* A queue of N entries holds N - 1 commands: so many identifiers. */
	e->free = BLK_NONE;
	e->n_free = 0;
	for (int32_t i = (int32_t)q->entries - 2; i >= 0; i--) {
		e->slots[i] = (struct blk_slot){ .next = e->free };
		e->free = i;
		e->n_free++;
	}
	e->burst = burst ? burst : 1;
	e->rr = 0;
	atomic_store_explicit(&e->span, 0, memory_order_relaxed);
	e->timeout_ticks = timer_us_to_ticks(BLK_TIMEOUT_MS * 1000ULL);
	e->next_check = 0;
	e->now = e->last_work = 0;
	atomic_store_explicit(&e->spin_ticks, timer_us_to_ticks(BLK_SPIN_US), memory_order_relaxed);
	e->worked = true;
	e->polls = e->idle_waits = e->submitted = e->completed = 0;
	e->timeouts = e->resets = e->fatal = e->ring_faults = 0;
	e->ctrl_down = !c->up;
	e->wake = NULL;
	atomic_store_explicit(&e->sleeping, 0, memory_order_relaxed);
	e->wfi_sleeps = e->wakes_kick = e->wakes_timer = e->wakes_msi = e->wakes_none = 0;
	e->rechecks = 0;
	atomic_store_explicit(&e->cost, NULL, memory_order_relaxed);
	e->cost_ready = NULL;
	atomic_store_explicit(&e->busy_insns, 0, memory_order_relaxed);
	atomic_store_explicit(&e->busy_cycles, 0, memory_order_relaxed);
	atomic_store_explicit(&e->busy_passes, 0, memory_order_relaxed);
	e->pass_max_ticks = e->slow_passes = 0;
	e->grp = NULL;
	e->leader = e->parked = false;
	e->seen = 0;
}

void blk_group_init(struct blk_group *g, unsigned int n)
{
	atomic_store_explicit(&g->want, 0, memory_order_relaxed);
	atomic_store_explicit(&g->done, 0, memory_order_relaxed);
	atomic_store_explicit(&g->parked, 0, memory_order_relaxed);
	atomic_store_explicit(&g->aborted, 0, memory_order_relaxed);
	atomic_store_explicit(&g->down, 0, memory_order_relaxed);
	atomic_store_explicit(&g->what, NULL, memory_order_relaxed);
	g->n = n;
}

void blk_engine_join(struct blk_engine *e, struct blk_group *g, bool leader)
{
	e->grp = g;
	e->leader = leader;
	e->seen = atomic_load_explicit(&g->done, memory_order_relaxed);
}

static uint32_t next_cmd(struct blk_disk *d, unsigned int state)
{
	uint32_t cmd = atomic_load_explicit(&d->cmd, memory_order_relaxed);

	return ((cmd >> 2) + 1) << 2 | state;
}

/*
 * A free slot for a disk of VM 'vm_id': the one that VM had before, else one never used, else
 * any, so that the counters of a VM that went away stay readable as long as possible.
 */
static struct blk_disk *pick_slot(struct blk_engine *e, unsigned int vm_id, unsigned int *idx)
{
	struct blk_disk *best = NULL;
	unsigned int rank = 0;

	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++) {
		struct blk_disk *d = &e->disks[i];
		unsigned int r;

		if (BLK_DISK_STATE(atomic_load_explicit(&d->cmd, memory_order_relaxed)) !=
		    BLK_DISK_FREE)
			continue;
		r = d->st.completed && d->vm_id == vm_id ? 3 : !d->st.completed ? 2 : 1;
		if (r > rank) {
			rank = r;
			best = d;
			*idx = i;
		}
	}
	return best;
}

int blk_engine_attach(struct blk_engine *e, const struct blk_disk *tmpl, unsigned int *idx)
{
	struct blk_disk *d = pick_slot(e, tmpl->vm_id, idx);
	unsigned int i = *idx;

	if (!d)
		return E_NOMEM;
	d->kind = tmpl->kind;
	d->req = tmpl->req;
	d->cpl = tmpl->cpl;
	d->vq = tmpl->vq;
	d->share = tmpl->share;
	d->mem = tmpl->mem;
	d->qd_limit = tmpl->qd_limit;
	d->burst = tmpl->burst && tmpl->burst < e->burst ? tmpl->burst : e->burst;
	d->queue = tmpl->queue;
	d->notify = tmpl->notify;
	d->ctx = tmpl->ctx;
	d->sleep_word = tmpl->sleep_word;
	atomic_store_explicit(&d->kicks, 0, memory_order_relaxed);
	d->wait_word = tmpl->wait_word;
	if (d->sleep_word)
		atomic_store_explicit(d->sleep_word, 0, memory_order_relaxed);
	d->vm_id = tmpl->vm_id;
	d->inflight = 0;
	d->pending = d->pending_last = BLK_NONE;
	d->posted = false;
	d->log_count = 0;
	d->st = (struct blk_disk_stats){ 0 };
	atomic_store_explicit(&d->down, 0, memory_order_relaxed);
	/* Before the disk runs: an engine that sees it run also looks that far. */
	if (atomic_load_explicit(&e->span, memory_order_relaxed) < i + 1)
		atomic_store_explicit(&e->span, i + 1, memory_order_relaxed);
	/* Release: the fields above are written before the engine can see the disk run. */
	atomic_store_explicit(&d->cmd, next_cmd(d, BLK_DISK_RUN), memory_order_release);
	/* A sleeping engine set no sleep word in the new ring: it must look at it now. */
	blk_engine_kick(e);
	return 0;
}

int blk_pick_engine(const unsigned int *load, const unsigned int *mine, unsigned int n)
{
	int best = -1;

	for (unsigned int i = 0; i < n; i++) {
		if (load[i] >= BLK_MAX_DISKS)
			continue;
		if (best < 0 || mine[i] < mine[best] ||
		    (mine[i] == mine[best] && load[i] < load[best]))
			best = (int)i;
	}
	return best;
}

bool blk_engine_detach(struct blk_engine *e, unsigned int idx, bool running)
{
	struct blk_disk *d;
	uint32_t cmd;

	if (idx >= BLK_MAX_DISKS)
		return true;
	d = &e->disks[idx];
	cmd = atomic_load_explicit(&d->cmd, memory_order_relaxed);
	if (BLK_DISK_STATE(cmd) == BLK_DISK_FREE)
		return true;
	if (BLK_DISK_STATE(cmd) != BLK_DISK_OFF) {
		cmd = next_cmd(d, BLK_DISK_OFF);
		atomic_store_explicit(&d->cmd, cmd, memory_order_release);
	}
	/* Acquire pairs with the engine's release of ack: it is done with the disk's memory. */
	if (running && atomic_load_explicit(&d->ack, memory_order_acquire) != cmd)
		return false;
	atomic_store_explicit(&d->cmd, next_cmd(d, BLK_DISK_FREE), memory_order_release);
	return true;
}

static void free_slot(struct blk_engine *e, struct blk_disk *d, int32_t cid)
{
	e->slots[cid].next = e->free;
	e->free = cid;
	e->n_free++;
	d->inflight--;
}

/* Post one completion on the disk's ring; false when the ring is full (or broken). */
static bool post(struct blk_disk *d, const struct blk_slot *s)
{
	struct blk_cpl *c;

	if (spsc_prod_reserve(&d->cpl, 1, (void **)&c) != 1)
		return false;
	c->tag = s->tag;
	c->status = s->status;
	c->nvme = s->nvme;
	c->rsvd = 0;
	spsc_prod_commit(&d->cpl, 1);
	d->posted = true;
	return true;
}

static bool disk_live(const struct blk_disk *d)
{
	return BLK_DISK_STATE(atomic_load_explicit(&d->cmd, memory_order_relaxed)) ==
		       BLK_DISK_RUN &&
	       !atomic_load_explicit(&d->down, memory_order_relaxed);
}

/* The status byte of virtio-blk (5.2.6) for a request's outcome. */
static uint8_t vq_status(uint16_t st)
{
	return st == BLK_OK	? VIRTIO_BLK_S_OK
	       : st == BLK_E_OP ? VIRTIO_BLK_S_UNSUPP
				: VIRTIO_BLK_S_IOERR;
}

/*
 * A virtio request is over: its status byte, then its used ring element, then the used index.
 * At most 'size' chains are in flight (their heads are told apart), so the ring has room.
 */
static void post_vq(struct blk_disk *d, const struct blk_slot *s)
{
	struct blk_vq *q = &d->vq;
	uint16_t head = (uint16_t)s->tag;
	volatile struct virtq_used_elem *u =
		(volatile struct virtq_used_elem *)(q->used + VIRTQ_USED_RING +
						    8U * (q->used_idx & (q->size - 1U)));

	*(volatile uint8_t *)(uintptr_t)s->status_pa = vq_status(s->status);
	u->id = head;
	/* Bytes written into the chain's device-writable part: the data read, and the status. */
	u->len = s->status == BLK_OK && (s->op == BLK_OP_READ || s->op == BLK_OP_VQ_ID)
			 ? s->bytes + 1
			 : 1;
	q->used_idx++;
	q->busy[head / 64] &= ~(1ULL << (head % 64));
	/*
	 * Release: the status byte and the element (and the data the controller wrote before its
	 * completion entry, which we read before this) are visible before the index that
	 * publishes them; the driver reads the index with acquire semantics (virtio_load_acquire).
	 */
	atomic_store_explicit((_Atomic uint16_t *)(void *)(q->used + VIRTQ_USED_IDX), q->used_idx,
			      memory_order_release);
	d->posted = true;
}

/*
 * One command of a virtio request is over: true when it was the last, with the request's
 * outcome (its first error, the bytes of all its commands) now in the slot.
 */
static bool vq_last_part(struct blk_disk *d, struct blk_slot *s)
{
	struct blk_vq *q = &d->vq;
	uint16_t head = (uint16_t)s->tag;

	if (s->status != BLK_OK && q->first_err[head] == BLK_OK)
		q->first_err[head] = (uint8_t)s->status;
	q->done_bytes[head] += s->bytes;
	if (--q->parts[head])
		return false;
	s->status = q->first_err[head];
	s->bytes = q->done_bytes[head];
	return true;
}

/* A request is over (status set): count it, post it, or queue it until the ring has room. */
static void finish(struct blk_engine *e, int32_t cid)
{
	struct blk_slot *s = &e->slots[cid];
	struct blk_disk *d = &e->disks[s->disk];

	if (d->kind == BLK_KIND_VIRTQ && !vq_last_part(d, s)) {
		free_slot(e, d, cid);
		return;
	}
	e->completed++;
	d->st.completed++;
	d->st.errors[s->status]++;
	if (s->status == BLK_OK) {
		if (s->op == BLK_OP_READ)
			d->st.bytes_read += s->bytes;
		else if (s->op == BLK_OP_WRITE)
			d->st.bytes_written += s->bytes;
	}
	if (!disk_live(d)) {
		d->st.dropped++; /* the guest is going: nothing more is written into its RAM */
		free_slot(e, d, cid);
		return;
	}
	if (d->kind == BLK_KIND_VIRTQ) {
		post_vq(d, s);
		free_slot(e, d, cid);
		return;
	}
	if (d->pending == BLK_NONE && post(d, s)) {
		free_slot(e, d, cid);
		return;
	}
	s->next = BLK_NONE;
	if (d->pending == BLK_NONE)
		d->pending = cid;
	else
		e->slots[d->pending_last].next = cid;
	d->pending_last = cid;
}

static void flush_pending(struct blk_engine *e, struct blk_disk *d, bool drop)
{
	while (d->pending != BLK_NONE) {
		int32_t cid = d->pending;

		if (!drop && !post(d, &e->slots[cid]))
			return;
		if (drop)
			d->st.dropped++;
		d->pending = e->slots[cid].next;
		free_slot(e, d, cid);
	}
}

static void on_cqe(void *ctx, const struct nvme_cqe *c)
{
	struct blk_engine *e = ctx;
	struct blk_slot *s;
	uint16_t st = NVME_CQE_STATUS(c->status);

	if (c->cid >= e->q->entries - 1 || !e->slots[c->cid].at_ctrl) {
		if (log_nth_ok(++e->fatal))
			pr_err("nvme: completion for command %u that is not outstanding\n", c->cid);
		return;
	}
	s = &e->slots[c->cid];
	s->at_ctrl = false;
	s->status = st ? BLK_E_IO : BLK_OK;
	s->nvme = st;
	finish(e, c->cid);
}

/* The guest's slot, read once, word by word: it may rewrite it meanwhile. */
static void read_req(struct blk_req *r, const void *slot)
{
	const volatile uint64_t *src = slot;
	uint64_t *dst = (uint64_t *)r;

	for (unsigned int i = 0; i < BLK_REQ_SIZE / 8; i++)
		dst[i] = src[i];
}

static void reject(struct blk_engine *e, struct blk_disk *d, int32_t cid, const struct blk_req *r,
		   enum blk_status st)
{
	if (log_nth_ok(++d->log_count))
		pr_warn("vm%u: disk request refused (%s): op %u lba 0x%llx count %u buf 0x%llx "
			"(share %llu blocks, RAM IPA 0x%llx+0x%llx)\n",
			d->vm_id, blk_status_name(st), r->op, (unsigned long long)r->lba, r->count,
			(unsigned long long)r->buf, (unsigned long long)d->share.count,
			(unsigned long long)d->mem.ipa, (unsigned long long)d->mem.size);
	e->slots[cid].status = st;
	finish(e, cid);
}

/* Fill the SQ entry for a checked command; false when its PRPs cannot be built. */
static bool build(struct blk_engine *e, int32_t cid, const struct blk_cmd *c)
{
	struct nvme_sqe *q = nvme_sq_next(e->q);
	uint64_t *list = e->prp + (uint64_t)cid * BLK_PRP_ENTRIES;
	uint64_t list_pa = e->prp_pa + (uint64_t)cid * BLK_PRP_ENTRIES * 8;
	int n = 0;

	*q = (struct nvme_sqe){ .cdw0 = c->opcode | (uint32_t)cid << 16, .nsid = c->nsid };
	switch (c->opcode) {
	case NVME_CMD_READ:
	case NVME_CMD_WRITE:
		if (c->n_seg) {
			/* A virtio request's scatter list: PRPs when its segments allow them. */
			n = vq_prp_entries(c->seg, c->n_seg, list, BLK_PRP_ENTRIES);
			if (n < 0)
				return false;
			q->prp1 = c->seg[0].pa;
			q->prp2 = n == 0 ? 0 : n == 1 ? list[0] : list_pa;
			if (n == 1)
				n = 0; /* PRP2 names the page itself: the list is not read */
		} else {
			n = nvme_prp_build(c->pa, c->bytes, list, list_pa, BLK_PRP_ENTRIES,
					   &q->prp1, &q->prp2);
			if (n < 0)
				return false;
		}
		__attribute__((fallthrough)); /* SLBA and NLB as for Write Zeroes */
	case NVME_CMD_WRITE_ZEROES:
		q->cdw10 = (uint32_t)c->slba;
		q->cdw11 = (uint32_t)(c->slba >> 32);
		q->cdw12 = c->nlb - 1; /* NLB is 0's based */
		break;
	case NVME_CMD_DSM:
		/* One range (NVM Command Set 1.0, 3.2.3.1, Figure 38): attributes, NLB, SLBA. */
		list[0] = (uint64_t)c->nlb << 32;
		list[1] = c->slba;
		n = 2;
		q->prp1 = list_pa;
		q->cdw10 = 0;	   /* NR: one range, 0's based */
		q->cdw11 = BIT(2); /* AD: deallocate */
		break;
	default:
		break;
	}
	if (n)
		dcache_clean_range((uintptr_t)list, (uintptr_t)n * 8);
	return true;
}

/* Command 'cid', built, goes to the controller: its slot records it, the SQ tail moves. */
static void issue(struct blk_engine *e, int32_t cid, uint64_t bytes, uint64_t now)
{
	struct blk_slot *s = &e->slots[cid];

	s->bytes = (uint32_t)bytes;
	s->issued = now;
	s->at_ctrl = true;
	nvme_sq_push(e->q);
	e->submitted++;
}

static void ring_fault(struct blk_engine *e, struct blk_disk *d)
{
	bool req = d->req.fault;

	atomic_store_explicit(&d->down, 1, memory_order_release);
	/* Once per attach; counted engine-wide, as a guest may attach and fault again. */
	if (log_nth_ok(++e->ring_faults))
		pr_warn("vm%u: disk rings shut: the guest published an impossible %s index 0x%x\n",
			d->vm_id, req ? "request head" : "completion tail",
			req ? d->req.bad_index : d->cpl.bad_index);
}

/* The driver broke its virtqueue: shut it (the device model then asks for a reset). */
static void vq_fault(struct blk_engine *e, struct blk_disk *d, const char *why, uint16_t index)
{
	d->vq.fault = why;
	d->vq.bad_index = index;
	atomic_store_explicit(&d->down, 1, memory_order_release);
	d->posted = true; /* the device model hears of it: DEVICE_NEEDS_RESET, an interrupt */
	if (log_nth_ok(++e->ring_faults))
		pr_warn("vm%u: virtio-blk queue shut, the device needs a reset: %s (index %u)\n",
			d->vm_id, why, index);
}

static void reject_vq(struct blk_engine *e, struct blk_disk *d, int32_t cid, const struct vq_req *r,
		      enum blk_status st)
{
	if (log_nth_ok(++d->log_count))
		pr_warn("vm%u: virtio-blk request refused (%s): type %u sector 0x%llx, %llu bytes "
			"in %u segment%s (share %llu blocks of %u bytes)\n",
			d->vm_id, blk_status_name(st), r->type, (unsigned long long)r->sector,
			(unsigned long long)r->bytes, r->n_seg, r->n_seg == 1 ? "" : "s",
			(unsigned long long)d->share.count, 1U << d->share.lba_shift);
	e->slots[cid].status = st;
	finish(e, cid);
}

static uint8_t vq_op(const struct vq_req *r)
{
	if (r->bad)
		return 0;
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		return BLK_OP_READ;
	case VIRTIO_BLK_T_OUT:
		return BLK_OP_WRITE;
	case VIRTIO_BLK_T_FLUSH:
		return BLK_OP_FLUSH;
	case VIRTIO_BLK_T_DISCARD:
		return BLK_OP_DISCARD;
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return BLK_OP_WRITE_ZEROES;
	default:
		return 0;
	}
}

/* A slot for (a command of) virtio request 'head' of disk 'idx'. */
static int32_t take_slot(struct blk_engine *e, struct blk_disk *d, unsigned int idx, uint16_t head,
			 const struct vq_req *r)
{
	int32_t cid = e->free;
	struct blk_slot *s = &e->slots[cid];

	e->free = s->next;
	e->n_free--;
	d->inflight++;
	*s = (struct blk_slot){
		.tag = head, .disk = (uint8_t)idx, .op = vq_op(r), .status_pa = r->status_pa
	};
	return cid;
}

/*
 * The commands a checked request becomes: its segments in runs PRPs can describe (a segment
 * after a run's first starts a page, one before its last ends one: NVMe Base 2.0, 4.1.1),
 * cut only where a block ends. cut[k] is the first segment of command k, cut[parts] = n_seg.
 * Returns the number of commands, 0 when a cut would fall inside a block. Flush: one.
 */
static unsigned int vq_plan(const struct blk_cmd *c, uint32_t lba_shift, unsigned int *cut)
{
	uint64_t mask = (1ULL << lba_shift) - 1, run = 0;
	unsigned int parts = 0;

	if (!c->n_seg)
		return 1;
	cut[parts++] = 0;
	for (unsigned int i = 0; i < c->n_seg; i++) {
		const struct vq_seg *sg = &c->seg[i];

		if (i > cut[parts - 1] &&
		    ((sg->pa & (NVME_PAGE - 1)) || ((sg[-1].pa + sg[-1].len) & (NVME_PAGE - 1)))) {
			if (run & mask)
				return 0;
			cut[parts++] = i;
			run = 0;
		}
		run += sg->len;
	}
	cut[parts] = c->n_seg;
	return parts;
}

/* Command k of the plan: its segments, and its blocks after those of the commands before. */
static void vq_piece(const struct blk_cmd *c, const unsigned int *cut, unsigned int k,
		     uint32_t lba_shift, struct blk_cmd *p)
{
	uint64_t before = 0, bytes = 0;

	*p = *c;
	if (!c->n_seg)
		return;
	for (unsigned int i = 0; i < cut[k]; i++)
		before += c->seg[i].len;
	for (unsigned int i = cut[k]; i < cut[k + 1]; i++)
		bytes += c->seg[i].len;
	p->seg = c->seg + cut[k];
	p->n_seg = cut[k + 1] - cut[k];
	p->pa = p->seg[0].pa;
	p->bytes = bytes;
	p->slba = c->slba + (before >> lba_shift);
	p->nlb = (uint32_t)(bytes >> lba_shift);
}

/*
 * VIRTIO_F_EVENT_IDX: every available chain was taken; ask the driver to notify when it makes
 * the next one available (avail_event, 2.7.10), so a notify wakes the engine from its WFE.
 * Returns 1 when the driver published more meanwhile (look again before sleeping), else 0.
 */
static uint32_t vq_ask_notify(struct blk_vq *q, uint16_t avail)
{
	atomic_store_explicit((_Atomic uint16_t *)(void *)(q->used + VIRTQ_AVAIL_EVENT(q->size)),
			      q->last_avail, memory_order_relaxed);
	/*
	 * Full barrier: the avail_event store is visible before we read the avail index again,
	 * as the driver's avail index store is before it reads avail_event (virtqueue_kick_prepare
	 * has a full barrier there): either it sees our event and notifies, or we see its index.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load_explicit((_Atomic uint16_t *)(void *)(q->avail + VIRTQ_AVAIL_IDX),
				    memory_order_relaxed) != avail;
}

/*
 * Up to 'room' new chains of a virtio disk. The avail index and each ring entry are read once;
 * each chain is walked into a private copy (vq_walk) and checked before anything is submitted.
 */
static uint32_t serve_vq(struct blk_engine *e, struct blk_disk *d, unsigned int idx, uint64_t now,
			 uint32_t room)
{
	struct blk_vq *q = &d->vq;
	const struct vq_mem m = { .ipa = d->mem.ipa, .size = d->mem.size, .pa = d->mem.pa };
	const volatile uint16_t *ring =
		(const volatile uint16_t *)(void *)(q->avail + VIRTQ_AVAIL_RING);
	struct vq_req *r = &e->vq_req;
	/* Acquire: the ring entries and descriptors written before the driver published idx. */
	uint16_t avail = atomic_load_explicit(
		(_Atomic uint16_t *)(void *)(q->avail + VIRTQ_AVAIL_IDX), memory_order_acquire);
	uint16_t ready = (uint16_t)(avail - q->last_avail);
	uint32_t taken = 0, n = 0; /* chains, commands */

	if (ready > q->size) {
		vq_fault(e, d, "the avail index ran more than the queue size ahead", avail);
		return 0;
	}
	while (taken < ready && n < room) {
		uint16_t head = ring[q->last_avail & (q->size - 1U)];
		const char *why = NULL;
		struct blk_cmd c;
		enum blk_status st;
		unsigned int parts, cut[VBLK_SEG_MAX + 1];
		int32_t cid;
		bool get_id;

		if (!vq_walk(q->desc, q->size, head, &m, r, &why)) {
			vq_fault(e, d, why, head);
			break;
		}
		if (q->busy[head / 64] & (1ULL << (head % 64))) {
			vq_fault(e, d, "a chain head made available again while in flight", head);
			break;
		}
		/* GET_ID needs no controller: its answer is written here. */
		get_id = r->type == VIRTIO_BLK_T_GET_ID && !r->bad;
		st = get_id	    ? BLK_OK
		     : e->ctrl_down ? BLK_E_NODEV
				    : blk_check_virtio(r, &d->share,
						       e->ctrl->max_xfer >> d->share.lba_shift, &c);
		parts = st == BLK_OK && !get_id ? vq_plan(&c, d->share.lba_shift, cut) : 1;
		if (!parts) {
			st = BLK_E_BUF;
			parts = 1;
		}
		/* All of a request's commands at once (the first of a pass even past 'room'). */
		if ((n && parts > room - n) || parts > e->n_free)
			break; /* next pass, when the controller has given slots back */
		q->last_avail++;
		taken++;
		n += parts;
		q->busy[head / 64] |= 1ULL << (head % 64);
		q->parts[head] = (uint8_t)parts;
		q->first_err[head] = BLK_OK;
		q->done_bytes[head] = 0;
		if (!get_id)
			d->st.ops[vq_op(r)]++;
		if (get_id) {
			cid = take_slot(e, d, idx, head, r);
			e->slots[cid].op = BLK_OP_VQ_ID;
			e->slots[cid].bytes = vq_put_id(r, q->id);
			e->slots[cid].status = BLK_OK;
			finish(e, cid);
			continue;
		}
		if (st != BLK_OK) {
			cid = take_slot(e, d, idx, head, r);
			if (st == BLK_E_NODEV) {
				e->slots[cid].status = st;
				finish(e, cid);
			} else {
				reject_vq(e, d, cid, r, st);
			}
			continue;
		}
		for (unsigned int k = 0; k < parts; k++) {
			struct blk_cmd piece = c;

			vq_piece(&c, cut, k, d->share.lba_shift, &piece);
			cid = take_slot(e, d, idx, head, r);
			if (!build(e, cid, &piece)) {
				reject_vq(e, d, cid, r, BLK_E_BUF);
				continue;
			}
			issue(e, cid, piece.bytes, now);
		}
	}
	if (d->inflight > d->st.inflight_max)
		d->st.inflight_max = d->inflight;
	if (q->event_idx && taken == ready && !atomic_load_explicit(&d->down, memory_order_relaxed))
		n += vq_ask_notify(q, avail);
	return n;
}

static uint32_t serve(struct blk_engine *e, unsigned int idx, uint64_t now)
{
	struct blk_disk *d = &e->disks[idx];
	/* Acquire pairs with the controller's release in blk_engine_attach/detach. */
	uint32_t cmd = atomic_load_explicit(&d->cmd, memory_order_acquire);
	uint32_t room, n, lba_shift = d->share.lba_shift;
	uint8_t *in;

	if (BLK_DISK_STATE(cmd) != BLK_DISK_RUN ||
	    atomic_load_explicit(&d->down, memory_order_relaxed)) {
		if (BLK_DISK_STATE(cmd) == BLK_DISK_FREE) {
			if (atomic_load_explicit(&d->ack, memory_order_relaxed) != cmd)
				atomic_store_explicit(&d->ack, cmd, memory_order_release);
			return 0;
		}
		flush_pending(e, d, true);
		/* Release: nothing of the disk is at the controller or to be written any more. */
		if (!d->inflight && atomic_load_explicit(&d->ack, memory_order_relaxed) != cmd)
			atomic_store_explicit(&d->ack, cmd, memory_order_release);
		return 0;
	}
	if (atomic_load_explicit(&d->ack, memory_order_relaxed) != cmd)
		atomic_store_explicit(&d->ack, cmd, memory_order_release);
	flush_pending(e, d, false);
	if (d->pending != BLK_NONE) {
		if (d->cpl.fault)
			ring_fault(e, d);
		return 0; /* the guest does not take its completions: no new work from it */
	}
	room = d->qd_limit > d->inflight ? d->qd_limit - d->inflight : 0;
	if (room > d->burst)
		room = d->burst; /* the disk's share of a pass (a VM's queues on one engine share) */
	if (room > e->n_free)
		room = e->n_free;
	if (!room)
		return 0;
	if (d->kind == BLK_KIND_VIRTQ)
		return serve_vq(e, d, idx, now, room);
	n = spsc_cons_peek(&d->req, room, (void **)&in);
	if (!n) {
		if (d->req.fault || d->cpl.fault)
			ring_fault(e, d);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct blk_req r;
		struct blk_cmd c;
		int32_t cid = e->free;
		struct blk_slot *s = &e->slots[cid];
		enum blk_status st;

		read_req(&r, in + (uint64_t)i * BLK_REQ_SIZE);
		e->free = s->next;
		e->n_free--;
		d->inflight++;
		s->tag = r.tag;
		s->disk = (uint8_t)idx;
		s->op = r.op;
		s->nvme = 0;
		s->at_ctrl = false;
		d->st.ops[r.op <= BLK_OP_DISCARD ? r.op : 0]++;
		if (e->ctrl_down) {
			s->status = BLK_E_NODEV;
			finish(e, cid);
			continue;
		}
		st = blk_check(&r, &d->share, &d->mem, e->ctrl->max_xfer >> lba_shift, &c);
		if (st == BLK_OK && !build(e, cid, &c))
			st = BLK_E_BUF;
		if (st != BLK_OK) {
			reject(e, d, cid, &r, st);
			continue;
		}
		issue(e, cid, c.bytes, now);
	}
	if (d->inflight > d->st.inflight_max)
		d->st.inflight_max = d->inflight;
	spsc_cons_release(&d->req, n);
	return n;
}

/* Every command of ours at the controller fails with 'aborted'; how many did. */
static unsigned int abort_at_ctrl(struct blk_engine *e)
{
	unsigned int lost = 0;

	for (int32_t cid = 0; cid < (int32_t)e->q->entries - 1; cid++) {
		struct blk_slot *s = &e->slots[cid];

		if (!s->at_ctrl)
			continue;
		s->at_ctrl = false;
		s->status = BLK_E_ABORTED;
		finish(e, cid);
		lost++;
	}
	return lost;
}

/* Reset the controller after 'lost' commands were failed; say what happened. */
static bool reset_ctrl(struct nvme_ctrl *c, const char *what, unsigned int lost, uint64_t resets)
{
	struct err_why why = { 0 };
	int ret = nvme_ctrl_reset(c, &why);

	if (ret)
		pr_err("nvme: %s; %u request%s failed with 'aborted'; the reset failed: %s; "
		       "requests fail with 'no-device' from now on\n",
		       what, lost, lost == 1 ? "" : "s", err_why_str(&why, ret));
	else
		pr_err("nvme: %s; %u request%s failed with 'aborted'; controller reset (%llu so "
		       "far)\n",
		       what, lost, lost == 1 ? "" : "s", (unsigned long long)resets);
	return ret == 0;
}

/* Ask the group for a reset: the first asker names the cause, the others join it. */
static void group_ask(struct blk_group *g, const char *what)
{
	uint32_t done = atomic_load_explicit(&g->done, memory_order_relaxed);

	if (atomic_compare_exchange_strong_explicit(&g->want, &done, done + 1, memory_order_relaxed,
						    memory_order_relaxed))
		atomic_store_explicit(&g->what, what, memory_order_relaxed);
}

/*
 * Something calls for a controller reset. An engine alone fails what it has at the controller
 * and resets it at once; an engine of a group only asks, and the group resets the controller
 * once every engine has let go of its queue (group_step).
 */
static void recover(struct blk_engine *e, const char *what)
{
	struct blk_group *g = e->grp;

	if (g) {
		group_ask(g, what);
		return;
	}
	e->resets++;
	e->ctrl_down = !reset_ctrl(e->ctrl, what, abort_at_ctrl(e), e->resets);
}

/*
 * A group's reset, one step per pass of each engine; false while this engine must stay off its
 * queue. Each engine fails what it has at the controller and parks; the leader, once all are
 * parked, resets the controller (every queue pair is recreated, indices back to zero) and
 * publishes the outcome; then all serve again.
 */
static bool group_step(struct blk_engine *e, uint32_t want)
{
	struct blk_group *g = e->grp;
	const char *what;

	if (!e->parked) {
		atomic_fetch_add_explicit(&g->aborted, abort_at_ctrl(e), memory_order_relaxed);
		e->parked = true;
		/* Release: our last use of our queue pair happens before the leader's reset. */
		atomic_fetch_add_explicit(&g->parked, 1, memory_order_release);
	}
	if (e->leader) {
		/* Acquire pairs with each engine's release when it parked. */
		if (atomic_load_explicit(&g->parked, memory_order_acquire) < g->n)
			return false;
		e->resets++;
		what = atomic_load_explicit(&g->what, memory_order_relaxed);
		atomic_store_explicit(
			&g->down,
			!reset_ctrl(e->ctrl, what ? what : "reset requested",
				    atomic_exchange_explicit(&g->aborted, 0, memory_order_relaxed),
				    e->resets),
			memory_order_relaxed);
		atomic_store_explicit(&g->parked, 0, memory_order_relaxed);
		/* Release: the queues' new state and 'down' before the others serve again. */
		atomic_store_explicit(&g->done, want, memory_order_release);
	} else if (atomic_load_explicit(&g->done, memory_order_acquire) != want) {
		return false;
	} else {
		e->resets++;
	}
	e->parked = false;
	e->seen = want;
	e->ctrl_down = atomic_load_explicit(&g->down, memory_order_relaxed);
	return true;
}

static void check_health(struct blk_engine *e, uint64_t now)
{
	if (e->ctrl_down)
		return;
	if (nvme_ctrl_failed(e->ctrl)) {
		e->fatal++;
		recover(e, "controller fatal status (CSTS.CFS) or gone from the bus");
		return;
	}
	for (int32_t cid = 0; cid < (int32_t)e->q->entries - 1; cid++) {
		const struct blk_slot *s = &e->slots[cid];

		if (s->at_ctrl && now - s->issued > e->timeout_ticks) {
			e->timeouts++;
			recover(e, "a command timed out");
			return;
		}
	}
}

/*
 * Used buffers were posted (and a full barrier passed since): does the driver want to hear of
 * it? With VIRTIO_F_EVENT_IDX when the used index passed its used_event (2.7.7.2), else unless
 * it set VIRTQ_AVAIL_F_NO_INTERRUPT.
 */
static bool vq_want_interrupt(struct blk_vq *q)
{
	uint16_t old = q->signalled;

	if (!q->event_idx)
		return !(*(const volatile uint16_t *)(void *)q->avail & VIRTQ_AVAIL_F_NO_INTERRUPT);
	q->signalled = q->used_idx;
	return vq_need_event(
		*(const volatile uint16_t *)(void *)(q->avail + VIRTQ_USED_EVENT(q->size)),
		q->used_idx, old);
}

uint32_t blk_engine_poll(struct blk_engine *e)
{
	uint64_t now;
	uint32_t work = 0, span = atomic_load_explicit(&e->span, memory_order_relaxed), want;
	bool wake = false;

	/* Fresh after work (a command's issue time), else every BLK_CLOCK_PASSES passes. */
	if (e->worked || !(e->polls % BLK_CLOCK_PASSES))
		e->now = timer_count();
	now = e->now;

	if (e->grp) {
		want = atomic_load_explicit(&e->grp->want, memory_order_relaxed);
		if (want != e->seen && !group_step(e, want)) {
			e->polls++;
			return 0;
		}
	}
	if (!e->ctrl_down)
		work = nvme_cq_poll(e->q, on_cqe, e, e->q->entries);
	if (span) {
		if (++e->rr >= span)
			e->rr = 0;
		for (unsigned int k = 0, i = e->rr; k < span; k++, i = i + 1 == span ? 0 : i + 1)
			work += serve(e, i, now);
	}
	nvme_sq_ring(e->q); /* one doorbell for the whole pass */
	for (unsigned int i = 0; i < span; i++) {
		struct blk_disk *d = &e->disks[i];

		if (!d->posted)
			continue;
		d->posted = false;
		wake = true;
		if (d->kind == BLK_KIND_VIRTQ &&
		    !atomic_load_explicit(&d->down, memory_order_relaxed)) {
			/*
			 * Full barrier: our used index store is visible before we read the driver's
			 * flags, as its flags store is before it reads the used index again
			 * (virtqueue_enable_cb): one of the two sides sees the other.
			 */
			atomic_thread_fence(memory_order_seq_cst);
			if (!vq_want_interrupt(&d->vq))
				continue;
		} else if (d->wait_word) {
			/*
			 * Full barrier: our completion head store is visible before we read the
			 * guest's wait word, as its wait word store is before it looks at the
			 * completion ring again: either it sees our completions and does not wait,
			 * or we see it waiting and raise the interrupt.
			 */
			atomic_thread_fence(memory_order_seq_cst);
			if (!atomic_load_explicit(d->wait_word, memory_order_relaxed))
				continue;
		}
		if (d->notify)
			d->notify(d->ctx);
	}
	if (wake)
		spsc_wake(); /* guests waiting in WFE for their completion ring */
	if (atomic_load_explicit(&e->reset_req, memory_order_relaxed)) {
		atomic_store_explicit(&e->reset_req, 0, memory_order_relaxed);
		recover(e, "reset requested");
	}
	if (now > e->next_check) {
		check_health(e, now);
		e->next_check = now + timer_us_to_ticks(BLK_CHECK_US);
	}
	e->polls++;
	e->worked = work != 0;
	if (work)
		e->last_work = now;
	return work;
}

/* One pass with its instructions and cycles counted when they work (a benchmark asked). */
static uint32_t counted_poll(struct blk_engine *e, const struct dp_cost_ops *ops)
{
	uint64_t i0, c0, i1, c1;
	uint32_t work;

	if (ops != e->cost_ready) {
		ops->setup();
		e->cost_ready = ops;
	}
	ops->read(&i0, &c0);
	work = blk_engine_poll(e);
	ops->read(&i1, &c1);
	if (work) {
		/* Relaxed: a statistic the benchmark reads after the work it measures is done. */
		atomic_fetch_add_explicit(&e->busy_insns, i1 - i0, memory_order_relaxed);
		atomic_fetch_add_explicit(&e->busy_cycles, c1 - c0, memory_order_relaxed);
		atomic_fetch_add_explicit(&e->busy_passes, 1, memory_order_relaxed);
	}
	return work;
}

void blk_engine_set_cost(struct blk_engine *e, const struct dp_cost_ops *ops)
{
	atomic_store_explicit(&e->cost, ops, memory_order_release);
}

void blk_engine_set_wake(struct blk_engine *e, const struct blk_wake_ops *ops)
{
	e->wake = ops;
}

void blk_engine_set_spin(struct blk_engine *e, uint64_t us)
{
	atomic_store_explicit(&e->spin_ticks, timer_us_to_ticks(us), memory_order_relaxed);
}

uint64_t blk_engine_spin_us(const struct blk_engine *e)
{
	return timer_ticks_to_ns(atomic_load_explicit(&e->spin_ticks, memory_order_relaxed)) / 1000;
}

/* Nothing of ours at the controller nor waiting for room in a ring: every slot is free. */
static bool all_slots_free(const struct blk_engine *e)
{
	return e->n_free == (uint32_t)e->q->entries - 1;
}

/*
 * May the engine sleep in WFI? With the controller's interrupt, unless a ring's completions
 * wait for room (the guest frees it without a kick); without, only with every slot free.
 */
static bool may_sleep(const struct blk_engine *e)
{
	uint32_t span = atomic_load_explicit(&e->span, memory_order_relaxed);

	if (e->parked)
		return false; /* a group reset under way: the others are waited for by polling */
	if (!e->wake->msi)
		return all_slots_free(e);
	for (unsigned int i = 0; i < span; i++)
		if (e->disks[i].pending != BLK_NONE)
			return false;
	return true;
}

/* Our sleeping flag and every ring disk's sleep word. */
static void say_sleeping(struct blk_engine *e, uint32_t on)
{
	uint32_t span = atomic_load_explicit(&e->span, memory_order_relaxed);

	atomic_store_explicit(&e->sleeping, on, memory_order_relaxed);
	for (unsigned int i = 0; i < span; i++) {
		struct blk_disk *d = &e->disks[i];

		if (d->sleep_word && disk_live(d))
			atomic_store_explicit(d->sleep_word, on, memory_order_relaxed);
	}
}

/*
 * Idle: sleep in WFI until a kick, the controller's interrupt or the periodic check. The
 * protocol that loses no wake-up (as io_uring's SQPOLL NEED_WAKEUP, virtio's event index):
 *   engine: flag = 1; full barrier; look at every source once more; sleep unless work
 *   kicker: publish the work; full barrier; read flag; kick (an SGI) when it is 1
 * Either the recheck sees the work, or the kicker sees the flag and its SGI is pending at our
 * GIC, which makes the WFI return at once if it comes before it. The flag is cleared on every
 * wake-up. False when the recheck found work (the engine did not sleep).
 */
static bool engine_sleep(struct blk_engine *e, const struct dp_cost_ops *ops)
{
	const struct blk_wake_ops *w = e->wake;
	unsigned int why;
	uint32_t work;

	say_sleeping(e, 1);
	/*
	 * Full barrier: the flag stores are visible before the recheck's loads of the rings'
	 * heads, the avail indices, the completion queue, stop and reset; pairs with the fence
	 * in blk_engine_kick() (and the guest's DMB between its head store and its flag load).
	 */
	atomic_thread_fence(memory_order_seq_cst);
	/*
	 * Unmasked before the last look: a completion the look misses raises the interrupt, and
	 * one posted while the unmask is still on its way is held pending by the vector (MSI-X
	 * Pending Bit) and sent when it lands, so no ordering against the look is needed.
	 */
	if (w->msi)
		w->msi_mask(w->ctx, false);
	e->rechecks++;
	work = atomic_load_explicit(&e->stop, memory_order_acquire)
		       ? 1
		       : (ops ? counted_poll(e, ops) : blk_engine_poll(e));
	if (!work && may_sleep(e)) {
		why = w->sleep(w->ctx, e->next_check);
		e->wfi_sleeps++;
		e->wakes_kick += !!(why & BLK_WAKE_KICK);
		e->wakes_timer += !!(why & BLK_WAKE_TIMER);
		e->wakes_msi += !!(why & BLK_WAKE_MSI);
		e->wakes_none += !why;
	}
	if (w->msi)
		w->msi_mask(w->ctx, true);
	say_sleeping(e, 0);
	/* The pass after a sleep reads the counter afresh (blk_engine_poll), as after work. */
	e->worked = true;
	return work != 0;
}

void blk_engine_run(struct blk_engine *e)
{
	uint64_t slow = timer_us_to_ticks(BLK_SLOW_PASS_US);

	if (e->wake)
		e->wake->setup(e->wake->ctx);
	atomic_store_explicit(&e->running, 1, memory_order_release);
	while (!atomic_load_explicit(&e->stop, memory_order_acquire)) {
		/* Acquire pairs with blk_engine_set_cost(): the ops it names are complete. */
		const struct dp_cost_ops *ops =
			atomic_load_explicit(&e->cost, memory_order_acquire);
		/*
		 * A pass after a working one reads the counter at its start (blk_engine_poll), so
		 * its length is known without a counter read on idle passes; only those are timed.
		 */
		bool timed = e->worked;
		uint64_t took;

		if (ops ? counted_poll(e, ops) : blk_engine_poll(e)) {
			if (timed) {
				took = timer_count() - e->now;
				if (took > e->pass_max_ticks)
					e->pass_max_ticks = took;
				if (took > slow)
					e->slow_passes++;
			}
			continue;
		}
		/* Relaxed: a tuning knob (nvme spin); the next pass sees a new value soon enough. */
		if (e->now - e->last_work <
		    atomic_load_explicit(&e->spin_ticks, memory_order_relaxed))
			continue; /* work was recent: more is likely soon (BLK_SPIN_US) */
		if (e->wake && may_sleep(e)) {
			engine_sleep(e, ops);
			continue;
		}
		/*
		 * Idle: sleep on the line of the next completion entry (the controller's write to
		 * it may clear our exclusive monitor and wake us); a guest's SEV after it
		 * publishes requests, and the timer's event stream at the latest, wake us too.
		 */
		if (!e->ctrl_down)
			wait_change32(nvme_cq_watch(e->q), *nvme_cq_watch(e->q));
		else
			wait_change32(&e->ctrl->id.nn, e->ctrl->id.nn);
		e->idle_waits++;
	}
	if (e->wake)
		e->wake->teardown(e->wake->ctx);
	atomic_store_explicit(&e->running, 0, memory_order_release);
}

void blk_engine_stop(struct blk_engine *e)
{
	atomic_store_explicit(&e->stop, 1, memory_order_release);
	blk_engine_kick(e);
}

bool blk_engine_kick(struct blk_engine *e)
{
	const struct blk_wake_ops *w = e->wake;

	/*
	 * Full barrier: what the caller published (a ring head, an avail index, stop, reset, a
	 * disk) is visible before we read the sleeping flag; pairs with the engine's fence
	 * between its flag store and its recheck (engine_sleep).
	 */
	atomic_thread_fence(memory_order_seq_cst);
	if (!w || !atomic_load_explicit(&e->sleeping, memory_order_relaxed))
		return false;
	w->kick(w->ctx);
	return true;
}

void blk_group_reset(struct blk_group *g)
{
	group_ask(g, "reset requested");
	spsc_wake(); /* the engines out of their WFE now rather than at the next event-stream tick */
}

void blk_engine_reset(struct blk_engine *e)
{
	atomic_store_explicit(&e->reset_req, 1, memory_order_relaxed);
	spsc_wake();	    /* out of its WFE now rather than at the next event-stream tick */
	blk_engine_kick(e); /* or out of its WFI */
}

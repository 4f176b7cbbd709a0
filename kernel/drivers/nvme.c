// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The NVMe driver at EL2: bring-up through the admin queue, polled I/O queue pairs, PRP lists.
 * Queue memory is Normal cacheable in the hypervisor's map; the controller may not snoop the
 * caches, so entries it reads are cleaned to the Point of Coherency and entries it writes are
 * invalidated before they are looked at (a line at a time, nothing else in those lines).
 */
#include "kernel/drivers/nvme.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/timer.h"
#include "kernel/lib/err.h"

#define NVME_CC_EN	  BIT(0)
#define NVME_CC_IOSQES_64 (6u << 16) /* CC.IOSQES: 2^6-byte SQ entries */
#define NVME_CC_IOCQES_16 (4u << 20) /* CC.IOCQES: 2^4-byte CQ entries */
#define NVME_CSTS_RDY	  BIT(0)
#define NVME_CSTS_CFS	  BIT(1)
#define NVME_CNS_NS	  0x00
#define NVME_CNS_CTRL	  0x01
#define NVME_QUEUE_PC	  BIT(0) /* Create I/O queue: Physically Contiguous */
#define NVME_CQ_IEN	  BIT(1) /* Create I/O CQ CDW11: Interrupts Enabled */
#define NVME_CQ_IV_SHIFT  16	 /* Create I/O CQ CDW11: Interrupt Vector (MSI-X entry) */
#define NVME_PRP_LIST_MAX 64	 /* our PRP lists: one 512-byte slot per command */

static bool wait_csts(const struct nvme_ctrl *c, uint32_t mask, uint32_t want)
{
	/* CAP.TO is the worst case for CSTS.RDY to follow CC.EN (3.1.3.1); 500 ms at least. */
	uint64_t ms = c->cap.timeout_ms ? c->cap.timeout_ms : 500;
	uint64_t deadline = timer_count() + timer_us_to_ticks(ms * 1000);

	for (;;) {
		uint32_t csts = mmio_read32(c->bar + NVME_REG_CSTS);

		if (csts != 0xffffffffu && (csts & mask) == want)
			return true;
		if (timer_count() > deadline || csts == 0xffffffffu ||
		    (want && (csts & NVME_CSTS_CFS)))
			return false;
	}
}

bool nvme_ctrl_failed(const struct nvme_ctrl *c)
{
	uint32_t csts = mmio_read32(c->bar + NVME_REG_CSTS);

	return csts == 0xffffffffu || (csts & NVME_CSTS_CFS);
}

bool nvme_ctrl_disable(struct nvme_ctrl *c)
{
	c->up = false;
	mmio_write32(c->bar + NVME_REG_CC, 0);
	return wait_csts(c, NVME_CSTS_RDY, 0);
}

static void queue_reset(struct nvme_queue *q)
{
	q->sq_tail = q->sq_rung = q->sq_head = q->cq_head = 0;
	q->phase = NVME_CQE_PHASE;
	/* Old entries must not look new: zero the CQ (phase 0) and push it out of our caches. */
	for (unsigned int i = 0; i < q->entries; i++)
		((volatile struct nvme_cqe *)q->cq)[i].status = 0;
	dcache_clean_inval_range((uintptr_t)q->cq, (uintptr_t)q->entries * sizeof(struct nvme_cqe));
}

static int queue_alloc(struct nvme_queue *q, uint16_t qid, uint16_t entries, nvme_alloc_fn alloc,
		       void *ctx)
{
	unsigned int sq_pages = (entries * sizeof(struct nvme_sqe) + NVME_PAGE - 1) / NVME_PAGE;
	unsigned int cq_pages = (entries * sizeof(struct nvme_cqe) + NVME_PAGE - 1) / NVME_PAGE;

	if (!q->sq) {
		q->sq = alloc(ctx, sq_pages, &q->sq_pa);
		q->cq = alloc(ctx, cq_pages, &q->cq_pa);
		if (!q->sq || !q->cq)
			return E_NOMEM;
	}
	q->qid = qid;
	q->entries = entries;
	return 0;
}

static void queue_doorbells(const struct nvme_ctrl *c, struct nvme_queue *q)
{
	/* SQyTDBL at 0x1000 + (2y) * stride, CQyHDBL at 0x1000 + (2y + 1) * stride (3.1.3.x). */
	q->sq_db = c->bar + NVME_DOORBELL0 + (2u * q->qid) * c->cap.doorbell_stride;
	q->cq_db = c->bar + NVME_DOORBELL0 + (2u * q->qid + 1) * c->cap.doorbell_stride;
}

void nvme_sq_push(struct nvme_queue *q)
{
	/* The controller fetches the entry from memory: push it past our caches. */
	dcache_clean_range((uintptr_t)&q->sq[q->sq_tail], sizeof(struct nvme_sqe));
	q->sq_tail = (uint16_t)(q->sq_tail + 1 == q->entries ? 0 : q->sq_tail + 1);
	q->submitted++;
}

void nvme_sq_ring(struct nvme_queue *q)
{
	if (q->sq_tail == q->sq_rung)
		return;
	/* The entries (and their PRP lists) are in memory before the doorbell names them. */
	dsb(st);
	mmio_write32(q->sq_db, q->sq_tail);
	q->sq_rung = q->sq_tail;
	q->doorbells++;
}

unsigned int nvme_cq_poll(struct nvme_queue *q, nvme_cqe_fn fn, void *ctx, unsigned int max)
{
	unsigned int n = 0;

	while (n < max) {
		volatile struct nvme_cqe *e = &q->cq[q->cq_head];
		struct nvme_cqe copy;

		dcache_inval_range((uintptr_t)e, sizeof(*e));
		if ((e->status & NVME_CQE_PHASE) != q->phase)
			break;
		/* The phase tag is read before the rest of the entry the device wrote with it. */
		dmb(ld);
		copy.dw0 = e->dw0;
		copy.dw1 = e->dw1;
		copy.sqhd = e->sqhd;
		copy.sqid = e->sqid;
		copy.cid = e->cid;
		copy.status = e->status;
		if (copy.sqhd < q->entries)
			q->sq_head = copy.sqhd;
		if (++q->cq_head == q->entries) {
			q->cq_head = 0;
			q->phase ^= NVME_CQE_PHASE;
		}
		q->completed++;
		n++;
		fn(ctx, &copy);
	}
	if (n)
		mmio_write32(q->cq_db, q->cq_head);
	return n;
}

/*
 * One admin command, waited for by polling. The completion's status, or -1 on a timeout; its
 * Dword 0 (the command-specific result) into *dw0 when dw0 is not NULL.
 */
struct admin_result {
	int status;
	uint32_t dw0;
};

static void admin_done(void *ctx, const struct nvme_cqe *e)
{
	struct admin_result *r = ctx;

	r->status = NVME_CQE_STATUS(e->status);
	r->dw0 = e->dw0;
}

static int admin_sync_dw0(struct nvme_ctrl *c, const struct nvme_sqe *cmd, uint32_t *dw0)
{
	struct nvme_queue *q = &c->admin;
	struct nvme_sqe *e = nvme_sq_next(q);
	uint64_t deadline = timer_count() + timer_us_to_ticks(NVME_ADMIN_TIMEOUT_US);
	struct admin_result r = { .status = -1 };

	*e = *cmd;
	e->cdw0 = (cmd->cdw0 & 0xffffu) | (uint32_t)q->sq_tail << 16; /* cid = the slot */
	nvme_sq_push(q);
	nvme_sq_ring(q);
	while (!nvme_cq_poll(q, admin_done, &r, 1)) {
		if (timer_count() > deadline || nvme_ctrl_failed(c))
			return -1;
	}
	if (dw0)
		*dw0 = r.dw0;
	return r.status;
}

static int admin_sync(struct nvme_ctrl *c, const struct nvme_sqe *cmd)
{
	return admin_sync_dw0(c, cmd, NULL);
}

/*
 * Set Features Number of Queues (Base 2.0, 5.27.1.5): ask for c->n_io submission and
 * completion queues (NSQR and NCQR, 0's based, in CDW11). Completion Dword 0 says how many
 * the controller allocated (NSQA in bits 15:0, NCQA in bits 31:16, 0's based), which may be
 * fewer or more than asked: c->io_granted is the smaller of the two. The caller decides.
 */
static int set_num_queues(struct nvme_ctrl *c, struct err_why *why)
{
	struct nvme_sqe nq = { .cdw0 = NVME_ADMIN_SET_FEAT, .cdw10 = NVME_FEAT_NUM_QUEUES };
	uint32_t dw0 = 0, nsqa, ncqa;
	int st;

	nq.cdw11 = (uint32_t)(c->n_io - 1) << 16 | (c->n_io - 1);
	st = admin_sync_dw0(c, &nq, &dw0);
	if (st)
		return err_fail(why, E_IO, "Set Features Number of Queues failed (status 0x%x)",
				(unsigned int)st);
	nsqa = (dw0 & 0xffffu) + 1;
	ncqa = (dw0 >> 16) + 1;
	c->io_granted = nsqa < ncqa ? nsqa : ncqa;
	return 0;
}

static int identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid)
{
	struct nvme_sqe cmd = { .cdw0 = NVME_ADMIN_IDENTIFY, .nsid = nsid, .cdw10 = cns };

	cmd.prp1 = c->page_pa;
	dcache_clean_inval_range((uintptr_t)c->page, NVME_PAGE);
	if (admin_sync(c, &cmd))
		return -1;
	dcache_inval_range((uintptr_t)c->page, NVME_PAGE);
	return 0;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Identify Namespace (NVM Command Set 1.0, 4.1.5.1): NSZE at 0, FLBAS at 26, LBAF at 128. */
static void identify_namespaces(struct nvme_ctrl *c)
{
	uint32_t nn = c->id.nn < NVME_MAX_NS ? c->id.nn : NVME_MAX_NS;

	c->n_ns = 0;
	for (uint32_t nsid = 1; nsid <= nn; nsid++) {
		struct nvme_ns *ns = &c->ns[c->n_ns];
		unsigned int fmt;

		if (identify(c, NVME_CNS_NS, nsid))
			continue;
		ns->nsid = nsid;
		ns->nsze = le64(c->page);
		fmt = c->page[26] & 0xf;
		ns->lba_shift = c->page[128 + 4 * fmt + 2]; /* LBADS */
		if (!ns->nsze || ns->lba_shift < 9 || ns->lba_shift > 12)
			continue; /* inactive, or a block size we do not serve */
		c->n_ns++;
	}
}

static int create_io_queues(struct nvme_ctrl *c, struct err_why *why)
{
	for (unsigned int i = 0; i < c->n_io; i++) {
		struct nvme_queue *q = &c->io[i];
		struct nvme_sqe cq = { .cdw0 = NVME_ADMIN_CREATE_CQ },
				sq = { .cdw0 = NVME_ADMIN_CREATE_SQ };
		int st;

		queue_reset(q);
		queue_doorbells(c, q);
		cq.prp1 = q->cq_pa;
		cq.cdw10 = (uint32_t)(q->entries - 1) << 16 | q->qid; /* QSIZE is 0's based */
		/* Base 2.0, 5.4, Figure 474: IEN and IV, or IEN = 0: polled only. */
		cq.cdw11 =
			NVME_QUEUE_PC |
			(c->irq_vec[i] ? NVME_CQ_IEN | (uint32_t)c->irq_vec[i] << NVME_CQ_IV_SHIFT
				       : 0);
		st = admin_sync(c, &cq);
		if (st)
			return err_fail(why, E_IO, "Create I/O CQ %u failed (status 0x%x)", q->qid,
					(unsigned int)st);
		sq.prp1 = q->sq_pa;
		sq.cdw10 = (uint32_t)(q->entries - 1) << 16 | q->qid;
		sq.cdw11 = (uint32_t)q->qid << 16 | NVME_QUEUE_PC; /* its CQ, priority 0 */
		st = admin_sync(c, &sq);
		if (st)
			return err_fail(why, E_IO, "Create I/O SQ %u failed (status 0x%x)", q->qid,
					(unsigned int)st);
	}
	return 0;
}

/* Admin queue set up and the controller enabled, from a disabled controller. */
static int enable(struct nvme_ctrl *c, struct err_why *why)
{
	queue_reset(&c->admin);
	queue_doorbells(c, &c->admin);
	mmio_write32(c->bar + NVME_REG_AQA,
		     (uint32_t)(c->admin.entries - 1) << 16 | (uint32_t)(c->admin.entries - 1));
	mmio_write64(c->bar + NVME_REG_ASQ, c->admin.sq_pa);
	mmio_write64(c->bar + NVME_REG_ACQ, c->admin.cq_pa);
	/* The queue addresses are written before the enable that makes the controller use them. */
	dsb(st);
	mmio_write32(c->bar + NVME_REG_CC, NVME_CC_EN | NVME_CC_IOSQES_64 | NVME_CC_IOCQES_16);
	if (!wait_csts(c, NVME_CSTS_RDY, NVME_CSTS_RDY))
		return err_fail(why, E_IO, "the controller did not become ready (CSTS 0x%x)",
				mmio_read32(c->bar + NVME_REG_CSTS));
	return 0;
}

int nvme_ctrl_init(struct nvme_ctrl *c, uintptr_t bar, unsigned int n_io, uint16_t entries,
		   nvme_alloc_fn alloc, void *alloc_ctx, struct err_why *why)
{
	int st;

	c->bar = bar;
	c->up = false;
	nvme_decode_cap(mmio_read64(bar + NVME_REG_CAP), &c->cap);
	if (c->cap.page_min > NVME_PAGE)
		return err_fail(why, E_NOTSUP, "the controller's smallest page is above 4 KiB");
	if (!(c->cap.css & NVME_CAP_CSS_NVM))
		return err_fail(why, E_NOTSUP, "the controller has no NVM command set");
	if (!n_io || n_io > NVME_MAX_IOQ)
		return err_fail(why, E_INVAL, "1 to %u I/O queues", NVME_MAX_IOQ);
	if (entries > c->cap.max_queue_entries)
		entries = (uint16_t)c->cap.max_queue_entries;
	if (entries < 2)
		return err_fail(why, E_NOTSUP, "the controller's queues are too small");
	if (!nvme_ctrl_disable(c))
		return err_fail(why, E_IO, "the controller did not reset");
	if (!c->page)
		c->page = alloc(alloc_ctx, 1, &c->page_pa);
	if (!c->page || queue_alloc(&c->admin, 0, NVME_ADMIN_ENTRIES, alloc, alloc_ctx))
		return err_fail(why, E_NOMEM, "no memory for the admin queue");
	for (unsigned int i = 0; i < n_io; i++)
		if (queue_alloc(&c->io[i], (uint16_t)(i + 1), entries, alloc, alloc_ctx))
			return err_fail(why, E_NOMEM, "no memory for the I/O queues");
	c->n_io = n_io;
	c->io_entries = entries;
	st = enable(c, why);
	if (st)
		return st;
	if (identify(c, NVME_CNS_CTRL, 0))
		return err_fail(why, E_IO, "Identify Controller failed");
	nvme_decode_id_ctrl(c->page, &c->id);
	/* MDTS is in units of the minimum page (CAP.MPSMIN), 0 = no limit (Figure 275). */
	c->max_xfer = NVME_PRP_LIST_MAX * NVME_PAGE; /* PRP1 and a full list from any offset */
	if (c->id.mdts && c->id.mdts < 20 && (c->cap.page_min << c->id.mdts) < c->max_xfer)
		c->max_xfer = c->cap.page_min << c->id.mdts;
	identify_namespaces(c);
	st = set_num_queues(c, why);
	if (st)
		return st;
	if (c->io_granted < c->n_io)
		c->n_io = c->io_granted;
	st = create_io_queues(c, why);
	if (st)
		return st;
	c->up = true;
	return 0;
}

int nvme_ctrl_reset(struct nvme_ctrl *c, struct err_why *why)
{
	int ret;

	c->resets++;
	if (!nvme_ctrl_disable(c))
		return err_fail(why, E_IO, "the controller did not reset (CSTS 0x%x)",
				mmio_read32(c->bar + NVME_REG_CSTS));
	ret = enable(c, why);
	if (ret)
		return ret;
	/* The engines keep the queues they have: fewer after a reset cannot be served. */
	ret = set_num_queues(c, why);
	if (ret)
		return ret;
	if (c->io_granted < c->n_io)
		return err_fail(why, E_IO,
				"after the reset the controller grants %u I/O queues, not %u",
				c->io_granted, c->n_io);
	ret = create_io_queues(c, why);
	if (!ret)
		c->up = true;
	return ret;
}

const struct nvme_ns *nvme_ctrl_ns(const struct nvme_ctrl *c, uint32_t nsid)
{
	for (unsigned int i = 0; i < c->n_ns; i++)
		if (c->ns[i].nsid == nsid)
			return &c->ns[i];
	return NULL;
}

int nvme_prp_build(uint64_t pa, uint64_t len, uint64_t *list, uint64_t list_pa,
		   unsigned int list_max, uint64_t *prp1, uint64_t *prp2)
{
	uint64_t first = NVME_PAGE - (pa & (NVME_PAGE - 1)); /* bytes in PRP1's page */
	uint64_t page, end;
	unsigned int n = 0;

	/* PRP entries: bits 1:0 are zero (dword aligned), 4.1.1. */
	if (!len || (pa & 3) || pa + len < pa)
		return E_INVAL;
	*prp1 = pa;
	*prp2 = 0;
	if (len <= first)
		return 0;
	page = pa - (pa & (NVME_PAGE - 1)) + NVME_PAGE;
	end = pa + len;
	if (end - page <= NVME_PAGE) {
		*prp2 = page; /* exactly two pages: PRP2 is the second one itself */
		return 0;
	}
	/* A list that stays inside one page (a list crossing a page would need chaining). */
	if ((list_pa & 7) || (list_pa & (NVME_PAGE - 1)) + (uint64_t)list_max * 8 > NVME_PAGE)
		return E_INVAL;
	for (; page < end; page += NVME_PAGE) {
		if (n == list_max)
			return E_RANGE;
		list[n++] = page;
	}
	*prp2 = list_pa;
	return (int)n;
}

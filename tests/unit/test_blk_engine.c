// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The block engine (dataplane/blk.c) and the NVMe driver (kernel/drivers/nvme.c) against a
 * fake controller behind the fake arch's MMIO: bring-up, commands as the controller sees them,
 * one doorbell per pass, completions on the guest's ring, the queue-depth limit, round robin,
 * a detach that waits for what is at the controller, timeouts and fatal status.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"

#include "dataplane/blk.h"
#include "fake.h"
#include "kernel/arch/timer.h"
#include "kernel/lib/err.h"

#define BAR	 0x10000000UL
#define ENTRIES	 32
#define NS_SIZE	 1000
#define RAM_SIZE (1 << 20)

/* ---- the fake controller ---- */

struct fq {
	uint64_t sq, cq; /* host addresses */
	uint16_t size, head, cq_tail, phase;
	bool live;
};

static struct {
	uint32_t cc, csts, aqa;
	uint64_t asq, acq;
	struct fq q[3];		 /* admin, I/O 1 */
	struct nvme_sqe io[256]; /* I/O commands fetched, not completed */
	unsigned int n_io;
	unsigned int doorbells, enables;
	uint32_t queues_asked; /* the last Number of Queues' CDW11 */
	uint32_t queues_dw0;   /* what it answers: NCQA << 16 | NSQA, 0's based */
	uint32_t next_dw0;     /* Dword 0 of the next completion posted */
	bool msi_masked;       /* the I/O queue's MSI-X vector (blk_wake_ops.msi_mask) */
	unsigned int doorbells_unmasked;
} ctl;

static void post(unsigned int qid, uint16_t cid, uint16_t status)
{
	struct fq *q = &ctl.q[qid];
	struct nvme_cqe *e = (struct nvme_cqe *)(uintptr_t)q->cq + q->cq_tail;

	*e = (struct nvme_cqe){ .dw0 = ctl.next_dw0,
				.sqhd = q->head,
				.sqid = (uint16_t)qid,
				.cid = cid,
				.status = (uint16_t)(status << 1 | q->phase) };
	ctl.next_dw0 = 0;
	if (++q->cq_tail == q->size) {
		q->cq_tail = 0;
		q->phase ^= 1;
	}
}

static void admin(const struct nvme_sqe *c)
{
	uint8_t *page = (uint8_t *)(uintptr_t)c->prp1;
	uint16_t cid = (uint16_t)(c->cdw0 >> 16), qid = (uint16_t)c->cdw10;

	switch (c->cdw0 & 0xff) {
	case NVME_ADMIN_IDENTIFY:
		memset(page, 0, 4096);
		if (c->cdw10 == 1) {
			page[516] = 1; /* NN */
		} else if (c->nsid == 1) {
			uint64_t n = NS_SIZE;

			memcpy(page, &n, 8);
			page[130] = 9; /* LBAF0.LBADS: 512-byte blocks */
		}
		break;
	case NVME_ADMIN_CREATE_CQ:
		ctl.q[qid] = (struct fq){ .cq = c->prp1,
					  .size = (uint16_t)((c->cdw10 >> 16) + 1),
					  .phase = 1 };
		break;
	case NVME_ADMIN_CREATE_SQ:
		ctl.q[qid].sq = c->prp1;
		ctl.q[qid].live = true;
		break;
	case NVME_ADMIN_SET_FEAT:
		if (c->cdw10 == NVME_FEAT_NUM_QUEUES) {
			ctl.queues_asked = c->cdw11;
			ctl.next_dw0 = ctl.queues_dw0;
		}
		break;
	default:
		break;
	}
	post(0, cid, 0);
}

static void fetch(unsigned int qid, uint16_t tail)
{
	struct fq *q = &ctl.q[qid];

	while (q->head != tail) {
		const struct nvme_sqe *c = (const struct nvme_sqe *)(uintptr_t)q->sq + q->head;

		q->head = (uint16_t)((q->head + 1) % q->size);
		if (qid == 0)
			admin(c);
		else
			ctl.io[ctl.n_io++] = *c;
	}
}

static uint64_t mmio(uintptr_t addr, unsigned int size, bool write, uint64_t v)
{
	unsigned int off = (unsigned int)(addr - BAR);

	(void)size;
	if (!write) {
		switch (off) {
		case NVME_REG_CAP: /* MQES 1023, CQR, TO 1, DSTRD 0, CSS NVM, MPSMIN 0 */
			return 1023 | 1ULL << 16 | 1ULL << 24 | 1ULL << 37;
		case NVME_REG_CSTS:
			return ctl.csts;
		default:
			return 0;
		}
	}
	if (off == NVME_REG_CC) {
		ctl.cc = (uint32_t)v;
		if (v & 1) {
			ctl.enables++;
			ctl.csts = 1;
			ctl.q[0] = (struct fq){ .sq = ctl.asq,
						.cq = ctl.acq,
						.size = (uint16_t)((ctl.aqa & 0xfff) + 1),
						.phase = 1,
						.live = true };
			ctl.q[1].live = false;
		} else {
			ctl.csts = 0;
		}
	} else if (off == NVME_REG_AQA) {
		ctl.aqa = (uint32_t)v;
	} else if (off == NVME_REG_ASQ) {
		ctl.asq = v;
	} else if (off == NVME_REG_ACQ) {
		ctl.acq = v;
	} else if (off >= NVME_DOORBELL0) {
		unsigned int db = (off - NVME_DOORBELL0) / 4;

		if (db % 2 == 0) { /* SQ tail */
			if (db / 2 == 1) {
				ctl.doorbells++;
				ctl.doorbells_unmasked += !ctl.msi_masked;
			}
			fetch(db / 2, (uint16_t)v);
		}
	}
	return 0;
}

/* The controller finishes the I/O command fetched k-th with 'status'. */
static void complete_io(unsigned int k, uint16_t status)
{
	post(1, (uint16_t)(ctl.io[k].cdw0 >> 16), status);
}

/* ---- the hypervisor side ---- */

/* The hypervisor's memory (VA = PA here), handed out in pages from the start each setup(). */
static uint8_t arena[64 * 4096] __attribute__((aligned(4096)));
static size_t arena_used;

static void *alloc(void *c, unsigned int pages, uint64_t *pa)
{
	void *p = arena + arena_used;

	(void)c;
	if (arena_used + (size_t)pages * 4096 > sizeof(arena))
		return NULL;
	arena_used += (size_t)pages * 4096;
	memset(p, 0, (size_t)pages * 4096);
	*pa = (uint64_t)(uintptr_t)p;
	return p;
}

static struct nvme_ctrl nc;
static struct blk_engine eng;
static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096))); /* the VMs' RAM and rings */

/* A guest: its ends of the two rings, in its RAM at 'off'. */
struct guest {
	struct spsc_prod req;
	struct spsc_cons cpl;
	unsigned int idx;
	uint64_t ipa;
};

#define CAP 64

static void guest_attach_on(struct blk_engine *e, struct guest *g, uint64_t off, uint64_t start,
			    uint32_t qd)
{
	uint8_t *base = ram + off;
	struct blk_disk t = { 0 };

	memset(base, 0, blk_region_size(CAP));
	spsc_prod_attach(&g->req, (struct spsc_shared *)base, base + BLK_RING_SLOTS, CAP,
			 BLK_REQ_SIZE, 0);
	spsc_cons_attach(&g->cpl, (struct spsc_shared *)(base + BLK_RING_CPL),
			 base + BLK_RING_SLOTS + CAP * BLK_REQ_SIZE, CAP, BLK_CPL_SIZE, 0);
	spsc_cons_attach(&t.req, (struct spsc_shared *)base, base + BLK_RING_SLOTS, CAP,
			 BLK_REQ_SIZE, 0);
	spsc_prod_attach(&t.cpl, (struct spsc_shared *)(base + BLK_RING_CPL),
			 base + BLK_RING_SLOTS + CAP * BLK_REQ_SIZE, CAP, BLK_CPL_SIZE, 0);
	t.share = (struct blk_share){ .nsid = 1, .lba_shift = 9, .start = start, .count = 100 };
	t.mem = (struct blk_mem){ .ipa = 0x40000000,
				  .size = RAM_SIZE,
				  .pa = (uint64_t)(uintptr_t)ram };
	t.qd_limit = qd;
	CHECK_EQ_U64(blk_engine_attach(e, &t, &g->idx), 0);
}

static void guest_attach(struct guest *g, uint64_t off, uint64_t start, uint32_t qd)
{
	guest_attach_on(&eng, g, off, start, qd);
}

static void send(struct guest *g, uint8_t op, uint64_t lba, uint32_t count, uint64_t buf_off,
		 uint64_t tag)
{
	struct blk_req r = {
		.tag = tag, .op = op, .count = count, .lba = lba, .buf = 0x40000000 + buf_off
	};

	CHECK(spsc_prod_enqueue(&g->req, &r));
}

static unsigned int take(struct guest *g, struct blk_cpl *out, unsigned int max)
{
	return spsc_cons_dequeue_burst(&g->cpl, out, max);
}

/* A fake controller just out of reset behind BAR, an empty arena, no driver state. */
static void fresh_controller(void)
{
	fake_reset();
	arena_used = 0;
	memset(&ctl, 0, sizeof(ctl));
	memset(&nc, 0, sizeof(nc));
	fake_mmio_handler = mmio;
}

static void setup(void)
{
	struct err_why why = { 0 };
	uint64_t pa;
	void *mem;

	fresh_controller();
	CHECK_EQ_U64(nvme_ctrl_init(&nc, BAR, 1, ENTRIES, alloc, NULL, &why), 0);
	CHECK_EQ_U64(nc.n_ns, 1);
	CHECK_EQ_U64(nc.ns[0].nsze, NS_SIZE);
	CHECK(ctl.q[1].live);
	mem = alloc(NULL, (unsigned int)((blk_engine_mem_size(ENTRIES) + 4095) / 4096), &pa);
	blk_engine_init(&eng, &nc, &nc.io[0], mem, pa, 8);
	memset(ram, 0, RAM_SIZE);
}

static void test_commands_and_one_doorbell(void)
{
	struct guest g;
	struct blk_cpl c[8];

	setup();
	guest_attach(&g, 0x80000, 10, 16);
	for (unsigned int i = 0; i < 5; i++)
		send(&g, BLK_OP_READ, i * 8, 8, 0x1000 * i + 0x200, 100 + i);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 5);
	CHECK_EQ_U64(ctl.doorbells, 1); /* five commands, one doorbell */
	CHECK_EQ_U64(ctl.io[1].cdw0 & 0xff, NVME_CMD_READ);
	CHECK_EQ_U64(ctl.io[1].cdw10, 10 + 8); /* the share's start added */
	CHECK_EQ_U64(ctl.io[1].cdw12, 7);      /* NLB, 0's based */
	CHECK_EQ_U64(ctl.io[1].prp1, (uint64_t)(uintptr_t)ram + 0x1200);
	CHECK_EQ_U64(ctl.io[1].prp2, (uint64_t)(uintptr_t)ram + 0x2000); /* crosses a page */
	CHECK_EQ_U64(take(&g, c, 8), 0);
	complete_io(3, 0);
	complete_io(1, 0x281); /* SCT 2, SC 0x81: an unrecovered read error */
	blk_engine_poll(&eng);
	CHECK_EQ_U64(take(&g, c, 8), 2);
	CHECK_EQ_U64(c[0].tag, 103);
	CHECK_EQ_U64(c[0].status, BLK_OK);
	CHECK_EQ_U64(c[1].tag, 101);
	CHECK_EQ_U64(c[1].status, BLK_E_IO);
	CHECK_EQ_U64(c[1].nvme, 0x281);
	/* A bad request never reaches the controller. */
	send(&g, BLK_OP_READ, 99, 2, 0, 7);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 5);
	CHECK_EQ_U64(take(&g, c, 8), 1);
	CHECK_EQ_U64(c[0].status, BLK_E_RANGE);
}

static void test_queue_depth_and_round_robin(void)
{
	struct guest a, b;
	struct blk_cpl c[64];
	unsigned int from_a = 0;

	setup();
	guest_attach(&a, 0x80000, 0, 4);
	guest_attach(&b, 0x90000, 100, 16);
	for (unsigned int i = 0; i < 20; i++) {
		send(&a, BLK_OP_WRITE, i, 1, 0x1000, i);
		send(&b, BLK_OP_WRITE, i, 1, 0x2000, i);
	}
	blk_engine_poll(&eng);
	/* a: its limit of 4; b: one burst of 8; both in the same pass. */
	CHECK_EQ_U64(ctl.n_io, 12);
	for (unsigned int k = 0; k < ctl.n_io; k++)
		from_a += ctl.io[k].cdw10 < 100;
	CHECK_EQ_U64(from_a, 4);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 20); /* b's next burst; a still at its limit */
	for (unsigned int k = 0, n = 0; k < ctl.n_io && n < 2; k++)
		if (ctl.io[k].cdw10 < 100) {
			complete_io(k, 0); /* two of a's */
			n++;
		}
	blk_engine_poll(&eng);
	CHECK_EQ_U64(take(&a, c, 64), 2);
	CHECK_EQ_U64(take(&b, c, 64), 0);
	from_a = 0;
	for (unsigned int k = 0; k < ctl.n_io; k++)
		from_a += ctl.io[k].cdw10 < 100;
	CHECK_EQ_U64(from_a, 6); /* two slots freed, two more of a's taken */
}

/* Where a VM's next queue goes: spread over the engines first, then the least loaded. */
static void test_pick_engine(void)
{
	unsigned int load[4] = { 0 }, mine[4] = { 0 };
	int e;

	/* A VM's four queues on two idle engines: queue k on engine k mod 2. */
	for (unsigned int k = 0; k < 4; k++) {
		e = blk_pick_engine(load, mine, 2);
		CHECK_EQ_U64(e, k % 2);
		load[e]++;
		mine[e]++;
	}
	/* Another VM: the least loaded engine, the lowest-numbered on a tie. */
	memset(mine, 0, sizeof(mine));
	load[0] = 3;
	load[1] = 2;
	CHECK_EQ_U64(blk_pick_engine(load, mine, 2), 1);
	load[1] = 3;
	CHECK_EQ_U64(blk_pick_engine(load, mine, 2), 0);
	/* The VM's own queues count first: a busier engine it is not on yet wins. */
	load[0] = 6;
	load[1] = 1;
	mine[1] = 1;
	CHECK_EQ_U64(blk_pick_engine(load, mine, 2), 0);
	/* A full engine is skipped; all full: none. */
	load[0] = BLK_MAX_DISKS;
	CHECK_EQ_U64(blk_pick_engine(load, mine, 2), 1);
	load[1] = BLK_MAX_DISKS;
	CHECK(blk_pick_engine(load, mine, 2) < 0);
	CHECK(blk_pick_engine(load, mine, 0) < 0);
}

/* A disk's share of a pass: two queues of one VM on one engine take no more than one burst. */
static void test_disk_burst_share(void)
{
	struct guest a, b;
	struct blk_disk t = { 0 };

	setup();
	guest_attach(&a, 0x80000, 0, 16);
	guest_attach(&b, 0x90000, 100, 16);
	/* Both halves of the engine's burst of 8, as vdisk gives a VM's two queues on it. */
	eng.disks[a.idx].burst = eng.disks[b.idx].burst = 4;
	for (unsigned int i = 0; i < 10; i++) {
		send(&a, BLK_OP_WRITE, i, 1, 0x1000, i);
		send(&b, BLK_OP_WRITE, i, 1, 0x2000, i);
	}
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 8);
	/* What the attach makes of a template's burst: its own when smaller, else the engine's. */
	t.kind = BLK_KIND_VIRTQ;
	t.vq.size = 8;
	t.burst = 3;
	t.queue = 2;
	CHECK_EQ_U64(blk_engine_attach(&eng, &t, &a.idx), 0);
	CHECK_EQ_U64(eng.disks[a.idx].burst, 3);
	CHECK_EQ_U64(eng.disks[a.idx].queue, 2);
	t.burst = 0;
	CHECK_EQ_U64(blk_engine_attach(&eng, &t, &b.idx), 0);
	CHECK_EQ_U64(eng.disks[b.idx].burst, 8);
	t.burst = 100;
	CHECK_EQ_U64(blk_engine_attach(&eng, &t, &b.idx), 0);
	CHECK_EQ_U64(eng.disks[b.idx].burst, 8);
}

static void test_detach_waits_for_the_controller(void)
{
	struct guest g;
	struct blk_cpl c[8];

	setup();
	guest_attach(&g, 0x80000, 0, 16);
	send(&g, BLK_OP_READ, 0, 8, 0x1000, 1);
	send(&g, BLK_OP_READ, 8, 8, 0x2000, 2);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 2);
	CHECK(!blk_engine_detach(&eng, g.idx, true));
	send(&g, BLK_OP_READ, 16, 8, 0x3000, 3);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 2); /* nothing new taken from a disk going away */
	CHECK(!blk_engine_detach(&eng, g.idx, true));
	complete_io(0, 0);
	blk_engine_poll(&eng);
	CHECK(!blk_engine_detach(&eng, g.idx, true)); /* one still at the controller */
	complete_io(1, 0);
	blk_engine_poll(&eng);
	CHECK(blk_engine_detach(&eng, g.idx, true));
	CHECK_EQ_U64(take(&g, c, 8), 0); /* nothing written into its RAM after the request */
	CHECK_EQ_U64(eng.disks[g.idx].st.dropped, 2);
	CHECK_EQ_U64(eng.n_free, ENTRIES - 1);
}

static void test_full_completion_ring_holds_the_disk(void)
{
	struct guest g;
	struct blk_cpl c[CAP];
	unsigned int got = 0;

	setup();
	guest_attach(&g, 0x80000, 0, 16);
	for (unsigned int round = 0; round < 8; round++) {
		for (unsigned int i = 0; i < 8; i++)
			send(&g, BLK_OP_FLUSH, 0, 0, 0, round * 8 + i);
		blk_engine_poll(&eng);
		for (unsigned int k = ctl.n_io - 8; k < ctl.n_io; k++)
			complete_io(k, 0);
		blk_engine_poll(&eng);
	}
	CHECK_EQ_U64(ctl.n_io, 64);
	/* The completion ring (64) is full: the next completions wait, and no new request. */
	for (unsigned int i = 0; i < 8; i++)
		send(&g, BLK_OP_FLUSH, 0, 0, 0, 64 + i);
	blk_engine_poll(&eng);
	for (unsigned int k = 64; k < ctl.n_io; k++)
		complete_io(k, 0);
	blk_engine_poll(&eng);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 72);
	send(&g, BLK_OP_FLUSH, 0, 0, 0, 99);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 72);
	got = take(&g, c, CAP);
	CHECK_EQ_U64(got, CAP);
	blk_engine_poll(&eng); /* the held completions go out, the new request goes in */
	CHECK_EQ_U64(take(&g, c, CAP), 8);
	CHECK_EQ_U64(c[0].tag, 64);
	CHECK_EQ_U64(ctl.n_io, 73);
}

static void test_timeout_and_fatal_reset(void)
{
	struct guest g;
	struct blk_cpl c[8];

	setup();
	guest_attach(&g, 0x80000, 0, 16);
	send(&g, BLK_OP_READ, 0, 1, 0x1000, 1);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.enables, 1);
	/* Six seconds later (62.5 MHz counter) the command is declared lost. */
	fake_sysreg_set("cntpct_el0", fake_sysreg_get("cntpct_el0") + 6ULL * 62500000);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(eng.timeouts, 1);
	CHECK_EQ_U64(eng.resets, 1);
	CHECK_EQ_U64(ctl.enables, 2); /* disabled and enabled again, queues recreated */
	CHECK(ctl.q[1].live);
	CHECK_EQ_U64(take(&g, c, 8), 1);
	CHECK_EQ_U64(c[0].status, BLK_E_ABORTED);
	/* The engine serves again after the reset, from queue index 0. */
	ctl.n_io = 0;
	send(&g, BLK_OP_READ, 0, 1, 0x1000, 2);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 1);
	complete_io(0, 0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(take(&g, c, 8), 1);
	CHECK_EQ_U64(c[0].tag, 2);
	CHECK_EQ_U64(c[0].status, BLK_OK);
	/* Controller Fatal Status: the same. */
	send(&g, BLK_OP_WRITE, 0, 1, 0x1000, 3);
	blk_engine_poll(&eng);
	ctl.csts |= 2;
	fake_sysreg_set("cntpct_el0", fake_sysreg_get("cntpct_el0") + 62500000);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(eng.fatal, 1);
	CHECK_EQ_U64(eng.resets, 2);
	CHECK_EQ_U64(take(&g, c, 8), 1);
	CHECK_EQ_U64(c[0].tag, 3);
	CHECK_EQ_U64(c[0].status, BLK_E_ABORTED);
	CHECK(!eng.ctrl_down);
}

/* Set Features Number of Queues: as many pairs as asked for, or as the controller grants. */
static void test_queues_the_controller_grants(void)
{
	struct err_why why = { 0 };

	fresh_controller();
	ctl.queues_dw0 = 0; /* one SQ and one CQ */
	CHECK_EQ_U64(nvme_ctrl_init(&nc, BAR, 2, ENTRIES, alloc, NULL, &why), 0);
	CHECK_EQ_U64(ctl.queues_asked, 0x00010001);
	CHECK_EQ_U64(nc.io_granted, 1);
	CHECK_EQ_U64(nc.n_io, 1);
	CHECK(ctl.q[1].live);
	CHECK(!ctl.q[2].live);

	memset(&ctl, 0, sizeof(ctl));
	memset(&nc, 0, sizeof(nc));
	arena_used = 0;
	ctl.queues_dw0 = 7u << 16 | 3u; /* 4 SQs, 8 CQs: 4 pairs */
	CHECK_EQ_U64(nvme_ctrl_init(&nc, BAR, 2, ENTRIES, alloc, NULL, &why), 0);
	CHECK_EQ_U64(nc.io_granted, 4);
	CHECK_EQ_U64(nc.n_io, 2);
	CHECK(ctl.q[1].live && ctl.q[2].live);
	CHECK_EQ_U64(nc.io[1].qid, 2);

	/* A reset that grants fewer than the queues in use fails and says so. */
	ctl.queues_dw0 = 0;
	CHECK_EQ_U64(nvme_ctrl_reset(&nc, &why), E_IO);
	CHECK(!nc.up);
	CHECK_EQ_U64(nc.n_io, 2);
}

/*
 * Two engines on one controller, each with its own queue pair: each guest's requests go to its
 * engine's queue only; a timeout on one engine resets the controller for both, and only after
 * both failed what they had at it; then both serve again.
 */
static void test_two_engines_share_a_controller(void)
{
	static struct blk_engine eng2;
	struct blk_group grp;
	struct err_why why = { 0 };
	struct guest g1, g2;
	struct blk_cpl c[8];
	uint64_t pa;
	void *mem;

	fresh_controller();
	memset(ram, 0, RAM_SIZE);
	ctl.queues_dw0 = 1u << 16 | 1u; /* two pairs */
	CHECK_EQ_U64(nvme_ctrl_init(&nc, BAR, 2, ENTRIES, alloc, NULL, &why), 0);
	CHECK_EQ_U64(nc.n_io, 2);
	blk_group_init(&grp, 2);
	mem = alloc(NULL, (unsigned int)((blk_engine_mem_size(ENTRIES) + 4095) / 4096), &pa);
	blk_engine_init(&eng, &nc, &nc.io[0], mem, pa, 8);
	blk_engine_join(&eng, &grp, true);
	mem = alloc(NULL, (unsigned int)((blk_engine_mem_size(ENTRIES) + 4095) / 4096), &pa);
	CHECK(mem != NULL);
	blk_engine_init(&eng2, &nc, &nc.io[1], mem, pa, 8);
	blk_engine_join(&eng2, &grp, false);
	guest_attach_on(&eng, &g1, 0x80000, 0, 16);
	guest_attach_on(&eng2, &g2, 0x90000, 100, 16);

	send(&g1, BLK_OP_READ, 1, 1, 0x1000, 11);
	send(&g2, BLK_OP_READ, 2, 1, 0x2000, 21);
	send(&g2, BLK_OP_READ, 3, 1, 0x3000, 22);
	blk_engine_poll(&eng);
	blk_engine_poll(&eng2);
	/* Each engine rang its own queue's doorbell for its own guest's requests. */
	CHECK_EQ_U64(nc.io[0].submitted, 1);
	CHECK_EQ_U64(nc.io[1].submitted, 2);
	CHECK_EQ_U64(ctl.n_io, 3);
	CHECK_EQ_U64(ctl.io[0].cdw10, 1);
	CHECK_EQ_U64(ctl.io[1].cdw10, 102);
	post(2, (uint16_t)(ctl.io[1].cdw0 >> 16), 0);
	post(1, (uint16_t)(ctl.io[0].cdw0 >> 16), 0);
	blk_engine_poll(&eng);
	blk_engine_poll(&eng2);
	CHECK_EQ_U64(take(&g1, c, 8), 1);
	CHECK_EQ_U64(c[0].tag, 11);
	CHECK_EQ_U64(take(&g2, c, 8), 1);
	CHECK_EQ_U64(c[0].tag, 21);
	CHECK_EQ_U64(eng.completed + eng2.completed * 10, 11);

	/* Tag 22 is lost at the controller: engine 2 times it out and asks for a reset. */
	send(&g1, BLK_OP_READ, 4, 1, 0x1000, 12);
	blk_engine_poll(&eng);
	fake_sysreg_set("cntpct_el0", fake_sysreg_get("cntpct_el0") + 6ULL * 62500000);
	blk_engine_poll(&eng2);
	CHECK_EQ_U64(eng2.timeouts, 1);
	CHECK_EQ_U64(ctl.enables, 1);
	/* The leader cannot reset while engine 2 still has its queue: it parks and waits. */
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.enables, 1);
	CHECK(eng.parked);
	CHECK_EQ_U64(take(&g1, c, 8), 1); /* its own command failed first */
	CHECK_EQ_U64(c[0].tag, 12);
	CHECK_EQ_U64(c[0].status, BLK_E_ABORTED);
	send(&g1, BLK_OP_READ, 5, 1, 0x1000, 13); /* not taken while parked */
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.enables, 1);
	CHECK_EQ_U64(nc.io[0].submitted, 2);
	/* Engine 2 fails its command and parks; the leader then resets the controller. */
	blk_engine_poll(&eng2);
	CHECK_EQ_U64(take(&g2, c, 8), 1);
	CHECK_EQ_U64(c[0].tag, 22);
	CHECK_EQ_U64(c[0].status, BLK_E_ABORTED);
	CHECK_EQ_U64(ctl.enables, 1);
	ctl.n_io = 0;
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.enables, 2);
	CHECK(ctl.q[1].live && ctl.q[2].live);
	CHECK(!eng.parked && !eng.ctrl_down);
	CHECK_EQ_U64(eng.resets, 1);
	CHECK_EQ_U64(ctl.n_io, 1); /* the waiting request went in, on the new queue */
	CHECK_EQ_U64(ctl.io[0].cdw10, 5);
	/* Engine 2 serves again too, from index 0 of its recreated queue. */
	send(&g2, BLK_OP_WRITE, 6, 1, 0x2000, 23);
	blk_engine_poll(&eng2);
	CHECK(!eng2.parked);
	CHECK_EQ_U64(eng2.resets, 1);
	CHECK_EQ_U64(ctl.n_io, 2);
	CHECK_EQ_U64(ctl.io[1].cdw10, 106);
	post(2, (uint16_t)(ctl.io[1].cdw0 >> 16), 0);
	blk_engine_poll(&eng2);
	CHECK_EQ_U64(take(&g2, c, 8), 1);
	CHECK_EQ_U64(c[0].tag, 23);
	CHECK_EQ_U64(c[0].status, BLK_OK);
	/* A reset asked for from outside (the shell) goes the same way, once for both. */
	blk_group_reset(&grp);
	blk_group_reset(&grp);
	blk_engine_poll(&eng);
	blk_engine_poll(&eng2);
	blk_engine_poll(&eng);
	blk_engine_poll(&eng2);
	CHECK_EQ_U64(ctl.enables, 3);
	CHECK(!eng.parked && !eng2.parked);
	CHECK_EQ_U64(eng.resets + eng2.resets, 4);
	CHECK_EQ_U64(take(&g1, c, 8), 1); /* tag 13, at the controller at the reset */
	CHECK_EQ_U64(c[0].status, BLK_E_ABORTED);
}

/* ---- a virtio-blk guest: its split virtqueue in its RAM at 0xa0000 ---- */

#define VQ_OFF	 0xa0000
#define VQ_N	 8
#define VQ_DESC	 (ram + VQ_OFF)
#define VQ_AVAIL (ram + VQ_OFF + 0x1000)
#define VQ_USED	 (ram + VQ_OFF + 0x2000)
#define VQ_HDRS	 (VQ_OFF + 0x3000) /* a header and a status byte per chain, 32 bytes apart */
#define RAM_IPA	 0x40000000ULL

static unsigned int notified;
static uint16_t vq_avail_idx;

static void vq_notify(void *ctx)
{
	(void)ctx;
	notified++;
}

static void vq_attach_ev(unsigned int *idx, bool event_idx)
{
	struct blk_disk t = { 0 };

	memset(ram + VQ_OFF, 0, 0x4000);
	vq_avail_idx = 0;
	notified = 0;
	t.kind = BLK_KIND_VIRTQ;
	t.vq.desc = (struct virtq_desc *)(void *)VQ_DESC;
	t.vq.avail = VQ_AVAIL;
	t.vq.used = VQ_USED;
	t.vq.size = VQ_N;
	t.share = (struct blk_share){ .nsid = 1, .lba_shift = 9, .start = 200, .count = 100 };
	t.mem = (struct blk_mem){ .ipa = RAM_IPA,
				  .size = RAM_SIZE,
				  .pa = (uint64_t)(uintptr_t)ram };
	t.qd_limit = VQ_N;
	t.notify = vq_notify;
	t.vq.event_idx = event_idx;
	memcpy(t.vq.id, "sn-1-200\0\0\0\0\0\0\0\0\0\0\0\0", VIRTIO_BLK_ID_BYTES);
	CHECK_EQ_U64(blk_engine_attach(&eng, &t, idx), 0);
}

static void vq_attach(unsigned int *idx)
{
	vq_attach_ev(idx, false);
}

/* Chain at heads h, h+1, h+2 (header, data segments at the RAM offsets given, status). */
static void vq_chain(uint16_t h, uint32_t type, uint64_t sector, const uint64_t *data,
		     unsigned int n_data, uint32_t len)
{
	struct virtq_desc *d = (struct virtq_desc *)(void *)VQ_DESC;
	uint8_t *hdr = ram + VQ_HDRS + 32 * h;
	uint16_t w =
		type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID ? VIRTQ_DESC_F_WRITE : 0;
	uint16_t i = h;

	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	hdr[16] = 0xff; /* the status byte, until the device writes it */
	d[i] = (struct virtq_desc){ RAM_IPA + VQ_HDRS + 32 * h, 16, VIRTQ_DESC_F_NEXT,
				    (uint16_t)(i + 1) };
	for (unsigned int k = 0; k < n_data; k++, i++)
		d[i + 1] =
			(struct virtq_desc){ RAM_IPA + data[k], len,
					     (uint16_t)(VIRTQ_DESC_F_NEXT | w), (uint16_t)(i + 2) };
	d[i + 1] = (struct virtq_desc){ RAM_IPA + VQ_HDRS + 32 * h + 16, 1, VIRTQ_DESC_F_WRITE, 0 };
}

/* Make chain 'head' available (the driver's store-release of the avail index). */
static void vq_publish(uint16_t head)
{
	uint16_t *ring = (uint16_t *)(void *)(VQ_AVAIL + 4);

	ring[vq_avail_idx % VQ_N] = head;
	vq_avail_idx++;
	memcpy(VQ_AVAIL + 2, &vq_avail_idx, 2);
}

static uint16_t vq_used_idx(void)
{
	uint16_t v;

	memcpy(&v, VQ_USED + 2, 2);
	return v;
}

static struct virtq_used_elem vq_used(unsigned int k)
{
	struct virtq_used_elem e;

	memcpy(&e, VQ_USED + 4 + 8 * (k % VQ_N), 8);
	return e;
}

static uint8_t vq_status_of(uint16_t h)
{
	return ram[VQ_HDRS + 32 * h + 16];
}

/* One engine pass after which the used index is 'used', 'notifies' in all, the disk still up. */
static void poll_settles(unsigned int idx, uint16_t used, unsigned int notifies)
{
	blk_engine_poll(&eng);
	CHECK_EQ_U64(vq_used_idx(), used);
	CHECK_EQ_U64(notified, notifies);
	CHECK(!atomic_load(&eng.disks[idx].down));
}

static void test_virtq_requests(void)
{
	const uint64_t one[1] = { 0x10000 }, two[2] = { 0x12000, 0x15000 };
	unsigned int idx;

	setup();
	vq_attach(&idx);
	vq_chain(0, VIRTIO_BLK_T_IN, 8, one, 1, 4096);
	vq_chain(3, VIRTIO_BLK_T_OUT, 16, two, 2, 4096);
	vq_publish(0);
	vq_publish(3);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 2);
	CHECK_EQ_U64(ctl.doorbells, 1);
	CHECK_EQ_U64(ctl.io[0].cdw0 & 0xff, NVME_CMD_READ);
	CHECK_EQ_U64(ctl.io[0].cdw10, 208); /* sector 8 of 512 bytes, after the share's start */
	CHECK_EQ_U64(ctl.io[0].cdw12, 7);
	CHECK_EQ_U64(ctl.io[0].prp1, (uint64_t)(uintptr_t)ram + 0x10000);
	CHECK_EQ_U64(ctl.io[0].prp2, 0);
	CHECK_EQ_U64(ctl.io[1].cdw0 & 0xff, NVME_CMD_WRITE);
	CHECK_EQ_U64(ctl.io[1].cdw12, 15);
	/* Two segments on two pages: PRP1 the first, PRP2 the second page itself. */
	CHECK_EQ_U64(ctl.io[1].prp1, (uint64_t)(uintptr_t)ram + 0x12000);
	CHECK_EQ_U64(ctl.io[1].prp2, (uint64_t)(uintptr_t)ram + 0x15000);
	CHECK_EQ_U64(vq_used_idx(), 0);
	complete_io(1, 0);
	complete_io(0, 0);
	blk_engine_poll(&eng);
	/* In the order the controller finished them; one interrupt for the pass. */
	CHECK_EQ_U64(vq_used_idx(), 2);
	CHECK_EQ_U64(vq_used(0).id, 3);
	CHECK_EQ_U64(vq_used(0).len, 1); /* a write: only the status byte was written */
	CHECK_EQ_U64(vq_used(1).id, 0);
	CHECK_EQ_U64(vq_used(1).len, 4096 + 1);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_OK);
	CHECK_EQ_U64(vq_status_of(3), VIRTIO_BLK_S_OK);
	CHECK_EQ_U64(notified, 1);
	/* Outside the share, an unknown type: answered at once, never at the controller. */
	vq_chain(0, VIRTIO_BLK_T_IN, 800, one, 1, 512);
	vq_chain(3, 99, 0, one, 1, 20);
	vq_publish(0);
	vq_publish(3);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 2);
	CHECK_EQ_U64(vq_used_idx(), 4);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_IOERR);
	CHECK_EQ_U64(vq_status_of(3), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ_U64(vq_used(2).len, 1);
	CHECK_EQ_U64(eng.disks[idx].st.errors[BLK_E_RANGE], 1);
	CHECK_EQ_U64(notified, 2);
	/* The driver asked for no interrupts: used buffers, no notify. */
	VQ_AVAIL[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vq_chain(0, VIRTIO_BLK_T_FLUSH, 0, one, 0, 0);
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.io[2].cdw0 & 0xff, NVME_CMD_FLUSH);
	complete_io(2, 0);
	poll_settles(idx, 5, 2);
}

/* Two queues of one VM at the engine: the one the driver breaks is shut, the other works on. */
static void test_virtq_one_broken_queue_of_two(void)
{
	const uint64_t one[1] = { 0x10000 };
	uint8_t *q1 = ram + VQ_OFF + 0x8000;
	struct blk_disk t = { 0 };
	unsigned int idx, idx1;
	uint16_t ahead = VQ_N + 1;

	setup();
	vq_attach(&idx);
	t.kind = BLK_KIND_VIRTQ;
	t.queue = 1;
	t.vq.desc = (struct virtq_desc *)(void *)q1;
	t.vq.avail = q1 + 0x1000;
	t.vq.used = q1 + 0x2000;
	t.vq.size = VQ_N;
	t.share = eng.disks[idx].share;
	t.mem = eng.disks[idx].mem;
	t.qd_limit = VQ_N;
	t.notify = vq_notify;
	CHECK_EQ_U64(blk_engine_attach(&eng, &t, &idx1), 0);
	CHECK(idx1 != idx);
	CHECK_EQ_U64(eng.disks[idx1].queue, 1);
	memcpy(q1 + 0x1000 + 2, &ahead, 2); /* queue 1's avail index runs past its size */
	vq_chain(0, VIRTIO_BLK_T_IN, 8, one, 1, 4096);
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK(atomic_load(&eng.disks[idx1].down));
	CHECK(!atomic_load(&eng.disks[idx].down));
	CHECK_EQ_U64(ctl.n_io, 1);
	complete_io(0, 0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(vq_used_idx(), 1);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_OK);
	CHECK(blk_engine_detach(&eng, idx1, false));
	CHECK(!atomic_load(&eng.disks[idx].down));
}

static void test_virtq_lies(void)
{
	const uint64_t one[1] = { 0x10000 };
	unsigned int idx;

	/* A chain head made available again while it is in flight: the queue is shut. */
	setup();
	vq_attach(&idx);
	vq_chain(0, VIRTIO_BLK_T_IN, 0, one, 1, 512);
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 1);
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK(atomic_load(&eng.disks[idx].down));
	CHECK_EQ_U64(notified, 1); /* the device model hears of it */
	CHECK_EQ_U64(ctl.n_io, 1);
	/* Its command completes; nothing more is written into the guest's RAM. */
	complete_io(0, 0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(vq_used_idx(), 0);
	CHECK_EQ_U64(vq_status_of(0), 0xff);
	CHECK_EQ_U64(eng.disks[idx].st.dropped, 1);
	CHECK(blk_engine_detach(&eng, idx, false));

	/* An avail index that runs more than the queue ahead. */
	setup();
	vq_attach(&idx);
	vq_avail_idx = VQ_N + 1;
	memcpy(VQ_AVAIL + 2, &vq_avail_idx, 2);
	blk_engine_poll(&eng);
	CHECK(atomic_load(&eng.disks[idx].down));
	CHECK_EQ_U64(ctl.n_io, 0);

	/* A descriptor loop. */
	setup();
	vq_attach(&idx);
	vq_chain(0, VIRTIO_BLK_T_IN, 0, one, 1, 512);
	((struct virtq_desc *)(void *)VQ_DESC)[1].next = 0;
	((struct virtq_desc *)(void *)VQ_DESC)[1].flags = VIRTQ_DESC_F_NEXT;
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK(atomic_load(&eng.disks[idx].down));
	CHECK_EQ_U64(ctl.n_io, 0);

	/* A data buffer outside the RAM: an I/O error, the queue goes on. */
	setup();
	vq_attach(&idx);
	{
		const uint64_t out[1] = { RAM_SIZE - 256 };

		vq_chain(0, VIRTIO_BLK_T_IN, 0, out, 1, 512);
	}
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK(!atomic_load(&eng.disks[idx].down));
	CHECK_EQ_U64(ctl.n_io, 0);
	CHECK_EQ_U64(vq_used_idx(), 1);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_IOERR);
	CHECK_EQ_U64(eng.disks[idx].st.errors[BLK_E_BUF], 1);
	/* Segments PRPs cannot describe together: one command per run, blocks one after another. */
	{
		const uint64_t odd[3] = { 0x10000, 0x12200, 0x13000 };

		vq_chain(0, VIRTIO_BLK_T_IN, 6, odd, 3, 512);
	}
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 3); /* 0x12200+512 does not end a page: the third is alone too */
	CHECK_EQ_U64(ctl.io[0].cdw10, 206);
	CHECK_EQ_U64(ctl.io[1].cdw10, 207);
	CHECK_EQ_U64(ctl.io[2].cdw10, 208);
	CHECK_EQ_U64(ctl.io[1].prp1, (uint64_t)(uintptr_t)ram + 0x12200);
	CHECK_EQ_U64(ctl.io[2].cdw12, 0);
	complete_io(2, 0);
	complete_io(0, 0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(vq_used_idx(), 1); /* one command still out */
	complete_io(1, 0x281);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(vq_used_idx(), 2);
	CHECK_EQ_U64(vq_used(1).id, 0);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_IOERR); /* one of its commands failed */
	CHECK_EQ_U64(eng.disks[idx].st.completed, 2);	   /* requests, not commands */
	CHECK_EQ_U64(eng.disks[idx].inflight, 0);
	/* Two halves of one block in two pages: no cut can fall between blocks. */
	{
		const uint64_t halves[2] = { 0x10000, 0x12000 };

		vq_chain(0, VIRTIO_BLK_T_IN, 0, halves, 2, 256);
	}
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 3);
	CHECK_EQ_U64(vq_used_idx(), 3);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_IOERR);
}

/* A DISCARD or WRITE_ZEROES chain at head h: header, its one range, status. */
static void vq_range_chain(uint16_t h, uint32_t type, uint64_t sector, uint32_t n, uint32_t flags)
{
	uint8_t *range = ram + VQ_HDRS + 0x800 + 16 * h;
	struct virtq_desc *d = (struct virtq_desc *)(void *)VQ_DESC;

	vq_chain(h, type, 0, NULL, 0, 0);
	memcpy(range, &sector, 8);
	memcpy(range + 8, &n, 4);
	memcpy(range + 12, &flags, 4);
	d[h + 2] = d[h + 1]; /* the status, after the range */
	d[h + 1] = (struct virtq_desc){ RAM_IPA + VQ_HDRS + 0x800 + 16 * h, 16, VIRTQ_DESC_F_NEXT,
					(uint16_t)(h + 2) };
}

/* GET_ID, DISCARD, WRITE_ZEROES and VIRTIO_F_EVENT_IDX through the engine. */
static void test_virtq_features(void)
{
	const uint64_t id_buf[1] = { 0x10000 };
	uint64_t *list;
	uint16_t used_event;
	unsigned int idx;

	setup();
	vq_attach_ev(&idx, true);
	/* GET_ID: answered at once with the share's name, never at the controller. */
	memset(ram + 0x10000, 0xee, 32);
	vq_chain(0, VIRTIO_BLK_T_GET_ID, 0, id_buf, 1, VIRTIO_BLK_ID_BYTES);
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 0);
	CHECK_EQ_U64(vq_used_idx(), 1);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_OK);
	CHECK_EQ_U64(vq_used(0).len, VIRTIO_BLK_ID_BYTES + 1);
	CHECK(!memcmp(ram + 0x10000, "sn-1-200\0\0\0\0\0\0\0\0\0\0\0\0", 20));
	CHECK_EQ_U64(ram[0x10000 + 20], 0xee); /* nothing past the 20 bytes */
	CHECK_EQ_U64(eng.disks[idx].st.errors[BLK_OK], 1);
	/* used_event 0 was passed by the first used buffer: notified. */
	CHECK_EQ_U64(notified, 1);
	/* Every chain was taken: avail_event asks for a notify at the next one. */
	CHECK_EQ_U64(VQ_USED[4 + 8 * VQ_N], 1);
	/* DISCARD: one deallocate range, SLBA after the share's start. */
	vq_range_chain(0, VIRTIO_BLK_T_DISCARD, 10, 6, 0);
	vq_publish(0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 1);
	CHECK_EQ_U64(ctl.io[0].cdw0 & 0xff, NVME_CMD_DSM);
	CHECK_EQ_U64(ctl.io[0].cdw11, 4); /* AD */
	list = (uint64_t *)(uintptr_t)ctl.io[0].prp1;
	CHECK_EQ_U64(list[0], 6ULL << 32);
	CHECK_EQ_U64(list[1], 210);
	/* WRITE_ZEROES, unmap allowed: a Write Zeroes command. */
	vq_range_chain(3, VIRTIO_BLK_T_WRITE_ZEROES, 90, 10, VIRTIO_BLK_WZ_UNMAP);
	vq_publish(3);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 2);
	CHECK_EQ_U64(ctl.io[1].cdw0 & 0xff, NVME_CMD_WRITE_ZEROES);
	CHECK_EQ_U64(ctl.io[1].cdw10, 290);
	CHECK_EQ_U64(ctl.io[1].cdw12, 9);
	/* The driver wants to hear only when the used index passes 2: the first does not. */
	used_event = 2;
	memcpy(VQ_AVAIL + 4 + 2 * VQ_N, &used_event, 2);
	complete_io(0, 0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(vq_used_idx(), 2);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_OK);
	CHECK_EQ_U64(notified, 1);
	complete_io(1, 0);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(vq_used_idx(), 3);
	CHECK_EQ_U64(vq_status_of(3), VIRTIO_BLK_S_OK);
	CHECK_EQ_U64(notified, 2);
	/* With EVENT_IDX the avail flags are not looked at. */
	VQ_AVAIL[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	used_event = 3;
	memcpy(VQ_AVAIL + 4 + 2 * VQ_N, &used_event, 2);
	/* A DISCARD with a flag, one past the share: unsupported, an I/O error. */
	vq_range_chain(0, VIRTIO_BLK_T_DISCARD, 10, 6, VIRTIO_BLK_WZ_UNMAP);
	vq_range_chain(3, VIRTIO_BLK_T_WRITE_ZEROES, 95, 6, 0);
	vq_publish(0);
	vq_publish(3);
	blk_engine_poll(&eng);
	CHECK_EQ_U64(ctl.n_io, 2);
	CHECK_EQ_U64(vq_status_of(0), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ_U64(vq_status_of(3), VIRTIO_BLK_S_IOERR);
	CHECK_EQ_U64(notified, 3);
	CHECK_EQ_U64(eng.disks[idx].st.ops[BLK_OP_DISCARD], 2);
	CHECK_EQ_U64(eng.disks[idx].st.ops[BLK_OP_WRITE_ZEROES], 2);
	/* An event the used index passed long ago asks for nothing more. */
	used_event = 1;
	memcpy(VQ_AVAIL + 4 + 2 * VQ_N, &used_event, 2);
	vq_chain(0, VIRTIO_BLK_T_GET_ID, 0, id_buf, 1, VIRTIO_BLK_ID_BYTES);
	vq_publish(0);
	poll_settles(idx, 6, 3);
}

/* An idle engine reads the counter once per BLK_CLOCK_PASSES passes; after work, at once. */
static void test_idle_passes_spare_the_counter(void)
{
	const uint64_t one[1] = { 0x10000 };
	uint64_t step, c0;
	unsigned int idx;

	setup();
	vq_attach(&idx);
	c0 = fake_sysreg_get("cntpct_el0");
	(void)timer_count();
	step = fake_sysreg_get("cntpct_el0") - c0; /* what one read moves it by */
	blk_engine_poll(&eng);
	c0 = fake_sysreg_get("cntpct_el0");
	for (unsigned int i = 0; i < 256; i++)
		blk_engine_poll(&eng);
	CHECK(fake_sysreg_get("cntpct_el0") - c0 <= 5 * step);
	vq_chain(0, VIRTIO_BLK_T_IN, 0, one, 1, 512);
	vq_publish(0);
	blk_engine_poll(&eng); /* takes the request */
	CHECK_EQ_U64(ctl.n_io, 1);
	c0 = fake_sysreg_get("cntpct_el0");
	blk_engine_poll(&eng); /* the pass after work reads it */
	CHECK_EQ_U64(fake_sysreg_get("cntpct_el0") - c0, step);
}

/* ---- sleeping in WFI: the engine's idle loop against a scripted platform ---- */

/*
 * The fake platform of blk_wake_ops: a kick makes an SGI pending, which ends the next sleep at
 * once, as it ends a WFI on the real one; a sleep with nothing pending lasts until the deadline
 * (BLK_WAKE_TIMER). Each sleep first runs the test's step, as what happens on other cores
 * between the engine's last look and its WFI.
 */
static struct {
	bool sgi_pending, msi_pending;
	bool broken_guest; /* the guest does not kick */
	unsigned int sleeps, setups, teardowns;
	uint32_t word_at_sleep[4], sleeping_at_sleep[4];
	bool masked_at_sleep[4];
	void (*step)(unsigned int n);
	struct guest *g;
} wk;

static _Atomic uint32_t *sleep_word_of(struct guest *g)
{
	return (_Atomic uint32_t *)(void *)((uint8_t *)g->req.sh + BLK_RING_SLEEP_WORD);
}

static void wk_setup(void *ctx)
{
	(void)ctx;
	wk.setups++;
}

static void wk_teardown(void *ctx)
{
	(void)ctx;
	wk.teardowns++;
}

static void wk_kick(void *ctx)
{
	(void)ctx;
	wk.sgi_pending = true;
}

static void wk_mask(void *ctx, bool masked)
{
	(void)ctx;
	ctl.msi_masked = masked;
}

static unsigned int wk_sleep(void *ctx, uint64_t deadline)
{
	unsigned int n = wk.sleeps++;

	(void)ctx;
	(void)deadline;
	if (n < 4) {
		wk.word_at_sleep[n] = atomic_load(sleep_word_of(wk.g));
		wk.sleeping_at_sleep[n] = atomic_load(&eng.sleeping);
		wk.masked_at_sleep[n] = ctl.msi_masked;
	}
	wk.step(n);
	if (wk.sgi_pending || wk.msi_pending) {
		unsigned int why =
			(wk.sgi_pending ? BLK_WAKE_KICK : 0) | (wk.msi_pending ? BLK_WAKE_MSI : 0);

		wk.sgi_pending = wk.msi_pending = false;
		return why;
	}
	return BLK_WAKE_TIMER;
}

/* The guest's side of the protocol after publishing (disk.c's kick_if_asleep). */
static void guest_kick(struct guest *g)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (!wk.broken_guest && atomic_load_explicit(sleep_word_of(g), memory_order_relaxed))
		blk_engine_kick(&eng);
}

/*
 * Sleep 0: the guest publishes a read after the engine's last look and kicks. Sleep 1 (with
 * the command at the controller, MSI-X unmasked): the controller completes it and interrupts.
 * Sleep 2: the engine is stopped (its stop kicks it).
 */
static void script_read(unsigned int n)
{
	if (n == 0) {
		send(wk.g, BLK_OP_READ, 0, 8, 0x1000, 42);
		guest_kick(wk.g);
	} else if (n == 1) {
		if (ctl.n_io == 1)
			complete_io(0, 0);
		wk.msi_pending = !ctl.msi_masked; /* a masked vector interrupts nobody */
	} else {
		blk_engine_stop(&eng);
	}
}

/*
 * Without MSI-X: sleep 0 as in script_read; the read is then at the controller, where a
 * sleeping engine would not hear of its completion, so it must wait in WFE (passes counted by
 * the cost hook below complete it after a while); sleep 1 comes only after that: stop.
 */
static struct {
	unsigned int passes, sleeps_at_completion;
	bool completed;
} nomsi;

static void script_read_nomsi(unsigned int n)
{
	if (n == 0) {
		send(wk.g, BLK_OP_READ, 0, 8, 0x1000, 42);
		guest_kick(wk.g);
	} else {
		blk_engine_stop(&eng);
	}
}

static void nomsi_setup(void)
{
}

/* Around every pass: 100 passes after the read went out, the controller completes it. */
static void nomsi_read(uint64_t *insns, uint64_t *cycles)
{
	*insns = *cycles = 0;
	if (ctl.n_io != 1 || nomsi.completed || ++nomsi.passes < 200)
		return;
	nomsi.sleeps_at_completion = wk.sleeps;
	complete_io(0, 0);
	nomsi.completed = true;
}

static void run_sleepy(bool msi, bool broken, const struct dp_cost_ops *cost)
{
	static const struct blk_wake_ops ops_msi = { .setup = wk_setup,
						     .sleep = wk_sleep,
						     .kick = wk_kick,
						     .teardown = wk_teardown,
						     .msi_mask = wk_mask,
						     .msi = true };
	static const struct blk_wake_ops ops_plain = {
		.setup = wk_setup, .sleep = wk_sleep, .kick = wk_kick, .teardown = wk_teardown
	};
	static struct guest g;
	uint8_t *base;

	setup();
	memset(&wk, 0, sizeof(wk));
	wk.g = &g;
	wk.broken_guest = broken;
	wk.step = script_read;
	ctl.msi_masked = true;
	guest_attach(&g, 0x80000, 0, 16);
	/* The sleep word, as vdisk gives it: in the region's request tail line. */
	base = (uint8_t *)g.req.sh;
	eng.disks[g.idx].sleep_word = (_Atomic uint32_t *)(void *)(base + BLK_RING_SLEEP_WORD);
	blk_engine_set_wake(&eng, msi ? &ops_msi : &ops_plain);
	if (!msi)
		wk.step = script_read_nomsi;
	blk_engine_set_cost(&eng, cost);
	eng.spin_ticks = 0; /* sleep as soon as a pass finds nothing */
	blk_engine_run(&eng);
}

/* A kick between the engine's last look and its WFI is not lost; the flags are cleared. */
static void test_sleep_kick_not_lost(void)
{
	struct blk_cpl c;

	run_sleepy(true, false, NULL);
	CHECK_EQ_U64(wk.setups, 1);
	CHECK_EQ_U64(wk.teardowns, 1);
	CHECK_EQ_U64(wk.sleeps, 3);
	/* Set before the last look, so the guest saw it and kicked. */
	CHECK_EQ_U64(wk.word_at_sleep[0], 1);
	CHECK_EQ_U64(wk.sleeping_at_sleep[0], 1);
	CHECK_EQ_U64(eng.wakes_kick, 2); /* the guest's and the stop's */
	CHECK_EQ_U64(eng.wakes_msi, 1);	 /* the completion's */
	CHECK_EQ_U64(eng.wakes_timer, 0);
	CHECK_EQ_U64(eng.wfi_sleeps, 3);
	/* The request was taken after the first wake-up and completed after the second. */
	CHECK_EQ_U64(ctl.n_io, 1);
	CHECK_EQ_U64(take(wk.g, &c, 1), 1);
	CHECK_EQ_U64(c.tag, 42);
	CHECK_EQ_U64(c.status, BLK_OK);
	/* Cleared on every wake-up: the word is down once the engine runs again. */
	CHECK_EQ_U64(atomic_load(sleep_word_of(wk.g)), 0);
	CHECK_EQ_U64(atomic_load(&eng.sleeping), 0);
	/* The MSI-X vector: unmasked while asleep, masked while the engine polls. */
	CHECK(!wk.masked_at_sleep[0] && !wk.masked_at_sleep[1]);
	CHECK(ctl.msi_masked);
	CHECK_EQ_U64(ctl.doorbells, 1);
	CHECK_EQ_U64(ctl.doorbells_unmasked, 0);
}

/* Without MSI-X, an engine with a command at the controller waits in WFE, not WFI. */
static void test_sleep_without_msi_not_with_commands_out(void)
{
	static const struct dp_cost_ops hook = { .setup = nomsi_setup, .read = nomsi_read };
	struct blk_cpl c;

	memset(&nomsi, 0, sizeof(nomsi));
	run_sleepy(false, false, &hook);
	CHECK(nomsi.completed);
	CHECK_EQ_U64(nomsi.sleeps_at_completion, 1); /* none while the read was out */
	CHECK(eng.idle_waits > 0);		     /* it waited in WFE then */
	CHECK_EQ_U64(wk.sleeps, 2);
	CHECK_EQ_U64(eng.wakes_kick, 2);
	CHECK_EQ_U64(take(wk.g, &c, 1), 1);
	CHECK_EQ_U64(c.tag, 42);
	CHECK_EQ_U64(c.status, BLK_OK);
	CHECK_EQ_U64(eng.timeouts, 0);
}

/* The same with a guest that does not kick: the engine sleeps to its deadline (the timer). */
static void test_sleep_without_kick_waits_for_timer(void)
{
	run_sleepy(true, true, NULL);
	CHECK_EQ_U64(eng.wakes_timer, 1);
	CHECK_EQ_U64(eng.wakes_kick, 1); /* the stop */
	CHECK_EQ_U64(eng.wakes_msi, 1);
}

int main(void)
{
	RUN(test_queues_the_controller_grants);
	RUN(test_commands_and_one_doorbell);
	RUN(test_queue_depth_and_round_robin);
	RUN(test_pick_engine);
	RUN(test_disk_burst_share);
	RUN(test_detach_waits_for_the_controller);
	RUN(test_full_completion_ring_holds_the_disk);
	RUN(test_timeout_and_fatal_reset);
	RUN(test_two_engines_share_a_controller);
	RUN(test_virtq_requests);
	RUN(test_virtq_lies);
	RUN(test_virtq_one_broken_queue_of_two);
	RUN(test_virtq_features);
	RUN(test_idle_passes_spare_the_counter);
	RUN(test_sleep_kick_not_lost);
	RUN(test_sleep_without_kick_waits_for_timer);
	RUN(test_sleep_without_msi_not_with_commands_out);
	return TEST_SUMMARY();
}

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The NVMe driver at EL2 (NVM Express Base Specification 2.0): controller bring-up with the
 * admin queue, I/O submission/completion queue pairs polled by phase bit (no interrupts),
 * doorbells written once per burst, PRP lists, reset. It owns no memory: the caller gives it
 * an allocator of zeroed, physically contiguous pages that the hypervisor reaches at VA = PA.
 * It knows nothing of PCI: the caller enables the function and hands over BAR0's address.
 */
#ifndef KERNEL_DRIVERS_NVME_H
#define KERNEL_DRIVERS_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/drivers/nvme_regs.h"

#define NVME_PAGE	      4096u /* CC.MPS = 0: the memory page size of every PRP */
#define NVME_MAX_IOQ	      4	    /* I/O queue pairs: one per serving core */
#define NVME_MAX_NS	      8	    /* namespaces identified (NSIDs 1..8) */
#define NVME_ADMIN_ENTRIES    16
#define NVME_ADMIN_TIMEOUT_US 2000000

/* Submission queue entry (Base 2.0, 4.2, Figure 88): 64 bytes. */
struct nvme_sqe {
	uint32_t cdw0; /* [7:0] opcode, [15:14] PSDT (0: PRPs), [31:16] command identifier */
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQ entries are 64 bytes (CC.IOSQES = 6)");

/* Completion queue entry (4.6, Figure 92): 16 bytes. */
struct nvme_cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status; /* [0] phase tag, [8:1] SC, [11:9] SCT, [14] More, [15] DNR */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQ entries are 16 bytes (CC.IOCQES = 4)");

#define NVME_CQE_PHASE	   1u
#define NVME_CQE_STATUS(s) ((uint16_t)((s) >> 1) & 0x7ffu) /* SCT << 8 | SC */

/* Opcodes: admin (5, Figure 139) and NVM command set (NVM Command Set 1.0, 3, Figure 15). */
#define NVME_ADMIN_DELETE_SQ  0x00
#define NVME_ADMIN_CREATE_SQ  0x01
#define NVME_ADMIN_DELETE_CQ  0x04
#define NVME_ADMIN_CREATE_CQ  0x05
#define NVME_ADMIN_IDENTIFY   0x06
#define NVME_ADMIN_SET_FEAT   0x09
#define NVME_CMD_FLUSH	      0x00
#define NVME_CMD_WRITE	      0x01
#define NVME_CMD_READ	      0x02
#define NVME_CMD_WRITE_ZEROES 0x08
#define NVME_CMD_DSM	      0x09 /* Dataset Management: deallocate with CDW11.AD */
#define NVME_FEAT_NUM_QUEUES  0x07
/* Status codes we make up ourselves (SCT 0 "generic", SC 0x04 "Data Transfer Error", 0x07
 * "Command Abort Requested") for requests the controller never completed. */
#define NVME_SC_ABORTED	  0x0007
#define NVME_SC_DATA_XFER 0x0004

/* One submission queue and its completion queue. */
struct nvme_queue {
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	uint64_t sq_pa, cq_pa;
	uintptr_t sq_db, cq_db; /* doorbell addresses */
	uint16_t qid, entries;
	uint16_t sq_tail;   /* next entry we fill */
	uint16_t sq_rung;   /* the tail the controller was last told */
	uint16_t sq_head;   /* the controller's head, from the last completion */
	uint16_t cq_head;   /* next completion entry to look at */
	uint16_t phase;	    /* the phase tag a new entry at cq_head carries */
	uint64_t doorbells; /* SQ tail doorbell writes */
	uint64_t submitted, completed;
};

struct nvme_ns {
	uint32_t nsid;
	uint32_t lba_shift; /* log2 of the LBA data size of the format in use */
	uint64_t nsze;	    /* blocks */
};

/* Pages the driver asks for: zeroed, contiguous, VA = PA; NULL when there are none. */
typedef void *(*nvme_alloc_fn)(void *ctx, unsigned int pages, uint64_t *pa);

struct nvme_ctrl {
	uintptr_t bar;
	struct nvme_cap cap;
	struct nvme_id_ctrl id;
	struct nvme_queue admin;
	struct nvme_queue io[NVME_MAX_IOQ];
	unsigned int n_io; /* I/O queue pairs in use: asked for, cut to io_granted */
	unsigned int
		io_granted; /* pairs the controller allocated (Set Features Number of Queues) */
	uint16_t io_entries;
	uint32_t max_xfer; /* bytes per command: MDTS, capped by our PRP lists */
	struct nvme_ns ns[NVME_MAX_NS];
	unsigned int n_ns;
	uint8_t *page; /* one page for Identify data */
	uint64_t page_pa;
	uint64_t resets;
	bool up;
	/*
	 * Per I/O queue pair, set by the caller before nvme_ctrl_init(): the MSI-X vector its CQ
	 * interrupts with, 0 for none (the admin queue's vector 0 is never used: it is polled).
	 */
	uint16_t irq_vec[NVME_MAX_IOQ];
};

struct err_why;
/*
 * Bring the controller at 'bar' up (Base 2.0, 3.5.1): reset, admin queue, enable, Identify
 * Controller, Identify Namespace for NSIDs 1..NVME_MAX_NS, Set Features Number of Queues, then
 * 'n_io' I/O queue pairs of 'entries' entries (their CQs' interrupts as c->irq_vec says), or
 * as many as the controller granted if that is fewer (c->n_io then says how many). 0 or an error with 'why'.
 */
int nvme_ctrl_init(struct nvme_ctrl *c, uintptr_t bar, unsigned int n_io, uint16_t entries,
		   nvme_alloc_fn alloc, void *alloc_ctx, struct err_why *why);
/*
 * Reset after a fatal status or a timeout: disable (the controller stops every DMA when
 * CSTS.RDY clears), then enable it again with the same queue memory and recreate the I/O
 * queues, all indices back to zero. Commands in flight are gone: the caller fails them first.
 */
int nvme_ctrl_reset(struct nvme_ctrl *c, struct err_why *why);
/* Disable the controller (CC.EN = 0) and wait for it; false when it did not stop. */
bool nvme_ctrl_disable(struct nvme_ctrl *c);
/* CSTS.CFS, or a controller that reads all ones (gone from the bus). */
bool nvme_ctrl_failed(const struct nvme_ctrl *c);
const struct nvme_ns *nvme_ctrl_ns(const struct nvme_ctrl *c, uint32_t nsid);

/* Room for another command (one entry always stays empty: full is tail + 1 == head). */
static inline bool nvme_sq_has_room(const struct nvme_queue *q)
{
	uint16_t next = (uint16_t)(q->sq_tail + 1 == q->entries ? 0 : q->sq_tail + 1);

	return next != q->sq_head;
}

/* The next free entry, to be filled in place and then passed to nvme_sq_push(). */
static inline struct nvme_sqe *nvme_sq_next(struct nvme_queue *q)
{
	return &q->sq[q->sq_tail];
}

/* Hand the filled entry to the queue; the controller hears of it at nvme_sq_ring(). */
void nvme_sq_push(struct nvme_queue *q);
/* One tail doorbell write for everything pushed since the last one (none when nothing was). */
void nvme_sq_ring(struct nvme_queue *q);
/*
 * Take up to 'max' new completions (phase bit) and give each to 'fn'; one head doorbell write
 * at the end. Returns how many.
 */
typedef void (*nvme_cqe_fn)(void *ctx, const struct nvme_cqe *e);
unsigned int nvme_cq_poll(struct nvme_queue *q, nvme_cqe_fn fn, void *ctx, unsigned int max);
/* The address of the entry the next completion will land in (to wait on its line). */
static inline const volatile uint32_t *nvme_cq_watch(const struct nvme_queue *q)
{
	return (const volatile uint32_t *)&q->cq[q->cq_head].cid;
}

/*
 * Describe 'len' bytes at physical 'pa' (dword aligned, len > 0) as PRP1/PRP2 (Base 2.0,
 * 4.1.1): PRP1 points at the first byte, PRP2 at the second page when the transfer ends there,
 * otherwise at a PRP list. The list goes into 'list' (physical address 'list_pa', room for
 * 'list_max' entries, not crossing a page: no chained lists). Returns the number of list
 * entries written (0 when none is needed), or E_INVAL / E_RANGE. Portable: host-tested.
 */
int nvme_prp_build(uint64_t pa, uint64_t len, uint64_t *list, uint64_t list_pa,
		   unsigned int list_max, uint64_t *prp1, uint64_t *prp2);

#endif

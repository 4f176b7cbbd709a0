/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The block engine: a loop pinned to one core that serves guests' request rings (blk_abi.h)
 * from one I/O queue pair of an NVMe controller the hypervisor keeps. Each request is checked
 * against the VM's share of a namespace and against its RAM, turned into an NVMe command whose
 * PRPs point straight at the guest's buffer (no copy), and completed on the guest's completion
 * ring. Round robin between disks, a queue-depth limit per disk, doorbells once per pass.
 */
#ifndef DATAPLANE_BLK_H
#define DATAPLANE_BLK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/blk_abi.h"
#include "dataplane/engine.h"
#include "dataplane/spsc.h"
#include "dataplane/virtq.h"
#include "kernel/drivers/nvme.h"

#define BLK_MAX_DISKS	 8
#define BLK_PRP_ENTRIES	 64 /* one 512-byte PRP list per command */
#define BLK_DEFAULT_QD	 64
#define BLK_TIMEOUT_MS	 5000
#define BLK_SLOW_PASS_US 1000

/* A VM's part of a namespace: blocks [start, start + count). */
struct blk_share {
	uint32_t nsid;
	uint32_t lba_shift;
	uint64_t start, count;
};

/* A VM's RAM: IPA [ipa, ipa + size) is PA [pa, pa + size), Normal memory it may write. */
struct blk_mem {
	uint64_t ipa, size, pa;
};

/* Blocks one Write Zeroes or deallocate may name: NLB is a 0's based 16-bit field (Write Zeroes). */
#define BLK_MAX_RANGE_BLOCKS 65536u

/* A checked request, ready to become an NVMe command. */
struct blk_cmd {
	uint8_t opcode; /* NVME_CMD_* */
	uint32_t nsid;
	uint64_t slba;
	uint32_t nlb; /* blocks */
	uint64_t pa;  /* data, 0 without */
	uint64_t bytes;
	const struct vq_seg *seg; /* a virtio request's data: its segments (n_seg 0: pa, bytes) */
	unsigned int n_seg;
};

/*
 * Check request 'r' (a private copy: the guest may rewrite its slot) against the share and the
 * RAM, with at most 'max_blocks' blocks per request; fill *cmd. BLK_OK or the status to
 * complete it with. Portable: host-tested.
 */
enum blk_status blk_check(const struct blk_req *r, const struct blk_share *s,
			  const struct blk_mem *m, uint32_t max_blocks, struct blk_cmd *cmd);

/*
 * A virtio-blk request checked against the share (the chain was walked by vq_walk(), its
 * buffers are in the RAM): BLK_OK or the status to complete it with. Portable: host-tested.
 */
enum blk_status blk_check_virtio(const struct vq_req *r, const struct blk_share *s,
				 uint32_t max_blocks, struct blk_cmd *cmd);

enum blk_disk_state { BLK_DISK_FREE, BLK_DISK_RUN, BLK_DISK_OFF };
/* Where a disk's requests come from: the request ring of blk_abi.h, or a virtqueue. */
enum blk_disk_kind { BLK_KIND_RING, BLK_KIND_VIRTQ };
#define BLK_DISK_STATE(cmd) ((unsigned int)(cmd)&3U)

struct blk_disk_stats {
	uint64_t ops[6]; /* by enum blk_op; [0] counts requests with a bad op */
	uint64_t bytes_read, bytes_written;
	uint64_t completed;
	uint64_t errors[BLK_STATUS__COUNT];
	uint64_t dropped; /* completions not posted: the disk was going away */
	uint32_t inflight_max;
};

/*
 * A virtio-blk device's split virtqueue (virtio 1.2, 2.7), checked by the device model when
 * the driver made it ready: its three parts are in the VM's RAM (reached through the identity
 * map at their PAs), 'size' a power of two up to VIRTQ_MAX_SIZE. The indices are the engine's
 * own copies; the guest's are read and checked against them.
 */
struct blk_vq {
	struct virtq_desc *desc;
	uint8_t *avail, *used;
	uint16_t size;
	uint16_t last_avail;		    /* next avail ring entry to take */
	uint16_t used_idx;		    /* next used ring entry to fill */
	bool event_idx;			    /* VIRTIO_F_EVENT_IDX was negotiated */
	uint16_t signalled;		    /* used_idx at the last notification decision */
	char id[VIRTIO_BLK_ID_BYTES];	    /* GET_ID's answer */
	uint64_t busy[VIRTQ_MAX_SIZE / 64]; /* chain heads in flight */
	/* Per head in flight: its commands still out, its first error, the bytes they moved. */
	uint8_t parts[VIRTQ_MAX_SIZE];
	uint8_t first_err[VIRTQ_MAX_SIZE];
	uint32_t done_bytes[VIRTQ_MAX_SIZE];
	const char *fault; /* why the queue was shut */
	uint16_t bad_index;
};

/*
 * One guest's disk. The controller side (vdisk) fills it and publishes it with 'cmd' (release),
 * as struct dp_port does; the engine acknowledges each cmd in 'ack' once it no longer touches
 * the disk's rings nor has a command of it at the controller.
 */
struct blk_disk {
	_Atomic uint32_t cmd, ack;
	_Atomic uint32_t down; /* the guest published an impossible ring index */
	uint8_t kind;	       /* enum blk_disk_kind */
	struct spsc_cons req;
	struct spsc_prod cpl;
	struct blk_vq vq;
	struct blk_share share;
	struct blk_mem mem;
	uint32_t qd_limit;
	uint32_t burst;	   /* most requests taken per pass (0 at attach: the engine's burst) */
	uint16_t queue;	   /* which of the VM's virtqueues (0 for the ring and one queue) */
	uint32_t inflight; /* slots held: at the controller or waiting to be posted */
	int32_t pending;   /* first slot whose completion waits for room, -1 */
	int32_t pending_last;
	bool posted;		   /* completions committed this pass: wake the guest */
	void (*notify)(void *ctx); /* after completions were posted (a virtual interrupt) */
	/*
	 * A ring disk's words in the guest's region (blk_abi.h), or NULL: 'sleep_word' the
	 * engine writes (1 while it sleeps in WFI: the guest kicks after publishing); with
	 * 'wait_word' the guest writes, notify() runs only while the guest says it waits.
	 */
	_Atomic uint32_t *sleep_word;
	const _Atomic uint32_t *wait_word;
	_Atomic uint64_t kicks; /* the guest's kicks that found the engine asleep */
	void *ctx;
	unsigned int vm_id;
	uint64_t log_count; /* rate-limits what a guest can make us log */
	struct blk_disk_stats st;
};

/* One command identifier's bookkeeping. */
struct blk_slot {
	uint64_t tag;
	uint64_t issued; /* timer count at submission */
	int32_t next;	 /* free list / pending list */
	uint16_t status; /* enum blk_status once done */
	uint16_t nvme;
	uint8_t disk;
	uint8_t op;
	bool at_ctrl; /* submitted, no completion yet */
	uint32_t bytes;
	uint64_t status_pa; /* a virtio request's status byte */
};

/*
 * Counting the engine's own cost (a benchmark sets it before it starts measuring): the data
 * plane's dp_cost_ops (dataplane/engine.h), setup() once on the engine's core, read() around
 * every pass; the passes that did work add to busy_insns / busy_cycles. NULL: no counting.
 */

/* What woke a sleeping engine: blk_wake_ops.sleep's answer, a set of these. */
#define BLK_WAKE_KICK  1U /* a kick: a guest's, a virtio notify's, the controller side's */
#define BLK_WAKE_TIMER 2U /* the deadline: the periodic check is due */
#define BLK_WAKE_MSI   4U /* the controller's completion interrupt */

/*
 * How an idle engine sleeps (the platform's part: WFI, the interrupts that end it). NULL in
 * the engine: it waits in WFE as before. setup()/teardown() run on the engine's core when it
 * starts and stops; sleep() on it, with interrupts masked, until a kick, the controller's
 * interrupt (when 'msi') or the counter reaching 'deadline', and says which (0: none of them,
 * a spurious wake-up); kick() from any core makes the engine's sleep() return or not start.
 * 'msi': the controller interrupts the engine's core on completions while it sleeps, so it
 * may sleep with commands at the controller; without it, only an engine with nothing there
 * sleeps in WFI (one with commands out waits in WFE on its completion queue as before).
 */
struct blk_wake_ops {
	void (*setup)(void *ctx);
	unsigned int (*sleep)(void *ctx, uint64_t deadline);
	void (*kick)(void *ctx);
	void (*teardown)(void *ctx);
	/* The controller's interrupt, masked at the device while the engine polls. */
	void (*msi_mask)(void *ctx, bool masked);
	void *ctx;
	bool msi;
};

/*
 * Engines that share one controller, each on its own core with its own I/O queue pair and no
 * lock between them. A controller reset (a timeout, fatal status, or asked for) takes every
 * queue pair down at once, so it is the group's: the engine that needs it asks (want), each
 * engine fails what it has at the controller and parks, the leader resets the controller when
 * all are parked and publishes the outcome (done, down); then they all serve again.
 */
struct blk_group {
	alignas(64) _Atomic uint32_t want; /* resets asked for */
	_Atomic uint32_t done;		   /* resets carried out */
	_Atomic uint32_t parked;	   /* engines off their queues for the reset under way */
	_Atomic uint32_t aborted;	   /* commands they failed for it */
	_Atomic int down;		   /* the last reset failed: the controller is gone */
	const char *_Atomic what;	   /* why the reset under way was asked for */
	unsigned int n;			   /* engines in the group */
};

struct blk_engine {
	alignas(64) _Atomic int stop;
	alignas(64) _Atomic int running;
	_Atomic int reset_req; /* the controller side asks for a reset (blk_engine_reset) */
	struct nvme_ctrl *ctrl;
	struct nvme_queue *q;
	struct blk_disk disks[BLK_MAX_DISKS];
	struct blk_slot *slots; /* q->entries of them: cid = index */
	uint64_t *prp;		/* BLK_PRP_ENTRIES per slot */
	uint64_t prp_pa;
	int32_t free;
	uint32_t n_free;
	uint32_t burst, rr;
	_Atomic uint32_t span;	   /* disks [0, span) may be in use: the rest are not looked at */
	uint32_t max_blocks_shift; /* max bytes per request, as a shift of the block size 512 */
	uint64_t timeout_ticks, next_check;
	uint64_t now, last_work;     /* the counter as last read; see blk_engine_run() */
	_Atomic uint64_t spin_ticks; /* polling after the last work before sleeping */
	bool worked;		     /* the last pass did work */
	uint64_t polls, idle_waits, submitted, completed, timeouts, resets, fatal, ring_faults;
	bool ctrl_down;
	/* Sleeping in WFI (blk_wake_ops); the flag says so to whoever would kick us. */
	const struct blk_wake_ops *wake;
	_Atomic uint32_t sleeping;
	uint64_t wfi_sleeps, wakes_kick, wakes_timer, wakes_msi, wakes_none, rechecks;
	struct vq_req vq_req; /* the chain being walked: private, as the guest may rewrite it */
	const struct dp_cost_ops *_Atomic cost;
	const struct dp_cost_ops *cost_ready; /* the one whose setup() ran on our core */
	_Atomic uint64_t busy_insns, busy_cycles, busy_passes;
	/*
	 * How long passes that did work right after a working pass took, by the timer (outside
	 * what dp_cost_ops counts): the longest, and how many took over BLK_SLOW_PASS_US. A
	 * pass waits for nothing, so a slow one was held up by the machine (an MMIO access
	 * stalled, the core taken away), while a wake-up that came late leaves the engine idle
	 * instead: the two tell apart.
	 */
	uint64_t pass_max_ticks, slow_passes;
	struct blk_group *grp; /* NULL: the engine alone resets its controller */
	bool leader;	       /* the group's engine that resets the controller */
	bool parked;	       /* off our queue until the group's reset is done */
	uint32_t seen;	       /* the group's resets we took part in */
};

/* Memory for the slots and PRP lists: 'slots' and 'prp' as blk_engine_mem_size() says. */
uint64_t blk_engine_mem_size(uint16_t entries);
void blk_engine_init(struct blk_engine *e, struct nvme_ctrl *c, struct nvme_queue *q, void *mem,
		     uint64_t mem_pa, uint32_t burst);
/* A group of 'n' engines on one controller; each joins it before it runs. */
void blk_group_init(struct blk_group *g, unsigned int n);
void blk_engine_join(struct blk_engine *e, struct blk_group *g, bool leader);
/* Ask the group for a controller reset (the shell's 'nvme reset'), as blk_engine_reset(). */
void blk_group_reset(struct blk_group *g);
/* Publish disk 'd' (the controller side, one at a time). E_NOMEM when all are taken. */
int blk_engine_attach(struct blk_engine *e, const struct blk_disk *tmpl, unsigned int *idx);
/*
 * Which of 'n' engines takes one more queue of a VM: 'load[i]' disks engine i serves now,
 * 'mine[i]' of them this VM's. The engine with the fewest of the VM's queues, so that a VM's
 * queues spread over the engines first (queue k on engine k mod n when they start even), then
 * the fewest disks, then the lowest number; an engine with BLK_MAX_DISKS disks is full. The
 * engine, or -1 when all are full. Portable: host-tested.
 */
int blk_pick_engine(const unsigned int *load, const unsigned int *mine, unsigned int n);
/* Ask the engine to let go; true once it has (then the slot is free). As dp_engine_detach(). */
bool blk_engine_detach(struct blk_engine *e, unsigned int idx, bool running);
/* One pass: completions, then up to 'burst' requests of each disk; work done. */
uint32_t blk_engine_poll(struct blk_engine *e);
void blk_engine_run(struct blk_engine *e);
void blk_engine_stop(struct blk_engine *e);
/* Sleep in WFI when idle with these (before blk_engine_run; NULL: WFE as before). */
void blk_engine_set_wake(struct blk_engine *e, const struct blk_wake_ops *ops);
/* How long the engine polls after its last work before it waits (default BLK_SPIN_US). */
#define BLK_SPIN_US	5000
#define BLK_SPIN_MAX_US 1000000
void blk_engine_set_spin(struct blk_engine *e, uint64_t us);
uint64_t blk_engine_spin_us(const struct blk_engine *e);
/*
 * After publishing work for the engine (a request head, an avail index, a stop, a reset, a
 * disk): wake it if it sleeps. Any core; a full barrier orders the caller's publication before
 * the read of the engine's sleeping flag.
 */
bool blk_engine_kick(struct blk_engine *e); /* true: it slept, and was kicked */
/* Start (ops) or stop (NULL) counting the engine's cost per pass. */
void blk_engine_set_cost(struct blk_engine *e, const struct dp_cost_ops *ops);
/* Have the engine fail every command at the controller ('aborted') and reset it. */
void blk_engine_reset(struct blk_engine *e);
/* Most blocks of 2^lba_shift bytes per request. */
uint32_t blk_engine_max_blocks(const struct blk_engine *e, uint32_t lba_shift);
const char *blk_status_name(unsigned int s);

#endif

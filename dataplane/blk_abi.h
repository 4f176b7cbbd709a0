/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The block service as a guest sees it (docs/block-service.md): the hypercall, the layout of
 * the ring region in the guest's RAM, the request and completion slots. Freestanding: the test
 * guests include it as well.
 */
#ifndef DATAPLANE_BLK_ABI_H
#define DATAPLANE_BLK_ABI_H

#include <stdint.h>

/*
 * MONADIC_HVC_DISK, x0 = 0x86000010 (SMCCC vendor-specific hypervisor service, fast), x1 = op:
 *   BLK_HVC_INFO    -> x0 = 0, x1 = blocks in the VM's share, x2 = block size in bytes,
 *                      x3 = most blocks per request (bits 31:0) | queue-depth limit (63:32);
 *                      x0 = E_NOENT (-3) when the VM has no disk
 *   BLK_HVC_ATTACH  x2 = IPA of the ring region (4 KiB aligned, inside the VM's RAM),
 *                   x3 = ring capacity in slots (bits 15:0, a power of two, 2..1024)
 *                        | INTID of an SPI to raise on completions (bits 47:32; 0 = none,
 *                        the guest waits in WFE and the engine's SEV wakes it)
 *                   -> x0 = 0, or a negative error
 *   BLK_HVC_DETACH  -> x0 = 0 once the engine has let go of the rings (requests in flight
 *                      are completed first)
 *                        | BLK_ATTACH_IRQ_ON_WAIT (bit 48): the SPI only while the
 *                        guest's wait word is set (below)
 *   BLK_HVC_STATUS  -> x0 = 0, x1 = state (0 none, 1 up, 2 shut by a ring fault),
 *                      x2 = requests completed, x3 = requests completed with an error
 *   BLK_HVC_KICK    -> x0 = 0: wakes the engine (a guest makes it after publishing requests
 *                      while the engine's sleep word is set); x0 = E_NOENT when not attached
 */
#define MONADIC_HVC_DISK 0x86000010U
#define BLK_HVC_INFO	 0
#define BLK_HVC_ATTACH	 1
#define BLK_HVC_DETACH	 2
#define BLK_HVC_STATUS	 3
#define BLK_HVC_KICK	 4

/* ATTACH x3 bit 48: raise the SPI only while the guest's wait word says it waits. */
#define BLK_ATTACH_IRQ_ON_WAIT (1ULL << 48)

/*
 * Region layout, from its start (bytes; the index lines as in dataplane/spsc.h: a 32-bit index
 * at the start of its own 128-byte block, so no two indices share a line or an adjacent-line
 * prefetch pair):
 *   0     request ring:    head (the guest writes), 128: tail (the engine writes)
 *   256   completion ring: head (the engine writes), 384: tail (the guest writes)
 *   512   request slots, capacity x BLK_REQ_SIZE bytes, then completion slots,
 *         capacity x BLK_CPL_SIZE bytes
 * Indices count slots from 0 and wrap at 2^32; slot i is at (index & (capacity - 1)).
 */
#define BLK_RING_CPL 256
/*
 * Two more words in the index lines, each written by the side that owns its line:
 *   132   the engine's sleep word: 1 while it sleeps in WFI. A guest that published requests
 *         makes a full barrier (DMB ISH), reads it and, when it is 1, makes BLK_HVC_KICK.
 *   388   the guest's wait word: with BLK_ATTACH_IRQ_ON_WAIT, the guest sets it to 1, makes a
 *         full barrier and looks at its completion ring once more before it waits for the
 *         SPI (WFI); the engine, after posting completions and a full barrier, raises the
 *         SPI only while it reads 1. The guest clears it when it wakes.
 * A guest that lies in them only delays itself (an engine it did not kick wakes at its next
 * periodic check, within 10 ms).
 */
#define BLK_RING_SLEEP_WORD 132
#define BLK_RING_WAIT_WORD  388
#define BLK_RING_SLOTS	    512
#define BLK_RING_MAX_CAP    1024
#define BLK_REQ_SIZE	    32
#define BLK_CPL_SIZE	    16

static inline uint64_t blk_region_size(uint32_t cap)
{
	return BLK_RING_SLOTS + (uint64_t)cap * (BLK_REQ_SIZE + BLK_CPL_SIZE);
}

enum blk_op {
	BLK_OP_READ = 1,	 /* count blocks from lba into buf */
	BLK_OP_WRITE = 2,	 /* count blocks from buf to lba */
	BLK_OP_FLUSH = 3,	 /* everything completed before is durable; lba, count, buf 0 */
	BLK_OP_WRITE_ZEROES = 4, /* count blocks at lba read back as zeroes; buf 0 */
	BLK_OP_DISCARD = 5,	 /* count blocks at lba may be deallocated; buf 0 */
};

/* A request slot. 'buf' is an IPA in the VM's RAM, 4-byte aligned, count x block size bytes. */
struct blk_req {
	uint64_t tag;	/* returned as it is in the completion */
	uint8_t op;	/* enum blk_op */
	uint8_t flags;	/* 0 */
	uint16_t rsvd;	/* 0 */
	uint32_t count; /* blocks */
	uint64_t lba;	/* relative to the start of the VM's share */
	uint64_t buf;
};

enum blk_status {
	BLK_OK = 0,
	BLK_E_OP = 1,	   /* unknown op, or flags / reserved bits set */
	BLK_E_RANGE = 2,   /* [lba, lba + count) not inside the share, or count 0 */
	BLK_E_BUF = 3,	   /* the buffer is not in the VM's RAM, or misaligned */
	BLK_E_SIZE = 4,	   /* more blocks than BLK_HVC_INFO allows */
	BLK_E_IO = 5,	   /* the controller failed it: 'nvme' holds SCT << 8 | SC */
	BLK_E_ABORTED = 6, /* lost to a controller reset (timeout or fatal status) */
	BLK_E_NODEV = 7,   /* the controller is down */
	BLK_STATUS__COUNT
};

/* A completion slot. */
struct blk_cpl {
	uint64_t tag;
	uint16_t status; /* enum blk_status */
	uint16_t nvme;	 /* with BLK_E_IO: the NVMe status (SCT << 8 | SC) */
	uint32_t rsvd;
};

_Static_assert(sizeof(struct blk_req) == BLK_REQ_SIZE, "request slot");
_Static_assert(sizeof(struct blk_cpl) == BLK_CPL_SIZE, "completion slot");

#endif

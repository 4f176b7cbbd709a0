/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * virtio-blk requests on a split virtqueue (virtio 1.2, 2.7 and 5.2), as the block engine reads
 * them from a guest's RAM: the layout of the rings, walking a descriptor chain into a private
 * copy with every index and buffer checked, and a request checked against the VM's share and
 * turned into the scatter list the NVMe command's PRPs are built from. Portable: host-tested.
 */
#ifndef DATAPLANE_VIRTQ_H
#define DATAPLANE_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

/* Split virtqueue layout (virtio 1.2, 2.7.5, 2.7.6, 2.7.8), little-endian. */
#define VIRTQ_DESC_F_NEXT	   1U
#define VIRTQ_DESC_F_WRITE	   2U
#define VIRTQ_DESC_F_INDIRECT	   4U
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1U
#define VIRTQ_MAX_SIZE		   256U /* what we offer as QueueNumMax */
#define VIRTQ_DESC_SIZE		   16U
#define VIRTQ_DESC_ALIGN	   16U
#define VIRTQ_AVAIL_ALIGN	   2U
#define VIRTQ_USED_ALIGN	   4U
#define VIRTQ_AVAIL_BYTES(n)	   (4U + 2U * (n) + 2U) /* flags, idx, ring[n], used_event */
#define VIRTQ_USED_BYTES(n)	   (4U + 8U * (n) + 2U) /* flags, idx, ring[n], avail_event */
#define VIRTQ_AVAIL_IDX		   2U
#define VIRTQ_AVAIL_RING	   4U
#define VIRTQ_USED_IDX		   2U
#define VIRTQ_USED_RING		   4U
/* VIRTIO_F_EVENT_IDX (2.7.7, 2.7.10): used_event after the avail ring, avail_event after used. */
#define VIRTQ_USED_EVENT(n)  (VIRTQ_AVAIL_RING + 2U * (n))
#define VIRTQ_AVAIL_EVENT(n) (VIRTQ_USED_RING + 8U * (n))
/* An indirect table's entries at most (2.7.5.3): what one chain of ours can use, and more. */
#define VIRTQ_INDIRECT_MAX 256U

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

_Static_assert(sizeof(struct virtq_desc) == VIRTQ_DESC_SIZE, "descriptor");

/* virtio-blk (virtio 1.2, 5.2.6): the request header's type and the status byte. */
#define VIRTIO_BLK_T_IN		  0U
#define VIRTIO_BLK_T_OUT	  1U
#define VIRTIO_BLK_T_FLUSH	  4U
#define VIRTIO_BLK_T_GET_ID	  8U
#define VIRTIO_BLK_T_DISCARD	  11U
#define VIRTIO_BLK_T_WRITE_ZEROES 13U
#define VIRTIO_BLK_ID_BYTES	  20U /* GET_ID's answer: the serial, NUL-padded */
#define VIRTIO_BLK_WZ_UNMAP	  1U  /* virtio_blk_discard_write_zeroes.flags: may deallocate */
#define VIRTIO_BLK_RANGE_SIZE	  16U /* le64 sector, le32 num_sectors, le32 flags */
#define VIRTIO_BLK_S_OK		  0U
#define VIRTIO_BLK_S_IOERR	  1U
#define VIRTIO_BLK_S_UNSUPP	  2U
#define VIRTIO_BLK_HDR_SIZE	  16U /* le32 type, le32 reserved, le64 sector */
#define VIRTIO_BLK_SECTOR_SHIFT	  9U  /* 'sector' counts 512 bytes, whatever blk_size says */

/* Data segments one request may have: the seg_max we offer (a PRP list per command holds 64). */
#define VBLK_SEG_MAX 62U

/* A VM's RAM as the engine sees it: IPA [ipa, ipa + size) is PA [pa, pa + size). */
struct vq_mem {
	uint64_t ipa, size, pa;
};

struct vq_seg {
	uint64_t pa;
	uint32_t len;
};

/*
 * A walked chain: its header, where its status byte goes, its data (for VIRTIO_BLK_T_IN the
 * device-writable bytes before the status byte, for VIRTIO_BLK_T_OUT the device-readable bytes
 * after the header), and, when the request is malformed but has a status byte to say so, why.
 */
struct vq_req {
	uint16_t head;
	uint32_t type;
	uint64_t sector;
	uint64_t status_pa; /* the chain's last device-writable byte */
	struct vq_seg seg[VBLK_SEG_MAX];
	unsigned int n_seg;
	uint64_t bytes;	  /* data bytes over seg[] */
	unsigned int bad; /* enum vq_bad: the request fails with IOERR (or UNSUPP) */
	/* DISCARD and WRITE_ZEROES: their one range (5.2.6), copied out of the guest's RAM. */
	uint64_t range_sector;
	uint32_t range_sectors, range_flags;
};

enum vq_bad {
	VQ_BAD_NONE,
	VQ_BAD_BUF,    /* a buffer outside the VM's RAM (its status byte is inside) */
	VQ_BAD_HEADER, /* fewer than 16 device-readable bytes */
	VQ_BAD_SEGS,   /* more data segments than seg_max */
	VQ_BAD_DIR,    /* data in the wrong direction for the type */
	VQ_BAD_RANGES, /* DISCARD or WRITE_ZEROES without exactly one 16-byte range */
};

/*
 * Walk the chain starting at descriptor 'head' of the table 'desc' ('size' entries, in guest
 * RAM: each descriptor is read once into a private copy). The chain may end in an indirect
 * descriptor (VIRTIO_F_INDIRECT_DESC, 2.7.5.3) whose table, in the VM's RAM, 8-byte aligned and
 * of 1 to VIRTQ_INDIRECT_MAX whole descriptors, holds the rest of it from entry 0. A chain that
 * cannot be answered (an index out of range, a loop or a chain longer than its table, an
 * indirect descriptor with NEXT set, inside an indirect table or with a bad table, a
 * device-readable descriptor after a device-writable one, no device-writable byte for the
 * status, or a status byte outside the VM's RAM) returns false with 'why' set: the device needs
 * a reset. Otherwise true, with r->bad saying whether the request itself is bad; the header
 * (and a DISCARD or WRITE_ZEROES range) is copied out of guest RAM.
 */
bool vq_walk(const struct virtq_desc *desc, uint16_t size, uint16_t head, const struct vq_mem *m,
	     struct vq_req *r, const char **why);

/*
 * A queue the driver made ready (virtio 1.2, 2.7 and 4.2.2): its size a power of two up to
 * VIRTQ_MAX_SIZE, its descriptor table 16-byte aligned, driver area 2, device area 4. NULL
 * when it is usable, else why not (its areas' place in the VM's RAM is the caller's check).
 */
const char *vq_layout_check(uint32_t num, uint64_t desc, uint64_t driver, uint64_t device);

/*
 * PRP entries for a scatter list (NVMe Base 2.0, 4.1.1): PRP1 at the first byte, then every
 * page: only possible when every segment but the first starts on a page and every segment but
 * the last ends on one. Fills list[0, n) with the pages after PRP1's and returns n (PRP2 is
 * list[0] itself when n == 1, the list's address otherwise), or -1 when the segments do not fit
 * PRPs or more than 'max' entries would be needed.
 */
int vq_prp_entries(const struct vq_seg *seg, unsigned int n_seg, uint64_t *list, unsigned int max);

/*
 * Answer a walked GET_ID request (its device-writable data: r->seg) with 'id': its first
 * VIRTIO_BLK_ID_BYTES bytes, or as many as the buffer holds. Returns the bytes written.
 */
uint32_t vq_put_id(const struct vq_req *r, const char id[VIRTIO_BLK_ID_BYTES]);

/*
 * VIRTIO_F_EVENT_IDX (2.7.7.2): the driver asked for a used buffer notification when the used
 * index passes 'event'; 'old' is the index at the last notification decision, 'now' the new.
 */
static inline bool vq_need_event(uint16_t event, uint16_t now, uint16_t old)
{
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

#endif

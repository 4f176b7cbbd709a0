// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Walking a guest's virtio-blk descriptor chain and building PRPs from it: pure, host-tested. */
#include "dataplane/virtq.h"

#include <stddef.h>

#define VQ_PAGE 4096U /* NVMe CC.MPS = 0: the memory page of every PRP */

/* [addr, addr + len) inside the VM's RAM without overflow: its PA, else false. */
static bool ram_pa(const struct vq_mem *m, uint64_t addr, uint64_t len, uint64_t *pa)
{
	uint64_t off = addr - m->ipa;

	if (addr < m->ipa || off >= m->size || len > m->size - off)
		return false;
	*pa = m->pa + off;
	return true;
}

/* One descriptor, read once: the guest may rewrite the table meanwhile. */
static void read_desc(struct virtq_desc *d, const struct virtq_desc *slot)
{
	const volatile struct virtq_desc *s = slot;

	d->addr = s->addr;
	d->len = s->len;
	d->flags = s->flags;
	d->next = s->next;
}

/* Append [pa, pa + len) of data; false when seg_max is reached. */
static bool add_seg(struct vq_req *r, uint64_t pa, uint64_t len)
{
	if (!len)
		return true;
	if (r->n_seg == VBLK_SEG_MAX)
		return false;
	r->seg[r->n_seg++] = (struct vq_seg){ .pa = pa, .len = (uint32_t)len };
	r->bytes += len;
	return true;
}

/*
 * The one range of a DISCARD or WRITE_ZEROES request (struct virtio_blk_discard_write_zeroes,
 * 5.2.6): the device-readable data after the header, exactly 16 bytes however it is framed
 * (we offer max_discard_seg = max_write_zeroes_seg = 1). Read once, byte by byte.
 */
static void read_range(struct vq_req *r, const struct vq_seg *rd, unsigned int n_rd)
{
	uint8_t b[VIRTIO_BLK_RANGE_SIZE];
	uint32_t got = 0;

	for (unsigned int i = 0; i < n_rd; i++) {
		const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)rd[i].pa;

		if (rd[i].len > VIRTIO_BLK_RANGE_SIZE - got) {
			r->bad = VQ_BAD_RANGES;
			return;
		}
		for (uint32_t k = 0; k < rd[i].len; k++)
			b[got++] = p[k];
	}
	if (got != VIRTIO_BLK_RANGE_SIZE) {
		r->bad = VQ_BAD_RANGES;
		return;
	}
	for (int k = 7; k >= 0; k--)
		r->range_sector = r->range_sector << 8 | b[k];
	for (int k = 3; k >= 0; k--) {
		r->range_sectors = r->range_sectors << 8 | b[8 + k];
		r->range_flags = r->range_flags << 8 | b[12 + k];
	}
}

bool vq_walk(const struct virtq_desc *desc, uint16_t size, uint16_t head, const struct vq_mem *m,
	     struct vq_req *r, const char **why)
{
	uint8_t hdr[VIRTIO_BLK_HDR_SIZE];
	uint32_t hdr_got = 0, idx = head, n = 0, tsize = size;
	const struct virtq_desc *tbl = desc; /* the queue's table, then maybe an indirect one */
	bool indirect = false;
	bool writable = false, ram_ok = true;
	/* The chain's buffers by direction: data is picked out once the type is known. */
	struct vq_seg rd[VBLK_SEG_MAX + 2], wr[VBLK_SEG_MAX + 2];
	unsigned int n_rd = 0, n_wr = 0, n_data = 0;
	bool too_many = false;
	uint64_t last_wr_pa = 0;
	bool have_wr = false;

	*r = (struct vq_req){ .head = head };
	for (;;) {
		struct virtq_desc d;
		uint64_t pa = 0;
		bool in_ram;

		if (idx >= tsize) {
			*why = indirect ? "a descriptor index past its indirect table"
					: "a descriptor index past the queue";
			return false;
		}
		if (++n > tsize) {
			*why = "a descriptor chain that loops (longer than its table)";
			return false;
		}
		read_desc(&d, &tbl[idx]);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			uint64_t tpa;

			/* The chain goes on in the table it names, from entry 0 (2.7.5.3.1). */
			if (indirect || (d.flags & VIRTQ_DESC_F_NEXT)) {
				*why = "an indirect descriptor with NEXT set or inside an indirect "
				       "table";
				return false;
			}
			if (!d.len || (d.len % VIRTQ_DESC_SIZE) ||
			    d.len / VIRTQ_DESC_SIZE > VIRTQ_INDIRECT_MAX || (d.addr & 7) ||
			    !ram_pa(m, d.addr, d.len, &tpa)) {
				*why = "an indirect table that is empty, not whole descriptors, "
				       "too long, misaligned or outside the VM's RAM";
				return false;
			}
			tbl = (const struct virtq_desc *)(uintptr_t)tpa;
			tsize = d.len / VIRTQ_DESC_SIZE;
			indirect = true;
			idx = 0;
			n = 0;
			continue;
		}
		if (d.flags & VIRTQ_DESC_F_WRITE)
			writable = true;
		else if (writable) {
			*why = "a device-readable descriptor after a device-writable one";
			return false;
		}
		in_ram = !d.len || ram_pa(m, d.addr, d.len, &pa);
		if (!in_ram)
			ram_ok = false;
		if (d.len && (d.flags & VIRTQ_DESC_F_WRITE)) {
			/* The status byte is the last writable byte: it must be in RAM. */
			if (in_ram) {
				have_wr = true;
				last_wr_pa = pa + d.len - 1;
			} else {
				have_wr = d.addr + d.len > d.addr &&
					  ram_pa(m, d.addr + d.len - 1, 1, &last_wr_pa);
			}
			if (n_wr < VBLK_SEG_MAX + 2)
				wr[n_wr++] = (struct vq_seg){ .pa = pa, .len = d.len };
			else
				too_many = true;
		} else if (d.len) {
			if (n_rd < VBLK_SEG_MAX + 2)
				rd[n_rd++] = (struct vq_seg){ .pa = pa, .len = d.len };
			else
				too_many = true;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	if (!have_wr) {
		*why = "no device-writable status byte inside the VM's RAM";
		return false;
	}
	r->status_pa = last_wr_pa;
	if (!ram_ok) {
		r->bad = VQ_BAD_BUF;
		return true;
	}
	if (too_many) {
		r->bad = VQ_BAD_SEGS;
		return true;
	}
	/* The header: the first 16 device-readable bytes, however they are framed (2.6.4). */
	for (unsigned int i = 0; i < n_rd; i++) {
		const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)rd[i].pa;
		uint32_t k = 0;

		for (; k < rd[i].len && hdr_got < VIRTIO_BLK_HDR_SIZE; k++)
			hdr[hdr_got++] = p[k];
		if (k < rd[i].len) /* what follows the header is data */
			rd[n_data++] = (struct vq_seg){ .pa = rd[i].pa + k, .len = rd[i].len - k };
	}
	n_rd = n_data;
	if (hdr_got < VIRTIO_BLK_HDR_SIZE) {
		r->bad = VQ_BAD_HEADER;
		return true;
	}
	r->type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
		  (uint32_t)hdr[3] << 24;
	for (int b = 7; b >= 0; b--)
		r->sector = r->sector << 8 | hdr[8 + b];
	/* The last writable byte is the status: the writable data is what comes before it. */
	wr[n_wr - 1].len--;
	if (r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_GET_ID) {
		for (unsigned int i = 0; i < n_wr; i++)
			if (!add_seg(r, wr[i].pa, wr[i].len))
				r->bad = VQ_BAD_SEGS;
		if (n_rd)
			r->bad = VQ_BAD_DIR;
	} else if (r->type == VIRTIO_BLK_T_DISCARD || r->type == VIRTIO_BLK_T_WRITE_ZEROES) {
		read_range(r, rd, n_rd);
		for (unsigned int i = 0; i < n_wr; i++)
			if (wr[i].len)
				r->bad = VQ_BAD_DIR;
	} else if (r->type == VIRTIO_BLK_T_OUT) {
		for (unsigned int i = 0; i < n_rd; i++)
			if (!add_seg(r, rd[i].pa, rd[i].len))
				r->bad = VQ_BAD_SEGS;
		for (unsigned int i = 0; i < n_wr; i++)
			if (wr[i].len)
				r->bad = VQ_BAD_DIR;
	}
	return true;
}

const char *vq_layout_check(uint32_t num, uint64_t desc, uint64_t driver, uint64_t device)
{
	if (!num || num > VIRTQ_MAX_SIZE || (num & (num - 1)))
		return "queue size not a power of two up to 256";
	if ((desc & (VIRTQ_DESC_ALIGN - 1)) || (driver & (VIRTQ_AVAIL_ALIGN - 1)) ||
	    (device & (VIRTQ_USED_ALIGN - 1)))
		return "queue areas misaligned";
	return NULL;
}

int vq_prp_entries(const struct vq_seg *seg, unsigned int n_seg, uint64_t *list, unsigned int max)
{
	unsigned int n = 0;

	if (!n_seg || (seg[0].pa & 3))
		return -1;
	for (unsigned int i = 0; i < n_seg; i++) {
		uint64_t pa = seg[i].pa, end = pa + seg[i].len;
		uint64_t page = pa & ~(uint64_t)(VQ_PAGE - 1);

		if (!seg[i].len || end < pa)
			return -1;
		if (i && (pa & (VQ_PAGE - 1)))
			return -1; /* a later segment must start a page */
		if (i + 1 < n_seg && (end & (VQ_PAGE - 1)))
			return -1; /* an earlier one must end one */
		/* Every page this segment touches, but the first one of all (PRP1's). */
		for (page = i ? page : page + VQ_PAGE; page < end; page += VQ_PAGE) {
			if (n == max)
				return -1;
			list[n++] = page;
		}
	}
	return (int)n;
}

uint32_t vq_put_id(const struct vq_req *r, const char id[VIRTIO_BLK_ID_BYTES])
{
	uint32_t put = 0;

	for (unsigned int i = 0; i < r->n_seg && put < VIRTIO_BLK_ID_BYTES; i++) {
		volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)r->seg[i].pa;

		for (uint32_t k = 0; k < r->seg[i].len && put < VIRTIO_BLK_ID_BYTES; k++)
			p[k] = (uint8_t)id[put++];
	}
	return put;
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Checking a guest's block request against its share and its RAM: pure, host-tested. */
#include "dataplane/blk.h"

/* [off, off + len) inside [0, size), without overflow. */
static bool inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off < size && len <= size - off;
}

enum blk_status blk_check(const struct blk_req *r, const struct blk_share *s,
			  const struct blk_mem *m, uint32_t max_blocks, struct blk_cmd *cmd)
{
	uint64_t bytes;

	*cmd = (struct blk_cmd){ .nsid = s->nsid };
	if (r->flags || r->rsvd)
		return BLK_E_OP;
	switch (r->op) {
	case BLK_OP_FLUSH:
		cmd->opcode = NVME_CMD_FLUSH;
		return BLK_OK; /* lba, count and buf are not used */
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		if (r->count > max_blocks)
			return BLK_E_SIZE;
		break;
	case BLK_OP_WRITE_ZEROES:
	case BLK_OP_DISCARD:
		if (r->count > BLK_MAX_RANGE_BLOCKS)
			return BLK_E_SIZE;
		break;
	default:
		return BLK_E_OP;
	}
	if (!r->count || !inside(r->lba, r->count, s->count))
		return BLK_E_RANGE;
	cmd->slba = s->start + r->lba;
	cmd->nlb = r->count;
	if (r->op == BLK_OP_WRITE_ZEROES) {
		cmd->opcode = NVME_CMD_WRITE_ZEROES;
		return BLK_OK;
	}
	if (r->op == BLK_OP_DISCARD) {
		cmd->opcode = NVME_CMD_DSM;
		return BLK_OK;
	}
	/* The buffer: dword aligned (a PRP's offset, NVMe Base 2.0 4.1.1), wholly in the RAM. */
	bytes = (uint64_t)r->count << s->lba_shift;
	if ((r->buf & 3) || r->buf < m->ipa || !inside(r->buf - m->ipa, bytes, m->size))
		return BLK_E_BUF;
	cmd->opcode = r->op == BLK_OP_READ ? NVME_CMD_READ : NVME_CMD_WRITE;
	cmd->pa = m->pa + (r->buf - m->ipa);
	cmd->bytes = bytes;
	return BLK_OK;
}

/*
 * DISCARD or WRITE_ZEROES: their range in 512-byte sectors, whole blocks inside the share, at
 * most BLK_MAX_RANGE_BLOCKS (the max_discard_sectors and max_write_zeroes_sectors we offer).
 * The only flag is WRITE_ZEROES' unmap, which allows but does not require deallocation: the
 * write of zeroes serves it. Any flag on a DISCARD is unsupported (5.2.6.2).
 */
static enum blk_status check_range(const struct vq_req *r, const struct blk_share *s,
				   struct blk_cmd *cmd)
{
	uint64_t lba_mask = (1ULL << s->lba_shift) - 1, first, bytes;
	bool zeroes = r->type == VIRTIO_BLK_T_WRITE_ZEROES;

	if (r->range_flags & ~(zeroes ? VIRTIO_BLK_WZ_UNMAP : 0U))
		return BLK_E_OP;
	if (r->range_sector > (UINT64_MAX >> VIRTIO_BLK_SECTOR_SHIFT))
		return BLK_E_RANGE;
	first = r->range_sector << VIRTIO_BLK_SECTOR_SHIFT;
	bytes = (uint64_t)r->range_sectors << VIRTIO_BLK_SECTOR_SHIFT;
	if (!bytes || (bytes & lba_mask) || (first & lba_mask))
		return BLK_E_RANGE;
	if ((bytes >> s->lba_shift) > BLK_MAX_RANGE_BLOCKS)
		return BLK_E_SIZE;
	if (!inside(first >> s->lba_shift, bytes >> s->lba_shift, s->count))
		return BLK_E_RANGE;
	cmd->opcode = zeroes ? NVME_CMD_WRITE_ZEROES : NVME_CMD_DSM;
	cmd->slba = s->start + (first >> s->lba_shift);
	cmd->nlb = (uint32_t)(bytes >> s->lba_shift);
	return BLK_OK;
}

enum blk_status blk_check_virtio(const struct vq_req *r, const struct blk_share *s,
				 uint32_t max_blocks, struct blk_cmd *cmd)
{
	uint64_t bytes = r->bytes, lba_mask = (1ULL << s->lba_shift) - 1, first;

	*cmd = (struct blk_cmd){ .nsid = s->nsid };
	if (r->bad == VQ_BAD_BUF)
		return BLK_E_BUF;
	if (r->bad)
		return BLK_E_OP;
	switch (r->type) {
	case VIRTIO_BLK_T_FLUSH:
		cmd->opcode = NVME_CMD_FLUSH;
		return BLK_OK;
	case VIRTIO_BLK_T_IN:
		cmd->opcode = NVME_CMD_READ;
		break;
	case VIRTIO_BLK_T_OUT:
		cmd->opcode = NVME_CMD_WRITE;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return check_range(r, s, cmd);
	default:
		return BLK_E_OP; /* GET_ID is answered by the engine itself; others are unknown */
	}
	/* 'sector' counts 512 bytes (5.2.6); the namespace's blocks may be larger. */
	if (r->sector > (UINT64_MAX >> VIRTIO_BLK_SECTOR_SHIFT))
		return BLK_E_RANGE;
	first = r->sector << VIRTIO_BLK_SECTOR_SHIFT;
	if (!bytes || (bytes & lba_mask) || (first & lba_mask) || (r->seg[0].pa & 3))
		return BLK_E_BUF;
	if ((bytes >> s->lba_shift) > max_blocks)
		return BLK_E_SIZE;
	if (!inside(first >> s->lba_shift, bytes >> s->lba_shift, s->count))
		return BLK_E_RANGE;
	cmd->slba = s->start + (first >> s->lba_shift);
	cmd->nlb = (uint32_t)(bytes >> s->lba_shift);
	cmd->pa = r->seg[0].pa;
	cmd->bytes = bytes;
	cmd->seg = r->seg;
	cmd->n_seg = r->n_seg;
	return BLK_OK;
}

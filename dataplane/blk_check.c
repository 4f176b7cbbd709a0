// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Checking a guest's block request against its share and its RAM: pure, host-tested. */
#include "dataplane/blk.h"

#define BLK_MAX_RANGE_BLOCKS 65536u /* NLB is a 0's based 16-bit field (Write Zeroes) */

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

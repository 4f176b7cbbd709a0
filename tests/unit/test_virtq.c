// SPDX-License-Identifier: BSD-2-Clause-Patent
/* virtio-blk chains as the block engine walks them (dataplane/virtq.c), their check against the
 * share (blk_check_virtio) and PRPs from their segments: framing, every lie a driver can tell in
 * a descriptor table, and fuzzed tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "dataplane/blk.h"
#include "dataplane/virtq.h"

#define PG	 4096ULL
#define RAM_IPA	 0x40000000ULL
#define RAM_SIZE (1ULL << 20)
#define QSIZE	 16

static uint8_t *ram;		/* the guest's RAM: IPA RAM_IPA is ram[0] */
static struct virtq_desc *desc; /* QSIZE entries, allocated to size for ASan */
static struct vq_mem mem;
static const struct blk_share share = { .nsid = 1, .lba_shift = 9, .start = 1000, .count = 4096 };

static void setup(void)
{
	if (!ram) {
		ram = aligned_alloc(PG, RAM_SIZE);
		desc = malloc(QSIZE * sizeof(*desc));
	}
	memset(ram, 0, RAM_SIZE);
	memset(desc, 0, QSIZE * sizeof(*desc));
	mem = (struct vq_mem){ .ipa = RAM_IPA, .size = RAM_SIZE, .pa = (uint64_t)(uintptr_t)ram };
}

static uint64_t pa_of(uint64_t ipa)
{
	return (uint64_t)(uintptr_t)ram + (ipa - RAM_IPA);
}

static void set(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc[i] = (struct virtq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* A request header at IPA 'ipa'. */
static void header(uint64_t ipa, uint32_t type, uint64_t sector)
{
	uint8_t *h = ram + (ipa - RAM_IPA);

	memcpy(h, &type, 4);
	memset(h + 4, 0, 4);
	memcpy(h + 8, &sector, 8);
}

/* Linux's framing: header, data, status, each its own descriptor. */
static void linux_chain(uint32_t type, uint64_t sector, uint32_t len)
{
	uint16_t dir = type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0;

	header(RAM_IPA + 0x1000, type, sector);
	set(3, RAM_IPA + 0x1000, 16, VIRTQ_DESC_F_NEXT, 7);
	set(7, RAM_IPA + 0x4000, len, VIRTQ_DESC_F_NEXT | dir, 2);
	set(2, RAM_IPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
}

static void test_linux_read(void)
{
	struct vq_req r;
	struct blk_cmd c;
	const char *why = NULL;

	setup();
	linux_chain(VIRTIO_BLK_T_IN, 8, 8192);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.head, 3);
	CHECK_EQ_U64(r.type, VIRTIO_BLK_T_IN);
	CHECK_EQ_U64(r.sector, 8);
	CHECK_EQ_U64(r.n_seg, 1);
	CHECK_EQ_U64(r.seg[0].pa, pa_of(RAM_IPA + 0x4000));
	CHECK_EQ_U64(r.bytes, 8192);
	CHECK_EQ_U64(r.status_pa, pa_of(RAM_IPA + 0x3000));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_READ);
	CHECK_EQ_U64(c.slba, 1008);
	CHECK_EQ_U64(c.nlb, 16);
	CHECK_EQ_U64(c.n_seg, 1);
	/* A write, a flush, a type we do not offer. */
	linux_chain(VIRTIO_BLK_T_OUT, 4095, 512);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_WRITE);
	CHECK_EQ_U64(c.slba, 1000 + 4095);
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_FLUSH, 0);
	set(3, RAM_IPA + 0x1000, 16, VIRTQ_DESC_F_NEXT, 2);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(r.n_seg, 0);
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_FLUSH);
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_GET_ID, 0);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_OP);
}

/* The device must not assume framing (2.6.4): header and data, data and status may share. */
static void test_any_framing(void)
{
	struct vq_req r;
	const char *why = NULL;

	setup();
	/* A write: the header and 1 KiB of data in one buffer split over two descriptors. */
	header(RAM_IPA + 0x2000 - 10, VIRTIO_BLK_T_OUT, 64);
	set(0, RAM_IPA + 0x2000 - 10, 10, VIRTQ_DESC_F_NEXT, 1);
	set(1, RAM_IPA + 0x2000, 6 + 1024, VIRTQ_DESC_F_NEXT, 2);
	set(2, RAM_IPA + 0x5000, 1, VIRTQ_DESC_F_WRITE, 0);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.type, VIRTIO_BLK_T_OUT);
	CHECK_EQ_U64(r.sector, 64);
	CHECK_EQ_U64(r.n_seg, 1);
	CHECK_EQ_U64(r.seg[0].pa, pa_of(RAM_IPA + 0x2006));
	CHECK_EQ_U64(r.bytes, 1024);
	/* A read whose data and status share the last buffer. */
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_IN, 0);
	set(0, RAM_IPA + 0x1000, 16, VIRTQ_DESC_F_NEXT, 1);
	set(1, RAM_IPA + 0x8000, 4096 + 1, VIRTQ_DESC_F_WRITE, 0);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.bytes, 4096);
	CHECK_EQ_U64(r.status_pa, pa_of(RAM_IPA + 0x9000));
	/* Data in the wrong direction for the type. */
	set(0, RAM_IPA + 0x1000, 16 + 512, VIRTQ_DESC_F_NEXT, 1);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_DIR);
	/* A header short of 16 bytes. */
	set(0, RAM_IPA + 0x1000, 8, VIRTQ_DESC_F_NEXT, 1);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_HEADER);
}

/* Chains that cannot be answered: the queue is shut and the device needs a reset. */
static void test_fatal_chains(void)
{
	struct vq_req r;
	const char *why;

	setup();
	linux_chain(VIRTIO_BLK_T_IN, 0, 512);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, QSIZE, &mem, &r, &why) && why); /* head past the queue */
	set(7, RAM_IPA + 0x4000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, QSIZE + 3);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 3, &mem, &r, &why) && why); /* next past the queue */
	set(7, RAM_IPA + 0x4000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 7);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 3, &mem, &r, &why) && strstr(why, "loop")); /* 7 -> 7 */
	for (unsigned int i = 0; i < QSIZE; i++) /* one long loop through every entry */
		set(i, RAM_IPA, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, (i + 1) % QSIZE);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 5, &mem, &r, &why) && strstr(why, "loop"));
	setup();
	linux_chain(VIRTIO_BLK_T_IN, 0, 512);
	set(7, RAM_IPA + 0x4000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_INDIRECT, 2);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 3, &mem, &r, &why) && strstr(why, "indirect"));
	/* Readable after writable. */
	set(7, RAM_IPA + 0x4000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	set(2, RAM_IPA + 0x3000, 1, 0, 0);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 3, &mem, &r, &why) && strstr(why, "readable"));
	/* No writable byte at all, or the status byte outside RAM. */
	set(3, RAM_IPA + 0x1000, 16, 0, 0);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 3, &mem, &r, &why) && strstr(why, "status"));
	linux_chain(VIRTIO_BLK_T_IN, 0, 512);
	set(2, RAM_IPA + RAM_SIZE, 1, VIRTQ_DESC_F_WRITE, 0);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 3, &mem, &r, &why) && strstr(why, "status"));
	set(2, ~0ULL, 2, VIRTQ_DESC_F_WRITE, 0); /* wraps */
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 3, &mem, &r, &why) && strstr(why, "status"));
}

/* Requests that are answered with an error status. */
static void test_bad_requests(void)
{
	struct vq_req r;
	struct blk_cmd c;
	const char *why = NULL;
	struct blk_share big = share;

	setup();
	linux_chain(VIRTIO_BLK_T_IN, 0, 512);
	set(7, RAM_IPA - 0x1000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2); /* below RAM */
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_BUF);
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_BUF);
	set(7, RAM_IPA + RAM_SIZE - 256, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_BUF); /* straddles its end */
	/* The share: past its end, straddling it, a sector that overflows when scaled. */
	linux_chain(VIRTIO_BLK_T_IN, 4096, 512);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_RANGE);
	linux_chain(VIRTIO_BLK_T_IN, 4095, 1024);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_RANGE);
	linux_chain(VIRTIO_BLK_T_IN, ~0ULL >> 2, 512);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_RANGE);
	/* Not whole blocks; more than one command moves; no data. */
	linux_chain(VIRTIO_BLK_T_IN, 0, 700);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_BUF);
	linux_chain(VIRTIO_BLK_T_IN, 0, 129 * 512);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_SIZE);
	linux_chain(VIRTIO_BLK_T_IN, 0, 0);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_BUF);
	/* 4 KiB blocks: sectors and lengths must be whole blocks. */
	big.lba_shift = 12;
	linux_chain(VIRTIO_BLK_T_IN, 4, 4096);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &big, 32, &c), BLK_E_BUF);
	linux_chain(VIRTIO_BLK_T_IN, 8, 4096);
	CHECK(vq_walk(desc, QSIZE, 3, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &big, 32, &c), BLK_OK);
	CHECK_EQ_U64(c.slba, 1001);
	CHECK_EQ_U64(c.nlb, 1);
}

static void test_too_many_segments(void)
{
	static struct virtq_desc big[VBLK_SEG_MAX + 3];
	struct vq_req r;
	const char *why = NULL;
	struct vq_mem m;
	unsigned int n = VBLK_SEG_MAX + 3; /* header, seg_max + 1 data, status */

	setup();
	m = mem;
	header(RAM_IPA, VIRTIO_BLK_T_IN, 0);
	big[0] = (struct virtq_desc){ RAM_IPA, 16, VIRTQ_DESC_F_NEXT, 1 };
	for (unsigned int i = 1; i + 1 < n; i++)
		big[i] = (struct virtq_desc){ RAM_IPA + i * PG, 512,
					      VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
					      (uint16_t)(i + 1) };
	big[n - 1] = (struct virtq_desc){ RAM_IPA + 0x80000, 1, VIRTQ_DESC_F_WRITE, 0 };
	CHECK(vq_walk(big, (uint16_t)n, 0, &m, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_SEGS);
	big[n - 3].next = (uint16_t)(n - 1); /* one fewer: exactly seg_max */
	CHECK(vq_walk(big, (uint16_t)n, 0, &m, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.n_seg, VBLK_SEG_MAX);
}

static void test_prp_from_segments(void)
{
	uint64_t list[64];
	struct vq_seg s[4];

	s[0] = (struct vq_seg){ 0x10000200, 512 }; /* inside one page: PRP1 only */
	CHECK_EQ_U64(vq_prp_entries(s, 1, list, 64), 0);
	s[0] = (struct vq_seg){ 0x10000200, 4096 }; /* crosses into the next page */
	CHECK_EQ_U64(vq_prp_entries(s, 1, list, 64), 1);
	CHECK_EQ_U64(list[0], 0x10001000);
	s[0] = (struct vq_seg){ 0x10000800, 2048 }; /* ends a page */
	s[1] = (struct vq_seg){ 0x20000000, 8192 }; /* whole pages elsewhere */
	s[2] = (struct vq_seg){ 0x30000000, 100 };  /* starts a page, ends anywhere */
	CHECK_EQ_U64(vq_prp_entries(s, 3, list, 64), 3);
	CHECK_EQ_U64(list[0], 0x20000000);
	CHECK_EQ_U64(list[1], 0x20001000);
	CHECK_EQ_U64(list[2], 0x30000000);
	/* A middle segment that does not start a page, or an earlier one that does not end one. */
	s[1].pa += 512;
	CHECK_EQ_U64(vq_prp_entries(s, 3, list, 64), (uint64_t)-1);
	s[1].pa -= 512;
	s[0].len = 1024;
	CHECK_EQ_U64(vq_prp_entries(s, 3, list, 64), (uint64_t)-1);
	s[0].len = 2048;
	CHECK_EQ_U64(vq_prp_entries(s, 3, list, 2), (uint64_t)-1); /* more entries than room */
	s[0].pa |= 2;						   /* PRPs are dword aligned */
	CHECK_EQ_U64(vq_prp_entries(s, 1, list, 64), (uint64_t)-1);
}

/* An indirect table (2.7.5.3): the chain goes on in it from entry 0, checked the same way. */
static void test_indirect(void)
{
	struct virtq_desc *t = (struct virtq_desc *)(void *)(ram + 0x6000); /* IPA +0x6000 */
	struct vq_req r;
	const char *why;

	setup();
	/* Linux's framing inside the table, one indirect descriptor in the queue. */
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_IN, 8);
	t[0] = (struct virtq_desc){ RAM_IPA + 0x1000, 16, VIRTQ_DESC_F_NEXT, 1 };
	t[1] = (struct virtq_desc){ RAM_IPA + 0x4000, 8192, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
				    2 };
	t[2] = (struct virtq_desc){ RAM_IPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0 };
	/* The WRITE flag of the descriptor naming the table is ignored (2.7.5.3.2). */
	set(5, RAM_IPA + 0x6000, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	why = NULL;
	CHECK(vq_walk(desc, QSIZE, 5, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.head, 5);
	CHECK_EQ_U64(r.sector, 8);
	CHECK_EQ_U64(r.n_seg, 1);
	CHECK_EQ_U64(r.bytes, 8192);
	CHECK_EQ_U64(r.seg[0].pa, pa_of(RAM_IPA + 0x4000));
	CHECK_EQ_U64(r.status_pa, pa_of(RAM_IPA + 0x3000));
	/* The header in the queue, the rest in the table. */
	set(4, RAM_IPA + 0x1000, 16, VIRTQ_DESC_F_NEXT, 5);
	set(5, RAM_IPA + 0x6000 + 16, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	t[2].next = 7; /* no NEXT flag: not followed */
	t[1].next = 1; /* entries of the table count from its own start */
	CHECK(vq_walk(desc, QSIZE, 4, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.bytes, 8192);
	/* Lies: each shuts the queue. */
	set(5, RAM_IPA + 0x6000, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 6);
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 5, &mem, &r, &why) && strstr(why, "NEXT"));
	set(5, RAM_IPA + 0x6000, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	t[1] = (struct virtq_desc){ RAM_IPA + 0x6000, 16, VIRTQ_DESC_F_INDIRECT, 0 }; /* nested */
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 5, &mem, &r, &why) && strstr(why, "inside"));
	t[1] = (struct virtq_desc){ RAM_IPA + 0x4000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
				    1 };
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 5, &mem, &r, &why) && strstr(why, "loop")); /* 1 -> 1 */
	t[1].next = 3;
	why = NULL;
	CHECK(!vq_walk(desc, QSIZE, 5, &mem, &r, &why) && strstr(why, "past its indirect"));
	t[1].next = 2;
	CHECK(vq_walk(desc, QSIZE, 5, &mem, &r, &why));
	{
		static const struct {
			uint64_t addr;
			uint32_t len;
		} bad[] = {
			{ RAM_IPA + 0x6000, 0 },	 /* empty */
			{ RAM_IPA + 0x6000, 40 },	 /* not whole descriptors */
			{ RAM_IPA + 0x6004, 48 },	 /* misaligned */
			{ RAM_IPA + 0x6000, 257 * 16 },	 /* longer than we take */
			{ RAM_IPA + RAM_SIZE - 32, 48 }, /* straddles the RAM's end */
			{ RAM_IPA - 0x1000, 48 },	 /* below the RAM */
			{ ~0ULL - 15, 32 },		 /* wraps */
		};

		for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			set(5, bad[i].addr, bad[i].len, VIRTQ_DESC_F_INDIRECT, 0);
			why = NULL;
			CHECK(!vq_walk(desc, QSIZE, 5, &mem, &r, &why) &&
			      strstr(why, "indirect table"));
		}
	}
	/* A full table of 256 entries is taken: 254 data descriptors are too many segments. */
	{
		struct virtq_desc *big = (struct virtq_desc *)(void *)(ram + 0x10000);

		big[0] = (struct virtq_desc){ RAM_IPA + 0x1000, 16, VIRTQ_DESC_F_NEXT, 1 };
		for (unsigned int i = 1; i < 255; i++)
			big[i] = (struct virtq_desc){ RAM_IPA + 0x20000 + i % 16 * PG, 512,
						      VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
						      (uint16_t)(i + 1) };
		big[255] = (struct virtq_desc){ RAM_IPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0 };
		set(5, RAM_IPA + 0x10000, 256 * 16, VIRTQ_DESC_F_INDIRECT, 0);
		CHECK(vq_walk(desc, QSIZE, 5, &mem, &r, &why));
		CHECK_EQ_U64(r.bad, VQ_BAD_SEGS);
	}
}

/* DISCARD and WRITE_ZEROES carry one 16-byte range; GET_ID a buffer for 20 bytes. */
static void test_ranges_and_id(void)
{
	static const char id[VIRTIO_BLK_ID_BYTES] = "serial-1-1000";
	uint8_t *range = ram + 0x2000;
	struct vq_req r;
	struct blk_cmd c;
	struct blk_share big = share;
	const char *why = NULL;
	uint64_t sector = 40;
	uint32_t n = 24, flags = 0;

	setup();
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_DISCARD, 0);
	memcpy(range, &sector, 8);
	memcpy(range + 8, &n, 4);
	memcpy(range + 12, &flags, 4);
	set(0, RAM_IPA + 0x1000, 16, VIRTQ_DESC_F_NEXT, 1);
	set(1, RAM_IPA + 0x2000, 16, VIRTQ_DESC_F_NEXT, 2);
	set(2, RAM_IPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.range_sector, 40);
	CHECK_EQ_U64(r.range_sectors, 24);
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_DSM);
	CHECK_EQ_U64(c.slba, 1040);
	CHECK_EQ_U64(c.nlb, 24);
	CHECK_EQ_U64(c.n_seg, 0);
	/* The range split over two descriptors, and after the header in its own buffer. */
	set(1, RAM_IPA + 0x2000, 5, VIRTQ_DESC_F_NEXT, 3);
	set(3, RAM_IPA + 0x2005, 11, VIRTQ_DESC_F_NEXT, 2);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(r.range_sectors, 24);
	/* Two ranges (we offer one), half a range, a range the device would write. */
	set(1, RAM_IPA + 0x2000, 32, VIRTQ_DESC_F_NEXT, 2);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_RANGES);
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_OP);
	set(1, RAM_IPA + 0x2000, 8, VIRTQ_DESC_F_NEXT, 2);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_RANGES);
	set(1, RAM_IPA + 0x2000, 16, VIRTQ_DESC_F_NEXT, 2);
	set(2, RAM_IPA + 0x3000, 2, VIRTQ_DESC_F_WRITE, 0); /* a byte of data before the status */
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_DIR);
	set(2, RAM_IPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
	/* WRITE_ZEROES may say unmap; DISCARD may not, nor either any other flag. */
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_WRITE_ZEROES, 0);
	flags = VIRTIO_BLK_WZ_UNMAP;
	memcpy(range + 12, &flags, 4);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_OK);
	CHECK_EQ_U64(c.opcode, NVME_CMD_WRITE_ZEROES);
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_DISCARD, 0);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_OP);
	flags = 2;
	memcpy(range + 12, &flags, 4);
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_WRITE_ZEROES, 0);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &share, 128, &c), BLK_E_OP);
	flags = 0;
	memcpy(range + 12, &flags, 4);
	/* The share: past its end, straddling it, none, too many, overflowing, partial blocks. */
	{
		static const struct {
			uint64_t sector;
			uint32_t n;
			unsigned int shift, st;
		} cases[] = {
			{ 4096, 1, 9, BLK_E_RANGE },	   { 4090, 7, 9, BLK_E_RANGE },
			{ 0, 0, 9, BLK_E_RANGE },	   { 0, 4096, 9, BLK_OK },
			{ ~0ULL >> 2, 8, 9, BLK_E_RANGE }, { 4, 8, 12, BLK_E_RANGE },
			{ 8, 4, 12, BLK_E_RANGE },	   { 8, 16, 12, BLK_OK },
		};

		for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			memcpy(range, &cases[i].sector, 8);
			memcpy(range + 8, &cases[i].n, 4);
			big.lba_shift = cases[i].shift;
			CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
			CHECK_EQ_U64(blk_check_virtio(&r, &big, 128, &c), cases[i].st);
		}
		CHECK_EQ_U64(c.slba, 1001);
		CHECK_EQ_U64(c.nlb, 2);
	}
	big = share;
	big.count = 1ULL << 20;
	n = BLK_MAX_RANGE_BLOCKS + 1; /* more than one command names */
	memcpy(range + 8, &n, 4);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(blk_check_virtio(&r, &big, 128, &c), BLK_E_SIZE);
	/* GET_ID: 20 bytes into the device-writable buffer before the status, or what fits. */
	header(RAM_IPA + 0x1000, VIRTIO_BLK_T_GET_ID, 0);
	memset(ram + 0x4000, 0xee, 64);
	set(1, RAM_IPA + 0x4000, 20, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_NONE);
	CHECK_EQ_U64(vq_put_id(&r, id), 20);
	CHECK(!memcmp(ram + 0x4000, id, 20));
	CHECK_EQ_U64(ram[0x4000 + 20], 0xee);
	memset(ram + 0x4000, 0xee, 64);
	set(1, RAM_IPA + 0x4000, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(vq_put_id(&r, id), 8);
	CHECK_EQ_U64(ram[0x4000 + 8], 0xee);
	set(1, RAM_IPA + 0x4000, 20, VIRTQ_DESC_F_NEXT, 2); /* a buffer the device cannot write */
	CHECK(vq_walk(desc, QSIZE, 0, &mem, &r, &why));
	CHECK_EQ_U64(r.bad, VQ_BAD_DIR);
}

/* VIRTIO_F_EVENT_IDX's test (2.7.7.2), wrapping included. */
static void test_need_event(void)
{
	CHECK(vq_need_event(0, 1, 0));	       /* the first used buffer passes event 0 */
	CHECK(!vq_need_event(2, 2, 1));	       /* index 2 reached, not passed */
	CHECK(vq_need_event(2, 3, 1));	       /* passed within the batch */
	CHECK(!vq_need_event(5, 3, 1));	       /* not yet */
	CHECK(vq_need_event(65535, 1, 65534)); /* across the wrap */
	CHECK(!vq_need_event(10, 3, 3));       /* nothing new */
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* The request types we serve, sometimes another. */
static uint32_t rnd_type(void)
{
	static const uint32_t types[] = { VIRTIO_BLK_T_IN,	VIRTIO_BLK_T_OUT,
					  VIRTIO_BLK_T_FLUSH,	VIRTIO_BLK_T_GET_ID,
					  VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES };

	return rnd() % 16 ? types[rnd() % 6] : (uint32_t)rnd();
}

static uint64_t rnd_addr(void)
{
	switch (rnd() % 8) {
	case 0:
		return rnd(); /* anywhere */
	case 1:
		return RAM_IPA + RAM_SIZE - rnd() % 8192; /* around the end */
	case 2:
		return RAM_IPA - rnd() % 8192; /* below */
	default:
		return RAM_IPA + (rnd() % RAM_SIZE & ~511ULL);
	}
}

/* Random tables, random heads: the walk ends, never reads outside the table or RAM, and what it
 * accepts is inside the RAM; what the check accepts is inside the share and fits PRPs or not. */
static void test_fuzz(void)
{
	unsigned int ok = 0, fatal = 0, cmds = 0, ranges = 0, indirect = 0;
	uint64_t list[64];

	setup();
	for (unsigned int it = 0; it < 200000; it++) {
		struct vq_req r;
		struct blk_cmd c;
		const char *why = NULL;
		uint16_t head = (uint16_t)(rnd() % (QSIZE + 2));

		if (rnd() % 2) {
			/* A table of random descriptors, maybe a plausible header somewhere. */
			for (unsigned int i = 0; i < QSIZE; i++) {
				uint16_t flags = (uint16_t)(rnd() & 3);

				if (rnd() % 16 == 0)
					flags |= VIRTQ_DESC_F_INDIRECT;
				set(i, rnd_addr(),
				    rnd() % 4 ? (uint32_t)(rnd() % 3 * 512 + (rnd() % 2) * 16)
					      : (uint32_t)rnd(),
				    flags, (uint16_t)(rnd() % 8 ? rnd() % QSIZE : rnd()));
			}
			if (rnd() % 2)
				header(RAM_IPA + (rnd() % 64) * 512, rnd_type(),
				       rnd() % 2 ? rnd() % 5000 : rnd());
			if (rnd() % 4 == 0) {
				/* An indirect table of random descriptors in the RAM. */
				uint64_t at = RAM_IPA + 0x40000 + (rnd() % 64) * 256;
				struct virtq_desc *t =
					(struct virtq_desc *)(void *)(ram + (at - RAM_IPA));
				unsigned int n = (unsigned int)(rnd() % 16 + 1);

				for (unsigned int i = 0; i < n; i++)
					t[i] = (struct virtq_desc){
						rnd_addr(), (uint32_t)(rnd() % 3 * 512 + 16),
						(uint16_t)(rnd() % 16 ? rnd() & 3 : rnd() & 7),
						(uint16_t)(rnd() % 8 ? rnd() % n : rnd())
					};
				set(rnd() % 2 && head < QSIZE ? head
							      : (unsigned int)(rnd() % QSIZE),
				    rnd() % 8 ? at : rnd_addr(),
				    rnd() % 8 ? n * 16 : (uint32_t)rnd(),
				    (uint16_t)(VIRTQ_DESC_F_INDIRECT | (rnd() % 4 ? 0 : rnd() & 3)),
				    (uint16_t)(rnd() % QSIZE));
			}
		} else {
			/* A driver's chain with a few of its fields changed. */
			memset(desc, 0, QSIZE * sizeof(*desc));
			uint32_t type = rnd_type();

			linux_chain(type, rnd() % 5000, (uint32_t)(rnd() % 16 + 1) * 512);
			head = 3;
			if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
				/* One range, plausible or not. */
				uint64_t sector = rnd() % 2 ? rnd() % 5000 : rnd();
				uint32_t n = (uint32_t)(rnd() % 2 ? rnd() % 64 : rnd());
				uint32_t flags = (uint32_t)(rnd() % 4 ? 0 : rnd() % 4);

				memcpy(ram + 0x4000, &sector, 8);
				memcpy(ram + 0x4008, &n, 4);
				memcpy(ram + 0x400c, &flags, 4);
				set(7, RAM_IPA + 0x4000, 16, VIRTQ_DESC_F_NEXT, 2);
			}
			for (unsigned int k = rnd() % 3; k; k--) {
				struct virtq_desc *d =
					&desc[(unsigned int[]){ 3, 7, 2 }[rnd() % 3]];

				switch (rnd() % 4) {
				case 0:
					d->addr = rnd_addr();
					break;
				case 1:
					d->len = (uint32_t)(rnd() % 2 ? rnd() % 70000 : rnd());
					break;
				case 2:
					d->flags = (uint16_t)(rnd() % 8);
					break;
				default:
					d->next = (uint16_t)(rnd() % (QSIZE + 4));
					break;
				}
			}
		}
		if (!vq_walk(desc, QSIZE, head, &mem, &r, &why)) {
			CHECK(why != NULL);
			fatal++;
			continue;
		}
		ok++;
		if (head < QSIZE && (desc[head].flags & VIRTQ_DESC_F_INDIRECT))
			indirect++;
		CHECK(r.status_pa >= mem.pa && r.status_pa < mem.pa + RAM_SIZE);
		CHECK(r.n_seg <= VBLK_SEG_MAX);
		if (r.bad == VQ_BAD_NONE) {
			uint64_t sum = 0;

			for (unsigned int i = 0; i < r.n_seg; i++) {
				CHECK(r.seg[i].len > 0);
				CHECK(r.seg[i].pa >= mem.pa &&
				      r.seg[i].pa + r.seg[i].len <= mem.pa + RAM_SIZE);
				sum += r.seg[i].len;
			}
			CHECK_EQ_U64(sum, r.bytes);
		}
		if (blk_check_virtio(&r, &share, 128, &c) == BLK_OK &&
		    (c.opcode == NVME_CMD_DSM || c.opcode == NVME_CMD_WRITE_ZEROES)) {
			ranges++;
			CHECK(c.nlb && c.slba >= share.start &&
			      c.slba + c.nlb <= share.start + share.count);
			CHECK_EQ_U64(c.n_seg, 0);
		} else if (blk_check_virtio(&r, &share, 128, &c) == BLK_OK &&
			   c.opcode != NVME_CMD_FLUSH) {
			int n = vq_prp_entries(c.seg, c.n_seg, list, 64);

			cmds++;
			CHECK(c.slba >= share.start && c.slba + c.nlb <= share.start + share.count);
			CHECK_EQ_U64((uint64_t)c.nlb << 9, c.bytes);
			CHECK(n >= -1 && n <= 64);
		}
		if (test_failures_in_case)
			break;
	}
	printf("     fuzz: %u walked (%u commands, %u ranges, %u through an indirect table), %u "
	       "shut the queue\n",
	       ok, cmds, ranges, indirect, fatal);
	/* The fuzzer reaches each outcome. */
	CHECK(ok > 1000 && fatal > 1000 && cmds > 100 && ranges > 10 && indirect > 100);
}

/* Each queue's layout on its own (QueueReady = 1): size, then the three areas' alignment. */
static void test_queue_layout(void)
{
	CHECK(vq_layout_check(256, 0x1000, 0x2000, 0x3000) == NULL);
	CHECK(vq_layout_check(1, 0x10, 0x2, 0x4) == NULL);
	CHECK(vq_layout_check(0, 0x1000, 0x2000, 0x3000) != NULL);
	CHECK(vq_layout_check(3, 0x1000, 0x2000, 0x3000) != NULL);
	CHECK(vq_layout_check(512, 0x1000, 0x2000, 0x3000) != NULL);
	CHECK(vq_layout_check(0x80000000U, 0x1000, 0x2000, 0x3000) != NULL);
	CHECK(vq_layout_check(8, 0x1008, 0x2000, 0x3000) != NULL);     /* table: 16 */
	CHECK(vq_layout_check(8, 0x1000, 0x2001, 0x3000) != NULL);     /* driver area: 2 */
	CHECK(vq_layout_check(8, 0x1000, 0x2000, 0x3002) != NULL);     /* device area: 4 */
	CHECK(vq_layout_check(8, ~0ULL << 4, 0x2000, 0x3000) == NULL); /* RAM is the caller's */
}

int main(void)
{
	RUN(test_linux_read);
	RUN(test_any_framing);
	RUN(test_fatal_chains);
	RUN(test_bad_requests);
	RUN(test_too_many_segments);
	RUN(test_prp_from_segments);
	RUN(test_indirect);
	RUN(test_ranges_and_id);
	RUN(test_need_event);
	RUN(test_fuzz);
	RUN(test_queue_layout);
	return TEST_SUMMARY();
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The virtio-blk test guest: a small virtio-mmio driver (virtio 1.2, 4.2 and 5.2) for the
 * device the hypervisor gives a VM whose disk was set with --virtio. It writes a pattern,
 * flushes and reads it back through the block engine, then tells the lies a broken driver
 * could: requests outside the disk or with buffers in MMIO (an error status each), features
 * not offered, a queue size that is no power of two, a queue outside its RAM, a descriptor
 * loop, an avail index far ahead (the device then needs a reset), and a reset with requests in
 * flight (nothing is written into its RAM after it). After each the device works again.
 * With VIRTIO_BLK_F_MQ (a VM of two or more vCPUs gets num_queues > 1) it drives two queues,
 * one after the other and both at once, then sets one up with garbage, and breaks one, while
 * the other works on.
 * Pattern word k of sector s: 0xb1c0000000000000 | vm id << 40 | s << 8 | k.
 * With "mqloop" on its command line it only reads on two queues at once, forever (a VM stopped
 * with I/O in flight on two engines).
 * With "bench=N" on its command line it only reads N times 4 KiB at QD 1 from sectors spread
 * over the disk, interrupts left on at the device, and powers off (`bench nvme-engine` counts
 * the block engine's cost meanwhile).
 */
#include "guest.h"
#include "dataplane/virtq.h"

#define VBLK_BASE  0x0a000000UL
#define QN	   8
#define TIMEOUT_MS 20000
#define RAM_IPA	   0x40000000UL

/* virtio-mmio registers (4.2.2) and status bits (2.1). */
#define R_MAGIC		   0x000
#define R_VERSION	   0x004
#define R_DEVICE_ID	   0x008
#define R_DEV_FEATURES	   0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES	   0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL	   0x030
#define R_QUEUE_NUM_MAX	   0x034
#define R_QUEUE_NUM	   0x038
#define R_QUEUE_READY	   0x044
#define R_QUEUE_NOTIFY	   0x050
#define R_INT_STATUS	   0x060
#define R_INT_ACK	   0x064
#define R_STATUS	   0x070
#define R_DESC_LO	   0x080
#define R_DESC_HI	   0x084
#define R_DRIVER_LO	   0x090
#define R_DRIVER_HI	   0x094
#define R_DEVICE_LO	   0x0a0
#define R_DEVICE_HI	   0x0a4
#define R_CONFIG	   0x100
#define R_NUM_QUEUES	   (R_CONFIG + 0x22) /* virtio_blk_config.num_queues, le16 */
#define S_ACK		   1U
#define S_DRIVER	   2U
#define S_DRIVER_OK	   4U
#define S_FEATURES_OK	   8U
#define S_NEEDS_RESET	   64U
#define F_RO		   (1U << 5) /* not offered */
#define F_FLUSH		   (1U << 9)
#define F_MQ		   (1U << 12)
#define F_DISCARD	   (1U << 13)
#define F_WRITE_ZEROES	   (1U << 14)
#define F_INDIRECT	   (1U << 28)
#define F_EVENT_IDX	   (1U << 29)
#define F_VERSION_1_HI	   1U /* bit 32 */

struct hdr {
	uint32_t type, rsvd;
	uint64_t sector;
};

static struct virtq_desc desc[QN] __attribute__((aligned(4096)));
static volatile uint16_t avail[2 + QN + 1] __attribute__((aligned(4096)));
static volatile uint8_t used[4 + 8 * QN + 2] __attribute__((aligned(4096)));
static struct hdr hdrs[QN] __attribute__((aligned(64)));
static volatile uint8_t status[QN] __attribute__((aligned(64)));
static uint64_t wbuf[512] __attribute__((aligned(4096))); /* 4 KiB */
static uint64_t rbuf[QN][512] __attribute__((aligned(4096)));
static struct virtq_desc itable[4] __attribute__((aligned(64))); /* an indirect table */
static uint16_t next_avail;
static uint64_t vm_id, capacity;

static uint32_t rd(unsigned int off)
{
	return *(volatile uint32_t *)(VBLK_BASE + off);
}

static void wr(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(VBLK_BASE + off) = v;
}

static uint64_t now_ms(void)
{
	uint64_t v;

	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v / (read_sysreg(cntfrq_el0) / 1000);
}

/* The ring's entries before its index, the index before the notify (and the used index
 * before what it publishes). */
static void barrier(void)
{
	__asm__ volatile("dmb sy" : : : "memory");
}

static void wait_ms(uint64_t ms)
{
	uint64_t until = now_ms() + ms;

	while (now_ms() < until)
		;
}

/* The interrupt status has 'bits' within the timeout. */
static bool isr_soon(uint32_t bits)
{
	uint64_t deadline = now_ms() + TIMEOUT_MS;

	while ((rd(R_INT_STATUS) & bits) != bits)
		if (now_ms() > deadline)
			return false;
	return true;
}

static void set_queue(uint64_t d, uint64_t a, uint64_t u, uint32_t n)
{
	wr(R_QUEUE_SEL, 0);
	wr(R_QUEUE_NUM, n);
	wr(R_DESC_LO, (uint32_t)d);
	wr(R_DESC_HI, (uint32_t)(d >> 32));
	wr(R_DRIVER_LO, (uint32_t)a);
	wr(R_DRIVER_HI, (uint32_t)(a >> 32));
	wr(R_DEVICE_LO, (uint32_t)u);
	wr(R_DEVICE_HI, (uint32_t)(u >> 32));
}

/* The driver's side of 3.1.1: reset, features, the queue, DRIVER_OK. True when all took. */
static bool dev_init(uint32_t feat_lo, uint32_t feat_hi)
{
	wr(R_STATUS, 0);
	if (rd(R_STATUS))
		return false;
	for (unsigned int i = 0; i < sizeof(avail) / 2; i++)
		avail[i] = 0;
	for (unsigned int i = 0; i < sizeof(used); i++)
		used[i] = 0;
	next_avail = 0;
	wr(R_STATUS, S_ACK | S_DRIVER);
	wr(R_DRV_FEATURES_SEL, 0);
	wr(R_DRV_FEATURES, feat_lo);
	wr(R_DRV_FEATURES_SEL, 1);
	wr(R_DRV_FEATURES, feat_hi);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd(R_STATUS) & S_FEATURES_OK))
		return false;
	set_queue((uintptr_t)desc, (uintptr_t)avail, (uintptr_t)used, QN);
	wr(R_QUEUE_READY, 1);
	if (rd(R_QUEUE_READY) != 1)
		return false;
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return !(rd(R_STATUS) & S_NEEDS_RESET);
}

static uint16_t used_idx(void)
{
	return *(volatile uint16_t *)(used + 2);
}

static int submit_wait(void);

/*
 * One request: descriptors 0 (header), 1 (data, when len), 2 (status). The status byte, or
 * -1 when no used element came back in time.
 */
static int io(uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
	uint16_t w =
		type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID ? VIRTQ_DESC_F_WRITE : 0;

	hdrs[0] = (struct hdr){ .type = type, .sector = sector };
	status[0] = 0xff;
	desc[0] = (struct virtq_desc){ (uintptr_t)&hdrs[0], 16, VIRTQ_DESC_F_NEXT, len ? 1 : 2 };
	desc[1] = (struct virtq_desc){ data, len, (uint16_t)(VIRTQ_DESC_F_NEXT | w), 2 };
	desc[2] = (struct virtq_desc){ (uintptr_t)&status[0], 1, VIRTQ_DESC_F_WRITE, 0 };
	return submit_wait();
}

/* Make chain 0 available, notify, wait for it: its status byte, -1 if it never came back.
 * The engine's SEV after it posts wakes us (the event stream at the latest). */
static int submit_wait(void)
{
	uint16_t u0 = used_idx();
	uint64_t deadline = now_ms() + TIMEOUT_MS;

	avail[2 + next_avail % QN] = 0;
	barrier();
	avail[1] = ++next_avail;
	barrier();
	wr(R_QUEUE_NOTIFY, 0);
	while (used_idx() == u0) {
		if (now_ms() > deadline)
			return -1;
		__asm__ volatile("wfe" : : : "memory");
	}
	barrier();
	return status[0];
}

static bool needs_reset_soon(void)
{
	uint64_t deadline = now_ms() + TIMEOUT_MS;

	while (!(rd(R_STATUS) & S_NEEDS_RESET))
		if (now_ms() > deadline)
			return false;
	return true;
}

static uint64_t pattern(uint64_t sector, unsigned int k)
{
	return 0xb1c0000000000000UL | vm_id << 40 | sector << 8 | k;
}

static void honest_io(const char *when)
{
	uint64_t bad = 0;
	int s1, s2, s3;

	for (unsigned int k = 0; k < 512; k++)
		wbuf[k] = pattern(8 + k / 64, k % 64);
	s1 = io(VIRTIO_BLK_T_OUT, 8, (uintptr_t)wbuf, 4096);
	s2 = io(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	for (unsigned int k = 0; k < 512; k++)
		rbuf[0][k] = 0;
	s3 = io(VIRTIO_BLK_T_IN, 8, (uintptr_t)rbuf[0], 4096);
	for (unsigned int k = 0; k < 512; k++)
		bad += rbuf[0][k] != wbuf[k];
	guest_check(!s1 && !s2 && !s3 && !bad, when, "write %d flush %d read %d, %llu words differ",
		    s1, s2, s3, (unsigned long long)bad);
}

#define MONADIC_HVC_RESULT     0x86000003U /* kernel/vmm/vhyp.h */
#define MONADIC_HVC_BENCH_VBLK 0x86000012U /* bench/bench_vblk.c: x1 = 0 begin, 1 end */

/*
 * "bench=N": N reads of 4 KiB at QD 1, between two marks `bench vblk` counts EL2's work by
 * (elsewhere the marks are refused, harmlessly); reads, errors and CNTVCT ticks are left as
 * the result.
 */
static void run_bench(uint64_t n)
{
	static uint64_t res[3];
	uint64_t errors = 0, t0 = now_ms(), x = 12345, c0, c1;

	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(c0) : : "memory");
	guest_hvc(MONADIC_HVC_BENCH_VBLK, 0, 0, 0);
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		errors += io(VIRTIO_BLK_T_IN, ((x >> 33) % (capacity / 8)) * 8,
			     (uintptr_t)rbuf[i % QN], 4096) != 0;
		wr(R_INT_ACK, rd(R_INT_STATUS));
	}
	guest_hvc(MONADIC_HVC_BENCH_VBLK, 1, 0, 0);
	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(c1) : : "memory");
	res[0] = n;
	res[1] = errors;
	res[2] = c1 - c0;
	guest_hvc(MONADIC_HVC_RESULT, (uintptr_t)res, 3, 0);
	guest_printf("guest: bench %llu reads of 4 KiB, %llu errors, %llu ms\n",
		     (unsigned long long)n, (unsigned long long)errors,
		     (unsigned long long)(now_ms() - t0));
}

static uint64_t bench_arg(const void *dtb)
{
	const char *a = guest_bootargs(dtb);
	uint64_t n = 0;

	for (; *a; a++)
		if (a[0] == 'b' && a[1] == 'e' && a[2] == 'n' && a[3] == 'c' && a[4] == 'h' &&
		    a[5] == '=') {
			for (a += 6; *a >= '0' && *a <= '9'; a++)
				n = n * 10 + (uint64_t)(*a - '0');
			break;
		}
	return n;
}

/* ---- two queues (VIRTIO_BLK_F_MQ) ---- */

/* A queue of ours: its rings, its requests' headers and status bytes (2 chains of 3). */
struct gq {
	struct virtq_desc *desc;
	volatile uint16_t *avail;
	volatile uint8_t *used;
	struct hdr *hdr;
	volatile uint8_t *st;
	uint16_t next;
	unsigned int sel;
};

static struct virtq_desc desc1[QN] __attribute__((aligned(4096)));
static volatile uint16_t avail1[2 + QN + 1] __attribute__((aligned(4096)));
static volatile uint8_t used1[4 + 8 * QN + 2] __attribute__((aligned(4096)));
static struct hdr hdrs1[QN] __attribute__((aligned(64)));
static volatile uint8_t status1[QN] __attribute__((aligned(64)));
static struct gq gq[2] = {
	{ desc, avail, used, hdrs, status, 0, 0 },
	{ desc1, avail1, used1, hdrs1, status1, 0, 1 },
};

static uint16_t gq_used(const struct gq *q)
{
	return *(volatile uint16_t *)(q->used + 2);
}

/* Reset, then MQ (or not) and queues [0, n) set up, DRIVER_OK. True when all took. */
static bool dev_init_mq(bool mq, unsigned int n)
{
	wr(R_STATUS, 0);
	if (rd(R_STATUS))
		return false;
	for (unsigned int k = 0; k < 2; k++) {
		for (unsigned int i = 0; i < 2 + QN + 1; i++)
			gq[k].avail[i] = 0;
		for (unsigned int i = 0; i < sizeof(used); i++)
			gq[k].used[i] = 0;
		gq[k].next = 0;
	}
	wr(R_STATUS, S_ACK | S_DRIVER);
	wr(R_DRV_FEATURES_SEL, 0);
	wr(R_DRV_FEATURES, F_FLUSH | (mq ? F_MQ : 0));
	wr(R_DRV_FEATURES_SEL, 1);
	wr(R_DRV_FEATURES, F_VERSION_1_HI);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd(R_STATUS) & S_FEATURES_OK))
		return false;
	for (unsigned int k = 0; k < n; k++) {
		set_queue((uintptr_t)gq[k].desc, (uintptr_t)gq[k].avail, (uintptr_t)gq[k].used, QN);
		if (k) { /* set_queue() selects queue 0: set queue k's registers again */
			wr(R_QUEUE_SEL, k);
			wr(R_QUEUE_NUM, QN);
			wr(R_DESC_LO, (uint32_t)(uintptr_t)gq[k].desc);
			wr(R_DESC_HI, 0);
			wr(R_DRIVER_LO, (uint32_t)(uintptr_t)gq[k].avail);
			wr(R_DRIVER_HI, 0);
			wr(R_DEVICE_LO, (uint32_t)(uintptr_t)gq[k].used);
			wr(R_DEVICE_HI, 0);
		}
		wr(R_QUEUE_READY, 1);
		if (rd(R_QUEUE_READY) != 1)
			return false;
	}
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return !(rd(R_STATUS) & S_NEEDS_RESET);
}

/* Chain c (0 or 1: descriptors 3c to 3c + 2) of queue q made available; notified with 'kick'. */
static void gq_post(struct gq *q, unsigned int c, uint32_t type, uint64_t sector, uint64_t data,
		    uint32_t len, bool kick)
{
	uint16_t w = type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0, d = (uint16_t)(3 * c);

	q->hdr[c] = (struct hdr){ .type = type, .sector = sector };
	q->st[c] = 0xff;
	q->desc[d] = (struct virtq_desc){ (uintptr_t)&q->hdr[c], 16, VIRTQ_DESC_F_NEXT,
					  (uint16_t)(d + 1) };
	q->desc[d + 1] = (struct virtq_desc){ data, len, (uint16_t)(VIRTQ_DESC_F_NEXT | w),
					      (uint16_t)(d + 2) };
	q->desc[d + 2] = (struct virtq_desc){ (uintptr_t)&q->st[c], 1, VIRTQ_DESC_F_WRITE, 0 };
	q->avail[2 + q->next % QN] = d;
	barrier();
	q->avail[1] = ++q->next;
	barrier();
	if (kick)
		wr(R_QUEUE_NOTIFY, q->sel);
}

/* Until queue q's used index reaches 'want'; false on the timeout. */
static bool gq_wait(const struct gq *q, uint16_t want)
{
	uint64_t deadline = now_ms() + TIMEOUT_MS;

	while (gq_used(q) != want) {
		if (now_ms() > deadline)
			return false;
		__asm__ volatile("wfe" : : : "memory");
	}
	barrier();
	return true;
}

/* One request on queue q, waited for: its status, -1 if it never came back. */
static int gq_io(struct gq *q, uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
	gq_post(q, 0, type, sector, data, len, true);
	return gq_wait(q, q->next) ? q->st[0] : -1;
}

static void mq_checks(void)
{
	unsigned int nq = *(volatile uint16_t *)(VBLK_BASE + R_NUM_QUEUES);
	uint64_t bad = 0;
	int s1, s2, s3;

	guest_printf("guest: num_queues %u\n", nq);
	if (nq < 2) {
		guest_check(false, "mq-num-queues", "%u queue(s): the VM needs 2 vCPUs", nq);
		return;
	}
	/* Without MQ negotiated only queue 0 exists; with it, queues 0 to nq - 1. */
	guest_check(dev_init_mq(false, 1), "mq-init-without", "status 0x%x", rd(R_STATUS));
	wr(R_QUEUE_SEL, 1);
	s1 = (int)rd(R_QUEUE_NUM_MAX);
	guest_check(dev_init_mq(true, 2), "mq-init", "status 0x%x", rd(R_STATUS));
	wr(R_QUEUE_SEL, nq - 1);
	s2 = (int)rd(R_QUEUE_NUM_MAX);
	wr(R_QUEUE_SEL, nq);
	s3 = (int)rd(R_QUEUE_NUM_MAX);
	guest_check(s1 == 0 && s2 == 256 && s3 == 0, "mq-queue-count",
		    "queue 1 without MQ %d, queue %u %d, queue %u %d", s1, nq - 1, s2, nq, s3);

	/* Written through queue 1, read back through queue 0. */
	for (unsigned int k = 0; k < 512; k++)
		wbuf[k] = pattern(24 + k / 64, k % 64);
	s1 = gq_io(&gq[1], VIRTIO_BLK_T_OUT, 24, (uintptr_t)wbuf, 4096);
	for (unsigned int k = 0; k < 512; k++)
		rbuf[0][k] = 0;
	s2 = gq_io(&gq[0], VIRTIO_BLK_T_IN, 24, (uintptr_t)rbuf[0], 4096);
	for (unsigned int k = 0; k < 512; k++)
		bad += rbuf[0][k] != wbuf[k];
	guest_check(!s1 && !s2 && !bad, "mq-write-q1-read-q0", "write %d read %d, %llu differ", s1,
		    s2, (unsigned long long)bad);

	/* Two reads on each queue at once, both notified: all four come back with the data. */
	for (unsigned int c = 0; c < 4; c++)
		for (unsigned int k = 0; k < 512; k++)
			rbuf[c][k] = 0;
	for (unsigned int c = 0; c < 2; c++) {
		gq_post(&gq[0], c, VIRTIO_BLK_T_IN, 24, (uintptr_t)rbuf[c], 4096, false);
		gq_post(&gq[1], c, VIRTIO_BLK_T_IN, 24, (uintptr_t)rbuf[2 + c], 4096, false);
	}
	wr(R_QUEUE_NOTIFY, 0);
	wr(R_QUEUE_NOTIFY, 1);
	s1 = gq_wait(&gq[0], gq[0].next) && gq_wait(&gq[1], gq[1].next);
	bad = 0;
	for (unsigned int c = 0; c < 4; c++)
		for (unsigned int k = 0; k < 512; k++)
			bad += rbuf[c][k] != wbuf[k];
	guest_check(s1 && !gq[0].st[0] && !gq[0].st[1] && !gq[1].st[0] && !gq[1].st[1] && !bad,
		    "mq-both-at-once", "back %d, status %d %d %d %d, %llu differ", s1, gq[0].st[0],
		    gq[0].st[1], gq[1].st[0], gq[1].st[1], (unsigned long long)bad);

	/* Queue 1 set up with garbage (no power of two, then outside RAM): refused, 0 works on. */
	guest_check(dev_init_mq(true, 1), "mq-init-one", "status 0x%x", rd(R_STATUS));
	wr(R_QUEUE_SEL, 1);
	wr(R_QUEUE_NUM, 3);
	wr(R_QUEUE_READY, 1);
	s1 = (int)rd(R_QUEUE_READY);
	wr(R_QUEUE_NUM, QN);
	wr(R_DESC_LO, 0x09000000);
	wr(R_DEVICE_LO, (uint32_t)(RAM_IPA - 0x1000));
	wr(R_QUEUE_READY, 1);
	s2 = (int)rd(R_QUEUE_READY);
	s3 = gq_io(&gq[0], VIRTIO_BLK_T_IN, 24, (uintptr_t)rbuf[0], 4096);
	guest_check(!s1 && !s2 && (rd(R_STATUS) & S_NEEDS_RESET) && s3 == 0,
		    "mq-garbage-queue-other-works", "ready %d %d status 0x%x read %d", s1, s2,
		    rd(R_STATUS), s3);

	/* Queue 1 broken at run time (its avail index far ahead): shut; queue 0 works on. */
	guest_check(dev_init_mq(true, 2), "mq-init-again", "status 0x%x", rd(R_STATUS));
	gq[1].avail[1] = 100;
	wr(R_QUEUE_NOTIFY, 1);
	s1 = needs_reset_soon();
	s2 = gq_io(&gq[0], VIRTIO_BLK_T_IN, 24, (uintptr_t)rbuf[0], 4096);
	s3 = gq_io(&gq[0], VIRTIO_BLK_T_IN, 24, (uintptr_t)rbuf[1], 4096);
	guest_check(s1 && s2 == 0 && s3 == 0, "mq-broken-queue-other-works",
		    "needs reset %d, reads %d %d", s1, s2, s3);
	wr(R_STATUS, 0);
}

/* "mqloop": reads on two queues at once, two in flight on each, until the VM is stopped. */
static void mq_loop(void)
{
	uint64_t rounds = 0;

	if (!dev_init_mq(true, 2)) {
		guest_printf("guest: mqloop: no two queues (status 0x%x)\n", rd(R_STATUS));
		return;
	}
	for (;;) {
		for (unsigned int c = 0; c < 2; c++) {
			gq_post(&gq[0], c, VIRTIO_BLK_T_IN, 8 * c, (uintptr_t)rbuf[c], 4096, false);
			gq_post(&gq[1], c, VIRTIO_BLK_T_IN, 8 * c + 16, (uintptr_t)rbuf[2 + c],
				4096, false);
		}
		wr(R_QUEUE_NOTIFY, 0);
		wr(R_QUEUE_NOTIFY, 1);
		if (!gq_wait(&gq[0], gq[0].next) || !gq_wait(&gq[1], gq[1].next)) {
			guest_printf("guest: mqloop: stuck after %llu rounds\n",
				     (unsigned long long)rounds);
			return;
		}
		if (++rounds == 10)
			guest_printf("guest: mqloop running\n");
	}
}

static bool has_word(const void *dtb, const char *w)
{
	const char *a = guest_bootargs(dtb);

	for (; *a; a++) {
		unsigned int i = 0;

		while (w[i] && a[i] == w[i])
			i++;
		if (!w[i] && (a[i] == ' ' || !a[i]))
			return true;
	}
	return false;
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t info[4];
	uint32_t f0, f1;
	int s;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	guest_hvc4(MONADIC_HVC_INFO, info);
	vm_id = info[1];
	guest_check(rd(R_MAGIC) == 0x74726976 && rd(R_VERSION) == 2 && rd(R_DEVICE_ID) == 2,
		    "identity", "magic 0x%x version %u device %u", rd(R_MAGIC), rd(R_VERSION),
		    rd(R_DEVICE_ID));
	wr(R_DEV_FEATURES_SEL, 0);
	f0 = rd(R_DEV_FEATURES);
	wr(R_DEV_FEATURES_SEL, 1);
	f1 = rd(R_DEV_FEATURES);
	guest_check((f1 & F_VERSION_1_HI) && (f0 & F_FLUSH) && (f0 & F_INDIRECT) &&
			    (f0 & F_EVENT_IDX) && (f0 & F_DISCARD) && (f0 & F_WRITE_ZEROES) &&
			    (f0 & F_MQ) && !(f0 & F_RO),
		    "features", "0x%x%08x", f1, f0);
	guest_check(rd(R_QUEUE_NUM_MAX) == 256, "queue-num-max", "%u", rd(R_QUEUE_NUM_MAX));
	/* Features the device does not offer, or no VERSION_1: no FEATURES_OK. */
	guest_check(!dev_init(F_FLUSH | F_RO, F_VERSION_1_HI) && !dev_init(F_FLUSH, 0),
		    "features-refused", "accepted");
	guest_check(dev_init(F_FLUSH, F_VERSION_1_HI), "init", "status 0x%x", rd(R_STATUS));
	capacity = *(volatile uint32_t *)(VBLK_BASE + R_CONFIG) |
		   (uint64_t) * (volatile uint32_t *)(VBLK_BASE + R_CONFIG + 4) << 32;
	guest_printf("guest: vm%llu virtio-blk of %llu sectors\n", (unsigned long long)vm_id,
		     (unsigned long long)capacity);
	if (bench_arg(dtb)) {
		run_bench(bench_arg(dtb));
		wr(R_STATUS, 0);
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	if (has_word(dtb, "mqloop")) {
		mq_loop();
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	honest_io("write-flush-read");

	/* Lies answered with an error status: the queue goes on. */
	s = io(VIRTIO_BLK_T_IN, capacity, (uintptr_t)rbuf[0], 512);
	guest_check(s == VIRTIO_BLK_S_IOERR, "lie-past-end", "status %d", s);
	s = io(VIRTIO_BLK_T_IN, capacity - 1, (uintptr_t)rbuf[0], 1024);
	guest_check(s == VIRTIO_BLK_S_IOERR, "lie-straddle", "status %d", s);
	s = io(VIRTIO_BLK_T_IN, 0, 0x09000000, 512); /* the UART's MMIO */
	guest_check(s == VIRTIO_BLK_S_IOERR, "lie-mmio-buffer", "status %d", s);
	s = io(VIRTIO_BLK_T_IN, 0, (uintptr_t)rbuf[0], 300);
	guest_check(s == VIRTIO_BLK_S_IOERR, "lie-partial-sector", "status %d", s);
	/* GET_ID: the share's name, 20 bytes at most, NUL-padded. */
	{
		char id[21] = { 0 };

		for (unsigned int k = 0; k < 8; k++)
			rbuf[0][k] = ~0UL;
		s = io(VIRTIO_BLK_T_GET_ID, 0, (uintptr_t)rbuf[0], 20);
		for (unsigned int k = 0; k < 20; k++)
			id[k] = ((const char *)rbuf[0])[k];
		guest_check(s == VIRTIO_BLK_S_OK && id[0] && (uint8_t)id[0] != 0xff &&
				    ((const uint8_t *)rbuf[0])[20] == 0xff,
			    "get-id", "status %d", s);
		guest_printf("guest: id %s\n", id);
	}
	/* NO_INTERRUPT: used buffers, no used-buffer notification. */
	wr(R_INT_ACK, rd(R_INT_STATUS));
	avail[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	s = io(VIRTIO_BLK_T_IN, 0, (uintptr_t)rbuf[0], 512);
	wait_ms(50);
	guest_check(s == 0 && rd(R_INT_STATUS) == 0, "no-interrupt", "status %d isr %u", s,
		    rd(R_INT_STATUS));
	avail[0] = 0;
	s = io(VIRTIO_BLK_T_IN, 0, (uintptr_t)rbuf[0], 512);
	guest_check(s == 0 && isr_soon(1), "interrupt", "status %d isr %u", s, rd(R_INT_STATUS));
	wr(R_INT_ACK, 1);
	honest_io("still-works");

	/* A descriptor loop: the device needs a reset, and says so with an interrupt. */
	desc[0] = (struct virtq_desc){ (uintptr_t)&hdrs[0], 16, VIRTQ_DESC_F_NEXT, 1 };
	desc[1] = (struct virtq_desc){ (uintptr_t)rbuf[0], 512,
				       VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1 };
	avail[2 + next_avail % QN] = 0;
	barrier();
	avail[1] = ++next_avail;
	barrier();
	wr(R_QUEUE_NOTIFY, 0);
	guest_check(needs_reset_soon() && isr_soon(2), "lie-loop-needs-reset", "status 0x%x isr %u",
		    rd(R_STATUS), rd(R_INT_STATUS));
	guest_check(dev_init(F_FLUSH | F_INDIRECT, F_VERSION_1_HI), "reset-after-loop",
		    "status 0x%x", rd(R_STATUS));
	honest_io("works-after-reset");

	/* The read of honest_io() again, its chain in an indirect table (2.7.5.3). */
	{
		uint64_t bad = 0;
		int st;

		for (unsigned int k = 0; k < 512; k++)
			rbuf[1][k] = 0;
		hdrs[0] = (struct hdr){ .type = VIRTIO_BLK_T_IN, .sector = 8 };
		status[0] = 0xff;
		itable[0] = (struct virtq_desc){ (uintptr_t)&hdrs[0], 16, VIRTQ_DESC_F_NEXT, 1 };
		itable[1] = (struct virtq_desc){ (uintptr_t)rbuf[1], 4096,
						 VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2 };
		itable[2] = (struct virtq_desc){ (uintptr_t)&status[0], 1, VIRTQ_DESC_F_WRITE, 0 };
		desc[0] =
			(struct virtq_desc){ (uintptr_t)itable, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0 };
		st = submit_wait();
		for (unsigned int k = 0; k < 512; k++)
			bad += rbuf[1][k] != wbuf[k];
		guest_check(st == VIRTIO_BLK_S_OK && !bad, "indirect-read",
			    "status %d, %llu words differ", st, (unsigned long long)bad);
		/* An indirect descriptor inside the table: the device needs a reset. */
		itable[1] = (struct virtq_desc){ (uintptr_t)itable, 16, VIRTQ_DESC_F_INDIRECT, 0 };
		(void)submit_wait();
		guest_check(needs_reset_soon(), "lie-nested-indirect-needs-reset", "status 0x%x",
			    rd(R_STATUS));
		guest_check(dev_init(F_FLUSH, F_VERSION_1_HI), "reset-after-indirect",
			    "status 0x%x", rd(R_STATUS));
	}

	/* An avail index far ahead of what was ever made available. */
	avail[1] = (uint16_t)(next_avail + 100);
	wr(R_QUEUE_NOTIFY, 0);
	guest_check(needs_reset_soon(), "lie-avail-index", "status 0x%x", rd(R_STATUS));

	/* A queue size that is no power of two, a queue outside RAM: not made ready. */
	wr(R_STATUS, 0);
	wr(R_STATUS, S_ACK | S_DRIVER);
	wr(R_DRV_FEATURES_SEL, 1);
	wr(R_DRV_FEATURES, F_VERSION_1_HI);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	set_queue((uintptr_t)desc, (uintptr_t)avail, (uintptr_t)used, 3);
	wr(R_QUEUE_READY, 1);
	guest_check(rd(R_QUEUE_READY) == 0 && (rd(R_STATUS) & S_NEEDS_RESET), "lie-queue-size",
		    "ready %u status 0x%x", rd(R_QUEUE_READY), rd(R_STATUS));
	wr(R_STATUS, 0);
	wr(R_STATUS, S_ACK | S_DRIVER);
	wr(R_DRV_FEATURES_SEL, 1);
	wr(R_DRV_FEATURES, F_VERSION_1_HI);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	set_queue(0x09000000, (uintptr_t)avail, RAM_IPA - 0x1000, QN);
	wr(R_QUEUE_READY, 1);
	guest_check(rd(R_QUEUE_READY) == 0 && (rd(R_STATUS) & S_NEEDS_RESET),
		    "lie-queue-outside-ram", "ready %u status 0x%x", rd(R_QUEUE_READY),
		    rd(R_STATUS));

	/* A reset with requests in flight: once it returns, nothing is written into our RAM. */
	guest_check(dev_init(F_FLUSH, F_VERSION_1_HI), "init-again", "status 0x%x", rd(R_STATUS));
	for (unsigned int h = 0; h < QN / 2; h++) {
		desc[2 * h] = (struct virtq_desc){ (uintptr_t)&hdrs[h], 16, VIRTQ_DESC_F_NEXT,
						   (uint16_t)(2 * h + 1) };
		hdrs[h] = (struct hdr){ .type = VIRTIO_BLK_T_IN, .sector = 8 * h };
		/* The data and the status in one buffer: 512 bytes then the status byte. */
		desc[2 * h + 1] =
			(struct virtq_desc){ (uintptr_t)rbuf[h], 512 + 1, VIRTQ_DESC_F_WRITE, 0 };
		avail[2 + h] = (uint16_t)(2 * h);
	}
	barrier();
	avail[1] = QN / 2;
	barrier();
	wr(R_QUEUE_NOTIFY, 0);
	wr(R_STATUS, 0);
	{
		uint64_t changed = 0;

		for (unsigned int i = 0; i < sizeof(used); i++)
			used[i] = 0;
		for (unsigned int h = 0; h < QN / 2; h++)
			rbuf[h][0] = rbuf[h][64] = 0x5a5a;
		wait_ms(200);
		for (unsigned int i = 0; i < sizeof(used); i++)
			changed += used[i] != 0;
		for (unsigned int h = 0; h < QN / 2; h++)
			changed += (rbuf[h][0] != 0x5a5a) + (rbuf[h][64] != 0x5a5a);
		guest_check(rd(R_STATUS) == 0 && !changed, "reset-mid-flight",
			    "status 0x%x, %llu bytes written after the reset", rd(R_STATUS),
			    (unsigned long long)changed);
	}
	mq_checks();
	guest_check(dev_init(F_FLUSH, F_VERSION_1_HI), "init-last", "status 0x%x", rd(R_STATUS));
	honest_io("works-at-the-end");
	wr(R_STATUS, 0);
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The disk test guest: it shares a request ring and a completion ring with the hypervisor's
 * block engine in its own RAM (MONADIC_HVC_DISK, dataplane/blk_abi.h) and drives its share of
 * an NVMe namespace through them, zero copy: the controller DMAs straight into its buffers.
 *
 * Modes, by a word on its command line:
 *   (none)   write a pattern over its whole share at queue depth 16, flush, read it all back
 *            and check it; Write Zeroes and Deallocate on a few blocks; then the pattern again
 *            where they were (the host checks the backing file afterwards); with "long"
 *            the share is read back and checked 32 times
 *   hostile  lies (blocks outside its share, buffers outside its RAM or in MMIO, misaligned,
 *            bad ops, reserved bits, too big), each must come back with its error status;
 *            then a flood beyond the queue-depth limit; then an impossible ring index
 *   irq      as (none), with an SPI asked for at attach: the completions' interrupts counted
 *   loop     reads and writes at queue depth 32 until it is stopped
 *   bench N  (`bench nvme`) N random 4 KiB reads, then writes, at each queue depth 1..128,
 *            every latency timed with CNTVCT_EL0; the summary goes to MONADIC_HVC_RESULT
 *   wfi      (with any of the above) wait for completions in WFI on the SPI, asked for only
 *            while waiting (BLK_ATTACH_IRQ_ON_WAIT), after WAIT_SPINS empty looks at the
 *            ring; without it the guest waits in WFE on the ring's line
 *   pause    (with any of the above) 20 ms before the first request, by which time an idle
 *            engine sleeps
 * After publishing requests it kicks the engine (BLK_HVC_KICK) when the engine's sleep word
 * says it sleeps.
 * Pattern word k of share block b: 0xd15c000000000000 | vm id << 40 | b << 8 | k (512-byte
 * blocks: k < 64). It turns its MMU on first so its view of the rings and buffers is Normal
 * Write-Back memory, as the hypervisor's is.
 */
#include "guest.h"
#include "dataplane/blk_abi.h"
#include "dataplane/spsc.h"
#include "kernel/lib/fdt.h"

#define CAP	   256
#define QD	   16
#define LOOP_QD	   32
#define BUF_MAX	   4096
#define MAX_BUFS   128
#define RAM_IPA	   0x40000000UL
#define TIMEOUT_MS 30000

static uint8_t region[(BLK_RING_SLOTS + CAP * (BLK_REQ_SIZE + BLK_CPL_SIZE) + 4095) & ~4095]
	__attribute__((aligned(4096)));
static uint8_t bufs[MAX_BUFS][BUF_MAX] __attribute__((aligned(4096)));
static uint64_t l1_table[512] __attribute__((aligned(4096)));
static struct spsc_prod reqs;
static struct spsc_cons cpls;
static uint64_t vm_id, blocks, bsize, max_blocks, ram_size;
static volatile uint64_t irqs;
static bool wait_wfi;
static uint64_t kicks, wfi_waits;

/*
 * Waiting with "wfi": look at the completion ring this many times first (a completion that
 * is near costs no trap and no interrupt), then sleep. Under TCG each look is a few host
 * instructions, so this is microseconds, well under an NVMe command's time.
 */
#define WAIT_SPINS 256

#define DISK_INTID 48 /* an SPI no device of ours uses */

void guest_irq(void)
{
	uint64_t iar;

	__asm__ volatile("mrs %0, s3_0_c12_c12_0" : "=r"(iar)); /* ICC_IAR1_EL1 */
	if ((iar & 0xffffff) == DISK_INTID)
		irqs++;
	__asm__ volatile("msr s3_0_c12_c12_1, %0\n isb" : : "r"(iar)); /* ICC_EOIR1_EL1 */
}

extern char __image_start[], __image_end[];

#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")

/* Identity map as in ring.c: the first GiB Device-nGnRE, the second Normal Write-Back. */
static void mmu_on(void)
{
	uint64_t line = 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xf);

	l1_table[0] = 0x00000000UL | 1 | 0 << 2 | 1UL << 10 | 3UL << 53;
	l1_table[1] = 0x40000000UL | 1 | 1 << 2 | 3UL << 8 | 1UL << 10;
	for (uintptr_t a = (uintptr_t)__image_start & ~(line - 1); a < (uintptr_t)__image_end;
	     a += line)
		__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
	write_sysreg(mair_el1, 0x04UL | 0xffUL << 8);
	write_sysreg(tcr_el1, 32UL | 1UL << 8 | 1UL << 10 | 3UL << 12 | 1UL << 23 | 2UL << 30);
	write_sysreg(ttbr0_el1, (uintptr_t)l1_table);
	__asm__ volatile("isb\n tlbi vmalle1\n dsb nsh\n isb" : : : "memory");
	write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) | 1UL | 1UL << 2 | 1UL << 12);
	__asm__ volatile("isb\n ic iallu\n dsb nsh\n isb" : : : "memory");
}

static uint64_t now(void)
{
	uint64_t v;

	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static int64_t disk_call(uint64_t op, uint64_t a, uint64_t b, uint64_t out[3])
{
	return guest_hvc_out(MONADIC_HVC_DISK, op, a, b, out);
}

/* The engine's sleep word and ours (dataplane/blk_abi.h). */
static _Atomic uint32_t *word(unsigned int off)
{
	return (_Atomic uint32_t *)(void *)(region + off);
}

/* Requests were published: wake the engine if it says it sleeps. */
static void kick_if_asleep(void)
{
	/*
	 * Full barrier (DMB ISH): the request head store is visible before the sleep word's load;
	 * pairs with the engine's barrier between its sleep word store and its last look at our
	 * ring. Either it saw our requests or we see it asleep.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(word(BLK_RING_SLEEP_WORD), memory_order_relaxed)) {
		disk_call(BLK_HVC_KICK, 0, 0, NULL);
		kicks++;
	}
}

static bool cpl_ready(void)
{
	void *first;

	return spsc_cons_peek(&cpls, 1, &first) != 0;
}

/* Wait for a completion in WFI on the SPI (see WAIT_SPINS). May return without one. */
static void wait_irq(void)
{
	for (unsigned int i = 0; i < WAIT_SPINS; i++)
		if (cpl_ready())
			return;
	__asm__ volatile("msr daifset, #2" : : : "memory"); /* the handler after the WFI */
	atomic_store_explicit(word(BLK_RING_WAIT_WORD), 1, memory_order_relaxed);
	/*
	 * Full barrier: the wait word store is visible before the ring's head is read again;
	 * pairs with the engine's barrier between its completion head store and its read of the
	 * wait word. Either we see its completion or it sees us waiting and raises the SPI, which
	 * ends the WFI even masked.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	if (!cpl_ready()) {
		__asm__ volatile("wfi" : : : "memory");
		wfi_waits++;
	}
	atomic_store_explicit(word(BLK_RING_WAIT_WORD), 0, memory_order_relaxed);
	__asm__ volatile("msr daifclr, #2" : : : "memory"); /* take (and EOI) the SPI now */
}

static bool submit(uint8_t op, uint64_t lba, uint32_t count, uint64_t buf, uint64_t tag)
{
	uint64_t deadline = now() + TIMEOUT_MS * (read_sysreg(cntfrq_el0) / 1000);
	struct blk_req *r;

	while (spsc_prod_reserve(&reqs, 1, (void **)&r) != 1) {
		if (now() > deadline || reqs.fault)
			return false;
		spsc_prod_wait_free(&reqs, 1);
	}
	*r = (struct blk_req){ .tag = tag, .op = op, .count = count, .lba = lba, .buf = buf };
	spsc_prod_commit_notify(&reqs, 1);
	kick_if_asleep();
	return true;
}

static bool reap(struct blk_cpl *c)
{
	uint64_t deadline = now() + TIMEOUT_MS * (read_sysreg(cntfrq_el0) / 1000);

	while (!spsc_cons_dequeue(&cpls, c)) {
		if (now() > deadline)
			return false;
		if (wait_wfi)
			wait_irq();
		else
			spsc_cons_wait_nonempty(&cpls, 1);
	}
	return true;
}

static uint64_t pattern(uint64_t block, unsigned int k)
{
	return 0xd15c000000000000UL | vm_id << 40 | block << 8 | k;
}

static void fill(uint64_t *w, uint64_t lba, uint32_t count)
{
	for (uint32_t b = 0; b < count; b++)
		for (unsigned int k = 0; k < bsize / 8; k++)
			w[b * (bsize / 8) + k] = pattern(lba + b, k);
}

static uint64_t verify(const uint64_t *w, uint64_t lba, uint32_t count, bool zero)
{
	uint64_t bad = 0;

	for (uint32_t b = 0; b < count; b++)
		for (unsigned int k = 0; k < bsize / 8; k++)
			if (w[b * (bsize / 8) + k] != (zero ? 0 : pattern(lba + b, k)))
				bad++;
	return bad;
}

/*
 * One pass over blocks [first, first + n) in 4 KiB requests at queue depth 'qd': write the
 * pattern or read and check it. Returns words that did not match plus requests that failed.
 */
static uint64_t pass(uint8_t op, uint64_t first, uint64_t n, unsigned int qd)
{
	uint32_t chunk = BUF_MAX / bsize;
	uint64_t lbas[MAX_BUFS], errors = 0, next = first;
	uint32_t counts[MAX_BUFS];
	unsigned int free_bufs[MAX_BUFS], n_free = qd, busy = 0;

	for (unsigned int i = 0; i < qd; i++)
		free_bufs[i] = i;
	while (next < first + n || busy) {
		struct blk_cpl c;

		while (next < first + n && n_free) {
			unsigned int i = free_bufs[--n_free];
			uint32_t cnt =
				first + n - next < chunk ? (uint32_t)(first + n - next) : chunk;

			lbas[i] = next;
			counts[i] = cnt;
			if (op == BLK_OP_WRITE)
				fill((uint64_t *)bufs[i], next, cnt);
			else
				for (unsigned int k = 0; k < BUF_MAX / 8; k++)
					((uint64_t *)bufs[i])[k] = 0xbad;
			if (!submit(op, next, cnt, (uintptr_t)bufs[i], i))
				return errors + 1;
			next += cnt;
			busy++;
		}
		if (!reap(&c))
			return errors + 1;
		busy--;
		if (c.tag >= qd) {
			errors++;
			continue;
		}
		if (c.status != BLK_OK) {
			if (errors < 4)
				guest_printf("guest: lba %llu: status %u nvme 0x%x\n",
					     (unsigned long long)lbas[c.tag], c.status, c.nvme);
			errors++;
		} else if (op == BLK_OP_READ) {
			errors +=
				verify((uint64_t *)bufs[c.tag], lbas[c.tag], counts[c.tag], false);
		}
		free_bufs[n_free++] = (unsigned int)c.tag;
	}
	return errors;
}

/* One request and its completion: the status. */
static unsigned int one(uint8_t op, uint64_t lba, uint32_t count, uint64_t buf)
{
	struct blk_cpl c = { .status = 0xffff };

	if (!submit(op, lba, count, buf, 0x77) || !reap(&c) || c.tag != 0x77)
		return 0xffff;
	return c.status;
}

static void run_pattern(bool repeat)
{
	uint64_t bad;
	unsigned int st;

	bad = pass(BLK_OP_WRITE, 0, blocks, QD);
	guest_check(bad == 0, "write-all", "%llu errors", (unsigned long long)bad);
	guest_check(one(BLK_OP_FLUSH, 0, 0, 0) == BLK_OK, "flush", NULL);
	bad = 0;
	for (unsigned int i = 0; i < (repeat ? 32 : 1); i++)
		bad += pass(BLK_OP_READ, 0, blocks, QD);
	guest_check(bad == 0, "read-all", "%llu mismatches", (unsigned long long)bad);
	/* Write Zeroes reads back as zeroes; Deallocate is accepted. */
	st = one(BLK_OP_WRITE_ZEROES, 0, 8, 0);
	guest_check(st == BLK_OK, "write-zeroes", "status %u", st);
	st = one(BLK_OP_READ, 0, 8, (uintptr_t)bufs[0]);
	bad = verify((uint64_t *)bufs[0], 0, 8, true);
	guest_check(st == BLK_OK && !bad, "zeroes-read", "status %u, %llu words not zero", st,
		    (unsigned long long)bad);
	st = one(BLK_OP_DISCARD, 8, 8, 0);
	guest_check(st == BLK_OK, "discard", "status %u", st);
	bad = pass(BLK_OP_WRITE, 0, 16, 2);
	bad += one(BLK_OP_FLUSH, 0, 0, 0);
	guest_check(bad == 0, "rewrite", "%llu errors", (unsigned long long)bad);
}

struct lie {
	const char *name;
	struct blk_req r;
	unsigned int want;
};

static void run_hostile(void)
{
	uint64_t buf = (uintptr_t)bufs[0], ram_end = RAM_IPA + ram_size;
	const struct lie lies[] = {
		{ "lie-past-end",
		  { .op = BLK_OP_READ, .lba = blocks, .count = 1, .buf = buf },
		  BLK_E_RANGE },
		{ "lie-straddle",
		  { .op = BLK_OP_WRITE, .lba = blocks - 1, .count = 2, .buf = buf },
		  BLK_E_RANGE },
		{ "lie-huge-lba",
		  { .op = BLK_OP_WRITE, .lba = ~0ULL - 3, .count = 8, .buf = buf },
		  BLK_E_RANGE },
		{ "lie-zero-count",
		  { .op = BLK_OP_READ, .lba = 0, .count = 0, .buf = buf },
		  BLK_E_RANGE },
		{ "lie-zeroes-range",
		  { .op = BLK_OP_WRITE_ZEROES, .lba = blocks, .count = 1 },
		  BLK_E_RANGE },
		{ "lie-below-ram",
		  { .op = BLK_OP_READ, .count = 1, .buf = RAM_IPA - 4096 },
		  BLK_E_BUF },
		{ "lie-mmio", { .op = BLK_OP_READ, .count = 1, .buf = 0x09000000 }, BLK_E_BUF },
		{ "lie-ram-end",
		  { .op = BLK_OP_READ, .count = 8, .buf = ram_end - 512 },
		  BLK_E_BUF },
		{ "lie-wrap", { .op = BLK_OP_READ, .count = 8, .buf = ~0ULL - 511 }, BLK_E_BUF },
		{ "lie-misaligned", { .op = BLK_OP_WRITE, .count = 1, .buf = buf + 2 }, BLK_E_BUF },
		{ "lie-op", { .op = 9, .count = 1, .buf = buf }, BLK_E_OP },
		{ "lie-flags",
		  { .op = BLK_OP_READ, .flags = 1, .count = 1, .buf = buf },
		  BLK_E_OP },
		{ "lie-rsvd", { .op = BLK_OP_READ, .rsvd = 1, .count = 1, .buf = buf }, BLK_E_OP },
		{ "lie-too-big",
		  { .op = BLK_OP_READ, .count = (uint32_t)max_blocks + 1, .buf = buf },
		  BLK_E_SIZE },
	};
	uint64_t out[3], got = 0, bad = 0;
	struct blk_cpl c;

	for (unsigned int i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		const struct blk_req *r = &lies[i].r;
		unsigned int st = one(r->op, r->lba, r->count, r->buf);

		if (r->flags || r->rsvd) { /* one() cannot set them: do it by hand */
			struct blk_req *slot;

			st = 0xffff;
			if (spsc_prod_reserve(&reqs, 1, (void **)&slot) == 1) {
				*slot = *r;
				slot->tag = 0x77;
				spsc_prod_commit_notify(&reqs, 1);
				kick_if_asleep();
				if (reap(&c))
					st = c.status;
			}
		}
		guest_check(st == lies[i].want, lies[i].name, "status %u, want %u", st,
			    lies[i].want);
	}
	/* A flood: a whole ring of reads at once, twice the queue-depth limit; all complete. */
	for (unsigned int i = 0; i < CAP - 1; i++)
		if (!submit(BLK_OP_READ, i % blocks, 1, (uintptr_t)bufs[i % MAX_BUFS], i))
			break;
	for (unsigned int i = 0; i < CAP - 1 && reap(&c); i++) {
		got++;
		bad += c.status != BLK_OK;
	}
	guest_check(got == CAP - 1 && !bad, "flood", "%llu completions, %llu errors",
		    (unsigned long long)got, (unsigned long long)bad);
	/* An impossible request head: the engine shuts our rings and says so. */
	atomic_store_explicit(&reqs.sh->head.v, reqs.head + CAP + 5, memory_order_release);
	__asm__ volatile("sev" : : : "memory");
	for (unsigned int i = 0; i < 100000; i++) {
		disk_call(BLK_HVC_STATUS, 0, 0, out);
		if (out[0] == 2)
			break;
	}
	guest_check(out[0] == 2, "ring-shut", "state %llu", (unsigned long long)out[0]);
	guest_printf("guest: %llu requests completed, %llu with an error\n",
		     (unsigned long long)out[1], (unsigned long long)out[2]);
}

#define MONADIC_HVC_RESULT     0x86000003U /* kernel/vmm/vhyp.h */
#define MONADIC_HVC_BENCH_NVME 0x86000011U /* bench/bench_nvme.c: x1 = 0 begin, 1 end; x2 = point */
#define BENCH_MAX_IOS	       20000
#define BENCH_POINTS	       16
#define BENCH_FIELDS	       8

static uint64_t lat[BENCH_MAX_IOS], issued[MAX_BUFS];
static uint64_t results[BENCH_POINTS * BENCH_FIELDS];

/* Shell sort: no recursion, no allocation; fine for a few thousand samples. */
static void sort(uint64_t *v, uint64_t n)
{
	for (uint64_t gap = n / 2; gap; gap /= 2)
		for (uint64_t i = gap; i < n; i++)
			for (uint64_t j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				uint64_t t = v[j];

				v[j] = v[j - gap];
				v[j - gap] = t;
			}
}

static uint64_t quantile(uint64_t n, unsigned int permille)
{
	uint64_t rank = (n * permille + 999) / 1000;

	return lat[rank ? rank - 1 : 0];
}

/* One point: n random 4 KiB requests of 'op' at queue depth qd. Returns errors. */
static uint64_t bench_point(uint8_t op, unsigned int qd, uint64_t n, uint64_t *rng, uint64_t *out)
{
	uint32_t count = (uint32_t)(4096 / bsize);
	unsigned int free_tags[MAX_BUFS], n_free = qd;
	uint64_t submitted = 0, done = 0, errors = 0, t0, t1;
	struct blk_cpl c;

	for (unsigned int i = 0; i < qd; i++)
		free_tags[i] = i;
	t0 = now();
	while (done < n) {
		while (submitted < n && n_free) {
			unsigned int tag = free_tags[--n_free];
			uint64_t lba;

			*rng ^= *rng << 13;
			*rng ^= *rng >> 7;
			*rng ^= *rng << 17;
			lba = (*rng % (blocks / count)) * count;
			issued[tag] = now();
			if (!submit(op, lba, count, (uintptr_t)bufs[tag], tag))
				return errors + n;
			submitted++;
		}
		if (!reap(&c) || c.tag >= qd)
			return errors + n;
		lat[done++] = now() - issued[c.tag];
		errors += c.status != BLK_OK;
		free_tags[n_free++] = (unsigned int)c.tag;
	}
	t1 = now();
	sort(lat, n);
	out[0] = qd;
	out[1] = op;
	out[2] = n;
	out[3] = t1 - t0;
	out[4] = quantile(n, 500);
	out[5] = quantile(n, 990);
	out[6] = quantile(n, 999);
	out[7] = lat[n - 1];
	return errors;
}

static void run_bench(uint64_t n)
{
	uint64_t rng = 0x2545f4914f6cdd1dUL, errors = 0;
	unsigned int point = 0;

	if (n > BENCH_MAX_IOS)
		n = BENCH_MAX_IOS;
	for (uint8_t op = BLK_OP_READ; op <= BLK_OP_WRITE; op++)
		for (unsigned int qd = 1; qd <= MAX_BUFS; qd *= 2, point++) {
			guest_hvc(MONADIC_HVC_BENCH_NVME, 0, point, 0);
			errors += bench_point(op, qd, n, &rng, &results[point * BENCH_FIELDS]);
			guest_hvc(MONADIC_HVC_BENCH_NVME, 1, point, 0);
		}
	guest_check(errors == 0, "bench", "%llu requests failed", (unsigned long long)errors);
	if (!errors)
		guest_hvc(MONADIC_HVC_RESULT, (uintptr_t)results, point * BENCH_FIELDS, 0);
}

/* The number after "bench" on the command line (the VM's /chosen/bootargs), or 0. */
static uint64_t bench_arg(const void *dtb)
{
	struct fdt f;
	const char *args, *p;
	uint32_t len;
	uint64_t n = 0;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return 0;
	node = fdt_path_offset(&f, "/chosen");
	args = node >= 0 ? fdt_getprop(&f, node, "bootargs", &len) : 0;
	if (!args)
		return 0;
	for (p = args; *p && !(p[0] == 'b' && p[1] == 'e' && p[2] == 'n' && p[3] == 'c' &&
			       p[4] == 'h' && p[5] == ' ');
	     p++)
		;
	if (!*p)
		return 0;
	for (p += 6; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n;
}

static void run_loop(void)
{
	uint64_t rounds = 0, bad = 0;

	guest_printf("guest: looping\n");
	for (;;) {
		bad += pass(BLK_OP_WRITE, 0, blocks < 1024 ? blocks : 1024, LOOP_QD);
		bad += pass(BLK_OP_READ, 0, blocks < 1024 ? blocks : 1024, LOOP_QD);
		if (!(++rounds % 2))
			guest_printf("guest: %llu rounds, %llu errors\n",
				     (unsigned long long)rounds, (unsigned long long)bad);
	}
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t out[3] = { 0 }, info[4];
	int64_t r;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	ram_size = guest_ram_size(dtb);
	mmu_on();
	guest_hvc4(MONADIC_HVC_INFO, info);
	vm_id = info[1];
	r = disk_call(BLK_HVC_INFO, 0, 0, out);
	guest_check(r == 0 && out[1] && (out[1] == 512 || out[1] == 4096), "disk-info",
		    "error %lld, %llu blocks of %llu", (long long)r, (unsigned long long)out[0],
		    (unsigned long long)out[1]);
	if (r)
		goto off;
	blocks = out[0];
	bsize = out[1];
	max_blocks = (uint32_t)out[2];
	guest_printf("guest: vm%llu disk of %llu blocks of %llu bytes, %llu per request, RAM %llu "
		     "MiB\n",
		     (unsigned long long)vm_id, (unsigned long long)blocks,
		     (unsigned long long)bsize, (unsigned long long)max_blocks,
		     (unsigned long long)(ram_size >> 20));
	spsc_prod_attach(&reqs, (struct spsc_shared *)region, region + BLK_RING_SLOTS, CAP,
			 BLK_REQ_SIZE, 0);
	spsc_cons_attach(&cpls, (struct spsc_shared *)(region + BLK_RING_CPL),
			 region + BLK_RING_SLOTS + CAP * BLK_REQ_SIZE, CAP, BLK_CPL_SIZE, 0);
	wait_wfi = guest_cmdline_has(dtb, "wfi");
	if (guest_cmdline_has(dtb, "irq") || wait_wfi) {
		volatile uint32_t *gicd = (volatile uint32_t *)guest_gicd();

		guest_gic_enable();
		gicd[0] = 0x12; /* GICD_CTLR: ARE_NS | EnableGrp1A */
		gicd[0x100 / 4 + DISK_INTID / 32] = 1U << (DISK_INTID % 32); /* GICD_ISENABLERn */
	}
	r = disk_call(BLK_HVC_ATTACH, (uintptr_t)region,
		      CAP | (guest_cmdline_has(dtb, "irq") ? (uint64_t)DISK_INTID << 32 : 0) |
			      (wait_wfi ? (uint64_t)DISK_INTID << 32 | BLK_ATTACH_IRQ_ON_WAIT : 0),
		      NULL);
	guest_check(r == 0, "disk-attach", "error %lld", (long long)r);
	if (r)
		goto off;
	if (guest_cmdline_has(dtb, "pause")) {
		/* 20 ms with nothing published: the engine is asleep when the first request comes. */
		uint64_t until = now() + read_sysreg(cntfrq_el0) / 50;

		while (now() < until)
			;
	}
	if (bench_arg(dtb))
		run_bench(bench_arg(dtb));
	else if (guest_cmdline_has(dtb, "hostile"))
		run_hostile();
	else if (guest_cmdline_has(dtb, "loop"))
		run_loop();
	else
		run_pattern(guest_cmdline_has(dtb, "long"));
	if (guest_cmdline_has(dtb, "irq"))
		guest_check(irqs > 0, "completion-irqs", "none taken");
	if (irqs)
		guest_printf("guest: %llu completion interrupts\n", (unsigned long long)irqs);
	if (wait_wfi)
		guest_check(wfi_waits > 0 && irqs > 0, "wfi-waits",
			    "%llu WFI waits, %llu interrupts", (unsigned long long)wfi_waits,
			    (unsigned long long)irqs);
	guest_printf("guest: %llu kicks, %llu WFI waits\n", (unsigned long long)kicks,
		     (unsigned long long)wfi_waits);
off:
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

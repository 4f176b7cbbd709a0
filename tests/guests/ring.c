// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The ring test guest: it shares two SPSC rings with the hypervisor's data-plane engine, zero
 * copy, in a region of its own RAM (MONADIC_HVC_RING, kernel/vring.h). It writes N
 * sequence-numbered messages in place into the ring to the engine, which transforms each in
 * place into the ring back (sequence number kept, every other word complemented), and checks
 * every reply. With "hostile" on its command line it instead publishes an impossible index and
 * scribbles on the engine's own index lines, and checks that its port is shut and reported.
 * "layout=seq" shares the rings in the sequence layout instead (a sequence word per slot,
 * dataplane/spsc_seq.h); "slot=N" sets the message size (8-256, a multiple of 8; 64 by
 * default); with "hostile" it tells the sequence layout's lies one after the other. "bench"
 * times "count=N" single-message round trips and leaves them for the hypervisor
 * (MONADIC_HVC_RESULT), for `bench ring`. "secs=N" repeats the echo of count messages until N
 * seconds have passed.
 * It turns its MMU on first: the region must be Normal Write-Back memory, as the hypervisor's
 * view of it is, or the two would not be coherent on hardware.
 */
#include "guest.h"
#include "dataplane/spsc.h"
#include "dataplane/spsc_seq.h"
#include "kernel/lib/fdt.h"

#define CAP	      64
#define MAX_SLOT      256
#define BURST	      16
#define DEFAULT_COUNT 10000
#define MAX_SAMPLES   100000
/* The larger layout: 256-byte slots and, for the sequence layout, a trailer array per ring. */
#define MAX_AREA	   (CAP * MAX_SLOT + CAP * SPSC_SEQ_TRAILER)
#define REGION_SIZE	   (VRING_SLOTS_OFFSET + 2 * MAX_AREA)
#define MONADIC_HVC_RESULT 0x86000003U /* x1 = IPA of u64 samples, x2 = how many */
_Static_assert(VRING_SLOTS_OFFSET == 2 * sizeof(struct spsc_shared), "guest.h matches spsc.h");

static uint8_t region[(REGION_SIZE + 4095) & ~4095] __attribute__((aligned(4096)));
static uint64_t l1_table[512] __attribute__((aligned(4096)));
static uint64_t samples[MAX_SAMPLES];
static struct spsc_prod to_engine;   /* our private end of ring 0, index layout */
static struct spsc_cons from_engine; /* our private end of ring 1 */
static struct spsc_seq_prod seq_to;  /* the same in the sequence layout */
static struct spsc_seq_cons seq_from;
static bool seq;	     /* which of the two pairs of ends is in use */
static uint32_t slot = 64;   /* message size, bytes */
static uint32_t stride = 64; /* bytes from one message to the next in the rings */
static uint64_t area_size;   /* bytes of one ring's slots (and trailers) */

extern char __image_start[], __image_end[];

#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")

/* Stage-1 block descriptor bits (Arm ARM D8.3, VMSAv8-64 block descriptors). */
#define DESC_BLOCK	  1UL
#define DESC_ATTR(i)	  ((uint64_t)(i) << 2)
#define DESC_SH_INNER	  (3UL << 8)
#define DESC_AF		  (1UL << 10)
#define DESC_XN		  (3UL << 53) /* PXN, UXN */
#define MAIR_DEVICE_NGNRE 0x04UL      /* attribute 0 */
#define MAIR_NORMAL_WB	  0xffUL      /* attribute 1: inner and outer write-back, allocate */
#define TCR_T0SZ_32	  32UL	      /* 4 GiB of VA: the walk starts at level 1 */
#define TCR_IRGN0_WBWA	  (1UL << 8)
#define TCR_ORGN0_WBWA	  (1UL << 10)
#define TCR_SH0_INNER	  (3UL << 12)
#define TCR_EPD1	  (1UL << 23)
#define TCR_TG1_4K	  (2UL << 30)
#define SCTLR_M		  (1UL << 0)
#define SCTLR_C		  (1UL << 2)
#define SCTLR_I		  (1UL << 12)

/*
 * Identity map: the first GiB (devices: UART, GIC) as Device-nGnRE, the second (our RAM at IPA
 * 0x40000000) as Normal Write-Back Inner Shareable. Everything written with the MMU off (the
 * table, BSS, the stack) is invalidated from the caches first, so no stale line the hypervisor's
 * cacheable view left behind shows through (with Stage 2 on, DC IVAC from EL1 cleans too).
 */
static void mmu_on(void)
{
	uint64_t line = 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xf);

	l1_table[0] = 0x00000000UL | DESC_BLOCK | DESC_ATTR(0) | DESC_AF | DESC_XN;
	l1_table[1] = 0x40000000UL | DESC_BLOCK | DESC_ATTR(1) | DESC_SH_INNER | DESC_AF;
	for (uintptr_t a = (uintptr_t)__image_start & ~(line - 1); a < (uintptr_t)__image_end;
	     a += line)
		__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
	write_sysreg(mair_el1, MAIR_DEVICE_NGNRE | MAIR_NORMAL_WB << 8);
	write_sysreg(tcr_el1, TCR_T0SZ_32 | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER |
				      TCR_EPD1 | TCR_TG1_4K);
	write_sysreg(ttbr0_el1, (uintptr_t)l1_table);
	__asm__ volatile("isb\n tlbi vmalle1\n dsb nsh\n isb" : : : "memory");
	write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) | SCTLR_M | SCTLR_C | SCTLR_I);
	__asm__ volatile("isb\n ic iallu\n dsb nsh\n isb" : : : "memory");
}

static uint64_t now(void)
{
	uint64_t v;

	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static uint64_t ticks_per_ms(void)
{
	return read_sysreg(cntfrq_el0) / 1000;
}

/* MONADIC_HVC_RING: x0 back, x1-x3 into out[]. */
static int64_t ring_call(uint64_t op, uint64_t a, uint64_t b, uint64_t out[3])
{
	return guest_hvc_out(MONADIC_HVC_RING, op, a, b, out);
}

static uint64_t geometry(uint64_t cap, uint64_t size)
{
	return cap | size << 32;
}

/*
 * Our ends over the region, indices at 0 (as the hypervisor's start), then ask for the port.
 * In the sequence layout our producer's attach writes ring 0's words (every slot empty) first,
 * as the ABI asks (kernel/vmm/vring.h).
 */
static int64_t attach(uint64_t *port)
{
	struct spsc_shared *sh0 = (struct spsc_shared *)region;
	struct spsc_shared *sh1 = (struct spsc_shared *)(region + VRING_RING1_OFFSET);
	uint8_t *slots0 = region + VRING_SLOTS_OFFSET, *slots1 = slots0 + area_size;
	uint64_t out[3] = { 0 };
	int64_t ret;

	if (seq) {
		spsc_seq_prod_attach(&seq_to, sh0, slots0, CAP, slot, 0);
		spsc_seq_cons_attach(&seq_from, sh1, slots1, CAP, slot, 0);
	} else {
		spsc_prod_attach(&to_engine, sh0, slots0, CAP, slot, 0);
		spsc_cons_attach(&from_engine, sh1, slots1, CAP, slot, 0);
	}
	ret = ring_call(VRING_OP_ATTACH, (uintptr_t)region,
			geometry(CAP, slot) | (seq ? VRING_GEOM_SEQ : 0), out);
	*port = out[0];
	return ret;
}

/* Our ends' calls, in the layout in use. */
static uint32_t to_reserve(uint32_t n, uint64_t **m)
{
	return seq ? spsc_seq_prod_reserve(&seq_to, n, (void **)m)
		   : spsc_prod_reserve(&to_engine, n, (void **)m);
}

static void to_commit(uint32_t n)
{
	if (seq)
		spsc_seq_prod_commit_notify(&seq_to, n);
	else
		spsc_prod_commit_notify(&to_engine, n);
}

static uint32_t from_peek(uint32_t n, uint64_t **m)
{
	return seq ? spsc_seq_cons_peek(&seq_from, n, (void **)m)
		   : spsc_cons_peek(&from_engine, n, (void **)m);
}

static void from_release(uint32_t n)
{
	if (seq)
		spsc_seq_cons_release(&seq_from, n);
	else
		spsc_cons_release(&from_engine, n);
}

static void from_wait(uint32_t waits)
{
	if (seq)
		spsc_seq_cons_wait_nonempty(&seq_from, waits);
	else
		spsc_cons_wait_nonempty(&from_engine, waits);
}

/* Our ends found the engine honest: every index and word it published was possible. */
static bool ends_honest(void)
{
	return seq ? !seq_to.fault && !seq_from.fault : !to_engine.fault && !from_engine.fault;
}

/* Message i of a run handed out by reserve or peek. */
static uint64_t *msg_at(uint64_t *first, uint32_t i)
{
	return first + (uint64_t)i * (stride / 8);
}

static uint64_t word(uint64_t sq, unsigned int w)
{
	return sq * 0x9e3779b97f4a7c15UL ^ w;
}

/*
 * Send n messages (sequence numbers first_seq ...) written in place, and check each reply in
 * place. Returns the number of errors; *echoed gets how many replies came.
 */
static uint64_t echo(uint64_t first_seq, uint64_t n, uint64_t *echoed, uint64_t *us)
{
	uint64_t sent = 0, got = 0, errors = 0, t0 = now();
	uint64_t deadline = t0 + 20000 * ticks_per_ms();
	unsigned int words = slot / 8;

	while (got < n && now() < deadline) {
		uint64_t *m;
		uint32_t k;

		if (sent < n) {
			k = to_reserve(n - sent < BURST ? (uint32_t)(n - sent) : BURST, &m);
			for (uint32_t i = 0; i < k; i++) {
				uint64_t sq = first_seq + sent + i, *d = msg_at(m, i);

				d[0] = sq;
				for (unsigned int w = 1; w < words; w++)
					d[w] = word(sq, w);
			}
			to_commit(k);
			sent += k;
		}
		k = from_peek(BURST, &m);
		for (uint32_t i = 0; i < k; i++) {
			uint64_t sq = first_seq + got + i, *d = msg_at(m, i);
			bool ok = d[0] == sq;

			for (unsigned int w = 1; w < words; w++)
				ok = ok && d[w] == ~word(sq, w);
			if (!ok && errors++ < 4)
				guest_printf("guest: reply %llu: seq %llu, word 1 0x%llx\n",
					     (unsigned long long)sq, (unsigned long long)d[0],
					     (unsigned long long)(words > 1 ? d[1] : 0));
		}
		from_release(k);
		got += k;
		if (!k && sent == n)
			from_wait(16);
	}
	*echoed = got;
	*us = (now() - t0) * 1000 / ticks_per_ms();
	return errors + (n - got);
}

/* What the hypervisor must refuse, whatever mode we are in. */
static void bad_requests(const void *dtb)
{
	uint64_t out[3], ram = guest_ram_size(dtb);
	int64_t r;

	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region + 8, geometry(CAP, 64), out);
	guest_check(r == E_RANGE, "ring-refuses-unaligned", "got %lld", (long long)r);
	r = ring_call(VRING_OP_ATTACH, 0x1000, geometry(CAP, 64), out);
	guest_check(r == E_RANGE, "ring-refuses-outside-ram", "got %lld", (long long)r);
	/* Starts in our RAM's last page, ends past it. */
	r = ring_call(VRING_OP_ATTACH, 0x40000000UL + ram - 4096, geometry(CAP, 64), out);
	guest_check(ram && r == E_RANGE, "ring-refuses-past-ram-end", "RAM 0x%llx, got %lld",
		    (unsigned long long)ram, (long long)r);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(48, 64), out);
	guest_check(r == E_INVAL, "ring-refuses-bad-capacity", "got %lld", (long long)r);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(1UL << 31, 8), out);
	guest_check(r == E_INVAL, "ring-refuses-huge-capacity", "got %lld", (long long)r);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(CAP, 12), out);
	guest_check(r == E_INVAL, "ring-refuses-bad-slot", "got %lld", (long long)r);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(CAP, 264) | VRING_GEOM_SEQ, out);
	guest_check(r == E_INVAL, "ring-refuses-bad-seq-slot", "got %lld", (long long)r);
	/*
	 * The sequence layout's slots are whole lines: 8 slots of 224 bytes fill RAM's last page
	 * exactly in the index layout (512 + 2 * 8 * 224), but need 512 + 2 * 8 * 256 in this one.
	 */
	r = ring_call(VRING_OP_ATTACH, 0x40000000UL + ram - 4096, geometry(8, 224) | VRING_GEOM_SEQ,
		      out);
	guest_check(r == E_RANGE, "ring-refuses-seq-past-ram-end", "got %lld", (long long)r);
	r = ring_call(7, 0, 0, out);
	guest_check(r == E_INVAL, "ring-refuses-unknown-op", "got %lld", (long long)r);
}

/* Echo n messages, or with secs given, chunks of n until that many seconds have passed. */
static void run_echo(uint64_t n, uint64_t secs)
{
	uint64_t got = 0, us = 0, out[3], errors = 0, total = 0;
	uint64_t end = now() + secs * 1000 * ticks_per_ms();
	int64_t r;

	do {
		uint64_t g, u;

		errors += echo(1 + total, n, &g, &u);
		got += g;
		us += u;
		total += n;
	} while (secs && now() < end && !errors);
	n = total;

	guest_printf("guest: ring: sent %llu, echoed %llu, errors %llu, %llu us\n",
		     (unsigned long long)n, (unsigned long long)got, (unsigned long long)errors,
		     (unsigned long long)us);
	guest_check(errors == 0 && got == n, "ring-echo", "%llu of %llu, %llu errors",
		    (unsigned long long)got, (unsigned long long)n, (unsigned long long)errors);
	guest_check(ends_honest(), "ring-engine-honest", NULL);
	r = ring_call(VRING_OP_STATUS, 0, 0, out);
	guest_check(r == 0 && out[0] == VRING_UP && out[1] == n, "ring-status",
		    "state %llu, %llu handled", (unsigned long long)out[0],
		    (unsigned long long)out[1]);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(CAP, slot), out);
	guest_check(r == E_EXIST, "ring-refuses-second-attach", "got %lld", (long long)r);
}

static void run_hostile(void)
{
	struct spsc_shared *ring0 = (struct spsc_shared *)region;
	struct spsc_shared *ring1 = (struct spsc_shared *)(region + VRING_RING1_OFFSET);
	uint64_t got, us, out[3] = { 0 }, port, deadline;
	uint32_t bad = to_engine.head + 1000000; /* a million messages in a 64-slot ring */
	void *p;

	guest_check(echo(1, 8, &got, &us) == 0, "ring-works-before", NULL);
	/*
	 * Scribble on the engine's own index lines (it never reads them back), then publish an
	 * impossible head for ring 0.
	 */
	atomic_store_explicit(&ring0->tail.v, 0x55555555U, memory_order_release);
	atomic_store_explicit(&ring1->head.v, 0xdeadbeefU, memory_order_release);
	atomic_store_explicit(&ring0->head.v, bad, memory_order_release);
	guest_printf("guest: published head 0x%x for a ring of %u\n", bad, CAP);
	deadline = now() + 5000 * ticks_per_ms();
	do
		ring_call(VRING_OP_STATUS, 0, 0, out);
	while (out[0] != VRING_SHUT && now() < deadline);
	guest_check(out[0] == VRING_SHUT && out[2] == bad, "ring-port-shut",
		    "state %llu, bad index 0x%llx", (unsigned long long)out[0],
		    (unsigned long long)out[2]);
	/* Our own end checks the engine's index too: the scribbled head is impossible. */
	guest_check(spsc_cons_peek(&from_engine, 1, &p) == 0 && from_engine.fault,
		    "ring-own-end-checks", NULL);
	/* A fresh attach replaces the shut port, and works. */
	guest_check(attach(&port) == 0, "ring-reattach", NULL);
	guest_check(echo(100, 64, &got, &us) == 0, "ring-works-after", "%llu echoed",
		    (unsigned long long)got);
}

/* Wait until the port is shut; true when it is, with the value that shut it in *bad. */
static bool wait_shut(uint64_t *bad)
{
	uint64_t out[3] = { 0 }, deadline = now() + 5000 * ticks_per_ms();

	do
		ring_call(VRING_OP_STATUS, 0, 0, out);
	while (out[0] != VRING_SHUT && now() < deadline);
	*bad = out[2];
	return out[0] == VRING_SHUT;
}

/* The sequence word of ring 0's slot 'index', through our producer's private geometry. */
static _Atomic uint32_t *ring0_word(uint32_t index)
{
	return (_Atomic uint32_t *)(void *)(seq_to.trailers +
					    (uint64_t)(index & seq_to.mask) * seq_to.tstride);
}

/* In this order: the hypervisor logs a VM's first four faults, then only every power of two. */
enum seq_lie { LIE_GARBAGE, LIE_TAIL, LIE_RUN_LENGTH, LIE_NOT_OURS, LIE_BACKWARDS, LIE_COUNT };
static const char *const lie_names[LIE_COUNT] = {
	"seq-lie-garbage-word",	 "seq-lie-tail",	   "seq-lie-run-length",
	"seq-lie-slot-not-ours", "seq-lie-goes-backwards",
};

/*
 * Tell one lie of the sequence layout on a working port: a garbage sequence word where the
 * engine polls next, a word from two laps back, a word one lap ahead (a slot we do not own
 * yet), a rung doorbell with a garbage run length, or a ring-1 tail past everything the engine
 * produced. Each must shut the port, reporting the value; a fresh attach then works again.
 */
static void seq_lie(enum seq_lie lie)
{
	struct spsc_shared *ring1 = (struct spsc_shared *)(region + VRING_RING1_OFFSET);
	uint64_t got, us, bad = 0, port, *m;
	uint32_t at, want = 0;
	bool shut;

	guest_check(echo(1, 8, &got, &us) == 0, "ring-works-before", "%s", lie_names[lie]);
	at = seq_to.head; /* the slot whose word the engine polls next */
	/* The engine's own head line of ring 1: it never reads it back, nor does our consumer. */
	atomic_store_explicit(&ring1->head.v, 0x55555555U, memory_order_relaxed);
	switch (lie) {
	case LIE_GARBAGE:
		want = 0xdeadbeefU;
		break;
	case LIE_BACKWARDS:
		want = at + 1 - 2 * CAP;
		break;
	case LIE_NOT_OURS:
		want = at + 1 + CAP;
		break;
	case LIE_RUN_LENGTH:
		want = at + 1; /* the right word, rung over an impossible run */
		atomic_store_explicit(ring0_word(at) + 1, 0xffff0000U, memory_order_relaxed);
		break;
	case LIE_TAIL:
		want = seq_from.tail + 1000000;
		atomic_store_explicit(&ring1->tail.v, want, memory_order_release);
		break;
	case LIE_COUNT:
		break;
	}
	if (lie != LIE_TAIL) {
		/* Release: the run length above is written before the word that rings it. */
		atomic_store_explicit(ring0_word(at), want, memory_order_release);
		shut = wait_shut(&bad);
	} else {
		/*
		 * The engine reads our tail only when its cached one leaves too little room:
		 * send without taking replies until it needs more.
		 */
		uint64_t deadline = now() + 5000 * ticks_per_ms(), out[3] = { 0 };

		do {
			if (to_reserve(1, &m)) {
				m[0] = 0;
				to_commit(1);
			}
			ring_call(VRING_OP_STATUS, 0, 0, out);
		} while (out[0] != VRING_SHUT && now() < deadline);
		shut = wait_shut(&bad);
	}
	guest_printf("guest: %s: wrote 0x%x at slot 0x%x, port %s, reported 0x%llx\n",
		     lie_names[lie], want, at, shut ? "shut" : "up", (unsigned long long)bad);
	guest_check(shut && bad == want, lie_names[lie], "state %s, reported 0x%llx",
		    shut ? "shut" : "up", (unsigned long long)bad);
	guest_check(attach(&port) == 0, "ring-reattach", "%s", lie_names[lie]);
}

static void run_hostile_seq(void)
{
	uint64_t got, us;

	for (int lie = 0; lie < LIE_COUNT; lie++)
		seq_lie((enum seq_lie)lie);
	guest_check(echo(100, 64, &got, &us) == 0, "ring-works-after", "%llu echoed",
		    (unsigned long long)got);
}

/*
 * `bench ring`: n round trips of one message each, timed with the virtual counter. The reply is
 * waited for with WFE, which the engine's commit ends with SEV: under QEMU's -icount, where
 * the vCPUs take turns on one host thread, WFE is what hands the turn to the engine's core (a
 * spinning guest would keep it for its whole time slice).
 */
static void run_bench(uint64_t n)
{
	uint64_t errors = 0, *m, deadline = now() + 20000 * ticks_per_ms();
	uint64_t i;

	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	for (i = 0; i < n && now() < deadline; i++) {
		uint64_t t0 = now();

		while (!to_reserve(1, &m) && now() < deadline)
			;
		m[0] = i;
		to_commit(1);
		while (!from_peek(1, &m) && now() < deadline)
			from_wait(1);
		errors += m[0] != i;
		from_release(1);
		samples[i] = now() - t0;
	}
	guest_printf("guest: ring bench: %llu round trips, %llu errors\n", (unsigned long long)i,
		     (unsigned long long)errors);
	guest_check(i == n && errors == 0 && ends_honest(), "ring-bench", NULL);
	/* No samples from a run that went wrong: the hypervisor reports it failed. */
	guest_hvc(MONADIC_HVC_RESULT, (uintptr_t)samples, i == n && !errors ? n : 0, 0);
}

/* The number after "key" (as "count=") on the command line, or 'dflt'. */
static uint64_t num_arg(const void *dtb, const char *key, uint64_t dflt)
{
	struct fdt f;
	const char *s;
	uint64_t n = 0;
	unsigned int k;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return dflt;
	node = fdt_path_offset(&f, "/chosen");
	s = node >= 0 ? fdt_getprop_str(&f, node, "bootargs") : 0;
	for (; s && *s; s++) {
		for (k = 0; key[k] && s[k] == key[k]; k++)
			;
		if (!key[k])
			break;
	}
	if (!s || !*s)
		return dflt;
	for (s += k; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n ? n : dflt;
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	bool hostile = guest_cmdline_has(dtb, "hostile"), bench = guest_cmdline_has(dtb, "bench");
	uint64_t n = num_arg(dtb, "count=", DEFAULT_COUNT), port = 0;
	uint64_t secs = num_arg(dtb, "secs=", 0);
	int64_t r;

	seq = guest_cmdline_has(dtb, "layout=seq");
	slot = (uint32_t)num_arg(dtb, "slot=", 64);
	if (slot > MAX_SLOT || slot % 8)
		slot = 64;
	stride = seq ? spsc_seq_stride(slot) : slot;
	area_size = seq ? (spsc_seq_bytes(CAP, slot) + 63) & ~63UL : (uint64_t)CAP * slot;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	mmu_on();
	guest_check(read_sysreg(sctlr_el1) & SCTLR_M, "mmu-on", NULL);
	guest_printf("guest: ring guest, %s, %llu messages, rings of %u x %u bytes, %s layout\n",
		     hostile ? "hostile" : "honest", (unsigned long long)n, CAP, slot,
		     seq ? "seq" : "index");
	bad_requests(dtb);
	r = attach(&port);
	guest_check(r == 0, "ring-attach", "error %lld (is the engine running? 'dp start')",
		    (long long)r);
	if (r == 0) {
		guest_printf("guest: ring region at 0x%llx is engine port %llu\n",
			     (unsigned long long)(uintptr_t)region, (unsigned long long)port);
		if (bench)
			run_bench(n);
		else if (hostile && seq)
			run_hostile_seq();
		else if (hostile)
			run_hostile();
		else
			run_echo(n, secs);
	}
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

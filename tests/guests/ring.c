// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The ring test guest: it shares two SPSC rings with the hypervisor's data-plane engine, zero
 * copy, in a region of its own RAM (MONADIC_HVC_RING, kernel/vring.h). It writes N
 * sequence-numbered messages in place into the ring to the engine, which transforms each in
 * place into the ring back (sequence number kept, every other word complemented), and checks
 * every reply. With "hostile" on its command line it instead publishes an impossible index and
 * scribbles on the engine's own index lines, and checks that its port is shut and reported.
 * It turns its MMU on first: the region must be Normal Write-Back memory, as the hypervisor's
 * view of it is, or the two would not be coherent on hardware.
 */
#include "guest.h"
#include "dataplane/spsc.h"
#include "kernel/lib/fdt.h"

#define CAP	      64
#define SLOT	      64
#define WORDS	      (SLOT / 8)
#define BURST	      16
#define DEFAULT_COUNT 10000
#define REGION_SIZE   (VRING_SLOTS_OFFSET + 2 * CAP * SLOT)
_Static_assert(VRING_SLOTS_OFFSET == 2 * sizeof(struct spsc_shared), "guest.h matches spsc.h");

static uint8_t region[(REGION_SIZE + 4095) & ~4095] __attribute__((aligned(4096)));
static uint64_t l1_table[512] __attribute__((aligned(4096)));
static struct spsc_prod to_engine;   /* our private end of ring 0 */
static struct spsc_cons from_engine; /* our private end of ring 1 */

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

static uint64_t geometry(uint64_t cap, uint64_t slot)
{
	return cap | slot << 32;
}

/* Our ends over the region, indices at 0 (as the hypervisor's start), then ask for the port. */
static int64_t attach(uint64_t *port)
{
	uint64_t out[3] = { 0 };
	int64_t ret;

	spsc_prod_attach(&to_engine, (struct spsc_shared *)region, region + VRING_SLOTS_OFFSET, CAP,
			 SLOT, 0);
	spsc_cons_attach(&from_engine, (struct spsc_shared *)(region + VRING_RING1_OFFSET),
			 region + VRING_SLOTS_OFFSET + CAP * SLOT, CAP, SLOT, 0);
	ret = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(CAP, SLOT), out);
	*port = out[0];
	return ret;
}

static uint64_t word(uint64_t seq, unsigned int w)
{
	return seq * 0x9e3779b97f4a7c15UL ^ w;
}

/*
 * Send n messages (sequence numbers first_seq ...) written in place, and check each reply in
 * place. Returns the number of errors; *echoed gets how many replies came.
 */
static uint64_t echo(uint64_t first_seq, uint64_t n, uint64_t *echoed, uint64_t *us)
{
	uint64_t sent = 0, got = 0, errors = 0, t0 = now();
	uint64_t deadline = t0 + 20000 * ticks_per_ms();

	while (got < n && now() < deadline) {
		uint64_t *m;
		uint32_t k;

		if (sent < n) {
			k = spsc_prod_reserve(&to_engine,
					      n - sent < BURST ? (uint32_t)(n - sent) : BURST,
					      (void **)&m);
			for (uint32_t i = 0; i < k; i++) {
				uint64_t seq = first_seq + sent + i;

				m[i * WORDS] = seq;
				for (unsigned int w = 1; w < WORDS; w++)
					m[i * WORDS + w] = word(seq, w);
			}
			spsc_prod_commit_notify(&to_engine, k);
			sent += k;
		}
		k = spsc_cons_peek(&from_engine, BURST, (void **)&m);
		for (uint32_t i = 0; i < k; i++) {
			uint64_t seq = first_seq + got + i;
			bool ok = m[i * WORDS] == seq;

			for (unsigned int w = 1; w < WORDS; w++)
				ok = ok && m[i * WORDS + w] == ~word(seq, w);
			if (!ok && errors++ < 4)
				guest_printf("guest: reply %llu: seq %llu, word 1 0x%llx\n",
					     (unsigned long long)seq,
					     (unsigned long long)m[i * WORDS],
					     (unsigned long long)m[i * WORDS + 1]);
		}
		spsc_cons_release(&from_engine, k);
		got += k;
		if (!k && sent == n)
			spsc_cons_wait_nonempty(&from_engine, 16);
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

	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region + 8, geometry(CAP, SLOT), out);
	guest_check(r == E_RANGE, "ring-refuses-unaligned", "got %lld", (long long)r);
	r = ring_call(VRING_OP_ATTACH, 0x1000, geometry(CAP, SLOT), out);
	guest_check(r == E_RANGE, "ring-refuses-outside-ram", "got %lld", (long long)r);
	/* Starts in our RAM's last page, ends past it. */
	r = ring_call(VRING_OP_ATTACH, 0x40000000UL + ram - 4096, geometry(CAP, SLOT), out);
	guest_check(ram && r == E_RANGE, "ring-refuses-past-ram-end", "RAM 0x%llx, got %lld",
		    (unsigned long long)ram, (long long)r);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(48, SLOT), out);
	guest_check(r == E_INVAL, "ring-refuses-bad-capacity", "got %lld", (long long)r);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(1UL << 31, 8), out);
	guest_check(r == E_INVAL, "ring-refuses-huge-capacity", "got %lld", (long long)r);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(CAP, 12), out);
	guest_check(r == E_INVAL, "ring-refuses-bad-slot", "got %lld", (long long)r);
	r = ring_call(7, 0, 0, out);
	guest_check(r == E_INVAL, "ring-refuses-unknown-op", "got %lld", (long long)r);
}

static void run_echo(uint64_t n)
{
	uint64_t got, us, out[3];
	uint64_t errors = echo(1, n, &got, &us);
	int64_t r;

	guest_printf("guest: ring: sent %llu, echoed %llu, errors %llu, %llu us\n",
		     (unsigned long long)n, (unsigned long long)got, (unsigned long long)errors,
		     (unsigned long long)us);
	guest_check(errors == 0 && got == n, "ring-echo", "%llu of %llu, %llu errors",
		    (unsigned long long)got, (unsigned long long)n, (unsigned long long)errors);
	guest_check(!to_engine.fault && !from_engine.fault, "ring-engine-honest", NULL);
	r = ring_call(VRING_OP_STATUS, 0, 0, out);
	guest_check(r == 0 && out[0] == VRING_UP && out[1] == n, "ring-status",
		    "state %llu, %llu handled", (unsigned long long)out[0],
		    (unsigned long long)out[1]);
	r = ring_call(VRING_OP_ATTACH, (uintptr_t)region, geometry(CAP, SLOT), out);
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

static uint64_t count_arg(const void *dtb)
{
	struct fdt f;
	const char *s;
	uint64_t n = 0;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return DEFAULT_COUNT;
	node = fdt_path_offset(&f, "/chosen");
	s = node >= 0 ? fdt_getprop_str(&f, node, "bootargs") : 0;
	for (; s && *s; s++)
		if (s[0] == 'c' && s[1] == 'o' && s[2] == 'u' && s[3] == 'n' && s[4] == 't' &&
		    s[5] == '=')
			break;
	if (!s || !*s)
		return DEFAULT_COUNT;
	for (s += 6; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n ? n : DEFAULT_COUNT;
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	bool hostile = guest_cmdline_has(dtb, "hostile");
	uint64_t n = count_arg(dtb), port = 0;
	int64_t r;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	mmu_on();
	guest_check(read_sysreg(sctlr_el1) & SCTLR_M, "mmu-on", NULL);
	guest_printf("guest: ring guest, %s, %llu messages, rings of %u x %u bytes\n",
		     hostile ? "hostile" : "honest", (unsigned long long)n, CAP, SLOT);
	bad_requests(dtb);
	r = attach(&port);
	guest_check(r == 0, "ring-attach", "error %lld (is the engine running? 'dp start')",
		    (long long)r);
	if (r == 0) {
		guest_printf("guest: ring region at 0x%llx is engine port %llu\n",
			     (unsigned long long)(uintptr_t)region, (unsigned long long)port);
		if (hostile)
			run_hostile();
		else
			run_echo(n);
	}
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

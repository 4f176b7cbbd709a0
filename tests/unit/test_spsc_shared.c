// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The ring split across two protection domains (dataplane/spsc.h: struct spsc_shared plus a
 * private struct spsc_prod / spsc_cons per side), as a guest and the hypervisor use it: only the
 * index lines and the slots are shared, each in its own exactly-sized heap block so that ASan
 * reports any access outside them. A peer that publishes garbage indices (or scribbles on our
 * own index line) must never make the other side read or write outside the slot array; an
 * impossible index must be reported as a fault.
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "dataplane/spsc.h"
#include "kernel/lib/err.h"
#include "test.h"

#define CAP  8
#define SLOT 32

struct domain_pair {
	struct spsc_shared *sh; /* the shared index lines */
	uint8_t *slots;		/* the shared slot array, CAP * SLOT bytes, nothing more */
	struct spsc_prod prod;	/* private to the producer's side */
	struct spsc_cons cons;	/* private to the consumer's side */
};

static void pair_open(struct domain_pair *d, uint32_t start)
{
	d->sh = aligned_alloc(SPSC_CACHE_LINE, sizeof(struct spsc_shared));
	d->slots = malloc(CAP * SLOT);
	CHECK(d->sh && d->slots);
	CHECK_EQ_U64(spsc_prod_attach(&d->prod, d->sh, d->slots, CAP, SLOT, start), 0);
	CHECK_EQ_U64(spsc_cons_attach(&d->cons, d->sh, d->slots, CAP, SLOT, start), 0);
}

static void pair_close(struct domain_pair *d)
{
	free(d->sh);
	free(d->slots);
}

/* A pointer and run length handed out by the ring lie inside the slot array, on a slot. */
static bool in_array(const struct domain_pair *d, const void *p, uint32_t n)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)d->slots;

	if (n == 0)
		return p == NULL;
	return a >= lo && (a - lo) % SLOT == 0 && a - lo + (uint64_t)n * SLOT <= CAP * SLOT;
}

static void test_attach_rejects(void)
{
	static alignas(SPSC_CACHE_LINE) uint8_t lines[3 * SPSC_CACHE_LINE];
	static alignas(64) uint8_t slots[CAP * SLOT];
	struct spsc_shared *sh = (struct spsc_shared *)lines;
	struct spsc_prod p;
	struct spsc_cons c;

	CHECK_EQ_U64(spsc_prod_attach(&p, NULL, slots, CAP, SLOT, 0), (uint64_t)E_INVAL);
	/* Index lines must be line-aligned: an atomic access to a misaligned one could fault. */
	CHECK_EQ_U64(spsc_prod_attach(&p, (struct spsc_shared *)(lines + 4), slots, CAP, SLOT, 0),
		     (uint64_t)E_INVAL);
	/* ... to a whole pair of lines: half of one could share a prefetch pair with its peer. */
	CHECK_EQ_U64(spsc_prod_attach(&p, (struct spsc_shared *)(lines + 64), slots, CAP, SLOT, 0),
		     (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_cons_attach(&c, sh, slots, 6, SLOT, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_cons_attach(&c, sh, slots, CAP, 12, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_cons_attach(NULL, sh, slots, CAP, SLOT, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_prod_attach(&p, sh, slots, CAP, SLOT, 7), 0);
	CHECK_EQ_U64(atomic_load(&sh->head.v), 7);
	CHECK_EQ_U64(spsc_cons_attach(&c, sh, slots, CAP, SLOT, 7), 0);
	CHECK_EQ_U64(atomic_load(&sh->tail.v), 7);
}

/* Two honest sides, each with only its private line and the shared memory. */
static void test_split_round_trip(void)
{
	struct domain_pair d;
	uint64_t msg[SLOT / 8], got[SLOT / 8];
	void *p;

	pair_open(&d, 0xfffffff0U); /* across the 2^32 wrap */
	for (uint64_t i = 0; i < 100; i++) {
		msg[0] = i;
		msg[1] = ~i;
		CHECK(spsc_prod_enqueue(&d.prod, msg));
		if (i % 3 == 0) {
			CHECK_EQ_U64(spsc_prod_reserve(&d.prod, 1, &p), 1);
			CHECK(in_array(&d, p, 1));
			((uint64_t *)p)[0] = 1000 + i;
			spsc_prod_commit_notify(&d.prod, 1);
		}
		CHECK(spsc_cons_wait_nonempty(&d.cons, 0));
		CHECK(spsc_cons_dequeue(&d.cons, got));
		CHECK_EQ_U64(got[0], i);
		CHECK_EQ_U64(got[1], ~i);
		if (i % 3 == 0) {
			CHECK_EQ_U64(spsc_cons_peek(&d.cons, 4, &p), 1);
			CHECK_EQ_U64(((uint64_t *)p)[0], 1000 + i);
			spsc_cons_release(&d.cons, 1);
		}
	}
	CHECK(!d.prod.fault && !d.cons.fault);
	/* Shared memory shows both indices; neither side needed anything else from it. */
	CHECK_EQ_U64(atomic_load(&d.sh->head.v), atomic_load(&d.sh->tail.v));
	CHECK_EQ_U64(atomic_load(&d.sh->head.v), d.prod.head);
	pair_close(&d);
}

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* A hostile value near the real one or anywhere: off by small amounts, by +-capacity, random. */
static uint32_t garbage(uint32_t around)
{
	switch (rnd() % 4) {
	case 0:
		return around + (rnd() % (4 * CAP)) - 2 * CAP;
	case 1:
		return around + CAP + 1 + rnd() % 3;
	case 2:
		return around - 1 - rnd() % 3;
	default:
		return rnd();
	}
}

/*
 * The hypervisor consumes; the guest is the producer and publishes garbage heads between the
 * hypervisor's calls. Every slot handed out is inside the array (ASan checks the copies), no
 * count exceeds what is possible, and an impossible head sets the fault.
 */
static void test_hostile_producer(void)
{
	struct domain_pair d;
	uint64_t buf[2 * CAP * SLOT / 8];
	unsigned int faults = 0, served = 0;

	pair_open(&d, 0);
	for (int step = 0; step < 200000; step++) {
		uint32_t head = garbage(d.cons.tail), n = 0;
		bool possible = head - d.cons.tail <= CAP;
		void *p;

		atomic_store(&d.sh->head.v, head);
		/* The guest also scribbles on the hypervisor's own index line: ignored. */
		atomic_store(&d.sh->tail.v, rnd());
		d.cons.fault = 0;
		switch (rnd() % 5) {
		case 0:
			n = spsc_cons_peek(&d.cons, 1 + rnd() % (2 * CAP), &p);
			CHECK(in_array(&d, p, n));
			for (uint32_t i = 0; i < n * SLOT; i++)
				((volatile uint8_t *)p)[i];
			spsc_cons_release(&d.cons, rnd() % (2 * CAP));
			break;
		case 1:
			n = spsc_cons_dequeue_burst(&d.cons, buf, 1 + rnd() % (2 * CAP));
			break;
		case 2:
			n = spsc_cons_dequeue(&d.cons, buf) ? 1 : 0;
			break;
		case 3:
			n = spsc_cons_wait_nonempty(&d.cons, 2) ? 1 : 0;
			break;
		default:
			/* Force a reload: the cache may hold an earlier, checked head. */
			d.cons.head_cache = d.cons.tail;
			n = spsc_cons_peek(&d.cons, CAP, &p);
			CHECK(in_array(&d, p, n));
			break;
		}
		CHECK(n <= CAP);
		/* Our private index never moves past a head we checked. */
		CHECK(d.cons.head_cache - d.cons.tail <= CAP);
		if (d.cons.fault) {
			faults++;
			CHECK(!possible);
			CHECK_EQ_U64(d.cons.bad_index, head);
		}
		served += n;
	}
	CHECK(faults > 1000);
	CHECK(served > 1000);
	pair_close(&d);
}

/* The mirror: the hypervisor produces; the guest consumes and publishes garbage tails. */
static void test_hostile_consumer(void)
{
	struct domain_pair d;
	uint64_t buf[2 * CAP * SLOT / 8] = { 0 };
	unsigned int faults = 0, served = 0;

	pair_open(&d, 0x7ffffffcU);
	for (int step = 0; step < 200000; step++) {
		uint32_t tail = garbage(d.prod.head - CAP / 2), n = 0;
		bool possible = d.prod.head - tail <= CAP;
		void *p;

		atomic_store(&d.sh->tail.v, tail);
		atomic_store(&d.sh->head.v, rnd());
		d.prod.fault = 0;
		switch (rnd() % 5) {
		case 0:
			n = spsc_prod_reserve(&d.prod, 1 + rnd() % (2 * CAP), &p);
			CHECK(in_array(&d, p, n));
			for (uint32_t i = 0; i < n * SLOT; i++)
				((volatile uint8_t *)p)[i] = (uint8_t)i;
			spsc_prod_commit_notify(&d.prod, rnd() % (2 * CAP));
			break;
		case 1:
			n = spsc_prod_enqueue_burst(&d.prod, buf, 1 + rnd() % (2 * CAP));
			break;
		case 2:
			n = spsc_prod_enqueue(&d.prod, buf) ? 1 : 0;
			break;
		case 3:
			n = spsc_prod_wait_free(&d.prod, 2) ? 1 : 0;
			break;
		default:
			d.prod.tail_cache = d.prod.head - CAP; /* force a reload */
			n = spsc_prod_reserve(&d.prod, CAP, &p);
			CHECK(in_array(&d, p, n));
			break;
		}
		CHECK(n <= CAP);
		CHECK(d.prod.head - d.prod.tail_cache <= CAP);
		if (d.prod.fault) {
			faults++;
			CHECK(!possible);
			CHECK_EQ_U64(d.prod.bad_index, tail);
		}
		served += n;
	}
	CHECK(faults > 1000);
	CHECK(served > 1000);
	pair_close(&d);
}

/* A fault is sticky in effect: after it the end reads as empty / full until the peer is sane. */
static void test_fault_reads_empty(void)
{
	struct domain_pair d;
	uint64_t buf[SLOT / 8] = { 1 };
	void *p;

	pair_open(&d, 0);
	CHECK(spsc_prod_enqueue(&d.prod, buf));
	CHECK(spsc_prod_enqueue(&d.prod, buf));
	CHECK_EQ_U64(spsc_cons_peek(&d.cons, 1, &p), 1);
	spsc_cons_release(&d.cons, 1);
	atomic_store(&d.sh->head.v, 0x80000000U);
	CHECK_EQ_U64(spsc_cons_peek(&d.cons, 1, &p), 1); /* the cached, checked head: still fine */
	spsc_cons_release(&d.cons, 1);
	CHECK_EQ_U64(d.cons.fault, 0);
	CHECK_EQ_U64(spsc_cons_peek(&d.cons, 4, &p), 0);
	CHECK(p == NULL);
	CHECK_EQ_U64(d.cons.fault, 1);
	CHECK_EQ_U64(d.cons.bad_index, 0x80000000U);
	CHECK(!spsc_cons_wait_nonempty(&d.cons, 3));
	CHECK(!spsc_cons_dequeue(&d.cons, buf));

	atomic_store(&d.sh->tail.v, 0x40000000U); /* far ahead of the producer's head 2 */
	CHECK_EQ_U64(spsc_prod_reserve(&d.prod, CAP - 2, &p), CAP - 2); /* cache: still fine */
	CHECK_EQ_U64(d.prod.fault, 0);
	spsc_prod_commit(&d.prod, CAP - 2);
	CHECK(!spsc_prod_enqueue(&d.prod, buf));
	CHECK_EQ_U64(d.prod.fault, 1);
	CHECK_EQ_U64(d.prod.bad_index, 0x40000000U);
	CHECK(!spsc_prod_wait_free(&d.prod, 3));
	CHECK_EQ_U64(spsc_prod_reserve(&d.prod, 1, &p), 0);
	pair_close(&d);
}

int main(void)
{
	RUN(test_attach_rejects);
	RUN(test_split_round_trip);
	RUN(test_hostile_producer);
	RUN(test_hostile_consumer);
	RUN(test_fault_reads_empty);
	return TEST_SUMMARY();
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The data-plane engine on the host: polling, echo, back-pressure, several ports, run and stop. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/engine.h"
#include "kernel/lib/err.h"
#include "test.h"

#define SLOT 64
#define CAP  16

struct ringpair {
	struct spsc_ring rx, tx;
	_Alignas(64) uint8_t rx_mem[CAP * SLOT];
	_Alignas(64) uint8_t tx_mem[CAP * SLOT];
};

static uint32_t slot_size = SLOT;

/* Index-layout ends for dp_engine_attach. */
static struct dp_ends idx_ends(struct spsc_cons *rx, struct spsc_prod *tx)
{
	struct dp_ends ends = { .layout = DP_LAYOUT_INDEX };

	ends.rx.idx = rx;
	ends.tx.idx = tx;
	return ends;
}

static void pair_init(struct ringpair *p, uint32_t tx_cap)
{
	CHECK(spsc_init(&p->rx, p->rx_mem, CAP, SLOT) == 0);
	CHECK(spsc_init(&p->tx, p->tx_mem, tx_cap, SLOT) == 0);
}

static void put(struct spsc_ring *r, uint64_t v)
{
	uint64_t msg[SLOT / 8] = { v, ~v };

	CHECK(spsc_enqueue(r, msg));
}

static bool take(struct spsc_ring *r, uint64_t *v)
{
	uint64_t msg[SLOT / 8];

	if (!spsc_dequeue(r, msg))
		return false;
	CHECK_EQ_U64(msg[1], ~msg[0]);
	*v = msg[0];
	return true;
}

static void test_validation(void)
{
	struct dp_engine e;
	struct ringpair p;

	pair_init(&p, CAP);
	dp_engine_init(&e, 8);
	CHECK(dp_engine_add_port(&e, NULL, &p.tx, dp_echo, &slot_size) == E_INVAL);
	CHECK(dp_engine_add_port(&e, &p.rx, &p.tx, NULL, NULL) == E_INVAL);
	for (int i = 0; i < DP_MAX_PORTS; i++)
		CHECK(dp_engine_add_port(&e, &p.rx, &p.tx, dp_echo, &slot_size) == 0);
	CHECK(dp_engine_add_port(&e, &p.rx, &p.tx, dp_echo, &slot_size) == E_NOMEM);
	dp_engine_init(&e, 0);
	CHECK_EQ_U64(e.burst, 1);
}

static void test_echo_in_order(void)
{
	struct dp_engine e;
	struct ringpair p;
	uint64_t v, next = 1;

	pair_init(&p, CAP);
	dp_engine_init(&e, 4);
	CHECK(dp_engine_add_port(&e, &p.rx, &p.tx, dp_echo, &slot_size) == 0);
	CHECK_EQ_U64(dp_engine_poll(&e), 0);
	for (uint64_t i = 1; i <= 10; i++)
		put(&p.rx, i);
	/* burst 4: 4 + 4 + 2 */
	CHECK_EQ_U64(dp_engine_poll(&e), 4);
	CHECK_EQ_U64(dp_engine_poll(&e), 4);
	CHECK_EQ_U64(dp_engine_poll(&e), 2);
	CHECK_EQ_U64(dp_engine_poll(&e), 0);
	while (take(&p.tx, &v))
		CHECK_EQ_U64(v, next++);
	CHECK_EQ_U64(next, 11);
	CHECK_EQ_U64(e.ports[0].msgs, 10);
	CHECK_EQ_U64(e.ports[0].sent, 10);
}

static void test_back_pressure(void)
{
	struct dp_engine e;
	struct ringpair p;
	uint64_t v, next = 1;

	pair_init(&p, 4); /* the answers have room for 4 only */
	dp_engine_init(&e, 16);
	CHECK(dp_engine_add_port(&e, &p.rx, &p.tx, dp_echo, &slot_size) == 0);
	for (uint64_t i = 1; i <= 10; i++)
		put(&p.rx, i);
	CHECK_EQ_U64(dp_engine_poll(&e), 4);
	/* Full transmit ring: nothing is taken (and so nothing is lost). */
	CHECK_EQ_U64(dp_engine_poll(&e), 0);
	CHECK_EQ_U64(spsc_count(&p.rx), 6);
	while (next <= 10) {
		while (take(&p.tx, &v))
			CHECK_EQ_U64(v, next++);
		dp_engine_poll(&e);
	}
	CHECK_EQ_U64(e.ports[0].msgs, 10);
}

static bool drop_odd(void *ctx, const void *in, void *out)
{
	const uint64_t *m = in;

	if (m[0] & 1)
		return false;
	return dp_echo(ctx, in, out);
}

static void test_handler_filters_and_ports(void)
{
	struct dp_engine e;
	struct ringpair a, b;
	uint64_t v;

	pair_init(&a, CAP);
	pair_init(&b, CAP);
	dp_engine_init(&e, 8);
	CHECK(dp_engine_add_port(&e, &a.rx, &a.tx, drop_odd, &slot_size) == 0);
	CHECK(dp_engine_add_port(&e, &b.rx, &b.tx, dp_echo, &slot_size) == 0);
	for (uint64_t i = 1; i <= 6; i++) {
		put(&a.rx, i);
		put(&b.rx, 100 + i);
	}
	CHECK_EQ_U64(dp_engine_poll(&e), 12);
	for (uint64_t want = 2; want <= 6; want += 2) {
		CHECK(take(&a.tx, &v));
		CHECK_EQ_U64(v, want);
	}
	CHECK(!take(&a.tx, &v));
	for (uint64_t want = 101; want <= 106; want++) {
		CHECK(take(&b.tx, &v));
		CHECK_EQ_U64(v, want);
	}
	CHECK_EQ_U64(e.ports[0].msgs, 6);
	CHECK_EQ_U64(e.ports[0].sent, 3);
}

static struct dp_engine thr_engine;

static void *engine_thread(void *arg)
{
	(void)arg;
	dp_engine_run(&thr_engine);
	return NULL;
}

/* The engine on its own thread: 10^5 round trips in order, then it stops when told. */
static void test_run_and_stop(void)
{
	static struct ringpair p;
	pthread_t t;
	uint64_t sent = 0, next = 1, v;

	pair_init(&p, CAP);
	dp_engine_init(&thr_engine, 8);
	CHECK(dp_engine_add_port(&thr_engine, &p.rx, &p.tx, dp_echo, &slot_size) == 0);
	CHECK(pthread_create(&t, NULL, engine_thread, NULL) == 0);
	while (next <= 100000) {
		uint64_t msg[SLOT / 8];

		if (sent < 100000) {
			msg[0] = sent + 1;
			msg[1] = ~msg[0];
			if (spsc_enqueue(&p.rx, msg))
				sent++;
		}
		if (take(&p.tx, &v)) {
			if (v != next) {
				CHECK_EQ_U64(v, next);
				break;
			}
			next++;
		}
	}
	dp_engine_stop(&thr_engine);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ_U64(atomic_load(&thr_engine.running), 0);
	CHECK_EQ_U64(thr_engine.ports[0].msgs, 100000);
}

static unsigned int faults_seen;

static void count_fault(void *ctx, const struct dp_port *p)
{
	(void)ctx;
	CHECK(dp_port_rx_fault(p));
	faults_seen++;
}

/*
 * A port whose producer (a guest) publishes an impossible head is shut by the engine, reported
 * once, and the other ports carry on.
 */
static void test_hostile_port_is_shut(void)
{
	static struct ringpair good;
	static struct spsc_shared sh_rx, sh_tx;
	static _Alignas(64) uint8_t rx_mem[CAP * SLOT], tx_mem[CAP * SLOT];
	struct spsc_cons rx;
	struct spsc_prod tx, guest;
	struct dp_engine e;
	struct dp_ends ends;
	unsigned int port = 9;
	uint64_t v;

	pair_init(&good, CAP);
	CHECK(spsc_cons_attach(&rx, &sh_rx, rx_mem, CAP, SLOT, 0) == 0);
	CHECK(spsc_prod_attach(&tx, &sh_tx, tx_mem, CAP, SLOT, 0) == 0);
	CHECK(spsc_prod_attach(&guest, &sh_rx, rx_mem, CAP, SLOT, 0) == 0);
	dp_engine_init(&e, 4);
	CHECK(dp_engine_add_port(&e, &good.rx, &good.tx, dp_echo, &slot_size) == 0);
	faults_seen = 0;
	CHECK(dp_engine_attach(&e, &(struct dp_ends){ 0 }, dp_echo, NULL, NULL, &port) == E_INVAL);
	CHECK(dp_engine_attach(&e, &(struct dp_ends){ .layout = 7, .rx.idx = &rx }, dp_echo, NULL,
			       NULL, &port) == E_INVAL);
	CHECK(dp_engine_attach(&e, &(struct dp_ends){ .layout = DP_LAYOUT_SEQ }, dp_echo, NULL,
			       NULL, &port) == E_INVAL);
	ends = idx_ends(&rx, &tx);
	CHECK(dp_engine_attach(&e, &ends, dp_echo, &slot_size, count_fault, &port) == 0);
	CHECK_EQ_U64(port, 1);
	/* An honest message first, then the guest claims a million messages in a 16-slot ring. */
	CHECK(spsc_prod_enqueue(&guest, (uint64_t[SLOT / 8]){ 7, ~7ULL }));
	put(&good.rx, 1);
	CHECK_EQ_U64(dp_engine_poll(&e), 2);
	atomic_store(&sh_rx.head.v, 1000001);
	put(&good.rx, 2);
	CHECK_EQ_U64(dp_engine_poll(&e), 1);
	CHECK_EQ_U64(atomic_load(&e.ports[1].down), 1);
	CHECK_EQ_U64(faults_seen, 1);
	CHECK_EQ_U64(rx.bad_index, 1000001);
	put(&good.rx, 3);
	CHECK_EQ_U64(dp_engine_poll(&e), 1);
	CHECK_EQ_U64(faults_seen, 1); /* reported once */
	CHECK_EQ_U64(e.faults, 1);
	for (uint64_t want = 1; want <= 3; want++) {
		CHECK(take(&good.tx, &v));
		CHECK_EQ_U64(v, want);
	}
	CHECK_EQ_U64(e.ports[1].msgs, 1);
	/* Detach (engine not running) frees the slot for the next attach. */
	CHECK(dp_engine_detach(&e, 1, false));
	CHECK(dp_engine_attach(&e, &ends, dp_echo, &slot_size, NULL, &port) == 0);
	CHECK_EQ_U64(port, 1);
}

/*
 * A guest's ring pair in the sequence layout: the guest's ends and the engine's ends over the
 * same index lines and slot areas, as kernel/vmm/vring.c sets them up.
 */
#define SEQ_AREA (CAP * 64 + CAP * SPSC_SEQ_TRAILER)
struct seqpair {
	struct spsc_shared sh0, sh1;
	struct spsc_seq_cons rx; /* the engine's */
	struct spsc_seq_prod tx;
	struct spsc_seq_prod guest_tx; /* the guest's */
	struct spsc_seq_cons guest_rx;
	_Alignas(64) uint8_t mem0[SEQ_AREA];
	_Alignas(64) uint8_t mem1[SEQ_AREA];
	uint32_t msg;
};

static void seqpair_init(struct seqpair *p, uint32_t msg, struct dp_ends *ends)
{
	CHECK(spsc_seq_bytes(CAP, msg) <= SEQ_AREA);
	p->msg = msg;
	CHECK(spsc_seq_prod_attach(&p->guest_tx, &p->sh0, p->mem0, CAP, msg, 0) == 0);
	CHECK(spsc_seq_cons_attach(&p->rx, &p->sh0, p->mem0, CAP, msg, 0) == 0);
	CHECK(spsc_seq_prod_attach(&p->tx, &p->sh1, p->mem1, CAP, msg, 0) == 0);
	CHECK(spsc_seq_cons_attach(&p->guest_rx, &p->sh1, p->mem1, CAP, msg, 0) == 0);
	*ends = (struct dp_ends){ .layout = DP_LAYOUT_SEQ };
	ends->rx.seq = &p->rx;
	ends->tx.seq = &p->tx;
}

/* The guest sends n messages v, v+1, ... of p->msg bytes; word 1 is ~word 0, the rest v + w. */
static uint32_t seq_put(struct seqpair *p, uint64_t v, uint32_t n)
{
	uint64_t msgs[8 * 32] = { 0 };
	uint32_t words = p->msg / 8;

	CHECK(n <= 32 && words <= 8);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t w = 0; w < words; w++)
			msgs[i * words + w] = w == 1 ? ~(v + i) : v + i + w;
	return spsc_seq_prod_enqueue_burst(&p->guest_tx, msgs, n);
}

/* The guest takes one echo, checks every word of it and returns word 0. */
static bool seq_take(struct seqpair *p, uint64_t *v)
{
	uint64_t msg[8];
	uint32_t words = p->msg / 8;

	if (!spsc_seq_cons_dequeue(&p->guest_rx, msg))
		return false;
	for (uint32_t w = 2; w < words; w++)
		CHECK_EQ_U64(msg[w], msg[0] + w);
	CHECK_EQ_U64(msg[1], ~msg[0]);
	*v = msg[0];
	return true;
}

/*
 * Sequence-layout ports beside an index-layout port on one engine: with the trailers in the
 * slots (56-byte messages, 64-byte slots) and in an array after them (64-byte messages), every
 * message comes back whole, in order, across the array's end, under back-pressure.
 */
static void test_seq_ports(void)
{
	static struct ringpair idx;
	static struct seqpair in56, arr64;
	uint32_t msg56 = 56, msg64 = 64;
	struct dp_ends e56, e64;
	struct dp_engine e;
	unsigned int port;
	uint64_t v, next56 = 1, next64 = 1000, sent56 = 1, sent64 = 1000;

	pair_init(&idx, CAP);
	seqpair_init(&in56, 56, &e56);
	seqpair_init(&arr64, 64, &e64);
	CHECK(e56.rx.seq->tstride == e56.rx.seq->stride); /* trailers in the slots */
	CHECK(e64.rx.seq->tstride == SPSC_SEQ_TRAILER);	  /* trailer array */
	dp_engine_init(&e, 5);
	CHECK(dp_engine_add_port(&e, &idx.rx, &idx.tx, dp_echo, &slot_size) == 0);
	CHECK(dp_engine_attach(&e, &e56, dp_echo, &msg56, NULL, &port) == 0);
	CHECK_EQ_U64(port, 1);
	CHECK(dp_engine_attach(&e, &e64, dp_echo, &msg64, NULL, &port) == 0);
	CHECK_EQ_U64(port, 2);
	CHECK_EQ_U64(e.ports[2].ends.layout, DP_LAYOUT_SEQ);
	CHECK(strcmp(dp_layout_name(e.ports[2].ends.layout), "seq") == 0);
	CHECK(strcmp(dp_layout_name(e.ports[0].ends.layout), "index") == 0);
	for (int round = 0; round < 40; round++) {
		/* Fill past what the engine's ring back holds: it must wait for the guest. */
		sent56 += seq_put(&in56, sent56, 7);
		sent64 += seq_put(&arr64, sent64, 7);
		put(&idx.rx, (uint64_t)round);
		dp_engine_poll(&e);
		dp_engine_poll(&e);
		while (seq_take(&in56, &v))
			CHECK_EQ_U64(v, next56++);
		while (seq_take(&arr64, &v))
			CHECK_EQ_U64(v, next64++);
		CHECK(take(&idx.tx, &v));
		CHECK_EQ_U64(v, (uint64_t)round);
	}
	for (int i = 0; i < 8; i++) {
		dp_engine_poll(&e);
		while (seq_take(&in56, &v))
			CHECK_EQ_U64(v, next56++);
		while (seq_take(&arr64, &v))
			CHECK_EQ_U64(v, next64++);
	}
	CHECK_EQ_U64(next56, sent56);
	CHECK_EQ_U64(next64, sent64);
	CHECK(sent56 > 1 + 4 * CAP); /* wrapped several times */
	CHECK_EQ_U64(e.ports[1].msgs, sent56 - 1);
	CHECK_EQ_U64(e.faults, 0);
}

static unsigned int seq_faults;

static void count_seq_fault(void *ctx, const struct dp_port *p)
{
	(void)ctx;
	CHECK(dp_port_rx_fault(p) || dp_port_tx_fault(p));
	seq_faults++;
}

/*
 * What a guest can write into a sequence-layout ring: each lie shuts its port (reported once),
 * the engine's calls stay inside the rings, and the other port carries on.
 */
enum seq_lie {
	LIE_GARBAGE_WORD,
	LIE_STALE_WORD,
	LIE_FUTURE_WORD,
	LIE_ZERO_RUN,
	LIE_LONG_RUN,
	LIE_BAD_TAIL,
	LIE_TAIL_BACK,
	LIE_COUNT
};

static void seq_lie_once(enum seq_lie lie)
{
	static struct ringpair good;
	static struct seqpair g;
	struct dp_engine e;
	struct dp_ends ends;
	unsigned int port;
	uint64_t v;
	/* Slot 3's trailer: the next doorbell after three honest messages. */
	_Atomic uint32_t *word, *len;

	pair_init(&good, CAP);
	memset(&g, 0, sizeof(g));
	seqpair_init(&g, 64, &ends);
	dp_engine_init(&e, 4);
	CHECK(dp_engine_add_port(&e, &good.rx, &good.tx, dp_echo, &slot_size) == 0);
	CHECK(dp_engine_attach(&e, &ends, dp_echo, &g.msg, count_seq_fault, &port) == 0);
	seq_faults = 0;
	CHECK_EQ_U64(seq_put(&g, 1, 3), 3);
	CHECK_EQ_U64(dp_engine_poll(&e), 3);
	for (uint64_t want = 1; want <= 3; want++) {
		CHECK(seq_take(&g, &v));
		CHECK_EQ_U64(v, want);
	}
	word = (_Atomic uint32_t *)(void *)(g.mem0 + CAP * 64 + 3 * SPSC_SEQ_TRAILER);
	len = word + 1;
	switch (lie) {
	case LIE_GARBAGE_WORD:
		atomic_store(word, 0xdeadbeef);
		break;
	case LIE_STALE_WORD: /* two laps back: a slot it already had */
		atomic_store(word, 4 - 2 * CAP);
		break;
	case LIE_FUTURE_WORD: /* a slot one lap ahead: one it does not own yet */
		atomic_store(word, 4 + CAP);
		break;
	case LIE_ZERO_RUN:
		atomic_store(len, 0);
		atomic_store(word, 4);
		break;
	case LIE_LONG_RUN: /* a run longer than the ring */
		atomic_store(len, CAP + 1);
		atomic_store(word, 4);
		break;
	case LIE_BAD_TAIL: /* the guest, consumer of ring 1, says it took a million */
		atomic_store(&g.sh1.tail.v, 1000000);
		break;
	case LIE_TAIL_BACK: /* ... or goes backwards past what the engine produced */
		atomic_store(&g.sh1.tail.v, (uint32_t)-40);
		break;
	case LIE_COUNT:
		break;
	}
	for (int i = 0; i < 2 * CAP; i++) {
		/* The engine reads the tail only when its cached view shows too little room. */
		if (lie == LIE_BAD_TAIL || lie == LIE_TAIL_BACK)
			seq_put(&g, 4 + (uint64_t)i, 1);
		put(&good.rx, (uint64_t)i);
		dp_engine_poll(&e);
		CHECK(take(&good.tx, &v));
		CHECK_EQ_U64(v, (uint64_t)i);
	}
	CHECK_EQ_U64(atomic_load(&e.ports[1].down), 1);
	CHECK_EQ_U64(seq_faults, 1);
	CHECK_EQ_U64(e.faults, 1);
	if (lie == LIE_BAD_TAIL || lie == LIE_TAIL_BACK) {
		CHECK(g.tx.fault && !g.rx.fault);
	} else {
		CHECK(g.rx.fault && !g.tx.fault);
		CHECK_EQ_U64(g.rx.bad_at, 3);
		CHECK_EQ_U64(g.rx.bad_len, lie == LIE_LONG_RUN ? CAP + 1 : 0);
	}
}

static void test_seq_hostile_port_is_shut(void)
{
	for (int lie = 0; lie < LIE_COUNT; lie++)
		seq_lie_once((enum seq_lie)lie);
}

/*
 * A sequence-layout port served by a running engine thread while this thread is the guest: every
 * one of 100,000 messages comes back whole and in order, with the index port beside it idle.
 */
static void test_seq_port_running(void)
{
	static struct ringpair idx;
	static struct seqpair g;
	struct dp_ends ends;
	pthread_t t;
	uint64_t sent = 1, next = 1, v;

	pair_init(&idx, CAP);
	seqpair_init(&g, 56, &ends);
	dp_engine_init(&thr_engine, 8);
	CHECK(dp_engine_add_port(&thr_engine, &idx.rx, &idx.tx, dp_echo, &slot_size) == 0);
	CHECK(dp_engine_attach(&thr_engine, &ends, dp_echo, &g.msg, NULL, NULL) == 0);
	CHECK(pthread_create(&t, NULL, engine_thread, NULL) == 0);
	while (next <= 100000) {
		if (sent <= 100000)
			sent += seq_put(&g, sent,
					sent + 5 <= 100001 ? 5 : (uint32_t)(100001 - sent));
		while (seq_take(&g, &v))
			CHECK_EQ_U64(v, next++);
	}
	dp_engine_stop(&thr_engine);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ_U64(thr_engine.ports[1].msgs, 100000);
	CHECK_EQ_U64(thr_engine.faults, 0);
}

/* Attach to and detach from a running engine: detach completes only once the engine let go. */
static void test_attach_detach_running(void)
{
	static struct ringpair p, q;
	struct dp_ends ends;
	pthread_t t;
	unsigned int port;
	uint64_t v, next = 1;

	pair_init(&p, CAP);
	pair_init(&q, CAP);
	ends = idx_ends(&q.rx.cons, &q.tx.prod);
	dp_engine_init(&thr_engine, 8);
	CHECK(dp_engine_add_port(&thr_engine, &p.rx, &p.tx, dp_echo, &slot_size) == 0);
	CHECK(pthread_create(&t, NULL, engine_thread, NULL) == 0);
	for (int round = 0; round < 200; round++) {
		CHECK(dp_engine_attach(&thr_engine, &ends, dp_echo, &slot_size, NULL, &port) == 0);
		put(&q.rx, next);
		while (!take(&q.tx, &v))
			sched_yield();
		CHECK_EQ_U64(v, next++);
		while (!dp_engine_detach(&thr_engine, port, true))
			sched_yield();
		/*
		 * The engine let go: it must not touch q any more. Its ack is the OFF it was told,
		 * or already the FREE that detach stored after it (acked on the engine's next pass).
		 */
		CHECK(DP_PORT_STATE(atomic_load(&thr_engine.ports[port].ack)) != DP_PORT_RUN);
		put(&q.rx, 0xdead);
		for (int i = 0; i < 100; i++)
			sched_yield();
		CHECK_EQ_U64(spsc_count(&q.rx), 1);
		CHECK(spsc_dequeue(&q.rx, (uint64_t[SLOT / 8]){ 0 }));
	}
	dp_engine_stop(&thr_engine);
	CHECK(pthread_join(t, NULL) == 0);
}

int main(void)
{
	RUN(test_validation);
	RUN(test_echo_in_order);
	RUN(test_back_pressure);
	RUN(test_handler_filters_and_ports);
	RUN(test_run_and_stop);
	RUN(test_hostile_port_is_shut);
	RUN(test_seq_ports);
	RUN(test_seq_hostile_port_is_shut);
	RUN(test_seq_port_running);
	RUN(test_attach_detach_running);
	return TEST_SUMMARY();
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The data-plane engine on the host: polling, echo, back-pressure, several ports, run and stop. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

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
	CHECK(p->rx->fault);
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
	unsigned int port = 9;
	uint64_t v;

	pair_init(&good, CAP);
	CHECK(spsc_cons_attach(&rx, &sh_rx, rx_mem, CAP, SLOT, 0) == 0);
	CHECK(spsc_prod_attach(&tx, &sh_tx, tx_mem, CAP, SLOT, 0) == 0);
	CHECK(spsc_prod_attach(&guest, &sh_rx, rx_mem, CAP, SLOT, 0) == 0);
	dp_engine_init(&e, 4);
	CHECK(dp_engine_add_port(&e, &good.rx, &good.tx, dp_echo, &slot_size) == 0);
	faults_seen = 0;
	CHECK(dp_engine_attach(&e, &rx, &tx, dp_echo, &slot_size, count_fault, &port) == 0);
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
	CHECK(dp_engine_attach(&e, &rx, &tx, dp_echo, &slot_size, NULL, &port) == 0);
	CHECK_EQ_U64(port, 1);
}

/* Attach to and detach from a running engine: detach completes only once the engine let go. */
static void test_attach_detach_running(void)
{
	static struct ringpair p, q;
	pthread_t t;
	unsigned int port;
	uint64_t v, next = 1;

	pair_init(&p, CAP);
	pair_init(&q, CAP);
	dp_engine_init(&thr_engine, 8);
	CHECK(dp_engine_add_port(&thr_engine, &p.rx, &p.tx, dp_echo, &slot_size) == 0);
	CHECK(pthread_create(&t, NULL, engine_thread, NULL) == 0);
	for (int round = 0; round < 200; round++) {
		CHECK(dp_engine_attach(&thr_engine, &q.rx.cons, &q.tx.prod, dp_echo, &slot_size,
				       NULL, &port) == 0);
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
	RUN(test_attach_detach_running);
	return TEST_SUMMARY();
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The polling loop of the data plane. Ordering comes entirely from the rings' acquire/release. */
#include "dataplane/engine.h"

#include "kernel/err.h"

void dp_engine_init(struct dp_engine *e, uint32_t burst)
{
	atomic_store_explicit(&e->stop, 0, memory_order_relaxed);
	atomic_store_explicit(&e->running, 0, memory_order_relaxed);
	e->n_ports = 0;
	e->burst = burst ? burst : 1;
	e->polls = 0;
	e->idle_waits = 0;
}

int dp_engine_add_port(struct dp_engine *e, struct spsc_ring *rx, struct spsc_ring *tx,
		       dp_handler fn, void *ctx)
{
	struct dp_port *p;

	if (!rx || !fn)
		return E_INVAL;
	if (e->n_ports >= DP_MAX_PORTS)
		return E_NOMEM;
	p = &e->ports[e->n_ports++];
	*p = (struct dp_port){ .rx = rx, .tx = tx, .fn = fn, .ctx = ctx };
	return 0;
}

/* Handle up to 'burst' messages of one port: peek in place, reserve in place, commit, release. */
static uint32_t poll_port(struct dp_engine *e, struct dp_port *p)
{
	uint8_t *in, *out = NULL;
	uint32_t n = spsc_peek(p->rx, e->burst, (void **)&in), room = n, sent = 0;
	uint32_t size = p->rx->slot_size;

	if (!n)
		return 0;
	if (p->tx) {
		/* Only take what can be answered: a full transmit ring applies back-pressure. */
		room = spsc_reserve(p->tx, n, (void **)&out);
		if (room < n)
			n = room;
		if (!n)
			return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		void *slot = out ? out + (uint64_t)sent * p->tx->slot_size : NULL;

		if (p->fn(p->ctx, in + (uint64_t)i * size, slot) && out)
			sent++;
	}
	if (out)
		spsc_commit_notify(p->tx, sent);
	spsc_release(p->rx, n);
	p->msgs += n;
	p->sent += sent;
	return n;
}

uint32_t dp_engine_poll(struct dp_engine *e)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < e->n_ports; i++)
		n += poll_port(e, &e->ports[i]);
	e->polls++;
	return n;
}

void dp_engine_run(struct dp_engine *e)
{
	atomic_store_explicit(&e->running, 1, memory_order_release);
	while (!atomic_load_explicit(&e->stop, memory_order_acquire)) {
		if (dp_engine_poll(e))
			continue;
		/*
		 * Idle. With one port, sleep on its producer index line (a store to it wakes us);
		 * with more, any producer's SEV or the timer's event stream does.
		 */
		if (e->n_ports)
			spsc_wait_nonempty(e->ports[0].rx, DP_IDLE_WAITS);
		e->idle_waits++;
	}
	atomic_store_explicit(&e->running, 0, memory_order_release);
}

void dp_engine_stop(struct dp_engine *e)
{
	atomic_store_explicit(&e->stop, 1, memory_order_release);
}

bool dp_echo(void *ctx, const void *in, void *out)
{
	const uint64_t *src = in;
	uint64_t *dst = out;
	uint32_t words = ctx ? *(const uint32_t *)ctx / 8 : 0;

	for (uint32_t i = 0; i < words; i++)
		dst[i] = src[i];
	return true;
}

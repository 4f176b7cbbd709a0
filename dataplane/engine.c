// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The polling loop of the data plane. Ordering comes entirely from the rings' acquire/release. */
#include "dataplane/engine.h"

#include "kernel/lib/err.h"

void dp_engine_init(struct dp_engine *e, uint32_t burst)
{
	atomic_store_explicit(&e->stop, 0, memory_order_relaxed);
	atomic_store_explicit(&e->running, 0, memory_order_relaxed);
	for (unsigned int i = 0; i < DP_MAX_PORTS; i++) {
		atomic_store_explicit(&e->ports[i].cmd, DP_PORT_FREE, memory_order_relaxed);
		atomic_store_explicit(&e->ports[i].ack, DP_PORT_FREE, memory_order_relaxed);
		atomic_store_explicit(&e->ports[i].down, 0, memory_order_relaxed);
	}
	e->burst = burst ? burst : 1;
	e->polls = 0;
	e->idle_waits = 0;
	e->faults = 0;
}

/* The controller's next command for a port: a new generation in the given state. */
static uint32_t next_cmd(struct dp_port *p, unsigned int state)
{
	uint32_t cmd = atomic_load_explicit(&p->cmd, memory_order_relaxed);

	return ((cmd >> 2) + 1) << 2 | state;
}

int dp_engine_attach(struct dp_engine *e, struct spsc_cons *rx, struct spsc_prod *tx, dp_handler fn,
		     void *ctx, dp_fault_fn on_fault, unsigned int *port)
{
	struct dp_port *p = NULL;
	unsigned int i;

	if (!rx || !fn)
		return E_INVAL;
	for (i = 0; i < DP_MAX_PORTS && !p; i++)
		if (DP_PORT_STATE(atomic_load_explicit(&e->ports[i].cmd, memory_order_relaxed)) ==
		    DP_PORT_FREE)
			p = &e->ports[i];
	if (!p)
		return E_NOMEM;
	p->rx = rx;
	p->tx = tx;
	p->fn = fn;
	p->ctx = ctx;
	p->on_fault = on_fault;
	p->msgs = p->sent = 0;
	atomic_store_explicit(&p->down, 0, memory_order_relaxed);
	/* Release: the fields above are written before the engine can see the port run. */
	atomic_store_explicit(&p->cmd, next_cmd(p, DP_PORT_RUN), memory_order_release);
	if (port)
		*port = i - 1; /* i is one past the slot found */
	return 0;
}

int dp_engine_add_port(struct dp_engine *e, struct spsc_ring *rx, struct spsc_ring *tx,
		       dp_handler fn, void *ctx)
{
	if (!rx)
		return E_INVAL;
	return dp_engine_attach(e, &rx->cons, tx ? &tx->prod : NULL, fn, ctx, NULL, NULL);
}

bool dp_engine_detach(struct dp_engine *e, unsigned int port, bool running)
{
	struct dp_port *p;
	uint32_t cmd;

	if (port >= DP_MAX_PORTS)
		return true;
	p = &e->ports[port];
	cmd = atomic_load_explicit(&p->cmd, memory_order_relaxed);
	if (DP_PORT_STATE(cmd) == DP_PORT_FREE)
		return true;
	if (DP_PORT_STATE(cmd) != DP_PORT_OFF) {
		cmd = next_cmd(p, DP_PORT_OFF);
		atomic_store_explicit(&p->cmd, cmd, memory_order_release);
	}
	/* Acquire pairs with the engine's release of ack: its last use of the rings is done. */
	if (running && atomic_load_explicit(&p->ack, memory_order_acquire) != cmd)
		return false;
	atomic_store_explicit(&p->cmd, next_cmd(p, DP_PORT_FREE), memory_order_release);
	return true;
}

/* Handle up to 'burst' messages of one port: peek in place, reserve in place, commit, release. */
static uint32_t poll_port(struct dp_engine *e, struct dp_port *p)
{
	uint8_t *in, *out = NULL;
	uint32_t n = spsc_cons_peek(p->rx, e->burst, (void **)&in), room = n, sent = 0;
	uint32_t size = p->rx->slot_size;

	if (!n)
		return 0;
	if (p->tx) {
		/* Only take what can be answered: a full transmit ring applies back-pressure. */
		room = spsc_prod_reserve(p->tx, n, (void **)&out);
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
		spsc_prod_commit_notify(p->tx, sent);
	spsc_cons_release(p->rx, n);
	p->msgs += n;
	p->sent += sent;
	return n;
}

/* A ring that found an impossible index from its peer: stop serving the port, say so once. */
static void port_fault(struct dp_engine *e, struct dp_port *p)
{
	atomic_store_explicit(&p->down, 1, memory_order_release);
	e->faults++;
	if (p->on_fault)
		p->on_fault(p->ctx, p);
}

uint32_t dp_engine_poll(struct dp_engine *e)
{
	uint32_t n = 0, got;

	for (unsigned int i = 0; i < DP_MAX_PORTS; i++) {
		struct dp_port *p = &e->ports[i];
		/* Acquire pairs with the controller's release in dp_engine_attach. */
		uint32_t cmd = atomic_load_explicit(&p->cmd, memory_order_acquire);

		/* Release: our last use of this port's rings happened before the ack. */
		if (atomic_load_explicit(&p->ack, memory_order_relaxed) != cmd)
			atomic_store_explicit(&p->ack, cmd, memory_order_release);
		if (DP_PORT_STATE(cmd) != DP_PORT_RUN ||
		    atomic_load_explicit(&p->down, memory_order_relaxed))
			continue;
		got = poll_port(e, p);
		/* A ring that found a bad index reads as empty or full: only then look. */
		if (!got && (p->rx->fault || (p->tx && p->tx->fault)))
			port_fault(e, p);
		n += got;
	}
	e->polls++;
	return n;
}

void dp_engine_run(struct dp_engine *e)
{
	atomic_store_explicit(&e->running, 1, memory_order_release);
	while (!atomic_load_explicit(&e->stop, memory_order_acquire)) {
		struct dp_port *p = &e->ports[0];

		if (dp_engine_poll(e))
			continue;
		/*
		 * Idle. Sleep on the first port's producer index line when it runs (a store to
		 * it wakes us; its ack is only given in the next pass, so its rings stay ours);
		 * otherwise any producer's SEV or the timer's event stream wakes the WFE.
		 */
		if (DP_PORT_STATE(atomic_load_explicit(&p->ack, memory_order_relaxed)) ==
			    DP_PORT_RUN &&
		    !atomic_load_explicit(&p->down, memory_order_relaxed))
			spsc_cons_wait_nonempty(p->rx, DP_IDLE_WAITS);
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

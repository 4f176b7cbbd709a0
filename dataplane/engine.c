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
	atomic_store_explicit(&e->cost, NULL, memory_order_relaxed);
	e->cost_ready = NULL;
	atomic_store_explicit(&e->busy_insns, 0, memory_order_relaxed);
	atomic_store_explicit(&e->busy_cycles, 0, memory_order_relaxed);
	atomic_store_explicit(&e->busy_passes, 0, memory_order_relaxed);
	atomic_store_explicit(&e->busy_msgs, 0, memory_order_relaxed);
}

/*
 * A port's ring calls, by its layout. Each is one branch on a field of the port's own line in
 * front of the ring call: one poll loop serves both layouts.
 */
static inline uint32_t rx_peek(struct dp_port *p, uint32_t n, void **first)
{
	if (p->ends.layout == DP_LAYOUT_SEQ)
		return spsc_seq_cons_peek(p->ends.rx.seq, n, first);
	return spsc_cons_peek(p->ends.rx.idx, n, first);
}

static inline void rx_release(struct dp_port *p, uint32_t n)
{
	if (p->ends.layout == DP_LAYOUT_SEQ)
		spsc_seq_cons_release(p->ends.rx.seq, n);
	else
		spsc_cons_release(p->ends.rx.idx, n);
}

/* Bytes from one received message to the next in a peeked run. */
static inline uint32_t rx_stride(const struct dp_port *p)
{
	return p->ends.layout == DP_LAYOUT_SEQ ? p->ends.rx.seq->stride : p->ends.rx.idx->slot_size;
}

static inline uint32_t tx_stride(const struct dp_port *p)
{
	return p->ends.layout == DP_LAYOUT_SEQ ? p->ends.tx.seq->stride : p->ends.tx.idx->slot_size;
}

static inline uint32_t tx_reserve(struct dp_port *p, uint32_t n, void **first)
{
	if (p->ends.layout == DP_LAYOUT_SEQ)
		return spsc_seq_prod_reserve(p->ends.tx.seq, n, first);
	return spsc_prod_reserve(p->ends.tx.idx, n, first);
}

static inline void tx_commit_notify(struct dp_port *p, uint32_t n)
{
	if (p->ends.layout == DP_LAYOUT_SEQ)
		spsc_seq_prod_commit_notify(p->ends.tx.seq, n);
	else
		spsc_prod_commit_notify(p->ends.tx.idx, n);
}

static inline void rx_wait_nonempty(struct dp_port *p, uint32_t max_waits)
{
	if (p->ends.layout == DP_LAYOUT_SEQ)
		spsc_seq_cons_wait_nonempty(p->ends.rx.seq, max_waits);
	else
		spsc_cons_wait_nonempty(p->ends.rx.idx, max_waits);
}

/* A port with a transmit ring (the ends of one layout: test the member that layout set). */
static inline bool has_tx(const struct dp_ends *ends)
{
	return ends->layout == DP_LAYOUT_SEQ ? ends->tx.seq != NULL : ends->tx.idx != NULL;
}

static bool has_rx(const struct dp_ends *ends)
{
	return ends->layout == DP_LAYOUT_SEQ ? ends->rx.seq != NULL : ends->rx.idx != NULL;
}

bool dp_port_rx_fault(const struct dp_port *p)
{
	return p->ends.layout == DP_LAYOUT_SEQ ? p->ends.rx.seq->fault : p->ends.rx.idx->fault;
}

bool dp_port_tx_fault(const struct dp_port *p)
{
	if (!has_tx(&p->ends))
		return false;
	return p->ends.layout == DP_LAYOUT_SEQ ? p->ends.tx.seq->fault : p->ends.tx.idx->fault;
}

const char *dp_layout_name(enum dp_layout layout)
{
	return layout == DP_LAYOUT_SEQ ? "seq" : layout == DP_LAYOUT_INDEX ? "index" : "?";
}

/* The controller's next command for a port: a new generation in the given state. */
static uint32_t next_cmd(struct dp_port *p, unsigned int state)
{
	uint32_t cmd = atomic_load_explicit(&p->cmd, memory_order_relaxed);

	return ((cmd >> 2) + 1) << 2 | state;
}

int dp_engine_attach(struct dp_engine *e, const struct dp_ends *ends, dp_handler fn, void *ctx,
		     dp_fault_fn on_fault, unsigned int *port)
{
	struct dp_port *p = NULL;
	unsigned int i;

	if (!ends || (ends->layout != DP_LAYOUT_INDEX && ends->layout != DP_LAYOUT_SEQ) ||
	    !has_rx(ends) || !fn)
		return E_INVAL;
	for (i = 0; i < DP_MAX_PORTS && !p; i++)
		if (DP_PORT_STATE(atomic_load_explicit(&e->ports[i].cmd, memory_order_relaxed)) ==
		    DP_PORT_FREE)
			p = &e->ports[i];
	if (!p)
		return E_NOMEM;
	p->ends = *ends;
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
	struct dp_ends ends = { .layout = DP_LAYOUT_INDEX };

	if (!rx)
		return E_INVAL;
	ends.rx.idx = &rx->cons;
	ends.tx.idx = tx ? &tx->prod : NULL;
	return dp_engine_attach(e, &ends, fn, ctx, NULL, NULL);
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
	uint32_t n = rx_peek(p, e->burst, (void **)&in), room = n, sent = 0;
	uint32_t size = rx_stride(p), out_size = 0;

	if (!n)
		return 0;
	if (has_tx(&p->ends)) {
		/* Only take what can be answered: a full transmit ring applies back-pressure. */
		room = tx_reserve(p, n, (void **)&out);
		if (room < n)
			n = room;
		if (!n)
			return 0;
		out_size = tx_stride(p);
	}
	for (uint32_t i = 0; i < n; i++) {
		void *slot = out ? out + (uint64_t)sent * out_size : NULL;

		if (p->fn(p->ctx, in + (uint64_t)i * size, slot) && out)
			sent++;
	}
	if (out)
		tx_commit_notify(p, sent);
	rx_release(p, n);
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
		if (!got && (dp_port_rx_fault(p) || dp_port_tx_fault(p)))
			port_fault(e, p);
		n += got;
	}
	e->polls++;
	return n;
}

/* One pass with its instructions and cycles counted when it handled messages (a benchmark asked). */
static uint32_t counted_poll(struct dp_engine *e, const struct dp_cost_ops *ops)
{
	uint64_t i0, c0, i1, c1;
	uint32_t n;

	if (ops != e->cost_ready) {
		ops->setup();
		e->cost_ready = ops;
	}
	ops->read(&i0, &c0);
	n = dp_engine_poll(e);
	ops->read(&i1, &c1);
	if (n) {
		/* Relaxed: statistics the benchmark reads after the work it measures is done. */
		atomic_fetch_add_explicit(&e->busy_insns, i1 - i0, memory_order_relaxed);
		atomic_fetch_add_explicit(&e->busy_cycles, c1 - c0, memory_order_relaxed);
		atomic_fetch_add_explicit(&e->busy_passes, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&e->busy_msgs, n, memory_order_relaxed);
	}
	return n;
}

void dp_engine_set_cost(struct dp_engine *e, const struct dp_cost_ops *ops)
{
	/* Release: the ops (and what their setup reads) are complete before the engine sees them. */
	atomic_store_explicit(&e->cost, ops, memory_order_release);
}

void dp_engine_run(struct dp_engine *e)
{
	atomic_store_explicit(&e->running, 1, memory_order_release);
	while (!atomic_load_explicit(&e->stop, memory_order_acquire)) {
		struct dp_port *p = &e->ports[0];
		/* Acquire pairs with dp_engine_set_cost(): the ops it names are complete. */
		const struct dp_cost_ops *ops =
			atomic_load_explicit(&e->cost, memory_order_acquire);

		if (ops ? counted_poll(e, ops) : dp_engine_poll(e))
			continue;
		/*
		 * Idle. Sleep on the first port's producer index line when it runs (a store to
		 * it wakes us; its ack is only given in the next pass, so its rings stay ours);
		 * otherwise any producer's SEV or the timer's event stream wakes the WFE.
		 */
		if (DP_PORT_STATE(atomic_load_explicit(&p->ack, memory_order_relaxed)) ==
			    DP_PORT_RUN &&
		    !atomic_load_explicit(&p->down, memory_order_relaxed))
			rx_wait_nonempty(p, DP_IDLE_WAITS);
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

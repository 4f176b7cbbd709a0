/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The data-plane engine: a loop, pinned to one core, that polls its ports' receive rings and
 * hands each message, in place, to the port's handler together with a slot of the transmit ring
 * to fill in place (zero copy: no buffer leaves the rings). Portable: tested on the host.
 */
#ifndef DATAPLANE_ENGINE_H
#define DATAPLANE_ENGINE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/spsc.h"
#include "dataplane/spsc_seq.h"

#define DP_MAX_PORTS  4
#define DP_IDLE_WAITS 64 /* WFEs per idle wait before the stop flag is checked again */

/*
 * Handle one message: 'in' is the received slot, 'out' a reserved transmit slot (NULL for a
 * port without a transmit ring). Return true to send 'out'.
 */
typedef bool (*dp_handler)(void *ctx, const void *in, void *out);
struct dp_port;
/* Called once, on the engine's core, when a port's peer published an impossible index. */
typedef void (*dp_fault_fn)(void *ctx, const struct dp_port *p);

/*
 * A port slot belongs to the controller until it publishes it with a 'cmd' whose state is
 * DP_PORT_RUN (release). 'cmd' is (generation << 2 | state) and only the controller writes it,
 * with a new generation each time. The engine copies every cmd it has seen into 'ack' (release)
 * at a point where it no longer touches the port, so a controller that stored an OFF command
 * and then reads that same value back from 'ack' (acquire) may free the rings' memory: a stale
 * ack of an older generation can never match.
 */
enum dp_port_state { DP_PORT_FREE, DP_PORT_RUN, DP_PORT_OFF };
#define DP_PORT_STATE(cmd) ((unsigned int)(cmd)&3U)

/*
 * Which layout a port's two rings use: index lines (spsc.h) or a sequence word per slot
 * (spsc_seq.h). Both ends of one port use the same; the engine's calls dispatch on it.
 */
enum dp_layout { DP_LAYOUT_INDEX, DP_LAYOUT_SEQ };

/* A port's receive end (consumer) and transmit end (producer, or NULL), of one layout. */
struct dp_ends {
	enum dp_layout layout;
	union {
		struct spsc_cons *idx;
		struct spsc_seq_cons *seq;
	} rx;
	union {
		struct spsc_prod *idx;
		struct spsc_seq_prod *seq;
	} tx;
};

struct dp_port {
	_Atomic uint32_t cmd;  /* written by the controller */
	_Atomic uint32_t ack;  /* written by the engine */
	_Atomic uint32_t down; /* the engine stopped serving it: a ring fault */
	struct dp_ends ends;
	dp_handler fn;
	void *ctx;
	dp_fault_fn on_fault;
	uint64_t msgs; /* handled */
	uint64_t sent; /* committed to tx */
};

/*
 * Counting the engine's own cost (a benchmark sets it before it starts measuring): setup() runs
 * once on the engine's core, read() around every pass; the passes that handled messages add
 * to busy_insns / busy_cycles / busy_msgs. NULL: no counting, nothing is read.
 */
struct dp_cost_ops {
	void (*setup)(void);
	void (*read)(uint64_t *insns, uint64_t *cycles);
};

struct dp_engine {
	alignas(64) _Atomic int stop; /* written by the controller */
	alignas(64) _Atomic int running;
	struct dp_port ports[DP_MAX_PORTS];
	uint32_t burst; /* messages taken from a ring per poll */
	uint64_t polls, idle_waits, faults;
	_Atomic(const struct dp_cost_ops *) cost; /* written by the controller */
	const struct dp_cost_ops *cost_ready;	  /* the ops whose setup() ran on our core */
	_Atomic uint64_t busy_insns, busy_cycles, busy_passes, busy_msgs;
};

void dp_engine_init(struct dp_engine *e, uint32_t burst);
/* Add a port over two whole index rings before the engine runs; E_NOMEM when full, E_INVAL without rx or handler. */
int dp_engine_add_port(struct dp_engine *e, struct spsc_ring *rx, struct spsc_ring *tx,
		       dp_handler fn, void *ctx);
/*
 * Add a port over two ends whose peers may be hostile (a guest's shared rings), also while the
 * engine runs (from one controller at a time). *port gets its slot. E_NOMEM when full, E_INVAL
 * without an rx end or handler, or with an unknown layout.
 */
int dp_engine_attach(struct dp_engine *e, const struct dp_ends *ends, dp_handler fn, void *ctx,
		     dp_fault_fn on_fault, unsigned int *port);
/* Whether a port's receive / transmit end found an impossible value from its peer. */
bool dp_port_rx_fault(const struct dp_port *p);
bool dp_port_tx_fault(const struct dp_port *p);
const char *dp_layout_name(enum dp_layout layout);
/*
 * Ask the engine to let go of a port; true once it has (then the slot is free again and the
 * rings' memory may go). Call until true; an engine that does not run lets go at once when told
 * so with 'running' false.
 */
bool dp_engine_detach(struct dp_engine *e, unsigned int port, bool running);
/* One pass over every port; returns the number of messages handled. */
uint32_t dp_engine_poll(struct dp_engine *e);
/* Poll until dp_engine_stop(); idle passes wait with WFE (the first port's rx index line). */
void dp_engine_run(struct dp_engine *e);
void dp_engine_stop(struct dp_engine *e);
/* Count the engine's working passes with 'ops' from its next pass on (NULL: stop counting). */
void dp_engine_set_cost(struct dp_engine *e, const struct dp_cost_ops *ops);

/* An echo handler: copy the message to the transmit slot; ctx points at the slot size (uint32_t). */
bool dp_echo(void *ctx, const void *in, void *out);

#endif

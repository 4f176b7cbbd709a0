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

#define DP_MAX_PORTS  4
#define DP_IDLE_WAITS 64 /* WFEs per idle wait before the stop flag is checked again */

/*
 * Handle one message: 'in' is the received slot, 'out' a reserved transmit slot (NULL for a
 * port without a transmit ring). Return true to send 'out'.
 */
typedef bool (*dp_handler)(void *ctx, const void *in, void *out);

struct dp_port {
	struct spsc_ring *rx, *tx;
	dp_handler fn;
	void *ctx;
	uint64_t msgs; /* handled */
	uint64_t sent; /* committed to tx */
};

struct dp_engine {
	alignas(64) _Atomic int stop; /* written by the controller */
	alignas(64) _Atomic int running;
	struct dp_port ports[DP_MAX_PORTS];
	unsigned int n_ports;
	uint32_t burst; /* messages taken from a ring per poll */
	uint64_t polls, idle_waits;
};

void dp_engine_init(struct dp_engine *e, uint32_t burst);
/* Add a port; E_NOMEM when full, E_INVAL without rx or handler. */
int dp_engine_add_port(struct dp_engine *e, struct spsc_ring *rx, struct spsc_ring *tx,
		       dp_handler fn, void *ctx);
/* One pass over every port; returns the number of messages handled. */
uint32_t dp_engine_poll(struct dp_engine *e);
/* Poll until dp_engine_stop(); idle passes wait with WFE (the first port's rx index line). */
void dp_engine_run(struct dp_engine *e);
void dp_engine_stop(struct dp_engine *e);

/* An echo handler: copy the message to the transmit slot; ctx points at the slot size (uint32_t). */
bool dp_echo(void *ctx, const void *in, void *out);

#endif

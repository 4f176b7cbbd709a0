/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The hypervisor's one data-plane engine (engine.h) as a service: started on a dedicated core by
 * the shell (`dp start`) with a local echo port for `dp send`, and given guest ports while it
 * runs (kernel/vring.c). Every controller-side change goes through here, under one lock.
 */
#ifndef DATAPLANE_SERVICE_H
#define DATAPLANE_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine.h"

#define DP_SERVICE_SLOT 64 /* the local echo port's message size */

/* Run the engine on 'cpu' with local echo rings of 'ring' slots; 0 or an error. */
int dp_service_start(unsigned int cpu, uint32_t ring, uint32_t burst);
/* Stop it; every port, guests' included, is gone afterwards. 0 or E_NOENT / E_BUSY. */
int dp_service_stop(void);
/* The engine's core, or -1 when it does not run. */
int dp_service_cpu(void);
/* Changes each time an engine starts: a port attached to an older engine is gone. */
uint64_t dp_service_epoch(void);
struct dp_engine *dp_service_engine(void);
/* The local echo port's two rings: the shell produces into *to and consumes from *from. */
void dp_service_local(struct spsc_ring **to, struct spsc_ring **from);
/*
 * Attach a port whose rings are shared with a guest (any CPU). E_NOENT when no engine runs,
 * E_NOMEM when its ports are all taken. *epoch says which engine took it.
 */
int dp_service_attach(const struct dp_ends *ends, dp_handler fn, void *ctx, dp_fault_fn on_fault,
		      unsigned int *port, uint64_t *epoch);
/*
 * Take the port back and wait until the engine no longer touches its rings (at most a few
 * milliseconds); true when it is safe to reuse their memory.
 */
bool dp_service_detach(unsigned int port, uint64_t epoch);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Guest rings: a guest hands the hypervisor a region of its own RAM holding the index lines and
 * slots of two SPSC rings (guest -> engine, engine -> guest), and the data-plane engine serves
 * them as a port, zero copy. The hypervisor keeps its ends (geometry, its indices, its caches)
 * in its own memory and checks every index the guest publishes (dataplane/spsc.h).
 */
#ifndef KERNEL_VRING_H
#define KERNEL_VRING_H

#include <stdbool.h>
#include <stdint.h>

/*
 * MONADIC_HVC_RING (kernel/vhyp.h), x1 = operation:
 *   VRING_OP_ATTACH  x2 = IPA of the region (4 KiB aligned, inside the VM's RAM),
 *                    x3 = capacity (slots per ring, bits 31:0) | slot size (bytes, bits 63:32)
 *                    -> x0 = 0 and x1 = the engine's port, or x0 = a negative error (err.h)
 *   VRING_OP_STATUS  -> x0 = 0, x1 = enum vring_state, x2 = messages the engine handled,
 *                    x3 = the impossible index that shut the port (when x1 = VRING_SHUT)
 *   VRING_OP_DETACH  -> x0 = 0
 * Region layout, from its start (offsets in bytes, all 64-byte aligned):
 *   0    index lines of ring 0, guest -> engine: head (guest writes), tail (engine writes at 128)
 *   256  index lines of ring 1, engine -> guest: head (engine writes), tail (guest writes at 384)
 *   512  ring 0's slots, capacity * slot size bytes, then ring 1's
 * (each index alone in a 128-byte pair of lines: struct spsc_shared, SPSC_CACHE_LINE).
 */
#define VRING_OP_ATTACH	   0
#define VRING_OP_STATUS	   1
#define VRING_OP_DETACH	   2
#define VRING_RING1_OFFSET 256
#define VRING_SLOTS_OFFSET 512
#define VRING_MAX_CAP	   4096
#define VRING_MAX_SLOT	   256

enum vring_state { VRING_NONE, VRING_UP, VRING_SHUT, VRING_GONE };

struct vcpu;
struct vm;
struct json;

/* Serve MONADIC_HVC_RING from vCPU v (x1-x3 in, x0-x3 out). */
void vring_call(struct vcpu *v);
/* Take the VM's port back from the engine before its RAM is zeroed or freed. */
void vring_detach(struct vm *vm);
/* The VM that owns engine port 'port', or -1. */
int vring_port_owner(unsigned int port);
const char *vring_state_name(int state);

#endif

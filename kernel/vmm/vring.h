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

#include "dataplane/spsc_seq.h"

/*
 * MONADIC_HVC_RING (kernel/vhyp.h), x1 = operation:
 *   VRING_OP_ATTACH  x2 = IPA of the region (4 KiB aligned, inside the VM's RAM),
 *                    x3 = capacity (slots per ring, bits 31:0) | slot size (bytes, bits 62:32)
 *                         | VRING_GEOM_SEQ (bit 63: the sequence layout, below)
 *                    -> x0 = 0 and x1 = the engine's port, or x0 = a negative error (err.h)
 *   VRING_OP_STATUS  -> x0 = 0, x1 = enum vring_state, x2 = messages the engine handled,
 *                    x3 = the impossible value that shut the port (when x1 = VRING_SHUT): an
 *                    index, or in the sequence layout the sequence word of the slot that did
 *   VRING_OP_DETACH  -> x0 = 0
 * Region layout, from its start (offsets in bytes, all 64-byte aligned):
 *   0    index lines of ring 0, guest -> engine: head (guest writes), tail (engine writes at 128)
 *   256  index lines of ring 1, engine -> guest: head (engine writes), tail (guest writes at 384)
 *   512  ring 0's slots, capacity * slot size bytes, then ring 1's
 * (each index alone in a 128-byte pair of lines: struct spsc_shared, SPSC_CACHE_LINE).
 *
 * The sequence layout (dataplane/spsc_seq.h, docs/dataplane.md "Guest rings in the sequence
 * layout"): the same index lines, but each ring's area at 512 (ring 0) and 512 +
 * VRING_SEQ_AREA(capacity, slot size) (ring 1) holds slots of spsc_seq_stride(slot size) bytes
 * (the message rounded up to 64) with an 8-byte trailer per slot -- the 32-bit sequence word,
 * then the 32-bit run length -- at the end of each slot when the message leaves 8 bytes of its
 * last line free, else in an array of capacity trailers after the slots. Before the attach
 * call the guest, as ring 0's producer, writes every ring-0 slot's word as i + 1 - capacity
 * (empty, for indices 0 .. capacity - 1); the hypervisor does the same for ring 1 during the
 * call. A producer publishes the n slots from its index i as one run: slots i+1 .. i+n-1 get
 * words j + 1, slot i its run length n, then (last, a release store) its word i + 1. The
 * consumer stores its tail at least every 32 slots and whenever it finds its ring empty; a
 * producer's head is for observers only. A guest whose ring-0 word is neither i + 1 (with a
 * run length that fits the ring) nor i + 1 - capacity, or whose ring-1 tail passes the head,
 * has its port shut.
 */
#define VRING_OP_ATTACH	   0
#define VRING_OP_STATUS	   1
#define VRING_OP_DETACH	   2
#define VRING_RING1_OFFSET 256
#define VRING_SLOTS_OFFSET 512
#define VRING_MAX_CAP	   4096
#define VRING_MAX_SLOT	   256
#define VRING_GEOM_SEQ	   (1ULL << 63)
/* One ring's slots and trailers in the sequence layout, rounded up to whole lines. */
#define VRING_SEQ_AREA(cap, slot) \
	((spsc_seq_bytes((cap), (slot)) + SPSC_SEQ_LINE - 1) & ~(uint64_t)(SPSC_SEQ_LINE - 1))

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
/* The VM's ring: its state, and when it has one, its engine port and layout ("index", "seq"). */
int vring_info(unsigned int vm_id, unsigned int *port, const char **layout);

#endif

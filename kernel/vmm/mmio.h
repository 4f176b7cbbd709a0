/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A VM's emulated MMIO regions (Bao's emul.h, Jailhouse's mmio.h): each device registers
 * {name, base IPA, size, handler, context} when the VM is built; a trapped data abort is decoded
 * once and handed to the region it falls in, and the guest's device tree is written from the
 * same table. Portable (no hardware access): tested on the host.
 */
#ifndef KERNEL_MMIO_H
#define KERNEL_MMIO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/err.h"

struct err_why;

/* Every device a guest sees (GICD, GICR, ITS, PL011, ECAM), the MSI-X tables of its functions. */
#define MMIO_MAX_REGIONS 12

/*
 * Emulate an access of 'size' bytes (1, 2, 4 or 8) at 'offset' from the region's base: a write
 * takes *val, a read fills it. 0, or a negative error: the access is refused and the guest gets
 * an external abort, as for an address with nothing behind it.
 */
typedef int (*mmio_fn)(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val);

struct mmio_region {
	const char *name; /* a string that lives as long as the VM (a literal) */
	uint64_t base, size;
	mmio_fn handler;
	void *ctx;
};

/*
 * A bounded array in registration order. It changes only while none of the VM's vCPUs runs; a
 * region is complete before it is counted, so a vCPU still on its way out reads whole entries.
 */
struct mmio_table {
	struct mmio_region region[MMIO_MAX_REGIONS];
	_Atomic unsigned int n;
};

/* An empty table. */
void mmio_init(struct mmio_table *t);
/*
 * Add [base, base + size) served by handler(ctx, ...). E_INVAL for an empty or wrapping range or
 * no handler, E_BUSY when it overlaps a registered region, E_NOMEM when the table is full; 'why'
 * (may be NULL) then says which.
 */
int mmio_register(struct mmio_table *t, const char *name, uint64_t base, uint64_t size,
		  mmio_fn handler, void *ctx, struct err_why *why);
/* Remove the region that starts at 'base'; E_NOENT when there is none. */
int mmio_unregister(struct mmio_table *t, uint64_t base);
/* The region holding 'ipa', or NULL. A short linear search: there are a handful of regions. */
const struct mmio_region *mmio_find(const struct mmio_table *t, uint64_t ipa);
/* The region served by 'handler' (the first one), or NULL: where a device sits, for the DTB. */
const struct mmio_region *mmio_find_handler(const struct mmio_table *t, mmio_fn handler);
/*
 * Emulate an access at 'ipa': E_NOENT when no region holds it, else what its handler returns.
 * Inline: every trapped access of every guest comes through here.
 */
static inline int mmio_dispatch(const struct mmio_table *t, uint64_t ipa, bool write,
				unsigned int size, uint64_t *val)
{
	/* Pairs with the release in mmio_register(): every counted entry is complete. */
	const struct mmio_region *r = t->region,
				 *end = r + atomic_load_explicit(&t->n, memory_order_acquire);

	for (; r < end; r++) {
		uint64_t offset = ipa - r->base; /* ipa below base wraps to a huge offset */

		if (offset < r->size)
			return r->handler(r->ctx, offset, write, size, val);
	}
	return E_NOENT;
}

/*
 * mmio_dispatch() for a caller that keeps a hint: the index of the region it hit last (a vCPU
 * keeps one, kernel/vmm/vcpu.c). A guest's accesses come in runs to the same device, so most
 * find their region at the first look; a miss searches and updates the hint. Any value is safe:
 * the hinted region is used only when it is counted and holds 'ipa' (regions do not overlap, so
 * it is then the one a search would find), whatever moved since the hint was taken.
 */
static inline int mmio_dispatch_hint(const struct mmio_table *t, unsigned int *hint, uint64_t ipa,
				     bool write, unsigned int size, uint64_t *val)
{
	/* Pairs with the release in mmio_register(): every counted entry is complete. */
	unsigned int n = atomic_load_explicit(&t->n, memory_order_acquire), i = *hint;
	const struct mmio_region *r = &t->region[i < n ? i : 0];

	if (i < n && ipa - r->base < r->size)
		return r->handler(r->ctx, ipa - r->base, write, size, val);
	for (i = 0, r = t->region; i < n; i++, r++) {
		uint64_t offset = ipa - r->base; /* ipa below base wraps to a huge offset */

		if (offset < r->size) {
			*hint = i;
			return r->handler(r->ctx, offset, write, size, val);
		}
	}
	return E_NOENT;
}

#endif

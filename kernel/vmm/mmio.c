// SPDX-License-Identifier: BSD-2-Clause-Patent
/* A VM's emulated MMIO regions: registration, lookup and dispatch (see mmio.h). */
#include "kernel/vmm/mmio.h"

#include <stdatomic.h>
#include <stddef.h>

#include "kernel/lib/err.h"

void mmio_init(struct mmio_table *t)
{
	atomic_store_explicit(&t->n, 0, memory_order_relaxed);
}

/* [a, a + as) and [b, b + bs) share a byte; neither wraps (checked at registration). */
static bool mmio_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

int mmio_register(struct mmio_table *t, const char *name, uint64_t base, uint64_t size,
		  mmio_fn handler, void *ctx, struct err_why *why)
{
	unsigned int n = atomic_load_explicit(&t->n, memory_order_relaxed);

	if (!size || base + size < base || !handler || !name)
		return err_fail(why, E_INVAL, "%s: empty or wrapping range [0x%llx, +0x%llx)",
				name ? name : "(unnamed)", (unsigned long long)base,
				(unsigned long long)size);
	for (unsigned int i = 0; i < n; i++) {
		const struct mmio_region *r = &t->region[i];

		if (mmio_overlap(base, size, r->base, r->size))
			return err_fail(why, E_BUSY,
					"%s at IPA 0x%llx (0x%llx bytes) overlaps %s at 0x%llx",
					name, (unsigned long long)base, (unsigned long long)size,
					r->name, (unsigned long long)r->base);
	}
	if (n == MMIO_MAX_REGIONS)
		return err_fail(why, E_NOMEM, "%s: all %u emulated regions are in use", name,
				MMIO_MAX_REGIONS);
	t->region[n] = (struct mmio_region){
		.name = name, .base = base, .size = size, .handler = handler, .ctx = ctx
	};
	/* The entry is whole before a reader that sees the new count can look at it. */
	atomic_store_explicit(&t->n, n + 1, memory_order_release);
	return 0;
}

int mmio_unregister(struct mmio_table *t, uint64_t base)
{
	unsigned int n = atomic_load_explicit(&t->n, memory_order_relaxed);

	for (unsigned int i = 0; i < n; i++) {
		if (t->region[i].base != base)
			continue;
		for (; i + 1 < n; i++)
			t->region[i] = t->region[i + 1];
		atomic_store_explicit(&t->n, n - 1, memory_order_release);
		return 0;
	}
	return E_NOENT;
}

const struct mmio_region *mmio_find(const struct mmio_table *t, uint64_t ipa)
{
	/* Pairs with the release in mmio_register(): every counted entry is complete. */
	unsigned int n = atomic_load_explicit(&t->n, memory_order_acquire);

	for (unsigned int i = 0; i < n; i++) {
		const struct mmio_region *r = &t->region[i];

		if (ipa - r->base < r->size) /* ipa below base wraps to a huge offset */
			return r;
	}
	return NULL;
}

const struct mmio_region *mmio_find_handler(const struct mmio_table *t, mmio_fn handler)
{
	unsigned int n = atomic_load_explicit(&t->n, memory_order_acquire);

	for (unsigned int i = 0; i < n; i++)
		if (t->region[i].handler == handler)
			return &t->region[i];
	return NULL;
}

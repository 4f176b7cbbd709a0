// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Bitmap page allocator for hypervisor metadata (translation tables first of all). */
#include "mm/palloc.h"

#include <stdbool.h>
#include <stddef.h>

#include "kernel/lib/err.h"

#define PAGE 4096UL

static bool page_used(const struct palloc *p, unsigned int i)
{
	return p->bitmap[i / 64] & (1UL << (i % 64));
}

static void mark(struct palloc *p, unsigned int i, bool used)
{
	if (used)
		p->bitmap[i / 64] |= 1UL << (i % 64);
	else
		p->bitmap[i / 64] &= ~(1UL << (i % 64));
}

int palloc_init(struct palloc *p, void *va, uint64_t pa, unsigned int pages)
{
	if (!va || (pa & (PAGE - 1)) || ((uintptr_t)va & (PAGE - 1)) || !pages ||
	    pages > PALLOC_MAX_PAGES)
		return E_INVAL;
	p->va = va;
	p->pa = pa;
	p->pages = pages;
	p->used = 0;
	for (size_t i = 0; i < sizeof(p->bitmap) / sizeof(p->bitmap[0]); i++)
		p->bitmap[i] = 0;
	return 0;
}

void *palloc_pages(struct palloc *p, unsigned int n, uint64_t *pa)
{
	if (!n || n > 16 || (n & (n - 1)))
		return NULL;
	/* Natural alignment in physical terms: start where pa + i * PAGE is aligned to n pages. */
	unsigned int first =
		(unsigned int)(((n * PAGE) - (p->pa & (n * PAGE - 1))) % (n * PAGE) / PAGE);

	for (unsigned int i = first; i + n <= p->pages; i += n) {
		unsigned int k = 0;

		while (k < n && !page_used(p, i + k))
			k++;
		if (k < n)
			continue;
		for (k = 0; k < n; k++)
			mark(p, i + k, true);
		p->used += n;
		*pa = p->pa + (uint64_t)i * PAGE;
		uint8_t *va = p->va + (size_t)i * PAGE;

		for (size_t b = 0; b < n * PAGE; b++)
			va[b] = 0;
		return va;
	}
	return NULL;
}

void palloc_free(struct palloc *p, uint64_t pa, unsigned int n)
{
	if (pa < p->pa || (pa & (PAGE - 1)))
		return;
	for (unsigned int k = 0; k < n; k++) {
		uint64_t i = (pa - p->pa) / PAGE + k;

		if (i < p->pages && page_used(p, (unsigned int)i)) {
			mark(p, (unsigned int)i, false);
			p->used--;
		}
	}
}

void *palloc_pt_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	return palloc_pages(ctx, pages, pa);
}

void palloc_pt_free(void *ctx, uint64_t pa)
{
	palloc_free(ctx, pa, 1);
}

void *palloc_pa_to_va(void *ctx, uint64_t pa)
{
	struct palloc *p = ctx;

	return p->va + (pa - p->pa);
}

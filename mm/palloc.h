/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A pool of 4 KiB pages for translation tables and other hypervisor metadata: a bitmap over
 * one physically contiguous region. Runs of 1-16 pages come naturally aligned, as concatenated
 * Stage-2 root tables require. Portable: the region is given as a pointer and its address.
 */
#ifndef MM_PALLOC_H
#define MM_PALLOC_H

#include <stdint.h>

#define PALLOC_MAX_PAGES 4096 /* 16 MiB */

struct palloc {
	uint8_t *va; /* where the region is mapped */
	uint64_t pa; /* its physical address, 4 KiB aligned */
	unsigned int pages;
	unsigned int used;
	uint64_t bitmap[PALLOC_MAX_PAGES / 64];
};

/* 0, or E_INVAL for a misaligned region or more than PALLOC_MAX_PAGES pages. */
int palloc_init(struct palloc *p, void *va, uint64_t pa, unsigned int pages);
/* 'n' zeroed pages aligned to n * 4 KiB (n a power of two, 1-16); NULL when none fit. */
void *palloc_pages(struct palloc *p, unsigned int n, uint64_t *pa);
void palloc_free(struct palloc *p, uint64_t pa, unsigned int n);
/* pt callbacks (struct pt .alloc/.free/.pa_to_va) with ctx = struct palloc. */
void *palloc_pt_alloc(void *ctx, unsigned int pages, uint64_t *pa);
void palloc_pt_free(void *ctx, uint64_t pa);
void *palloc_pa_to_va(void *ctx, uint64_t pa);

#endif

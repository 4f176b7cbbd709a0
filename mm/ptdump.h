/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Listing what a set of translation tables maps, as runs of contiguous, identical mappings. */
#ifndef MM_PTDUMP_H
#define MM_PTDUMP_H

#include <stdint.h>

#include "mm/pgtable.h"

/* One run: [ia, ia + size) -> [pa, pa + size), same leaf attributes throughout. */
typedef void (*pt_run_fn)(void *ctx, uint64_t ia, uint64_t pa, uint64_t size, uint64_t attrs);

/* Call fn for each maximal run in ascending IA order. Returns the number of runs. */
unsigned int pt_for_each_run(const struct pt *pt, pt_run_fn fn, void *ctx);

#endif

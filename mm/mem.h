/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The machine's physical memory as the hypervisor hands it out (mm/mem.c): the map of RAM with
 * what is reserved in it, and the hypervisor's own page pool for tables and queues.
 */
#ifndef MM_MEM_H
#define MM_MEM_H

#include <stdint.h>

#include "kernel/platform.h"
#include "mm/palloc.h"
#include "mm/pmem.h"

extern struct pmem phys_mem;
extern struct palloc hyp_pool;

/* Physical memory map and the hypervisor's page pool, from the platform (once, at boot). */
int mem_init(const struct platform *p, const void *dtb, uint32_t dtb_size);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Physical memory: which RAM ranges are free, which are taken and by whom (the image, the DTB,
 * firmware reservations, page-table pools, VM RAM). Portable: tested on the host.
 */
#ifndef MM_PMEM_H
#define MM_PMEM_H

#include <stdbool.h>
#include <stdint.h>

#define PMEM_MAX_RANGES 64
#define PMEM_OWNER_LEN	24

struct pmem_range {
	uint64_t base;
	uint64_t size;
	char owner[PMEM_OWNER_LEN]; /* "" for free */
};

struct pmem {
	struct pmem_range r[PMEM_MAX_RANGES]; /* sorted by base, adjacent free ranges merged */
	unsigned int n;
	/*
	 * Told after a range is taken ('taken') or given back, if set: 'tracked' when its owner
	 * keeps track of what it wrote there (VM RAM: the zero map, mm/zmap.h).
	 */
	void (*changed)(uint64_t base, uint64_t size, bool taken, bool tracked);
};

/* Empty (the 'changed' hook is kept). */
void pmem_init(struct pmem *m);
/* Add RAM [base, base + size) as free. Overlaps with known RAM are E_EXIST. */
int pmem_add_ram(struct pmem *m, uint64_t base, uint64_t size);
/* Mark [base, base + size) as taken by 'owner'; it must be free RAM (E_BUSY, E_NOENT). */
int pmem_reserve(struct pmem *m, uint64_t base, uint64_t size, const char *owner);
/*
 * Take 'size' bytes aligned to 'align' (a power of two) from the highest free RAM that fits;
 * *base receives the address. E_NOMEM when nothing fits.
 */
int pmem_alloc(struct pmem *m, uint64_t size, uint64_t align, const char *owner, uint64_t *base);
/* The same for an owner that keeps track of what it writes (the hook's 'tracked'): VM RAM. */
int pmem_alloc_tracked(struct pmem *m, uint64_t size, uint64_t align, const char *owner,
		       uint64_t *base);
/* Give a range taken by pmem_reserve/pmem_alloc back (it must match one taken range exactly). */
int pmem_free(struct pmem *m, uint64_t base, uint64_t size);
/* Give back a range taken by pmem_alloc_tracked(). */
int pmem_free_tracked(struct pmem *m, uint64_t base, uint64_t size);
/* Owner of the range holding 'pa' ("" when free), or NULL when 'pa' is not RAM. */
const char *pmem_owner(const struct pmem *m, uint64_t pa);
uint64_t pmem_free_bytes(const struct pmem *m);
/* Bytes of free RAM from 'pa' to the end of the free range holding it (0: 'pa' is not free). */
uint64_t pmem_free_extent(const struct pmem *m, uint64_t pa);

#endif

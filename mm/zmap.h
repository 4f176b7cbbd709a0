/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The zero map: which 1 MiB blocks of RAM are known to hold only zeros, cleaned to the Point of
 * Coherency, with nobody able to have written them since. It is the one record of that fact,
 * under one lock, for free RAM and VM RAM alike; a VM's start asks it which of its chunks it may
 * skip instead of zeroing them again.
 *
 * A block becomes clean when its owner zeroed it (the VM layer's scrub), or, for RAM nothing
 * has owned since boot, when an idle CPU read it and found only zeros (zmap_check_some). That
 * check never writes: free RAM may hold an image a loader put there for a later `vm create`.
 * A block stops being clean when something may write it: a VM's start (zmap_forget), and any
 * owner but VM RAM taking or giving back memory (the memory map calls zmap_pmem_change).
 */
#ifndef MM_ZMAP_H
#define MM_ZMAP_H

#include <stdbool.h>
#include <stdint.h>

#define ZMAP_BLOCK_SHIFT 20
#define ZMAP_BLOCK	 (1UL << ZMAP_BLOCK_SHIFT)
/* RAM tracked from the lowest RAM address: 64 GiB. Blocks past it are never clean. */
#define ZMAP_MAX_BLOCKS 65536U

/* Track [base, base + size): nothing clean, nothing to check. Once, before any other call. */
void zmap_init(uint64_t base, uint64_t size);
/* [base, base + size) is free and nothing has owned it since boot: its whole blocks may be read. */
void zmap_unseen(uint64_t base, uint64_t size);
/*
 * The memory map's hook (struct pmem's 'changed'): a range was taken ('taken') or given back.
 * Unless 'tracked' (VM RAM, whose owner keeps the map right), it may be or have been written:
 * its blocks are no longer clean. A check of a block in it that is under way counts for
 * nothing, and a taken block is no longer checked.
 */
void zmap_pmem_change(uint64_t base, uint64_t size, bool taken, bool tracked);
/* The owner of [base, base + size) may write it from now (a VM's start): not clean. */
void zmap_forget(uint64_t base, uint64_t size);
/* The owner zeroed [base, base + size) and cleaned it to the PoC: its whole blocks are clean. */
void zmap_mark_clean(uint64_t base, uint64_t size);
/* Every byte of [base, base + size) is in a clean block. */
bool zmap_is_clean(uint64_t base, uint64_t size);
/*
 * Idle work: read one block nothing has owned since boot; mark it clean if it reads zero
 * (cleaned to the PoC first). Never writes RAM. False when there is no block left to read.
 */
bool zmap_check_some(void);
/* zmap_check_some() in its steps: take a block to read (false: none) ... */
bool zmap_check_claim(uint64_t *pa);
/* ... and say what it read; it is marked clean only if zero and nothing spoiled the read. */
void zmap_check_done(uint64_t pa, bool zero);
/* Bytes known clean, and bytes still to be read by zmap_check_some(). */
void zmap_counts(uint64_t *clean, uint64_t *unseen);
/* [pa, pa + size) reads as zeros (8-byte aligned, size a multiple of 64). */
bool zmap_range_is_zero(uint64_t pa, uint64_t size);

#endif

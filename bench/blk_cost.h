/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * What the data plane's engines spend, counted on their own cores by the PMU at EL2
 * (dp_cost_ops in dataplane/engine.h): `bench nvme` and `bench vblk` for the block engines,
 * `bench ring` for the message engine.
 */
#ifndef BENCH_BLK_COST_H
#define BENCH_BLK_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine.h"

/*
 * Every engine counts its working passes from its next pass on: cycles, and instructions too
 * when 'insns' (INST_RETIRED is implemented), into its busy_* sums.
 */
void bench_blk_cost_start(bool insns);
/* The counting ops themselves, instructions counted when 'insns', for any other engine. */
const struct dp_cost_ops *bench_cost_ops(bool insns);
/* Every engine stops counting (its sums stay). */
void bench_blk_cost_stop(void);
/* This core's PMU set up to count as the engines do, and read: what they use on theirs. */
void bench_blk_cost_setup(void);
void bench_blk_cost_read(uint64_t *insns, uint64_t *cycles);

/* Every engine's sums so far, added up: whichever engine serves an I/O, it is counted. */
struct bench_blk_sum {
	uint64_t insns, cycles, passes;
	uint64_t ios; /* the engines' own completion counters, read from here: good to a few */
};
void bench_blk_cost_sum(struct bench_blk_sum *s);

#endif

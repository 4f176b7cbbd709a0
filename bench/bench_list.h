/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* The benchmarks `bench <name>` can run; each returns 0 or a negative error it has printed. */
#ifndef BENCH_BENCH_LIST_H
#define BENCH_BENCH_LIST_H

#include "bench/bench.h"

int bench_c2c(struct bench_opts *o);
int bench_wfe(struct bench_opts *o);
int bench_atomics(struct bench_opts *o);
int bench_spsc_lat(struct bench_opts *o);
int bench_spsc_tput(struct bench_opts *o);
int bench_spsc_stress(struct bench_opts *o);
int bench_hvc(struct bench_opts *o);
int bench_mmio(struct bench_opts *o);
int bench_virq(struct bench_opts *o);
int bench_virq_msi(struct bench_opts *o);
int bench_virq_dev(struct bench_opts *o);
int bench_ipi(struct bench_opts *o);
int bench_nvme(struct bench_opts *o);
int bench_nvme_engine(struct bench_opts *o);
int bench_vblk(struct bench_opts *o);
int bench_ring(struct bench_opts *o);

#endif

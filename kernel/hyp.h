/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Global hypervisor state discovered at boot. */
#ifndef KERNEL_HYP_H
#define KERNEL_HYP_H

#include <stdint.h>

#include "kernel/lib/fdt.h"
#include "kernel/platform.h"

struct hyp_state {
	void *dtb;
	struct fdt fdt;
	struct platform plat;
	uint64_t vtcr; /* VTCR_EL2 value derived at boot (mm/vtcr.h) */
};

extern struct hyp_state hyp;

extern const char build_version[];
extern const char build_date[];
extern const char build_compiler[];

/* Per-CPU EL2 configuration with no VM: traps set, stage 2 off (kernel/main.c). */
void el2_setup(void);

#endif

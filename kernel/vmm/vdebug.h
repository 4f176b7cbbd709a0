/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* The guest's self-hosted debug: breakpoints, watchpoints, software step and the OS lock. */
#ifndef KERNEL_VMM_VDEBUG_H
#define KERNEL_VMM_VDEBUG_H

#include <stdint.h>

/* The debug half of MDCR_EL2 while a guest runs. */
uint64_t vdebug_mdcr(void);
/* Every breakpoint and watchpoint off and cleared, MDSCR_EL1 zero, the OS lock locked. */
void vdebug_reset(void);

#endif

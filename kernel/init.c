// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Boot steps registered by the layers above the core, run stage by stage (see init.h). */
#include "kernel/init.h"

extern const struct init_step __start_init_steps[], __stop_init_steps[];

/*
 * __start_init_steps and __stop_init_steps bound one linker section: comparing them is the
 * point, though to C (and cppcheck) they look like two different objects.
 */
unsigned int init_run(enum init_stage stage)
{
	unsigned int n = 0;

	// cppcheck-suppress comparePointers
	for (const struct init_step *s = __start_init_steps; s < __stop_init_steps; s++)
		if (s->stage == stage) {
			s->fn();
			n++;
		}
	return n;
}

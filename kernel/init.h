/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Boot steps: how layers above the core runtime (memory management, the VM model, the shell)
 * join the boot sequence without the core naming them. boot_main() (kernel/main.c) runs the
 * steps of each stage at a fixed point; a step registers itself with INIT_STEP().
 */
#ifndef KERNEL_INIT_H
#define KERNEL_INIT_H

/* The points in boot_main() where steps run, in this order. */
enum init_stage {
	/* Console up, before el2_setup(): values it writes (VTCR_EL2). */
	INIT_BEFORE_EL2 = 1,
	/* EL2 configured: the MMU, the physical memory map and the page pool. */
	INIT_MEMORY,
	/* Memory ready, before PSCI, SMP and the GIC: VM 0 and the devices it gets. */
	INIT_VMS,
	/* Every CPU online: the one step that takes the boot CPU for good (the shell). */
	INIT_ENTRY,
};

struct init_step {
	enum init_stage stage;
	const char *name;
	void (*fn)(void);
};

/*
 * Register 'fn_' (void fn_(void)) to run at 'stage_'. Steps of one stage must not depend on each
 * other: they run in link order. A step that cannot go on without what it sets up panics.
 */
#define INIT_STEP(stage_, fn_)                              \
	static const struct init_step init_step_##fn_       \
		__attribute__((used, section("init_steps"), \
			       aligned(8))) = { .stage = (stage_), .name = #fn_, .fn = (fn_) }

/* Run every step registered for 'stage'; how many ran. */
unsigned int init_run(enum init_stage stage);

#endif

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Unexpected exceptions at EL2: print the registers with ESR_EL2 decoded, then return to the
 * shell command that caused it (exc_try) or park the CPU with a message.
 */
#include "kernel/exception.h"

#include <stddef.h>

#include "boot/asm.h"
#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/arch/esr.h"
#include "kernel/panic.h"
#include "kernel/smp.h"

_Static_assert(offsetof(struct exc_frame, x) == EXC_FRAME_X, "frame layout");
_Static_assert(offsetof(struct exc_frame, sp) == EXC_FRAME_SP, "frame layout");
_Static_assert(offsetof(struct exc_frame, elr) == EXC_FRAME_ELR, "frame layout");
_Static_assert(offsetof(struct exc_frame, spsr) == EXC_FRAME_SPSR, "frame layout");
_Static_assert(offsetof(struct exc_frame, esr) == EXC_FRAME_ESR, "frame layout");
_Static_assert(offsetof(struct exc_frame, far) == EXC_FRAME_FAR, "frame layout");
_Static_assert(sizeof(struct exc_frame) == EXC_FRAME_SIZE, "frame size");
_Static_assert(EXC_FRAME_SIZE % 16 == 0, "SP must stay 16-byte aligned");

static const char *const vector_names[16] = {
	"current EL with SP_EL0, synchronous",
	"current EL with SP_EL0, IRQ",
	"current EL with SP_EL0, FIQ",
	"current EL with SP_EL0, SError",
	"current EL with SP_ELx, synchronous",
	"current EL with SP_ELx, IRQ",
	"current EL with SP_ELx, FIQ",
	"current EL with SP_ELx, SError",
	"lower EL (AArch64), synchronous",
	"lower EL (AArch64), IRQ",
	"lower EL (AArch64), FIQ",
	"lower EL (AArch64), SError",
	"lower EL (AArch32), synchronous",
	"lower EL (AArch32), IRQ",
	"lower EL (AArch32), FIQ",
	"lower EL (AArch32), SError",
};

extern char __image_start[], __text_end[];
/* boot/guest.S: where guest_exit unmasks SErrors to take one the guest left pending. */
extern char guest_exit_serror_start[], guest_exit_serror_end[];

/*
 * Recovery state is per CPU (struct percpu): a fault on one CPU must never unwind into
 * another CPU's exc_try(). Before smp_init_boot_cpu() sets TPIDR_EL2 this is the boot CPU's.
 */
static struct percpu *exc_cpu(void)
{
	struct percpu *c = (struct percpu *)(uintptr_t)read_sysreg(tpidr_el2);

	return c ? c : &percpu[0];
}

const char *exc_vector_name(unsigned int vector)
{
	return vector < 16 ? vector_names[vector] : "unknown vector";
}

void exc_dump(const struct exc_frame *f, unsigned int vector)
{
	unsigned int ec = FIELD_GET(f->esr, ESR_EC_SHIFT, ESR_EC_WIDTH);
	char iss[160];

	const struct percpu *c = exc_cpu();

	printk("EXCEPTION at EL2: %s (EC 0x%02x), taken from %s, on cpu%u (MPIDR 0x%llx)\n",
	       esr_ec_name(ec), ec, exc_vector_name(vector), c->id,
	       (unsigned long long)(read_sysreg(mpidr_el1) & MPIDR_AFF_MASK));
	printk("  ESR_EL2  0x%016llx  IL=%u %s\n", (unsigned long long)f->esr,
	       (f->esr & ESR_IL) ? 1U : 0U, esr_iss_decode(f->esr, iss, sizeof(iss)));
	printk("  FAR_EL2  0x%016llx  ELR_EL2 0x%016llx  SPSR_EL2 0x%08llx\n",
	       (unsigned long long)f->far, (unsigned long long)f->elr, (unsigned long long)f->spsr);
	/* The ELF is linked at 0: this offset is what addr2line and GDB's "info line" take. */
	if (f->elr >= (uintptr_t)__image_start && f->elr < (uintptr_t)__text_end)
		printk("  ELR_EL2 is image+0x%llx: addr2line -fe build/monadic-hypervisor.elf "
		       "0x%llx\n",
		       (unsigned long long)(f->elr - (uintptr_t)__image_start),
		       (unsigned long long)(f->elr - (uintptr_t)__image_start));
	for (int i = 0; i < 30; i += 3)
		printk("  x%-2d 0x%016llx  x%-2d 0x%016llx  x%-2d 0x%016llx\n", i,
		       (unsigned long long)f->x[i], i + 1, (unsigned long long)f->x[i + 1], i + 2,
		       (unsigned long long)f->x[i + 2]);
	printk("  x30 0x%016llx  sp  0x%016llx\n", (unsigned long long)f->x[30],
	       (unsigned long long)f->sp);
}

/* Resumed at by ERET when a fault inside exc_try() is recovered: unwind to exc_try(). */
__attribute__((noreturn)) static void exc_recover_trampoline(void)
{
	exc_longjmp(&exc_cpu()->recover, 1);
}

void el2_exception(struct exc_frame *f, unsigned int vector)
{
	unsigned int ec = FIELD_GET(f->esr, ESR_EC_SHIFT, ESR_EC_WIDTH);
	bool panicking;
	bool recoverable;
	struct percpu *c = exc_cpu();

	/*
	 * An SError in guest_exit's window is the guest's, taken here only because the exit path
	 * unmasked it: mark the exit (x0 holds guest_enter()'s result there) and carry on.
	 */
	if (vector == EXC_CUR_SPX_SERROR && f->elr >= (uintptr_t)guest_exit_serror_start &&
	    f->elr <= (uintptr_t)guest_exit_serror_end) {
		f->x[0] |= EXC_GUEST_EXIT_SERROR;
		return;
	}
	panicking = ec == ESR_EC_BRK64 &&
		    FIELD_GET(f->esr, ESR_IMM16_SHIFT, ESR_IMM16_WIDTH) == PANIC_BRK_IMM;
	recoverable = !panicking && (vector == EXC_CUR_SPX_SYNC || vector == EXC_CUR_SPX_SERROR);

	if (++c->exc_nesting > 1) {
		/* A fault while reporting a fault: the console or the stack is broken. */
		console_puts("\nHALTED: nested exception at EL2 while handling another\n");
		park();
	}
	exc_dump(f, vector);
	if (recoverable && c->recover_armed) {
		c->recover_armed = 0;
		console_puts("recovered: the command was abandoned; back to the shell\n");
		/* Resume at EL2h with SPSR's masks as they were; SP is restored by the ERET path. */
		f->elr = (uint64_t)(uintptr_t)exc_recover_trampoline;
		f->spsr = SPSR_M_EL2H | SPSR_DAIF;
		c->exc_nesting--;
		return;
	}
	console_puts(panicking ? "HALTED: panic; this CPU is parked\n"
			       : "HALTED: unexpected exception at EL2; this CPU is parked\n");
	park();
}

void el2_stack_overflow(uint64_t sp, uint64_t elr, uint64_t far, uint64_t esr)
{
	struct percpu *c = exc_cpu();
	uint64_t stack;

	if (++c->exc_nesting > 1) {
		console_puts("\nHALTED: EL2 stack overflow while handling another exception\n");
		park();
	}
	stack = (sp & ~(uint64_t)(STACK_SLOT_SIZE - 1)) + STACK_SIZE; /* boot/asm.h */

	printk("\nHALTED: EL2 stack overflow on cpu%u: SP 0x%llx is below its stack "
	       "[0x%llx, 0x%llx) (ELR_EL2 0x%llx, FAR_EL2 0x%llx, ESR_EL2 0x%llx); "
	       "this CPU is parked\n",
	       c->id, (unsigned long long)sp, (unsigned long long)stack,
	       (unsigned long long)(stack + STACK_SIZE), (unsigned long long)elr,
	       (unsigned long long)far, (unsigned long long)esr);
	park();
}

int exc_try(int (*fn)(void *arg), void *arg)
{
	struct percpu *c = exc_cpu();
	int ret;

	if (exc_setjmp(&c->recover)) {
		c->recover_armed = 0;
		return E_FAULT;
	}
	c->recover_armed = 1;
	ret = fn(arg);
	c->recover_armed = 0;
	return ret;
}

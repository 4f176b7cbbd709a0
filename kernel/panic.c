// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The panic path: message, then a BRK so the exception handler prints every register. */
#include "kernel/panic.h"

#include <stdarg.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/exception.h"
#include "kernel/smp.h"

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	irq_save();
	console_puts("\nPANIC: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n  at %s:%d on cpu%u\n", file, line, this_cpu()->id);
	/* The handler sees BRK #PANIC_BRK_IMM, prints the registers and parks (no recovery). */
	brk(PANIC_BRK_IMM);
	park();
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `fault`: take a real exception at EL2 on purpose, to see (and test) the register dump and the
 * shell's recovery. Each kind is a single instruction that the architecture guarantees traps.
 */
#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/lib/err.h"
#include "kernel/panic.h"
#include "mm/mmu.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"

/* Highest page of the 48-bit VA space: never mapped, whatever the DTB says. */
#define FAULT_VA 0x0000fffffffff000UL

/* Calls itself with a frame the compiler cannot drop until the stack meets its guard page. */
__attribute__((noinline)) static uint64_t fault_recurse(uint64_t depth)
{
	volatile uint8_t frame[512];

	frame[0] = (uint8_t)depth;
	if (depth > (1UL << 30)) /* never: 16 KiB of stack holds a few dozen frames */
		return depth;
	return fault_recurse(depth + 1) + frame[0];
}

static int cmd_fault(int argc, char **argv)
{
	volatile uint64_t *p = (volatile uint64_t *)FAULT_VA;

	if (argc != 2)
		return shell_error(E_INVAL, "usage: fault read|write|undef|brk|panic|stack");
	if (mmu_va_readable(FAULT_VA, NULL))
		return shell_error(E_BUSY, "fault: 0x%lx is mapped; refusing", FAULT_VA);
	if (str_eq(argv[1], "read"))
		(void)*p; /* Data Abort, translation fault */
	else if (str_eq(argv[1], "write"))
		*p = 0;
	else if (str_eq(argv[1], "undef"))
		udf(0xdead); /* permanently undefined: EC 0x00 */
	else if (str_eq(argv[1], "panic"))
		panic("fault: deliberate panic from the shell");
	else if (str_eq(argv[1], "brk"))
		brk(0x4d48); /* EC 0x3c, imm16 "MH" */
	else if (str_eq(argv[1], "stack"))
		(void)fault_recurse(0);
	else
		return shell_error(
			E_INVAL, "fault: unknown kind '%s' (read, write, undef, brk, panic, stack)",
			argv[1]);
	return shell_error(E_IO, "fault: the %s did not trap", argv[1]);
}
SHELL_COMMAND(fault, "fault", "read|write|undef|brk|panic|stack",
	      "take an exception at EL2 on purpose (tests the dump and recovery)",
	      "  read/write touch an unmapped address, undef runs UDF, brk runs BRK.\n"
	      "  stack recurses until the EL2 stack overflows into its guard page.\n"
	      "  The dump is printed and the shell comes back, except after panic and stack,\n"
	      "  which park the CPU as the real thing does (the machine must then be reset).",
	      cmd_fault);

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The self-hosted debug test guest: its breakpoint, watchpoint and software step are its own
 * and each fires exactly once, taken at EL1 (the exception classes for "same EL"). It finds
 * them reset at start, though it leaves them armed at its exit on purpose.
 */
#include "guest.h"

#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")
#define isb()		     __asm__ volatile("isb" : : : "memory")

#define MDSCR_SS  (1UL << 0)
#define MDSCR_KDE (1UL << 13)
#define MDSCR_MDE (1UL << 15)
/* DBGBCR: E, PMC = 0b11 (EL1 and EL0), BAS = 0b1111 (an A64 instruction). */
#define BCR_EL1 (1UL | 3UL << 1 | 0xfUL << 5)
/* DBGWCR: E, PAC = 0b11 (EL1 and EL0), LSC = 0b10 (stores), BAS = 0xff (8 bytes). */
#define WCR_EL1_STORE (1UL | 3UL << 1 | 2UL << 3 | 0xffUL << 5)
#define EC_BKPT_CUR   0x31
#define EC_STEP_CUR   0x33
#define EC_WATCH_CUR  0x35

static volatile uint64_t watched __attribute__((aligned(8)));

extern char bp_here[], step_from[], step_to[];

static unsigned int ec_of(uint64_t esr)
{
	return (unsigned int)(esr >> 26) & 0x3f;
}

/* Breakpoint 0 at bp_here: EC 0x31, ELR there; the handler skips the instruction. */
static void test_breakpoint(void)
{
	uint64_t x = 0;

	guest_fault_reset();
	write_sysreg(dbgbvr0_el1, (uint64_t)bp_here);
	write_sysreg(dbgbcr0_el1, BCR_EL1);
	isb();
	__asm__ volatile(".globl bp_here\n bp_here: add %0, %0, #1\n add %0, %0, #2" : "+r"(x));
	write_sysreg(dbgbcr0_el1, 0);
	isb();
	guest_check(guest_fault.count == 1 && ec_of(guest_fault.esr) == EC_BKPT_CUR &&
			    guest_fault.elr == (uint64_t)bp_here && x == 2,
		    "breakpoint-once", "count %llu ESR 0x%llx ELR 0x%llx (want 0x%llx) x %llu",
		    (unsigned long long)guest_fault.count, (unsigned long long)guest_fault.esr,
		    (unsigned long long)guest_fault.elr, (unsigned long long)(uint64_t)bp_here,
		    (unsigned long long)x);
}

/* Watchpoint 0 on stores to 'watched': EC 0x35, FAR the address; loads do not fire. */
static void test_watchpoint(void)
{
	uint64_t seen;

	guest_fault_reset();
	watched = 1;
	write_sysreg(dbgwvr0_el1, (uint64_t)&watched);
	write_sysreg(dbgwcr0_el1, WCR_EL1_STORE);
	isb();
	seen = watched;	 /* a load: not watched */
	watched = 2;	 /* the store: fires, and the handler skips it */
	seen += watched; /* still 1 */
	write_sysreg(dbgwcr0_el1, 0);
	isb();
	guest_check(guest_fault.count == 1 && ec_of(guest_fault.esr) == EC_WATCH_CUR &&
			    guest_fault.far == (uint64_t)&watched && seen == 2,
		    "watchpoint-once", "count %llu ESR 0x%llx FAR 0x%llx (want 0x%llx) seen %llu",
		    (unsigned long long)guest_fault.count, (unsigned long long)guest_fault.esr,
		    (unsigned long long)guest_fault.far, (unsigned long long)(uint64_t)&watched,
		    (unsigned long long)seen);
}

/*
 * One software step at EL1: MDSCR_EL1.SS, and an ERET to step_from with SPSR_EL1.SS set and D
 * clear. The instruction there runs, then the step exception: EC 0x33, ELR = step_to.
 */
static void test_step(void)
{
	uint64_t x = 0;

	guest_fault_reset();
	/* With D clear, SS set and PSTATE.SS 0 is active-pending: a step at once. Mask it. */
	__asm__ volatile("msr daifset, #8" : : : "memory");
	write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) | MDSCR_SS);
	isb();
	__asm__ volatile(
		"adr x9, step_from\n msr elr_el1, x9\n"
		"mov x9, #0x1c5\n orr x9, x9, #(1 << 21)\n msr spsr_el1, x9\n" /* EL1h, SS */
		"eret\n"
		".globl step_from\n step_from: add %0, %0, #1\n"
		".globl step_to\n step_to: add %0, %0, #2\n"
		: "+r"(x)
		:
		: "x9", "memory");
	guest_check(guest_fault.count == 1 && ec_of(guest_fault.esr) == EC_STEP_CUR &&
			    guest_fault.elr == (uint64_t)step_to && x == 3 &&
			    !(read_sysreg(mdscr_el1) & MDSCR_SS),
		    "step-once", "count %llu ESR 0x%llx ELR 0x%llx (want 0x%llx) x %llu",
		    (unsigned long long)guest_fault.count, (unsigned long long)guest_fault.esr,
		    (unsigned long long)guest_fault.elr, (unsigned long long)(uint64_t)step_to,
		    (unsigned long long)x);
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1), oslsr = read_sysreg(oslsr_el1);
	uint64_t mdscr = read_sysreg(mdscr_el1);
	unsigned int brps = ((dfr0 >> 12) & 0xf) + 1, wrps = ((dfr0 >> 20) & 0xf) + 1;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	guest_printf("guest: DebugVer %llu, %u breakpoints, %u watchpoints, OSLSR 0x%llx\n",
		     (unsigned long long)(dfr0 & 0xf), brps, wrps, (unsigned long long)oslsr);
	guest_check((dfr0 & 0xf) >= 6 && brps >= 2 && wrps >= 2, "debug-id",
		    "ID_AA64DFR0_EL1 0x%llx", (unsigned long long)dfr0);
	/* As after a reset, though the last run left it all armed: OS lock on, nothing set. */
	guest_check((oslsr & 2) && mdscr == 0 && read_sysreg(dbgbcr0_el1) == 0 &&
			    read_sysreg(dbgbvr0_el1) == 0 && read_sysreg(dbgwcr0_el1) == 0 &&
			    read_sysreg(dbgwvr0_el1) == 0,
		    "debug-reset-at-start", "OSLSR 0x%llx MDSCR 0x%llx BCR0 0x%llx WCR0 0x%llx",
		    (unsigned long long)oslsr, (unsigned long long)mdscr,
		    (unsigned long long)read_sysreg(dbgbcr0_el1),
		    (unsigned long long)read_sysreg(dbgwcr0_el1));
	/* As Linux does: the OS lock off, debug exceptions on at EL1 (KDE) and unmasked (D). */
	write_sysreg(oslar_el1, 0);
	write_sysreg(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
	isb();
	__asm__ volatile("msr daifclr, #8" : : : "memory");
	guest_check(!(read_sysreg(oslsr_el1) & 2), "os-unlock", "OSLSR 0x%llx",
		    (unsigned long long)read_sysreg(oslsr_el1));
	test_breakpoint();
	test_watchpoint();
	test_step();
	/* Left armed (with the D mask back on, so they do not fire here): the next start resets. */
	__asm__ volatile("msr daifset, #8" : : : "memory");
	write_sysreg(dbgbvr0_el1, (uint64_t)bp_here);
	write_sysreg(dbgbcr0_el1, BCR_EL1);
	write_sysreg(dbgwvr0_el1, (uint64_t)&watched);
	write_sysreg(dbgwcr0_el1, WCR_EL1_STORE);
	write_sysreg(oslar_el1, 0);
	isb();
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

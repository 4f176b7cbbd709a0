// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The hostile test guest: it writes outside its RAM, pokes at where the hypervisor and the GIC
 * live, makes random hypercalls and SMCs, reads and writes trapped registers, feeds its ITS
 * tables outside its RAM and queues of garbage, and floods its
 * console; at last it points its vector table at nothing and faults, which the hypervisor can
 * only answer by stopping the VM. None of it may hurt the hypervisor or another VM.
 */
#include "guest.h"

static uint64_t rng = 0x9e3779b97f4a7c15UL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * The PMU and debug registers: MDCR_EL2 itself and event counters past the guest's share are
 * UNDEFINED at EL1; then every counter armed to overflow and count EL2 (NSH), and a watchpoint
 * and a breakpoint meant for EL2 over the low 2 GiB where the hypervisor lives, while it makes
 * EL2 work for it. EL2 takes no debug exception (MDCR_EL2.TDE is 0) and counts for nobody.
 */
static void pmu_and_debug(void)
{
	uint64_t n = (read_sysreg(pmcr_el0) >> 11) & 0x1f;

	guest_fault_reset();
	__asm__ volatile("mrs x0, mdcr_el2\n msr mdcr_el2, x0\n" : : : "x0");
	if (n <= 30)
		__asm__ volatile("mrs x0, pmevcntr30_el0\n msr pmevtyper30_el0, x0\n" : : : "x0");
	guest_check(guest_fault.count == (n <= 30 ? 4 : 2) && (guest_fault.esr >> 26) == 0,
		    "pmu-beyond-share-undef", "%llu UNDEFs, ESR 0x%llx, PMCR_EL0.N %llu",
		    (unsigned long long)guest_fault.count, (unsigned long long)guest_fault.esr,
		    (unsigned long long)n);
	guest_fault_reset();
	for (uint64_t i = 0; i < n; i++) {
		__asm__ volatile("msr pmselr_el0, %0\n isb\n msr pmxevtyper_el0, %1\n"
				 "msr pmxevcntr_el0, %2"
				 :
				 : "r"(i), "r"((1UL << 27) | 0x11), "r"(0xffffff00UL));
	}
	__asm__ volatile("msr pmccfiltr_el0, %0\n msr pmintenset_el1, %1\n"
			 "msr pmcntenset_el0, %1\n msr pmuserenr_el0, %2\n msr pmcr_el0, %3\n isb"
			 :
			 : "r"(1UL << 27), "r"(~0UL), "r"(0xfUL), "r"(0x7fUL));
	/* EL2 only (HMC 1, SSC 0b11, PAC 0b00), any access, addresses 0 to 2 GiB (MASK 31). */
	__asm__ volatile("msr oslar_el1, xzr\n msr dbgwvr0_el1, xzr\n msr dbgwcr0_el1, %0\n"
			 "msr dbgbvr0_el1, %1\n msr dbgbcr0_el1, %2\n msr mdscr_el1, %3\n isb"
			 :
			 : "r"(1UL | 3UL << 3 | 0xffUL << 5 | 1UL << 13 | 3UL << 14 | 31UL << 24),
			   "r"(0x40000000UL), "r"(1UL | 0xfUL << 5 | 1UL << 13 | 3UL << 14),
			   "r"((1UL << 15) | (1UL << 13)));
	for (unsigned int i = 0; i < 100; i++)
		guest_hvc(MONADIC_HVC_NULL, 0, 0, 0);
	guest_printf("guest: PMU armed and EL2 watched through 100 calls\n");
	guest_check(guest_fault.count == 0, "el2-debug-harmless", "%llu exceptions, ESR 0x%llx",
		    (unsigned long long)guest_fault.count, (unsigned long long)guest_fault.esr);
}

/*
 * The ITS (QEMU virt's address, as the DTB gives it): tables and a queue outside our RAM, a
 * property table nowhere, then a megabyte of random commands, retried, and random MSIs and
 * register writes. Each bad command may only stall our own queue.
 */
static void its_abuse(void)
{
	volatile uint64_t *its = (volatile uint64_t *)0x08080000UL;
	volatile uint64_t *gicr = (volatile uint64_t *)0x080a0000UL;
	uint64_t *junk = (uint64_t *)0x41000000UL; /* in our 32 MiB */

	gicr[0x70 / 8] = 0x1000 | 31; /* PROPBASER outside RAM, 32 ID bits */
	*(volatile uint32_t *)gicr = 1;
	its[0x100 / 8] = (1UL << 63) | 0x1000;		 /* BASER0 outside RAM */
	its[0x108 / 8] = (1UL << 63) | 0xfffffffff000UL; /* BASER1 nowhere */
	its[0x80 / 8] = (1UL << 63) | 0xff;		 /* CBASER at 0, 1 MiB */
	*(volatile uint32_t *)its = 1;
	for (unsigned int i = 0; i < 64; i++)
		its[0x88 / 8] = rnd() & 0xfffe1;
	*(volatile uint32_t *)its = 0;
	for (unsigned int i = 0; i < (1U << 20) / 8; i++)
		junk[i] = rnd();
	its[0x100 / 8] = (1UL << 63) | 0x41100000UL | (2UL << 8) | 0xff; /* 16 MiB, past RAM */
	its[0x108 / 8] = (1UL << 63) | 0x41200000UL | 0xff;
	its[0x80 / 8] = (1UL << 63) | 0x41000000UL | 0xff;
	*(volatile uint32_t *)its = 1;
	for (unsigned int i = 0; i < 256; i++)
		its[0x88 / 8] = (rnd() & 0xfffe0) | 1; /* Retry */
	for (unsigned int i = 0; i < 256; i++)
		*(volatile uint32_t *)(0x08090040UL) = (uint32_t)rnd(); /* GITS_TRANSLATER */
	for (unsigned int i = 0; i < 256; i++)
		its[(rnd() % 0x20000) / 8] = rnd();
	guest_printf("guest: ITS abuse done, CREADR 0x%llx\n", (unsigned long long)its[0x90 / 8]);
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	static const uint64_t targets[] = {
		0x0,
		0x1000,
		0x08000000,
		0x08010000,
		0x080a0000,
		0x09001000,
		0x3fffff000,
		0x40200000UL - 0x1000 + 0x100000000UL,
		0x4010000000UL,
		0xfffffffff000UL,
	};
	uint64_t calls = 0;

	if (guest_console_init(dtb))
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	guest_printf("guest: hostile guest starting\n");
	guest_fault_reset();
	for (unsigned int i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		volatile uint64_t *p = (volatile uint64_t *)targets[i];

		*p = 0xdeadbeefdeadbeefUL;
		(void)*p;
	}
	guest_printf("guest: %llu faults from stray accesses\n",
		     (unsigned long long)guest_fault.count);
	for (unsigned int i = 0; i < 2000; i++) {
		uint64_t fn = rnd();

		/* Never the calls that would end the test early. */
		if ((uint32_t)fn == PSCI_SYSTEM_OFF || (uint32_t)fn == 0x84000009U ||
		    (uint32_t)fn == PSCI_CPU_OFF)
			continue;
		if (i & 1)
			guest_hvc(fn, rnd(), rnd(), rnd());
		else
			guest_smc(fn, rnd(), rnd(), rnd());
		calls++;
	}
	guest_printf("guest: %llu random calls survived\n", (unsigned long long)calls);
	guest_fault_reset();
	__asm__ volatile("mrs x0, pmcr_el0\n msr pmcr_el0, x0\n mrs x0, mdscr_el1\n"
			 "mrs x0, s3_0_c15_c0_0\n msr s3_0_c15_c0_0, x0\n mrs x0, actlr_el1\n"
			 "msr actlr_el1, x0\n msr vttbr_el2, x0\n"
			 :
			 :
			 : "x0");
	guest_printf("guest: trapped registers done, %llu UNDEFs\n",
		     (unsigned long long)guest_fault.count);
	its_abuse();
	for (unsigned int i = 0; i < 20000; i++)
		guest_printf("%c", 'a' + (char)(i % 26));
	guest_printf("\nguest: console flood done\n");
	pmu_and_debug(); /* last, so its lines are not pushed out of the VM's log */
	/* The end: a vector table at an address with nothing behind it, then a fault. */
	__asm__ volatile("msr vbar_el1, %0\n isb\n mov x1, #0\n ldr x0, [x1]"
			 :
			 : "r"(0x1000UL)
			 : "x0", "x1");
	guest_printf("guest: FAIL still running after the last fault\n");
	for (;;)
		;
}

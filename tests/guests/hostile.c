// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The hostile test guest: it writes outside its RAM, pokes at where the hypervisor and the GIC
 * live, makes random hypercalls and SMCs, reads and writes trapped registers and floods its
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
			 "mrs x0, s3_0_c15_c0_0\n msr s3_0_c15_c0_0, x0\n mrs x0, cntp_ctl_el0\n"
			 "msr vttbr_el2, x0\n"
			 :
			 :
			 : "x0");
	guest_printf("guest: trapped registers done, %llu UNDEFs\n",
		     (unsigned long long)guest_fault.count);
	for (unsigned int i = 0; i < 20000; i++)
		guest_printf("%c", 'a' + (char)(i % 26));
	guest_printf("\nguest: console flood done\n");
	/* The end: a vector table at an address with nothing behind it, then a fault. */
	__asm__ volatile("msr vbar_el1, %0\n isb\n mov x1, #0\n ldr x0, [x1]"
			 :
			 : "r"(0x1000UL)
			 : "x0", "x1");
	guest_printf("guest: FAIL still running after the last fault\n");
	for (;;)
		;
}

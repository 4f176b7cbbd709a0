// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The benchmark guest, built into the hypervisor image for `bench hvc` and `bench mmio`: its
 * command line says what to time ("hvc N" or "mmio N"); each of the N operations is timed with
 * the virtual counter (CNTVCT_EL0, which EL1 reads without a trap), the samples stay in its RAM
 * and a hypercall tells the hypervisor where, before it powers off.
 */
#include "guest.h"
#include "kernel/fdt.h"

#define MAX_SAMPLES	   200000
#define MONADIC_HVC_RESULT 0x86000003U

static uint64_t samples[MAX_SAMPLES];

static uint64_t counter(void)
{
	uint64_t v;

	/* ISB: the read is not taken early, before the operation it ends. */
	__asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static const char *cmdline(const void *dtb)
{
	struct fdt f;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return "";
	node = fdt_path_offset(&f, "/chosen");
	return node >= 0 && fdt_getprop_str(&f, node, "bootargs")
		       ? fdt_getprop_str(&f, node, "bootargs")
		       : "";
}

static uint64_t number_after(const char *s)
{
	uint64_t n = 0;

	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (uint64_t)(*s++ - '0');
	return n;
}

void guest_secondary(uint64_t cpu);
void guest_secondary(uint64_t cpu)
{
	(void)cpu;
	guest_hvc(PSCI_CPU_OFF, 0, 0, 0);
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	const char *args = cmdline(dtb);
	bool mmio = args[0] == 'm';
	uint64_t n = number_after(args);
	volatile uint32_t *fr;

	guest_console_init(dtb);
	fr = (volatile uint32_t *)(guest_uart() + 0x18);
	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = counter();

		if (mmio)
			(void)*fr; /* a trapped, emulated register read */
		else
			guest_hvc(MONADIC_HVC_NULL, 0, 0, 0);
		samples[i] = counter() - t0;
	}
	guest_hvc(MONADIC_HVC_RESULT, (uintptr_t)samples, n, 0);
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Test-guest library: PL011 output found through the DTB, checks, calls, fault recording. */
#include <stdarg.h>

#include "guest.h"
#include "kernel/lib/fdt.h"

struct guest_fault guest_fault;
static uintptr_t uart, gicd, gicr;
static unsigned int passed, failed;

void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n)
{
	char *dd = d;
	const char *ss = s;

	while (n--)
		*dd++ = *ss++;
	return d;
}

void *memset(void *d, int c, unsigned long n)
{
	char *dd = d;

	while (n--)
		*dd++ = (char)c;
	return d;
}

int guest_console_init(const void *dtb)
{
	struct fdt f;
	int node;
	const uint8_t *reg;
	uint32_t len;

	if (fdt_init(&f, dtb, 1 << 20))
		return -1;
	node = fdt_find_compatible(&f, -1, "arm,pl011");
	if (node < 0)
		return -1;
	reg = fdt_getprop(&f, node, "reg", &len);
	if (!reg || len < 16)
		return -1;
	uart = (uintptr_t)fdt_read_cells(reg, 2);
	node = fdt_find_compatible(&f, -1, "arm,gic-v3");
	reg = node >= 0 ? fdt_getprop(&f, node, "reg", &len) : 0;
	if (reg && len >= 32) { /* <GICD base size> <GICR base size>, 2 cells each */
		gicd = (uintptr_t)fdt_read_cells(reg, 2);
		gicr = (uintptr_t)fdt_read_cells(reg + 16, 2);
	}
	return 0;
}

uintptr_t guest_gicd(void)
{
	return gicd;
}

uintptr_t guest_gicr(unsigned int vcpu)
{
	return gicr ? gicr + 0x20000UL * vcpu : 0;
}

void guest_enable_ppi(unsigned int vcpu, unsigned int intid)
{
	volatile uint32_t *isenabler0 = (volatile uint32_t *)(guest_gicr(vcpu) + 0x10000 + 0x100);

	if (guest_gicr(vcpu))
		*isenabler0 = 1U << intid;
}

volatile uint8_t *guest_dev0_config(const void *dtb)
{
	const void *reg;
	struct fdt f;
	uint32_t len;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return 0;
	node = fdt_find_compatible(&f, -1, "pci-host-ecam-generic");
	reg = node >= 0 ? fdt_getprop(&f, node, "reg", &len) : 0;
	return reg && len >= 16 ? (volatile uint8_t *)(uintptr_t)fdt_read_cells(reg, 2) : 0;
}

const char *guest_bootargs(const void *dtb)
{
	struct fdt f;
	const char *args;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return "";
	node = fdt_path_offset(&f, "/chosen");
	args = node >= 0 ? fdt_getprop_str(&f, node, "bootargs") : 0;
	return args ? args : "";
}

bool guest_cmdline_has(const void *dtb, const char *word)
{
	const char *args = guest_bootargs(dtb);

	for (; *args; args++) {
		unsigned int i = 0;

		while (word[i] && args[i] == word[i])
			i++;
		if (!word[i])
			return true;
	}
	return false;
}

uintptr_t guest_uart(void)
{
	return uart;
}

static void putc_sink(void *ctx, char c)
{
	volatile uint32_t *dr = (volatile uint32_t *)uart;

	(void)ctx;
	if (!uart)
		return;
	if (c == '\n')
		*dr = '\r';
	*dr = (uint8_t)c;
}

void guest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vformat(putc_sink, 0, fmt, ap);
	va_end(ap);
}

void guest_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		passed++;
	else
		failed++;
	guest_printf("guest: %s %s", ok ? "ok" : "FAIL", name);
	if (!ok && fmt) {
		guest_printf(": ");
		va_start(ap, fmt);
		fmt_vformat(putc_sink, 0, fmt, ap);
		va_end(ap);
	}
	guest_printf("\n");
}

void guest_summary(void)
{
	guest_printf("guest: %u passed, %u failed\n", passed, failed);
}

int64_t guest_hvc(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3)
{
	register uint64_t r0 __asm__("x0") = x0;
	register uint64_t r1 __asm__("x1") = x1;
	register uint64_t r2 __asm__("x2") = x2;
	register uint64_t r3 __asm__("x3") = x3;

	__asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	return (int64_t)r0;
}

int64_t guest_hvc_out(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t out[3])
{
	register uint64_t r0 __asm__("x0") = x0;
	register uint64_t r1 __asm__("x1") = x1;
	register uint64_t r2 __asm__("x2") = x2;
	register uint64_t r3 __asm__("x3") = x3;

	__asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	if (out) {
		out[0] = r1;
		out[1] = r2;
		out[2] = r3;
	}
	return (int64_t)r0;
}

void guest_hvc4(uint64_t x0, uint64_t out[4])
{
	out[0] = (uint64_t)guest_hvc_out(x0, 0, 0, 0, out + 1);
}

int64_t guest_smc(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3)
{
	register uint64_t r0 __asm__("x0") = x0;
	register uint64_t r1 __asm__("x1") = x1;
	register uint64_t r2 __asm__("x2") = x2;
	register uint64_t r3 __asm__("x3") = x3;

	__asm__ volatile("smc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	return (int64_t)r0;
}

void guest_fault_reset(void)
{
	guest_fault.count = guest_fault.esr = guest_fault.elr = guest_fault.far = 0;
}

/* Called from start.S for every exception: record it and resume after the instruction. */
uint64_t guest_exception(uint64_t esr, uint64_t elr, uint64_t far, uint64_t kind);
void guest_gic_enable(void)
{
	__asm__ volatile("msr s3_0_c12_c12_5, %0\n isb\n" /* ICC_SRE_EL1: SRE | DFB | DIB */
			 "msr s3_0_c4_c6_0, %1\n"	  /* ICC_PMR_EL1 */
			 "msr s3_0_c12_c12_7, %2\n isb\n" /* ICC_IGRPEN1_EL1 */
			 "msr daifclr, #2"
			 :
			 : "r"(7UL), "r"(0xffUL), "r"(1UL)
			 : "memory");
}

bool guest_wfi_until(const volatile uint64_t *word, uint64_t above, unsigned long tries)
{
	bool done = false;

	for (unsigned long i = 0; i < tries && !done; i++) {
		__asm__ volatile("msr daifset, #2" : : : "memory"); /* PSTATE.I: IRQs wait */
		done = *word > above;
		if (!done)
			__asm__ volatile("wfi" : : : "memory");
		/* Unmasked: a pending IRQ is taken here, after the ISB, and may set *word. */
		__asm__ volatile("msr daifclr, #2\n isb" : : : "memory");
	}
	return done || *word > above;
}

/* A vCPU other than the first, started by PSCI CPU_ON: by default it turns itself off again.
 * A guest that uses its secondaries defines its own. */
__attribute__((weak)) void guest_secondary(uint64_t cpu)
{
	(void)cpu;
	guest_hvc(PSCI_CPU_OFF, 0, 0, 0);
}

__attribute__((weak)) void guest_irq(void)
{
}

uint64_t guest_exception(uint64_t esr, uint64_t elr, uint64_t far, uint64_t kind)
{
	/* IRQ vectors (1, 5, 9, 13): nothing to skip; the guest's handler acknowledges it. */
	if ((kind & 3) == 1) {
		guest_irq();
		return elr;
	}
	guest_fault.count++;
	guest_fault.esr = esr;
	guest_fault.elr = elr;
	guest_fault.far = far;
	/*
	 * A software step (EC 0x32/0x33): the stepped instruction is done and ELR is the next
	 * one. Stepping stops here (MDSCR_EL1.SS = 0), or the return would step again at once.
	 */
	if (((esr >> 26) & 0x3f) == 0x32 || ((esr >> 26) & 0x3f) == 0x33) {
		__asm__ volatile("mrs x9, mdscr_el1\n bic x9, x9, #1\n msr mdscr_el1, x9\n isb"
				 :
				 :
				 : "x9", "memory");
		return elr;
	}
	return elr + 4;
}

uint64_t guest_ram_size(const void *dtb)
{
	struct fdt f;
	const uint8_t *reg;
	uint32_t len;
	int node;

	if (fdt_init(&f, dtb, 1 << 20))
		return 0;
	node = fdt_path_offset(&f, "/memory@40000000");
	reg = node >= 0 ? fdt_getprop(&f, node, "reg", &len) : 0;
	return reg && len >= 16 ? fdt_read_cells(reg + 8, 2) : 0;
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * console=pci:BDF on the command line: after enumeration, move the console to the 16550 that is
 * that PCI function's BAR 0 (QEMU's pci-serial, an I/O BAR reached through the host bridge's
 * I/O window; EC2's UART, a memory BAR). Byte-wide registers one byte apart, as both have.
 */
#include "pci/pci_host.h"

#include "kernel/console.h"
#include "kernel/drivers/uart.h"
#include "kernel/lib/string.h"

#define CONSOLE_WORD	 "console=pci:"
#define CONSOLE_WORD_LEN 12

/* The BDF text of the console=pci: word in 'args', or 0 when there is none. */
static int console_word(const char *args, char *bdf, size_t size)
{
	for (size_t i = 0; args[i]; i++) {
		size_t n = 0;

		if ((i && args[i - 1] != ' ') || memcmp(args + i, CONSOLE_WORD, CONSOLE_WORD_LEN))
			continue;
		for (i += CONSOLE_WORD_LEN; args[i] && args[i] != ' ' && n + 1 < size; i++)
			bdf[n++] = args[i];
		bdf[n] = '\0';
		return 1;
	}
	return 0;
}

void pci_console_from_bootargs(const struct platform *p)
{
	char text[16];
	uint16_t bdf;
	const struct pci_bar *b = NULL;

	if (!console_word(p->bootargs, text, sizeof(text)))
		return;
	if (pci_parse_bdf(text, &bdf)) {
		pr_err("console=pci:%s: not a bus:device.function\n", text);
		return;
	}
	for (unsigned int i = 0; i < pci_topo.n_fn; i++)
		if (pci_topo.fn[i].bdf == bdf)
			b = &pci_topo.fn[i].bar[0];
	if (!b) {
		pr_err("console=pci:%s: no such PCI function; the console stays on %s\n", text,
		       p->uart.node);
		return;
	}
	if (!(b->flags & PCI_BAR_F_ASSIGNED) ||
	    (b->kind != PCI_BAR_IO && b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) ||
	    b->size < 8) {
		pr_err("console=pci:%s: BAR 0 is not an assigned register block of 8 bytes or "
		       "more\n",
		       text);
		return;
	}
	printk("console: moving to the 16550 at PCI %s, BAR 0 at 0x%llx\n", text,
	       (unsigned long long)b->cpu_addr);
	console_switch(&(struct uart_cfg){
		.kind = UART_16550, .base = b->cpu_addr, .reg_shift = 0, .reg_width = 1 });
	printk("console: 16550 at PCI %s (from %s at 0x%llx)\n", text, p->uart.node,
	       (unsigned long long)p->uart.reg.base);
}

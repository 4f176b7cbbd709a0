/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The console UART behind one small interface: PL011, the SBSA generic UART (a PL011 subset the
 * firmware has configured) and 16550-compatible UARTs, chosen from the DT's stdout-path, the
 * ACPI SPCR table, or console=pci:BDF.
 */
#ifndef KERNEL_DRIVERS_UART_H
#define KERNEL_DRIVERS_UART_H

#include <stdint.h>

enum uart_kind { UART_PL011, UART_SBSA, UART_16550 };

struct uart_cfg {
	enum uart_kind kind;
	uintptr_t base;
	uint8_t reg_shift; /* 16550: register i at base + (i << reg_shift) */
	uint8_t reg_width; /* 16550: access width in bytes, 1 or 4 */
};

void uart_init(const struct uart_cfg *c);
void uart_putc(char c);
int uart_getc(void);
void uart_flush(void);
void uart_enable_rx_irq(void);
uint32_t uart_rx_errors(void);
const char *uart_kind_name(enum uart_kind k);

#endif

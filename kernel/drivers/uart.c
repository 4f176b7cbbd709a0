// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The console UART's driver, chosen once at boot (kernel/drivers/uart.h). */
#include "kernel/drivers/uart.h"

#include "kernel/drivers/ns16550.h"
#include "kernel/drivers/pl011.h"

static enum uart_kind kind;

void uart_init(const struct uart_cfg *c)
{
	kind = c->kind;
	if (kind == UART_16550)
		ns16550_init(c->base, c->reg_shift, c->reg_width);
	else
		pl011_init(c->base, kind == UART_SBSA);
}

void uart_putc(char c)
{
	if (kind == UART_16550)
		ns16550_putc(c);
	else
		pl011_putc(c);
}

int uart_getc(void)
{
	return kind == UART_16550 ? ns16550_getc() : pl011_getc();
}

void uart_flush(void)
{
	if (kind == UART_16550)
		ns16550_flush();
	else
		pl011_flush();
}

void uart_enable_rx_irq(void)
{
	if (kind == UART_16550)
		ns16550_enable_rx_irq();
	else
		pl011_enable_rx_irq();
}

uint32_t uart_rx_errors(void)
{
	return kind == UART_16550 ? ns16550_rx_errors() : pl011_rx_errors();
}

const char *uart_kind_name(enum uart_kind k)
{
	switch (k) {
	case UART_PL011:
		return "PL011";
	case UART_SBSA:
		return "SBSA generic UART";
	case UART_16550:
		return "16550";
	}
	return "?";
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * 16550-compatible UART (the National Semiconductor PC16550D data sheet; Linux's 8250 driver
 * names): THR/RBR, IER, FCR, LCR and LSR only. Baud rate and line settings are left as firmware
 * set them, as for the PL011. Register index i lives at base + (i << reg_shift) and is accessed
 * reg_width bytes wide (DT reg-shift/reg-io-width, SPCR's Generic Address Structure).
 */
#include "kernel/drivers/ns16550.h"

#include "kernel/arch/arch.h"

#define UART_RBR	0 /* receive buffer (read) */
#define UART_THR	0 /* transmit holding (write) */
#define UART_IER	1
#define UART_IER_RDI	0x01 /* received data available */
#define UART_FCR	2
#define UART_FCR_ENABLE 0x01
#define UART_LSR	5
#define UART_LSR_DR	0x01 /* data ready */
#define UART_LSR_ERR	0x1e /* overrun, parity, framing, break */
#define UART_LSR_THRE	0x20 /* transmit holding register empty */
#define UART_LSR_TEMT	0x40 /* transmitter empty */

static uintptr_t uart_base;
static unsigned int shift, width;
static uint32_t rx_errors;

static uint32_t rd(unsigned int reg)
{
	uintptr_t a = uart_base + ((uintptr_t)reg << shift);

	return width == 4 ? mmio_read32(a) & 0xff : mmio_read8(a);
}

static void wr(unsigned int reg, uint8_t v)
{
	uintptr_t a = uart_base + ((uintptr_t)reg << shift);

	if (width == 4)
		mmio_write32(a, v);
	else
		mmio_write8(a, v);
}

void ns16550_init(uintptr_t base, unsigned int reg_shift, unsigned int reg_width)
{
	uart_base = base;
	shift = reg_shift;
	width = reg_width == 4 ? 4 : 1;
	wr(UART_IER, 0);	       /* polled: no interrupts */
	wr(UART_FCR, UART_FCR_ENABLE); /* FIFOs on, as firmware usually leaves them */
}

void ns16550_putc(char c)
{
	if (!uart_base)
		return;
	while (!(rd(UART_LSR) & UART_LSR_THRE))
		;
	wr(UART_THR, (uint8_t)c);
}

int ns16550_getc(void)
{
	uint32_t lsr;

	if (!uart_base)
		return -1;
	lsr = rd(UART_LSR);
	if (lsr & UART_LSR_ERR)
		rx_errors++;
	if (!(lsr & UART_LSR_DR))
		return -1;
	return (int)rd(UART_RBR);
}

void ns16550_flush(void)
{
	if (!uart_base)
		return;
	while (!(rd(UART_LSR) & UART_LSR_TEMT))
		;
}

void ns16550_enable_rx_irq(void)
{
	if (uart_base)
		wr(UART_IER, UART_IER_RDI);
}

uint32_t ns16550_rx_errors(void)
{
	return rx_errors;
}

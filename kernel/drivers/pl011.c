// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * PL011 UART (Arm PrimeCell UART Technical Reference Manual, DDI 0183). Baud rate and line
 * settings are left as firmware or QEMU set them: the DTB rarely tells the clock reliably.
 */
#include "kernel/drivers/pl011.h"

#include "kernel/arch/arch.h"

#define UARTDR	 0x000
#define UARTRSR	 0x004 /* read: receive status; write: UARTECR, clears the errors */
#define UARTFR	 0x018
#define UARTCR	 0x030
#define UARTIMSC 0x038
#define UARTICR	 0x044

#define DR_ERROR_MASK 0xf00 /* OE, BE, PE, FE in UARTDR bits 11:8 */
#define FR_BUSY	      BIT(3)
#define FR_RXFE	      BIT(4)
#define FR_TXFF	      BIT(5)
#define CR_UARTEN     BIT(0)
#define CR_TXE	      BIT(8)
#define CR_RXE	      BIT(9)

static uintptr_t uart_base;
static uint32_t rx_errors;

void pl011_init(uintptr_t base)
{
	uint32_t cr;

	uart_base = base;
	/* Polled operation: mask every UART interrupt and clear any pending ones. */
	mmio_write32(base + UARTIMSC, 0);
	mmio_write32(base + UARTICR, 0x7ff);
	cr = mmio_read32(base + UARTCR);
	if ((cr & (CR_UARTEN | CR_TXE | CR_RXE)) != (CR_UARTEN | CR_TXE | CR_RXE))
		mmio_write32(base + UARTCR, cr | CR_UARTEN | CR_TXE | CR_RXE);
}

void pl011_putc(char c)
{
	if (!uart_base)
		return;
	while (mmio_read32(uart_base + UARTFR) & FR_TXFF)
		;
	mmio_write32(uart_base + UARTDR, (uint8_t)c);
}

int pl011_getc(void)
{
	uint32_t dr;

	if (!uart_base || (mmio_read32(uart_base + UARTFR) & FR_RXFE))
		return -1;
	dr = mmio_read32(uart_base + UARTDR);
	if (dr & DR_ERROR_MASK) {
		rx_errors++;
		mmio_write32(uart_base + UARTRSR, 0);
	}
	return (int)(dr & 0xff);
}

void pl011_flush(void)
{
	if (!uart_base)
		return;
	while (mmio_read32(uart_base + UARTFR) & FR_BUSY)
		;
}

void pl011_enable_rx_irq(void)
{
	/* RXIM (bit 4) and RTIM (bit 6): data waiting, or the receive timeout expired. */
	if (uart_base)
		mmio_write32(uart_base + UARTIMSC, BIT(4) | BIT(6));
}

uint32_t pl011_rx_errors(void)
{
	return rx_errors;
}

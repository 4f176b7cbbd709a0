// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * PL011 UART (Arm PrimeCell UART Technical Reference Manual, DDI 0183). Baud rate and line
 * settings are left as firmware or QEMU set them: the DTB rarely tells the clock reliably.
 */
#include "kernel/drivers/pl011.h"

#include "kernel/arch/arch.h"
#include "kernel/drivers/pl011_regs.h"

static uintptr_t uart_base;
static uint32_t rx_errors;

void pl011_init(uintptr_t base, bool sbsa)
{
	uint32_t cr;

	uart_base = base;
	/* The SBSA generic UART has no UARTCR: firmware has enabled it. */
	if (sbsa) {
		mmio_write32(base + UARTIMSC, 0);
		return;
	}
	/* Polled operation: mask every UART interrupt and clear any pending ones. */
	mmio_write32(base + UARTIMSC, 0);
	mmio_write32(base + UARTICR, 0x7ff);
	cr = mmio_read32(base + UARTCR);
	if ((cr & (UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE)) !=
	    (UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE))
		mmio_write32(base + UARTCR, cr | UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE);
}

void pl011_putc(char c)
{
	if (!uart_base)
		return;
	while (mmio_read32(uart_base + UARTFR) & UARTFR_TXFF)
		;
	mmio_write32(uart_base + UARTDR, (uint8_t)c);
}

int pl011_getc(void)
{
	uint32_t dr;

	if (!uart_base || (mmio_read32(uart_base + UARTFR) & UARTFR_RXFE))
		return -1;
	dr = mmio_read32(uart_base + UARTDR);
	if (dr & UARTDR_ERROR_MASK) {
		rx_errors++;
		mmio_write32(uart_base + UARTRSR, 0);
	}
	return (int)(dr & 0xff);
}

void pl011_flush(void)
{
	if (!uart_base)
		return;
	while (mmio_read32(uart_base + UARTFR) & UARTFR_BUSY)
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

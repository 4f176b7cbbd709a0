/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Arm PrimeCell UART (PL011) driver, polled: the console of the hypervisor. */
#ifndef KERNEL_PL011_H
#define KERNEL_PL011_H

#include <stdbool.h>
#include <stdint.h>

/* sbsa: the SBSA generic UART subset (no control register to program). */
void pl011_init(uintptr_t base, bool sbsa);
void pl011_putc(char c);
/* Next received byte, or -1 when the receive FIFO is empty. Receive errors are cleared. */
int pl011_getc(void);
/* Wait until every queued byte has left the transmitter. */
void pl011_flush(void);
/* Raise the UART interrupt while received data waits (the GIC routes it; PSTATE masks it). */
void pl011_enable_rx_irq(void);
/* Receive errors (overrun, break, parity, framing) seen since boot. */
uint32_t pl011_rx_errors(void);

#endif

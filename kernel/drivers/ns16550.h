/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* 16550/8250-compatible UART driver, polled, memory-mapped with a register stride and width. */
#ifndef KERNEL_DRIVERS_NS16550_H
#define KERNEL_DRIVERS_NS16550_H

#include <stdint.h>

/* Registers at base + (index << reg_shift), accessed 'reg_width' bytes wide (1 or 4). */
void ns16550_init(uintptr_t base, unsigned int reg_shift, unsigned int reg_width);
void ns16550_putc(char c);
/* Next received byte, or -1 when none waits. Line errors are counted. */
int ns16550_getc(void);
void ns16550_flush(void);
/* Raise the UART interrupt while received data waits. */
void ns16550_enable_rx_irq(void);
uint32_t ns16550_rx_errors(void);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The PL011 UART's register map (Arm PrimeCell UART (PL011) TRM, DDI 0183, 3.2 "Summary of
 * registers") and the bits used of it: one definition for the driver, the guest's emulated
 * UART and their tests.
 */
#ifndef KERNEL_DRIVERS_PL011_REGS_H
#define KERNEL_DRIVERS_PL011_REGS_H

#include "kernel/lib/bits.h"

#define UARTDR	      U(0x000)
#define UARTRSR	      U(0x004) /* read: receive status; write: UARTECR, clears the errors */
#define UARTFR	      U(0x018)
#define UARTIBRD      U(0x024)
#define UARTFBRD      U(0x028)
#define UARTLCR_H     U(0x02c)
#define UARTCR	      U(0x030)
#define UARTIFLS      U(0x034)
#define UARTIMSC      U(0x038)
#define UARTRIS	      U(0x03c)
#define UARTMIS	      U(0x040)
#define UARTICR	      U(0x044)
#define UARTDMACR     U(0x048)
#define UARTPERIPHID0 U(0xfe0) /* PeriphID0-3 then CellID0-3, one byte per word */

#define UARTDR_ERROR_MASK U(0xf00) /* OE, BE, PE, FE in bits 11:8 */
#define UARTFR_BUSY	  BIT(3)
#define UARTFR_RXFE	  BIT(4)
#define UARTFR_TXFF	  BIT(5)
#define UARTFR_TXFE	  BIT(7)
#define UARTCR_UARTEN	  BIT(0)
#define UARTCR_TXE	  BIT(8)
#define UARTCR_RXE	  BIT(9)
/* UARTIMSC, UARTRIS, UARTMIS and UARTICR share one layout (TRM 3.3.13-3.3.16). */
#define UARTINT_RX BIT(4)
#define UARTINT_TX BIT(5)
#define UARTINT_RT BIT(6)

#endif

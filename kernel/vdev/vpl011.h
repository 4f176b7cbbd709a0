/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * An emulated PL011 for each VM: the guest writes its console through trapped MMIO; output is
 * kept in a buffer (and shown live when `vm console` attaches the real UART to it); input
 * typed while attached waits in a small ring for the guest to read.
 */
#ifndef KERNEL_VPL011_H
#define KERNEL_VPL011_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/drivers/pl011_regs.h"

#define VPL011_OUT_SIZE	 4096 /* last bytes of output kept */
#define VPL011_RX_SIZE	 256
#define VPL011_MMIO_SIZE 0x1000 /* its register frame: 4 KiB (PL011 TRM 3.2) */

struct vpl011 {
	char out[VPL011_OUT_SIZE];
	_Atomic uint32_t out_head; /* bytes written so far (free-running) */
	uint8_t rx[VPL011_RX_SIZE];
	_Atomic uint32_t rx_head, rx_tail; /* SPSC: the shell produces, the vCPU consumes */
	_Atomic bool attached;		   /* echo output to the real console as it comes */
	uint32_t cr, lcr_h, ibrd, fbrd, imsc, ifls;
	uint64_t bytes_out;
};

void vpl011_init(struct vpl011 *u);
/*
 * A trapped access at 'off' of the struct vpl011 'ctx' (an MMIO handler, kernel/vmm/mmio.h); reads
 * fill *val. 0, or E_INVAL for an unaligned/odd access. It may change the interrupt line.
 */
int vpl011_access(void *ctx, uint64_t off, bool write, unsigned int size, uint64_t *val);
/* Input for the guest (from the shell while attached); false when the ring is full. */
bool vpl011_push_rx(struct vpl011 *u, uint8_t c);
/*
 * Raw interrupt status: TX always wants data (the FIFO is always empty); RX and RX timeout
 * while received data waits (PL011 TRM 3.3.12).
 */
inline uint32_t vpl011_ris(const struct vpl011 *u)
{
	bool rx_empty = atomic_load_explicit(&u->rx_head, memory_order_acquire) ==
			atomic_load_explicit(&u->rx_tail, memory_order_relaxed);

	return UARTINT_TX | (rx_empty ? 0 : UARTINT_RX | UARTINT_RT);
}
/*
 * The UART's interrupt line: (RIS & IMSC) != 0, level-sensitive. Inline (vpl011.c emits the
 * external copies): the exit path asks after every emulated access.
 */
inline bool vpl011_irq_level(const struct vpl011 *u)
{
	/* All masked (a guest polling its UART): low, without the RX ring's acquire load. */
	return u->imsc && (vpl011_ris(u) & u->imsc) != 0;
}
/* Copy the buffered output (oldest first) through 'emit'. */
void vpl011_replay(const struct vpl011 *u, void (*emit)(const char *s, uint32_t n));

#endif

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The guest's PL011 (DDI 0183): the registers a driver touches, with the PrimeCell ID that
 * Linux's AMBA bus checks before it binds the pl011 driver.
 */
#include "kernel/vdev/vpl011.h"

#include "kernel/console.h"
#include "kernel/drivers/pl011_regs.h"
#include "kernel/lib/err.h"

/* PeriphID0-3 then CellID0-3 (PL011 TRM 3.3.17-3.3.18): part 0x011, designer 0x41 (Arm). */
static const uint8_t id_regs[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

void vpl011_init(struct vpl011 *u)
{
	atomic_store(&u->out_head, 0);
	atomic_store(&u->rx_head, 0);
	atomic_store(&u->rx_tail, 0);
	atomic_store(&u->attached, false);
	u->cr = 0x300; /* TXE | RXE, as after reset */
	u->lcr_h = 0;
	u->ibrd = u->fbrd = u->imsc = 0;
	u->ifls = 0x12;
	u->bytes_out = 0;
}

static void put(struct vpl011 *u, char c)
{
	uint32_t head = atomic_load_explicit(&u->out_head, memory_order_relaxed);

	u->out[head % VPL011_OUT_SIZE] = c;
	/* Release: a replay that reads the new head also sees the byte. */
	atomic_store_explicit(&u->out_head, head + 1, memory_order_release);
	u->bytes_out++;
	if (atomic_load_explicit(&u->attached, memory_order_relaxed))
		console_write_raw(&c, 1);
}

bool vpl011_push_rx(struct vpl011 *u, uint8_t c)
{
	uint32_t head = atomic_load_explicit(&u->rx_head, memory_order_relaxed);

	if (head - atomic_load_explicit(&u->rx_tail, memory_order_acquire) >= VPL011_RX_SIZE)
		return false;
	u->rx[head % VPL011_RX_SIZE] = c;
	atomic_store_explicit(&u->rx_head, head + 1, memory_order_release);
	return true;
}

static bool rx_empty(const struct vpl011 *u)
{
	return atomic_load_explicit(&u->rx_head, memory_order_acquire) ==
	       atomic_load_explicit(&u->rx_tail, memory_order_relaxed);
}

/* The external copies of the header's inline definitions (C11 6.7.4). */
extern inline uint32_t vpl011_ris(const struct vpl011 *u);
extern inline bool vpl011_irq_level(const struct vpl011 *u);

int vpl011_access(void *ctx, uint64_t off, bool write, unsigned int size, uint64_t *val)
{
	struct vpl011 *u = ctx;
	uint32_t v = write ? (uint32_t)*val : 0;

	/*
	 * The PL011 sits on a 16-bit APB bus: Linux's driver uses 16-bit accesses unless the DTB
	 * says reg-io-width = <4>, earlycon may use bytes. Any aligned 8/16/32-bit access to a
	 * register's own offset works; the upper bits of a narrow read are zero.
	 */
	if ((off & 3) || (size != 1 && size != 2 && size != 4) || off >= VPL011_MMIO_SIZE)
		return E_INVAL;
	if (write) {
		switch (off) {
		case UARTDR:
			put(u, (char)(v & 0xff));
			break;
		case UARTIBRD:
			u->ibrd = v & 0xffff;
			break;
		case UARTFBRD:
			u->fbrd = v & 0x3f;
			break;
		case UARTLCR_H:
			u->lcr_h = v & 0xff;
			break;
		case UARTCR:
			u->cr = v & 0xffff;
			break;
		case UARTIFLS:
			u->ifls = v & 0x3f;
			break;
		case UARTIMSC:
			u->imsc = v & 0x7ff;
			break;
		default:
			break; /* UARTRSR/ECR, UARTICR, UARTDMACR and the rest: write-ignored */
		}
		return 0;
	}
	switch (off) {
	case UARTDR:
		if (!rx_empty(u)) {
			uint32_t tail = atomic_load_explicit(&u->rx_tail, memory_order_relaxed);

			v = u->rx[tail % VPL011_RX_SIZE];
			atomic_store_explicit(&u->rx_tail, tail + 1, memory_order_release);
		}
		break;
	case UARTFR:
		v = UARTFR_TXFE | (rx_empty(u) ? UARTFR_RXFE : 0);
		break;
	case UARTIBRD:
		v = u->ibrd;
		break;
	case UARTFBRD:
		v = u->fbrd;
		break;
	case UARTLCR_H:
		v = u->lcr_h;
		break;
	case UARTCR:
		v = u->cr;
		break;
	case UARTIFLS:
		v = u->ifls;
		break;
	case UARTIMSC:
		v = u->imsc;
		break;
	case UARTRIS:
		v = vpl011_ris(u);
		break;
	case UARTMIS:
		v = vpl011_ris(u) & u->imsc;
		break;
	default:
		if (off >= UARTPERIPHID0)
			v = id_regs[(off - UARTPERIPHID0) / 4];
		break; /* UARTRSR, UARTDMACR: read as zero */
	}
	*val = size == 4 ? v : v & ((1U << (8 * size)) - 1);
	return 0;
}

void vpl011_replay(const struct vpl011 *u, void (*emit)(const char *s, uint32_t n))
{
	uint32_t head = atomic_load_explicit(&u->out_head, memory_order_acquire);
	uint32_t start = head > VPL011_OUT_SIZE ? head - VPL011_OUT_SIZE : 0;

	for (uint32_t i = start; i < head; i++)
		emit(&u->out[i % VPL011_OUT_SIZE], 1);
}

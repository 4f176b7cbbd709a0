// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The guest's PL011 (kernel/vdev/vpl011.c) on the host: the registers a driver programs, the
 * PrimeCell ID Linux checks, the receive FIFO the shell fills, the transmit buffer and its
 * replay, and the level of the interrupt line (PL011 TRM, DDI 0183).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fake.h"
#include "kernel/lib/err.h"
#include "kernel/vdev/vpl011.h"

#include "kernel/drivers/pl011_regs.h"
#include "test.h"

static struct vpl011 u;

static uint64_t rd(uint64_t off, unsigned int size)
{
	uint64_t v = 0xdeadbeefdeadbeefULL;

	CHECK_EQ_U64(vpl011_access(&u, off, false, size, &v), 0);
	return v;
}

static void wr(uint64_t off, unsigned int size, uint64_t v)
{
	CHECK_EQ_U64(vpl011_access(&u, off, true, size, &v), 0);
}

static void fresh(void)
{
	fake_reset();
	memset(&u, 0xa5, sizeof(u)); /* init must not rely on zeroed memory */
	vpl011_init(&u);
}

static void test_reset_values_and_id(void)
{
	static const uint8_t id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	fresh();
	CHECK_EQ_U64(rd(UARTCR, 4), 0x300); /* TXE | RXE */
	CHECK_EQ_U64(rd(UARTIFLS, 4), 0x12);
	CHECK_EQ_U64(rd(UARTIMSC, 4), 0);
	CHECK_EQ_U64(rd(UARTFR, 4), UARTFR_TXFE | UARTFR_RXFE);
	/* PeriphID0-3, CellID0-3: part 0x011, designer Arm, the PrimeCell preamble. */
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ_U64(rd(UARTPERIPHID0 + 4 * i, 4), id[i]);
}

static void test_registers_keep_their_width(void)
{
	fresh();
	wr(UARTIBRD, 4, 0x12345678);
	CHECK_EQ_U64(rd(UARTIBRD, 4), 0x5678); /* 16 bits */
	wr(UARTFBRD, 4, 0xff);
	CHECK_EQ_U64(rd(UARTFBRD, 4), 0x3f); /* 6 bits */
	wr(UARTLCR_H, 2, 0x1f70);
	CHECK_EQ_U64(rd(UARTLCR_H, 4), 0x70);
	wr(UARTIMSC, 4, 0xffffffff);
	CHECK_EQ_U64(rd(UARTIMSC, 4), 0x7ff);
	wr(UARTCR, 2, 0x0301);
	CHECK_EQ_U64(rd(UARTCR, 4), 0x301);
	/* Narrow reads of a register return its low bits, the rest zero. */
	wr(UARTIBRD, 4, 0xabcd);
	CHECK_EQ_U64(rd(UARTIBRD, 1), 0xcd);
	CHECK_EQ_U64(rd(UARTIBRD, 2), 0xabcd);
	/* Write-ignored registers stay quiet; a read of them is zero. */
	wr(UARTICR, 4, 0x7ff);
	CHECK_EQ_U64(rd(0x048, 4), 0); /* UARTDMACR */
}

static void test_bad_accesses(void)
{
	uint64_t v = 0;

	fresh();
	CHECK_EQ_U64(vpl011_access(&u, UARTDR + 1, false, 1, &v), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(vpl011_access(&u, UARTFR, false, 8, &v), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(vpl011_access(&u, 0x1000, false, 4, &v), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(vpl011_access(&u, UARTIBRD, true, 3, &v), (uint64_t)(int64_t)E_INVAL);
}

static char replayed[2 * VPL011_OUT_SIZE];
static size_t n_replayed;

static void collect(const char *s, uint32_t n)
{
	for (uint32_t i = 0; i < n && n_replayed < sizeof(replayed); i++)
		replayed[n_replayed++] = s[i];
}

static void test_output_buffer(void)
{
	fresh();
	for (const char *p = "hello\n"; *p; p++)
		wr(UARTDR, 1, (uint8_t)*p);
	CHECK_EQ_U64(u.bytes_out, 6);
	n_replayed = 0;
	vpl011_replay(&u, collect);
	CHECK_EQ_U64(n_replayed, 6);
	CHECK(!memcmp(replayed, "hello\n", 6));
	CHECK_EQ_U64(fake_console.n, 0); /* not attached: nothing on the real console */
	/* Attached: each byte goes to the console as it comes, and is kept. */
	atomic_store(&u.attached, true);
	wr(UARTDR, 4, 0x100 | 'x'); /* only the data byte counts */
	CHECK_EQ_U64(fake_console.n, 1);
	CHECK_EQ_U64(fake_console.out[0], 'x');
	/* Past the buffer's size only the newest VPL011_OUT_SIZE bytes stay, oldest first. */
	atomic_store(&u.attached, false);
	for (unsigned int i = 0; i < VPL011_OUT_SIZE + 100; i++)
		wr(UARTDR, 1, 'a' + i % 26);
	n_replayed = 0;
	vpl011_replay(&u, collect);
	CHECK_EQ_U64(n_replayed, VPL011_OUT_SIZE);
	CHECK_EQ_U64(replayed[VPL011_OUT_SIZE - 1], 'a' + (VPL011_OUT_SIZE + 99) % 26);
	CHECK_EQ_U64(replayed[0], 'a' + 100 % 26); /* the first 7 + 100 bytes fell out */
}

static void test_receive_fifo(void)
{
	unsigned int pushed = 0;

	fresh();
	CHECK(vpl011_push_rx(&u, 'o'));
	CHECK(vpl011_push_rx(&u, 'k'));
	CHECK_EQ_U64(rd(UARTFR, 4) & UARTFR_RXFE, 0);
	CHECK_EQ_U64(rd(UARTDR, 4), 'o');
	CHECK_EQ_U64(rd(UARTDR, 2), 'k');
	CHECK_EQ_U64(rd(UARTFR, 4), UARTFR_TXFE | UARTFR_RXFE);
	CHECK_EQ_U64(rd(UARTDR, 4), 0); /* empty: reads zero, does not underflow */
	CHECK_EQ_U64(rd(UARTFR, 4) & UARTFR_RXFE, UARTFR_RXFE);
	/* The ring holds VPL011_RX_SIZE bytes; the next one is refused, nothing overwritten. */
	while (vpl011_push_rx(&u, (uint8_t)pushed) && pushed < 10 * VPL011_RX_SIZE)
		pushed++;
	CHECK_EQ_U64(pushed, VPL011_RX_SIZE);
	for (unsigned int i = 0; i < VPL011_RX_SIZE; i++)
		CHECK_EQ_U64(rd(UARTDR, 1), (uint8_t)i);
	CHECK_EQ_U64(rd(UARTFR, 4) & UARTFR_RXFE, UARTFR_RXFE);
}

static void test_interrupt_line(void)
{
	fresh();
	/* Masked: low whatever is pending. TX always asks for data; RX while bytes wait. */
	CHECK(!vpl011_irq_level(&u));
	CHECK_EQ_U64(rd(UARTRIS, 4), UARTINT_TX);
	CHECK_EQ_U64(rd(UARTMIS, 4), 0);
	wr(UARTIMSC, 4, UARTINT_RX | UARTINT_RT);
	CHECK(!vpl011_irq_level(&u));
	CHECK(vpl011_push_rx(&u, '?'));
	CHECK(vpl011_irq_level(&u));
	CHECK_EQ_U64(rd(UARTRIS, 4), UARTINT_TX | UARTINT_RX | UARTINT_RT);
	CHECK_EQ_U64(rd(UARTMIS, 4), UARTINT_RX | UARTINT_RT);
	CHECK_EQ_U64(rd(UARTDR, 4), '?'); /* draining the FIFO lowers the line */
	CHECK(!vpl011_irq_level(&u));
	wr(UARTIMSC, 4, UARTINT_TX);
	CHECK(vpl011_irq_level(&u));
	CHECK_EQ_U64(rd(UARTMIS, 4), UARTINT_TX);
}

int main(void)
{
	RUN(test_reset_values_and_id);
	RUN(test_registers_keep_their_width);
	RUN(test_bad_accesses);
	RUN(test_output_buffer);
	RUN(test_receive_fifo);
	RUN(test_interrupt_line);
	return TEST_SUMMARY();
}

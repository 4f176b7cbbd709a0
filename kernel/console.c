// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Console: printf-style output to the PL011 with "\n" sent as "\r\n", and log levels. */
#include "kernel/console.h"

#include "kernel/arch/arch.h"
#include "kernel/drivers/gic.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/drivers/uart.h"
#include "kernel/smp.h"
#include "kernel/arch/spinlock.h"

enum log_level console_loglevel = LOG_INFO;

/*
 * One printk at a time across CPUs, so lines do not interleave. The owner may re-enter (an
 * exception while it prints: the dump must come out, not deadlock), and before the MMU is on
 * (no exclusives on Device memory) only the boot CPU runs, so no lock is taken.
 */
static struct spinlock console_lock = SPINLOCK_INIT;
static _Atomic int console_owner = -1;
static unsigned int console_depth;
bool console_smp;

static bool console_acquire(void)
{
	int me;

	if (!console_smp)
		return false;
	me = (int)this_cpu()->id;
	if (atomic_load_explicit(&console_owner, memory_order_relaxed) == me) {
		console_depth++;
		return true;
	}
	spin_lock(&console_lock);
	atomic_store_explicit(&console_owner, me, memory_order_relaxed);
	console_depth = 1;
	return true;
}

static void console_release(bool held)
{
	if (!held || --console_depth)
		return;
	atomic_store_explicit(&console_owner, -1, memory_order_relaxed);
	spin_unlock(&console_lock);
}

static const char *const level_prefix[] = {
	[LOG_ERR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "debug: ",
};

static bool console_irq;
/* Set once console_switch() moved the console off the platform's UART, whose interrupt the
 * boot path would otherwise route: the new UART polls. */
static bool console_switched;

void console_init(const struct uart_cfg *c)
{
	uart_init(c);
}

void console_switch(const struct uart_cfg *c)
{
	bool held = console_acquire();

	uart_flush();
	uart_init(c);
	console_irq = false; /* the new UART's interrupt is not routed */
	console_switched = true;
	console_release(held);
}

void console_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

void console_write_raw(const char *s, size_t n)
{
	bool held = console_acquire();

	for (size_t i = 0; i < n; i++)
		uart_putc(s[i]);
	console_release(held);
}

void console_write(const char *s, size_t n)
{
	bool held = console_acquire();

	for (size_t i = 0; i < n; i++)
		console_putc(s[i]);
	console_release(held);
}

void console_puts(const char *s)
{
	bool held = console_acquire();

	while (*s)
		console_putc(*s++);
	console_release(held);
}

int console_getc(void)
{
	return uart_getc();
}

bool console_enable_wakeup(unsigned int intid, uint64_t mpidr)
{
	if (!intid || console_switched || gic_enable_spi(intid, mpidr, false))
		return false;
	uart_enable_rx_irq();
	console_irq = true;
	return true;
}

void console_wait_input(void)
{
	unsigned int intid;

	if (!console_irq)
		return; /* no interrupt: the caller polls */
	/*
	 * Sleep until the UART's interrupt is pending. Data that arrived after the caller found
	 * the FIFO empty has already raised it, so WFI returns at once and nothing is lost.
	 */
	wfi();
	intid = gic_ack();
	if (intid != GIC_INTID_SPURIOUS)
		gic_eoi(intid);
	(void)gic_lpi_dispatch(intid); /* an LPI for a guest whose vCPU is elsewhere */
}

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

int vprintk(const char *fmt, va_list ap)
{
	bool held = console_acquire();
	int n = fmt_vformat(console_sink, NULL, fmt, ap);

	console_release(held);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Log lines from CPUs other than the shell's (guests' faults, VMs stopping) would land in the
 * middle of whatever the shell is printing, a JSON line included. They wait in this ring and
 * the shell prints them between commands (console_flush_deferred). Crash dumps do not wait.
 */
#define DEFERRED_SIZE 8192
static char deferred[DEFERRED_SIZE];
static uint32_t deferred_head, deferred_tail; /* under console_lock */
static uint32_t deferred_dropped;

static void deferred_sink(void *ctx, char c)
{
	(void)ctx;
	if (deferred_head - deferred_tail >= DEFERRED_SIZE) {
		deferred_dropped++;
		return;
	}
	deferred[deferred_head++ % DEFERRED_SIZE] = c;
}

void console_flush_deferred(void)
{
	bool held = console_acquire();

	while (deferred_tail != deferred_head)
		console_putc(deferred[deferred_tail++ % DEFERRED_SIZE]);
	if (deferred_dropped) {
		printk("(%u bytes of log dropped: too much at once)\n", deferred_dropped);
		deferred_dropped = 0;
	}
	console_release(held);
}

void log_printk(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	bool held;

	if (lvl > console_loglevel && lvl != LOG_DEFERRED_INFO)
		return;
	if (console_smp && (this_cpu()->id != 0 || lvl == LOG_DEFERRED_INFO)) {
		if (lvl == LOG_DEFERRED_INFO)
			lvl = LOG_INFO;
		held = console_acquire();
		/* "log: " marks an asynchronous line: host tools keep it out of command output. */
		for (const char *s = "log: "; *s; s++)
			deferred_sink(NULL, *s);
		for (const char *s = level_prefix[lvl]; *s; s++)
			deferred_sink(NULL, *s);
		va_start(ap, fmt);
		fmt_vformat(deferred_sink, NULL, fmt, ap);
		va_end(ap);
		console_release(held);
		return;
	}
	held = console_acquire();
	console_puts(level_prefix[lvl]);
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	console_release(held);
}

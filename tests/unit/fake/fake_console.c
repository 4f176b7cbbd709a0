// SPDX-License-Identifier: BSD-2-Clause-Patent
/* kernel/console.h on the host: everything printed lands in fake_console.out. */
#include <stdio.h>
#include <string.h>

#include "fake.h"
#include "kernel/console.h"

struct fake_console fake_console;
enum log_level console_loglevel = LOG_DEBUG;
bool console_smp;

void fake_console_reset(void);
void fake_console_reset(void)
{
	memset(&fake_console, 0, sizeof(fake_console));
}

void console_write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n && fake_console.n < FAKE_CONSOLE_SIZE - 1; i++)
		fake_console.out[fake_console.n++] = s[i];
}

void console_write(const char *s, size_t n)
{
	console_write_raw(s, n);
}

void console_putc(char c)
{
	console_write_raw(&c, 1);
}

void console_puts(const char *s)
{
	console_write_raw(s, strlen(s));
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	console_puts(buf);
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

void log_printk(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	(void)lvl;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void console_flush_deferred(void)
{
}

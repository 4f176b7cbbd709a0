/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Console output with printf formatting and log levels; input for the shell. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

/* LOG_DEFERRED_INFO: an info line that always waits for the next prompt (see log_printk). */
enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_DEFERRED_INFO };

struct uart_cfg;
/* Drive the console on the UART 'c' describes (kernel/drivers/uart.h). */
void console_init(const struct uart_cfg *c);
/* Move the console to another UART once what is queued has left; it then polls. */
void console_switch(const struct uart_cfg *c);
void console_putc(char c);
/* Write bytes exactly as given: no "\n" to "\r\n" translation (terminal control sequences). */
void console_write_raw(const char *s, size_t n);
void console_write(const char *s, size_t n);
void console_puts(const char *s);
/* Next input byte or -1 when none is waiting. */
int console_getc(void);
/* Route the UART's receive interrupt (GIC INTID) to the CPU 'mpidr'; false if unavailable. */
bool console_enable_wakeup(unsigned int intid, uint64_t mpidr);
/* Sleep until input may be waiting (returns at once when the console has no interrupt). */
void console_wait_input(void);
int printk(const char *fmt, ...) FMT_PRINTF(1, 2);
int vprintk(const char *fmt, va_list ap);
void log_printk(enum log_level lvl, const char *fmt, ...) FMT_PRINTF(2, 3);

extern enum log_level console_loglevel;
/* Set once the MMU is on and per-CPU data exists: printk then serialises across CPUs. */
extern bool console_smp;
/* Print the log lines other CPUs left for the shell's CPU (called between commands). */
void console_flush_deferred(void);

/*
 * Rate limit for lines a guest (or a device) can make us repeat: log the 1st to 4th, then only
 * the powers of two, so a loop cannot drown the console. 'nth' counts from 1.
 */
static inline bool log_nth_ok(uint64_t nth)
{
	return nth <= 4 || (nth & (nth - 1)) == 0;
}

#define pr_err(...)                               \
	do {                                      \
		log_printk(LOG_ERR, __VA_ARGS__); \
	} while (0)
#define pr_warn(...)                               \
	do {                                       \
		log_printk(LOG_WARN, __VA_ARGS__); \
	} while (0)
#define pr_info(...)                               \
	do {                                       \
		log_printk(LOG_INFO, __VA_ARGS__); \
	} while (0)
/* Asynchronous news from the shell's own CPU (a VM restarted): printed before the next prompt. */
#define pr_async(...)                                       \
	do {                                                \
		log_printk(LOG_DEFERRED_INFO, __VA_ARGS__); \
	} while (0)
#define pr_debug(...)                               \
	do {                                        \
		log_printk(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif

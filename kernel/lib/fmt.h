/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Freestanding printf-style formatting into a buffer or through a character sink. */
#ifndef KERNEL_FMT_H
#define KERNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>

#define FMT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Receives each formatted character; ctx is passed through unchanged. */
typedef void (*fmt_sink)(void *ctx, char c);

/*
 * Conversions: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ' '#', width and precision
 * (also '*'), length modifiers hh h l ll z t j. Returns the number of characters produced.
 */
int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* C99 semantics: always NUL-terminates when size > 0; returns the length it wanted to write. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) FMT_PRINTF(3, 4);

#endif

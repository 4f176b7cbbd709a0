/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Splitting a command line into words and parsing numbers. Portable, tested on the host. */
#ifndef MONITOR_PARSE_H
#define MONITOR_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#define SHELL_MAX_ARGS 16

/*
 * Split 'line' in place at spaces and tabs; "double quotes" group words. Returns the number of
 * words, or E_TOOLONG (more than 'max') or E_INVAL (unterminated quote).
 */
int parse_args(char *line, char **argv, int max);
/* The value of a decimal or hex digit (either case); 16 or more for any other character. */
int parse_digit(char c);
/* Unsigned number: decimal, or hex with 0x. Whole string. E_INVAL or E_RANGE on failure. */
int parse_u64(const char *s, uint64_t *out);
/*
 * Comma-separated numbers as parse_u64 ("2,3"), at most 'max' of them; *n says how many.
 * E_INVAL on an empty or bad number, E_RANGE on too many.
 */
int parse_u64_list(const char *s, uint64_t *out, unsigned int max, unsigned int *n);
/* As parse_u64, plus an optional binary suffix K, M, G (KiB, MiB, GiB). */
int parse_size(const char *s, uint64_t *out);
/* String equality (the shell has no libc). */
bool str_eq(const char *a, const char *b);

#endif

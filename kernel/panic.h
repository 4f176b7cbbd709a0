/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * panic() and BUG_ON() for impossible states of the hypervisor itself (never for a guest's
 * misbehaviour): print the message with file and line, then a full register dump, and park.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "kernel/lib/fmt.h"

/* BRK immediate that el2_exception() recognises as a panic: dump, never recover. */
#define PANIC_BRK_IMM 0xfa11

__attribute__((noreturn)) void panic_at(const char *file, int line, const char *fmt, ...)
	FMT_PRINTF(3, 4);

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

#define BUG_ON(cond)                                                       \
	do {                                                               \
		if (__builtin_expect(!!(cond), 0))                         \
			panic_at(__FILE__, __LINE__, "BUG_ON(%s)", #cond); \
	} while (0)

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The memory functions GCC may call even with -ffreestanding (kernel/lib/string.c). memcpy moves
 * 8-byte words when both ends are aligned, else bytes.
 */
#ifndef KERNEL_LIB_STRING_H
#define KERNEL_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * ACPI table checking and reading (ACPI 6.5, chapter 5): the header, the checksum, bounded
 * little-endian reads and subtable iteration. Nothing here trusts a length it has not checked
 * against what the caller says is readable; kernel/platform_acpi.c turns tables into facts.
 */
#ifndef KERNEL_LIB_ACPI_H
#define KERNEL_LIB_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/err.h"

/* The common System Description Table header (ACPI 6.5 table 5.4). */
#define ACPI_HDR_LEN	     36
#define ACPI_HDR_LENGTH	     4 /* u32 Length of the whole table */
#define ACPI_HDR_REVISION    8
#define ACPI_HDR_OEM_ID	     10 /* 6 bytes */
#define ACPI_HDR_OEM_TABLEID 16 /* 8 bytes */

/* The RSDP (ACPI 6.5 table 5.3): ACPI 2.0+ form, 36 bytes. */
#define ACPI_RSDP_LEN	 36
#define ACPI_RSDP_V1_LEN 20

/* A checked table: 'len' bytes at 'p', header included. */
struct acpi_table {
	const uint8_t *p;
	uint32_t len;
	uint8_t rev;
	char sig[5];
};

/*
 * Check a table 'avail' bytes of which are readable at 't': the header fits, Length lies within
 * 'avail' and covers at least 'min_len', the signature is 'sig' (NULL: any), the Revision is at
 * least 'min_rev' and the bytes sum to 0 mod 256. Fills 'out'. Returns 0 or E_INVAL with why.
 */
int acpi_check(const void *t, uint64_t avail, const char *sig, uint8_t min_rev, uint32_t min_len,
	       struct acpi_table *out, struct err_why *why);

/* Check the RSDP at 'r' ('avail' readable bytes): signature, both checksums, revision >= 2.
 * Returns 0 and the XSDT's physical address, or E_INVAL with why. */
int acpi_rsdp_check(const void *r, uint64_t avail, uint64_t *xsdt, struct err_why *why);

/* Little-endian reads at byte offsets; the caller has checked off + size <= t->len. */
uint8_t acpi_u8(const struct acpi_table *t, uint32_t off);
uint16_t acpi_u16(const struct acpi_table *t, uint32_t off);
uint32_t acpi_u32(const struct acpi_table *t, uint32_t off);
uint64_t acpi_u64(const struct acpi_table *t, uint32_t off);

/*
 * Walk the subtables from 'it->off' to the table's end. Each starts with a type byte and a
 * length of 'len_size' bytes (1 for MADT and PPTT entries, 2 for IORT nodes) at offset 1.
 * acpi_next() returns 1 with the subtable's type, offset and length; 0 at the end; E_INVAL (with
 * why) when a length is shorter than its own header, zero, or runs past the table.
 */
struct acpi_iter {
	const struct acpi_table *t;
	uint32_t off;
	unsigned int len_size;
};
int acpi_next(struct acpi_iter *it, uint8_t *type, uint32_t *off, uint32_t *len,
	      struct err_why *why);

/* Copy a fixed-width, possibly unterminated ACPI string field into a NUL-terminated buffer,
 * dropping trailing spaces. */
void acpi_strcpy(char *dst, unsigned int dst_size, const uint8_t *src, unsigned int n);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Reading strings out of an SMBIOS structure table (DMTF DSP0134 3.x, section 6.1). */
#ifndef KERNEL_LIB_SMBIOS_H
#define KERNEL_LIB_SMBIOS_H

#include <stdint.h>

/* Structure types and the string-number fields read for provenance. */
#define SMBIOS_TYPE_SYSTEM	      1
#define SMBIOS_SYSTEM_PRODUCT	      0x05
#define SMBIOS_TYPE_PROCESSOR	      4
#define SMBIOS_PROCESSOR_MANUFACTURER 0x07
#define SMBIOS_PROCESSOR_VERSION      0x10
#define SMBIOS_TYPE_END		      127

/*
 * Copy into 'out' the string that byte 'field' of the first structure of 'type' names, from a
 * structure table of 'len' bytes at 'table'. Returns 0, or -1 (and an empty 'out') when there is
 * no such structure or string or the table is malformed; never reads past 'len'.
 */
int smbios_string(const uint8_t *table, uint32_t len, uint8_t type, uint8_t field, char *out,
		  unsigned int out_size);

#endif

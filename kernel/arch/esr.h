/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Decoding of ESR_ELx (Arm ARM D23.2 "ESR_EL2"): exception class names and ISS fields. */
#ifndef KERNEL_ESR_H
#define KERNEL_ESR_H

#include <stddef.h>
#include <stdint.h>

/* "Data Abort from the same EL" etc.; "Unallocated EC" for reserved values. */
const char *esr_ec_name(unsigned int ec);
/* Name of a data/instruction fault status code (DFSC/IFSC), e.g. "translation fault, level 3". */
const char *esr_fsc_name(unsigned int fsc, char *buf, size_t len);
/*
 * One line decoding the ISS of 'esr' for its class, e.g.
 * "ISV=1 SAS=word SRT=x1 WnR=read DFSC=0x07 (translation fault, level 3)". Returns buf.
 */
const char *esr_iss_decode(uint64_t esr, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A reader for the one piece of AML the hypervisor needs: a host bridge's legacy INTx routing
 * (_PRT, ACPI 6.5 6.2.13) as static data in a DSDT. Not an interpreter: it reads the byte
 * encoding of a _PRT package and of the link devices' _CRS buffers, and gives up (with the
 * reason) on anything that would need evaluation, such as a _PRT or _CRS that is a Method.
 */
#ifndef KERNEL_LIB_AML_H
#define KERNEL_LIB_AML_H

#include <stdint.h>

#include "kernel/lib/acpi.h"
#include "kernel/lib/err.h"

/* One _PRT entry resolved to a GSIV (on Arm, the GIC INTID). */
struct aml_prt_route {
	uint8_t dev;   /* device number on the root bus (the Address field's high word) */
	uint8_t pin;   /* 1 INTA .. 4 INTD (the _PRT's Pin field is 0-based) */
	uint32_t gsiv; /* Source Index when Source is 0, else the link device's interrupt */
};

/*
 * The routes of the first _PRT in the checked DSDT or SSDT 't', up to 'max' of them in 'out'.
 * Entries whose link device cannot be read statically are left out and counted in '*skipped'.
 * Returns the number of routes, or E_NOENT (no _PRT) or E_INVAL (malformed) with why.
 */
int aml_prt(const struct acpi_table *t, struct aml_prt_route *out, unsigned int max,
	    unsigned int *skipped, struct err_why *why);

#endif

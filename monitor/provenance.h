/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Where the platform description came from, for `platform`, `sysregs` and benchmark JSON. */
#ifndef MONITOR_PROVENANCE_H
#define MONITOR_PROVENANCE_H

#include "kernel/platform.h"
#include "monitor/json.h"

/* Name of the description's source: "acpi" or "dt". */
const char *provenance_source(const struct platform *p);
/* A "firmware" object: source, UEFI vendor, ACPI tables read, SMBIOS strings. */
void provenance_json(struct json *j, const struct platform *p);

#endif

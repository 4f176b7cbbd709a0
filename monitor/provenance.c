// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Where the platform description came from (monitor/provenance.h). */
#include "monitor/provenance.h"

const char *provenance_source(const struct platform *p)
{
	return p->fw.source == PLAT_SRC_ACPI ? "acpi" : "dt";
}

void provenance_json(struct json *j, const struct platform *p)
{
	json_obj_begin(j, "firmware");
	json_str(j, "source", provenance_source(p));
	json_bool(j, "uefi", p->fw.uefi);
	json_str(j, "vendor", p->fw.vendor);
	json_str(j, "acpi_oem", p->fw.acpi_oem);
	json_str(j, "acpi_tables", p->fw.acpi_tables);
	json_str(j, "cpu_manufacturer", p->fw.cpu_manufacturer);
	json_str(j, "cpu_version", p->fw.cpu_version);
	json_str(j, "product", p->fw.product);
	json_obj_end(j);
}

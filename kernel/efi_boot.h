/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The EFI application's entry (kernel/efi.c): what it hands to the common boot path once UEFI's
 * boot services are gone.
 */
#ifndef KERNEL_EFI_BOOT_H
#define KERNEL_EFI_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/platform.h"

/*
 * When the image started as an EFI application, copy the platform it discovered before
 * ExitBootServices (from ACPI or the configuration table's DT, RAM from the UEFI memory map,
 * the command line from the load options or monadic.cfg) into 'p' and return true.
 */
bool efi_handoff_take(struct platform *p);

/* CNTPCT_EL0 when the firmware handed over (efi_main(), or boot_main() without UEFI). */
extern uint64_t boot_entry_count;

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* The hypervisor's PCIe host bridge: ECAM access and boot-time enumeration. */
#ifndef PCI_PCI_HOST_H
#define PCI_PCI_HOST_H

#include "kernel/platform.h"
#include "pci/pci.h"

extern struct pci_topo pci_topo;
extern bool pci_present;

/*
 * Enumerate and assign BARs from the DTB's host bridge; 0, E_NOENT without one, or an error
 * with 'why' saying what did not fit (what did is assigned all the same).
 */
struct err_why;
int pci_host_init(const struct platform *p, struct err_why *why);
/* Is 'f' an NVM Express controller (class 01:08:02)? */
bool pci_is_nvme(const struct pci_func *f);

/* console=pci:BDF in the platform's command line: move the console to that function's 16550
 * (pci/pci_console.c). Called once enumeration is done; errors are logged, the console stays. */
void pci_console_from_bootargs(const struct platform *p);

#endif

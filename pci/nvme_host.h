/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* NVMe admin commands issued by the hypervisor itself (pci/nvme_host.c). */
#ifndef PCI_NVME_HOST_H
#define PCI_NVME_HOST_H

#include "kernel/drivers/nvme_regs.h"
#include "pci/pci.h"

/*
 * Reset the controller at 'f' (its BAR0 assigned, not owned by a VM), run Identify Controller
 * with queues in the hypervisor's memory, and reset it again. 0, or an error with 'why' saying
 * what went wrong in a sentence.
 */
struct err_why;
int nvme_host_identify(const struct pci_func *f, struct nvme_id_ctrl *id, struct err_why *why);

#endif

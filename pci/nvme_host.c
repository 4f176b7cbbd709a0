// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * One admin command from EL2: Identify Controller (NVMe Base 2.0, 3.5.1 controller
 * initialisation, 5.17 Identify), with the admin queues and the data page in the hypervisor's
 * memory. It is a probe of the device and of the DMA path: behind an SMMU that aborts the stream
 * (a function no VM owns), the controller cannot fetch the command and it times out.
 */
#include "pci/nvme_host.h"

#include "kernel/arch/arch.h"
#include "kernel/lib/err.h"
#include "kernel/arch/timer.h"
#include "mm/mem.h"
#include "pci/pci_host.h"

#define NVME_CC_EN	    BIT(0)
#define NVME_CC_IOSQES_64   (6u << 16)
#define NVME_CC_IOCQES_16   (4u << 20)
#define NVME_CSTS_RDY	    BIT(0)
#define NVME_CSTS_CFS	    BIT(1)
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_CNS_CONTROLLER 0x01
#define NVME_QUEUE_ENTRIES  16
#define NVME_CMD_TIMEOUT_US 1000000

static bool wait_csts(uintptr_t bar, uint32_t mask, uint32_t want, uint64_t timeout_us)
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(timeout_us);

	for (;;) {
		uint32_t csts = mmio_read32(bar + NVME_REG_CSTS);

		if ((csts & mask) == want)
			return true;
		if (timer_count() > deadline || (csts & NVME_CSTS_CFS))
			return false;
	}
}

int nvme_host_identify(const struct pci_func *f, struct nvme_id_ctrl *id, struct err_why *why)
{
	uintptr_t bar = (uintptr_t)f->bar[0].cpu_addr;
	uint64_t sq_pa, cq_pa, data_pa, deadline;
	uint32_t *sq, *cq, status = 0;
	uint8_t *data;
	struct nvme_cap cap;
	uint16_t cmd = pci_cfg_read16(&pci_topo.cfg, f->bdf, PCI_COMMAND);
	int ret = 0;

	nvme_decode_cap(mmio_read64(bar + NVME_REG_CAP), &cap);
	if (cap.page_min > 4096)
		return err_fail(why, E_NOTSUP,
				"the controller's smallest page is larger than 4 KiB");
	sq = palloc_pages(&hyp_pool, 1, &sq_pa);
	cq = palloc_pages(&hyp_pool, 1, &cq_pa);
	data = palloc_pages(&hyp_pool, 1, &data_pa);
	if (!sq || !cq || !data) {
		ret = err_fail(why, E_NOMEM, "no memory for the admin queues");
		goto out_free;
	}
	/* Reset the controller (CC.EN 1 -> 0 waits for CSTS.RDY to clear). */
	mmio_write32(bar + NVME_REG_CC, 0);
	if (!wait_csts(bar, NVME_CSTS_RDY, 0, cap.timeout_ms * 1000ULL)) {
		ret = err_fail(why, E_IO, "the controller did not reset");
		goto out_free;
	}
	pci_cfg_write16(&pci_topo.cfg, f->bdf, PCI_COMMAND,
			(uint16_t)(cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	mmio_write32(bar + NVME_REG_AQA,
		     (NVME_QUEUE_ENTRIES - 1) << 16 | (NVME_QUEUE_ENTRIES - 1)); /* 0's based */
	mmio_write64(bar + NVME_REG_ASQ, sq_pa);
	mmio_write64(bar + NVME_REG_ACQ, cq_pa);

	/* Submission entry 0 (64 bytes): CDW0 opcode and command id 1, PRP1, CDW10 CNS. */
	sq[0] = NVME_ADMIN_IDENTIFY | 1u << 16;
	sq[6] = (uint32_t)data_pa;
	sq[7] = (uint32_t)(data_pa >> 32);
	sq[10] = NVME_CNS_CONTROLLER;
	/* The controller reads the queue from memory; it may not snoop our caches. */
	dcache_clean_range((uintptr_t)sq, 4096);
	dcache_clean_inval_range((uintptr_t)cq, 4096);
	dcache_clean_inval_range((uintptr_t)data, 4096);
	mmio_write32(bar + NVME_REG_CC, NVME_CC_EN | NVME_CC_IOSQES_64 | NVME_CC_IOCQES_16);
	if (!wait_csts(bar, NVME_CSTS_RDY, NVME_CSTS_RDY, cap.timeout_ms * 1000ULL)) {
		ret = err_fail(why, E_IO, "the controller did not become ready");
		goto out_disable;
	}
	dsb(ishst); /* the entry is in memory before the doorbell says so */
	mmio_write32(bar + NVME_DOORBELL0, 1);
	/* Completion entry 0: DW3 bit 16 is the phase tag, 1 on the first pass. */
	deadline = timer_count() + timer_us_to_ticks(NVME_CMD_TIMEOUT_US);
	for (;;) {
		dcache_inval_range((uintptr_t)cq, 16);
		status = ((volatile uint32_t *)cq)[3];
		if (status & BIT(16))
			break;
		if (timer_count() > deadline ||
		    (mmio_read32(bar + NVME_REG_CSTS) & NVME_CSTS_CFS)) {
			ret = err_fail(why, E_IO,
				       "no completion: the controller could not reach the queues "
				       "(DMA blocked?)");
			goto out_disable;
		}
	}
	mmio_write32(bar + NVME_DOORBELL0 + cap.doorbell_stride, 1); /* CQ 0 head */
	if (status >> 17) {
		ret = err_fail(why, E_IO, "the controller answered with an error status");
		goto out_disable;
	}
	dcache_inval_range((uintptr_t)data, 4096);
	nvme_decode_id_ctrl(data, id);
out_disable:
	/*
	 * No more DMA first (Bus Master off), then reset it. If it does not finish resetting, it
	 * may still hold our pages: leave them allocated rather than hand them to someone else.
	 */
	pci_cfg_write16(&pci_topo.cfg, f->bdf, PCI_COMMAND, (uint16_t)(cmd & ~PCI_COMMAND_MASTER));
	mmio_write32(bar + NVME_REG_CC, 0);
	if (!wait_csts(bar, NVME_CSTS_RDY, 0, cap.timeout_ms * 1000ULL)) {
		if (!ret)
			ret = err_fail(why, E_IO,
				       "the controller did not reset afterwards (its queue pages "
				       "are kept)");
		return ret;
	}
	pci_cfg_write16(&pci_topo.cfg, f->bdf, PCI_COMMAND, (uint16_t)(cmd & ~PCI_COMMAND_MASTER));
out_free:
	if (sq)
		palloc_free(&hyp_pool, sq_pa, 1);
	if (cq)
		palloc_free(&hyp_pool, cq_pa, 1);
	if (data)
		palloc_free(&hyp_pool, data_pa, 1);
	return ret;
}

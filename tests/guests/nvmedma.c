// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * A guest that drives its passed-through NVMe controller by hand and then aims the controller's
 * DMA outside its own RAM. It runs wherever its RAM is (IPA = PA for a VM with devices): the
 * code uses PC-relative addresses only, so the link address does not matter.
 *
 * Checks: the controller is guest 00:00.0 on the ECAM the DTB names, and Identify Controller
 * into its own RAM works. Then it has the controller write Identify data 1 MiB below its RAM
 * (PRP1 outside) and prints where ("guest: outside target 0x..."): the test checks that memory
 * and the SMMU's events. Run it only behind an SMMU: without one, the write lands. With "reset"
 * on its command line it skips that and resets its VM instead of powering off.
 */
#include "guest.h"

#include "kernel/lib/fdt.h"

#define NVME_ADMIN_IDENTIFY 0x06
#define SPIN_LIMIT	    100000000UL

extern char _start[]; /* where we run: the start of our RAM (text_offset 0) */

static uint32_t sq[16 * 16] __attribute__((aligned(4096)));
static uint32_t cq[16 * 4] __attribute__((aligned(4096)));
static uint8_t data[4096] __attribute__((aligned(4096)));
static uint16_t cq_head;
static uint32_t phase = 1;

static uint32_t rd32(uintptr_t a)
{
	return *(volatile uint32_t *)a;
}

static void wr32(uintptr_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static bool wait_rdy(uintptr_t bar, uint32_t want)
{
	for (unsigned long i = 0; i < SPIN_LIMIT; i++)
		if ((rd32(bar + NVME_CSTS) & 1) == want)
			return true;
	return false;
}

/* Identify Controller with PRP1 = 'prp'; returns the completion's status (0 = success), or
 * 0xffff when no completion arrived. */
static uint32_t identify(uintptr_t bar, uint32_t dstrd, uint64_t prp, uint16_t cid)
{
	uint32_t *e = &sq[16 * cid];
	volatile uint32_t *c = &cq[4 * cq_head];

	for (unsigned int i = 0; i < 16; i++)
		e[i] = 0;
	e[0] = NVME_ADMIN_IDENTIFY | (uint32_t)cid << 16;
	e[6] = (uint32_t)prp;
	e[7] = (uint32_t)(prp >> 32);
	e[10] = 1;				 /* CNS: the controller */
	__asm__ volatile("dsb sy" ::: "memory"); /* the entry before the doorbell */
	wr32(bar + NVME_SQ0TDBL, (uint32_t)cid + 1);
	for (unsigned long i = 0; i < SPIN_LIMIT; i++) {
		if ((c[3] >> 16 & 1) == phase) {
			uint32_t status = c[3] >> 17;

			cq_head++;
			wr32(bar + NVME_SQ0TDBL + (4u << dstrd), cq_head);
			return status;
		}
	}
	return 0xffff;
}

void guest_main(const void *dtb);
void guest_main(const void *dtb)
{
	struct fdt f;
	const uint8_t *reg;
	uint32_t len, id, status, dstrd;
	uintptr_t ecam, bar;
	uint64_t cap, outside;
	int node;

	guest_console_init(dtb);
	guest_printf("guest: nvmedma at 0x%llx\n", (unsigned long long)(uintptr_t)&sq);
	node = fdt_init(&f, dtb, 1 << 20) ? -1
					  : fdt_find_compatible(&f, -1, "pci-host-ecam-generic");
	reg = node >= 0 ? fdt_getprop(&f, node, "reg", &len) : 0;
	guest_check(reg && len >= 16, "dtb-pcie", "no PCIe host in the DTB");
	if (!reg)
		goto done;
	ecam = (uintptr_t)fdt_read_cells(reg, 2);
	id = rd32(ecam);
	guest_check(id == 0x00101b36, "ecam-nvme", "00:00.0 reads 0x%08x", id);
	if (id != 0x00101b36)
		goto done;
	bar = (uintptr_t)((rd32(ecam + 0x10) & ~0xfu) | (uint64_t)rd32(ecam + 0x14) << 32);
	wr32(ecam + 0x04, 0x6); /* memory decode and bus mastering */
	cap = (uint64_t)rd32(bar + NVME_CAP) | (uint64_t)rd32(bar + NVME_CAP + 4) << 32;
	dstrd = (uint32_t)(cap >> 32) & 0xf;
	wr32(bar + NVME_CC, 0);
	guest_check(wait_rdy(bar, 0), "reset", "CSTS.RDY stayed set");
	wr32(bar + NVME_AQA, 15u << 16 | 15u);
	wr32(bar + NVME_ASQ, (uint32_t)(uintptr_t)sq);
	wr32(bar + NVME_ASQ + 4, (uint32_t)((uint64_t)(uintptr_t)sq >> 32));
	wr32(bar + NVME_ACQ, (uint32_t)(uintptr_t)cq);
	wr32(bar + NVME_ACQ + 4, (uint32_t)((uint64_t)(uintptr_t)cq >> 32));
	wr32(bar + NVME_CC, NVME_CC_EN | NVME_CC_QES);
	guest_check(wait_rdy(bar, 1), "enable", "CSTS.RDY never came");

	status = identify(bar, dstrd, (uintptr_t)data, 0);
	guest_check(status == 0 && data[0] == 0x36 && data[1] == 0x1b, "identify-inside",
		    "status 0x%x, VID %02x%02x", status, data[1], data[0]);
	if (guest_cmdline_has(dtb, "reset"))
		goto off; /* the restart test: the device works again, that is all */
	/* 1 MiB below our RAM: some other owner's memory. */
	outside = (uint64_t)(uintptr_t)_start - 0x100000UL;
	guest_printf("guest: outside target 0x%llx\n", (unsigned long long)outside);
	/*
	 * Whether the write got through is for the host to judge (memory there, the SMMU's
	 * events): QEMU 7.2's controller reports success even when its DMA write was aborted.
	 */
	status = identify(bar, dstrd, outside, 1);
	guest_printf("guest: outside status 0x%x\n", status);
off:
	wr32(bar + NVME_CC, 0);
	wait_rdy(bar, 0);
	wr32(ecam + 0x04, 0);
done:
	guest_summary();
	/* With "reset" on its command line: PSCI SYSTEM_RESET, so its VM restarts with the
	 * function handed back again (fresh RAM, the same device). */
	guest_hvc(guest_cmdline_has(dtb, "reset") ? PSCI_SYSTEM_RESET : PSCI_SYSTEM_OFF, 0, 0, 0);
}

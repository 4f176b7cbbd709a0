/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The hypervisor's SMMUv3 driver (IHI 0070): when the platform has one in front of the PCIe
 * host bridge, every stream aborts its DMA unless its function belongs to a running VM, and then
 * it translates through that VM's own Stage-2 tables, shared with the CPU (stage 2, where the
 * SMMU has it: QEMU 10's), or else through a stage-1 context that maps exactly the VM's RAM,
 * 1:1 (RAM of such VMs sits at IPA = PA; QEMU 7.2's SMMU has stage 1 only). Either way a
 * guest's device reaches its own memory and nothing else.
 */
#ifndef PCI_SMMU_HOST_H
#define PCI_SMMU_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgtable.h"
#include "pci/smmuv3.h"

#define SMMU_HOST_EVENTS_KEPT 4

struct smmu_host_state {
	bool on;	     /* translating: SMMU_CR0.SMMUEN set by us */
	const char *why_off; /* when not on: the reason, for `smmu` */
	unsigned int sid_log2, cmdq_log2, evtq_log2, oas_bits;
	bool coherent;	 /* IDR0.COHACC: its table walks snoop the CPU caches */
	bool s2p;	 /* IDR0.S2P: it has stage 2 */
	uint64_t events; /* event records drained so far */
	struct smmu_event last[SMMU_HOST_EVENTS_KEPT]; /* the newest, [0] first */
	unsigned int n_last;
	uint64_t cmd_errors; /* CMDQ errors seen (SMMU_GERROR.CMDQ_ERR) */
	uint64_t s2_tlbi;    /* stage-2 invalidations completed (TLBI_S2_IPA, S12_VMALL + SYNC) */
};

extern struct smmu_host_state smmu_host;

/* After PCIe enumeration, on the boot CPU: take the SMMU over (all streams abort). */
int smmu_host_init(void);
/* The StreamID of a PCIe requester, through the host bridge's iommu-map. */
bool smmu_host_sid(uint16_t bdf, uint32_t *sid);
/*
 * A DMA context: stage-1 tables that map one range of RAM at IOVA = PA, and the context
 * descriptor that points the SMMU at them under an ASID. Its owner (a VM) keeps it; zeroed
 * means not built.
 */
struct smmu_ctx {
	struct pt pt;
	uint64_t *cd, cd_pa; /* the context descriptor; NULL until built */
	uint16_t asid;
};
/* Build 'ctx' (once: a built one is kept) mapping [pa, pa + size) under 'asid'. 0 or error. */
int smmu_host_ctx_build(struct smmu_ctx *ctx, uint16_t asid, uint64_t pa, uint64_t size);
/* Add [pa, pa + size) of MMIO (an MSI doorbell) to a built 'ctx' at IOVA = PA. 0 or error. */
int smmu_host_ctx_map_mmio(struct smmu_ctx *ctx, uint64_t pa, uint64_t size);
/* Free its tables and CD; the streams that used it must be detached first. */
void smmu_host_ctx_free(struct smmu_ctx *ctx);
/* Translate the streams 'sids' through the built 'ctx'. 0 (also with the SMMU off) or error. */
int smmu_host_attach(const struct smmu_ctx *ctx, const uint32_t *sids, unsigned int n);
/* Make the streams abort again and drop what the SMMU cached under 'asid'. */
void smmu_host_detach(uint16_t asid, const uint32_t *sids, unsigned int n);
/*
 * Stage 2: why a VM's Stage-2 tables made for 'vtcr' cannot be shared with the SMMU (NULL when
 * they can), and the largest IPA size it takes (0: no stage 2, or the SMMU is not in use).
 */
const char *smmu_host_s2_unfit(uint64_t vtcr);
unsigned int smmu_host_s2_ipa_max(void);
/*
 * Translate the streams 'sids' with stage 2 through a VM's tables (root 's2_root', made for
 * 'vtcr', tagged 'vmid'; see smmu_ste_s2()). 0 (also with the SMMU off) or error.
 */
int smmu_host_attach_s2(const uint32_t *sids, unsigned int n, uint64_t vtcr, uint64_t s2_root,
			uint16_t vmid);
/* Make the streams abort again and drop what the SMMU cached under 'vmid'. */
void smmu_host_detach_s2(uint16_t vmid, const uint32_t *sids, unsigned int n);
/*
 * A VM's Stage-2 changed (mm/stage2.h's s2_dev_inval_fn): CMD_TLBI_S2_IPA for 'ipa', or
 * CMD_TLBI_S12_VMALL for all of 'vmid', then CMD_SYNC; returns once the SMMU completed them.
 */
void smmu_host_s2_inval(uint16_t vmid, uint64_t ipa, bool all);
/* Move new event records from the queue to smmu_host (and the log); returns how many. */
unsigned int smmu_host_poll_events(void);
/* What the STE of 'sid' says now: "abort", "bypass", "stage 1", "stage 2", "invalid", "off". */
const char *smmu_host_stream_state(uint32_t sid);

#endif

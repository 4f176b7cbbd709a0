// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * SMMUv3 bring-up and stream control (IHI 0070 ch. 6 registers, 4 commands, 5 structures):
 * a linear stream table, a command queue and an event queue in the hypervisor's memory; no
 * interrupts (events are polled by `smmu` and when a VM stops).
 */
#include "pci/smmu_host.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/hyp.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"
#include "mm/mem.h"
#include "pci/pci_host.h"

#define SMMU_IDR0	     0x00
#define SMMU_IDR1	     0x04
#define SMMU_IDR5	     0x14
#define SMMU_AIDR	     0x1c
#define SMMU_CR0	     0x20
#define SMMU_CR0_SMMUEN	     BIT(0)
#define SMMU_CR0_EVENTQEN    BIT(2)
#define SMMU_CR0_CMDQEN	     BIT(3)
#define SMMU_CR0ACK	     0x24
#define SMMU_CR1	     0x28
#define SMMU_CR2	     0x2c
#define SMMU_CR2_RECINVSID   BIT(1) /* record C_BAD_STREAMID for out-of-range StreamIDs */
#define SMMU_IRQ_CTRL	     0x50
#define SMMU_IRQ_CTRLACK     0x54
#define SMMU_GERROR	     0x60
#define SMMU_GERRORN	     0x64
#define SMMU_GERROR_CMDQ_ERR BIT(0)
#define SMMU_STRTAB_BASE     0x80
#define SMMU_STRTAB_BASE_CFG 0x88
#define SMMU_CMDQ_BASE	     0x90
#define SMMU_CMDQ_PROD	     0x98
#define SMMU_CMDQ_CONS	     0x9c
#define SMMU_EVENTQ_BASE     0xa0
#define SMMU_EVENTQ_PROD     0x100a8 /* page 1 */
#define SMMU_EVENTQ_CONS     0x100ac /* page 1 */
#define SMMU_BASE_RA	     BIT(62) /* read-allocate hint (STRTAB, CMDQ); WA for EVENTQ */

/* Sizes we use: enough for QEMU's buses and a shell's worth of commands. */
#define SMMU_MAX_SID_LOG2  10 /* a linear table of 64 KiB (buses 0-3): the pool's largest */
#define SMMU_MAX_CMDQ_LOG2 8  /* 256 x 16 bytes: one page */
#define SMMU_MAX_EVTQ_LOG2 7  /* 128 x 32 bytes: one page */
#define SMMU_IA_BITS	   48
#define SMMU_POLL_US	   100000

struct smmu_host_state smmu_host = { .why_off = "not probed" };

static uintptr_t base;
static struct smmu_features feat; /* decoded at init: what stage 2 sharing is checked against */
static uint64_t *strtab, *cmdq, *evtq;
static uint32_t cmdq_prod, evtq_cons;
static struct spinlock smmu_lock;

static bool wait_reg(uintptr_t reg, uint32_t mask, uint32_t want)
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(SMMU_POLL_US);

	while ((mmio_read32(base + reg) & mask) != want)
		if (timer_count() > deadline)
			return false;
	return true;
}

static bool write_cr0(uint32_t v)
{
	mmio_write32(base + SMMU_CR0, v);
	return wait_reg(SMMU_CR0ACK, 0xffffffffu, v);
}

/* Queue index arithmetic: log2 index bits, then the wrap bit (6.3.26). */
static uint32_t q_next(uint32_t p, unsigned int log2)
{
	uint32_t mask = (2u << log2) - 1;

	return (p + 1) & mask;
}

static bool q_full(uint32_t prod, uint32_t cons, unsigned int log2)
{
	uint32_t idx = (1u << log2) - 1;

	return (prod & idx) == (cons & idx) && (prod >> log2 & 1) != (cons >> log2 & 1);
}

/* Called with smmu_lock held. */
static int cmd_issue(const uint64_t c[SMMU_CMD_DWORDS])
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(SMMU_POLL_US);
	uint64_t *slot;

	while (q_full(cmdq_prod, mmio_read32(base + SMMU_CMDQ_CONS), smmu_host.cmdq_log2))
		if (timer_count() > deadline)
			return E_IO;
	slot = cmdq + SMMU_CMD_DWORDS * (cmdq_prod & ((1u << smmu_host.cmdq_log2) - 1));
	slot[0] = c[0];
	slot[1] = c[1];
	dcache_clean_range((uintptr_t)slot, SMMU_CMD_DWORDS * 8);
	cmdq_prod = q_next(cmdq_prod, smmu_host.cmdq_log2);
	/* The command is in memory before the SMMU is told to read it. */
	dsb(ishst);
	mmio_write32(base + SMMU_CMDQ_PROD, cmdq_prod);
	return 0;
}

/*
 * The SMMU stopped at a command it could not execute (GERROR.CMDQ_ERR, CONS.ERR says why,
 * IHI 0070 7.1): put a CMD_SYNC in its place, acknowledge the error, and let it go on.
 */
static void cmdq_skip_error(void)
{
	uint32_t cons = mmio_read32(base + SMMU_CMDQ_CONS);
	uint64_t *slot = cmdq + SMMU_CMD_DWORDS * (cons & ((1u << smmu_host.cmdq_log2) - 1));

	smmu_host.cmd_errors++;
	pr_err("smmu: command 0x%02llx refused (CONS.ERR %u); skipped\n",
	       (unsigned long long)(slot[0] & 0xff), cons >> 24 & 0x7f);
	smmu_cmd_sync(slot);
	dcache_clean_range((uintptr_t)slot, SMMU_CMD_DWORDS * 8);
	dsb(ishst); /* the replacement is in memory before the SMMU resumes */
	mmio_write32(base + SMMU_GERRORN, mmio_read32(base + SMMU_GERRORN) ^ SMMU_GERROR_CMDQ_ERR);
}

/* CMD_SYNC, then wait until the SMMU has consumed everything up to it. With smmu_lock. */
static int cmd_sync(void)
{
	uint64_t c[SMMU_CMD_DWORDS], deadline;
	uint32_t gerror;
	int ret;

	smmu_cmd_sync(c);
	ret = cmd_issue(c);
	if (ret)
		return ret;
	deadline = timer_count() + timer_us_to_ticks(SMMU_POLL_US);
	while ((mmio_read32(base + SMMU_CMDQ_CONS) & ((2u << smmu_host.cmdq_log2) - 1)) !=
	       cmdq_prod) {
		gerror = mmio_read32(base + SMMU_GERROR) ^ mmio_read32(base + SMMU_GERRORN);
		if (gerror & SMMU_GERROR_CMDQ_ERR) {
			cmdq_skip_error();
			ret = E_IO; /* the queue goes on from the command after the bad one */
			continue;
		}
		if (timer_count() > deadline) {
			smmu_host.cmd_errors++;
			pr_err("smmu: command queue stuck (CONS 0x%x, PROD 0x%x)\n",
			       mmio_read32(base + SMMU_CMDQ_CONS), cmdq_prod);
			return E_IO;
		}
	}
	return ret;
}

static int write_ste(uint32_t sid, const uint64_t ste[SMMU_STE_DWORDS], bool dword0_first)
{
	volatile uint64_t *e = strtab + SMMU_STE_DWORDS * sid;
	uint64_t c[SMMU_CMD_DWORDS];

	/*
	 * The SMMU may read the STE at any time: dword 0 (V, Config) goes last when the entry
	 * becomes a translating one, first when it stops being one, so no torn entry is valid.
	 */
	if (dword0_first) {
		e[0] = ste[0];
		dsb(ishst); /* invalid or aborting before the rest of it changes */
	}
	for (unsigned int i = 1; i < SMMU_STE_DWORDS; i++)
		e[i] = ste[i];
	if (!dword0_first) {
		dsb(ishst); /* the other dwords before the one that makes them live */
		e[0] = ste[0];
	}
	dcache_clean_range((uintptr_t)e, SMMU_STE_DWORDS * 8);
	smmu_cmd_cfgi_ste(c, sid);
	return cmd_issue(c) ? E_IO : cmd_sync();
}

static unsigned int log2_up(uint64_t v)
{
	unsigned int l = 0;

	while ((1ULL << l) < v)
		l++;
	return l;
}

bool smmu_host_sid(uint16_t bdf, uint32_t *sid)
{
	const struct platform *p = &hyp.plat;

	if (!p->pcie.iommu_map || bdf < p->pcie.rid_base ||
	    bdf - p->pcie.rid_base >= p->pcie.iommu_len)
		return false;
	*sid = p->pcie.sid_base + (bdf - p->pcie.rid_base);
	return true;
}

static int smmu_setup_queues(const struct smmu_features *f)
{
	uint64_t pa, strtab_pa, cmdq_pa;
	unsigned int pages, strtab_pages;
	uint32_t max_rid = (pci_topo.last_bus + 1) << 8, max_sid;

	if (!smmu_host_sid((uint16_t)(max_rid - 1), &max_sid))
		max_sid = hyp.plat.pcie.sid_base + hyp.plat.pcie.iommu_len - 1;
	smmu_host.sid_log2 = log2_up((uint64_t)max_sid + 1);
	if (smmu_host.sid_log2 > f->sid_bits || smmu_host.sid_log2 > SMMU_MAX_SID_LOG2)
		return E_RANGE;
	/* Linear table: 64 bytes per StreamID, aligned to its size (natural, from the pool). */
	pages = (unsigned int)(((64UL << smmu_host.sid_log2) + 4095) / 4096);
	strtab = palloc_pages(&hyp_pool, pages, &pa);
	if (!strtab)
		return E_NOMEM;
	strtab_pages = pages;
	strtab_pa = pa;
	for (uint32_t sid = 0; sid < (1u << smmu_host.sid_log2); sid++)
		smmu_ste_abort(strtab + SMMU_STE_DWORDS * sid);
	dcache_clean_range((uintptr_t)strtab, 64UL << smmu_host.sid_log2);
	mmio_write64(base + SMMU_STRTAB_BASE, pa | SMMU_BASE_RA);
	mmio_write32(base + SMMU_STRTAB_BASE_CFG, smmu_host.sid_log2); /* FMT 00: linear */

	smmu_host.cmdq_log2 = f->cmdq_log2 < SMMU_MAX_CMDQ_LOG2 ? f->cmdq_log2 : SMMU_MAX_CMDQ_LOG2;
	cmdq = palloc_pages(&hyp_pool, 1, &pa);
	if (!cmdq) {
		palloc_free(&hyp_pool, strtab_pa, strtab_pages);
		return E_NOMEM;
	}
	cmdq_pa = pa;
	mmio_write64(base + SMMU_CMDQ_BASE, pa | SMMU_BASE_RA | smmu_host.cmdq_log2);
	mmio_write32(base + SMMU_CMDQ_PROD, 0);
	mmio_write32(base + SMMU_CMDQ_CONS, 0);
	cmdq_prod = 0;

	smmu_host.evtq_log2 = f->evtq_log2 < SMMU_MAX_EVTQ_LOG2 ? f->evtq_log2 : SMMU_MAX_EVTQ_LOG2;
	evtq = palloc_pages(&hyp_pool, 1, &pa);
	if (!evtq) {
		palloc_free(&hyp_pool, strtab_pa, strtab_pages);
		palloc_free(&hyp_pool, cmdq_pa, 1);
		return E_NOMEM;
	}
	mmio_write64(base + SMMU_EVENTQ_BASE, pa | SMMU_BASE_RA | smmu_host.evtq_log2);
	mmio_write32(base + SMMU_EVENTQ_PROD, 0);
	mmio_write32(base + SMMU_EVENTQ_CONS, 0);
	evtq_cons = 0;
	return 0;
}

int smmu_host_init(void)
{
	struct smmu_features f;
	struct smmu_idr r = { 0 };
	uint64_t c[SMMU_CMD_DWORDS];
	int ret;

	if (!hyp.plat.smmu.present || !pci_present) {
		smmu_host.why_off = "no SMMUv3 (or no PCIe)";
		return E_NOENT;
	}
	if (!hyp.plat.pcie.iommu_map || hyp.plat.pcie.iommu_phandle != hyp.plat.smmu.phandle) {
		smmu_host.why_off = "the PCIe host bridge is not behind it (no iommu-map)";
		return E_NOENT;
	}
	base = hyp.plat.smmu.reg.base;
	r.idr[0] = mmio_read32(base + SMMU_IDR0);
	r.idr[1] = mmio_read32(base + SMMU_IDR1);
	r.idr[5] = mmio_read32(base + SMMU_IDR5);
	r.aidr = mmio_read32(base + SMMU_AIDR);
	smmu_decode(&r, &f);
	feat = f;
	smmu_host.s2p = f.s2p;
	if (!f.s1p || !(f.ttf & 2) || !f.gran4k || !f.oas_bits) {
		smmu_host.why_off = "no stage 1 with AArch64 4 KiB tables";
		return E_NOTSUP;
	}
	smmu_host.oas_bits = f.oas_bits;
	smmu_host.coherent = f.coherent;
	/* Quiet and off before anything it reads changes (6.3.9: CR0ACK follows CR0). */
	if (!write_cr0(0)) {
		smmu_host.why_off = "CR0ACK did not follow CR0";
		return E_IO;
	}
	mmio_write32(base + SMMU_IRQ_CTRL, 0);
	wait_reg(SMMU_IRQ_CTRLACK, 0xffffffffu, 0);
	/* Tables and queues: Write-Back, read/write-allocate, Inner Shareable (6.3.10). */
	mmio_write32(base + SMMU_CR1, 1u << 0 | 1u << 2 | 3u << 4 | 1u << 6 | 1u << 8 | 3u << 10);
	mmio_write32(base + SMMU_CR2, SMMU_CR2_RECINVSID);
	ret = smmu_setup_queues(&f);
	if (ret) {
		smmu_host.why_off = ret == E_RANGE ? "more StreamIDs than a 64 KiB linear stream "
						     "table holds (2-level tables are not written)"
						   : "cannot allocate its tables and queues";
		return ret;
	}
	if (!write_cr0(SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN)) {
		smmu_host.why_off = "queues did not come up";
		return E_IO;
	}
	/* Nothing it cached from before is trusted. */
	spin_lock(&smmu_lock);
	smmu_cmd_cfgi_all(c);
	ret = cmd_issue(c);
	smmu_cmd_tlbi_nsnh_all(c);
	if (!ret)
		ret = cmd_issue(c);
	if (!ret)
		ret = cmd_sync();
	spin_unlock(&smmu_lock);
	if (ret || !write_cr0(SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN | SMMU_CR0_SMMUEN)) {
		smmu_host.why_off = "did not accept the configuration";
		return ret ? ret : E_IO;
	}
	smmu_host.on = true;
	smmu_host.why_off = "";
	return 0;
}

int smmu_host_ctx_build(struct smmu_ctx *ctx, uint16_t asid, uint64_t pa, uint64_t size)
{
	uint64_t cd_pa;
	int ret;

	if (ctx->cd)
		return 0;
	ctx->pt = (struct pt){ .alloc = palloc_pt_alloc,
			       .free = palloc_pt_free,
			       .pa_to_va = palloc_pa_to_va,
			       .ctx = &hyp_pool };
	ret = pt_init(&ctx->pt, SMMU_IA_BITS, pt_start_level(SMMU_IA_BITS), 1);
	if (ret)
		return ret;
	/* [pa, pa + size) and nothing else, at IOVA = PA. */
	ret = pt_map(&ctx->pt, pa, pa, size, SMMU_S1_PTE_DMA, 0);
	if (!ret) {
		ctx->cd = palloc_pages(&hyp_pool, 1, &cd_pa);
		ret = ctx->cd ? 0 : E_NOMEM;
	}
	if (!ret)
		ret = smmu_cd_build(ctx->cd, ctx->pt.root_pa, SMMU_IA_BITS, smmu_host.oas_bits,
				    asid);
	if (ret) {
		pt_destroy(&ctx->pt);
		if (ctx->cd)
			palloc_free(&hyp_pool, cd_pa, 1);
		ctx->cd = NULL;
		return ret;
	}
	ctx->cd_pa = cd_pa;
	ctx->asid = asid;
	/*
	 * The SMMU reads the CD and walks the tables from memory. Unless it snoops the caches
	 * (IDR0.COHACC), push the pool the tables came from to the PoC.
	 */
	if (!smmu_host.coherent)
		dcache_clean_range((uintptr_t)hyp_pool.va, (uintptr_t)hyp_pool.pages * 4096);
	dcache_clean_range((uintptr_t)ctx->cd, SMMU_CD_DWORDS * 8);
	return 0;
}

/* The same STE for each stream the SMMU has. With smmu_lock. */
static int write_stes(const uint32_t *sids, unsigned int n, const uint64_t ste[SMMU_STE_DWORDS],
		      bool dword0_first)
{
	int ret = 0;

	for (unsigned int i = 0; i < n; i++)
		if (sids[i] < (1u << smmu_host.sid_log2) && write_ste(sids[i], ste, dword0_first))
			ret = E_IO;
	return ret;
}

int smmu_host_attach(const struct smmu_ctx *ctx, const uint32_t *sids, unsigned int n)
{
	uint64_t ste[SMMU_STE_DWORDS];
	int ret;

	if (!smmu_host.on || !n)
		return 0;
	if (!ctx->cd)
		return E_INVAL;
	smmu_ste_s1(ste, ctx->cd_pa);
	spin_lock(&smmu_lock);
	ret = write_stes(sids, n, ste, false);
	spin_unlock(&smmu_lock);
	return ret;
}

const char *smmu_host_s2_unfit(uint64_t vtcr)
{
	if (!smmu_host.on)
		return "the SMMU is not translating (see 'smmu')";
	return smmu_s2_unfit(&feat, vtcr);
}

unsigned int smmu_host_s2_ipa_max(void)
{
	/* Stage 2 alone: the input size is bounded by the output size, IDR5.OAS (IHI 0070 3.4). */
	return smmu_host.on && feat.s2p ? feat.oas_bits : 0;
}

/* TLBI for one VMID (one IPA or all of it), then CMD_SYNC. With smmu_lock. */
static int tlbi_s2(uint16_t vmid, uint64_t ipa, bool all)
{
	uint64_t c[SMMU_CMD_DWORDS];

	if (all)
		smmu_cmd_tlbi_s12_vmall(c, vmid);
	else /* Leaf = 0: a table entry may have gone too, and walk caches with it */
		smmu_cmd_tlbi_s2_ipa(c, vmid, ipa, false);
	if (cmd_issue(c) || cmd_sync())
		return E_IO;
	smmu_host.s2_tlbi++;
	return 0;
}

int smmu_host_attach_s2(const uint32_t *sids, unsigned int n, uint64_t vtcr, uint64_t s2_root,
			uint16_t vmid)
{
	uint64_t ste[SMMU_STE_DWORDS];
	int ret;

	if (!smmu_host.on || !n)
		return 0;
	ret = smmu_ste_s2(ste, &feat, vtcr, s2_root, vmid);
	if (ret)
		return ret;
	spin_lock(&smmu_lock);
	/* Nothing an earlier holder of the VMID left in the SMMU's TLBs is used. */
	ret = tlbi_s2(vmid, 0, true);
	if (!ret)
		ret = write_stes(sids, n, ste, false);
	spin_unlock(&smmu_lock);
	return ret;
}

void smmu_host_s2_inval(uint16_t vmid, uint64_t ipa, bool all)
{
	if (!smmu_host.on)
		return;
	spin_lock(&smmu_lock);
	/*
	 * The caller's changed descriptor was stored before this: cmd_issue()'s DSB ISHST, ahead
	 * of the CMDQ_PROD write, orders it (and the command) before the SMMU reads the queue;
	 * its walks are coherent (IDR0.COHACC, checked by smmu_s2_unfit()), so the invalid entry
	 * is what a new walk finds once CMD_SYNC has completed.
	 */
	if (tlbi_s2(vmid, ipa, all))
		pr_err("smmu: TLB invalidation for VMID %u failed: its devices may see stale "
		       "translations\n",
		       vmid);
	spin_unlock(&smmu_lock);
}

void smmu_host_detach_s2(uint16_t vmid, const uint32_t *sids, unsigned int n)
{
	uint64_t ste[SMMU_STE_DWORDS];

	if (!smmu_host.on || !n)
		return;
	smmu_ste_abort(ste);
	spin_lock(&smmu_lock);
	write_stes(sids, n, ste, true);
	/* The streams abort now; what the SMMU cached through the VM's tables goes too. */
	tlbi_s2(vmid, 0, true);
	spin_unlock(&smmu_lock);
	smmu_host_poll_events();
}

void smmu_host_detach(uint16_t asid, const uint32_t *sids, unsigned int n)
{
	uint64_t ste[SMMU_STE_DWORDS], c[SMMU_CMD_DWORDS];

	if (!smmu_host.on || !n)
		return;
	smmu_ste_abort(ste);
	spin_lock(&smmu_lock);
	write_stes(sids, n, ste, true);
	/* Translations cached under the context's ASID go too (nG entries are tagged with it). */
	smmu_cmd_tlbi_nh_asid(c, asid);
	if (!cmd_issue(c))
		cmd_sync();
	spin_unlock(&smmu_lock);
	smmu_host_poll_events();
}

int smmu_host_ctx_map_mmio(struct smmu_ctx *ctx, uint64_t pa, uint64_t size)
{
	struct pt_walk w;
	int ret;

	if (!ctx->cd)
		return E_INVAL;
	if (!pt_walk(&ctx->pt, pa, &w) && w.mapped)
		return 0; /* kept from an earlier start */
	ret = pt_map(&ctx->pt, pa, pa, size, SMMU_S1_PTE_MMIO, 0);
	if (!ret && !smmu_host.coherent)
		dcache_clean_range((uintptr_t)hyp_pool.va, (uintptr_t)hyp_pool.pages * 4096);
	return ret;
}

void smmu_host_ctx_free(struct smmu_ctx *ctx)
{
	if (!ctx->cd)
		return;
	pt_destroy(&ctx->pt);
	palloc_free(&hyp_pool, ctx->cd_pa, 1);
	ctx->cd = NULL;
}

unsigned int smmu_host_poll_events(void)
{
	unsigned int n = 0;
	uint32_t prod, mask;

	if (!smmu_host.on)
		return 0;
	spin_lock(&smmu_lock);
	mask = (2u << smmu_host.evtq_log2) - 1;
	prod = mmio_read32(base + SMMU_EVENTQ_PROD) & mask;
	while (evtq_cons != prod) {
		const uint64_t *rec =
			evtq + SMMU_EVT_DWORDS * (evtq_cons & ((1u << smmu_host.evtq_log2) - 1));
		struct smmu_event e;

		/* The record was written by the SMMU: drop any stale line before reading it. */
		dcache_inval_range((uintptr_t)rec, SMMU_EVT_DWORDS * 8);
		smmu_event_decode(rec, &e);
		for (unsigned int i = SMMU_HOST_EVENTS_KEPT - 1; i > 0; i--)
			smmu_host.last[i] = smmu_host.last[i - 1];
		smmu_host.last[0] = e;
		if (smmu_host.n_last < SMMU_HOST_EVENTS_KEPT)
			smmu_host.n_last++;
		if (log_nth_ok(smmu_host.events + 1))
			pr_warn("smmu: %s from StreamID 0x%x at 0x%llx (%llu events so far)\n",
				smmu_event_name(e.type), e.sid, (unsigned long long)e.addr,
				(unsigned long long)smmu_host.events + 1);
		smmu_host.events++;
		evtq_cons = q_next(evtq_cons, smmu_host.evtq_log2);
		n++;
	}
	/* Our reads of the records complete before the SMMU may reuse their slots. */
	dmb(sy);
	mmio_write32(base + SMMU_EVENTQ_CONS, evtq_cons);
	spin_unlock(&smmu_lock);
	return n;
}

const char *smmu_host_stream_state(uint32_t sid)
{
	uint64_t d0;

	if (!smmu_host.on)
		return "off";
	if (sid >= (1u << smmu_host.sid_log2))
		return "invalid";
	d0 = strtab[SMMU_STE_DWORDS * sid];
	if (!(d0 & 1))
		return "invalid";
	switch (d0 >> 1 & 7) {
	case SMMU_STE_CFG_ABORT:
		return "abort";
	case SMMU_STE_CFG_BYPASS:
		return "bypass";
	case SMMU_STE_CFG_S1_TRANS:
		return "stage 1";
	case SMMU_STE_CFG_S2_TRANS:
		return "stage 2";
	default:
		return "other";
	}
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Stage-2 on the fake hardware layer: mm/stage2.c, mm/pgtable.c and the page pool as they run
 * at EL2, with the barriers and TLB maintenance they issue read back from the fake's log. At
 * every logged event a hook looks at the tables as they are at that point, so the tests can
 * say when each table became reachable from the root and when it stopped being so, and check
 * the order the architecture asks for (Arm ARM D8.16.1, D8.17; Linux kvm/hyp/pgtable.c):
 *   a new table: allocated (zeroed), DSB ISHST, then linked;
 *   a table let go: unlinked, TLBI, DSB ISH, then freed to the pool;
 *   a live entry replaced: invalid entry, TLBI for its IPA, DSB ISH, then the new entry.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fake.h"
#include "kernel/arch/arch.h"
#include "kernel/hyp.h"
#include "mm/vtcr.h"
#include "kernel/lib/err.h"
#include "mm/palloc.h"
#include "mm/stage2.h"
#include "test.h"

#define MiB	   (1ULL << 20)
#define GiB	   (1ULL << 30)
#define PAGE	   PT_PAGE_SIZE
#define PA_BASE	   0x80000000ULL /* where the pool's pages claim to be */
#define POOL_PAGES 512

static uint8_t *pool_mem;
static struct palloc pool;
static struct s2_space space;
static void *(*real_alloc)(void *ctx, unsigned int pages, uint64_t *pa);
static void (*real_free)(void *ctx, uint64_t pa);

/* What the hook learnt about each table the space allocated. */
#define MAX_TABLES 512
static struct table_life {
	uint64_t pa;
	int alloc_ev, linked_ev, unlinked_ev, freed_ev; /* log indices, -1 when not yet */
	bool reachable;					/* at the last event */
	bool dsb_while_unlinked; /* a DSB ISHST after it was allocated, before it was linked */
	bool published;		 /* it had one when it was first seen linked */
} tables[MAX_TABLES];
static unsigned int n_tables;
static unsigned int tlbi_wrong_vmid; /* TLBIs issued while VTTBR_EL2 held another VMID */

/* Pool pages reachable from the root through valid table descriptors, at this moment. */
static bool reachable[POOL_PAGES];

static void mark_reachable(uint64_t table_pa, unsigned int level)
{
	const uint64_t *t = palloc_pa_to_va(&pool, table_pa);
	unsigned int n =
		level == space.pt.start_level ? PT_ENTRIES * space.pt.root_tables : PT_ENTRIES;

	if (level == 3)
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t d = t[i], pa = d & PTE_OA_MASK;

		if ((d & (PTE_VALID | PTE_TABLE)) != (PTE_VALID | PTE_TABLE))
			continue;
		if (pa >= PA_BASE && pa < PA_BASE + POOL_PAGES * PAGE)
			reachable[(pa - PA_BASE) / PAGE] = true;
		mark_reachable(pa, level + 1);
	}
}

static struct table_life *table_by_pa(uint64_t pa)
{
	for (unsigned int i = 0; i < n_tables; i++)
		if (tables[i].pa == pa && tables[i].freed_ev < 0)
			return &tables[i];
	return NULL;
}

static void watch(unsigned int i)
{
	const struct fake_event *e = &fake_log.ev[i];

	if (e->op == FAKE_TLBI && fake_sysreg_get("vttbr_el2") != space.vttbr)
		tlbi_wrong_vmid++;
	/*
	 * Register writes and ISBs change nothing a walker sees: look at the tables at barriers,
	 * TLBIs and the pool's notes only. A link or unlink is then seen at the next of those,
	 * which is all the order checks need (a DSB ISHST is looked at, a TLBI too).
	 */
	if (!space.pt.root_pa || e->op == FAKE_MSR || e->op == FAKE_ISB)
		return;
	memset(reachable, 0, sizeof(reachable));
	mark_reachable(space.pt.root_pa, space.pt.start_level);
	for (unsigned int k = 0; k < n_tables; k++) {
		struct table_life *t = &tables[k];
		bool now;

		if (t->freed_ev >= 0)
			continue;
		now = reachable[(t->pa - PA_BASE) / PAGE];
		if (now && !t->reachable && t->linked_ev < 0) {
			t->linked_ev = (int)i;
			t->published = t->dsb_while_unlinked;
		}
		if (!now && t->reachable)
			t->unlinked_ev = (int)i;
		if (!now && t->linked_ev < 0 && e->op == FAKE_DSB && !strcmp(e->what, "ishst"))
			t->dsb_while_unlinked = true;
		t->reachable = now;
	}
}

static void *logged_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	void *va = real_alloc(ctx, pages, pa);

	if (va && pages == 1 && n_tables < MAX_TABLES) {
		tables[n_tables++] = (struct table_life){ .pa = *pa,
							  .alloc_ev = (int)fake_log.n,
							  .linked_ev = -1,
							  .unlinked_ev = -1,
							  .freed_ev = -1 };
		fake_note("alloc", *pa);
	}
	return va;
}

static void logged_free(void *ctx, uint64_t pa)
{
	struct table_life *t = table_by_pa(pa);

	fake_note("free", pa);
	if (t)
		t->freed_ev = (int)fake_log.n - 1;
	real_free(ctx, pa);
}

/* A 40-bit IPA space: level 1 with two concatenated root tables, as QEMU's max CPU gives. */
static void setup(void)
{
	uint64_t vtcr;

	fake_reset();
	if (!pool_mem)
		pool_mem = aligned_alloc(PAGE, POOL_PAGES * PAGE);
	CHECK(pool_mem != NULL);
	CHECK_EQ_U64(palloc_init(&pool, pool_mem, PA_BASE, POOL_PAGES), 0);
	CHECK_EQ_U64(vtcr_compute(2 /* PARange: 40 bits */, 0, &vtcr), 0);
	CHECK_EQ_U64(s2_init(&space, &pool, vtcr), 0);
	CHECK_EQ_U64(space.pt.start_level, 1);
	CHECK_EQ_U64(space.pt.root_tables, 2);
	real_alloc = space.pt.alloc;
	real_free = space.pt.free;
	space.pt.alloc = logged_alloc;
	space.pt.free = logged_free;
	n_tables = 0;
	tlbi_wrong_vmid = 0;
	fake_sysreg_set("vttbr_el2", 0); /* no VM loaded on this CPU */
	fake_log.n = 0;
	fake_hook = watch;
}

static void teardown(void)
{
	unsigned int vmids = s2_vmids_used();

	s2_destroy(&space);
	CHECK_EQ_U64(s2_vmids_used(), vmids - 1);
	CHECK_EQ_U64(pool.used, 0); /* every table back in the pool */
	CHECK_EQ_U64(fake_log.lost, 0);
	fake_hook = NULL;
}

/* Between 'from' and 'to' (exclusive): a TLBI ('op', NULL for any), then a DSB ISH. */
static bool invalidated_between(int from, int to, const char *op)
{
	int t = fake_find((unsigned int)from, FAKE_TLBI, op);

	while (t >= 0 && t < to) {
		int d = fake_find((unsigned int)t, FAKE_DSB, "ish");

		if (d >= 0 && d < to)
			return true;
		t = fake_find((unsigned int)t + 1, FAKE_TLBI, op);
	}
	return false;
}

/* Every table that was linked was published first; every table freed was invalidated first. */
static void check_lives(const char *tlbi_op)
{
	for (unsigned int k = 0; k < n_tables; k++) {
		const struct table_life *t = &tables[k];
		bool ok = true;

		if (t->linked_ev >= 0 && !t->published) {
			fprintf(stderr, "  table 0x%llx linked at %d without DSB ISHST since %d\n",
				(unsigned long long)t->pa, t->linked_ev, t->alloc_ev);
			ok = false;
		}
		if (t->freed_ev >= 0 &&
		    (t->unlinked_ev < 0 ||
		     !invalidated_between(t->unlinked_ev, t->freed_ev, tlbi_op))) {
			fprintf(stderr,
				"  table 0x%llx freed at %d: unlinked at %d, no %s + DSB ISH "
				"in between\n",
				(unsigned long long)t->pa, t->freed_ev, t->unlinked_ev,
				tlbi_op ? tlbi_op : "TLBI");
			ok = false;
		}
		CHECK(ok);
		if (!ok)
			fake_dump();
	}
	CHECK_EQ_U64(tlbi_wrong_vmid, 0);
}

/* A first page needs a level-2 and a level-3 table: each is published before it is linked. */
static void test_map_publishes_tables(void)
{
	struct pt_walk w;

	setup();
	CHECK_EQ_U64(s2_map(&space, 1 * GiB + 0x5000, PA_BASE + 0x100000, PAGE, S2_NORMAL, S2_RW),
		     0);
	CHECK_EQ_U64(n_tables, 2);
	CHECK(tables[0].linked_ev >= 0 && tables[1].linked_ev >= 0);
	check_lives(NULL);
	CHECK_EQ_U64(s2_walk(&space, 1 * GiB + 0x5000, &w), 0);
	CHECK(w.mapped && w.pa == PA_BASE + 0x100000);
	/* Nothing was live before: no TLB maintenance for a map into empty entries. */
	CHECK_EQ_U64(fake_count(FAKE_TLBI, NULL), 0);
	/* The last thing s2_map does: the new entries visible before any vCPU runs. */
	CHECK(fake_log.n > 0 && fake_log.ev[fake_log.n - 1].op == FAKE_DSB &&
	      !strcmp(fake_log.ev[fake_log.n - 1].what, "ishst"));
	teardown();
}

/* Unmapping the last page under a table frees it: only after the unlink and a TLBI. */
static void test_unmap_invalidates_before_free(void)
{
	int tlbi;

	setup();
	CHECK_EQ_U64(s2_map(&space, 1 * GiB, PA_BASE, PAGE, S2_NORMAL, S2_RW), 0);
	CHECK_EQ_U64(s2_map(&space, 1 * GiB + 0x3000, PA_BASE + 0x3000, PAGE, S2_NORMAL, S2_RW), 0);
	CHECK_EQ_U64(s2_unmap(&space, 1 * GiB, PAGE), 0);
	/* One page still mapped: the leaf went by IPA, the tables stay. */
	tlbi = fake_find_arg(0, FAKE_TLBI, "ipas2e1is", (1 * GiB) >> 12);
	CHECK(tlbi >= 0);
	CHECK(fake_find(0, FAKE_NOTE, "free") < 0);
	/* The leaf was already invalid when its TLBI went out (break before make). */
	CHECK(fake_find(0, FAKE_TLBI, "vmalle1is") > tlbi);
	CHECK_EQ_U64(s2_unmap(&space, 1 * GiB + 0x3000, PAGE), 0);
	CHECK_EQ_U64(space.pt.tables, 2); /* both tables gone, the two root pages left */
	CHECK(tables[0].freed_ev >= 0 && tables[1].freed_ev >= 0);
	check_lives(NULL);
	teardown();
}

/*
 * A 2 MiB block over a table of pages: the table is unlinked while it still maps pages, so
 * a TLBI for one IPA is not enough (any of its pages may be cached): the whole VMID goes.
 */
static void test_block_over_table_flushes_vmid(void)
{
	struct pt_walk w;

	setup();
	CHECK_EQ_U64(s2_map(&space, 1 * GiB + 0x7000, PA_BASE + 0x7000, PAGE, S2_NORMAL, S2_RW), 0);
	CHECK_EQ_U64(s2_map(&space, 1 * GiB + 0x9000, PA_BASE + 0x9000, PAGE, S2_NORMAL, S2_RW), 0);
	CHECK_EQ_U64(n_tables, 2);
	CHECK_EQ_U64(s2_map(&space, 1 * GiB, 0x100000000ULL, 2 * MiB, S2_NORMAL, S2_RW), 0);
	CHECK(tables[1].freed_ev >= 0); /* the level-3 table */
	check_lives("vmalls12e1is");
	CHECK_EQ_U64(s2_walk(&space, 1 * GiB + 0x9000, &w), 0);
	CHECK(w.mapped && w.size == 2 * MiB && w.pa == 0x100000000ULL + 0x9000);
	teardown();
}

/* Changing a live page: invalid, TLBI by its IPA, DSB ISH, only then the new descriptor. */
static int bbm_tlbi_ev = -1;
static uint64_t bbm_desc_at_tlbi = ~0ULL, bbm_ipa;

static void watch_leaf(unsigned int i)
{
	struct pt_walk w;

	watch(i);
	if (fake_log.ev[i].op == FAKE_TLBI && !strcmp(fake_log.ev[i].what, "ipas2e1is")) {
		CHECK_EQ_U64(pt_walk(&space.pt, bbm_ipa, &w), 0);
		bbm_tlbi_ev = (int)i;
		bbm_desc_at_tlbi = w.step[w.n_steps - 1].desc;
	}
}

static void test_break_before_make(void)
{
	struct pt_walk w;

	setup();
	bbm_ipa = 1 * GiB + 0x2000;
	CHECK_EQ_U64(s2_map(&space, bbm_ipa, PA_BASE + 0x2000, PAGE, S2_NORMAL, S2_RW), 0);
	fake_hook = watch_leaf;
	CHECK_EQ_U64(s2_map(&space, bbm_ipa, PA_BASE + 0x6000, PAGE, S2_NORMAL, S2_RW), 0);
	CHECK(bbm_tlbi_ev >= 0);
	CHECK_EQ_U64(bbm_desc_at_tlbi, 0); /* broken before the TLBI */
	CHECK_EQ_U64(fake_log.ev[bbm_tlbi_ev].arg, bbm_ipa >> 12);
	/* VTTBR_EL2 held the space's VMID for the TLBI and the caller's value afterwards. */
	CHECK_EQ_U64(tlbi_wrong_vmid, 0);
	CHECK_EQ_U64(fake_sysreg_get("vttbr_el2"), 0);
	CHECK(fake_find_arg(0, FAKE_MSR, "vttbr_el2", space.vttbr) < bbm_tlbi_ev);
	CHECK(fake_find(0, FAKE_DSB, "ishst") < bbm_tlbi_ev);
	CHECK_EQ_U64(pt_walk(&space.pt, bbm_ipa, &w), 0);
	CHECK(w.mapped && w.pa == PA_BASE + 0x6000);
	fake_hook = watch;
	teardown();
}

/* Destroy: every table unlinked and the VMID's TLB entries gone before any table is freed. */
static void test_destroy_invalidates_before_free(void)
{
	int flush, first_free;

	setup();
	CHECK_EQ_U64(s2_map(&space, 1 * GiB, PA_BASE, PAGE, S2_NORMAL, S2_RW), 0);
	CHECK_EQ_U64(s2_map(&space, 300 * GiB + 0x1000, PA_BASE, PAGE, S2_DEVICE, S2_RW), 0);
	CHECK_EQ_U64(s2_map(&space, 2 * GiB, 0x100000000ULL, 4 * MiB, S2_NORMAL, S2_RWX), 0);
	fake_log.n = 0;
	teardown();
	flush = fake_find(0, FAKE_TLBI, "vmalls12e1is");
	first_free = fake_find(0, FAKE_NOTE, "free");
	CHECK(flush >= 0 && first_free > flush);
	CHECK(fake_find(flush, FAKE_DSB, "ish") < first_free);
	/* Every table below the root, and the two root pages, went back. */
	CHECK_EQ_U64(fake_count(FAKE_NOTE, "free"), n_tables + 2);
	for (unsigned int k = 0; k < n_tables; k++)
		CHECK(tables[k].freed_ev > flush);
	check_lives("vmalls12e1is");
}

/* The VMID comes back with the space, and the next space does not get a used one. */
static void test_vmids(void)
{
	struct s2_space other;
	uint64_t vtcr;
	unsigned int before;

	setup();
	before = s2_vmids_used();
	CHECK_EQ_U64(vtcr_compute(2, 0, &vtcr), 0);
	CHECK_EQ_U64(s2_init(&other, &pool, vtcr), 0);
	CHECK(other.vmid != 0 && other.vmid != space.vmid);
	CHECK_EQ_U64(other.vttbr >> VTTBR_EL2_VMID_SHIFT, other.vmid);
	CHECK_EQ_U64(s2_vmids_used(), before + 1);
	s2_destroy(&other);
	teardown();
	CHECK_EQ_U64(s2_vmids_used(), before - 1);
}

/* No table for the root: the VMID goes back and the space is left empty, nothing to destroy. */
static void test_init_failure_leaves_nothing(void)
{
	struct s2_space other;
	struct palloc empty;
	uint8_t page[PAGE] __attribute__((aligned(PAGE)));
	uint64_t vtcr;
	unsigned int before;

	setup();
	before = s2_vmids_used();
	CHECK_EQ_U64(palloc_init(&empty, page, PA_BASE, 1), 0); /* two root tables need two */
	CHECK_EQ_U64(vtcr_compute(2, 0, &vtcr), 0);
	memset(&other, 0xa5, sizeof(other));
	CHECK(s2_init(&other, &empty, vtcr) != 0);
	CHECK_EQ_U64(other.vmid, 0);
	CHECK_EQ_U64(other.vttbr, 0);
	CHECK(other.pt.alloc == NULL && other.pt.free == NULL);
	CHECK_EQ_U64(s2_vmids_used(), before);
	teardown();
}

/*
 * Random maps and unmaps of pages, blocks and unaligned runs in a 64 MiB window: whatever the
 * builder does, every table it links was published first and every table it frees was
 * unlinked and invalidated first; and the walk agrees with a plain model of the mappings.
 */
#define WINDOW (64 * MiB)
#define SLOTS  (WINDOW / (2 * MiB)) /* the model: one PA per 2 MiB slot, page granular */
static uint64_t model[SLOTS][4];    /* up to four sample pages per slot: 0 unmapped */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

static const uint64_t sample_off[4] = { 0, 0x1000, 0x101000, 0x1ff000 };

static void model_set(uint64_t ipa, uint64_t pa, uint64_t size)
{
	for (uint64_t s = 0; s < SLOTS; s++)
		for (unsigned int k = 0; k < 4; k++) {
			uint64_t a = s * 2 * MiB + sample_off[k];

			if (a >= ipa && a < ipa + size)
				model[s][k] = pa ? pa + (a - ipa) : 0;
		}
}

static void test_random_ops(void)
{
	unsigned int ops = 0;

	setup();
	memset(model, 0, sizeof(model));
	for (unsigned int i = 0; i < 200; i++) {
		uint64_t size, ipa, pa;
		int ret;

		switch (rnd(3)) {
		case 0:
			size = 2 * MiB;
			ipa = rnd(SLOTS) * 2 * MiB;
			break;
		case 1:
			size = (1 + rnd(4)) * PAGE;
			ipa = rnd(WINDOW / PAGE - 4) * PAGE;
			break;
		default:
			size = (1 + rnd(64)) * PAGE;
			ipa = rnd((WINDOW - size) / PAGE) * PAGE;
			break;
		}
		if (rnd(3)) {
			pa = 0x200000000ULL + rnd(1024) * 2 * MiB +
			     (size == 2 * MiB ? 0 : rnd(512) * PAGE);
			ret = s2_map(&space, ipa, pa, size, S2_NORMAL, S2_RW);
			if (!ret)
				model_set(ipa, pa, size);
		} else {
			ret = s2_unmap(&space, ipa, size);
			if (!ret)
				model_set(ipa, 0, size);
		}
		CHECK_EQ_U64(ret, 0);
		ops++;
	}
	check_lives(NULL);
	CHECK(n_tables < MAX_TABLES);
	for (uint64_t s = 0; s < SLOTS; s++)
		for (unsigned int k = 0; k < 4; k++) {
			struct pt_walk w;

			CHECK_EQ_U64(s2_walk(&space, s * 2 * MiB + sample_off[k], &w), 0);
			CHECK_EQ_U64(w.mapped ? w.pa : 0, model[s][k]);
		}
	printf("     %u ops: %u tables allocated, %u freed, %u TLBI by IPA, %u of the VMID\n", ops,
	       n_tables, fake_count(FAKE_NOTE, "free"), fake_count(FAKE_TLBI, "ipas2e1is"),
	       fake_count(FAKE_TLBI, "vmalls12e1is"));
	teardown();
	check_lives(NULL);
}

/*
 * A device walker sharing the tables (an SMMU's stage 2) hears of a live change after the CPU's
 * TLBI and DSB ISH and while the entry is still invalid: it must drop what it cached before
 * the new descriptor can be seen. A destroy tells it "everything" before a table is freed.
 */
static int dev_ev = -1, dev_all_ev = -1;
static uint64_t dev_desc = ~0ULL, dev_vmid;

static void dev_inval(uint16_t vmid, uint64_t ipa, bool all)
{
	struct pt_walk w;

	dev_vmid = vmid;
	if (all) {
		fake_note("dev all", 0);
		if (dev_all_ev < 0)
			dev_all_ev = (int)fake_log.n - 1;
		return;
	}
	fake_note("dev ipa", ipa);
	dev_ev = (int)fake_log.n - 1;
	CHECK_EQ_U64(pt_walk(&space.pt, ipa, &w), 0);
	dev_desc = w.step[w.n_steps - 1].desc;
}

static void test_device_walker_told(void)
{
	struct pt_walk w;
	int tlbi, flush, first_free;

	setup();
	bbm_ipa = 1 * GiB + 0x2000;
	CHECK_EQ_U64(s2_map(&space, bbm_ipa, PA_BASE + 0x2000, PAGE, S2_NORMAL, S2_RW), 0);
	space.dev_inval = dev_inval;
	dev_ev = dev_all_ev = -1;
	CHECK_EQ_U64(s2_map(&space, bbm_ipa, PA_BASE + 0x6000, PAGE, S2_NORMAL, S2_RW), 0);
	tlbi = fake_find_arg(0, FAKE_TLBI, "ipas2e1is", bbm_ipa >> 12);
	CHECK(tlbi >= 0 && dev_ev > tlbi);
	CHECK(fake_find(tlbi, FAKE_DSB, "ish") < dev_ev); /* the CPU's part complete first */
	CHECK_EQ_U64(fake_log.ev[dev_ev].arg, bbm_ipa);
	CHECK_EQ_U64(dev_desc, 0); /* still broken when the device walker was told */
	CHECK_EQ_U64(dev_vmid, space.vmid);
	CHECK_EQ_U64(pt_walk(&space.pt, bbm_ipa, &w), 0);
	CHECK(w.mapped && w.pa == PA_BASE + 0x6000);
	/* A map into empty entries tells nobody: nothing can be cached for them. */
	dev_ev = -1;
	CHECK_EQ_U64(s2_map(&space, 2 * GiB, PA_BASE, 2 * MiB, S2_NORMAL, S2_RW), 0);
	CHECK_EQ_U64(dev_ev, -1);
	/* An unmap does. */
	CHECK_EQ_U64(s2_unmap(&space, 2 * GiB, 2 * MiB), 0);
	CHECK(dev_ev >= 0 && fake_log.ev[dev_ev].arg == 2 * GiB);
	check_lives(NULL);
	fake_log.n = 0;
	teardown();
	flush = fake_find(0, FAKE_TLBI, "vmalls12e1is");
	first_free = fake_find(0, FAKE_NOTE, "free");
	CHECK(flush >= 0 && dev_all_ev > flush && first_free > dev_all_ev);
}

/* Made for 40 bits, reshaped for 36: same VMID, new root, the old tables dropped and freed. */
static void *no_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	(void)ctx;
	(void)pages;
	(void)pa;
	return NULL;
}

static void test_reshape(void)
{
	uint64_t vtcr36 = 0, root = 0;
	uint16_t vmid;
	struct pt_walk w;
	int flush;

	setup();
	CHECK_EQ_U64(s2_map(&space, 1 * GiB, PA_BASE, PAGE, S2_NORMAL, S2_RW), 0);
	CHECK_EQ_U64(vtcr_limit_ipa(space.vtcr, 36, &vtcr36), 0);
	/* No memory for the new root: refused, nothing changed. */
	space.pt.alloc = no_alloc;
	root = space.pt.root_pa;
	CHECK(s2_reshape(&space, vtcr36) != 0);
	space.pt.alloc = logged_alloc;
	CHECK_EQ_U64(space.pt.root_pa, root);
	CHECK_EQ_U64(space.pt.ia_bits, 40);
	CHECK_EQ_U64(s2_walk(&space, 1 * GiB, &w), 0);
	CHECK(w.mapped);
	/* Reshaped. */
	vmid = space.vmid;
	space.dev_inval = dev_inval;
	dev_all_ev = -1;
	fake_log.n = 0;
	CHECK_EQ_U64(s2_reshape(&space, vtcr36), 0);
	CHECK_EQ_U64(space.vmid, vmid);
	CHECK_EQ_U64(space.vtcr, vtcr36);
	CHECK_EQ_U64(space.pt.ia_bits, 36);
	CHECK_EQ_U64(space.pt.start_level, 1);
	CHECK_EQ_U64(space.pt.root_tables, 1);
	CHECK_EQ_U64(space.vttbr, (uint64_t)vmid << VTTBR_EL2_VMID_SHIFT | space.pt.root_pa);
	CHECK_EQ_U64(pool.used, 1); /* the new root alone */
	flush = fake_find(0, FAKE_TLBI, "vmalls12e1is");
	CHECK(flush >= 0 && dev_all_ev > flush && fake_find(0, FAKE_NOTE, "free") > dev_all_ev);
	check_lives("vmalls12e1is");
	CHECK_EQ_U64(s2_walk(&space, 1 * GiB, &w), 0);
	CHECK(!w.mapped);
	CHECK_EQ_U64(s2_walk(&space, 1ULL << 36, &w), (uint64_t)(int64_t)E_RANGE);
	CHECK_EQ_U64(s2_map(&space, 1 * GiB, PA_BASE, PAGE, S2_NORMAL, S2_RW), 0);
	teardown();
}

int main(void)
{
	RUN(test_map_publishes_tables);
	RUN(test_unmap_invalidates_before_free);
	RUN(test_block_over_table_flushes_vmid);
	RUN(test_break_before_make);
	RUN(test_destroy_invalidates_before_free);
	RUN(test_vmids);
	RUN(test_init_failure_leaves_nothing);
	RUN(test_device_walker_told);
	RUN(test_reshape);
	RUN(test_random_ops);
	free(pool_mem);
	return TEST_SUMMARY();
}

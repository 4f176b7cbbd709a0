// SPDX-License-Identifier: BSD-2-Clause-Patent
/* A VM's emulated MMIO table (kernel/vmm/mmio.c): registration, lookup at the edges, dispatch. */
#include "kernel/lib/err.h"
#include "kernel/vmm/mmio.h"
#include "test.h"

/* A device that remembers the last access and answers reads with its offset plus a tag. */
struct fake_dev {
	uint64_t tag;
	int result; /* what the handler returns */
	unsigned int calls;
	uint64_t offset, written;
	bool write;
	unsigned int size;
};

static int fake_access(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct fake_dev *d = ctx;

	d->calls++;
	d->offset = offset;
	d->write = write;
	d->size = size;
	if (d->result)
		return d->result;
	if (write)
		d->written = *val;
	else
		*val = d->tag + offset;
	return 0;
}

static int other_access(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	return fake_access(ctx, offset, write, size, val);
}

static void test_register_and_find(void)
{
	struct mmio_table t;
	struct fake_dev a = { .tag = 0xa000 }, b = { .tag = 0xb000 };
	const struct mmio_region *r;

	mmio_init(&t);
	CHECK(mmio_find(&t, 0x9000000) == NULL);
	CHECK(mmio_register(&t, "uart", 0x9000000, 0x1000, fake_access, &a, NULL) == 0);
	CHECK(mmio_register(&t, "gicd", 0x8000000, 0x10000, other_access, &b, NULL) == 0);
	CHECK_EQ_U64(t.n, 2);
	/* The first and the last byte belong to it; the bytes either side do not. */
	r = mmio_find(&t, 0x9000000);
	CHECK(r && r->ctx == &a);
	r = mmio_find(&t, 0x9000fff);
	CHECK(r && r->ctx == &a);
	CHECK(mmio_find(&t, 0x9001000) == NULL);
	CHECK(mmio_find(&t, 0x8ffffff) == NULL);
	r = mmio_find(&t, 0x8000000);
	CHECK(r && r->ctx == &b);
	CHECK_STR(r ? r->name : NULL, "gicd");
	CHECK(mmio_find(&t, 0x800ffff) == r);
	CHECK(mmio_find(&t, 0x8010000) == NULL);
	CHECK(mmio_find(&t, 0) == NULL);
	CHECK(mmio_find(&t, UINT64_MAX) == NULL);
	/* Found by handler, as the guest's DTB is written. */
	CHECK(mmio_find_handler(&t, other_access) == r);
	CHECK(mmio_find_handler(&t, fake_access)->base == 0x9000000);
}

static void test_overlap_refused(void)
{
	struct mmio_table t;
	struct fake_dev a = { 0 };
	struct err_why why = { "" };

	mmio_init(&t);
	CHECK(mmio_register(&t, "gicr", 0x80a0000, 0x40000, fake_access, &a, NULL) == 0);
	/* One byte into it from below, from above, inside, around: all refused. */
	CHECK(mmio_register(&t, "x", 0x8090000, 0x10001, fake_access, &a, &why) == E_BUSY);
	CHECK(why.msg[0] != '\0');
	CHECK(mmio_register(&t, "x", 0x80dffff, 0x1000, fake_access, &a, NULL) == E_BUSY);
	CHECK(mmio_register(&t, "x", 0x80b0000, 0x1000, fake_access, &a, NULL) == E_BUSY);
	CHECK(mmio_register(&t, "x", 0x8000000, 0x1000000, fake_access, &a, NULL) == E_BUSY);
	CHECK(mmio_register(&t, "x", 0x80a0000, 0x40000, fake_access, &a, NULL) == E_BUSY);
	CHECK_EQ_U64(t.n, 1);
	/* Touching at either end is not overlapping. */
	CHECK(mmio_register(&t, "below", 0x8090000, 0x10000, fake_access, &a, NULL) == 0);
	CHECK(mmio_register(&t, "above", 0x80e0000, 0x10000, fake_access, &a, NULL) == 0);
	CHECK_EQ_U64(t.n, 3);
}

static void test_bad_ranges(void)
{
	struct mmio_table t;
	struct fake_dev a = { 0 };

	mmio_init(&t);
	CHECK(mmio_register(&t, "empty", 0x1000, 0, fake_access, &a, NULL) == E_INVAL);
	CHECK(mmio_register(&t, "wraps", UINT64_MAX - 0xfff, 0x2000, fake_access, &a, NULL) ==
	      E_INVAL);
	CHECK(mmio_register(&t, "nofn", 0x1000, 0x1000, NULL, &a, NULL) == E_INVAL);
	CHECK_EQ_U64(t.n, 0);
}

static void test_full_table(void)
{
	struct mmio_table t;
	struct fake_dev a = { 0 };
	struct err_why why = { "" };

	mmio_init(&t);
	for (unsigned int i = 0; i < MMIO_MAX_REGIONS; i++)
		CHECK(mmio_register(&t, "dev", 0x10000000 + i * 0x1000ULL, 0x1000, fake_access, &a,
				    NULL) == 0);
	CHECK(mmio_register(&t, "one more", 0x20000000, 0x1000, fake_access, &a, &why) == E_NOMEM);
	CHECK(why.msg[0] != '\0');
	CHECK_EQ_U64(t.n, MMIO_MAX_REGIONS);
	/* The last one registered is still found; a freed slot takes a new region. */
	CHECK(mmio_find(&t, 0x10000000 + (MMIO_MAX_REGIONS - 1) * 0x1000ULL + 0xfff) != NULL);
	CHECK(mmio_unregister(&t, 0x10001000) == 0);
	CHECK(mmio_find(&t, 0x10001000) == NULL);
	CHECK(mmio_find(&t, 0x10002000) != NULL);
	CHECK(mmio_unregister(&t, 0x10001000) == E_NOENT);
	CHECK(mmio_register(&t, "one more", 0x20000000, 0x1000, fake_access, &a, NULL) == 0);
}

static void test_dispatch(void)
{
	struct mmio_table t;
	struct fake_dev a = { .tag = 0xa000 }, b = { .tag = 0xb000 };
	uint64_t val = 0;

	mmio_init(&t);
	CHECK(mmio_register(&t, "a", 0x9000000, 0x1000, fake_access, &a, NULL) == 0);
	CHECK(mmio_register(&t, "b", 0x4010000000, 0x100000, fake_access, &b, NULL) == 0);
	/* A read: the handler gets the offset from its own base and fills the value. */
	CHECK(mmio_dispatch(&t, 0x9000018, false, 2, &val) == 0);
	CHECK_EQ_U64(val, 0xa018);
	CHECK(a.calls == 1 && a.offset == 0x18 && !a.write && a.size == 2);
	CHECK_EQ_U64(b.calls, 0);
	/* A write to the other region. */
	val = 0x1234;
	CHECK(mmio_dispatch(&t, 0x40100fff04, true, 4, &val) == 0);
	CHECK(b.calls == 1 && b.offset == 0xfff04 && b.write && b.written == 0x1234);
	/* Nothing there: no handler runs. */
	CHECK(mmio_dispatch(&t, 0x9001000, false, 4, &val) == E_NOENT);
	CHECK(mmio_dispatch(&t, 0x8fffffc, false, 4, &val) == E_NOENT);
	CHECK(a.calls == 1 && b.calls == 1);
	/* The handler's error comes back as it is (the caller injects an abort). */
	a.result = E_INVAL;
	val = 0x55;
	CHECK(mmio_dispatch(&t, 0x9000ffc, false, 4, &val) == E_INVAL);
	CHECK_EQ_U64(val, 0x55);
	CHECK_EQ_U64(a.calls, 2);
}

/* The last-hit hint: first look at the hinted region, search on a miss, any value is safe. */
static void test_dispatch_hint(void)
{
	struct mmio_table t;
	struct fake_dev a = { .tag = 0xa000 }, b = { .tag = 0xb000 }, c = { .tag = 0xc000 };
	unsigned int hint = 0;
	uint64_t val = 0;

	mmio_init(&t);
	CHECK(mmio_register(&t, "a", 0x9000000, 0x1000, fake_access, &a, NULL) == 0);
	CHECK(mmio_register(&t, "b", 0x8000000, 0x10000, fake_access, &b, NULL) == 0);
	CHECK(mmio_register(&t, "c", 0xa000000, 0x1000, fake_access, &c, NULL) == 0);
	/* A miss on the hinted region: found by the search, and the hint now names it. */
	CHECK(mmio_dispatch_hint(&t, &hint, 0x8000010, false, 4, &val) == 0);
	CHECK_EQ_U64(val, 0xb010);
	CHECK_EQ_U64(hint, 1);
	CHECK(b.calls == 1 && b.offset == 0x10 && a.calls == 0);
	/* A hit: the same region again, the hint unchanged. */
	CHECK(mmio_dispatch_hint(&t, &hint, 0x800fffc, true, 4, &val) == 0);
	CHECK(b.calls == 2 && b.offset == 0xfffc && b.write);
	CHECK_EQ_U64(hint, 1);
	CHECK(mmio_dispatch_hint(&t, &hint, 0xa000008, false, 8, &val) == 0);
	CHECK(c.calls == 1 && c.offset == 8);
	CHECK_EQ_U64(hint, 2);
	/* Nothing there: no handler, the hint left alone. */
	CHECK(mmio_dispatch_hint(&t, &hint, 0xa001000, false, 4, &val) == E_NOENT);
	CHECK_EQ_U64(hint, 2);
	/* The hinted slot now holds another region or none: the right one, or nothing. */
	CHECK(mmio_unregister(&t, 0x8000000) == 0); /* c moves to slot 1; slot 2 uncounted */
	CHECK(mmio_dispatch_hint(&t, &hint, 0xa000010, false, 4, &val) == 0);
	CHECK(c.calls == 2 && c.offset == 0x10);
	CHECK_EQ_U64(hint, 1);
	CHECK(mmio_dispatch_hint(&t, &hint, 0x8000010, false, 4, &val) == E_NOENT);
	CHECK_EQ_U64(b.calls, 2);
	hint = 0xffffffff; /* garbage: ignored */
	CHECK(mmio_dispatch_hint(&t, &hint, 0x9000004, false, 4, &val) == 0);
	CHECK(a.calls == 1 && a.offset == 4);
	CHECK_EQ_U64(hint, 0);
}

int main(void)
{
	RUN(test_register_and_find);
	RUN(test_overlap_refused);
	RUN(test_bad_ranges);
	RUN(test_full_table);
	RUN(test_dispatch);
	RUN(test_dispatch_hint);
	return TEST_SUMMARY();
}

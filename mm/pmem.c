// SPDX-License-Identifier: BSD-2-Clause-Patent
/* A sorted list of RAM ranges, each free or owned: small, exact, and easy to print. */
#include "mm/pmem.h"

#include <stddef.h>

#include "kernel/lib/err.h"

static void set_owner(struct pmem_range *r, const char *owner)
{
	size_t i = 0;

	for (; owner && owner[i] && i < PMEM_OWNER_LEN - 1; i++)
		r->owner[i] = owner[i];
	r->owner[i] = '\0';
}

static void tell(const struct pmem *m, uint64_t base, uint64_t size, bool taken, bool tracked)
{
	if (m->changed)
		m->changed(base, size, taken, tracked);
}

static bool is_free(const struct pmem_range *r)
{
	return r->owner[0] == '\0';
}

static void remove_at(struct pmem *m, unsigned int i)
{
	for (unsigned int j = i; j + 1 < m->n; j++)
		m->r[j] = m->r[j + 1];
	m->n--;
}

static int insert_at(struct pmem *m, unsigned int i, const struct pmem_range *r)
{
	if (m->n >= PMEM_MAX_RANGES)
		return E_NOMEM;
	for (unsigned int j = m->n; j > i; j--)
		m->r[j] = m->r[j - 1];
	m->r[i] = *r;
	m->n++;
	return 0;
}

/* Merge free neighbours that touch, so the list stays short. */
static void coalesce(struct pmem *m)
{
	for (unsigned int i = 0; i + 1 < m->n;) {
		struct pmem_range *a = &m->r[i], *b = &m->r[i + 1];

		if (is_free(a) && is_free(b) && a->base + a->size == b->base) {
			a->size += b->size;
			remove_at(m, i + 1);
		} else {
			i++;
		}
	}
}

void pmem_init(struct pmem *m)
{
	m->n = 0;
}

int pmem_add_ram(struct pmem *m, uint64_t base, uint64_t size)
{
	struct pmem_range r = { .base = base, .size = size };
	unsigned int i = 0;
	int ret;

	if (!size || base + size < base)
		return E_INVAL;
	while (i < m->n && m->r[i].base < base)
		i++;
	if ((i > 0 && m->r[i - 1].base + m->r[i - 1].size > base) ||
	    (i < m->n && base + size > m->r[i].base))
		return E_EXIST;
	ret = insert_at(m, i, &r);
	if (!ret)
		coalesce(m);
	return ret;
}

/* Split free range i so that [base, base + size) becomes its own range; returns its index. */
static int carve(struct pmem *m, unsigned int i, uint64_t base, uint64_t size, const char *owner)
{
	struct pmem_range *r = &m->r[i];
	uint64_t end = base + size, r_end = r->base + r->size;
	struct pmem_range mid = { .base = base, .size = size };
	struct pmem_range tail = { .base = end, .size = r_end - end };
	int ret;

	/* Each split adds at most two entries: check room first so a failure changes nothing. */
	if (m->n + (base > r->base) + (end < r_end) > PMEM_MAX_RANGES)
		return E_NOMEM;
	set_owner(&mid, owner);
	if (base > r->base) {
		r->size = base - r->base;
		ret = insert_at(m, ++i, &mid);
	} else {
		*r = mid;
		ret = 0;
	}
	if (!ret && tail.size)
		ret = insert_at(m, i + 1, &tail);
	return ret ? ret : (int)i;
}

int pmem_reserve(struct pmem *m, uint64_t base, uint64_t size, const char *owner)
{
	if (!size || base + size < base || !owner || !owner[0])
		return E_INVAL;
	for (unsigned int i = 0; i < m->n; i++) {
		struct pmem_range *r = &m->r[i];

		if (base >= r->base && base < r->base + r->size) {
			if (base + size > r->base + r->size)
				return E_BUSY; /* crosses into another range */
			if (!is_free(r))
				return E_BUSY;
			if (carve(m, i, base, size, owner) < 0)
				return E_NOMEM;
			tell(m, base, size, true, false);
			return 0;
		}
	}
	return E_NOENT;
}

static int alloc(struct pmem *m, uint64_t size, uint64_t align, const char *owner, uint64_t *base,
		 bool tracked)
{
	if (!size || !align || (align & (align - 1)) || !owner || !owner[0])
		return E_INVAL;
	for (unsigned int i = m->n; i-- > 0;) {
		struct pmem_range *r = &m->r[i];
		uint64_t end = r->base + r->size, b;

		if (!is_free(r) || r->size < size)
			continue;
		b = (end - size) & ~(align - 1);
		if (b < r->base)
			continue;
		if (carve(m, i, b, size, owner) < 0)
			return E_NOMEM;
		*base = b;
		tell(m, b, size, true, tracked);
		return 0;
	}
	return E_NOMEM;
}

int pmem_alloc(struct pmem *m, uint64_t size, uint64_t align, const char *owner, uint64_t *base)
{
	return alloc(m, size, align, owner, base, false);
}

int pmem_alloc_tracked(struct pmem *m, uint64_t size, uint64_t align, const char *owner,
		       uint64_t *base)
{
	return alloc(m, size, align, owner, base, true);
}

static int release(struct pmem *m, uint64_t base, uint64_t size, bool tracked)
{
	for (unsigned int i = 0; i < m->n; i++) {
		struct pmem_range *r = &m->r[i];

		if (r->base == base && r->size == size && !is_free(r)) {
			r->owner[0] = '\0';
			coalesce(m);
			tell(m, base, size, false, tracked);
			return 0;
		}
	}
	return E_NOENT;
}

int pmem_free(struct pmem *m, uint64_t base, uint64_t size)
{
	return release(m, base, size, false);
}

int pmem_free_tracked(struct pmem *m, uint64_t base, uint64_t size)
{
	return release(m, base, size, true);
}

const char *pmem_owner(const struct pmem *m, uint64_t pa)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (pa >= m->r[i].base && pa - m->r[i].base < m->r[i].size)
			return m->r[i].owner;
	return NULL;
}

uint64_t pmem_free_extent(const struct pmem *m, uint64_t pa)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (pa >= m->r[i].base && pa - m->r[i].base < m->r[i].size)
			return is_free(&m->r[i]) ? m->r[i].base + m->r[i].size - pa : 0;
	return 0;
}

uint64_t pmem_free_bytes(const struct pmem *m)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < m->n; i++)
		if (is_free(&m->r[i]))
			total += m->r[i].size;
	return total;
}

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A ticket lock (fair, FIFO) from C11 atomics: LDADD (LSE) or LDAXR/STLXR for the ticket, an
 * acquire load to wait, a release store to hand over. Only with the MMU on: exclusives and LSE
 * atomics need Normal memory.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "kernel/arch/arch.h"

struct spinlock {
	_Atomic uint32_t next;	  /* next ticket to hand out */
	_Atomic uint32_t serving; /* ticket that holds the lock */
};

#define SPINLOCK_INIT \
	{             \
		0, 0  \
	}

static inline void spin_lock(struct spinlock *l)
{
	uint32_t me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);

	/* Acquire: the previous holder's writes are visible once we see our ticket served. */
	while (atomic_load_explicit(&l->serving, memory_order_acquire) != me)
		wfe(); /* the holder's release store to this line wakes us; the event stream backs it */
}

static inline void spin_unlock(struct spinlock *l)
{
	uint32_t next = atomic_load_explicit(&l->serving, memory_order_relaxed) + 1;

	/* Release: our writes are visible before the next holder sees its ticket. */
	atomic_store_explicit(&l->serving, next, memory_order_release);
	sev();
}

#endif

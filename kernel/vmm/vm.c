// SPDX-License-Identifier: BSD-2-Clause-Patent
/* VM objects and the physical memory they are carved from. */
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "kernel/vmm/vm_pci.h"
#include "pci/smmu_host.h"

#include <stdatomic.h>

#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/drivers/gic.h"
#include "kernel/hyp.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vring.h"
#include "mm/zmap.h"

/* A scrub chunk is what the zero map tracks as one block. */
_Static_assert(VM_SCRUB_CHUNK == ZMAP_BLOCK, "one scrub chunk, one zero-map block");

/* The unit a chunk is looked at in: a page that reads zero is not written. */
#define SCRUB_PAGE 4096UL

#define RAM_ALIGN (2UL << 20) /* 2 MiB: Stage-2 can use block mappings */

struct vm vms[VM_MAX];
/*
 * One lifecycle lock per VM slot, outside struct vm so a new VM can be zeroed under its lock.
 * Order: taken before the VM's pci_lock and the SMMU's lock (a stop's revoke takes those).
 */
static struct spinlock life_locks[VM_MAX];

/*
 * The lock of vm's slot, found by its place in vms[], never by vm->id: the scrubbers look at
 * every slot, free ones too, and a claim rewrites the slot (struct assignment: the id may read
 * 0 halfway, and a never-used slot's id is 0 until its first claim). A lock chosen by vm->id
 * could be taken as one slot's and released as another's, leaving the first held for good:
 * the next CPU to take it (the shell's idle loop) would spin there forever.
 */
static struct spinlock *life_lock(const struct vm *vm)
{
	return &life_locks[vm - vms];
}

static void copy_name(char *dst, const char *src, unsigned int len)
{
	unsigned int i = 0;

	for (; src && src[i] && i < len - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

struct vm *vm_get(unsigned int id)
{
	if (id >= VM_MAX || !vm_life_visible(atomic_load(&vms[id].state)))
		return NULL;
	return &vms[id];
}

static int add_region(struct vm *vm, const char *name, uint64_t ipa, uint64_t pa, uint64_t size,
		      enum s2_type type, unsigned int perms)
{
	struct vm_region *r;
	int ret;

	if (vm->n_regions >= VM_MAX_REGIONS)
		return E_NOMEM;
	ret = s2_map(&vm->s2, ipa, pa, size, type, perms);
	if (ret)
		return ret;
	r = &vm->regions[vm->n_regions++];
	copy_name(r->name, name, sizeof(r->name));
	r->ipa = ipa;
	r->pa = pa;
	r->size = size;
	r->type = type;
	r->perms = perms;
	return 0;
}

const char *vm_kernel_fmt_name(enum vm_kernel_fmt f)
{
	switch (f) {
	case VM_KERNEL_IMAGE:
		return "image";
	case VM_KERNEL_ELF:
		return "elf";
	case VM_KERNEL_RAW:
		return "raw";
	default:
		return "none";
	}
}

bool vm_vcpus_all_off(const struct vm *vm)
{
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		if (atomic_load(&vm->vcpus[c].state) != VCPU_OFF)
			return false;
	return true;
}

/* The VM's CPUs go back to the pool once every vCPU has left them. */
static void release_cpus(struct vm *vm)
{
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		if (percpu[vm->vcpus[c].pcpu].vm_owner == (int)vm->id)
			percpu[vm->vcpus[c].pcpu].vm_owner = -1;
}

/* Everything a VM holds, whatever step of its creation it reached; the slot is free after. */
static void free_resources(struct vm *vm)
{
	vm_pci_release(vm);
	vring_detach(vm); /* the engine must be done with the VM's RAM before it goes */
	vdisk_forget(vm);
	release_cpus(vm);
	if (vm->s2.vmid)
		s2_destroy(&vm->s2); /* TLBs invalidated for its VMID, then the tables freed */
	/* The zero map keeps what the scrub left clean in it for the next owner. */
	if (vm->ram_size)
		pmem_free_tracked(&phys_mem, vm->ram_pa, vm->ram_size);
	if (vm->image_size)
		pmem_free(&phys_mem, vm->image_pa, vm->image_size);
	/* vm_load_initrd() reserved the staged initrd in whole pages. */
	if (vm->initrd_size)
		pmem_free(&phys_mem, vm->initrd_pa, (vm->initrd_size + 0xfff) & ~0xfffUL);
	vm->ram_size = vm->image_size = vm->initrd_size = 0;
	vm->n_vcpus = 0;
	vm->pci.n = 0;
	vm->n_regions = 0;
}

/* Carry out what a transition asks for; the VM's lifecycle lock is held. */
static void apply(struct vm *vm, unsigned int acts)
{
	enum vm_state before = (enum vm_state)atomic_load(&vm->state);

	/* From here the run writes its RAM: no chunk of it is known to be zero any more. */
	if (acts & VM_ACT_RAM_IN_USE)
		zmap_forget(vm->ram_pa, vm->ram_size);
	if (acts & VM_ACT_CLEAR_STOPS)
		for (unsigned int c = 0; c < vm->n_vcpus; c++)
			atomic_store_explicit(&vm->vcpus[c].stop, 0, memory_order_release);
	if (acts & VM_ACT_STOP_VCPUS)
		for (unsigned int c = 0; c < vm->n_vcpus; c++)
			vcpu_kick_stop(&vm->vcpus[c]);
	/* Only once no vCPU is in the guest: none of them can see its device vanish. */
	if (acts & VM_ACT_REVOKE) {
		vm_pci_stop(vm);  /* no DMA into RAM that is about to be reused */
		vdisk_detach(vm); /* nor by the block engine: its requests drain first */
		vring_detach(vm); /* nor the engine's writes into a ring in it: the scrub is next */
	}
	if (acts & VM_ACT_RELEASE_CPUS)
		release_cpus(vm);
	if (acts & VM_ACT_FREE)
		free_resources(vm);
	atomic_store(&vm->state, vm->life.state);
	/* The shell may sleep in WFI (attached, or waiting to restart a reset): wake it. */
	if ((acts & VM_ACT_WAKE_SHELL) && this_cpu()->id != 0)
		gic_send_sgi(percpu[0].mpidr, GIC_SGI_WAKE);
	/* RAM to scrub now: idle CPUs asleep in WFI take chunks of it (vm_scrub_some). */
	if (before != vm->life.state && !vm_life_ram_clean(&vm->life))
		smp_wake_idle();
}

void vm_scrub_defer(struct vm *vm)
{
	spin_lock(life_lock(vm));
	vm_life_scrub_defer(&vm->life, true);
	spin_unlock(life_lock(vm));
}

bool vm_scrub_claim(struct vm *vm, uint64_t *pa, bool for_start)
{
	unsigned int chunk;
	bool claimed;

	spin_lock(life_lock(vm));
	claimed = vm_life_scrub_claim(&vm->life, &chunk, for_start);
	/* The RAM stays the VM's while a chunk is claimed: a destroy waits for the claim. */
	*pa = vm->ram_pa + (uint64_t)chunk * VM_SCRUB_CHUNK;
	spin_unlock(life_lock(vm));
	return claimed;
}

void vm_scrub_done(struct vm *vm, uint64_t pa)
{
	spin_lock(life_lock(vm));
	vm_life_scrub_done(&vm->life);
	/* Under the lifecycle lock: no start (which forgets it again) comes in between. */
	zmap_mark_clean(pa, VM_SCRUB_CHUNK);
	spin_unlock(life_lock(vm));
}

void vm_scrub_chunk(uint64_t pa)
{
	/*
	 * A chunk the zero map knows clean (scrubbed since its last writer, or never owned and
	 * read as zero) costs nothing. Otherwise only the pages that are not zero are written:
	 * RAM a run never touched, or that nothing ever wrote, is read but not written.
	 */
	if (!zmap_is_clean(pa, VM_SCRUB_CHUNK)) {
		for (uint64_t off = 0; off < VM_SCRUB_CHUNK; off += SCRUB_PAGE)
			if (!zmap_range_is_zero(pa + off, SCRUB_PAGE))
				mem_zero_range(pa + off, SCRUB_PAGE);
		/*
		 * The next guest starts with its MMU off, so its reads go to memory: push the
		 * zeros (written now, or dirty in the cache from before) to the Point of
		 * Coherency. dcache_clean_range() ends with a DSB, so the clean completes before
		 * vm_scrub_done()'s unlock tells a start that the chunk is clean.
		 */
		dcache_clean_range(pa, VM_SCRUB_CHUNK);
	}
}

bool vm_scrub_one(struct vm *vm, bool for_start)
{
	uint64_t pa;

	if (!vm_scrub_claim(vm, &pa, for_start))
		return false;
	vm_scrub_chunk(pa);
	vm_scrub_done(vm, pa);
	return true;
}

bool vm_scrub_some(void)
{
	for (unsigned int i = 0; i < VM_MAX; i++)
		if (vm_scrub_one(&vms[i], false))
			return true;
	return false;
}

unsigned int vm_scrub_left(const struct vm *vm)
{
	unsigned int left;

	spin_lock(life_lock(vm));
	left = vm_life_scrub_left(&vm->life);
	spin_unlock(life_lock(vm));
	return left;
}

int vm_scrub_wait(struct vm *vm, struct err_why *why)
{
	uint64_t second = timer_us_to_ticks(1000000), deadline = timer_count() + second;
	unsigned int left = vm_scrub_left(vm), now;

	for (;;) {
		int s = atomic_load(&vm->state);

		if (s != VM_CREATED && s != VM_STOPPED && s != VM_RESETTING)
			return 0; /* not idle: the start request itself refuses, with the state */
		if (vm_scrub_one(vm, true))
			continue;
		now = vm_scrub_left(vm);
		if (!now)
			return 0;
		/* Chunks other CPUs hold: wait while they make progress. */
		if (now != left) {
			left = now;
			deadline = timer_count() + second;
		}
		if (timer_count() > deadline)
			return err_fail(why, E_BUSY,
					"vm%u: %u MiB of its RAM not scrubbed after 1 s without "
					"progress",
					vm->id,
					(unsigned int)((uint64_t)now * VM_SCRUB_CHUNK >> 20));
		cpu_relax();
	}
}

int vm_request(struct vm *vm, enum vm_req req, const char *reason, struct err_why *why)
{
	unsigned int acts;
	bool stopped_now;
	int ret;

	spin_lock(life_lock(vm));
	ret = vm_life_request(&vm->life, req, vm_vcpus_all_off(vm), &acts, why);
	stopped_now = !ret && (acts & VM_ACT_STOP_VCPUS);
	if (!ret) {
		if (stopped_now && reason)
			copy_name(vm->stop_reason, reason, sizeof(vm->stop_reason));
		apply(vm, acts);
	}
	spin_unlock(life_lock(vm));
	if (stopped_now && reason)
		pr_info("vm%u (%s) %s: %s\n", vm->id, vm->name,
			req == VM_REQ_RESET ? "resetting" : "stopping", reason);
	return ret;
}

void vm_stop(struct vm *vm, const char *why)
{
	/* Refused when the VM is already stopping or resetting: the first reason wins. */
	vm_request(vm, VM_REQ_POWER_OFF, why, NULL);
}

bool vm_vcpu_may_enter(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool ok;

	spin_lock(life_lock(vm));
	ok = vm_life_may_enter(&vm->life, v->id,
			       atomic_load_explicit(&v->stop, memory_order_acquire));
	/* On before the lock is dropped: a stop from now on kicks this CPU out of the guest. */
	if (ok)
		atomic_store_explicit(&v->state, VCPU_ON, memory_order_release);
	atomic_store(&vm->state, vm->life.state);
	spin_unlock(life_lock(vm));
	return ok;
}

void vm_vcpu_left(struct vm *vm)
{
	vm_request(vm, VM_REQ_LEFT, NULL, NULL);
}

bool vm_devices_live(struct vm *vm)
{
	int s = atomic_load(&vm->state);

	/*
	 * No lock: the caller holds the VM's pci_lock, which a stop's revoke takes inside the
	 * lifecycle lock. A parked reset still reads as live here, but no vCPU runs then.
	 */
	return s == VM_STARTING || s == VM_RUNNING || s == VM_STOPPING || s == VM_RESETTING;
}

bool vm_reset_parked(struct vm *vm)
{
	bool parked;

	spin_lock(life_lock(vm));
	parked = vm->life.state == VM_RESETTING && vm->life.parked;
	spin_unlock(life_lock(vm));
	return parked;
}

int vm_check_idle(struct vm *vm, const char *what, struct err_why *why)
{
	int s = atomic_load(&vm->state);

	if (s == VM_CREATED || s == VM_STOPPED)
		return 0;
	return err_fail(why, E_BUSY, "cannot %s: vm%u is %s (stop it first)", what, vm->id,
			vm_state_name(s));
}

const char *vcpu_state_name(int s)
{
	switch (s) {
	case VCPU_ON:
		return "on";
	case VCPU_ON_PENDING:
		return "on-pending";
	default:
		return "off";
	}
}

int vm_wait_stopped_why(struct vm *vm, uint64_t timeout_us, struct err_why *why)
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(timeout_us);
	int s;

	for (;;) {
		s = atomic_load(&vm->state);
		if (s == VM_STOPPED || s == VM_CREATED)
			return 0;
		if (s != VM_STOPPING && s != VM_STARTING && s != VM_RUNNING && s != VM_RESETTING)
			return err_fail(why, E_INVAL, "vm%u is %s", vm->id, vm_state_name(s));
		if (timer_count() > deadline)
			break;
		cpu_relax();
	}
	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		const struct vcpu *v = &vm->vcpus[c];
		int vs = atomic_load(&v->state);

		if (vs != VCPU_OFF)
			return err_fail(
				why, E_BUSY,
				"vm%u: vcpu%u on cpu%u did not leave the guest within %llu ms "
				"(%s)",
				vm->id, c, v->pcpu, (unsigned long long)(timeout_us / 1000),
				vcpu_state_name(vs));
	}
	return err_fail(why, E_BUSY, "vm%u is still %s after %llu ms", vm->id, vm_state_name(s),
			(unsigned long long)(timeout_us / 1000));
}

bool vm_wait_stopped(struct vm *vm, uint64_t timeout_us)
{
	return !vm_wait_stopped_why(vm, timeout_us, NULL);
}

int vm_build(const char *name, uint64_t ram_size, bool identity, struct vm **out,
	     struct err_why *why)
{
	struct vm *vm = NULL;
	char owner[PMEM_OWNER_LEN];
	unsigned int acts;
	int ret;

	if (!ram_size || (ram_size & (RAM_ALIGN - 1)))
		return err_fail(why, E_INVAL, "RAM size must be a non-zero multiple of 2 MiB");
	for (unsigned int i = 0; i < VM_MAX && !vm; i++) {
		struct vm_life life;

		spin_lock(&life_locks[i]);
		vms[i].life.id = i;
		life = vms[i].life;
		if (!vm_life_request(&life, VM_REQ_CLAIM, true, &acts, NULL)) {
			/* Ours now (building): nothing else looks at it until vm_publish(). */
			vm = &vms[i];
			*vm = (struct vm){ .id = i, .life = life };
			atomic_store(&vm->state, VM_BUILDING);
		}
		spin_unlock(&life_locks[i]);
	}
	if (!vm)
		return err_fail(why, E_NOMEM, "all %u VM slots are in use ('vm destroy' frees one)",
				VM_MAX);
	copy_name(vm->name, name, sizeof(vm->name));
	fmt_snprintf(owner, sizeof(owner), "vm%u RAM", vm->id);
	ret = pmem_alloc_tracked(&phys_mem, ram_size, RAM_ALIGN, owner, &vm->ram_pa);
	if (ret) {
		vm_destroy(vm, NULL);
		return err_fail(why, ret, "no %llu MiB of free RAM in one piece (%llu MiB free)",
				(unsigned long long)(ram_size >> 20),
				(unsigned long long)(pmem_free_bytes(&phys_mem) >> 20));
	}
	vm->ram_size = ram_size;
	/*
	 * Whatever the memory held before (an earlier VM, firmware) is scrubbed before a start;
	 * chunks the zero map knows clean are passed over without a write.
	 */
	spin_lock(life_lock(vm));
	vm_life_scrub_init(&vm->life, (unsigned int)(ram_size / VM_SCRUB_CHUNK));
	spin_unlock(life_lock(vm));
	/* Identity: DMA addresses a guest programs into a device are then right without an SMMU. */
	vm->ram_ipa = identity ? vm->ram_pa : GUEST_RAM_IPA;
	ret = s2_init(&vm->s2, &hyp_pool, hyp.vtcr);
	if (ret) {
		vm_destroy(vm, NULL); /* s2_init left vm->s2 empty: only the RAM goes back */
		return err_fail(why, ret, "no VMID or Stage-2 table free");
	}
	ret = add_region(vm, "RAM", vm->ram_ipa, vm->ram_pa, ram_size, S2_NORMAL, S2_RWX);
	if (ret) {
		vm_destroy(vm, NULL);
		return err_fail(why, ret, "cannot map its RAM in Stage-2");
	}
	*out = vm;
	return 0;
}

void vm_publish(struct vm *vm)
{
	vm_request(vm, VM_REQ_PUBLISH, NULL, NULL);
}

int vm_create(const char *name, uint64_t ram_size, bool identity, struct vm **out)
{
	int ret = vm_build(name, ram_size, identity, out, NULL);

	if (!ret)
		vm_publish(*out);
	return ret;
}

int vm_destroy(struct vm *vm, struct err_why *why)
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(1000000);
	bool held;
	int ret;

	/*
	 * A CPU zeroing a chunk of the RAM holds the destroy back (the RAM must not be handed out
	 * while it writes into it); no new chunk is claimed meanwhile, so one chunk's time does.
	 */
	for (;;) {
		ret = vm_request(vm, VM_REQ_DESTROY, NULL, why);
		spin_lock(life_lock(vm));
		held = ret == E_BUSY && vm->life.scrub_held;
		if (held && timer_count() > deadline)
			vm_life_scrub_release(&vm->life);
		spin_unlock(life_lock(vm));
		if (!held || timer_count() > deadline)
			return ret;
		cpu_relax();
	}
}

int vm_map_device(struct vm *vm, const char *name, uint64_t ipa, uint64_t pa, uint64_t size)
{
	return add_region(vm, name, ipa, pa, size, S2_DEVICE, S2_RW);
}

static void drop_region(struct vm *vm, unsigned int i)
{
	for (; i + 1 < vm->n_regions; i++)
		vm->regions[i] = vm->regions[i + 1];
	vm->n_regions--;
}

void vm_unmap_device(struct vm *vm, uint64_t pa, uint64_t size)
{
	for (unsigned int i = 0; i < vm->n_regions;) {
		struct vm_region *r = &vm->regions[i];

		if (r->type == S2_DEVICE && r->pa < pa + size && pa < r->pa + r->size &&
		    !s2_unmap(&vm->s2, r->ipa, r->size)) {
			drop_region(vm, i);
			continue;
		}
		i++;
	}
}

int vm_ram_identity(struct vm *vm)
{
	uint64_t delta = vm->ram_pa - vm->ram_ipa;
	int ret;

	if (!delta)
		return 0;
	/* An ELF kernel is linked for the addresses it loads at: it cannot move with the RAM. */
	if (vm->kernel_fmt == VM_KERNEL_ELF)
		return E_NOTSUP;
	for (unsigned int i = 0; i < vm->n_regions; i++) {
		struct vm_region *r = &vm->regions[i];

		if (r->type != S2_NORMAL || r->ipa != vm->ram_ipa)
			continue;
		ret = s2_unmap(&vm->s2, r->ipa, r->size);
		if (ret)
			return ret;
		ret = s2_map(&vm->s2, r->pa, r->pa, r->size, r->type, r->perms);
		if (ret) {
			/* Put it back where it was; the tables that held it are still there. */
			if (s2_map(&vm->s2, r->ipa, r->pa, r->size, r->type, r->perms))
				pr_err("vm%u: RAM unmapped and not mapped back\n", vm->id);
			return ret;
		}
		r->ipa = r->pa;
		vm->ram_ipa = vm->ram_pa;
		/* The Image and DTB keep their offsets into RAM. */
		if (vm->image_size) {
			vm->entry_ipa += delta;
			vm->dtb_ipa += delta;
		}
		return 0;
	}
	return E_NOENT;
}

uint64_t vm_ipa_end(const struct vm *vm)
{
	unsigned int n = atomic_load(&vm->mmio.n);
	uint64_t end = 0;

	for (unsigned int i = 0; i < vm->n_regions; i++)
		if (vm->regions[i].ipa + vm->regions[i].size > end)
			end = vm->regions[i].ipa + vm->regions[i].size;
	for (unsigned int i = 0; i < n; i++)
		if (vm->mmio.region[i].base + vm->mmio.region[i].size > end)
			end = vm->mmio.region[i].base + vm->mmio.region[i].size;
	return end;
}

/* Map every region of the VM into its (fresh, empty) Stage-2. */
static int map_regions(struct vm *vm)
{
	int ret;

	for (unsigned int i = 0; i < vm->n_regions; i++) {
		const struct vm_region *r = &vm->regions[i];

		ret = s2_map(&vm->s2, r->ipa, r->pa, r->size, r->type, r->perms);
		if (ret)
			return ret;
	}
	return 0;
}

int vm_set_vtcr(struct vm *vm, uint64_t vtcr)
{
	uint64_t old = vm->s2.vtcr;
	unsigned int bits = 64 - (unsigned int)(vtcr & 0x3f);
	int ret;

	if (vtcr == old)
		return 0;
	if (bits < 64 && vm_ipa_end(vm) > 1ULL << bits)
		return E_RANGE;
	ret = s2_reshape(&vm->s2, vtcr);
	if (ret)
		return ret;
	ret = map_regions(vm);
	if (ret && (s2_reshape(&vm->s2, old) || map_regions(vm)))
		pr_err("vm%u: its Stage-2 could not be made again: it will fault\n", vm->id);
	return ret;
}

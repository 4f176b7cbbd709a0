// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The VM layer's side of the lifecycle (kernel/vmm/vm.c) on the fake hardware layer, with the
 * real physical-memory map, page pool and Stage-2 code: a create that fails at any step leaves
 * no slot, RAM or VMID behind and is never visible; a stop takes the devices back only when
 * the last vCPU has left, once, on the CPU that saw it leave; a vCPU of a stopping VM does not
 * enter; destroy gives everything back. The RAM scrub: random interleavings (fixed seeds) of
 * two idle CPUs zeroing chunks (or reading never-owned RAM for the zero map) with the VM's
 * create, a guest's run and stop, restarts, a destroy and the next VM on the same memory: every
 * start finds its RAM all zero, no CPU zeroes RAM a guest runs in, no destroy hands RAM back
 * while a CPU still writes into it, and never-owned RAM is never written.
 */
#define _GNU_SOURCE /* mmap()'s MAP_FIXED_NOREPLACE and MAP_ANONYMOUS */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "fake.h"
#include "kernel/hyp.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "mm/mem.h"
#include "mm/vtcr.h"
#include "mm/zmap.h"
#include "test.h"

#define MiB	   (1ULL << 20)
#define RAM_BASE   0x40000000ULL
#define RAM_SIZE   (64 * MiB)
#define POOL_PA	   0x80000000ULL
#define POOL_PAGES 64

/* Stand-ins for what vm.c calls in modules these tests do not cover; they record the call. */
struct hyp_state hyp;
struct pmem phys_mem; /* mm/mem.c's, which also holds boot steps these tests do not link */
struct palloc hyp_pool;
static unsigned int revokes, revokes_with_vcpu_on, smmu_releases, ring_detaches, kicks;
static unsigned int disk_detaches, disk_forgets;

void vm_pci_stop(struct vm *vm)
{
	revokes++;
	if (!vm_vcpus_all_off(vm))
		revokes_with_vcpu_on++;
}

void vm_pci_release(struct vm *vm)
{
	(void)vm;
	smmu_releases++;
}

void vring_detach(struct vm *vm)
{
	(void)vm;
	ring_detaches++;
}

void vdisk_detach(struct vm *vm)
{
	(void)vm;
	disk_detaches++;
}

void vdisk_forget(struct vm *vm)
{
	(void)vm;
	disk_forgets++;
}

void vcpu_kick_stop(struct vcpu *v)
{
	atomic_store(&v->stop, 1);
	kicks++;
}

static uint8_t *pool_mem;
static uint8_t *ram; /* host memory at RAM_BASE: the fake mem_zero_range() writes there */

static void setup(unsigned int pool_pages)
{
	uint64_t vtcr;

	if (!ram) {
		ram = mmap((void *)(uintptr_t)RAM_BASE, RAM_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (ram != (uint8_t *)(uintptr_t)RAM_BASE) {
			fprintf(stderr, "cannot map the test's RAM at 0x%llx\n",
				(unsigned long long)RAM_BASE);
			exit(1);
		}
	}
	fake_reset();
	memset(vms, 0, sizeof(vms));
	revokes = revokes_with_vcpu_on = smmu_releases = ring_detaches = kicks = 0;
	disk_detaches = disk_forgets = 0;
	pmem_init(&phys_mem);
	CHECK_EQ_U64(pmem_add_ram(&phys_mem, RAM_BASE, RAM_SIZE), 0);
	/* As mm/mem.c at boot: nothing known zero; the memory map tells the zero map. */
	zmap_init(RAM_BASE, RAM_SIZE);
	phys_mem.changed = zmap_pmem_change;
	if (!pool_mem)
		pool_mem = aligned_alloc(PT_PAGE_SIZE, POOL_PAGES * PT_PAGE_SIZE);
	CHECK(pool_mem != NULL);
	CHECK_EQ_U64(palloc_init(&hyp_pool, pool_mem, POOL_PA, pool_pages), 0);
	CHECK_EQ_U64(vtcr_compute(2 /* PARange: 40 bits */, 0, &vtcr), 0);
	hyp.vtcr = vtcr;
	fake_smp.cpu = 0; /* the shell's CPU */
}

static unsigned int visible(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < VM_MAX; i++)
		n += vm_get(i) != NULL;
	return n;
}

static void test_failed_create_leaves_nothing(void)
{
	struct err_why why = { 0 };
	struct vm *vm = NULL;
	uint64_t free_before;

	setup(POOL_PAGES);
	free_before = pmem_free_bytes(&phys_mem);
	/* More failures than slots: each one gives its slot back. */
	for (unsigned int i = 0; i < VM_MAX + 2; i++) {
		why = (struct err_why){ 0 };
		CHECK_EQ_U64(vm_build("big", 128 * MiB, false, &vm, &why), E_NOMEM);
		CHECK(strstr(why.msg, "128 MiB") != NULL);
		CHECK_EQ_U64(visible(), 0);
		CHECK_EQ_U64(pmem_free_bytes(&phys_mem), free_before);
		CHECK_EQ_U64(hyp_pool.used, 0);
	}
	CHECK_EQ_U64(vm_create("ok", 16 * MiB, false, &vm), 0);
	CHECK_EQ_U64(visible(), 1);
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
	CHECK_EQ_U64(visible(), 0);
	CHECK_EQ_U64(pmem_free_bytes(&phys_mem), free_before);
	CHECK_EQ_U64(hyp_pool.used, 0);
}

static void test_failed_stage2_gives_ram_back(void)
{
	struct err_why why = { 0 };
	struct vm *vm = NULL;
	uint64_t free_before;

	setup(1); /* not enough pages for the Stage-2 root tables */
	free_before = pmem_free_bytes(&phys_mem);
	CHECK(vm_build("s2", 16 * MiB, false, &vm, &why) != 0);
	CHECK(why.msg[0] != '\0');
	CHECK_EQ_U64(visible(), 0);
	CHECK_EQ_U64(pmem_free_bytes(&phys_mem), free_before);
	CHECK_EQ_U64(hyp_pool.used, 0);
	for (unsigned int i = 0; i < VM_MAX; i++)
		CHECK_EQ_U64(atomic_load(&vms[i].state), VM_FREE);
}

static void test_building_is_invisible(void)
{
	struct vm *vm = NULL;

	setup(POOL_PAGES);
	CHECK_EQ_U64(vm_build("half", 16 * MiB, false, &vm, NULL), 0);
	CHECK(vm_get(vm->id) == NULL); /* no command can walk it yet */
	vm_publish(vm);
	CHECK(vm_get(vm->id) == vm);
}

/* A created VM with two vCPUs on CPUs 1 and 2, started as vm_start() would, both in the guest. */
static struct vm *running_vm(void)
{
	struct vm *vm = NULL;

	CHECK_EQ_U64(vm_create("two", 16 * MiB, false, &vm), 0);
	vm->n_vcpus = 2;
	for (unsigned int c = 0; c < 2; c++) {
		vm->vcpus[c] = (struct vcpu){ .vm = vm, .id = c, .pcpu = c + 1 };
		atomic_store(&vm->vcpus[c].stop, 1); /* left over from an earlier run */
		percpu[c + 1].vm_owner = (int)vm->id;
	}
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_START, NULL, NULL), 0);
	/* Cleared by the VM layer when it starts, before any CPU sees a vCPU. */
	CHECK(!atomic_load(&vm->vcpus[0].stop) && !atomic_load(&vm->vcpus[1].stop));
	CHECK_EQ_U64(vm_request(vm, VM_REQ_HANDOFF, NULL, NULL), 0);
	atomic_store(&vm->vcpus[0].state, VCPU_ON_PENDING);
	fake_smp.cpu = 1;
	CHECK(vm_vcpu_may_enter(&vm->vcpus[0]));
	CHECK_EQ_U64(atomic_load(&vm->state), VM_RUNNING);
	CHECK_EQ_U64(atomic_load(&vm->vcpus[0].state), VCPU_ON);
	atomic_store(&vm->vcpus[1].state, VCPU_ON_PENDING);
	fake_smp.cpu = 2;
	CHECK(vm_vcpu_may_enter(&vm->vcpus[1]));
	fake_smp.cpu = 0;
	return vm;
}

static void test_stop_revokes_after_the_last_vcpu_left(void)
{
	struct err_why why = { 0 };
	struct vm *vm;

	setup(POOL_PAGES);
	vm = running_vm();
	CHECK_EQ_U64(vm_request(vm, VM_REQ_STOP, "stopped from the shell", &why), 0);
	CHECK_EQ_U64(atomic_load(&vm->state), VM_STOPPING);
	CHECK_EQ_U64(kicks, 2);
	CHECK_EQ_U64(revokes, 0); /* both vCPUs are still in the guest */
	CHECK_STR(vm->stop_reason, "stopped from the shell");
	/* A guest's reset in the meantime is refused: the stop is the decision. */
	CHECK(vm_request(vm, VM_REQ_RESET, "reset", NULL) != 0);
	/* vCPU 1 leaves first, on CPU 2: nothing revoked yet. */
	fake_smp.cpu = 2;
	atomic_store(&vm->vcpus[1].state, VCPU_OFF);
	vm_vcpu_left(vm);
	CHECK_EQ_U64(revokes, 0);
	/* A vCPU that is started now (a CPU_ON in flight) does not enter. */
	atomic_store(&vm->vcpus[1].state, VCPU_ON_PENDING);
	CHECK(!vm_vcpu_may_enter(&vm->vcpus[1]));
	atomic_store(&vm->vcpus[1].state, VCPU_OFF);
	vm_vcpu_left(vm);
	CHECK_EQ_U64(revokes, 0);
	/* vCPU 0 leaves last, on CPU 1: that CPU revokes, once, and wakes the shell's CPU. */
	fake_smp.cpu = 1;
	atomic_store(&vm->vcpus[0].state, VCPU_OFF);
	vm_vcpu_left(vm);
	vm_vcpu_left(vm); /* a second report changes nothing */
	CHECK_EQ_U64(revokes, 1);
	CHECK_EQ_U64(revokes_with_vcpu_on, 0);
	CHECK_EQ_U64(atomic_load(&vm->state), VM_STOPPED);
	CHECK_EQ_U64(percpu[1].vm_owner, -1);
	CHECK_EQ_U64(percpu[2].vm_owner, -1);
	fake_smp.cpu = 0;
	CHECK(vm_wait_stopped(vm, 1000));
	why = (struct err_why){ 0 };
	CHECK_EQ_U64(vm_request(vm, VM_REQ_STOP, NULL, &why), E_INVAL);
	CHECK_STR(why.msg, "vm0 is stopped, not running");
}

static void test_wait_names_the_vcpu_that_stays(void)
{
	struct err_why why = { 0 };
	struct vm *vm;

	setup(POOL_PAGES);
	vm = running_vm();
	CHECK_EQ_U64(vm_request(vm, VM_REQ_STOP, "stopped from the shell", NULL), 0);
	atomic_store(&vm->vcpus[0].state, VCPU_OFF);
	vm_vcpu_left(vm);
	/* vCPU 1 never leaves: the bounded wait ends and says which one. */
	CHECK_EQ_U64(vm_wait_stopped_why(vm, 2000, &why), E_BUSY);
	CHECK(strstr(why.msg, "vcpu1 on cpu2 did not leave") != NULL);
	CHECK_EQ_U64(revokes, 0);
}

static void test_destroy_gives_everything_back(void)
{
	struct err_why why = { 0 };
	uint64_t free_before;
	unsigned int vmid;
	struct vm *vm;

	setup(POOL_PAGES);
	free_before = pmem_free_bytes(&phys_mem);
	vm = running_vm();
	vmid = vm->s2.vmid;
	CHECK(vmid != 0);
	CHECK_EQ_U64(vm_destroy(vm, &why), E_BUSY);
	CHECK_STR(why.msg, "vm0 is running: stop it first");
	CHECK_EQ_U64(vm_request(vm, VM_REQ_POWER_OFF, "the guest called PSCI SYSTEM_OFF", NULL), 0);
	for (unsigned int c = 0; c < 2; c++) {
		atomic_store(&vm->vcpus[c].state, VCPU_OFF);
		vm_vcpu_left(vm);
	}
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
	CHECK_EQ_U64(visible(), 0);
	CHECK_EQ_U64(pmem_free_bytes(&phys_mem), free_before);
	CHECK_EQ_U64(hyp_pool.used, 0);
	CHECK_EQ_U64(smmu_releases, 1);
	CHECK(ring_detaches >= 1);
	/* The block engine let go of its rings at the stop, and of the VM's share at the destroy. */
	CHECK(disk_detaches >= 1);
	CHECK_EQ_U64(disk_forgets, 1);
	/* Its VMID's TLB entries were invalidated before its tables went back to the pool. */
	CHECK(fake_count(FAKE_TLBI, NULL) > 0);
	/* The slot and the VMID serve the next VM. */
	CHECK_EQ_U64(vm_create("next", 16 * MiB, false, &vm), 0);
	CHECK_EQ_U64(vm->s2.vmid, vmid);
}

/* ---- the RAM scrub ---- */

#define SCRUB_RAM (4 * MiB) /* four chunks */

static bool ram_all(uint64_t pa, uint64_t size, uint8_t v)
{
	for (uint64_t i = 0; i < size; i++)
		if (ram[pa - RAM_BASE + i] != v)
			return false;
	return true;
}

/* A VM with no vCPU: the start, the handoff and the stop are the lifecycle's alone. */
static struct vm *scrub_vm(const char *name)
{
	struct err_why why = { 0 };
	struct vm *vm = NULL;

	CHECK_EQ_U64(vm_build(name, SCRUB_RAM, false, &vm, &why), 0);
	if (!vm) {
		fprintf(stderr, "vm_build: %s\n", why.msg);
		exit(1);
	}
	vm_publish(vm);
	return vm;
}

static void test_scrub_before_the_first_start(void)
{
	struct err_why why = { 0 };
	struct vm *vm;

	setup(POOL_PAGES);
	memset(ram, 0x5a, RAM_SIZE); /* whatever the memory held before the hypervisor had it */
	vm = scrub_vm("first");
	CHECK(fake_smp.idle_wakes > 0); /* idle CPUs were told there is RAM to zero */
	CHECK_EQ_U64(vm_scrub_left(vm), SCRUB_RAM / VM_SCRUB_CHUNK);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_START, NULL, &why), E_BUSY);
	CHECK_STR(why.msg, "vm0 is created, but its RAM is still being scrubbed");
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK_EQ_U64(vm_scrub_left(vm), 0);
	CHECK(ram_all(vm->ram_pa, SCRUB_RAM, 0));
	/* Each chunk was cleaned to the Point of Coherency for a guest with its MMU off. */
	for (uint64_t off = 0; off < SCRUB_RAM; off += VM_SCRUB_CHUNK)
		CHECK(fake_find_arg(0, FAKE_DC, "cvac", vm->ram_pa + off) >= 0);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_START, NULL, NULL), 0);
}

static void test_destroy_waits_for_a_chunk_in_flight(void)
{
	struct err_why why = { 0 };
	uint64_t pa, pa2;
	struct vm *vm;

	setup(POOL_PAGES);
	vm = scrub_vm("held");
	fake_smp.cpu = 1;
	CHECK(vm_scrub_claim(vm, &pa, false)); /* CPU 1 zeroes a chunk ... */
	fake_smp.cpu = 0;
	CHECK_EQ_U64(vm_request(vm, VM_REQ_DESTROY, NULL, &why), E_BUSY);
	CHECK_STR(why.msg, "vm0 is created, but a CPU is still zeroing its RAM");
	fake_smp.cpu = 2;
	CHECK(!vm_scrub_claim(vm, &pa2, false)); /* ... no new chunk while the destroy waits */
	fake_smp.cpu = 1;
	vm_scrub_done(vm, pa);
	fake_smp.cpu = 0;
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
	CHECK_EQ_U64(visible(), 0);
}

/*
 * RAM nothing has owned since boot: idle CPUs read it, and a VM later given the blocks that
 * read zero starts without a write to them; the blocks that did not read zero (a loader's image)
 * are left as they are until a VM owns them, then zeroed. What a VM leaves scrubbed stays known
 * zero for the next VM on that memory; a run makes it unknown again.
 */
static void test_never_owned_ram_read_not_written(void)
{
	uint64_t zero, unseen, pa;
	struct vm *vm;

	setup(POOL_PAGES);
	memset(ram, 0, RAM_SIZE);
	/* A loader's image in the top 4 MiB (where the VM will go) and one below it. */
	memset(ram + RAM_SIZE - 3 * MiB + 4096, 0x77, 4096);
	memset(ram + RAM_SIZE - 8 * MiB, 0x66, 100);
	zmap_unseen(RAM_BASE, RAM_SIZE);
	zmap_counts(&zero, &unseen);
	CHECK_EQ_U64(zero, 0);
	CHECK_EQ_U64(unseen, RAM_SIZE);
	fake_smp.cpu = 1;
	while (zmap_check_some())
		;
	fake_smp.cpu = 0;
	zmap_counts(&zero, &unseen);
	CHECK_EQ_U64(zero, RAM_SIZE - 2 * MiB);
	CHECK_EQ_U64(unseen, 0);
	CHECK_EQ_U64(fake_count(FAKE_DC, "zva"), 0); /* read, never written */
	CHECK(ram[RAM_SIZE - 8 * MiB] == 0x66);
	/* The VM's four chunks: three known zero, one holding the image's page. */
	vm = scrub_vm("fresh");
	CHECK_EQ_U64(vm->ram_pa, RAM_BASE + RAM_SIZE - SCRUB_RAM);
	fake_reset();
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK_EQ_U64(fake_count(FAKE_DC, "zva"), 1); /* that one page, nothing else */
	CHECK(fake_find_arg(0, FAKE_DC, "zva", RAM_BASE + RAM_SIZE - 3 * MiB + 4096) >= 0);
	CHECK(ram_all(vm->ram_pa, SCRUB_RAM, 0));
	CHECK(ram[RAM_SIZE - 8 * MiB] == 0x66); /* not the VM's: still there */
	/* A run: its RAM is not known zero any more, and the scrub after it writes. */
	CHECK_EQ_U64(vm_request(vm, VM_REQ_START, NULL, NULL), 0);
	zmap_counts(&zero, &unseen);
	CHECK_EQ_U64(zero, RAM_SIZE - 2 * MiB - SCRUB_RAM + MiB);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_HANDOFF, NULL, NULL), 0);
	memset(ram + (vm->ram_pa - RAM_BASE), 0xa5, SCRUB_RAM);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_STOP, "stop", NULL), 0);
	fake_reset();
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK_EQ_U64(fake_count(FAKE_DC, "zva"), SCRUB_RAM / 4096);
	CHECK(ram_all(vm->ram_pa, SCRUB_RAM, 0));
	/* Scrubbed and destroyed: the next VM on that memory starts without a write. */
	pa = vm->ram_pa;
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
	vm = scrub_vm("next");
	CHECK_EQ_U64(vm->ram_pa, pa);
	fake_reset();
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK_EQ_U64(fake_count(FAKE_DC, "zva"), 0);
	/* Destroyed right after a run, before any scrub: the next VM zeroes all of it. */
	CHECK_EQ_U64(vm_request(vm, VM_REQ_START, NULL, NULL), 0);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_HANDOFF, NULL, NULL), 0);
	memset(ram + (vm->ram_pa - RAM_BASE), 0xa5, SCRUB_RAM);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_STOP, "stop", NULL), 0);
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
	vm = scrub_vm("third");
	CHECK_EQ_U64(vm->ram_pa, pa);
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK(ram_all(vm->ram_pa, SCRUB_RAM, 0));
	/* Memory another owner had (not VM RAM) comes back unknown. */
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
	CHECK_EQ_U64(pmem_alloc(&phys_mem, SCRUB_RAM, MiB, "dp rings", &pa), 0);
	memset(ram + (pa - RAM_BASE), 0x3c, SCRUB_RAM);
	CHECK_EQ_U64(pmem_free(&phys_mem, pa, SCRUB_RAM), 0);
	CHECK(!zmap_is_clean(pa, SCRUB_RAM));
	vm = scrub_vm("fourth");
	CHECK_EQ_U64(vm->ram_pa, pa);
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK(ram_all(vm->ram_pa, SCRUB_RAM, 0));
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
}

/*
 * A read of a never-owned block that is under way when the block becomes a VM's RAM, and still
 * under way after the VM ran in it, counts for nothing: it read zeros before the guest wrote.
 */
static void test_check_spoiled_by_a_run(void)
{
	uint64_t pa, top = RAM_BASE + RAM_SIZE - MiB;
	struct vm *vm;
	bool zero;

	setup(POOL_PAGES);
	memset(ram, 0, RAM_SIZE);
	zmap_unseen(top, MiB);
	fake_smp.cpu = 1;
	CHECK(zmap_check_claim(&pa));
	CHECK_EQ_U64(pa, top);
	zero = zmap_range_is_zero(pa, ZMAP_BLOCK);
	CHECK(zero);
	fake_smp.cpu = 0;
	vm = scrub_vm("racer"); /* its RAM holds the block being read */
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_START, NULL, NULL), 0);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_HANDOFF, NULL, NULL), 0);
	memset(ram + (vm->ram_pa - RAM_BASE), 0xa5, SCRUB_RAM);
	CHECK_EQ_U64(vm_request(vm, VM_REQ_STOP, "stop", NULL), 0);
	fake_smp.cpu = 1;
	zmap_check_done(pa, zero); /* the read ends, long after */
	fake_smp.cpu = 0;
	CHECK(!zmap_is_clean(top, MiB));
	CHECK_EQ_U64(vm_scrub_wait(vm, NULL), 0);
	CHECK(ram_all(vm->ram_pa, SCRUB_RAM, 0));
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
}

struct scrubber {
	unsigned int cpu;
	int step;      /* 0: looking for a chunk, 1: holds one, 2: zeroed it */
	struct vm *vm; /* NULL: reading a never-owned block for the zero map */
	uint64_t pa;
	bool zero; /* what that read found */
};

static uint32_t rng;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* One step of an idle CPU running vm_scrub_some(), split where it drops the lock. */
static void scrubber_step(struct scrubber *c)
{
	int s;

	fake_smp.cpu = c->cpu;
	switch (c->step) {
	case 0:
		/* As vm_idle_work(): a chunk of a VM's RAM first, else a block to read. */
		for (unsigned int i = 0; i < VM_MAX && !c->step; i++)
			if (vm_scrub_claim(&vms[i], &c->pa, false)) {
				c->vm = &vms[i];
				c->step = 1;
			}
		if (!c->step && zmap_check_claim(&c->pa)) {
			c->vm = NULL;
			c->step = 1;
		}
		break;
	case 1:
		if (!c->vm) {
			c->zero = zmap_range_is_zero(c->pa, ZMAP_BLOCK);
			c->step = 2;
			break;
		}
		/* Never into RAM a guest may be using, nor RAM no VM holds any more. */
		s = atomic_load(&c->vm->state);
		CHECK(s == VM_CREATED || s == VM_STOPPED || s == VM_RESETTING);
		CHECK(c->pa >= c->vm->ram_pa && c->pa < c->vm->ram_pa + c->vm->ram_size);
		vm_scrub_chunk(c->pa);
		c->step = 2;
		break;
	default:
		if (c->vm)
			vm_scrub_done(c->vm, c->pa);
		else
			zmap_check_done(c->pa, c->zero);
		c->step = 0;
		break;
	}
	fake_smp.cpu = 0;
}

static bool any_holds(const struct scrubber *c, unsigned int n, const struct vm *vm)
{
	for (unsigned int i = 0; i < n; i++)
		if (c[i].step && c[i].vm && c[i].vm == vm)
			return true;
	return false;
}

/*
 * The shell's script, one step at a time: run the guest (it fills its RAM with a pattern) and
 * stop it, twice; destroy it; create the next VM on the same memory and run that. A refused
 * start or destroy is tried again at a later step. Returns false when the script is done.
 */
static bool shell_step(unsigned int *pc, struct vm **vm, const struct scrubber *c, unsigned int n,
		       unsigned int *refused_starts)
{
	struct err_why why = { 0 };
	uint64_t pa;
	int ret;

	switch (*pc) {
	case 0:
		/* Created while idle CPUs may be reading its blocks for the zero map. */
		*vm = scrub_vm("vm");
		break;
	case 1:
	case 2:
	case 5:
		ret = vm_request(*vm, VM_REQ_START, NULL, &why);
		if (ret) {
			CHECK_EQ_U64(ret, E_BUSY);
			CHECK(strstr(why.msg, "still being scrubbed") != NULL);
			(*refused_starts)++;
			return true;
		}
		/* The run's RAM: all zero, and no CPU still writing into it. */
		CHECK(ram_all((*vm)->ram_pa, SCRUB_RAM, 0));
		CHECK(!any_holds(c, n, *vm));
		CHECK_EQ_U64(vm_request(*vm, VM_REQ_HANDOFF, NULL, NULL), 0);
		memset(ram + ((*vm)->ram_pa - RAM_BASE), 0xa5, SCRUB_RAM); /* the guest */
		CHECK_EQ_U64(vm_request(*vm, VM_REQ_STOP, "stop", NULL), 0);
		CHECK_EQ_U64(atomic_load(&(*vm)->state), VM_STOPPED);
		CHECK(vm_scrub_left(*vm) == SCRUB_RAM / VM_SCRUB_CHUNK);
		break;
	case 3:
		ret = vm_request(*vm, VM_REQ_DESTROY, NULL, &why);
		if (ret) {
			CHECK_EQ_U64(ret, E_BUSY);
			return true;
		}
		CHECK(!any_holds(c, n, *vm));
		break;
	case 4:
		pa = (*vm)->ram_pa;
		*vm = scrub_vm("next");
		CHECK_EQ_U64((*vm)->ram_pa, pa); /* the same memory: the guest's pattern is in it */
		break;
	default:
		return false;
	}
	(*pc)++;
	return true;
}

static void test_scrub_interleavings(void)
{
	unsigned int starts_refused = 0, claims_seen = 0;

	for (uint32_t seed = 1; seed <= 300; seed++) {
		struct scrubber c[2] = { { .cpu = 1 }, { .cpu = 2 } };
		unsigned int pc = 0, steps = 0, refused = 0;
		bool more = true;
		struct vm *vm = NULL;
		uint64_t last;

		setup(POOL_PAGES);
		rng = seed * 2654435761u;
		/*
		 * Never-owned RAM: some blocks zero, some not (a loader's image, say); the idle
		 * CPUs read the top of it, where the VMs go, so reads and VMs meet.
		 */
		for (uint64_t b = 0; b < RAM_SIZE / MiB; b++)
			memset(ram + b * MiB, b % 3 ? 0 : 0x5a, MiB);
		zmap_unseen(RAM_BASE + RAM_SIZE - 2 * SCRUB_RAM, 2 * SCRUB_RAM);
		while (more && steps++ < 10000) {
			uint32_t r = next_rand() % 4;

			if (r < 2) {
				scrubber_step(&c[r]);
				claims_seen += c[r].step == 1;
			} else if (r == 2) {
				more = shell_step(&pc, &vm, c, 2, &refused);
			}
			/* r == 3: nothing this step (another CPU's time) */
		}
		CHECK(!more); /* the script finished: nothing waited forever */
		starts_refused += refused;
		/* The CPUs finish their chunks; the last VM goes, with its VMID. */
		for (unsigned int i = 0; i < 2; i++)
			while (c[i].step)
				scrubber_step(&c[i]);
		last = vm->ram_pa;
		CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
		/* The blocks no VM had are as they were: reading them wrote nothing. */
		for (uint64_t b = 0; b < RAM_SIZE / MiB; b++) {
			uint64_t pa = RAM_BASE + b * MiB;

			if (pa < last || pa >= last + SCRUB_RAM)
				CHECK(ram_all(pa, MiB, b % 3 ? 0 : 0x5a));
		}
		if (test_failures_in_case) {
			fprintf(stderr, "scrub interleaving with seed %u failed\n", seed);
			break;
		}
	}
	/* The interleavings did reach the cases that matter. */
	CHECK(starts_refused > 0);
	CHECK(claims_seen > 0);
}

/*
 * A VM whose functions will DMA through its Stage-2 at an SMMU gets a smaller IPA size: its
 * tables are made again for it with every region where it was (same VMID, RAM at its IPA), and
 * a region past the new size refuses it with nothing changed.
 */
static void test_set_vtcr_remaps_every_region(void)
{
	struct vm *vm = NULL;
	struct pt_walk w;
	uint64_t vtcr36 = 0, ram_pa;
	uint16_t vmid;

	setup(POOL_PAGES);
	CHECK_EQ_U64(vm_create("s2", 16 * MiB, false, &vm), 0);
	CHECK_EQ_U64(vm_map_device(vm, "bar", 0x10000000, 0x10000000, 0x4000), 0);
	ram_pa = vm->ram_pa;
	vmid = vm->s2.vmid;
	CHECK_EQ_U64(vm->s2.pt.ia_bits, 40);
	CHECK_EQ_U64(vtcr_limit_ipa(vm->s2.vtcr, 36, &vtcr36), 0);
	CHECK_EQ_U64(vm_set_vtcr(vm, vtcr36), 0);
	CHECK_EQ_U64(vm->s2.vtcr, vtcr36);
	CHECK_EQ_U64(vm->s2.pt.ia_bits, 36);
	CHECK_EQ_U64(vm->s2.vmid, vmid);
	CHECK_EQ_U64(s2_walk(&vm->s2, GUEST_RAM_IPA + 0x123000, &w), 0);
	CHECK(w.mapped && w.pa == ram_pa + 0x123000);
	CHECK_EQ_U64(s2_walk(&vm->s2, 0x10003000, &w), 0);
	CHECK(w.mapped && w.pa == 0x10003000);
	CHECK_EQ_U64(vm_ipa_end(vm), GUEST_RAM_IPA + 16 * MiB);
	/* Back to 40 bits; then a BAR at 64 GiB does not fit 36: refused, the 40-bit tables kept. */
	CHECK_EQ_U64(vm_set_vtcr(vm, hyp.vtcr), 0);
	CHECK_EQ_U64(vm_map_device(vm, "high", 1ULL << 36, 1ULL << 36, 0x4000), 0);
	CHECK_EQ_U64(vm_set_vtcr(vm, vtcr36), (uint64_t)(int64_t)E_RANGE);
	CHECK_EQ_U64(vm->s2.pt.ia_bits, 40);
	CHECK_EQ_U64(s2_walk(&vm->s2, 1ULL << 36, &w), 0);
	CHECK(w.mapped);
	CHECK_EQ_U64(vm_destroy(vm, NULL), 0);
	CHECK_EQ_U64(hyp_pool.used, 0);
}

int main(void)
{
	RUN(test_failed_create_leaves_nothing);
	RUN(test_failed_stage2_gives_ram_back);
	RUN(test_building_is_invisible);
	RUN(test_stop_revokes_after_the_last_vcpu_left);
	RUN(test_wait_names_the_vcpu_that_stays);
	RUN(test_destroy_gives_everything_back);
	RUN(test_scrub_before_the_first_start);
	RUN(test_destroy_waits_for_a_chunk_in_flight);
	RUN(test_never_owned_ram_read_not_written);
	RUN(test_check_spoiled_by_a_run);
	RUN(test_scrub_interleavings);
	RUN(test_set_vtcr_remaps_every_region);
	free(pool_mem);
	return TEST_SUMMARY();
}

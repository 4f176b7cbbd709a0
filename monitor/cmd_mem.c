// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Shell commands for memory: `mem` (physical map), `s2map` and `s2walk` (Stage-2 spaces). */
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/vmm/vm.h"
#include "mm/ptdump.h"
#include "mm/zmap.h"
#include "kernel/lib/parse.h"
#include "monitor/cmd_vm.h"
#include "monitor/shell.h"

static int cmd_mem(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	uint64_t zero, unchecked;
	struct json j;

	if (argc > 1)
		return shell_error(E_INVAL, "usage: mem [--json]");
	zmap_counts(&zero, &unchecked);
	if (as_json) {
		shell_json_begin(&j);
		json_u64(&j, "free", pmem_free_bytes(&phys_mem));
		json_u64(&j, "known_zero", zero);
		json_u64(&j, "unchecked", unchecked);
		json_u64(&j, "pool_pages", hyp_pool.pages);
		json_u64(&j, "pool_used", hyp_pool.used);
		json_arr_begin(&j, "ranges");
	} else {
		printk("physical RAM                            owner\n");
	}
	for (unsigned int i = 0; i < phys_mem.n; i++) {
		const struct pmem_range *r = &phys_mem.r[i];

		if (as_json) {
			json_obj_begin(&j, NULL);
			json_hex(&j, "base", r->base);
			json_hex(&j, "size", r->size);
			json_str(&j, "owner", r->owner);
			json_obj_end(&j);
		} else {
			printk("0x%012llx-0x%012llx %8llu KiB  %s\n", (unsigned long long)r->base,
			       (unsigned long long)(r->base + r->size - 1),
			       (unsigned long long)(r->size >> 10),
			       r->owner[0] ? r->owner : "free");
		}
	}
	if (as_json) {
		json_arr_end(&j);
		json_end(&j);
		return 0;
	}
	printk("free %llu MiB; page pool %u of %u pages used\n",
	       (unsigned long long)(pmem_free_bytes(&phys_mem) >> 20), hyp_pool.used,
	       hyp_pool.pages);
	printk("known zero %llu MiB; never owned and not yet read %llu MiB\n",
	       (unsigned long long)(zero >> 20), (unsigned long long)(unchecked >> 20));
	return 0;
}
SHELL_COMMAND(mem, "mem", "[--json]", "physical memory map: free RAM and who owns the rest", NULL,
	      cmd_mem);

struct s2map_ctx {
	struct json *j;
	uint64_t total;
};

static void s2map_run(void *ctx, uint64_t ia, uint64_t pa, uint64_t size, uint64_t attrs)
{
	struct s2map_ctx *c = ctx;
	char desc[128];

	c->total += size;
	s2_describe_leaf(attrs, desc, sizeof(desc));
	if (c->j) {
		json_obj_begin(c->j, NULL);
		json_hex(c->j, "ipa", ia);
		json_hex(c->j, "pa", pa);
		json_hex(c->j, "size", size);
		json_str(c->j, "attrs", desc);
		json_obj_end(c->j);
		return;
	}
	printk("0x%010llx-0x%010llx -> 0x%010llx %10llu KiB  %s\n", (unsigned long long)ia,
	       (unsigned long long)(ia + size - 1), (unsigned long long)pa,
	       (unsigned long long)(size >> 10), desc);
}

static int cmd_s2map(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	struct s2map_ctx ctx = { 0 };
	struct json j;
	struct vm *vm;
	unsigned int runs;

	if (argc != 2)
		return shell_error(E_INVAL, "usage: s2map <vm> [--json]");
	if (shell_vm_arg(argv[1], &vm))
		return E_INVAL;
	if (as_json) {
		ctx.j = &j;
		shell_json_begin(&j);
		json_u64(&j, "vm", vm->id);
		json_u64(&j, "vmid", vm->s2.vmid);
		json_hex(&j, "vttbr", vm->s2.vttbr);
		json_arr_begin(&j, "runs");
	} else {
		printk("VM %u (%s): VMID %u, VTTBR 0x%llx, IPA %u bits, start level %u, %u root "
		       "table%s\n",
		       vm->id, vm->name, vm->s2.vmid, (unsigned long long)vm->s2.vttbr,
		       vm->s2.pt.ia_bits, vm->s2.pt.start_level, vm->s2.pt.root_tables,
		       vm->s2.pt.root_tables > 1 ? "s" : "");
		printk("IPA                         PA                   size  attributes\n");
	}
	runs = pt_for_each_run(&vm->s2.pt, s2map_run, &ctx);
	if (as_json) {
		json_arr_end(&j);
		json_u64(&j, "mapped", ctx.total);
		json_u64(&j, "tables", vm->s2.pt.tables);
		json_end(&j);
	} else {
		printk("%u run%s, %llu KiB mapped, %u table pages; everything else faults\n", runs,
		       runs == 1 ? "" : "s", (unsigned long long)(ctx.total >> 10),
		       vm->s2.pt.tables);
	}
	return 0;
}
SHELL_COMMAND(s2map, "s2map", "<vm> [--json]", "a VM's Stage-2 mappings, adjacent runs merged",
	      NULL, cmd_s2map);

static const char *desc_type(uint64_t d, unsigned int level)
{
	if (!(d & PTE_VALID))
		return "invalid";
	if (level == 3)
		return (d & PTE_PAGE) ? "page" : "reserved";
	if (d & PTE_TABLE)
		return "table";
	return level == 0 ? "reserved (block at level 0)" : "block";
}

static int cmd_s2walk(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	struct pt_walk w;
	uint64_t ipa;
	struct vm *vm;
	struct json j;
	char desc[128];
	int ret;

	if (argc != 3)
		return shell_error(E_INVAL, "usage: s2walk <vm> <ipa> [--json]");
	if (shell_vm_arg(argv[1], &vm))
		return E_INVAL;
	ret = parse_u64(argv[2], &ipa);
	if (ret)
		return shell_error(ret, "s2walk: bad IPA '%s': %s", argv[2], err_str(ret));
	ret = s2_walk(&vm->s2, ipa, &w);
	if (ret == E_RANGE)
		return shell_error(ret, "s2walk: IPA 0x%llx is beyond the %u-bit IPA space",
				   (unsigned long long)ipa, vm->s2.pt.ia_bits);
	if (as_json) {
		shell_json_begin(&j);
		json_hex(&j, "ipa", ipa);
		json_arr_begin(&j, "levels");
	}
	for (unsigned int i = 0; i < w.n_steps; i++) {
		const struct pt_walk_step *s = &w.step[i];
		bool is_leaf = i + 1 == w.n_steps && w.mapped;

		if (is_leaf)
			s2_describe_leaf(s->desc, desc, sizeof(desc));
		if (as_json) {
			json_obj_begin(&j, NULL);
			json_u64(&j, "level", s->level);
			json_hex(&j, "table", s->table_pa);
			json_u64(&j, "index", s->index);
			json_hex(&j, "desc", s->desc);
			json_str(&j, "type", desc_type(s->desc, s->level));
			if (is_leaf)
				json_str(&j, "attrs", desc);
			json_obj_end(&j);
			continue;
		}
		printk("L%u table 0x%010llx [%3u] = 0x%016llx  %s", s->level,
		       (unsigned long long)s->table_pa, s->index, (unsigned long long)s->desc,
		       desc_type(s->desc, s->level));
		if ((s->desc & PTE_VALID) && !is_leaf)
			printk(" -> 0x%llx", (unsigned long long)(s->desc & PTE_OA_MASK));
		if (is_leaf)
			printk(", OA 0x%llx: %s", (unsigned long long)(s->desc & PTE_OA_MASK),
			       desc);
		printk("\n");
	}
	if (as_json) {
		json_arr_end(&j);
		json_bool(&j, "mapped", w.mapped);
		if (w.mapped) {
			json_hex(&j, "pa", w.pa);
			json_hex(&j, "size", w.size);
			json_str(&j, "attrs", desc);
		} else {
			json_u64(&j, "fault_level", w.level);
		}
		json_end(&j);
		return 0;
	}
	if (w.mapped)
		printk("IPA 0x%llx -> PA 0x%llx (%s of %llu KiB): %s\n", (unsigned long long)ipa,
		       (unsigned long long)w.pa, w.level == 3 ? "page" : "block",
		       (unsigned long long)(w.size >> 10), desc);
	else
		printk("IPA 0x%llx: translation fault at level %u (descriptor invalid)\n",
		       (unsigned long long)ipa, w.level);
	return 0;
}
SHELL_COMMAND(s2walk, "s2walk", "<vm> <ipa> [--json]",
	      "walk a VM's Stage-2 tables for an IPA, level by level", NULL, cmd_s2walk);

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* `vm list` and `vm info <id>`: the VMs and their address spaces. */
#include "kernel/console.h"
#include "kernel/err.h"
#include "kernel/vm.h"
#include "monitor/parse.h"
#include "monitor/shell.h"

static void vm_json(struct json *j, const char *key, const struct vm *vm, bool detail)
{
	json_obj_begin(j, key);
	json_u64(j, "id", vm->id);
	json_str(j, "name", vm->name);
	json_str(j, "state", vm_state_name(vm->state));
	json_u64(j, "vmid", vm->s2.vmid);
	json_hex(j, "ram_ipa", vm->ram_ipa);
	json_hex(j, "ram_pa", vm->ram_pa);
	json_u64(j, "ram_size", vm->ram_size);
	if (detail) {
		json_hex(j, "vttbr", vm->s2.vttbr);
		json_u64(j, "s2_tables", vm->s2.pt.tables);
		json_arr_begin(j, "regions");
		for (unsigned int i = 0; i < vm->n_regions; i++) {
			const struct vm_region *r = &vm->regions[i];

			json_obj_begin(j, NULL);
			json_str(j, "name", r->name);
			json_hex(j, "ipa", r->ipa);
			json_hex(j, "pa", r->pa);
			json_hex(j, "size", r->size);
			json_str(j, "type", r->type == S2_DEVICE ? "device" : "normal");
			json_obj_end(j);
		}
		json_arr_end(j);
	}
	json_obj_end(j);
}

static int vm_list(bool as_json)
{
	struct json j;

	if (as_json) {
		shell_json_begin(&j);
		json_arr_begin(&j, "vms");
	} else {
		printk("id  name             state     VMID  RAM\n");
	}
	for (unsigned int i = 0; i < VM_MAX; i++) {
		const struct vm *vm = vm_get(i);

		if (!vm)
			continue;
		if (as_json)
			vm_json(&j, NULL, vm, false);
		else
			printk("%-3u %-16s %-9s %-5u %llu MiB at IPA 0x%llx (PA 0x%llx)\n", vm->id,
			       vm->name, vm_state_name(vm->state), vm->s2.vmid,
			       (unsigned long long)(vm->ram_size >> 20),
			       (unsigned long long)vm->ram_ipa, (unsigned long long)vm->ram_pa);
	}
	if (as_json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return 0;
}

static int vm_info(const char *arg, bool as_json)
{
	uint64_t id;
	const struct vm *vm;
	struct json j;

	if (parse_u64(arg, &id))
		return shell_error(E_INVAL, "vm info: bad VM id '%s'", arg);
	vm = id < VM_MAX ? vm_get((unsigned int)id) : NULL;
	if (!vm)
		return shell_error(E_NOENT, "vm info: no VM %s", arg);
	if (as_json) {
		shell_json_begin(&j);
		vm_json(&j, "vm", vm, true);
		json_end(&j);
		return 0;
	}
	printk("VM %u \"%s\": %s, VMID %u, VTTBR_EL2 0x%llx\n", vm->id, vm->name,
	       vm_state_name(vm->state), vm->s2.vmid, (unsigned long long)vm->s2.vttbr);
	printk("Stage-2: IPA %u bits, start level %u, %u table pages\n", vm->s2.pt.ia_bits,
	       vm->s2.pt.start_level, vm->s2.pt.tables);
	for (unsigned int i = 0; i < vm->n_regions; i++) {
		const struct vm_region *r = &vm->regions[i];

		printk("  %-12s IPA 0x%010llx PA 0x%010llx size 0x%llx %s\n", r->name,
		       (unsigned long long)r->ipa, (unsigned long long)r->pa,
		       (unsigned long long)r->size,
		       r->type == S2_DEVICE ? "Device-nGnRE" : "Normal WB");
	}
	return 0;
}

static int cmd_vm(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);

	if (argc == 2 && str_eq(argv[1], "list"))
		return vm_list(as_json);
	if (argc == 3 && str_eq(argv[1], "info"))
		return vm_info(argv[2], as_json);
	return shell_error(E_INVAL, "usage: vm list | vm info <id> [--json]");
}
SHELL_COMMAND(vm, "vm", "list | info <id> [--json]", "virtual machines and their memory", NULL,
	      cmd_vm);

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `nvme claim <bdf> [cpu]`, `nvme engine [--json]`, `nvme reset`: the NVMe controller the
 * hypervisor keeps for the block engine, the engine's queues and every VM's disk counters.
 */
#include "monitor/cmd_nvme_engine.h"

#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/parse.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vm.h"
#include "monitor/json.h"
#include "monitor/shell.h"
#include "pci/pci.h"

static const char *const op_names[6] = {
	"bad", "read", "write", "flush", "write_zeroes", "discard"
};

bool nvme_engine_cmd_is(const char *sub)
{
	return str_eq(sub, "claim") || str_eq(sub, "engine") || str_eq(sub, "reset");
}

static void disk_json(struct json *j, const struct blk_disk *d, unsigned int idx)
{
	json_obj_begin(j, NULL);
	json_u64(j, "disk", idx);
	json_u64(j, "vm", d->vm_id);
	json_str(j, "kind", d->kind == BLK_KIND_VIRTQ ? "virtio" : "ring");
	json_str(j, "state",
		 BLK_DISK_STATE(atomic_load(&d->cmd)) != BLK_DISK_RUN ? "gone"
		 : atomic_load(&d->down)			      ? "shut"
								      : "up");
	json_u64(j, "nsid", d->share.nsid);
	json_u64(j, "start", d->share.start);
	json_u64(j, "count", d->share.count);
	json_u64(j, "block", 1ULL << d->share.lba_shift);
	json_u64(j, "inflight", d->inflight);
	json_u64(j, "inflight_max", d->st.inflight_max);
	json_u64(j, "qd_limit", d->qd_limit);
	json_u64(j, "completed", d->st.completed);
	json_u64(j, "bytes_read", d->st.bytes_read);
	json_u64(j, "bytes_written", d->st.bytes_written);
	json_u64(j, "dropped", d->st.dropped);
	json_obj_begin(j, "ops");
	for (unsigned int o = 0; o < 6; o++)
		json_u64(j, op_names[o], d->st.ops[o]);
	json_obj_end(j);
	json_obj_begin(j, "errors");
	for (unsigned int s = 1; s < BLK_STATUS__COUNT; s++)
		json_u64(j, blk_status_name(s), d->st.errors[s]);
	json_obj_end(j);
	json_obj_end(j);
}

static int engine_json(const struct vdisk_view *v)
{
	const struct nvme_ctrl *c = v->nvme;
	const struct blk_engine *e = v->eng;
	char bdf[PCI_BDF_STRLEN];
	struct json j;

	shell_json_begin(&j);
	json_bool(&j, "claimed", v->claimed);
	if (!v->claimed) {
		json_end(&j);
		return 0;
	}
	pci_format_bdf(bdf, sizeof(bdf), v->bdf);
	json_str(&j, "bdf", bdf);
	json_u64(&j, "cpu", (uint64_t)v->cpu);
	json_str(&j, "model", c->id.mn);
	json_str(&j, "serial", c->id.sn);
	json_bool(&j, "up", !e->ctrl_down);
	json_u64(&j, "max_transfer", c->max_xfer);
	json_u64(&j, "io_queues_granted", c->io_granted);
	json_arr_begin(&j, "namespaces");
	for (unsigned int i = 0; i < c->n_ns; i++) {
		json_obj_begin(&j, NULL);
		json_u64(&j, "nsid", c->ns[i].nsid);
		json_u64(&j, "blocks", c->ns[i].nsze);
		json_u64(&j, "block", 1ULL << c->ns[i].lba_shift);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "queues");
	for (unsigned int i = 0; i < c->n_io; i++) {
		const struct nvme_queue *q = &c->io[i];

		json_obj_begin(&j, NULL);
		json_u64(&j, "qid", q->qid);
		json_u64(&j, "entries", q->entries);
		json_u64(&j, "sq_tail", q->sq_tail);
		json_u64(&j, "sq_head", q->sq_head);
		json_u64(&j, "cq_head", q->cq_head);
		json_u64(&j, "phase", q->phase);
		json_u64(&j, "submitted", q->submitted);
		json_u64(&j, "completed", q->completed);
		json_u64(&j, "doorbells", q->doorbells);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_u64(&j, "polls", e->polls);
	json_u64(&j, "idle_waits", e->idle_waits);
	json_u64(&j, "submitted", e->submitted);
	json_u64(&j, "completed", e->completed);
	json_u64(&j, "free_slots", e->n_free);
	json_u64(&j, "timeouts", e->timeouts);
	json_u64(&j, "resets", e->resets);
	json_u64(&j, "fatal", e->fatal);
	json_arr_begin(&j, "disks");
	/* Disks gone keep their last counters until their slot is used again. */
	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++)
		if (BLK_DISK_STATE(atomic_load(&e->disks[i].cmd)) == BLK_DISK_RUN ||
		    e->disks[i].st.completed)
			disk_json(&j, &e->disks[i], i);
	json_arr_end(&j);
	json_end(&j);
	return 0;
}

static int engine_show(bool as_json)
{
	struct vdisk_view v;
	const struct blk_engine *e;
	char bdf[PCI_BDF_STRLEN];

	vdisk_view(&v);
	if (as_json)
		return engine_json(&v);
	if (!v.claimed) {
		printk("nvme engine: no controller ('nvme claim <bdf>', or disk= / 'vm disk')\n");
		return 0;
	}
	e = v.eng;
	pci_format_bdf(bdf, sizeof(bdf), v.bdf);
	printk("nvme engine on cpu%d: %s \"%s\" %s, max %u bytes per command, %u of %u I/O "
	       "queue pairs the controller grants in use\n",
	       v.cpu, bdf, v.nvme->id.mn, e->ctrl_down ? "DOWN" : "up", v.nvme->max_xfer,
	       v.nvme->n_io, v.nvme->io_granted);
	for (unsigned int i = 0; i < v.nvme->n_ns; i++)
		printk("  namespace %u: %llu blocks of %u bytes\n", v.nvme->ns[i].nsid,
		       (unsigned long long)v.nvme->ns[i].nsze, 1u << v.nvme->ns[i].lba_shift);
	for (unsigned int i = 0; i < v.nvme->n_io; i++) {
		const struct nvme_queue *q = &v.nvme->io[i];

		printk("  I/O queue %u: %u entries, SQ tail %u head %u, CQ head %u phase %u, "
		       "%llu submitted, %llu completed, %llu doorbells\n",
		       q->qid, q->entries, q->sq_tail, q->sq_head, q->cq_head, q->phase,
		       (unsigned long long)q->submitted, (unsigned long long)q->completed,
		       (unsigned long long)q->doorbells);
	}
	printk("  %llu polls, %llu idle waits, %llu timeouts, %llu resets, %llu fatal\n",
	       (unsigned long long)e->polls, (unsigned long long)e->idle_waits,
	       (unsigned long long)e->timeouts, (unsigned long long)e->resets,
	       (unsigned long long)e->fatal);
	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++) {
		const struct blk_disk *d = &e->disks[i];

		if (BLK_DISK_STATE(atomic_load(&d->cmd)) != BLK_DISK_RUN)
			continue;
		printk("  disk %u: vm%u%s ns %u blocks %llu+%llu%s, in flight %u (max %u, limit "
		       "%u)\n",
		       i, d->vm_id, d->kind == BLK_KIND_VIRTQ ? " virtio-blk" : "", d->share.nsid,
		       (unsigned long long)d->share.start, (unsigned long long)d->share.count,
		       atomic_load(&d->down) ? " SHUT" : "", d->inflight, d->st.inflight_max,
		       d->qd_limit);
		printk("    read %llu (%llu bytes) write %llu (%llu bytes) flush %llu zeroes %llu "
		       "discard %llu bad %llu\n",
		       (unsigned long long)d->st.ops[1], (unsigned long long)d->st.bytes_read,
		       (unsigned long long)d->st.ops[2], (unsigned long long)d->st.bytes_written,
		       (unsigned long long)d->st.ops[3], (unsigned long long)d->st.ops[4],
		       (unsigned long long)d->st.ops[5], (unsigned long long)d->st.ops[0]);
		printk("    errors:");
		for (unsigned int s = 1; s < BLK_STATUS__COUNT; s++)
			printk(" %s %llu", blk_status_name(s), (unsigned long long)d->st.errors[s]);
		printk("\n");
	}
	return 0;
}

int nvme_engine_cmd(int argc, char **argv, bool as_json)
{
	struct err_why why = { 0 };
	uint64_t cpu;
	uint16_t bdf;
	int ret;

	if (str_eq(argv[1], "engine") && argc == 2)
		return engine_show(as_json);
	if (str_eq(argv[1], "reset") && argc == 2) {
		ret = vdisk_reset(&why);
		if (ret)
			return shell_fail(ret, &why, "nvme reset");
		printk("nvme: the engine resets its controller\n");
		return 0;
	}
	if (str_eq(argv[1], "claim") && (argc == 3 || argc == 4)) {
		if (pci_parse_bdf(argv[2], &bdf))
			return shell_error(E_INVAL,
					   "nvme claim: bad BDF '%s' (want bus:dev.fn, hex)",
					   argv[2]);
		if (argc == 4 && parse_u64(argv[3], &cpu))
			return shell_error(E_INVAL, "nvme claim: bad cpu '%s'", argv[3]);
		ret = vdisk_claim(bdf, argc == 4 ? (int)cpu : -1, &why);
		if (ret)
			return shell_fail(ret, &why, "nvme claim: %s", argv[2]);
		engine_show(false);
		return 0;
	}
	return shell_error(E_INVAL, "usage: nvme claim <bdf> [cpu] | nvme engine [--json] | "
				    "nvme reset");
}

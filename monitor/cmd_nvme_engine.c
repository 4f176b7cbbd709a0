// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `nvme claim <bdf> [cpu,...]`, `nvme engine [--json]`, `nvme reset`: the NVMe controller the
 * hypervisor keeps for the block engines (one per CPU named, each with its own queue pair), the
 * engines' queues and counters and every VM's disk counters.
 */
#include "monitor/cmd_nvme_engine.h"

#include "kernel/arch/timer.h"
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
	return str_eq(sub, "claim") || str_eq(sub, "engine") || str_eq(sub, "reset") ||
	       str_eq(sub, "spin");
}

static void disk_json(struct json *j, const struct blk_disk *d, unsigned int idx, unsigned int eng)
{
	json_obj_begin(j, NULL);
	json_u64(j, "disk", idx);
	json_u64(j, "engine", eng);
	/* Whether this is the VM's own disk now (or its last), not that of a VM gone before it. */
	json_bool(j, "current", vdisk_serves(d->vm_id, eng, idx));
	json_u64(j, "vm", d->vm_id);
	json_u64(j, "queue", d->queue);
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
	json_u64(j, "burst", d->burst);
	json_u64(j, "completed", d->st.completed);
	json_u64(j, "kicks", atomic_load_explicit(&d->kicks, memory_order_relaxed));
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

static void queue_fields(struct json *j, const struct nvme_queue *q)
{
	json_u64(j, "qid", q->qid);
	json_u64(j, "entries", q->entries);
	json_u64(j, "sq_tail", q->sq_tail);
	json_u64(j, "sq_head", q->sq_head);
	json_u64(j, "cq_head", q->cq_head);
	json_u64(j, "phase", q->phase);
	json_u64(j, "submitted", q->submitted);
	json_u64(j, "completed", q->completed);
	json_u64(j, "doorbells", q->doorbells);
}

static void queue_json(struct json *j, const struct nvme_queue *q)
{
	json_obj_begin(j, NULL);
	queue_fields(j, q);
	json_obj_end(j);
}

static unsigned int disks_up(const struct blk_engine *e)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++)
		n += BLK_DISK_STATE(atomic_load(&e->disks[i].cmd)) == BLK_DISK_RUN;
	return n;
}

/*
 * How the engine waits when idle: WFI woken by the controller's MSI-X, kicks and its timer;
 * WFI only when nothing is at the controller (no MSI-X or ITS), WFE otherwise; or WFE only
 * (no redistributor for its CPU).
 */
static const char *idle_mode(const struct blk_engine *e)
{
	return !e->wake ? "wfe" : e->wake->msi ? "wfi-msi" : "wfi-no-msi";
}

static int engine_json(const struct vdisk_view *v)
{
	const struct nvme_ctrl *c = v->nvme;
	struct blk_engine sum = { 0 };
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
	json_u64(&j, "cpu", (uint64_t)v->cpu[0]);
	json_str(&j, "model", c->id.mn);
	json_str(&j, "serial", c->id.sn);
	json_bool(&j, "up", !v->eng[0]->ctrl_down);
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
	for (unsigned int i = 0; i < c->n_io; i++)
		queue_json(&j, &c->io[i]);
	json_arr_end(&j);
	/* The engines' counters summed, then each engine with its own. */
	for (unsigned int i = 0; i < v->n_eng; i++) {
		const struct blk_engine *e = v->eng[i];

		sum.polls += e->polls;
		sum.idle_waits += e->idle_waits;
		sum.submitted += e->submitted;
		sum.completed += e->completed;
		sum.n_free += e->n_free;
		sum.timeouts += e->timeouts;
		sum.fatal += e->fatal;
	}
	json_u64(&j, "polls", sum.polls);
	json_u64(&j, "idle_waits", sum.idle_waits);
	json_u64(&j, "submitted", sum.submitted);
	json_u64(&j, "completed", sum.completed);
	json_u64(&j, "free_slots", sum.n_free);
	json_u64(&j, "timeouts", sum.timeouts);
	json_u64(&j, "resets", v->eng[0]->resets); /* the leader resets for all */
	json_u64(&j, "fatal", sum.fatal);
	json_arr_begin(&j, "engines");
	for (unsigned int i = 0; i < v->n_eng; i++) {
		const struct blk_engine *e = v->eng[i];

		json_obj_begin(&j, NULL);
		json_u64(&j, "engine", i);
		json_u64(&j, "cpu", (uint64_t)v->cpu[i]);
		json_u64(&j, "qid", e->q->qid);
		json_obj_begin(&j, "queue");
		queue_fields(&j, e->q);
		json_obj_end(&j);
		json_u64(&j, "polls", e->polls);
		json_u64(&j, "idle_waits", e->idle_waits);
		json_u64(&j, "submitted", e->submitted);
		json_u64(&j, "completed", e->completed);
		json_u64(&j, "free_slots", e->n_free);
		json_u64(&j, "timeouts", e->timeouts);
		json_u64(&j, "resets", e->resets);
		json_u64(&j, "fatal", e->fatal);
		json_u64(&j, "ring_faults", e->ring_faults);
		json_u64(&j, "pass_max_ns", timer_ticks_to_ns(e->pass_max_ticks));
		json_u64(&j, "slow_passes", e->slow_passes);
		json_str(&j, "idle", idle_mode(e));
		json_u64(&j, "spin_us", blk_engine_spin_us(e));
		json_u64(&j, "wfi_sleeps", e->wfi_sleeps);
		json_u64(&j, "wakes_kick", e->wakes_kick);
		json_u64(&j, "wakes_timer", e->wakes_timer);
		json_u64(&j, "wakes_msi", e->wakes_msi);
		json_u64(&j, "wakes_none", e->wakes_none);
		json_u64(&j, "rechecks", e->rechecks);
		json_u64(&j, "disks_up", disks_up(e));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "disks");
	/* Disks gone keep their last counters until their slot is used again. */
	for (unsigned int k = 0; k < v->n_eng; k++)
		for (unsigned int i = 0; i < BLK_MAX_DISKS; i++) {
			const struct blk_disk *d = &v->eng[k]->disks[i];

			if (BLK_DISK_STATE(atomic_load(&d->cmd)) == BLK_DISK_RUN || d->st.completed)
				disk_json(&j, d, i, k);
		}
	json_arr_end(&j);
	json_end(&j);
	return 0;
}

static void disk_show(const struct blk_disk *d, unsigned int i)
{
	printk("    disk %u: vm%u%s queue %u ns %u blocks %llu+%llu%s, in flight %u (max %u, limit "
	       "%u)\n",
	       i, d->vm_id, d->kind == BLK_KIND_VIRTQ ? " virtio-blk" : "", d->queue, d->share.nsid,
	       (unsigned long long)d->share.start, (unsigned long long)d->share.count,
	       atomic_load(&d->down) ? " SHUT" : "", d->inflight, d->st.inflight_max, d->qd_limit);
	printk("      read %llu (%llu bytes) write %llu (%llu bytes) flush %llu zeroes %llu "
	       "discard %llu bad %llu\n",
	       (unsigned long long)d->st.ops[1], (unsigned long long)d->st.bytes_read,
	       (unsigned long long)d->st.ops[2], (unsigned long long)d->st.bytes_written,
	       (unsigned long long)d->st.ops[3], (unsigned long long)d->st.ops[4],
	       (unsigned long long)d->st.ops[5], (unsigned long long)d->st.ops[0]);
	printk("      kicks that woke the engine %llu\n",
	       (unsigned long long)atomic_load_explicit(&d->kicks, memory_order_relaxed));
	printk("      errors:");
	for (unsigned int s = 1; s < BLK_STATUS__COUNT; s++)
		printk(" %s %llu", blk_status_name(s), (unsigned long long)d->st.errors[s]);
	printk("\n");
}

static int engine_show(bool as_json)
{
	struct vdisk_view v;
	char bdf[PCI_BDF_STRLEN];

	vdisk_view(&v);
	if (as_json)
		return engine_json(&v);
	if (!v.claimed) {
		printk("nvme engine: no controller ('nvme claim <bdf>', or disk= / 'vm disk')\n");
		return 0;
	}
	pci_format_bdf(bdf, sizeof(bdf), v.bdf);
	printk("nvme engines: %u on %s \"%s\" %s, max %u bytes per command, %u of %u I/O queue "
	       "pairs the controller grants in use\n",
	       v.n_eng, bdf, v.nvme->id.mn, v.eng[0]->ctrl_down ? "DOWN" : "up", v.nvme->max_xfer,
	       v.nvme->n_io, v.nvme->io_granted);
	for (unsigned int i = 0; i < v.nvme->n_ns; i++)
		printk("  namespace %u: %llu blocks of %u bytes\n", v.nvme->ns[i].nsid,
		       (unsigned long long)v.nvme->ns[i].nsze, 1u << v.nvme->ns[i].lba_shift);
	for (unsigned int k = 0; k < v.n_eng; k++) {
		const struct blk_engine *e = v.eng[k];
		const struct nvme_queue *q = e->q;

		printk("  engine %u on cpu%d: I/O queue %u: %u entries, SQ tail %u head %u, CQ "
		       "head "
		       "%u phase %u, %llu submitted, %llu completed, %llu doorbells\n",
		       k, v.cpu[k], q->qid, q->entries, q->sq_tail, q->sq_head, q->cq_head,
		       q->phase, (unsigned long long)q->submitted, (unsigned long long)q->completed,
		       (unsigned long long)q->doorbells);
		printk("    %llu polls, %llu idle waits, %llu timeouts, %llu resets, %llu fatal; "
		       "longest working pass %llu us, %llu over %u us\n",
		       (unsigned long long)e->polls, (unsigned long long)e->idle_waits,
		       (unsigned long long)e->timeouts, (unsigned long long)e->resets,
		       (unsigned long long)e->fatal,
		       (unsigned long long)(timer_ticks_to_ns(e->pass_max_ticks) / 1000),
		       (unsigned long long)e->slow_passes, BLK_SLOW_PASS_US);
		printk("    idle: %s; %llu WFI sleeps (%llu rechecks), woken by %llu kicks, %llu "
		       "timer, %llu MSI-X, %llu nothing\n",
		       !e->wake ? "WFE (no GIC redistributor for its CPU)"
		       : e->wake->msi
			       ? "WFI, woken by the controller's MSI-X, kicks and a timer"
			       : "WFI when nothing is at the controller (no MSI-X), else WFE",
		       (unsigned long long)e->wfi_sleeps, (unsigned long long)e->rechecks,
		       (unsigned long long)e->wakes_kick, (unsigned long long)e->wakes_timer,
		       (unsigned long long)e->wakes_msi, (unsigned long long)e->wakes_none);
		for (unsigned int i = 0; i < BLK_MAX_DISKS; i++)
			if (BLK_DISK_STATE(atomic_load(&e->disks[i].cmd)) == BLK_DISK_RUN)
				disk_show(&e->disks[i], i);
	}
	return 0;
}

int nvme_engine_cmd(int argc, char **argv, bool as_json)
{
	struct err_why why = { 0 };
	uint64_t cpu[NVME_MAX_IOQ];
	int cpus[NVME_MAX_IOQ];
	unsigned int n = 0;
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
	if (str_eq(argv[1], "spin") && argc == 3) {
		uint64_t us;
		struct blk_engine *e;

		if (parse_u64(argv[2], &us) || us > BLK_SPIN_MAX_US)
			return shell_error(E_INVAL,
					   "nvme spin: want microseconds, 0 to %u, not '%s'",
					   BLK_SPIN_MAX_US, argv[2]);
		if (!vdisk_engine(0))
			return shell_error(E_NOENT, "nvme spin: no engine ('nvme claim <bdf>')");
		for (unsigned int i = 0; (e = vdisk_engine(i)); i++)
			blk_engine_set_spin(e, us);
		printk("nvme: the engines poll for %llu us after their last work before they "
		       "sleep\n",
		       (unsigned long long)us);
		return 0;
	}
	if (str_eq(argv[1], "claim") && (argc == 3 || argc == 4)) {
		if (pci_parse_bdf(argv[2], &bdf))
			return shell_error(E_INVAL,
					   "nvme claim: bad BDF '%s' (want bus:dev.fn, hex)",
					   argv[2]);
		if (argc == 4 && parse_u64_list(argv[3], cpu, NVME_MAX_IOQ, &n))
			return shell_error(E_INVAL,
					   "nvme claim: bad cpu list '%s' (want cpu[,cpu...], at "
					   "most %u: one engine each)",
					   argv[3], NVME_MAX_IOQ);
		for (unsigned int i = 0; i < n; i++)
			cpus[i] = cpu[i] < 0x10000 ? (int)cpu[i] : -1;
		ret = vdisk_claim(bdf, cpus, n, &why);
		if (ret)
			return shell_fail(ret, &why, "nvme claim: %s", argv[2]);
		engine_show(false);
		return 0;
	}
	return shell_error(E_INVAL, "usage: nvme claim <bdf> [cpu[,cpu...]] | nvme engine [--json] "
				    "| nvme reset | nvme spin <us>");
}

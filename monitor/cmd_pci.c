// SPDX-License-Identifier: BSD-2-Clause-Patent
/* `pci`, `pci cfg <bdf> [len]` and `nvme regs <bdf>`: what enumeration found, config space, NVMe. */
#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/drivers/nvme_regs.h"
#include "kernel/vmm/vdisk.h"
#include "monitor/cmd_nvme_engine.h"
#include "pci/nvme_host.h"
#include "pci/smmu_host.h"
#include "pci/pci_host.h"

static int need_pci(void)
{
	if (!pci_present)
		return shell_error(E_NOENT,
				   "no PCIe host bridge (pci-host-ecam-generic) in the DTB");
	return 0;
}

static int lookup(const char *arg, const struct pci_func **f, uint16_t *bdf)
{
	int ret = pci_parse_bdf(arg, bdf);

	if (ret)
		return shell_error(ret, "bad BDF '%s': want bus:dev.fn in hex, e.g. 00:01.0", arg);
	*f = pci_find(&pci_topo, *bdf);
	if (!*f)
		return shell_error(E_NOENT, "no PCI function at %s (see 'pci')", arg);
	return 0;
}

static void list_json(void)
{
	struct json j;
	char buf[96];

	shell_json_begin(&j);
	json_arr_begin(&j, "functions");
	for (unsigned int i = 0; i < pci_topo.n_fn; i++) {
		const struct pci_func *f = &pci_topo.fn[i];

		json_obj_begin(&j, NULL);
		pci_format_bdf(buf, sizeof(buf), f->bdf);
		json_str(&j, "bdf", buf);
		json_hex(&j, "vendor", f->vendor);
		json_hex(&j, "device", f->device);
		json_hex(&j, "class", (uint64_t)f->class_code << 16 | f->subclass << 8 | f->progif);
		json_str(&j, "name", pci_class_name(f->class_code, f->subclass, f->progif));
		json_u64(&j, "header", f->hdr_type);
		json_hex(&j, "command", f->command);
		if (f->hdr_type == PCI_HDR_BRIDGE) {
			json_u64(&j, "secondary", f->br.secondary);
			json_u64(&j, "subordinate", f->br.subordinate);
		}
		json_arr_begin(&j, "bars");
		for (unsigned int b = 0; b < f->n_bars; b++) {
			const struct pci_bar *bar = &f->bar[b];

			if (bar->kind == PCI_BAR_NONE)
				continue;
			json_obj_begin(&j, NULL);
			json_u64(&j, "index", b);
			json_str(&j, "kind",
				 bar->kind == PCI_BAR_IO      ? "io"
				 : bar->kind == PCI_BAR_MEM64 ? "mem64"
							      : "mem32");
			json_bool(&j, "prefetchable", bar->flags & PCI_BAR_F_PREFETCH);
			json_hex(&j, "size", bar->size);
			json_bool(&j, "assigned", bar->flags & PCI_BAR_F_ASSIGNED);
			json_hex(&j, "pci_addr", bar->pci_addr);
			json_hex(&j, "cpu_addr", bar->cpu_addr);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_arr_begin(&j, "caps");
		for (unsigned int c = 0; c < f->n_caps; c++)
			json_str(&j, NULL, pci_cap_name((uint8_t)f->caps[c].id));
		for (unsigned int c = 0; c < f->n_ext_caps; c++)
			json_str(&j, NULL, pci_ext_cap_name(f->ext_caps[c].id));
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_u64(&j, "dropped", pci_topo.n_dropped);
	json_end(&j);
}

static void list_text(void)
{
	char buf[160];

	for (unsigned int i = 0; i < pci_topo.n_fn; i++) {
		const struct pci_func *f = &pci_topo.fn[i];

		pci_format_func(buf, sizeof(buf), f);
		printk("%s\n", buf);
		if (f->hdr_type == PCI_HDR_BRIDGE)
			printk("    buses %02x-%02x\n", f->br.secondary, f->br.subordinate);
		for (unsigned int b = 0; b < f->n_bars; b++) {
			if (f->bar[b].kind == PCI_BAR_NONE)
				continue;
			pci_format_bar(buf, sizeof(buf), &f->bar[b]);
			printk("    BAR%u: %s\n", b, buf);
		}
	}
	printk("%u function%s", pci_topo.n_fn, pci_topo.n_fn == 1 ? "" : "s");
	if (pci_topo.n_dropped)
		printk(" (%u more not recorded)", pci_topo.n_dropped);
	printk("\n");
}

/* `pci cfg --json`: the raw bytes as one hex string, then the decoded header and capabilities. */
static void cfg_json(const struct pci_func *f, uint16_t bdf, uint32_t len)
{
	static char hex[2 * PCI_CFG_SIZE + 1];
	struct json j;
	char buf[160];

	for (uint32_t off = 0; off < len; off += 4) {
		uint32_t v = pci_cfg_read32(&pci_topo.cfg, bdf, (uint16_t)off);

		for (unsigned int b = 0; b < 4; b++)
			fmt_snprintf(hex + 2 * (off + b), 3, "%02x", (v >> (8 * b)) & 0xff);
	}
	hex[2 * len] = '\0';
	shell_json_begin(&j);
	pci_format_bdf(buf, sizeof(buf), bdf);
	json_str(&j, "bdf", buf);
	json_u64(&j, "length", len);
	json_str(&j, "bytes", hex);
	json_u64(&j, "header", f->hdr_type);
	json_hex(&j, "command", pci_cfg_read16(&pci_topo.cfg, bdf, PCI_COMMAND));
	json_hex(&j, "status", pci_cfg_read16(&pci_topo.cfg, bdf, PCI_STATUS));
	json_arr_begin(&j, "caps");
	for (unsigned int c = 0; c < f->n_caps + f->n_ext_caps; c++) {
		bool ext = c >= f->n_caps;
		const struct pci_cap *cap = ext ? &f->ext_caps[c - f->n_caps] : &f->caps[c];

		json_obj_begin(&j, NULL);
		json_hex(&j, "offset", cap->off);
		json_hex(&j, "id", cap->id);
		json_bool(&j, "extended", ext);
		json_str(&j, "name",
			 ext ? pci_ext_cap_name(cap->id) : pci_cap_name((uint8_t)cap->id));
		pci_format_cap(buf, sizeof(buf), &pci_topo.cfg, bdf, cap, ext);
		json_str(&j, "decoded", buf);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
}

static int pci_cfg_dump(const char *arg, const char *len_arg, bool as_json)
{
	const struct pci_func *f;
	uint64_t len = 256;
	uint16_t bdf;
	char buf[160];
	int ret = lookup(arg, &f, &bdf);

	if (ret)
		return ret;
	if (len_arg) {
		ret = parse_size(len_arg, &len);
		if (ret || (len != 256 && len != 4096))
			return shell_error(E_INVAL, "pci cfg: length must be 256 or 4096");
	}
	if (as_json) {
		cfg_json(f, bdf, (uint32_t)len);
		return 0;
	}
	for (uint32_t off = 0; off < len; off += 16) {
		printk("%03x:", off);
		for (uint32_t k = 0; k < 16; k += 4) {
			uint32_t v = pci_cfg_read32(&pci_topo.cfg, bdf, (uint16_t)(off + k));

			/* Little-endian byte order, as lspci -x prints it. */
			printk(" %02x %02x %02x %02x", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
			       v >> 24);
		}
		printk("\n");
	}
	pci_format_func(buf, sizeof(buf), f);
	printk("%s\n", buf);
	printk("    header type %u%s, command 0x%04x, status 0x%04x, revision 0x%02x\n",
	       f->hdr_type, (f->flags & PCI_FN_F_MULTI) ? " (multi-function)" : "",
	       pci_cfg_read16(&pci_topo.cfg, bdf, PCI_COMMAND),
	       pci_cfg_read16(&pci_topo.cfg, bdf, PCI_STATUS), f->revision);
	for (unsigned int b = 0; b < f->n_bars; b++) {
		if (f->bar[b].kind == PCI_BAR_NONE)
			continue;
		pci_format_bar(buf, sizeof(buf), &f->bar[b]);
		printk("    BAR%u: %s\n", b, buf);
	}
	for (unsigned int c = 0; c < f->n_caps; c++) {
		pci_format_cap(buf, sizeof(buf), &pci_topo.cfg, bdf, &f->caps[c], false);
		printk("    %s\n", buf);
	}
	for (unsigned int c = 0; c < f->n_ext_caps; c++) {
		pci_format_cap(buf, sizeof(buf), &pci_topo.cfg, bdf, &f->ext_caps[c], true);
		printk("    %s\n", buf);
	}
	return 0;
}

static int cmd_pci(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);

	if (need_pci())
		return E_NOENT;
	if (argc == 1) {
		if (as_json)
			list_json();
		else
			list_text();
		return 0;
	}
	if (str_eq(argv[1], "cfg") && (argc == 3 || argc == 4))
		return pci_cfg_dump(argv[2], argc == 4 ? argv[3] : NULL, as_json);
	return shell_error(E_INVAL, "usage: pci [--json] | pci cfg <bdf> [256|4096]");
}
SHELL_COMMAND(pci, "pci", "[cfg <bdf> [len]] [--json]",
	      "PCIe functions with BARs; config space dump and decode",
	      "  BDF is bus:dev.fn in hex (00:01.0). Enumeration and BAR assignment ran at boot.",
	      cmd_pci);

static int nvme_identify(const struct pci_func *f, const char *name, bool as_json)
{
	struct nvme_id_ctrl id;
	struct err_why why = { 0 };
	struct json j;
	int ret;

	ret = nvme_host_identify(f, &id, &why);
	if (ret)
		return shell_error(ret, "nvme identify: %s: %s%s", name, err_why_str(&why, ret),
				   smmu_host.on ? " (the SMMU aborts DMA of streams no VM owns)"
						: "");
	if (as_json) {
		shell_json_begin(&j);
		json_str(&j, "bdf", name);
		json_hex(&j, "vid", id.vid);
		json_hex(&j, "ssvid", id.ssvid);
		json_str(&j, "serial", id.sn);
		json_str(&j, "model", id.mn);
		json_str(&j, "firmware", id.fr);
		json_u64(&j, "mdts", id.mdts);
		json_u64(&j, "cntlid", id.cntlid);
		json_hex(&j, "version", id.ver);
		json_u64(&j, "namespaces", id.nn);
		json_end(&j);
		return 0;
	}
	printk("NVMe %s: \"%s\" serial \"%s\" firmware \"%s\"\n", name, id.mn, id.sn, id.fr);
	printk("VID 0x%04x SSVID 0x%04x CNTLID %u, version %u.%u.%u, %u namespace%s, MDTS %u\n",
	       id.vid, id.ssvid, id.cntlid, id.ver >> 16, id.ver >> 8 & 0xff, id.ver & 0xff, id.nn,
	       id.nn == 1 ? "" : "s", id.mdts);
	return 0;
}

static int cmd_nvme(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	const struct pci_func *f;
	uintptr_t bar;
	uint64_t cap;
	uint32_t vs, cc, csts, aqa;
	uint16_t bdf;
	char buf[200];
	struct json j;

	if (argc >= 2 && nvme_engine_cmd_is(argv[1]))
		return nvme_engine_cmd(argc, argv, as_json);
	if (argc != 3 || (!str_eq(argv[1], "regs") && !str_eq(argv[1], "identify")))
		return shell_error(E_INVAL,
				   "usage: nvme regs|identify <bdf> [--json] | "
				   "claim <bdf> [cpu[,cpu...]] | engine [--json] | reset | "
				   "spin <us>");
	if (need_pci() || lookup(argv[2], &f, &bdf))
		return E_INVAL;
	if (!pci_is_nvme(f))
		return shell_error(E_INVAL,
				   "%s is class %02x:%02x:%02x, not an NVMe controller "
				   "(01:08:02)",
				   argv[2], f->class_code, f->subclass, f->progif);
	if (str_eq(argv[1], "identify")) {
		const struct vm *owner = vm_pci_owner(bdf);

		if (owner)
			return shell_error(E_BUSY, "nvme identify: %s belongs to vm%u (%s)",
					   argv[2], owner->id, owner->name);
		if (vdisk_claimed(bdf))
			return shell_error(E_BUSY, "nvme identify: %s serves the block engine",
					   argv[2]);
	}
	if (!(f->bar[0].flags & PCI_BAR_F_ASSIGNED) ||
	    !(pci_cfg_read16(&pci_topo.cfg, bdf, PCI_COMMAND) & PCI_COMMAND_MEMORY))
		return shell_error(E_IO, "%s: BAR0 is not assigned or memory decode is off",
				   argv[2]);
	if (str_eq(argv[1], "identify"))
		return nvme_identify(f, argv[2], as_json);
	bar = (uintptr_t)f->bar[0].cpu_addr;
	/* NVMe 2.0 3.1.2: 64-bit registers may be read as one 64-bit access. */
	cap = mmio_read64(bar + NVME_REG_CAP);
	vs = mmio_read32(bar + NVME_REG_VS);
	cc = mmio_read32(bar + NVME_REG_CC);
	csts = mmio_read32(bar + NVME_REG_CSTS);
	aqa = mmio_read32(bar + NVME_REG_AQA);
	if (as_json) {
		struct nvme_cap c;
		struct nvme_vs v;

		nvme_decode_cap(cap, &c);
		nvme_decode_vs(vs, &v);
		shell_json_begin(&j);
		json_str(&j, "bdf", argv[2]);
		json_hex(&j, "bar0", bar);
		json_hex(&j, "cap", cap);
		json_hex(&j, "vs", vs);
		json_hex(&j, "cc", cc);
		json_hex(&j, "csts", csts);
		json_hex(&j, "aqa", aqa);
		json_u64(&j, "mqes", c.max_queue_entries);
		json_u64(&j, "timeout_ms", c.timeout_ms);
		json_u64(&j, "doorbell_stride", c.doorbell_stride);
		json_u64(&j, "page_min", c.page_min);
		json_u64(&j, "page_max", c.page_max);
		json_u64(&j, "version_major", v.mjr);
		json_u64(&j, "version_minor", v.mnr);
		json_end(&j);
		return 0;
	}
	printk("NVMe %s, BAR0 at 0x%llx\n", argv[2], (unsigned long long)bar);
	nvme_format_cap(buf, sizeof(buf), cap);
	printk("CAP  0x%016llx  %s\n", (unsigned long long)cap, buf);
	nvme_format_vs(buf, sizeof(buf), vs);
	printk("VS   0x%08x          %s\n", vs, buf);
	nvme_format_cc(buf, sizeof(buf), cc);
	printk("CC   0x%08x          %s\n", cc, buf);
	nvme_format_csts(buf, sizeof(buf), csts);
	printk("CSTS 0x%08x          %s\n", csts, buf);
	nvme_format_aqa(buf, sizeof(buf), aqa);
	printk("AQA  0x%08x          %s\n", aqa, buf);
	return 0;
}
SHELL_COMMAND(nvme, "nvme",
	      "regs|identify <bdf> [--json] | claim <bdf> [cpu,...] | engine | reset | spin <us>",
	      "an NVMe controller's registers, decoded; Identify Controller",
	      "  regs reads CAP, VS, CC, CSTS and AQA from BAR0 (NVMe Base 2.0, 3.1).\n"
	      "  identify resets the controller, runs Identify Controller with queues in the\n"
	      "  hypervisor's memory (its DMA), and resets it again; not for a VM's controller.\n"
	      "  claim keeps a controller for the block engine (not for VM 0) and runs the engine\n"
	      "  on cpu (default: the last); engine shows its queues and every VM's disk\n"
	      "  counters; reset fails what is at the controller and resets it; spin sets how\n"
	      "  long the engines poll after their last work before they sleep (default:\n"
	      "  5000 us).",
	      cmd_nvme);

// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The EFI application entry (UEFI 2.10; the arm64 boot protocol's UEFI section in Linux's
 * Documentation/arch/arm64/booting.rst). boot/head.S relocates the image and calls efi_main()
 * with the MMU on; from here: the command line (load options, else monadic.cfg beside the
 * application), guest files named by ESP path, the platform from ACPI or the configuration
 * table's DT, SMBIOS provenance, RAM from the memory map; then ExitBootServices and
 * efi_enter_hypervisor(), which turns UEFI's MMU off and enters the common path. Until
 * ExitBootServices succeeds every error is printed on the EFI console and returned to the
 * firmware.
 */
#include "kernel/efi_boot.h"

#include "kernel/arch/arch.h"
#include "kernel/efi.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/smbios.h"
#include "kernel/lib/string.h"

#define EFI_HANDOFF_MAGIC 0x49464555 /* "UEFI" */
#define CMDLINE_MAX	  256
#define EFI_MAP_BYTES	  (32 * 1024)
#define DTB_MAX_SIZE	  (2U << 20)
#define MAX_FILES	  8
/* Files bigger than this are certainly not meant: a guest's RAM is given in the same words. */
#define FILE_MAX_BYTES (1ULL << 32)

/* SMBIOS 3.0 entry point (DSP0134 5.2.2) and 2.1 entry point (5.2.1). */
#define SMBIOS3_TABLE_MAX  12
#define SMBIOS3_TABLE_ADDR 16
#define SMBIOS2_TABLE_LEN  22
#define SMBIOS2_TABLE_ADDR 24

static const struct efi_guid loaded_image_guid = {
	0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b }
};
static const struct efi_guid simple_fs_guid = {
	0x964e5b22, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b }
};
static const struct efi_guid acpi20_guid = {
	0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 }
};
static const struct efi_guid dtb_guid = {
	0xb1b621d5, 0xf19c, 0x41a5, { 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0 }
};
static const struct efi_guid smbios3_guid = {
	0xf2fd1544, 0x9794, 0x4a2c, { 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94 }
};
static const struct efi_guid root_bridge_io_guid = {
	0x2f707ebb, 0x4a1a, 0x11d4, { 0x9a, 0x38, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d }
};
static const struct efi_guid smbios_guid = {
	0xeb9d2d31, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d }
};

/*
 * What efi_main() leaves for the common boot path. In .data, not .bss: boot/head.S clears .bss
 * on the way in, and efi_enter_hypervisor() cleans the image (this included) to the PoC.
 */
static struct {
	uint32_t magic;
	struct platform plat;
} handoff __attribute__((section(".data.efi_handoff")));

uint64_t boot_entry_count __attribute__((section(".data.efi_handoff")));

/* Scratch used only while boot services run (.bss is zeroed by the PE loader then). */
static struct efi_system_table *st;
static efi_handle image;
static struct efi_loaded_image *loaded;
static uint8_t efi_map[EFI_MAP_BYTES] __attribute__((aligned(8)));
static uint64_t map_size, map_key, desc_size;
static struct fdt efi_fdt;
static struct {
	uint64_t base, pages;
} files[MAX_FILES];
static unsigned int n_files;

__attribute__((noreturn)) void efi_enter_hypervisor(void *dtb);
efi_status efi_main(efi_handle h, struct efi_system_table *systab);

/* Print on the EFI console: ASCII to UCS-2 in chunks, "\n" as CR LF. */
static void efi_puts(const char *s)
{
	efi_char16 buf[128];
	unsigned int n = 0;

	if (!st || !st->con_out)
		return;
	for (; *s; s++) {
		if (*s == '\n')
			buf[n++] = '\r';
		buf[n++] = (efi_char16)(uint8_t)*s;
		if (n >= sizeof(buf) / sizeof(buf[0]) - 3) {
			buf[n] = 0;
			st->con_out->output_string(st->con_out, buf);
			n = 0;
		}
	}
	buf[n] = 0;
	st->con_out->output_string(st->con_out, buf);
}

static void efi_printf(const char *fmt, ...) FMT_PRINTF(1, 2);
static void efi_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	efi_puts(buf);
}

static bool guid_eq(const struct efi_guid *a, const struct efi_guid *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void *config_table(const struct efi_guid *g)
{
	for (uint64_t i = 0; i < st->number_of_table_entries; i++)
		if (guid_eq(&st->configuration_table[i].guid, g))
			return st->configuration_table[i].table;
	return NULL;
}

static efi_status get_map(void)
{
	uint32_t version;

	map_size = sizeof(efi_map);
	return st->boot_services->get_memory_map(&map_size, (struct efi_memory_descriptor *)efi_map,
						 &map_key, &desc_size, &version);
}

static const struct efi_memory_descriptor *map_desc(uint64_t i)
{
	return (const struct efi_memory_descriptor *)(efi_map + i * desc_size);
}

/* Bytes readable from 'pa' inside one memory-map region (the ACPI parser's bound). */
static uint64_t map_avail(const void *ctx, uint64_t pa)
{
	for (uint64_t i = 0; desc_size && i < map_size / desc_size; i++) {
		const struct efi_memory_descriptor *d = map_desc(i);
		uint64_t end = d->physical_start + (d->number_of_pages << EFI_PAGE_SHIFT);

		if (pa >= d->physical_start && pa < end && d->type != EFI_MEMORY_MAPPED_IO &&
		    d->type != EFI_MEMORY_MAPPED_IO_PORT_SPACE)
			return end - pa;
	}
	return 0;
}

/* Memory that is ours once boot services are gone (UEFI 2.10 7.2, table 7-6). */
static bool free_after_exit(uint32_t type)
{
	return type == EFI_LOADER_CODE || type == EFI_LOADER_DATA ||
	       type == EFI_BOOT_SERVICES_CODE || type == EFI_BOOT_SERVICES_DATA ||
	       type == EFI_CONVENTIONAL_MEMORY;
}

/*
 * p->mem from the final map: free RAM merged into ranges; runtime services, ACPI and reserved
 * regions stay out, so neither the pool nor a guest ever gets them. When mem[] is full the
 * smallest range gives way. Runs after ExitBootServices:
 * no printing, no calls.
 */
static void mem_from_map(struct platform *p)
{
	p->n_mem = 0;
	p->fw.n_mem_dropped = 0;
	for (uint64_t i = 0; i < map_size / desc_size; i++) {
		const struct efi_memory_descriptor *d = map_desc(i);
		uint64_t base = d->physical_start, size = d->number_of_pages << EFI_PAGE_SHIFT;
		unsigned int j, small = 0;

		if (!free_after_exit(d->type) || !size)
			continue;
		for (j = 0; j < p->n_mem; j++) {
			struct plat_range *r = &p->mem[j];

			if (r->base + r->size == base) {
				r->size += size;
				break;
			}
			if (base + size == r->base) {
				r->base = base;
				r->size += size;
				break;
			}
		}
		if (j < p->n_mem)
			continue;
		if (p->n_mem < PLAT_MAX_MEM) {
			p->mem[p->n_mem++] = (struct plat_range){ base, size };
			continue;
		}
		for (j = 1; j < p->n_mem; j++)
			if (p->mem[j].size < p->mem[small].size)
				small = j;
		p->fw.n_mem_dropped++;
		if (p->mem[small].size < size)
			p->mem[small] = (struct plat_range){ base, size };
	}
	/* Merging in map order can leave neighbours apart: join them until nothing changes. */
	for (bool again = true; again;) {
		again = false;
		for (unsigned int a = 0; a < p->n_mem && !again; a++)
			for (unsigned int b = 0; b < p->n_mem && !again; b++)
				if (a != b && p->mem[a].base + p->mem[a].size == p->mem[b].base) {
					p->mem[a].size += p->mem[b].size;
					p->mem[b] = p->mem[--p->n_mem];
					again = true;
				}
	}
	/* Sorted by address, as a DT's memory nodes usually are. */
	for (unsigned int a = 1; a < p->n_mem; a++)
		for (unsigned int b = a; b > 0 && p->mem[b - 1].base > p->mem[b].base; b--) {
			struct plat_range t = p->mem[b];

			p->mem[b] = p->mem[b - 1];
			p->mem[b - 1] = t;
		}
	/* Loaded files stay in free RAM: the words that name them claim them (load_file()). */
	p->n_reserved = 0;
}

static uint64_t le64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/*
 * The lowest free range that holds 'pages': files go to the bottom of RAM, as QEMU's loader
 * stages them on the -kernel path, because the hypervisor allocates from the top. They stay in
 * the free pool, where the vm= and initrd= words claim them (docs/vm-model.md).
 */
static int low_pages(uint64_t pages, uint64_t *base)
{
	bool found = false;

	if (get_map())
		return E_NOMEM;
	for (uint64_t i = 0; i < map_size / desc_size; i++) {
		const struct efi_memory_descriptor *d = map_desc(i);

		if (d->type == EFI_CONVENTIONAL_MEMORY && d->number_of_pages >= pages &&
		    (!found || d->physical_start < *base)) {
			*base = d->physical_start;
			found = true;
		}
	}
	return found ? 0 : E_NOMEM;
}

/* The UCS-2 path of the image's file-path nodes ("\EFI\BOOT\BOOTAA64.EFI"), as ASCII. */
static void image_path(char *out, unsigned int size)
{
	const struct efi_device_path *dp = loaded->file_path;
	unsigned int o = 0;

	out[0] = '\0';
	for (unsigned int guard = 0; dp && dp->type != EFI_DP_TYPE_END && guard < 64; guard++) {
		unsigned int len = dp->length[0] | dp->length[1] << 8;

		if (len < 4)
			break;
		if (dp->type == EFI_DP_TYPE_MEDIA && dp->subtype == EFI_DP_SUBTYPE_FILE_PATH) {
			const uint8_t *c = (const uint8_t *)dp + 4;

			for (unsigned int i = 0; i + 1 < len - 4 && o + 1 < size; i += 2) {
				uint16_t ch = (uint16_t)(c[i] | c[i + 1] << 8);

				if (!ch)
					break;
				if (ch == '\\' && o && out[o - 1] == '\\')
					continue;
				out[o++] = ch < 0x80 ? (char)ch : '?';
			}
			out[o] = '\0';
		}
		dp = (const struct efi_device_path *)((const uint8_t *)dp + len);
	}
}

static struct efi_file *open_root(void)
{
	struct efi_simple_file_system *fs;
	struct efi_file *root;

	if (st->boot_services->handle_protocol(loaded->device_handle, &simple_fs_guid,
					       (void **)&fs) ||
	    fs->open_volume(fs, &root))
		return NULL;
	return root;
}

/*
 * Read the file at 'path' (ASCII, backslashes) on the application's volume into fresh
 * EfiLoaderData pages. Returns 0 with its address and size, or a negative error with why.
 */
static int load_file(const char *path, uint64_t *addr, uint64_t *size, struct err_why *why)
{
	efi_char16 name[CMDLINE_MAX];
	struct efi_file *root = open_root(), *f;
	uint64_t len, pages, base, n, room, hdr_len;
	uint8_t hdr[64];
	unsigned int i;
	efi_status s;

	if (!root)
		return err_fail(why, E_NOENT, "%s: the application's volume has no file system",
				path);
	for (i = 0; path[i] && i + 1 < CMDLINE_MAX; i++)
		name[i] = (efi_char16)(path[i] == '/' ? '\\' : (uint8_t)path[i]);
	name[i] = 0;
	s = root->open(root, &f, name, EFI_FILE_MODE_READ, 0);
	root->close(root);
	if (s)
		return err_fail(why, E_NOENT, "%s: not found on the application's volume", path);
	/* The size: seek to the end (UEFI 2.10 13.5, SetPosition with all ones). */
	if (f->set_position(f, ~0ULL) || f->get_position(f, &len) || f->set_position(f, 0)) {
		f->close(f);
		return err_fail(why, E_IO, "%s: cannot read its size", path);
	}
	if (!len || len > FILE_MAX_BYTES || n_files >= MAX_FILES) {
		f->close(f);
		return err_fail(why, E_RANGE, "%s: %llu bytes (empty, too big, or too many files)",
				path, (unsigned long long)len);
	}
	/*
	 * An arm64 Image claims image_size bytes where it lies (its .bss included), more than the
	 * file: leave that room, so a file loaded after it does not fall inside the claim.
	 */
	room = len;
	hdr_len = sizeof(hdr);
	if (!f->read(f, &hdr_len, hdr) && hdr_len == sizeof(hdr) &&
	    !memcmp(hdr + 0x38, "ARM\x64", 4))
		room = le64(hdr + 0x10) > len && le64(hdr + 0x10) < FILE_MAX_BYTES
			       ? le64(hdr + 0x10)
			       : len;
	if (f->set_position(f, 0)) {
		f->close(f);
		return err_fail(why, E_IO, "%s: cannot seek", path);
	}
	pages = (room + (1ULL << EFI_PAGE_SHIFT) - 1) >> EFI_PAGE_SHIFT;
	if (low_pages(pages, &base) ||
	    st->boot_services->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_LOADER_DATA, pages,
					      &base)) {
		f->close(f);
		return err_fail(why, E_NOMEM, "%s: no room for %llu bytes", path,
				(unsigned long long)len);
	}
	n = len;
	s = f->read(f, &n, (void *)(uintptr_t)base);
	f->close(f);
	if (s || n != len) {
		st->boot_services->free_pages(base, pages);
		return err_fail(why, E_IO, "%s: read %llu of %llu bytes", path,
				(unsigned long long)n, (unsigned long long)len);
	}
	/* The common path reads it with the MMU off: push it to the Point of Coherency. */
	dcache_clean_inval_range(base, len);
	files[n_files].base = base;
	files[n_files].pages = pages;
	n_files++;
	*addr = base;
	*size = len;
	return 0;
}

/* The load options as ASCII; the UEFI shell passes the program's own name first: drop it. */
static void load_options(char *out, unsigned int size)
{
	const uint8_t *c = loaded->load_options;
	unsigned int o = 0, n = loaded->load_options_size / 2, i = 0;

	out[0] = '\0';
	if (!c)
		return;
	for (; i < n && o + 1 < size; i++) {
		uint16_t ch = (uint16_t)(c[2 * i] | c[2 * i + 1] << 8);

		if (!ch)
			break;
		out[o++] = ch < 0x80 && ch >= 0x20 ? (char)ch : ' ';
	}
	out[o] = '\0';
	/* A first word ending in ".efi" is the shell's argv[0]. */
	for (i = 0; out[i] && out[i] != ' '; i++)
		;
	if (i >= 4 && (out[i - 4] == '.') && (out[i - 3] | 0x20) == 'e' &&
	    (out[i - 2] | 0x20) == 'f' && (out[i - 1] | 0x20) == 'i') {
		unsigned int j = 0;

		while (out[i] == ' ')
			i++;
		while (out[i])
			out[j++] = out[i++];
		out[j] = '\0';
	}
	for (i = 0; out[i] == ' '; i++)
		;
	if (!out[i])
		out[0] = '\0';
}

/* monadic.cfg beside the application: lines joined by spaces, '#' to the line's end ignored. */
static int read_cfg(char *out, unsigned int size, struct err_why *why)
{
	char path[CMDLINE_MAX];
	uint64_t addr, len;
	unsigned int dir = 0, o = 0;
	bool comment = false;
	int ret;

	image_path(path, sizeof(path));
	for (unsigned int i = 0; path[i]; i++)
		if (path[i] == '\\')
			dir = i + 1;
	fmt_snprintf(path + dir, sizeof(path) - dir, "monadic.cfg");
	ret = load_file(path, &addr, &len, why);
	if (ret)
		return ret;
	for (uint64_t i = 0; i < len; i++) {
		char ch = ((const char *)(uintptr_t)addr)[i];

		if (ch == '#')
			comment = true;
		if (ch == '\n' || ch == '\r') {
			comment = false;
			ch = ' ';
		}
		if (comment)
			continue;
		if ((uint8_t)ch < 0x20 || (uint8_t)ch > 0x7e)
			ch = ' ';
		if (o + 1 >= size) {
			out[0] = '\0';
			return err_fail(why, E_TOOLONG, "%s: the command line holds %u bytes", path,
					size - 1);
		}
		if (ch == ' ' && (!o || out[o - 1] == ' '))
			continue;
		out[o++] = ch;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	/* Keep the file's pages: it is small, and this keeps the file list simple. */
	return 0;
}

/*
 * Guest files named by ESP path: in the words vm=NAME,PATH,... and initrd=NAME,PATH, a field
 * starting with '\' is loaded now and replaced by its address (and, for initrd=, its size),
 * which is what the common path's parser expects (docs/vm-model.md). A file that cannot be
 * loaded drops its word, with the reason on the EFI console and in 'warn' for the boot log.
 */
static int load_guest_files(char *cmd, unsigned int size, char *warn, struct err_why *why)
{
	char out[CMDLINE_MAX], path[CMDLINE_MAX];
	unsigned int i = 0, o = 0, o_word = 0;
	bool quoted = false;

	while (cmd[i]) {
		bool at_word = !quoted && (i == 0 || cmd[i - 1] == ' ');
		bool initrd = at_word && !memcmp(cmd + i, "initrd=", 7);

		if (at_word && (initrd || !memcmp(cmd + i, "vm=", 3))) {
			unsigned int j = i;

			while (cmd[j] && cmd[j] != ',' && cmd[j] != ' ')
				j++;
			o_word = o;
			if (cmd[j] == ',' && cmd[j + 1] == '\\') {
				uint64_t addr, len;
				unsigned int n = 0;
				int ret;

				for (unsigned int k = i; k <= j && o + 1 < sizeof(out); k++)
					out[o++] = cmd[k];
				j++;
				while (cmd[j] && cmd[j] != ',' && cmd[j] != ' ' &&
				       n + 1 < sizeof(path))
					path[n++] = cmd[j++];
				path[n] = '\0';
				ret = load_file(path, &addr, &len, why);
				if (ret) {
					/* Drop the word: the rest still boots to the shell. */
					efi_printf("monadic-hypervisor: %s; '%.*s...' dropped\n",
						   why->msg, (int)(j - i), cmd + i);
					if (!warn[0])
						fmt_snprintf(warn, PLAT_WARN_LEN, "%s", why->msg);
					o = o_word;
					while (cmd[j] && (quoted || cmd[j] != ' ')) {
						if (cmd[j] == '"')
							quoted = !quoted;
						j++;
					}
					quoted = false;
					i = j;
					continue;
				}
				o += (unsigned int)fmt_snprintf(
					out + o, sizeof(out) - o, initrd ? "0x%llx,%llu" : "0x%llx",
					(unsigned long long)addr, (unsigned long long)len);
				if (o >= sizeof(out))
					break;
				i = j;
				continue;
			}
		}
		if (cmd[i] == '"')
			quoted = !quoted;
		if (o + 1 < sizeof(out))
			out[o++] = cmd[i];
		i++;
	}
	if (o >= size)
		return err_fail(why, E_TOOLONG,
				"command line longer than %u bytes with the files' "
				"addresses",
				size - 1);
	out[o] = '\0';
	memcpy(cmd, out, o + 1);
	return 0;
}

static void smbios_provenance(struct platform *p)
{
	const uint8_t *ep = config_table(&smbios3_guid);
	const uint8_t *tab = NULL;
	uint32_t len = 0;

	if (ep && !memcmp(ep, "_SM3_", 5)) {
		tab = (const uint8_t *)(uintptr_t)(ep[SMBIOS3_TABLE_ADDR] |
						   (uint64_t)ep[SMBIOS3_TABLE_ADDR + 1] << 8 |
						   (uint64_t)ep[SMBIOS3_TABLE_ADDR + 2] << 16 |
						   (uint64_t)ep[SMBIOS3_TABLE_ADDR + 3] << 24 |
						   (uint64_t)ep[SMBIOS3_TABLE_ADDR + 4] << 32 |
						   (uint64_t)ep[SMBIOS3_TABLE_ADDR + 5] << 40 |
						   (uint64_t)ep[SMBIOS3_TABLE_ADDR + 6] << 48 |
						   (uint64_t)ep[SMBIOS3_TABLE_ADDR + 7] << 56);
		len = (uint32_t)ep[SMBIOS3_TABLE_MAX] | (uint32_t)ep[SMBIOS3_TABLE_MAX + 1] << 8 |
		      (uint32_t)ep[SMBIOS3_TABLE_MAX + 2] << 16 |
		      (uint32_t)ep[SMBIOS3_TABLE_MAX + 3] << 24;
	} else if ((ep = config_table(&smbios_guid)) && !memcmp(ep, "_SM_", 4)) {
		tab = (const uint8_t *)(uintptr_t)((uint32_t)ep[SMBIOS2_TABLE_ADDR] |
						   (uint32_t)ep[SMBIOS2_TABLE_ADDR + 1] << 8 |
						   (uint32_t)ep[SMBIOS2_TABLE_ADDR + 2] << 16 |
						   (uint32_t)ep[SMBIOS2_TABLE_ADDR + 3] << 24);
		len = (uint32_t)ep[SMBIOS2_TABLE_LEN] | (uint32_t)ep[SMBIOS2_TABLE_LEN + 1] << 8;
	}
	if (!tab || map_avail(NULL, (uintptr_t)tab) < len)
		return;
	smbios_string(tab, len, SMBIOS_TYPE_PROCESSOR, SMBIOS_PROCESSOR_MANUFACTURER,
		      p->fw.cpu_manufacturer, PLAT_NAME_LEN);
	smbios_string(tab, len, SMBIOS_TYPE_PROCESSOR, SMBIOS_PROCESSOR_VERSION, p->fw.cpu_version,
		      PLAT_NAME_LEN);
	smbios_string(tab, len, SMBIOS_TYPE_SYSTEM, SMBIOS_SYSTEM_PRODUCT, p->fw.product,
		      PLAT_NAME_LEN);
}

/*
 * ACPI gives the host bridge's windows only in the DSDT's _CRS (AML). UEFI's PCI root bridge
 * I/O protocol reports the same resources as QWord descriptors: the ranges its PCI bus driver
 * assigned from, which the hypervisor maps at EL2 and assigns BARs in. EDK2's convention:
 * device address = host address + translation (MdeModulePkg PciHostBridgeDxe).
 */
static void pci_windows(struct platform *p)
{
	struct efi_pci_root_bridge_io *rb;
	const uint8_t *d;

	if (!p->pcie.present ||
	    st->boot_services->locate_protocol(&root_bridge_io_guid, NULL, (void **)&rb) ||
	    rb->configuration(rb, (void **)&d) || !d)
		return;
	for (unsigned int guard = 0; d[0] == ACPI_QWORD_DESC && guard < 16;
	     guard++, d += ACPI_QWORD_LEN) {
		struct pci_window *w = &p->pcie.windows[p->pcie.n_windows];
		uint8_t type = d[ACPI_QWORD_RES_TYPE];

		/*
		 * Memory windows only: I/O space needs its CPU-side translation, which EDK2's
		 * descriptors leave implicit on Arm; an I/O BAR then gets no space, as on machines
		 * whose host bridge has no I/O window.
		 */
		if (type != 0 || !le64(d + ACPI_QWORD_LENGTH))
			continue;
		if (p->pcie.n_windows >= PLAT_MAX_PCI_WINDOWS)
			break;
		w->space = le64(d + ACPI_QWORD_GRAN) == 64 ? PCI_SPACE_MEM64 : PCI_SPACE_MEM32;
		w->prefetchable = ((d[ACPI_QWORD_FLAGS] >> 1) & 3) == 3;
		w->pci_addr = le64(d + ACPI_QWORD_MIN);
		w->cpu_addr = w->pci_addr - le64(d + ACPI_QWORD_TRANS);
		w->size = le64(d + ACPI_QWORD_LENGTH);
		p->pcie.n_windows++;
	}
}

/* The platform: ACPI when the configuration table has an RSDP, else its DT. */
static int discover(struct platform *p, void **dtb, struct err_why *why)
{
	void *rsdp = config_table(&acpi20_guid);
	int ret;

	*dtb = config_table(&dtb_guid);
	if (rsdp) {
		ret = plat_acpi_parse(p, (uintptr_t)rsdp, map_avail, NULL, why);
		if (!ret)
			pci_windows(p);
		return ret;
	}
	if (!*dtb)
		return err_fail(why, E_NOENT,
				"the configuration table has neither an ACPI RSDP nor a DT");
	ret = fdt_init(&efi_fdt, *dtb, DTB_MAX_SIZE);
	if (ret)
		return err_fail(why, ret, "DT from the configuration table: %s", efi_fdt.why);
	return plat_parse(p, &efi_fdt, why);
}

static void fw_vendor(struct platform *p)
{
	unsigned int i = 0;

	for (; st->firmware_vendor && st->firmware_vendor[i] && i + 1 < PLAT_NAME_LEN; i++)
		p->fw.vendor[i] =
			st->firmware_vendor[i] < 0x80 ? (char)st->firmware_vendor[i] : '?';
	p->fw.vendor[i] = '\0';
	p->fw.revision = st->firmware_revision;
	p->fw.uefi = true;
}

efi_status efi_main(efi_handle h, struct efi_system_table *systab)
{
	static struct err_why why;
	struct platform *p = &handoff.plat;
	char cmd[CMDLINE_MAX];
	void *dtb;
	efi_status s;
	int ret;

	boot_entry_count = read_sysreg(cntpct_el0);
	st = systab;
	image = h;
	efi_puts("monadic-hypervisor: EFI application\n");
	if (current_el() != 2) {
		efi_printf("monadic-hypervisor: UEFI runs applications at EL%u; a hypervisor needs "
			   "EL2 (QEMU: -M virt,virtualization=on)\n",
			   current_el());
		return EFI_UNSUPPORTED;
	}
	if (st->boot_services->handle_protocol(h, &loaded_image_guid, (void **)&loaded)) {
		efi_puts("monadic-hypervisor: no loaded-image protocol on our handle\n");
		return EFI_LOAD_ERROR;
	}
	s = get_map();
	if (s) {
		efi_printf("monadic-hypervisor: GetMemoryMap failed (0x%llx)\n",
			   (unsigned long long)s);
		return s;
	}
	ret = discover(p, &dtb, &why);
	if (ret) {
		efi_printf("monadic-hypervisor: %s: %s\n", err_str(ret), why.msg);
		return EFI_UNSUPPORTED;
	}
	if (p->fw.acpi_warn[0])
		efi_printf("monadic-hypervisor: ACPI: skipped: %s\n", p->fw.acpi_warn);
	fw_vendor(p);
	smbios_provenance(p);
	if (p->fw.source == PLAT_SRC_DT && dtb)
		p->dtb_size = efi_fdt.size;

	load_options(cmd, sizeof(cmd));
	if (!cmd[0]) {
		ret = read_cfg(cmd, sizeof(cmd), &why);
		if (ret && ret != E_NOENT) {
			efi_printf("monadic-hypervisor: monadic.cfg: %s; booting with an empty "
				   "command line\n",
				   why.msg);
			cmd[0] = '\0';
		}
	}
	ret = load_guest_files(cmd, sizeof(cmd), p->fw.boot_warn, &why);
	if (ret) {
		efi_printf("monadic-hypervisor: %s\n", why.msg);
		return EFI_NOT_FOUND;
	}
	fmt_snprintf(p->bootargs, sizeof(p->bootargs), "%s", cmd);
	efi_printf("monadic-hypervisor: %s, command line \"%s\"; leaving boot services\n",
		   p->fw.source == PLAT_SRC_ACPI ? "ACPI" : "DT", p->bootargs);

	/*
	 * ExitBootServices needs the key of the latest map; printing may allocate and change
	 * it, so nothing runs between the two calls. A stale key gives EFI_INVALID_PARAMETER:
	 * fetch the map again and retry (UEFI 2.10 7.4, ExitBootServices).
	 */
	for (unsigned int tries = 0;; tries++) {
		s = get_map();
		if (!s)
			s = st->boot_services->exit_boot_services(image, map_key);
		if (!s)
			break;
		if (s != EFI_INVALID_PARAMETER || tries >= 8) {
			efi_printf("monadic-hypervisor: ExitBootServices failed (0x%llx)\n",
				   (unsigned long long)s);
			return s;
		}
	}
	/* Boot services are gone: no more calls into the firmware, no EFI console. */
	st = NULL;
	mem_from_map(p);
	handoff.magic = EFI_HANDOFF_MAGIC;
	efi_enter_hypervisor(p->fw.source == PLAT_SRC_DT ? dtb : NULL);
}

bool efi_handoff_take(struct platform *p)
{
	if (handoff.magic != EFI_HANDOFF_MAGIC)
		return false;
	*p = handoff.plat;
	return true;
}

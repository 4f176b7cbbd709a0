// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Names (class codes, capability IDs, port types) and the text forms the shell prints and
 * parses: BDFs, sizes, BARs, one-line function and capability summaries.
 */
#include "pci/pci.h"

#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/parse.h"

#define ANY 0xffff /* subclass or prog-if wildcard */

struct class_name {
	uint8_t class_code;
	uint16_t subclass, progif;
	const char *name;
};

/* PCI Code and ID Assignment 1.16, section 1; wording as in the pci.ids database. */
static const struct class_name class_names[] = {
	{ 0x00, 0x00, ANY, "Non-VGA unclassified device" },
	{ 0x00, 0x01, ANY, "VGA compatible unclassified device" },
	{ 0x00, ANY, ANY, "Unclassified device" },
	{ 0x01, 0x00, ANY, "SCSI storage controller" },
	{ 0x01, 0x01, ANY, "IDE interface" },
	{ 0x01, 0x02, ANY, "Floppy disk controller" },
	{ 0x01, 0x04, ANY, "RAID bus controller" },
	{ 0x01, 0x05, ANY, "ATA controller" },
	{ 0x01, 0x06, 0x01, "SATA controller (AHCI)" },
	{ 0x01, 0x06, ANY, "SATA controller" },
	{ 0x01, 0x07, ANY, "Serial Attached SCSI controller" },
	{ 0x01, 0x08, 0x02, "NVM Express controller" },
	{ 0x01, 0x08, 0x03, "NVM Express administrative controller" },
	{ 0x01, 0x08, ANY, "Non-Volatile memory controller" },
	{ 0x01, 0x09, ANY, "Universal Flash Storage controller" },
	{ 0x01, ANY, ANY, "Mass storage controller" },
	{ 0x02, 0x00, ANY, "Ethernet controller" },
	{ 0x02, 0x07, ANY, "Infiniband controller" },
	{ 0x02, 0x08, ANY, "Fabric controller" },
	{ 0x02, ANY, ANY, "Network controller" },
	{ 0x03, 0x00, 0x00, "VGA compatible controller" },
	{ 0x03, 0x00, ANY, "VGA compatible controller" },
	{ 0x03, 0x01, ANY, "XGA compatible controller" },
	{ 0x03, 0x02, ANY, "3D controller" },
	{ 0x03, ANY, ANY, "Display controller" },
	{ 0x04, 0x00, ANY, "Multimedia video controller" },
	{ 0x04, 0x01, ANY, "Multimedia audio controller" },
	{ 0x04, 0x03, ANY, "Audio device" },
	{ 0x04, ANY, ANY, "Multimedia controller" },
	{ 0x05, 0x00, ANY, "RAM memory" },
	{ 0x05, 0x01, ANY, "FLASH memory" },
	{ 0x05, 0x02, ANY, "CXL" },
	{ 0x05, ANY, ANY, "Memory controller" },
	{ 0x06, 0x00, ANY, "Host bridge" },
	{ 0x06, 0x01, ANY, "ISA bridge" },
	{ 0x06, 0x04, 0x01, "PCI-to-PCI bridge (subtractive decode)" },
	{ 0x06, 0x04, ANY, "PCI-to-PCI bridge" },
	{ 0x06, 0x07, ANY, "CardBus bridge" },
	{ 0x06, 0x09, ANY, "Semi-transparent PCI-to-PCI bridge" },
	{ 0x06, 0x0a, ANY, "InfiniBand to PCI host bridge" },
	{ 0x06, ANY, ANY, "Bridge" },
	{ 0x07, 0x00, 0x02, "Serial controller (16550)" },
	{ 0x07, 0x00, ANY, "Serial controller" },
	{ 0x07, 0x01, ANY, "Parallel controller" },
	{ 0x07, 0x03, ANY, "Modem" },
	{ 0x07, ANY, ANY, "Communication controller" },
	{ 0x08, 0x00, ANY, "PIC" },
	{ 0x08, 0x05, ANY, "SD Host controller" },
	{ 0x08, 0x06, ANY, "IOMMU" },
	{ 0x08, 0x07, ANY, "Root Complex Event Collector" },
	{ 0x08, ANY, ANY, "System peripheral" },
	{ 0x09, ANY, ANY, "Input device controller" },
	{ 0x0a, ANY, ANY, "Docking station" },
	{ 0x0b, ANY, ANY, "Processor" },
	{ 0x0c, 0x03, 0x00, "USB controller (UHCI)" },
	{ 0x0c, 0x03, 0x10, "USB controller (OHCI)" },
	{ 0x0c, 0x03, 0x20, "USB controller (EHCI)" },
	{ 0x0c, 0x03, 0x30, "USB controller (xHCI)" },
	{ 0x0c, 0x03, 0x40, "USB controller (USB4)" },
	{ 0x0c, 0x03, 0xfe, "USB device" },
	{ 0x0c, 0x03, ANY, "USB controller" },
	{ 0x0c, 0x05, ANY, "SMBus" },
	{ 0x0c, 0x07, ANY, "IPMI interface" },
	{ 0x0c, ANY, ANY, "Serial bus controller" },
	{ 0x0d, ANY, ANY, "Wireless controller" },
	{ 0x0e, ANY, ANY, "Intelligent controller" },
	{ 0x0f, ANY, ANY, "Satellite communications controller" },
	{ 0x10, ANY, ANY, "Encryption controller" },
	{ 0x11, ANY, ANY, "Signal processing controller" },
	{ 0x12, ANY, ANY, "Processing accelerators" },
	{ 0x13, ANY, ANY, "Non-Essential Instrumentation" },
	{ 0x40, ANY, ANY, "Coprocessor" },
	{ 0xff, ANY, ANY, "Unassigned class" },
};

const char *pci_class_name(uint8_t class_code, uint8_t subclass, uint8_t progif)
{
	const char *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
		const struct class_name *e = &class_names[i];
		int score;

		if (e->class_code != class_code ||
		    (e->subclass != ANY && e->subclass != subclass) ||
		    (e->progif != ANY && e->progif != progif))
			continue;
		score = (e->subclass != ANY) * 2 + (e->progif != ANY);
		if (score > best_score) {
			best = e->name;
			best_score = score;
		}
	}
	return best ? best : "Unknown class";
}

struct id_name {
	uint16_t id;
	const char *name;
};

/* PCI Code and ID Assignment 1.16, section 2. */
static const struct id_name cap_names[] = {
	{ 0x01, "Power Management" },
	{ 0x02, "AGP" },
	{ 0x03, "Vital Product Data" },
	{ 0x04, "Slot Identification" },
	{ 0x05, "MSI" },
	{ 0x06, "CompactPCI Hot Swap" },
	{ 0x07, "PCI-X" },
	{ 0x08, "HyperTransport" },
	{ 0x09, "Vendor Specific" },
	{ 0x0a, "Debug port" },
	{ 0x0b, "CompactPCI Central Resource Control" },
	{ 0x0c, "PCI Hot-Plug" },
	{ 0x0d, "Bridge Subsystem Vendor ID" },
	{ 0x0e, "AGP 8x" },
	{ 0x0f, "Secure Device" },
	{ 0x10, "PCI Express" },
	{ 0x11, "MSI-X" },
	{ 0x12, "SATA Data/Index Configuration" },
	{ 0x13, "Advanced Features" },
	{ 0x14, "Enhanced Allocation" },
	{ 0x15, "Flattening Portal Bridge" },
};

/* PCI Code and ID Assignment 1.16, section 3. */
static const struct id_name ext_cap_names[] = {
	{ 0x0001, "Advanced Error Reporting" },
	{ 0x0002, "Virtual Channel" },
	{ 0x0003, "Device Serial Number" },
	{ 0x0004, "Power Budgeting" },
	{ 0x0005, "Root Complex Link Declaration" },
	{ 0x0006, "Root Complex Internal Link Control" },
	{ 0x0007, "Root Complex Event Collector Endpoint Association" },
	{ 0x0008, "Multi-Function Virtual Channel" },
	{ 0x0009, "Virtual Channel (MFVC present)" },
	{ 0x000a, "Root Complex Register Block" },
	{ 0x000b, "Vendor Specific" },
	{ 0x000c, "Configuration Access Correlation" },
	{ 0x000d, "Access Control Services" },
	{ 0x000e, "Alternative Routing-ID Interpretation" },
	{ 0x000f, "Address Translation Services" },
	{ 0x0010, "Single Root I/O Virtualization" },
	{ 0x0011, "Multi-Root I/O Virtualization" },
	{ 0x0012, "Multicast" },
	{ 0x0013, "Page Request Interface" },
	{ 0x0015, "Resizable BAR" },
	{ 0x0016, "Dynamic Power Allocation" },
	{ 0x0017, "TLP Processing Hints" },
	{ 0x0018, "Latency Tolerance Reporting" },
	{ 0x0019, "Secondary PCI Express" },
	{ 0x001a, "Protocol Multiplexing" },
	{ 0x001b, "Process Address Space ID" },
	{ 0x001c, "LN Requester" },
	{ 0x001d, "Downstream Port Containment" },
	{ 0x001e, "L1 PM Substates" },
	{ 0x001f, "Precision Time Measurement" },
	{ 0x0020, "PCI Express over M-PHY" },
	{ 0x0021, "FRS Queueing" },
	{ 0x0022, "Readiness Time Reporting" },
	{ 0x0023, "Designated Vendor-Specific" },
	{ 0x0024, "VF Resizable BAR" },
	{ 0x0025, "Data Link Feature" },
	{ 0x0026, "Physical Layer 16.0 GT/s" },
	{ 0x0027, "Lane Margining at the Receiver" },
	{ 0x0028, "Hierarchy ID" },
	{ 0x0029, "Native PCIe Enclosure Management" },
	{ 0x002a, "Physical Layer 32.0 GT/s" },
	{ 0x002b, "Alternate Protocol" },
	{ 0x002c, "System Firmware Intermediary" },
	{ 0x002d, "Shadow Functions" },
	{ 0x002e, "Data Object Exchange" },
	{ 0x002f, "Device 3" },
	{ 0x0030, "Integrity and Data Encryption" },
	{ 0x0031, "Physical Layer 64.0 GT/s" },
};

static const char *id_lookup(const struct id_name *t, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return "Unknown";
}

const char *pci_cap_name(uint8_t id)
{
	return id_lookup(cap_names, sizeof(cap_names) / sizeof(cap_names[0]), id);
}

const char *pci_ext_cap_name(uint16_t id)
{
	return id_lookup(ext_cap_names, sizeof(ext_cap_names) / sizeof(ext_cap_names[0]), id);
}

const char *pci_exp_type_name(uint8_t type)
{
	/* PCIe Base 6.0, 7.5.3.2, Device/Port Type. */
	static const char *const names[] = {
		[PCI_EXP_TYPE_ENDPOINT] = "Endpoint",
		[PCI_EXP_TYPE_LEG_END] = "Legacy Endpoint",
		[PCI_EXP_TYPE_ROOT_PORT] = "Root Port",
		[PCI_EXP_TYPE_UPSTREAM] = "Upstream Port",
		[PCI_EXP_TYPE_DOWNSTREAM] = "Downstream Port",
		[PCI_EXP_TYPE_PCIE_BRIDGE] = "PCIe-to-PCI Bridge",
		[PCI_EXP_TYPE_PCI_BRIDGE] = "PCI-to-PCIe Bridge",
		[PCI_EXP_TYPE_RC_END] = "Root Complex Integrated Endpoint",
		[PCI_EXP_TYPE_RC_EC] = "Root Complex Event Collector",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "Unknown";
}

const char *pci_link_speed_name(uint8_t code)
{
	/* Supported Link Speeds vector bit positions (PCIe Base 6.0, 7.5.3.18). */
	static const char *const names[] = { NULL,     "2.5GT/s", "5GT/s", "8GT/s",
					     "16GT/s", "32GT/s",  "64GT/s" };

	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

/* ---- BDF ----------------------------------------------------------------------------------- */

int pci_format_bdf(char *buf, size_t len, uint16_t bdf)
{
	return fmt_snprintf(buf, len, "%02x:%02x.%x", PCI_BDF_BUS(bdf), PCI_BDF_DEV(bdf),
			    PCI_BDF_FN(bdf));
}

/* Read 1..max hex digits; stops at the first non-digit. Returns the digit count, 0 on none or
 * more than max (so absurdly long numbers never overflow). */
static unsigned int hexnum(const char **s, unsigned int max, uint32_t *v)
{
	unsigned int n = 0;

	*v = 0;
	while (parse_digit(**s) < 16) {
		if (++n > max)
			return 0;
		*v = *v << 4 | (uint32_t)parse_digit(**s);
		(*s)++;
	}
	return n;
}

int pci_parse_bdf(const char *s, uint16_t *bdf)
{
	uint32_t part[4];
	unsigned int digits[4];
	unsigned int n = 0;
	uint32_t dom = 0, bus, dev, fn;

	if (!s || !bdf)
		return E_INVAL;
	/* Up to three colon-separated numbers, the last followed by '.' and the function. */
	for (;;) {
		digits[n] = hexnum(&s, 4, &part[n]);
		if (!digits[n])
			return E_INVAL;
		n++;
		if (*s == ':' && n < 3) {
			s++;
			continue;
		}
		if (*s != '.' || n < 2)
			return E_INVAL;
		s++;
		break;
	}
	digits[n] = hexnum(&s, 4, &part[n]);
	if (!digits[n] || *s)
		return E_INVAL;
	if (n == 3)
		dom = part[0];
	bus = part[n - 2];
	dev = part[n - 1];
	fn = part[n];
	/* Digit counts: bus and dev at most 2, fn 1 (a longer, in-range number is malformed). */
	if ((digits[n - 2] > 2 && bus <= 0xff) || (digits[n - 1] > 2 && dev <= 0x1f) ||
	    (digits[n] > 1 && fn <= 7))
		return E_INVAL;
	if (dom != 0 || bus > 0xff || dev > 0x1f || fn > 7)
		return E_RANGE;
	*bdf = PCI_BDF(bus, dev, fn);
	return 0;
}

/* ---- Formatting ---------------------------------------------------------------------------- */

int pci_format_size(char *buf, size_t len, uint64_t size)
{
	static const char units[] = { 'K', 'M', 'G', 'T', 'P', 'E' };
	unsigned int u = 0;

	if (!size || size & 0x3ff)
		return fmt_snprintf(buf, len, "%llu", (unsigned long long)size);
	size >>= 10;
	while (u + 1 < sizeof(units) && !(size & 0x3ff) && size >= 1024) {
		size >>= 10;
		u++;
	}
	return fmt_snprintf(buf, len, "%llu%c", (unsigned long long)size, units[u]);
}

int pci_format_bar(char *buf, size_t len, const struct pci_bar *b)
{
	char sz[24], at[32] = "";
	const char *pf = b->flags & PCI_BAR_F_PREFETCH ? "prefetchable" : "non-prefetchable";
	const char *note = b->flags & PCI_BAR_F_INVALID	  ? " [invalid]"
			   : b->flags & PCI_BAR_F_NOSPACE ? " [no space]"
							  : "";

	pci_format_size(sz, sizeof(sz), b->size);
	if (b->flags & PCI_BAR_F_ASSIGNED)
		fmt_snprintf(at, sizeof(at), " at 0x%llx", (unsigned long long)b->pci_addr);
	else if (!*note)
		note = " [unassigned]";
	switch (b->kind) {
	case PCI_BAR_IO:
		return fmt_snprintf(buf, len, "I/O%s [size=%s]%s", at, sz, note);
	case PCI_BAR_MEM32:
	case PCI_BAR_MEM64:
		return fmt_snprintf(buf, len, "Memory%s (%s, %s) [size=%s]%s", at,
				    b->kind == PCI_BAR_MEM64 ? "64-bit" : "32-bit", pf, sz, note);
	case PCI_BAR_ROM:
		return fmt_snprintf(buf, len, "Expansion ROM [size=%s] [not assigned]", sz);
	default:
		return fmt_snprintf(buf, len, "%s", "");
	}
}

int pci_format_func(char *buf, size_t len, const struct pci_func *f)
{
	char bdf[PCI_BDF_STRLEN];

	pci_format_bdf(bdf, sizeof(bdf), f->bdf);
	return fmt_snprintf(buf, len, "%s %04x:%04x [%02x:%02x:%02x] %s", bdf, f->vendor, f->device,
			    f->class_code, f->subclass, f->progif,
			    pci_class_name(f->class_code, f->subclass, f->progif));
}

static char pm(bool b)
{
	return b ? '+' : '-';
}

int pci_format_cap(char *buf, size_t len, const struct pci_cfg_ops *c, uint16_t bdf,
		   const struct pci_cap *cap, bool ext)
{
	if (ext) {
		uint32_t hdr = pci_cfg_read32(c, bdf, cap->off);

		return fmt_snprintf(buf, len, "[%03x v%u] %s", cap->off,
				    (unsigned int)(hdr >> 16 & 0xfu), pci_ext_cap_name(cap->id));
	}
	switch (cap->id) {
	case PCI_CAP_ID_MSI: {
		struct pci_msi_info m;

		if (pci_msi_decode(c, bdf, cap->off, &m))
			break;
		return fmt_snprintf(buf, len, "[%02x] MSI: Enable%c Count=%u/%u Maskable%c 64bit%c",
				    cap->off, pm(m.enabled), m.vectors_enabled, m.vectors,
				    pm(m.per_vector_mask), pm(m.addr64));
	}
	case PCI_CAP_ID_MSIX: {
		struct pci_msix_info m;

		if (pci_msix_decode(c, bdf, cap->off, &m))
			break;
		return fmt_snprintf(buf, len,
				    "[%02x] MSI-X: Enable%c Count=%u Masked%c Table=BAR%u+0x%x "
				    "PBA=BAR%u+0x%x",
				    cap->off, pm(m.enabled), m.table_size, pm(m.function_mask),
				    m.table_bir, (unsigned int)m.table_offset, m.pba_bir,
				    (unsigned int)m.pba_offset);
	}
	case PCI_CAP_ID_EXP: {
		struct pci_exp_info e;

		if (pci_exp_decode(c, bdf, cap->off, &e))
			break;
		if (!e.has_link)
			return fmt_snprintf(buf, len, "[%02x] Express v%u %s MaxPayload=%u",
					    cap->off, e.version, pci_exp_type_name(e.type),
					    e.max_payload);
		return fmt_snprintf(
			buf, len,
			"[%02x] Express v%u %s MaxPayload=%u Link: max %s x%u, now %s x%u",
			cap->off, e.version, pci_exp_type_name(e.type), e.max_payload,
			pci_link_speed_name(e.link_speed_max), e.link_width_max,
			pci_link_speed_name(e.link_speed), e.link_width);
	}
	case PCI_CAP_ID_PM: {
		struct pci_pm_info p;

		if (pci_pm_decode(c, bdf, cap->off, &p))
			break;
		return fmt_snprintf(buf, len,
				    "[%02x] Power Management v%u D1%c D2%c PME=0x%02x D%u%s",
				    cap->off, p.version, pm(p.d1), pm(p.d2), p.pme_support, p.state,
				    p.state == 3 ? "hot" : "");
	}
	default:
		break;
	}
	return fmt_snprintf(buf, len, "[%02x] %s", cap->off, pci_cap_name((uint8_t)cap->id));
}

// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The vm= word of the hypervisor's command line. */
#include "kernel/vmm/vm_spec.h"

#include <stdbool.h>
#include <stddef.h>

#include "kernel/lib/err.h"
#include "kernel/lib/parse.h"
#include "pci/pci.h"

/* Copy the next comma-separated field (at most n - 1 bytes) into buf; false when too long. */
static bool field(const char **s, char *buf, size_t n)
{
	size_t i = 0;

	while (**s && **s != ',') {
		if (i + 1 >= n)
			return false;
		buf[i++] = *(*s)++;
	}
	buf[i] = '\0';
	if (**s == ',')
		(*s)++;
	return true;
}

static bool name_ok(const char *n)
{
	if (!*n)
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '-' || *n == '_'))
			return false;
	return true;
}

int vm_initrd_parse(const char *s, char name[VM_SPEC_NAME], uint64_t *pa, uint64_t *size)
{
	char buf[32];

	if (!field(&s, name, VM_SPEC_NAME) || !name_ok(name))
		return E_INVAL;
	if (!field(&s, buf, sizeof(buf)) || parse_u64(buf, pa) || (*pa & 0xfff))
		return E_INVAL;
	if (!field(&s, buf, sizeof(buf)) || parse_size(buf, size) || !*size || *s)
		return E_INVAL;
	return 0;
}

int vm_pci_parse(const char *s, char name[VM_SPEC_NAME], uint16_t *bdfs, unsigned int max,
		 unsigned int *n)
{
	char buf[16];

	*n = 0;
	if (!field(&s, name, VM_SPEC_NAME) || !name_ok(name) || !*s)
		return E_INVAL;
	while (*s) {
		bool last;

		if (*n >= max)
			return E_RANGE;
		if (!field(&s, buf, sizeof(buf)))
			return E_INVAL;
		last = !*s;
		if (pci_parse_bdf(buf, &bdfs[*n]))
			return E_INVAL;
		(*n)++;
		if (last)
			break;
	}
	/* "NAME,BDF," leaves an empty last field: refused like any other malformed word. */
	return s[-1] == ',' ? E_INVAL : 0;
}

/* Whether 's' ends with ",virtio": then 'word' holds it without that (at most n - 1 bytes). */
static bool strip_virtio(const char *s, char *word, size_t n)
{
	static const char tail[] = ",virtio";
	size_t len = 0, t = sizeof(tail) - 1;

	while (s[len] && len + 1 < n) {
		word[len] = s[len];
		len++;
	}
	word[len] = '\0';
	if (s[len] || len < t)
		return false;
	for (size_t i = 0; i < t; i++)
		if (word[len - t + i] != tail[i])
			return false;
	word[len - t] = '\0';
	return true;
}

static int vm_disk_fields(const char *s, char name[VM_SPEC_NAME], struct vm_disk_spec *d)
{
	char buf[24];

	*d = (struct vm_disk_spec){ 0 };
	if (!field(&s, name, VM_SPEC_NAME) || !name_ok(name) || !field(&s, buf, sizeof(buf)) ||
	    pci_parse_bdf(buf, &d->bdf))
		return E_INVAL;
	if (!*s && s[-1] != ',') {
		d->nsid = 1;
		return 0;
	}
	if (!field(&s, buf, sizeof(buf)) || parse_u64(buf, &d->start) || !d->start ||
	    d->start > 0xffffffffu)
		return E_INVAL;
	d->nsid = (uint32_t)d->start;
	d->start = 0;
	if (!*s && s[-1] != ',')
		return 0;
	if (!field(&s, buf, sizeof(buf)) || parse_u64(buf, &d->start) || !*s ||
	    !field(&s, buf, sizeof(buf)) || parse_u64(buf, &d->count) || !d->count || *s ||
	    s[-1] == ',')
		return E_INVAL;
	return 0;
}

int vm_disk_parse(const char *word, char name[VM_SPEC_NAME], struct vm_disk_spec *d)
{
	char copy[96];
	bool virtio = strip_virtio(word, copy, sizeof(copy));
	const char *s = virtio ? copy : word;
	int ret = vm_disk_fields(s, name, d);

	d->virtio = virtio && !ret;
	return ret;
}

/* ADDR or ADDR:SIZE. */
static int image_parse(char *buf, struct vm_spec *spec)
{
	char *colon = buf;

	while (*colon && *colon != ':')
		colon++;
	if (*colon) {
		*colon = '\0';
		if (parse_size(colon + 1, &spec->image_size) || !spec->image_size)
			return E_INVAL;
	}
	if (parse_u64(buf, &spec->image_pa) || (spec->image_pa & 0xfff))
		return E_INVAL;
	return 0;
}

int vm_spec_parse(const char *s, struct vm_spec *spec, struct err_why *why)
{
	char buf[32];
	uint64_t v;
	size_t i = 0;

	*spec = (struct vm_spec){ .cpus = 1 };
	if (!field(&s, spec->name, sizeof(spec->name)) || !name_ok(spec->name))
		return err_fail(why, E_INVAL, "NAME: 1-15 of a-z A-Z 0-9 - _");
	if (!field(&s, buf, sizeof(buf)) || image_parse(buf, spec))
		return err_fail(
			why, E_INVAL,
			"IMAGE: a 4 KiB-aligned physical address, or ADDR:SIZE (SIZE not 0)");
	if (!field(&s, buf, sizeof(buf)) || parse_size(buf, &spec->mem) || !spec->mem ||
	    (spec->mem & ((2UL << 20) - 1)))
		return err_fail(why, E_INVAL, "MEM: a size in K, M or G, a multiple of 2 MiB");
	if (*s) {
		if (!field(&s, buf, sizeof(buf)) || parse_u64(buf, &v) || v < 1 || v > 8)
			return err_fail(why, E_RANGE, "CPUS: 1 to 8");
		spec->cpus = (unsigned int)v;
	}
	/* Whatever follows the fourth comma is the guest's command line, commas and all. */
	for (; s[i]; i++) {
		if (i + 1 >= sizeof(spec->cmdline))
			return err_fail(why, E_RANGE, "CMDLINE: too long");
		spec->cmdline[i] = s[i];
	}
	spec->cmdline[i] = '\0';
	return 0;
}

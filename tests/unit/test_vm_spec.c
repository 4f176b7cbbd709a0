// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The vm= word of the hypervisor's command line. */
#include "kernel/lib/err.h"
#include "kernel/vmm/vm_spec.h"
#include "test.h"

static void test_full(void)
{
	struct vm_spec s;
	struct err_why why = { 0 };

	CHECK(vm_spec_parse("linux,0x48000000,256M,2,console=ttyAMA0 earlycon,x=1", &s, &why) == 0);
	CHECK_STR(s.name, "linux");
	CHECK_EQ_U64(s.image_pa, 0x48000000);
	CHECK_EQ_U64(s.mem, 256UL << 20);
	CHECK_EQ_U64(s.cpus, 2);
	CHECK_STR(s.cmdline, "console=ttyAMA0 earlycon,x=1");
}

static void test_defaults(void)
{
	struct vm_spec s;
	struct err_why why = { 0 };

	CHECK(vm_spec_parse("t_1-a,1048576,2M", &s, &why) == 0);
	CHECK_STR(s.name, "t_1-a");
	CHECK_EQ_U64(s.image_pa, 0x100000);
	CHECK_EQ_U64(s.mem, 2UL << 20);
	CHECK_EQ_U64(s.cpus, 1);
	CHECK_STR(s.cmdline, "");
	CHECK(vm_spec_parse("g,0x1000,1G,8", &s, &why) == 0);
	CHECK_EQ_U64(s.cpus, 8);
	CHECK_EQ_U64(s.image_size, 0); /* not given */
}

/* IMAGE as ADDR:SIZE: the size a raw binary needs. */
static void test_image_size(void)
{
	struct vm_spec s;
	struct err_why why = { 0 };

	CHECK(vm_spec_parse("raw,0x48000000:64K,32M,2", &s, &why) == 0);
	CHECK_EQ_U64(s.image_pa, 0x48000000);
	CHECK_EQ_U64(s.image_size, 64 << 10);
	CHECK_EQ_U64(s.cpus, 2);
	CHECK(vm_spec_parse("raw,0x48000000:20807,32M", &s, &why) == 0);
	CHECK_EQ_U64(s.image_size, 20807);
}

static void test_errors(void)
{
	static const char *const bad[] = {
		"",			       /* no name */
		",0x1000,2M",		       /* empty name */
		"bad name,0x1000,2M",	       /* space */
		"waytoolongname123,0x1000,2M", /* 17 characters */
		"g",			       /* nothing else */
		"g,0x1001,2M",		       /* unaligned image */
		"g,zz,2M",		       /* not a number */
		"g,0x1000",		       /* no memory */
		"g,0x1000,3M",		       /* not 2 MiB multiple */
		"g,0x1000,0",		       /* no memory */
		"g,0x1000,2M,0",	       /* cpus */
		"g,0x1000,2M,9",
		"g,0x1000,2M,x",
		"g,0x1000,99999999999999999999M",
		"g,0x1000:,2M",	  /* empty size */
		"g,0x1000:0,2M",  /* zero size */
		"g,0x1000:zz,2M", /* not a size */
		"g,0x1001:4K,2M", /* unaligned image */
		"g,:4K,2M",	  /* no address */
	};
	struct vm_spec s;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err_why why = { 0 };
		int ret = vm_spec_parse(bad[i], &s, &why);

		if (ret == 0)
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
		CHECK(ret == E_INVAL || ret == E_RANGE);
		CHECK(why.msg[0] != '\0');
	}
}

static void test_cmdline_bound(void)
{
	char buf[400] = "g,0x1000,2M,1,";
	struct vm_spec s;
	struct err_why why = { 0 };
	size_t n = strlen(buf);

	memset(buf + n, 'c', VM_SPEC_CMDLINE - 1);
	CHECK(vm_spec_parse(buf, &s, &why) == 0);
	CHECK_EQ_U64(strlen(s.cmdline), VM_SPEC_CMDLINE - 1);
	buf[n + VM_SPEC_CMDLINE - 1] = 'c';
	CHECK(vm_spec_parse(buf, &s, &why) == E_RANGE);
}

static void test_pci(void)
{
	char name[VM_SPEC_NAME];
	uint16_t bdfs[4];
	unsigned int n = 99;

	CHECK_EQ_U64(vm_pci_parse("linux,01:00.0", name, bdfs, 4, &n), 0);
	CHECK_STR(name, "linux");
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(bdfs[0], 0x0100);
	CHECK_EQ_U64(vm_pci_parse("g,00:02.0,1f:1f.7", name, bdfs, 4, &n), 0);
	CHECK_EQ_U64(n, 2);
	CHECK_EQ_U64(bdfs[0], 0x0010);
	CHECK_EQ_U64(bdfs[1], 0x1fff);
	CHECK_EQ_U64(vm_pci_parse("g,00:01.0,00:02.0,00:03.0", name, bdfs, 2, &n),
		     (uint64_t)E_RANGE);
	CHECK_EQ_U64(vm_pci_parse("linux", name, bdfs, 4, &n), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_pci_parse("linux,", name, bdfs, 4, &n), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_pci_parse("linux,01:00.0,", name, bdfs, 4, &n), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_pci_parse("linux,,01:00.0", name, bdfs, 4, &n), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_pci_parse("linux,01:20.0", name, bdfs, 4, &n), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_pci_parse("bad name,01:00.0", name, bdfs, 4, &n), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_pci_parse("linux,01:00.0 ", name, bdfs, 4, &n), (uint64_t)E_INVAL);
}

static void test_disk(void)
{
	char name[VM_SPEC_NAME];
	struct vm_disk_spec d;

	CHECK_EQ_U64(vm_disk_parse("a,00:01.0", name, &d), 0);
	CHECK_STR(name, "a");
	CHECK_EQ_U64(d.bdf, 0x0008);
	CHECK_EQ_U64(d.nsid, 1);
	CHECK_EQ_U64(d.start + d.count, 0);
	CHECK_EQ_U64(vm_disk_parse("b,00:02.0,2", name, &d), 0);
	CHECK_EQ_U64(d.nsid, 2);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,1,1024,0x800", name, &d), 0);
	CHECK_EQ_U64(d.nsid, 1);
	CHECK_EQ_U64(d.start, 1024);
	CHECK_EQ_U64(d.count, 2048);
	CHECK(!d.virtio);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,1,1024,0x800,virtio", name, &d), 0);
	CHECK(d.virtio);
	CHECK_EQ_U64(d.start, 1024);
	CHECK_EQ_U64(d.count, 2048);
	CHECK_EQ_U64(vm_disk_parse("v,00:01.0,virtio", name, &d), 0);
	CHECK(d.virtio);
	CHECK_STR(name, "v");
	CHECK_EQ_U64(d.nsid, 1);
	CHECK_EQ_U64(vm_disk_parse("v,00:01.0,virtio,2", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("v,00:01.0,1,virtio,virtio", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,0", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,1,5", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,1,5,", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,1,5,0", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,00:02.0,1,5,6,7", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("c,zz,1", name, &d), (uint64_t)E_INVAL);
	CHECK_EQ_U64(vm_disk_parse("a b,00:02.0", name, &d), (uint64_t)E_INVAL);
}

static void test_initrd(void)
{
	char name[VM_SPEC_NAME];
	uint64_t pa, size;

	CHECK(vm_initrd_parse("linux,0x58000000,1234567", name, &pa, &size) == 0);
	CHECK_STR(name, "linux");
	CHECK_EQ_U64(pa, 0x58000000);
	CHECK_EQ_U64(size, 1234567);
	CHECK(vm_initrd_parse("g,4096,4K", name, &pa, &size) == 0);
	CHECK_EQ_U64(size, 4096);
	CHECK(vm_initrd_parse("g,0x1001,10", name, &pa, &size) == E_INVAL); /* unaligned */
	CHECK(vm_initrd_parse("g,0x1000,0", name, &pa, &size) == E_INVAL);
	CHECK(vm_initrd_parse("g,0x1000", name, &pa, &size) == E_INVAL);
	CHECK(vm_initrd_parse("g,0x1000,10,x", name, &pa, &size) == E_INVAL);
	CHECK(vm_initrd_parse("a b,0x1000,10", name, &pa, &size) == E_INVAL);
}

int main(void)
{
	RUN(test_pci);
	RUN(test_initrd);
	RUN(test_disk);
	RUN(test_full);
	RUN(test_defaults);
	RUN(test_image_size);
	RUN(test_errors);
	RUN(test_cmdline_bound);
	return TEST_SUMMARY();
}

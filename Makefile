# SPDX-License-Identifier: BSD-2-Clause-Patent
# monadic-hypervisor: build the EL2 image, run it in QEMU, debug it with GDB, test it.
# `make help` lists the targets.

CROSS_COMPILE ?= aarch64-linux-gnu-
CC := $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy
OBJDUMP := $(CROSS_COMPILE)objdump
QEMU ?= qemu-system-aarch64
GDB ?= gdb-multiarch
PYTHON ?= /usr/bin/python3

BUILD := build
NAME := monadic-hypervisor
ELF := $(BUILD)/$(NAME).elf
BIN := $(BUILD)/$(NAME).bin

# QEMU machine for run/debug/test; override on the command line.
CPU ?= max
SMP ?= 4
MEM ?= 2G
QEMU_EXTRA ?=
QEMU_MACHINE := virt,virtualization=on,gic-version=3
# make run GUEST=<arm64 Image>: QEMU's loader stages it in RAM at GUEST_ADDR, and the vm= word of
# our command line (see docs/vm-model.md) makes it a VM started at once with its console
# attached to the terminal; when it powers off, the monadic> prompt comes back.
GUEST ?=
GUEST_ADDR ?= 0x50000000
GUEST_MEM ?= 256M
GUEST_CPUS ?= 1
GUEST_CMDLINE ?= console=ttyAMA0 earlycon
GUEST_INITRD ?=
GUEST_INITRD_ADDR ?= 0x58000000
# GUEST_PCI=<bdf>[,<bdf>...]: PCIe functions passed through to the guest (docs/pcie-passthrough.md);
# add the devices themselves with QEMU_EXTRA, e.g. QEMU_EXTRA="-drive file=disk.img,if=none,id=d0,format=raw -device nvme,serial=d0,drive=d0".
GUEST_PCI ?=
# GUEST_DISK=<bdf>[,<nsid>[,<start>,<count>]]: blocks of an NVMe namespace the hypervisor keeps,
# served to the guest by the EL2 block engine (docs/block-service.md); the device as above.
# GUEST_DISK_IF=virtio: the guest sees them as a virtio-blk device (Linux: /dev/vda).
GUEST_DISK ?=
GUEST_DISK_IF ?=
GUEST_ARGS = $(if $(GUEST),-device loader$(comma)file=$(GUEST)$(comma)addr=$(GUEST_ADDR)$(comma)force-raw=on \
	$(if $(GUEST_INITRD),-device loader$(comma)file=$(GUEST_INITRD)$(comma)addr=$(GUEST_INITRD_ADDR)$(comma)force-raw=on) \
	-append 'vm=guest$(comma)$(GUEST_ADDR)$(comma)$(GUEST_MEM)$(comma)$(GUEST_CPUS)$(comma)"$(GUEST_CMDLINE)" attach$(if $(GUEST_INITRD), initrd=guest$(comma)$(GUEST_INITRD_ADDR)$(comma)$(shell stat -c %s $(GUEST_INITRD)))$(if $(GUEST_PCI), pci=guest$(comma)$(GUEST_PCI))$(if $(GUEST_DISK), disk=guest$(comma)$(GUEST_DISK)$(if $(filter virtio,$(GUEST_DISK_IF)),$(comma)virtio))')
comma := ,
# make run FIRMWARE=uefi [ACPI=off]: boot through Debian's EDK2 (qemu-efi-aarch64) from an ESP
# folder, build/esp: the image as \EFI\BOOT\BOOTAA64.EFI, monadic.cfg (the command line) beside
# it, GUEST and GUEST_INITRD as \EFI\monadic\Image and initrd named by path in monadic.cfg.
# EDK2 hands over ACPI tables only, or with ACPI=off the DT only.
FIRMWARE ?=
ACPI ?= on
AAVMF_CODE ?= /usr/share/AAVMF/AAVMF_CODE.fd
AAVMF_VARS ?= /usr/share/AAVMF/AAVMF_VARS.fd
ESP := $(BUILD)/esp
ESP_CFG = $(if $(GUEST),vm=guest$(comma)\EFI\monadic\Image$(comma)$(GUEST_MEM)$(comma)$(GUEST_CPUS)$(comma)"$(GUEST_CMDLINE)" attach$(if $(GUEST_INITRD), initrd=guest$(comma)\EFI\monadic\initrd)$(if $(GUEST_PCI), pci=guest$(comma)$(GUEST_PCI)))
ifeq ($(FIRMWARE),uefi)
QEMU_MACHINE := $(QEMU_MACHINE)$(if $(filter off,$(ACPI)),$(comma)acpi=off)
QEMU_BOOT = -drive if=pflash,format=raw,readonly=on,file=$(AAVMF_CODE) \
	-drive if=pflash,format=raw,file=$(BUILD)/AAVMF_VARS.fd \
	-drive file=fat:rw:$(ESP),format=raw,if=none,id=esp -device virtio-blk-pci,drive=esp
else
QEMU_BOOT = -kernel $(BIN) $(GUEST_ARGS)
endif
QEMU_ARGS = -M $(QEMU_MACHINE) -cpu $(CPU) -smp $(SMP) -m $(MEM) -nographic -net none \
	$(QEMU_BOOT) $(QEMU_EXTRA)

# A CPU model the system QEMU lacks (Debian 12's QEMU 7.2 stops at neoverse-n1; neoverse-v1 and
# neoverse-n2 need QEMU 10) runs on QEMU 10 from bookworm-backports, fetched into build/qemu10 by
# scripts/fetch-qemu.sh without installing anything (docs/cpu-models.md). QEMU=... overrides.
QEMU10 := $(BUILD)/qemu10/qemu-system-aarch64
CPU_MODEL := $(firstword $(subst $(comma), ,$(CPU)))
# The integration tests boot $$MONADIC_QEMU, and their default machine $$MONADIC_CPU.
TEST_ENV := $(if $(filter file,$(origin QEMU)),,MONADIC_QEMU=$(QEMU)) \
	$(if $(filter file,$(origin CPU)),,MONADIC_CPU=$(CPU))
ifeq ($(origin QEMU),file)
ifeq ($(filter max host cortex-a53 cortex-a57 cortex-a72 neoverse-n1,$(CPU_MODEL)),)
NEEDS_QEMU10 := $(shell $(QEMU) -M virt -cpu help 2>/dev/null | grep -qw -- '$(CPU_MODEL)' || echo 1)
endif
endif
ifeq ($(NEEDS_QEMU10),1)
QEMU := $(abspath $(QEMU10))
QEMU_DEP := $(QEMU10)
TEST_ENV += MONADIC_QEMU=$(QEMU)
endif

V ?= 0
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

# Armv8.2-A makes LSE atomics the baseline (Neoverse N1 is Armv8.2); -mno-outline-atomics keeps
# libgcc's run-time dispatch helpers out. -mstrict-align because C runs before the MMU is on,
# when every data access is Device memory and must be aligned. -fpie: see linker.ld.
ARCH_CFLAGS := -march=armv8.2-a -mno-outline-atomics -mgeneral-regs-only -mstrict-align
CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-unused-parameter -ffreestanding -nostdlib -fno-builtin \
	-fno-stack-protector -fpie -fvisibility=hidden -ffunction-sections -fdata-sections \
	-fno-common -fno-omit-frame-pointer $(ARCH_CFLAGS) -I. -MMD -MP
ASFLAGS := -D__ASSEMBLER__ $(ARCH_CFLAGS) -I. -MMD -MP
LDFLAGS := -nostdlib -static -pie --no-dynamic-linker -z norelro -z noexecstack \
	--gc-sections --fatal-warnings -T linker.ld -Map=$(BUILD)/$(NAME).map

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

SRCS_S := boot/head.S boot/vectors.S boot/guest.S boot/embedded.S
SRCS_C := $(wildcard kernel/*.c kernel/*/*.c mm/*.c monitor/*.c bench/*.c pci/*.c dataplane/*.c)
OBJS := $(addprefix $(BUILD)/,$(SRCS_S:.S=.o) $(SRCS_C:.c=.o))
DEPS := $(OBJS:.o=.d)

.PHONY: all build esp run run-linux guests debug gdb test unit integration soak clean help setup lint format check-hotpath lint-py

all: build
build: $(BIN)

$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(quiet) AS $<
	$(Q)$(CC) $(ASFLAGS) -c -o $@ $<

# The version string changes with every commit: keep it in its own object.
$(BUILD)/version.o: FORCE Makefile
	@mkdir -p $(BUILD)
	$(Q)printf '%s\n' '/* generated */' \
	  'const char build_version[] = "$(VERSION)";' \
	  'const char build_date[] = "$(shell date -u +%Y-%m-%dT%H:%M:%SZ)";' \
	  'const char build_compiler[] = "$(shell $(CC) --version | head -n1)";' > $(BUILD)/version.c.new
	$(Q)cmp -s $(BUILD)/version.c.new $(BUILD)/version.c 2>/dev/null || cp $(BUILD)/version.c.new $(BUILD)/version.c
	$(Q)$(CC) $(CFLAGS) -c -o $@ $(BUILD)/version.c
FORCE:

$(ELF): $(OBJS) $(BUILD)/version.o linker.ld Makefile
	$(quiet) LD $@
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS) $(BUILD)/version.o
	$(Q)$(OBJDUMP) -d $@ > $(BUILD)/$(NAME).lst

$(BIN): $(ELF)
	$(quiet) OBJCOPY $@
	$(Q)$(OBJCOPY) -O binary $< $@
	@# Pad to the PE FileAlignment: the section's SizeOfRawData (boot/head.S) ends there.
	$(Q)truncate -s %512 $@

# In-tree test guests (tests/guests): bare-metal EL1 programs, linked where guest RAM starts,
# reusing the portable FDT reader and formatter. The MMU is off in them: -mstrict-align.
GUESTS := basic hostile benchg timer ring nvmedma uartbench disk scrub pmu debug vgic its vblk
GUEST_BINS := $(addprefix $(BUILD)/guests/,$(addsuffix .bin,$(GUESTS)))
GUEST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -ffreestanding -nostdlib \
	-fno-builtin -fno-pie -fno-stack-protector $(ARCH_CFLAGS) -I. -Itests/guests -MMD -MP
GUEST_LIB := tests/guests/start.S tests/guests/common.c kernel/lib/fdt.c kernel/lib/fmt.c dataplane/spsc.c dataplane/spsc_seq.c
GUEST_LIB_OBJS := $(addprefix $(BUILD)/guests/obj/,$(notdir $(addsuffix .o,$(basename $(GUEST_LIB)))))
vpath %.c tests/guests kernel/lib dataplane
vpath %.S tests/guests

guests: $(GUEST_BINS)
# (Here, not at the build rule above: make expands prerequisites when it reads the rule.)
build: $(GUEST_BINS)

# The benchmark guest is built into the hypervisor image (boot/embedded.S).
$(BUILD)/boot/embedded.o: $(BUILD)/guests/benchg.bin $(BUILD)/guests/disk.bin $(BUILD)/guests/vblk.bin $(BUILD)/guests/ring.bin

# Keep the objects and ELFs (symbols for GDB), and let make see them when it checks the chain.
.SECONDARY: $(GUEST_LIB_OBJS) $(patsubst %.bin,%.elf,$(GUEST_BINS)) \
	$(addprefix $(BUILD)/guests/obj/,$(addsuffix .o,$(GUESTS)))

$(BUILD)/guests/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(quiet) CC "guest $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(BUILD)/guests/obj/%.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(quiet) AS "guest $<"
	$(Q)$(CC) -D__ASSEMBLER__ $(ARCH_CFLAGS) -c -o $@ $<

# uartbench also runs under QEMU's -kernel (make bench-vs-kvm): see guest.ld.
$(BUILD)/guests/uartbench.elf: GUEST_LDFLAGS := --defsym=__text_offset=0x200000
$(BUILD)/guests/%.elf: $(BUILD)/guests/obj/%.o $(GUEST_LIB_OBJS) tests/guests/guest.ld
	$(quiet) LD $@
	$(Q)$(LD) -nostdlib -static --fatal-warnings --no-warn-rwx-segments -T tests/guests/guest.ld $(GUEST_LDFLAGS) \
		-o $@ $(filter %.o,$^)

$(BUILD)/guests/%.bin: $(BUILD)/guests/%.elf
	$(Q)$(OBJCOPY) -O binary $< $@

# The basic guest in the other kernel formats QEMU's -kernel starts on virt: build/guests/
# basic.elf as linked, and basic-raw.bin, linked for RAM + 0x80000 with no Image magic.
$(BUILD)/guests/obj/start-raw.o: tests/guests/start.S Makefile
	@mkdir -p $(dir $@)
	$(quiet) AS "guest $< (raw)"
	$(Q)$(CC) -D__ASSEMBLER__ -DGUEST_RAW $(ARCH_CFLAGS) -c -o $@ $<

$(BUILD)/guests/basic-raw.elf: $(BUILD)/guests/obj/basic.o $(BUILD)/guests/obj/start-raw.o \
		$(filter-out %/start.o,$(GUEST_LIB_OBJS)) tests/guests/guest.ld
	$(quiet) LD $@
	$(Q)$(LD) -nostdlib -static --fatal-warnings --no-warn-rwx-segments \
		--defsym=__text_offset=0x80000 -T tests/guests/guest.ld -o $@ $(filter %.o,$^)

guests: $(BUILD)/guests/basic-raw.bin
build: $(BUILD)/guests/basic-raw.bin

-include $(wildcard $(BUILD)/guests/obj/*.d)

# Install whatever is missing, but only when something is (a quick dpkg query otherwise).
setup:
	$(Q)scripts/setup-toolchain.sh --check >/dev/null || scripts/setup-toolchain.sh

run: setup $(QEMU_DEP)
	$(Q)$(MAKE) --no-print-directory build
	$(if $(filter uefi,$(FIRMWARE)),$(Q)$(MAKE) --no-print-directory esp)
	@echo "QEMU: Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor"
	$(QEMU) $(QEMU_ARGS)

# The EFI system partition as a folder QEMU presents as a FAT disk, and a writable copy of the
# firmware's variable store (boot entries EDK2 adds persist there between runs).
esp: $(BIN)
	$(Q)rm -rf $(ESP) && mkdir -p $(ESP)/EFI/BOOT $(ESP)/EFI/monadic
	$(Q)cp $(BIN) $(ESP)/EFI/BOOT/BOOTAA64.EFI
	$(Q)printf '%s\n' '$(ESP_CFG)' > $(ESP)/EFI/BOOT/monadic.cfg
	$(if $(GUEST),$(Q)cp $(GUEST) $(ESP)/EFI/monadic/Image)
	$(if $(GUEST_INITRD),$(Q)cp $(GUEST_INITRD) $(ESP)/EFI/monadic/initrd)
	$(Q)test -f $(BUILD)/AAVMF_VARS.fd || cp $(AAVMF_VARS) $(BUILD)/AAVMF_VARS.fd

# An unmodified Debian arm64 kernel with a busybox initramfs as a guest, console attached.
LINUX_DIR := $(BUILD)/linux
run-linux: setup
	$(Q)$(MAKE) --no-print-directory build
	$(Q)scripts/fetch-guest-linux.sh $(LINUX_DIR)
	$(Q)$(MAKE) --no-print-directory run GUEST=$(LINUX_DIR)/Image GUEST_MEM=512M GUEST_CPUS=2 \
		GUEST_CMDLINE="console=ttyAMA0" GUEST_INITRD=$(LINUX_DIR)/initramfs.cpio.gz

debug: setup $(QEMU_DEP)
	$(Q)$(MAKE) --no-print-directory build
	@echo "QEMU halted with a GDB stub on :1234. In another terminal: make gdb"
	$(QEMU) $(QEMU_ARGS) -S -gdb tcp::1234

gdb:
	$(GDB) -x scripts/gdb-init.gdb -x scripts/gdb/monadic.py $(ELF)

unit:
	$(Q)$(MAKE) --no-print-directory -C tests/unit

# The ring's hot paths must use LDAR/STLR (or LDAPR) and never a standalone DMB.
check-hotpath: build
	$(Q)scripts/check-hotpath.sh $(BUILD)/dataplane/spsc.o
	$(Q)scripts/check-hotpath.sh --source dataplane/spsc_seq.c $(BUILD)/dataplane/spsc_seq.o

# The QEMU tests on PYTEST_JOBS pytest-xdist workers, a module at a time on each (a module's
# tests share its booted target); one at a time when xdist is not installed or PYTEST_JOBS=1.
PYTEST_JOBS ?= 2
PYTEST_PAR = $(if $(filter-out 0 1,$(PYTEST_JOBS)),$(if $(shell $(PYTHON) -c 'import xdist' \
	2>/dev/null && echo yes),-n $(PYTEST_JOBS) --dist loadfile))

integration: build $(QEMU_DEP)
	$(Q)$(TEST_ENV) $(PYTHON) -m pytest -q $(PYTEST_PAR) tests/integration

# The VM lifecycle soak at length (not in `make test`): SOAK_CYCLES start/stop cycles, SOAK_SEED.
SOAK_CYCLES ?= 1000
SOAK_SEED ?= 12
soak: build
	$(Q)LIFECYCLE_CYCLES=$(SOAK_CYCLES) LIFECYCLE_SEED=$(SOAK_SEED) $(PYTHON) -m pytest -q -s \
		tests/integration/test_lifecycle.py::test_start_stop_soak

# The downloads the integration tests need run in the background meanwhile (their output in
# build/fetch-*.log); with -j the build, the lint and the unit tests share the CPUs (.ci/run).
test: setup $(QEMU_DEP)
	$(Q)mkdir -p $(BUILD) && scripts/fetch-test-files.sh $(BUILD) >/dev/null 2>&1 &
	$(Q)$(MAKE) --no-print-directory build
	$(Q)$(MAKE) --no-print-directory check-hotpath
	$(Q)$(MAKE) --no-print-directory lint unit
	$(Q)$(TEST_ENV) $(PYTHON) -m pytest -q $(PYTEST_PAR) tests/host_tools tests/integration

$(QEMU10):
	$(Q)scripts/fetch-qemu.sh $(BUILD)/qemu10

# Every C source and header we own (not generated files).
FORMAT_FILES := $(shell git ls-files '*.c' '*.h' 2>/dev/null)
CPPCHECK_FLAGS := --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem -I. -D__aarch64__

format:
	clang-format -i $(FORMAT_FILES)

lint:
	$(quiet) FORMAT "$(words $(FORMAT_FILES)) files"
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)
	$(quiet) CPPCHECK "kernel mm monitor pci dataplane bench"
	$(Q)cppcheck $(CPPCHECK_FLAGS) kernel mm monitor pci dataplane $(wildcard bench/*.c)
	$(quiet) ASM "inline assembly only in kernel/arch/"
	$(Q)$(PYTHON) scripts/check-inline-asm.py
	$(quiet) LAYERS "includes point down scripts/layers.txt"
	$(Q)$(PYTHON) scripts/check-layers.py
	$(Q)$(MAKE) --no-print-directory lint-py

# host-tools and the Python tests: mypy --strict, and ruff where it is installed (Debian 12 has no
# ruff package; its settings are in pyproject.toml for when it is there). Both read pyproject.toml.
RUFF ?= ruff
lint-py:
	$(quiet) MYPY "host-tools tests/host_tools tests/integration"
	$(Q)$(PYTHON) -c 'import mypy' 2>/dev/null || \
		{ echo "lint-py: mypy is missing for $(PYTHON): make setup installs python3-mypy" >&2; exit 1; }
	$(Q)$(PYTHON) -m mypy
	$(Q)if command -v $(RUFF) >/dev/null; then \
		printf '  %-7s %s\n' RUFF "host-tools tests"; $(RUFF) check host-tools tests; \
	else \
		echo "  RUFF    skipped: $(RUFF) is not installed (not packaged in Debian 12)"; \
	fi

clean:
	rm -rf $(BUILD)

help:
	@echo "make [build]      build $(ELF) and $(BIN)"
	@echo "make run          boot in QEMU (CPU=$(CPU) SMP=$(SMP) MEM=$(MEM) QEMU_EXTRA=...)"
	@echo "                  CPU=neoverse-v1|neoverse-n2 fetch QEMU 10 into build/qemu10 (docs/cpu-models.md)"
	@echo "make run GUEST=Image [GUEST_CPUS=n GUEST_MEM=size GUEST_CMDLINE=... GUEST_INITRD=file]"
	@echo "make run FIRMWARE=uefi [ACPI=off]  boot through EDK2 from build/esp (ACPI tables, or the DT)"
	@echo "make run-linux    Debian's arm64 kernel + busybox initramfs as a guest (fetched to build/linux)"
	@echo "make debug        boot halted with a GDB stub on :1234; then 'make gdb'"
	@echo "                  (gdb: monadic-cpus, monadic-vms, monadic-s2walk <vm> <ipa>)"
	@echo "make gdb          GDB with the symbols, connected to :1234"
	@echo "make test         lint, hot-path check, unit tests (ASan/UBSan/TSan), host-tools and QEMU tests"
	@echo "make bench        boot QEMU, run the benchmark suite, write results/ with charts"
	@echo "make bench-linux  Linux guest with NVMe passthrough against a direct QEMU boot"
	@echo "make bench-vs-kvm the benchmark guest here and under KVM (VHE, nVHE): table, chart"
	@echo "make bench-nvme   4 KiB random I/O by path: ring, passthrough, direct, virtio-blk (fio)"
	@echo "make guests       the in-tree test guests (build/guests/*.bin)"
	@echo "make unit         host unit tests only"
	@echo "make check-hotpath  disassemble the ring's hot paths: no DMB, LDAR/STLR present"
	@echo "make integration  QEMU integration tests only"
	@echo "make soak         the VM lifecycle soak at length (SOAK_CYCLES=1000, SOAK_SEED=12)"
	@echo "make setup        install missing Debian packages (scripts/setup-toolchain.sh)"
	@echo "make lint         clang-format check, cppcheck, include order, inline assembly, lint-py"
	@echo "make lint-py      mypy --strict (and ruff, if installed) on host-tools and the Python tests"
	@echo "make format       reformat the C sources with clang-format"
	@echo "make clean        remove $(BUILD)/"
	@echo "V=1 shows full commands; CROSS_COMPILE=$(CROSS_COMPILE)"

-include $(DEPS)

# --- host-tools: `make bench` ---------------------------------------------------------------
# Maintained with host-tools/ (see host-tools/README.md). Builds, boots QEMU with CPU, SMP, MEM
# and QEMU_EXTRA as `make run` does, runs the default benchmark suite, writes
# results/<date>-<platform>/ (JSON lines, provenance, CSV, charts) and prints where.
# BENCH_ARGS passes more options, e.g. BENCH_ARGS="--suite my-suite.txt" or, for a board,
# BENCH_ARGS="--device /dev/ttyUSB0 --baud 115200" (QEMU is then not started).
BENCH_ARGS ?=
.PHONY: bench
bench: setup $(QEMU_DEP)
	$(Q)$(MAKE) --no-print-directory build
	$(Q)MONADIC_INVOKED_BY="make bench CPU=$(CPU) SMP=$(SMP) MEM=$(MEM)" PYTHONPATH=host-tools \
	  $(PYTHON) -m monadic bench --image $(BIN) --qemu $(QEMU) --cpu $(CPU) --smp $(SMP) \
	  --mem $(MEM) --qemu-extra="$(QEMU_EXTRA)" --results results --chart $(BENCH_ARGS)

# 4 KiB random I/O on one QEMU NVMe device (build/bench-nvme.img) by four paths, queue depths 1
# to 128 (docs/block-service.md, host-tools/monadic/nvmebench.py): the built-in guest on the
# block engine's rings (`bench nvme`; again under -icount shift=0 for EL2 instructions per I/O),
# and fio in Debian's Linux with the controller passed through, booted directly, and on
# virtio-blk through the engine. Writes results/<date>-nvme/ with charts. A path that cannot run
# (no fio initramfs, no virtio-blk disk) is skipped with the reason. BENCH_NVME_ARGS passes
# more options, e.g. BENCH_NVME_ARGS="--paths ring direct --runtime 1". Not a test.
BENCH_NVME_ARGS ?=
.PHONY: bench-nvme
bench-nvme: setup $(QEMU_DEP)
	$(Q)$(MAKE) --no-print-directory build
	$(Q)scripts/fetch-guest-linux.sh --name fio --packages fio=fio --init scripts/bench-nvme-init.sh \
	  $(LINUX_DIR) || echo "bench-nvme: no fio initramfs: the Linux paths will be skipped"
	$(Q)MONADIC_INVOKED_BY="make bench-nvme CPU=$(CPU)" PYTHONPATH=host-tools \
	  $(PYTHON) -m monadic bench-nvme --image $(BIN) --qemu $(QEMU) --cpu $(CPU) \
	  --linux-dir $(LINUX_DIR) --results results $(BENCH_NVME_ARGS)

# The benchmark guest (tests/guests/uartbench.c) under this hypervisor and as a KVM guest of
# Debian's arm64 kernel at EL2 (VHE and nVHE), in the same QEMU machine and CPU model with
# -icount shift=0: instructions per operation and the ratio, results/<date>-vs-kvm/ with charts.
# The KVM host's initramfs holds Debian's qemu-system-aarch64 and its libraries. Not a test.
VSKVM_ARGS ?=
.PHONY: bench-vs-kvm
bench-vs-kvm: setup
	$(Q)$(MAKE) --no-print-directory build
	$(Q)scripts/fetch-guest-linux.sh --name kvm --packages qemu-system-arm=qemu-system-aarch64 \
	  --init scripts/bench-vs-kvm-init.sh --add $(BUILD)/guests/uartbench.bin=/uartbench.bin \
	  $(LINUX_DIR)
	$(Q)MONADIC_INVOKED_BY="make bench-vs-kvm CPU=$(CPU)" PYTHONPATH=host-tools \
	  $(PYTHON) -m monadic bench-vs-kvm --image $(BIN) --guest $(BUILD)/guests/uartbench.bin \
	  --qemu $(QEMU) --cpu $(CPU) --linux-dir $(LINUX_DIR) --results results $(VSKVM_ARGS)

# The Linux guest with an NVMe controller passed through against the same kernel booted by QEMU
# directly: boot to init and a direct-I/O read, both ways LINUX_BENCH_ARGS="--repeat N" times
# (default 5; medians and spread); the JSON line is appended to results/linux.jsonl.
LINUX_BENCH_ARGS ?=
.PHONY: bench-linux
bench-linux: setup $(QEMU_DEP)
	$(Q)$(MAKE) --no-print-directory build
	$(Q)scripts/fetch-guest-linux.sh $(LINUX_DIR)
	$(Q)mkdir -p results
	$(Q)MONADIC_INVOKED_BY="make bench-linux CPU=$(CPU) $(LINUX_BENCH_ARGS)" PYTHONPATH=host-tools \
	  $(PYTHON) -m monadic linux-bench --image $(BIN) --qemu $(QEMU) \
	  --cpu $(CPU) --linux-dir $(LINUX_DIR) --out results/linux.jsonl $(LINUX_BENCH_ARGS)

# SPDX-License-Identifier: BSD-2-Clause-Patent
"""GDB commands that show monadic-hypervisor's state from its own data structures.

    (gdb) source scripts/gdb/monadic.py      # `make gdb` does this
    (gdb) monadic-cpus                       # percpu[]: id, MPIDR, state, what it runs, wake-ups
    (gdb) monadic-vms                        # vms[]: id, name, state, VMID, RAM, Stage-2 root
    (gdb) monadic-s2walk 0 0x70000000        # walk VM 0's Stage-2 tables for an IPA

The structures are read through the symbols (kernel/smp.h struct percpu, kernel/vmm/vm.h struct vm,
mm/pgtable.h struct pt), so field names must match the C; the Stage-2 walk reads the tables from
memory and decodes each descriptor itself (Arm ARM D8.3, D8.5), as `s2walk` in the shell does,
so it also works when the shell cannot run (a hang, a halted CPU, before the shell starts).

Table addresses are physical. The hypervisor maps RAM 1:1 at EL2, so GDB's (virtual) reads
reach them while the EL2 MMU is on; when a read fails (MMU off at a different mapping, or the
stop is in a lower EL), QEMU's physical-memory mode is tried (maintenance packet
Qqemu.PhyMemMode:1) and switched off again.
"""

from __future__ import annotations

import struct
from typing import Callable

try:
    import gdb  # type: ignore[import-not-found]  # provided by GDB's embedded Python
except ImportError:  # imported by tests/host_tools to check the decoding on the host
    gdb = None
_Command = gdb.Command if gdb is not None else object

# mm/pgtable.h
PT_PAGE_SHIFT = 12
PT_ENTRIES = 512
PTE_VALID = 1 << 0
PTE_TABLE = 1 << 1
PTE_OA_MASK = 0x0000_FFFF_FFFF_F000
# kernel/smp.h enum cpu_state and kernel/vmm/vm_state.h enum vm_state, in order.
CPU_STATES = ("off", "starting", "idle", "busy")
VM_STATES = (
    "free",
    "building",
    "created",
    "starting",
    "running",
    "resetting",
    "stopping",
    "stopped",
)
# Stage-2 lower attributes (Arm ARM D8.5.5, FWB disabled): MemAttr[5:2], S2AP[7:6], SH[9:8],
# AF[10]; upper: XN[54:53].
S2AP = ("none", "RO", "WO", "RW")
SH = ("non-shareable", "reserved", "outer", "inner")
XN = ("exec", "XN at EL0 only (PXN)", "XN", "XN at EL1 only (UXN)")
DEVICE = ("Device-nGnRnE", "Device-nGnRE", "Device-nGRE", "Device-GRE")
CACHE = ("?", "NC", "WT", "WB")


def level_shift(level: int) -> int:
    return PT_PAGE_SHIFT + 9 * (3 - level)


def memattr_name(memattr: int) -> str:
    """MemAttr[3:0] of a Stage-2 descriptor by name (D8.5.5)."""
    outer, inner = (memattr >> 2) & 3, memattr & 3
    if outer == 0:
        return DEVICE[inner]
    if inner == 0:
        return "reserved"
    return f"Normal Outer {CACHE[outer]} Inner {CACHE[inner]}"


def describe_leaf(desc: int) -> str:
    memattr = (desc >> 2) & 0xF
    return (
        f"MemAttr 0x{memattr:x} ({memattr_name(memattr)}), S2AP {S2AP[(desc >> 6) & 3]}, "
        f"SH {SH[(desc >> 8) & 3]}, AF {(desc >> 10) & 1}, {XN[(desc >> 53) & 3]}"
    )


def size_text(size: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size} bytes"


def walk(read: Callable[[int], int], root: int, start: int, roots: int, ipa: int) -> list[str]:
    """The lines `monadic-s2walk` prints: one per descriptor read, then the outcome. `read`
    returns the 64-bit word at a physical address (GDB memory, or a dict in the tests)."""
    lines = []
    table = root
    for level in range(start, 4):
        entries = PT_ENTRIES * (roots if level == start else 1)
        index = (ipa >> level_shift(level)) & (entries - 1)
        desc = read(table + 8 * index)
        head = f"L{level} table 0x{table:010x} [{index:3}] = 0x{desc:016x}  "
        if not desc & PTE_VALID:
            lines.append(head + "invalid")
            lines.append(f"IPA 0x{ipa:x}: translation fault at level {level} (descriptor invalid)")
            return lines
        if level < 3 and desc & PTE_TABLE:
            table = desc & PTE_OA_MASK
            lines.append(head + f"table -> 0x{table:x}")
            continue
        if level == 0 or (level == 3 and not desc & PTE_TABLE):
            why = (
                "no blocks at level 0 on the 4 KiB granule"
                if level == 0
                else "level 3 with bit 1 clear"
            )
            lines.append(head + f"reserved ({why})")
            lines.append(f"IPA 0x{ipa:x}: translation fault at level {level} (reserved encoding)")
            return lines
        size = 1 << level_shift(level)
        oa = desc & PTE_OA_MASK & ~(size - 1)
        kind = "page" if level == 3 else "block"
        lines.append(head + f"{kind}, OA 0x{oa:x}: {describe_leaf(desc)}")
        lines.append(
            f"IPA 0x{ipa:x} -> PA 0x{oa | (ipa & (size - 1)):x} ({kind} of {size_text(size)})"
        )
        return lines
    return lines


def read_u64(addr: int) -> int:
    """Eight bytes at physical address `addr` (see the module docstring)."""
    inferior = gdb.selected_inferior()
    try:
        return struct.unpack("<Q", bytes(inferior.read_memory(addr, 8)))[0]
    except gdb.MemoryError:
        pass
    try:
        gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
        try:
            return struct.unpack("<Q", bytes(inferior.read_memory(addr, 8)))[0]
        finally:
            gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)
    except (gdb.error, gdb.MemoryError) as exc:
        raise gdb.GdbError(f"cannot read the table entry at PA 0x{addr:x}: {exc}") from None


def array_len(value: gdb.Value) -> int:
    lo, hi = value.type.strip_typedefs().range()
    return hi - lo + 1


def symbol(name: str) -> gdb.Value:
    try:
        return gdb.parse_and_eval(name)
    except gdb.error as exc:
        raise gdb.GdbError(
            f"no symbol {name!r} ({exc}); load build/monadic-hypervisor.elf at the load address "
            "(monadic-symbols 0x40200000 under QEMU)"
        ) from None


def c_string(value: gdb.Value, limit: int = 64) -> str:
    """A char* or char[] as text; '-' for NULL, '?' when unreadable."""
    try:
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR and int(value) == 0:
            return "-"
        return value.string(length=-1)[:limit]
    except (gdb.error, gdb.MemoryError):
        return "?"


def enum_name(names: tuple[str, ...], value: gdb.Value) -> str:
    n = int(value)
    return names[n] if 0 <= n < len(names) else f"?({n})"


class MonadicCpus(_Command):
    """Show the hypervisor's CPUs from percpu[]: id, MPIDR, state, what each runs, wake-ups.

    Usage: monadic-cpus [all]
    Only the smp_ncpus CPUs the DTB described are shown, unless `all` is given."""

    def __init__(self) -> None:
        super().__init__("monadic-cpus", gdb.COMMAND_DATA)

    def invoke(self, arg: str, from_tty: bool) -> None:
        percpu = symbol("percpu")
        count = array_len(percpu)
        ncpus = int(symbol("smp_ncpus"))
        if arg.strip() != "all":
            count = min(count, ncpus) if ncpus > 0 else count
        gdb.write(f"{ncpus} CPUs described (percpu[] holds {array_len(percpu)})\n")
        gdb.write(f"{'cpu':<4} {'MPIDR':<12} {'state':<9} {'wakeups':>8}  doing\n")
        for i in range(count):
            c = percpu[i]
            gdb.write(
                f"{int(c['id']):<4} 0x{int(c['mpidr']):<10x} {enum_name(CPU_STATES, c['state']):<9} "
                f"{int(c['wakeups']):>8}  {c_string(c['doing'])}\n"
            )


class MonadicVms(_Command):
    """Show the virtual machines from vms[]: id, name, state, VMID, RAM and Stage-2 root.

    Usage: monadic-vms [all]
    Free slots are skipped unless `all` is given."""

    def __init__(self) -> None:
        super().__init__("monadic-vms", gdb.COMMAND_DATA)

    def invoke(self, arg: str, from_tty: bool) -> None:
        vms = symbol("vms")
        show_all = arg.strip() == "all"
        gdb.write(f"{'id':<3} {'name':<16} {'state':<8} {'VMID':>4}  {'RAM':<44} Stage-2 root\n")
        shown = 0
        for i in range(array_len(vms)):
            vm = vms[i]
            state = enum_name(VM_STATES, vm["state"])
            if state == "free" and not show_all:
                continue
            shown += 1
            size = int(vm["ram_size"])
            ram = (
                f"{size_text(size)} at IPA 0x{int(vm['ram_ipa']):x} (PA 0x{int(vm['ram_pa']):x})"
                if size
                else "-"
            )
            pt = vm["s2"]["pt"]
            root = "-"
            if state != "free":
                root = (
                    f"0x{int(pt['root_pa']):x} (L{int(pt['start_level'])} x{int(pt['root_tables'])}, "
                    f"{int(pt['ia_bits'])}-bit IPA)"
                )
            gdb.write(
                f"{i if state == 'free' else int(vm['id']):<3} {c_string(vm['name']):<16} {state:<8} "
                f"{int(vm['s2']['vmid']):>4}  {ram:<44} {root}\n"
            )
        if shown == 0:
            gdb.write("no VM exists (`monadic-vms all` lists the free slots)\n")


def parse_int(text: str, what: str) -> int:
    try:
        return int(gdb.parse_and_eval(text))
    except gdb.error as exc:
        raise gdb.GdbError(f"bad {what} {text!r}: {exc}") from None


class MonadicS2Walk(_Command):
    """Walk a VM's Stage-2 translation tables in memory for one IPA.

    Usage: monadic-s2walk VM IPA
    Starts at vms[VM].s2.pt.root_pa with its start level and concatenated root tables, reads each
    descriptor from memory and decodes it: invalid, table (next-level address), block or page
    (output address, MemAttr, S2AP, shareability, AF, execute-never). VM and IPA are expressions."""

    def __init__(self) -> None:
        super().__init__("monadic-s2walk", gdb.COMMAND_DATA)

    def invoke(self, arg: str, from_tty: bool) -> None:
        argv = gdb.string_to_argv(arg)
        if len(argv) != 2:
            raise gdb.GdbError("usage: monadic-s2walk VM IPA")
        vm_id, ipa = parse_int(argv[0], "VM"), parse_int(argv[1], "IPA")
        vms = symbol("vms")
        if not 0 <= vm_id < array_len(vms):
            raise gdb.GdbError(f"VM {vm_id} out of range (0-{array_len(vms) - 1})")
        vm = vms[vm_id]
        if enum_name(VM_STATES, vm["state"]) == "free":
            raise gdb.GdbError(f"VM {vm_id} does not exist (slot free)")
        pt = vm["s2"]["pt"]
        root, start, ia_bits, roots = (
            int(pt[f]) for f in ("root_pa", "start_level", "ia_bits", "root_tables")
        )
        if root == 0 or start > 3 or not 1 <= roots <= 16:
            raise gdb.GdbError(
                f"VM {vm_id} has no usable Stage-2 tables (root 0x{root:x}, level {start}, {roots} roots)"
            )
        if ia_bits < 64 and ipa >> ia_bits:
            raise gdb.GdbError(f"IPA 0x{ipa:x} is beyond the {ia_bits}-bit IPA space")
        gdb.write(
            f"VM {vm_id} ({c_string(vm['name'])}), VMID {int(vm['s2']['vmid'])}: root 0x{root:x}, "
            f"start level {start}, {roots} root table{'s' if roots > 1 else ''}, {ia_bits}-bit IPA\n"
        )
        for line in walk(read_u64, root, start, roots, ipa):
            gdb.write(line + "\n")


if gdb is not None:
    MonadicCpus()
    MonadicVms()
    MonadicS2Walk()

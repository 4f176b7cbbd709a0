# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Host-side library for monadic-hypervisor: launch QEMU, drive the serial shell, parse output.

    from monadic import MachineConfig, Target
    with Target.boot("build/monadic-hypervisor.bin", MachineConfig(cpu="neoverse-n1", smp=4)) as m:
        print(m.shell.run_json("sysregs")["core"])
"""

from .errors import (
    CommandError,
    DeviceError,
    HypervisorCrash,
    LinkClosed,
    MonadicError,
    ProtocolError,
    QemuError,
    ShellTimeout,
)
from .parse import BANNER, PROMPT, as_int, error_lines, numbers_in, parse_hexdump, split_echo
from .qemu import MachineConfig, Qemu, image_load_address, mem_bytes
from .shell import Shell
from .target import Target, TargetSpec

__all__ = [
    "BANNER",
    "PROMPT",
    "CommandError",
    "DeviceError",
    "HypervisorCrash",
    "LinkClosed",
    "MachineConfig",
    "MonadicError",
    "ProtocolError",
    "Qemu",
    "QemuError",
    "Shell",
    "ShellTimeout",
    "Target",
    "TargetSpec",
    "as_int",
    "error_lines",
    "image_load_address",
    "numbers_in",
    "mem_bytes",
    "parse_hexdump",
    "split_echo",
]

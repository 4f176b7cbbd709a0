# SPDX-License-Identifier: BSD-2-Clause-Patent
"""console=pci:BDF: the shell on a 16550 that is a PCI function (QEMU's pci-serial, a 16550 on
PCI as EC2 presents its UART). The PL011 is left unconnected, so the prompt and every command's
output arrive only if the console really moved to the 16550."""

from __future__ import annotations

from pathlib import Path

from monadic import MachineConfig
from monadic.target import Target


def test_shell_on_a_pci_16550(image: Path, qemu_binary: str) -> None:
    config = MachineConfig(
        smp=1,
        mem="512M",
        serial_before=("-serial", "null"),
        extra_args=(
            "-device", "pci-serial,chardev=serial1,addr=04.0",
            "-append", "console=pci:00:04.0",
        ),
    )  # fmt: skip
    target = Target.launch(image, config, binary=qemu_binary)
    try:
        target.wait_boot()
        assert "console: 16550 at PCI 00:04.0" in target.boot_text, target.boot_text
        p = target.shell.run_json("platform")
        assert p["bootargs"] == "console=pci:00:04.0"
        assert "1b36:0002" in target.shell.run("pci")  # typed input reaches the shell too
    finally:
        target.close()

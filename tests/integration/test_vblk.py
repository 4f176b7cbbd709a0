# SPDX-License-Identifier: BSD-2-Clause-Patent
"""A guest's disk as a virtio-blk device (virtio-mmio, docs/block-service.md): an unmodified
Debian kernel finds it in its device tree, binds its own virtio_blk driver and uses /dev/vda,
whose requests the EL2 block engine serves zero copy from its share of an NVMe namespace. It
reads a pattern the test wrote into the backing file inside its share and writes one the test
then finds there, while the in-tree disk guest works on another share of the same controller
through its rings. A bare-metal guest driving its own virtio-blk device tells every lie a driver
can (tests/guests/vblk.c): each gets an error status or a device that needs a reset, while the
ring guest's I/O goes on without an error. With two vCPUs a VM's device has two virtqueues
(VIRTIO_BLK_F_MQ), each served by its own one of the two engines: Linux's blk-mq gets two
hardware queues, the bare-metal guest drives both and breaks one while the other works, and a
VM stopped with I/O in flight on both engines loses nothing of the ring guest's.""" 

from __future__ import annotations

import re
import secrets
import struct
from pathlib import Path

import pytest

from helpers import LINUX_IMAGE_PA, LINUX_INITRD_PA, vm_by_name, wait_vm_state
from monadic import MachineConfig, Shell

BLOCK = 512
HALF = 4096  # blocks: the ring guest's share is [0, HALF), Linux's [HALF, 2 * HALF), the
# virtio test guest's [2 * HALF, 3 * HALF)
DISK_BYTES = 3 * HALF * BLOCK
READ_SECTOR = 100  # of /dev/vda: the test's pattern
WRITE_SECTOR = 300  # of /dev/vda: Linux's
DISCARD_SECTOR, DISCARD_COUNT = 1024, 64  # of /dev/vda: Linux discards them (blkdiscard)
RING_GUEST_PA = 0x44000000
VBLK_GUEST_PA = 0x46000000
READ_TEXT = "vblk-in-" + secrets.token_hex(8)
WRITE_TEXT = "vblk-out-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def disk_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vblk") / "nvme.img"
    data = bytearray(DISK_BYTES)
    off = (HALF + READ_SECTOR) * BLOCK
    data[off:off + len(READ_TEXT)] = READ_TEXT.encode()
    # Something in the range Linux discards: the drive unmaps it, so it reads back as zeroes.
    off = (HALF + DISCARD_SECTOR) * BLOCK
    data[off:off + DISCARD_COUNT * BLOCK] = b"\xa5" * (DISCARD_COUNT * BLOCK)
    # The same text at sector READ_SECTOR of the other share: Linux must not read that one.
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def shared_config(image: Path, linux_dir: Path, disk_file: Path) -> MachineConfig:
    """The machine this module's tests share (conftest's `shell` boots it once): two engines,
    on cpu4 and cpu5, Linux (two vCPUs) with blocks [HALF, 2 * HALF) as virtio-blk started
    from bootargs."""
    initrd = linux_dir / "initramfs.cpio.gz"
    guest = image.parent / "guests" / "disk.bin"
    vguest = image.parent / "guests" / "vblk.bin"
    for g in (guest, vguest):
        if not g.exists():
            pytest.fail(f"{g} is missing: run `make guests`")
    cmdline = (f"console=ttyAMA0 monadic.dev=vda "
               f"monadic.nvme={READ_SECTOR},{WRITE_SECTOR},{WRITE_TEXT} "
               f"monadic.vblk={DISCARD_SECTOR},{DISCARD_COUNT}")
    return MachineConfig(
        cpu="max",
        smp=6,
        mem="2G",
        extra_args=(
            "-drive", f"file={disk_file},if=none,id=d0,format=raw,discard=unmap",
            "-device", "nvme,serial=vblk0,drive=d0,addr=01.0",
            "-device", f"loader,file={linux_dir / 'Image'},addr={LINUX_IMAGE_PA:#x},force-raw=on",
            "-device", f"loader,file={initrd},addr={LINUX_INITRD_PA:#x},force-raw=on",
            "-device", f"loader,file={guest},addr={RING_GUEST_PA:#x},force-raw=on",
            "-device", f"loader,file={vguest},addr={VBLK_GUEST_PA:#x},force-raw=on",
            "-append",
            f'nvme=00:01.0,4,5 vm=linux,{LINUX_IMAGE_PA:#x},256M,2,"{cmdline}" '
            f"initrd=linux,{LINUX_INITRD_PA:#x},{initrd.stat().st_size} "
            f"disk=linux,00:01.0,1,{HALF},{HALF},virtio",
        ),
    )


def test_linux_uses_vda_next_to_a_ring_guest(shell: Shell, disk_file: Path) -> None:
    linux = vm_by_name(shell, "linux")
    # The ring guest on the other half of the same namespace, while Linux boots and does I/O.
    out = shell.run(f"vm create a {RING_GUEST_PA:#x} 32M 1")
    ring = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    out = shell.run(f"vm disk {ring} 00:01.0 1 {HALF} 16", check=False)
    assert out.startswith("error:") and "overlap" in out, out
    shell.run(f"vm disk {ring} 00:01.0 1 0 {HALF}")
    shell.run(f"vm start {ring}")

    info = wait_vm_state(shell, linux["id"], timeout=240)
    assert "SYSTEM_OFF" in info["stop_reason"], info
    log = shell.run(f"vm log {linux['id']}")
    assert re.search(r"MONADIC-BLOCK: .*\bvda\b", log), log[-3000:]
    # virtio_blk reports the share's size: 4096 512-byte sectors, 2.10 MB.
    assert re.search(r"virtio_blk virtio0: \[vda\] 4096 512-byte logical blocks", log), log[-3000:]
    assert f"MONADIC-READ: {READ_TEXT}" in log, log[-3000:]
    assert "MONADIC-WRITE: done" in log, log[-3000:]
    # The features Linux negotiated: GET_ID's serial (the controller's, the namespace, the
    # share's first block), one range per DISCARD and WRITE_ZEROES of at most 65536 blocks.
    m = re.search(r"MONADIC-VBLK: serial=(\S*) discard_max=(\d+) write_zeroes_max=(\d+) "
                  r"mq=(\S*)", log)
    assert m, log[-3000:]
    assert m.group(1) == f"vblk0-1-{HALF}", m.group(0)
    assert int(m.group(2)) == HALF * BLOCK and int(m.group(3)) == HALF * BLOCK, m.group(0)
    assert m.group(4) == "0,1,", m.group(0)  # two hardware queues: one per vCPU
    assert "MONADIC-VBLK: discarded" in log, log[-3000:]
    # From each CPU, a read and a write: each through its own queue (blk-mq maps CPU c to c).
    for c in (0, 1):
        assert f"MONADIC-MQ: cpu{c} done" in log, log[-3000:]
    data = disk_file.read_bytes()
    for c in (0, 1):
        off = (HALF + DISCARD_SECTOR + DISCARD_COUNT + c) * BLOCK
        assert data[off:off + 15] == f"monadic-mq-cpu{c}".encode(), data[off:off + 32]
    off = (HALF + DISCARD_SECTOR) * BLOCK
    assert data[off:off + DISCARD_COUNT * BLOCK] == bytes(DISCARD_COUNT * BLOCK)
    off = (HALF + WRITE_SECTOR) * BLOCK
    assert data[off:off + len(WRITE_TEXT)] == WRITE_TEXT.encode(), data[off:off + 64]
    # Nothing landed outside Linux's share where the ring guest does not write.
    assert WRITE_TEXT.encode() not in data[:HALF * BLOCK]

    info = wait_vm_state(shell, ring, timeout=120)
    ring_log = shell.run(f"vm log {ring}")
    m = re.search(r"guest: (\d+) passed, (\d+) failed", ring_log)
    assert m and m.group(2) == "0", ring_log
    # The ring guest's pattern is over its share, untouched by Linux.
    for rel in (16, HALF // 2, HALF - 1):
        (word,) = struct.unpack_from("<Q", data, rel * BLOCK)
        assert word == 0xD15C000000000000 | ring << 40 | rel << 8, hex(word)

    engine = shell.run_json("nvme engine --json")
    assert [d["kind"] for d in engine["disks"] if d["vm"] == ring] == ["ring"], engine
    # Linux's two queues, each at its own engine, each with requests of its own; the VM's
    # queue-depth limit (128) split between them.
    vds = sorted((d for d in engine["disks"] if d["vm"] == linux["id"] and d["current"]),
                 key=lambda d: d["queue"])
    assert [(d["queue"], d["kind"]) for d in vds] == [(0, "virtio"), (1, "virtio")], engine
    assert {d["engine"] for d in vds} == {0, 1}, vds
    for d in vds:
        assert d["completed"] > 0 and d["bytes_read"] >= 4096, d
        assert d["qd_limit"] == 64 and d["inflight_max"] <= 64, d
        assert sum(d["errors"].values()) == 0, d
        assert d["state"] == "gone" and d["inflight"] == 0, d
    assert sum(d["bytes_written"] for d in vds) >= 3 * BLOCK, vds
    assert sum(d["ops"]["flush"] for d in vds) >= 1, vds
    assert sum(d["ops"]["discard"] for d in vds) >= 1, vds
    # Linux's QueueNotify found an engine asleep in WFI at least once and its SGI woke it.
    assert sum(d["kicks"] for d in vds) >= 1, vds


def fresh_pair(shell: Shell, vblk_cmdline: str = "") -> tuple[int, int]:
    """The ring guest looping on [0, HALF) and the virtio test guest (two vCPUs) on
    [2 * HALF, 3 * HALF), both created anew, not started."""
    # Linux (started from bootargs) holds two CPUs until it powers off: the two guests need
    # three of the four CPUs the engines leave.
    wait_vm_state(shell, vm_by_name(shell, "linux")["id"], timeout=240)
    for vm in shell.run_json("vm list")["vms"]:
        if vm["name"] in ("a", "h"):
            if vm["state"] not in ("stopped", "created"):
                shell.run(f"vm stop {vm['id']}")
                wait_vm_state(shell, vm["id"])
            shell.run(f"vm destroy {vm['id']}")
    out = shell.run(f"vm create a {RING_GUEST_PA:#x} 32M 1 loop")
    ring = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    shell.run(f"vm disk {ring} 00:01.0 1 0 {HALF}")
    out = shell.run(f"vm create h {VBLK_GUEST_PA:#x} 32M 2 {vblk_cmdline}".rstrip())
    h = int(re.search(r"vm(\d+)", out).group(1))  # type: ignore[union-attr]
    out = shell.run(f"vm disk {h} 00:01.0 1 {2 * HALF} {HALF} --virtio")
    assert "as virtio-blk" in out, out
    return ring, h


def test_a_lying_virtio_driver_harms_nobody(shell: Shell, disk_file: Path) -> None:
    mark = shell.mark()
    ring, h = fresh_pair(shell)
    shell.run(f"vm start {ring}")
    shell.run(f"vm start {h}")
    wait_vm_state(shell, h, timeout=120)
    log = shell.run(f"vm log {h}")
    for check in ("identity", "features", "features-refused", "write-flush-read",
                  "lie-past-end", "lie-straddle", "lie-mmio-buffer", "lie-partial-sector",
                  "get-id", "no-interrupt", "interrupt", "lie-loop-needs-reset",
                  "works-after-reset", "indirect-read", "lie-nested-indirect-needs-reset",
                  "reset-after-indirect", "lie-avail-index", "lie-queue-size",
                  "lie-queue-outside-ram", "reset-mid-flight", "mq-queue-count",
                  "mq-write-q1-read-q0", "mq-both-at-once", "mq-garbage-queue-other-works",
                  "mq-broken-queue-other-works", "works-at-the-end"):
        assert f"guest: ok {check}" in log, log
    m = re.search(r"guest: (\d+) passed, (\d+) failed", log)
    assert m and m.group(2) == "0", log
    assert f"of {HALF} sectors" in log and "guest: num_queues 2" in log, log
    assert f"guest: id vblk0-1-{2 * HALF}\n" in log.replace("\r", ""), log
    # Its writes are in its share of the backing file, sector 8 on.
    data = disk_file.read_bytes()
    (word,) = struct.unpack_from("<Q", data, (2 * HALF + 8) * BLOCK + 8)
    assert word == 0xB1C0000000000000 | h << 40 | 8 << 8 | 1, hex(word)
    # The lies were logged, rate-limited; the ring guest's I/O went on without an error.
    shown = shell.transcript(mark)
    assert f"vm{h}: virtio-blk queue shut" in shown and "loops" in shown, shown
    assert f"vm{h}: virtio-blk: queue" in shown, shown
    assert 1 <= shown.count(f"vm{h}: virtio-blk request refused") <= 6, shown
    engine = shell.run_json("nvme engine --json")
    # The ring guest's disk now (an earlier VM of its id may have left one at the other engine).
    before = [d for d in engine["disks"] if d["vm"] == ring and d["current"]][0]
    assert before["state"] == "up" and sum(before["errors"].values()) == 0, before
    shell.run(f"vm stop {ring}")
    wait_vm_state(shell, ring)
    after = [d for d in shell.run_json("nvme engine --json")["disks"]
             if d["vm"] == ring and d["current"]][0]
    assert after["completed"] > before["completed"] and sum(after["errors"].values()) == 0
    assert re.findall(r"guest: \d+ rounds, (\d+) errors", shell.run(f"vm log {ring}"))[-1] == "0"


def test_a_stop_with_io_on_two_engines_loses_nothing_of_another_vm(shell: Shell) -> None:
    ring, h = fresh_pair(shell, "mqloop")
    shell.run(f"vm start {ring}")
    shell.run(f"vm start {h}")
    for _ in range(300):
        if "guest: mqloop running" in shell.run(f"vm log {h}"):
            break
    else:
        raise AssertionError(shell.run(f"vm log {h}"))
    # Its two queues on the two engines, as vm info says.
    queues = shell.run_json(f"vm info {h} --json")["vm"]["disk"]["queues"]
    assert [q["queue"] for q in queues] == [0, 1], queues
    assert {q["engine"] for q in queues} == {0, 1} and {q["cpu"] for q in queues} == {4, 5}
    assert "2 queues at the block engines: 0 on engine" in shell.run(f"vm info {h}")
    before = [d for d in shell.run_json("nvme engine --json")["disks"]
              if d["vm"] == ring and d["current"]][0]
    shell.run(f"vm stop {h}")
    wait_vm_state(shell, h)
    engine = shell.run_json("nvme engine --json")
    mine = [d for d in engine["disks"] if d["vm"] == h and d["current"]]
    assert len(mine) == 2 and {d["engine"] for d in mine} == {0, 1}, engine
    for d in mine:
        # Both queues had work; the stop waited for what each engine had at the controller.
        assert d["completed"] > 10 and d["state"] == "gone" and d["inflight"] == 0, d
        assert sum(d["errors"].values()) == 0, d
    assert shell.run_json(f"vm info {h} --json")["vm"]["disk"]["queues"] == []
    # The ring guest went on, without an error, through the stop and after it.
    after = [d for d in engine["disks"] if d["vm"] == ring and d["current"]][0]
    assert after["state"] == "up" and after["completed"] > before["completed"], after
    assert sum(after["errors"].values()) == 0, after
    shell.run(f"vm stop {ring}")
    wait_vm_state(shell, ring)
    assert re.findall(r"guest: \d+ rounds, (\d+) errors", shell.run(f"vm log {ring}"))[-1] == "0"

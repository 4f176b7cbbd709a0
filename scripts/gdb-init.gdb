# SPDX-License-Identifier: BSD-2-Clause-Patent
# GDB set-up for the hypervisor under QEMU (`make debug` in one terminal, `make gdb` in another).
# The image is linked at 0 and relocates itself; QEMU's virt machine loads it at RAM base +
# 2 MiB = 0x40200000. On a board, use the "loaded at" address from the boot banner:
#   (gdb) monadic-symbols 0x80200000
set architecture aarch64
set pagination off
set confirm off

define monadic-symbols
  symbol-file
  symbol-file -o $arg0 build/monadic-hypervisor.elf
end
document monadic-symbols
Load build/monadic-hypervisor.elf symbols at the given load address.
end

monadic-symbols 0x40200000
target remote :1234
echo Connected. Try: break boot_main, continue, bt, info registers, x/8i $pc\n

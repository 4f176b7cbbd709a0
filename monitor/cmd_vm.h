/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* The shell's VM commands (monitor/cmd_vm.c): what other parts of the monitor call. */
#ifndef MONITOR_CMD_VM_H
#define MONITOR_CMD_VM_H

#include <stdbool.h>

struct vm;

/* Attach the UART to vm's console until Ctrl-]; until_stop: also return when it stops. */
int vm_console(struct vm *vm, bool until_stop);
/* Parse a VM id argument into *vm, or print an error and return it. */
int shell_vm_arg(const char *arg, struct vm **vm);

#endif

/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* The monitor shell on the console UART: command registration and helpers for commands. */
#ifndef MONITOR_SHELL_H
#define MONITOR_SHELL_H

#include <stdbool.h>

#include "kernel/lib/fmt.h"
#include "monitor/json.h"

#define SHELL_PROMPT "monadic> "

struct shell_cmd {
	const char *name;
	const char *usage;   /* arguments, e.g. "<addr> [len]" */
	const char *summary; /* one line for `help` */
	const char *help;    /* more lines for `help <name>`, or NULL */
	int (*fn)(int argc, char **argv);
};

/*
 * Register a command: the entry goes into the "shell_cmds" section, which the linker gathers
 * between __start_shell_cmds and __stop_shell_cmds, so each subsystem adds its own commands.
 */
#define SHELL_COMMAND(id, name_, usage_, summary_, help_, fn_)               \
	static const struct shell_cmd shell_cmd_##id                         \
		__attribute__((used, section("shell_cmds"), aligned(8))) = { \
			.name = name_,                                       \
			.usage = usage_,                                     \
			.summary = summary_,                                 \
			.help = help_,                                       \
			.fn = fn_,                                           \
		}

__attribute__((noreturn)) void shell_run(void);

/* Print "error: <message>" and return 'err' (a negative enum err) for the command to return. */
int shell_error(int err, const char *fmt, ...) FMT_PRINTF(2, 3);
/*
 * Print "error: <what>: <reason>" for a call that failed with 'err', the reason being what the
 * failing layer recorded in 'why' (only the code's name when it recorded none), and return
 * 'err'. 'what' is a printf format naming the operation ("vm pci: 00:02.0").
 */
struct err_why;
int shell_fail(int err, const struct err_why *why, const char *what, ...) FMT_PRINTF(3, 4);
/* Strip a "--json" word from argv; returns true if it was present. */
bool shell_take_json(int *argc, char **argv);
/* A JSON writer that prints to the console. */
void shell_json_begin(struct json *j);

#endif

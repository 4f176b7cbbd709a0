/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* `nvme claim|engine|reset`: the block engine's controller, from the shell (cmd_nvme_engine.c). */
#ifndef MONITOR_CMD_NVME_ENGINE_H
#define MONITOR_CMD_NVME_ENGINE_H

#include <stdbool.h>

/* True when argv[1] names one of its subcommands. */
bool nvme_engine_cmd_is(const char *sub);
int nvme_engine_cmd(int argc, char **argv, bool as_json);

#endif

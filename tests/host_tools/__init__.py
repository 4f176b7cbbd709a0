# SPDX-License-Identifier: BSD-2-Clause-Patent
# A package so that pytest imports this folder's conftest as host_tools.conftest, leaving the
# name `conftest` to tests/integration when both folders run in one pytest invocation.

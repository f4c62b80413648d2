/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* `warren-monitor ctl VERB ...`: the client library from a shell, for tests and debugging. */
int ctl_main(int argc, char **argv);

/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's exit file: written by the monitor, read by every `warren ps`. */
#include <stdint.h>
#include <stdlib.h>

#include "core/monitor-exit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > MONITOR_EXIT_MAX_SIZE)
                return 0;
        MonitorExit e = {};
        _cleanup_error_ WarrenError *err = NULL;
        if (monitor_exit_parse((const char *) data, size, &e, &err) < 0)
                return 0;
        /* What parses must format and parse back to the same values. */
        _cleanup_free_ char *text = monitor_exit_format(&e);
        MonitorExit again = {};
        if (monitor_exit_parse(text, strlen(text), &again, NULL) < 0)
                abort();
        if (again.exit_code != e.exit_code || again.signal != e.signal ||
            again.restarts != e.restarts || again.reason != e.reason)
                abort();
        monitor_exit_done(&again);
        monitor_exit_done(&e);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The helper's control protocol (docs/protocols/net-control.md). A client connects to the
 * control socket, writes one JSON request (at most NET_CONTROL_MAX_REQUEST bytes, ended by a
 * newline or by shutting down its write side), reads one JSON response line, and the helper
 * closes the connection. The shape follows slirp4netns's API socket:
 *
 *   {"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "127.0.0.1",
 *                                             "host_port": 8080, "guest_port": 80}}
 *   {"execute": "add_hostfwd", "arguments": {"spec": "127.0.0.1:8080-8081:80-81/udp"}}
 *   {"execute": "add_hostfwd", "arguments": {"spec": "[::1]:8080:80"}}
 *   {"execute": "remove_hostfwd", "arguments": {"id": 1}}
 *   {"execute": "list_hostfwd"}
 *
 *   {"return": {...}}   or   {"error": {"desc": "...", "errno": "EADDRINUSE", "code": 98}}
 *
 * Pure logic: parsing, executing against a NetHostfwdTable, formatting.
 */

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/net-hostfwd.h"
#include "core/net-portspec.h"

#define NET_CONTROL_MAX_REQUEST (64U * 1024U)

typedef enum NetControlCommand {
        NET_CONTROL_ADD_HOSTFWD,
        NET_CONTROL_REMOVE_HOSTFWD,
        NET_CONTROL_LIST_HOSTFWD,
} NetControlCommand;

typedef struct NetControlRequest {
        NetControlCommand command;
        NetPortSpec spec;          /* add_hostfwd */
        struct in_addr guest_addr; /* add_hostfwd; INADDR_ANY: the container's address */
        uint32_t id;               /* remove_hostfwd */
} NetControlRequest;

int net_control_parse_request(const char *buf, size_t len, NetControlRequest *ret,
                              WarrenError **err);
/* Run a parsed request; the response text (one line, no newline) is always set. Returns the
 * request's result (< 0: the response is an error). */
int net_control_execute(NetHostfwdTable *t, const NetControlRequest *req, char **ret_response);
/* Parse and run: the response for raw request bytes. */
int net_control_handle(NetHostfwdTable *t, const char *buf, size_t len, char **ret_response);
/* {"error": {"desc": ..., "errno": ..., "code": ...}} */
char *net_control_format_error(int code, const char *desc);
/* The entries as a JSON array text, for list_hostfwd and logs. */
char *net_control_format_entries(const NetHostfwd *items, size_t n);
/* Client side: 0 when `buf` is a {"return": ...} response, the error's -code (EPROTO when
 * malformed) otherwise, with the error's desc in *err. */
int net_control_check_response(const char *buf, size_t len, WarrenError **err);

/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-control.h"

#include <arpa/inet.h>

#include "basic/json.h"
#include "basic/xalloc.h"

static int get_port(const JsonValue *args, const char *key, bool zero_ok, bool required,
                    uint16_t *ret, WarrenError **err) {
        const JsonValue *v = json_get(args, key);
        if (!v) {
                if (required)
                        return error_set(err, EINVAL, "`arguments.%s` is required", key);
                return 0;
        }
        if (!json_is(v, JSON_INTEGER) || v->unsigned_big || v->u.integer < (zero_ok ? 0 : 1) ||
            v->u.integer > 65535)
                return error_set(err, EINVAL, "`arguments.%s` must be a port number%s", key,
                                 zero_ok ? " (0 picks one)" : "");
        *ret = (uint16_t)v->u.integer;
        return 1;
}

/* 0 when absent, 1 with the string, < 0 when not a string */
static int get_string(const JsonValue *args, const char *key, const char **ret, WarrenError **err) {
        const JsonValue *v = json_get(args, key);
        if (!v)
                return 0;
        *ret = json_string(v);
        if (!*ret)
                return error_set(err, EINVAL, "`arguments.%s` must be a string", key);
        return 1;
}

/* guest_addr: IPv4 */
static int get_guest_addr(const JsonValue *args, struct in_addr *ret, WarrenError **err) {
        const char *s = NULL;
        int r = get_string(args, "guest_addr", &s, err);
        if (r <= 0)
                return r;
        if (net_ipv4_parse(s, ret) < 0)
                return error_set(err, EINVAL, "`arguments.guest_addr`: invalid ipv4 address `%s`",
                                 s);
        return 1;
}

/* host_addr: IPv4 or IPv6, without brackets; absent: 0.0.0.0, as slirp4netns's API has it */
static int get_host_addr(const JsonValue *args, NetHostAddr *ret, WarrenError **err) {
        const char *s = NULL;
        int r = get_string(args, "host_addr", &s, err);
        if (r <= 0)
                return r;
        r = net_host_addr_parse(s, ret, err);
        if (r < 0)
                return error_prefix(err, r, "`arguments.host_addr`");
        return 1;
}

static int parse_add(const JsonValue *args, NetControlRequest *req, WarrenError **err) {
        int r;
        if (!json_is(args, JSON_OBJECT))
                return error_set(err, EINVAL, "`arguments` must be an object");

        r = get_guest_addr(args, &req->guest_addr, err);
        if (r < 0)
                return r;

        const JsonValue *spec = json_get(args, "spec");
        if (spec) {
                if (!json_string(spec))
                        return error_set(err, EINVAL, "`arguments.spec` must be a string");
                return net_port_spec_parse(json_string(spec), &req->spec, err);
        }

        NetPortSpec p = {.proto = NET_PROTO_TCP, .host_addr.family = AF_INET, .count = 1};
        const JsonValue *proto = json_get(args, "proto");
        if (proto &&
            (!json_string(proto) || net_proto_from_string(json_string(proto), &p.proto) < 0))
                return error_set(err, EINVAL, "`arguments.proto` must be \"tcp\" or \"udp\"");
        r = get_host_addr(args, &p.host_addr, err);
        if (r < 0)
                return r;
        r = get_port(args, "host_port", true, true, &p.host_port, err);
        if (r < 0)
                return r;
        r = get_port(args, "guest_port", false, true, &p.container_port, err);
        if (r < 0)
                return r;
        req->spec = p;
        return 0;
}

int net_control_parse_request(const char *buf, size_t len, NetControlRequest *ret,
                              WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r;

        if (len > NET_CONTROL_MAX_REQUEST)
                return error_set(err, EFBIG, "request larger than %u bytes",
                                 NET_CONTROL_MAX_REQUEST);
        r = json_parse(buf, len, NET_CONTROL_MAX_REQUEST, &v, err);
        if (r < 0)
                return error_prefix(err, r, "parse request");
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "request must be a json object");

        const char *cmd = json_string(json_get(v, "execute"));
        if (!cmd)
                return error_set(err, EINVAL, "`execute` must be a string");
        const JsonValue *args = json_get(v, "arguments");
        if (args && !json_is(args, JSON_OBJECT) && !json_is(args, JSON_NULL))
                return error_set(err, EINVAL, "`arguments` must be an object");

        NetControlRequest req = {.guest_addr.s_addr = htonl(INADDR_ANY)};
        if (STREQ(cmd, "add_hostfwd")) {
                req.command = NET_CONTROL_ADD_HOSTFWD;
                r = parse_add(args, &req, err);
                if (r < 0)
                        return r;
        } else if (STREQ(cmd, "remove_hostfwd")) {
                req.command = NET_CONTROL_REMOVE_HOSTFWD;
                const JsonValue *id = json_get(args, "id");
                if (!json_is(id, JSON_INTEGER) || id->unsigned_big || id->u.integer < 1 ||
                    id->u.integer > UINT32_MAX)
                        return error_set(err, EINVAL, "`arguments.id` must be a positive integer");
                req.id = (uint32_t)id->u.integer;
        } else if (STREQ(cmd, "list_hostfwd"))
                req.command = NET_CONTROL_LIST_HOSTFWD;
        else
                return error_set(err, EOPNOTSUPP, "unknown command `%.64s`", cmd);

        *ret = req;
        return 0;
}

static void gen_entry(JsonGen *g, const NetHostfwd *f) {
        char host[NET_HOST_ADDR_STRLEN], guest[INET_ADDRSTRLEN];
        net_host_addr_format(&f->host_addr, false, host);
        inet_ntop(AF_INET, &f->guest_addr, guest, sizeof(guest));
        json_gen_begin_object(g);
        json_gen_kv_int(g, "id", f->id);
        json_gen_kv_string(g, "proto", net_proto_to_string(f->proto));
        json_gen_kv_string(g, "host_addr", host);
        json_gen_kv_int(g, "host_port", f->host_port);
        json_gen_kv_string(g, "guest_addr", guest);
        json_gen_kv_int(g, "guest_port", f->guest_port);
        json_gen_end_object(g);
}

static void gen_entries(JsonGen *g, const NetHostfwd *items, size_t n) {
        json_gen_begin_array(g);
        for (size_t i = 0; i < n; i++)
                gen_entry(g, &items[i]);
        json_gen_end_array(g);
}

static char *finish(JsonGen *g) {
        char *s = NULL;
        if (json_gen_finish(g, &s, NULL, NULL) < 0)
                return net_control_format_error(EIO, "cannot format the response");
        return s;
}

char *net_control_format_entries(const NetHostfwd *items, size_t n) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(false);
        gen_entries(g, items, n);
        return finish(g);
}

/* A copy with invalid UTF-8 and control bytes replaced by '?': messages quote user input. */
static char *sanitize(const char *s) {
        size_t n = strlen(s);
        char *out = xmalloc(n + 1);
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0, o = 0;
        while (i < n) {
                unsigned char c = p[i];
                size_t len = c < 0x80             ? 1
                             : (c & 0xe0) == 0xc0 ? 2
                             : (c & 0xf0) == 0xe0 ? 3
                             : (c & 0xf8) == 0xf0 ? 4
                                                  : 0;
                bool ok = len > 0 && i + len <= n && !(c < 0x20 || c == 0x7f) &&
                          !(len == 2 && c < 0xc2) && !(len == 4 && c > 0xf4);
                for (size_t k = 1; ok && k < len; k++)
                        ok = (p[i + k] & 0xc0) == 0x80;
                if (ok && len == 3)
                        ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
                if (ok && len == 4)
                        ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90);
                if (!ok) {
                        out[o++] = '?';
                        i++;
                        continue;
                }
                memcpy(out + o, p + i, len);
                o += len;
                i += len;
        }
        out[o] = '\0';
        return out;
}

char *net_control_format_error(int code, const char *desc) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(false);
        _cleanup_free_ char *clean = desc ? sanitize(desc) : NULL;
        const char *name = errno_name(code);
        json_gen_begin_object(g);
        json_gen_key(g, "error");
        json_gen_begin_object(g);
        json_gen_kv_string(g, "desc", clean ? clean : strerror(code));
        json_gen_kv_string(g, "errno", name ? name : "EIO");
        json_gen_kv_int(g, "code", code);
        json_gen_end_object(g);
        json_gen_end_object(g);
        char *s = NULL;
        if (json_gen_finish(g, &s, NULL, NULL) < 0) /* desc is not valid UTF-8 */
                return xstrdup("{\"error\":{\"desc\":\"internal error\",\"errno\":\"EIO\","
                               "\"code\":5}}");
        return s;
}

int net_control_execute(NetHostfwdTable *t, const NetControlRequest *req, char **ret_response) {
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_json_gen_ JsonGen *g = json_gen_new(false);
        size_t first = 0;
        int r;

        switch (req->command) {
        case NET_CONTROL_ADD_HOSTFWD:
                r = net_hostfwd_add(t, &req->spec, req->guest_addr, &first, &err);
                if (r < 0)
                        break;
                json_gen_begin_object(g);
                json_gen_key(g, "return");
                json_gen_begin_object(g);
                json_gen_kv_int(g, "id", t->items[first].id);
                json_gen_key(g, "entries");
                gen_entries(g, t->items + first, t->n - first);
                json_gen_end_object(g);
                json_gen_end_object(g);
                break;
        case NET_CONTROL_REMOVE_HOSTFWD:
                r = net_hostfwd_remove(t, req->id, &err);
                if (r < 0)
                        break;
                json_gen_begin_object(g);
                json_gen_key(g, "return");
                json_gen_begin_object(g);
                json_gen_end_object(g);
                json_gen_end_object(g);
                break;
        case NET_CONTROL_LIST_HOSTFWD:
                r = 0;
                json_gen_begin_object(g);
                json_gen_key(g, "return");
                json_gen_begin_object(g);
                json_gen_key(g, "entries");
                gen_entries(g, t->items, t->n);
                json_gen_end_object(g);
                json_gen_end_object(g);
                break;
        default:
                r = error_set(&err, EOPNOTSUPP, "unknown command");
        }
        if (r < 0) {
                *ret_response =
                        net_control_format_error(err ? err->code : -r, err ? err->msg : NULL);
                return r;
        }
        *ret_response = finish(g);
        return 0;
}

int net_control_handle(NetHostfwdTable *t, const char *buf, size_t len, char **ret_response) {
        _cleanup_error_ WarrenError *err = NULL;
        NetControlRequest req;
        int r = net_control_parse_request(buf, len, &req, &err);
        if (r < 0) {
                *ret_response = net_control_format_error(err->code, err->msg);
                return r;
        }
        return net_control_execute(t, &req, ret_response);
}

int net_control_check_response(const char *buf, size_t len, WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = json_parse(buf, len, NET_CONTROL_MAX_REQUEST * 16, &v, err);
        if (r < 0)
                return error_prefix(err, -EPROTO, "malformed response");
        if (json_is(json_get(v, "return"), JSON_OBJECT))
                return 0;
        const JsonValue *e = json_get(v, "error");
        const char *desc = json_string(json_get(e, "desc"));
        const JsonValue *code = json_get(e, "code");
        if (!desc || !json_is(code, JSON_INTEGER) || code->u.integer <= 0 || code->u.integer > 4095)
                return error_set(err, EPROTO, "malformed response");
        return error_set(err, (int)code->u.integer, "%s", desc);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The only file that includes libseccomp (STYLE.md). */
#include "runtime/seccomp.h"

#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/xalloc.h"

#define WHAT "linux.seccomp"
/* The kernel's SECCOMP_RET_DATA is 16 bits. */
#define SECCOMP_DATA_MAX 0xffffU
#define SECCOMP_EXPORT_MAX (16U * 1024U * 1024U)

struct SeccompFilter {
        scmp_filter_ctx ctx;
        SeccompFilterStats stats;
};

/* ---- name tables ---- */

typedef enum ActionKind {
        ACT_KILL_THREAD,
        ACT_KILL_PROCESS,
        ACT_TRAP,
        ACT_ERRNO,
        ACT_TRACE,
        ACT_ALLOW,
        ACT_LOG,
        ACT_NOTIFY,
} ActionKind;

static const struct {
        const char *name;
        ActionKind kind;
} action_table[] = {
        {"SCMP_ACT_KILL", ACT_KILL_THREAD},
        {"SCMP_ACT_KILL_PROCESS", ACT_KILL_PROCESS},
        {"SCMP_ACT_KILL_THREAD", ACT_KILL_THREAD},
        {"SCMP_ACT_TRAP", ACT_TRAP},
        {"SCMP_ACT_ERRNO", ACT_ERRNO},
        {"SCMP_ACT_TRACE", ACT_TRACE},
        {"SCMP_ACT_ALLOW", ACT_ALLOW},
        {"SCMP_ACT_LOG", ACT_LOG},
        {"SCMP_ACT_NOTIFY", ACT_NOTIFY},
};

static const struct {
        const char *name;
        enum scmp_compare op;
} op_table[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
        const char *name;
        uint32_t arch;
} arch_table[] = {
        {"SCMP_ARCH_X86", SCMP_ARCH_X86},
        {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
        {"SCMP_ARCH_X32", SCMP_ARCH_X32},
        {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
        {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
        {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
        {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
        {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
        {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
        {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
        {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
        {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
        {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
        {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
        {"SCMP_ARCH_S390", SCMP_ARCH_S390},
        {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
        {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
        {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
        {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
        {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
        {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
        {"SCMP_ARCH_SH", SCMP_ARCH_SH},
        {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

typedef enum FlagKind {
        FLAG_TSYNC,
        FLAG_LOG,
        FLAG_SPEC_ALLOW,
} FlagKind;

static const struct {
        const char *name;
        FlagKind kind;
} flag_table[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC},
        {"SECCOMP_FILTER_FLAG_LOG", FLAG_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", FLAG_SPEC_ALLOW},
};

/* Flags the spec names that we cannot honour. */
static const char *const flags_unsupported[] = {
        "SECCOMP_FILTER_FLAG_NEW_LISTENER",
        "SECCOMP_FILTER_FLAG_TSYNC_ESRCH",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const char *const *seccomp_known_actions(void) {
        static const char *const l[] = {
                "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          NULL,
        };
        return l;
}

const char *const *seccomp_known_operators(void) {
        static const char *const l[] = {
                "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
                "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
        };
        return l;
}

const char *const *seccomp_known_archs(void) {
        static const char *l[ELEMENTSOF(arch_table) + 1];
        if (!l[0])
                for (size_t i = 0; i < ELEMENTSOF(arch_table); i++)
                        l[i] = arch_table[i].name;
        return l;
}

const char *const *seccomp_known_flags(void) {
        static const char *const l[] = {
                "SECCOMP_FILTER_FLAG_TSYNC",
                "SECCOMP_FILTER_FLAG_LOG",
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                NULL,
        };
        return l;
}

bool seccomp_is_supported(void) {
        return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && seccomp_api_get() >= 1;
}

/* ---- building ---- */

SeccompFilter *seccomp_filter_free(SeccompFilter *f) {
        if (f) {
                if (f->ctx)
                        seccomp_release(f->ctx);
                free(f);
        }
        return NULL;
}

void seccomp_filter_stats(const SeccompFilter *f, SeccompFilterStats *ret) {
        *ret = f ? f->stats : (SeccompFilterStats){0};
}

/* Parse an action name plus its optional errnoRet into a libseccomp action. `what` names the
 * action field, `errno_what` the errnoRet field. */
static int parse_action(const JsonValue *action, const char *what, const JsonValue *obj,
                        const char *errno_key, const char *errno_what, uint32_t *ret,
                        WarrenError **err) {
        if (!action)
                return error_set(err, EINVAL, "`%s` is required", what);
        if (!json_is(action, JSON_STRING))
                return error_set(err, EINVAL, "`%s` must be a string, not %s", what,
                                 json_type_name(action->type));
        const char *name = json_string(action);
        size_t i;
        for (i = 0; i < ELEMENTSOF(action_table); i++)
                if (STREQ(action_table[i].name, name))
                        break;
        if (i == ELEMENTSOF(action_table))
                return error_set(err, EINVAL, "`%s`: unknown action `%s`", what, name);
        ActionKind kind = action_table[i].kind;

        /* libseccomp refuses these below API level 3 (kernel 4.14) with a bare EINVAL. */
        if ((kind == ACT_KILL_PROCESS || kind == ACT_LOG) && seccomp_api_get() < 3)
                return error_set(err, ENOTSUP,
                                 "`%s`: `%s` is not supported by this kernel (libseccomp API "
                                 "level %u, needs 3)",
                                 what, name, seccomp_api_get());

        uint32_t eret = EPERM;
        const JsonValue *ev = json_get(obj, errno_key);
        bool has_errno = ev && ev->type != JSON_NULL;
        if (has_errno) {
                if (kind != ACT_ERRNO && kind != ACT_TRACE)
                        return error_set(err, EINVAL,
                                         "`%s` is only valid with `SCMP_ACT_ERRNO` or "
                                         "`SCMP_ACT_TRACE`, not `%s`",
                                         errno_what, name);
                int r = json_get_uint32(obj, errno_key, errno_what, &eret, err);
                if (r < 0)
                        return r;
                if (eret > SECCOMP_DATA_MAX)
                        return error_set(err, ERANGE, "`%s`: %u is larger than %u", errno_what,
                                         eret, SECCOMP_DATA_MAX);
        }
        switch (kind) {
        case ACT_KILL_THREAD:
                *ret = SCMP_ACT_KILL_THREAD;
                break;
        case ACT_KILL_PROCESS:
                *ret = SCMP_ACT_KILL_PROCESS;
                break;
        case ACT_TRAP:
                *ret = SCMP_ACT_TRAP;
                break;
        case ACT_ERRNO:
                *ret = SCMP_ACT_ERRNO(eret);
                break;
        case ACT_TRACE:
                *ret = SCMP_ACT_TRACE(eret);
                break;
        case ACT_ALLOW:
                *ret = SCMP_ACT_ALLOW;
                break;
        case ACT_LOG:
                *ret = SCMP_ACT_LOG;
                break;
        case ACT_NOTIFY:
                return error_set(err, ENOTSUP,
                                 "`%s`: `SCMP_ACT_NOTIFY` is not supported (no seccomp listener)",
                                 what);
        }
        return 0;
}

static int parse_arg(const JsonValue *a, const char *what, struct scmp_arg_cmp *ret,
                     WarrenError **err) {
        if (!json_is(a, JSON_OBJECT))
                return error_set(err, EINVAL, "`%s` must be an object", what);
        _cleanup_free_ char *iw = xasprintf("%s.index", what);
        _cleanup_free_ char *vw = xasprintf("%s.value", what);
        _cleanup_free_ char *v2w = xasprintf("%s.valueTwo", what);
        _cleanup_free_ char *ow = xasprintf("%s.op", what);
        uint32_t index = 0;
        uint64_t value = 0, value_two = 0;
        if (!json_get(a, "index"))
                return error_set(err, EINVAL, "`%s` is required", iw);
        int r = json_get_uint32(a, "index", iw, &index, err);
        if (r < 0)
                return r;
        if (index > 5)
                return error_set(err, EINVAL, "`%s`: %u is not an argument index 0-5", iw, index);
        r = json_get_uint64(a, "value", vw, &value, err);
        if (r < 0)
                return r;
        r = json_get_uint64(a, "valueTwo", v2w, &value_two, err);
        if (r < 0)
                return r;
        const JsonValue *op = json_get(a, "op");
        if (!op)
                return error_set(err, EINVAL, "`%s` is required", ow);
        if (!json_is(op, JSON_STRING))
                return error_set(err, EINVAL, "`%s` must be a string, not %s", ow,
                                 json_type_name(op->type));
        size_t i;
        for (i = 0; i < ELEMENTSOF(op_table); i++)
                if (STREQ(op_table[i].name, json_string(op)))
                        break;
        if (i == ELEMENTSOF(op_table))
                return error_set(err, EINVAL, "`%s`: unknown operator `%s`", ow, json_string(op));
        /* For MASKED_EQ the OCI value is the mask and valueTwo the datum, as libseccomp wants
         * them in datum_a and datum_b. */
        *ret = (struct scmp_arg_cmp){
                .arg = index,
                .op = op_table[i].op,
                .datum_a = value,
                .datum_b = value_two,
        };
        return 0;
}

static int add_architectures(SeccompFilter *f, const JsonValue *archs, WarrenError **err) {
        if (!archs || archs->type == JSON_NULL)
                return 0;
        if (archs->type != JSON_ARRAY)
                return error_set(err, EINVAL, "`" WHAT ".architectures` must be an array, not %s",
                                 json_type_name(archs->type));
        for (size_t k = 0; k < json_length(archs); k++) {
                const JsonValue *a = json_at(archs, k);
                if (!json_is(a, JSON_STRING))
                        return error_set(err, EINVAL,
                                         "`" WHAT ".architectures[%zu]` must be a string, not %s",
                                         k, json_type_name(a->type));
                size_t i;
                for (i = 0; i < ELEMENTSOF(arch_table); i++)
                        if (STREQ(arch_table[i].name, json_string(a)))
                                break;
                if (i == ELEMENTSOF(arch_table))
                        return error_set(err, EINVAL,
                                         "`" WHAT ".architectures[%zu]`: unknown architecture `%s`",
                                         k, json_string(a));
                int r = seccomp_arch_add(f->ctx, arch_table[i].arch);
                if (r < 0 && r != -EEXIST)
                        return error_set_errno(
                                err, -r, "`" WHAT ".architectures[%zu]`: add architecture `%s`", k,
                                json_string(a));
        }
        return 0;
}

static int set_flags(SeccompFilter *f, const JsonValue *flags, WarrenError **err) {
        if (!flags || flags->type == JSON_NULL)
                return 0;
        if (flags->type != JSON_ARRAY)
                return error_set(err, EINVAL, "`" WHAT ".flags` must be an array, not %s",
                                 json_type_name(flags->type));
        for (size_t k = 0; k < json_length(flags); k++) {
                const JsonValue *v = json_at(flags, k);
                if (!json_is(v, JSON_STRING))
                        return error_set(err, EINVAL,
                                         "`" WHAT ".flags[%zu]` must be a string, not %s", k,
                                         json_type_name(v->type));
                const char *name = json_string(v);
                size_t i;
                for (i = 0; i < ELEMENTSOF(flag_table); i++)
                        if (STREQ(flag_table[i].name, name))
                                break;
                if (i == ELEMENTSOF(flag_table)) {
                        for (size_t j = 0; j < ELEMENTSOF(flags_unsupported); j++)
                                if (STREQ(flags_unsupported[j], name))
                                        return error_set(err, ENOTSUP,
                                                         "`" WHAT ".flags[%zu]`: `%s` is not "
                                                         "supported",
                                                         k, name);
                        return error_set(err, EINVAL, "`" WHAT ".flags[%zu]`: unknown flag `%s`", k,
                                         name);
                }
                enum scmp_filter_attr attr;
                switch (flag_table[i].kind) {
                case FLAG_TSYNC:
                        attr = SCMP_FLTATR_CTL_TSYNC;
                        break;
                case FLAG_LOG:
                        attr = SCMP_FLTATR_CTL_LOG;
                        break;
                case FLAG_SPEC_ALLOW:
                default:
                        attr = SCMP_FLTATR_CTL_SSB;
                        break;
                }
                int r = seccomp_attr_set(f->ctx, attr, 1);
                if (r < 0 && flag_table[i].kind != FLAG_TSYNC &&
                    (r == -EOPNOTSUPP || r == -EINVAL)) {
                        /* LOG only adds logging and SPEC_ALLOW only relaxes a mitigation: without
                         * kernel support the filter is as strict, so carry on. TSYNC is not
                         * optional. */
                        log_debug("seccomp: `%s` not supported by this kernel or libseccomp, "
                                  "ignored",
                                  name);
                        continue;
                }
                if (r < 0)
                        return error_set_errno(err, -r, "`" WHAT ".flags[%zu]`: set `%s`", k, name);
        }
        return 0;
}

/* Validate one syscalls[] entry into its action and conditions. */
static int parse_syscall_entry(const JsonValue *sc, size_t idx, uint32_t *ret_action,
                               struct scmp_arg_cmp *ret_args, size_t *ret_nargs,
                               WarrenError **err) {
        _cleanup_free_ char *w = xasprintf(WHAT ".syscalls[%zu]", idx);
        if (!json_is(sc, JSON_OBJECT))
                return error_set(err, EINVAL, "`%s` must be an object", w);

        const JsonValue *names = json_get(sc, "names");
        if (!names || names->type == JSON_NULL)
                return error_set(err, EINVAL, "`%s.names` is required", w);
        if (names->type != JSON_ARRAY)
                return error_set(err, EINVAL, "`%s.names` must be an array of strings, not %s", w,
                                 json_type_name(names->type));
        if (json_length(names) == 0)
                return error_set(err, EINVAL, "`%s.names` must not be empty", w);
        for (size_t k = 0; k < json_length(names); k++) {
                const JsonValue *n = json_at(names, k);
                if (!json_is(n, JSON_STRING))
                        return error_set(err, EINVAL, "`%s.names[%zu]` must be a string, not %s", w,
                                         k, json_type_name(n->type));
                if (json_string(n)[0] == 0)
                        return error_set(err, EINVAL, "`%s.names[%zu]` must not be empty", w, k);
        }

        _cleanup_free_ char *aw = xasprintf("%s.action", w);
        _cleanup_free_ char *ew = xasprintf("%s.errnoRet", w);
        int r = parse_action(json_get(sc, "action"), aw, sc, "errnoRet", ew, ret_action, err);
        if (r < 0)
                return r;

        const JsonValue *args = json_get(sc, "args");
        *ret_nargs = 0;
        if (args && args->type != JSON_NULL) {
                if (args->type != JSON_ARRAY)
                        return error_set(err, EINVAL, "`%s.args` must be an array, not %s", w,
                                         json_type_name(args->type));
                if (json_length(args) > 6)
                        return error_set(err, EINVAL, "`%s.args` has %zu entries, at most 6", w,
                                         json_length(args));
                for (size_t k = 0; k < json_length(args); k++) {
                        _cleanup_free_ char *argw = xasprintf("%s.args[%zu]", w, k);
                        r = parse_arg(json_at(args, k), argw, &ret_args[k], err);
                        if (r < 0)
                                return r;
                }
                *ret_nargs = json_length(args);
        }
        return 0;
}

static int add_rules(SeccompFilter *f, const JsonValue *sc, size_t idx, uint32_t action,
                     uint32_t default_action, const struct scmp_arg_cmp *args, size_t nargs,
                     WarrenError **err) {
        const JsonValue *names = json_get(sc, "names");
        bool same_index = false;
        for (size_t a = 0; a < nargs && !same_index; a++)
                for (size_t b = 0; b < a; b++)
                        if (args[a].arg == args[b].arg)
                                same_index = true;

        for (size_t k = 0; k < json_length(names); k++) {
                const char *name = json_string(json_at(names, k));
                if (action == default_action) {
                        f->stats.rules_redundant++;
                        continue;
                }
                int nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR) {
                        log_debug("seccomp: unknown syscall `%s` skipped", name);
                        f->stats.syscalls_unknown++;
                        continue;
                }
                int r;
                if (same_index) {
                        /* libseccomp ANDs the conditions of a rule and refuses two on one
                         * argument: one rule per condition (OR), as runc does. */
                        for (size_t a = 0; a < nargs; a++) {
                                r = seccomp_rule_add_array(f->ctx, action, nr, 1, &args[a]);
                                if (r < 0)
                                        return error_set_errno(err, -r,
                                                               "`" WHAT ".syscalls[%zu]`: add "
                                                               "rule for `%s`",
                                                               idx, name);
                                f->stats.rules_added++;
                        }
                } else {
                        r = seccomp_rule_add_array(f->ctx, action, nr, (unsigned)nargs,
                                                   nargs ? args : NULL);
                        if (r < 0)
                                return error_set_errno(
                                        err, -r, "`" WHAT ".syscalls[%zu]`: add rule for `%s`", idx,
                                        name);
                        f->stats.rules_added++;
                }
        }
        return 0;
}

int seccomp_filter_build(const JsonValue *seccomp, SeccompFilter **ret, WarrenError **err) {
        *ret = NULL;
        if (!seccomp || seccomp->type == JSON_NULL)
                return 0;
        if (seccomp->type != JSON_OBJECT)
                return error_set(err, EINVAL, "`" WHAT "` must be an object, not %s",
                                 json_type_name(seccomp->type));

        uint32_t default_action;
        int r = parse_action(json_get(seccomp, "defaultAction"), WHAT ".defaultAction", seccomp,
                             "defaultErrnoRet", WHAT ".defaultErrnoRet", &default_action, err);
        if (r < 0)
                return r;

        /* Validate every syscalls[] entry before touching libseccomp, so that a bad field is
         * reported whatever the names resolve to. */
        const JsonValue *syscalls = json_get(seccomp, "syscalls");
        if (syscalls && syscalls->type != JSON_NULL && syscalls->type != JSON_ARRAY)
                return error_set(err, EINVAL, "`" WHAT ".syscalls` must be an array, not %s",
                                 json_type_name(syscalls->type));
        size_t n = json_length(syscalls);
        _cleanup_free_ uint32_t *actions = xnew(uint32_t, n + 1);
        _cleanup_free_ struct scmp_arg_cmp *args = xnew(struct scmp_arg_cmp, (n + 1) * 6);
        _cleanup_free_ size_t *nargs = xnew(size_t, n + 1);
        for (size_t i = 0; i < n; i++) {
                r = parse_syscall_entry(json_at(syscalls, i), i, &actions[i], &args[i * 6],
                                        &nargs[i], err);
                if (r < 0)
                        return r;
        }

        _cleanup_seccomp_filter_ SeccompFilter *f = xnew(SeccompFilter, 1);
        f->ctx = seccomp_init(default_action);
        if (!f->ctx)
                return error_set(err, EINVAL, "`" WHAT "`: libseccomp refused the default action");
        /* The runtime sets no_new_privs itself, per process.noNewPrivileges. */
        r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return error_set_errno(err, -r, "`" WHAT "`: turn off libseccomp's no_new_privs");

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
        /* The kernel's errno from seccomp_load(), not libseccomp's ECANCELED. */
        (void)seccomp_attr_set(f->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
#endif

        r = add_architectures(f, json_get(seccomp, "architectures"), err);
        if (r < 0)
                return r;
        r = set_flags(f, json_get(seccomp, "flags"), err);
        if (r < 0)
                return r;
        const JsonValue *listener = json_get(seccomp, "listenerPath");
        if (json_is(listener, JSON_STRING) && json_string(listener)[0])
                log_debug("seccomp: `" WHAT ".listenerPath` ignored (SCMP_ACT_NOTIFY is not "
                          "supported)");

        for (size_t i = 0; i < n; i++) {
                r = add_rules(f, json_at(syscalls, i), i, actions[i], default_action, &args[i * 6],
                              nargs[i], err);
                if (r < 0)
                        return r;
        }
        log_debug("seccomp: %zu rules, %zu unknown syscalls skipped, %zu redundant rules skipped",
                  f->stats.rules_added, f->stats.syscalls_unknown, f->stats.rules_redundant);
        *ret = TAKE_PTR(f);
        return 0;
}

int seccomp_filter_load(SeccompFilter *f, WarrenError **err) {
        if (!f)
                return 0;
        int r = seccomp_load(f->ctx);
        if (r == -EACCES)
                return error_set_errno(err, EACCES,
                                       "load seccomp filter (set no_new_privs or keep "
                                       "CAP_SYS_ADMIN)");
        if (r < 0)
                return error_set_errno(err, -r, "load seccomp filter");
        return 0;
}

static int export_to_memfd(const SeccompFilter *f, bool pfc, char **ret, size_t *ret_len,
                           WarrenError **err) {
        if (!f)
                return error_set(err, EINVAL, "no seccomp filter");
        _cleanup_close_ int fd = memfd_create("warren-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "export seccomp filter: memfd");
        int r = pfc ? seccomp_export_pfc(f->ctx, fd) : seccomp_export_bpf(f->ctx, fd);
        if (r < 0)
                return error_set_errno(err, r == -ECANCELED ? EIO : -r, "export seccomp filter");
        if (lseek(fd, 0, SEEK_SET) < 0)
                return error_set_errno(err, errno, "export seccomp filter: seek");
        r = read_fd_capped(fd, SECCOMP_EXPORT_MAX, ret, ret_len, err);
        if (r < 0)
                return error_prefix(err, r, "export seccomp filter");
        return 0;
}

int seccomp_filter_export_pfc(const SeccompFilter *f, char **ret, WarrenError **err) {
        return export_to_memfd(f, true, ret, NULL, err);
}

int seccomp_filter_export_bpf(const SeccompFilter *f, void **ret, size_t *ret_len,
                              WarrenError **err) {
        char *buf = NULL;
        int r = export_to_memfd(f, false, &buf, ret_len, err);
        if (r < 0)
                return r;
        *ret = buf;
        return 0;
}

/* ---- compiled programs ---- */

static char *cache_key(const JsonValue *seccomp, size_t *ret_len) {
        const struct scmp_version *v = seccomp_version();
        struct utsname u = {};
        (void)uname(&u);
        _cleanup_free_ char *text = NULL;
        if (json_to_string(seccomp, false, &text, NULL) < 0)
                return NULL;
        /* Everything the generated code depends on besides the profile. */
        char *key = xasprintf("libseccomp %u.%u.%u api %u native %u kernel %s %s\n%s",
                              v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
                              seccomp_api_get(), seccomp_arch_native(), u.release, u.machine,
                              text);
        *ret_len = strlen(key);
        return key;
}

static unsigned filter_flags(const SeccompFilter *f) {
        static const struct {
                enum scmp_filter_attr attr;
                unsigned flag;
        } map[] = {
                {SCMP_FLTATR_CTL_TSYNC, SECCOMP_FILTER_FLAG_TSYNC},
                {SCMP_FLTATR_CTL_LOG, SECCOMP_FILTER_FLAG_LOG},
                {SCMP_FLTATR_CTL_SSB, SECCOMP_FILTER_FLAG_SPEC_ALLOW},
        };
        unsigned flags = 0;
        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                uint32_t v = 0;
                if (seccomp_attr_get(f->ctx, map[i].attr, &v) == 0 && v)
                        flags |= map[i].flag;
        }
        return flags;
}

int seccomp_program_build(const JsonValue *seccomp, const char *cache_dir,
                          SeccompProgram **ret, WarrenError **err) {
        *ret = NULL;
        if (!seccomp || seccomp->type == JSON_NULL)
                return 0;
        size_t key_len = 0;
        _cleanup_free_ char *key = cache_dir ? cache_key(seccomp, &key_len) : NULL;
        if (key) {
                SeccompProgram *p = seccomp_cache_lookup(cache_dir, key, key_len);
                if (p) {
                        log_debug("seccomp: program of %zu instructions from the cache",
                                  p->len / 8);
                        *ret = p;
                        return 0;
                }
        }
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        int r = seccomp_filter_build(seccomp, &f, err);
        if (r < 0)
                return r;
        _cleanup_seccomp_program_ SeccompProgram *p = xnew(SeccompProgram, 1);
        r = seccomp_filter_export_bpf(f, &p->insns, &p->len, err);
        if (r < 0)
                return r;
        if (p->len == 0 || p->len % sizeof(struct sock_filter) != 0)
                return error_set(err, EIO, "libseccomp exported a program of %zu bytes", p->len);
        p->flags = filter_flags(f);
        if (key)
                seccomp_cache_store(cache_dir, key, key_len, p);
        *ret = TAKE_PTR(p);
        return 0;
}

int seccomp_program_load(const SeccompProgram *p, WarrenError **err) {
        if (!p)
                return 0;
        struct sock_fprog prog = {
                .len = (unsigned short)(p->len / sizeof(struct sock_filter)),
                .filter = p->insns,
        };
        if (p->len / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return error_set(err, E2BIG, "seccomp program of %zu instructions is too long",
                                 p->len / sizeof(struct sock_filter));
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
        if (r < 0 && errno == ENOSYS && p->flags == 0)
                r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
        if (r < 0 && errno == EACCES)
                return error_set_errno(err, EACCES,
                                       "load seccomp filter (set no_new_privs or keep "
                                       "CAP_SYS_ADMIN)");
        if (r < 0)
                return error_set_errno(err, errno, "load seccomp filter");
        if (r > 0) /* TSYNC: thread r could not be synchronised */
                return error_set(err, ESRCH, "load seccomp filter: thread %ld cannot take it", r);
        return 0;
}

/* ---- the default profile ---- */

/* Docker's default allow list (moby profiles/seccomp/default.json), unconditional part. */
/* clang-format off */
static const char *const default_allow[] = {
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
        "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
        "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
        "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
        "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
        "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
        "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
        "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown",
        "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
        "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
        "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv",
        "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
        "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
        "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
        "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
        "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
        "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
        "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
        "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
        "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
        "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
        "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek",
        "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "membarrier",
        "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
        "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
        "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
        "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
        "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect",
        "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
        "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
        "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
        "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
        "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
        "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
        "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
        "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
        "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
        "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
        "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
        "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
        "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
        "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
        "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
        "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
        "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
        "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
        "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
        "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
        "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
        "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
        "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
        "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
        "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
        "uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork",
        "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
        /* minKernel 4.8 in Docker's profile; every kernel we support is newer */
        "process_vm_readv", "process_vm_writev", "ptrace",
#if defined(__x86_64__) || defined(__i386__)
        "modify_ldt",
#endif
#if defined(__x86_64__)
        "arch_prctl",
#endif
#if defined(__arm__) || defined(__aarch64__)
        "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
        "set_tls",
#endif
#if defined(__powerpc64__)
        "sync_file_range2", "swapcontext",
#endif
#if defined(__s390__)
        "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr",
#endif
#if defined(__riscv)
        "riscv_flush_icache",
#endif
        NULL,
};
/* clang-format on */

/* Capability numbers (linux/capability.h), spelled here to keep this file free of libcap. */
enum {
        CAPNR_DAC_READ_SEARCH = 2,
        CAPNR_SYS_MODULE = 16,
        CAPNR_SYS_RAWIO = 17,
        CAPNR_SYS_CHROOT = 18,
        CAPNR_SYS_PTRACE = 19,
        CAPNR_SYS_PACCT = 20,
        CAPNR_SYS_ADMIN = 21,
        CAPNR_SYS_BOOT = 22,
        CAPNR_SYS_NICE = 23,
        CAPNR_SYS_TIME = 25,
        CAPNR_SYS_TTY_CONFIG = 26,
        CAPNR_SYSLOG = 34,
        CAPNR_PERFMON = 38,
        CAPNR_BPF = 39,
};

static const struct {
        int cap;
        const char *names[24];
} default_by_cap[] = {
        {CAPNR_DAC_READ_SEARCH, {"open_by_handle_at"}},
        {CAPNR_SYS_ADMIN,
         {"bpf",           "clone",         "clone3",      "fanotify_init",   "fsconfig",
          "fsmount",       "fsopen",        "fspick",      "lookup_dcookie",  "mount",
          "mount_setattr", "move_mount",    "open_tree",   "perf_event_open", "quotactl",
          "quotactl_fd",   "setdomainname", "sethostname", "setns",           "syslog",
          "umount",        "umount2",       "unshare"}},
        {CAPNR_SYS_BOOT, {"reboot"}},
        {CAPNR_SYS_CHROOT, {"chroot"}},
        {CAPNR_SYS_MODULE, {"delete_module", "init_module", "finit_module"}},
        {CAPNR_SYS_PACCT, {"acct"}},
        {CAPNR_SYS_PTRACE, {"kcmp", "pidfd_getfd", "process_madvise"}},
        {CAPNR_SYS_RAWIO, {"iopl", "ioperm"}},
        {CAPNR_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
        {CAPNR_SYS_TTY_CONFIG, {"vhangup"}},
        {CAPNR_SYS_NICE, {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
        {CAPNR_SYSLOG, {"syslog"}},
        {CAPNR_BPF, {"bpf"}},
        {CAPNR_PERFMON, {"perf_event_open"}},
};

static JsonValue *names_json(const char *const *names) {
        JsonValue *a = json_new_array();
        for (size_t i = 0; names[i]; i++)
                json_array_append(a, json_new_string(names[i]));
        return a;
}

static JsonValue *rule_json(JsonValue *names, const char *action, int64_t errno_ret,
                            JsonValue *args) {
        JsonValue *o = json_new_object();
        json_object_set(o, "names", names);
        json_object_set(o, "action", json_new_string(action));
        if (errno_ret >= 0)
                json_object_set(o, "errnoRet", json_new_integer(errno_ret));
        if (args)
                json_object_set(o, "args", args);
        return o;
}

static JsonValue *arg_json(unsigned index, uint64_t value, uint64_t value_two, const char *op) {
        JsonValue *o = json_new_object();
        json_object_set(o, "index", json_new_integer(index));
        json_object_set(o, "value", json_new_integer((int64_t)value));
        if (value_two)
                json_object_set(o, "valueTwo", json_new_integer((int64_t)value_two));
        json_object_set(o, "op", json_new_string(op));
        return o;
}

JsonValue *seccomp_default_profile(uint64_t caps_effective) {
        JsonValue *p = json_new_object();
        json_object_set(p, "defaultAction", json_new_string("SCMP_ACT_ERRNO"));
        json_object_set(p, "defaultErrnoRet", json_new_integer(EPERM));

        static const char *const archs[] = {
#if defined(__x86_64__)
                "SCMP_ARCH_X86_64",
                "SCMP_ARCH_X86",
                "SCMP_ARCH_X32",
#elif defined(__i386__)
                "SCMP_ARCH_X86",
#elif defined(__aarch64__)
                "SCMP_ARCH_AARCH64",
                "SCMP_ARCH_ARM",
#elif defined(__arm__)
                "SCMP_ARCH_ARM",
#elif defined(__s390x__)
                "SCMP_ARCH_S390X",
                "SCMP_ARCH_S390",
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                "SCMP_ARCH_PPC64LE",
#elif defined(__riscv) && __riscv_xlen == 64
                "SCMP_ARCH_RISCV64",
#endif
                NULL,
        };
        json_object_set(p, "architectures", names_json(archs));

        JsonValue *sys = json_new_array();
        json_array_append(sys, rule_json(names_json(default_allow), "SCMP_ACT_ALLOW", -1, NULL));

        /* socket: anything but AF_VSOCK (40) */
        JsonValue *a = json_new_array();
        json_array_append(a, arg_json(0, 40, 0, "SCMP_CMP_NE"));
        json_array_append(sys, rule_json(names_json((const char *const[]){"socket", NULL}),
                                         "SCMP_ACT_ALLOW", -1, a));

        /* personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query */
        static const uint64_t personas[] = {0, 8, 131072, 131080, 4294967295U};
        for (size_t i = 0; i < ELEMENTSOF(personas); i++) {
                a = json_new_array();
                json_array_append(a, arg_json(0, personas[i], 0, "SCMP_CMP_EQ"));
                json_array_append(sys,
                                  rule_json(names_json((const char *const[]){"personality", NULL}),
                                            "SCMP_ACT_ALLOW", -1, a));
        }

        for (size_t i = 0; i < ELEMENTSOF(default_by_cap); i++) {
                if (!(caps_effective & (UINT64_C(1) << default_by_cap[i].cap)))
                        continue;
                JsonValue *names = json_new_array();
                for (size_t k = 0;
                     k < ELEMENTSOF(default_by_cap[i].names) && default_by_cap[i].names[k]; k++)
                        json_array_append(names, json_new_string(default_by_cap[i].names[k]));
                json_array_append(sys, rule_json(names, "SCMP_ACT_ALLOW", -1, NULL));
        }

        if (!(caps_effective & (UINT64_C(1) << CAPNR_SYS_ADMIN))) {
                /* clone without namespace flags (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|
                 * NEWPID|NEWNET = 0x7e020000): mask in value, datum 0 in valueTwo. */
                a = json_new_array();
#if defined(__s390__)
                json_array_append(a, arg_json(1, 2114060288, 0, "SCMP_CMP_MASKED_EQ"));
#else
                json_array_append(a, arg_json(0, 2114060288, 0, "SCMP_CMP_MASKED_EQ"));
#endif
                json_array_append(sys, rule_json(names_json((const char *const[]){"clone", NULL}),
                                                 "SCMP_ACT_ALLOW", -1, a));
                /* clone3's flags are in memory seccomp cannot read: ENOSYS makes glibc fall back
                 * to clone. */
                json_array_append(sys, rule_json(names_json((const char *const[]){"clone3", NULL}),
                                                 "SCMP_ACT_ERRNO", ENOSYS, NULL));
        }
        json_object_set(p, "syscalls", sys);
        return p;
}

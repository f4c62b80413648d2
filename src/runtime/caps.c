/* SPDX-License-Identifier: Apache-2.0 */
/* The only file that includes libcap (STYLE.md). */
#include "runtime/caps.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define N(x) [x] = #x
static const char *const cap_names[CAPS_LAST_KNOWN + 1] = {
        N(CAP_CHOWN),
        N(CAP_DAC_OVERRIDE),
        N(CAP_DAC_READ_SEARCH),
        N(CAP_FOWNER),
        N(CAP_FSETID),
        N(CAP_KILL),
        N(CAP_SETGID),
        N(CAP_SETUID),
        N(CAP_SETPCAP),
        N(CAP_LINUX_IMMUTABLE),
        N(CAP_NET_BIND_SERVICE),
        N(CAP_NET_BROADCAST),
        N(CAP_NET_ADMIN),
        N(CAP_NET_RAW),
        N(CAP_IPC_LOCK),
        N(CAP_IPC_OWNER),
        N(CAP_SYS_MODULE),
        N(CAP_SYS_RAWIO),
        N(CAP_SYS_CHROOT),
        N(CAP_SYS_PTRACE),
        N(CAP_SYS_PACCT),
        N(CAP_SYS_ADMIN),
        N(CAP_SYS_BOOT),
        N(CAP_SYS_NICE),
        N(CAP_SYS_RESOURCE),
        N(CAP_SYS_TIME),
        N(CAP_SYS_TTY_CONFIG),
        N(CAP_MKNOD),
        N(CAP_LEASE),
        N(CAP_AUDIT_WRITE),
        N(CAP_AUDIT_CONTROL),
        N(CAP_SETFCAP),
        N(CAP_MAC_OVERRIDE),
        N(CAP_MAC_ADMIN),
        N(CAP_SYSLOG),
        N(CAP_WAKE_ALARM),
        N(CAP_BLOCK_SUSPEND),
        N(CAP_AUDIT_READ),
        N(CAP_PERFMON),
        N(CAP_BPF),
        N(CAP_CHECKPOINT_RESTORE),
};
#undef N

_Static_assert(CAP_CHECKPOINT_RESTORE == CAPS_LAST_KNOWN, "CAPS_LAST_KNOWN is out of date");

const char *caps_name(int cap) {
        if (cap < 0 || cap > CAPS_LAST_KNOWN)
                return NULL;
        return cap_names[cap];
}

int caps_from_name(const char *name) {
        if (!name)
                return -EINVAL;
        const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        for (int i = 0; i <= CAPS_LAST_KNOWN; i++)
                if (strcasecmp(cap_names[i] + 4, bare) == 0)
                        return i;
        return -EINVAL;
}

char **caps_known_names(void) {
        char **l = NULL;
        for (int i = 0; i <= CAPS_LAST_KNOWN; i++)
                strv_push(&l, cap_names[i]);
        return l;
}

int caps_parse_strv(char *const *names, const char *what, uint64_t *ret, WarrenError **err) {
        uint64_t mask = 0;
        size_t i = 0;
        STRV_FOREACH (n, names) {
                int c = caps_from_name(*n);
                if (c < 0) {
                        if (what)
                                return error_set(err, EINVAL, "`%s[%zu]`: unknown capability `%s`",
                                                 what, i, *n);
                        return error_set(err, EINVAL, "unknown capability `%s`", *n);
                }
                mask |= CAPS_BIT(c);
                i++;
        }
        *ret = mask;
        return 0;
}

int caps_parse_json(const JsonValue *array, const char *what, uint64_t *ret, WarrenError **err) {
        const char *w = what ? what : "capabilities";
        if (!array || array->type == JSON_NULL) {
                *ret = 0;
                return 0;
        }
        if (array->type != JSON_ARRAY)
                return error_set(err, EINVAL, "`%s` must be an array of strings, not %s", w,
                                 json_type_name(array->type));
        uint64_t mask = 0;
        for (size_t i = 0; i < json_length(array); i++) {
                const JsonValue *v = json_at(array, i);
                if (!json_is(v, JSON_STRING))
                        return error_set(err, EINVAL, "`%s[%zu]` must be a string, not %s", w, i,
                                         json_type_name(v->type));
                int c = caps_from_name(json_string(v));
                if (c < 0)
                        return error_set(err, EINVAL, "`%s[%zu]`: unknown capability `%s`", w, i,
                                         json_string(v));
                mask |= CAPS_BIT(c);
        }
        *ret = mask;
        return 0;
}

int caps_parse_oci(const JsonValue *capabilities, CapSets *ret, WarrenError **err) {
        CapSets s = {0};
        if (!capabilities || capabilities->type == JSON_NULL) {
                *ret = s;
                return 0;
        }
        if (capabilities->type != JSON_OBJECT)
                return error_set(err, EINVAL, "`process.capabilities` must be an object, not %s",
                                 json_type_name(capabilities->type));
        static const struct {
                const char *key;
                size_t offset;
        } sets[] = {
                {"bounding", offsetof(CapSets, bounding)},
                {"effective", offsetof(CapSets, effective)},
                {"inheritable", offsetof(CapSets, inheritable)},
                {"permitted", offsetof(CapSets, permitted)},
                {"ambient", offsetof(CapSets, ambient)},
        };
        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                _cleanup_free_ char *what = xasprintf("process.capabilities.%s", sets[i].key);
                int r = caps_parse_json(json_get(capabilities, sets[i].key), what,
                                        (uint64_t *)((char *)&s + sets[i].offset), err);
                if (r < 0)
                        return r;
        }
        *ret = s;
        return 0;
}

char *caps_mask_to_string(uint64_t mask) {
        char *s = xstrdup("");
        for (int i = 0; i < 64; i++) {
                if (!(mask & CAPS_BIT(i)))
                        continue;
                char *n = caps_name(i) ? xasprintf("%s%s%s", s, *s ? "," : "", caps_name(i))
                                       : xasprintf("%s%sCAP_%d", s, *s ? "," : "", i);
                free(s);
                s = n;
        }
        return s;
}

JsonValue *caps_mask_to_json(uint64_t mask) {
        JsonValue *a = json_new_array();
        for (int i = 0; i < 64; i++) {
                if (!(mask & CAPS_BIT(i)))
                        continue;
                if (caps_name(i))
                        json_array_append(a, json_new_string(caps_name(i)));
                else {
                        _cleanup_free_ char *n = xasprintf("CAP_%d", i);
                        json_array_append(a, json_new_string(n));
                }
        }
        return a;
}

uint64_t caps_default_mask(void) {
        return CAPS_BIT(CAP_CHOWN) | CAPS_BIT(CAP_DAC_OVERRIDE) | CAPS_BIT(CAP_FOWNER) |
               CAPS_BIT(CAP_FSETID) | CAPS_BIT(CAP_KILL) | CAPS_BIT(CAP_NET_BIND_SERVICE) |
               CAPS_BIT(CAP_SETFCAP) | CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_SETPCAP) |
               CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SYS_CHROOT);
}

CapSets caps_sets_from_mask(uint64_t mask) {
        return (CapSets){
                .bounding = mask,
                .effective = mask,
                .permitted = mask,
        };
}

int caps_last_cap(void) {
        char buf[32];
        _cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return CAPS_LAST_KNOWN;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return CAPS_LAST_KNOWN;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        int v;
        if (safe_atoi(buf, &v) < 0 || v < 0 || v > 63)
                return CAPS_LAST_KNOWN;
        return v;
}

uint64_t caps_supported_mask(void) {
        int last = caps_last_cap();
        return last >= 63 ? UINT64_MAX : (CAPS_BIT(last + 1) - 1);
}

int caps_get_current(CapSets *ret, WarrenError **err) {
        CapSets s = {0};
        cap_t c = cap_get_proc();
        if (!c)
                return error_set_errno(err, errno, "read process capabilities");
        int last = caps_last_cap();
        int libcap_max = (int)cap_max_bits() - 1;
        for (int i = 0; i <= last && i < 64; i++) {
                cap_flag_value_t v;
                if (i <= libcap_max) {
                        if (cap_get_flag(c, (cap_value_t)i, CAP_EFFECTIVE, &v) == 0 && v)
                                s.effective |= CAPS_BIT(i);
                        if (cap_get_flag(c, (cap_value_t)i, CAP_PERMITTED, &v) == 0 && v)
                                s.permitted |= CAPS_BIT(i);
                        if (cap_get_flag(c, (cap_value_t)i, CAP_INHERITABLE, &v) == 0 && v)
                                s.inheritable |= CAPS_BIT(i);
                }
                if (prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) == 1)
                        s.bounding |= CAPS_BIT(i);
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, (unsigned long)i, 0, 0) == 1)
                        s.ambient |= CAPS_BIT(i);
        }
        cap_free(c);
        *ret = s;
        return 0;
}

static void log_ignored(const char *set, uint64_t mask, uint64_t supported) {
        uint64_t ignored = mask & ~supported;
        if (!ignored)
                return;
        _cleanup_free_ char *s = caps_mask_to_string(ignored);
        log_debug("ignoring %s capabilities unknown to this kernel: %s", set, s);
}

int caps_apply_before_setuid(const CapSets *s, WarrenError **err) {
        int last = caps_last_cap();
        uint64_t supported = last >= 63 ? UINT64_MAX : (CAPS_BIT(last + 1) - 1);
        log_ignored("bounding", s->bounding, supported);
        for (int i = 0; i <= last && i < 64; i++) {
                if (s->bounding & CAPS_BIT(i))
                        continue;
                if (prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) != 1)
                        continue; /* already gone (or unknown to the kernel) */
                if (prctl(PR_CAPBSET_DROP, (unsigned long)i, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                continue;
                        const char *n = caps_name(i);
                        return error_set_errno(err, errno,
                                               "drop capability `%s` from the bounding set",
                                               n ? n : "?");
                }
        }
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "set keep-capabilities");
        return 0;
}

int caps_apply_after_setuid(const CapSets *s, WarrenError **err) {
        int last = caps_last_cap();
        uint64_t supported = last >= 63 ? UINT64_MAX : (CAPS_BIT(last + 1) - 1);
        log_ignored("effective", s->effective, supported);
        log_ignored("permitted", s->permitted, supported);
        log_ignored("inheritable", s->inheritable, supported);
        log_ignored("ambient", s->ambient, supported);

        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "clear keep-capabilities");

        cap_t c = cap_init();
        if (!c)
                return error_set_errno(err, errno, "allocate capability state");
        int libcap_max = (int)cap_max_bits() - 1;
        for (int i = 0; i <= last && i <= libcap_max && i < 64; i++) {
                cap_value_t v = (cap_value_t)i;
                static const struct {
                        cap_flag_t flag;
                        size_t offset;
                } sets[] = {
                        {CAP_EFFECTIVE, offsetof(CapSets, effective)},
                        {CAP_PERMITTED, offsetof(CapSets, permitted)},
                        {CAP_INHERITABLE, offsetof(CapSets, inheritable)},
                };
                for (size_t k = 0; k < ELEMENTSOF(sets); k++) {
                        uint64_t m = *(const uint64_t *)((const char *)s + sets[k].offset);
                        if ((m & CAPS_BIT(i)) &&
                            cap_set_flag(c, sets[k].flag, 1, &v, CAP_SET) < 0) {
                                int e = errno;
                                cap_free(c);
                                return error_set_errno(err, e, "set capability `%s`",
                                                       caps_name(i) ? caps_name(i) : "?");
                        }
                }
        }
        if (cap_set_proc(c) < 0) {
                int e = errno;
                cap_free(c);
                _cleanup_free_ char *eff = caps_mask_to_string(s->effective & supported);
                _cleanup_free_ char *perm = caps_mask_to_string(s->permitted & supported);
                _cleanup_free_ char *inh = caps_mask_to_string(s->inheritable & supported);
                return error_set_errno(err, e,
                                       "set capabilities (effective `%s`, permitted `%s`, "
                                       "inheritable `%s`)",
                                       eff, perm, inh);
        }
        cap_free(c);

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                if (errno == EINVAL && (s->ambient & supported) == 0)
                        return 0; /* a kernel before 4.3 has no ambient set */
                return error_set_errno(err, errno, "clear the ambient capabilities");
        }
        for (int i = 0; i <= last && i < 64; i++) {
                if (!(s->ambient & CAPS_BIT(i)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)i, 0, 0) < 0)
                        return error_set_errno(err, errno, "raise ambient capability `%s`",
                                               caps_name(i) ? caps_name(i) : "?");
        }
        return 0;
}

int caps_apply(const CapSets *s, WarrenError **err) {
        int r = caps_apply_before_setuid(s, err);
        if (r < 0)
                return r;
        return caps_apply_after_setuid(s, err);
}

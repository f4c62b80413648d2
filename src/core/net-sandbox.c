/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-sandbox.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/xalloc.h"
#include "runtime/caps.h"
#include "runtime/seccomp.h"

#define SANDBOX_ROOT "/tmp"

static int write_proc(const char *path, const char *text, WarrenError **err) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", path);
        if (write_all(fd, text, strlen(text)) < 0)
                return error_set_errno(err, errno, "write `%s`", path);
        return 0;
}

static int new_namespaces(WarrenError **err) {
        if (geteuid() == 0) {
                if (unshare(CLONE_NEWNS) < 0)
                        return error_set_errno(err, errno, "unshare the mount namespace");
                return 0;
        }
        uid_t uid = geteuid();
        gid_t gid = getegid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                return error_set_errno(err, errno, "unshare user and mount namespaces");
        char map[64];
        int r = write_proc("/proc/self/setgroups", "deny", err);
        if (r < 0)
                return r;
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
        r = write_proc("/proc/self/uid_map", map, err);
        if (r < 0)
                return r;
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
        return write_proc("/proc/self/gid_map", map, err);
}

static int empty_root(const char *resolv_conf, WarrenError **err) {
        char real[PATH_MAX];
        bool have_resolv = realpath(resolv_conf, real) != NULL;
        if (!have_resolv)
                log_debug("sandbox: `%s` not found, no resolvers for dns forwarding", resolv_conf);

        /* the directory may sit below the tmpfs mount point: hold it by fd first */
        _cleanup_close_ int resolv_dir = -1;
        _cleanup_free_ char *resolv_base = NULL;
        if (have_resolv) {
                _cleanup_free_ char *dir = xstrdup(real);
                _cleanup_free_ char *base = xstrdup(real);
                resolv_dir = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (resolv_dir < 0)
                        return error_set_errno(err, errno, "open the directory of `%s`", real);
                resolv_base = xstrdup(basename(base));
        }

        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return error_set_errno(err, errno, "make mounts private");
        if (mount("tmpfs", SANDBOX_ROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=0755,size=16k") < 0)
                return error_set_errno(err, errno, "mount tmpfs on `%s`", SANDBOX_ROOT);
        if (mkdir(SANDBOX_ROOT "/etc", 0755) < 0 || mkdir(SANDBOX_ROOT "/.resolv", 0755) < 0)
                return error_set_errno(err, errno, "mkdir in the sandbox root");
        if (have_resolv) {
                char src[64];
                snprintf(src, sizeof(src), "/proc/self/fd/%d", resolv_dir);
                if (mount(src, SANDBOX_ROOT "/.resolv", NULL, MS_BIND | MS_REC, NULL) < 0)
                        return error_set_errno(err, errno, "bind the directory of `%s`", real);
                /* read-only where the kernel lets us (locked flags may refuse it) */
                if (mount(NULL, SANDBOX_ROOT "/.resolv", NULL,
                          MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          NULL) < 0)
                        log_debug("sandbox: cannot remount the directory of `%s` read-only: %s",
                                  real, strerror(errno));
                _cleanup_free_ char *target = xasprintf("/.resolv/%s", resolv_base);
                if (symlink(target, SANDBOX_ROOT "/etc/resolv.conf") < 0)
                        return error_set_errno(err, errno, "symlink resolv.conf");
        }

        if (chdir(SANDBOX_ROOT) < 0)
                return error_set_errno(err, errno, "chdir `%s`", SANDBOX_ROOT);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return error_set_errno(err, errno, "pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                return error_set_errno(err, errno, "detach the old root");
        if (chdir("/") < 0)
                return error_set_errno(err, errno, "chdir `/`");
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=0755,size=16k") < 0)
                log_debug("sandbox: cannot remount the root read-only: %s", strerror(errno));
        return 0;
}

static int drop_caps(bool own_userns, WarrenError **err) {
        CapSets none = {};
        _cleanup_error_ WarrenError *e = NULL;
        int r = caps_apply(&none, &e);
        if (r == -EPERM && !own_userns && geteuid() != 0) {
                /* unprivileged without a user namespace of our own: the bounding set cannot
                 * shrink, but there is nothing in it we hold; clear the rest */
                return caps_apply_after_setuid(&none, err);
        }
        if (r < 0)
                return error_move(err, TAKE_PTR(e));
        return 0;
}

static int load_seccomp(WarrenError **err) {
        _cleanup_json_ JsonValue *profile = net_sandbox_seccomp_profile();
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        int r = seccomp_filter_build(profile, &f, err);
        if (r < 0)
                return r;
        return seccomp_filter_load(f, err);
}

int net_sandbox_enter(const char *resolv_conf, bool seccomp, NetSandboxResult *ret,
                      WarrenError **err) {
        NetSandboxResult res = {};
        _cleanup_error_ WarrenError *soft = NULL;
        int r;

        r = new_namespaces(&soft);
        if (r == 0) {
                r = empty_root(resolv_conf ? resolv_conf : "/etc/resolv.conf", err);
                if (r < 0)
                        return error_prefix(err, r, "sandbox");
                res.mount_ns = true;
        } else
                log_debug("sandbox: no mount namespace: %s", soft->msg);

        r = drop_caps(res.mount_ns, err);
        if (r < 0)
                return error_prefix(err, r, "sandbox");
        res.caps_dropped = true;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "sandbox: set no_new_privs");
        if (seccomp && seccomp_is_supported()) {
                r = load_seccomp(err);
                if (r < 0)
                        return error_prefix(err, r, "sandbox");
                res.seccomp = true;
        } else if (seccomp)
                log_debug("sandbox: seccomp is not supported here");
        if (ret)
                *ret = res;
        return 0;
}

JsonValue *net_sandbox_seccomp_profile(void) {
        static const char *const denied[] = {
                "execve",
                "execveat",
                "ptrace",
                "process_vm_readv",
                "process_vm_writev",
                "mount",
                "umount2",
                "pivot_root",
                "chroot",
                "move_mount",
                "open_tree",
                "fsopen",
                "fsconfig",
                "fsmount",
                "fspick",
                "mount_setattr",
                "setns",
                "unshare",
                "init_module",
                "finit_module",
                "delete_module",
                "kexec_load",
                "kexec_file_load",
                "reboot",
                "swapon",
                "swapoff",
                "bpf",
                "perf_event_open",
                "userfaultfd",
                "keyctl",
                "add_key",
                "request_key",
                "acct",
                "quotactl",
                "syslog",
                "settimeofday",
                "clock_settime",
                "clock_adjtime",
                "adjtimex",
                "sethostname",
                "setdomainname",
                "iopl",
                "ioperm",
                "personality",
                "open_by_handle_at",
                "name_to_handle_at",
                "lookup_dcookie",
                "mknod",
                "mknodat",
                "vhangup",
                "pidfd_getfd",
                "kcmp",
                "fanotify_init",
                "setuid",
                "setgid",
                "setreuid",
                "setregid",
                "setresuid",
                "setresgid",
                "setgroups",
                "setfsuid",
                "setfsgid",
                "capset",
        };
        JsonValue *p = json_new_object();
        json_object_set(p, "defaultAction", json_new_string("SCMP_ACT_ALLOW"));
        JsonValue *syscalls = json_new_array();
        JsonValue *rule = json_new_object();
        JsonValue *names = json_new_array();
        for (size_t i = 0; i < ELEMENTSOF(denied); i++)
                json_array_append(names, json_new_string(denied[i]));
        json_object_set(rule, "names", names);
        json_object_set(rule, "action", json_new_string("SCMP_ACT_ERRNO"));
        json_object_set(rule, "errnoRet", json_new_integer(EPERM));
        json_array_append(syscalls, rule);

        /* clone with any namespace flag: one argument per flag, which the seccomp module ORs
         * (at most six per entry, so two entries) */
        static const uint64_t ns_flags[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
                                            CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
                                            CLONE_NEWCGROUP};
        for (size_t part = 0; part < 2; part++) {
                JsonValue *clone_rule = json_new_object();
                JsonValue *clone_names = json_new_array();
                json_array_append(clone_names, json_new_string("clone"));
                json_object_set(clone_rule, "names", clone_names);
                json_object_set(clone_rule, "action", json_new_string("SCMP_ACT_ERRNO"));
                json_object_set(clone_rule, "errnoRet", json_new_integer(EPERM));
                JsonValue *args = json_new_array();
                for (size_t i = part * 4; i < MIN(part * 4 + 4, ELEMENTSOF(ns_flags)); i++) {
                        JsonValue *a = json_new_object();
                        json_object_set(a, "index", json_new_integer(0));
                        json_object_set(a, "value", json_new_integer((int64_t)ns_flags[i]));
                        json_object_set(a, "valueTwo", json_new_integer((int64_t)ns_flags[i]));
                        json_object_set(a, "op", json_new_string("SCMP_CMP_MASKED_EQ"));
                        json_array_append(args, a);
                }
                json_object_set(clone_rule, "args", args);
                json_array_append(syscalls, clone_rule);
        }

        /* clone3 hides its flags in memory: ENOSYS makes libc fall back to clone */
        JsonValue *clone3 = json_new_object();
        JsonValue *clone3_names = json_new_array();
        json_array_append(clone3_names, json_new_string("clone3"));
        json_object_set(clone3, "names", clone3_names);
        json_object_set(clone3, "action", json_new_string("SCMP_ACT_ERRNO"));
        json_object_set(clone3, "errnoRet", json_new_integer(ENOSYS));
        json_array_append(syscalls, clone3);

        json_object_set(p, "syscalls", syscalls);
        return p;
}

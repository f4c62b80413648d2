/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/default-spec.h"

#include "basic/json.h"
#include "basic/xalloc.h"
#include "runtime/oci-config.h"

static void gen_strv(JsonGen *g, const char *key, const char *const *l) {
        json_gen_key(g, key);
        json_gen_begin_array(g);
        for (; *l; l++)
                json_gen_string(g, *l);
        json_gen_end_array(g);
}

static void gen_mount(JsonGen *g, const char *dest, const char *type, const char *src,
                      const char *const *opts) {
        json_gen_begin_object(g);
        json_gen_kv_string(g, "destination", dest);
        json_gen_kv_string(g, "type", type);
        json_gen_kv_string(g, "source", src);
        if (opts)
                gen_strv(g, "options", opts);
        json_gen_end_object(g);
}

static void gen_mapping(JsonGen *g, const char *key, unsigned id) {
        json_gen_key(g, key);
        json_gen_begin_array(g);
        json_gen_begin_object(g);
        json_gen_kv_int(g, "containerID", 0);
        json_gen_kv_int(g, "hostID", id);
        json_gen_kv_int(g, "size", 1);
        json_gen_end_object(g);
        json_gen_end_array(g);
}

int default_spec_generate(bool rootless, uid_t uid, gid_t gid, char **ret, WarrenError **err) {
        static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};
        static const char *const env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                NULL};
        _cleanup_json_gen_ JsonGen *g = json_gen_new(true);
        json_gen_begin_object(g);
        json_gen_kv_string(g, "ociVersion", OCI_VERSION);

        json_gen_key(g, "process");
        json_gen_begin_object(g);
        json_gen_kv_bool(g, "terminal", true);
        json_gen_key(g, "user");
        json_gen_begin_object(g);
        json_gen_kv_int(g, "uid", 0);
        json_gen_kv_int(g, "gid", 0);
        json_gen_end_object(g);
        gen_strv(g, "args", (const char *const[]){"sh", NULL});
        gen_strv(g, "env", env);
        json_gen_kv_string(g, "cwd", "/");
        json_gen_key(g, "capabilities");
        json_gen_begin_object(g);
        gen_strv(g, "bounding", caps);
        gen_strv(g, "effective", caps);
        gen_strv(g, "permitted", caps);
        gen_strv(g, "ambient", caps);
        json_gen_end_object(g);
        json_gen_key(g, "rlimits");
        json_gen_begin_array(g);
        json_gen_begin_object(g);
        json_gen_kv_string(g, "type", "RLIMIT_NOFILE");
        json_gen_kv_int(g, "hard", 1024);
        json_gen_kv_int(g, "soft", 1024);
        json_gen_end_object(g);
        json_gen_end_array(g);
        json_gen_kv_bool(g, "noNewPrivileges", true);
        json_gen_end_object(g);

        json_gen_key(g, "root");
        json_gen_begin_object(g);
        json_gen_kv_string(g, "path", "rootfs");
        json_gen_kv_bool(g, "readonly", true);
        json_gen_end_object(g);
        json_gen_kv_string(g, "hostname", "runc");

        json_gen_key(g, "mounts");
        json_gen_begin_array(g);
        gen_mount(g, "/proc", "proc", "proc", NULL);
        gen_mount(g, "/dev", "tmpfs", "tmpfs",
                  (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
        if (rootless)
                gen_mount(g, "/dev/pts", "devpts", "devpts",
                          (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                                "mode=0620", NULL});
        else
                gen_mount(g, "/dev/pts", "devpts", "devpts",
                          (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                                "mode=0620", "gid=5", NULL});
        gen_mount(g, "/dev/shm", "tmpfs", "shm",
                  (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
                                        NULL});
        gen_mount(g, "/dev/mqueue", "mqueue", "mqueue",
                  (const char *const[]){"nosuid", "noexec", "nodev", NULL});
        if (rootless)
                gen_mount(g, "/sys", "none", "/sys",
                          (const char *const[]){"rbind", "nosuid", "noexec", "nodev", "ro", NULL});
        else
                gen_mount(g, "/sys", "sysfs", "sysfs",
                          (const char *const[]){"nosuid", "noexec", "nodev", "ro", NULL});
        gen_mount(g, "/sys/fs/cgroup", "cgroup", "cgroup",
                  (const char *const[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
        json_gen_end_array(g);

        json_gen_key(g, "linux");
        json_gen_begin_object(g);
        if (rootless) {
                gen_mapping(g, "uidMappings", uid);
                gen_mapping(g, "gidMappings", gid);
        } else {
                json_gen_key(g, "resources");
                json_gen_begin_object(g);
                json_gen_key(g, "devices");
                json_gen_begin_array(g);
                json_gen_begin_object(g);
                json_gen_kv_bool(g, "allow", false);
                json_gen_kv_string(g, "access", "rwm");
                json_gen_end_object(g);
                json_gen_end_array(g);
                json_gen_end_object(g);
        }
        json_gen_key(g, "namespaces");
        json_gen_begin_array(g);
        const char *const ns_root[] = {"pid", "network", "ipc", "uts", "mount", NULL};
        const char *const ns_rootless[] = {"pid", "ipc", "uts", "mount", "user", NULL};
        for (const char *const *n = rootless ? ns_rootless : ns_root; *n; n++) {
                json_gen_begin_object(g);
                json_gen_kv_string(g, "type", *n);
                json_gen_end_object(g);
        }
        json_gen_end_array(g);
        gen_strv(g, "maskedPaths",
                 (const char *const[]){"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                       "/proc/latency_stats", "/proc/timer_list",
                                       "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                                       "/proc/scsi", NULL});
        gen_strv(g, "readonlyPaths",
                 (const char *const[]){"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                       "/proc/sysrq-trigger", NULL});
        json_gen_end_object(g);
        json_gen_end_object(g);
        return json_gen_finish(g, ret, NULL, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* config.json and process.json parsing, mount options, the default spec, container ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "runtime/default-spec.h"
#include "runtime/mount-options.h"
#include "runtime/oci-config.h"
#include "runtime/container-state.h"

static const char *const full =
        "{\"ociVersion\":\"1.0.2\","
        "\"process\":{\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
        "\"user\":{\"uid\":1,\"gid\":2,\"umask\":18,\"additionalGids\":[5,6]},"
        "\"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"A=b\"],\"cwd\":\"/srv\","
        "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
        "\"ambient\":[]},"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512}],"
        "\"noNewPrivileges\":true,\"oomScoreAdj\":-500,\"apparmorProfile\":\"x\"},"
        "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
        "\"hostname\":\"h\",\"domainname\":\"d\","
        "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\","
        "\"options\":[\"rbind\",\"ro\"]}],"
        "\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":[\"true\"],"
        "\"env\":[\"X=1\"],\"timeout\":5}],\"poststop\":[{\"path\":\"/bin/false\"}]},"
        "\"annotations\":{\"k\":\"v\"},"
        "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},"
        "{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"},{\"type\":\"user\"}],"
        "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1},"
        "{\"containerID\":1,\"hostID\":100000,\"size\":65536}],"
        "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
        "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
        "\"fileMode\":438,\"uid\":0,\"gid\":0}],"
        "\"resources\":{\"memory\":{\"limit\":1048576},\"cpu\":{\"shares\":512,"
        "\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\"},\"pids\":{\"limit\":64},"
        "\"unified\":{\"memory.high\":\"max\"},\"devices\":[{\"allow\":false}]},"
        "\"cgroupsPath\":\"/warren/x\",\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
        "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
        "\"rootfsPropagation\":\"rslave\",\"mountLabel\":\"ignored\","
        "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}}";

static void test_parse_full(void **state) {
        _cleanup_oci_config_ OciConfig *c = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(oci_config_parse(full, strlen(full), &c, &err), 0);
        assert_string_equal(c->oci_version, "1.0.2");
        OciProcess *p = c->process;
        assert_true(p->terminal);
        assert_int_equal(p->console_height, 24);
        assert_int_equal(p->user.uid, 1);
        assert_int_equal(p->user.gid, 2);
        assert_true(p->user.has_umask);
        assert_int_equal(p->user.umask, 18);
        assert_int_equal(p->user.n_additional_gids, 2);
        assert_int_equal(p->user.additional_gids[1], 6);
        assert_int_equal(strv_length(p->args), 3);
        assert_string_equal(p->cwd, "/srv");
        assert_true(p->has_capabilities);
        assert_string_equal(p->capabilities[OCI_CAP_BOUNDING][0], "CAP_KILL");
        assert_null(p->capabilities[OCI_CAP_PERMITTED]);
        assert_int_equal(p->n_rlimits, 1);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 512);
        assert_true(p->no_new_privileges);
        assert_true(p->has_oom_score_adj);
        assert_int_equal(p->oom_score_adj, -500);
        assert_string_equal(c->root_path, "rootfs");
        assert_true(c->root_readonly);
        assert_string_equal(c->hostname, "h");
        assert_string_equal(c->domainname, "d");
        assert_int_equal(c->n_mounts, 2);
        assert_string_equal(c->mounts[1].source, "/srv");
        assert_int_equal(c->n_hooks[OCI_HOOK_PRESTART], 1);
        assert_int_equal(c->hooks[OCI_HOOK_PRESTART][0].timeout, 5);
        assert_int_equal(c->n_hooks[OCI_HOOK_POSTSTOP], 1);
        assert_int_equal(c->n_hooks[OCI_HOOK_POSTSTART], 0);
        assert_string_equal(oci_kv_get(c->annotations, "k"), "v");
        const OciLinux *l = &c->linux_;
        assert_true(l->namespaces[OCI_NS_PID].present);
        assert_null(l->namespaces[OCI_NS_PID].path);
        assert_string_equal(l->namespaces[OCI_NS_NET].path, "/proc/1/ns/net");
        assert_false(l->namespaces[OCI_NS_IPC].present);
        assert_int_equal(l->n_uid_mappings, 2);
        assert_int_equal(l->uid_mappings[1].host_id, 100000);
        assert_int_equal(l->n_gid_mappings, 1);
        assert_int_equal(l->n_devices, 1);
        assert_int_equal(l->devices[0].type, 'c');
        assert_int_equal(l->devices[0].minor, 229);
        assert_true(l->has_resources);
        assert_int_equal(l->resources.memory_limit, 1048576);
        assert_int_equal(l->resources.cpu_shares, 512);
        assert_string_equal(l->resources.cpuset_cpus, "0-1");
        assert_int_equal(l->resources.pids_limit, 64);
        assert_string_equal(oci_kv_get(l->resources.unified, "memory.high"), "max");
        assert_string_equal(l->cgroups_path, "/warren/x");
        assert_string_equal(oci_kv_get(l->sysctl, "net.ipv4.ip_forward"), "1");
        assert_string_equal(l->masked_paths[0], "/proc/kcore");
        assert_string_equal(l->rootfs_propagation, "rslave");
        assert_non_null(l->seccomp);
        assert_string_equal(json_string(json_get(l->seccomp, "defaultAction")), "SCMP_ACT_ALLOW");
}

/* Each broken document and a fragment of the error it must give. */
static const struct {
        const char *doc;
        const char *msg;
} broken[] = {
        {"[]", "must be a JSON object"},
        {"{\"root\":{\"path\":\"r\"}}", "`ociVersion` is required"},
        {"{\"ociVersion\":\"2.0\",\"root\":{\"path\":\"r\"}}", "not supported"},
        {"{\"ociVersion\":\"1.0\"}", "`root` is required"},
        {"{\"ociVersion\":\"1.0\",\"root\":\"r\"}", "`root` must be an object"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":5}}", "`root.path` must be a string"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[],"
         "\"cwd\":\"/\"}}",
         "`process.args` must not be empty"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":\"sh\","
         "\"cwd\":\"/\"}}",
         "`process.args` must be an array"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\",1],"
         "\"cwd\":\"/\"}}",
         "`process.args[1]` must be a string"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]}}",
         "`process.cwd` is required"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],"
         "\"cwd\":\"rel\"}}",
         "must be an absolute path"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],"
         "\"cwd\":\"/\",\"user\":{\"uid\":-1}}}",
         "`process.user.uid` must not be negative"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],"
         "\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]}}",
         "unknown rlimit `RLIMIT_BOGUS`"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],"
         "\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"KILL\"]}}}",
         "not a capability name"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],"
         "\"cwd\":\"/\",\"oomScoreAdj\":5000}}",
         "`process.oomScoreAdj`"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"type\":\"tmpfs\"}]}",
         "`mounts[0].destination` is required"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"prestart\":[{}]}}",
         "`hooks.prestart[0].path` is required"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"poststop\":"
         "[{\"path\":\"/x\",\"timeout\":0}]}}",
         "`hooks.poststop[0].timeout`"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
         "[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}",
         "duplicate namespace `pid`"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
         "[{\"type\":\"bogus\"}]}}",
         "unsupported namespace type `bogus`"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"uidMappings\":"
         "[{\"containerID\":0,\"hostID\":1}]}}",
         "`linux.uidMappings[0].size` is required"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"uidMappings\":"
         "[{\"containerID\":0,\"hostID\":4294967295,\"size\":2}]}}",
         "overflows"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"devices\":"
         "[{\"path\":\"/dev/x\",\"type\":\"z\"}]}}",
         "`linux.devices[0].type`"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":"
         "{\"memory\":{\"limit\":\"1g\"}}}}",
         "`linux.resources.memory.limit` must be an integer"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":"
         "{\"unified\":{\"../x\":\"1\"}}}}",
         "not a cgroup file name"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"sysctl\":{\"a\":1}}}",
         "`linux.sysctl.a` must be a string"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":"
         "{\"rootfsPropagation\":\"sideways\"}}",
         "unknown propagation"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":[]}}",
         "`linux.seccomp` must be an object"},
        {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"annotations\":[]}",
         "`annotations` must be an object"},
        {"{\"ociVersion\":\"1.0\"", "invalid JSON"},
};

static void test_parse_broken(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(broken); i++) {
                _cleanup_oci_config_ OciConfig *c = NULL;
                _cleanup_error_ WarrenError *err = NULL;
                int r = oci_config_parse(broken[i].doc, strlen(broken[i].doc), &c, &err);
                if (r >= 0 || !err || !strstr(err->msg, broken[i].msg))
                        fail_msg("case %zu: r=%d msg=`%s`, want `%s`", i, r,
                                 err ? err->msg : "(none)", broken[i].msg);
                assert_null(c);
        }
}

static void test_oversized(void **state) {
        size_t n = OCI_CONFIG_MAX_SIZE + 10;
        char *buf = malloc(n);
        memset(buf, ' ', n);
        memcpy(buf, "{}", 2);
        _cleanup_oci_config_ OciConfig *c = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(oci_config_parse(buf, n, &c, &err), -EFBIG);
        free(buf);
}

static void test_minimal_and_unknown_keys(void **state) {
        const char *doc = "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"/r\"},"
                          "\"future\":{\"x\":[1,2]},\"linux\":{\"intelRdt\":{}}}";
        _cleanup_oci_config_ OciConfig *c = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(oci_config_parse(doc, strlen(doc), &c, &err), 0);
        assert_null(c->process);
        assert_false(c->root_readonly);
        assert_int_equal(c->n_mounts, 0);
}

static void test_process_json(void **state) {
        const char *doc = "{\"terminal\":false,\"args\":[\"ls\"],\"cwd\":\"/\","
                          "\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0}}";
        _cleanup_json_ JsonValue *v = NULL;
        assert_int_equal(json_parse(doc, strlen(doc), 0, &v, NULL), 0);
        _cleanup_oci_process_ OciProcess *p = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(oci_process_from_json(v, "process", &p, &err), 0);
        assert_string_equal(p->args[0], "ls");
        assert_false(p->has_capabilities);
        _cleanup_json_ JsonValue *bad = json_new_string("x");
        _cleanup_oci_process_ OciProcess *p2 = NULL;
        assert_int_equal(oci_process_from_json(bad, "process", &p2, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`process` must be an object"));
}

static void test_names(void **state) {
        assert_int_equal(oci_rlimit_from_name("RLIMIT_NPROC"), RLIMIT_NPROC);
        assert_int_equal(oci_rlimit_from_name("NPROC"), -EINVAL);
        assert_int_equal(oci_namespace_type_from_name("network"), OCI_NS_NET);
        assert_int_equal(oci_namespace_type_from_name("net"), -EINVAL);
        assert_string_equal(oci_namespace_type_name(OCI_NS_CGROUP), "cgroup");
        assert_string_equal(oci_hook_kind_name(OCI_HOOK_START_CONTAINER), "startContainer");
}

static void test_mount_options(void **state) {
        char *opts[] = {"rbind",    "ro",       "nosuid",    "nodev", "rw", "rprivate",
                        "mode=755", "size=64k", "tmpcopyup", "rro",   NULL};
        MountOptions o = {};
        assert_int_equal(mount_options_parse(opts, &o, NULL), 0);
        assert_true(o.bind);
        assert_true(o.recursive);
        assert_true(o.flags & MS_NOSUID);
        assert_true(o.flags & MS_NODEV);
        assert_true(o.flags & MS_RDONLY); /* "rro" after "rw" */
        assert_int_equal(o.propagation, MS_PRIVATE | MS_REC);
        assert_string_equal(o.data, "mode=755,size=64k");
        mount_options_done(&o);

        char *opts2[] = {"ro", "rw", "exec", NULL};
        assert_int_equal(mount_options_parse(opts2, &o, NULL), 0);
        assert_false(o.flags & MS_RDONLY);
        assert_true(o.clear & MS_NOEXEC);
        assert_null(o.data);
        mount_options_done(&o);

        _cleanup_free_ char *d = mount_data_strip_ids("mode=0620,gid=5,uid=0,ptmxmode=0666");
        assert_string_equal(d, "mode=0620,ptmxmode=0666");
}

static void test_default_spec_parses(void **state) {
        for (int rootless = 0; rootless < 2; rootless++) {
                _cleanup_free_ char *text = NULL;
                assert_int_equal(default_spec_generate(rootless, 1000, 1000, &text, NULL), 0);
                _cleanup_oci_config_ OciConfig *c = NULL;
                _cleanup_error_ WarrenError *err = NULL;
                assert_int_equal(oci_config_parse(text, strlen(text), &c, &err), 0);
                assert_string_equal(c->process->args[0], "sh");
                assert_true(c->linux_.namespaces[OCI_NS_MOUNT].present);
                assert_int_equal(c->linux_.namespaces[OCI_NS_USER].present, rootless);
                assert_int_equal(c->linux_.namespaces[OCI_NS_NET].present, !rootless);
                if (rootless) {
                        assert_int_equal(c->linux_.n_uid_mappings, 1);
                        assert_int_equal(c->linux_.uid_mappings[0].host_id, 1000);
                        assert_false(c->linux_.has_resources);
                } else
                        assert_true(c->linux_.has_resources);
                assert_int_equal(strv_length(c->linux_.masked_paths), 10);
        }
}

static void test_container_ids(void **state) {
        assert_int_equal(container_state_check_id("abc-DEF_1.2+3", NULL), 0);
        assert_int_equal(container_state_check_id("", NULL), -EINVAL);
        assert_int_equal(container_state_check_id(".", NULL), -EINVAL);
        assert_int_equal(container_state_check_id("..", NULL), -EINVAL);
        assert_int_equal(container_state_check_id("a/b", NULL), -EINVAL);
        assert_int_equal(container_state_check_id("../x", NULL), -EINVAL);
        assert_int_equal(container_state_check_id("a b", NULL), -EINVAL);
}

static void test_state_round_trip(void **state) {
        char *ann[] = {"k", "v", NULL};
        char *cg[] = {"/sys/fs/cgroup/x", NULL};
        ContainerState s = {.id = "c1",
                            .pid = 42,
                            .pid_start = 99,
                            .recorded = STATUS_RUNNING,
                            .bundle = "/b",
                            .config_path = "/b/c",
                            .rootfs = "/b/r",
                            .created = "2026-01-01T00:00:00.000000000Z",
                            .owner = "me",
                            .annotations = ann,
                            .cgroups = cg,
                            .own_pidns = true};
        _cleanup_free_ char *text = NULL;
        assert_int_equal(container_state_to_json(&s, &text, NULL), 0);
        _cleanup_container_state_ ContainerState *t = NULL;
        assert_int_equal(container_state_from_json(text, strlen(text), &t, NULL), 0);
        assert_string_equal(t->id, "c1");
        assert_int_equal(t->pid, 42);
        assert_int_equal(t->pid_start, 99);
        assert_int_equal(t->recorded, STATUS_RUNNING);
        assert_string_equal(t->rootfs, "/b/r");
        assert_string_equal(t->cgroups[0], "/sys/fs/cgroup/x");
        assert_string_equal(oci_kv_get(t->annotations, "k"), "v");
        assert_true(t->own_pidns);
        _cleanup_free_ char *oci = NULL;
        assert_int_equal(container_state_oci_json(t, STATUS_STOPPED, true, false, &oci, NULL), 0);
        assert_non_null(strstr(oci, "\"status\":\"stopped\""));
        assert_non_null(strstr(oci, "\"pid\":0"));
        assert_non_null(strstr(oci, "\"owner\":\"me\""));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_full),
                cmocka_unit_test(test_parse_broken),
                cmocka_unit_test(test_oversized),
                cmocka_unit_test(test_minimal_and_unknown_keys),
                cmocka_unit_test(test_process_json),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_mount_options),
                cmocka_unit_test(test_default_spec_parses),
                cmocka_unit_test(test_container_ids),
                cmocka_unit_test(test_state_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

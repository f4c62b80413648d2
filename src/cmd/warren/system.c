/* SPDX-License-Identifier: Apache-2.0 */
/* `warren info` and `warren version` (also as `warren system info|version`): what warren is,
 * what this host offers it, and what is degraded and why (src/core/host-info.c probes).
 * docs/commands/system.md is the manual. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"
#include "cli-util.h"
#include "core/engine.h"
#include "core/host-info.h"
#include "core/sandboxes.h"
#include "storage/container-store.h"
#include "storage/image-store.h"
#include "storage/sandbox-store.h"
#include "core/containers.h"
#include "storage/image-storage.h"
#include "storage/layer-store.h"
#include "storage/rootfs.h"
#include "userns/holder.h"
#include "warren.h"

#define WARREN_API_VERSION "1.44" /* the Docker Engine API subset warrend serves */


/* The first line `PROGRAM --version` prints (NULL when it cannot run), at most 2 s. */
static char *program_version(const char *path) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return NULL;
        pid_t pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return NULL;
        }
        if (pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (devnull >= 0) {
                        dup2(devnull, STDIN_FILENO);
                        dup2(devnull, STDERR_FILENO);
                }
                alarm(2);
                execl(path, path, "--version", (char *)NULL);
                _exit(127);
        }
        close(fds[1]);
        char buf[512];
        int n = read_all(fds[0], buf, sizeof(buf) - 1);
        close(fds[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return NULL;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        /* "crun version 1.8.1" -> "1.8.1" */
        const char *v = strstr(buf, "version ");
        return xstrdup(v ? v + 8 : buf);
}

static char *self_dir(void) {
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        if (n <= 0)
                return NULL;
        buf[n] = 0;
        char *slash = strrchr(buf, '/');
        if (!slash)
                return NULL;
        *slash = 0;
        return xstrdup(buf);
}

/* {"name", "path", "version"} for warren-runtime and the external runtimes found. */
static JsonValue *runtimes_json(void) {
        JsonValue *arr = json_new_array();
        Engine fake = {.bin_dir = self_dir()};
        static const char *const names[] = {"warren-runtime", "crun", "runc"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *path = NULL;
                if (engine_program(&fake, names[i], &path, NULL) < 0)
                        continue;
                _cleanup_free_ char *v = program_version(path);
                JsonValue *o = json_new_object();
                json_object_set(o, "name", json_new_string(names[i]));
                json_object_set(o, "path", json_new_string(path));
                json_object_set(o, "version", v ? json_new_string(v) : json_new_null());
                json_array_append(arr, o);
        }
        free(fake.bin_dir);
        return arr;
}

static const char *arch(void) {
        static struct utsname u;
        if (uname(&u) < 0)
                return "unknown";
        if (STREQ(u.machine, "x86_64"))
                return "amd64";
        if (STREQ(u.machine, "aarch64"))
                return "arm64";
        return u.machine;
}

static JsonValue *version_json(void) {
        JsonValue *o = json_new_object();
        json_object_set(o, "Version", json_new_string(WARREN_VERSION));
        json_object_set(o, "ApiVersion", json_new_string(WARREN_API_VERSION));
        json_object_set(o, "Os", json_new_string("linux"));
        json_object_set(o, "Arch", json_new_string(arch()));
        struct utsname u;
        json_object_set(o, "KernelVersion", json_new_string(uname(&u) == 0 ? u.release : ""));
        json_object_set(o, "Runtimes", runtimes_json());
        return o;
}

static int parse_format(int argc, char **argv, const char *cmd, const char **ret) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {},
        };
        int c;
        *ret = NULL;
        FOREACH_OPT(c, argc, argv, "f:", opts) {
                if (c != 'f')
                        return cli_usage_error(cmd, "unknown option or missing value");
                *ret = optarg;
        }
        if (optind < argc)
                return cli_usage_error(cmd, "unexpected argument `%s`", argv[optind]);
        return 0;
}

static int print_formatted(const JsonValue *v, const char *format) {
        if (STREQ(format, "json"))
                return cli_print_json(v);
        _cleanup_free_ char *s = cli_template_render(format, v);
        printf("%s\n", s);
        return 0;
}

static int cmd_version(int argc, char **argv) {
        const char *format;
        int r = parse_format(argc, argv, "version", &format);
        if (r)
                return r;
        _cleanup_json_ JsonValue *v = version_json();
        if (format)
                return print_formatted(v, format);
        printf("Version:        %s\n", WARREN_VERSION);
        printf("API version:    %s\n", WARREN_API_VERSION);
        printf("OS/Arch:        linux/%s\n", arch());
        printf("Kernel:         %s\n", json_string(json_get(v, "KernelVersion")));
        const JsonValue *rts = json_get(v, "Runtimes");
        for (size_t i = 0; i < json_length(rts); i++) {
                const JsonValue *rt = json_at(rts, i);
                const char *ver = json_string(json_get(rt, "version"));
                printf("%-15s %s %s (%s)\n", i == 0 ? "Runtimes:" : "",
                       json_string(json_get(rt, "name")), ver ? ver : "(does not run)",
                       json_string(json_get(rt, "path")));
        }
        if (json_length(rts) == 0)
                printf("Runtime:        warren-runtime not found\n");
        return 0;
}

/* ---- info ---- */

static char *os_name(void) {
        _cleanup_free_ char *text = NULL;
        if (read_file_capped("/etc/os-release", 65536, &text, NULL, NULL) < 0)
                return xstrdup("unknown");
        _cleanup_strv_ char **lines = strv_split(text, "\n");
        STRV_FOREACH (l, lines)
                if (STARTS_WITH(*l, "PRETTY_NAME=")) {
                        const char *v = *l + 12;
                        size_t n = strlen(v);
                        if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
                                return xstrndup(v + 1, n - 2);
                        return xstrdup(v);
                }
        return xstrdup("unknown");
}

typedef struct StoreCounts {
        long containers, running, pods, images;
        long net_helpers; /* running network helpers */
        char **net_down;  /* sandboxes whose network helper is gone (killed) */
} StoreCounts;

/* Count records without opening the engine (opening it would write the runtime directory's
 * `alive` file, which tells a reboot apart) and without entering the user namespace. */
static void count_stores(const char *data_dir, StoreCounts *ret) {
        *ret = (StoreCounts){-1, -1, -1, -1, 0, NULL};
        _cleanup_free_ char *cdir = path_join(data_dir, "containers");
        _cleanup_free_ char *sdir = path_join(data_dir, "sandboxes");
        _cleanup_free_ char *idir = path_join(data_dir, "images");
        ContainerStore *cs = NULL;
        SandboxStore *ss = NULL;
        ImageStore *is = NULL;
        StoreList l = {0};
        if (container_store_open(cdir, &cs, NULL) >= 0 &&
            container_store_list(cs, NULL, &l, NULL) >= 0) {
                ret->containers = (long)l.n;
                ret->running = 0;
                for (size_t i = 0; i < l.n; i++)
                        if (container_state(CONTAINER_LIST_AT(&l, i)) == CONTAINER_RUNNING)
                                ret->running++;
                store_list_clear(&l);
        }
        if (sandbox_store_open(sdir, &ss, NULL) >= 0 &&
            sandbox_store_list(ss, NULL, &l, NULL) >= 0) {
                ret->pods = 0;
                for (size_t i = 0; i < l.n; i++) {
                        const Sandbox *sb = SANDBOX_LIST_AT(&l, i);
                        if (!sb->hidden)
                                ret->pods++;
                        if (sandboxes_net_helper_missing(sb))
                                strv_push(&ret->net_down, sb->name ? sb->name : sb->id);
                        else if (sandboxes_net_helper_running(sb))
                                ret->net_helpers++;
                }
                store_list_clear(&l);
        }
        if (image_store_open(idir, &is, NULL) >= 0 && image_store_list(is, NULL, &l, NULL) >= 0) {
                ret->images = (long)l.n;
                store_list_clear(&l);
        }
        container_store_free(cs);
        sandbox_store_free(ss);
        image_store_free(is);
}

static const char *yesno(const HostFeature *f) {
        return f->available ? "yes" : "no";
}

static void print_feature(const char *label, const HostFeature *f) {
        printf("  %-26s %s%s%s%s\n", label, yesno(f), f->detail && *f->detail ? " (" : "",
               f->detail ? f->detail : "", f->detail && *f->detail ? ")" : "");
}

static void print_count(const char *label, long n) {
        if (n < 0)
                printf("  %-26s unreadable\n", label);
        else
                printf("  %-26s %ld\n", label, n);
}

static int cmd_info(int argc, char **argv) {
        const char *format;
        int r = parse_format(argc, argv, "info", &format);
        if (r)
                return r;
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_free_ char *data = NULL, *run = NULL, *config = NULL;
        if (warren_globals.root)
                data = xstrdup(warren_globals.root);
        else if (xdg_data_dir(&data, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        if (xdg_runtime_dir(&run, &err) < 0 || xdg_config_dir(&config, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        cli_progress("probing the host");
        HostInfo h = {0};
        r = host_info_probe(&h, &err);
        cli_progress_done();
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        HolderInfo holder = {0};
        int have_holder = geteuid() == 0 ? 0 : holder_find(run, &holder, NULL);
        StoreCounts counts;
        count_stores(data, &counts);
        const char *driver =
                warren_globals.storage_driver ? warren_globals.storage_driver : h.storage_driver;
        _cleanup_free_ char *os = os_name();
        _cleanup_json_ JsonValue *version = version_json();

        if (format) {
                _cleanup_json_ JsonValue *o = json_new_object();
                json_object_set(o, "version", json_copy(version));
                JsonValue *host = host_info_to_json(&h);
                json_object_set(host, "os", json_new_string(os));
                json_object_set(o, "host", host);
                JsonValue *store = json_new_object();
                json_object_set(store, "driver", json_new_string(driver ? driver : ""));
                json_object_set(store, "driverSource",
                                json_new_string(warren_globals.storage_driver ? "--storage-driver"
                                                                              : "automatic"));
                json_object_set(store, "dataDir", json_new_string(data));
                json_object_set(store, "runDir", json_new_string(run));
                json_object_set(store, "configDir", json_new_string(config));
                json_object_set(store, "containers", json_new_integer(counts.containers));
                json_object_set(store, "containersRunning", json_new_integer(counts.running));
                json_object_set(store, "pods", json_new_integer(counts.pods));
                json_object_set(store, "images", json_new_integer(counts.images));
                json_object_set(store, "networkHelpers", json_new_integer(counts.net_helpers));
                JsonValue *down = json_new_array();
                STRV_FOREACH (d, counts.net_down)
                        json_array_append(down, json_new_string(*d));
                json_object_set(store, "networkHelpersGone", down);
                json_object_set(o, "store", store);
                JsonValue *ho = json_new_object();
                json_object_set(ho, "running", json_new_bool(have_holder > 0));
                json_object_set(ho, "pid", json_new_integer(have_holder > 0 ? holder.pid : 0));
                json_object_set(o, "namespaceHolder", ho);
                r = print_formatted(o, format);
                host_info_done(&h);
                strv_free(counts.net_down);
                return r;
        }

        printf("warren %s (API %s)\n", WARREN_VERSION, WARREN_API_VERSION);
        const JsonValue *rts = json_get(version, "Runtimes");
        for (size_t i = 0; i < json_length(rts); i++) {
                const JsonValue *rt = json_at(rts, i);
                const char *ver = json_string(json_get(rt, "version"));
                _cleanup_free_ char *label = xasprintf("%s:", json_string(json_get(rt, "name")));
                printf("  %-26s %s (%s)\n", label, ver ? ver : "does not run",
                       json_string(json_get(rt, "path")));
        }
        printf("host:\n");
        printf("  %-26s %s\n", "os:", os);
        printf("  %-26s %s\n", "kernel:", h.kernel ? h.kernel : "unknown");
        printf("  %-26s %s\n", "running as:", geteuid() == 0 ? "root" : "an unprivileged user");
        print_feature("user namespaces:", &h.userns);
        print_feature("seccomp:", &h.seccomp);
        printf("  %-26s %s%s%s\n", "cgroups:", cgroup_layout_to_string(h.cgroup_layout),
               h.cgroup_path ? ", ours: " : "", h.cgroup_path ? h.cgroup_path : "");
        print_feature("cgroup limits:", &h.cgroup_delegated);
        if (h.cgroup_v2_hugetlb)
                printf("  %-26s hugetlb sits on the v2 hierarchy of a hybrid host: crun and "
                       "podman refuse it, warren-runtime does not\n",
                       "");
        printf("  %-26s %s\n", "systemd as pid 1:", h.systemd_pid1 ? "yes" : "no");
        printf("id mapping:\n");
        printf("  %-26s %s\n", "mode:", h.idmap_mode ? h.idmap_mode : "unknown");
        printf("  %-26s %s\n", "source:", h.idmap.detail && *h.idmap.detail ? h.idmap.detail : "-");
        printf("  %-26s %s\n", "uid map:", h.uid_map ? h.uid_map : "-");
        printf("  %-26s %s\n", "gid map:", h.gid_map ? h.gid_map : "-");
        if (geteuid() == 0)
                printf("  %-26s %s\n", "namespace holder:", "not used as root");
        else if (have_holder > 0)
                printf("  %-26s pid %d\n", "namespace holder:", (int)holder.pid);
        else
                printf("  %-26s not running (starts on first use)\n", "namespace holder:");
        printf("storage:\n");
        printf("  %-26s %s (%s)\n", "driver:", driver ? driver : "unknown",
               warren_globals.storage_driver ? "--storage-driver" : "automatic");
        print_feature("overlay in a userns:", &h.overlay);
        print_feature("fuse-overlayfs:", &h.fuse);
        printf("  %-26s %s\n", "data:", data);
        printf("  %-26s %s\n", "run:", run);
        printf("  %-26s %s\n", "config:", config);
        print_count("containers:", counts.containers);
        print_count("containers running:", counts.running);
        print_count("pods:", counts.pods);
        print_count("images:", counts.images);
        printf("network:\n");
        print_feature("/dev/net/tun:", &h.tun);
        printf("  %-26s %s\n", "default:", h.tun.available ? "slirp" : "none (no /dev/net/tun)");
        printf("  %-26s %ld running\n", "network helpers:", counts.net_helpers);
        if (counts.net_down) {
                _cleanup_free_ char *names = strv_join(counts.net_down, "`, `");
                printf("  %-26s `%s` (killed? the pod has no network: restart it)\n",
                       "network helpers gone:", names);
        }
        strv_free(counts.net_down);
        if (h.degraded && h.degraded[0]) {
                printf("degraded:\n");
                STRV_FOREACH (d, h.degraded)
                        printf("  - %s\n", *d);
        } else
                printf("degraded:                    nothing\n");
        host_info_done(&h);
        return 0;
}

/* ---- system df ---- */

typedef struct DfRow {
        const char *type;
        size_t total, active;
        uint64_t size, reclaimable;
} DfRow;

/* Images: layers counted once however many images share them; what only unused images hold is
 * reclaimable. Containers: each one's own writable layer; the stopped ones' is reclaimable. */
static int df_rows(Engine *e, DfRow rows[2], WarrenError **err) {
        rows[0] = (DfRow){.type = "Images"};
        rows[1] = (DfRow){.type = "Containers"};
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = image_storage_open(e->data_dir, false, &s, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **in_use = NULL, **all_layers = NULL, **used_layers = NULL;
        r = image_storage_images_in_use(s, &in_use, err);
        if (r < 0)
                return r;
        _cleanup_(store_list_clear) StoreList list = {0};
        r = image_store_list(s->images, NULL, &list, err);
        if (r < 0)
                return r;
        uint64_t used_size = 0;
        for (size_t i = 0; i < list.n; i++) {
                const Image *img = IMAGE_LIST_AT(&list, i);
                bool active = strv_contains(in_use, img->id);
                rows[0].total++;
                rows[0].active += active;
                for (size_t k = 0; k < img->n_layers; k++) {
                        const char *d = img->layers[k].diff_id;
                        uint64_t sz = 0;
                        if (!d || layer_store_size(s->layers, d, &sz, NULL) < 0)
                                continue;
                        if (!strv_contains(all_layers, d)) {
                                strv_push(&all_layers, d);
                                rows[0].size += sz;
                        }
                        if (active && !strv_contains(used_layers, d)) {
                                strv_push(&used_layers, d);
                                used_size += sz;
                        }
                }
        }
        rows[0].reclaimable = rows[0].size - used_size;
        ContainerView *v = NULL;
        size_t n = 0;
        r = containers_list(e, true, NULL, &v, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                bool active = v[i].state == CONTAINER_RUNNING || v[i].state == CONTAINER_PAUSED;
                uint64_t sz = 0;
                (void)rootfs_disk_usage(s, v[i].c.id, &sz, NULL);
                rows[1].total++;
                rows[1].active += active;
                rows[1].size += sz;
                if (!active)
                        rows[1].reclaimable += sz;
        }
        container_views_free(v, n);
        return 0;
}

static int cmd_df(int argc, char **argv) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'F'},
                {},
        };
        const char *format = NULL;
        int c;
        FOREACH_OPT(c, argc, argv, "", opts) {
                if (c != 'F')
                        return cli_bad_option("system df", argc, argv);
                format = optarg;
        }
        if (optind < argc)
                return cli_usage_error("system df", "unexpected argument `%s`", argv[optind]);
        if (format && STRNEQ(format, "json") && STRNEQ(format, "table"))
                return cli_usage_error("system df", "unsupported format `%s` (json or table)",
                                       format);
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        DfRow rows[2];
        if (df_rows(e, rows, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        if (format && STREQ(format, "json")) {
                _cleanup_json_ JsonValue *arr = json_new_array();
                for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                        JsonValue *o = json_new_object();
                        json_object_add(o, "Type", json_new_string(rows[i].type));
                        json_object_add(o, "TotalCount", json_new_integer((int64_t)rows[i].total));
                        json_object_add(o, "Active", json_new_integer((int64_t)rows[i].active));
                        json_object_add(o, "Size", json_new_integer((int64_t)rows[i].size));
                        json_object_add(o, "Reclaimable",
                                        json_new_integer((int64_t)rows[i].reclaimable));
                        json_array_append(arr, o);
                }
                return cli_print_json(arr);
        }
        CliTable t;
        cli_table_init(&t, 5);
        cli_table_add(&t, "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                char total[24], active[24], size[32], rec[32], recp[48];
                snprintf(total, sizeof(total), "%zu", rows[i].total);
                snprintf(active, sizeof(active), "%zu", rows[i].active);
                cli_format_size(rows[i].size, size);
                cli_format_size(rows[i].reclaimable, rec);
                snprintf(recp, sizeof(recp), "%s (%u%%)", rec,
                         rows[i].size ? (unsigned)(rows[i].reclaimable * 100 / rows[i].size) : 0);
                cli_table_add(&t, rows[i].type, total, active, size, recp);
        }
        cli_table_print(&t);
        cli_table_done(&t);
        return 0;
}

static int cmd_prune(int argc, char **argv) {
        static const struct option opts[] = {
                {"all", no_argument, NULL, 'a'},
                {"force", no_argument, NULL, 'f'},
                {},
        };
        bool all = false, force = false;
        int c;
        FOREACH_OPT(c, argc, argv, "af", opts) {
                if (c == 'a')
                        all = true;
                else if (c == 'f')
                        force = true;
                else
                        return cli_bad_option("system prune", argc, argv);
        }
        if (optind < argc)
                return cli_usage_error("system prune", "unexpected argument `%s`", argv[optind]);
        if (!force && !cli_confirm(all ? "WARNING! This will remove:\n"
                                         "  - all stopped containers\n"
                                         "  - all stopped pods\n"
                                         "  - all images without at least one container\n"
                                         "Are you sure you want to continue?"
                                       : "WARNING! This will remove:\n"
                                         "  - all stopped containers\n"
                                         "  - all stopped pods\n"
                                         "  - all dangling images\n"
                                         "Are you sure you want to continue?"))
                return 0;
        int r = cli_prune_containers();
        int r2 = cli_prune_pods();
        int r3 = cli_prune_images(all);
        return r ? r : r2 ? r2 : r3;
}

static const WarrenCommand toplevel[] = {
        {"info", "[--format json|TEMPLATE]",
         "show versions, storage, id mapping, cgroups, seccomp, and what is degraded and why",
         cmd_info, 0},
        {"version", "[--format json|TEMPLATE]",
         "show the versions of warren, its runtime and the API", cmd_version, 0},
};

const WarrenCommandGroup warren_system_toplevel = {
        .name = NULL,
        .summary = "system commands",
        .commands = toplevel,
        .n_commands = ELEMENTSOF(toplevel),
};

static const WarrenCommand system_cmds[] = {
        {"info", "[--format json|TEMPLATE]", "show what warren found on this host", cmd_info, 0},
        {"version", "[--format json|TEMPLATE]", "show versions", cmd_version, 0},
        {"df", "[--format table|json]",
         "show the disk used by images and containers, and what prune would reclaim", cmd_df, 0},
        {"prune",
         "[-a] [-f]\n\n"
         "  -a, --all     also every image no container uses (not only dangling ones)\n"
         "  -f, --force   do not ask",
         "remove stopped containers, stopped pods and dangling images", cmd_prune, 0},
};

const WarrenCommandGroup warren_system_group = {
        .name = "system",
        .summary = "information about warren and this host",
        .commands = system_cmds,
        .n_commands = ELEMENTSOF(system_cmds),
};

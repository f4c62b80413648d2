/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/container.h"

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/container-internal.h"
#include "runtime/hooks.h"
#include "runtime/oci-config.h"
#include "runtime/process-exec.h"
#include "runtime/seccomp.h"
#include "runtime/rootfs-setup.h"
#include "runtime/container-state.h"
#include "runtime/terminal.h"
#include "userns/clone.h"
#include "userns/idmap.h"
#include "userns/sync.h"

/* SYNC_USER values of the container protocol (docs/warren-runtime.md). */
#define STEP_RUNTIME_HOOKS 1

static const int ns_clone_flag[_OCI_NS_MAX] = {
        [OCI_NS_PID] = CLONE_NEWPID,       [OCI_NS_NET] = CLONE_NEWNET,
        [OCI_NS_MOUNT] = CLONE_NEWNS,      [OCI_NS_IPC] = CLONE_NEWIPC,
        [OCI_NS_UTS] = CLONE_NEWUTS,       [OCI_NS_USER] = CLONE_NEWUSER,
        [OCI_NS_CGROUP] = CLONE_NEWCGROUP,
};

typedef struct Ctx {
        const ContainerOptions *o;
        OciConfig *c;
        char *bundle;
        char *rootfs;
        char *config_path;
        char *state_dir;
        unsigned long ns_flags;
        bool userns;
        int ns_fds[_OCI_NS_MAX]; /* namespaces joined by path in the child */
        int console_fd;
        int listen_fd; /* create: the start socket the child waits on */
        int listen_fds;
        pid_t pid; /* the child's pid, as the parent sees it */
        ContainerState *state;
        SeccompProgram *seccomp; /* compiled before the clone (from the cache when it can) */
} Ctx;

static void ctx_done(Ctx *x) {
        oci_config_free(x->c);
        free(x->bundle);
        free(x->rootfs);
        free(x->config_path);
        free(x->state_dir);
        for (size_t i = 0; i < _OCI_NS_MAX; i++)
                safe_close(x->ns_fds[i]);
        safe_close(x->console_fd);
        safe_close(x->listen_fd);
        container_state_free(x->state);
        seccomp_program_free(x->seccomp);
}

char *container_user_name(void) {
        struct passwd *pw = getpwuid(geteuid());
        if (pw && pw->pw_name)
                return xstrdup(pw->pw_name);
        return xasprintf("%u", (unsigned)geteuid());
}

/* ---- the child ---- */

static int write_sysctl(const char *key, const char *value, WarrenError **err) {
        _cleanup_free_ char *rel = xstrdup(key);
        for (char *p = rel; *p; p++)
                if (*p == '.')
                        *p = '/';
        if (strstr(rel, ".."))
                return error_set(err, EINVAL, "bad sysctl `%s`", key);
        _cleanup_free_ char *path = path_join("/proc/sys", rel);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, value, strlen(value)) < 0)
                return error_set_errno(err, errno, "sysctl `%s`", key);
        return 0;
}

static int child_state_json(Ctx *x, pid_t pid, ContainerStatus st, char **ret, WarrenError **err) {
        ContainerState s = {.id = (char *)x->o->id,
                            .pid = pid,
                            .bundle = x->bundle,
                            .annotations = x->c->annotations};
        return container_state_oci_json(&s, st, false, false, ret, err);
}

static int child_setup(int sync_fd, Ctx *x, ProcessPlan *plan, int *ret_master, int *ret_slave,
                       WarrenError **err) {
        const OciConfig *c = x->c;
        SyncMsg m;
        int r = sync_expect(sync_fd, SYNC_PID, &m, err);
        if (r < 0)
                return r;
        x->pid = m.value;
        for (size_t i = 0; i < _OCI_NS_MAX; i++)
                if (x->ns_fds[i] >= 0 && setns(x->ns_fds[i], ns_clone_flag[i]) < 0)
                        return error_set_errno(err, errno, "join the %s namespace `%s`",
                                               oci_namespace_type_name(i),
                                               c->linux_.namespaces[i].path);
        if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
                return error_set_errno(err, errno, "set the hostname to `%s`", c->hostname);
        if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
                return error_set_errno(err, errno, "set the domain name to `%s`", c->domainname);

        const OciLinux *l = &c->linux_;
        RootfsSetup rc = {
                .rootfs = x->rootfs,
                .bundle = x->bundle,
                .userns = x->userns,
                .own_netns = l->namespaces[OCI_NS_NET].present,
                .own_pidns = (x->ns_flags & CLONE_NEWPID) != 0,
                .own_ipcns = (x->ns_flags & CLONE_NEWIPC) != 0,
                .own_cgroupns = (x->ns_flags & CLONE_NEWCGROUP) != 0,
                .no_pivot = x->o->no_pivot,
        };
        r = rootfs_setup_prepare(c, &rc, err);
        if (r < 0)
                return r;
        if (c->n_hooks[OCI_HOOK_PRESTART] || c->n_hooks[OCI_HOOK_CREATE_RUNTIME]) {
                r = sync_send(sync_fd, SYNC_USER, STEP_RUNTIME_HOOKS, NULL, err);
                if (r < 0)
                        return r;
                r = sync_expect(sync_fd, SYNC_ACK, NULL, err);
                if (r < 0)
                        return r;
        }
        if (c->n_hooks[OCI_HOOK_CREATE_CONTAINER]) {
                _cleanup_free_ char *js = NULL;
                r = child_state_json(x, x->pid, STATUS_CREATING, &js, err);
                if (r < 0)
                        return r;
                r = hooks_run(c, OCI_HOOK_CREATE_CONTAINER, js, err);
                if (r < 0)
                        return r;
        }
        r = rootfs_setup_pivot(&rc, err);
        if (r < 0)
                return r;
        for (size_t i = 0; l->sysctl && l->sysctl[i] && l->sysctl[i + 1]; i += 2) {
                r = write_sysctl(l->sysctl[i], l->sysctl[i + 1], err);
                if (r < 0)
                        return r;
        }
        r = rootfs_setup_finish(c, &rc, err);
        if (r < 0)
                return r;
        r = process_plan_prepare(c->process, x->seccomp, x->o->preserve_fds, x->listen_fds, plan,
                                 err);
        if (r < 0)
                return r;
        if (c->process->terminal) {
                r = terminal_open_pty(c->process->console_height, c->process->console_width,
                                      ret_master, ret_slave, err);
                if (r < 0)
                        return r;
                if (x->console_fd >= 0)
                        r = terminal_send_master(x->console_fd, *ret_master, err);
                else
                        r = sync_send_fd(sync_fd, SYNC_FD, 0, *ret_master, err);
                if (r < 0)
                        return r;
                *ret_master = safe_close(*ret_master);
                x->console_fd = safe_close(x->console_fd);
        }
        return 0;
}

static int child_main(int sync_fd, void *userdata, WarrenError **err) {
        Ctx *x = userdata;
        _cleanup_(process_plan_done) ProcessPlan plan = {};
        _cleanup_close_ int master = -1, slave = -1;
        int r = child_setup(sync_fd, x, &plan, &master, &slave, err);
        if (r < 0)
                return r;
        r = sync_send(sync_fd, SYNC_READY, 0, NULL, err);
        if (r < 0)
                return r;
        int report_fd = sync_fd;
        _cleanup_close_ int conn = -1;
        if (x->listen_fd >= 0) {
                /* create: wait for `start` to connect */
                do
                        conn = accept4(x->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                while (conn < 0 && errno == EINTR);
                if (conn < 0)
                        _exit(1);
                x->listen_fd = safe_close(x->listen_fd);
                report_fd = -1;
        } else {
                r = sync_expect(sync_fd, SYNC_GO, NULL, err);
                if (r < 0)
                        return r;
        }
        if (x->c->n_hooks[OCI_HOOK_START_CONTAINER]) {
                _cleanup_free_ char *js = NULL;
                r = child_state_json(x, x->pid, STATUS_CREATED, &js, err);
                if (r >= 0)
                        r = hooks_run(x->c, OCI_HOOK_START_CONTAINER, js, err);
        }
        if (r >= 0 && slave >= 0)
                r = terminal_make_controlling(slave, err);
        if (r >= 0) {
                slave = safe_close(slave);
                r = process_plan_exec(&plan, err);
        }
        /* failed */
        if (report_fd >= 0)
                return r;
        if (conn >= 0 && err && *err)
                (void)write_all(conn, (*err)->msg, strlen((*err)->msg));
        _exit(1);
}

/* ---- the parent ---- */

static int open_listen_socket(const char *state_dir, int *ret, WarrenError **err) {
        _cleanup_close_ int dfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "open `%s`", state_dir);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, STATE_START_SOCKET);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
                return error_set_errno(err, errno, "bind the start socket in `%s`", state_dir);
        *ret = TAKE_FD(fd);
        return 0;
}

int container_connect_start(const char *state_dir, int *ret, WarrenError **err) {
        _cleanup_close_ int dfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "open `%s`", state_dir);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, STATE_START_SOCKET);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_set_errno(err, errno, "connect to the container");
        *ret = TAKE_FD(fd);
        return 0;
}

static int resolve_paths(const ContainerOptions *o, Ctx *x, WarrenError **err) {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
                return error_set_errno(err, errno, "getcwd");
        if (!o->bundle)
                x->bundle = xstrdup(cwd);
        else if (o->bundle[0] == '/')
                x->bundle = xstrdup(o->bundle);
        else
                x->bundle = path_join(cwd, o->bundle);
        char real[PATH_MAX];
        if (!realpath(x->bundle, real))
                return error_set_errno(err, errno, "bundle `%s`", x->bundle);
        free(x->bundle);
        x->bundle = xstrdup(real);
        if (o->config)
                x->config_path =
                        o->config[0] == '/' ? xstrdup(o->config) : path_join(cwd, o->config);
        else
                x->config_path = path_join(x->bundle, "config.json");
        int r = oci_config_load(x->config_path, &x->c, err);
        if (r < 0)
                return r;
        if (!x->c->process)
                return error_set(err, EINVAL, "`process` is required");
        _cleanup_free_ char *rootfs = x->c->root_path[0] == '/'
                                              ? xstrdup(x->c->root_path)
                                              : path_join(x->bundle, x->c->root_path);
        if (!realpath(rootfs, real))
                return error_set_errno(err, errno, "rootfs `%s`", rootfs);
        if (!is_dir(real))
                return error_set(err, ENOTDIR, "rootfs `%s` is not a directory", real);
        x->rootfs = xstrdup(real);
        return 0;
}

static int plan_namespaces(Ctx *x, IdMapPlan *plan, bool *ret_have_plan, WarrenError **err) {
        OciLinux *l = &x->c->linux_;
        bool rootless = geteuid() != 0;
        if (!l->namespaces[OCI_NS_MOUNT].present)
                return error_set(err, EINVAL, "`linux.namespaces` must include a mount namespace");
        if (l->namespaces[OCI_NS_MOUNT].path)
                return error_set(err, ENOTSUP,
                                 "joining a mount namespace by path is not supported");
        if (rootless && !l->namespaces[OCI_NS_USER].present) {
                log_debug("not root and no user namespace in the config: creating one that maps "
                          "uid %u to 0",
                          (unsigned)geteuid());
                l->namespaces[OCI_NS_USER].present = true;
        }
        if ((x->c->hostname || x->c->domainname) &&
            (!l->namespaces[OCI_NS_UTS].present || l->namespaces[OCI_NS_UTS].path))
                return error_set(err, EINVAL, "setting the hostname needs a private UTS namespace");
        for (size_t i = 0; i < _OCI_NS_MAX; i++) {
                x->ns_fds[i] = -1;
                if (!l->namespaces[i].present)
                        continue;
                if (!l->namespaces[i].path) {
                        x->ns_flags |= (unsigned long)ns_clone_flag[i];
                        continue;
                }
                int fd = open(l->namespaces[i].path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return error_set_errno(err, errno, "open the %s namespace `%s`",
                                               oci_namespace_type_name(i), l->namespaces[i].path);
                if (i == OCI_NS_USER || i == OCI_NS_PID) {
                        /* joined by this process, so that the clone lands inside */
                        int rr = setns(fd, ns_clone_flag[i]);
                        int e = errno;
                        close(fd);
                        if (rr < 0)
                                return error_set_errno(err, e, "join the %s namespace `%s`",
                                                       oci_namespace_type_name(i),
                                                       l->namespaces[i].path);
                        if (i == OCI_NS_USER)
                                x->userns = true;
                        continue;
                }
                x->ns_fds[i] = fd;
        }
        *ret_have_plan = false;
        if (!(x->ns_flags & CLONE_NEWUSER))
                return 0;
        x->userns = true;
        _cleanup_idmap_ IdMap um = {}, gm = {};
        for (size_t i = 0; i < l->n_uid_mappings; i++)
                idmap_append(&um, l->uid_mappings[i].container_id, l->uid_mappings[i].host_id,
                             l->uid_mappings[i].size);
        for (size_t i = 0; i < l->n_gid_mappings; i++)
                idmap_append(&gm, l->gid_mappings[i].container_id, l->gid_mappings[i].host_id,
                             l->gid_mappings[i].size);
        if (um.n == 0) {
                if (!rootless)
                        return error_set(err, EINVAL, "a user namespace needs `linux.uidMappings`");
                idmap_append(&um, 0, (uint32_t)geteuid(), 1);
        }
        if (gm.n == 0) {
                if (!rootless)
                        return error_set(err, EINVAL, "a user namespace needs `linux.gidMappings`");
                idmap_append(&gm, 0, (uint32_t)getegid(), 1);
        }
        int r = idmap_validate(&um, "linux.uidMappings", err);
        if (r >= 0)
                r = idmap_validate(&gm, "linux.gidMappings", err);
        if (r < 0)
                return r;
        idmap_plan_from_maps(&um, &gm, plan);
        *ret_have_plan = true;
        if (plan->use_helpers)
                log_debug("writing the id maps with newuidmap/newgidmap (%zu uid ranges)", um.n);
        else
                log_debug("single-id mapping written directly, setgroups denied");
        return 0;
}

static int write_pid_file(const char *path, pid_t pid, WarrenError **err) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
        int r = container_state_write_file(path, buf, (size_t)n, 0644, err);
        if (r < 0)
                return error_prefix(err, r, "pid file");
        return 0;
}

static int parent_state_json(Ctx *x, ContainerStatus st, char **ret, WarrenError **err) {
        return container_state_oci_json(x->state, st, false, false, ret, err);
}

static int count_listen_fds(void) {
        const char *s = getenv("LISTEN_FDS");
        if (!s)
                return 0;
        int n = atoi(s);
        return n > 0 && n < 1024 ? n : 0;
}

/* Everything up to the child waiting (created). On failure everything is undone. */
static int do_create(const ContainerOptions *o, Ctx *x, bool wait_on_socket, int *ret_master,
                     CloneChild *ret_child, WarrenError **err) {
        int r = container_state_check_id(o->id, err);
        if (r < 0)
                return r;
        r = resolve_paths(o, x, err);
        if (r < 0)
                return r;
        r = mkdir_p(o->root, 0700, err);
        if (r < 0)
                return error_prefix(err, r, "state root");
        x->state_dir = path_join(o->root, o->id);
        if (mkdir(x->state_dir, 0700) < 0) {
                if (errno == EEXIST)
                        return error_set(err, EEXIST, "container `%s` already exists", o->id);
                return error_set_errno(err, errno, "create `%s`", x->state_dir);
        }
        _cleanup_idmap_plan_ IdMapPlan plan = {};
        bool have_plan = false;
        _cleanup_clone_child_ CloneChild child = {.pid = 0, .sync_fd = -1, .pidfd = -1};
        _cleanup_free_ char *cache = path_join(o->root, SECCOMP_CACHE_DIR_NAME);
        _cleanup_strv_ char **cgroups = NULL;
        _cleanup_close_ int master = -1;

        x->console_fd = -1;
        x->listen_fd = -1;
        x->listen_fds = count_listen_fds();
        if (x->c->process->terminal && !o->console_socket && wait_on_socket) {
                r = error_set(err, EINVAL,
                              "`process.terminal` is set: --console-socket is required");
                goto fail;
        }
        if (!x->c->process->terminal && o->console_socket) {
                r = error_set(err, EINVAL, "--console-socket needs `process.terminal` set to true");
                goto fail;
        }
        /* Before any namespace is joined: the cache's files are checked against our uid. */
        r = seccomp_program_build(x->c->linux_.seccomp, cache, &x->seccomp, err);
        if (r < 0) {
                r = error_prefix(err, r, "seccomp");
                goto fail;
        }
        r = plan_namespaces(x, &plan, &have_plan, err);
        if (r < 0)
                goto fail;
        if (o->console_socket) {
                r = terminal_connect_socket(o->console_socket, &x->console_fd, err);
                if (r < 0)
                        goto fail;
        }
        if (wait_on_socket) {
                r = open_listen_socket(x->state_dir, &x->listen_fd, err);
                if (r < 0)
                        goto fail;
        }
        CloneOptions co = {
                .ns_flags = x->ns_flags,
                .idmaps = have_plan ? &plan : NULL,
                .become_root = have_plan,
        };
        r = clone_spawn(&co, child_main, x, &child, err);
        if (r < 0)
                goto fail;
        x->pid = child.pid;
        x->listen_fd = safe_close(x->listen_fd);
        x->console_fd = safe_close(x->console_fd);

        r = cgroup_setup(o->id, x->c->linux_.cgroups_path, o->systemd_cgroup, child.pid,
                         x->c->linux_.has_resources ? &x->c->linux_.resources : NULL, &cgroups,
                         err);
        if (r < 0)
                goto fail;

        ContainerState *s = x->state = xnew(ContainerState, 1);
        s->id = xstrdup(o->id);
        s->pid = child.pid;
        s->recorded = STATUS_CREATED;
        s->bundle = xstrdup(x->bundle);
        s->config_path = xstrdup(x->config_path);
        s->rootfs = xstrdup(x->rootfs);
        s->created = container_state_now_rfc3339();
        s->owner = container_user_name();
        s->annotations = strv_copy(x->c->annotations);
        s->cgroups = strv_copy(cgroups);
        s->own_pidns = (x->ns_flags & CLONE_NEWPID) || x->c->linux_.namespaces[OCI_NS_PID].path;
        s->systemd_cgroup = o->systemd_cgroup;

        r = sync_send(child.sync_fd, SYNC_PID, child.pid, NULL, err);
        if (r < 0)
                goto fail;
        for (;;) {
                SyncMsg m;
                r = sync_recv(child.sync_fd, &m, err);
                if (r == 0)
                        r = error_set(err, EPIPE, "the container process exited during setup");
                if (r < 0)
                        goto fail;
                if (m.type == SYNC_ERR) {
                        r = sync_error_from_msg(&m, err);
                        goto fail;
                }
                if (m.type == SYNC_READY)
                        break;
                if (m.type == SYNC_FD) {
                        safe_close(master);
                        master = m.fd;
                        continue;
                }
                if (m.type == SYNC_USER && m.value == STEP_RUNTIME_HOOKS) {
                        _cleanup_free_ char *js = NULL;
                        r = parent_state_json(x, STATUS_CREATING, &js, err);
                        if (r >= 0)
                                r = hooks_run(x->c, OCI_HOOK_PRESTART, js, err);
                        if (r >= 0)
                                r = hooks_run(x->c, OCI_HOOK_CREATE_RUNTIME, js, err);
                        if (r < 0)
                                goto fail;
                        r = sync_send(child.sync_fd, SYNC_ACK, 0, NULL, err);
                        if (r < 0)
                                goto fail;
                        continue;
                }
                safe_close(m.fd);
                r = error_set(err, EPROTO, "unexpected message `%s` from the container",
                              sync_type_name(m.type) ?: "?");
                goto fail;
        }
        s->pid_start = container_state_pid_start_time(child.pid);
        r = container_state_save(o->root, s, err);
        if (r < 0)
                goto fail;
        if (o->pid_file) {
                r = write_pid_file(o->pid_file, child.pid, err);
                if (r < 0)
                        goto fail;
        }
        *ret_master = TAKE_FD(master);
        *ret_child = child;
        child = (CloneChild){.sync_fd = -1, .pidfd = -1};
        return 0;
fail:
        if (child.pid > 0)
                clone_kill_and_reap(child.pid);
        cgroup_destroy(cgroups);
        (void)rm_rf(x->state_dir, NULL);
        return r;
}

int container_create(const ContainerOptions *o, WarrenError **err) {
        _cleanup_(ctx_done) Ctx x = {.o = o, .console_fd = -1, .listen_fd = -1};
        for (size_t i = 0; i < _OCI_NS_MAX; i++)
                x.ns_fds[i] = -1;
        _cleanup_clone_child_ CloneChild child = {.sync_fd = -1, .pidfd = -1};
        int master = -1;
        int r = do_create(o, &x, true, &master, &child, err);
        safe_close(master);
        return r;
}

static int wait_exit(pid_t pid, int sigfd, int *ret_status) {
        for (;;) {
                int status;
                pid_t w = waitpid(pid, &status, sigfd >= 0 ? WNOHANG : 0);
                if (w == pid) {
                        *ret_status = WIFEXITED(status)     ? WEXITSTATUS(status)
                                      : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                            : 1;
                        return 0;
                }
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (w == 0) {
                        struct signalfd_siginfo si;
                        ssize_t n = read(sigfd, &si, sizeof(si));
                        if (n == sizeof(si) && si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
                                kill(pid, (int)si.ssi_signo);
                }
        }
}

static void remove_container(const char *root, const ContainerState *s, const OciConfig *c) {
        if (c && c->n_hooks[OCI_HOOK_POSTSTOP]) {
                _cleanup_free_ char *js = NULL;
                _cleanup_error_ WarrenError *e = NULL;
                if (container_state_oci_json(s, STATUS_STOPPED, false, false, &js, &e) >= 0 &&
                    hooks_run(c, OCI_HOOK_POSTSTOP, js, &e) < 0)
                        log_warning("%s", e->msg);
        }
        cgroup_destroy(s->cgroups);
        _cleanup_free_ char *dir = path_join(root, s->id);
        (void)rm_rf(dir, NULL);
}

static void run_poststart(const OciConfig *c, const ContainerState *s) {
        if (!c->n_hooks[OCI_HOOK_POSTSTART])
                return;
        _cleanup_free_ char *js = NULL;
        _cleanup_error_ WarrenError *e = NULL;
        if (container_state_oci_json(s, STATUS_RUNNING, false, false, &js, &e) < 0 ||
            hooks_run(c, OCI_HOOK_POSTSTART, js, &e) < 0)
                log_warning("%s", e ? e->msg : "poststart hook failed");
}

int container_run(const ContainerOptions *o, int *ret_status, WarrenError **err) {
        _cleanup_(ctx_done) Ctx x = {.o = o, .console_fd = -1, .listen_fd = -1};
        for (size_t i = 0; i < _OCI_NS_MAX; i++)
                x.ns_fds[i] = -1;
        _cleanup_clone_child_ CloneChild child = {.sync_fd = -1, .pidfd = -1};
        _cleanup_close_ int master = -1, sigfd = -1;
        sigset_t mask, old;
        sigemptyset(&mask);
        if (!o->detach) {
                int sigs[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                              SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
                for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                        sigaddset(&mask, sigs[i]);
                sigprocmask(SIG_BLOCK, &mask, &old);
                sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
        }
        int r = do_create(o, &x, false, &master, &child, err);
        if (r < 0)
                return r;
        r = sync_send(child.sync_fd, SYNC_GO, 0, NULL, err);
        if (r >= 0)
                r = sync_expect_eof(child.sync_fd, err);
        if (r < 0) {
                clone_kill_and_reap(child.pid);
                remove_container(o->root, x.state, NULL);
                return r;
        }
        x.state->recorded = STATUS_RUNNING;
        _cleanup_error_ WarrenError *e = NULL;
        if (container_state_save(o->root, x.state, &e) < 0)
                log_warning("%s", e->msg);
        run_poststart(x.c, x.state);
        if (o->detach) {
                *ret_status = 0;
                return 0;
        }
        if (master >= 0)
                (void)terminal_proxy(master, sigfd, child.pid, NULL);
        int status = 1;
        r = wait_exit(child.pid, sigfd, &status);
        remove_container(o->root, x.state, x.c);
        if (r < 0)
                return error_set_errno(err, -r, "wait for the container");
        *ret_status = status;
        return 0;
}

/* ---- commands on an existing container ---- */

int container_start(const char *root, const char *id, WarrenError **err) {
        _cleanup_container_state_ ContainerState *s = NULL;
        _cleanup_close_ int lock = -1;
        int r = container_state_lock(root, id, &lock, err);
        if (r < 0)
                return r;
        r = container_state_load(root, id, &s, err);
        if (r < 0)
                return r;
        ContainerStatus st = container_state_status(s);
        if (st != STATUS_CREATED)
                return error_set(err, EINVAL, "cannot start a container that is %s",
                                 container_status_name(st));
        _cleanup_free_ char *dir = path_join(root, id);
        _cleanup_close_ int conn = -1;
        r = container_connect_start(dir, &conn, err);
        if (r < 0)
                return r;
        char buf[2048];
        size_t n = 0;
        for (;;) {
                ssize_t k = read(conn, buf + n, sizeof(buf) - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t)k;
                if (n >= sizeof(buf) - 1)
                        break;
        }
        buf[n] = 0;
        _cleanup_free_ char *sock = path_join(dir, STATE_START_SOCKET);
        (void)unlink(sock);
        if (n > 0)
                return error_set(err, EIO, "start container `%s`: %s", id, buf);
        s->recorded = STATUS_RUNNING;
        r = container_state_save(root, s, err);
        if (r < 0)
                return r;
        _cleanup_oci_config_ OciConfig *c = NULL;
        _cleanup_error_ WarrenError *e = NULL;
        if (s->config_path && oci_config_load(s->config_path, &c, &e) >= 0)
                run_poststart(c, s);
        return 0;
}

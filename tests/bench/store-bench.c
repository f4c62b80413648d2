/* SPDX-License-Identifier: Apache-2.0 */
/* Store benchmark: create N container records, then List all, Get by name (and by id prefix),
 * Update one. Prints per-operation times. Usage: store-bench [DIR] [N] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/container-store.h"

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, WarrenError *err) {
        fprintf(stderr, "store-bench: %s: %s\n", what, err ? err->msg : "failed");
        exit(1);
}

/* A 64-hex id that differs from the first digit on. */
static char *make_id(int i) {
        char *id = xmalloc(65);
        uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15ull + 12345;
        for (int k = 0; k < 64; k++) {
                x ^= x >> 29;
                x *= 0xBF58476D1CE4E5B9ull;
                id[k] = "0123456789abcdef"[(x >> 60) & 15];
        }
        id[64] = 0;
        return id;
}

static void fill(Container *c, int i) {
        c->id = make_id(i);
        c->name = xasprintf("bench-%d", i);
        c->sandbox_id = xasprintf("%064x", i / 4 + 1);
        c->image.ref = xstrdup("docker.io/library/alpine:3.19");
        c->image.id =
                xstrdup("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        c->runtime.name = xstrdup("warren-runtime");
        strv_push(&c->config.command, "/bin/sh");
        strv_push(&c->config.args, "-c");
        strv_push(&c->config.args, "sleep 1000");
        strv_push(&c->config.env,
                  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        strv_push(&c->config.env, "HOME=/root");
        c->config.working_dir = xstrdup("/");
        c->config.log_path = xasprintf("/var/log/warren/%d.log", i);
        c->config.n_mounts = 1;
        c->config.mounts = xnew(ContainerMount, 1);
        c->config.mounts[0].container_path = xstrdup("/data");
        c->config.mounts[0].host_path = xasprintf("/home/user/data/%d", i);
        c->config.stop_signal = xstrdup("TERM");
        c->config.stop_timeout = 10;
        strv_push(&c->config.security.cap_drop, "NET_RAW");
        strmap_set(&c->labels, "app", i % 2 ? "web" : "db");
        strmap_set(&c->labels, "io.warren.bench", "1");
        strmap_set(&c->annotations, "io.kubernetes.pod.name", "bench");
}

static int set_pid(Container *c, void *userdata, WarrenError **err) {
        c->status.pid = 4242;
        c->status.started_at = record_now();
        return 0;
}

int main(int argc, char **argv) {
        char tmpl[] = "/tmp/warren-bench-XXXXXX";
        const char *dir = argc > 1 ? argv[1] : mkdtemp(tmpl);
        int n = argc > 2 ? atoi(argv[2]) : 1000;
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_container_store_ ContainerStore *s = NULL;
        if (!dir || container_store_open(dir, &s, &err) < 0)
                die("open", err);

        double t0 = now_ms();
        for (int i = 0; i < n; i++) {
                Container c = {};
                fill(&c, i);
                if (container_store_create(s, &c, &err) < 0)
                        die("create", err);
                container_clear(&c);
        }
        double t1 = now_ms();
        printf("create %d records: %.1f ms (%.3f ms each)\n", n, t1 - t0, (t1 - t0) / n);

        double best = 1e9;
        size_t got = 0;
        for (int k = 0; k < 5; k++) {
                StoreList l = {};
                double a = now_ms();
                if (container_store_list(s, NULL, &l, &err) < 0)
                        die("list", err);
                double b = now_ms();
                best = b - a < best ? b - a : best;
                got = l.n;
                store_list_clear(&l);
        }
        printf("list all (%zu records): %.2f ms (best of 5)\n", got, best);

        {
                _cleanup_filter_ Filter *f = NULL;
                if (filter_parse("labels.app==web,state==created", &f, &err) < 0)
                        die("filter", err);
                StoreList l = {};
                double a = now_ms();
                if (container_store_list(s, f, &l, &err) < 0)
                        die("list", err);
                double b = now_ms();
                printf("list filtered (%zu matches): %.2f ms\n", l.n, b - a);
                store_list_clear(&l);
        }

        const int reps = 200;
        double a = now_ms();
        for (int k = 0; k < reps; k++) {
                char name[32];
                snprintf(name, sizeof(name), "bench-%d", (k * 7919) % n);
                Container c = {};
                if (container_store_get(s, name, &c, &err) < 0)
                        die("get", err);
                container_clear(&c);
        }
        double b = now_ms();
        printf("get by name: %.3f ms (mean of %d)\n", (b - a) / reps, reps);

        a = now_ms();
        for (int k = 0; k < reps; k++) {
                _cleanup_free_ char *id = make_id((k * 7919) % n);
                Container c = {};
                if (container_store_get(s, id, &c, &err) < 0)
                        die("get", err);
                container_clear(&c);
        }
        b = now_ms();
        printf("get by id: %.3f ms (mean of %d)\n", (b - a) / reps, reps);

        a = now_ms();
        for (int k = 0; k < 20; k++) {
                _cleanup_free_ char *id = make_id((k * 7919) % n);
                id[12] = 0;
                Container c = {};
                if (container_store_get(s, id, &c, &err) < 0)
                        die("get", err);
                container_clear(&c);
        }
        b = now_ms();
        printf("get by id prefix: %.3f ms (mean of 20)\n", (b - a) / 20);

        a = now_ms();
        for (int k = 0; k < 20; k++)
                if (container_store_update(s, "bench-1", set_pid, NULL, NULL, &err) < 0)
                        die("update", err);
        b = now_ms();
        printf("update one (with fsync): %.3f ms (mean of 20)\n", (b - a) / 20);

        if (argc <= 1)
                rm_rf(dir, NULL);
        return 0;
}

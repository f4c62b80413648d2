/* SPDX-License-Identifier: Apache-2.0 */
/* The image commands: load, import, save, images, image inspect, tag, rmi, image prune,
 * image history, image mount. Each runs inside the user namespace (WARREN_CMD_USERNS). */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/digest.h"
#include "storage/filter.h"
#include "storage/image-archive.h"
#include "storage/image-load.h"
#include "storage/image-save.h"
#include "storage/image-storage.h"
#include "storage/image-store.h"
#include "storage/layer-store.h"
#include "storage/record.h"
#include "storage/rootfs.h"
#include "cli-util.h"
#include "warren.h"

/* ---- helpers ---- */

static int open_storage(bool exclusive, ImageStorage **ret) {
        _cleanup_error_ WarrenError *err = NULL;
        if (image_storage_open(warren_globals.root, exclusive, ret, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        return 0;
}

static void progress(void *userdata, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static void load_options(ImageLoadOptions *o, bool quiet) {
        *o = (ImageLoadOptions){0};
        if (!quiet && isatty(STDERR_FILENO))
                o->progress = progress;
}

static time_t parse_rfc3339(const char *s) {
        if (!s)
                return 0;
        struct tm tm = {0};
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                return 0;
        return timegm(&tm);
}

/* The creation time in nanoseconds, for before=/since= (the config's, else when stored). */
static int64_t image_created_ns(const Image *img) {
        int64_t t = 0;
        const char *c = json_string(json_get(img->config, "created"));
        if (c && record_parse_time(c, &t) == 0 && t != 0)
                return t;
        return img->created_at;
}

static time_t image_created(const Image *img) {
        time_t t = parse_rfc3339(json_string(json_get(img->config, "created")));
        return t ? t : (time_t)(img->created_at / 1000000000LL);
}

static void format_ago(time_t t, char buf[64]) {
        if (t <= 0) {
                snprintf(buf, 64, "N/A");
                return;
        }
        long long d = (long long)(time(NULL) - t);
        if (d < 1)
                snprintf(buf, 64, "Less than a second ago");
        else if (d < 60)
                snprintf(buf, 64, "%lld second%s ago", d, d == 1 ? "" : "s");
        else if (d < 3600)
                snprintf(buf, 64, "%lld minute%s ago", d / 60, d / 60 == 1 ? "" : "s");
        else if (d < 86400)
                snprintf(buf, 64, "%lld hour%s ago", d / 3600, d / 3600 == 1 ? "" : "s");
        else if (d < 86400 * 14)
                snprintf(buf, 64, "%lld day%s ago", d / 86400, d / 86400 == 1 ? "" : "s");
        else if (d < 86400 * 60)
                snprintf(buf, 64, "%lld weeks ago", d / (86400 * 7));
        else if (d < 86400 * 365 * 2)
                snprintf(buf, 64, "%lld months ago", d / (86400 * 30));
        else
                snprintf(buf, 64, "%lld years ago", d / (86400 * 365));
}

static const char *short_id(const char *id, bool no_trunc, char buf[DIGEST_STRING_MAX]) {
        if (no_trunc)
                return id;
        const char *hex = STARTS_WITH(id, DIGEST_PREFIX) ? id + strlen(DIGEST_PREFIX) : id;
        snprintf(buf, DIGEST_STRING_MAX, "%.12s", hex);
        return buf;
}

static int usage_error(const char *cmd, const char *msg) {
        return warren_failf("%s: %s (see `warren %s --help`)", cmd, msg, cmd);
}

/* A table printed as docker's tabwriter does: each column as wide as its widest cell, three
 * spaces apart. */
typedef struct Table {
        char **cells; /* rows * ncols, row-major */
        size_t ncols, nrows;
} Table;

static void table_row(Table *t, ...) {
        va_list ap;
        va_start(ap, t);
        t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof(char *));
        for (size_t c = 0; c < t->ncols; c++)
                t->cells[t->nrows * t->ncols + c] = xstrdup(va_arg(ap, const char *));
        t->nrows++;
        va_end(ap);
}

static void table_print_and_free(Table *t) {
        size_t *w = xnew(size_t, t->ncols);
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
                w[i % t->ncols] = MAX(w[i % t->ncols], strlen(t->cells[i]));
        for (size_t r = 0; r < t->nrows; r++)
                for (size_t c = 0; c < t->ncols; c++) {
                        const char *cell = t->cells[r * t->ncols + c];
                        if (c + 1 == t->ncols)
                                printf("%s\n", cell);
                        else
                                printf("%-*s   ", (int)w[c], cell);
                }
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
                free(t->cells[i]);
        free(t->cells);
        free(w);
}

/* ---- load ---- */

static int cmd_load(int argc, char **argv) {
        static const struct option opts[] = {
                {"input", required_argument, NULL, 'i'},
                {"quiet", no_argument, NULL, 'q'},
                {},
        };
        const char *input = NULL;
        bool quiet = false;
        int c;
        while ((c = getopt_long(argc, argv, "i:q", opts, NULL)) >= 0) {
                if (c == 'i')
                        input = optarg;
                else if (c == 'q')
                        quiet = true;
                else
                        return usage_error("load", "unknown option");
        }
        if (optind < argc)
                return usage_error("load", "unexpected argument");
        _cleanup_close_ int fd = -1;
        if (input && STRNEQ(input, "-")) {
                fd = open(input, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return warren_failf("open `%s`: %s", input, strerror(errno));
        } else {
                if (isatty(STDIN_FILENO))
                        return warren_failf("load: no input: give -i FILE or pipe an archive in");
                fd = dup(STDIN_FILENO);
        }
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        ImageLoadOptions o;
        load_options(&o, quiet);
        _cleanup_strv_ char **loaded = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (image_load(s, fd, &o, &loaded, &err) < 0) {
                (void)error_prefix(&err, -1, "load `%s`", input ? input : "-");
                return warren_fail(TAKE_PTR(err));
        }
        STRV_FOREACH (l, loaded)
                printf("Loaded image%s: %s\n", digest_is_valid(*l) ? " ID" : "", *l);
        return 0;
}

/* ---- import ---- */

static int cmd_import(int argc, char **argv) {
        static const struct option opts[] = {
                {"change", required_argument, NULL, 'c'},
                {"message", required_argument, NULL, 'm'},
                {"quiet", no_argument, NULL, 'q'},
                {},
        };
        _cleanup_strv_ char **changes = NULL;
        const char *message = NULL;
        bool quiet = false;
        int c;
        while ((c = getopt_long(argc, argv, "c:m:q", opts, NULL)) >= 0) {
                if (c == 'c')
                        strv_push(&changes, optarg);
                else if (c == 'm')
                        message = optarg;
                else if (c == 'q')
                        quiet = true;
                else
                        return usage_error("import", "unknown option");
        }
        if (optind >= argc || argc - optind > 2)
                return usage_error("import", "expected TARBALL [NAME[:TAG]]");
        const char *file = argv[optind];
        const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
        _cleanup_close_ int fd = -1;
        if (STREQ(file, "-")) {
                fd = dup(STDIN_FILENO);
        } else {
                fd = open(file, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return warren_failf("open `%s`: %s", file, strerror(errno));
        }
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        ImageLoadOptions o;
        load_options(&o, quiet);
        _cleanup_free_ char *id = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (image_import(s, fd, name, changes, message, &o, &id, &err) < 0) {
                (void)error_prefix(&err, -1, "import `%s`", file);
                return warren_fail(TAKE_PTR(err));
        }
        printf("%s\n", id);
        return 0;
}

/* ---- save ---- */

static int cmd_save(int argc, char **argv) {
        static const struct option opts[] = {
                {"output", required_argument, NULL, 'o'},
                {"format", required_argument, NULL, 'F'},
                {},
        };
        const char *output = NULL, *format = "docker-archive";
        int c;
        while ((c = getopt_long(argc, argv, "o:", opts, NULL)) >= 0) {
                if (c == 'o')
                        output = optarg;
                else if (c == 'F')
                        format = optarg;
                else
                        return usage_error("save", "unknown option");
        }
        if (optind >= argc)
                return usage_error("save", "expected IMAGE...");
        _cleanup_error_ WarrenError *err = NULL;
        ImageArchiveFormat fmt;
        if (image_archive_format_from_string(format, &fmt, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        if (!output || STREQ(output, "-")) {
                if (isatty(STDOUT_FILENO))
                        return warren_failf("save: refusing to write an archive to a terminal: "
                                            "give -o FILE or redirect");
                if (image_save(s, argv + optind, fmt, STDOUT_FILENO, &err) < 0)
                        return warren_fail(TAKE_PTR(err));
                return 0;
        }
        _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", output, (int)getpid());
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return warren_failf("create `%s`: %s", tmp, strerror(errno));
        r = image_save(s, argv + optind, fmt, fd, &err);
        if (r >= 0 && fsync(fd) < 0)
                r = error_set_errno(&err, errno, "sync `%s`", output);
        if (r >= 0 && rename(tmp, output) < 0)
                r = error_set_errno(&err, errno, "rename to `%s`", output);
        if (r < 0) {
                (void)unlink(tmp);
                (void)error_prefix(&err, r, "save");
                return warren_fail(TAKE_PTR(err));
        }
        return 0;
}

/* ---- images ---- */

static void gen_image_json(JsonGen *g, ImageStorage *s, const Image *img, bool full) {
        json_gen_begin_object(g);
        json_gen_kv_string(g, "Id", img->id);
        json_gen_key(g, "RepoTags");
        json_gen_begin_array(g);
        STRV_FOREACH (t, img->repo_tags)
                json_gen_string(g, *t);
        json_gen_end_array(g);
        json_gen_key(g, "RepoDigests");
        json_gen_begin_array(g);
        STRV_FOREACH (t, img->repo_digests)
                json_gen_string(g, *t);
        json_gen_end_array(g);
        const char *created = json_string(json_get(img->config, "created"));
        json_gen_kv_string(g, "Created", created);
        json_gen_key(g, "Size");
        json_gen_uint(g, image_storage_image_size(s, img));
        json_gen_kv_string(g, "ChainId", img->chain_id);
        const JsonValue *labels =
                json_get_path(img->config, "config", "Labels", (const char *)NULL);
        json_gen_key(g, "Labels");
        if (labels)
                json_gen_value(g, labels);
        else
                json_gen_null(g);
        if (full) {
                json_gen_kv_string(g, "Architecture",
                                   json_string(json_get(img->config, "architecture")));
                json_gen_kv_string(g, "Os", json_string(json_get(img->config, "os")));
                json_gen_kv_string(g, "Author", json_string(json_get(img->config, "author")));
                json_gen_key(g, "Config");
                const JsonValue *cfg = json_get(img->config, "config");
                if (cfg)
                        json_gen_value(g, cfg);
                else
                        json_gen_null(g);
                json_gen_key(g, "RootFS");
                json_gen_begin_object(g);
                json_gen_kv_string(g, "Type", "layers");
                json_gen_key(g, "Layers");
                json_gen_begin_array(g);
                for (size_t i = 0; i < img->n_layers; i++)
                        json_gen_string(g, img->layers[i].diff_id);
                json_gen_end_array(g);
                json_gen_end_object(g);
                json_gen_key(g, "LayerBlobs");
                json_gen_begin_array(g);
                for (size_t i = 0; i < img->n_layers; i++) {
                        json_gen_begin_object(g);
                        json_gen_kv_string(g, "Digest", img->layers[i].digest);
                        json_gen_kv_string(g, "MediaType", img->layers[i].media_type);
                        json_gen_kv_int(g, "Size", img->layers[i].size);
                        json_gen_end_object(g);
                }
                json_gen_end_array(g);
                const JsonValue *hist = json_get(img->config, "history");
                json_gen_key(g, "History");
                if (hist)
                        json_gen_value(g, hist);
                else
                        json_gen_null(g);
        }
        json_gen_end_object(g);
}

static int print_json(JsonGen *g) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        _cleanup_error_ WarrenError *err = NULL;
        if (json_gen_finish(g, &text, &len, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        fwrite(text, 1, len, stdout);
        fputc('\n', stdout);
        return 0;
}

typedef struct Row {
        const Image *img;
        const char *repo_tag;
        time_t created;
} Row;

static int row_cmp(const void *a, const void *b) {
        const Row *x = a, *y = b;
        if (x->created != y->created)
                return x->created < y->created ? 1 : -1;
        int c = strcmp(x->img->id, y->img->id);
        if (c)
                return c;
        return strcmp(x->repo_tag ? x->repo_tag : "", y->repo_tag ? y->repo_tag : "");
}

static int cmd_images(int argc, char **argv) {
        static const struct option opts[] = {
                {"quiet", no_argument, NULL, 'q'},
                {"all", no_argument, NULL, 'a'},
                {"digests", no_argument, NULL, 'D'},
                {"no-trunc", no_argument, NULL, 'T'},
                {"format", required_argument, NULL, 'F'},
                {"filter", required_argument, NULL, 'f'},
                {},
        };
        bool quiet = false, digests = false, no_trunc = false;
        const char *format = NULL;
        _cleanup_strv_ char **filters = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "qaf:", opts, NULL)) >= 0) {
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case 'a':
                        break; /* no intermediate images are kept: all are shown */
                case 'D':
                        digests = true;
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'f':
                        strv_push(&filters, optarg);
                        break;
                default:
                        return usage_error("images", "unknown option");
                }
        }
        if (optind < argc) {
                if (argc - optind > 1)
                        return usage_error("images", "at most one REPOSITORY[:TAG]");
                _cleanup_free_ char *f = strchr(argv[optind], ':')
                                                 ? xasprintf("reference=%s", argv[optind])
                                                 : xasprintf("reference~=^%s:", argv[optind]);
                strv_push(&filters, f);
        }
        if (format && STRNEQ(format, "json") && STRNEQ(format, "table"))
                return warren_failf("images: unsupported format `%s` (json or table)", format);
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        /* docker's before=/since=: created before/after the image named (all must hold). */
        int64_t before = INT64_MAX, since = INT64_MIN;
        _cleanup_strv_ char **store_filters = NULL;
        STRV_FOREACH (f, filters) {
                bool is_before = STARTS_WITH(*f, "before="), is_since = STARTS_WITH(*f, "since=");
                if (!is_before && !is_since) {
                        strv_push(&store_filters, *f);
                        continue;
                }
                Image ref = {0};
                if (image_store_find(s->images, strchr(*f, '=') + 1, &ref, &err) < 0)
                        return warren_failf("images: --filter `%s`: %s", *f, err->msg);
                int64_t t = image_created_ns(&ref);
                image_clear(&ref);
                if (is_before)
                        before = MIN(before, t);
                else
                        since = MAX(since, t);
        }
        _cleanup_filter_ Filter *filter = NULL;
        if (filter_parse_docker(store_filters, &filter, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        StoreList list = {0};
        if (image_store_list(s->images, filter, &list, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        size_t kept = 0;
        for (size_t i = 0; i < list.n; i++) {
                Image *img = IMAGE_LIST_AT(&list, i);
                int64_t t = image_created_ns(img);
                if (t >= before || t <= since) {
                        image_clear(img);
                        continue;
                }
                if (kept != i)
                        memcpy(IMAGE_LIST_AT(&list, kept), img, sizeof(Image));
                kept++;
        }
        list.n = kept;
        STRV_FOREACH (b, list.broken)
                log_warning("skipping unreadable image record %s", *b);
        if (format && STREQ(format, "json")) {
                _cleanup_json_gen_ JsonGen *g = json_gen_new(true);
                json_gen_begin_array(g);
                for (size_t i = 0; i < list.n; i++)
                        gen_image_json(g, s, IMAGE_LIST_AT(&list, i), false);
                json_gen_end_array(g);
                r = print_json(g);
                store_list_clear(&list);
                return r;
        }
        Row *rows = NULL;
        size_t n = 0;
        for (size_t i = 0; i < list.n; i++) {
                const Image *img = IMAGE_LIST_AT(&list, i);
                size_t nt = strv_length(img->repo_tags);
                for (size_t k = 0; k < MAX(nt, (size_t)1); k++) {
                        rows = xreallocarray(rows, n + 1, sizeof(Row));
                        rows[n++] = (Row){img, nt ? img->repo_tags[k] : NULL, image_created(img)};
                }
        }
        if (n > 0)
                qsort(rows, n, sizeof(Row), row_cmp);
        if (quiet) {
                _cleanup_strv_ char **seen = NULL;
                for (size_t i = 0; i < n; i++) {
                        char buf[DIGEST_STRING_MAX];
                        if (strv_contains(seen, rows[i].img->id))
                                continue;
                        strv_push(&seen, rows[i].img->id);
                        printf("%s\n", short_id(rows[i].img->id, no_trunc, buf));
                }
        } else {
                Table t = {.ncols = digests ? 6 : 5};
                if (digests)
                        table_row(&t, "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
                else
                        table_row(&t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *repo = NULL, *tag = NULL;
                        if (rows[i].repo_tag)
                                image_name_split(rows[i].repo_tag, &repo, &tag);
                        char idbuf[DIGEST_STRING_MAX], sz[32], ago[64];
                        cli_format_size(image_storage_image_size(s, rows[i].img), sz);
                        format_ago(rows[i].created, ago);
                        const char *dg = "<none>";
                        STRV_FOREACH (d, rows[i].img->repo_digests) {
                                const char *at = strchr(*d, '@');
                                if (at && repo && strncmp(*d, repo, (size_t)(at - *d)) == 0 &&
                                    strlen(repo) == (size_t)(at - *d))
                                        dg = at + 1;
                        }
                        const char *id = short_id(rows[i].img->id, no_trunc, idbuf);
                        if (digests)
                                table_row(&t, repo ? repo : "<none>", tag ? tag : "<none>", dg, id,
                                          ago, sz);
                        else
                                table_row(&t, repo ? repo : "<none>", tag ? tag : "<none>", id, ago,
                                          sz);
                }
                table_print_and_free(&t);
        }
        free(rows);
        store_list_clear(&list);
        return 0;
}

/* ---- image inspect ---- */

static int cmd_inspect(int argc, char **argv) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {},
        };
        const char *format = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "f:", opts, NULL)) >= 0) {
                if (c == 'f')
                        format = STREQ(optarg, "json") ? NULL : optarg;
                else
                        return usage_error("image inspect", "unknown option");
        }
        if (optind >= argc)
                return usage_error("image inspect", "expected IMAGE...");
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        _cleanup_json_gen_ JsonGen *g = json_gen_new(true);
        json_gen_begin_array(g);
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                Image img = {0};
                _cleanup_error_ WarrenError *err = NULL;
                if (image_store_find(s->images, argv[i], &img, &err) < 0) {
                        ret = warren_fail(TAKE_PTR(err));
                        continue;
                }
                gen_image_json(g, s, &img, true);
                image_clear(&img);
        }
        json_gen_end_array(g);
        if (!format) {
                r = print_json(g);
                return ret ? ret : r;
        }
        /* A template (`{{.Id}}`, `{{json .Config}}`): rendered per image from the same JSON. */
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        _cleanup_json_ JsonValue *arr = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (json_gen_finish(g, &text, &len, &err) < 0 || json_parse(text, len, 0, &arr, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        return cli_print_inspect(arr, format, ret);
}

/* ---- tag ---- */

static int cmd_tag(int argc, char **argv) {
        if (argc != 3)
                return usage_error("tag", "expected SOURCE TARGET");
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_free_ char *target = NULL;
        if (image_name_normalize(argv[2], &target, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        if (strchr(target, '@'))
                return warren_failf("tag: `%s`: a tag cannot be a digest reference", argv[2]);
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        Image img = {0};
        if (image_store_find(s->images, argv[1], &img, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        r = image_store_tag(s->images, img.id, target, &err);
        image_clear(&img);
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        return 0;
}

/* ---- rmi, image prune ---- */

static int remove_image(ImageStorage *s, const char *ref, bool force, char **in_use,
                        WarrenError **err) {
        Image img = {0};
        int r = image_store_find(s->images, ref, &img, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *norm = NULL;
        (void)image_name_normalize(ref, &norm, NULL);
        const char *tag = strv_contains(img.repo_tags, ref)            ? ref
                          : norm && strv_contains(img.repo_tags, norm) ? norm
                                                                       : NULL;
        /* A name of an image with several names: untag only. */
        if (tag && strv_length(img.repo_tags) > 1) {
                r = image_store_untag(s->images, tag, err);
                if (r >= 0)
                        printf("Untagged: %s\n", tag);
                image_clear(&img);
                return r;
        }
        if (strv_contains(in_use, img.id) && !force) {
                r = error_set(err, EBUSY, "image `%s` is in use by a container (use -f)", ref);
                image_clear(&img);
                return r;
        }
        STRV_FOREACH (t, img.repo_tags)
                printf("Untagged: %s\n", *t);
        r = image_store_delete(s->images, img.id, err);
        if (r >= 0)
                printf("Deleted: %s\n", img.id);
        image_clear(&img);
        return r;
}

static int gc(ImageStorage *s, uint64_t *freed) {
        _cleanup_error_ WarrenError *err = NULL;
        if (image_storage_gc(s, freed, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        return 0;
}

static int cmd_rmi(int argc, char **argv) {
        static const struct option opts[] = {
                {"force", no_argument, NULL, 'f'},
                {},
        };
        bool force = false;
        int c;
        while ((c = getopt_long(argc, argv, "f", opts, NULL)) >= 0) {
                if (c == 'f')
                        force = true;
                else
                        return usage_error("rmi", "unknown option");
        }
        if (optind >= argc)
                return usage_error("rmi", "expected IMAGE...");
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(true, &s);
        if (r)
                return r;
        _cleanup_strv_ char **in_use = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (image_storage_images_in_use(s, &in_use, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_error_ WarrenError *e = NULL;
                if (remove_image(s, argv[i], force, in_use, &e) < 0)
                        ret = warren_fail(TAKE_PTR(e));
        }
        r = gc(s, NULL);
        return ret ? ret : r;
}

static int cmd_prune(int argc, char **argv) {
        static const struct option opts[] = {
                {"all", no_argument, NULL, 'a'},
                {"force", no_argument, NULL, 'f'},
                {},
        };
        bool all = false;
        int c;
        while ((c = getopt_long(argc, argv, "af", opts, NULL)) >= 0) {
                if (c == 'a')
                        all = true;
                else if (c != 'f')
                        return usage_error("image prune", "unknown option");
        }
        return cli_prune_images(all);
}

int cli_prune_images(bool all) {
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(true, &s);
        if (r)
                return r;
        _cleanup_strv_ char **in_use = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (image_storage_images_in_use(s, &in_use, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        StoreList list = {0};
        if (image_store_list(s->images, NULL, &list, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        bool header = false;
        int ret = 0;
        for (size_t i = 0; i < list.n; i++) {
                const Image *img = IMAGE_LIST_AT(&list, i);
                if (strv_contains(in_use, img->id))
                        continue;
                if (!all && img->repo_tags && img->repo_tags[0])
                        continue;
                if (!header) {
                        printf("Deleted Images:\n");
                        header = true;
                }
                STRV_FOREACH (t, img->repo_tags)
                        printf("untagged: %s\n", *t);
                _cleanup_error_ WarrenError *e = NULL;
                if (image_store_delete(s->images, img->id, &e) < 0)
                        ret = warren_fail(TAKE_PTR(e));
                else
                        printf("deleted: %s\n", img->id);
        }
        store_list_clear(&list);
        uint64_t freed = 0;
        r = gc(s, &freed);
        char sz[32];
        cli_format_size(freed, sz);
        printf("Total reclaimed space: %s\n", sz);
        return ret ? ret : r;
}

/* ---- image history ---- */

static int cmd_history(int argc, char **argv) {
        static const struct option opts[] = {
                {"no-trunc", no_argument, NULL, 'T'},
                {"quiet", no_argument, NULL, 'q'},
                {"format", required_argument, NULL, 'F'},
                {},
        };
        bool no_trunc = false, quiet = false, json = false;
        int c;
        while ((c = getopt_long(argc, argv, "q", opts, NULL)) >= 0) {
                if (c == 'T')
                        no_trunc = true;
                else if (c == 'q')
                        quiet = true;
                else if (c == 'F' && STREQ(optarg, "json"))
                        json = true;
                else
                        return usage_error("image history", "unknown option or format");
        }
        if (argc - optind != 1)
                return usage_error("image history", "expected IMAGE");
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        Image img = {0};
        _cleanup_error_ WarrenError *err = NULL;
        if (image_store_find(s->images, argv[optind], &img, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        const JsonValue *hist = json_get(img.config, "history");
        size_t n = json_length(hist);
        /* Non-empty history entries map to the layers in order. */
        uint64_t *sizes = xnew(uint64_t, n + 1);
        size_t layer = 0;
        for (size_t i = 0; i < n; i++) {
                bool empty = false;
                json_get_bool(json_at(hist, i), "empty_layer", NULL, &empty, NULL);
                if (!empty && layer < img.n_layers)
                        (void)layer_store_size(s->layers, img.layers[layer++].diff_id, &sizes[i],
                                               NULL);
        }
        _cleanup_json_gen_ JsonGen *g = json ? json_gen_new(true) : NULL;
        Table t = {.ncols = 5};
        if (g)
                json_gen_begin_array(g);
        else if (!quiet)
                table_row(&t, "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
        for (size_t k = n; k > 0; k--) {
                const JsonValue *h = json_at(hist, k - 1);
                char idbuf[DIGEST_STRING_MAX], ago[64], sz[32];
                const char *id = k == n ? short_id(img.id, no_trunc, idbuf) : "<missing>";
                const char *by = json_string(json_get(h, "created_by")) ?: "";
                const char *comment = json_string(json_get(h, "comment")) ?: "";
                if (g) {
                        json_gen_begin_object(g);
                        json_gen_kv_string(g, "id", k == n ? img.id : "<missing>");
                        json_gen_kv_string(g, "created", json_string(json_get(h, "created")));
                        json_gen_kv_string(g, "createdBy", by);
                        json_gen_key(g, "size");
                        json_gen_uint(g, sizes[k - 1]);
                        json_gen_kv_string(g, "comment", comment);
                        json_gen_end_object(g);
                        continue;
                }
                if (quiet) {
                        printf("%s\n", id);
                        continue;
                }
                format_ago(parse_rfc3339(json_string(json_get(h, "created"))), ago);
                cli_format_size(sizes[k - 1], sz);
                _cleanup_free_ char *by_short =
                        no_trunc || strlen(by) <= 45 ? xstrdup(by) : xasprintf("%.42s...", by);
                table_row(&t, id, ago, by_short, sz, comment);
        }
        if (!g && !quiet)
                table_print_and_free(&t);
        free(sizes);
        image_clear(&img);
        if (g) {
                json_gen_end_array(g);
                return print_json(g);
        }
        return 0;
}

/* ---- image mount: a root filesystem for one command ---- */

static int cmd_mount(int argc, char **argv) {
        static const struct option opts[] = {
                {"driver", required_argument, NULL, 'd'},
                {},
        };
        const char *driver_name = warren_globals.storage_driver;
        int c;
        while ((c = getopt_long(argc, argv, "+d:", opts, NULL)) >= 0) {
                if (c == 'd')
                        driver_name = optarg;
                else
                        return usage_error("image mount", "unknown option");
        }
        if (optind >= argc)
                return usage_error("image mount", "expected IMAGE [--] COMMAND...");
        const char *ref = argv[optind++];
        if (optind < argc && STREQ(argv[optind], "--"))
                optind++;
        if (optind >= argc)
                return usage_error("image mount", "expected a COMMAND to run in the merged view");
        _cleanup_image_storage_ ImageStorage *s = NULL;
        int r = open_storage(false, &s);
        if (r)
                return r;
        _cleanup_error_ WarrenError *err = NULL;
        RootfsDriver driver;
        _cleanup_free_ char *reason = NULL;
        if (rootfs_driver_choose(s, driver_name, &driver, &reason, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        log_debug("storage driver %s: %s", rootfs_driver_to_string(driver), reason);
        unsigned long long rnd = 0;
        (void)getentropy(&rnd, sizeof(rnd));
        _cleanup_free_ char *id = xasprintf("mount-%d-%08llx", (int)getpid(), rnd & 0xffffffffULL);
        Image img = {0};
        if (image_store_find(s->images, ref, &img, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        r = rootfs_create(s, id, img.id, driver, &err);
        image_clear(&img);
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        _cleanup_free_ char *merged = NULL;
        if (rootfs_mount(s, id, &merged, &err) < 0) {
                (void)rootfs_remove(s, id, NULL);
                return warren_fail(TAKE_PTR(err));
        }
        /* Do not hold the store locks while the command runs (it may run warren itself). */
        s = image_storage_free(s);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                if (chdir(merged) < 0)
                        _exit(EXIT_WARREN_ERROR);
                setenv("WARREN_ROOTFS", merged, 1);
                setenv("WARREN_STORAGE_DRIVER_USED", rootfs_driver_to_string(driver), 1);
                execvp(argv[optind], argv + optind);
                fprintf(stderr, "warren: exec `%s`: %s\n", argv[optind], strerror(errno));
                _exit(127);
        }
        int status = 0;
        while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        int ret = pid < 0             ? EXIT_WARREN_ERROR
                  : WIFEXITED(status) ? WEXITSTATUS(status)
                                      : 128 + WTERMSIG(status);
        r = open_storage(false, &s);
        if (r)
                return r;
        if (rootfs_unmount(s, id, &err) < 0)
                ret = warren_fail(TAKE_PTR(err));
        if (rootfs_remove(s, id, &err) < 0)
                ret = warren_fail(TAKE_PTR(err));
        return ret;
}

/* ---- tables ---- */

static const WarrenCommand toplevel[] = {
        {"images", "[OPTIONS] [REPOSITORY[:TAG]]",
         "list images (-q, -a, --digests, --no-trunc, --format json, --filter KEY=VALUE)",
         cmd_images, WARREN_CMD_USERNS},
        {"load", "[-i FILE] [-q]", "load images from a docker-archive or OCI archive", cmd_load,
         WARREN_CMD_USERNS},
        {"import", "[-c CHANGE]... [-m MESSAGE] TARBALL|- [NAME[:TAG]]",
         "make a one-layer image from a root filesystem tarball", cmd_import, WARREN_CMD_USERNS},
        {"save", "-o FILE [--format docker-archive|oci-archive] IMAGE...",
         "write images to an archive", cmd_save, WARREN_CMD_USERNS},
        {"tag", "SOURCE TARGET", "give an image another name", cmd_tag, WARREN_CMD_USERNS},
        {"rmi", "[-f] IMAGE...", "remove images", cmd_rmi, WARREN_CMD_USERNS},
};

const WarrenCommandGroup warren_image_toplevel = {
        .name = NULL,
        .summary = "image commands",
        .commands = toplevel,
        .n_commands = ELEMENTSOF(toplevel),
};

static const WarrenCommand image_cmds[] = {
        {"ls", "[OPTIONS] [REPOSITORY[:TAG]]", "list images", cmd_images, WARREN_CMD_USERNS},
        {"inspect", "IMAGE...", "show images as JSON", cmd_inspect, WARREN_CMD_USERNS},
        {"history", "[--no-trunc] [-q] [--format json] IMAGE", "show an image's history",
         cmd_history, WARREN_CMD_USERNS},
        {"load", "[-i FILE] [-q]", "load images from an archive", cmd_load, WARREN_CMD_USERNS},
        {"import", "[-c CHANGE]... TARBALL|- [NAME[:TAG]]", "import a rootfs tarball", cmd_import,
         WARREN_CMD_USERNS},
        {"save", "-o FILE [--format FORMAT] IMAGE...", "write images to an archive", cmd_save,
         WARREN_CMD_USERNS},
        {"tag", "SOURCE TARGET", "give an image another name", cmd_tag, WARREN_CMD_USERNS},
        {"rm", "[-f] IMAGE...", "remove images", cmd_rmi, WARREN_CMD_USERNS},
        {"prune", "[-a] [-f]", "remove dangling (-a: all unused) images", cmd_prune,
         WARREN_CMD_USERNS},
        {"mount", "[--driver NAME] IMAGE [--] COMMAND...",
         "run COMMAND in a fresh merged view of IMAGE (cwd), then unmount and remove it", cmd_mount,
         WARREN_CMD_USERNS},
};

const WarrenCommandGroup warren_image_group = {
        .name = "image",
        .summary = "manage images",
        .commands = image_cmds,
        .n_commands = ELEMENTSOF(image_cmds),
};

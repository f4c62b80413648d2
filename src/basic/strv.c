/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/strv.h"

#include <string.h>

#include "basic/xalloc.h"

char **strv_free(char **l) {
        if (l) {
                for (char **s = l; *s; s++)
                        free(*s);
                free(l);
        }
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

void strv_consume(char ***l, char *s) {
        size_t n = strv_length(*l);
        *l = xreallocarray(*l, n + 2, sizeof(char *));
        (*l)[n] = s;
        (*l)[n + 1] = NULL;
}

void strv_push(char ***l, const char *s) {
        strv_consume(l, xstrdup(s));
}

char **strv_copy(char *const *l) {
        size_t n = strv_length(l);
        char **c = xnew(char *, n + 1);
        for (size_t i = 0; i < n; i++)
                c[i] = xstrdup(l[i]);
        return c;
}

bool strv_contains(char *const *l, const char *s) {
        STRV_FOREACH (i, l)
                if (STREQ(*i, s))
                        return true;
        return false;
}

char **strv_split(const char *s, const char *sep) {
        char **l = xnew(char *, 1);
        const char *p = s;
        while (*p) {
                size_t skip = strspn(p, sep);
                p += skip;
                if (!*p)
                        break;
                size_t len = strcspn(p, sep);
                strv_consume(&l, xstrndup(p, len));
                p += len;
        }
        return l;
}

char *strv_join(char *const *l, const char *sep) {
        size_t total = 1, seplen = strlen(sep);
        STRV_FOREACH (s, l)
                total += strlen(*s) + seplen;
        char *r = xmalloc(total), *p = r;
        *p = 0;
        STRV_FOREACH (s, l) {
                if (s != l) {
                        memcpy(p, sep, seplen);
                        p += seplen;
                }
                size_t n = strlen(*s);
                memcpy(p, *s, n);
                p += n;
        }
        *p = 0;
        return r;
}

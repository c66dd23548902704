/* proc.c - the one reader of procfs: stat lines parsed in one place for the runner (the process
 * tree), the sampler (thread states, on descriptors it keeps open) and the kernel counters. */
#include "concur/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "concur/util.h"

/* Room for the longest stat line: 52 fields of at most 20 digits and a 64-byte name. */
#define STAT_BUF 2048

/* A position in one line of text, read field by field. */
typedef struct {
    const char *p, *end;
} cursor;

static bool at_field_end(const cursor *c)
{
    return c->p >= c->end || *c->p == ' ' || *c->p == '\n';
}

/* Moves past the one space before the next field. Returns 0, or -1 where the line ends. */
static int next_field(cursor *c)
{
    if (c->p >= c->end || *c->p != ' ')
        return -1;
    c->p++;
    return at_field_end(c) ? -1 : 0;
}

/* Reads the next field as a decimal number, negative where neg_ok. Returns 0 or -1. */
static int field_num(cursor *c, bool neg_ok, long long *sval, unsigned long long *uval)
{
    if (next_field(c) < 0)
        return -1;
    bool neg = false;
    if (neg_ok && *c->p == '-') {
        neg = true;
        c->p++;
    }
    const char *start = c->p;
    unsigned long long v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == start || !at_field_end(c))
        return -1;
    if (uval)
        *uval = v;
    if (sval) {
        if (v > (unsigned long long)LLONG_MAX)
            return -1;
        *sval = neg ? -(long long)v : (long long)v;
    }
    return 0;
}

static int field_ull(cursor *c, unsigned long long *v)
{
    return field_num(c, false, NULL, v);
}

static int field_ll(cursor *c, long long *v)
{
    return field_num(c, true, v, NULL);
}

static int field_pid(cursor *c, pid_t *v)
{
    long long x;
    if (field_ll(c, &x) < 0 || x < INT_MIN || x > INT_MAX)
        return -1;
    *v = (pid_t)x;
    return 0;
}

/* Skips n fields without reading them. Returns 0, or -1 where the line ends first. */
static int skip_fields(cursor *c, int n)
{
    for (int i = 0; i < n; i++) {
        if (next_field(c) < 0)
            return -1;
        while (!at_field_end(c))
            c->p++;
    }
    return 0;
}

/* Fields 4 to 24, after the state. */
static int parse_required(cursor *c, proc_stat *out)
{
    if (field_pid(c, &out->ppid) < 0 || field_pid(c, &out->pgrp) < 0 ||
        field_pid(c, &out->session) < 0 || skip_fields(c, 3) < 0 ||
        field_ull(c, &out->minflt) < 0 || field_ull(c, &out->cminflt) < 0 ||
        field_ull(c, &out->majflt) < 0 || field_ull(c, &out->cmajflt) < 0 ||
        field_ull(c, &out->utime) < 0 || field_ull(c, &out->stime) < 0 ||
        field_ll(c, &out->cutime) < 0 || field_ll(c, &out->cstime) < 0 ||
        skip_fields(c, 2) < 0 || field_ll(c, &out->num_threads) < 0 || skip_fields(c, 1) < 0 ||
        field_ull(c, &out->starttime) < 0 || field_ull(c, &out->vsize) < 0 ||
        field_ll(c, &out->rss) < 0)
        return -1;
    return 0;
}

static int malformed(void)
{
    errno = EPROTO;
    return -1;
}

/* Fields 1 to 3. Returns where the fields after the state begin, or NULL. */
static const char *parse_head(const char *buf, size_t len, proc_stat *out)
{
    if (!buf || !out)
        return NULL;
    /* "pid (comm) state ...": the name may hold anything, ')' included, but the kernel writes
     * nothing after it that could be taken for one. */
    const char *lp = memchr(buf, '(', len);
    const char *rp = memrchr(buf, ')', len);
    if (!lp || !rp || rp < lp || lp - buf < 2 || lp[-1] != ' ')
        return NULL;
    long long pid = 0;
    for (const char *p = buf; p < lp - 1; p++) {
        if (*p < '0' || *p > '9')
            return NULL;
        pid = pid * 10 + (*p - '0');
        if (pid > INT_MAX)
            return NULL;
    }
    const char *end = buf + len;
    /* ") S" then a space or the end of the line. */
    if (end - rp < 3 || rp[1] != ' ' || rp[2] == ' ' || rp[2] == '\n' ||
        (end - rp > 3 && rp[3] != ' ' && rp[3] != '\n'))
        return NULL;
    size_t clen = (size_t)(rp - lp - 1);
    if (clen >= sizeof out->comm)
        clen = sizeof out->comm - 1;
    out->pid = (pid_t)pid;
    memcpy(out->comm, lp + 1, clen);
    out->comm[clen] = '\0';
    out->state = rp[2];
    return rp + 3;
}

int proc_parse_stat_head(const char *buf, size_t len, proc_stat *out)
{
    return parse_head(buf, len, out) ? 0 : malformed();
}

int proc_parse_stat(const char *buf, size_t len, proc_stat *out)
{
    const char *fields = parse_head(buf, len, out);
    if (!fields)
        return malformed();
    cursor c = {fields, buf + len};
    if (parse_required(&c, out) < 0)
        return malformed();
    long long cpu;
    out->processor = skip_fields(&c, 14) == 0 && field_ll(&c, &cpu) == 0 && cpu >= 0 &&
                             cpu <= INT_MAX
                         ? (int)cpu
                         : -1;
    return 0;
}

int proc_open(pid_t pid, pid_t tid, const char *name)
{
    char path[96];
    if (tid > 0)
        snprintf(path, sizeof path, "/proc/%ld/task/%ld/%s", (long)pid, (long)tid, name);
    else
        snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* Reads an open stat file from its start and parses it. Returns 0, or -1 with errno set: EPROTO
 * for a line that does not parse, ESRCH where the read finds nothing (the process is gone). */
static int pread_stat(int fd, proc_stat *out)
{
    char buf[STAT_BUF];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n < 0)
        return -1;
    if (n == 0) {
        errno = ESRCH;
        return -1;
    }
    return proc_parse_stat(buf, (size_t)n, out);
}

int proc_read_stat(pid_t pid, pid_t tid, proc_stat *out)
{
    int fd = proc_open(pid, tid, "stat");
    if (fd < 0)
        return -1;
    int rc = pread_stat(fd, out);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

void proc_parse_status(const char *text, size_t len, proc_status *out)
{
    const struct {
        const char *key;
        long long *field;
    } keys[] = {
        {"VmHWM", &out->vm_hwm_kb},
        {"VmRSS", &out->vm_rss_kb},
        {"Threads", &out->threads},
        {"voluntary_ctxt_switches", &out->voluntary_ctxt_switches},
        {"nonvoluntary_ctxt_switches", &out->nonvoluntary_ctxt_switches},
    };
    for (size_t i = 0; i < ARRAY_LEN(keys); i++)
        *keys[i].field = -1;
    const char *end = text ? text + len : NULL;
    for (const char *line = text; line && line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            eol = end;
        /* "Key:<tabs or spaces>value[ kB]" */
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        for (size_t i = 0; colon && i < ARRAY_LEN(keys); i++) {
            size_t klen = strlen(keys[i].key);
            if ((size_t)(colon - line) != klen || memcmp(line, keys[i].key, klen) != 0)
                continue;
            const char *p = colon + 1;
            while (p < eol && (*p == ' ' || *p == '\t'))
                p++;
            long long v = 0;
            const char *digits = p;
            while (p < eol && *p >= '0' && *p <= '9' && v <= (LLONG_MAX - 9) / 10)
                v = v * 10 + (*p++ - '0');
            if (p > digits)
                *keys[i].field = v;
            break;
        }
        line = eol + 1;
    }
}

int proc_read_status(pid_t pid, proc_status *out)
{
    char path[64];
    size_t len;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    char *text = util_read_file(path, &len);
    if (!text)
        return -1;
    proc_parse_status(text, len, out);
    free(text);
    return 0;
}

DIR *proc_open_tasks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
    return opendir(path);
}

int proc_next_task(DIR *dir, pid_t *id)
{
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        *id = (pid_t)strtol(e->d_name, NULL, 10);
        return 1;
    }
    return 0;
}

int proc_read_children(pid_t pid, pid_t tid, pid_t *out, int max)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)tid);
    char *text = util_read_file(path, NULL);
    if (!text)
        return -1;
    int n = 0;
    char *p = text, *end;
    for (long v = strtol(p, &end, 10); end != p && n < max; v = strtol(p, &end, 10)) {
        p = end;
        out[n++] = (pid_t)v;
    }
    free(text);
    return n;
}

int proc_find_children(pid_t ppid, pid_t *out, int max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int n = 0;
    pid_t pid;
    while (n < max && proc_next_task(d, &pid) > 0) {
        proc_stat st;
        if (proc_read_stat(pid, 0, &st) == 0 && st.ppid == ppid)
            out[n++] = pid;
    }
    closedir(d);
    return n;
}

/* Reads at most len - 1 bytes of /proc/<pid>/<name> into buf, NUL-terminated. Returns the count
 * read (0: the file is empty), or -1 with errno set. */
static ssize_t read_small(pid_t pid, const char *name, char *buf, size_t len)
{
    int fd = proc_open(pid, 0, name);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    int saved = errno;
    close(fd);
    errno = saved;
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

int proc_read_name(pid_t pid, char *out, size_t len)
{
    char buf[256];
    if (len > 0)
        out[0] = '\0';
    /* argv[0] ends at the first NUL. */
    if (read_small(pid, "cmdline", buf, sizeof buf) > 0) {
        const char *slash = strrchr(buf, '/');
        const char *name = slash ? slash + 1 : buf;
        if (name[0]) {
            snprintf(out, len, "%s", name);
            return 0;
        }
    }
    ssize_t n = read_small(pid, "comm", buf, sizeof buf);
    if (n < 0)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    if (!buf[0]) {
        errno = ENOENT;
        return -1;
    }
    snprintf(out, len, "%s", buf);
    return 0;
}

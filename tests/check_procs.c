/* check_procs.c - running the concur binary from a test, and what the "no process outlives its
 * run" tests look for in /proc: the processes that carry the test's mark. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/util.h"

const char *concur_bin(void)
{
    const char *b = getenv("CONCUR_BIN");
    return b ? b : "build/concur";
}

const char *test_mark_new(void)
{
    static char mark[64];
    static unsigned n;
    snprintf(mark, sizeof(mark), "%d-%u", (int)getpid(), ++n);
    ck_assert_int_eq(setenv(TEST_MARK_ENV, mark, 1), 0);
    return mark;
}

outcome run_concur(const char *dir, const char *const *args)
{
    test_mark_new();
    char out_path[PATH_MAX], err_path[PATH_MAX];
    snprintf(out_path, sizeof(out_path), "%s/concur.stdout", dir);
    snprintf(err_path, sizeof(err_path), "%s/concur.stderr", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        const char *argv[32];
        int n = 0;
        argv[n++] = concur_bin();
        for (int i = 0; args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(concur_bin(), (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    outcome r = {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), NULL, NULL};
    r.out = util_read_file(out_path, NULL);
    r.err = util_read_file(err_path, NULL);
    ck_assert(r.out && r.err);
    unlink(out_path);
    unlink(err_path);
    return r;
}

void outcome_free(outcome *r)
{
    free(r->out);
    free(r->err);
}

/* Every process other than this one whose environment holds this process's mark, as the entry
 * TEST_MARK_ENV=<mark> exactly. A process that changes its environment later (putenv) still
 * shows the one it started with, the one its exec was given or its parent's when it only forked.
 * Zombies show none: reaping them is count_own_children's business. Where their number is not
 * `expected`, each one found is printed on stderr. */
int count_marked_processes(int expected)
{
    const char *mark = getenv(TEST_MARK_ENV);
    ck_assert_msg(mark != NULL, "no %s in this process's environment", TEST_MARK_ENV);
    char want[128];
    int wlen = snprintf(want, sizeof(want), "%s=%s", TEST_MARK_ENV, mark);
    DIR *d = opendir("/proc");
    ck_assert_ptr_nonnull(d);
    int n = 0, found_pids[64];
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        char path[300];
        snprintf(path, sizeof(path), "/proc/%s/environ", e->d_name);
        size_t len = 0;
        char *env = util_read_file(path, &len);
        if (env == NULL)
            continue;
        bool found = false;
        for (size_t i = 0; i < len && !found; i += strlen(env + i) + 1)
            found = strncmp(env + i, want, (size_t)wlen + 1) == 0;
        free(env);
        if (!found)
            continue;
        found_pids[n < 64 ? n : 63] = atoi(e->d_name);
        n++;
    }
    closedir(d);
    /* What was found, where that is not what the test expects. */
    for (int i = 0; n != expected && i < n && i < 64; i++) {
        char path[64];
        size_t len = 0;
        snprintf(path, sizeof(path), "/proc/%d/cmdline", found_pids[i]);
        char *cmd = util_read_file(path, &len);
        for (size_t k = 0; cmd && k + 1 < len; k++)
            if (cmd[k] == '\0')
                cmd[k] = ' ';
        fprintf(stderr, "process %d carries %s: %s\n", found_pids[i], want, cmd ? cmd : "?");
        free(cmd);
    }
    return n;
}

/* Children of this process that are not reaped: none may remain after a run. */
int count_own_children(void)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (len <= 0)
            continue;
        buf[len] = '\0';
        char *rp = strrchr(buf, ')');
        char state;
        int ppid;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid())
            n++;
    }
    closedir(d);
    return n;
}

const char *test_native_limit_set(void)
{
    static const char *const vars[] = {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                       "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (getenv(vars[i]))
            return vars[i];
    return NULL;
}

const char *test_fixture(const char *name)
{
    static char path[4][PATH_MAX];
    static int k;
    const char *src = getenv("CONCUR_SRC");
    k = (k + 1) % 4;
    snprintf(path[k], sizeof(path[k]), "%s/tests/fixtures/%s", src ? src : ".", name);
    return path[k];
}

void test_tmp_make(char *dir, size_t len, const char *suite)
{
    snprintf(dir, len, "/tmp/concur-%s-%d", suite, (int)getpid());
    ck_assert_int_eq(util_mkdir_p(dir, 0755), 0);
}

void test_tmp_remove(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

const char *test_path_in(const char *dir, const char *name)
{
    static char path[4][PATH_MAX];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
    return path[k];
}

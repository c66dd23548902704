/* check_procs.c - running the concur binary from a test, and what the "no process outlives its
 * run" tests look for in /proc. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
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

outcome run_concur(const char *dir, const char *const *args)
{
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

/* Every process whose command line mentions `needle`, other than this test process. */
int count_processes_with(const char *needle)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        char path[300], buf[4096];
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (len <= 0)
            continue;
        for (ssize_t i = 0; i < len; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        buf[len] = '\0';
        if (strstr(buf, needle))
            n++;
    }
    closedir(d);
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

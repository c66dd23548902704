/* runner.c - runs one configuration for real: fork, bind with hwloc, attach counters, exec the
 * harness, bind each worker as it announces itself, read its JSON lines, enforce the timeout, and
 * leave no process of the run alive, whatever happened. */
#include "concur/runner.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "concur/concur.h"
#include "concur/proc.h"
#include "concur/sampler.h"
#include "concur/util.h"

extern char **environ;

/* Descriptors the harness gets, as documented in docs/protocol.md. */
#define CONTROL_FD 3
#define GO_FD 4
#define EXEC_ERR_FD 5 /* close-on-exec: carries errno back when exec fails */

/* How long the probe (interpreter start and one import of the workload) may take. */
#define PROBE_TIMEOUT_S 120.0
/* The most of one core the thread-state sampler may use. */
#define SAMPLER_MAX_CPU 0.01
/* The last lines of a harness's stderr quoted when it died: how many, and at most how long. */
#define LOG_TAIL_LINES 3
#define LOG_TAIL_CHARS 360
/* How often the run's process tree is walked for the peak RSS of each process (VmHWM is a
 * high-water mark: a process seen once keeps its peak until it is seen again). */
#define RSS_WALK_S 0.2
/* The most processes one walk follows. */
#define TREE_MAX 512
/* How long the tree gets to disappear after SIGKILL before concur says so. */
#define KILL_WAIT_S 5.0

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

void runner_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll() must wake up */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Orphans of the run (a task's child in a session of its own, whose parent was killed) are
     * re-parented to concur instead of init, so that concur can find and kill them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int runner_interrupted(void)
{
    return stop_signal;
}

/* ---------------------------------------------------------------------------------------------
 * Starting and killing a process tree
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    pid_t pid;      /* the harness; also its process group */
    int pidfd;      /* readable when it exits; -1 where pidfd_open is missing */
    bool reaped;
    int status;     /* wait4 status once reaped */
    struct rusage ru;
    pid_t spare;    /* a child kill_tree leaves alone: the zygote that forks the next run */
    /* What kill_tree found outside the run's process group and killed (run_result.escaped_*). */
    int escaped;
    int nescaped_commands;
    char escaped_commands[RUN_ESCAPED_COMMANDS][RUN_COMMAND_LEN];
    /* Peak RSS (wait4's ru_maxrss) of the other processes kill_tree reaped, the first few. */
    struct {
        pid_t pid;
        long maxrss_kb;
    } reaped_rss[64];
    int nreaped_rss;
} child_proc;

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* Reaps the harness if it has exited. Returns true once it is reaped. */
static bool child_try_reap(child_proc *c, bool block)
{
    if (c->reaped)
        return true;
    for (;;) {
        pid_t r = wait4(c->pid, &c->status, block ? 0 : WNOHANG, &c->ru);
        if (r == c->pid) {
            c->reaped = true;
            return true;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == ECHILD) { /* reaped elsewhere: should not happen */
            c->reaped = true;
            c->status = 0;
            return true;
        }
        return false;
    }
}

/* Counts one escaped process killed, its command name kept once among the first few. */
static void note_escaped(child_proc *c, const char *name)
{
    c->escaped++;
    for (int i = 0; i < c->nescaped_commands; i++)
        if (strcmp(c->escaped_commands[i], name) == 0)
            return;
    if (c->nescaped_commands < RUN_ESCAPED_COMMANDS)
        snprintf(c->escaped_commands[c->nescaped_commands++], RUN_COMMAND_LEN, "%s", name);
}

/* Kills everything the run started: the harness's process group, and any descendant that left it
 * (setsid, start_new_session) and was re-parented to this subreaper when its parent died. Reaps
 * them all (the harness itself into c->status/ru). The processes killed that had left the group
 * are counted in c->escaped, with their command names. Returns how many, or -1 when something was
 * still alive after KILL_WAIT_S. */
static int kill_tree(child_proc *c)
{
    double deadline = util_now() + KILL_WAIT_S;
    kill(-c->pid, SIGKILL);
    for (;;) {
        if (!c->reaped && kill(c->pid, 0) == 0)
            kill(c->pid, SIGKILL);
        child_try_reap(c, false);
        /* This process's children, by a scan of /proc: the orphans it collects as subreaper too. */
        pid_t kids[256];
        int n = proc_find_children(getpid(), kids, (int)ARRAY_LEN(kids));
        int others = 0;
        for (int i = 0; i < n; i++) {
            if (kids[i] == c->pid || (c->spare > 0 && kids[i] == c->spare))
                continue;
            /* Still in the run's group: the pool's own helpers (forkserver, resource tracker)
             * orphaned by the harness's exit. Elsewhere: it left the group on purpose. */
            bool escaped = getpgid(kids[i]) != c->pid;
            char name[RUN_COMMAND_LEN] = "";
            if (escaped && proc_read_name(kids[i], name, sizeof(name)) < 0)
                snprintf(name, sizeof(name), "?");
            kill(kids[i], SIGKILL);
            struct rusage ru;
            if (wait4(kids[i], NULL, WNOHANG, &ru) == kids[i]) {
                if (escaped)
                    note_escaped(c, name);
                if (c->nreaped_rss < (int)ARRAY_LEN(c->reaped_rss)) {
                    c->reaped_rss[c->nreaped_rss].pid = kids[i];
                    c->reaped_rss[c->nreaped_rss++].maxrss_kb = ru.ru_maxrss;
                }
            }
            others++;
        }
        bool group_alive = kill(-c->pid, 0) == 0;
        if (c->reaped && others == 0 && !group_alive)
            return c->escaped;
        if (util_now() > deadline)
            return -1;
        if (group_alive)
            kill(-c->pid, SIGKILL);
        usleep(2000);
    }
}

/* "PYTHONHASHSEED=N", drawn once for every interpreter this concur starts, where the user set
 * none; NULL where they did. The harness compares each task's result across runs by its pickle
 * (docs/protocol.md, task_digest), and a set of strings pickles in the order of their hashes: a
 * spawned worker or a fresh interpreter drawing its own seed would return the same set in
 * another order. The runs forked from the warm interpreter share its seed anyway. */
static const char *hash_seed_env(void)
{
    static char buf[32];
    if (getenv("PYTHONHASHSEED"))
        return NULL;
    if (!buf[0]) {
        unsigned v = 0;
        if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
            v = (unsigned)getpid() ^ (unsigned)time(NULL);
        /* 0 would turn hash randomization off: 1 .. 2^32 - 1, as Python draws it. */
        snprintf(buf, sizeof(buf), "PYTHONHASHSEED=%u", 1u + v % 4294967295u);
    }
    return buf;
}

/* The variables through which native libraries take their thread count (OpenMP, OpenBLAS, MKL,
 * Apple's Accelerate, numexpr): a run with a native limit sets all of them. */
static const char *const native_limit_vars[] = {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                                                "NUMEXPR_NUM_THREADS"};
#define NATIVE_LIMIT_VARS ((int)ARRAY_LEN(native_limit_vars))

/* Whether entry ("NAME=value") sets one of the native limit variables. */
static bool is_native_limit_var(const char *entry)
{
    for (int i = 0; i < NATIVE_LIMIT_VARS; i++) {
        size_t len = strlen(native_limit_vars[i]);
        if (strncmp(entry, native_limit_vars[i], len) == 0 && entry[len] == '=')
            return true;
    }
    return false;
}

/* "OMP_NUM_THREADS=2" and the others for a run with native limit `limit` (> 0), into buf. */
static void native_limit_env(int limit, char buf[][48])
{
    for (int i = 0; i < NATIVE_LIMIT_VARS; i++)
        snprintf(buf[i], 48, "%s=%d", native_limit_vars[i], limit);
}

/* This process's environment less what each run sets for itself, with PYTHONHASHSEED
 * (hash_seed_env) and room for `extra` more entries and the NULL; *n is the number of entries
 * filled. */
static char **child_environ(size_t extra, size_t *n)
{
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    char **envp = xcalloc(nenv + extra + 2, sizeof(char *));
    size_t e = 0;
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(environ[i], "CONCUR_CONTROL_PATH=", 20) != 0 &&
            strncmp(environ[i], "CONCUR_BIND=", 12) != 0)
            envp[e++] = environ[i];
    const char *seed = hash_seed_env();
    if (seed)
        envp[e++] = (char *)seed;
    *n = e;
    return envp;
}

/* In a child between fork and exec (async-signal-safe calls only): a process group of its own,
 * SIGKILL when concur dies, and default signal handling for the interpreter it becomes. */
static void child_detach(void)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGHUP, &dfl, NULL);
    sigaction(SIGPIPE, &dfl, NULL);
}

static double get_num(const cJSON *obj, const char *key);

/* ---------------------------------------------------------------------------------------------
 * Zygote: one started interpreter that forks every run (docs/protocol.md, "Warm interpreter")
 * ------------------------------------------------------------------------------------------- */

/* How long the zygote may take to start, and to answer a request. */
#define ZYGOTE_START_S 60.0
#define ZYGOTE_REPLY_S 10.0
#define ZYGOTE_NFDS 5

struct runner_zygote {
    pid_t pid;  /* the zygote that forks the next run; -1 once retired */
    int sock;   /* SOCK_SEQPACKET to every zygote: requests one way, replies the other */
};

/* Waits for one message on the zygote's socket: its text in buf and 0; ZYGOTE_TIMED_OUT when
 * none came in time; -1 on EOF (the zygote is gone), an error or a stop signal. */
#define ZYGOTE_TIMED_OUT (-2)
static int zygote_recv(runner_zygote *z, char *buf, size_t len, double timeout_s)
{
    double deadline = util_now() + timeout_s;
    for (;;) {
        if (stop_signal)
            return -1;
        double left = deadline - util_now();
        if (left <= 0)
            return ZYGOTE_TIMED_OUT;
        struct pollfd p = {.fd = z->sock, .events = POLLIN};
        int r = poll(&p, 1, (int)(fmin(left, 0.25) * 1000) + 1);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        ssize_t n = recv(z->sock, buf, len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf[n] = '\0';
        return 0;
    }
}

/* Retires the zygote for good: later runs execute the harness themselves. */
static void zygote_retire(runner_zygote *z)
{
    if (z->sock >= 0)
        close(z->sock), z->sock = -1;
    if (z->pid > 0) {
        kill(z->pid, SIGKILL);
        /* Our child unless its parent (the run before) still lives, which kill_tree rules out. */
        while (waitpid(z->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        z->pid = -1;
    }
}

runner_zygote *runner_zygote_start(const char *python, const char *harness, char *err,
                                   size_t errlen)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return NULL;
    }
    /* The same environment a run gets, less what each run sets for itself. */
    size_t e;
    char **envp = child_environ(0, &e);
    envp[e] = NULL;
    const char *argv[] = {python, harness, "--zygote", "3", NULL};
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        free(envp);
        return NULL;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls from here on. */
        child_detach();
        int devnull = open("/dev/null", O_RDWR);
        int s = fcntl(sv[1], F_DUPFD_CLOEXEC, 100);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        dup2(s, 3);
        closefrom(4);
        execve(python, (char *const *)argv, envp);
        _exit(127);
    }
    free(envp);
    close(sv[1]);
    setpgid(pid, pid);
    runner_zygote *z = xcalloc(1, sizeof(*z));
    z->pid = pid;
    z->sock = sv[0];
    char buf[256];
    cJSON *j = NULL;
    int got = zygote_recv(z, buf, sizeof(buf), ZYGOTE_START_S);
    if (got == 0)
        j = cJSON_Parse(buf);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "ev");
    bool ok = cJSON_IsString(ev) && strcmp(ev->valuestring, "zygote") == 0 &&
              get_num(j, "pid") == (double)pid;
    cJSON_Delete(j);
    if (!ok) {
        snprintf(err, errlen, "%s --zygote did not start (%s)", harness,
                 stop_signal                   ? "interrupted"
                 : got == ZYGOTE_TIMED_OUT     ? "no hello within the time allowed"
                 : got == 0                    ? "a hello that was not one"
                                               : "it exited before its hello");
        zygote_retire(z);
        free(z);
        return NULL;
    }
    return z;
}

bool runner_zygote_alive(const runner_zygote *z)
{
    return z != NULL && z->pid > 0;
}

pid_t runner_zygote_pid(const runner_zygote *z)
{
    return runner_zygote_alive(z) ? z->pid : -1;
}

void runner_zygote_stop(runner_zygote *z)
{
    if (z == NULL)
        return;
    zygote_retire(z);
    free(z);
}

/* Asks the zygote to fork a run with these harness arguments (argv without the interpreter and
 * the script) and descriptors (control, go, sync, stdout, stderr). On success *run is the run's
 * pid: the zygote itself, a child of this process, in a process group of its own, waiting on the
 * sync pipe. Returns -1 (and retires the zygote) when the hand-over fails: the caller then
 * executes the harness itself. */
bool runner_deployed_single(const runner_env *env, run_mode mode)
{
    return env->native_deployed && !mode_get(mode)->pool;
}

/* Whether the workers of this run get a share of several PUs each (as deployed, fewer workers
 * than usable PUs): topology_place_share. */
static bool runner_shares(const runner_env *env, run_mode mode, int workers)
{
    topology_info info;
    topology_get_info(env->topo, &info);
    return env->native_deployed && mode_get(mode)->pool && workers < info.allowed_pus;
}

/* CONCUR_BIND for the run: the most PUs a worker is bound to, 0 where none is narrowed. */
static int runner_bind_pus(const runner_env *env, run_mode mode, int workers)
{
    if (runner_deployed_single(env, mode))
        return 0;
    if (!runner_shares(env, mode, workers))
        return 1;
    int most = 1, pus[PLAN_WORKER_CAP];
    for (int w = 0; w < workers; w++) {
        int n = topology_place_share(env->topo, workers, w, pus, PLAN_WORKER_CAP);
        if (n > most)
            most = n;
    }
    return most;
}

static int zygote_launch(runner_zygote *z, const char *const *args, const char *fifo, int bind,
                         int limit, const int fds[ZYGOTE_NFDS], pid_t *run)
{
    if (!runner_zygote_alive(z))
        return -1;
    cJSON *req = cJSON_CreateObject();
    cJSON *av = cJSON_AddArrayToObject(req, "argv");
    for (int i = 0; args[i]; i++)
        cJSON_AddItemToArray(av, cJSON_CreateString(args[i]));
    cJSON *ev = cJSON_AddObjectToObject(req, "env");
    cJSON_AddStringToObject(ev, "CONCUR_CONTROL_PATH", fifo);
    char num[16];
    snprintf(num, sizeof(num), "%d", bind);
    cJSON_AddStringToObject(ev, "CONCUR_BIND", num);
    snprintf(num, sizeof(num), "%d", limit);
    for (int i = 0; limit > 0 && i < NATIVE_LIMIT_VARS; i++)
        cJSON_AddStringToObject(ev, native_limit_vars[i], num);
    cJSON_AddNumberToObject(req, "ppid", (double)getpid());
    char *text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);

    union {
        char buf[CMSG_SPACE(sizeof(int) * ZYGOTE_NFDS)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {.iov_base = text, .iov_len = strlen(text)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * ZYGOTE_NFDS);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * ZYGOTE_NFDS);
    ssize_t n;
    do
        n = sendmsg(z->sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    free(text);

    char buf[256];
    cJSON *j = NULL;
    if (n >= 0 && zygote_recv(z, buf, sizeof(buf), ZYGOTE_REPLY_S) == 0)
        j = cJSON_Parse(buf);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "ev");
    double r = get_num(j, "run"), next = get_num(j, "next");
    bool ok = cJSON_IsString(e) && strcmp(e->valuestring, "forked") == 0 && r == (double)z->pid &&
              next > 1;
    if (j != NULL && !ok) {
        char *why = cJSON_PrintUnformatted(j);
        log_debug("the zygote did not fork the run (%s): runs start their own interpreter now",
                  why ? why : "?");
        free(why);
    } else if (!ok) {
        log_debug("the zygote did not answer: runs start their own interpreter now");
    }
    cJSON_Delete(j);
    if (!ok) {
        zygote_retire(z);
        return -1;
    }
    *run = z->pid;
    z->pid = (pid_t)next;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Harness location and probe
 * ------------------------------------------------------------------------------------------- */

int runner_find_harness(char *buf, size_t len, char *err, size_t errlen)
{
    const char *env = getenv("CONCUR_HARNESS");
    if (env && env[0]) {
        if (access(env, R_OK) == 0) {
            snprintf(buf, len, "%s", env);
            return 0;
        }
        snprintf(err, errlen, "CONCUR_HARNESS=%s is not a readable file", env);
        return -1;
    }
    char dir[PATH_MAX];
    if (util_exe_dir(dir, sizeof(dir)) < 0) {
        snprintf(err, errlen, "cannot find where the concur executable lives (/proc/self/exe)");
        return -1;
    }
    const char *rel[] = {"harness.py", "../lib/concur/harness.py"};
    for (size_t i = 0; i < ARRAY_LEN(rel); i++) {
        snprintf(buf, len, "%s/%s", dir, rel[i]);
        if (access(buf, R_OK) == 0)
            return 0;
    }
    snprintf(err, errlen,
             "harness.py not found in %s/ or %s/../lib/concur/ (run 'make' or 'make install', or "
             "set CONCUR_HARNESS)",
             dir, dir);
    return -1;
}

/* Last `max_lines` lines of text, for tracebacks shown to a person. */
static void tail_lines(const char *text, int max_lines, char *out, size_t outlen)
{
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    size_t start = len;
    int lines = 0;
    while (start > 0) {
        if (text[start - 1] == '\n' && ++lines >= max_lines)
            break;
        start--;
    }
    snprintf(out, outlen, "%.*s", (int)(len - start), text + start);
}

static void copy_str(char *dst, size_t len, const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsString(v) && v->valuestring)
        snprintf(dst, len, "%s", v->valuestring);
}

static double get_num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int get_gil(const cJSON *obj)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "gil");
    if (cJSON_IsTrue(v))
        return 1;
    if (cJSON_IsFalse(v))
        return 0;
    return -1;
}

/* Runs the harness in probe mode with stdout and stderr captured. */
/* Reads two descriptors into two NUL-terminated buffers (bufs, xmalloc'd) until both reach EOF,
 * the deadline passes (returns true), or a signal asks concur to stop. */
static bool read_both(const int fds[2], double deadline, char *bufs[2])
{
    bufs[0] = bufs[1] = NULL;
    size_t lens[2] = {0, 0}, caps[2] = {0, 0};
    bool open_fd[2] = {true, true};
    bool timed_out = false;
    while ((open_fd[0] || open_fd[1]) && !stop_signal) {
        struct pollfd pfd[2];
        int np = 0, map[2];
        for (int i = 0; i < 2; i++)
            if (open_fd[i]) {
                pfd[np] = (struct pollfd){.fd = fds[i], .events = POLLIN};
                map[np++] = i;
            }
        double left = deadline - util_now();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int r = poll(pfd, (nfds_t)np, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        for (int k = 0; k < np; k++) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int i = map[k];
            if (caps[i] - lens[i] < 4096) {
                caps[i] = caps[i] ? caps[i] * 2 : 8192;
                bufs[i] = xrealloc(bufs[i], caps[i]);
            }
            ssize_t n = read(fds[i], bufs[i] + lens[i], caps[i] - lens[i] - 1);
            if (n <= 0)
                open_fd[i] = false;
            else
                lens[i] += (size_t)n;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (bufs[i] == NULL)
            bufs[i] = xcalloc(1, 1);
        bufs[i][lens[i]] = '\0';
    }
    return timed_out;
}

/* Starts argv (argv[0] the interpreter) with /dev/null, a pipe, a pipe on fds 0-2, in a process
 * group of its own that dies with concur, and reads both pipes to EOF or timeout_s; the tree is
 * killed and reaped after. Returns 1 when it timed out, 0 otherwise, -1 (err) when it could not
 * start. bufs get stdout and stderr (owned); c its status. */
static int probe_child(const char *const argv[], double timeout_s, char *bufs[2], child_proc *c,
                       char *err, size_t errlen)
{
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    *c = (child_proc){.pidfd = -1};
    c->pid = fork();
    if (c->pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(out[0]), close(out[1]), close(errp[0]), close(errp[1]);
        return -1;
    }
    if (c->pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL), signal(SIGPIPE, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
        closefrom(3);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "concur-exec-failed: %s\n", strerror(errno));
        _exit(127);
    }
    setpgid(c->pid, c->pid);
    close(out[1]);
    close(errp[1]);

    /* Both pipes are small; read them until EOF or the deadline. */
    int fds[2] = {out[0], errp[0]};
    bool timed_out = read_both(fds, util_now() + timeout_s, bufs);
    close(out[0]);
    close(errp[0]);
    kill_tree(c);
    child_try_reap(c, true);
    return timed_out ? 1 : 0;
}

/* The probe, with one more option (opt value) for the harness, or none (opt NULL). */
static int probe_with(const char *python, const char *harness, const char *workload,
                      const char *opt, const char *value, python_info *py, workload_info *wl,
                      char *err, size_t errlen);

int runner_probe(const char *python, const char *harness, const char *workload, python_info *py,
                 workload_info *wl, char *err, size_t errlen)
{
    return probe_with(python, harness, workload, NULL, NULL, py, wl, err, errlen);
}

int runner_probe_loop(const char *python, const char *harness, const char *workload,
                      const char *loop, python_info *py, workload_info *wl, char *err,
                      size_t errlen)
{
    return probe_with(python, harness, workload, loop ? "--loop" : NULL, loop, py, wl, err,
                      errlen);
}

int runner_probe_program(const char *python, const char *harness, const char *program,
                         const char *kind, python_info *py, workload_info *wl, char *err,
                         size_t errlen)
{
    return probe_with(python, harness, program, "--program", kind, py, wl, err, errlen);
}

static int probe_with(const char *python, const char *harness, const char *workload,
                      const char *opt, const char *value, python_info *py, workload_info *wl,
                      char *err, size_t errlen)
{
    snprintf(py->requested, sizeof(py->requested), "%s", python);
    const char *argv[] = {python, harness, "--probe", "--workload", workload, opt, value, NULL};
    child_proc c;
    char *bufs[2];
    int started = probe_child(argv, PROBE_TIMEOUT_S, bufs, &c, err, errlen);
    if (started < 0)
        return CONCUR_EXIT_ENV;
    bool timed_out = started == 1;

    int rc = CONCUR_EXIT_OK;
    char errtail[1024];
    tail_lines(bufs[1], 6, errtail, sizeof(errtail));
    cJSON *j = NULL;
    char *nl = strchr(bufs[0], '\n');
    if (nl)
        *nl = '\0';
    j = cJSON_Parse(bufs[0]);
    const cJSON *ev = j ? cJSON_GetObjectItemCaseSensitive(j, "ev") : NULL;

    if (stop_signal) {
        snprintf(err, errlen, "interrupted while loading the workload");
        rc = CONCUR_EXIT_INTERRUPTED;
    } else if (timed_out) {
        snprintf(err, errlen, "loading the workload took more than %.0f s (%s %s)", PROBE_TIMEOUT_S,
                 python, workload);
        rc = CONCUR_EXIT_WORKLOAD;
    } else if (strstr(bufs[1], "concur-exec-failed:")) {
        snprintf(err, errlen,
                 "cannot run the interpreter '%s':%s (give the right one with --python PATH)",
                 python, strchr(strstr(bufs[1], "concur-exec-failed:"), ':') + 1);
        char *e = strchr(err, '\n');
        if (e)
            memmove(e, e + 1, strlen(e));
        rc = CONCUR_EXIT_ENV;
    } else if (cJSON_IsString(ev) && strcmp(ev->valuestring, "error") == 0) {
        char msg[512] = "", tb[1024] = "", kind[32] = "";
        copy_str(msg, sizeof(msg), j, "message");
        copy_str(kind, sizeof(kind), j, "kind");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "traceback");
        if (cJSON_IsString(t))
            tail_lines(t->valuestring, 4, tb, sizeof(tb));
        snprintf(err, errlen, "%s%s%s", msg, tb[0] ? "\n" : "", tb);
        rc = strcmp(kind, "python") == 0 || strcmp(kind, "loop") == 0 ? CONCUR_EXIT_ENV
                                                                      : CONCUR_EXIT_WORKLOAD;
    } else if (!cJSON_IsString(ev) || strcmp(ev->valuestring, "probe") != 0) {
        int code = WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -WTERMSIG(c.status);
        snprintf(err, errlen,
                 "the interpreter '%s' could not run the harness (exit %d)%s%s\n"
                 "concur needs CPython 3.8+ or PyPy; choose one with --python PATH",
                 python, code, errtail[0] ? ":\n" : "", errtail);
        rc = CONCUR_EXIT_ENV;
    } else {
        copy_str(py->executable, sizeof(py->executable), j, "executable");
        copy_str(py->version, sizeof(py->version), j, "version");
        copy_str(py->implementation, sizeof(py->implementation), j, "implementation");
        py->gil = get_gil(j);
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "workload");
        copy_str(wl->spec, sizeof(wl->spec), w, "spec");
        copy_str(wl->path, sizeof(wl->path), w, "path");
        copy_str(wl->name, sizeof(wl->name), w, "name");
        copy_str(wl->description, sizeof(wl->description), w, "description");
        double t = get_num(w, "tasks");
        wl->tasks = isnan(t) ? 0 : (int)t;
        wl->coroutine = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w, "async"));
        const cJSON *setup = cJSON_GetObjectItemCaseSensitive(w, "setup");
        wl->setup = cJSON_IsBool(setup) ? cJSON_IsTrue(setup) : -1;
        if (py->executable[0] == '\0') {
            snprintf(err, errlen, "the interpreter '%s' did not say where it lives (sys.executable "
                                  "is empty); give its real path with --python",
                     python);
            rc = CONCUR_EXIT_ENV;
        }
    }
    cJSON_Delete(j);
    free(bufs[0]);
    free(bufs[1]);
    return rc;
}

/* The cluster's hosts from the probe's "hosts" array, comma-separated, as many as fit. */
static void dask_hosts(const cJSON *j, dask_cluster_info *out)
{
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(j, "hosts");
    const cJSON *h;
    out->nhosts = 0;
    out->hosts[0] = '\0';
    cJSON_ArrayForEach(h, hosts)
    {
        if (!cJSON_IsString(h))
            continue;
        size_t len = strlen(out->hosts);
        if (len + strlen(h->valuestring) + 2 < sizeof(out->hosts))
            snprintf(out->hosts + len, sizeof(out->hosts) - len, "%s%s", len ? "," : "",
                     h->valuestring);
        out->nhosts++;
    }
}

int runner_probe_dask(const char *python, const char *harness, const char *scheduler,
                      double timeout_s, dask_cluster_info *out, char *err, size_t errlen)
{
    char tmo[32];
    snprintf(tmo, sizeof(tmo), "%g", timeout_s);
    const char *argv[] = {python, harness, "--dask-probe", "--dask-timeout", tmo,
                          scheduler ? "--dask-scheduler" : NULL, scheduler, NULL};
    child_proc c;
    char *bufs[2];
    /* Importing distributed takes a second or two; connecting, up to timeout_s. */
    int started = probe_child(argv, PROBE_TIMEOUT_S + timeout_s, bufs, &c, err, errlen);
    if (started < 0)
        return CONCUR_EXIT_ENV;
    char *nl = strchr(bufs[0], '\n');
    if (nl)
        *nl = '\0';
    cJSON *j = cJSON_Parse(bufs[0]);
    const cJSON *ev = j ? cJSON_GetObjectItemCaseSensitive(j, "ev") : NULL;
    int rc = CONCUR_EXIT_ENV;
    if (stop_signal) {
        snprintf(err, errlen, "interrupted while connecting to Dask");
        rc = CONCUR_EXIT_INTERRUPTED;
    } else if (started == 1) {
        snprintf(err, errlen, "mode dask: %s did not answer within %.0f s", scheduler ?
                 scheduler : "the interpreter", PROBE_TIMEOUT_S + timeout_s);
    } else if (cJSON_IsString(ev) && strcmp(ev->valuestring, "dask") == 0) {
        memset(out, 0, sizeof(*out));
        out->asked = true;
        copy_str(out->version, sizeof(out->version), j, "version");
        snprintf(out->scheduler, sizeof(out->scheduler), "%s", scheduler ? scheduler : "");
        double v = get_num(j, "workers");
        out->workers = isnan(v) ? 0 : (int)v;
        v = get_num(j, "threads");
        out->threads = isnan(v) ? 0 : (int)v;
        dask_hosts(j, out);
        rc = CONCUR_EXIT_OK;
    } else {
        char msg[600] = "";
        copy_str(msg, sizeof(msg), j, "message");
        if (msg[0] == '\0')
            tail_lines(bufs[1], 4, msg, sizeof(msg));
        snprintf(err, errlen, "mode dask: %s", msg[0] ? msg : "the harness's --dask-probe failed");
    }
    cJSON_Delete(j);
    free(bufs[0]);
    free(bufs[1]);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * One run
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    const runner_env *env;
    run_result *out;
    run_mode mode;
    int workers;
    topology_slot slots[PLAN_WORKER_CAP];
    int announced;          /* workers seen so far */
    pid_t harness_pid;
    int go_fd;
    counters_set *counters;
    sampler *sampler;       /* NULL when it could not start: the run goes on without states */
    counters_values before;
    bool have_before;
    bool got_done;
    bool got_error;
    bool channel_lost;      /* the harness said a task closed its control channel (kind channel) */
    bool program_exit;      /* the program ended on a non-zero status (error kind program) */
    double read_workers, write_workers; /* worker_exit reports */
    double read_main, write_main;       /* the done line's */
    /* The peak RSS of every process of the run's tree: the largest of what it reported (done,
     * worker_exit), the VmHWM walk_tree read while it ran, and wait4's ru_maxrss when concur
     * reaped it. */
    struct {
        pid_t pid;
        double kb;
    } *peaks;
    int npeaks, peaks_cap;
    double next_walk;       /* util_now() of the next walk_tree */
    double counted_from;    /* util_now() once the counters were read at `start` */
    pid_t spare;            /* the next zygote: not of this run */
    bool *ready;            /* per placement entry: its worker sent `ready` (setup() returned) */
    int bind_pus;           /* the most PUs the runner binds a worker to (CONCUR_BIND): 1, more
                               for a pool's shares as deployed (runner_bind_pus), 0 for single
                               as deployed, which is not narrowed */
    char *line;             /* partial line buffer */
    size_t line_len, line_cap;
} run_ctx;

/* Keeps kb as process pid's peak RSS when it is the largest seen for it. */
static void peak_note(run_ctx *x, pid_t pid, double kb)
{
    if (pid <= 0 || !(kb > 0))
        return;
    for (int i = 0; i < x->npeaks; i++)
        if (x->peaks[i].pid == pid) {
            if (kb > x->peaks[i].kb)
                x->peaks[i].kb = kb;
            return;
        }
    if (x->npeaks == x->peaks_cap) {
        x->peaks_cap = x->peaks_cap ? 2 * x->peaks_cap : 16;
        x->peaks = xrealloc(x->peaks, sizeof(*x->peaks) * (size_t)x->peaks_cap);
    }
    x->peaks[x->npeaks].pid = pid;
    x->peaks[x->npeaks++].kb = kb;
}

/* VmHWM of process pid in kB: its peak resident set so far. NAN when gone (a zombie has none). */
static double read_hwm_kb(pid_t pid)
{
    proc_status st;
    if (proc_read_status(pid, &st) < 0 || st.vm_hwm_kb < 0)
        return NAN;
    return (double)st.vm_hwm_kb;
}

/* Appends to list (n entries, at most max) the children of every thread of process pid that are
 * not in it yet. Returns the new count. */
static int add_children(pid_t pid, pid_t *list, int n, int max)
{
    DIR *d = proc_open_tasks(pid);
    if (d == NULL)
        return n;
    pid_t tid;
    while (n < max && proc_next_task(d, &tid) > 0) {
        pid_t kids[TREE_MAX];
        int k = proc_read_children(pid, tid, kids, (int)ARRAY_LEN(kids));
        for (int j = 0; j < k && n < max; j++) {
            bool known = false;
            for (int i = 0; i < n && !known; i++)
                known = list[i] == kids[j];
            if (!known)
                list[n++] = kids[j];
        }
    }
    closedir(d);
    return n;
}

/* Reads the peak RSS of every process of the run's tree: the harness and its descendants, and
 * what was re-parented to concur (a worker whose harness was killed, a task's child that left the
 * group), the next zygote aside. */
static void walk_tree(run_ctx *x)
{
    pid_t list[TREE_MAX];
    int n = 0;
    if (x->harness_pid > 0)
        list[n++] = x->harness_pid;
    n = add_children(getpid(), list, n, TREE_MAX);
    for (int i = 0; i < n; i++) {
        if (list[i] == x->spare)
            continue;
        peak_note(x, list[i], read_hwm_kb(list[i]));
        n = add_children(list[i], list, n, TREE_MAX);
    }
}

static void add_placement(run_ctx *x, int worker, pid_t pid, pid_t tid, int pu_planned)
{
    run_result *o = x->out;
    o->placement = xrealloc(o->placement, sizeof(run_placement) * (size_t)(o->nplacement + 1));
    x->ready = xrealloc(x->ready, sizeof(bool) * (size_t)(o->nplacement + 1));
    x->ready[o->nplacement] = false;
    run_placement *p = &o->placement[o->nplacement++];
    memset(p, 0, sizeof(*p));
    p->worker = worker;
    p->pid = pid;
    p->tid = tid;
    p->pu_planned = pu_planned;
    p->pu = -1;
    p->core = -1;
    p->native_threads = -1;
    int n = topology_read_affinity(tid, p->cpus_allowed, sizeof(p->cpus_allowed));
    if (n == 1) {
        p->pu = atoi(p->cpus_allowed);
        p->core = topology_core_of_pu(x->env->topo, p->pu);
    }
}

/* Tells the sampler where process pid keeps the GIL, when the line says (docs/protocol.md). */
static void set_gil_range(run_ctx *x, const cJSON *j, pid_t pid)
{
    double lo = get_num(j, "gil_lo"), hi = get_num(j, "gil_hi");
    if (x->sampler && lo > 0 && hi > lo)
        sampler_set_gil_range(x->sampler, pid, (uint64_t)lo, (uint64_t)hi);
}

/* A worker announced itself: bind it to the next PU of the placement, read the binding back, and
 * start watching what it does. */
static void on_worker(run_ctx *x, const cJSON *j)
{
    double pid_d = get_num(j, "pid"), tid_d = get_num(j, "tid");
    if (isnan(pid_d) || isnan(tid_d))
        return;
    pid_t pid = (pid_t)pid_d, tid = (pid_t)tid_d;
    int k = x->announced++;
    const topology_slot *s = &x->slots[k % x->workers];
    char err[256] = "";
    int rc = 0, share[PLAN_WORKER_CAP], nshare = 0;
    bool process = mode_get(x->mode)->placement == PLACE_PROCESS;
    if (x->bind_pus > 1)
        nshare = topology_place_share(x->env->topo, x->workers, k % x->workers, share,
                                      PLAN_WORKER_CAP);
    if (runner_deployed_single(x->env, x->mode))
        ; /* the loop keeps the harness's PUs, as a plain loop would */
    else if (nshare > 0)
        rc = topology_bind_pus(x->env->topo, process ? pid : tid, !process, share, nshare, err,
                               sizeof(err));
    else if (mode_get(x->mode)->placement == PLACE_PROCESS)
        rc = topology_bind(x->env->topo, pid, false, s->pu, err, sizeof(err));
    else
        rc = topology_bind(x->env->topo, tid, true, s->pu, err, sizeof(err));
    if (rc < 0)
        log_warn("%s x%d: could not bind worker %d (tid %d) to PU %d: %s",
                 mode_name(x->mode), x->out->workers, k, (int)tid, s->pu, err);
    add_placement(x, k, pid, tid, nshare > 0 ? share[0] : s->pu);
    if (x->sampler) {
        /* A worker process is watched whole (its pool threads are its own); a thread-pool worker
         * or single's main thread is one thread of the harness. */
        if (mode_get(x->mode)->placement == PLACE_PROCESS) {
            set_gil_range(x, j, pid);
            sampler_watch_process(x->sampler, pid, k % x->workers);
        } else {
            sampler_watch_thread(x->sampler, pid, tid, k % x->workers);
        }
    }
}

/* A worker finished setup(): the first announced worker with its pid and tid not yet ready. */
static void on_ready(run_ctx *x, const cJSON *j)
{
    double pid = get_num(j, "pid"), tid = get_num(j, "tid");
    const run_result *o = x->out;
    if (isnan(pid) || isnan(tid))
        return;
    for (int i = 0; i < o->nplacement; i++)
        if (!x->ready[i] && o->placement[i].pid == (pid_t)pid && o->placement[i].tid == (pid_t)tid) {
            x->ready[i] = true;
            return;
        }
}

/* At a timeout: the workers that announced themselves and never said `ready`, still in setup()
 * (a spawn or forkserver worker also imports the workload in between). Sets out->setup_hung and
 * its error; false when every announced worker was ready, or none announced. */
static bool explain_setup_hang(run_ctx *x, double timeout_s)
{
    run_result *o = x->out;
    char who[400] = "";
    size_t len = 0;
    int hung = 0;
    for (int i = 0; i < o->nplacement; i++) {
        if (x->ready[i])
            continue;
        const run_placement *p = &o->placement[i];
        if (hung < 4 && len + 1 < sizeof(who)) {
            int n;
            mode_placement place = mode_get(x->mode)->placement;
            if (place == PLACE_HARNESS)
                n = snprintf(who + len, sizeof(who) - len, "the main thread (pid %d)", (int)p->pid);
            else if (place == PLACE_THREAD)
                n = snprintf(who + len, sizeof(who) - len, "%sworker %d (thread %d)",
                             hung ? ", " : "", p->worker, (int)p->tid);
            else
                n = snprintf(who + len, sizeof(who) - len, "%sworker %d (pid %d)",
                             hung ? ", " : "", p->worker, (int)p->pid);
            if (n > 0)
                len += (size_t)n;
            if (len >= sizeof(who))
                len = sizeof(who) - 1;
        }
        hung++;
    }
    if (hung == 0)
        return false;
    if (hung > 4)
        snprintf(who + len, sizeof(who) - len, " and %d more", hung - 4);
    bool imports = mode_get(x->mode)->pickles && (strcmp(o->start_method, "spawn") == 0 ||
                                                 strcmp(o->start_method, "forkserver") == 0);
    o->setup_hung = true;
    char of[32] = "";
    if (mode_get(x->mode)->pool)
        snprintf(of, sizeof(of), " of %d", x->workers);
    snprintf(o->error, sizeof(o->error),
             "setup() did not finish within the --timeout of %g s in %s%s%s; the whole process "
             "tree was killed",
             timeout_s, who, of,
             imports ? " (or there, the worker's import of the workload before it)" : "");
    return true;
}

/* What a program's run saw through its swapped pools (the `program` object of done, or of its
 * error when it exited non-zero). */
static void take_program(run_result *o, const cJSON *p)
{
    program_run *g = &o->program;
    if (!cJSON_IsObject(p))
        return;
    g->known = true;
    double v = get_num(p, "exit_code");
    g->exit_code = isnan(v) ? 0 : (int)v;
    g->before_s = get_num(p, "before_s");
    g->after_s = get_num(p, "after_s");
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(p, "pools"))
    {
        if (g->npools < PROGRAM_MAX_POOLS) {
            program_pool *pp = &g->pools[g->npools];
            copy_str(pp->kind, sizeof(pp->kind), e, "kind");
            copy_str(pp->site, sizeof(pp->site), e, "site");
            v = get_num(e, "asked");
            pp->asked = isnan(v) ? 0 : (int)v;
            pp->asked_default = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "asked_default"));
            v = get_num(e, "tasks");
            pp->tasks = isnan(v) ? 0 : (int)v;
        }
        g->npools++;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(p, "unswappable"))
    {
        if (g->nseen < PROGRAM_MAX_SEEN && cJSON_IsString(e))
            snprintf(g->seen[g->nseen++], PROGRAM_TEXT_LEN, "%s", e->valuestring);
    }
}

/* What the done line says of the native thread pools: the main process's count (single, threads),
 * whether threadpoolctl imports, and its threadpool_info() (docs/protocol.md). */
static void take_native(run_result *o, const cJSON *j)
{
    double v = get_num(j, "native_threads");
    if (!isnan(v) && v >= 0)
        o->native_threads = (int)v;
    const cJSON *tpc = cJSON_GetObjectItemCaseSensitive(j, "threadpoolctl");
    if (cJSON_IsBool(tpc))
        o->threadpoolctl = cJSON_IsTrue(tpc) ? 1 : 0;
    const cJSON *pools = cJSON_GetObjectItemCaseSensitive(j, "threadpools");
    if (!cJSON_IsArray(pools))
        return;
    o->nthreadpools = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, pools)
    {
        if (o->nthreadpools >= RUN_THREADPOOLS || !cJSON_IsObject(p))
            continue;
        run_threadpool *t = &o->threadpools[o->nthreadpools++];
        copy_str(t->user_api, sizeof(t->user_api), p, "user_api");
        copy_str(t->internal_api, sizeof(t->internal_api), p, "internal_api");
        copy_str(t->version, sizeof(t->version), p, "version");
        copy_str(t->threading_layer, sizeof(t->threading_layer), p, "threading_layer");
        double n = get_num(p, "num_threads");
        t->num_threads = isnan(n) ? -1 : (int)n;
    }
}

/* A worker process's native pool threads (its worker_exit line): on its placement entry, and
 * summed into the run's. */
static void on_worker_native(run_ctx *x, pid_t pid, double n)
{
    run_result *o = x->out;
    if (isnan(n) || n < 0)
        return;
    for (int i = 0; i < o->nplacement; i++)
        if (o->placement[i].pid == pid)
            o->placement[i].native_threads = (int)n;
    o->native_threads = (o->native_threads > 0 ? o->native_threads : 0) + (int)n;
}

/* The done line's loop fields (docs/protocol.md); measured stays false for a plain workload. */
static void read_loop_figures(const cJSON *j, loop_figures *l)
{
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "loop")))
        return;
    l->measured = true; /* concurrency stays what was asked (begin_run) */
    double v;
    l->blocked_fraction = get_num(j, "loop_blocked_fraction");
    l->max_step_s = get_num(j, "loop_max_step_s");
    v = get_num(j, "loop_one_step_tasks");
    l->one_step_tasks = isnan(v) ? 0 : (int)v;
    v = get_num(j, "loop_pending_cancelled");
    l->pending_cancelled = isnan(v) ? 0 : (int)v;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "loop_longest_steps"))
    {
        if (l->nlongest >= LOOP_LONGEST || cJSON_GetArraySize(e) != 2)
            continue;
        const cJSON *i = cJSON_GetArrayItem(e, 0), *t = cJSON_GetArrayItem(e, 1);
        if (!cJSON_IsNumber(i) || !cJSON_IsNumber(t))
            continue;
        l->longest_tasks[l->nlongest] = i->valueint;
        l->longest_s[l->nlongest++] = t->valuedouble;
    }
}

static void on_done(run_ctx *x, const cJSON *j)
{
    run_result *o = x->out;
    x->got_done = true;
    o->wall_s = get_num(j, "wall_s");
    o->startup_s = get_num(j, "startup_s");
    o->teardown_s = get_num(j, "teardown_s");
    o->first_ready_s = get_num(j, "first_ready_s");
    o->cluster_start_s = get_num(j, "cluster_start_s");
    double v;
    if (!isnan(v = get_num(j, "tasks")))
        o->tasks = (int)v;
    if (!isnan(v = get_num(j, "tasks_ok")))
        o->tasks_ok = (int)v;
    if (!isnan(v = get_num(j, "tasks_failed")))
        o->tasks_failed = (int)v;
    const cJSON *fe = cJSON_GetObjectItemCaseSensitive(j, "first_error");
    if (cJSON_IsString(fe) && o->traceback[0] == '\0')
        tail_lines(fe->valuestring, 12, o->traceback, sizeof(o->traceback));
    v = get_num(j, "sample_of");
    o->sample_of = isnan(v) ? 0 : (int)v;
    /* Each task's wall time is kept as reported (task_walls); both arrays are summarised. */
    free(o->task_walls);
    o->task_walls = NULL;
    o->ntask_walls = 0;
    const char *keys[2] = {"task_wall_s", "task_cpu_s"};
    stats_summary *dst[2] = {&o->task_wall, &o->task_cpu};
    for (int k = 0; k < 2; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, keys[k]);
        int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
        double *vals = xmalloc(sizeof(double) * (size_t)(n ? n : 1));
        int m = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, arr)
        {
            if (cJSON_IsNumber(e))
                vals[m++] = e->valuedouble;
        }
        stats_summarize(vals, m, dst[k]);
        if (k == 0 && m > 0) {
            o->task_walls = vals;
            o->ntask_walls = m;
        } else {
            free(vals);
        }
    }
    /* Each task's result digest, in the same order (RESULT_* codes for what has none). */
    free(o->task_digests);
    o->task_digests = NULL;
    o->ntask_digests = 0;
    const cJSON *dg = cJSON_GetObjectItemCaseSensitive(j, "task_digest");
    int nd = cJSON_IsArray(dg) ? cJSON_GetArraySize(dg) : 0;
    if (nd > 0) {
        o->task_digests = xmalloc(sizeof(*o->task_digests) * (size_t)nd);
        const cJSON *e;
        cJSON_ArrayForEach(e, dg)
        {
            double d = cJSON_IsNumber(e) ? e->valuedouble : NAN;
            o->task_digests[o->ntask_digests++] = d >= RESULT_UNPICKLABLE && d <= 4294967295.0 &&
                                                  d == floor(d)
                                                      ? (int64_t)d
                                                      : RESULT_UNPICKLABLE;
        }
    }
    if (!isnan(v = get_num(j, "chunksize")) && v >= 1)
        o->chunksize = (int)v;
    const cJSON *sm = cJSON_GetObjectItemCaseSensitive(j, "start_method");
    if (cJSON_IsString(sm))
        snprintf(o->start_method, sizeof(o->start_method), "%s", sm->valuestring);
    take_program(o, cJSON_GetObjectItemCaseSensitive(j, "program"));
    o->pickle_arg_bytes = get_num(j, "pickle_arg_bytes");
    o->pickle_result_bytes = get_num(j, "pickle_result_bytes");
    v = get_num(j, "pickle_sampled");
    o->pickle_sampled = isnan(v) ? 0 : (int)v;
    take_native(o, j);
    read_loop_figures(j, &o->loop);
    peak_note(x, x->harness_pid, get_num(j, "maxrss_kb"));
    x->read_main = get_num(j, "read_bytes");
    x->write_main = get_num(j, "write_bytes");
}

static void on_error(run_ctx *x, const cJSON *j)
{
    run_result *o = x->out;
    char kind[32] = "", msg[400] = "";
    copy_str(kind, sizeof(kind), j, "kind");
    copy_str(msg, sizeof(msg), j, "message");
    const cJSON *tb = cJSON_GetObjectItemCaseSensitive(j, "traceback");
    if (cJSON_IsString(tb))
        tail_lines(tb->valuestring, 12, o->traceback, sizeof(o->traceback));
    if (strcmp(kind, "channel") == 0) {
        /* The harness exits at once: its death is explained from how it ended (explain_death). */
        x->channel_lost = true;
        return;
    }
    x->got_error = true;
    if (strcmp(kind, "program") == 0) {
        x->program_exit = true;
        take_program(o, cJSON_GetObjectItemCaseSensitive(j, "program"));
    }
    if (strcmp(kind, "setup") == 0)
        o->status = RUN_SETUP_FAILED;
    else if (strcmp(kind, "worker_died") == 0)
        o->status = RUN_WORKER_DIED;
    else
        o->status = RUN_ERROR;
    snprintf(o->error, sizeof(o->error), "%s", msg[0] ? msg : kind);
}

static double nan_add(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : a + b;
}

static void handle_line(run_ctx *x, const char *line)
{
    cJSON *j = cJSON_Parse(line);
    const cJSON *ev = j ? cJSON_GetObjectItemCaseSensitive(j, "ev") : NULL;
    if (!cJSON_IsString(ev)) {
        log_debug("harness sent a line that is not a protocol message: %.200s", line);
        cJSON_Delete(j);
        return;
    }
    const char *e = ev->valuestring;
    if (strcmp(e, "hello") == 0) {
        set_gil_range(x, j, x->harness_pid);
        /* In a process pool the harness's own threads (feeding and managing the pool) are
         * watched as non-workers; in the other modes its workers are its threads. */
        if (x->sampler && mode_get(x->mode)->placement == PLACE_PROCESS)
            sampler_watch_process(x->sampler, x->harness_pid, -1);
        else if (x->sampler) /* its native pool threads, apart from the workers */
            sampler_watch_process(x->sampler, x->harness_pid, SAMPLER_NATIVE);
    } else if (strcmp(e, "start") == 0) {
        if (x->counters && counters_read(x->counters, x->harness_pid, &x->before) == 0) {
            x->have_before = true;
            x->counted_from = util_now();
        }
        /* Counting of the measured window starts now: let the harness create its pool. */
        ssize_t w;
        do
            w = write(x->go_fd, "g", 1);
        while (w < 0 && errno == EINTR);
    } else if (strcmp(e, "worker") == 0) {
        on_worker(x, j);
    } else if (strcmp(e, "ready") == 0) {
        on_ready(x, j);
    } else if (strcmp(e, "worker_exit") == 0) {
        double pid = get_num(j, "pid");
        if (!isnan(pid)) {
            peak_note(x, (pid_t)pid, get_num(j, "maxrss_kb"));
            on_worker_native(x, (pid_t)pid, get_num(j, "native_threads"));
        }
        x->read_workers = nan_add(x->read_workers, get_num(j, "read_bytes"));
        x->write_workers = nan_add(x->write_workers, get_num(j, "write_bytes"));
    } else if (strcmp(e, "done") == 0) {
        on_done(x, j);
    } else if (strcmp(e, "error") == 0) {
        on_error(x, j);
    } else if (strcmp(e, "warn") == 0) {
        char msg[512] = "";
        copy_str(msg, sizeof(msg), j, "message");
        log_warn("%s x%d: %s", mode_name(x->mode), x->out->workers, msg);
    }
    cJSON_Delete(j);
}

/* Reads what is available on the control FIFO and handles every complete line. */
static void drain_control(run_ctx *x, int fd)
{
    for (;;) {
        if (x->line_cap - x->line_len < 65536) {
            x->line_cap = x->line_cap ? x->line_cap * 2 : 131072;
            x->line = xrealloc(x->line, x->line_cap);
        }
        ssize_t n = read(fd, x->line + x->line_len, x->line_cap - x->line_len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        x->line_len += (size_t)n;
        x->line[x->line_len] = '\0';
        char *start = x->line, *nl;
        while ((nl = memchr(start, '\n', x->line_len - (size_t)(start - x->line))) != NULL) {
            *nl = '\0';
            handle_line(x, start);
            start = nl + 1;
        }
        size_t rest = x->line_len - (size_t)(start - x->line);
        memmove(x->line, start, rest);
        x->line_len = rest;
    }
}

static int open_log(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* Removes a log file the workload wrote nothing to. */
static void drop_if_empty(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (stat(path, &st) == 0 && st.st_size == 0)
        unlink(path);
}

/* The last lines of the log file dir/name, on one line (" | " between them), at most len - 1
 * characters from the end; "" when it is empty or cannot be read. */
static void log_tail(const char *dir, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[2048];
    struct stat st;
    off_t from = fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(buf) - 1
                     ? st.st_size - (off_t)sizeof(buf) + 1
                     : 0;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0' || buf[i] == '\r' || buf[i] == '\t')
            buf[i] = ' ';
    char tail[2048];
    tail_lines(buf, LOG_TAIL_LINES, tail, sizeof(tail));
    size_t o = 0;
    for (const char *p = tail; *p && o + 1 < sizeof(buf); p++) {
        if (*p == '\n') {
            if (o > 0 && o + 4 < sizeof(buf)) {
                memcpy(buf + o, " | ", 3);
                o += 3;
            }
            while (p[1] == '\n' || p[1] == ' ')
                p++;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    /* The end holds the last words (an exception, a fatal error): keep it. */
    if (o + 1 > len)
        snprintf(out, len, "...%s", buf + o - (len - 4));
    else
        snprintf(out, len, "%s", buf);
}

/* Why a harness ended without its done line, from what was observed: its exit status or the
 * signal that killed it, whether it said its control channel was closed first, and the last lines
 * it wrote to stderr (the log file is named; it exists, since it is not empty). */
static void explain_death(run_result *out, const run_ctx *x, int st, const char *log_dir,
                          const char *logname)
{
    char how[128], why[160], tail[LOG_TAIL_CHARS], err_end[LOG_TAIL_CHARS + PATH_MAX + 64];
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        snprintf(how, sizeof(how), "the harness was killed by signal %d (%s)", sig, strsignal(sig));
    } else {
        snprintf(how, sizeof(how), "the harness exited with status %d",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    if (x->channel_lost)
        snprintf(why, sizeof(why), "after its control channel closed early (a task or setup() "
                                   "closed its file descriptors?)");
    else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        snprintf(why, sizeof(why), "before it finished (killed from outside: the kernel's "
                                   "out-of-memory killer, or a person?)");
    else if (WIFSIGNALED(st))
        snprintf(why, sizeof(why), "before it finished (a task crashed the interpreter?)");
    else if (x->env->program)
        snprintf(why, sizeof(why), "before the program finished (it, or a call in a worker "
                                   "thread, called os._exit()?)");
    else
        snprintf(why, sizeof(why), "before it finished (a task or setup() called os._exit() or "
                                   "sys.exit()?)");
    log_tail(log_dir, logname, tail, sizeof(tail));
    if (tail[0])
        snprintf(err_end, sizeof(err_end), "; last stderr: %s (%s/%s)", tail, log_dir, logname);
    else
        snprintf(err_end, sizeof(err_end), "; it wrote nothing to stderr");
    snprintf(out->error, sizeof(out->error), "%s %s%s", how, why, err_end);
}

/* A program that exited non-zero: its status, and the last lines of its stderr. */
static void explain_program_exit(run_result *out, const char *log_dir, const char *logname)
{
    char tail[LOG_TAIL_CHARS], msg[sizeof(out->error)];
    log_tail(log_dir, logname, tail, sizeof(tail));
    if (tail[0])
        snprintf(msg, sizeof(msg), "%s; last stderr: %s (%s/%s)", out->error, tail, log_dir,
                 logname);
    else
        snprintf(msg, sizeof(msg), "%s; it wrote nothing to stderr", out->error);
    memcpy(out->error, msg, sizeof(out->error));
}

/* What the sampler saw goes into the run as it is: counts per state, per worker and in total. */
static void take_states(run_result *o, const sampler_report *rep)
{
    o->states = rep->total;
    o->other_states = rep->others;
    o->nworker_states = rep->nworkers;
    if (rep->nworkers > 0) {
        o->worker_states = xcalloc((size_t)rep->nworkers, sizeof(state_hist));
        memcpy(o->worker_states, rep->workers, sizeof(state_hist) * (size_t)rep->nworkers);
    }
    o->gil_distinguished = rep->gil_distinguished;
    o->native_states = rep->native;
    o->cpu_native_s = rep->cpu_native_s;
    o->cpu_interp_s = rep->cpu_interp_s;
    o->sampler_rounds = rep->rounds;
    o->sampler_interval_s = rep->interval_s;
    o->sampler_cpu_s = rep->cpu_s;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static void rusage_values(const struct rusage *ru, counters_values *v)
{
    *v = (counters_values){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    v->task_clock_s = tv_s(ru->ru_utime) + tv_s(ru->ru_stime);
    v->voluntary_switches = (double)ru->ru_nvcsw;
    v->involuntary_switches = (double)ru->ru_nivcsw;
    v->context_switches = v->voluntary_switches + v->involuntary_switches;
    v->page_faults = (double)(ru->ru_minflt + ru->ru_majflt);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Removes the run's private directory: the FIFO, and whatever the harness left there (a worker
 * whose setup() raised passes its traceback through a file that a killed harness cannot remove;
 * a LocalCluster's workers, killed with the run, their working directories). */
static void remove_dir(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void init_result(run_result *o, run_mode mode, int workers, int repeat)
{
    memset(o, 0, sizeof(*o));
    o->mode = mode;
    o->workers = workers;
    o->repeat = repeat;
    o->status = RUN_OK;
    o->wall_s = o->startup_s = o->teardown_s = o->first_ready_s = o->harness_s = NAN;
    o->cluster_start_s = NAN;
    o->cpu_s = o->cpu_utilization = NAN;
    o->peak_rss_bytes = o->io_read_bytes = o->io_write_bytes = NAN;
    o->pickle_arg_bytes = o->pickle_result_bytes = NAN;
    o->program.before_s = o->program.after_s = NAN;
    o->loop.blocked_fraction = o->loop.max_step_s = NAN;
    o->scale = 1.0;
    o->native_threads = o->threadpoolctl = o->nthreadpools = -1;
    o->cpu_native_s = o->cpu_interp_s = NAN;
    o->counters = (counters_values){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    stats_summarize(NULL, 0, &o->task_wall);
    stats_summarize(NULL, 0, &o->task_cpu);
}

/* The child between fork and exec: only async-signal-safe calls from here on. */
static void exec_harness(const runner_env *env, const char *const argv[], char *const envp[], int ctl,
                         int go, int sync_r, int exec_err, int out_fd, int err_fd)
{
    char c;
    child_detach();
    int devnull = open("/dev/null", O_RDONLY);
    /* Move everything to high numbers first so that the dup2s below never clobber each other. */
    int fds[7] = {ctl, go, sync_r, exec_err, out_fd, err_fd, devnull};
    for (int i = 0; i < 7; i++)
        fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100);
    dup2(fds[6], 0);
    dup2(fds[4], 1);
    dup2(fds[5], 2);
    dup2(fds[0], CONTROL_FD);
    dup2(fds[1], GO_FD);
    dup2(fds[3], EXEC_ERR_FD);
    fcntl(EXEC_ERR_FD, F_SETFD, FD_CLOEXEC);
    int sync_fd = fds[2];
    /* Wait until the parent has bound us and attached the counters; EOF means it is gone. */
    ssize_t n;
    do
        n = read(sync_fd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(126);
    /* Every other descriptor goes, PAPI's perf descriptors (opened without close-on-exec)
     * included: the harness gets exactly what the protocol says. */
    closefrom(EXEC_ERR_FD + 1);
    execve(env->python, (char *const *)argv, envp);
    int e = errno;
    ssize_t w = write(EXEC_ERR_FD, &e, sizeof(e));
    (void)w;
    _exit(127);
}

/* Room harness_argv needs: its own arguments (about 30 at most, with every option and a
 * program's), the program's, and the NULL. */
static size_t harness_argv_len(const runner_env *env)
{
    return 48 + (size_t)(env->program ? env->nprogram_args : 0);
}

/* A program's part of the harness's command line, from argv[a]: --program, --stdin, and its own
 * arguments after a lone --. Returns the next free index. */
static int program_argv(const runner_env *env, const char **argv, int a)
{
    if (!env->program)
        return a;
    argv[a++] = "--program";
    argv[a++] = env->program;
    if (env->stdin_path) {
        argv[a++] = "--stdin";
        argv[a++] = env->stdin_path;
    }
    argv[a++] = "--";
    for (int i = 0; i < env->nprogram_args; i++)
        argv[a++] = env->program_args[i];
    return a;
}

/* Mode dask's options of the harness's command line, from argv[a] on; returns the next a. */
static int dask_argv(const runner_env *env, run_mode mode, char *timeout_s, const char **argv,
                     int a)
{
    if (!mode_get(mode)->cluster)
        return a;
    if (env->dask_scheduler) {
        argv[a++] = "--dask-scheduler";
        argv[a++] = env->dask_scheduler;
    }
    if (env->dask_timeout_s > 0) {
        snprintf(timeout_s, 16, "%g", env->dask_timeout_s);
        argv[a++] = "--dask-timeout";
        argv[a++] = timeout_s;
    }
    return a;
}

/* The harness's command line for one run (argv[0] the interpreter); nums holds its numbers. */
static void harness_argv(const runner_env *env, run_mode mode, int workers, bool sampled,
                         char nums[6][16], const char **argv)
{
    char *workers_s = nums[0], *chunk_s = nums[1], *tasks_s = nums[2], *sample_s = nums[3];
    char *concurrency_s = nums[4];
    snprintf(concurrency_s, 16, "%d", env->concurrency);
    snprintf(workers_s, 16, "%d", workers);
    snprintf(chunk_s, 16, "%d", env->chunksize);
    snprintf(tasks_s, 16, "%d", env->tasks);
    snprintf(sample_s, 16, "%d", env->sample_of);
    int a = 0;
    argv[a++] = env->python;
    argv[a++] = env->harness;
    argv[a++] = "--workload";
    argv[a++] = env->workload;
    argv[a++] = "--mode";
    argv[a++] = mode_name(mode);
    argv[a++] = "--workers";
    argv[a++] = workers_s;
    if (env->tasks > 0) {
        argv[a++] = "--tasks";
        argv[a++] = tasks_s;
    }
    if (sampled) {
        argv[a++] = "--sample-of";
        argv[a++] = sample_s;
    }
    if (env->start_method && env->start_method[0]) {
        argv[a++] = "--start-method";
        argv[a++] = env->start_method;
    }
    if (mode_get(mode)->pickles && env->chunksize > 1) {
        argv[a++] = "--chunksize";
        argv[a++] = chunk_s;
    }
    if (env->loop && env->loop[0] && strcmp(env->loop, "asyncio") != 0) {
        argv[a++] = "--loop";
        argv[a++] = env->loop;
    }
    if (mode_get(mode)->pickles && env->concurrency > 0) {
        argv[a++] = "--concurrency";
        argv[a++] = concurrency_s;
    }
    a = dask_argv(env, mode, nums[5], argv, a);
    argv[a++] = "--control-fd";
    argv[a++] = "3";
    argv[a++] = "--go-fd";
    argv[a++] = "4";
    a = program_argv(env, argv, a);
    argv[a] = NULL;
}

/* Binds the harness before it runs a single instruction of Python: single mode to its one PU,
 * pools to the union of their workers' PUs (each worker is narrowed as it announces). Returns the
 * CPUs the run's processes can use. */
static int bind_harness(const run_ctx *x, pid_t pid)
{
    const runner_env *env = x->env;
    char err[256] = "";
    int pus[PLAN_WORKER_CAP], npus = 0;
    topology_slot all[PLAN_WORKER_CAP];
    const topology_slot *slots = x->slots;
    int nslots = x->workers;
    if (runner_deployed_single(env, x->mode) || x->bind_pus > 1) {
        /* The loop as deployed: every PU a plain `python job.py` could use; a pool's shares as
         * deployed cover them all too. */
        topology_info info;
        topology_get_info(env->topo, &info);
        nslots = info.allowed_pus < PLAN_WORKER_CAP ? info.allowed_pus : PLAN_WORKER_CAP;
        if (nslots < 1 || topology_place(env->topo, nslots, all) < 0)
            nslots = x->workers;
        else
            slots = all;
    }
    for (int i = 0; i < nslots; i++) {
        bool seen = false;
        for (int k = 0; k < npus; k++)
            seen |= pus[k] == slots[i].pu;
        if (!seen)
            pus[npus++] = slots[i].pu;
    }
    if (topology_bind_set(env->topo, pid, pus, npus, err, sizeof(err)) == 0)
        return npus;
    log_warn("could not bind the harness: %s", err);
    topology_info info;
    topology_get_info(env->topo, &info);
    return info.pus;
}

/* Until the harness exits, the deadline passes or a signal asks concur to stop: the control lines
 * as they come, and the process tree's memory every RSS_WALK_S. Returns whether it timed out. */
static bool wait_for_harness(run_ctx *x, child_proc *c, int ctl_r, double deadline)
{
    while (!c->reaped) {
        if (stop_signal)
            return false;
        double now = util_now();
        if (now >= deadline)
            return true;
        double wait_s = fmin(deadline - now, 0.25);
        struct pollfd pfd[2] = {{.fd = ctl_r, .events = POLLIN}, {.fd = c->pidfd, .events = POLLIN}};
        int np = c->pidfd >= 0 ? 2 : 1;
        int r = poll(pfd, (nfds_t)np, (int)(wait_s * 1000) + 1);
        if (r < 0 && errno != EINTR)
            return false;
        if (r > 0 && (pfd[0].revents & POLLIN))
            drain_control(x, ctl_r);
        if (c->pidfd < 0 || (r > 0 && (pfd[1].revents & POLLIN)))
            child_try_reap(c, false);
        if (util_now() >= x->next_walk) {
            walk_tree(x);
            x->next_walk = util_now() + RSS_WALK_S;
        }
    }
    return false;
}

/* What kill_tree found outside the run's process group, in the run and on stderr. */
static void record_escaped(run_ctx *x, const child_proc *c, int left)
{
    run_result *out = x->out;
    out->escaped_killed = c->escaped;
    out->nescaped_commands = c->nescaped_commands;
    memcpy(out->escaped_commands, c->escaped_commands, sizeof(out->escaped_commands));
    if (c->escaped > 0) {
        char names[RUN_ESCAPED_COMMANDS * (RUN_COMMAND_LEN + 2)] = "";
        for (int i = 0; i < c->nescaped_commands; i++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
                     c->escaped_commands[i]);
        log_warn("%s x%d: killed %d process(es) the workload started outside its process group "
                 "(%s)", mode_name(x->mode), x->out->workers, c->escaped, names);
    }
    if (left < 0)
        log_warn("%s x%d: some processes of the run did not die within %.0f s of SIGKILL",
                 mode_name(x->mode), x->out->workers, KILL_WAIT_S);
}

/* The counters over the measured window (final totals minus what was counted before the pool),
 * the CPU utilization they allow, and the peak memory of every process of the run. */
static void take_counts(run_ctx *x, child_proc *c, double t_fork, int run_pus)
{
    run_result *out = x->out;
    /* Counters over the measured window: final totals minus what was counted before the pool. */
    counters_values after;
    bool have_after = false;
    double counted_to = util_now();
    if (x->counters)
        have_after = counters_final(x->counters, &c->ru, &after) == 0;
    if (!have_after) {
        /* No counters attached: kernel accounting straight from wait4, always available. */
        rusage_values(&c->ru, &after);
        x->have_before = false;
    }
    if (x->have_before)
        counters_diff(&x->before, &after, &out->counters);
    else
        out->counters = after;
    out->cpu_s = out->counters.task_clock_s;
    /* What was counted outside the window: at most the time outside it within the counted span
     * (from the read at `start`, else from the fork: attach or exec) on every CPU of the run. */
    double counted_s = counted_to - (x->have_before ? x->counted_from : t_fork);
    out->cpu_utilization = results_cpu_utilization(out->cpu_s, out->wall_s, x->workers,
                                                   (counted_s - out->wall_s) * run_pus);

    /* Every process's own peak, summed; the harness's wait4 ru_maxrss also holds its reaped
     * children's (the largest), so it stands in only when nothing else was seen. */
    const double kb = 1024.0;
    for (int i = 0; i < c->nreaped_rss; i++)
        peak_note(x, c->reaped_rss[i].pid, (double)c->reaped_rss[i].maxrss_kb);
    double peak_kb = 0;
    for (int i = 0; i < x->npeaks; i++)
        peak_kb += x->peaks[i].kb;
    out->peak_rss_bytes = (x->npeaks > 0 ? peak_kb : (double)c->ru.ru_maxrss) * kb;
    out->io_read_bytes = nan_add(x->read_main, x->read_workers);
    out->io_write_bytes = nan_add(x->write_main, x->write_workers);
}

/* How the run ended, from what was seen: a signal to concur, the timeout (and whether setup()
 * was what hung), the harness's own error line, its death before its done line, or tasks that
 * raised. */
static void judge_end(run_ctx *x, const child_proc *c, bool timed_out, const char *stderr_log)
{
    run_result *out = x->out;
    int st = c->status;
    out->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? -WTERMSIG(st) : -1;
    if (stop_signal) {
        out->status = RUN_INTERRUPTED;
        snprintf(out->error, sizeof(out->error), "interrupted by %s", strsignal(stop_signal));
    } else if (timed_out) {
        out->status = RUN_TIMED_OUT;
        if (!explain_setup_hang(x, x->env->timeout_s))
            snprintf(out->error, sizeof(out->error),
                     "timed out after %.1f s (--timeout); the whole process tree was killed",
                     x->env->timeout_s);
    } else if (x->got_error) {
        /* status and message already set from the harness's error line; a program's own exit
         * is explained by what it last wrote */
        if (x->program_exit)
            explain_program_exit(out, x->env->log_dir, stderr_log);
    } else if (!x->got_done) {
        out->status = RUN_CRASHED;
        explain_death(out, x, st, x->env->log_dir, stderr_log);
    } else if (out->tasks_failed > 0) {
        out->status = RUN_TASKS_FAILED;
        snprintf(out->error, sizeof(out->error), "%d of %d tasks raised an exception",
                 out->tasks_failed, out->tasks);
    }

}

/* The run's private directory (dir, a mkdtemp template) with its control FIFO, which worker
 * processes open by path, and the pipes of the hand-over. Returns 0, or -1 with the run's error
 * set (dir made or not: its name says, cleanup removes it). */
static int open_channel(run_ctx *x, char *dir, char *fifo, int *ctl_r, int *ctl_w, int go[2],
                        int sync_p[2], int exec_err[2])
{
    if (mkdtemp(dir) == NULL) {
        snprintf(x->out->error, sizeof(x->out->error), "cannot create a directory in /tmp: %s",
                 strerror(errno));
        x->out->status = RUN_ERROR;
        return -1;
    }
    snprintf(fifo, PATH_MAX, "%s/control", dir);
    if (mkfifo(fifo, 0600) < 0) {
        snprintf(x->out->error, sizeof(x->out->error), "mkfifo %s: %s", fifo, strerror(errno));
        x->out->status = RUN_ERROR;
        return -1;
    }
    /* Read end opened read-write: the open does not block, and there is no EOF in between two
     * writers (the end of the run is told by the harness's exit, not by the FIFO). */
    *ctl_r = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    *ctl_w = open(fifo, O_WRONLY | O_CLOEXEC);
    if (*ctl_r < 0 || *ctl_w < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(sync_p, O_CLOEXEC) < 0 ||
        pipe2(exec_err, O_CLOEXEC) < 0) {
        snprintf(x->out->error, sizeof(x->out->error), "cannot set up the control channel: %s",
                 strerror(errno));
        x->out->status = RUN_ERROR;
        return -1;
    }
    return 0;
}

/* Lets the child go (one byte on the sync pipe, which it waits on before it execs or runs), and
 * for a child that execs, waits for the exec: an errno back on exec_err means it failed. Returns
 * 0, or -1 with the run's error set. */
static int let_go(run_ctx *x, int sync_p[2], int exec_err_r, bool forked)
{
    ssize_t w;
    do
        w = write(sync_p[1], "x", 1);
    while (w < 0 && errno == EINTR);
    close(sync_p[1]), sync_p[1] = -1;
    int exec_errno = 0;
    ssize_t n = 0;
    if (!forked) /* a forked run has no exec to fail */
        do
            n = read(exec_err_r, &exec_errno, sizeof(exec_errno));
        while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(exec_errno))
        return 0;
    snprintf(x->out->error, sizeof(x->out->error), "cannot execute %s: %s", x->env->python,
             strerror(exec_errno));
    x->out->status = RUN_ERROR;
    return -1;
}

/* The run's environment: concur's, with the control FIFO's path (ctl_env), CONCUR_BIND where the
 * runner binds each worker, and with a native limit its variables (limit_env), replacing the
 * user's own. */
static char **run_environ(char *ctl_env, int bind, int limit, char limit_env[][48])
{
    size_t e;
    char **envp = child_environ(2 + NATIVE_LIMIT_VARS, &e);
    if (limit > 0) {
        size_t k = 0;
        for (size_t i = 0; i < e; i++)
            if (!is_native_limit_var(envp[i]))
                envp[k++] = envp[i];
        e = k;
        for (int i = 0; i < NATIVE_LIMIT_VARS; i++)
            envp[e++] = limit_env[i];
    }
    envp[e++] = ctl_env;
    static char bind_env[32];
    snprintf(bind_env, sizeof(bind_env), "CONCUR_BIND=%d", bind);
    if (bind > 0)
        envp[e++] = bind_env;
    envp[e] = NULL;
    return envp;
}

/* The run's context and its result as far as they are known before anything starts: what was
 * asked (the harness's done line says what the pool really used). */
static void begin_run(run_ctx *x, const runner_env *env, run_mode mode, int workers, int repeat,
                      run_result *out)
{
    memset(x, 0, sizeof(*x));
    x->env = env;
    x->out = out;
    x->mode = mode;
    x->workers = mode_threads(mode, workers);
    x->read_workers = x->write_workers = NAN;
    x->read_main = x->write_main = NAN;
    /* asyncio's workers are its concurrency, on the one thread the runner places and samples. */
    init_result(out, mode, mode_get(mode)->coroutines ? workers : x->workers, repeat);
    out->loop.concurrency = mode_get(mode)->coroutines ? workers : env->concurrency;
    x->bind_pus = runner_bind_pus(env, mode, x->workers);
    /* What was asked; the harness's done line says what the pool really used. */
    out->variant = env->variant;
    out->native_limit = env->native_limit;
    if (mode_get(mode)->pickles) {
        out->chunksize = env->chunksize > 1 ? env->chunksize : 1;
        if (env->start_method)
            snprintf(out->start_method, sizeof(out->start_method), "%s", env->start_method);
    }
    out->tasks = env->tasks;
    out->sample_of = env->tasks > 0 && env->sample_of > env->tasks ? env->sample_of : 0;
}

/* Starts the harness: forked from the zygote where there is one, else forked and exec'd here
 * (zfds: the control, go, sync, stdout and stderr descriptors it gets). Returns 1 for a run forked
 * from the zygote, 0 for one that execs, -1 with the run's error set. */
static int launch(run_ctx *x, child_proc *c, const char **argv, char **envp, const char *fifo,
                  int zfds[ZYGOTE_NFDS], int exec_err_w)
{
    const runner_env *env = x->env;
    if (zygote_launch(env->zygote, argv + 2, fifo, x->bind_pus, env->native_limit, zfds,
                      &c->pid) == 0)
        return 1;
    c->pid = fork();
    if (c->pid < 0) {
        snprintf(x->out->error, sizeof(x->out->error), "fork: %s", strerror(errno));
        x->out->status = RUN_ERROR;
        return -1;
    }
    if (c->pid == 0)
        exec_harness(env, argv, envp, zfds[0], zfds[1], zfds[2], exec_err_w, zfds[3], zfds[4]);
    setpgid(c->pid, c->pid); /* also here: no race with the first kill(-pid) */
    return 0;
}

/* Whatever the run still holds, however it ended: the sampler, the counters, the process tree,
 * the descriptors (-1: closed already), empty logs, the private directory. */
static void release_run(run_ctx *x, child_proc *c, const int *fds, size_t nfds, const char *dir,
                        char logname[2][64])
{
    if (x->sampler) {
        sampler_report rep;
        sampler_stop(x->sampler, &rep);
        sampler_report_free(&rep);
    }
    if (x->counters)
        counters_close(x->counters);
    if (c->pid > 0 && !c->reaped)
        kill_tree(c);
    if (c->pidfd >= 0)
        close(c->pidfd);
    for (size_t i = 0; i < nfds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (x->env->log_dir && c->pid > 0) {
        drop_if_empty(x->env->log_dir, logname[0]);
        /* An error that sends the reader to the stderr log finds it, empty or not. */
        if (strstr(x->out->error, logname[1]) == NULL)
            drop_if_empty(x->env->log_dir, logname[1]);
    }
    free(x->line);
    free(x->ready);
    free(x->peaks);
    remove_dir(dir);
}

int runner_run(const runner_env *env, run_mode mode, int workers, int repeat, run_result *out)
{
    run_ctx x;
    begin_run(&x, env, mode, workers, repeat, out);
    bool sampled = out->sample_of > 0;

    if (x.workers < 1 || x.workers > PLAN_WORKER_CAP ||
        topology_place(env->topo, x.workers, x.slots) < 0) {
        out->status = RUN_ERROR;
        snprintf(out->error, sizeof(out->error), "cannot place %d workers", x.workers);
        return -1;
    }

    /* Private directory for the control FIFO that worker processes open by path. */
    char dir[] = "/tmp/concur-XXXXXX";
    char fifo[PATH_MAX];
    int ctl_r = -1, ctl_w = -1, go[2] = {-1, -1}, sync_p[2] = {-1, -1}, exec_err[2] = {-1, -1};
    int out_fd = -1, err_fd = -1;
    int rc = -1;
    child_proc c = {.pid = -1, .pidfd = -1};
    char logname[2][64];
    const char **argv = NULL;

    if (open_channel(&x, dir, fifo, &ctl_r, &ctl_w, go, sync_p, exec_err) < 0)
        goto cleanup;
    snprintf(logname[0], sizeof(logname[0]), "%s-%d-r%d.stdout", mode_name(mode), out->workers,
             repeat);
    snprintf(logname[1], sizeof(logname[1]), "%s-%d-r%d.stderr", mode_name(mode), out->workers,
             repeat);
    out_fd = open_log(env->log_dir, logname[0]);
    err_fd = open_log(env->log_dir, logname[1]);
    if (out_fd < 0 || err_fd < 0) {
        snprintf(out->error, sizeof(out->error), "cannot write the workload's logs in %s: %s",
                 env->log_dir, strerror(errno));
        out->status = RUN_ERROR;
        goto cleanup;
    }

    /* Everything the child needs is prepared before fork: it only calls async-signal-safe
     * functions. */
    char nums[6][16];
    argv = xmalloc(sizeof(*argv) * harness_argv_len(env));
    harness_argv(env, mode, out->workers, sampled, nums, argv);

    char ctl_env[PATH_MAX + 32];
    snprintf(ctl_env, sizeof(ctl_env), "CONCUR_CONTROL_PATH=%s", fifo);
    char limit_env[NATIVE_LIMIT_VARS][48];
    native_limit_env(env->native_limit, limit_env);
    char **envp = run_environ(ctl_env, x.bind_pus, env->native_limit, limit_env);

    char serr[256] = "";
    x.sampler = sampler_start(SAMPLER_MAX_CPU, serr, sizeof(serr));
    if (x.sampler == NULL)
        log_warn("thread states will not be sampled: %s", serr);
    double t_fork = util_now();
    int zfds[ZYGOTE_NFDS] = {ctl_w, go[0], sync_p[0], out_fd, err_fd};
    int forked = launch(&x, &c, argv, envp, fifo, zfds, exec_err[1]);
    free(envp);
    if (forked < 0)
        goto cleanup;
    c.spare = runner_zygote_alive(env->zygote) ? env->zygote->pid : 0;
    x.spare = c.spare;
    x.harness_pid = c.pid;
    x.go_fd = go[1];
    close(ctl_w), ctl_w = -1;
    close(go[0]), go[0] = -1;
    close(sync_p[0]), sync_p[0] = -1;
    close(exec_err[1]), exec_err[1] = -1;
    close(out_fd), out_fd = -1;
    close(err_fd), err_fd = -1;
    c.pidfd = pidfd_open_compat(c.pid);

    /* the CPUs the run's processes can use, for results_cpu_utilization */
    int run_pus = bind_harness(&x, c.pid);
    if (env->counters) {
        char err[256] = "";
        x.counters = counters_attach(env->counters, c.pid, !forked, err, sizeof(err));
        if (x.counters == NULL)
            log_warn("counters: %s; this run has kernel accounting only", err);
    }
    if (let_go(&x, sync_p, exec_err[0], forked) < 0) {
        kill_tree(&c);
        goto cleanup;
    }

    bool timed_out = wait_for_harness(&x, &c, ctl_r,
                                      env->timeout_s > 0 ? t_fork + env->timeout_s : INFINITY);
    out->harness_s = util_now() - t_fork;
    drain_control(&x, ctl_r);
    walk_tree(&x); /* what is still alive, before it is killed */
    if (x.sampler) {
        sampler_report rep;
        sampler_stop(x.sampler, &rep);
        x.sampler = NULL;
        take_states(out, &rep);
        sampler_report_free(&rep);
    }

    int left = kill_tree(&c); /* reaps the harness too */
    record_escaped(&x, &c, left);
    drain_control(&x, ctl_r);

    judge_end(&x, &c, timed_out, logname[1]);
    take_counts(&x, &c, t_fork, run_pus);
    rc = 0;

cleanup:
    {
        int fds[] = {ctl_r, ctl_w, go[0], go[1], sync_p[0], sync_p[1], exec_err[0], exec_err[1],
                     out_fd, err_fd};
        release_run(&x, &c, fds, ARRAY_LEN(fds), dir, logname);
    }
    free(argv);
    return rc;
}

/* check_sampler.c - the thread-state sampler on Python children made to sit in one known state,
 * and its classification rules on recorded /proc lines. What it costs and how fast it stops are
 * figures for `make bench` (bench/instruments.c): here only that it reports them. A busy machine
 * stretches times and takes CPU from running threads, so fractions are asserted only where
 * the state cannot move with it: a thread asleep, blocked on a pipe, a lock or a child, or a
 * thread that is always either on a CPU or waiting for one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/sampler.h"
#include "concur/util.h"

#define MAX_TIDS 64

/* A Python child from tests/fixtures/sampler_child.py and what it printed. */
typedef struct {
    pid_t pid;
    uint64_t gil_lo, gil_hi;
    pid_t tids[MAX_TIDS];
    int ntids;
} child;

static char python[PATH_MAX];
/* The children of the running test, killed at exit even when an assertion ends it early. */
static pid_t live[4];
static int nlive;

/* Kills and reaps every child the test started, each with its process group (the subprocess
 * case has children of its own). */
static void kill_children(void)
{
    for (int i = 0; i < nlive; i++) {
        kill(-live[i], SIGKILL);
        kill(live[i], SIGKILL);
        waitpid(live[i], NULL, 0);
    }
    nlive = 0;
}

static void resolve_python(void)
{
    /* The interpreter itself, not a launcher (pyenv's python3 is a bash script): the threads
     * watched must be the ones the script starts. */
    FILE *f = popen("python3 -c 'import sys; print(sys.executable)'", "r");
    python[0] = '\0';
    if (f) {
        if (!fgets(python, sizeof python, f))
            python[0] = '\0';
        pclose(f);
    }
    python[strcspn(python, "\n")] = '\0';
}

static void setup(void)
{
    ck_assert_msg(python[0] == '/', "python3 not found");
    atexit(kill_children);
}

static void teardown(void)
{
    kill_children();
}

static const char *fixture(void)
{
    static char path[PATH_MAX];
    const char *src = getenv("CONCUR_SRC");
    snprintf(path, sizeof path, "%s/tests/fixtures/sampler_child.py", src ? src : ".");
    return path;
}

/* Starts the fixture with a case and reads its line. Fails the test when it does not come. */
static void child_start(child *c, const char *kase, const char *arg)
{
    int fds[2];
    memset(c, 0, sizeof *c);
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], STDOUT_FILENO);
        execl(python, python, fixture(), kase, arg, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    ck_assert_int_lt(nlive, (int)ARRAY_LEN(live));
    live[nlive++] = pid;
    close(fds[1]);

    char line[4096];
    size_t len = 0;
    while (len < sizeof line - 1 && !memchr(line, '\n', len)) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        ck_assert_msg(poll(&p, 1, 20000) == 1, "%s: no line from the child", kase);
        ssize_t n = read(fds[0], line + len, sizeof line - 1 - len);
        ck_assert_msg(n > 0, "%s: the child exited before its line", kase);
        len += (size_t)n;
    }
    line[len] = '\0';
    close(fds[0]);

    char *p = line, *end;
    c->pid = (pid_t)strtol(p, &end, 10);
    c->gil_lo = strtoull(end, &end, 10);
    c->gil_hi = strtoull(end, &end, 10);
    ck_assert_int_eq(c->pid, pid);
    for (p = end; c->ntids < MAX_TIDS; p = end) {
        long tid = strtol(p, &end, 10);
        if (end == p)
            break;
        c->tids[c->ntids++] = (pid_t)tid;
    }
}

static void sleep_s(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The state letter of a thread in /proc, or 0 once it is gone. */
static char thread_state_letter(pid_t pid, pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

/* Waits until every thread the child named is blocked (S or D), in the call its case is about:
 * the fixture gives them 50 ms, which a busy machine may not. The deadline is a safety net. */
static void wait_blocked(const child *c)
{
    double deadline = util_now() + 20;
    for (int i = 0; i < c->ntids; i++) {
        char st;
        while ((st = thread_state_letter(c->pid, c->tids[i])) != 'S' && st != 'D') {
            ck_assert_msg(st != 0, "thread %d of %d is gone", (int)c->tids[i], (int)c->pid);
            ck_assert_msg(util_now() < deadline, "thread %d of %d never blocked (state %c)",
                          (int)c->tids[i], (int)c->pid, st);
            sleep_s(0.005);
        }
    }
}

/* Waits until the child has at least n threads, or, with n < 0, until thread tid is gone. */
static void wait_threads(pid_t pid, int n, pid_t gone)
{
    double deadline = util_now() + 20;
    for (;;) {
        if (n < 0 && thread_state_letter(pid, gone) == 0)
            return;
        if (n >= 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
            DIR *d = opendir(path);
            ck_assert_ptr_nonnull(d);
            int k = 0;
            struct dirent *e;
            while ((e = readdir(d)) != NULL)
                k += e->d_name[0] != '.';
            closedir(d);
            if (k >= n)
                return;
        }
        ck_assert_msg(util_now() < deadline, "process %d: still waiting for its threads", (int)pid);
        sleep_s(0.005);
    }
}

static void print_hist(const char *what, const state_hist *h)
{
    char buf[512];
    size_t len = 0;
    for (int i = 0; i < TS_COUNT; i++)
        if (h->counts[i] > 0.0)
            len += (size_t)snprintf(buf + len, sizeof buf - len, " %s %.3f",
                                    sampler_state_name((thread_state)i),
                                    sampler_fraction(h, (thread_state)i));
    buf[len] = '\0';
    fprintf(stderr, "sampler %s: %.0f samples:%s\n", what, h->total, buf);
}

/* Starts a sampler, watches every thread the child named as worker 0, 1, ... (with the child's
 * GIL range when use_gil), samples for secs and stops. */
static void sample_child(const child *c, bool use_gil, double secs, sampler_report *r)
{
    char err[256];
    sampler *s = sampler_start(0.01, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    if (use_gil)
        sampler_set_gil_range(s, c->pid, c->gil_lo, c->gil_hi);
    for (int i = 0; i < c->ntids; i++)
        ck_assert_int_eq(sampler_watch_thread(s, c->pid, c->tids[i], i), 0);
    sleep_s(secs);
    sampler_stop(s, r);
}

/* One thread, one state: the dominant state and how dominant. */
typedef struct {
    const char *kase;
    thread_state state;
    double min_fraction;
} state_case;

static const state_case state_cases[] = {
    {"sleep", TS_SLEEP, 0.8},
    {"pipe", TS_IO_WAIT, 0.8},
    {"lock", TS_LOCK_WAIT, 0.8},
    {"subprocess", TS_CHILD_WAIT, 0.8},
};

START_TEST(test_dominant_state)
{
    const state_case *sc = &state_cases[_i];
    child c;
    sampler_report r;
    child_start(&c, sc->kase, NULL);
    ck_assert_int_eq(c.ntids, 1);
    wait_blocked(&c);
    sample_child(&c, true, 0.8, &r);
    kill_children();
    print_hist(sc->kase, &r.total);
    ck_assert_int_eq(r.nworkers, 1);
    ck_assert_double_gt(r.total.total, 10);
    ck_assert_msg(sampler_fraction(&r.total, sc->state) > sc->min_fraction,
                  "%s: %s fraction %.3f", sc->kase, sampler_state_name(sc->state),
                  sampler_fraction(&r.total, sc->state));
    /* Where the harness gives a GIL range, none of these waits is the GIL's. */
    ck_assert_double_lt(sampler_fraction(&r.total, TS_GIL_WAIT), 0.02);
    ck_assert(r.gil_distinguished == (c.gil_lo < c.gil_hi));
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_cpu_threads_gil)
{
    child c;
    sampler_report r;
    child_start(&c, "cpu2", NULL);
    ck_assert_int_eq(c.ntids, 2);
    if (c.gil_lo >= c.gil_hi) {
        kill_children();
        SKIP_TEST("this interpreter reports no GIL range");
    }
    sample_child(&c, true, 0.8, &r);
    kill_children();
    print_hist("cpu2", &r.total);
    ck_assert(r.gil_distinguished);
    ck_assert_int_eq(r.nworkers, 2);
    /* Each thread is at every moment on a CPU or queued for one (state R), or waiting for the GIL
     * the other holds: how the time splits between those depends on what else wants the CPUs
     * (a thread the GIL woke may wait in the run queue), that it splits so does not. */
    double run = sampler_fraction(&r.total, TS_RUNNING) + sampler_fraction(&r.total, TS_RUNNABLE);
    double gil = sampler_fraction(&r.total, TS_GIL_WAIT);
    ck_assert_msg(run > 0 && gil > 0, "running + runnable %.3f, gil_wait %.3f", run, gil);
    ck_assert_msg(run + gil > 0.9, "running + runnable + gil_wait %.3f", run + gil);
    ck_assert_double_lt(sampler_fraction(&r.total, TS_LOCK_WAIT), 0.05);
    /* Each thread waits for the GIL in turn. */
    for (int w = 0; w < 2; w++)
        ck_assert_double_gt(sampler_fraction(&r.workers[w], TS_GIL_WAIT), 0.0);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_cpu_threads_without_range)
{
    child c;
    sampler_report r;
    child_start(&c, "cpu2", NULL);
    /* Elsewhere (PyPy) a GIL waiter does not block in futex the same way. */
    if (c.gil_lo >= c.gil_hi) {
        kill_children();
        SKIP_TEST("this interpreter reports no GIL range");
    }
    sample_child(&c, false, 0.8, &r);
    kill_children();
    print_hist("cpu2 without a GIL range", &r.total);
    ck_assert(!r.gil_distinguished);
    ck_assert_double_eq(r.total.counts[TS_GIL_WAIT], 0.0);
    /* Without the range the same waits are a lock's like any other. */
    double run = sampler_fraction(&r.total, TS_RUNNING) + sampler_fraction(&r.total, TS_RUNNABLE);
    double lock = sampler_fraction(&r.total, TS_LOCK_WAIT);
    ck_assert_msg(lock > 0, "lock_wait %.3f", lock);
    ck_assert_msg(run + lock > 0.9, "running + runnable + lock_wait %.3f", run + lock);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_runnable)
{
    char err[256];
    child a, b;
    sampler_report r;
    /* Two single-threaded spinning processes on one CPU: at every moment one of them at least
     * waits in the run queue (both, where other work shares that CPU), and neither ever leaves
     * state R. */
    cpu_set_t one;
    CPU_ZERO(&one);
    ck_assert_int_eq(sched_getaffinity(0, sizeof one, &one), 0);
    int cpu = 0;
    while (!CPU_ISSET(cpu, &one))
        cpu++;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    child_start(&a, "spin", NULL);
    ck_assert_int_eq(sched_setaffinity(a.pid, sizeof one, &one), 0);
    child_start(&b, "spin", NULL);
    ck_assert_int_eq(sched_setaffinity(b.pid, sizeof one, &one), 0);
    sampler *s = sampler_start(0.01, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_int_eq(sampler_watch_thread(s, a.pid, a.tids[0], 0), 0);
    ck_assert_int_eq(sampler_watch_thread(s, b.pid, b.tids[0], 1), 0);
    sleep_s(0.8);
    sampler_stop(s, &r);
    kill_children();
    print_hist("two spinning processes on one CPU", &r.total);
    double run = sampler_fraction(&r.total, TS_RUNNING);
    double queued = sampler_fraction(&r.total, TS_RUNNABLE);
    /* Half the samples or more runnable in truth, but not as the sampler splits them: a thread
     * still in the run queue has no wait accounted yet (the kernel adds it when the thread gets
     * the CPU) and its sample counts as running. That gave 0.31-0.48 runnable on an idle
     * machine, and on a busy one, where threads wait longer, it can give less: both show. */
    ck_assert_msg(run > 0 && queued > 0, "running %.3f, runnable %.3f", run, queued);
    ck_assert_double_gt(run + queued, 0.95);
    sampler_report_free(&r);
}
END_TEST

static const int cost_threads[] = {2, 16};

START_TEST(test_cost)
{
    int n = cost_threads[_i];
    char arg[16];
    child c;
    sampler_report r;
    snprintf(arg, sizeof arg, "%d", n);
    child_start(&c, "many", arg);
    ck_assert_int_eq(c.ntids, n);
    wait_blocked(&c);
    sample_child(&c, true, 1.0, &r);
    kill_children();
    double frac = r.cpu_s / r.wall_s;
    fprintf(stderr, "sampler cost, %d threads: %d rounds in %.3f s (%.0f/s, mean interval "
            "%.2f ms), cpu %.4f s = %.2f %% of one core\n", n, r.rounds, r.wall_s,
            r.rounds / r.wall_s, r.interval_s * 1e3, r.cpu_s, 100.0 * frac);
    /* It sampled every thread, and says what that cost; how much is bench/instruments.c's. */
    ck_assert_int_eq(r.threads_seen, n);
    ck_assert_int_ge(r.rounds, 1);
    ck_assert_msg(r.cpu_s > 0 && r.cpu_s <= r.wall_s && r.interval_s > 0,
                  "cpu %.6f s over %.3f s, mean interval %.6f s", r.cpu_s, r.wall_s, r.interval_s);
    ck_assert_double_gt(sampler_fraction(&r.total, TS_SLEEP), 0.8);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_thread_exits)
{
    char err[256];
    child c;
    sampler_report r;
    child_start(&c, "exits", NULL);
    ck_assert_int_eq(c.ntids, 2);
    sampler *s = sampler_start(0.01, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    /* Both ways in: the two threads as workers, the rest of the process as others. */
    ck_assert_int_eq(sampler_watch_process(s, c.pid, -1), 0);
    ck_assert_int_eq(sampler_watch_thread(s, c.pid, c.tids[0], 0), 0);
    ck_assert_int_eq(sampler_watch_thread(s, c.pid, c.tids[1], 1), 0);
    sleep_s(0.3);
    /* The first thread ends when told to; the rest samples on without it. */
    ck_assert_int_eq(kill(c.pid, SIGUSR1), 0);
    wait_threads(c.pid, -1, c.tids[0]);
    sleep_s(0.5);
    /* The whole process goes too, while still watched. */
    kill_children();
    sleep_s(0.2);
    sampler_stop(s, &r);
    print_hist("exiting thread", &r.workers[0]);
    print_hist("staying thread", &r.workers[1]);
    ck_assert_int_eq(r.nworkers, 2);
    ck_assert_double_gt(r.workers[0].total, 2);
    /* One of its few samples may catch it on its way out, running or queued for a CPU. */
    ck_assert_double_gt(sampler_fraction(&r.workers[0], TS_SLEEP), 0.6);
    ck_assert_msg(r.workers[0].total < r.workers[1].total,
                  "the exited thread has %.0f samples, the other %.0f", r.workers[0].total,
                  r.workers[1].total);
    ck_assert_double_gt(sampler_fraction(&r.workers[1], TS_SLEEP), 0.8);
    /* The main thread sleeps too; each thread counted once. */
    ck_assert_double_gt(r.others.total, 5);
    ck_assert_int_eq(r.threads_seen, 3);
    ck_assert_double_eq(r.total.total, r.workers[0].total + r.workers[1].total);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_zombie_leader)
{
    char err[256];
    child c;
    sampler_report r;
    /* The main thread ends first and stays listed as a zombie until the process exits: it must
     * count as nothing, not as `other` on every round. */
    child_start(&c, "leader_exits", NULL);
    sampler *s = sampler_start(0.01, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_int_eq(sampler_watch_process(s, c.pid, -1), 0);
    sleep_s(0.6);
    sampler_stop(s, &r);
    kill_children();
    print_hist("process whose main thread exited", &r.others);
    ck_assert_double_gt(r.others.total, 10);
    ck_assert_double_gt(sampler_fraction(&r.others, TS_SLEEP), 0.9);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_new_threads_found)
{
    char err[256];
    child c;
    sampler_report r;
    child_start(&c, "late", NULL);
    ck_assert_int_eq(c.ntids, 0);
    sampler *s = sampler_start(0.01, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    sampler_set_gil_range(s, c.pid, c.gil_lo, c.gil_hi);
    ck_assert_int_eq(sampler_watch_process(s, c.pid, -1), 0);
    /* The readers start 0.3 s after the line: sample on for a while once they are there. */
    wait_threads(c.pid, 3, 0);
    sleep_s(0.5);
    sampler_stop(s, &r);
    kill_children();
    print_hist("threads started later", &r.others);
    ck_assert_int_eq(r.nworkers, 0);
    ck_assert_int_eq(r.threads_seen, 3);
    /* The main thread asleep all along, the readers on their pipe once started: how the samples
     * split between the two depends on when the readers came, that both show does not. */
    double io = sampler_fraction(&r.others, TS_IO_WAIT);
    double slept = sampler_fraction(&r.others, TS_SLEEP);
    ck_assert_msg(io > 0 && slept > 0 && io + slept > 0.9, "io_wait %.3f, sleep %.3f", io, slept);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_stop_while_waiting)
{
    char err[256];
    child c;
    sampler_report r;
    child_start(&c, "many", "16");
    /* A budget of 0.1 %: the sampler spends most of its time waiting, for up to 50 ms between
     * rounds and longer after its costly first ones. */
    sampler *s = sampler_start(0.001, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_int_eq(sampler_watch_process(s, c.pid, 0), 0);
    sleep_s(0.5);
    double t0 = util_now();
    sampler_stop(s, &r);
    double took = util_now() - t0;
    kill_children();
    fprintf(stderr, "sampler stop: %.2f ms (interval %.2f ms)\n", took * 1e3, r.interval_s * 1e3);
    /* It stops, with its report whole; how fast is bench/instruments.c's figure (the case's
     * timeout is the safety net). */
    ck_assert_int_eq(r.threads_seen, 17);
    ck_assert_int_ge(r.rounds, 1);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_watch_errors)
{
    char err[256];
    sampler_report r;
    ck_assert_ptr_null(sampler_start(0.0, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "budget"));
    ck_assert_ptr_null(sampler_start(NAN, err, sizeof err));
    sampler *s = sampler_start(0.01, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    /* A pid that cannot exist (above pid_max's ceiling) and a thread of this process that does
     * not. */
    ck_assert_int_eq(sampler_watch_process(s, 0x7ffffff0, 0), -1);
    ck_assert_int_eq(sampler_watch_thread(s, getpid(), 0x7ffffff0, 0), -1);
    ck_assert_int_eq(sampler_watch_thread(s, getpid(), getpid(), 0), 0);
    sleep_s(0.05);
    sampler_stop(s, &r);
    ck_assert_int_eq(r.threads_seen, 1);
    ck_assert(!r.gil_distinguished);
    sampler_report_free(&r);
    /* Nothing watched at all. */
    s = sampler_start(0.01, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    sampler_stop(s, &r);
    ck_assert_int_eq(r.rounds, 0);
    ck_assert_int_eq(r.nworkers, 0);
    ck_assert_ptr_null(r.workers);
    ck_assert(!r.gil_distinguished);
    ck_assert(isnan(sampler_fraction(&r.total, TS_RUNNING)));
    sampler_stop(NULL, &r);
    sampler_report_free(&r);
}
END_TEST

START_TEST(test_state_names)
{
    for (int i = 0; i < TS_COUNT; i++) {
        thread_state s;
        ck_assert_int_eq(sampler_parse_state(sampler_state_name((thread_state)i), &s), 0);
        ck_assert_int_eq(s, i);
    }
    thread_state s;
    ck_assert_int_eq(sampler_parse_state("blocked", &s), -1);
    ck_assert_int_eq(sampler_parse_state(NULL, &s), -1);
    ck_assert_str_eq(sampler_state_name(TS_GIL_WAIT), "gil_wait");
    ck_assert_str_eq(sampler_state_name(TS_CHILD_WAIT), "child_wait");
}
END_TEST

/* Recorded lines: stat state, syscall number (-1: the line is given whole), argument 0 and 1,
 * and the expected state with the GIL range [0x7f0000001000, 0x7f0000002000). */
typedef struct {
    char stat;
    long nr;
    uint64_t arg0, arg1;
    const char *line;
    thread_state expect;
} classify_case;

#define GIL_LO 0x7f0000001000ULL
#define GIL_HI 0x7f0000002000ULL

static const classify_case classify_cases[] = {
    {'R', -1, 0, 0, NULL, TS_RUNNING},
    {'R', SYS_futex, GIL_LO, 0x80, NULL, TS_RUNNING},
    {'S', SYS_futex, GIL_LO, 0x80, NULL, TS_GIL_WAIT},
    {'S', SYS_futex, GIL_HI - 4, 0x189, NULL, TS_GIL_WAIT},
    {'S', SYS_futex, GIL_HI, 0x80, NULL, TS_LOCK_WAIT},
    {'S', SYS_futex, 0x55d0000123a0ULL, 0x80, NULL, TS_LOCK_WAIT},
    {'D', SYS_read, 5, 0x7ffd0000, NULL, TS_IO_WAIT},
    {'S', SYS_read, 0, 0x7ffd0000, NULL, TS_IO_WAIT},
    {'S', SYS_write, 1, 0x7ffd0000, NULL, TS_IO_WAIT},
    {'S', SYS_recvfrom, 3, 0, NULL, TS_IO_WAIT},
    {'S', SYS_sendto, 3, 0, NULL, TS_IO_WAIT},
    {'S', SYS_pselect6, 4, 0x7ffd0000, NULL, TS_IO_WAIT},
    {'S', SYS_pselect6, 0, 0, NULL, TS_SLEEP},
    {'S', SYS_ppoll, 0x7ffd0000, 2, NULL, TS_IO_WAIT},
    {'S', SYS_ppoll, 0, 0, NULL, TS_SLEEP},
    {'S', SYS_epoll_pwait, 4, 0x7ffd0000, NULL, TS_IO_WAIT},
    {'S', SYS_accept4, 3, 0, NULL, TS_IO_WAIT},
    {'S', SYS_connect, 3, 0x7ffd0000, NULL, TS_IO_WAIT},
    {'D', SYS_fsync, 3, 0, NULL, TS_IO_WAIT},
    {'S', SYS_clock_nanosleep, 1, 0, NULL, TS_SLEEP},
    {'S', SYS_nanosleep, 0x7ffd0000, 0, NULL, TS_SLEEP},
    {'S', SYS_wait4, 1234, 0x7ffd0000, NULL, TS_CHILD_WAIT},
    {'S', SYS_waitid, 1, 1234, NULL, TS_CHILD_WAIT},
    {'S', SYS_getpid, 0, 0, NULL, TS_OTHER},
#ifdef SYS_select
    {'S', SYS_select, 0, 0, NULL, TS_SLEEP},
    {'S', SYS_select, 7, 0x7ffd0000, NULL, TS_IO_WAIT},
#endif
#ifdef SYS_poll
    {'S', SYS_poll, 0x7ffd0000, 1, NULL, TS_IO_WAIT},
#endif
#ifdef SYS_epoll_wait
    {'S', SYS_epoll_wait, 4, 0x7ffd0000, NULL, TS_IO_WAIT},
#endif
    {'S', -1, 0, 0, "running\n", TS_RUNNING},
    {'D', -1, 0, 0, "running\n", TS_IO_WAIT}, /* inside fsync: the kernel cannot stop it to read */
    {'D', -1, 0, 0, NULL, TS_IO_WAIT},
    {'S', -1, 0, 0, "-1 0x7ffd00001000 0x55d000001234\n", TS_OTHER},
    {'S', -1, 0, 0, "", TS_OTHER},
    {'S', -1, 0, 0, NULL, TS_OTHER},
    {'T', SYS_futex, GIL_LO, 0x80, NULL, TS_OTHER},
    {'Z', -1, 0, 0, "running\n", TS_OTHER},
};

START_TEST(test_classify)
{
    const classify_case *cc = &classify_cases[_i];
    char line[256];
    const char *text = cc->line;
    if (cc->nr >= 0) {
        /* As the kernel writes it: the number, six arguments, stack and instruction pointers. */
        snprintf(line, sizeof line,
                 "%ld 0x%" PRIx64 " 0x%" PRIx64 " 0x0 0x0 0x0 0x0 0x7ffd1234 0x7f00abcd\n", cc->nr,
                 cc->arg0, cc->arg1);
        text = line;
    }
    ck_assert_msg(sampler_classify(cc->stat, text, GIL_LO, GIL_HI) == cc->expect,
                  "case %d (%c, %s): got %s, want %s", _i, cc->stat, text ? text : "NULL",
                  sampler_state_name(sampler_classify(cc->stat, text, GIL_LO, GIL_HI)),
                  sampler_state_name(cc->expect));
    /* Without a GIL range no futex is the GIL's. */
    if (cc->expect == TS_GIL_WAIT)
        ck_assert_int_eq(sampler_classify(cc->stat, text, 0, 0), TS_LOCK_WAIT);
}
END_TEST

Suite *sampler_suite(void)
{
    Suite *s = suite_create("sampler");

    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_state_names);
    tcase_add_loop_test(tc, test_classify, 0, (int)ARRAY_LEN(classify_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("python");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, resolve_python, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_dominant_state, 0, (int)ARRAY_LEN(state_cases));
    tcase_add_test(tc, test_cpu_threads_gil);
    tcase_add_test(tc, test_cpu_threads_without_range);
    tcase_add_test(tc, test_thread_exits);
    tcase_add_test(tc, test_new_threads_found);
    tcase_add_test(tc, test_zombie_leader);
    tcase_add_test(tc, test_runnable);
    suite_add_tcase(s, tc);

    tc = tcase_create("cost");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, resolve_python, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_cost, 0, (int)ARRAY_LEN(cost_threads));
    tcase_add_test(tc, test_stop_while_waiting);
    tcase_add_test(tc, test_watch_errors);
    suite_add_tcase(s, tc);
    return s;
}

/* bench/instruments.c - what concur's own instruments cost and how close they come, as figures to
 * watch rather than tests (a shared, busy machine moves every one of them):
 *
 *   sampler cost      the thread-state sampler's CPU time over the time it sampled, at the 1 %
 *                     budget concur gives it, watching 2 and 16 sleeping threads of a Python child
 *   sampler stop      how long sampler_stop takes while the sampler waits out a long interval
 *                     (a 0.1 % budget, 16 threads)
 *   counters          task-clock counted over a window in which a child burns a known CPU time
 *                     (0.2 s in each of 2 threads, by their own clocks), per counter level
 *   capacity          the capacity probe's reading, idle and beside a thread spinning on every
 *                     core but the first
 *
 * Each figure is the median of a few repeats. Usage: build/bench-instruments [PYTHON]
 * (make bench runs it). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "concur/counters.h"
#include "concur/sampler.h"
#include "concur/stats.h"
#include "concur/topology.h"
#include "concur/util.h"

#define REPEAT 5
#define MAX_TIDS 32

static void sleep_s(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- a Python child with N sleeping threads ---- */

static const char sleeper_py[] =
    "import os, sys, threading, time\n"
    "n = int(sys.argv[1])\n"
    "ids, ready = [], threading.Semaphore(0)\n"
    "def sleep():\n"
    "    ids.append(threading.get_native_id())\n"
    "    ready.release()\n"
    "    time.sleep(3600)\n"
    "for _ in range(n):\n"
    "    threading.Thread(target=sleep, daemon=True).start()\n"
    "for _ in range(n):\n"
    "    ready.acquire()\n"
    "os.write(1, (' '.join(str(t) for t in [os.getpid()] + ids) + '\\n').encode())\n"
    "time.sleep(3600)\n";

typedef struct {
    pid_t pid;
    pid_t tids[MAX_TIDS];
    int ntids;
} sleeper;

static char state_letter(pid_t pid, pid_t tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    char *text = util_read_file(path, NULL);
    const char *p = text ? strrchr(text, ')') : NULL;
    char st = p && p[1] == ' ' ? p[2] : 0;
    free(text);
    return st;
}

/* Starts the child and waits until every thread it named sleeps. Returns 0 or -1. */
static int sleeper_start(const char *python, int n, sleeper *c)
{
    int fds[2];
    char arg[16];
    memset(c, 0, sizeof *c);
    snprintf(arg, sizeof arg, "%d", n);
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], STDOUT_FILENO);
        execlp(python, python, "-c", sleeper_py, arg, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    c->pid = pid;
    char line[1024];
    size_t len = 0;
    while (len < sizeof line - 1 && !memchr(line, '\n', len)) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        ssize_t got = poll(&p, 1, 30000) == 1 ? read(fds[0], line + len, sizeof line - 1 - len) : -1;
        if (got <= 0) {
            close(fds[0]);
            return -1;
        }
        len += (size_t)got;
    }
    close(fds[0]);
    line[len] = '\0';
    char *p = line, *end;
    strtol(p, &end, 10);
    for (p = end; c->ntids < MAX_TIDS; p = end) {
        long tid = strtol(p, &end, 10);
        if (end == p)
            break;
        c->tids[c->ntids++] = (pid_t)tid;
    }
    for (int i = 0; i < c->ntids; i++)
        for (double t0 = util_now(); state_letter(pid, c->tids[i]) != 'S';) {
            if (util_now() - t0 > 30)
                return -1;
            sleep_s(0.005);
        }
    return c->ntids == n ? 0 : -1;
}

static void sleeper_stop(sleeper *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        c->pid = 0;
    }
}

static int bench_sampler(const char *python)
{
    char err[256];
    static const int nthreads[] = {2, 16};
    for (size_t k = 0; k < ARRAY_LEN(nthreads); k++) {
        double cost[REPEAT], rate[REPEAT];
        for (int r = 0; r < REPEAT; r++) {
            sleeper c;
            if (sleeper_start(python, nthreads[k], &c) < 0) {
                sleeper_stop(&c);
                fprintf(stderr, "bench-instruments: no Python child with %d threads from %s\n",
                        nthreads[k], python);
                return -1;
            }
            sampler *s = sampler_start(0.01, err, sizeof err);
            if (s == NULL) {
                sleeper_stop(&c);
                fprintf(stderr, "bench-instruments: %s\n", err);
                return -1;
            }
            for (int i = 0; i < c.ntids; i++)
                sampler_watch_thread(s, c.pid, c.tids[i], i);
            sleep_s(1.0);
            sampler_report rep;
            sampler_stop(s, &rep);
            sleeper_stop(&c);
            cost[r] = 100.0 * rep.cpu_s / rep.wall_s;
            rate[r] = rep.rounds / rep.wall_s;
            sampler_report_free(&rep);
        }
        printf("sampler cost, %2d threads: %.2f %% of one core (max %.2f), %.0f rounds/s "
               "(budget 1 %%)\n", nthreads[k], stats_median(cost, REPEAT),
               stats_percentile(cost, REPEAT, 100), stats_median(rate, REPEAT));
    }

    double took[REPEAT];
    for (int r = 0; r < REPEAT; r++) {
        sleeper c;
        if (sleeper_start(python, 16, &c) < 0) {
            sleeper_stop(&c);
            return -1;
        }
        sampler *s = sampler_start(0.001, err, sizeof err);
        if (s == NULL) {
            sleeper_stop(&c);
            return -1;
        }
        sampler_watch_process(s, c.pid, 0);
        sleep_s(0.5);
        double t0 = util_now();
        sampler_report rep;
        sampler_stop(s, &rep);
        took[r] = util_now() - t0;
        sleeper_stop(&c);
        sampler_report_free(&rep);
    }
    printf("sampler stop, 16 threads, budget 0.1 %%: %.2f ms (max %.2f ms; target: a few ms, "
           "whatever the interval)\n", 1e3 * stats_median(took, REPEAT),
           1e3 * stats_percentile(took, REPEAT, 100));
    return 0;
}

/* ---- counters: a forked child burns 0.2 s of CPU in each of 2 threads ---- */

#define BURN_S 0.2
#define BURN_THREADS 2

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *burn(void *arg)
{
    unsigned long *sum = arg;
    double start = thread_cpu_s();
    while (thread_cpu_s() - start < BURN_S)
        for (unsigned long i = 0; i < 10000; i++)
            *(volatile unsigned long *)sum += i;
    return NULL;
}

/* The task-clock of the window in which the child burned, or NAN. */
static double counted_burn(const counters_probe *probe)
{
    int go[2];
    char c = 'x', err[256];
    if (pipe2(go, O_CLOEXEC) < 0)
        return NAN;
    pid_t pid = fork();
    if (pid < 0)
        return NAN;
    if (pid == 0) {
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        pthread_t t[BURN_THREADS];
        unsigned long sums[BURN_THREADS] = {0};
        for (int i = 0; i < BURN_THREADS; i++)
            if (pthread_create(&t[i], NULL, burn, &sums[i]) != 0)
                _exit(2);
        for (int i = 0; i < BURN_THREADS; i++)
            pthread_join(t[i], NULL);
        _exit(0);
    }
    close(go[0]);
    counters_set *s = counters_attach(probe, pid, false, err, sizeof err);
    counters_values alone, final, window;
    int st = 0;
    struct rusage ru;
    bool ok = s != NULL && counters_read(s, pid, &alone) == 0;
    ok = write(go[1], &c, 1) == 1 && ok;
    close(go[1]);
    ok = wait4(pid, &st, 0, &ru) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 && ok;
    ok = ok && counters_final(s, &ru, &final) == 0;
    counters_close(s);
    if (!ok) {
        fprintf(stderr, "bench-instruments: counting at %s failed%s%s\n",
                counters_level_name(probe->level), s ? "" : ": ", s ? "" : err);
        return NAN;
    }
    counters_diff(&alone, &final, &window);
    return window.task_clock_s;
}

static void bench_counters(void)
{
    counters_probe kernel = {.level = COUNTERS_KERNEL, .backend = COUNTERS_BACKEND_RUSAGE};
    counters_probe software;
    counters_detect(COUNTERS_SOFTWARE, &software);
    const counters_probe *levels[] = {&kernel, software.level >= COUNTERS_SOFTWARE ? &software
                                                                                   : NULL};
    const double want = BURN_S * BURN_THREADS;
    for (size_t k = 0; k < ARRAY_LEN(levels); k++) {
        if (levels[k] == NULL) {
            printf("counters, software: not here (%s)\n", software.why);
            continue;
        }
        double got[REPEAT];
        int n = 0;
        for (int r = 0; r < REPEAT; r++) {
            double v = counted_burn(levels[k]);
            if (isfinite(v))
                got[n++] = v;
        }
        if (n == 0)
            continue;
        double med = stats_median(got, n);
        printf("counters, %-8s: %.4f s task-clock for %.3f s of CPU work = %.3fx (%+.1f ms; "
               "range %.4f-%.4f s)\n", counters_level_name(levels[k]->level), med, want,
               med / want, 1e3 * (med - want), stats_percentile(got, n, 0),
               stats_percentile(got, n, 100));
    }
}

/* ---- the capacity probe ---- */

static volatile int hog_stop;

static void *hog(void *arg)
{
    const topology_slot *slot = arg;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(slot->pu, &one);
    sched_setaffinity((pid_t)syscall(SYS_gettid), sizeof(one), &one);
    volatile unsigned long x = 0;
    while (!hog_stop)
        x++;
    return NULL;
}

static void bench_capacity(void)
{
    char err[256];
    topology *t = topology_load(NULL, err, sizeof err);
    if (t == NULL) {
        printf("capacity: no topology (%s)\n", err);
        return;
    }
    topology_info info;
    topology_get_info(t, &info);
    int n = info.allowed_cores;
    double idle[REPEAT], loaded[REPEAT];
    for (int r = 0; r < REPEAT; r++)
        idle[r] = topology_measure_capacity(t, err, sizeof err);
    if (isnan(idle[0]) || n < 2) {
        printf("capacity: nothing to measure (%s)\n", err);
        topology_free(t);
        return;
    }
    topology_slot *slots = calloc((size_t)n, sizeof(*slots));
    pthread_t *hogs = calloc((size_t)n, sizeof(*hogs));
    if (slots == NULL || hogs == NULL || topology_place(t, n, slots) < 0) {
        free(slots);
        free(hogs);
        topology_free(t);
        return;
    }
    hog_stop = 0;
    int started = 1;
    for (int i = 1; i < n && pthread_create(&hogs[i], NULL, hog, &slots[i]) == 0; i++)
        started++;
    sleep_s(0.05);
    for (int r = 0; r < REPEAT; r++)
        loaded[r] = topology_measure_capacity(t, err, sizeof err);
    hog_stop = 1;
    for (int i = 1; i < started; i++)
        pthread_join(hogs[i], NULL);
    printf("capacity, %d cores: %.2f idle (range %.2f-%.2f); %.2f beside a spinning thread on %d "
           "of them (range %.2f-%.2f; %.1f if the probe's threads there got half their core)\n",
           n, stats_median(idle, REPEAT), stats_percentile(idle, REPEAT, 0),
           stats_percentile(idle, REPEAT, 100), stats_median(loaded, REPEAT), n - 1,
           stats_percentile(loaded, REPEAT, 0), stats_percentile(loaded, REPEAT, 100),
           1 + 0.5 * (n - 1));
    free(slots);
    free(hogs);
    topology_free(t);
}

int main(int argc, char **argv)
{
    const char *python = argc > 1 ? argv[1] : "python3";
    printf("concur's instruments, median of %d (a figure to watch, not a test)\n", REPEAT);
    fflush(stdout);
    int rc = bench_sampler(python);
    fflush(stdout);
    bench_counters();
    fflush(stdout);
    bench_capacity();
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

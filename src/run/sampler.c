/* sampler.c - the thread-state sampler: one pthread that re-reads /proc/<pid>/task/<tid>/{stat,
 * syscall,schedstat} of every watched thread with pread and sorts each sample into a state. */
#include "concur/sampler.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "concur/proc.h"
#include "concur/util.h"

/* The interval between rounds adapts to the sampler's own CPU time, within these bounds. */
#define FIRST_INTERVAL_NS 1000000ULL /* 1 ms, until the first rounds have been measured */
#define MIN_INTERVAL_NS 500000ULL    /* 0.5 ms: finer says nothing more about 5 ms GIL slices */
#define MAX_INTERVAL_NS 50000000ULL  /* 50 ms: past it, fewer threads per round instead */
/* The interval aims this far below the budget, so that noisy rounds do not push the average
 * over it. */
#define BUDGET_MARGIN 0.8
/* Weight of the newest cycle in the running estimates of the sampler's CPU costs. */
#define COST_WEIGHT 0.25
/* Watched processes are re-listed for new threads every RESCAN_ROUNDS rounds or RESCAN_NS,
 * whichever comes first, and after a round in which a thread vanished. */
#define RESCAN_ROUNDS 20
#define RESCAN_NS 100000000ULL

#define NS_PER_S 1000000000ULL

static const char *const state_names[TS_COUNT] = {
    "running", "runnable", "gil_wait", "lock_wait", "io_wait", "sleep", "child_wait", "other",
};

/* How a syscall's arguments refine its state. */
typedef enum {
    SC_PLAIN,  /* the state alone */
    SC_FUTEX,  /* argument 0 is the futex word: GIL or another lock */
    SC_SELECT, /* argument 0 is nfds: with none, select is a sleep (time.sleep before 3.11) */
    SC_POLL,   /* argument 1 is nfds: with none, poll is a sleep */
} syscall_kind;

typedef struct {
    long nr;
    thread_state state;
    syscall_kind kind;
} syscall_state;

/* Blocking syscalls by what the thread waits for; any other blocking syscall is TS_OTHER. Each
 * is guarded: architectures differ in which exist (no select, poll or open on arm64; the _time64
 * variants on 32-bit ones). */
static const syscall_state syscall_states[] = {
#ifdef SYS_futex
    {SYS_futex, TS_LOCK_WAIT, SC_FUTEX},
#endif
#ifdef SYS_futex_time64
    {SYS_futex_time64, TS_LOCK_WAIT, SC_FUTEX},
#endif
#ifdef SYS_futex_waitv
    /* Its words are in an array in the process's memory, which concur does not read. */
    {SYS_futex_waitv, TS_LOCK_WAIT, SC_PLAIN},
#endif
#ifdef SYS_read
    {SYS_read, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_readv
    {SYS_readv, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_pread64
    {SYS_pread64, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_preadv
    {SYS_preadv, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_preadv2
    {SYS_preadv2, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_write
    {SYS_write, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_writev
    {SYS_writev, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_pwrite64
    {SYS_pwrite64, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_pwritev
    {SYS_pwritev, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_pwritev2
    {SYS_pwritev2, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_sendfile
    {SYS_sendfile, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_splice
    {SYS_splice, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_recvfrom
    {SYS_recvfrom, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_recvmsg
    {SYS_recvmsg, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_recvmmsg
    {SYS_recvmmsg, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_recvmmsg_time64
    {SYS_recvmmsg_time64, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_sendto
    {SYS_sendto, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_sendmsg
    {SYS_sendmsg, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_sendmmsg
    {SYS_sendmmsg, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_accept
    {SYS_accept, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_accept4
    {SYS_accept4, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_connect
    {SYS_connect, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_select
    {SYS_select, TS_IO_WAIT, SC_SELECT},
#endif
#ifdef SYS_pselect6
    {SYS_pselect6, TS_IO_WAIT, SC_SELECT},
#endif
#ifdef SYS_pselect6_time64
    {SYS_pselect6_time64, TS_IO_WAIT, SC_SELECT},
#endif
#ifdef SYS_poll
    {SYS_poll, TS_IO_WAIT, SC_POLL},
#endif
#ifdef SYS_ppoll
    {SYS_ppoll, TS_IO_WAIT, SC_POLL},
#endif
#ifdef SYS_ppoll_time64
    {SYS_ppoll_time64, TS_IO_WAIT, SC_POLL},
#endif
#ifdef SYS_epoll_wait
    {SYS_epoll_wait, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_epoll_pwait
    {SYS_epoll_pwait, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_epoll_pwait2
    {SYS_epoll_pwait2, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_io_getevents
    {SYS_io_getevents, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_io_pgetevents
    {SYS_io_pgetevents, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_io_uring_enter
    {SYS_io_uring_enter, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_fsync
    {SYS_fsync, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_fdatasync
    {SYS_fdatasync, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_sync_file_range
    {SYS_sync_file_range, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_sync
    {SYS_sync, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_syncfs
    {SYS_syncfs, TS_IO_WAIT, SC_PLAIN},
#endif
    /* Blocked in open only on a slow file system (NFS, FUSE) or a FIFO without a peer. */
#ifdef SYS_open
    {SYS_open, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_openat
    {SYS_openat, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_openat2
    {SYS_openat2, TS_IO_WAIT, SC_PLAIN},
#endif
#ifdef SYS_nanosleep
    {SYS_nanosleep, TS_SLEEP, SC_PLAIN},
#endif
#ifdef SYS_clock_nanosleep
    {SYS_clock_nanosleep, TS_SLEEP, SC_PLAIN},
#endif
#ifdef SYS_clock_nanosleep_time64
    {SYS_clock_nanosleep_time64, TS_SLEEP, SC_PLAIN},
#endif
#ifdef SYS_wait4
    {SYS_wait4, TS_CHILD_WAIT, SC_PLAIN},
#endif
#ifdef SYS_waitid
    {SYS_waitid, TS_CHILD_WAIT, SC_PLAIN},
#endif
};

/* One watched thread, owned by the sampling thread once it has taken it over. */
typedef struct {
    pid_t pid, tid;
    int worker;
    bool explicit_watch; /* from sampler_watch_thread: keeps its own worker index */
    bool zombie;         /* exited, not yet reaped: kept only so that rescans skip it */
    bool listed;         /* a zombie still listed by its process's latest scan */
    bool sampled;
    bool have_sched;     /* cpu_ns and wait_ns hold a previous reading */
    int fd_stat, fd_syscall, fd_sched;
    uint64_t cpu_ns, wait_ns; /* schedstat at the previous reading */
} thread_entry;

/* One process watched whole: its task directory is re-listed for new threads. */
typedef struct {
    pid_t pid;
    int worker;
    DIR *dir;
} proc_entry;

typedef struct {
    pid_t pid;
    uint64_t lo, hi;
} gil_range;

/* A watch asked for by another thread, taken over by the sampling thread at its next round.
 * tid 0: a whole process, with its task directory already open. */
typedef struct {
    thread_entry thread;
    DIR *dir;
} pending_watch;

struct sampler {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    double max_cpu_fraction;
    uint64_t start_ns;

    /* Under mu: what other threads hand over. */
    bool stop;
    pending_watch *pending;
    int npending, cap_pending;
    gil_range *gil;
    int ngil, cap_gil;
    unsigned gil_version;
    pid_t *pids; /* every process watched, whole or by one of its threads */
    int npids, cap_pids;

    /* The sampling thread's own (read by sampler_stop after the join). */
    thread_entry *threads;
    int nthreads, cap_threads;
    proc_entry *procs;
    int nprocs, cap_procs;
    gil_range *gil_copy;
    int ngil_copy, cap_gil_copy;
    unsigned gil_copy_version;
    state_hist *workers;
    int nworkers;
    state_hist others;
    state_hist native;
    uint64_t cpu_native_ns, cpu_interp_ns;
    int rounds, threads_seen;
    int cursor; /* next thread of a round that samples only part of them */
    uint64_t first_round_ns, last_round_ns, cpu_ns;
};

const char *sampler_state_name(thread_state s)
{
    return (s >= 0 && s < TS_COUNT) ? state_names[s] : "?";
}

int sampler_parse_state(const char *name, thread_state *out)
{
    for (int i = 0; name && i < TS_COUNT; i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *out = (thread_state)i;
            return 0;
        }
    }
    return -1;
}

double sampler_fraction(const state_hist *h, thread_state s)
{
    if (!h || h->total <= 0.0 || s < 0 || s >= TS_COUNT)
        return NAN;
    return h->counts[s] / h->total;
}

/* Parses argument i (0-based) of a syscall line "nr arg0 arg1 ... sp pc". Returns 0 or -1. */
static int syscall_arg(const char *line, int i, uint64_t *out)
{
    const char *p = line;
    for (int k = 0; k <= i; k++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 16);
    if (end == p || errno)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

thread_state sampler_classify(char stat_state, const char *syscall_line, uint64_t gil_lo,
                              uint64_t gil_hi)
{
    if (stat_state == 'R')
        return TS_RUNNING;
    if ((stat_state != 'S' && stat_state != 'D') || !syscall_line)
        return stat_state == 'D' ? TS_IO_WAIT : TS_OTHER;
    /* A sleeping thread that answers "running" woke between the two reads. A thread in
     * uninterruptible sleep answers "running" too while the kernel cannot stop it to read its
     * registers (inside fsync, for one); that sleep is a wait for a device. */
    if (strncmp(syscall_line, "running", 7) == 0)
        return stat_state == 'D' ? TS_IO_WAIT : TS_RUNNING;
    char *end;
    errno = 0;
    long nr = strtol(syscall_line, &end, 10);
    /* -1: blocked outside any syscall (a page fault, a stop). */
    if (end == syscall_line || errno || nr < 0)
        return TS_OTHER;
    for (size_t i = 0; i < ARRAY_LEN(syscall_states); i++) {
        const syscall_state *e = &syscall_states[i];
        if (e->nr != nr)
            continue;
        uint64_t arg;
        switch (e->kind) {
        case SC_FUTEX:
            if (syscall_arg(syscall_line, 0, &arg) == 0 && gil_lo < gil_hi && arg >= gil_lo &&
                arg < gil_hi)
                return TS_GIL_WAIT;
            return TS_LOCK_WAIT;
        case SC_SELECT:
            return syscall_arg(syscall_line, 0, &arg) == 0 && arg == 0 ? TS_SLEEP : e->state;
        case SC_POLL:
            return syscall_arg(syscall_line, 1, &arg) == 0 && arg == 0 ? TS_SLEEP : e->state;
        case SC_PLAIN:
            return e->state;
        }
    }
    return TS_OTHER;
}

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void thread_close(thread_entry *t)
{
    close_fd(&t->fd_stat);
    close_fd(&t->fd_syscall);
    close_fd(&t->fd_sched);
}

/* Opens the three files of a thread, kept open for its lifetime. Returns 0, or -1 with errno
 * set when stat cannot be opened (the thread is gone). A syscall file that cannot be read (no
 * permission to trace the process) or a missing schedstat only makes the samples coarser. */
static int thread_open(thread_entry *t, pid_t pid, pid_t tid, int worker, bool explicit_watch)
{
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->tid = tid;
    t->worker = worker;
    t->explicit_watch = explicit_watch;
    t->fd_syscall = t->fd_sched = -1;
    t->fd_stat = proc_open(pid, tid, "stat");
    if (t->fd_stat < 0)
        return -1;
    t->fd_syscall = proc_open(pid, tid, "syscall");
    t->fd_sched = proc_open(pid, tid, "schedstat");
    return 0;
}

/* Whether t belongs to a native library's pool rather than the interpreter: a thread of a
 * process watched whole as a worker (or as SAMPLER_NATIVE) that is neither the process's main
 * thread nor a thread watched by its id (a thread-pool worker). */
static bool thread_native(const thread_entry *t)
{
    return !t->explicit_watch && t->tid != t->pid && t->worker != -1;
}

/* The histogram that a sample of worker w goes to; the per-worker array grows as needed. */
static state_hist *hist_for(sampler *s, int w)
{
    if (w < 0)
        return &s->others; /* SAMPLER_NATIVE's main thread too */
    if (w >= s->nworkers) {
        s->workers = xrealloc(s->workers, (size_t)(w + 1) * sizeof *s->workers);
        memset(s->workers + s->nworkers, 0, (size_t)(w + 1 - s->nworkers) * sizeof *s->workers);
        s->nworkers = w + 1;
    }
    return &s->workers[w];
}

static const gil_range *gil_lookup(const sampler *s, pid_t pid)
{
    for (int i = 0; i < s->ngil_copy; i++)
        if (s->gil_copy[i].pid == pid)
            return &s->gil_copy[i];
    return NULL;
}

static thread_entry *thread_find(sampler *s, pid_t pid, pid_t tid)
{
    for (int i = 0; i < s->nthreads; i++)
        if (s->threads[i].tid == tid && s->threads[i].pid == pid)
            return &s->threads[i];
    return NULL;
}

static void thread_add(sampler *s, const thread_entry *t)
{
    if (s->nthreads == s->cap_threads) {
        s->cap_threads = s->cap_threads ? 2 * s->cap_threads : 16;
        s->threads = xrealloc(s->threads, (size_t)s->cap_threads * sizeof *s->threads);
    }
    s->threads[s->nthreads++] = *t;
}

/* Reads on-CPU and run-queue nanoseconds since the previous reading (since the thread started,
 * on the first). Both 0 where schedstat cannot be read. */
static void schedstat_delta(thread_entry *t, uint64_t *dcpu, uint64_t *dwait)
{
    char buf[128];
    *dcpu = *dwait = 0;
    if (t->fd_sched < 0)
        return;
    ssize_t n = pread(t->fd_sched, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return;
    buf[n] = '\0';
    unsigned long long cpu, wait;
    if (sscanf(buf, "%llu %llu", &cpu, &wait) != 2)
        return;
    if (t->have_sched && cpu >= t->cpu_ns && wait >= t->wait_ns) {
        *dcpu = cpu - t->cpu_ns;
        *dwait = wait - t->wait_ns;
    } else if (!t->have_sched) {
        *dcpu = cpu;
        *dwait = wait;
    }
    t->cpu_ns = cpu;
    t->wait_ns = wait;
    t->have_sched = true;
}

/* Samples one thread into its worker's histogram. Returns 0, or -1 when the thread is gone
 * (its reads fail with ESRCH or return nothing) or has exited and awaits reaping (a zombie, kept
 * as such by the caller). */
static int thread_sample(sampler *s, thread_entry *t)
{
    char buf[1024];
    ssize_t n = pread(t->fd_stat, buf, sizeof buf, 0);
    if (n <= 0)
        return -1;
    /* Only the state is needed here: the head of the line, not the full parse. */
    proc_stat ps;
    if (proc_parse_stat_head(buf, (size_t)n, &ps) < 0)
        return 0;
    char st = ps.state;
    if (st == 'Z' || st == 'X') {
        t->zombie = true;
        return -1;
    }

    uint64_t dcpu = 0, dwait = 0;
    thread_state state = TS_OTHER;
    if (st == 'R') {
        state = TS_RUNNING;
        schedstat_delta(t, &dcpu, &dwait);
    } else if (st == 'S' || st == 'D') {
        char line[512];
        const char *sc = NULL;
        if (t->fd_syscall >= 0) {
            ssize_t m = pread(t->fd_syscall, line, sizeof line - 1, 0);
            if (m > 0) {
                line[m] = '\0';
                sc = line;
            } else if (m == 0 || errno == ESRCH) {
                return -1;
            } else if (errno == EACCES || errno == EPERM) {
                /* Not allowed to see this process's syscalls: it stays TS_OTHER from now on. */
                close_fd(&t->fd_syscall);
            }
        }
        const gil_range *g = gil_lookup(s, t->pid);
        state = sampler_classify(st, sc, g ? g->lo : 0, g ? g->hi : 0);
    }

    bool native = thread_native(t);
    state_hist *h = native ? &s->native : hist_for(s, t->worker);
    if (native)
        s->cpu_native_ns += dcpu;
    else if (t->worker >= 0)
        s->cpu_interp_ns += dcpu;
    if (state == TS_RUNNING) {
        /* A thread in state R is on a CPU or in the run queue; which one the letter does not
         * say. The sample is split in the proportion of on-CPU time to run-queue wait that the
         * kernel accounted for the thread since its previous R sample: a thread that shares its
         * CPU with another counts half running, half runnable. Time asleep adds to neither, so
         * the deltas need no reading on the samples in between. Without either, running. */
        double sum = (double)dcpu + (double)dwait;
        double run = sum > 0.0 ? (double)dcpu / sum : 1.0;
        h->counts[TS_RUNNING] += run;
        h->counts[TS_RUNNABLE] += 1.0 - run;
    } else {
        h->counts[state] += 1.0;
    }
    h->total += 1.0;
    if (!t->sampled) {
        t->sampled = true;
        s->threads_seen++;
    }
    return 0;
}

/* Lists a watched process's threads and takes over those not yet known. Returns 0, or -1 when
 * the process is gone (its task directory lists nothing). *reaped is set when a zombie it kept
 * is no longer listed (the caller then drops it). */
static int proc_scan(sampler *s, proc_entry *p, bool *reaped)
{
    int found = 0;
    for (int i = 0; i < s->nthreads; i++)
        if (s->threads[i].pid == p->pid)
            s->threads[i].listed = false;
    rewinddir(p->dir);
    pid_t tid;
    while (proc_next_task(p->dir, &tid) > 0) {
        found++;
        thread_entry *known = thread_find(s, p->pid, tid);
        if (known) {
            known->listed = true;
            continue;
        }
        thread_entry t;
        if (thread_open(&t, p->pid, tid, p->worker, false) == 0)
            thread_add(s, &t);
    }
    for (int i = 0; i < s->nthreads; i++) {
        thread_entry *t = &s->threads[i];
        if (t->pid == p->pid && t->zombie && !t->listed) {
            t->zombie = false;
            *reaped = true;
        }
    }
    return found ? 0 : -1;
}

static proc_entry *proc_find(sampler *s, pid_t pid)
{
    for (int i = 0; i < s->nprocs; i++)
        if (s->procs[i].pid == pid)
            return &s->procs[i];
    return NULL;
}

/* Takes over one watch handed over by another thread. Returns true when it added a process,
 * whose threads the caller then lists. */
static bool take_watch(sampler *s, pending_watch *w)
{
    thread_entry *t = &w->thread;
    if (t->tid == 0) {
        proc_entry *p = proc_find(s, t->pid);
        if (p) {
            closedir(w->dir);
            p->worker = t->worker;
            for (int i = 0; i < s->nthreads; i++)
                if (s->threads[i].pid == p->pid && !s->threads[i].explicit_watch)
                    s->threads[i].worker = t->worker;
            return false;
        }
        if (s->nprocs == s->cap_procs) {
            s->cap_procs = s->cap_procs ? 2 * s->cap_procs : 8;
            s->procs = xrealloc(s->procs, (size_t)s->cap_procs * sizeof *s->procs);
        }
        s->procs[s->nprocs++] = (proc_entry){.pid = t->pid, .worker = t->worker, .dir = w->dir};
        return true;
    }
    thread_entry *old = thread_find(s, t->pid, t->tid);
    if (old) {
        /* Already known from its process: it keeps its files and its schedstat baseline. */
        old->worker = t->worker;
        old->explicit_watch = true;
        thread_close(t);
        return false;
    }
    thread_add(s, t);
    return false;
}

/* Moves what other threads handed over (watches, GIL ranges) into the sampling thread's own
 * state. The mutex is held only to copy. Returns true when a new process needs listing. */
static bool take_pending(sampler *s)
{
    pending_watch *batch = NULL;
    int n = 0;
    bool added = false;

    pthread_mutex_lock(&s->mu);
    if (s->npending) {
        batch = s->pending;
        n = s->npending;
        s->pending = NULL;
        s->npending = s->cap_pending = 0;
    }
    if (s->gil_copy_version != s->gil_version) {
        if (s->cap_gil_copy < s->ngil) {
            s->cap_gil_copy = s->cap_gil;
            s->gil_copy = xrealloc(s->gil_copy, (size_t)s->cap_gil_copy * sizeof *s->gil_copy);
        }
        if (s->ngil)
            memcpy(s->gil_copy, s->gil, (size_t)s->ngil * sizeof *s->gil);
        s->ngil_copy = s->ngil;
        s->gil_copy_version = s->gil_version;
    }
    pthread_mutex_unlock(&s->mu);

    for (int i = 0; i < n; i++)
        added |= take_watch(s, &batch[i]);
    free(batch);
    return added;
}

/* Drops the threads that are gone (what they contributed stays in the histograms) and the
 * processes that are gone, keeping the order so that a partial round resumes where it was. */
static void compact(sampler *s)
{
    int j = 0, cursor = s->cursor;
    for (int i = 0; i < s->nprocs; i++)
        if (s->procs[i].dir)
            s->procs[j++] = s->procs[i];
    s->nprocs = j;
    j = 0;
    for (int i = 0; i < s->nthreads; i++) {
        thread_entry *t = &s->threads[i];
        if (t->fd_stat < 0 && !(t->zombie && proc_find(s, t->pid))) {
            if (i < s->cursor)
                cursor--;
            continue;
        }
        s->threads[j++] = *t;
    }
    s->nthreads = j;
    s->cursor = cursor < j ? cursor : 0;
}

/* One round: samples `batch` live threads (at most all of them), from where the previous
 * partial round stopped. Returns the number of samples taken; *lost is set when a thread
 * vanished. */
static int sample_round(sampler *s, int batch, bool *lost)
{
    int taken = 0;
    for (int k = 0; k < s->nthreads && taken < batch; k++) {
        if (s->cursor >= s->nthreads)
            s->cursor = 0;
        thread_entry *t = &s->threads[s->cursor++];
        if (t->fd_stat < 0)
            continue;
        taken++;
        if (thread_sample(s, t) < 0) {
            thread_close(t);
            *lost = true;
        }
    }
    return taken;
}

static int live_threads(const sampler *s)
{
    int n = 0;
    for (int i = 0; i < s->nthreads; i++)
        n += s->threads[i].fd_stat >= 0;
    return n;
}

static struct timespec to_timespec(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / NS_PER_S), .tv_nsec = (long)(ns % NS_PER_S)};
}

/* Waits until deadline (CLOCK_MONOTONIC ns) or until stopped; wakes early when a watch arrives
 * while nothing is being watched, so that the first samples are not a full interval late.
 * Returns true when stopped. */
static bool wait_until(sampler *s, uint64_t deadline, bool idle)
{
    struct timespec ts = to_timespec(deadline);
    bool stop;
    pthread_mutex_lock(&s->mu);
    while (!s->stop && !(idle && s->npending > 0)) {
        if (pthread_cond_timedwait(&s->cond, &s->mu, &ts) == ETIMEDOUT)
            break;
    }
    stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static void *sampler_main(void *arg)
{
    sampler *s = arg;
    const double budget = s->max_cpu_fraction * BUDGET_MARGIN;
    /* CPU seconds per cycle outside the samples (the wake-up, listing directories) and per thread
     * sample; < 0: not measured yet. */
    double fixed = -1.0, per_sample = -1.0;
    uint64_t interval = FIRST_INTERVAL_NS;
    int batch = 0, since_scan = 0;
    bool rescan = false;
    uint64_t last_scan = 0;
    uint64_t cycle_wall = clock_ns(CLOCK_MONOTONIC);
    uint64_t cycle_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);

    for (;;) {
        uint64_t now = cycle_wall;
        if (take_pending(s))
            rescan = true;
        if (rescan || since_scan >= RESCAN_ROUNDS || now - last_scan >= RESCAN_NS) {
            bool gone = false;
            for (int i = 0; i < s->nprocs; i++) {
                if (proc_scan(s, &s->procs[i], &gone) < 0) {
                    closedir(s->procs[i].dir);
                    s->procs[i].dir = NULL;
                    gone = true;
                }
            }
            if (gone)
                compact(s);
            rescan = false;
            since_scan = 0;
            last_scan = now;
        }

        int live = live_threads(s);
        int taken = 0;
        uint64_t round_cpu = 0;
        if (live > 0) {
            bool lost = false;
            uint64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
            taken = sample_round(s, batch > 0 && batch < live ? batch : live, &lost);
            round_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
            if (s->rounds == 0)
                s->first_round_ns = now;
            s->last_round_ns = now;
            s->rounds++;
            since_scan++;
            if (lost) {
                rescan = true;
                compact(s);
            }
        }

        /* The next interval: long enough that the CPU this thread spends per unit of wall time
         * stays under the budget, from the costs measured over the previous cycles. On a virtual
         * machine the wake-up costs more than the reads of a few threads. Where a full round
         * would need more than MAX_INTERVAL_NS, a round samples only part of the threads, in
         * turn. */
        if (live == 0) {
            /* Nothing to sample: a watch that arrives wakes the thread. */
            interval = MAX_INTERVAL_NS;
            batch = 0;
        } else if (fixed < 0.0 || per_sample < 0.0) {
            interval = FIRST_INTERVAL_NS;
            batch = 0;
        } else {
            double want = (fixed + per_sample * (double)live) / budget * 1e9;
            if (want <= (double)MAX_INTERVAL_NS) {
                interval = want < (double)MIN_INTERVAL_NS ? MIN_INTERVAL_NS : (uint64_t)want;
                batch = 0;
            } else {
                interval = MAX_INTERVAL_NS;
                double fit = (budget * (double)MAX_INTERVAL_NS / 1e9 - fixed) / per_sample;
                batch = fit < 1.0 ? 1 : fit < (double)live ? (int)fit : live;
            }
        }
        /* The estimates follow the typical cycle; the costly ones (starting, opening the files
         * of new threads, listing directories) are paid back by waiting until the average over
         * the sampler's whole life is within the budget again. */
        uint64_t deadline = cycle_wall + interval;
        uint64_t payback = s->start_ns +
                           (uint64_t)((double)clock_ns(CLOCK_THREAD_CPUTIME_ID) / budget);
        if (payback > deadline)
            deadline = payback;

        if (wait_until(s, deadline, live == 0))
            break;

        uint64_t wall = clock_ns(CLOCK_MONOTONIC);
        uint64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        if (taken > 0) {
            double f = (double)(cpu - cycle_cpu - round_cpu) / 1e9;
            double p = (double)round_cpu / 1e9 / (double)taken;
            fixed = fixed < 0.0 ? f : (1.0 - COST_WEIGHT) * fixed + COST_WEIGHT * f;
            per_sample = per_sample < 0.0 ? p : (1.0 - COST_WEIGHT) * per_sample + COST_WEIGHT * p;
        }
        cycle_wall = wall;
        cycle_cpu = cpu;
    }
    s->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    return NULL;
}

sampler *sampler_start(double max_cpu_fraction, char *err, size_t errlen)
{
    sampler *s = xcalloc(1, sizeof *s);
    pthread_condattr_t ca;
    sigset_t all, old;
    bool mu_init = false, cond_init = false;
    int rc;

    if (!(max_cpu_fraction > 0.0 && max_cpu_fraction <= 1.0)) {
        snprintf(err, errlen, "sampler: the CPU budget must be in (0, 1], got %g",
                 max_cpu_fraction);
        goto failed;
    }
    s->max_cpu_fraction = max_cpu_fraction;
    rc = pthread_mutex_init(&s->mu, NULL);
    if (rc) {
        snprintf(err, errlen, "sampler: pthread_mutex_init: %s", strerror(rc));
        goto failed;
    }
    mu_init = true;
    /* Deadlines on the monotonic clock: a wall-clock step must not stall or rush the rounds. */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    rc = pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc) {
        snprintf(err, errlen, "sampler: pthread_cond_init: %s", strerror(rc));
        goto failed;
    }
    cond_init = true;

    s->start_ns = clock_ns(CLOCK_MONOTONIC);
    /* The sampling thread blocks every signal (it inherits the mask): SIGINT, SIGTERM and
     * SIGCHLD stay with the threads that wait for them. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&s->thread, NULL, sampler_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        snprintf(err, errlen, "sampler: pthread_create: %s", strerror(rc));
        goto failed;
    }
    return s;

failed:
    if (cond_init)
        pthread_cond_destroy(&s->cond);
    if (mu_init)
        pthread_mutex_destroy(&s->mu);
    free(s);
    return NULL;
}

/* Remembers pid among the watched processes (under mu). */
static void note_pid(sampler *s, pid_t pid)
{
    for (int i = 0; i < s->npids; i++)
        if (s->pids[i] == pid)
            return;
    if (s->npids == s->cap_pids) {
        s->cap_pids = s->cap_pids ? 2 * s->cap_pids : 8;
        s->pids = xrealloc(s->pids, (size_t)s->cap_pids * sizeof *s->pids);
    }
    s->pids[s->npids++] = pid;
}

/* Queues a watch for the sampling thread (under mu) and wakes it. */
static void hand_over(sampler *s, const pending_watch *w)
{
    pthread_mutex_lock(&s->mu);
    if (s->npending == s->cap_pending) {
        s->cap_pending = s->cap_pending ? 2 * s->cap_pending : 8;
        s->pending = xrealloc(s->pending, (size_t)s->cap_pending * sizeof *s->pending);
    }
    s->pending[s->npending++] = *w;
    note_pid(s, w->thread.pid);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

void sampler_set_gil_range(sampler *s, pid_t pid, uint64_t lo, uint64_t hi)
{
    if (!s)
        return;
    if (hi < lo)
        lo = hi = 0;
    pthread_mutex_lock(&s->mu);
    int i;
    for (i = 0; i < s->ngil; i++)
        if (s->gil[i].pid == pid)
            break;
    if (i == s->ngil) {
        if (s->ngil == s->cap_gil) {
            s->cap_gil = s->cap_gil ? 2 * s->cap_gil : 8;
            s->gil = xrealloc(s->gil, (size_t)s->cap_gil * sizeof *s->gil);
        }
        s->ngil++;
    }
    s->gil[i] = (gil_range){.pid = pid, .lo = lo, .hi = hi};
    s->gil_version++;
    pthread_mutex_unlock(&s->mu);
}

int sampler_watch_process(sampler *s, pid_t pid, int worker)
{
    if (!s || pid <= 0)
        return -1;
    DIR *dir = proc_open_tasks(pid);
    if (!dir)
        return -1;
    pending_watch w = {.dir = dir};
    w.thread.pid = pid;
    w.thread.worker = worker;
    w.thread.fd_stat = w.thread.fd_syscall = w.thread.fd_sched = -1;
    hand_over(s, &w);
    return 0;
}

int sampler_watch_thread(sampler *s, pid_t pid, pid_t tid, int worker)
{
    if (!s || pid <= 0 || tid <= 0)
        return -1;
    pending_watch w = {.dir = NULL};
    /* Opened here rather than in the sampling thread: a thread that is already gone is reported
     * to the caller, and one that lives only briefly is held from now on. */
    if (thread_open(&w.thread, pid, tid, worker, true) < 0)
        return -1;
    hand_over(s, &w);
    return 0;
}

static void hist_add(state_hist *into, const state_hist *h)
{
    for (int i = 0; i < TS_COUNT; i++)
        into->counts[i] += h->counts[i];
    into->total += h->total;
}

void sampler_stop(sampler *s, sampler_report *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    uint64_t end = clock_ns(CLOCK_MONOTONIC);

    /* Watches handed over after the last round were never taken: they hold files too. */
    take_pending(s);

    if (out) {
        for (int w = 0; w < s->nworkers; w++)
            hist_add(&out->total, &s->workers[w]);
        out->others = s->others;
        out->native = s->native;
        out->cpu_native_s = (double)s->cpu_native_ns / 1e9;
        out->cpu_interp_s = (double)s->cpu_interp_ns / 1e9;
        out->workers = s->workers;
        out->nworkers = s->nworkers;
        s->workers = NULL;
        out->rounds = s->rounds;
        out->interval_s = s->rounds > 1 ? (double)(s->last_round_ns - s->first_round_ns) / 1e9 /
                                              (double)(s->rounds - 1)
                                        : 0.0;
        out->cpu_s = (double)s->cpu_ns / 1e9;
        out->wall_s = (double)(end - s->start_ns) / 1e9;
        out->threads_seen = s->threads_seen;
        /* The GIL is told apart only where every process that was watched said where it is. */
        bool all = s->npids > 0;
        for (int i = 0; i < s->npids && all; i++) {
            const gil_range *g = NULL;
            for (int k = 0; k < s->ngil; k++)
                if (s->gil[k].pid == s->pids[i])
                    g = &s->gil[k];
            all = g && g->lo < g->hi;
        }
        out->gil_distinguished = all;
    }

    for (int i = 0; i < s->nthreads; i++)
        thread_close(&s->threads[i]);
    for (int i = 0; i < s->nprocs; i++)
        if (s->procs[i].dir)
            closedir(s->procs[i].dir);
    free(s->threads);
    free(s->procs);
    free(s->workers);
    free(s->gil);
    free(s->gil_copy);
    free(s->pids);
    free(s->pending);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void sampler_report_free(sampler_report *r)
{
    if (!r)
        return;
    free(r->workers);
    r->workers = NULL;
    r->nworkers = 0;
}

/* sampler.h - what every worker thread is doing: a pthread that samples /proc for each watched
 * thread (stat, syscall, schedstat) and sorts each sample into a state. */
#ifndef CONCUR_SAMPLER_H
#define CONCUR_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum {
    TS_RUNNING = 0, /* on a CPU */
    TS_RUNNABLE,    /* ready, waiting for a CPU (run queue) */
    TS_GIL_WAIT,    /* futex on an address inside the interpreter's static data (_PyRuntime) */
    TS_LOCK_WAIT,   /* any other futex: threading.Lock, queues, or the GIL where it cannot be told */
    TS_IO_WAIT,     /* read, write, recv*, send*, poll, select, epoll_wait, accept, connect, fsync... */
    TS_SLEEP,       /* nanosleep, clock_nanosleep; select or poll on no fds (time.sleep < 3.11) */
    TS_CHILD_WAIT,  /* wait4, waitid */
    TS_OTHER,
    TS_COUNT
} thread_state;

/* Samples per state (a histogram); fractions are counts[s] / total. */
typedef struct {
    double counts[TS_COUNT];
    double total;
} state_hist;

/* "running", "runnable", "gil_wait", "lock_wait", "io_wait", "sleep", "child_wait", "other". */
const char *sampler_state_name(thread_state s);
/* Parses a state name. Returns 0 or -1. */
int sampler_parse_state(const char *name, thread_state *out);

/* counts[s] / total, or NAN when the histogram is empty. */
double sampler_fraction(const state_hist *h, thread_state s);

/* The state of one sample of a thread: stat_state is the state letter of
 * /proc/<pid>/task/<tid>/stat, syscall_line the text of .../syscall (NULL where it could not be
 * read), [gil_lo, gil_hi) the GIL range of its process (0, 0: none). 'R' gives TS_RUNNING (the
 * sampler splits it into running and runnable with schedstat); S or D go by the syscall, a futex
 * by its address (argument 0). "running" in the syscall file is TS_RUNNING after S (it woke
 * between the reads) and TS_IO_WAIT after D (the kernel could not stop it: a device wait), as is
 * D with an unreadable syscall file. Otherwise an unreadable syscall file, a state other than R,
 * S or D, or a malformed line gives TS_OTHER. Cannot fail. */
thread_state sampler_classify(char stat_state, const char *syscall_line, uint64_t gil_lo,
                              uint64_t gil_hi);

typedef struct sampler sampler;

/* Starts the sampling thread. max_cpu_fraction: the most of one core the sampler may use (0.01);
 * the interval adapts to it, measured with the thread's own CPU clock. The functions below may be
 * called from other threads while it samples. On error returns NULL with a reason in err. */
sampler *sampler_start(double max_cpu_fraction, char *err, size_t errlen);

/* The address range [lo, hi) that holds the GIL's futex words in process pid (the interpreter's
 * static data around _PyRuntime, reported by the harness). Without one (lo == hi == 0) every futex
 * wait of that process counts as lock_wait. */
void sampler_set_gil_range(sampler *s, pid_t pid, uint64_t lo, uint64_t hi);

/* Watches every thread of process pid, present and future, as worker `worker` (-1: not a worker,
 * such as the harness's main process: counted in `others`; SAMPLER_NATIVE: only for its native
 * threads, its main thread in `others`). In a process watched as a worker or as SAMPLER_NATIVE,
 * a thread that is neither its main thread nor watched by its id (sampler_watch_thread) belongs
 * to a native library's pool (BLAS, OpenMP): its samples go to `native`, not to the worker, so
 * that its idle futex wait is not taken for the job's lock contention. Returns 0 or -1 (the
 * process is gone). */
#define SAMPLER_NATIVE (-2)
int sampler_watch_process(sampler *s, pid_t pid, int worker);
/* Watches one thread as worker `worker`; it keeps that index when its process is watched too.
 * Returns 0, or -1 when the thread is gone. */
int sampler_watch_thread(sampler *s, pid_t pid, pid_t tid, int worker);

typedef struct {
    state_hist total;      /* every sample of every worker thread */
    state_hist others;     /* threads watched with worker -1 */
    state_hist native;     /* native pool threads (sampler_watch_process) */
    /* On-CPU time the kernel accounted (schedstat) to the native pool threads and to the worker
     * threads, summed over their running samples: where the CPU time went. */
    double cpu_native_s, cpu_interp_s;
    state_hist *workers;   /* per worker index 0..nworkers-1 */
    int nworkers;
    int rounds;            /* sampling rounds */
    double interval_s;     /* mean interval between rounds */
    double cpu_s;          /* the sampler thread's own CPU time */
    double wall_s;         /* from start to stop */
    bool gil_distinguished;/* every watched process had a GIL range (false with none watched) */
    int threads_seen;      /* distinct threads sampled at least once */
} sampler_report;

/* Stops and joins the thread (within a few milliseconds, whatever the interval), fills out (may
 * be NULL) and frees s. Samples of threads that ended before are kept. s NULL: out is zeroed. */
void sampler_stop(sampler *s, sampler_report *out);
void sampler_report_free(sampler_report *r);

#endif

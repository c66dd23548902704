/* results.h - everything a run measured, and results.json (schema concur.results/1), the source of
 * truth every report is rendered from. */
#ifndef CONCUR_RESULTS_H
#define CONCUR_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "concur/counters.h"
#include "concur/plan.h"
#include "concur/sampler.h"
#include "concur/stats.h"
#include "concur/topology.h"
#include "concur/verdict.h"

/* Where one worker actually ran, read back from the kernel after it was bound. */
typedef struct {
    int worker;            /* 0-based */
    pid_t pid;
    pid_t tid;
    int pu_planned;        /* OS index hwloc placement chose */
    int pu;                /* the single CPU the kernel reports, -1 when not exactly one */
    int core;              /* core logical index of pu, -1 unknown */
    char cpus_allowed[64]; /* kernel list form, as read back */
    int native_threads;    /* a worker process's native pool threads (its worker_exit line); -1
                              unknown, or a thread worker (its process's are the run's) */
} run_placement;

/* One native thread pool as threadpoolctl's threadpool_info() saw it in the harness. */
#define RUN_THREADPOOLS 4
typedef struct {
    char user_api[16];        /* "blas", "openmp" */
    char internal_api[16];    /* "openblas", "mkl", "blis", "openmp" */
    char version[24];
    char threading_layer[16]; /* "pthreads", "openmp", ... */
    int num_threads;
} run_threadpool;

typedef enum {
    RUN_OK = 0,
    RUN_TASKS_FAILED,   /* ran to the end, some tasks raised (counted) */
    RUN_SETUP_FAILED,   /* setup() raised: the pool never ran a task */
    RUN_WORKER_DIED,    /* a worker process died (os._exit, signal) */
    RUN_CRASHED,        /* the harness itself died (segfault, os._exit in a thread) */
    RUN_TIMED_OUT,      /* --timeout reached: the process tree was killed */
    RUN_INTERRUPTED,    /* SIGINT/SIGTERM */
    RUN_ERROR,          /* could not start, protocol error */
} run_status;

const char *results_status_name(run_status s);
/* Parses a status name. Returns 0 or -1. */
int results_parse_status(const char *s, run_status *out);

/* A task's result as the harness digests it (docs/protocol.md, task_digest): the CRC-32 of the
 * first 64 KiB of its pickle, 0 .. 2^32 - 1, or one of these. */
#define RESULT_RAISED (-1)      /* the task raised */
#define RESULT_NONE (-2)        /* it returned None: nothing to compare */
#define RESULT_UNPICKLABLE (-3) /* its result cannot be pickled: not compared */

/* The first differing task indices a run and a configuration keep, to name them. */
#define RESULTS_DIFFER_TASKS 4

/* How many distinct command names of escaped processes a run keeps, and their length. */
#define RUN_ESCAPED_COMMANDS 4
#define RUN_COMMAND_LEN 32

/* A program measured as it is (concur run --program): what one run saw through the pools it
 * swapped (docs/protocol.md, "Program mode"). */
#define PROGRAM_MAX_POOLS 8
#define PROGRAM_MAX_SEEN 4
#define PROGRAM_TEXT_LEN 160

typedef struct {
    char kind[40];              /* ThreadPoolExecutor, ProcessPoolExecutor, multiprocessing.Pool,
                                   multiprocessing.pool.ThreadPool */
    char site[PROGRAM_TEXT_LEN];/* file:line of the program's frame that created it */
    int asked;                  /* the workers the program asked for (the class's default where it
                                   named none) */
    bool asked_default;
    int tasks;                  /* calls it took */
} program_pool;

typedef struct {
    bool known;                 /* this run was a program's and said what it saw */
    int exit_code;              /* the program's own exit status */
    double before_s;            /* start -> its first call into a pool (NAN: it made none) */
    double after_s;             /* its last result -> its end (NAN: none) */
    int npools;                 /* pools created (only the first PROGRAM_MAX_POOLS are kept) */
    program_pool pools[PROGRAM_MAX_POOLS];
    int nseen;                  /* what concur could not swap: threads or processes started by
                                   hand, another executor library */
    char seen[PROGRAM_MAX_SEEN][PROGRAM_TEXT_LEN];
} program_run;

/* A coroutine workload's event loops during a run, from the harness's step timer (docs/asyncio.md):
 * how long the steps of its tasks held the loop, where no other coroutine could run. */
#define LOOP_LONGEST 3
typedef struct {
    bool measured;            /* a run of a coroutine workload: the fields below are known */
    int concurrency;          /* tasks in flight on one loop, as asked: asyncio's semaphore (its
                                 workers), a processes x asyncio follow-up's; 0 where each loop
                                 awaits its tasks in turn (and for a plain workload) */
    double blocked_fraction;  /* time in steps of at least 1 ms / (wall x loops): NAN unknown */
    double max_step_s;        /* the longest step of any task */
    int nlongest;             /* the longest steps, longest first, with their task indices */
    int longest_tasks[LOOP_LONGEST];
    double longest_s[LOOP_LONGEST];
    int one_step_tasks;       /* tasks that ran whole in one step: they never let the loop go */
    int pending_cancelled;    /* tasks left pending at the end of the run, cancelled by concur */
} loop_figures;

/* One run: one mode x worker count x repeat, one harness process. */
typedef struct run_result {
    run_mode mode;
    int workers;
    int repeat;            /* 1-based */
    int chunksize;         /* processes: map()'s chunksize (1 = the default); 0 otherwise */
    char start_method[16]; /* processes: the start method the pool used; "" otherwise */
    int native_limit;      /* the native thread limit the run was started with (OMP_NUM_THREADS
                              and the like, docs/native-threads.md); 0: none, as installed */
    bool variant;          /* a follow-up the advisor asked for (another chunksize, start method
                              or native limit), not part of the sweep: summarised apart */
    run_status status;
    char error[1024];      /* one line for humans, "" when ok */
    char traceback[2048];  /* last lines of the first traceback (task, setup or load), "" if none */
    int exit_code;         /* harness exit status, or -signal */
    bool setup_hung;       /* timed out while a worker that had announced itself was still in
                              setup(): every configuration would wait out --timeout the same way */
    bool hung;             /* a pool run stopped at its limit where single finished the same
                              tasks in a small part of it: likely a race or deadlock on shared
                              state (the strategy sets it; error says the numbers) */
    int escaped_killed;    /* processes the workload started outside the run's process group
                              (setsid, start_new_session) still alive at its end: concur killed them */
    int nescaped_commands; /* their distinct command names (argv[0]'s last part), the first few */
    char escaped_commands[RUN_ESCAPED_COMMANDS][RUN_COMMAND_LEN];

    double wall_s;         /* pool created -> all tasks done and pool shut down (NAN if unknown) */
    double startup_s;      /* pool created -> every worker ready (setup done) */
    double teardown_s;     /* last result in -> pool shut down (0 in single mode; NAN unknown) */
    double first_ready_s;  /* pool created -> first worker ready (NAN unknown) */
    double harness_s;      /* fork -> exit of the harness, interpreter start-up included */
    double cluster_start_s;/* dask: the LocalCluster's start, before the window opens (a user
                              keeps a cluster across jobs); NAN otherwise, and for a cluster
                              concur did not start (--dask-scheduler) */
    double at_s;           /* when it started, seconds after the measuring began (NAN unknown) */
    double host_probe_s;   /* the host's pace just before it on the run's PUs: a few passes of
                              a fixed loop (topology_speed_probe_on); NAN when not measured */
    double host_probe_after_s; /* the same just after it; NAN when not measured */
    double drift_factor;   /* what results_run_wall multiplies the run's time by to put it at
                              single's speed of the whole run, where the host drifted
                              (results_summarize, results_drift); 1 (or 0: unset) otherwise */
    double pace_factor;    /* what results_run_wall also multiplies it by to put it at the probe's
                              pace of its configuration's other runs, where the probe explains
                              the runs' spread (results_pace); 1 (or 0: unset) otherwise */

    counters_values counters; /* over the measured window */
    double cpu_s;          /* task-clock (or rusage) over the window */
    double cpu_utilization;/* cpu_s / (wall_s * workers) where that can be measured
                              (results_cpu_utilization): NAN for a run too short to measure it */

    double peak_rss_bytes; /* the sum over every process of the run's tree (harness, workers,
                              the pool's helpers, the tasks' children; killed at a timeout or
                              not) of its own peak RSS */
    double io_read_bytes;  /* storage-level bytes read/written by the harness and its workers */
    double io_write_bytes;

    int tasks;
    int tasks_ok;
    int tasks_failed;
    int sample_of;             /* the job's task count when this run measured a sample of it
                                  (tasks < sample_of, indices spread over the range); 0: all */
    bool warmup;               /* a warm-up pass: kept and reported, left out of every summary */
    double scale;              /* what this run's wall time beyond start-up is multiplied by to
                                  estimate the whole job: 1 without a sample */
    double scale_se;           /* relative standard error of scale (0 without a sample) */
    double *task_walls;        /* each task's wall time in the order the harness reported them
                                  (owned; not written to results.json) */
    int ntask_walls;
    int64_t *task_digests;     /* each task's result digest (RESULT_* codes), in the same order:
                                  task j is index results_task_index(run, j) (owned; not written
                                  to results.json, results_compare_tasks sums them up below) */
    int ntask_digests;
    /* This run's results against single's for the same task indices (results_summarize; a
     * single run against the single runs before it). Kept in results.json. */
    int results_compared;      /* tasks with a result of both to compare */
    int results_differ;        /* of those, the ones whose result differs (raised included) */
    int results_raised;        /* of those, the ones that raised here where single returned */
    int ndiffer_tasks;
    int differ_tasks[RESULTS_DIFFER_TASKS]; /* the first differing task indices */
    stats_summary task_wall;   /* seconds */
    stats_summary task_cpu;    /* seconds of CPU time of the thread running it */
    double pickle_arg_bytes;   /* process mode: mean pickled size of a task's argument, NAN otherwise */
    double pickle_result_bytes;/* process mode: mean pickled size of a task's result */
    int pickle_sampled;        /* how many tasks those means come from */

    program_run program;       /* concur run --program: the program's own parts */

    run_placement *placement;
    int nplacement;

    /* What the threads were doing, from the sampler: samples per state. A total of 0 means nothing
     * was sampled (results.json then has null fractions). */
    state_hist states;         /* every sample of every worker thread */
    state_hist other_states;   /* threads that are not workers: the harness's main thread */
    state_hist *worker_states; /* one per worker index, nworker_states of them (owned) */
    int nworker_states;
    bool gil_distinguished;    /* GIL waits were told apart from other futex waits in every process */
    /* Native thread pools (docs/native-threads.md). */
    int native_threads;        /* threads of the processes running the tasks that are not the
                                  interpreter's (harness: native_threads): single and threads
                                  the harness process's, a process pool the sum of its workers';
                                  -1 not reported */
    int threadpoolctl;         /* 1 the interpreter imports threadpoolctl, 0 it does not, -1 not
                                  reported */
    int nthreadpools;          /* threadpool_info()'s pools, -1 not asked */
    run_threadpool threadpools[RUN_THREADPOOLS];
    state_hist native_states;  /* samples of native pool threads, apart from the workers' */
    double cpu_native_s;       /* on-CPU time of the native pool threads and of the worker */
    double cpu_interp_s;       /* threads (schedstat, between samples); NAN unknown */
    int sampler_rounds;
    double sampler_interval_s; /* mean interval between sampling rounds */
    double sampler_cpu_s;      /* the sampler's own CPU time: what watching cost */
    loop_figures loop;         /* a coroutine workload's loops (measured false otherwise) */
} run_result;

/* Whether a run's wall time enters its configuration's timings (runs_ok): it ran to the end and
 * did some of the job's work (every task ok, or some raised: tasks_failed says how many). */
bool results_run_counts(const run_result *run);

/* The job's task index that run executed j-th: j, or in a sample of run->sample_of tasks,
 * (j x sample_of) / tasks, as the harness spreads it (docs/protocol.md, --sample-of). */
int results_task_index(const run_result *run, int j);

/* Whether the results of the tasks were compared with single's, and if not, why. */
typedef enum {
    RESULTS_UNCHECKED = 0,   /* nothing to compare yet, or a file written before concur did */
    RESULTS_COMPARED,        /* every run's against single's (results_compared per run) */
    RESULTS_NOT_ASKED,       /* --results-vary: the job's results legitimately vary */
    RESULTS_SINGLE_VARIES,   /* single's own runs returned different results for a task */
    RESULTS_NO_VALUES,       /* single's tasks return None (or nothing that can be pickled) */
} results_check;

const char *results_check_name(results_check c);
/* Parses a check's name. Returns 0 or -1. */
int results_parse_check(const char *s, results_check *out);

#define CONFIG_REASON_LEN 320

/* Median over the successful repeats of one configuration, with its interval and speedup. */
typedef struct {
    run_mode mode;
    int workers;
    bool variant;          /* the runs are follow-ups (run_result.variant); then chunksize and
                              start_method say which */
    int chunksize;         /* processes: of the runs; 0 otherwise */
    char start_method[16]; /* processes: of the runs; "" otherwise */
    int native_limit;      /* of the runs: a native thread limit; 0 none (as installed) */
    double native_threads; /* median native pool threads per run; NAN where not reported */
    double native_cpu_share; /* cpu_native / (cpu_native + cpu_interp) pooled over the runs:
                                the share of the sampled CPU time the native pools took; NAN */
    int runs_ok;
    int runs_failed;
    /* The whole job's wall time: each run's own, or where runs measured a sample of the tasks,
     * start-up + (wall - start-up) x scale; the interval is the repeats' (every run of a
     * configuration measures the same sample, so its error is in sample_se, apart). */
    double wall_s, ci_low_s, ci_high_s;
    stats_ci_method ci_method;
    double precision;      /* max(hi / median - 1, 1 - lo / median) of that interval; INFINITY
                              with one run */
    int sample_tasks;      /* tasks per run (median): the job's own count without a sample */
    double sample_se;      /* relative standard error of scaling the sample to the whole job: the
                              tasks' cost spread over sqrt(sample) (0 without one). It moves
                              every configuration measured on the same tasks alike, so speedups
                              between them do not carry it */
    int noutliers;         /* runs whose wall time is a MAD outlier (kept in every median) */
    int outliers[8];       /* their repeat numbers, the first 8 */
    double speedup, speedup_low, speedup_high; /* against single; NAN without a single baseline */
    /* The task phase (results_run_task_s): median and interval over the repeats, and the speedup
     * of it against single's (whose start-up is nil), interval as above. What the pool does to
     * the tasks, the start-up apart: the GIL verdict and the knee are judged on it, the ranking
     * on wall_s. NAN where it is not known (files written before it was kept: then use wall_s). */
    double task_s, task_ci_low_s, task_ci_high_s;
    double task_speedup, task_speedup_low, task_speedup_high;
    double cpu_utilization;                    /* median over repeats */
    double startup_s;                          /* median over repeats */
    double cluster_start_s;                    /* dask: median over repeats; NAN otherwise */
    /* Median over repeats of the pool's time per task not spent in tasks: ((wall - startup) x
     * workers - the tasks' own wall time) / tasks. With one worker, what the pool costs per task
     * (queueing, hand-offs, pickling); with more, idle workers count too. NAN without task times. */
    double pool_overhead_per_task;
    double pickle_bytes_per_task;  /* processes: median of the pickled argument + result; else NAN */
    double peak_rss_bytes;         /* median peak RSS, main process and workers together */

    /* Worker-thread samples pooled over the successful runs: samples in the state / all samples
     * (a run sampled more often weighs more). NAN when nothing was sampled. */
    double state_samples;                      /* the pooled total */
    double running_fraction, runnable_fraction, gil_wait_fraction, lock_wait_fraction;
    double io_wait_fraction, sleep_fraction, child_wait_fraction, other_fraction;
    bool gil_distinguished;                    /* every successful run told GIL waits apart */

    /* Whether the pool computes what single computes (results_summarize). */
    int results_compared;   /* task results of its runs compared with single's, all runs */
    int results_differ;     /* of those, different (raised included) */
    int results_raised;     /* of those, raised where single returned */
    bool unsafe;            /* never recommended: its runs, or those of another configuration of
                               its mode, returned what single does not, or hung */
    char unsafe_reason[CONFIG_REASON_LEN]; /* what its own runs showed, with the numbers; "" where
                                              only another configuration of its mode did */

    double efficiency;  /* speedup / workers */
    double gil_penalty; /* speedup(processes, N) / speedup(threads, N), on both rows; NAN unless
                           both were measured */
    double ipc;         /* median over runs of instructions / cycles; NAN without hardware counters */
    double llc_mpki;    /* median over runs of last-level cache misses per 1000 instructions */
    /* A coroutine workload's loops: the median blocked fraction over the runs, the longest step
     * of any run with the longest steps of that run, the most tasks that never awaited and the
     * most cancelled at a run's end; concurrency keys a processes x asyncio follow-up. */
    loop_figures loop;
} config_summary;

typedef struct {
    char spec[1024];        /* as given: a path or package.module:function */
    char path[1024];        /* absolute path of the file, "" for a module spec */
    char name[128];
    char description[512];
    int tasks;              /* tasks each run executed (a program: calls into its pools) */
    bool coroutine;         /* task is an async def: each worker runs it on an event loop, and the
                               asyncio mode applies */
    int setup;              /* 1 the workload defines setup(), 0 it does not, -1 not known (a
                               program, or a file from before it was kept) */
    char program[8];        /* "file" or "module" for concur run --program / -m; "" for a
                               workload with task(i) */
    char program_args[1024];/* the program's arguments, shell-quoted, for the reports */
} workload_info;

/* The Dask cluster mode dask measured on (results.json "dask"). */
typedef struct {
    bool asked;             /* mode dask was measured */
    char version[32];       /* distributed.__version__ of the interpreter */
    char scheduler[256];    /* --dask-scheduler; "" for a LocalCluster concur started */
    int workers;            /* --dask-scheduler: the cluster's workers, threads and hosts as
                               client.scheduler_info() reported them; 0 for a LocalCluster */
    int threads;
    int nhosts;
    char hosts[256];        /* comma-separated, the first that fit */
} dask_cluster_info;

typedef struct {
    char requested[1024];   /* what --python said */
    char executable[1024];  /* sys.executable of the real interpreter */
    char version[64];
    char implementation[32];/* "cpython", "pypy" */
    int gil;                /* 1 has a GIL, 0 free-threaded, -1 unknown */
} python_info;

/* How the host's speed moved while the runs went (results_summarize), and what was done about it.
 * Single is re-measured through the run (the strategy's reference runs), and a fixed loop is timed
 * before every run: where that loop's pace moved by more than RESULTS_DRIFT_FOUND, each pool
 * run is compared with the single runs just before and after it (run_result.drift_factor), so that
 * a slower or faster spell of the host moves single and the pools alike. */
#define RESULTS_DRIFT_FOUND 0.10
typedef struct {
    int probes;             /* runs on one PU with a host probe */
    double probe_fast_s, probe_slow_s; /* the probe's pace, fastest and slowest (median of 3
                                          neighbouring runs, so that one burst does not count) */
    double moved;           /* probe_slow_s / probe_fast_s - 1; NAN with fewer than 3 probes */
    double probe_jitter;    /* the probe's standard deviation (of its log) from one run to the
                               next: from the squared differences of successive probes */
    bool probe_beyond_noise;/* log(slow / fast) beyond 4 probe_jitter: counted in found */
    bool job_ignores_probe; /* the runs' times plainly do not follow the probe's pace (the
                               slope of pace_*, worked out on the times as measured, neither
                               RESULTS_PACE_T standard errors above 0 nor, with 2 of them, above
                               0.5): its drift is not counted in found */
    int baseline_runs;      /* single's counted runs */
    int reference_runs;     /* of those, made after another configuration's: the baseline
                               re-measured through the run */
    double baseline_first_at_s, baseline_last_at_s; /* when the first and last of them started */
    double baseline_fast_s, baseline_slow_s;        /* their fastest and slowest whole-job time */
    /* Single's runs in time order, each smoothed to the median of 3 neighbouring ones: the
     * slowest against the fastest, less one; NAN without a reference run. It counts where that
     * is beyond 4 standard deviations of runs made one after the other (baseline_beyond_noise). */
    double baseline_moved;
    bool baseline_beyond_noise;
    double span_s;          /* the first run's start to the last one's */
    bool found;             /* moved beyond its jitter and > RESULTS_DRIFT_FOUND, or
                               baseline_moved beyond its noise
                               and > RESULTS_DRIFT_FOUND: a fixed loop on concur's thread does
                               not see every slower spell (another process taking turns on the
                               cores slows the job's run of a second, not a 3 ms loop) */
    bool adjusted;          /* found, and the pools' runs were compared with single's nearest
                               runs: single was measured on both sides of some of them */
    /* The host's pace on the run's PUs before and after each run, against the run's time (after
     * the drift above is taken out): a virtual machine's CPUs run slower or faster spells of a
     * fraction of a second, which move one run and not its neighbours. Where the probe's pace
     * explains the spread of the runs of each configuration -- the slope of log time on log
     * pace, pooled within the configurations, at least RESULTS_PACE_T standard errors above 0
     * -- each run's time is put at its configuration's mean pace (run_result.pace_factor): a
     * control variate. It narrows a configuration's interval without moving its median, and a
     * job whose time does not follow the CPU's pace (one that waits on storage) shows no slope. */
    int pace_runs;          /* runs with both probes, in configurations of 2 runs or more */
    int pace_configs;       /* those configurations */
    double pace_slope;      /* NAN with fewer than RESULTS_PACE_MIN_DF degrees of freedom */
    double pace_slope_se;
    double pace_noise_raw;  /* the pooled standard deviation of log time within configurations */
    double pace_noise_paced;/* the same with each run at its configuration's pace */
    bool pace_applied;      /* never with --back-to-back: its runs are taken as they came */
} results_drift;
#define RESULTS_PACE_T 2.5
#define RESULTS_PACE_MIN_DF 4

typedef struct results {
    char concur_version[16];
    char started_at[32];    /* UTC, ISO 8601 */
    char finished_at[32];
    bool complete;
    char incomplete_reason[256];
    /* Who writes the file while the run goes: a reader that finds running still true, and the
     * writer gone, knows the run did not finish (results_load says so in incomplete_reason). */
    bool running;           /* rewritten by a concur still measuring; false once it ended */
    char phase[24];         /* where it was at the last write: probe, counters, capacity,
                               interpreter, measuring, writing, done */
    int writer_pid;
    char writer_host[64];

    workload_info workload;
    topology_info machine;
    python_info python;
    counters_probe counters;
    dask_cluster_info dask;

    /* what was asked */
    char start_method[16];
    int repeat;             /* the fewest runs of a configuration (all of them with --fixed) */
    double timeout_s;
    double precision;       /* relative half-width wanted; 0: fixed repeats */
    int max_repeat;         /* the cap on runs of one configuration */
    double budget_s;        /* 0: none */
    int sample;             /* --sample: 0 chosen by concur, -1 all tasks, else tasks per run */
    bool fixed;             /* --fixed: exactly the planned configurations and repeats */
    bool fresh_interpreter; /* --fresh-interpreter: every run executes a new interpreter */
    int chunksize;          /* --chunksize: every process pool's map() chunksize; 0: concur's
                               choice (1, and a larger one measured where it would help) */
    bool results_vary;      /* --results-vary: the tasks' results are not compared with single's */
    char loop[16];          /* --loop: the event loop of a coroutine workload, asyncio or uvloop */

    /* how it went */
    bool budget_reached;
    double elapsed_s;       /* from the first run's start to the last one's end */
    plan_entry *plan;       /* each decision of the sweep, in order */
    int nplan, plan_cap;

    run_result *runs;
    int nruns, runs_cap;
    config_summary *summary;
    int nsummary;
    results_check check;    /* whether the results were compared (results_summarize) */
    results_drift drift;    /* how the host's speed moved (results_summarize) */
    bool back_to_back;      /* --back-to-back: no reference runs of single through the run, and
                               no run put at its configuration's pace (results_drift.pace_*) */
    int check_task;         /* RESULTS_SINGLE_VARIES: the task single's runs disagree on; -1 */

    classification classification; /* classify_results; classify_is_empty until then */
    recommendation recommendation;  /* advise_recommend; made is false until then */
} results;

/* How the host's pace moved over r's runs (results_summarize keeps it in r->drift, and puts each
 * run's drift_factor where it is adjusted for). */
void results_find_drift(const results *r, results_drift *d);
/* Fills d's pace_* from r's runs (the probe's pace as a control variate; results_summarize also
 * sets each run's pace_factor). */
void results_find_pace(const results *r, results_drift *d);
/* How far the host's pace moved by the measures that count (the probe beyond
 * RESULTS_DRIFT_FOUND, single's spells beyond their noise too); 0 where neither did. */
double results_drift_moved(const results_drift *d);

void results_init(results *r);
void results_free(results *r);

/* Appends a copy of run (placement and worker_states are copied too). Returns the stored run. */
run_result *results_add_run(results *r, const run_result *run);
/* Appends run itself: what it owns moves into r, and run is left owning nothing. Returns the stored
 * run. */
run_result *results_take_run(results *r, run_result *run);
void results_run_free(run_result *run);

/* Appends a decision to r->plan (why is formatted). */
void results_add_plan(results *r, plan_action action, run_mode mode, int workers, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));

/* The cores the run could use: those allowed to it, else (a file that does not say) all of them. */
int results_cores(const results *r);

/* What one run says about the whole job: its wall time, or for a sample, start-up + (wall -
 * start-up - teardown) x scale + teardown: the pool's start and its shutdown are paid once
 * whatever the number of tasks; times its drift_factor where the host drifted. NAN without a
 * wall time. */
double results_run_wall(const run_result *run);

/* What one run says about the whole job's task phase: results_run_wall less its start-up (pool
 * created -> the last worker's setup() done), where the pool does the tasks. A setup() that costs
 * as much as the tasks, paid once per worker, shows in start-up, not here. NAN without a wall
 * time, or where start-up took it all. */
double results_run_task_s(const run_result *run);

/* A run's CPU utilization, cpu_s / (wall_s x workers), where it can be measured. The counters count
 * from before the window opens to after it closes (the go byte, the done line, the harness's
 * exit): outside_cpu_s is the most CPU time they may have counted outside the window (the time
 * outside it within what was counted, times the CPUs the run could use), the counters'
 * granularity for this run. NAN without a wall time, and when outside_cpu_s is as large as the
 * window's capacity wall_s x workers: too short to measure (a run of no tasks or tiny ones, whose
 * cpu_s is mostly the harness's own work around the window). Above 1 (impossible inside the
 * window) it is 1 when the excess is within outside_cpu_s, else NAN: never shown above 1. */
double results_cpu_utilization(double cpu_s, double wall_s, int workers, double outside_cpu_s);

/* Recomputes r->summary from r->runs: per (mode, workers), the median of successful repeats, its
 * 95 % CI, and speedup = wall(single, 1) / wall(mode, N) with the conservative interval
 * [single_lo / hi, single_hi / lo]; the pooled sampler states, efficiency, gil_penalty, IPC and
 * LLC MPKI. First, where the runs carry their tasks' digests, each run's results against
 * single's (run_result.results_*, r->check); then per configuration their sums and whether it
 * is unsafe: a pool that returned for some task what single did not (a value, or an exception
 * where single returned), or one of whose runs hung. Every configuration of a mode with such
 * evidence is unsafe: luck decides which worker count shows a race. r->classification is left as
 * it is. */
void results_summarize(results *r);

/* The fewest runs whose median interval the reports show: with 2, the normal-theory interval
 * (t(0.975, 1) = 12.7) spans orders of magnitude ("398.2 us - 3696.4 s") and says nothing. */
#define RESULTS_CI_MIN_RUNS 3
/* Whether s's speedup interval can be shown: s's runs and single's both support one. */
bool results_speedup_ci_shown(const results *r, const config_summary *s);
/* The pooled share of the worker threads' samples in state, of s (NAN when nothing was sampled). */
double *results_fraction(config_summary *s, thread_state state);
/* The sweep's configuration (mode, workers); NULL when it was not summarised. */
const config_summary *results_find_summary(const results *r, run_mode mode, int workers);
/* A program's run that says what it saw through its pools (single's first, else any); NULL for a
 * workload, or when no run of the program got that far. */
const run_result *results_program_run(const results *r);
/* The configuration a program asks for as written: the busiest of its pools, threads for a
 * ThreadPoolExecutor or a ThreadPool, processes for the others, at the workers it asks for.
 * false when it has no pool (or is not a program). */
bool results_program_config(const results *r, run_mode *mode, int *workers);
/* A follow-up's configuration; NULL when it was not measured. */
const config_summary *results_find_variant(const results *r, run_mode mode, int workers,
                                           int chunksize, const char *start_method);
/* A follow-up's configuration with a native thread limit (native_limit > 0; 0 is
 * results_find_variant's); NULL when it was not measured. */
const config_summary *results_find_limited(const results *r, run_mode mode, int workers,
                                           int chunksize, const char *start_method,
                                           int native_limit);
/* The most native pool threads any run of r counted (0 none, -1 none reported): whether the job's
 * libraries run threads of their own. A cluster's runs (mode dask) are left out: their harness
 * imports what distributed does, NumPy's BLAS among it. */
int results_native_threads(const results *r);

/* A processes x asyncio follow-up's configuration (each of `workers` processes a loop with
 * `concurrency` tasks in flight) under start_method (NULL: any); NULL when it was not measured. */
const config_summary *results_find_loop_variant(const results *r, int workers, int concurrency,
                                                const char *start_method);

/* Whether run is one of the runs s summarises (its sweep configuration, or its follow-up). */
bool results_run_in(const config_summary *s, const run_result *run);
/* The wall times of the successful runs of s (the ones its median comes from), at most max of
 * them, in run order. Returns how many. */
int results_config_walls(const results *r, const config_summary *s, double *out, int max);
/* The noise of this job on this machine: the pooled standard deviation of the logarithms of the
 * wall times, each configuration's runs about their own mean, over every configuration with 2
 * successful runs or more (sweep and follow-ups); *df gets its degrees of freedom (the runs less
 * one per configuration). NAN and *df 0 when no configuration has 2 runs. */
double results_log_noise(const results *r, double *df);
/* Whether the runs tell a and b apart: Welch-style fields in out for mean log(b's walls) - mean
 * log(a's walls), its interval at `level` from the pooled noise of every configuration
 * (results_log_noise). Three runs of one configuration say little about their own spread (2
 * degrees of freedom, t = 4.3), and one stalled run makes them say nothing; the whole run's
 * noise is known far better. With fewer than RESULTS_POOL_MIN_DF degrees of freedom in the pool,
 * Welch's test on the two alone. Returns 0, or -1 when a or b has fewer than 2 runs. */
#define RESULTS_POOL_MIN_DF 6
int results_compare_walls(const results *r, const config_summary *a, const config_summary *b,
                          double level, stats_welch *out);
/* The median over the successful runs of s of get(run), leaving out NAN; NAN when none has it. */
double results_config_median(const results *r, const config_summary *s,
                             double (*get)(const run_result *run));

#endif

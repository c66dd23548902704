/* plan.h - which configurations a run measures: modes x worker counts x repeats. */
#ifndef CONCUR_PLAN_H
#define CONCUR_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "concur/mode.h"

#define PLAN_MAX_WORKERS 32   /* distinct worker counts per mode */
#define PLAN_WORKER_CAP 256   /* the most workers one configuration may have */


typedef struct {
    run_mode mode;
    int workers;
} plan_config;

typedef struct {
    unsigned modes;           /* MODE_BIT mask */
    int workers[PLAN_MAX_WORKERS];
    int nworkers;             /* 0: sweep 1, 2, 4, ... up to the core count, then extend while gaining */
    int repeat;
    int cores;                /* physical cores available to the run */
} plan_request;

typedef struct {
    plan_config configs[1 + (MODE_COUNT - 1) * PLAN_MAX_WORKERS];
    int n;
    int repeat;
    bool sweep;               /* worker counts were chosen by concur (may be extended) */
    int cores;
} plan;

/* Builds the configurations: single first (the baseline for every speedup, always measured when
 * threads or processes are, even if not asked for: then marked as added), then threads, then
 * processes, each over the worker counts. Returns 0, or -1 with a reason in err. */
int plan_build(const plan_request *req, plan *out, char *err, size_t errlen);

/* ---- adaptive measuring: the stopping rules ----------------------------------------------- */

/* Every configuration gets at least this many runs: fewer cannot show their own noise. */
#define PLAN_MIN_RUNS 3
#define PLAN_DEFAULT_PRECISION 0.05 /* the 95 % interval of the median within +-5 % */
#define PLAN_DEFAULT_MAX_RUNS 6     /* the cap on runs of one configuration */

typedef enum {
    PLAN_REPEAT_MORE = 0,  /* run it again */
    PLAN_REPEAT_PRECISE,   /* the interval is as narrow as asked */
    PLAN_REPEAT_CAP,       /* the cap on runs was reached before that */
    PLAN_REPEAT_DECIDED,   /* imprecise, but no decision turns on it */
    PLAN_REPEAT_OUT_OF_REACH, /* a decision turns on it, but at this noise even the cap's runs
                                 would not bring it to the precision asked */
} plan_repeat_verdict;

typedef struct {
    int min_runs;        /* PLAN_MIN_RUNS */
    int max_runs;        /* the cap (>= min_runs) */
    double precision;    /* relative half-width wanted; 0: no adaptation, exactly min_runs */
} plan_repeat_rule;

/* Whether a configuration with n successful runs whose median is known to +-precision (as
 * stats_median_precision gives it) needs another run. contended: some decision still turns on
 * this configuration (the advisor's choice, or a rival it cannot yet tell apart); one that is not
 * stops at min_runs whatever its precision. */
plan_repeat_verdict plan_repeat_next(const plan_repeat_rule *rule, int n, double precision,
                                     bool contended);

/* The precision m runs would give a configuration whose n runs give `precision`, at the noise
 * those n runs showed: the log-normal interval narrows as t(0.975, m - 1) / sqrt(m). A run more
 * costs as much as the first; one that cannot reach the precision asked within the cap is not
 * worth it (PLAN_REPEAT_OUT_OF_REACH). precision itself when m <= n or n < 2. */
double plan_repeat_predict(int n, double precision, int m);

/* About how many runs in all would bring that precision to target: n when it is there already, 0
 * when more than PLAN_REPEAT_NEEDED_MAX would be needed or nothing is known (n < 2). */
#define PLAN_REPEAT_NEEDED_MAX 1000
int plan_repeat_needed(int n, double precision, double target);

/* One step of a pruned sweep, just measured: mode at workers, against the count before it. */
typedef struct {
    run_mode mode;
    int workers;
    double speedup;               /* at workers */
    double prev_speedup;          /* at the count before (single: 1) */
    double gain_low;              /* low end of the 95 % interval of wall(before) / wall(now),
                                     from the two configurations' runs with the whole run's
                                     pooled noise (NAN: unknown) */
    double gain_high;             /* its high end (NAN: unknown) */
    double wait_fraction;         /* the share of the workers' samples spent waiting (I/O, sleep,
                                     a child), the larger of this count's and the one before's
                                     (NAN: not sampled) */
    double cpu_utilization;       /* of the workers at this count */
    double running_fraction;      /* threads: the share of their samples on a CPU, and waiting */
    double gil_wait_fraction;     /* for the GIL (NAN: GIL waits not told apart, or not sampled) */
    double threads_speedup;       /* processes only: threads at the same count (NAN: unmeasured) */
    int cores;                    /* physical cores of the run */
    int tasks;                    /* tasks of the whole job */
} plan_step;

/* Workers that wait (I/O, sleep, a child) this share of their samples or more may overlap more
 * waits with more of them: a step unsettled on noise does not stop their sweep. */
#define PLAN_GROW_WAIT_SHARE 0.30

/* Whether a step that did not gain beyond its noise is only unsettled on it while its workers
 * wait: they wait PLAN_GROW_WAIT_SHARE of their samples or more, and the interval of the gain
 * reaches both a loss and a gain (gain_low <= 1 < gain_high): it is not shown to lose. Such a
 * step does not decide: the next count is measured, and judged against this one. Three runs a
 * side of a disk whose speed varies by half can come out close by chance and put a gain of 1.2x
 * at 0.8-1.05x; only a step that loses beyond its noise stops such a pool. */
bool plan_step_waits_unsettled(const plan_step *s);

/* Growth of a pruned sweep: worker counts go 2, 4, 8, ... (and the core count itself when it is
 * not a power of two); a mode goes on only while its last step gained more than its noise (or,
 * where its workers wait, while the step is unsettled on noise: plan_step_waits_unsettled), past
 * the core count only while its workers wait (not keeping their CPUs busy), a thread pool only
 * while the GIL is not busy (its threads together on a CPU less than 80 % of the time, or waiting
 * for the GIL less than they run), a process pool only while it beats the thread pool at the same
 * count, and never past the tasks or 32 workers per core. Returns the next count, or 0 to stop;
 * why gets the reason either way. */
int plan_grow(const plan_step *s, char *why, size_t len);

/* Whether a step is not settled yet: its medians gain PLAN_GROW_MIN_GAIN or more, but the interval
 * of the gain still reaches down to no gain at all (gain_low <= 1, or unknown). More runs of the
 * two configurations would settle it; plan_grow alone would stop there. */
bool plan_step_unsettled(const plan_step *s);

/* A follow-up (another chunksize or start method) whose first run is slower than the high end of
 * the 95 % interval of the configuration it is measured against, by more than this factor, is not
 * run again: it cannot win, and more runs would only tell by how much it loses. */
#define PLAN_VARIANT_FUTILE 1.10
/* Whether that is so for a first run of first_wall seconds against an interval up to against_high
 * (whole-job wall times both); false when either is unknown. */
bool plan_variant_futile(double first_wall, double against_high);

/* ---- a pool that does not finish ------------------------------------------------------------ */

/* A pool run that takes this many times what single takes for the same tasks, and at least
 * PLAN_HANG_MIN_S, is stopped: no pool is that much slower than the loop it parallelizes (the
 * slowest measured, a process pool of tasks of 25 us, took 13 times as long), and a thread pool
 * that deadlocks on the job's own locks never finishes. Waiting out --timeout (600 s) for it,
 * once per repeat and per worker count, is what a timing script does. */
#define PLAN_HANG_FACTOR 20.0
#define PLAN_HANG_MIN_S 30.0

/* The limit for a pool run of tasks that single does in single_s seconds (NAN: not known yet):
 * PLAN_HANG_FACTOR x single_s, at least PLAN_HANG_MIN_S, where that is below timeout_s;
 * timeout_s otherwise (0: none, and then no limit). */
double plan_hang_limit(double timeout_s, double single_s);

/* Whether a pool run stopped at limit_s (its timeout) hung where single finished the same tasks
 * in single_s: the limit was PLAN_HANG_FACTOR times that or more. A tighter --timeout proves
 * nothing: the pool may just be slower. */
bool plan_run_hung(double limit_s, double single_s);

/* ---- samples of a long job ------------------------------------------------------------------ */

/* A run shorter than this is measured on every task: a sample would save little. */
#define PLAN_SAMPLE_WHOLE_S 0.40
/* A sampled run aims at about this much single-thread work: long enough that a run's fixed
 * costs (start-up, scheduling) are a small part of it, short enough that a run costs little more
 * than the interpreter's own start. */
#define PLAN_SAMPLE_RUN_S 0.10
/* Never fewer tasks than this in a sample (the warm-up's count: enough for a median task), and at
 * least this many per worker: two rounds of tasks, so that every worker takes a second task after
 * its first, as in a longer run. Each run costs its whole sample, and a sweep makes 20 runs or
 * more. */
#define PLAN_SAMPLE_MIN_TASKS 4
#define PLAN_SAMPLE_TASKS_PER_WORKER 2
/* The warm-up runs this many tasks: enough for a median task time. */
#define PLAN_WARMUP_TASKS 4

/* How many of the job's tasks a run of `workers` workers measures: all of them when
 * requested < 0 (--sample all) or when one pass is short (pass_s, single-thread seconds for all
 * tasks, at most PLAN_SAMPLE_WHOLE_S); requested > 0 tasks when given (still at least
 * PLAN_SAMPLE_TASKS_PER_WORKER per worker); else enough for PLAN_SAMPLE_RUN_S, rounded up to a
 * multiple of workers (whole rounds: no worker idle at the end of a sample that the scaling to the
 * whole job would multiply). Never more than tasks. */
int plan_sample_tasks(int tasks, double pass_s, int workers, int requested);

/* A sampled configuration whose run took longer than PLAN_SAMPLE_SLOW_FACTOR x PLAN_SAMPLE_RUN_S
 * (a pool slower than single, say) measures fewer tasks in its next runs: returns that count
 * (enough for about PLAN_SAMPLE_RUN_S, within the limits of plan_sample_tasks, in whole rounds), or 0 to keep the
 * run as it is. */
#define PLAN_SAMPLE_SLOW_FACTOR 2.0
int plan_sample_shrink(int tasks_run, double wall_s, int workers);

/* What scaling a sample to the whole job is worth: a sample of k tasks out of n whose task times
 * have coefficient of variation cv has a mean known to cv / sqrt(k) * sqrt(1 - k / n) (relative
 * standard error, the finite-population correction included): 0 for the whole job. */
double plan_sample_se(int k, int n, double cv);

/* Tasks of very unequal cost: the slowest 5 % of them (the 95th percentile of a single run's task
 * times) above this many times the median task. One slow task is as likely the machine as the
 * job; one in twenty is the job. They matter for chunking and for samples. */
#define PLAN_UNEQUAL_P95_RATIO 3.0

/* ---- what was decided, for results.json's plan[] ------------------------------------------- */

typedef enum {
    PLAN_RAN = 0,     /* measured */
    PLAN_WARMUP,      /* a warm-up run, kept apart */
    PLAN_SKIPPED,     /* not measured, on purpose */
    PLAN_STOPPED,     /* a mode stopped growing here */
    PLAN_BUDGET,      /* not measured: the budget ran out */
} plan_action;

#define PLAN_WHY_LEN 320

typedef struct {
    plan_action action;
    run_mode mode;
    int workers;
    bool variant;             /* a follow-up (another chunksize or start method) */
    int runs;                 /* successful runs, PLAN_RAN */
    double precision;         /* reached, PLAN_RAN (NAN unknown) */
    char why[PLAN_WHY_LEN];
} plan_entry;

const char *plan_action_name(plan_action a);
int plan_parse_action(const char *s, plan_action *out);

/* single's first run, on run_tasks tasks in run_wall_s, against the warm-up's estimate of a pass:
 * when the sample that run implies (plan_sample_tasks) is more than PLAN_PASS_OFF times off the
 * one it measured, true with the new pass and sample. The warm-up's few tasks time a task, not
 * the loop around it. */
#define PLAN_PASS_OFF 1.5
bool plan_pass_reestimate(int tasks, int run_tasks, double run_wall_s, int sample, double *pass_s,
                          int *sample_tasks);

#endif

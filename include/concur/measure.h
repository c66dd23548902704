/* measure.h - the measuring layer: a session (measure/session.c) and its strategy
 * (measure/strategy.c).
 *
 * A session is one `concur run` or `concur classify` from the workload's spec to results.json:
 * the output directory (locked), the probe, the counters, the capacity probe, the warm
 * interpreter, the strategy, and the final results.json and reports, written on every way out.
 *
 * Given a plan (plan.h) and a way to make one run, measure_strategy makes the warm-up, the runs
 * of single, each pool's sweep (2, 4, ... workers while a step gains), the repeats until the
 * medians are known well enough, and the follow-ups the advisor asks for, within --budget and
 * a hard ceiling on the number of runs. Every decision is one of plan.c's or advise.c's pure
 * rules; this module only sequences them. The run itself goes through measure_io.run, which is
 * runner_run for concur and a synthetic function in tests (tests/check_measure.c). */
#ifndef CONCUR_MEASURE_H
#define CONCUR_MEASURE_H

#include <limits.h>
#include <stdbool.h>

#include "concur/counters.h"
#include "concur/plan.h"
#include "concur/results.h"
#include "concur/runner.h"

/* What the command line asked of the strategy. */
typedef struct {
    bool classify;      /* concur classify: the fixed plan of its own, no warm-up */
    bool fixed;         /* --fixed: the planned configurations only, no warm-up or follow-ups */
    bool repeat_given;  /* --repeat: exactly that many runs of each configuration */
    int repeat;         /* --repeat, or the default */
    int max_repeat;     /* --max-repeat */
    double precision;   /* --precision, relative */
    double budget_s;    /* --budget; 0: none */
    int sample;         /* --sample: 0 auto, -1 all, else tasks per run */
    int tasks;          /* --tasks; 0: the workload's own */
    int target_cores;   /* --target-cores (for the recommendation written after every run) */
    bool program;       /* --program: a program run as it is, its pools swapped; no samples, and
                           its task count is what its first run sent through them */
    bool back_to_back;  /* --back-to-back: a configuration's runs follow each other, and single
                           is not re-measured between the others' (faster; blind to drift) */
} measure_options;

/* Makes one run: fills out and returns 0 (runner_run's contract). */
typedef int (*measure_run_fn)(void *ctx, const runner_env *env, run_mode mode, int workers,
                              int repeat, run_result *out);

/* What the strategy tells whoever shows its progress (the CLI's terminal lines); NULL members
 * and a NULL observer are silent. */
typedef struct {
    /* A run is about to start: its configuration, repeat number and the total of its repeats
     * (0: not known in advance); done runs of total (0: not known) so far, after elapsed_s. */
    void (*run_starting)(void *ctx, run_mode mode, int workers, int rep, int repeat_total,
                         int done, int total, double elapsed_s);
    /* A run ended and is stored: the i-th of total (0: not known in advance). */
    void (*run_done)(void *ctx, const run_result *r, int i, int total, int repeat_total);
    /* A decision worth a line (why the strategy does what it does next), or a warning. */
    void (*note)(void *ctx, bool warning, const char *text);
    void *ctx;
} measure_observer;

typedef struct {
    measure_run_fn run;
    void *ctx;
    const char *json_path; /* results.json, rewritten after every run; NULL: not written */
    const measure_observer *obs;
    double (*now)(void *ctx); /* the clock --budget is kept by; NULL: the monotonic clock (a test
                                 gives the time its synthetic runs took) */
    /* The host's pace on the PUs of a run of `workers` workers, taken before and after each
     * run (topology_speed_probe_on; a test gives a drifting one); NULL: not measured. */
    double (*probe)(void *ctx, int workers);
} measure_io;

/* How the strategy ended. */
typedef struct {
    int runs;           /* runs made, warm-up included */
    int ceiling;        /* the most runs it could have made (measure_run_ceiling) */
    bool ceiling_reached;
    int failed_configs; /* configurations that failed hard (not for a signal or the budget) */
    bool setup_hung;    /* a run's setup() never finished: nothing more was measured */
    bool write_failed;  /* results.json could not be rewritten (said at once): it stopped */
    double elapsed_s;
} measure_outcome;

/* The most runs one `concur run` can make under these options: every configuration the plan and
 * its sweeps can reach, each at most twice --max-repeat (the cap, and a step's runs beyond it
 * while it is unsettled), the follow-ups' variants alike, and the warm-up. A strategy that
 * reaches it stops and says so in the plan; failing runs can never make it measure without end. */
int measure_run_ceiling(const plan *p, const measure_options *o);

/* Runs the strategy for p on env, filling res (runs, plan entries, budget_reached). */
void measure_strategy(results *res, const plan *p, const runner_env *env,
                      const measure_options *o, const measure_io *io, measure_outcome *out);

/* One session's options: what to run, where, and the strategy's options. */
typedef struct {
    const char *workload;      /* a .py path or package.module:function */
    const char *python;        /* the interpreter as the user named it */
    const char *out_dir;       /* NULL: reports/NAME-UTCTIME */
    const char *start_method;  /* NULL: the interpreter's default */
    unsigned modes;            /* MODE_BIT mask */
    bool modes_given;          /* --modes: asyncio asked of a plain workload is an error, where
                                  by default it is only left out */
    const char *loop;          /* --loop: "uvloop", or NULL for asyncio's own loop */
    int workers[PLAN_MAX_WORKERS];
    int nworkers;              /* 0: the sweep chooses */
    double timeout_s;          /* per run; 0: none */
    counters_level counters_max;
    bool fresh;                /* --fresh-interpreter */
    int chunksize;             /* --chunksize; 0: concur's choice */
    bool results_vary;         /* --results-vary: the tasks' results are not compared */
    const char *program;       /* --program: "file" (workload is a script) or "module" (-m); NULL:
                                  a workload with task(i) */
    char *const *program_args; /* the program's own arguments */
    int nprogram_args;
    const char *stdin_path;    /* --stdin: the program's stdin; NULL: /dev/null */
    const char *dask_scheduler;/* --dask-scheduler: mode dask on that cluster; NULL: a
                                  LocalCluster concur starts and stops for each run */
    measure_options m;
} session_options;

/* How a session ended, for the command that shows it. */
typedef struct {
    results res;               /* everything measured (session_outcome_free frees it) */
    char out_dir[PATH_MAX];
    char json_path[PATH_MAX];
    bool measured;             /* false: it ended before the strategy (results.json says why) */
    bool reports;              /* report.md and report.html were written */
} session_outcome;

/* Runs a whole session. Returns its exit code (concur.h), with out filled either way. */
int measure_session(const session_options *o, const measure_observer *obs, session_outcome *out);
void session_outcome_free(session_outcome *out);

/* Summarises, classifies and advises res, then writes it to path atomically. Returns 0, or -1
 * with the reason logged. */
int measure_write_results(results *res, const char *path, int target_cores);

#endif

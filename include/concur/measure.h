/* measure.h - the measuring strategy: which runs to make, in which order, and when to stop.
 *
 * Given a plan (plan.h) and a way to make one run, measure_strategy makes the warm-up, the runs
 * of single, each pool's sweep (2, 4, ... workers while a step gains), the repeats until the
 * medians are known well enough, and the follow-ups the advisor asks for, within --budget and
 * a hard ceiling on the number of runs. Every decision is one of plan.c's or advise.c's pure
 * rules; this module only sequences them. The run itself goes through measure_io.run, which is
 * runner_run for concur and a synthetic function in tests (tests/check_measure.c). */
#ifndef CONCUR_MEASURE_H
#define CONCUR_MEASURE_H

#include <stdbool.h>

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
} measure_options;

/* Makes one run: fills out and returns 0 (runner_run's contract). */
typedef int (*measure_run_fn)(void *ctx, const runner_env *env, run_mode mode, int workers,
                              int repeat, run_result *out);

typedef struct {
    measure_run_fn run;
    void *ctx;
    const char *json_path; /* results.json, rewritten after every run; NULL: not written */
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

/* Summarises, classifies and advises res, then writes it to path atomically. Returns 0, or -1
 * with the reason logged. */
int measure_write_results(results *res, const char *path, int target_cores);

#endif

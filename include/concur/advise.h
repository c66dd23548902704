/* advise.h - the recommendation: which model, how many workers, which chunksize and start method,
 * chosen from what this job measured on this machine, with the reasons and the alternatives, and
 * what the scalability law fitted to the measurements predicts for a bigger machine. */
#ifndef CONCUR_ADVISE_H
#define CONCUR_ADVISE_H

#include <stdbool.h>
#include <stddef.h>

#include "concur/plan.h"
#include "concur/usl.h"
#include "concur/verdict.h"

#define ADVISE_MAX_FOLLOWUPS 4


/* A measurement the advisor wants before it decides: more repeats of two configurations the
 * noise cannot tell apart, a larger chunksize, or the other start method for the process pool it
 * would choose. */
typedef struct {
    run_mode mode;
    int workers;
    int chunksize;
    char start_method[16];
    int native_limit;     /* > 0: the native pools limited to this many threads each
                             (docs/native-threads.md) */
    bool variant;         /* the runs are follow-ups (another chunksize, start method or native
                             limit) */
    int repeats;          /* how many runs: 0 for as many as the sweep's */
    int concurrency;      /* variant: processes x asyncio, tasks in flight on each process's
                             loop; 0 otherwise */
    int against_chunksize; /* variant: the configuration it is measured against (same mode and */
    char against_method[16]; /* workers); against_chunksize 0: none (1 also stands for the */
    int against_limit;       /* default of single and threads, which have none); its limit */
    char why[ADVISE_TEXT_LEN];
} advise_followup;

/* results.h defines it; a repeated typedef is valid C11. */
typedef struct results results;

/* The follow-up measurements worth making now that the sweep is done (r summarised and
 * classified), at most max of them, none already measured. Returns how many were written. */
int advise_followups(const results *r, advise_followup *out, int max);

/* The native thread limit measured for a configuration of `workers` workers on `cores` cores: its
 * share of the cores, cores / workers, at least 1; single 1 (a loop whose small native calls lose
 * more to the pool's hand-offs than they gain would show it, and one that gains loses the
 * follow-up after its first run). */
int advise_native_limit(int cores, run_mode mode, int workers);

/* The environment variable that sets the job's native pool size: the one of the library
 * threadpoolctl named in its runs (OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, ...), else
 * OMP_NUM_THREADS. */
const char *advise_native_var(const results *r);

/* Whether the first run of follow-up f (r summarised with it) already shows it cannot be chosen,
 * so that more runs of it would be wasted: another start method whose measured pool start-up
 * alone breaks the tie with the one it is measured against, or a run slower than that one's
 * interval by more than PLAN_VARIANT_FUTILE. why gets the reason, with its numbers. */
typedef struct run_result run_result;
bool advise_followup_settled(const results *r, const advise_followup *f, const run_result *first,
                             char *why, size_t len);

/* The lower of the two capacity probes of r's machine (topology_measure_capacity, at the start
 * and the end of the run) where it falls short of the allowed cores, by more than a quiet host
 * ever reads; NAN where the cores delivered their count, or nothing was measured. */
double advise_capacity_short(const results *r);

/* Chooses from r's summary (results_summarize and classify_results first) into *out.
 * target_cores > 0 also predicts the speedup there with the scalability law. Can't fail: with
 * nothing to go on, out->made is false and reasons[0] says why. */
void advise_recommend(const results *r, int target_cores, recommendation *out);

#endif

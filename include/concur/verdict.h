/* verdict.h - what the classifier and the advisor conclude, as data: the classification and the
 * recommendation that results.json carries. The types live here, below classify and advise, so that
 * the run model (results.h) holds them without depending on the modules that fill them. */
#ifndef CONCUR_VERDICT_H
#define CONCUR_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "concur/mode.h"
#include "concur/usl.h"

typedef enum {
    KIND_UNKNOWN = 0,    /* the measurements needed are missing (the evidence says which) */
    KIND_CPU_BOUND,      /* a worker computes nearly all of its time */
    KIND_IO_BOUND,       /* a worker waits (I/O, sleep, a child) most of its time */
    KIND_MIXED,          /* between the two */
    KIND_OVERHEAD_BOUND, /* no pool beats single, and a pool's cost per task is of the order of the
                            task itself: tiny tasks, huge results */
} classify_kind;

typedef enum {
    GIL_UNKNOWN = 0, /* not measured, or the measurements cannot tell (the evidence says why) */
    GIL_HOLDS,       /* threads take turns: computing (or waiting) is serialised by the GIL */
    GIL_RELEASES,    /* threads run at once: the work releases the GIL, or waiting does */
    GIL_NONE,        /* the interpreter has no GIL (a free-threaded build) */
} classify_gil;

#define CLASSIFY_MAX_EVIDENCE 16
#define CLASSIFY_EVIDENCE_LEN 200

typedef struct {
    classify_kind kind;
    classify_gil gil;
    double confidence;  /* [0, 1]; NAN before the classification is made */
    int memory_bound;   /* 1: IPC and cache misses say memory-bound, 0: they say not, -1: no
                           hardware counters */
    int native_threaded;/* 1: the job's libraries run native thread pools (native threads counted
                           beside the interpreter's), 0: none were, -1: not reported */
    int nevidence;
    char evidence[CLASSIFY_MAX_EVIDENCE][CLASSIFY_EVIDENCE_LEN]; /* short sentences with their numbers */
} classification;

#define ADVISE_MAX_REASONS 10
#define ADVISE_MAX_ALTERNATIVES 8
#define ADVISE_MAX_NOTES 8
#define ADVISE_TEXT_LEN 320

/* One configuration as the advisor speaks of it: the chosen one, or an alternative with why it was
 * not chosen. */
typedef struct {
    run_mode mode;
    int workers;
    int chunksize;          /* processes: what map() was given (1 = the default); 0 otherwise */
    char start_method[16];  /* processes: fork, spawn or forkserver; "" otherwise */
    int native_limit;       /* native threads per worker set through the environment; 0: as
                               installed */
    int concurrency;        /* processes x asyncio: tasks in flight on each process's loop; 0
                               otherwise (asyncio's own is its workers) */
    double speedup, ci_low, ci_high; /* measured against single; NAN where not measured */
    char why[ADVISE_TEXT_LEN];       /* alternatives: why not this one; "" for the choice */
} advise_option;

/* What the scalability law says about one mode beyond the worker counts measured. */
typedef struct {
    run_mode mode;
    usl_fit fit;              /* fit.fitted false: fit.note says why there is none */
    double predicted;         /* speedup at the target core count; NAN when not predicted */
    char note[ADVISE_TEXT_LEN];/* the prediction, or why it is refused */
} advise_scaling;

typedef struct {
    bool made;                /* false: nothing to recommend from (reasons[0] says why) */
    advise_option choice;     /* model = choice.mode ("single" = do not parallelize) */
    bool parallelize;         /* false: the advice is not to parallelize this job */
    double confidence;        /* [0, 1]: the classification's, lowered where the choice was close */
    char headline[ADVISE_TEXT_LEN]; /* the recommendation in one sentence, with its number */

    int nreasons;
    char reasons[ADVISE_MAX_REASONS][ADVISE_TEXT_LEN]; /* most important first, each with its number */
    int nalternatives;
    advise_option alternatives[ADVISE_MAX_ALTERNATIVES];
    int nnotes;               /* asyncio, start method, chunksize, memory: things to know */
    char notes[ADVISE_MAX_NOTES][ADVISE_TEXT_LEN];

    /* Memory: peak RSS of the chosen configuration (the main process and every worker process),
     * against this machine's memory. NAN where not measured. */
    double peak_rss_bytes;
    double machine_memory_bytes;
    bool memory_fits;         /* peak_rss_bytes below the machine's memory (true when unknown) */

    /* Beyond this machine (--target-cores); target_cores 0 when not asked. */
    int target_cores;
    advise_scaling scaling[2]; /* threads, processes */

    /* Beyond this machine: what mode dask measured says about a cluster (advise_beyond). */
    int nbeyond;
    char beyond[ADVISE_MAX_NOTES][ADVISE_TEXT_LEN];
    int dask_batch;           /* tasks per Dask task the advice names; 0: none (one each) */

    int nopen;                /* questions the measurements left open (a budget cut, failures) */
    char open_questions[ADVISE_MAX_NOTES][ADVISE_TEXT_LEN];
} recommendation;

/* Leaves c as "not classified yet": kind and gil unknown, confidence NAN, no evidence. */
void classification_init(classification *c);
/* Leaves rec as "no recommendation yet": nothing made, every number NAN. */
void recommendation_init(recommendation *rec);

#endif

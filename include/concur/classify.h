/* classify.h - what kind of job this is and what its threads do with the GIL, decided from the
 * job's own measurements, with the numbers each verdict rests on. */
#ifndef CONCUR_CLASSIFY_H
#define CONCUR_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

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
    int nevidence;
    char evidence[CLASSIFY_MAX_EVIDENCE][CLASSIFY_EVIDENCE_LEN]; /* short sentences with their numbers */
} classification;

/* results.h defines it; a repeated typedef is valid C11. */
typedef struct results results;

/* Leaves c as "not classified yet": kind and gil unknown, confidence NAN, no evidence. Can't fail. */
void classify_init(classification *c);

/* True when c was never filled by classify_results (what results_init leaves). */
bool classify_is_empty(const classification *c);

/* Classifies r from its summary (results_summarize first) and runs into *out. Can't fail: what
 * cannot be decided is KIND_UNKNOWN / GIL_UNKNOWN with an evidence line saying what is missing. */
void classify_results(const results *r, classification *out);

/* When r's thread pools cannot tell whether the job holds the GIL (too few workers for its share
 * of computing to show either way), the thread count at which they could; 0 when they can
 * already, when more threads would not help, or when there is nothing to go on. */
int classify_more_threads(const results *r);

/* "unknown", "cpu-bound", "io-bound", "mixed", "overhead-bound"; "unknown" out of range. */
const char *classify_kind_name(classify_kind k);
/* Returns 0, or -1 with *out unchanged when s is no kind name. */
int classify_parse_kind(const char *s, classify_kind *out);
/* "unknown", "holds", "releases", "none"; "unknown" out of range. */
const char *classify_gil_name(classify_gil g);
/* Returns 0, or -1 with *out unchanged when s is no GIL behaviour name. */
int classify_parse_gil(const char *s, classify_gil *out);

#endif

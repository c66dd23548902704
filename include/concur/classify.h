/* classify.h - what kind of job this is and what its threads do with the GIL, decided from the
 * job's own measurements, with the numbers each verdict rests on. */
#ifndef CONCUR_CLASSIFY_H
#define CONCUR_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "concur/verdict.h"


/* results.h defines it; a repeated typedef is valid C11. */
typedef struct results results;

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

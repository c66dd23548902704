/* report.h - what a person reads: the terminal summary of a run. */
#ifndef CONCUR_REPORT_H
#define CONCUR_REPORT_H

#include <stdio.h>

#include "concur/results.h"

/* A table of every configuration (wall with its interval, speedup, CPU utilization), a table of
 * what the worker threads were doing where they were sampled, the classification with its
 * evidence once it is made, and the runs that failed with their reasons. Write errors are the
 * stream's. */
void report_terminal(const results *r, FILE *out);

/* The recommendation alone: the headline, the reasons, the notes, the prediction for the target
 * machine and the open questions; nothing when none was made. Bold on a colour terminal. */
void report_recommendation(const recommendation *rec, FILE *out);

#endif

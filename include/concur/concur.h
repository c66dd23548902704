/* concur.h - version and the exit codes every command uses (documented in README.md). */
#ifndef CONCUR_CONCUR_H
#define CONCUR_CONCUR_H

#define CONCUR_VERSION "0.1.0"
#define CONCUR_RESULTS_SCHEMA "concur.results/1"

enum {
    CONCUR_EXIT_OK = 0,          /* everything asked for was measured */
    CONCUR_EXIT_RUN_FAILED = 1,  /* some configurations failed or timed out; what worked is written */
    CONCUR_EXIT_USAGE = 2,       /* bad option or value */
    CONCUR_EXIT_WORKLOAD = 3,    /* the workload cannot be loaded: missing file, no task(), import error */
    CONCUR_EXIT_ENV = 4,         /* this machine cannot run it: no interpreter, no harness, unwritable --out */
    CONCUR_EXIT_NO_ANSWER = 5,   /* measured to the end, but no recommendation: every run failed, or
                                    none could be compared with a working single baseline */
    CONCUR_EXIT_INTERRUPTED = 130, /* SIGINT or SIGTERM: children killed, results so far written */
};

#endif

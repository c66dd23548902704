/* check_concur.h - one suite per module; each tests/check_<module>.c exports its own. */
#ifndef CHECK_CONCUR_H
#define CHECK_CONCUR_H

#include <check.h>

Suite *stats_suite(void);
Suite *plan_suite(void);
Suite *topology_suite(void);
Suite *counters_suite(void);
Suite *results_suite(void);
Suite *classify_suite(void);
Suite *runner_suite(void);
Suite *cli_suite(void);
Suite *sampler_suite(void);
Suite *compare_suite(void);
Suite *usl_suite(void);
Suite *report_suite(void);
Suite *advise_suite(void);
Suite *measure_suite(void);
Suite *faults_suite(void);
Suite *proc_suite(void);

/* What concur printed and how it ended (check_procs.c). */
typedef struct {
    int code;  /* exit status, or 128 + the signal that killed it */
    char *out; /* stdout and stderr as text; free with outcome_free */
    char *err;
} outcome;

/* The concur binary under test: $CONCUR_BIN, else build/concur. */
const char *concur_bin(void);
/* Runs concur with args (NULL-terminated, without the program name), stdout and stderr captured
 * through files in dir. */
outcome run_concur(const char *dir, const char *const *args);
void outcome_free(outcome *r);

/* Processes other than this one whose command line contains needle (check_procs.c). */
int count_processes_with(const char *needle);
/* Children of this process, reaped or not yet: none may remain after a run. */
int count_own_children(void);

/* Skips the rest of a test with a printed reason (the machine lacks what it needs). Check 0.15
 * has no skip status, so the reason goes to stderr and the test returns early without asserting
 * anything it cannot measure. */
#define SKIP_TEST(...)                                                                              \
    do {                                                                                            \
        fprintf(stderr, "SKIP %s: ", __func__);                                                     \
        fprintf(stderr, __VA_ARGS__);                                                               \
        fprintf(stderr, "\n");                                                                      \
        return;                                                                                     \
    } while (0)

#endif

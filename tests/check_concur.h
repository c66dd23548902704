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
Suite *asyncio_suite(void);
Suite *dask_suite(void);
Suite *program_suite(void);

/* What concur printed and how it ended (check_procs.c). */
typedef struct {
    int code;  /* exit status, or 128 + the signal that killed it */
    char *out; /* stdout and stderr as text; free with outcome_free */
    char *err;
} outcome;

/* The concur binary under test: $CONCUR_BIN, else build/concur. */
const char *concur_bin(void);
/* Runs concur with args (NULL-terminated, without the program name), stdout and stderr captured
 * through files in dir, under a new mark (test_mark_new). */
outcome run_concur(const char *dir, const char *const *args);
void outcome_free(outcome *r);

/* Every process a test starts carries its mark: CONCUR_TEST_MARK=<pid>-<n> in the environment,
 * which concur passes on to the harness, its workers and what the tasks start. What is left of a
 * test's runs is then found among every process on the machine, other people's concur included,
 * without mistaking theirs for its own (check_procs.c). */
#define TEST_MARK_ENV "CONCUR_TEST_MARK"
/* Gives this process a new mark, set in its environment for every process it starts from now on,
 * and returns it. */
const char *test_mark_new(void);
/* Processes other than this one that carry its current mark; where their number is not
 * `expected`, each one found is printed on stderr. */
int count_marked_processes(int expected);
/* Children of this process, reaped or not yet: none may remain after a run. */
int count_own_children(void);

/* Skips the rest of a test with a printed reason (the machine lacks what it needs). Check 0.15
 * has no skip status: test_skipped (check_main.c) prints the reason and records the skip for the
 * closing count, and the test returns without asserting anything it cannot measure. */
void test_skipped(const char *file, const char *func, int iteration, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define SKIP_TEST(...)                                                                              \
    do {                                                                                            \
        test_skipped(__FILE__, __func__, _i, __VA_ARGS__);                                          \
        return;                                                                                     \
    } while (0)

/* The native thread limit variable (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, ...) this environment
 * sets, which would size the native pools of a test's job as installed; NULL where none is set. */
const char *test_native_limit_set(void);

/* The path of tests/fixtures/name under $CONCUR_SRC; the last 4 stay valid at once. */
const char *test_fixture(const char *name);

/* A suite's scratch directory, /tmp/concur-SUITE-PID, made (test_tmp_make, in a checked
 * fixture's setup) and removed with all it holds (test_tmp_remove, in its teardown). */
void test_tmp_make(char *dir, size_t len, const char *suite);
void test_tmp_remove(const char *dir);
/* dir/name; the last 4 stay valid at once. */
const char *test_path_in(const char *dir, const char *name);

#endif

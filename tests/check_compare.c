/* check_compare.c - concur compare: verdicts on synthetic results with and without a real change,
 * the three output formats, and the command end to end on results.json files. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/compare.h"
#include "concur/concur.h"
#include "concur/results.h"
#include "concur/results_json.h"
#include "concur/util.h"

/* ---- synthetic results ------------------------------------------------------------------------ */

/* Five repeats with about 1.5 % noise, and the same job 20 % slower with other noise. */
static const double base5[] = {1.00, 1.02, 0.99, 1.01, 0.98};
static const double slower5[] = {1.21, 1.19, 1.22, 1.20, 1.18};

/* Results of the same job on the same machine, with no runs yet. */
static void base_results(results *r)
{
    results_init(r);
    util_fmt(r->concur_version, sizeof(r->concur_version), "%s", CONCUR_VERSION);
    util_fmt(r->started_at, sizeof(r->started_at), "2024-05-01T12:00:00Z");
    util_fmt(r->finished_at, sizeof(r->finished_at), "2024-05-01T12:01:00Z");
    r->complete = true;
    util_fmt(r->workload.spec, sizeof(r->workload.spec), "job.py");
    util_fmt(r->workload.name, sizeof(r->workload.name), "job");
    r->workload.tasks = 64;
    util_fmt(r->machine.cpu_model, sizeof(r->machine.cpu_model), "Test CPU 3000");
    r->machine.packages = 1;
    r->machine.numa_nodes = 1;
    r->machine.cores = 4;
    r->machine.pus = 4;
    r->machine.allowed_cores = 4;
    r->machine.allowed_pus = 4;
    util_fmt(r->python.executable, sizeof(r->python.executable), "/usr/bin/python3");
    util_fmt(r->python.version, sizeof(r->python.version), "3.12.1");
    util_fmt(r->python.implementation, sizeof(r->python.implementation), "cpython");
    r->python.gil = 1;
    r->counters.level = COUNTERS_KERNEL;
    r->repeat = 5;
}

static void add_run(results *r, run_mode mode, int workers, int repeat, run_status status, double wall)
{
    run_result run;
    memset(&run, 0, sizeof(run));
    run.mode = mode;
    run.workers = workers;
    run.repeat = repeat;
    run.status = status;
    run.wall_s = wall;
    run.startup_s = run.harness_s = run.cpu_s = run.cpu_utilization = NAN;
    run.peak_rss_bytes = run.io_read_bytes = run.io_write_bytes = NAN;
    run.pickle_arg_bytes = run.pickle_result_bytes = NAN;
    stats_summarize(NULL, 0, &run.task_wall);
    stats_summarize(NULL, 0, &run.task_cpu);
    results_add_run(r, &run);
}

/* n successful runs of one configuration, wall[i] * scale each. */
static void add_config(results *r, run_mode mode, int workers, const double *wall, int n, double scale)
{
    for (int i = 0; i < n; i++)
        add_run(r, mode, workers, i + 1, RUN_OK, wall[i] * scale);
}

/* old: single x1 with old_wall, new: single x1 with new_wall; the report of the two. */
static void compare_single(const double *old_wall, int n_old, const double *new_wall, int n_new,
                           double threshold, compare_report *rep)
{
    results a, b;
    base_results(&a);
    base_results(&b);
    add_config(&a, MODE_SINGLE, 1, old_wall, n_old, 1.0);
    add_config(&b, MODE_SINGLE, 1, new_wall, n_new, 1.0);
    results_summarize(&a);
    results_summarize(&b);
    compare_results(&a, &b, threshold, COMPARE_DEFAULT_ALPHA, rep);
    results_free(&a);
    results_free(&b);
}

/* ---- verdicts --------------------------------------------------------------------------------- */

START_TEST(test_identical_is_unchanged)
{
    compare_report rep;
    compare_single(base5, 5, base5, 5, 0.05, &rep);
    ck_assert_int_eq(rep.nrows, 1);
    const compare_row *row = &rep.rows[0];
    ck_assert(row->mode == MODE_SINGLE && row->workers == 1);
    ck_assert_int_eq(row->n_old, 5);
    ck_assert_int_eq(row->n_new, 5);
    ck_assert_double_eq_tol(row->old_wall_s, 1.0, 1e-12);
    ck_assert_double_eq_tol(row->change, 0.0, 1e-12);
    ck_assert_double_eq_tol(row->p_value, 1.0, 1e-12);
    ck_assert_double_eq_tol(row->ratio, 1.0, 1e-12);
    ck_assert(row->ratio_low < 1.0 && row->ratio_high > 1.0);
    ck_assert_int_eq(row->verdict, COMPARE_UNCHANGED);
    ck_assert(!compare_has_slowdown(&rep));
    ck_assert_int_eq(rep.count[COMPARE_UNCHANGED], 1);
    ck_assert_int_eq(rep.nwarnings, 0);
    compare_report_free(&rep);
}
END_TEST

START_TEST(test_slowdown_is_slower)
{
    compare_report rep;
    compare_single(base5, 5, slower5, 5, 0.05, &rep);
    const compare_row *row = &rep.rows[0];
    ck_assert_double_eq_tol(row->change, 0.2, 1e-12);
    ck_assert_msg(row->p_value < 1e-6, "p = %g", row->p_value);
    ck_assert(row->ratio_low > 1.15 && row->ratio_high < 1.25);
    ck_assert(row->ratio_low < row->ratio && row->ratio < row->ratio_high);
    ck_assert_int_eq(row->verdict, COMPARE_SLOWER);
    ck_assert(compare_has_slowdown(&rep));
    ck_assert_int_eq(rep.count[COMPARE_SLOWER], 1);
    compare_report_free(&rep);
}
END_TEST

START_TEST(test_speedup_is_faster)
{
    compare_report rep;
    compare_single(slower5, 5, base5, 5, 0.05, &rep);
    ck_assert_int_eq(rep.rows[0].verdict, COMPARE_FASTER);
    ck_assert(rep.rows[0].change < -0.15);
    ck_assert(rep.rows[0].ratio_high < 1.0);
    ck_assert(!compare_has_slowdown(&rep));
    compare_report_free(&rep);
}
END_TEST

/* The medians differ by 20 %, but three repeats spread over a factor of two cannot tell. */
START_TEST(test_noisy_change_is_not_significant)
{
    const double old_wall[] = {0.6, 1.0, 1.6}, new_wall[] = {1.9, 0.7, 1.2};
    compare_report rep;
    compare_single(old_wall, 3, new_wall, 3, 0.05, &rep);
    const compare_row *row = &rep.rows[0];
    ck_assert_double_eq_tol(row->change, 0.2, 1e-12);
    ck_assert_msg(row->p_value > 0.5, "p = %g", row->p_value);
    ck_assert(row->ratio_low < 1.0 && row->ratio_high > 1.0);
    ck_assert_int_eq(row->verdict, COMPARE_UNCHANGED);
    ck_assert(!compare_has_slowdown(&rep));
    compare_report_free(&rep);
}
END_TEST

/* Significant, but smaller than the threshold: not worth failing a build over. */
START_TEST(test_small_change_within_threshold)
{
    const double quiet[] = {1.000, 1.001, 0.999, 1.0005, 0.9995};
    double more[5];
    for (int i = 0; i < 5; i++)
        more[i] = quiet[(i + 2) % 5] * 1.03;
    compare_report rep;
    compare_single(quiet, 5, more, 5, 0.05, &rep);
    ck_assert_double_eq_tol(rep.rows[0].change, 0.03, 1e-9);
    ck_assert_msg(rep.rows[0].p_value < 1e-6, "p = %g", rep.rows[0].p_value);
    ck_assert_int_eq(rep.rows[0].verdict, COMPARE_UNCHANGED);
    compare_report_free(&rep);

    /* The same change under a 2 % threshold is a slowdown. */
    compare_single(quiet, 5, more, 5, 0.02, &rep);
    ck_assert_int_eq(rep.rows[0].verdict, COMPARE_SLOWER);
    compare_report_free(&rep);
}
END_TEST

/* No noise at all: the means decide. */
START_TEST(test_constant_repeats)
{
    const double one[] = {1.0, 1.0, 1.0}, more[] = {1.5, 1.5, 1.5};
    compare_report rep;
    compare_single(one, 3, more, 3, 0.05, &rep);
    ck_assert(rep.rows[0].p_value == 0.0);
    ck_assert_int_eq(rep.rows[0].verdict, COMPARE_SLOWER);
    ck_assert_double_eq_tol(rep.rows[0].ratio_low, 1.5, 1e-12);
    ck_assert_double_eq_tol(rep.rows[0].ratio_high, 1.5, 1e-12);
    compare_report_free(&rep);
    compare_single(one, 3, one, 3, 0.05, &rep);
    ck_assert(rep.rows[0].p_value == 1.0);
    ck_assert_int_eq(rep.rows[0].verdict, COMPARE_UNCHANGED);
    compare_report_free(&rep);
}
END_TEST

/* Fewer than two successful runs on a side: medians shown, no test, and never a failure. */
START_TEST(test_too_few_repeats)
{
    const double once[] = {2.0};
    compare_report rep;
    compare_single(base5, 5, once, 1, 0.05, &rep);
    const compare_row *row = &rep.rows[0];
    ck_assert_int_eq(row->verdict, COMPARE_TOO_FEW);
    ck_assert_int_eq(row->n_new, 1);
    ck_assert_double_eq_tol(row->change, 1.0, 1e-12);
    ck_assert(isnan(row->p_value) && isnan(row->ratio_low));
    ck_assert(!compare_has_slowdown(&rep));
    compare_report_free(&rep);

    /* Failed runs do not count, nor runs whose tasks raised: they did not do the whole job, and
     * the summary's median leaves them out too. */
    results a, b;
    base_results(&a);
    base_results(&b);
    add_config(&a, MODE_THREADS, 2, base5, 3, 1.0);
    add_run(&b, MODE_THREADS, 2, 1, RUN_OK, 1.5);
    add_run(&b, MODE_THREADS, 2, 2, RUN_CRASHED, 1.5);
    add_run(&b, MODE_THREADS, 2, 3, RUN_TIMED_OUT, 1.5);
    add_config(&a, MODE_THREADS, 4, base5, 2, 1.0);
    add_run(&b, MODE_THREADS, 4, 1, RUN_TASKS_FAILED, 1.5);
    add_run(&b, MODE_THREADS, 4, 2, RUN_TASKS_FAILED, 1.5);
    results_summarize(&a);
    results_summarize(&b);
    compare_results(&a, &b, 0.05, 0.05, &rep);
    ck_assert_int_eq(rep.nrows, 2);
    ck_assert_int_eq(rep.rows[0].workers, 2);
    ck_assert_int_eq(rep.rows[0].n_new, 1);
    ck_assert_int_eq(rep.rows[0].verdict, COMPARE_TOO_FEW);
    ck_assert_int_eq(rep.rows[1].workers, 4);
    ck_assert_int_eq(rep.rows[1].n_new, 0);
    ck_assert_int_eq(rep.rows[1].verdict, COMPARE_TOO_FEW);
    compare_report_free(&rep);
    results_free(&a);
    results_free(&b);
}
END_TEST

/* Configurations measured on one side only are listed, in mode and worker order with the rest. */
START_TEST(test_configurations_on_one_side)
{
    results a, b;
    base_results(&a);
    base_results(&b);
    add_config(&a, MODE_SINGLE, 1, base5, 5, 1.0);
    add_config(&b, MODE_SINGLE, 1, base5, 5, 1.0);
    add_config(&a, MODE_THREADS, 2, base5, 5, 0.6);
    add_config(&b, MODE_THREADS, 4, base5, 5, 0.4);
    add_config(&b, MODE_PROCESSES, 2, base5, 5, 0.5);
    add_config(&a, MODE_PROCESSES, 2, base5, 5, 0.5);
    results_summarize(&a);
    results_summarize(&b);
    compare_report rep;
    compare_results(&a, &b, 0.05, 0.05, &rep);
    ck_assert_int_eq(rep.nrows, 4);
    static const struct {
        run_mode mode;
        int workers;
        compare_verdict verdict;
    } want[] = {
        {MODE_SINGLE, 1, COMPARE_UNCHANGED},
        {MODE_THREADS, 2, COMPARE_ONLY_OLD},
        {MODE_THREADS, 4, COMPARE_ONLY_NEW},
        {MODE_PROCESSES, 2, COMPARE_UNCHANGED},
    };
    for (int i = 0; i < rep.nrows; i++) {
        const compare_row *row = &rep.rows[i];
        ck_assert_msg(row->mode == want[i].mode && row->workers == want[i].workers &&
                          row->verdict == want[i].verdict,
                      "row %d: %s x%d %s", i, mode_name(row->mode), row->workers,
                      compare_verdict_name(row->verdict));
    }
    ck_assert_int_eq(rep.rows[1].n_old, 5);
    ck_assert_int_eq(rep.rows[1].n_new, 0);
    ck_assert(isnan(rep.rows[1].new_wall_s) && isnan(rep.rows[1].change));
    ck_assert(isnan(rep.rows[2].old_wall_s));
    ck_assert_double_eq_tol(rep.rows[2].new_wall_s, 0.4, 1e-12);
    ck_assert_int_eq(rep.count[COMPARE_ONLY_OLD], 1);
    ck_assert_int_eq(rep.count[COMPARE_ONLY_NEW], 1);
    ck_assert(!compare_has_slowdown(&rep));
    compare_report_free(&rep);
    results_free(&a);
    results_free(&b);
}
END_TEST

/* n runs of a native-limited follow-up (limit), wall[i] * scale each. */
static void add_limited(results *r, run_mode mode, int workers, int limit, const double *wall,
                        int n, double scale)
{
    for (int i = 0; i < n; i++) {
        add_run(r, mode, workers, i + 1, RUN_OK, wall[i] * scale);
        r->runs[r->nruns - 1].variant = true;
        r->runs[r->nruns - 1].native_limit = limit;
    }
}

/* The follow-ups with a native limit are configurations of their own (the job as it should run):
 * compared with the same limit's, never with the sweep's; other follow-ups are not compared. */
START_TEST(test_native_limited_compared)
{
    results a, b;
    base_results(&a);
    base_results(&b);
    add_config(&a, MODE_THREADS, 2, base5, 5, 1.0);
    add_config(&b, MODE_THREADS, 2, base5, 5, 1.0);
    add_limited(&a, MODE_THREADS, 2, 1, base5, 5, 0.2);
    add_limited(&b, MODE_THREADS, 2, 1, base5, 5, 0.4); /* twice as slow with the limit */
    add_limited(&b, MODE_SINGLE, 1, 1, base5, 5, 0.5);  /* only in NEW */
    results_summarize(&a);
    results_summarize(&b);
    compare_report rep;
    compare_results(&a, &b, 0.05, 0.05, &rep);
    ck_assert_int_eq(rep.nrows, 3);
    ck_assert(rep.rows[0].mode == MODE_THREADS && rep.rows[0].native_limit == 0);
    ck_assert_int_eq(rep.rows[0].verdict, COMPARE_UNCHANGED);
    ck_assert(rep.rows[1].mode == MODE_SINGLE && rep.rows[1].native_limit == 1);
    ck_assert_int_eq(rep.rows[1].verdict, COMPARE_ONLY_NEW);
    ck_assert(rep.rows[2].mode == MODE_THREADS && rep.rows[2].native_limit == 1);
    ck_assert_int_eq(rep.rows[2].verdict, COMPARE_SLOWER);
    ck_assert(compare_has_slowdown(&rep));
    compare_report_free(&rep);
    results_free(&a);
    results_free(&b);
}
END_TEST

/* Everything that makes two results measure different things is said, once each. */
START_TEST(test_warnings)
{
    results a, b;
    base_results(&a);
    base_results(&b);
    compare_report rep;
    compare_results(&a, &b, 0.05, 0.05, &rep);
    ck_assert_int_eq(rep.nwarnings, 0);
    ck_assert_int_eq(rep.nrows, 0);
    compare_report_free(&rep);

    util_fmt(b.workload.name, sizeof(b.workload.name), "other");
    util_fmt(b.python.version, sizeof(b.python.version), "3.13.0");
    b.machine.cores = 64;
    b.counters.level = COUNTERS_HARDWARE;
    b.complete = false;
    util_fmt(b.incomplete_reason, sizeof(b.incomplete_reason), "interrupted by SIGINT");
    compare_results(&a, &b, 0.05, 0.05, &rep);
    static const char *const want[] = {"different workloads", "different interpreters",
                                       "different machines", "different counter levels",
                                       "NEW is incomplete (interrupted by SIGINT)"};
    ck_assert_int_eq(rep.nwarnings, (int)ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        ck_assert_msg(strstr(rep.warnings[i], want[i]), "warning %zu '%s' lacks '%s'", i,
                      rep.warnings[i], want[i]);
    ck_assert_ptr_nonnull(strstr(rep.warnings[1], "3.12.1"));
    ck_assert_ptr_nonnull(strstr(rep.warnings[1], "3.13.0"));
    compare_report_free(&rep);

    /* A free-threaded build of the same version is another interpreter; so are other tasks. */
    results_free(&b);
    base_results(&b);
    b.python.gil = 0;
    b.workload.tasks = 128;
    compare_results(&a, &b, 0.05, 0.05, &rep);
    ck_assert_int_eq(rep.nwarnings, 2);
    ck_assert_ptr_nonnull(strstr(rep.warnings[0], "128 tasks"));
    ck_assert_ptr_nonnull(strstr(rep.warnings[1], "free-threaded"));
    compare_report_free(&rep);
    results_free(&a);
    results_free(&b);
}
END_TEST

START_TEST(test_verdict_names)
{
    ck_assert_str_eq(compare_verdict_name(COMPARE_SLOWER), "slower");
    ck_assert_str_eq(compare_verdict_name(COMPARE_FASTER), "faster");
    ck_assert_str_eq(compare_verdict_name(COMPARE_UNCHANGED), "unchanged");
    ck_assert_str_eq(compare_verdict_name(COMPARE_TOO_FEW), "too few repeats");
    ck_assert_str_eq(compare_verdict_name(COMPARE_ONLY_OLD), "only in OLD");
    ck_assert_str_eq(compare_verdict_name(COMPARE_ONLY_NEW), "only in NEW");
    ck_assert_str_eq(compare_verdict_name((compare_verdict)42), "unknown");
}
END_TEST

/* ---- output ----------------------------------------------------------------------------------- */

/* A report with one slower, one unchanged and one only-in-NEW configuration. */
static void mixed_report(compare_report *rep)
{
    results a, b;
    base_results(&a);
    base_results(&b);
    add_config(&a, MODE_SINGLE, 1, base5, 5, 1.0);
    add_config(&b, MODE_SINGLE, 1, slower5, 5, 1.0);
    add_config(&a, MODE_THREADS, 2, base5, 5, 1.0);
    add_config(&b, MODE_THREADS, 2, base5, 5, 1.0);
    add_config(&b, MODE_PROCESSES, 2, base5, 5, 0.5);
    results_summarize(&a);
    results_summarize(&b);
    compare_results(&a, &b, 0.05, 0.05, rep);
    results_free(&a);
    results_free(&b);
}

typedef void (*printer)(const compare_report *rep, FILE *out);

/* What print writes, as a string (caller frees). */
static char *printed(const compare_report *rep, printer print)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    print(rep, f);
    fclose(f);
    return buf;
}

START_TEST(test_summary_line)
{
    compare_report rep;
    char line[256];
    mixed_report(&rep);
    compare_summary_line(&rep, line, sizeof(line));
    ck_assert_str_eq(line, "1 configuration slower beyond 5 %; 1 unchanged, 1 only in NEW");
    compare_report_free(&rep);

    compare_single(base5, 5, base5, 5, 0.10, &rep);
    compare_summary_line(&rep, line, sizeof(line));
    ck_assert_str_eq(line, "no significant slowdown beyond 10 %; 1 unchanged");
    compare_report_free(&rep);

    results a, b;
    base_results(&a);
    base_results(&b);
    add_config(&a, MODE_SINGLE, 1, base5, 5, 1.0);
    add_config(&b, MODE_SINGLE, 1, base5, 5, 1.5);
    add_config(&a, MODE_THREADS, 1, base5, 5, 1.0);
    add_config(&b, MODE_THREADS, 1, base5, 5, 1.5);
    results_summarize(&a);
    results_summarize(&b);
    compare_results(&a, &b, 0.025, 0.05, &rep);
    compare_summary_line(&rep, line, sizeof(line));
    ck_assert_str_eq(line, "2 configurations slower beyond 2.5 %");
    compare_report_free(&rep);
    results_free(&a);
    results_free(&b);
}
END_TEST

START_TEST(test_print_text)
{
    compare_report rep;
    mixed_report(&rep);
    char *text = printed(&rep, compare_print_text);
    ck_assert_msg(strstr(text, "configuration") && strstr(text, "old wall") && strstr(text, "95% interval"),
                  "no header: %s", text);
    ck_assert_msg(strstr(text, "single x1") && strstr(text, "+20.0 %") && strstr(text, "slower"),
                  "no slower row: %s", text);
    ck_assert_ptr_nonnull(strstr(text, "only in NEW"));
    ck_assert_ptr_nonnull(strstr(text, "concur compare: 1 configuration slower beyond 5 %"));
    free(text);
    compare_report_free(&rep);
}
END_TEST

START_TEST(test_print_markdown)
{
    compare_report rep;
    mixed_report(&rep);
    char *md = printed(&rep, compare_print_markdown);
    const char *top = "**concur compare: 1 configuration slower beyond 5 %**";
    ck_assert_msg(strncmp(md, top, strlen(top)) == 0, "summary not on top: %s", md);
    ck_assert_ptr_nonnull(strstr(md, "\n| configuration | old wall | new wall |"));
    ck_assert_ptr_nonnull(strstr(md, "\n|:--|"));
    ck_assert_ptr_nonnull(strstr(md, "| single x1 | 1.000 s | 1.200 s | 5/5 | +20.0 % |"));
    ck_assert_ptr_nonnull(strstr(md, "| **slower** |"));
    ck_assert_ptr_nonnull(strstr(md, "| only in NEW |"));
    /* Every table line has the same number of cells. */
    int cells = -1;
    for (const char *l = strstr(md, "\n|"); l; l = strstr(l + 1, "\n|")) {
        int n = 0;
        for (const char *c = l + 1; *c && *c != '\n'; c++)
            n += *c == '|';
        if (cells < 0)
            cells = n;
        ck_assert_int_eq(n, cells);
    }
    free(md);
    compare_report_free(&rep);

    compare_single(base5, 5, base5, 5, 0.05, &rep);
    md = printed(&rep, compare_print_markdown);
    ck_assert_msg(strstr(md, "**concur compare: no significant slowdown beyond 5 %**") == md,
                  "summary not on top: %s", md);
    free(md);
    compare_report_free(&rep);
}
END_TEST

START_TEST(test_print_json)
{
    compare_report rep;
    mixed_report(&rep);
    char *text = printed(&rep, compare_print_json);
    cJSON *j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "not JSON: %s", text);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "schema")->valuestring, "concur.compare/1");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "slowdown")));
    ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(j, "threshold")->valuedouble, 0.05, 1e-15);
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(j, "counts");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(counts, "slower")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(counts, "only_new")->valueint, 1);
    const cJSON *configs = cJSON_GetObjectItemCaseSensitive(j, "configurations");
    ck_assert_int_eq(cJSON_GetArraySize(configs), 3);

    const cJSON *first = cJSON_GetArrayItem(configs, 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(first, "mode")->valuestring, "single");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(first, "verdict")->valuestring, "slower");
    ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(first, "change")->valuedouble, 0.2, 1e-12);
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(first, "old");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(old, "runs")->valueint, 5);
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(first, "p_value")));

    const cJSON *last = cJSON_GetArrayItem(configs, 2);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(last, "verdict")->valuestring, "only_new");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(last, "old")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(last, "p_value")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(last, "change")));
    cJSON_Delete(j);
    free(text);
    compare_report_free(&rep);
}
END_TEST

/* ---- the command ------------------------------------------------------------------------------ */

static char tmp[PATH_MAX];

static void cli_setup(void)
{
    const char *base = getenv("TMPDIR");
    util_fmt(tmp, sizeof(tmp), "%s/concur-compare-XXXXXX", base && base[0] ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmp) != NULL, "mkdtemp %s: %s", tmp, strerror(errno));
}

static void cli_teardown(void)
{
    const char *names[] = {"old.json", "new.json", "same.json", "other.json", "stdout", "stderr"};
    char p[PATH_MAX + 32];
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        snprintf(p, sizeof(p), "%s/%s", tmp, names[i]);
        unlink(p);
    }
    rmdir(tmp);
}

static const char *tmp_file(const char *name)
{
    static char path[8][PATH_MAX + 32];
    static int k;
    k = (k + 1) % 8;
    snprintf(path[k], sizeof(path[k]), "%s/%s", tmp, name);
    return path[k];
}

/* Writes a results.json with single x1 and threads x2, the walls scaled by the two factors. */
static void write_results(const char *name, double single_scale, double threads_scale,
                          const char *python_version)
{
    results r;
    base_results(&r);
    util_fmt(r.python.version, sizeof(r.python.version), "%s", python_version);
    add_config(&r, MODE_SINGLE, 1, base5, 5, single_scale);
    add_config(&r, MODE_THREADS, 2, base5, 5, threads_scale);
    results_summarize(&r);
    ck_assert_int_eq(results_write(&r, tmp_file(name)), 0);
    results_free(&r);
}


/* A 20 % slowdown of single: exit 1, and the Markdown says so above its table. */
START_TEST(test_cli_slowdown_markdown)
{
    write_results("old.json", 1.0, 0.6, "3.12.1");
    write_results("new.json", 1.2, 0.6, "3.12.1");
    const char *args[] = {"compare", tmp_file("old.json"), tmp_file("new.json"), "--format", "md", NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_RUN_FAILED, "exit %d; stderr: %s", r.code, r.err);
    ck_assert_msg(strstr(r.out, "**concur compare: 1 configuration slower beyond 5 %**") == r.out,
                  "stdout: %s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "| configuration | old wall | new wall |"));
    ck_assert_ptr_nonnull(strstr(r.out, "| single x1 |"));
    ck_assert_ptr_nonnull(strstr(r.out, "| threads x2 |"));
    ck_assert_str_eq(r.err, "");
    outcome_free(&r);

    /* Under a 25 % threshold the same change passes; the text table is the default. */
    const char *lenient[] = {"compare", "--threshold", "25", tmp_file("old.json"), tmp_file("new.json"), NULL};
    r = run_concur(tmp, lenient);
    ck_assert_msg(r.code == 0, "exit %d; stderr: %s", r.code, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "concur compare: no significant slowdown beyond 25 %"));
    outcome_free(&r);
}
END_TEST

/* Same job, no change: exit 0; JSON on request; another interpreter is warned about, not fatal. */
START_TEST(test_cli_unchanged_json_and_warning)
{
    write_results("old.json", 1.0, 0.6, "3.12.1");
    write_results("same.json", 1.0, 0.6, "3.12.1");
    write_results("other.json", 1.0, 0.6, "3.13.0");
    const char *args[] = {"compare", tmp_file("old.json"), tmp_file("same.json"), "--format", "json", NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == 0, "exit %d; stderr: %s", r.code, r.err);
    cJSON *j = cJSON_Parse(r.out);
    ck_assert_msg(j != NULL, "stdout is not JSON: %s", r.out);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "slowdown")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "configurations")), 2);
    cJSON_Delete(j);
    ck_assert_str_eq(r.err, "");
    outcome_free(&r);

    const char *other[] = {"compare", tmp_file("old.json"), tmp_file("other.json"), NULL};
    r = run_concur(tmp, other);
    ck_assert_msg(r.code == 0, "exit %d; stderr: %s", r.code, r.err);
    ck_assert_msg(strstr(r.err, "warning") && strstr(r.err, "different interpreters"), "stderr: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "no significant slowdown"));
    outcome_free(&r);
}
END_TEST

START_TEST(test_cli_errors)
{
    write_results("old.json", 1.0, 0.6, "3.12.1");
    const char *missing_path = tmp_file("missing.json");
    char missing[PATH_MAX + 32];
    snprintf(missing, sizeof(missing), "%s", missing_path);

    /* A file that cannot be read: the loader's message names it; exit 4, either side. */
    const char *args1[] = {"compare", tmp_file("old.json"), missing, NULL};
    outcome r = run_concur(tmp, args1);
    ck_assert_msg(r.code == CONCUR_EXIT_ENV, "exit %d; stderr: %s", r.code, r.err);
    ck_assert_msg(strstr(r.err, missing) && strstr(r.err, "cannot read"), "stderr: %s", r.err);
    ck_assert_str_eq(r.out, "");
    outcome_free(&r);
    const char *args2[] = {"compare", missing, tmp_file("old.json"), NULL};
    r = run_concur(tmp, args2);
    ck_assert_int_eq(r.code, CONCUR_EXIT_ENV);
    ck_assert_ptr_nonnull(strstr(r.err, missing));
    outcome_free(&r);

    /* Not results at all. */
    FILE *f = fopen(tmp_file("other.json"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"name\": \"package.json\"}\n", f);
    fclose(f);
    const char *args3[] = {"compare", tmp_file("old.json"), tmp_file("other.json"), NULL};
    r = run_concur(tmp, args3);
    ck_assert_int_eq(r.code, CONCUR_EXIT_ENV);
    ck_assert_msg(strstr(r.err, "other.json") && strstr(r.err, "not concur results"), "stderr: %s", r.err);
    outcome_free(&r);
}
END_TEST

/* Bad command lines: one line saying what is wrong (and where help is), exit 2, nothing on stdout. */
static const struct {
    const char *args[6];
    const char *in_err;
} usage_cases[] = {
    {{"compare", NULL}, "expected two results files"},
    {{"compare", "a.json", NULL}, "expected two results files, OLD.json NEW.json (got 1)"},
    {{"compare", "a.json", "b.json", "c.json", NULL}, "unexpected argument 'c.json'"},
    {{"compare", "a.json", "b.json", "--format", "html", NULL}, "--format 'html'"},
    {{"compare", "a.json", "b.json", "--threshold", "-1", NULL}, "--threshold '-1'"},
    {{"compare", "a.json", "b.json", "--threshold", "five", NULL}, "--threshold 'five'"},
    {{"compare", "a.json", "b.json", "--alpha", "1.5", NULL}, "--alpha '1.5'"},
    {{"compare", "a.json", "b.json", "--alpha", NULL}, "needs a value"},
    {{"compare", "a.json", "b.json", "--bogus", NULL}, "unknown option '--bogus'"},
};

START_TEST(test_cli_usage_errors)
{
    outcome r = run_concur(tmp, usage_cases[_i].args);
    ck_assert_msg(r.code == CONCUR_EXIT_USAGE, "exit %d; stderr: %s", r.code, r.err);
    ck_assert_msg(strstr(r.err, usage_cases[_i].in_err), "stderr '%s' lacks '%s'", r.err,
                  usage_cases[_i].in_err);
    ck_assert_msg(strstr(r.err, "concur compare --help"), "stderr: %s", r.err);
    ck_assert_str_eq(r.out, "");
    outcome_free(&r);
}
END_TEST

START_TEST(test_cli_help)
{
    const char *cmds[][3] = {{"compare", "--help", NULL}, {"help", "compare", NULL}};
    for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
        outcome r = run_concur(tmp, cmds[i]);
        ck_assert_int_eq(r.code, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "Usage: concur compare OLD NEW"));
        ck_assert_ptr_nonnull(strstr(r.out, "Exit status"));
        outcome_free(&r);
    }
    const char *main_help[] = {"--help", NULL};
    outcome r = run_concur(tmp, main_help);
    ck_assert_ptr_nonnull(strstr(r.out, "  compare OLD NEW"));
    outcome_free(&r);
    const char *unknown[] = {"frobnicate", NULL};
    r = run_concur(tmp, unknown);
    ck_assert_ptr_nonnull(strstr(r.err, "compare"));
    outcome_free(&r);
}
END_TEST

Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("verdicts");
    tcase_add_test(tc, test_identical_is_unchanged);
    tcase_add_test(tc, test_slowdown_is_slower);
    tcase_add_test(tc, test_speedup_is_faster);
    tcase_add_test(tc, test_noisy_change_is_not_significant);
    tcase_add_test(tc, test_small_change_within_threshold);
    tcase_add_test(tc, test_constant_repeats);
    tcase_add_test(tc, test_too_few_repeats);
    tcase_add_test(tc, test_configurations_on_one_side);
    tcase_add_test(tc, test_native_limited_compared);
    tcase_add_test(tc, test_warnings);
    tcase_add_test(tc, test_verdict_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("output");
    tcase_add_test(tc, test_summary_line);
    tcase_add_test(tc, test_print_text);
    tcase_add_test(tc, test_print_markdown);
    tcase_add_test(tc, test_print_json);
    suite_add_tcase(s, tc);

    tc = tcase_create("command");
    tcase_add_checked_fixture(tc, cli_setup, cli_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_cli_slowdown_markdown);
    tcase_add_test(tc, test_cli_unchanged_json_and_warning);
    tcase_add_test(tc, test_cli_errors);
    tcase_add_loop_test(tc, test_cli_usage_errors, 0, ARRAY_LEN(usage_cases));
    tcase_add_test(tc, test_cli_help);
    suite_add_tcase(s, tc);
    return s;
}

/* check_classify.c - the classifier as a table: measurement sets built into results, and the kind,
 * GIL behaviour, confidence and evidence each must give. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_concur.h"
#include "concur/classify.h"
#include "concur/results.h"
#include "concur/util.h"

/* One measurement set, as compact as the numbers that matter. Speedups are against single; NAN
 * means that configuration was not measured. Each configuration gets three runs whose wall times
 * are W x (1 - spread), W, W x (1 + spread): spread 0 gives repeats that agree exactly. */
typedef struct {
    const char *name;
    double util;        /* single-thread CPU utilization (NAN: CPU time not counted) */
    double queued;      /* share of the single thread's samples queued for a CPU (runnable) */
    thread_state wait;  /* where the single thread spends the rest of its time */
    double task_s;      /* median task wall time in single */
    int tasks;
    double t1, p1;      /* threads / processes at 1 worker: pool overhead per task, seconds */
    double t2, p2;      /* speedups at 2 workers */
    double t4, p4;      /* speedups at 4 workers */
    double gil_share;   /* share of thread samples waiting for the GIL (a lock where not told apart) */
    double idle;        /* share of thread samples waiting for work from the pool's queue (a lock) */
    bool distinguished; /* the sampler told the GIL apart from other locks */
    double samples;     /* worker-thread samples per thread configuration, over its runs */
    int python_gil;     /* 1, 0 (free-threaded), -1 unknown */
    int cores;
    double spread;
    double ipc, mpki;   /* NAN: no hardware counters */
    double pickle_result_bytes;
    bool no_single;     /* the single runs all failed */
    double setup_s;     /* a setup() per worker holding the GIL (0: start-up not measured): the
                           speedups above are then of the task phase, and each run adds its
                           start-up, single's one setup, a thread pool's queued one after the
                           other, a process pool's at once plus 10 ms to start the processes */
} measurements;

/* Each row names only what differs from the baseline: a later designated initializer replacing an
 * earlier one is the point here, not a slip. */
#pragma GCC diagnostic ignored "-Woverride-init"

/* The baseline most rows start from: pure-Python arithmetic on two cores, three quiet repeats. */
#define BASE                                                                                        \
    .util = 0.99, .queued = 0.0, .wait = TS_SLEEP, .task_s = 0.015, .tasks = 64, .t1 = 1e-4, .p1 = 5e-4,       \
    .t2 = 1.02, .p2 = 1.94, .t4 = NAN, .p4 = NAN, .gil_share = 0.48, .distinguished = true,        \
    .samples = 600, .python_gil = 1, .cores = 2, .spread = 0.0, .ipc = NAN, .mpki = NAN,           \
    .pickle_result_bytes = 24

static const struct {
    measurements m;
    classify_kind kind;
    classify_gil gil;
    double conf_min, conf_max;
    const char *evidence[3]; /* each must be in some evidence line */
} cases[] = {
    /* Pure-Python CPU: threads gain nothing, processes nearly 2x, threads wait for the GIL. */
    {{.name = "pure-python cpu", BASE},
     KIND_CPU_BOUND, GIL_HOLDS, 0.9, 1.0,
     {"CPU utilization 0.99, queued in 0 % of 600 samples): CPU-bound (>= 0.80)", "threads at 2 workers: 1.02x",
      "threads x2 waited for the GIL in 48 % of the samples where they wanted to run; a job "
      "holding it would show 50 %"}},
    /* hashlib-like: C code releasing the GIL, threads as good as processes. */
    {{.name = "hashlib", BASE, .util = 0.98, .t2 = 1.95, .p2 = 1.93, .gil_share = 0.02},
     KIND_CPU_BOUND, GIL_RELEASES, 0.9, 1.0,
     {"threads at 2 workers: 1.95x", "processes: 1.93x", "waited for the GIL in 2 % of the samples"}},
    /* Sleeping: waits overlap in threads, past what the cores could compute. */
    {{.name = "sleep", BASE, .util = 0.02, .wait = TS_SLEEP, .task_s = 0.025, .t2 = 1.98, .p2 = 1.90,
      .gil_share = 0.0},
     KIND_IO_BOUND, GIL_RELEASES, 0.9, 1.0,
     {"on a CPU or queued for one 2 % of the time (CPU utilization 0.02", "sleeping in 98 %",
      "waiting releases the GIL"}},
    /* Two thirds compute, one third sleep: at 2 workers the GIL-holding bound (1 / 0.65) is too
     * close to the ideal, so only 4 workers can tell; threads stop near 1.5x there while
     * processes reach 3x. */
    {{.name = "mixed", BASE, .util = 0.65, .wait = TS_SLEEP, .t2 = 1.5, .p2 = 1.95, .t4 = 1.6,
      .p4 = 3.0, .gil_share = 0.45},
     KIND_MIXED, GIL_HOLDS, 0.8, 1.0,
     {"65 % of the time (CPU utilization 0.65, queued in 0 % of 600 samples): mixed (between 0.50 "
      "and 0.80)", "threads at 4 workers: 1.60x", "gains at most 1.54x with 4 threads"}},
    /* hashlib over a 16 MiB buffer built in a setup() that holds the GIL for 50 ms, as long as
     * 5 tasks: the two threads' setups queue, so the whole job gains 1.11x on threads where its
     * tasks gain 1.80x, and processes (setups at once) 1.48x. Judged on the task phase, the
     * tasks release the GIL; on the whole job neither pool tells. Not sampled: the
     * speedups alone decide. */
    {{.name = "GIL-holding setup", BASE, .util = 0.98, .task_s = 0.010, .tasks = 16, .t1 = NAN,
      .p1 = NAN, .t2 = 1.80, .p2 = 1.95, .gil_share = 0.0, .samples = 0, .setup_s = 0.050},
     KIND_CPU_BOUND, GIL_RELEASES, 0.7, 1.0,
     {"the task phase, each run's start-up apart", "threads 1.80x", "processes 1.95x"}},
    /* The same sampled: the threads' samples, pooled over runs whose start-up is half their
     * wall time, show the setups queueing for the GIL (30 % GIL waits, where a holding job shows
     * 50 %). They are left out: the task phase's speedups decide. */
    {{.name = "GIL-holding setup, sampled", BASE, .util = 0.98, .task_s = 0.010, .tasks = 16,
      .t1 = NAN, .p1 = NAN, .t2 = 1.80, .p2 = 1.95, .gil_share = 0.30, .setup_s = 0.050},
     KIND_CPU_BOUND, GIL_RELEASES, 0.7, 1.0,
     {"their samples show the setups as much as the tasks", "threads 1.80x", ""}},
    /* The same with only 2 workers and nothing sampled: nothing can tell. */
    {{.name = "mixed at 2 only", BASE, .util = 0.65, .wait = TS_SLEEP, .t2 = 1.5, .p2 = 1.95,
      .samples = 0},
     KIND_MIXED, GIL_UNKNOWN, 0.5, 1.0,
     {"single-thread CPU utilization 0.65: mixed", "too close for the speedups to tell",
      "0 samples, fewer than the 30 needed"}},
    /* Tiny tasks: 30 us of work, more than that of pool overhead; every pool loses. */
    {{.name = "tiny tasks", BASE, .task_s = 30e-6, .tasks = 30000, .t1 = 40e-6, .p1 = 200e-6,
      .t2 = 0.8, .p2 = 0.3, .gil_share = 0.45},
     KIND_OVERHEAD_BOUND, GIL_HOLDS, 0.6, 1.0,
     {"best pool threads x2: 0.80x [0.80-0.80], no faster than single", "work per task 30.0 us",
      "threads x1 40.0 us (1.33 of the work)"}},
    /* Huge results: pickling back costs most of a task; processes barely gain. */
    {{.name = "huge results", BASE, .p1 = 0.012, .t2 = 1.0, .p2 = 1.05, .gil_share = 0.5,
      .pickle_result_bytes = 900000},
     KIND_OVERHEAD_BOUND, GIL_HOLDS, 0.5, 1.0,
     {"processes x1 12.00 ms (0.80 of the work)", "processes pickle 878.9 KiB per task",
      "the GIL verdict rests on the speedups"}},
    /* A free-threaded interpreter: no GIL to hold, whatever the threads did. */
    {{.name = "free-threaded", BASE, .t2 = 1.95, .p2 = 1.9, .gil_share = 0.0, .python_gil = 0},
     KIND_CPU_BOUND, GIL_NONE, 0.9, 1.0,
     {"the interpreter has no GIL", "CPU-bound (>= 0.80)", ""}},
    /* No thread pool measured (--modes single,processes). */
    {{.name = "no threads", BASE, .t1 = NAN, .t2 = NAN},
     KIND_CPU_BOUND, GIL_UNKNOWN, 0.9, 1.0,
     {"GIL unknown: no thread pool with 2 or more workers was measured", "", ""}},
    /* The GIL not told apart: the lock waits stand in for it, with less confidence. */
    {{.name = "lock waits", BASE, .distinguished = false, .p2 = NAN},
     KIND_CPU_BOUND, GIL_HOLDS, 0.6, 1.0,
     {"threads x2 waited on a lock in 48 % of the samples where they wanted to run (the GIL not "
      "told apart", "processes: not measured", ""}},
    /* I/O-bound whose threads do not gain, and do not wait for the GIL either: a finding. */
    {{.name = "serialised io", BASE, .util = 0.02, .wait = TS_IO_WAIT, .task_s = 0.025, .t2 = 1.02,
      .p2 = NAN, .gil_share = 0.0},
     KIND_IO_BOUND, GIL_RELEASES, 0.9, 1.0,
     {"I/O-bound, yet threads at 2 workers gained only 1.02x", "in I/O in 98 %",
      "threads x2 waited for the GIL in 0 % of their samples"}},
    /* Threads that mostly wait for work: those waits leave the GIL share alone (20 % of all
     * samples, but half of those in which they wanted to run). One core: only the samples tell. */
    {{.name = "idle workers", BASE, .cores = 1, .t2 = 1.0, .p2 = 0.99, .gil_share = 0.2, .idle = 0.6},
     KIND_CPU_BOUND, GIL_HOLDS, 0.9, 1.0,
     {"threads x2 waited for the GIL in 50 % of the samples where they wanted to run", "", ""}},
    /* One core: speedups cannot separate the two, the samples can. */
    {{.name = "one core", BASE, .cores = 1, .t2 = 1.0, .p2 = 0.99},
     KIND_CPU_BOUND, GIL_HOLDS, 0.9, 1.0,
     {"too close for the speedups to tell", "waited for the GIL in 48 %", ""}},
    /* Clear speedups say holds, the samples less clearly say releases: the surer reading, the
     * speedups, decides, at half its confidence. */
    {{.name = "disagree", BASE, .gil_share = 0.2},
     KIND_CPU_BOUND, GIL_HOLDS, 0.45, 0.5,
     {"the speedups (holds, confidence 1.00) and the samples (releases, 0.89) disagree",
      "the verdict follows the speedups", ""}},
    /* No single baseline: nothing can be decided. */
    {{.name = "no single", BASE, .no_single = true},
     KIND_UNKNOWN, GIL_UNKNOWN, 0.0, 0.0,
     {"kind unknown: no successful single run", "no single baseline", ""}},
    /* CPU time not counted: the sampler's running share stands in. */
    {{.name = "sampler utilization", BASE, .util = NAN},
     KIND_CPU_BOUND, GIL_HOLDS, 0.9, 1.0,
     {"in 99 % of 600 samples (queued 0 %; CPU time not counted): CPU-bound", "", ""}},
    /* A busy machine: the single thread queued for a CPU 45 % of the time, so its CPU utilization
     * looks mixed; wanting a CPU all the time, it is CPU-bound. */
    {{.name = "busy machine", BASE, .util = 0.55, .queued = 0.45},
     KIND_CPU_BOUND, GIL_HOLDS, 0.9, 1.0,
     {"(CPU utilization 0.55, queued in 45 % of 600 samples): CPU-bound", "", ""}},
    /* Noisy speedups that would say releases against samples that clearly say holds: the surer
     * reading, the samples, decides. */
    {{.name = "noisy disagree", BASE, .t2 = 1.7, .spread = 0.3},
     KIND_CPU_BOUND, GIL_HOLDS, 0.4, 0.5,
     {"the verdict follows the samples", "repeat noise: the widest interval of these speedups", ""}},
    /* Hardware counters: a memory-bound hint, or its absence. */
    {{.name = "memory-bound", BASE, .t2 = 1.4, .p2 = 1.45, .gil_share = 0.05, .ipc = 0.4, .mpki = 12},
     KIND_CPU_BOUND, GIL_RELEASES, 0.5, 1.0,
     {"IPC 0.40 and 12.0 LLC misses per 1000 instructions", "memory-bound, more workers would share", ""}},
    {{.name = "compute-bound counters", BASE, .ipc = 1.8, .mpki = 0.5},
     KIND_CPU_BOUND, GIL_HOLDS, 0.9, 1.0,
     {"IPC 1.80 and 0.5 LLC misses", "not memory-bound", ""}},
};

/* ---- building results from a row --------------------------------------------------------------- */

static void add_runs(results *r, const measurements *m, run_mode mode, int workers, double wall,
                     bool ok)
{
    double startup = NAN;
    if (m->setup_s > 0) {
        startup = mode == MODE_SINGLE    ? m->setup_s
                  : mode == MODE_THREADS ? m->setup_s * workers
                                         : m->setup_s + 0.010;
        wall += startup;
    }
    for (int k = 0; k < 3; k++) {
        run_result run;
        memset(&run, 0, sizeof(run));
        run.mode = mode;
        run.workers = workers;
        run.repeat = k + 1;
        run.status = ok ? RUN_OK : RUN_CRASHED;
        run.wall_s = wall * (1.0 + (k - 1) * m->spread);
        run.startup_s = startup;
        run.harness_s = NAN;
        run.cpu_utilization = mode == MODE_SINGLE ? m->util : NAN;
        run.cpu_s = run.cpu_utilization * run.wall_s * workers;
        counters_values_clear(&run.counters);
        if (isfinite(m->ipc)) {
            run.counters.instructions = 1e9;
            run.counters.cycles = 1e9 / m->ipc;
            run.counters.llc_misses = m->mpki * 1e6;
        }
        run.peak_rss_bytes = run.io_read_bytes = run.io_write_bytes = NAN;
        run.tasks = run.tasks_ok = m->tasks;
        stats_summarize(NULL, 0, &run.task_wall);
        stats_summarize(NULL, 0, &run.task_cpu);
        if (mode == MODE_SINGLE)
            run.task_wall.median = m->task_s;
        run.pickle_arg_bytes = mode == MODE_PROCESSES ? 24 : NAN;
        run.pickle_result_bytes = mode == MODE_PROCESSES ? m->pickle_result_bytes : NAN;
        run.pickle_sampled = mode == MODE_PROCESSES ? 16 : 0;

        /* Samples: the single thread computes util of its time and waits in m->wait for the rest;
         * pool threads wait for the GIL (or a lock) gil_share of theirs. */
        double total = m->samples / 3;
        run.gil_distinguished = m->distinguished;
        if (total > 0) {
            run.states.total = total;
            if (mode == MODE_SINGLE) {
                double u = isfinite(m->util) ? m->util : 0.99;
                run.states.counts[TS_RUNNING] = total * u;
                run.states.counts[TS_RUNNABLE] = total * m->queued;
                run.states.counts[m->wait] += total * (1 - u - m->queued);
            } else {
                thread_state w = m->distinguished ? TS_GIL_WAIT : TS_LOCK_WAIT;
                run.states.counts[w] = total * m->gil_share;
                run.states.counts[TS_LOCK_WAIT] += total * m->idle;
                run.states.counts[TS_RUNNING] = total * (1 - m->gil_share - m->idle);
            }
        }
        results_add_run(r, &run);
    }
}

static void build(results *r, const measurements *m)
{
    results_init(r);
    util_fmt(r->workload.name, sizeof(r->workload.name), "%s", m->name);
    r->workload.tasks = m->tasks;
    r->machine.cores = m->cores;
    r->machine.pus = m->cores;
    r->python.gil = m->python_gil;
    r->counters.level = isfinite(m->ipc) ? COUNTERS_HARDWARE : COUNTERS_SOFTWARE;

    double single = m->task_s * m->tasks;
    add_runs(r, m, MODE_SINGLE, 1, single, !m->no_single);
    if (isfinite(m->t1))
        add_runs(r, m, MODE_THREADS, 1, single + m->t1 * m->tasks, true);
    if (isfinite(m->t2))
        add_runs(r, m, MODE_THREADS, 2, single / m->t2, true);
    if (isfinite(m->t4))
        add_runs(r, m, MODE_THREADS, 4, single / m->t4, true);
    if (isfinite(m->p1))
        add_runs(r, m, MODE_PROCESSES, 1, single + m->p1 * m->tasks, true);
    if (isfinite(m->p2))
        add_runs(r, m, MODE_PROCESSES, 2, single / m->p2, true);
    if (isfinite(m->p4))
        add_runs(r, m, MODE_PROCESSES, 4, single / m->p4, true);
    results_summarize(r);
}

static bool has_evidence(const classification *c, const char *want)
{
    for (int i = 0; i < c->nevidence; i++)
        if (strstr(c->evidence[i], want))
            return true;
    return false;
}

static void dump(const char *name, const classification *c)
{
    fprintf(stderr, "%s: %s, GIL %s, confidence %.3f\n", name, classify_kind_name(c->kind),
            classify_gil_name(c->gil), c->confidence);
    for (int i = 0; i < c->nevidence; i++)
        fprintf(stderr, "  - %s\n", c->evidence[i]);
}

static void classify_row(const measurements *m, classification *c)
{
    results r;
    build(&r, m);
    classify_results(&r, c);
    results_free(&r);
}

/* ---- tests ------------------------------------------------------------------------------------ */

START_TEST(test_table)
{
    size_t i = (size_t)_i;
    classification c;
    classify_row(&cases[i].m, &c);
    if (c.kind != cases[i].kind || c.gil != cases[i].gil || !(c.confidence >= cases[i].conf_min) ||
        !(c.confidence <= cases[i].conf_max))
        dump(cases[i].m.name, &c);
    ck_assert_msg(c.kind == cases[i].kind, "%s: kind %s, want %s", cases[i].m.name,
                  classify_kind_name(c.kind), classify_kind_name(cases[i].kind));
    ck_assert_msg(c.gil == cases[i].gil, "%s: gil %s, want %s", cases[i].m.name,
                  classify_gil_name(c.gil), classify_gil_name(cases[i].gil));
    ck_assert_msg(c.confidence >= cases[i].conf_min && c.confidence <= cases[i].conf_max,
                  "%s: confidence %.3f outside [%.2f, %.2f]", cases[i].m.name, c.confidence,
                  cases[i].conf_min, cases[i].conf_max);
    for (size_t k = 0; k < ARRAY_LEN(cases[i].evidence); k++) {
        const char *want = cases[i].evidence[k];
        if (!want || !want[0])
            continue;
        if (!has_evidence(&c, want))
            dump(cases[i].m.name, &c);
        ck_assert_msg(has_evidence(&c, want), "%s: no evidence line contains '%s'", cases[i].m.name,
                      want);
    }
    ck_assert(c.nevidence > 0 && c.nevidence <= CLASSIFY_MAX_EVIDENCE);
    ck_assert(!classify_is_empty(&c));
    int want_mb = isfinite(cases[i].m.ipc) ? (cases[i].m.ipc < 0.7 && cases[i].m.mpki > 5) : -1;
    ck_assert_int_eq(c.memory_bound, want_mb);
}
END_TEST

/* Noisy repeats lower the confidence, and the evidence says by how much. */
START_TEST(test_noise_lowers_confidence)
{
    /* Nothing sampled, so that the GIL verdict rests on the speedups alone. */
    measurements m = {.name = "quiet", BASE, .samples = 0};
    classification quiet, noisy;
    classify_row(&m, &quiet);
    m.spread = 0.3;
    classify_row(&m, &noisy);
    ck_assert_int_eq(noisy.kind, quiet.kind);
    ck_assert_int_eq(noisy.gil, quiet.gil);
    ck_assert_msg(noisy.confidence < quiet.confidence - 0.2, "noisy %.3f, quiet %.3f", noisy.confidence,
                  quiet.confidence);
    ck_assert_msg(has_evidence(&noisy, "repeat noise: the widest interval of these speedups"), "no noise line");
    ck_assert(has_evidence(&quiet, "repeat noise: the widest interval of these speedups is 0 % of the "
                                   "speedup (that verdict counts x1.00)"));
}
END_TEST

/* Moving a deciding number towards its threshold lowers the confidence; across it, the verdict
 * changes. */
START_TEST(test_margin_lowers_confidence)
{
    measurements m = {.name = "margin", BASE};
    const double utils[] = {0.99, 0.9, 0.82};
    double last = 2.0;
    for (size_t i = 0; i < ARRAY_LEN(utils); i++) {
        classification c;
        m.util = utils[i];
        classify_row(&m, &c);
        ck_assert_int_eq(c.kind, KIND_CPU_BOUND);
        ck_assert_msg(c.confidence < last, "util %.2f: %.3f after %.3f", utils[i], c.confidence, last);
        last = c.confidence;
    }
    ck_assert(last < 0.7);
    classification c;
    m.util = 0.78;
    classify_row(&m, &c);
    ck_assert_int_eq(c.kind, KIND_MIXED);
}
END_TEST

/* Nothing at all: unknown, unknown, confidence 0, and a reason. */
START_TEST(test_empty_results)
{
    results r;
    results_init(&r);
    classification c;
    classify_results(&r, &c);
    ck_assert_int_eq(c.kind, KIND_UNKNOWN);
    ck_assert_int_eq(c.gil, GIL_UNKNOWN);
    ck_assert(c.confidence == 0.0);
    ck_assert(has_evidence(&c, "no successful single run"));
    ck_assert(!classify_is_empty(&c));
    results_free(&r);

    classification_init(&c);
    ck_assert(classify_is_empty(&c));
    ck_assert(isnan(c.confidence));
    ck_assert_int_eq(c.memory_bound, -1);
}
END_TEST

START_TEST(test_names)
{
    const classify_kind kinds[] = {KIND_UNKNOWN, KIND_CPU_BOUND, KIND_IO_BOUND, KIND_MIXED,
                                   KIND_OVERHEAD_BOUND};
    const char *const kind_names[] = {"unknown", "cpu-bound", "io-bound", "mixed", "overhead-bound"};
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
        classify_kind back = KIND_MIXED;
        ck_assert_str_eq(classify_kind_name(kinds[i]), kind_names[i]);
        ck_assert_int_eq(classify_parse_kind(kind_names[i], &back), 0);
        ck_assert_int_eq(back, kinds[i]);
    }
    const classify_gil gils[] = {GIL_UNKNOWN, GIL_HOLDS, GIL_RELEASES, GIL_NONE};
    const char *const gil_names[] = {"unknown", "holds", "releases", "none"};
    for (size_t i = 0; i < ARRAY_LEN(gils); i++) {
        classify_gil back = GIL_HOLDS;
        ck_assert_str_eq(classify_gil_name(gils[i]), gil_names[i]);
        ck_assert_int_eq(classify_parse_gil(gil_names[i], &back), 0);
        ck_assert_int_eq(back, gils[i]);
    }
    classify_kind k = KIND_MIXED;
    ck_assert_int_eq(classify_parse_kind("cpu_bound", &k), -1);
    ck_assert_int_eq(k, KIND_MIXED);
    classify_gil g = GIL_NONE;
    ck_assert_int_eq(classify_parse_gil("held", &g), -1);
    ck_assert_int_eq(g, GIL_NONE);
    ck_assert_str_eq(classify_kind_name((classify_kind)42), "unknown");
    ck_assert_str_eq(classify_gil_name((classify_gil)-1), "unknown");
}
END_TEST

Suite *classify_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_table, 0, (int)ARRAY_LEN(cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("confidence");
    tcase_add_test(tc, test_noise_lowers_confidence);
    tcase_add_test(tc, test_margin_lowers_confidence);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, test_empty_results);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

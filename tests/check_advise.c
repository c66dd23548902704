/* check_advise.c - the advisor as a table: measurement sets built into results, and the model,
 * worker count, chunksize and start method each must give; then follow-ups, memory and the
 * prediction for a bigger machine. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/advise.h"
#include "concur/classify.h"
#include "concur/results.h"
#include "concur/results_json.h"
#include "concur/util.h"

#define MAXC 16

/* One configuration: its median wall time and how far its three repeats spread around it
 * (W x (1 - spread), W, W x (1 + spread)). */
typedef struct {
    run_mode mode;
    int workers;
    double wall;
    double spread;
    int chunksize;          /* processes; 0 means 1 */
    const char *method;     /* processes: the start method the pool used; NULL means fork */
    bool variant;
    double rss;             /* peak RSS, bytes; 0 means 20 MiB */
    double startup;         /* pool start-up, seconds */
} cfg;

typedef struct {
    const char *name;
    int cores;
    double util;            /* single's CPU utilization */
    double task_s;          /* work per task (mean task wall time) */
    double overhead_s;      /* what a pool adds per task, inside its runs */
    int tasks;
    double memory;          /* the machine's memory; 0 means 16 GiB */
    cfg c[MAXC];
} scenario;

/* Builds results from a scenario: three runs per configuration whose task times make the pool's
 * cost per task what the scenario says. */
static void build(const scenario *s, results *r)
{
    results_init(r);
    r->complete = true;
    r->machine.cores = r->machine.allowed_cores = r->machine.pus = r->machine.allowed_pus = s->cores;
    r->machine.memory_bytes = s->memory > 0 ? s->memory : 16.0 * 1024 * 1024 * 1024;
    r->python.gil = 1;
    r->workload.tasks = s->tasks;
    snprintf(r->start_method, sizeof(r->start_method), "default");
    for (int i = 0; i < MAXC && s->c[i].workers > 0; i++) {
        const cfg *c = &s->c[i];
        for (int k = 0; k < 3; k++) {
            run_result run;
            memset(&run, 0, sizeof(run));
            run.mode = c->mode;
            run.workers = c->workers;
            run.repeat = k + 1;
            run.status = RUN_OK;
            run.variant = c->variant;
            if (c->mode == MODE_PROCESSES)
                snprintf(run.start_method, sizeof(run.start_method), "%s",
                         c->method ? c->method : "fork");
            if (mode_get(c->mode)->pickles)
                run.chunksize = c->chunksize > 0 ? c->chunksize : 1;
            run.wall_s = c->wall * (1.0 + (k - 1) * c->spread);
            run.startup_s = c->mode == MODE_SINGLE ? (c->startup > 0 ? c->startup : NAN)
                                                   : c->startup;
            run.harness_s = run.wall_s + 0.05;
            double per = c->mode == MODE_SINGLE ? 0.0 : s->overhead_s;
            /* (wall x workers - mean x tasks) / tasks = per: the mean that makes it so. */
            run.task_wall.n = s->tasks;
            run.task_wall.mean = run.wall_s * c->workers / s->tasks - per;
            run.task_wall.median = s->task_s;
            run.tasks = run.tasks_ok = s->tasks;
            run.cpu_utilization = c->mode == MODE_SINGLE ? s->util : NAN;
            run.cpu_s = NAN;
            run.peak_rss_bytes = c->rss > 0 ? c->rss : 20.0 * 1024 * 1024;
            run.pickle_arg_bytes = run.pickle_result_bytes = NAN;
            if (c->mode == MODE_PROCESSES) {
                run.pickle_arg_bytes = 20;
                run.pickle_result_bytes = 30;
                run.pickle_sampled = 10;
            }
            run.io_read_bytes = run.io_write_bytes = NAN;
            run.counters = (counters_values){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
            results_add_run(r, &run);
        }
    }
    results_summarize(r);
    classify_results(r, &r->classification);
}

#define T(w, x) {MODE_THREADS, w, x, 0.01, 0, NULL, false, 0}
#define P(w, x) {MODE_PROCESSES, w, x, 0.01, 0, NULL, false, 0}
#define S(x) {MODE_SINGLE, 1, x, 0.01, 0, NULL, false, 0}

static const struct {
    scenario s;
    run_mode model;
    int workers;
    int chunksize;          /* checked for processes */
    const char *method;     /* checked for processes */
    const char *reason;     /* in some reason, note or alternative's why ("" for none) */
} table[] = {
    /* Pure-Python CPU: threads gain nothing, processes nearly 2x. */
    {{"gil-holding cpu", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.01), T(2, 1.03), P(1, 1.02), P(2, 0.52)}},
     MODE_PROCESSES, 2, 1, "fork", "the fastest configuration measured"},
    /* C code releasing the GIL: threads as fast as processes, and cheaper. */
    {{"gil-releasing cpu", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 0.51), P(1, 1.02), P(2, 0.52)}},
     MODE_THREADS, 2, 0, NULL, "the fastest configuration measured"},
    /* Threads 8 % slower than processes: within 10 %, the cheaper wins. */
    {{"within ten percent", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 0.54), P(1, 1.02), P(2, 0.50)}},
     MODE_THREADS, 2, 0, NULL, "cheaper to run"},
    /* Processes 20 % faster than threads but with repeats so noisy that the intervals overlap. */
    {{"overlapping intervals", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), {MODE_THREADS, 2, 0.60, 0.15, 0, NULL, false, 0}, P(1, 1.02),
       {MODE_PROCESSES, 2, 0.50, 0.20, 0, NULL, false, 0}}},
     MODE_THREADS, 2, 0, NULL, "within the noise"},
    /* The same 20 % with quiet repeats: processes. */
    {{"separated intervals", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 0.60), P(1, 1.02), P(2, 0.50)}},
     MODE_PROCESSES, 2, 1, "fork", "slower than processes x2"},
    /* Sleeping: threads keep gaining past the cores; the knee is where 90 % of the best is. */
    {{"io-bound knee", 2, 0.02, 0.025, 1e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 0.5), T(4, 0.25), T(8, 0.128), T(16, 0.125), P(1, 1.05),
       P(2, 0.53)}},
     MODE_THREADS, 8, 0, NULL, "asyncio"},
    /* Processes on 8 cores flatten after 4: the knee is 4. */
    {{"process knee", 8, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.0), P(2, 0.51), P(4, 0.27), P(8, 0.26)}},
     MODE_PROCESSES, 4, 1, "fork", "96 % of the best process pool (processes x8"},
    /* A noisy thread pool past the knee (0.54 to 1.42 s) cannot be told apart from the fastest,
     * but the thread pool's best is: processes. */
    {{"noisy pool past its best", 2, 0.80, 0.015, 2e-4, 64, 0,
      {S(1.0), T(2, 0.80), T(4, 0.60), {MODE_THREADS, 8, 0.98, 0.45, 0, NULL, false, 0}, P(2, 0.70),
       P(4, 0.42)}},
     MODE_PROCESSES, 4, 1, "fork", "the fastest configuration measured"},
    /* Processes x4 19 % faster than x2 by the medians, with repeats spread +-15 %: x4 is not
     * shown worth its extra workers, and the report says it is open. */
    {{"knee within the noise", 2, 0.70, 0.015, 2e-4, 64, 0,
      {S(1.0), T(2, 0.80), {MODE_PROCESSES, 2, 0.50, 0.15, 0, NULL, false, 0},
       {MODE_PROCESSES, 4, 0.42, 0.15, 0, NULL, false, 0}}},
     MODE_PROCESSES, 2, 1, "fork", "whether processes x4 (2.38x"},
    /* The same medians with quiet repeats: x4. */
    {{"knee beyond the noise", 2, 0.70, 0.015, 2e-4, 64, 0,
      {S(1.0), T(2, 0.80), P(2, 0.50), P(4, 0.42)}},
     MODE_PROCESSES, 4, 1, "fork", "the fastest configuration measured"},
    /* No pool beats single: tiny tasks, a pool costs twice the work per task. */
    {{"overhead-bound", 2, 0.99, 30e-6, 60e-6, 30000, 0,
      {S(1.0), T(1, 2.8), T(2, 3.0), P(1, 4.0), P(2, 2.5)}},
     MODE_SINGLE, 1, 0, NULL, "per task against"},
    /* A pool 5 % faster than single is no reason to start one. */
    {{"single within noise", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 0.97), P(1, 1.0), P(2, 0.95)}},
     MODE_SINGLE, 1, 0, NULL, "within the noise of single"},
    /* Batching measured: chunksize 100 makes the process pool win. */
    {{"chunksize wins", 2, 0.99, 30e-6, 60e-6, 30000, 0,
      {S(1.0), T(1, 2.8), T(2, 3.0), P(1, 4.0), P(2, 2.5),
       {MODE_PROCESSES, 2, 0.55, 0.01, 100, "fork", true, 0}}},
     MODE_PROCESSES, 2, 100, "fork", "pass chunksize=100"},
    /* Batching measured and useless (huge results): single. */
    {{"chunksize useless", 2, 0.99, 0.015, 0.03, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 3.0), P(2, 2.0),
       {MODE_PROCESSES, 2, 1.9, 0.01, 4, "fork", true, 0}}},
     MODE_SINGLE, 1, 0, NULL, "pickles"},
    /* Batching measured 8 % faster at the same worker count: the unbatched pool is the knee, and
     * neither the reason nor the note says batching does not help. */
    {{"chunksize slightly faster", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.02), P(2, 0.50),
       {MODE_PROCESSES, 2, 0.46, 0.01, 4, "fork", true, 0}}},
     MODE_PROCESSES, 2, 1, "fork", "chunksize 4 at 2.17x [2.04-2.31]) without its batching"},
    {{"chunksize slightly faster, the note", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.02), P(2, 0.50),
       {MODE_PROCESSES, 2, 0.46, 0.01, 4, "fork", true, 0}}},
     MODE_PROCESSES, 2, 1, "fork", "batching gains too little here to be worth it"},
    /* spawn measured as fast as fork: spawn, the safe default. */
    {{"spawn as fast", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.02), P(2, 0.52),
       {MODE_PROCESSES, 2, 0.53, 0.01, 1, "spawn", true, 0}}},
     MODE_PROCESSES, 2, 1, "spawn", "starts each worker clean"},
    /* spawn much slower (heavy imports): fork, with the warning about what fork copies. */
    {{"spawn slower", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.02), P(2, 0.52),
       {MODE_PROCESSES, 2, 0.80, 0.01, 1, "spawn", true, 0}}},
     MODE_PROCESSES, 2, 1, "fork", "use spawn if the parent holds secrets"},
    /* spawn's wall within the noise, but its start-up alone is 40 % of the job: fork. */
    {{"spawn start-up too dear", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.02), {MODE_PROCESSES, 2, 0.50, 0.2, 0, NULL, false, 0, 0.01},
       {MODE_PROCESSES, 2, 0.60, 0.2, 1, "spawn", true, 0, 0.21}}},
     MODE_PROCESSES, 2, 1, "fork", "(210.00 ms, 40 % of this job's wall time"},
};

static bool has_text(const recommendation *rec, const char *needle)
{
    if (!needle[0])
        return true;
    for (int i = 0; i < rec->nreasons; i++)
        if (strstr(rec->reasons[i], needle))
            return true;
    for (int i = 0; i < rec->nnotes; i++)
        if (strstr(rec->notes[i], needle))
            return true;
    for (int i = 0; i < rec->nalternatives; i++)
        if (strstr(rec->alternatives[i].why, needle))
            return true;
    for (int i = 0; i < rec->nopen; i++)
        if (strstr(rec->open_questions[i], needle))
            return true;
    return strstr(rec->headline, needle) != NULL;
}

static void dump(const recommendation *rec)
{
    fprintf(stderr, "  headline: %s\n", rec->headline);
    for (int i = 0; i < rec->nreasons; i++)
        fprintf(stderr, "  reason: %s\n", rec->reasons[i]);
    for (int i = 0; i < rec->nnotes; i++)
        fprintf(stderr, "  note: %s\n", rec->notes[i]);
    for (int i = 0; i < rec->nalternatives; i++)
        fprintf(stderr, "  alternative: %s x%d: %s\n", mode_name(rec->alternatives[i].mode),
                rec->alternatives[i].workers, rec->alternatives[i].why);
    for (int i = 0; i < rec->nopen; i++)
        fprintf(stderr, "  open: %s\n", rec->open_questions[i]);
}

START_TEST(test_table)
{
    results r;
    build(&table[_i].s, &r);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    const char *name = table[_i].s.name;
    if (!rec.made || rec.choice.mode != table[_i].model || rec.choice.workers != table[_i].workers ||
        !has_text(&rec, table[_i].reason))
        dump(&rec);
    ck_assert_msg(rec.made, "%s: no recommendation", name);
    ck_assert_msg(rec.choice.mode == table[_i].model, "%s: model %s, want %s", name,
                  mode_name(rec.choice.mode), mode_name(table[_i].model));
    ck_assert_msg(rec.choice.workers == table[_i].workers, "%s: %d workers, want %d", name,
                  rec.choice.workers, table[_i].workers);
    ck_assert_msg(rec.parallelize == (table[_i].model != MODE_SINGLE), "%s: parallelize", name);
    if (table[_i].model == MODE_PROCESSES) {
        ck_assert_msg(rec.choice.chunksize == table[_i].chunksize, "%s: chunksize %d, want %d", name,
                      rec.choice.chunksize, table[_i].chunksize);
        ck_assert_msg(strcmp(rec.choice.start_method, table[_i].method) == 0,
                      "%s: start method %s, want %s", name, rec.choice.start_method,
                      table[_i].method);
    }
    ck_assert_msg(has_text(&rec, table[_i].reason), "%s: no line with '%s'", name,
                  table[_i].reason);
    ck_assert_msg(rec.headline[0], "%s: no headline", name);
    /* The expected speedup is the measured one of the configuration chosen. */
    const config_summary *s = NULL;
    for (int i = 0; i < r.nsummary && !s; i++)
        if (r.summary[i].mode == rec.choice.mode && r.summary[i].workers == rec.choice.workers &&
            (rec.choice.mode != MODE_PROCESSES ||
             (r.summary[i].chunksize == rec.choice.chunksize &&
              !strcmp(r.summary[i].start_method, rec.choice.start_method))))
            s = &r.summary[i];
    ck_assert_msg(s != NULL, "%s: the choice was not measured", name);
    ck_assert_double_eq_tol(rec.choice.speedup, s->speedup, 1e-12);
    ck_assert(rec.confidence >= 0.0 && rec.confidence <= 1.0);
    results_free(&r);
}
END_TEST

/* A configuration whose runs show it unsafe for this job (results_summarize) is never chosen,
 * however fast, and says why; the rest of its mode with it. */
static void make_unsafe(results *r, run_mode mode, int workers, bool hung)
{
    for (int i = 0; i < r->nruns; i++) {
        run_result *run = &r->runs[i];
        if (run->mode != mode || run->workers != workers)
            continue;
        if (hung) {
            run->status = RUN_TIMED_OUT;
            run->wall_s = NAN;
            run->hung = true;
            snprintf(run->error, sizeof(run->error), "did not finish within 30 s, where single "
                     "does these 64 tasks in 1.00 s: likely a race or deadlock on shared state");
        } else {
            run->results_compared = 64;
            run->results_differ = 37;
        }
    }
    r->check = RESULTS_COMPARED;
    results_summarize(r);
    classify_results(r, &r->classification);
}

static const struct {
    const char *name;
    scenario s;
    run_mode unsafe_mode;
    int unsafe_workers;
    bool hung;
    run_mode model;        /* what is recommended instead */
    const char *text;      /* in the headline, a reason or an alternative */
} unsafe_table[] = {
    /* The fastest configuration computes other results: the process pool is recommended. */
    {"fastest unsafe", {"", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(2, 0.45), T(4, 0.44), P(2, 0.52)}},
     MODE_THREADS, 2, false, MODE_PROCESSES,
     "threads x2 is not safe for this job, never recommended: it returned different results"},
    /* The only pool measured is unsafe: do not parallelize, and say why. */
    {"only pool unsafe", {"", 2, 0.99, 0.015, 2e-4, 64, 0, {S(1.0), T(2, 0.5)}},
     MODE_THREADS, 2, false, MODE_SINGLE, "Do not parallelize: threads x2 is not safe"},
    /* A thread pool that hung: the process pool, and no "failed in all its runs" question. */
    {"hung", {"", 2, 0.99, 0.015, 2e-4, 64, 0, {S(1.0), T(2, 0.5), P(2, 0.52)}},
     MODE_THREADS, 2, true, MODE_PROCESSES, "not safe for this job: it did not finish"},
    /* A process pool whose results differ (state kept between tasks): threads. */
    {"processes unsafe", {"", 2, 0.99, 0.015, 2e-4, 64, 0,
      {S(1.0), T(2, 0.6), P(2, 0.5), P(4, 0.49)}},
     MODE_PROCESSES, 4, false, MODE_THREADS, "processes x4 is not safe"},
};

START_TEST(test_unsafe_never_recommended)
{
    results r;
    build(&unsafe_table[_i].s, &r);
    make_unsafe(&r, unsafe_table[_i].unsafe_mode, unsafe_table[_i].unsafe_workers,
                unsafe_table[_i].hung);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    const char *name = unsafe_table[_i].name;
    if (!rec.made || rec.choice.mode != unsafe_table[_i].model ||
        !has_text(&rec, unsafe_table[_i].text))
        dump(&rec);
    ck_assert_msg(rec.made, "%s: no recommendation", name);
    ck_assert_msg(rec.choice.mode == unsafe_table[_i].model, "%s: model %s", name,
                  mode_name(rec.choice.mode));
    ck_assert_msg(has_text(&rec, unsafe_table[_i].text), "%s: no '%s'", name,
                  unsafe_table[_i].text);
    char asked[64];
    snprintf(asked, sizeof(asked), "%s were not measured",
             mode_get(unsafe_table[_i].unsafe_mode)->pool_noun);
    ck_assert_msg(!has_text(&rec, "failed in all") && !has_text(&rec, asked),
                  "%s: asks about a mode it knows is unsafe", name);
    bool listed = false;
    for (int i = 0; i < rec.nalternatives; i++)
        listed = listed || (rec.alternatives[i].mode == unsafe_table[_i].unsafe_mode &&
                            strstr(rec.alternatives[i].why, "not safe for this job"));
    ck_assert_msg(listed, "%s: the unsafe mode is not among the alternatives", name);
    /* What follows up never measures the unsafe mode again. */
    advise_followup f[ADVISE_MAX_FOLLOWUPS];
    int nf = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < nf; i++)
        ck_assert_msg(f[i].mode != unsafe_table[_i].unsafe_mode, "%s: follow-up of %s x%d", name,
                      mode_name(f[i].mode), f[i].workers);
    results_free(&r);
}
END_TEST

/* Two runs cannot support an interval: the advice's text says so instead of numbers. */
START_TEST(test_two_runs_no_interval)
{
    scenario s = {"two runs", 2, 0.99, 0.015, 2e-4, 64, 0, {S(1.0), T(2, 1.0), P(2, 0.5)}};
    results r;
    build(&s, &r);
    for (int i = r.nruns - 1; i >= 0; i--)
        if (r.runs[i].mode == MODE_THREADS && r.runs[i].repeat == 3) {
            r.runs[i].status = RUN_CRASHED; /* threads x2 keeps 2 runs */
            r.runs[i].wall_s = NAN;
        }
    results_summarize(&r);
    classify_results(&r, &r.classification);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    ck_assert_msg(has_text(&rec, "x (2 runs: no interval)"), "no (2 runs: no interval)");
    for (int i = 0; i < rec.nalternatives; i++)
        if (rec.alternatives[i].mode == MODE_THREADS)
            ck_assert(isnan(rec.alternatives[i].ci_low) && isnan(rec.alternatives[i].ci_high));
    results_free(&r);
}
END_TEST

/* A setup() that holds the GIL for 50 ms, as long as five tasks: the threads' setups queue. The
 * choice stays on the whole wall time; the advice says what start-up cost and what cuts it. */
/* A faster follow-up of the chosen pool's size is named by what it changes: a native thread
 * limit is not "batching". */
START_TEST(test_knee_names_the_follow_up)
{
    scenario s = {"native limit slightly faster", 2, 0.99, 0.015, 2e-4, 64, 0,
                  {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.02), P(2, 0.50),
                   {MODE_PROCESSES, 2, 0.46, 0.01, 0, "fork", true, 0}}};
    results r;
    build(&s, &r);
    for (int i = 0; i < r.nruns; i++)
        if (r.runs[i].variant)
            r.runs[i].native_limit = 1;
    results_summarize(&r);
    classify_results(&r, &r.classification);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    if (!has_text(&rec, "without its native thread limit"))
        dump(&rec);
    ck_assert(has_text(&rec, "without its native thread limit"));
    ck_assert(!has_text(&rec, "batching"));
    results_free(&r);
}
END_TEST

START_TEST(test_startup_weighs)
{
    scenario s = {"GIL-holding setup", 2, 0.98, 0.010, 2e-4, 16, 0,
                  {{MODE_SINGLE, 1, 0.210, 0.01, 0, NULL, false, 0, 0.050},
                   {MODE_THREADS, 2, 0.189, 0.01, 0, NULL, false, 0, 0.100},
                   {MODE_PROCESSES, 2, 0.140, 0.01, 0, NULL, false, 0, 0.060}}};
    results r;
    build(&s, &r);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    if (!has_text(&rec, "threads x2: start-up took 100.00 ms") ||
        !has_text(&rec, "ran one after the other"))
        dump(&rec);
    ck_assert_int_eq(rec.choice.mode, MODE_PROCESSES); /* the fastest on the whole wall time */
    ck_assert(has_text(&rec, "threads x2: start-up took 100.00 ms of its 189.00 ms (53 %, its tasks "
                             "alone 1.80x): setup() costs 50.00 ms a worker, and the 2 ran one "
                             "after the other"));
    ck_assert(has_text(&rec, "shared by the threads"));
    ck_assert(has_text(&rec, "processes x2: start-up took 60.00 ms"));
    ck_assert(has_text(&rec, "inherited through fork"));
    results_free(&r);

    /* A job without setup(): its start-up is the pool's own, not a setup() to move. */
    build(&s, &r);
    r.workload.setup = 0;
    advise_recommend(&r, 0, &rec);
    ck_assert(has_text(&rec, "threads x2: start-up took 100.00 ms"));
    ck_assert(has_text(&rec, "as the job has no setup()"));
    ck_assert(!has_text(&rec, "build setup()'s data once"));
    results_free(&r);

    /* A program's start-up is its serial part, with no setup() to move: not advised so. */
    build(&s, &r);
    snprintf(r.workload.program, sizeof(r.workload.program), "file");
    advise_recommend(&r, 0, &rec);
    ck_assert(!has_text(&rec, "start-up took"));
    results_free(&r);

    /* A start-up under a quarter of the wall time is not worth a word. */
    scenario quiet = {"cheap setup", 2, 0.98, 0.010, 2e-4, 16, 0,
                      {{MODE_SINGLE, 1, 0.170, 0.01, 0, NULL, false, 0, 0.010},
                       {MODE_THREADS, 2, 0.110, 0.01, 0, NULL, false, 0, 0.020}}};
    build(&quiet, &r);
    advise_recommend(&r, 0, &rec);
    ck_assert(!has_text(&rec, "start-up took"));
    results_free(&r);
}
END_TEST

/* A job that waits on storage with wide noise: the fewest threads within the noise is named, and
 * the larger counts ahead of it by their medians are open questions, with those medians. */
START_TEST(test_waits_open)
{
    scenario s = {"waits on storage", 2, 0.10, 0.004, 1e-4, 256, 0,
                  {{MODE_SINGLE, 1, 1.00, 0.40, 0, NULL, false, 0, 0},
                   {MODE_THREADS, 2, 0.83, 0.40, 0, NULL, false, 0, 0},
                   {MODE_THREADS, 4, 0.48, 0.40, 0, NULL, false, 0, 0},
                   {MODE_THREADS, 8, 0.42, 0.40, 0, NULL, false, 0, 0},
                   {MODE_THREADS, 16, 0.38, 0.40, 0, NULL, false, 0, 0}}};
    results r;
    build(&s, &r);
    r.precision = 0.05;
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    if (!has_text(&rec, "whether more threads gain"))
        dump(&rec);
    ck_assert_int_eq(r.classification.kind, KIND_IO_BOUND);
    ck_assert_int_eq(rec.choice.mode, MODE_THREADS);
    ck_assert(has_text(&rec, "whether more threads gain"));
    char want[64];
    for (int w = rec.choice.workers * 2; w <= 16; w *= 2) {
        const config_summary *t = results_find_summary(&r, MODE_THREADS, w);
        util_fmt(want, sizeof(want), "x%d at %.2fx", w, t->speedup);
        ck_assert_msg(has_text(&rec, want), "no '%s'", want);
    }
    results_free(&r);

    /* Quiet repeats settle it: no such question. */
    for (int i = 0; i < MAXC && s.c[i].workers > 0; i++)
        s.c[i].spread = 0.01;
    build(&s, &r);
    r.precision = 0.05;
    advise_recommend(&r, 0, &rec);
    ck_assert(!has_text(&rec, "whether more threads gain"));
    results_free(&r);
}
END_TEST

START_TEST(test_no_baseline)
{
    scenario s = {"no single", 2, 0.99, 0.015, 2e-4, 64, 0, {T(1, 1.0), P(2, 0.5)}};
    results r;
    build(&s, &r);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    ck_assert(!rec.made);
    ck_assert_int_ge(rec.nreasons, 1);
    ck_assert_ptr_nonnull(strstr(rec.reasons[0], "no successful single run"));
    results_free(&r);
}
END_TEST

/* peak RSS against the machine: a warning above half of it, "cannot fit" above all of it. */
START_TEST(test_memory)
{
    const double gib = 1024.0 * 1024 * 1024;
    const struct {
        double rss, memory;
        bool fits;
        const char *text;
    } m[] = {
        {0.1 * gib, 16 * gib, true, "this machine has 16.0 GiB"},
        {0.9 * gib, 1 * gib, true, "little is left"},
        {1.5 * gib, 1 * gib, false, "it cannot fit"},
    };
    for (size_t i = 0; i < ARRAY_LEN(m); i++) {
        scenario s = {"memory", 2, 0.99, 0.015, 2e-4, 64, m[i].memory,
                      {S(1.0), T(2, 1.0), {MODE_PROCESSES, 2, 0.5, 0.01, 0, NULL, false, m[i].rss}}};
        results r;
        build(&s, &r);
        recommendation rec;
        advise_recommend(&r, 0, &rec);
        ck_assert_int_eq(rec.choice.mode, MODE_PROCESSES);
        ck_assert_double_eq_tol(rec.peak_rss_bytes, m[i].rss, 1.0);
        ck_assert_msg(rec.memory_fits == m[i].fits, "case %zu: fits %d", i, rec.memory_fits);
        ck_assert_msg(has_text(&rec, m[i].text), "case %zu: no '%s'", i, m[i].text);
        results_free(&r);
    }
}
END_TEST

/* The capacity probes: an open question where either falls short of the cores, none where both
 * reach them or neither was measured. */
START_TEST(test_capacity)
{
    const struct {
        double start, end;
        bool open;
    } c[] = {
        {2.00, 1.98, false}, {NAN, NAN, false}, {1.10, 1.95, true}, {1.97, 1.20, true},
        {NAN, 1.30, true},   {1.75, NAN, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(c); i++) {
        scenario s = {"capacity", 2, 0.99, 0.015, 2e-4, 64, 0, {S(1.0), T(2, 1.0), P(2, 0.5)}};
        results r;
        build(&s, &r);
        r.machine.capacity_start = c[i].start;
        r.machine.capacity_end = c[i].end;
        recommendation rec;
        advise_recommend(&r, 0, &rec);
        ck_assert_int_eq(rec.choice.mode, MODE_PROCESSES);
        ck_assert_msg(has_text(&rec, "held back by the host") == c[i].open, "case %zu", i);
        ck_assert_msg(isfinite(advise_capacity_short(&r)) == c[i].open, "case %zu", i);
        results_free(&r);
    }
}
END_TEST

/* Processes at 32 workers on a 16-core target: per-process memory times the workers. */
START_TEST(test_memory_at_target)
{
    const double gib = 1024.0 * 1024 * 1024;
    scenario s = {"memory target", 2, 0.99, 0.015, 2e-4, 64, 4 * gib,
                  {S(1.0), T(2, 1.0), {MODE_PROCESSES, 2, 0.5, 0.01, 0, NULL, false, 0.6 * gib}}};
    results r;
    build(&s, &r);
    recommendation rec;
    advise_recommend(&r, 16, &rec);
    ck_assert_msg(has_text(&rec, "memory at 16 workers: about 3.4 GiB"), "no target memory note");
    results_free(&r);
}
END_TEST

/* Writes r, loads it back, and checks that the text written again is the same. */
static void round_trip(const results *r)
{
    char dir[] = "/tmp/concur-advise-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/results.json", dir);
    ck_assert_int_eq(results_write(r, path), 0);
    results back;
    char err[512];
    ck_assert_msg(results_load(path, &back, err, sizeof(err)) == 0, "%s", err);
    char *a = results_to_json(r), *b = results_to_json(&back);
    ck_assert_str_eq(a, b);
    int variants = 0;
    for (int i = 0; i < back.nsummary; i++)
        variants += back.summary[i].variant;
    int want = 0;
    for (int i = 0; i < r->nsummary; i++)
        want += r->summary[i].variant;
    ck_assert_int_eq(variants, want);
    free(a);
    free(b);
    results_free(&back);
    unlink(path);
    rmdir(dir);
}

/* What the advisor asks to measure: batching where the pool costs as much as the work, then the
 * other start method for the process pool it would choose; nothing once both are measured. */
START_TEST(test_followups)
{
    advise_followup f[ADVISE_MAX_FOLLOWUPS];
    results r;

    scenario tiny = {"tiny", 2, 0.99, 30e-6, 60e-6, 30000, 0,
                     {S(1.0), T(1, 2.8), T(2, 3.0), P(1, 4.0), P(2, 2.5)}};
    build(&tiny, &r);
    int n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(f[0].mode, MODE_PROCESSES);
    ck_assert_int_eq(f[0].workers, 2);
    /* 60 us of cost over 5 % of 30 us: 40 per chunk, well under 30000 / (4 x 2). */
    ck_assert_int_eq(f[0].chunksize, 40);
    ck_assert_str_eq(f[0].start_method, "fork");
    ck_assert_ptr_nonnull(strstr(f[0].why, "chunksize 40"));
    /* --chunksize: the user chose it, every process pool ran at it; none other is measured. */
    r.chunksize = 1;
    ck_assert_int_eq(advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS), 0);
    results_free(&r);

    /* Batched, it wins: now the start method of that configuration. */
    scenario tiny2 = tiny;
    tiny2.c[5] = (cfg){MODE_PROCESSES, 2, 0.55, 0.01, 40, "fork", true, 0};
    build(&tiny2, &r);
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(f[0].chunksize, 40);
    ck_assert_str_eq(f[0].start_method, "spawn");
    results_free(&r);

    tiny2.c[6] = (cfg){MODE_PROCESSES, 2, 0.56, 0.01, 40, "spawn", true, 0};
    build(&tiny2, &r);
    ck_assert_int_eq(advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS), 0);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    ck_assert_int_eq(rec.choice.chunksize, 40);
    ck_assert_str_eq(rec.choice.start_method, "spawn");
    /* Follow-ups and the recommendation survive results.json unchanged. */
    r.recommendation = rec;
    round_trip(&r);
    results_free(&r);

    /* Processes x2, the choice, known to +-10 % after 3 runs: with +-5 % asked, one more run of
     * it (6 runs would get there at that noise); at the cap, or with fixed repeats, none. */
    scenario noisy = {"noisy", 2, 0.99, 0.015, 2e-4, 64, 0,
                      {S(1.0), T(1, 1.0), T(2, 1.02), P(1, 1.02),
                       {MODE_PROCESSES, 2, 0.5, 0.03, 0, NULL, false, 0}}};
    build(&noisy, &r);
    r.precision = 0.05;
    r.max_repeat = 6;
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_ge(n, 1);
    bool fastest = false;
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(f[i].repeats, 1);
        ck_assert(!f[i].variant);
        ck_assert_ptr_nonnull(strstr(f[i].why, "one more run"));
        fastest |= f[i].mode == MODE_PROCESSES && f[i].workers == 2;
    }
    ck_assert_msg(fastest, "processes x2, the fastest, is not run again");
    r.max_repeat = 3;
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(f[i].repeats, 0);
    r.max_repeat = 6;
    r.precision = 0;
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(f[i].repeats, 0);
    results_free(&r);

    /* Noisy enough (+-17 % after 3 runs) that the cap's 6 runs would still leave +-7 %: no more
     * runs of it, and the recommendation says how many it would take. */
    noisy.c[4].spread = 0.05;
    build(&noisy, &r);
    r.precision = 0.05;
    r.max_repeat = 6;
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(f[i].repeats, 0);
    advise_recommend(&r, 0, &rec);
    bool said = false;
    for (int i = 0; i < rec.nopen; i++)
        said |= strstr(rec.open_questions[i], "would reach it") != NULL ||
                strstr(rec.open_questions[i], "no sane number of runs") != NULL;
    ck_assert_msg(said, "the open questions do not say what the noise would take");
    results_free(&r);

    /* Processes x2 twice as fast as single by their medians, but on a machine so noisy (every
     * configuration's runs +-45 %) that the repeats cannot tell them apart: single is chosen for
     * its cost, and both run again, however far their own precision is from +-5 %, until the
     * cap. */
    for (int i = 0; i < 5; i++)
        noisy.c[i].spread = 0.45;
    build(&noisy, &r);
    r.precision = 0.05;
    r.max_repeat = 6;
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(f[0].mode, MODE_SINGLE);
    ck_assert_int_eq(f[1].mode, MODE_PROCESSES);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(f[i].repeats, 1);
        ck_assert_ptr_nonnull(strstr(f[i].why, "cannot tell them apart"));
    }
    r.max_repeat = 3;
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(f[i].repeats, 0);
    results_free(&r);

    /* Threads x2 the fastest at 1.2x and told apart from single by their repeats, but the
     * speedup's interval, which carries the noise of both, reaches below 1: whether to
     * parallelize at all is open, so both run again. */
    scenario shaky = {"shaky", 2, 0.99, 0.015, 2e-4, 64, 0,
                      {{MODE_SINGLE, 1, 1.2, 0.04, 0, NULL, false, 0},
                       {MODE_THREADS, 2, 1.0, 0.04, 0, NULL, false, 0}, P(2, 1.6)}};
    build(&shaky, &r);
    r.precision = 0.05;
    r.max_repeat = 6;
    results_summarize(&r);
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(f[0].mode, MODE_THREADS);
    ck_assert_int_eq(f[1].mode, MODE_SINGLE);
    ck_assert_ptr_nonnull(strstr(f[1].why, "cannot tell them apart"));
    results_free(&r);

    /* Processes x2 named for want of proof that x4, 19 % faster by the medians, is worth its
     * workers: both run again up to the cap. */
    scenario knee = {"knee", 2, 0.70, 0.015, 2e-4, 64, 0,
                     {S(1.0), T(2, 0.80), {MODE_PROCESSES, 2, 0.50, 0.15, 0, NULL, false, 0},
                      {MODE_PROCESSES, 4, 0.42, 0.15, 0, NULL, false, 0}}};
    build(&knee, &r);
    r.precision = 0.05;
    r.max_repeat = 6;
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(f[0].workers, 2);
    ck_assert_int_eq(f[1].workers, 4);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(f[i].mode, MODE_PROCESSES);
        ck_assert_ptr_nonnull(strstr(f[i].why, "cannot tell them apart"));
    }
    results_free(&r);

    /* A spawn follow-up whose one run shows a pool start-up 150 ms over fork's, on a 0.5 s job
     * (30 % > the 10 % a tie allows), is settled; one as quick to start as fork is not. */
    scenario sp = {"spawn", 2, 0.99, 0.015, 2e-4, 64, 0,
                   {S(1.0), T(2, 1.0), {MODE_PROCESSES, 2, 0.5, 0.01, 0, NULL, false, 0, 0.01}}};
    build(&sp, &r);
    results_summarize(&r);
    advise_followup fu = {.mode = MODE_PROCESSES, .workers = 2, .chunksize = 1, .variant = true,
                          .against_chunksize = 1};
    snprintf(fu.start_method, sizeof(fu.start_method), "spawn");
    snprintf(fu.against_method, sizeof(fu.against_method), "fork");
    run_result one;
    memset(&one, 0, sizeof(one));
    one.status = RUN_OK;
    one.wall_s = 0.65;
    one.startup_s = 0.16;
    one.teardown_s = NAN;
    char why[ADVISE_TEXT_LEN];
    ck_assert(advise_followup_settled(&r, &fu, &one, why, sizeof(why)));
    ck_assert_ptr_nonnull(strstr(why, "start-up"));
    one.wall_s = 0.5;
    one.startup_s = 0.02;
    ck_assert(!advise_followup_settled(&r, &fu, &one, why, sizeof(why)));
    results_free(&r);

    /* Cheap pool, threads win: nothing to measure. */
    scenario rel = {"releases", 2, 0.99, 0.015, 2e-4, 64, 0,
                    {S(1.0), T(1, 1.0), T(2, 0.51), P(1, 1.02), P(2, 0.52)}};
    build(&rel, &r);
    ck_assert_int_eq(advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS), 0);
    results_free(&r);

    /* Few tasks cap the chunksize: 64 tasks over 2 workers leave 8 per chunk at most. */
    scenario few = {"few tasks", 2, 0.99, 1e-3, 5e-3, 64, 0,
                    {S(1.0), T(1, 1.1), T(2, 1.1), P(1, 1.3), P(2, 0.9)}};
    build(&few, &r);
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(f[0].chunksize, 8);
    results_free(&r);

    /* ... and so does the sample the pool was measured on: 12 of the 64 tasks hold 2 chunks of 3
     * for each of 2 workers; 4 tasks cannot hold 2 chunks of 2 each, and batching is not tried. */
    const int samples[] = {12, 4}, want[] = {3, 0};
    for (int k = 0; k < 2; k++) {
        build(&few, &r);
        for (int i = 0; i < r.nruns; i++) {
            r.runs[i].tasks = samples[k];
            r.runs[i].sample_of = 64;
        }
        results_summarize(&r);
        n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
        bool chunk = n > 0 && f[0].variant && f[0].chunksize > 1;
        ck_assert_msg(chunk == (want[k] > 0), "sample %d: %d follow-ups", samples[k], n);
        if (chunk)
            ck_assert_int_eq(f[0].chunksize, want[k]);
        results_free(&r);
    }
}
END_TEST

/* The scalability law on an Amdahl curve measured up to 8 of 8 cores: a prediction at 32; from
 * two worker counts: refused, with the reason. */
#define D(w, x) {MODE_DASK, w, x, 0.01, 0, NULL, false, 0}

/* A Dask cluster faster than every local pool is still not the local choice: it is advised apart,
 * beyond this machine, with its cost per task against the work and the batch size that brings that
 * cost under 10 % of it, which is measured before it is named. */
START_TEST(test_dask_beyond)
{
    /* 1 ms of work a task, 0.5 ms of cost a task: a batch of 5 brings it to 10 %. */
    scenario sc = {"dask", 2, 0.99, 1e-3, 5e-4, 1000, 0,
                   {S(1.0), P(1, 1.1), P(2, 0.55), D(1, 1.2), D(2, 0.3)}};
    results r;
    build(&sc, &r);
    recommendation rec;
    advise_recommend(&r, 0, &rec);
    ck_assert(rec.made);
    ck_assert_int_eq(rec.choice.mode, MODE_PROCESSES);
    ck_assert_int_gt(rec.nbeyond, 2);
    bool cost = false, batch = false;
    for (int i = 0; i < rec.nbeyond; i++) {
        cost |= strstr(rec.beyond[i], "500.0 us per task") != NULL &&
                strstr(rec.beyond[i], "shorter than 3 times") != NULL;
        batch |= strstr(rec.beyond[i], "batches of about 5 tasks") != NULL &&
                 strstr(rec.beyond[i], "not measured") != NULL;
    }
    ck_assert_msg(cost && batch, "%s | %s", rec.beyond[1], rec.beyond[2]);
    ck_assert_int_eq(rec.dask_batch, 0);
    advise_followup f[ADVISE_MAX_FOLLOWUPS];
    ck_assert_int_ge(advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS), 1);
    ck_assert_int_eq(f[0].mode, MODE_DASK);
    ck_assert_int_eq(f[0].workers, 2);
    ck_assert_int_eq(f[0].chunksize, 5);
    results_free(&r);

    /* Measured: named, and not asked for again. */
    sc.c[5] = (cfg){MODE_DASK, 2, 0.28, 0.01, 5, NULL, true, 0};
    build(&sc, &r);
    advise_recommend(&r, 0, &rec);
    ck_assert_int_eq(rec.choice.mode, MODE_PROCESSES);
    ck_assert_int_eq(rec.dask_batch, 5);
    int n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < n; i++)
        ck_assert_int_ne(f[i].mode, MODE_DASK);
    results_free(&r);
}
END_TEST

START_TEST(test_target)
{
    scenario amdahl = {"amdahl", 8, 0.99, 0.015, 2e-4, 64, 0, {S(1.0), T(1, 1.0), T(2, 1.0)}};
    /* S(N) = N / (1 + 0.05 (N - 1)) */
    const int ns[] = {1, 2, 4, 8};
    for (int i = 0; i < 4; i++)
        amdahl.c[3 + i] = (cfg){MODE_PROCESSES, ns[i], (1 + 0.05 * (ns[i] - 1)) / ns[i], 0.0, 0,
                                NULL, false, 0};
    results r;
    build(&amdahl, &r);
    recommendation rec;
    advise_recommend(&r, 32, &rec);
    ck_assert_int_eq(rec.target_cores, 32);
    const advise_scaling *p = &rec.scaling[1];
    ck_assert_int_eq(p->mode, MODE_PROCESSES);
    ck_assert(p->fit.fitted);
    ck_assert_double_eq_tol(p->fit.sigma, 0.05, 1e-6);
    ck_assert_double_eq_tol(p->predicted, 32.0 / (1 + 0.05 * 31), 1e-6);
    ck_assert_ptr_nonnull(strstr(p->note, "predicted at 32 workers"));
    const advise_scaling *t = &rec.scaling[0];
    ck_assert(!t->fit.fitted);
    ck_assert(isnan(t->predicted));
    ck_assert_ptr_nonnull(strstr(t->note, "needs at least 3"));

    /* results.json keeps the prediction. */
    r.recommendation = rec;
    round_trip(&r);
    results_free(&r);
}
END_TEST

#define A(w, x) {MODE_ASYNCIO, w, x, 0.01, 0, NULL, false, 0}

/* A coroutine workload: every run's loop measured, single's blocked `blocked` of the time by
 * steps of 8 ms (task 7 the longest), the others as single. */
static void make_coroutine(results *r, double blocked)
{
    r->workload.coroutine = true;
    for (int i = 0; i < r->nruns; i++) {
        loop_figures *l = &r->runs[i].loop;
        *l = (loop_figures){.measured = true, .blocked_fraction = blocked, .max_step_s = 0.008,
                            .nlongest = 1, .longest_tasks = {7}, .longest_s = {0.008}};
        if (r->runs[i].mode == MODE_ASYNCIO)
            l->concurrency = r->runs[i].workers;
    }
    results_summarize(r);
    classify_results(r, &r->classification);
}

/* asyncio ranks between the loop and a thread pool: within the noise of threads it is chosen, at
 * its concurrency, with its loop's figures; a coroutine job that both waits and computes gets
 * processes x asyncio as a follow-up at asyncio's best concurrency, one that only waits does
 * not; a plain I/O-bound job is told that asyncio would need async code. */
START_TEST(test_coroutine_advice)
{
    results r;
    recommendation rec;
    scenario waits = {"waits", 2, 0.03, 0.09, 1e-4, 120, 0,
                      {S(10.0), T(2, 5.0), T(4, 2.5), T(8, 1.26), P(2, 5.1), A(2, 5.0),
                       A(4, 2.5), A(8, 1.25)}};
    build(&waits, &r);
    make_coroutine(&r, 0.004);
    advise_recommend(&r, 0, &rec);
    ck_assert(rec.made);
    ck_assert_int_eq(rec.choice.mode, MODE_ASYNCIO);
    ck_assert_int_eq(rec.choice.workers, 8);
    ck_assert_msg(strstr(rec.headline, "concurrency 8") != NULL, "%s", rec.headline);
    advise_followup f[ADVISE_MAX_FOLLOWUPS];
    int n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(f[i].concurrency, 0); /* it only waits: no processes x asyncio */
    results_free(&r);

    scenario mixed = {"mixed", 2, 0.30, 0.028, 1e-4, 100, 0,
                      {S(2.8), T(2, 1.8), T(4, 1.2), P(2, 1.5), A(2, 1.8), A(4, 1.2),
                       A(8, 0.95), A(16, 0.93)}};
    build(&mixed, &r);
    make_coroutine(&r, 0.29);
    char *ev = r.classification.evidence[r.classification.nevidence - 1];
    ck_assert_msg(strstr(ev, "blocked 29 %") && strstr(ev, "processes, each with its own loop"),
                  "%s", ev);
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    ck_assert_int_ge(n, 1);
    ck_assert_int_eq(f[0].mode, MODE_PROCESSES);
    ck_assert_int_eq(f[0].workers, 2);
    ck_assert_int_eq(f[0].concurrency, 16);
    ck_assert(f[0].variant);
    /* Measured, and faster: chosen, named with its loops. */
    for (int k = 0; k < 3; k++) {
        run_result run = r.runs[0];
        run.placement = NULL;
        run.worker_states = NULL;
        run.task_walls = NULL;
        run.task_digests = NULL;
        run.mode = MODE_PROCESSES;
        run.workers = 2;
        run.variant = true;
        run.chunksize = 1;
        snprintf(run.start_method, sizeof(run.start_method), "fork");
        run.loop.concurrency = 16;
        run.wall_s = 0.5 * (1.0 + (k - 1) * 0.01);
        results_add_run(&r, &run);
    }
    results_summarize(&r);
    classify_results(&r, &r.classification);
    ck_assert_ptr_nonnull(results_find_loop_variant(&r, 2, 16, "fork"));
    ck_assert_ptr_null(results_find_variant(&r, MODE_PROCESSES, 2, 1, "fork"));
    n = advise_followups(&r, f, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < n; i++) /* measured once is enough */
        ck_assert(!(f[i].concurrency == 16 && !strcmp(f[i].start_method, "fork")));
    advise_recommend(&r, 0, &rec);
    ck_assert_int_eq(rec.choice.mode, MODE_PROCESSES);
    ck_assert_int_eq(rec.choice.concurrency, 16);
    ck_assert_msg(strstr(rec.headline, "each an event loop with 16 tasks in flight") != NULL,
                  "%s", rec.headline);
    results_free(&r);

    /* A plain job that waits: asyncio is not measured, and the advice says why. */
    build(&waits, &r);
    advise_recommend(&r, 0, &rec);
    bool said = false;
    for (int i = 0; i < rec.nnotes; i++)
        said |= strstr(rec.notes[i], "would have to become async") != NULL;
    ck_assert(said);
    results_free(&r);
}
END_TEST

Suite *advise_suite(void)
{
    Suite *s = suite_create("advise");
    TCase *tc = tcase_create("advise");
    tcase_add_loop_test(tc, test_table, 0, (int)ARRAY_LEN(table));
    tcase_add_loop_test(tc, test_unsafe_never_recommended, 0, (int)ARRAY_LEN(unsafe_table));
    tcase_add_test(tc, test_two_runs_no_interval);
    tcase_add_test(tc, test_no_baseline);
    tcase_add_test(tc, test_startup_weighs);
    tcase_add_test(tc, test_knee_names_the_follow_up);
    tcase_add_test(tc, test_waits_open);
    tcase_add_test(tc, test_memory);
    tcase_add_test(tc, test_capacity);
    tcase_add_test(tc, test_memory_at_target);
    tcase_add_test(tc, test_followups);
    tcase_add_test(tc, test_target);
    tcase_add_test(tc, test_coroutine_advice);
    tcase_add_test(tc, test_dask_beyond);
    suite_add_tcase(s, tc);
    return s;
}

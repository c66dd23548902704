/* check_results.c - results.json round trips, the per-configuration summary, and loader errors. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check_concur.h"
#include "concur/concur.h"
#include "concur/results.h"
#include "concur/results_json.h"
#include "concur/util.h"

#define EPS 1e-12

/* ---- fixture: a fresh directory per test -------------------------------------------------------- */

static char tmpdir[PATH_MAX];

static void tmpdir_setup(void)
{
    const char *base = getenv("TMPDIR");
    util_fmt(tmpdir, sizeof(tmpdir), "%s/concur-results-XXXXXX", base && base[0] ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir, strerror(errno));
}

static void tmpdir_teardown(void)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[PATH_MAX + 256];
        snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdir);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
    util_fmt(buf, len, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
}

/* ---- a results struct with every field set -------------------------------------------------------- */

static void fill_counters(counters_values *c, double base, bool hardware)
{
    c->task_clock_s = base * 1.5;
    c->context_switches = 1234;
    c->voluntary_switches = hardware ? NAN : 1000;
    c->involuntary_switches = hardware ? NAN : 234;
    c->cpu_migrations = 3;
    c->page_faults = 98765;
    c->cycles = hardware ? 12345678901234.0 : NAN;
    c->instructions = hardware ? 23456789012345.0 : NAN;
    c->llc_misses = hardware ? 4567.0 : NAN;
}

static void fill_summary(stats_summary *s, double base)
{
    s->n = 64;
    s->min = base * 0.5;
    s->median = base;
    s->p95 = base * 1.7;
    s->max = base * 2.25;
    s->mean = base * 1.0000000000000002;
}

static void fill_run(run_result *run, run_mode mode, int workers, int repeat, run_status status, double wall)
{
    memset(run, 0, sizeof(*run));
    run->mode = mode;
    run->workers = workers;
    run->repeat = repeat;
    run->status = status;
    run->exit_code = status == RUN_OK ? 0 : 1;
    run->wall_s = wall;
    run->startup_s = NAN;
    run->first_ready_s = NAN;
    run->harness_s = NAN;
    run->cpu_s = NAN;
    run->cpu_utilization = NAN;
    fill_counters(&run->counters, 1.0, false);
    run->peak_rss_bytes = NAN;
    run->io_read_bytes = NAN;
    run->io_write_bytes = NAN;
    stats_summarize(NULL, 0, &run->task_wall);
    stats_summarize(NULL, 0, &run->task_cpu);
    run->pickle_arg_bytes = NAN;
    run->pickle_result_bytes = NAN;
}

/* total samples, a share `gil` waiting for the GIL and the rest spread over every state, with
 * counts that are not whole numbers so that every bit has to survive. */
static void fill_states(state_hist *h, double total, double gil)
{
    h->total = total;
    double rest = total * (1.0 - gil);
    for (int st = 0; st < TS_COUNT; st++)
        h->counts[st] = st == TS_GIL_WAIT ? total * gil : rest / (TS_COUNT - 1);
}

static void fill_results(results *r)
{
    results_init(r);
    util_fmt(r->concur_version, sizeof(r->concur_version), "%s", CONCUR_VERSION);
    util_fmt(r->started_at, sizeof(r->started_at), "2024-05-01T12:00:00Z");
    util_fmt(r->finished_at, sizeof(r->finished_at), "2024-05-01T12:03:21Z");
    r->complete = false;
    util_fmt(r->incomplete_reason, sizeof(r->incomplete_reason), "interrupted by SIGINT \"after\" 3 runs");

    util_fmt(r->workload.spec, sizeof(r->workload.spec), "workloads/cpu_bound.py");
    util_fmt(r->workload.path, sizeof(r->workload.path), "/home/ana/proj/workloads/cpu_bound.py");
    util_fmt(r->workload.name, sizeof(r->workload.name), "cpu_bound");
    util_fmt(r->workload.description, sizeof(r->workload.description),
             "Pure-Python \"prime\" sieve\n\twith tabs, a backslash \\ and unicode: naïve ✓ 日本語 \x01");
    r->workload.tasks = 64;

    util_fmt(r->machine.cpu_model, sizeof(r->machine.cpu_model), "AMD EPYC 7763 64-Core Processor");
    r->machine.packages = 2;
    r->machine.numa_nodes = 8;
    r->machine.cores = 128;
    r->machine.pus = 256;
    r->machine.synthetic = true;
    util_fmt(r->machine.synthetic_desc, sizeof(r->machine.synthetic_desc), "pack:2 numa:4 core:16 pu:2");

    util_fmt(r->python.requested, sizeof(r->python.requested), "python3.13t");
    util_fmt(r->python.executable, sizeof(r->python.executable), "/usr/bin/python3.13t");
    util_fmt(r->python.version, sizeof(r->python.version), "3.13.0");
    util_fmt(r->python.implementation, sizeof(r->python.implementation), "cpython");
    r->python.gil = 0;

    r->counters.level = COUNTERS_SOFTWARE;
    r->counters.backend = COUNTERS_BACKEND_PERF;
    r->counters.nevents = 2;
    util_fmt(r->counters.events[0], sizeof(r->counters.events[0]), "perf::TASK-CLOCK");
    util_fmt(r->counters.events[1], sizeof(r->counters.events[1]), "perf::CONTEXT-SWITCHES");
    util_fmt(r->counters.why, sizeof(r->counters.why), "no PMU visible: a virtual machine");
    r->counters.ntried = 2;
    r->counters.tried[0] = (counters_attempt){COUNTERS_HARDWARE, COUNTERS_BACKEND_PAPI, false,
                                              "PAPI_attach: Event does not exist (PAPI_ENOEVNT)"};
    r->counters.tried[1] = (counters_attempt){COUNTERS_SOFTWARE, COUNTERS_BACKEND_PERF, true, ""};

    util_fmt(r->start_method, sizeof(r->start_method), "forkserver");
    r->repeat = 3;
    r->timeout_s = 600.5;

    /* 1: single, every awkward number. */
    run_result run;
    run_placement pl[4];
    fill_run(&run, MODE_SINGLE, 1, 1, RUN_OK, 0.1 + 0.2);
    run.startup_s = 1.0 / 3.0;
    run.harness_s = 1e-300;
    run.cpu_s = 6.02214076e23;
    run.cpu_utilization = 0.99999999999999989;
    run.peak_rss_bytes = 123456789.0;
    run.io_read_bytes = 0.0;
    run.io_write_bytes = 4096.0;
    run.tasks = 64;
    run.tasks_ok = 64;
    fill_summary(&run.task_wall, 0.0123456789012345678);
    fill_summary(&run.task_cpu, 0.0111);
    pl[0] = (run_placement){0, 4242, 4242, 3, 3, 3, "3"};
    run.placement = pl;
    run.nplacement = 1;
    state_hist one_worker[1];
    fill_states(&run.states, 400.0, 1.0 / 3.0);
    fill_states(&run.other_states, 7.0, 0.0);
    one_worker[0] = run.states;
    run.worker_states = one_worker;
    run.nworker_states = 1;
    run.gil_distinguished = true;
    run.sampler_rounds = 400;
    run.sampler_interval_s = 0.1 + 0.2;
    run.sampler_cpu_s = 1e-300;
    results_add_run(r, &run);
    run.worker_states = NULL;
    run.nworker_states = 0;

    /* 2: processes with pickling measured and four placements. */
    fill_run(&run, MODE_PROCESSES, 4, 2, RUN_OK, 2.5);
    fill_counters(&run.counters, 7.0, true);
    run.startup_s = 0.25;
    run.harness_s = 3.0;
    run.cpu_s = 9.5;
    run.cpu_utilization = 0.95;
    run.tasks = 64;
    run.tasks_ok = 64;
    run.pickle_arg_bytes = 28.0;
    run.pickle_result_bytes = 1048576.5;
    run.pickle_sampled = 16;
    for (int i = 0; i < 4; i++) {
        pl[i] = (run_placement){i, 5000 + i, 5000 + i, 2 * i, i == 3 ? -1 : 2 * i, i == 3 ? -1 : i, ""};
        util_fmt(pl[i].cpus_allowed, sizeof(pl[i].cpus_allowed), i == 3 ? "0-3,8" : "%d", 2 * i);
    }
    run.placement = pl;
    run.nplacement = 4;
    state_hist four_workers[4];
    for (int i = 0; i < 4; i++)
        fill_states(&four_workers[i], 100.0 + i, 0.25 * i);
    four_workers[2].total = 0; /* a worker that was never sampled: null fractions */
    memset(four_workers[2].counts, 0, sizeof(four_workers[2].counts));
    fill_states(&run.states, 403.0, 0.1);
    run.worker_states = four_workers;
    run.nworker_states = 4;
    run.gil_distinguished = false;
    run.sampler_rounds = 101;
    run.sampler_interval_s = 0.0123;
    run.sampler_cpu_s = 0.004;
    results_add_run(r, &run);
    run.worker_states = NULL;
    run.nworker_states = 0;

    /* 3: threads whose tasks raised, with a message and a traceback full of quoting. */
    fill_run(&run, MODE_THREADS, 2, 1, RUN_TASKS_FAILED, 1.75);
    run.exit_code = 0;
    run.tasks = 64;
    run.tasks_ok = 60;
    run.tasks_failed = 4;
    util_fmt(run.error, sizeof(run.error), "4 of 64 tasks raised ValueError: bad \"input\" 'x' ✗");
    util_fmt(run.traceback, sizeof(run.traceback),
             "Traceback (most recent call last):\n  File \"job.py\", line 12, in task\n"
             "    raise ValueError(f\"bad {x!r}\")\nValueError: bad 'x' — ünïcödé\r\n");
    run.results_compared = 60;
    run.results_differ = 5;
    run.results_raised = 4;
    run.ndiffer_tasks = 3;
    run.differ_tasks[0] = 3;
    run.differ_tasks[1] = 9;
    run.differ_tasks[2] = 63;
    results_add_run(r, &run);

    /* 4: timed out: nothing measured, killed by a signal; pickle sampled 0 but a size recorded. */
    fill_run(&run, MODE_PROCESSES, 2, 3, RUN_TIMED_OUT, NAN);
    run.exit_code = -9;
    run.pickle_arg_bytes = 12.5;
    util_fmt(run.error, sizeof(run.error), "setup() did not finish within the --timeout of 600.5 s");
    run.setup_hung = true;
    run.escaped_killed = 3;
    run.nescaped_commands = 2;
    util_fmt(run.escaped_commands[0], RUN_COMMAND_LEN, "sleep");
    util_fmt(run.escaped_commands[1], RUN_COMMAND_LEN, "my \"daemon\" ✓");
    run.hung = true;
    results_add_run(r, &run);

    r->check = RESULTS_COMPARED; /* the counts above, as a run that had the digests left them */
    r->results_vary = false;
    results_summarize(r);
    r->check_task = 12;
    r->python.gil = 0;

    r->classification.kind = KIND_OVERHEAD_BOUND;
    r->classification.gil = GIL_NONE;
    r->classification.confidence = 2.0 / 3.0;
    r->classification.memory_bound = 0;
    r->classification.nevidence = 2;
    util_fmt(r->classification.evidence[0], sizeof(r->classification.evidence[0]),
             "single-thread CPU utilization 0.99: \"CPU-bound\" (>= 0.80)");
    util_fmt(r->classification.evidence[1], sizeof(r->classification.evidence[1]),
             "71 %% of thread samples waiting for the GIL ✓");
}

/* ---- comparing two results field by field ------------------------------------------------------- */

static void same_double(double a, double b, const char *what, int i)
{
    ck_assert_msg((isnan(a) && isnan(b)) || a == b, "%s (run %d): %.17g != %.17g", what, i, a, b);
}

#define SAME_D(f) same_double(a->f, b->f, #f, idx)
#define SAME_I(f) ck_assert_msg((long)a->f == (long)b->f, "%s (%d): %ld != %ld", #f, idx, (long)a->f, (long)b->f)
#define SAME_S(f) ck_assert_msg(strcmp(a->f, b->f) == 0, "%s (%d): '%s' != '%s'", #f, idx, a->f, b->f)

static void same_counters(const counters_values *a, const counters_values *b, int idx)
{
    SAME_D(task_clock_s);
    SAME_D(context_switches);
    SAME_D(voluntary_switches);
    SAME_D(involuntary_switches);
    SAME_D(cpu_migrations);
    SAME_D(page_faults);
    SAME_D(cycles);
    SAME_D(instructions);
    SAME_D(llc_misses);
}

static void same_stats(const stats_summary *a, const stats_summary *b, int idx)
{
    SAME_I(n);
    SAME_D(min);
    SAME_D(median);
    SAME_D(p95);
    SAME_D(max);
    SAME_D(mean);
}

static void same_states(const state_hist *a, const state_hist *b, const char *what, int idx)
{
    same_double(a->total, b->total, what, idx);
    for (int st = 0; st < TS_COUNT; st++)
        same_double(a->counts[st], b->counts[st], what, idx);
}

static void same_run(const run_result *a, const run_result *b, int idx)
{
    SAME_I(mode);
    SAME_I(workers);
    SAME_I(repeat);
    SAME_I(status);
    SAME_S(error);
    SAME_S(traceback);
    SAME_I(exit_code);
    SAME_I(setup_hung);
    SAME_I(hung);
    SAME_I(results_compared);
    SAME_I(results_differ);
    SAME_I(results_raised);
    SAME_I(ndiffer_tasks);
    for (int i = 0; i < a->ndiffer_tasks; i++)
        SAME_I(differ_tasks[i]);
    SAME_I(escaped_killed);
    SAME_I(nescaped_commands);
    for (int i = 0; i < a->nescaped_commands; i++)
        SAME_S(escaped_commands[i]);
    SAME_D(wall_s);
    SAME_D(startup_s);
    SAME_D(harness_s);
    same_counters(&a->counters, &b->counters, idx);
    SAME_D(cpu_s);
    SAME_D(cpu_utilization);
    SAME_D(peak_rss_bytes);
    SAME_D(io_read_bytes);
    SAME_D(io_write_bytes);
    SAME_I(tasks);
    SAME_I(tasks_ok);
    SAME_I(tasks_failed);
    same_stats(&a->task_wall, &b->task_wall, idx);
    same_stats(&a->task_cpu, &b->task_cpu, idx);
    SAME_D(pickle_arg_bytes);
    SAME_D(pickle_result_bytes);
    SAME_I(pickle_sampled);
    SAME_I(nplacement);
    for (int i = 0; i < a->nplacement; i++) {
        const run_placement *pa = &a->placement[i], *pb = &b->placement[i];
        ck_assert(pa->worker == pb->worker && pa->pid == pb->pid && pa->tid == pb->tid);
        ck_assert(pa->pu_planned == pb->pu_planned && pa->pu == pb->pu && pa->core == pb->core);
        ck_assert_str_eq(pa->cpus_allowed, pb->cpus_allowed);
    }
    same_states(&a->states, &b->states, "states", idx);
    same_states(&a->other_states, &b->other_states, "other_states", idx);
    SAME_I(nworker_states);
    for (int i = 0; i < a->nworker_states; i++)
        same_states(&a->worker_states[i], &b->worker_states[i], "worker_states", idx);
    SAME_I(gil_distinguished);
    SAME_I(sampler_rounds);
    SAME_D(sampler_interval_s);
    SAME_D(sampler_cpu_s);
}

static void same_config(const config_summary *a, const config_summary *b, int idx)
{
    SAME_I(mode);
    SAME_I(workers);
    SAME_I(runs_ok);
    SAME_I(runs_failed);
    SAME_D(wall_s);
    SAME_D(ci_low_s);
    SAME_D(ci_high_s);
    SAME_I(ci_method);
    SAME_D(speedup);
    SAME_D(speedup_low);
    SAME_D(speedup_high);
    SAME_D(task_s);
    SAME_D(task_ci_low_s);
    SAME_D(task_ci_high_s);
    SAME_D(task_speedup);
    SAME_D(task_speedup_low);
    SAME_D(task_speedup_high);
    SAME_D(cpu_utilization);
    SAME_D(startup_s);
    SAME_D(state_samples);
    SAME_D(running_fraction);
    SAME_D(runnable_fraction);
    SAME_D(gil_wait_fraction);
    SAME_D(lock_wait_fraction);
    SAME_D(io_wait_fraction);
    SAME_D(sleep_fraction);
    SAME_D(child_wait_fraction);
    SAME_D(other_fraction);
    SAME_I(gil_distinguished);
    SAME_D(efficiency);
    SAME_D(gil_penalty);
    SAME_D(ipc);
    SAME_D(llc_mpki);
    SAME_I(results_compared);
    SAME_I(results_differ);
    SAME_I(results_raised);
    SAME_I(unsafe);
    SAME_S(unsafe_reason);
}

static void same_results(const results *a, const results *b)
{
    int idx = -1;
    SAME_I(check);
    SAME_I(check_task);
    SAME_I(results_vary);
    SAME_S(concur_version);
    SAME_S(started_at);
    SAME_S(finished_at);
    SAME_I(complete);
    SAME_S(incomplete_reason);
    SAME_S(workload.spec);
    SAME_S(workload.path);
    SAME_S(workload.name);
    SAME_S(workload.description);
    SAME_I(workload.tasks);
    SAME_S(machine.cpu_model);
    SAME_I(machine.packages);
    SAME_I(machine.numa_nodes);
    SAME_I(machine.cores);
    SAME_I(machine.pus);
    SAME_I(machine.synthetic);
    SAME_S(machine.synthetic_desc);
    SAME_S(python.requested);
    SAME_S(python.executable);
    SAME_S(python.version);
    SAME_S(python.implementation);
    SAME_I(python.gil);
    SAME_I(counters.level);
    SAME_I(counters.backend);
    SAME_I(counters.nevents);
    for (int i = 0; i < a->counters.nevents; i++)
        ck_assert_str_eq(a->counters.events[i], b->counters.events[i]);
    SAME_S(counters.why);
    SAME_I(counters.ntried);
    for (int i = 0; i < a->counters.ntried; i++) {
        SAME_I(counters.tried[i].level);
        SAME_I(counters.tried[i].backend);
        SAME_I(counters.tried[i].ok);
        SAME_S(counters.tried[i].detail);
    }
    SAME_S(start_method);
    SAME_I(repeat);
    SAME_D(timeout_s);
    SAME_I(nruns);
    for (int i = 0; i < a->nruns; i++)
        same_run(&a->runs[i], &b->runs[i], i);
    SAME_I(nsummary);
    for (int i = 0; i < a->nsummary; i++)
        same_config(&a->summary[i], &b->summary[i], i);
    SAME_I(classification.kind);
    SAME_I(classification.gil);
    SAME_D(classification.confidence);
    SAME_I(classification.memory_bound);
    SAME_I(classification.nevidence);
    for (int i = 0; i < a->classification.nevidence; i++)
        SAME_S(classification.evidence[i]);
}

/* ---- JSON text checks -------------------------------------------------------------------------- */

/* The item at a dotted path ("runs.0.counters.cycles"); numeric parts index arrays. */
static const cJSON *json_at(const cJSON *root, const char *path)
{
    char buf[256];
    util_fmt(buf, sizeof(buf), "%s", path);
    const cJSON *it = root;
    char *save = NULL;
    for (char *part = strtok_r(buf, ".", &save); it && part; part = strtok_r(NULL, ".", &save)) {
        if (cJSON_IsArray(it))
            it = cJSON_GetArrayItem(it, atoi(part));
        else
            it = cJSON_GetObjectItemCaseSensitive(it, part);
    }
    return it;
}

/* Every key results.json promises, at the paths the reports read them from. */
static const char *const required_keys[] = {
    "schema", "concur_version", "started_at", "finished_at", "complete", "incomplete_reason",
    "workload.spec", "workload.path", "workload.name", "workload.description", "workload.tasks",
    "machine.cpu_model", "machine.packages", "machine.numa_nodes", "machine.cores", "machine.pus",
    "machine.synthetic", "machine.python.requested", "machine.python.executable",
    "machine.python.version", "machine.python.implementation", "machine.python.gil",
    "counters.level", "counters.backend", "counters.events", "counters.why",
    "options.start_method", "options.repeat", "options.timeout_s",
    "runs.0.mode", "runs.0.workers", "runs.0.repeat", "runs.0.status", "runs.0.error", "runs.0.traceback",
    "runs.0.exit_code", "runs.0.setup_hung", "runs.0.escaped_killed",
    "runs.0.escaped_commands", "runs.0.wall_s", "runs.0.startup_s", "runs.0.harness_s", "runs.0.cpu_s",
    "runs.0.cpu_utilization", "runs.0.counters.task_clock_s", "runs.0.counters.context_switches",
    "runs.0.counters.voluntary_switches", "runs.0.counters.involuntary_switches",
    "runs.0.counters.cpu_migrations", "runs.0.counters.page_faults", "runs.0.counters.cycles",
    "runs.0.counters.instructions", "runs.0.counters.llc_misses", "runs.0.peak_rss_bytes",
    "runs.0.io_read_bytes", "runs.0.io_write_bytes", "runs.0.tasks", "runs.0.tasks_ok",
    "runs.0.tasks_failed", "runs.0.task_wall_s.n", "runs.0.task_wall_s.min", "runs.0.task_wall_s.median",
    "runs.0.task_wall_s.p95", "runs.0.task_wall_s.max", "runs.0.task_wall_s.mean", "runs.0.task_cpu_s.mean",
    "runs.0.pickle", "runs.1.pickle.arg_bytes", "runs.1.pickle.result_bytes", "runs.1.pickle.sampled",
    "runs.0.placement.0.worker", "runs.0.placement.0.pid", "runs.0.placement.0.tid",
    "runs.0.placement.0.pu_planned", "runs.0.placement.0.pu", "runs.0.placement.0.core",
    "runs.0.placement.0.cpus_allowed",
    "summary.single.1.wall_s", "summary.single.1.ci_low_s", "summary.single.1.ci_high_s",
    "summary.single.1.ci_method", "summary.single.1.speedup", "summary.single.1.speedup_low",
    "summary.single.1.speedup_high", "summary.single.1.runs_ok", "summary.single.1.runs_failed",
    "summary.single.1.cpu_utilization", "summary.single.1.startup_s", "summary.processes.4.speedup",
    "runs.0.states.samples", "runs.0.states.running", "runs.0.states.runnable", "runs.0.states.gil_wait",
    "runs.0.states.lock_wait", "runs.0.states.io_wait", "runs.0.states.sleep", "runs.0.states.child_wait",
    "runs.0.states.other", "runs.0.states.counts.running", "runs.0.states.counts.other",
    "runs.0.worker_states.0.gil_wait", "runs.0.worker_states.0.counts.sleep", "runs.0.other_states.samples",
    "runs.0.other_states.counts.io_wait", "runs.0.sampler.rounds", "runs.0.sampler.interval_s",
    "runs.0.sampler.cpu_s", "runs.0.sampler.gil_distinguished",
    "summary.single.1.efficiency", "summary.single.1.gil_penalty", "summary.single.1.state_samples",
    "summary.single.1.running_fraction", "summary.single.1.runnable_fraction",
    "summary.single.1.gil_wait_fraction", "summary.single.1.lock_wait_fraction",
    "summary.single.1.io_wait_fraction", "summary.single.1.sleep_fraction",
    "summary.single.1.child_wait_fraction", "summary.single.1.other_fraction",
    "summary.single.1.gil_distinguished", "summary.single.1.ipc", "summary.single.1.llc_mpki",
    "classification.kind", "classification.gil", "classification.confidence",
    "classification.memory_bound", "classification.evidence",
};

START_TEST(test_json_has_required_keys)
{
    results r;
    fill_results(&r);
    char *text = results_to_json(&r);
    cJSON *root = cJSON_Parse(text);
    ck_assert_ptr_nonnull(root);
    for (size_t i = 0; i < ARRAY_LEN(required_keys); i++)
        ck_assert_msg(json_at(root, required_keys[i]) != NULL, "missing %s", required_keys[i]);

    ck_assert_str_eq(json_at(root, "schema")->valuestring, CONCUR_RESULTS_SCHEMA);
    ck_assert_str_eq(json_at(root, "runs.0.mode")->valuestring, "single");
    ck_assert_str_eq(json_at(root, "runs.2.status")->valuestring, "tasks_failed");
    ck_assert_str_eq(json_at(root, "counters.level")->valuestring, counters_level_name(COUNTERS_SOFTWARE));
    ck_assert(cJSON_IsFalse(json_at(root, "machine.python.gil")));
    /* NAN and "nothing" are null; numbers keep every bit. */
    ck_assert(cJSON_IsNull(json_at(root, "runs.0.counters.cycles")));
    ck_assert(cJSON_IsNull(json_at(root, "runs.0.pickle")));
    ck_assert(cJSON_IsNull(json_at(root, "runs.0.error")));
    ck_assert(cJSON_IsNull(json_at(root, "runs.0.traceback")));
    ck_assert(cJSON_IsNull(json_at(root, "runs.3.wall_s")));
    ck_assert(cJSON_IsFalse(json_at(root, "runs.0.setup_hung")));
    ck_assert(cJSON_IsTrue(json_at(root, "runs.3.setup_hung")));
    ck_assert_int_eq(json_at(root, "runs.0.escaped_killed")->valueint, 0);
    ck_assert_int_eq(cJSON_GetArraySize(json_at(root, "runs.0.escaped_commands")), 0);
    ck_assert_int_eq(json_at(root, "runs.3.escaped_killed")->valueint, 3);
    ck_assert_str_eq(json_at(root, "runs.3.escaped_commands.0")->valuestring, "sleep");
    ck_assert(cJSON_IsObject(json_at(root, "runs.3.pickle")));
    ck_assert(json_at(root, "runs.0.wall_s")->valuedouble == 0.1 + 0.2);
    ck_assert_ptr_nonnull(strstr(text, "0.30000000000000004"));
    ck_assert(text[strlen(text) - 1] == '}');

    /* Sampler states: fractions beside the counts; a worker never sampled has null fractions. */
    ck_assert(json_at(root, "runs.0.states.samples")->valuedouble == 400.0);
    ck_assert(json_at(root, "runs.0.states.gil_wait")->valuedouble == 400.0 * (1.0 / 3.0) / 400.0);
    ck_assert(json_at(root, "runs.0.states.counts.gil_wait")->valuedouble == 400.0 * (1.0 / 3.0));
    ck_assert(cJSON_IsNull(json_at(root, "runs.1.worker_states.2.running")));
    ck_assert(json_at(root, "runs.1.worker_states.2.samples")->valuedouble == 0.0);
    ck_assert_int_eq(cJSON_GetArraySize(json_at(root, "runs.1.worker_states")), 4);
    ck_assert_int_eq(cJSON_GetArraySize(json_at(root, "runs.2.worker_states")), 0);
    ck_assert(cJSON_IsNull(json_at(root, "runs.2.states.sleep")));
    ck_assert(cJSON_IsTrue(json_at(root, "runs.0.sampler.gil_distinguished")));
    ck_assert(cJSON_IsFalse(json_at(root, "runs.1.sampler.gil_distinguished")));
    /* Summary: no samples is null, hardware counters give IPC, one pool alone no gil_penalty. */
    ck_assert(json_at(root, "summary.single.1.gil_wait_fraction")->valuedouble == 400.0 * (1.0 / 3.0) / 400.0);
    ck_assert(cJSON_IsNull(json_at(root, "summary.threads.2.running_fraction")));
    ck_assert(json_at(root, "summary.processes.4.ipc")->valuedouble == 23456789012345.0 / 12345678901234.0);
    ck_assert(cJSON_IsNull(json_at(root, "summary.single.1.ipc")));
    ck_assert(cJSON_IsNull(json_at(root, "summary.processes.4.gil_penalty")));
    ck_assert_str_eq(json_at(root, "classification.kind")->valuestring, "overhead-bound");
    ck_assert_str_eq(json_at(root, "classification.gil")->valuestring, "none");
    ck_assert(cJSON_IsFalse(json_at(root, "classification.memory_bound")));
    ck_assert_str_eq(json_at(root, "classification.evidence.1")->valuestring,
                     "71 % of thread samples waiting for the GIL ✓");
    cJSON_Delete(root);
    free(text);

    /* Not classified yet: null; without hardware counters memory_bound is null. */
    classification saved = r.classification;
    classification_init(&r.classification);
    text = results_to_json(&r);
    root = cJSON_Parse(text);
    ck_assert(cJSON_IsNull(json_at(root, "classification")));
    cJSON_Delete(root);
    free(text);
    r.classification = saved;
    r.classification.memory_bound = -1;
    text = results_to_json(&r);
    root = cJSON_Parse(text);
    ck_assert(cJSON_IsNull(json_at(root, "classification.memory_bound")));
    cJSON_Delete(root);
    free(text);
    r.classification = saved;

    /* gil unknown is null, true is true; a complete run has no reason. */
    r.python.gil = -1;
    r.complete = true;
    text = results_to_json(&r);
    root = cJSON_Parse(text);
    ck_assert(cJSON_IsNull(json_at(root, "machine.python.gil")));
    ck_assert(cJSON_IsNull(json_at(root, "incomplete_reason")));
    cJSON_Delete(root);
    free(text);
    r.python.gil = 1;
    text = results_to_json(&r);
    root = cJSON_Parse(text);
    ck_assert(cJSON_IsTrue(json_at(root, "machine.python.gil")));
    cJSON_Delete(root);
    free(text);
    results_free(&r);
}
END_TEST

/* ---- round trip --------------------------------------------------------------------------------- */

/* Writes a to results.json in the scratch directory and loads it into b. */
static void write_and_load(results *a, results *b)
{
    char path[PATH_MAX], err[1024];
    tmp_path(path, sizeof(path), "results.json");
    ck_assert_int_eq(results_write(a, path), 0);
    ck_assert_msg(results_load(path, b, err, sizeof(err)) == 0, "%s", err);
}

/* What was loaded writes the very text that was written; both are freed. */
static void same_text_then_free(results *a, results *b)
{
    char *t1 = results_to_json(a);
    char *t2 = results_to_json(b);
    ck_assert_str_eq(t1, t2);
    free(t1);
    free(t2);
    results_free(a);
    results_free(b);
}

/* What a run saw of the native thread pools comes back as written; a run that reported none, and
 * a file written before concur looked, read as unknown. */
START_TEST(test_native_round_trip)
{
    results a, b;
    fill_results(&a);
    run_result *x = &a.runs[0];
    x->native_threads = 3;
    x->threadpoolctl = 1;
    x->nthreadpools = 1;
    x->threadpools[0] = (run_threadpool){.user_api = "blas", .internal_api = "openblas",
                                         .version = "0.3.21", .threading_layer = "pthreads",
                                         .num_threads = 2};
    x->cpu_native_s = 0.25;
    x->cpu_interp_s = 0.75;
    x->native_states.counts[TS_LOCK_WAIT] = 7;
    x->native_states.total = 7;
    if (x->nplacement > 0)
        x->placement[0].native_threads = 1;
    a.runs[1].native_threads = -1; /* not reported */
    a.runs[1].threadpoolctl = 0;
    a.runs[1].nthreadpools = -1;
    a.classification.native_threaded = 1;
    write_and_load(&a, &b);
    const run_result *y = &b.runs[0];
    ck_assert_int_eq(y->native_threads, 3);
    ck_assert_int_eq(y->threadpoolctl, 1);
    ck_assert_int_eq(y->nthreadpools, 1);
    ck_assert_str_eq(y->threadpools[0].internal_api, "openblas");
    ck_assert_int_eq(y->threadpools[0].num_threads, 2);
    ck_assert_double_eq(y->cpu_native_s, 0.25);
    ck_assert_double_eq(y->native_states.counts[TS_LOCK_WAIT], 7);
    if (y->nplacement > 0)
        ck_assert_int_eq(y->placement[0].native_threads, 1);
    ck_assert_int_eq(b.runs[1].native_threads, -1);
    ck_assert_int_eq(b.runs[1].threadpoolctl, 0);
    ck_assert_int_eq(b.runs[1].nthreadpools, -1);
    ck_assert_int_eq(b.classification.native_threaded, 1);
    same_text_then_free(&a, &b);
}
END_TEST

START_TEST(test_round_trip)
{
    results a, b;
    fill_results(&a);
    a.chunksize = 350;
    a.fresh_interpreter = true;
    a.machine.capacity_start = 1.9734; /* the end's probe not made: null, and NAN again */
    write_and_load(&a, &b);
    same_results(&a, &b);
    ck_assert_int_eq(b.chunksize, 350);
    ck_assert(b.fresh_interpreter);
    ck_assert_double_eq(b.machine.capacity_start, 1.9734);
    ck_assert(isnan(b.machine.capacity_end));

    /* And again from what was loaded: the text is identical. */
    same_text_then_free(&a, &b);
}
END_TEST

/* A coroutine workload's file: the loop figures of a run and of its configuration, the workload's
 * async flag and --loop come back as written, and a plain run's stay absent. */
START_TEST(test_round_trip_loop)
{
    results a, b;
    fill_results(&a);
    a.workload.coroutine = true;
    snprintf(a.loop, sizeof(a.loop), "uvloop");
    a.runs[0].loop = (loop_figures){.measured = true, .concurrency = 0, .blocked_fraction = 0.287,
                                    .max_step_s = 0.0091, .nlongest = 2, .longest_tasks = {12, 3},
                                    .longest_s = {0.0091, 0.0085}, .one_step_tasks = 1,
                                    .pending_cancelled = 4};
    results_summarize(&a);
    write_and_load(&a, &b);
    ck_assert(b.workload.coroutine);
    ck_assert_str_eq(b.loop, "uvloop");
    const loop_figures *l = &b.runs[0].loop;
    ck_assert(l->measured);
    ck_assert_double_eq(l->blocked_fraction, 0.287);
    ck_assert_int_eq(l->nlongest, 2);
    ck_assert_int_eq(l->longest_tasks[1], 3);
    ck_assert_int_eq(l->pending_cancelled, 4);
    ck_assert(!b.runs[1].loop.measured || b.runs[1].mode == b.runs[0].mode);
    const config_summary *s = results_find_summary(&b, b.runs[0].mode, b.runs[0].workers);
    ck_assert(s && s->loop.measured);
    ck_assert_int_eq(s->loop.longest_tasks[0], 12);
    same_text_then_free(&a, &b);
}
END_TEST

/* Doubles whose shortest exact form needs 16 or 17 digits, or none at all. */
static const double awkward[] = {
    0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 5e-324, 1.7976931348623157e308, 0.1, 123456789.12345679,
    2.0000000000000004, -1.0 / 7.0, 1e21, 4.35, 9007199254740993.0, 0.0, 100.0,
};

/* Five quiet configurations (log walls about +-0.05 about their mean) and threads x8 with
 * one run stalled: 0.18, 0.20, 0.30 s after threads x4 at 0.34, 0.33, 0.30 s. */
static const struct {
    run_mode mode;
    int workers;
    double walls[3];
} pool_cfgs[] = {
    {MODE_SINGLE, 1, {1.00, 1.0513, 0.9512}},
    {MODE_THREADS, 2, {0.50, 0.5256, 0.4756}},
    {MODE_THREADS, 4, {0.34, 0.33, 0.30}},
    {MODE_THREADS, 8, {0.18, 0.20, 0.30}},
    {MODE_PROCESSES, 2, {0.55, 0.5782, 0.5232}},
    {MODE_PROCESSES, 4, {0.30, 0.3154, 0.2854}},
};

/* Three runs of each of pool_cfgs[from..to). */
static void add_pool_cfgs(results *r, size_t from, size_t to)
{
    for (size_t c = from; c < to; c++)
        for (int k = 0; k < 3; k++) {
            run_result run;
            fill_run(&run, pool_cfgs[c].mode, pool_cfgs[c].workers, k + 1, RUN_OK,
                     pool_cfgs[c].walls[k]);
            results_add_run(r, &run);
        }
}

/* The noise pooled over every configuration, and the comparison of two with it. */
START_TEST(test_pooled_noise)
{
    results r;
    results_init(&r);
    double df;
    ck_assert(isnan(results_log_noise(&r, &df)));
    ck_assert(df == 0.0);
    add_pool_cfgs(&r, 0, ARRAY_LEN(pool_cfgs));
    results_summarize(&r);

    /* By hand: the sum of squared deviations of each configuration's log walls about their mean,
     * over sum(n - 1) = 12 degrees of freedom. */
    double ss = 0.0;
    for (size_t c = 0; c < ARRAY_LEN(pool_cfgs); c++) {
        double m = 0.0;
        for (int k = 0; k < 3; k++)
            m += log(pool_cfgs[c].walls[k]) / 3.0;
        for (int k = 0; k < 3; k++)
            ss += (log(pool_cfgs[c].walls[k]) - m) * (log(pool_cfgs[c].walls[k]) - m);
    }
    double sd = results_log_noise(&r, &df);
    ck_assert_double_eq(df, 12.0);
    ck_assert_double_eq_tol(sd, sqrt(ss / 12.0), 1e-12);

    /* threads x4 -> x8 gains about 1.75x by the medians. Welch on the two alone cannot show it
     * (the stalled run, 2 degrees of freedom); the pooled noise can. */
    const config_summary *t4 = results_find_summary(&r, MODE_THREADS, 4);
    const config_summary *t8 = results_find_summary(&r, MODE_THREADS, 8);
    double a[3], b[3];
    for (int k = 0; k < 3; k++) {
        a[k] = log(pool_cfgs[2].walls[k]);
        b[k] = log(pool_cfgs[3].walls[k]);
    }
    stats_welch alone, pooled;
    stats_welch_test(b, 3, a, 3, 0.95, &alone);
    ck_assert_int_eq(results_compare_walls(&r, t8, t4, 0.95, &pooled), 0);
    ck_assert_double_eq_tol(pooled.diff, alone.diff, 1e-12);
    ck_assert_double_eq(pooled.df, 12.0);
    ck_assert_double_eq_tol(pooled.se, sd * sqrt(2.0 / 3.0), 1e-12);
    ck_assert_msg(alone.low < 0.0, "Welch alone: %f", alone.low);
    ck_assert_msg(pooled.low > 0.0, "pooled: %f", pooled.low);

    /* A configuration with one run is compared with nothing. */
    run_result one;
    fill_run(&one, MODE_PROCESSES, 8, 1, RUN_OK, 0.20);
    results_add_run(&r, &one);
    results_summarize(&r); /* a new summary: t4 is found again in it */
    t4 = results_find_summary(&r, MODE_THREADS, 4);
    ck_assert_int_eq(results_compare_walls(&r, results_find_summary(&r, MODE_PROCESSES, 8), t4,
                                           0.95, &pooled), -1);
    results_free(&r);

    /* Too few degrees of freedom in the pool: Welch's on the two. */
    results_init(&r);
    add_pool_cfgs(&r, 2, 4);
    results_summarize(&r);
    ck_assert_int_eq(results_compare_walls(&r, results_find_summary(&r, MODE_THREADS, 8),
                                           results_find_summary(&r, MODE_THREADS, 4), 0.95,
                                           &pooled), 0);
    ck_assert_double_eq_tol(pooled.low, alone.low, 1e-12);
    ck_assert_double_eq_tol(pooled.df, alone.df, 1e-12);
    results_free(&r);
}
END_TEST

/* A sample scaled to the whole job: the fixed start-up and teardown once, the rest x scale. A
 * thread pool's fixed part ends at its first worker ready (later ones wait on the GIL the first
 * hold while working); a process pool's at its last. */
START_TEST(test_run_wall_scaling)
{
    run_result run;
    fill_run(&run, MODE_THREADS, 8, 1, RUN_OK, 0.40);
    run.scale = 2.5;
    run.startup_s = 0.30;
    run.first_ready_s = 0.002;
    run.teardown_s = 0.01;
    ck_assert_double_eq_tol(results_run_wall(&run), 0.002 + (0.40 - 0.002 - 0.01) * 2.5 + 0.01,
                            1e-12);
    run.first_ready_s = NAN; /* an older file: the last ready, as before */
    ck_assert_double_eq_tol(results_run_wall(&run), 0.30 + (0.40 - 0.30 - 0.01) * 2.5 + 0.01,
                            1e-12);
    run.mode = MODE_PROCESSES;
    run.first_ready_s = 0.002;
    ck_assert_double_eq_tol(results_run_wall(&run), 0.30 + (0.40 - 0.30 - 0.01) * 2.5 + 0.01,
                            1e-12);
    run.scale = 1.0; /* the whole job: as measured */
    ck_assert_double_eq(results_run_wall(&run), 0.40);
    results_run_free(&run);
}
END_TEST

START_TEST(test_numbers_keep_every_bit)
{
    results a, b;
    char path[PATH_MAX], err[1024];
    results_init(&a);
    run_result run;
    fill_run(&run, MODE_SINGLE, 1, 1, RUN_OK, 1.0);
    for (size_t i = 0; i < ARRAY_LEN(awkward); i++) {
        run.wall_s = awkward[i];
        run.repeat = (int)i + 1;
        results_add_run(&a, &run);
    }
    tmp_path(path, sizeof(path), "numbers.json");
    ck_assert_int_eq(results_write(&a, path), 0);
    ck_assert_msg(results_load(path, &b, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(b.nruns, (int)ARRAY_LEN(awkward));
    for (size_t i = 0; i < ARRAY_LEN(awkward); i++)
        ck_assert_msg(b.runs[i].wall_s == awkward[i], "%.17g read back as %.17g", awkward[i], b.runs[i].wall_s);
    results_free(&a);
    results_free(&b);
}
END_TEST

START_TEST(test_empty_results_round_trip)
{
    results a, b;
    char path[PATH_MAX], err[1024];
    results_init(&a);
    tmp_path(path, sizeof(path), "empty.json");
    ck_assert_int_eq(results_write(&a, path), 0);
    ck_assert_msg(results_load(path, &b, err, sizeof(err)) == 0, "%s", err);
    same_results(&a, &b);
    ck_assert_ptr_null(b.runs);
    ck_assert_ptr_null(b.summary);
    results_free(&a);
    results_free(&b);
}
END_TEST

START_TEST(test_atomic_write)
{
    results r;
    char path[PATH_MAX];
    fill_results(&r);
    tmp_path(path, sizeof(path), "results.json");
    ck_assert_int_eq(results_write(&r, path), 0);
    ck_assert_int_eq(results_write(&r, path), 0); /* replacing an existing file */

    DIR *d = opendir(tmpdir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        ck_assert_msg(strcmp(e->d_name, "results.json") == 0, "left behind: %s", e->d_name);
        files++;
    }
    closedir(d);
    ck_assert_int_eq(files, 1);

    /* A directory that does not exist: -1 with errno, nothing written. */
    tmp_path(path, sizeof(path), "missing/results.json");
    errno = 0;
    ck_assert_int_eq(results_write(&r, path), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(access(path, F_OK), -1);
    results_free(&r);
}
END_TEST

/* ---- run storage and names ---------------------------------------------------------------------- */

START_TEST(test_add_run_copies_placement)
{
    results r;
    results_init(&r);
    run_result run;
    run_placement pl[2] = {{0, 10, 11, 0, 0, 0, "0"}, {1, 10, 12, 1, 1, 1, "1"}};
    state_hist ws[2];
    fill_states(&ws[0], 10, 0.5);
    fill_states(&ws[1], 12, 0.25);
    fill_run(&run, MODE_THREADS, 2, 1, RUN_OK, 1.0);
    run.placement = pl;
    run.nplacement = 2;
    run.worker_states = ws;
    run.nworker_states = 2;
    for (int i = 0; i < 20; i++) /* past the first growth of the array */
        results_add_run(&r, &run);
    pl[1].tid = 99;
    util_fmt(pl[1].cpus_allowed, sizeof(pl[1].cpus_allowed), "7");
    ws[1].total = 99;
    ck_assert_int_eq(r.nruns, 20);
    for (int i = 0; i < 20; i++) {
        ck_assert_ptr_ne(r.runs[i].placement, pl);
        ck_assert_int_eq(r.runs[i].nplacement, 2);
        ck_assert_int_eq(r.runs[i].placement[1].tid, 12);
        ck_assert_str_eq(r.runs[i].placement[1].cpus_allowed, "1");
        ck_assert_ptr_ne(r.runs[i].worker_states, ws);
        ck_assert_int_eq(r.runs[i].nworker_states, 2);
        ck_assert(r.runs[i].worker_states[1].total == 12);
        ck_assert(r.runs[i].worker_states[0].counts[TS_GIL_WAIT] == 5);
    }

    run.placement = NULL;
    run.nplacement = 0;
    run.worker_states = NULL;
    run.nworker_states = 0;
    run_result *stored = results_add_run(&r, &run);
    ck_assert_ptr_null(stored->placement);
    ck_assert_ptr_null(stored->worker_states);
    results_run_free(&r.runs[0]);
    ck_assert_ptr_null(r.runs[0].placement);
    ck_assert_int_eq(r.runs[0].nplacement, 0);
    ck_assert_ptr_null(r.runs[0].worker_states);
    ck_assert_int_eq(r.runs[0].nworker_states, 0);
    results_free(&r);
    ck_assert_int_eq(r.nruns, 0);
    ck_assert_ptr_null(r.runs);
}
END_TEST

START_TEST(test_status_names)
{
    const run_status all[] = {RUN_OK, RUN_TASKS_FAILED, RUN_SETUP_FAILED, RUN_WORKER_DIED,
                              RUN_CRASHED, RUN_TIMED_OUT, RUN_INTERRUPTED, RUN_ERROR};
    for (size_t i = 0; i < ARRAY_LEN(all); i++) {
        run_status back = RUN_OK;
        const char *name = results_status_name(all[i]);
        ck_assert_int_eq(results_parse_status(name, &back), 0);
        ck_assert_int_eq(back, all[i]);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(name, results_status_name(all[j]));
    }
    ck_assert_str_eq(results_status_name(RUN_OK), "ok");
    ck_assert_str_eq(results_status_name(RUN_TIMED_OUT), "timed_out");
    ck_assert_str_eq(results_status_name((run_status)99), "unknown");
    run_status s = RUN_CRASHED;
    ck_assert_int_eq(results_parse_status("fine", &s), -1);
    ck_assert_int_eq(s, RUN_CRASHED);
}
END_TEST

/* ---- summary ------------------------------------------------------------------------------------ */

static const struct {
    run_mode mode;
    int workers;
    run_status status;
    double wall, util, startup;
} synthetic_runs[] = {
    {MODE_SINGLE, 1, RUN_OK, 2.0, NAN, NAN},
    {MODE_SINGLE, 1, RUN_OK, 2.2, NAN, NAN},
    {MODE_SINGLE, 1, RUN_OK, 2.1, NAN, NAN},
    {MODE_SINGLE, 1, RUN_OK, 2.0, NAN, NAN},
    {MODE_SINGLE, 1, RUN_OK, 2.3, NAN, NAN},
    {MODE_SINGLE, 1, RUN_OK, 2.1, NAN, NAN},
    {MODE_PROCESSES, 4, RUN_WORKER_DIED, 3.0, 0.5, 0.5},
    {MODE_THREADS, 2, RUN_OK, 1.0, 0.9, 0.010},
    {MODE_THREADS, 2, RUN_OK, 1.1, 0.8, 0.012},
    {MODE_THREADS, 2, RUN_TIMED_OUT, NAN, 0.1, 9.0},
    {MODE_THREADS, 2, RUN_OK, 1.2, 0.95, 0.011},
    {MODE_THREADS, 2, RUN_OK, 1.05, 0.85, 0.013},
    {MODE_THREADS, 2, RUN_TASKS_FAILED, 0.5, 0.1, 9.0},
    {MODE_THREADS, 2, RUN_OK, 1.15, 0.9, 0.014},
    {MODE_THREADS, 2, RUN_OK, 1.1, 0.7, 0.015},
    {MODE_PROCESSES, 2, RUN_OK, 0.7, NAN, 0.3},
    {MODE_PROCESSES, 4, RUN_CRASHED, NAN, NAN, NAN},
    {MODE_THREADS, 16, RUN_OK, 1.0, NAN, NAN},
    {MODE_THREADS, 16, RUN_OK, 3.0, NAN, NAN},
    {MODE_THREADS, 16, RUN_OK, NAN, NAN, NAN}, /* ok but no wall time: not a timing */
};

/* Worked out by hand: single 1 = 2.0 2.0 2.1 2.1 2.2 2.3 (median 2.1, x(1)..x(6) = [2.0, 2.3]);
 * threads 2 = 1.0 1.05 1.1 1.1 1.15 1.2 (median 1.1, [1.0, 1.2]); speedup 2.1/1.1 in
 * [2.0/1.2, 2.3/1.0]. threads 16 = {1, 3}: the log-normal interval 2 * exp(-/+ 12.706 * 1.2533 *
 * 0.7768 / sqrt(2)), so the speedup interval is [2.0/hi, 2.3/lo]. */
static const struct {
    run_mode mode;
    int workers, runs_ok, runs_failed;
    stats_ci_method method;
    double wall, lo, hi, speedup, speedup_lo, speedup_hi, util, startup;
} synthetic_want[] = {
    {MODE_SINGLE, 1, 6, 0, STATS_CI_ORDER, 2.1, 2.0, 2.3, 1.0, 2.0 / 2.3, 2.3 / 2.0, NAN, NAN},
    {MODE_THREADS, 2, 6, 2, STATS_CI_ORDER, 1.1, 1.0, 1.2, 2.1 / 1.1, 2.0 / 1.2, 2.3, 0.875, 0.0125},
    {MODE_THREADS, 16, 2, 1, STATS_CI_LOG_NORMAL, 2.0, 0.0003176756780673276, 12591.458132190553, 1.05,
     0.00015883783903366378, 7240.088426009567, NAN, NAN},
    {MODE_PROCESSES, 2, 1, 0, STATS_CI_SINGLE, 0.7, 0.7, 0.7, 3.0, 2.0 / 0.7, 2.3 / 0.7, NAN, 0.3},
    {MODE_PROCESSES, 4, 0, 2, STATS_CI_NONE, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN},
};

static void near(double got, double want, const char *what, int i)
{
    ck_assert_msg((isnan(got) && isnan(want)) || fabs(got - want) < 1e-6 * fmax(1.0, fabs(want)),
                  "config %d %s: %.17g, want %.17g", i,
                  what, got, want);
}

static void add_synthetic_runs(results *r, bool with_single)
{
    for (size_t i = 0; i < ARRAY_LEN(synthetic_runs); i++) {
        if (!with_single && synthetic_runs[i].mode == MODE_SINGLE)
            continue;
        run_result run;
        fill_run(&run, synthetic_runs[i].mode, synthetic_runs[i].workers, (int)i + 1, synthetic_runs[i].status,
                 synthetic_runs[i].wall);
        run.cpu_utilization = synthetic_runs[i].util;
        run.startup_s = synthetic_runs[i].startup;
        results_add_run(r, &run);
    }
}

START_TEST(test_summarize)
{
    results r;
    results_init(&r);
    add_synthetic_runs(&r, true);
    results_summarize(&r);
    ck_assert_int_eq(r.nsummary, (int)ARRAY_LEN(synthetic_want));
    for (int i = 0; i < r.nsummary; i++) {
        const config_summary *s = &r.summary[i];
        ck_assert_msg(s->mode == synthetic_want[i].mode && s->workers == synthetic_want[i].workers,
                      "config %d is %s %d: not in mode, then worker order", i, mode_name(s->mode), s->workers);
        ck_assert_ptr_eq(results_find_summary(&r, s->mode, s->workers), s);
        ck_assert_int_eq(s->runs_ok, synthetic_want[i].runs_ok);
        ck_assert_int_eq(s->runs_failed, synthetic_want[i].runs_failed);
        ck_assert_msg(s->ci_method == synthetic_want[i].method, "config %d: method %s", i,
                      stats_ci_method_name(s->ci_method));
        near(s->wall_s, synthetic_want[i].wall, "wall", i);
        near(s->ci_low_s, synthetic_want[i].lo, "ci_low", i);
        near(s->ci_high_s, synthetic_want[i].hi, "ci_high", i);
        near(s->speedup, synthetic_want[i].speedup, "speedup", i);
        near(s->speedup_low, synthetic_want[i].speedup_lo, "speedup_low", i);
        near(s->speedup_high, synthetic_want[i].speedup_hi, "speedup_high", i);
        near(s->cpu_utilization, synthetic_want[i].util, "cpu_utilization", i);
        near(s->startup_s, synthetic_want[i].startup, "startup", i);
    }
    ck_assert_ptr_null(results_find_summary(&r, MODE_THREADS, 3));

    /* Summarising again replaces, never appends. */
    results_summarize(&r);
    ck_assert_int_eq(r.nsummary, (int)ARRAY_LEN(synthetic_want));
    results_free(&r);
}
END_TEST

START_TEST(test_summarize_without_baseline)
{
    results r;
    results_init(&r);
    add_synthetic_runs(&r, false);
    results_summarize(&r);
    const config_summary *s = results_find_summary(&r, MODE_THREADS, 2);
    ck_assert_ptr_nonnull(s);
    ck_assert_double_eq_tol(s->wall_s, 1.1, EPS);
    ck_assert(isnan(s->speedup) && isnan(s->speedup_low) && isnan(s->speedup_high));
    ck_assert_ptr_null(results_find_summary(&r, MODE_SINGLE, 1));
    results_free(&r);

    /* A baseline whose every run failed is no baseline either. */
    results_init(&r);
    run_result run;
    fill_run(&run, MODE_SINGLE, 1, 1, RUN_CRASHED, 5.0);
    results_add_run(&r, &run);
    fill_run(&run, MODE_THREADS, 4, 1, RUN_OK, 1.0);
    results_add_run(&r, &run);
    results_summarize(&r);
    s = results_find_summary(&r, MODE_SINGLE, 1);
    ck_assert_int_eq(s->runs_ok, 0);
    ck_assert_int_eq(s->runs_failed, 1);
    ck_assert(isnan(results_find_summary(&r, MODE_THREADS, 4)->speedup));
    results_free(&r);

    /* No runs, no summary. */
    results_init(&r);
    results_summarize(&r);
    ck_assert_int_eq(r.nsummary, 0);
    results_free(&r);
}
END_TEST

/* Sampler states pooled over the successful runs (a failed run's samples stay out), IPC and LLC
 * MPKI as medians over runs, efficiency, and the GIL penalty on both rows of a worker count. */
START_TEST(test_summarize_states_and_ratios)
{
    results r;
    results_init(&r);
    run_result run;

    fill_run(&run, MODE_SINGLE, 1, 1, RUN_OK, 2.0);
    run.states.total = 100;
    run.states.counts[TS_RUNNING] = 90;
    run.states.counts[TS_LOCK_WAIT] = 10;
    run.gil_distinguished = true;
    fill_counters(&run.counters, 1.0, true);
    run.counters.cycles = 1000;
    run.counters.instructions = 2000;
    run.counters.llc_misses = 4; /* IPC 2, 2 misses per 1000 instructions */
    results_add_run(&r, &run);

    fill_run(&run, MODE_SINGLE, 1, 2, RUN_OK, 2.0);
    run.states.total = 300;
    run.states.counts[TS_RUNNING] = 300;
    run.gil_distinguished = true;
    fill_counters(&run.counters, 1.0, true);
    run.counters.cycles = 1000;
    run.counters.instructions = 500;
    run.counters.llc_misses = 5; /* IPC 0.5, 10 per 1000 */
    results_add_run(&r, &run);

    fill_run(&run, MODE_SINGLE, 1, 3, RUN_OK, 2.0); /* sampled nothing, counted no cycles */
    run.gil_distinguished = true;
    results_add_run(&r, &run);

    fill_run(&run, MODE_SINGLE, 1, 4, RUN_CRASHED, 2.0); /* its samples must not count */
    run.states.total = 1000;
    run.states.counts[TS_GIL_WAIT] = 1000;
    results_add_run(&r, &run);

    for (int i = 0; i < 2; i++) {
        fill_run(&run, MODE_THREADS, 2, i + 1, RUN_OK, 1.6);
        run.states.total = 100;
        run.states.counts[TS_RUNNING] = 50;
        run.states.counts[TS_GIL_WAIT] = 50;
        run.gil_distinguished = i == 0; /* one run without: the configuration is without */
        results_add_run(&r, &run);
    }
    fill_run(&run, MODE_PROCESSES, 2, 1, RUN_OK, 1.0);
    results_add_run(&r, &run);
    fill_run(&run, MODE_PROCESSES, 4, 1, RUN_OK, 0.8);
    results_add_run(&r, &run);
    results_summarize(&r);

    const config_summary *s = results_find_summary(&r, MODE_SINGLE, 1);
    ck_assert_int_eq(s->runs_ok, 3);
    near(s->state_samples, 400, "state_samples", 0);
    near(s->running_fraction, 390.0 / 400.0, "running", 0);
    near(s->lock_wait_fraction, 10.0 / 400.0, "lock_wait", 0);
    near(s->gil_wait_fraction, 0.0, "gil_wait", 0);
    near(s->io_wait_fraction + s->sleep_fraction + s->child_wait_fraction + s->other_fraction +
             s->runnable_fraction, 0.0, "the rest", 0);
    ck_assert(s->gil_distinguished);
    near(s->ipc, 1.25, "ipc", 0);
    near(s->llc_mpki, 6.0, "llc_mpki", 0);
    near(s->efficiency, 1.0, "efficiency", 0);
    ck_assert(isnan(s->gil_penalty));

    s = results_find_summary(&r, MODE_THREADS, 2);
    near(s->gil_wait_fraction, 0.5, "gil_wait", 1);
    ck_assert(!s->gil_distinguished);
    ck_assert(isnan(s->ipc) && isnan(s->llc_mpki));
    near(s->speedup, 1.25, "speedup", 1);
    near(s->efficiency, 0.625, "efficiency", 1);
    near(s->gil_penalty, 2.0 / 1.25, "gil_penalty", 1);

    s = results_find_summary(&r, MODE_PROCESSES, 2);
    near(s->efficiency, 1.0, "efficiency", 2);
    near(s->gil_penalty, 1.6, "gil_penalty", 2);
    ck_assert(isnan(s->running_fraction) && s->state_samples == 0);
    ck_assert(!s->gil_distinguished);

    s = results_find_summary(&r, MODE_PROCESSES, 4);
    near(s->efficiency, 2.5 / 4, "efficiency", 3);
    ck_assert(isnan(s->gil_penalty)); /* no threads at 4 */
    results_free(&r);
}
END_TEST

/* ---- loader errors ------------------------------------------------------------------------------ */

START_TEST(test_load_missing_file)
{
    results r;
    char path[PATH_MAX], err[1024] = "";
    tmp_path(path, sizeof(path), "nope.json");
    ck_assert_int_eq(results_load(path, &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "cannot read"));
    ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
    ck_assert_int_eq(r.nruns, 0);
    results_free(&r);
}
END_TEST

/* Whole files that are not results, and what the message must say about them. */
static const struct {
    const char *text;
    const char *want;
} bad_files[] = {
    {"", "empty"},
    {"{\"schema\": \"concur.results/1\",\n \"runs\": [", "not valid JSON (line 2"},
    {"{\"schema\": \"concur.results/1\"} trailing", "not valid JSON"},
    {"[1, 2, 3]", "not concur results (the top level is not a JSON object)"},
    {"{\"name\": \"package.json\"}", "not concur results (no 'schema' string, expected 'concur.results/1')"},
    {"{\"schema\": \"x\"}", "not concur results (schema 'x', expected 'concur.results/1')"},
    {"{\"schema\": \"concur.results/2\"}", "schema 'concur.results/2' is not supported"},
    {"{\"schema\": \"concur.results/1\"}", "concur_version: missing"},
};

START_TEST(test_load_bad_files)
{
    for (size_t i = 0; i < ARRAY_LEN(bad_files); i++) {
        results r;
        char path[PATH_MAX], err[1024] = "";
        tmp_path(path, sizeof(path), "results.json");
        write_text(path, bad_files[i].text);
        ck_assert_int_eq(results_load(path, &r, err, sizeof(err)), -1);
        ck_assert_msg(strstr(err, path) != NULL, "case %zu: no path in '%s'", i, err);
        ck_assert_msg(strstr(err, bad_files[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err, bad_files[i].want);
        ck_assert_int_eq(r.nruns, 0);
        results_free(&r);
    }
}
END_TEST

/* One change to a good file (a key's new JSON value, or NULL to delete the key) and the error. */
static const struct {
    const char *key;
    const char *value;
    const char *want;
} bad_edits[] = {
    {"runs.1.wall_s", "\"fast\"", "runs[1].wall_s: expected a number or null"},
    {"runs.0.workers", "1.5", "runs[0].workers: expected an integer"},
    {"runs.0.workers", "1e12", "runs[0].workers: expected an integer"},
    {"workload.tasks", NULL, "workload.tasks: missing"},
    {"runs.2.status", "\"exploded\"", "runs[2].status: unknown run status 'exploded'"},
    {"runs.0.mode", "\"fibers\"", "runs[0].mode: unknown mode 'fibers'"},
    {"runs.1.placement.3.cpus_allowed", "7", "runs[1].placement[3].cpus_allowed: expected a string"},
    {"runs.1.pickle", "[]", "runs[1].pickle: expected an object or null"},
    {"runs.0.task_wall_s.p95", NULL, "runs[0].task_wall_s.p95: missing"},
    {"runs.0.counters.cycles", "true", "runs[0].counters.cycles: expected a number or null"},
    {"complete", "\"yes\"", "complete: expected true or false"},
    {"machine.python.gil", "1", "machine.python.gil: expected true, false or null"},
    {"counters.level", "\"auto\"", "counters.level: unknown counter level 'auto'"},
    {"counters.tried.0.backend", "\"dtrace\"", "counters.tried[0].backend: unknown counter backend"},
    {"runs", "{}", "runs: expected an array"},
    {"summary.threads.2.ci_method", "\"bootstrap\"", "summary.threads.2.ci_method: unknown interval method"},
    {"summary.single.1.runs_ok", NULL, "summary.single.1.runs_ok: missing"},
    {"runs.0.states.counts.sleep", NULL, "runs[0].states.counts.sleep: missing"},
    {"runs.0.states.running", NULL, "runs[0].states.running: missing"},
    {"runs.0.states.samples", "\"400\"", "runs[0].states.samples: expected a number or null"},
    {"runs.1.worker_states.1", "3", "runs[1].worker_states[1]: expected an object"},
    {"runs.0.worker_states", "{}", "runs[0].worker_states: expected an array"},
    {"runs.0.other_states", NULL, "runs[0].other_states: missing"},
    {"runs.0.sampler.rounds", "1.5", "runs[0].sampler.rounds: expected an integer"},
    {"runs.1.sampler.gil_distinguished", "0", "runs[1].sampler.gil_distinguished: expected true or false"},
    {"runs.3.setup_hung", "1", "runs[3].setup_hung: expected true or false"},
    {"runs.3.escaped_killed", "1.5", "runs[3].escaped_killed: expected an integer"},
    {"runs.3.escaped_commands", "\"sleep\"", "runs[3].escaped_commands: expected an array"},
    {"runs.3.escaped_commands", "[\"a\", \"b\", \"c\", \"d\", \"e\"]",
     "runs[3].escaped_commands: 5 entries, more than the 4 concur records"},
    {"runs.3.escaped_commands", "[1]", "runs[3].escaped_commands: entry 0 is not a command name"},
    {"summary.threads.2.gil_penalty", "\"2x\"", "summary.threads.2.gil_penalty: expected a number or null"},
    {"summary.single.1.io_wait_fraction", NULL, "summary.single.1.io_wait_fraction: missing"},
    {"summary.single.1.gil_distinguished", "null", "summary.single.1.gil_distinguished: expected true or false"},
    {"classification", "[]", "classification: expected an object or null"},
    {"classification.kind", "\"cpu_bound_gil\"", "classification.kind: unknown kind 'cpu_bound_gil'"},
    {"classification.gil", "\"maybe\"", "classification.gil: unknown GIL behaviour 'maybe'"},
    {"classification.memory_bound", "1", "classification.memory_bound: expected true, false or null"},
    {"classification.evidence", "[\"a\", 2]", "classification.evidence: entry 1 is not a sentence"},
    {"classification.confidence", NULL, "classification.confidence: missing"},
    {"workload.name", "\"" "0123456789012345678901234567890123456789012345678901234567890123"
                      "0123456789012345678901234567890123456789012345678901234567890123" "\"",
     "workload.name: string of 128 bytes"},
};

/* Replaces or deletes the item at a dotted path (see json_at). */
static void edit_json(cJSON *root, const char *key, const char *value)
{
    char parent_path[256];
    util_fmt(parent_path, sizeof(parent_path), "%s", key);
    char *dot = strrchr(parent_path, '.');
    const char *last = key;
    cJSON *parent = root;
    if (dot) {
        *dot = '\0';
        last = key + (dot - parent_path) + 1;
        parent = (cJSON *)json_at(root, parent_path);
    }
    ck_assert_msg(parent != NULL, "no %s", parent_path);
    if (cJSON_IsArray(parent)) {
        ck_assert_ptr_nonnull(value);
        cJSON_ReplaceItemInArray(parent, atoi(last), cJSON_Parse(value));
    } else if (value) {
        ck_assert_msg(cJSON_GetObjectItemCaseSensitive(parent, last) != NULL, "no %s", key);
        cJSON_ReplaceItemInObjectCaseSensitive(parent, last, cJSON_Parse(value));
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
    }
}

/* cJSON 1.7.15 prints some doubles one bit off: numbers of an edited tree go back as exact text. */
static void keep_precision(cJSON *item)
{
    cJSON *child = item->child;
    while (child) {
        cJSON *next = child->next;
        if (cJSON_IsNumber(child)) {
            char buf[32];
            util_fmt(buf, sizeof(buf), "%.17g", child->valuedouble);
            cJSON *raw = cJSON_CreateRaw(buf);
            raw->string = child->string; /* the key moves over; replacing does not copy it */
            child->string = NULL;
            cJSON_ReplaceItemViaPointer(item, child, raw);
        } else {
            keep_precision(child);
        }
        child = next;
    }
}

static void write_edited(const char *path, const results *r, const char *key, const char *value)
{
    char *text = results_to_json(r);
    cJSON *root = cJSON_Parse(text);
    free(text);
    edit_json(root, key, value);
    keep_precision(root);
    text = cJSON_Print(root);
    write_text(path, text);
    cJSON_free(text);
    cJSON_Delete(root);
}

START_TEST(test_load_bad_values)
{
    results good;
    fill_results(&good);
    for (size_t i = 0; i < ARRAY_LEN(bad_edits); i++) {
        results r;
        char path[PATH_MAX], err[1024] = "";
        tmp_path(path, sizeof(path), "results.json");
        write_edited(path, &good, bad_edits[i].key, bad_edits[i].value);
        ck_assert_msg(results_load(path, &r, err, sizeof(err)) == -1, "case %zu (%s) loaded", i, bad_edits[i].key);
        ck_assert_msg(strstr(err, path) != NULL, "case %zu: no path in '%s'", i, err);
        ck_assert_msg(strstr(err, bad_edits[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err, bad_edits[i].want);
        ck_assert_msg(strstr(err, "run 'concur run' again") != NULL, "case %zu: no remedy in '%s'", i, err);
        ck_assert_int_eq(r.nruns, 0);
        ck_assert_ptr_null(r.runs);
        results_free(&r);
    }
    results_free(&good);
}
END_TEST

/* Keys a later version adds are ignored, wherever they are. */
static const struct {
    const char *parent;
    const char *key;
    const char *value;
} future_keys[] = {
    {NULL, "recommendation", "{\"mode\": \"processes\", \"workers\": 4}"},
    {"classification", "advice", "\"batch the tasks\""},
    {"runs.0", "numa", "{\"remote_fraction\": 0.5}"},
    {"runs.0.states", "preempted", "3"},
    {"runs.0.states.counts", "preempted", "3"},
    {"runs.1.worker_states.0", "tid", "5001"},
    {"runs.0.sampler", "overruns", "0"},
    {"runs.1.placement.0", "numa_node", "0"},
    {"machine", "caches", "[1, 2]"},
    {"machine.python", "jit", "true"},
    {"counters", "multiplexed", "false"},
    {"summary", "interpreters", "{\"2\": {}}"},
    {"summary.threads", "notes", "\"a key that is not a worker count\""},
    {"summary.threads.2", "knee", "4"},
};

START_TEST(test_load_ignores_unknown_keys)
{
    results a, b;
    char path[PATH_MAX], err[1024];
    fill_results(&a);
    char *text = results_to_json(&a);
    cJSON *root = cJSON_Parse(text);
    free(text);
    for (size_t i = 0; i < ARRAY_LEN(future_keys); i++) {
        cJSON *parent = future_keys[i].parent ? (cJSON *)json_at(root, future_keys[i].parent) : root;
        ck_assert_msg(parent != NULL, "no %s", future_keys[i].parent);
        cJSON_AddItemToObject(parent, future_keys[i].key, cJSON_Parse(future_keys[i].value));
    }
    keep_precision(root);
    text = cJSON_Print(root);
    tmp_path(path, sizeof(path), "results.json");
    write_text(path, text);
    cJSON_free(text);
    cJSON_Delete(root);

    ck_assert_msg(results_load(path, &b, err, sizeof(err)) == 0, "%s", err);
    same_results(&a, &b);
    results_free(&a);
    results_free(&b);
}
END_TEST

/* CPU utilization is shown only where the window is long enough to measure it, and never above 1
 * per worker: a value above is 1 within what the counters may have counted outside the window,
 * else unknown. */
START_TEST(test_cpu_utilization_bounded)
{
    const struct {
        double cpu_s, wall_s;
        int workers;
        double outside_cpu_s, want; /* NAN: not measurable */
    } cases[] = {
        {0.8, 1.0, 1, 0.005, 0.8},         /* the ordinary case: the ratio */
        {1.5, 1.0, 2, 0.005, 0.75},
        {0.0, 1.0, 2, 0.005, 0.0},
        {1.003, 1.0, 1, 0.005, 1.0},       /* above 1 by less than the counters' slack: 1 */
        {2.009, 1.0, 2, 0.010, 1.0},
        {1.2, 1.0, 1, 0.005, NAN},         /* above 1 by more: the counters are off */
        {0.0029, 0.0001, 1, 0.007, NAN},   /* TASKS = 0: 29x, mostly the harness's own work */
        {0.0011, 0.00056, 1, 0.006, NAN},  /* a tiny run: the slack outweighs the window */
        {0.004, 0.004, 1, 0.004, NAN},     /* the slack as large as the window */
        {0.5, NAN, 1, 0.005, NAN},         /* no wall time: a failed run */
        {0.5, 0.0, 1, 0.0, NAN},
        {NAN, 1.0, 1, 0.005, NAN},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        double got = results_cpu_utilization(cases[i].cpu_s, cases[i].wall_s, cases[i].workers,
                                             cases[i].outside_cpu_s);
        if (isnan(cases[i].want))
            ck_assert_msg(isnan(got), "case %zu: %.17g, expected NAN", i, got);
        else
            ck_assert_msg(fabs(got - cases[i].want) < 1e-12, "case %zu: %.17g, expected %.17g", i,
                          got, cases[i].want);
        ck_assert_msg(!(got > 1.0), "case %zu: %.17g above 1", i, got);
    }
}
END_TEST

/* A results.json from before a run recorded setup_hung and the escaped processes it killed loads
 * with none of them. */
START_TEST(test_load_without_newer_run_keys)
{
    results a, b;
    char path[PATH_MAX], err[1024];
    fill_results(&a);
    char *text = results_to_json(&a);
    cJSON *root = cJSON_Parse(text);
    free(text);
    static const char *const newer[] = {"setup_hung", "escaped_killed", "escaped_commands"};
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
    cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        for (size_t k = 0; k < ARRAY_LEN(newer); k++)
            cJSON_DeleteItemFromObjectCaseSensitive(run, newer[k]);
    }
    keep_precision(root);
    text = cJSON_Print(root);
    tmp_path(path, sizeof(path), "results.json");
    write_text(path, text);
    cJSON_free(text);
    cJSON_Delete(root);

    ck_assert_msg(results_load(path, &b, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(b.nruns, a.nruns);
    for (int i = 0; i < b.nruns; i++) {
        ck_assert(!b.runs[i].setup_hung);
        ck_assert_int_eq(b.runs[i].escaped_killed, 0);
        ck_assert_int_eq(b.runs[i].nescaped_commands, 0);
    }
    results_free(&a);
    results_free(&b);
}
END_TEST

/* The task phase: each run's wall less its start-up, a median and a speedup of its own; a file
 * written before it was kept reads back without one. */
START_TEST(test_task_phase)
{
    results a, b;
    results_init(&a);
    /* single: 50 ms of setup() and 160 ms of tasks; threads x2: the two setups queue (100 ms), the
     * tasks take 89 ms. */
    for (int k = 0; k < 3; k++) {
        run_result run;
        fill_run(&run, MODE_SINGLE, 1, k + 1, RUN_OK, 0.210);
        run.startup_s = 0.050;
        results_add_run(&a, &run);
        fill_run(&run, MODE_THREADS, 2, k + 1, RUN_OK, 0.189);
        run.startup_s = 0.100;
        results_add_run(&a, &run);
    }
    results_summarize(&a);
    const config_summary *s = results_find_summary(&a, MODE_SINGLE, 1);
    const config_summary *t = results_find_summary(&a, MODE_THREADS, 2);
    near(s->task_s, 0.160, "task_s", 0);
    near(t->task_s, 0.089, "task_s", 1);
    near(t->speedup, 0.210 / 0.189, "speedup", 1);
    near(t->task_speedup, 0.160 / 0.089, "task_speedup", 1);
    ck_assert(t->task_speedup_low <= t->task_speedup && t->task_speedup <= t->task_speedup_high);

    /* Without a start-up, the task phase is the whole run. */
    run_result run;
    fill_run(&run, MODE_SINGLE, 1, 1, RUN_OK, 0.5);
    run.startup_s = NAN;
    near(results_run_task_s(&run), 0.5, "task phase without start-up", 0);
    run.startup_s = 0.6; /* all start-up: no task phase to speak of */
    ck_assert(isnan(results_run_task_s(&run)));

    char path[PATH_MAX], err[1024];
    char *text = results_to_json(&a);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON *summary = cJSON_GetObjectItemCaseSensitive(root, "summary");
    cJSON *threads = cJSON_GetObjectItemCaseSensitive(summary, "threads");
    cJSON *two = cJSON_GetObjectItemCaseSensitive(threads, "2");
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(two, "task_speedup")));
    static const char *const newer[] = {"task_s", "task_ci_low_s", "task_ci_high_s",
                                        "task_speedup", "task_speedup_low", "task_speedup_high"};
    for (size_t k = 0; k < ARRAY_LEN(newer); k++)
        cJSON_DeleteItemFromObjectCaseSensitive(two, newer[k]);
    keep_precision(root);
    text = cJSON_Print(root);
    tmp_path(path, sizeof(path), "results.json");
    write_text(path, text);
    cJSON_free(text);
    cJSON_Delete(root);
    ck_assert_msg(results_load(path, &b, err, sizeof(err)) == 0, "%s", err);
    t = results_find_summary(&b, MODE_THREADS, 2);
    ck_assert_ptr_nonnull(t);
    ck_assert(isnan(t->task_s) && isnan(t->task_speedup));
    near(t->speedup, 0.210 / 0.189, "speedup read back", 1);
    results_free(&a);
    results_free(&b);
}
END_TEST

/* ---- whether the pools compute what single computes ----------------------------------------- */

/* A run whose tasks returned digests[j] for its j-th task; sample_of > tasks: a sample. */
static void add_digest_run(results *r, run_mode mode, int workers, int repeat, bool warmup,
                           int tasks, int sample_of, const int64_t *digests)
{
    run_result run;
    fill_run(&run, mode, workers, repeat, RUN_OK, 1.0 / workers);
    run.warmup = warmup;
    run.tasks = run.tasks_ok = tasks;
    run.sample_of = sample_of;
    run.task_digests = (int64_t *)digests; /* results_add_run copies them */
    run.ntask_digests = tasks;
    results_add_run(r, &run);
}

/* The job's answers: task i returns 1000 + i. */
static void answers(int64_t *out, int n, int sample_of)
{
    for (int j = 0; j < n; j++)
        out[j] = 1000 + (sample_of > n ? (int64_t)j * sample_of / n : j);
}

static const config_summary *find(const results *r, run_mode mode, int workers)
{
    const config_summary *s = results_find_summary(r, mode, workers);
    ck_assert_msg(s != NULL, "%s x%d was not summarised", mode_name(mode), workers);
    return s;
}

START_TEST(test_task_index)
{
    static const struct {
        int tasks, sample_of, j, want;
    } cases[] = {
        {16, 0, 5, 5},   /* the whole job */
        {16, 16, 5, 5},  /* a "sample" of all of it */
        {4, 40, 0, 0},   /* --tasks 4 --sample-of 40 runs 0, 10, 20, 30 */
        {4, 40, 3, 30},
        {8, 20, 3, 7},   /* (3 x 20) / 8 */
        {8, 20, 7, 17},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        run_result run;
        memset(&run, 0, sizeof(run));
        run.tasks = cases[i].tasks;
        run.sample_of = cases[i].sample_of;
        ck_assert_int_eq(results_task_index(&run, cases[i].j), cases[i].want);
    }
}
END_TEST

/* A thread pool whose results differ from single's is unsafe, with the numbers; a process pool
 * that returns single's is not; a thread pool at another count that happened to return the right
 * results is unsafe too, without evidence of its own. Only indices both runs computed count. */
START_TEST(test_results_differ_unsafe)
{
    results r;
    results_init(&r);
    r.workload.tasks = 16;
    int64_t warm[4], all[16], t2[8], t4[16];
    answers(warm, 4, 16);  /* 0, 4, 8, 12 */
    answers(all, 16, 0);
    add_digest_run(&r, MODE_SINGLE, 1, 0, true, 4, 16, warm);
    for (int k = 1; k <= 3; k++)
        add_digest_run(&r, MODE_SINGLE, 1, k, false, 16, 0, all);
    answers(t2, 8, 16);    /* 0, 2, 4, ... 14 */
    t2[1] = 77;            /* task 2 */
    t2[5] = 78;            /* task 10 */
    t2[6] = RESULT_RAISED; /* task 12 */
    add_digest_run(&r, MODE_THREADS, 2, 1, false, 8, 16, t2);
    answers(t4, 16, 0);
    add_digest_run(&r, MODE_THREADS, 4, 1, false, 16, 0, t4);
    for (int k = 1; k <= 3; k++)
        add_digest_run(&r, MODE_PROCESSES, 2, k, false, 16, 0, all);
    results_summarize(&r);

    ck_assert_int_eq(r.check, RESULTS_COMPARED);
    const run_result *single1 = &r.runs[1];
    ck_assert_int_eq(single1->results_compared, 4); /* against the warm-up's 4 */
    ck_assert_int_eq(single1->results_differ, 0);
    const config_summary *t = find(&r, MODE_THREADS, 2);
    ck_assert_int_eq(t->results_compared, 8);
    ck_assert_int_eq(t->results_differ, 3);
    ck_assert_int_eq(t->results_raised, 1);
    ck_assert(t->unsafe);
    ck_assert_msg(strstr(t->unsafe_reason, "returned different results for 2 and raised in 1 "
                         "of the 8 tasks compared with single's") &&
                      strstr(t->unsafe_reason, "tasks 2, 10, 12") &&
                      strstr(t->unsafe_reason, "shares state between threads"),
                  "%s", t->unsafe_reason);
    const run_result *t2run = &r.runs[4];
    ck_assert_int_eq(t2run->ndiffer_tasks, 3);
    ck_assert_int_eq(t2run->differ_tasks[0], 2);
    const config_summary *t4s = find(&r, MODE_THREADS, 4);
    ck_assert_int_eq(t4s->results_compared, 16);
    ck_assert_int_eq(t4s->results_differ, 0);
    ck_assert(t4s->unsafe);                /* the mode's evidence */
    ck_assert_str_eq(t4s->unsafe_reason, ""); /* none of its own */
    const config_summary *p = find(&r, MODE_PROCESSES, 2);
    ck_assert_int_eq(p->results_compared, 48);
    ck_assert(!p->unsafe);
    ck_assert(!find(&r, MODE_SINGLE, 1)->unsafe);

    /* Summarising again counts again, never on top. */
    results_summarize(&r);
    ck_assert_int_eq(find(&r, MODE_THREADS, 2)->results_compared, 8);
    results_free(&r);
}
END_TEST

/* Raising only in the pool is the same evidence, with the exception; a process pool whose
 * results differ is unsafe for its own reason. */
START_TEST(test_results_raised_in_pool)
{
    results r;
    results_init(&r);
    r.workload.tasks = 8;
    int64_t all[8], t[8], p[8];
    answers(all, 8, 0);
    add_digest_run(&r, MODE_SINGLE, 1, 1, false, 8, 0, all);
    answers(t, 8, 0);
    t[3] = RESULT_RAISED;
    add_digest_run(&r, MODE_THREADS, 2, 1, false, 8, 0, t);
    util_fmt(r.runs[1].traceback, sizeof(r.runs[1].traceback), "Traceback (most recent call "
             "last):\n  File \"deltablue.py\", line 9\nValueError: list.remove(x): x not in list\n");
    answers(p, 8, 0);
    p[7] = 5;
    add_digest_run(&r, MODE_PROCESSES, 2, 1, false, 8, 0, p);
    results_summarize(&r);
    const config_summary *ts = find(&r, MODE_THREADS, 2);
    ck_assert(ts->unsafe);
    ck_assert_msg(strstr(ts->unsafe_reason, "raised in 1 of the 8 tasks compared, where single "
                         "returned (ValueError: list.remove(x): x not in list; task 3)"),
                  "%s", ts->unsafe_reason);
    const config_summary *ps = find(&r, MODE_PROCESSES, 2);
    ck_assert(ps->unsafe);
    ck_assert_msg(strstr(ps->unsafe_reason, "returned different results for 1 of the 8") &&
                      strstr(ps->unsafe_reason, "each worker process keeps apart"),
                  "%s", ps->unsafe_reason);
    results_free(&r);
}
END_TEST

/* Nothing is judged where the results are not compared: --results-vary, single's own runs that
 * disagree, tasks that return None; a result that cannot be pickled is skipped. */
START_TEST(test_results_not_compared)
{
    for (int c = 0; c < 4; c++) {
        results r;
        results_init(&r);
        r.workload.tasks = 8;
        int64_t a[8], b[8], t[8];
        answers(a, 8, 0);
        answers(b, 8, 0);
        answers(t, 8, 0);
        for (int j = 0; j < 8; j++)
            t[j] += 1; /* the pool gets every task wrong */
        if (c == 0)
            r.results_vary = true;
        if (c == 1)
            b[5] = 4242; /* the second single run disagrees on task 5 */
        for (int j = 0; c == 2 && j < 8; j++)
            a[j] = b[j] = RESULT_NONE;
        for (int j = 0; c == 3 && j < 8; j++)
            a[j] = b[j] = t[j] = RESULT_UNPICKLABLE;
        add_digest_run(&r, MODE_SINGLE, 1, 1, false, 8, 0, a);
        add_digest_run(&r, MODE_SINGLE, 1, 2, false, 8, 0, b);
        add_digest_run(&r, MODE_THREADS, 2, 1, false, 8, 0, t);
        results_summarize(&r);
        static const results_check want[] = {RESULTS_NOT_ASKED, RESULTS_SINGLE_VARIES,
                                             RESULTS_NO_VALUES, RESULTS_NO_VALUES};
        ck_assert_msg(r.check == want[c], "case %d: %s", c, results_check_name(r.check));
        ck_assert_int_eq(r.check_task, c == 1 ? 5 : -1);
        ck_assert_msg(!find(&r, MODE_THREADS, 2)->unsafe, "case %d", c);
        results_free(&r);
    }
}
END_TEST

/* A pool whose value differs where single returned None is a difference; None against None is
 * not compared. */
START_TEST(test_results_none_against_value)
{
    results r;
    results_init(&r);
    r.workload.tasks = 4;
    int64_t a[4] = {RESULT_NONE, 11, 12, 13}, t[4] = {RESULT_NONE, 11, RESULT_NONE, 13};
    add_digest_run(&r, MODE_SINGLE, 1, 1, false, 4, 0, a);
    add_digest_run(&r, MODE_THREADS, 2, 1, false, 4, 0, t);
    results_summarize(&r);
    const config_summary *s = find(&r, MODE_THREADS, 2);
    ck_assert_int_eq(s->results_compared, 3);
    ck_assert_int_eq(s->results_differ, 1);
    ck_assert(s->unsafe);
    results_free(&r);
}
END_TEST

/* A run that hung makes its mode unsafe whatever the results, with the run's own words. */
START_TEST(test_hung_run_unsafe)
{
    results r;
    results_init(&r);
    r.workload.tasks = 8;
    int64_t a[8];
    answers(a, 8, 0);
    add_digest_run(&r, MODE_SINGLE, 1, 1, false, 8, 0, a);
    run_result run;
    fill_run(&run, MODE_THREADS, 2, 1, RUN_TIMED_OUT, NAN);
    run.hung = true;
    util_fmt(run.error, sizeof(run.error), "did not finish within 30 s, where single does these "
             "8 tasks in 80 ms: likely a race or deadlock on shared state between threads");
    results_add_run(&r, &run);
    fill_run(&run, MODE_PROCESSES, 2, 1, RUN_TIMED_OUT, NAN); /* a plain timeout */
    results_add_run(&r, &run);
    r.results_vary = true;
    results_summarize(&r);
    const config_summary *t = find(&r, MODE_THREADS, 2);
    ck_assert(t->unsafe);
    ck_assert_str_eq(t->unsafe_reason, r.runs[1].error);
    ck_assert(!find(&r, MODE_PROCESSES, 2)->unsafe);
    results_free(&r);
}
END_TEST

/* Intervals are shown from RESULTS_CI_MIN_RUNS runs, of the configuration and of single. */
START_TEST(test_speedup_ci_shown)
{
    results r;
    results_init(&r);
    add_synthetic_runs(&r, true);
    results_summarize(&r);
    ck_assert(results_speedup_ci_shown(&r, find(&r, MODE_THREADS, 2)));   /* 6 runs */
    ck_assert(!results_speedup_ci_shown(&r, find(&r, MODE_THREADS, 16))); /* 2 runs */
    ck_assert(!results_speedup_ci_shown(&r, find(&r, MODE_PROCESSES, 2))); /* 1 run */
    results_free(&r);
}
END_TEST

/* Runs at times `at` of single (s) and processes x2 (p), each wall time and host probe given. */
static void drift_runs(results *r, const char *modes, const double *walls, const double *probes)
{
    results_init(r);
    r->workload.tasks = 8;
    for (int i = 0; modes[i]; i++) {
        run_result run;
        bool single = modes[i] == 's' || modes[i] == 'S' || modes[i] == 'n';
        fill_run(&run, single ? MODE_SINGLE : MODE_PROCESSES, single ? 1 : 2, i + 1, RUN_OK,
                 walls[i]);
        if (modes[i] == 'n') { /* single with a native thread limit: a follow-up */
            run.variant = true;
            run.native_limit = 1;
        }
        run.at_s = i;
        run.host_probe_s = probes[i];
        results_add_run(r, &run);
    }
    results_summarize(r);
}

/* A probe that jumps back and forth from one run to the next (a virtual CPU's two speeds) has
 * not drifted, however far its medians of 3 lie apart; one that climbs step by step has. */
START_TEST(test_probe_jitter_is_not_drift)
{
    double walls[12], jumps[12], climb[12];
    for (int i = 0; i < 12; i++) {
        walls[i] = 1.0;
        jumps[i] = i % 2 ? 2.1e-3 : 1.3e-3;
        climb[i] = 1.3e-3 * (1.0 + 0.08 * i);
    }
    results r;
    drift_runs(&r, "ssssssssssss", walls, jumps);
    ck_assert(r.drift.moved > 0.5);
    ck_assert(r.drift.probe_jitter > 0.3);
    ck_assert(!r.drift.probe_beyond_noise);
    ck_assert(!r.drift.found);
    results_free(&r);

    drift_runs(&r, "ssssssssssss", walls, climb);
    ck_assert(r.drift.probe_beyond_noise);
    ck_assert(r.drift.found);
    ck_assert_double_eq_tol(results_drift_moved(&r.drift), 0.08 * 9 / 1.08, 1e-9);
    results_free(&r);

    /* A pool's probes (its PUs spinning together) are not compared with single's. */
    drift_runs(&r, "sssppppppsss", walls, climb);
    ck_assert_int_eq(r.drift.probes, 6);
    results_free(&r);
}
END_TEST

/* Six runs each of single (1 s) and processes x2 (0.5 s) in turn, each at the host's pace
 * pace[i] (its probes move with it, and its time by pace[i] to the power `follows`, as far as
 * the job follows the CPU's pace) times a noise of its own; probes: with the probes around each run, or none after it. */
static void pace_runs(results *r, const double *pace, const double *own, bool probes,
                      bool back_to_back, double follows)
{
    results_init(r);
    r->workload.tasks = 8;
    r->back_to_back = back_to_back;
    for (int i = 0; i < 12; i++) {
        run_result run;
        bool single = i % 2 == 0;
        fill_run(&run, single ? MODE_SINGLE : MODE_PROCESSES, single ? 1 : 2, i + 1, RUN_OK,
                 (single ? 1.0 : 0.5) * pow(pace[i], follows) * own[i]);
        run.at_s = i;
        run.host_probe_s = 1.3e-3 * pace[i];
        run.host_probe_after_s = probes ? 1.3e-3 * pace[i] : NAN;
        results_add_run(r, &run);
    }
    results_summarize(r);
}

/* A host whose pace jumps from run to run (a virtual CPU's sibling busy or not): the probe around
 * each run follows it, and each run is put at its configuration's mean pace. The intervals
 * narrow, the medians stay where the runs put them; a job whose times do not follow the probe
 * (one waiting on storage) is taken as it came, and so is every run with --back-to-back. */
START_TEST(test_pace_control_variate)
{
    /* Single's paces and the pool's: the same six in another order. */
    const double pace[] = {1.0, 1.6, 1.6, 1.0, 1.2, 1.0, 1.0, 1.5, 1.5, 1.2, 1.0, 1.0};
    const double own[] = {1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.02, 0.99, 1.0};
    results with, without;
    pace_runs(&with, pace, own, true, false, 1.0);
    pace_runs(&without, pace, own, false, false, 1.0);
    ck_assert(with.drift.pace_applied);
    ck_assert(!with.drift.job_ignores_probe);
    ck_assert(!without.drift.pace_applied);
    ck_assert_int_eq(with.drift.pace_runs, 12);
    ck_assert_int_eq(with.drift.pace_configs, 2);
    ck_assert_double_eq_tol(with.drift.pace_slope, 1.0, 0.1);
    ck_assert(with.drift.pace_noise_paced < with.drift.pace_noise_raw / 3);
    for (int m = 0; m < 2; m++) {
        run_mode mode = m ? MODE_PROCESSES : MODE_SINGLE;
        const config_summary *a = results_find_summary(&with, mode, m ? 2 : 1);
        const config_summary *b = results_find_summary(&without, mode, m ? 2 : 1);
        ck_assert(a->ci_high_s - a->ci_low_s < (b->ci_high_s - b->ci_low_s) / 2);
        ck_assert_double_eq_tol(a->wall_s, b->wall_s, 0.2 * b->wall_s);
    }
    const config_summary *p = results_find_summary(&with, MODE_PROCESSES, 2);
    ck_assert_double_eq_tol(p->speedup, 2.0, 0.1);
    ck_assert(p->speedup_high - p->speedup_low <
              results_find_summary(&without, MODE_PROCESSES, 2)->speedup_high -
                  results_find_summary(&without, MODE_PROCESSES, 2)->speedup_low);
    /* Each run at its configuration's mean pace: the geometric mean of the paces, 1.19. */
    for (int i = 0; i < with.nruns; i++)
        ck_assert_double_eq_tol(with.runs[i].pace_factor * pace[i], 1.19, 0.05);
    /* A report made again from results.json says the same of the host's pace. */
    results loaded;
    write_and_load(&with, &loaded);
    ck_assert(loaded.drift.pace_applied);
    ck_assert_double_eq_tol(loaded.drift.pace_slope, with.drift.pace_slope, 1e-9);
    ck_assert_int_eq(loaded.drift.probes, with.drift.probes);
    ck_assert_int_eq(loaded.drift.found, with.drift.found);
    ck_assert_double_eq_tol(loaded.runs[3].pace_factor, with.runs[3].pace_factor, 1e-9);
    results_free(&loaded);
    results_free(&with);
    results_free(&without);

    /* Times that do not follow the probe. */
    const double waits[] = {1.3, 0.8, 1.0, 1.25, 0.9, 1.1, 0.85, 1.2, 1.0, 0.95, 1.15, 0.9};
    results io;
    pace_runs(&io, pace, waits, true, false, 0.0);
    ck_assert(isfinite(io.drift.pace_slope));
    ck_assert(!io.drift.pace_applied);
    ck_assert_msg(io.drift.job_ignores_probe, "slope %g +- %g", io.drift.pace_slope,
                  io.drift.pace_slope_se);
    for (int i = 0; i < io.nruns; i++)
        ck_assert_double_eq_tol(io.runs[i].pace_factor, 1.0, 1e-12);
    results_free(&io);

    /* The CPU's pace climbing by 60 % over the run, which the same job's times do not follow:
     * the probe drifted, the job did not. */
    double climb[12];
    for (int i = 0; i < 12; i++)
        climb[i] = 1.0 + 0.055 * i;
    pace_runs(&io, climb, own, true, false, 0.0);
    ck_assert(io.drift.probe_beyond_noise);
    ck_assert(io.drift.job_ignores_probe);
    ck_assert(!io.drift.found);
    results_free(&io);

    /* A job that follows a third of the CPU's pace (part compute, part waits on a disk) is
     * taken at its pace (what single's nearest runs left of the climb), and is not one that
     * ignores the probe. */
    pace_runs(&io, climb, own, true, false, 0.33);
    ck_assert(io.drift.found); /* the probe climbed, and a third of it reached the job */
    ck_assert(io.drift.pace_slope > 0.1 && io.drift.pace_slope < 0.5);
    ck_assert(io.drift.pace_applied);
    ck_assert(!io.drift.job_ignores_probe);
    results_free(&io);

    results b2b;
    pace_runs(&b2b, pace, own, true, true, 1.0);
    ck_assert(!b2b.drift.pace_applied);
    ck_assert_double_eq_tol(b2b.drift.pace_slope, 1.0, 0.1);
    results_free(&b2b);
}
END_TEST

/* A host 1.8 times slower from the pool's runs on: single's runs before and after them are its
 * baseline, each in proportion to when the pool ran, not single's median over all of them. */
START_TEST(test_drift_speedup_nearest_baseline)
{
    const double walls[] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.8, 1.0, 1.0, 1.0, 1.8};
    const double slow[] = {1.3e-3, 1.3e-3, 1.3e-3, 2.34e-3, 2.34e-3, 2.34e-3,
                           2.34e-3, 2.34e-3, 2.34e-3, 2.34e-3, 2.34e-3};
    results r;
    drift_runs(&r, "ssspppsppps", walls, slow);
    ck_assert(r.drift.found);
    ck_assert(r.drift.adjusted);
    ck_assert_int_eq(r.drift.reference_runs, 2);
    ck_assert_double_eq_tol(r.drift.moved, 0.8, 1e-9);
    /* Single smoothed (median of 3 neighbours): 1.0 at t = 2, 1.8 at t = 6 and 10. The pool's
     * runs at t = 3, 4, 5 have 1.2, 1.4 and 1.6 s beside them, those at 7, 8, 9 have 1.8 s:
     * their speedups 1.2, 1.4, 1.6, 1.8, 1.8, 1.8: single's median over the median of their
     * times put at single's pace (the middle two of six, 1 / 1.6 and 1 / 1.8). */
    const config_summary *p = results_find_summary(&r, MODE_PROCESSES, 2);
    ck_assert_double_eq_tol(p->speedup, 2.0 / (1 / 1.6 + 1 / 1.8), 1e-9);
    ck_assert(p->speedup_low <= 1.6 + 1e-9 && p->speedup_high >= 1.8 - 1e-9);
    ck_assert_double_eq_tol(results_find_summary(&r, MODE_SINGLE, 1)->speedup, 1.0, 1e-12);
    results_free(&r);

    /* Single's own follow-up (a native limit) is compared with the baseline near it too. */
    drift_runs(&r, "sssnnnsppps", walls, slow);
    ck_assert(r.drift.adjusted);
    const config_summary *n = results_find_limited(&r, MODE_SINGLE, 1, 0, "", 1);
    ck_assert_ptr_nonnull(n);
    ck_assert_double_eq_tol(n->speedup, 1.4, 1e-9); /* against 1.2, 1.4 and 1.6 s */
    ck_assert_double_eq_tol(results_find_summary(&r, MODE_PROCESSES, 2)->speedup, 1.8, 1e-9);
    results_free(&r);

    /* The same runs on a steady host: the probe says so, and single's median is the baseline. */
    const double steady[] = {1.3e-3, 1.3e-3, 1.3e-3, 1.31e-3, 1.3e-3, 1.32e-3, 1.3e-3};
    const double calm[] = {1.0, 1.02, 0.98, 1.0, 1.0, 1.0, 1.01};
    drift_runs(&r, "sssppps", calm, steady);
    ck_assert(!r.drift.found);
    ck_assert(!r.drift.adjusted);
    ck_assert_double_eq_tol(results_find_summary(&r, MODE_PROCESSES, 2)->speedup, 1.005, 1e-9);
    results_free(&r);

    /* One stalled run of single (another process took the core for a while) is not a drift:
     * the median of its neighbours stands for it. */
    const double stall[] = {1.0, 1.01, 0.99, 0.5, 0.5, 0.5, 14.0, 0.5, 0.5, 0.5, 1.0};
    const double flat[] = {1.3e-3, 1.3e-3, 1.3e-3, 1.3e-3, 1.3e-3, 1.3e-3,
                           1.3e-3, 1.3e-3, 1.3e-3, 1.3e-3, 1.3e-3};
    drift_runs(&r, "ssspppspppS" , stall, flat);
    ck_assert(!r.drift.found);
    ck_assert_double_eq_tol(results_find_summary(&r, MODE_PROCESSES, 2)->speedup, 2.0, 1e-9);
    results_free(&r);

    /* Single slower in its later runs far beyond the noise of runs made one after the other,
     * where the probe saw nothing (another process took turns on the cores): found too. */
    const double busy[] = {1.0, 1.01, 0.99, 1.0, 1.01, 0.99, 1.6, 1.0, 1.01, 0.99, 1.6};
    drift_runs(&r, "ssspppspppS", busy, flat);
    ck_assert(r.drift.baseline_beyond_noise);
    ck_assert(r.drift.found);
    results_free(&r);
}
END_TEST

START_TEST(test_check_names)
{
    for (int c = RESULTS_UNCHECKED; c <= RESULTS_NO_VALUES; c++) {
        results_check back;
        ck_assert_int_eq(results_parse_check(results_check_name((results_check)c), &back), 0);
        ck_assert_int_eq(back, c);
    }
    results_check keep = RESULTS_COMPARED;
    ck_assert_int_eq(results_parse_check("maybe", &keep), -1);
    ck_assert_int_eq(keep, RESULTS_COMPARED);
}
END_TEST

Suite *results_suite(void)
{
    Suite *s = suite_create("results");

    TCase *tc = tcase_create("json");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_add_test(tc, test_json_has_required_keys);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_native_round_trip);
    tcase_add_test(tc, test_round_trip_loop);
    tcase_add_test(tc, test_load_without_newer_run_keys);
    tcase_add_test(tc, test_task_phase);
    tcase_add_test(tc, test_cpu_utilization_bounded);
    tcase_add_test(tc, test_run_wall_scaling);
    tcase_add_test(tc, test_pooled_noise);
    tcase_add_test(tc, test_numbers_keep_every_bit);
    tcase_add_test(tc, test_empty_results_round_trip);
    tcase_add_test(tc, test_atomic_write);
    suite_add_tcase(s, tc);

    tc = tcase_create("runs");
    tcase_add_test(tc, test_add_run_copies_placement);
    tcase_add_test(tc, test_status_names);
    tcase_add_test(tc, test_summarize);
    tcase_add_test(tc, test_summarize_without_baseline);
    tcase_add_test(tc, test_summarize_states_and_ratios);
    tcase_add_test(tc, test_task_index);
    tcase_add_test(tc, test_results_differ_unsafe);
    tcase_add_test(tc, test_results_raised_in_pool);
    tcase_add_test(tc, test_results_not_compared);
    tcase_add_test(tc, test_results_none_against_value);
    tcase_add_test(tc, test_hung_run_unsafe);
    tcase_add_test(tc, test_speedup_ci_shown);
    tcase_add_test(tc, test_drift_speedup_nearest_baseline);
    tcase_add_test(tc, test_pace_control_variate);
    tcase_add_test(tc, test_probe_jitter_is_not_drift);
    tcase_add_test(tc, test_check_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("load_errors");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_add_test(tc, test_load_missing_file);
    tcase_add_test(tc, test_load_bad_files);
    tcase_add_test(tc, test_load_bad_values);
    tcase_add_test(tc, test_load_ignores_unknown_keys);
    suite_add_tcase(s, tc);
    return s;
}

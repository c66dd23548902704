/* results_json.c - results.json (schema concur.results/1): writing the whole results, the
 * classification and the recommendation, and reading them back with a message that names the key
 * that is wrong. It sits above results, classify and advise, and is the only code that knows the
 * file's names. */
#include "concur/results_json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "concur/advise.h"
#include "concur/classify.h"
#include "concur/concur.h"
#include "concur/proc.h"
#include "concur/util.h"

/* What every loader error ends with: the file is not one this concur wrote unchanged. */
#define LOAD_REMEDY "the file was edited or not written by concur; run 'concur run' again to recreate it"

/* The counter values of a run, in the order results.json lists them. */
static const struct {
    const char *key;
    size_t offset;
} counter_fields[] = {
    {"task_clock_s", offsetof(counters_values, task_clock_s)},
    {"context_switches", offsetof(counters_values, context_switches)},
    {"voluntary_switches", offsetof(counters_values, voluntary_switches)},
    {"involuntary_switches", offsetof(counters_values, involuntary_switches)},
    {"cpu_migrations", offsetof(counters_values, cpu_migrations)},
    {"page_faults", offsetof(counters_values, page_faults)},
    {"cycles", offsetof(counters_values, cycles)},
    {"instructions", offsetof(counters_values, instructions)},
    {"llc_misses", offsetof(counters_values, llc_misses)},
};

/* The doubles of a stats_summary (its n is an integer and handled apart). */
static const struct {
    const char *key;
    size_t offset;
} summary_fields[] = {
    {"min", offsetof(stats_summary, min)},       {"median", offsetof(stats_summary, median)},
    {"p95", offsetof(stats_summary, p95)},       {"max", offsetof(stats_summary, max)},
    {"mean", offsetof(stats_summary, mean)},
};

/* results.json's names of the sampler states, in thread_state order. The file format owns them, so
 * that a name changed in the sampler cannot silently change the schema. */
static const char *const state_keys[TS_COUNT] = {
    [TS_RUNNING] = "running",   [TS_RUNNABLE] = "runnable", [TS_GIL_WAIT] = "gil_wait",
    [TS_LOCK_WAIT] = "lock_wait", [TS_IO_WAIT] = "io_wait", [TS_SLEEP] = "sleep",
    [TS_CHILD_WAIT] = "child_wait", [TS_OTHER] = "other",
};

/* The pooled state fractions of a configuration, as results.json names them. */
static const char *const fraction_keys[TS_COUNT] = {
    [TS_RUNNING] = "running_fraction",     [TS_RUNNABLE] = "runnable_fraction",
    [TS_GIL_WAIT] = "gil_wait_fraction",   [TS_LOCK_WAIT] = "lock_wait_fraction",
    [TS_IO_WAIT] = "io_wait_fraction",     [TS_SLEEP] = "sleep_fraction",
    [TS_CHILD_WAIT] = "child_wait_fraction", [TS_OTHER] = "other_fraction",
};

/* ---- writing ---------------------------------------------------------------------------------- */

/* JSON has no NAN or infinity: they become null. Other doubles are written in the shortest form that
 * reads back as the same double. cJSON 1.7.15 cannot be trusted with that (it keeps a 15-digit form
 * when it is within one epsilon, so 0.30000000000000004 comes out as 0.3), hence the raw item. */
static cJSON *json_number(double v)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    char buf[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return cJSON_CreateRaw(buf);
}

static void add_number(cJSON *obj, const char *key, double v)
{
    cJSON_AddItemToObject(obj, key, json_number(v));
}

static void add_int(cJSON *obj, const char *key, long v)
{
    cJSON_AddItemToObject(obj, key, cJSON_CreateNumber((double)v));
}

static void add_string(cJSON *obj, const char *key, const char *s)
{
    cJSON_AddItemToObject(obj, key, cJSON_CreateString(s));
}

/* "" is written as null: "no error", "no traceback", "not applicable". */
static void add_string_or_null(cJSON *obj, const char *key, const char *s)
{
    if (s[0] == '\0')
        cJSON_AddItemToObject(obj, key, cJSON_CreateNull());
    else
        cJSON_AddItemToObject(obj, key, cJSON_CreateString(s));
}

static void add_bool(cJSON *obj, const char *key, bool b)
{
    cJSON_AddItemToObject(obj, key, cJSON_CreateBool(b));
}

static cJSON *add_object(cJSON *obj, const char *key)
{
    cJSON *child = cJSON_CreateObject();
    cJSON_AddItemToObject(obj, key, child);
    return child;
}

static cJSON *add_array(cJSON *obj, const char *key)
{
    cJSON *child = cJSON_CreateArray();
    cJSON_AddItemToObject(obj, key, child);
    return child;
}

static void write_stats_summary(cJSON *obj, const char *key, const stats_summary *s)
{
    cJSON *o = add_object(obj, key);
    add_int(o, "n", s->n);
    for (size_t i = 0; i < ARRAY_LEN(summary_fields); i++)
        add_number(o, summary_fields[i].key, *(const double *)((const char *)s + summary_fields[i].offset));
}

/* {"samples": total, "running": fraction, ..., "counts": {"running": samples, ...}}: the fractions
 * for readers, the counts so that nothing is lost; fractions are null when nothing was sampled. */
static void write_states(cJSON *obj, const char *key, const state_hist *h)
{
    cJSON *o = cJSON_CreateObject();
    if (key)
        cJSON_AddItemToObject(obj, key, o);
    else
        cJSON_AddItemToArray(obj, o);
    add_number(o, "samples", h->total);
    for (int st = 0; st < TS_COUNT; st++)
        add_number(o, state_keys[st], h->total > 0 ? h->counts[st] / h->total : NAN);
    cJSON *c = add_object(o, "counts");
    for (int st = 0; st < TS_COUNT; st++)
        add_number(c, state_keys[st], h->counts[st]);
}

static void write_machine(cJSON *root, const results *r)
{
    const topology_info *m = &r->machine;
    cJSON *o = add_object(root, "machine");
    add_string(o, "cpu_model", m->cpu_model);
    add_int(o, "packages", m->packages);
    add_int(o, "numa_nodes", m->numa_nodes);
    add_int(o, "cores", m->cores);
    add_int(o, "pus", m->pus);
    add_bool(o, "synthetic", m->synthetic);
    add_string_or_null(o, "synthetic_desc", m->synthetic_desc);
    add_number(o, "memory_bytes", m->memory_bytes);
    add_number(o, "capacity_start", m->capacity_start);
    add_number(o, "capacity_end", m->capacity_end);

    const python_info *p = &r->python;
    cJSON *py = add_object(o, "python");
    add_string(py, "requested", p->requested);
    add_string(py, "executable", p->executable);
    add_string(py, "version", p->version);
    add_string(py, "implementation", p->implementation);
    if (p->gil < 0)
        cJSON_AddItemToObject(py, "gil", cJSON_CreateNull());
    else
        add_bool(py, "gil", p->gil > 0);
}

/* "dask": the cluster mode dask measured on; null where it was not measured. */
static void write_dask(cJSON *root, const dask_cluster_info *d)
{
    if (!d->asked) {
        cJSON_AddItemToObject(root, "dask", cJSON_CreateNull());
        return;
    }
    cJSON *o = add_object(root, "dask");
    add_string(o, "distributed", d->version);
    add_string_or_null(o, "scheduler", d->scheduler);
    add_int(o, "workers", d->workers);
    add_int(o, "threads", d->threads);
    add_int(o, "hosts", d->nhosts);
    add_string(o, "host_names", d->hosts);
}

/* The probe's shape is the counters module's, so `concur counters` and results.json agree. */
static void write_counters_probe(cJSON *root, const counters_probe *c)
{
    cJSON_AddItemToObject(root, "counters", counters_probe_to_json(c));
}

/* run.program: what a program's run saw through its swapped pools; null for a workload's. */
static void write_program_run(cJSON *o, const program_run *g)
{
    if (!g->known) {
        cJSON_AddItemToObject(o, "program", cJSON_CreateNull());
        return;
    }
    cJSON *p = add_object(o, "program");
    add_int(p, "exit_code", g->exit_code);
    add_number(p, "before_s", g->before_s);
    add_number(p, "after_s", g->after_s);
    add_int(p, "npools", g->npools);
    cJSON *pools = add_array(p, "pools");
    for (int i = 0; i < g->npools && i < PROGRAM_MAX_POOLS; i++) {
        cJSON *q = cJSON_CreateObject();
        add_string(q, "kind", g->pools[i].kind);
        add_string(q, "site", g->pools[i].site);
        add_int(q, "asked", g->pools[i].asked);
        add_bool(q, "asked_default", g->pools[i].asked_default);
        add_int(q, "tasks", g->pools[i].tasks);
        cJSON_AddItemToArray(pools, q);
    }
    cJSON *seen = add_array(p, "unswappable");
    for (int i = 0; i < g->nseen; i++)
        cJSON_AddItemToArray(seen, cJSON_CreateString(g->seen[i]));
}

/* An integer where it is known (>= 0), else null. */
static void add_count_or_null(cJSON *obj, const char *key, int v)
{
    if (v < 0)
        cJSON_AddItemToObject(obj, key, cJSON_CreateNull());
    else
        add_int(obj, key, v);
}

/* A limit where one was set (> 0), else null. */
static void add_limit(cJSON *obj, const char *key, int v)
{
    add_count_or_null(obj, key, v > 0 ? v : -1);
}

/* What a run saw of the native thread pools (docs/native-threads.md). */
static void write_run_native(cJSON *o, const run_result *run)
{
    add_limit(o, "native_limit", run->native_limit);
    add_count_or_null(o, "native_threads", run->native_threads);
    if (run->threadpoolctl < 0)
        cJSON_AddItemToObject(o, "threadpoolctl", cJSON_CreateNull());
    else
        add_bool(o, "threadpoolctl", run->threadpoolctl > 0);
    if (run->nthreadpools < 0) {
        cJSON_AddItemToObject(o, "threadpools", cJSON_CreateNull());
    } else {
        cJSON *a = add_array(o, "threadpools");
        for (int i = 0; i < run->nthreadpools; i++) {
            const run_threadpool *t = &run->threadpools[i];
            cJSON *p = cJSON_CreateObject();
            add_string_or_null(p, "user_api", t->user_api);
            add_string_or_null(p, "internal_api", t->internal_api);
            add_string_or_null(p, "version", t->version);
            add_string_or_null(p, "threading_layer", t->threading_layer);
            add_count_or_null(p, "num_threads", t->num_threads);
            cJSON_AddItemToArray(a, p);
        }
    }
    add_number(o, "native_cpu_s", run->cpu_native_s);
    add_number(o, "interp_cpu_s", run->cpu_interp_s);
}

/* A coroutine workload's loop figures, flat beside the other numbers of a run or a configuration:
 * loop_concurrency always (it keys a processes x asyncio follow-up), the rest only when measured. */
static void write_loop(cJSON *o, const loop_figures *l)
{
    add_int(o, "loop_concurrency", l->concurrency);
    if (!l->measured)
        return;
    add_number(o, "loop_blocked_fraction", l->blocked_fraction);
    add_number(o, "loop_max_step_s", l->max_step_s);
    cJSON *a = add_array(o, "loop_longest_steps");
    for (int i = 0; i < l->nlongest; i++) {
        cJSON *x = cJSON_CreateObject();
        add_int(x, "task", l->longest_tasks[i]);
        add_number(x, "step_s", l->longest_s[i]);
        cJSON_AddItemToArray(a, x);
    }
    add_int(o, "loop_one_step_tasks", l->one_step_tasks);
    add_int(o, "loop_pending_cancelled", l->pending_cancelled);
}

static void write_run(cJSON *runs, const run_result *run)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(runs, o);
    add_string(o, "mode", mode_name(run->mode));
    add_int(o, "workers", run->workers);
    add_int(o, "repeat", run->repeat);
    add_int(o, "chunksize", run->chunksize);
    add_string_or_null(o, "start_method", run->start_method);
    add_bool(o, "variant", run->variant);
    add_bool(o, "warmup", run->warmup);
    write_run_native(o, run);
    add_string(o, "status", results_status_name(run->status));
    add_string_or_null(o, "error", run->error);
    add_string_or_null(o, "traceback", run->traceback);
    add_int(o, "exit_code", run->exit_code);
    add_bool(o, "setup_hung", run->setup_hung);
    add_bool(o, "hung", run->hung);
    add_int(o, "escaped_killed", run->escaped_killed);
    cJSON *esc = add_array(o, "escaped_commands");
    for (int i = 0; i < run->nescaped_commands; i++)
        cJSON_AddItemToArray(esc, cJSON_CreateString(run->escaped_commands[i]));
    add_number(o, "wall_s", run->wall_s);
    add_number(o, "startup_s", run->startup_s);
    add_number(o, "teardown_s", run->teardown_s);
    add_number(o, "first_ready_s", run->first_ready_s);
    add_number(o, "harness_s", run->harness_s);
    add_number(o, "cluster_start_s", run->cluster_start_s);
    add_number(o, "at_s", run->at_s);
    add_number(o, "host_probe_s", run->host_probe_s);
    add_number(o, "host_probe_after_s", run->host_probe_after_s);
    add_number(o, "drift_factor", run->drift_factor > 0 ? run->drift_factor : 1.0);
    add_number(o, "pace_factor", run->pace_factor > 0 ? run->pace_factor : 1.0);
    add_number(o, "cpu_s", run->cpu_s);
    add_number(o, "cpu_utilization", run->cpu_utilization);

    cJSON *c = add_object(o, "counters");
    for (size_t i = 0; i < ARRAY_LEN(counter_fields); i++)
        add_number(c, counter_fields[i].key,
                   *(const double *)((const char *)&run->counters + counter_fields[i].offset));

    add_number(o, "peak_rss_bytes", run->peak_rss_bytes);
    add_number(o, "io_read_bytes", run->io_read_bytes);
    add_number(o, "io_write_bytes", run->io_write_bytes);
    add_int(o, "tasks", run->tasks);
    add_int(o, "tasks_ok", run->tasks_ok);
    add_int(o, "tasks_failed", run->tasks_failed);
    if (run->sample_of > 0)
        add_int(o, "sample_of", run->sample_of);
    else
        cJSON_AddItemToObject(o, "sample_of", cJSON_CreateNull());
    add_number(o, "scale", run->scale);
    add_number(o, "scale_se", run->scale_se);
    write_stats_summary(o, "task_wall_s", &run->task_wall);
    write_stats_summary(o, "task_cpu_s", &run->task_cpu);
    add_int(o, "results_compared", run->results_compared);
    add_int(o, "results_differ", run->results_differ);
    add_int(o, "results_raised", run->results_raised);
    cJSON *dt = add_array(o, "results_differ_tasks");
    for (int i = 0; i < run->ndiffer_tasks; i++)
        cJSON_AddItemToArray(dt, cJSON_CreateNumber(run->differ_tasks[i]));

    /* Not measured (thread and single modes): null rather than an object of nulls. */
    if (run->pickle_sampled == 0 && isnan(run->pickle_arg_bytes) && isnan(run->pickle_result_bytes)) {
        cJSON_AddItemToObject(o, "pickle", cJSON_CreateNull());
    } else {
        cJSON *p = add_object(o, "pickle");
        add_number(p, "arg_bytes", run->pickle_arg_bytes);
        add_number(p, "result_bytes", run->pickle_result_bytes);
        add_int(p, "sampled", run->pickle_sampled);
    }

    write_program_run(o, &run->program);

    cJSON *placement = add_array(o, "placement");
    for (int i = 0; i < run->nplacement; i++) {
        const run_placement *pl = &run->placement[i];
        cJSON *p = cJSON_CreateObject();
        add_int(p, "worker", pl->worker);
        add_int(p, "pid", (long)pl->pid);
        add_int(p, "tid", (long)pl->tid);
        add_int(p, "pu_planned", pl->pu_planned);
        add_int(p, "pu", pl->pu);
        add_int(p, "core", pl->core);
        add_string(p, "cpus_allowed", pl->cpus_allowed);
        add_count_or_null(p, "native_threads", pl->native_threads);
        cJSON_AddItemToArray(placement, p);
    }

    write_states(o, "states", &run->states);
    cJSON *ws = add_array(o, "worker_states");
    for (int i = 0; i < run->nworker_states; i++)
        write_states(ws, NULL, &run->worker_states[i]);
    write_states(o, "other_states", &run->other_states);
    write_states(o, "native_states", &run->native_states);
    cJSON *sm = add_object(o, "sampler");
    add_int(sm, "rounds", run->sampler_rounds);
    add_number(sm, "interval_s", run->sampler_interval_s);
    add_number(sm, "cpu_s", run->sampler_cpu_s);
    add_bool(sm, "gil_distinguished", run->gil_distinguished);
    write_loop(o, &run->loop);
}

/* The numbers of one configuration, in summary.<mode>."<workers>" and in variants[]. */
static void write_config(cJSON *c, const config_summary *s)
{
    add_int(c, "chunksize", s->chunksize);
    add_string_or_null(c, "start_method", s->start_method);
    add_limit(c, "native_limit", s->native_limit);
    add_number(c, "native_threads", s->native_threads);
    add_number(c, "native_cpu_share", s->native_cpu_share);
    add_number(c, "wall_s", s->wall_s);
    add_number(c, "ci_low_s", s->ci_low_s);
    add_number(c, "ci_high_s", s->ci_high_s);
    add_string(c, "ci_method", stats_ci_method_name(s->ci_method));
    add_number(c, "precision", s->precision);
    add_int(c, "sample_tasks", s->sample_tasks);
    add_number(c, "sample_se", s->sample_se);
    cJSON *out = add_array(c, "outliers");
    for (int i = 0; i < s->noutliers; i++)
        cJSON_AddItemToArray(out, cJSON_CreateNumber(s->outliers[i]));
    add_number(c, "speedup", s->speedup);
    add_number(c, "speedup_low", s->speedup_low);
    add_number(c, "speedup_high", s->speedup_high);
    add_number(c, "task_s", s->task_s);
    add_number(c, "task_ci_low_s", s->task_ci_low_s);
    add_number(c, "task_ci_high_s", s->task_ci_high_s);
    add_number(c, "task_speedup", s->task_speedup);
    add_number(c, "task_speedup_low", s->task_speedup_low);
    add_number(c, "task_speedup_high", s->task_speedup_high);
    add_int(c, "runs_ok", s->runs_ok);
    add_int(c, "runs_failed", s->runs_failed);
    add_number(c, "cpu_utilization", s->cpu_utilization);
    add_number(c, "startup_s", s->startup_s);
    add_number(c, "cluster_start_s", s->cluster_start_s);
    add_number(c, "pool_overhead_per_task_s", s->pool_overhead_per_task);
    add_number(c, "pickle_bytes_per_task", s->pickle_bytes_per_task);
    add_number(c, "peak_rss_bytes", s->peak_rss_bytes);
    add_number(c, "efficiency", s->efficiency);
    add_number(c, "gil_penalty", s->gil_penalty);
    add_number(c, "state_samples", s->state_samples);
    for (int st = 0; st < TS_COUNT; st++)
        add_number(c, fraction_keys[st], *results_fraction((config_summary *)s, st));
    add_bool(c, "gil_distinguished", s->gil_distinguished);
    add_number(c, "ipc", s->ipc);
    add_number(c, "llc_mpki", s->llc_mpki);
    add_int(c, "results_compared", s->results_compared);
    add_int(c, "results_differ", s->results_differ);
    add_int(c, "results_raised", s->results_raised);
    add_bool(c, "unsafe", s->unsafe);
    add_string_or_null(c, "unsafe_reason", s->unsafe_reason);
    write_loop(c, &s->loop);
}

/* How the host's pace moved (results_summarize works it out again from the runs on load). */
static void write_drift(cJSON *root, const results *r)
{
    results_drift drift, *d = &drift;
    results_find_drift(r, d);
    cJSON *o = add_object(root, "drift");
    add_int(o, "probes", d->probes);
    add_number(o, "probe_fast_s", d->probe_fast_s);
    add_number(o, "probe_slow_s", d->probe_slow_s);
    add_number(o, "moved", d->moved);
    add_number(o, "probe_jitter", d->probe_jitter);
    add_bool(o, "probe_beyond_noise", d->probe_beyond_noise);
    add_bool(o, "job_ignores_probe", d->job_ignores_probe);
    add_bool(o, "found", d->found);
    add_bool(o, "adjusted", d->adjusted);
    add_int(o, "baseline_runs", d->baseline_runs);
    add_int(o, "reference_runs", d->reference_runs);
    add_number(o, "baseline_first_at_s", d->baseline_first_at_s);
    add_number(o, "baseline_last_at_s", d->baseline_last_at_s);
    add_number(o, "baseline_fast_s", d->baseline_fast_s);
    add_number(o, "baseline_slow_s", d->baseline_slow_s);
    add_number(o, "baseline_moved", d->baseline_moved);
    add_bool(o, "baseline_beyond_noise", d->baseline_beyond_noise);
    add_number(o, "span_s", d->span_s);
    results_find_pace(r, d);
    cJSON *pace = add_object(o, "pace");
    add_int(pace, "runs", d->pace_runs);
    add_int(pace, "configurations", d->pace_configs);
    add_number(pace, "slope", d->pace_slope);
    add_number(pace, "slope_se", d->pace_slope_se);
    add_number(pace, "noise_raw", d->pace_noise_raw);
    add_number(pace, "noise_paced", d->pace_noise_paced);
    add_bool(pace, "applied", d->pace_applied);
}

/* summary.<mode>."<workers>" = {...} for the sweep, modes in enum order, worker counts in the order
 * of r->summary; variants = [{mode, workers, ...}] for the follow-ups. */
static void write_summary(cJSON *root, const results *r)
{
    cJSON *o = add_object(root, "summary");
    for (int m = 0; m < MODE_COUNT; m++) {
        cJSON *mode = NULL;
        for (int i = 0; i < r->nsummary; i++) {
            const config_summary *s = &r->summary[i];
            if ((int)s->mode != m || s->variant)
                continue;
            if (!mode)
                mode = add_object(o, mode_name((run_mode)m));
            char key[16];
            util_fmt(key, sizeof(key), "%d", s->workers);
            write_config(add_object(mode, key), s);
        }
    }
    cJSON *v = add_array(root, "variants");
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!s->variant)
            continue;
        cJSON *c = cJSON_CreateObject();
        cJSON_AddItemToArray(v, c);
        add_string(c, "mode", mode_name(s->mode));
        add_int(c, "workers", s->workers);
        write_config(c, s);
    }
}

/* null until classify_results has filled it. memory_bound: true, false, or null without hardware
 * counters. */
static void write_classification(cJSON *root, const classification *c)
{
    if (classify_is_empty(c)) {
        cJSON_AddItemToObject(root, "classification", cJSON_CreateNull());
        return;
    }
    cJSON *o = add_object(root, "classification");
    add_string(o, "kind", classify_kind_name(c->kind));
    add_string(o, "gil", classify_gil_name(c->gil));
    if (c->native_threaded < 0)
        cJSON_AddItemToObject(o, "native_threaded", cJSON_CreateNull());
    else
        add_bool(o, "native_threaded", c->native_threaded > 0);
    add_number(o, "confidence", c->confidence);
    if (c->memory_bound < 0)
        cJSON_AddItemToObject(o, "memory_bound", cJSON_CreateNull());
    else
        add_bool(o, "memory_bound", c->memory_bound > 0);
    cJSON *ev = add_array(o, "evidence");
    for (int i = 0; i < c->nevidence; i++)
        cJSON_AddItemToArray(ev, cJSON_CreateString(c->evidence[i]));
}

static void add_strings(cJSON *obj, const char *key, const char (*list)[ADVISE_TEXT_LEN], int n)
{
    cJSON *a = add_array(obj, key);
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(list[i]));
}

static void write_option(cJSON *o, const advise_option *opt)
{
    add_string(o, "model", mode_name(opt->mode));
    add_int(o, "workers", opt->workers);
    add_int(o, "chunksize", opt->chunksize);
    add_string_or_null(o, "start_method", opt->start_method);
    add_limit(o, "native_limit", opt->native_limit);
    add_int(o, "concurrency", opt->concurrency);
}

static void write_scaling(cJSON *o, const advise_scaling *sc)
{
    const usl_fit *f = &sc->fit;
    add_bool(o, "fitted", f->fitted);
    add_number(o, "sigma", f->fitted ? f->sigma : NAN);
    add_number(o, "kappa", f->fitted ? f->kappa : NAN);
    add_number(o, "lambda", f->fitted ? f->lambda : NAN);
    add_number(o, "r_squared", f->fitted ? f->r_squared : NAN);
    add_number(o, "rmse", f->fitted ? f->rmse : NAN);
    add_int(o, "points", f->npoints);
    add_int(o, "max_workers", f->max_workers);
    add_number(o, "peak_workers", f->fitted ? f->peak_workers : NAN);
    add_string(o, "fit_note", f->note);
    add_number(o, "predicted_speedup", sc->predicted);
    add_string(o, "note", sc->note);
}

/* null until advise_recommend has made one. */
static void write_recommendation(cJSON *root, const recommendation *rec)
{
    if (!rec->made && rec->nreasons == 0) {
        cJSON_AddItemToObject(root, "recommendation", cJSON_CreateNull());
        return;
    }
    cJSON *o = add_object(root, "recommendation");
    add_bool(o, "made", rec->made);
    write_option(o, &rec->choice);
    add_number(o, "expected_speedup", rec->choice.speedup);
    add_number(o, "ci_low", rec->choice.ci_low);
    add_number(o, "ci_high", rec->choice.ci_high);
    add_bool(o, "parallelize", rec->parallelize);
    add_number(o, "confidence", rec->confidence);
    add_string(o, "headline", rec->headline);
    add_strings(o, "reasons", rec->reasons, rec->nreasons);
    cJSON *alts = add_array(o, "alternatives");
    for (int i = 0; i < rec->nalternatives; i++) {
        const advise_option *a = &rec->alternatives[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToArray(alts, x);
        write_option(x, a);
        add_number(x, "speedup", a->speedup);
        add_number(x, "ci_low", a->ci_low);
        add_number(x, "ci_high", a->ci_high);
        add_string(x, "why", a->why);
    }
    add_strings(o, "notes", rec->notes, rec->nnotes);
    add_strings(o, "beyond", rec->beyond, rec->nbeyond);
    add_int(o, "dask_batch", rec->dask_batch);
    cJSON *m = add_object(o, "memory");
    add_number(m, "peak_rss_bytes", rec->peak_rss_bytes);
    add_number(m, "machine_bytes", rec->machine_memory_bytes);
    add_bool(m, "fits", rec->memory_fits);
    if (rec->target_cores <= 0) {
        cJSON_AddItemToObject(o, "target", cJSON_CreateNull());
    } else {
        cJSON *t = add_object(o, "target");
        add_int(t, "cores", rec->target_cores);
        for (int i = 0; i < 2; i++)
            write_scaling(add_object(t, mode_name(rec->scaling[i].mode)), &rec->scaling[i]);
    }
    add_strings(o, "open_questions", rec->open_questions, rec->nopen);
}

/* The whole document as text followed by suffix, in a buffer from xmalloc. */
static char *format_json(const results *r, const char *suffix)
{
    cJSON *root = cJSON_CreateObject();
    add_string(root, "schema", CONCUR_RESULTS_SCHEMA);
    add_string(root, "concur_version", r->concur_version);
    add_string(root, "started_at", r->started_at);
    add_string(root, "finished_at", r->finished_at);
    add_bool(root, "complete", r->complete);
    add_string_or_null(root, "incomplete_reason", r->complete ? "" : r->incomplete_reason);
    add_bool(root, "running", r->running);
    add_string_or_null(root, "phase", r->phase);
    cJSON *wr = add_object(root, "writer");
    cJSON_AddNumberToObject(wr, "pid", r->writer_pid);
    add_string_or_null(wr, "host", r->writer_host);

    cJSON *w = add_object(root, "workload");
    add_string(w, "spec", r->workload.spec);
    add_string_or_null(w, "path", r->workload.path);
    add_string(w, "name", r->workload.name);
    add_string(w, "description", r->workload.description);
    add_int(w, "tasks", r->workload.tasks);
    add_string_or_null(w, "program", r->workload.program);
    add_string_or_null(w, "program_args", r->workload.program_args);
    add_bool(w, "async", r->workload.coroutine);
    if (r->workload.setup >= 0)
        add_bool(w, "setup", r->workload.setup == 1);
    else
        cJSON_AddItemToObject(w, "setup", cJSON_CreateNull());

    write_machine(root, r);
    write_counters_probe(root, &r->counters);
    write_dask(root, &r->dask);

    cJSON *opt = add_object(root, "options");
    add_string(opt, "start_method", r->start_method);
    add_int(opt, "repeat", r->repeat);
    add_number(opt, "timeout_s", r->timeout_s);
    add_number(opt, "precision", r->precision);
    add_int(opt, "max_repeat", r->max_repeat);
    add_number(opt, "budget_s", r->budget_s > 0 ? r->budget_s : NAN);
    if (r->sample < 0)
        add_string(opt, "sample", "all");
    else if (r->sample > 0)
        add_int(opt, "sample", r->sample);
    else
        add_string(opt, "sample", "auto");
    add_bool(opt, "fixed", r->fixed);
    add_bool(opt, "fresh_interpreter", r->fresh_interpreter);
    if (r->chunksize > 0)
        add_int(opt, "chunksize", r->chunksize);
    else
        add_string(opt, "chunksize", "auto");
    add_bool(opt, "results_vary", r->results_vary);
    add_string(opt, "loop", r->loop[0] ? r->loop : "asyncio");
    add_bool(opt, "back_to_back", r->back_to_back);

    add_bool(root, "budget_reached", r->budget_reached);
    add_number(root, "elapsed_s", r->elapsed_s);
    cJSON *decisions = add_array(root, "plan");
    for (int i = 0; i < r->nplan; i++) {
        const plan_entry *e = &r->plan[i];
        cJSON *p = cJSON_CreateObject();
        cJSON_AddItemToArray(decisions, p);
        add_string(p, "action", plan_action_name(e->action));
        add_string(p, "mode", mode_name(e->mode));
        add_int(p, "workers", e->workers);
        add_bool(p, "variant", e->variant);
        add_int(p, "runs", e->runs);
        add_number(p, "precision", e->precision);
        add_string(p, "why", e->why);
    }

    cJSON *runs = add_array(root, "runs");
    for (int i = 0; i < r->nruns; i++)
        write_run(runs, &r->runs[i]);

    cJSON *chk = add_object(root, "results_check");
    add_string(chk, "state", results_check_name(r->check));
    if (r->check_task >= 0)
        add_int(chk, "task", r->check_task);
    else
        cJSON_AddItemToObject(chk, "task", cJSON_CreateNull());

    write_drift(root, r);
    write_summary(root, r);
    write_classification(root, &r->classification);
    write_recommendation(root, &r->recommendation);

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) {
        log_error("out of memory while formatting results.json");
        abort();
    }
    size_t len = strlen(text), slen = strlen(suffix);
    char *out = xmalloc(len + slen + 1);
    memcpy(out, text, len);
    memcpy(out + len, suffix, slen + 1);
    cJSON_free(text);
    return out;
}

/* Never NULL: aborts when memory is exhausted. No trailing newline; free the text with free(). */
char *results_to_json(const results *r)
{
    return format_json(r, "");
}

/* -1 with errno set; an existing file at path is left unchanged. */
int results_write(const results *r, const char *path)
{
    char *text = format_json(r, "\n"); /* a text file ends with a newline */
    int rc = util_write_atomic(path, text, strlen(text));
    int saved = errno;
    free(text);
    errno = saved;
    return rc;
}

/* ---- loading ---------------------------------------------------------------------------------- */

/* The first error found wins; once failed, every getter returns without touching its output. */
typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    bool failed;
} loader;

static void fail(loader *ld, const char *where, const char *key, const char *fmt, ...) CONCUR_PRINTF(4, 5);

/* "<path>: <where>.<key>: <what> (<remedy>)" */
static void fail(loader *ld, const char *where, const char *key, const char *fmt, ...)
{
    if (ld->failed)
        return;
    ld->failed = true;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(ld->err, ld->errlen, "%s: %s%s%s: %s (" LOAD_REMEDY ")", ld->path, where,
             where[0] && key[0] ? "." : "", key, what);
}

static const cJSON *get_item(loader *ld, const cJSON *obj, const char *where, const char *key)
{
    if (ld->failed)
        return NULL;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        fail(ld, where, key, "missing");
    return it;
}

static const cJSON *get_object(loader *ld, const cJSON *obj, const char *where, const char *key)
{
    const cJSON *it = get_item(ld, obj, where, key);
    if (it && !cJSON_IsObject(it)) {
        fail(ld, where, key, "expected an object");
        return NULL;
    }
    return it;
}

/* An array, or NULL; *n is its length. */
static const cJSON *get_array(loader *ld, const cJSON *obj, const char *where, const char *key, int *n)
{
    *n = 0;
    const cJSON *it = get_item(ld, obj, where, key);
    if (it && !cJSON_IsArray(it)) {
        fail(ld, where, key, "expected an array");
        return NULL;
    }
    if (it)
        *n = cJSON_GetArraySize(it);
    return it;
}

/* A number, or null for NAN. */
static void get_double(loader *ld, const cJSON *obj, const char *where, const char *key, double *out)
{
    const cJSON *it = get_item(ld, obj, where, key);
    if (!it)
        return;
    if (cJSON_IsNull(it))
        *out = NAN;
    else if (cJSON_IsNumber(it))
        *out = it->valuedouble;
    else
        fail(ld, where, key, "expected a number or null");
}

/* Keys added after the first files were written: absent leaves the default. */
static bool has(const cJSON *obj, const char *key)
{
    return obj && cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}

static void get_int(loader *ld, const cJSON *obj, const char *where, const char *key, int *out)
{
    const cJSON *it = get_item(ld, obj, where, key);
    if (!it)
        return;
    double v = it->valuedouble;
    if (!cJSON_IsNumber(it) || v != floor(v) || v < INT_MIN || v > INT_MAX) {
        fail(ld, where, key, "expected an integer");
        return;
    }
    *out = (int)v;
}

static void get_bool(loader *ld, const cJSON *obj, const char *where, const char *key, bool *out)
{
    const cJSON *it = get_item(ld, obj, where, key);
    if (!it)
        return;
    if (!cJSON_IsBool(it)) {
        fail(ld, where, key, "expected true or false");
        return;
    }
    *out = cJSON_IsTrue(it);
}

/* A string, or null for "". One that does not fit buf is an error: concur never writes one. */
static void get_string(loader *ld, const cJSON *obj, const char *where, const char *key, char *buf,
                       size_t len)
{
    const cJSON *it = get_item(ld, obj, where, key);
    if (!it)
        return;
    if (cJSON_IsNull(it)) {
        buf[0] = '\0';
        return;
    }
    if (!cJSON_IsString(it)) {
        fail(ld, where, key, "expected a string or null");
        return;
    }
    size_t n = strlen(it->valuestring);
    if (n >= len) {
        fail(ld, where, key, "string of %zu bytes, longer than the %zu concur keeps", n, len - 1);
        return;
    }
    memcpy(buf, it->valuestring, n + 1);
}

static void get_mode(loader *ld, const cJSON *obj, const char *where, const char *key, run_mode *out)
{
    char name[32] = "";
    get_string(ld, obj, where, key, name, sizeof(name));
    if (!ld->failed && mode_parse(name, out) < 0)
        fail(ld, where, key, "unknown mode '%s' (expected %s)", name, mode_names_list());
}

static void get_level(loader *ld, const cJSON *obj, const char *where, const char *key, counters_level *out)
{
    char name[32] = "";
    get_string(ld, obj, where, key, name, sizeof(name));
    if (ld->failed)
        return;
    /* By name, not counters_parse_level: "auto" is an option, never a level that was used. */
    const counters_level levels[] = {COUNTERS_KERNEL, COUNTERS_SOFTWARE, COUNTERS_HARDWARE};
    for (size_t i = 0; i < ARRAY_LEN(levels); i++) {
        if (strcmp(name, counters_level_name(levels[i])) == 0) {
            *out = levels[i];
            return;
        }
    }
    fail(ld, where, key, "unknown counter level '%s'", name);
}

static void get_backend(loader *ld, const cJSON *obj, const char *where, const char *key,
                        counters_backend *out)
{
    char name[32] = "";
    get_string(ld, obj, where, key, name, sizeof(name));
    if (ld->failed)
        return;
    const counters_backend backends[] = {COUNTERS_BACKEND_RUSAGE, COUNTERS_BACKEND_PERF, COUNTERS_BACKEND_PAPI};
    for (size_t i = 0; i < ARRAY_LEN(backends); i++) {
        if (strcmp(name, counters_backend_name(backends[i])) == 0) {
            *out = backends[i];
            return;
        }
    }
    fail(ld, where, key, "unknown counter backend '%s'", name);
}

static void get_status(loader *ld, const cJSON *obj, const char *where, const char *key, run_status *out)
{
    char name[32] = "";
    get_string(ld, obj, where, key, name, sizeof(name));
    if (!ld->failed && results_parse_status(name, out) < 0)
        fail(ld, where, key, "unknown run status '%s'", name);
}

static void get_ci_method(loader *ld, const cJSON *obj, const char *where, const char *key,
                          stats_ci_method *out)
{
    char name[32] = "";
    get_string(ld, obj, where, key, name, sizeof(name));
    if (ld->failed)
        return;
    if (stats_parse_ci_method(name, out) < 0)
        fail(ld, where, key, "unknown interval method '%s'", name);
}

static void load_stats_summary(loader *ld, const cJSON *obj, const char *where, const char *key,
                               stats_summary *s)
{
    const cJSON *o = get_object(ld, obj, where, key);
    char w[64];
    util_fmt(w, sizeof(w), "%s.%s", where, key);
    get_int(ld, o, w, "n", &s->n);
    for (size_t i = 0; i < ARRAY_LEN(summary_fields); i++)
        get_double(ld, o, w, summary_fields[i].key, (double *)((char *)s + summary_fields[i].offset));
}

static void load_machine(loader *ld, const cJSON *root, results *r)
{
    topology_info *m = &r->machine;
    const cJSON *o = get_object(ld, root, "", "machine");
    get_string(ld, o, "machine", "cpu_model", m->cpu_model, sizeof(m->cpu_model));
    get_int(ld, o, "machine", "packages", &m->packages);
    get_int(ld, o, "machine", "numa_nodes", &m->numa_nodes);
    get_int(ld, o, "machine", "cores", &m->cores);
    get_int(ld, o, "machine", "pus", &m->pus);
    get_bool(ld, o, "machine", "synthetic", &m->synthetic);
    get_string(ld, o, "machine", "synthetic_desc", m->synthetic_desc, sizeof(m->synthetic_desc));
    get_double(ld, o, "machine", "memory_bytes", &m->memory_bytes);
    if (has(o, "capacity_start"))
        get_double(ld, o, "machine", "capacity_start", &m->capacity_start);
    if (has(o, "capacity_end"))
        get_double(ld, o, "machine", "capacity_end", &m->capacity_end);

    python_info *p = &r->python;
    const cJSON *py = get_object(ld, o, "machine", "python");
    get_string(ld, py, "machine.python", "requested", p->requested, sizeof(p->requested));
    get_string(ld, py, "machine.python", "executable", p->executable, sizeof(p->executable));
    get_string(ld, py, "machine.python", "version", p->version, sizeof(p->version));
    get_string(ld, py, "machine.python", "implementation", p->implementation, sizeof(p->implementation));
    const cJSON *gil = get_item(ld, py, "machine.python", "gil");
    if (gil && cJSON_IsNull(gil))
        p->gil = -1;
    else if (gil && cJSON_IsBool(gil))
        p->gil = cJSON_IsTrue(gil) ? 1 : 0;
    else if (gil)
        fail(ld, "machine.python", "gil", "expected true, false or null");
}

/* "dask", where mode dask was measured (files without it, or null: not). */
static void load_dask(loader *ld, const cJSON *root, dask_cluster_info *d)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "dask");
    if (!cJSON_IsObject(o))
        return;
    d->asked = true;
    get_string(ld, o, "dask", "distributed", d->version, sizeof(d->version));
    if (has(o, "scheduler") && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "scheduler")))
        get_string(ld, o, "dask", "scheduler", d->scheduler, sizeof(d->scheduler));
    get_int(ld, o, "dask", "workers", &d->workers);
    get_int(ld, o, "dask", "threads", &d->threads);
    get_int(ld, o, "dask", "hosts", &d->nhosts);
    get_string(ld, o, "dask", "host_names", d->hosts, sizeof(d->hosts));
}

static void load_counters_probe(loader *ld, const cJSON *root, counters_probe *c)
{
    const cJSON *o = get_object(ld, root, "", "counters");
    get_level(ld, o, "counters", "level", &c->level);
    get_backend(ld, o, "counters", "backend", &c->backend);
    get_string(ld, o, "counters", "why", c->why, sizeof(c->why));

    int n;
    const cJSON *events = get_array(ld, o, "counters", "events", &n);
    if (n > COUNTERS_MAX_EVENTS)
        fail(ld, "counters", "events", "%d events, more than the %d concur records", n, COUNTERS_MAX_EVENTS);
    for (int i = 0; !ld->failed && i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(events, i);
        if (!cJSON_IsString(e) || strlen(e->valuestring) >= sizeof(c->events[i])) {
            fail(ld, "counters", "events", "entry %d is not an event name", i);
            break;
        }
        memcpy(c->events[i], e->valuestring, strlen(e->valuestring) + 1);
        c->nevents = i + 1;
    }

    const cJSON *tried = get_array(ld, o, "counters", "tried", &n);
    if (n > COUNTERS_MAX_TRIED)
        fail(ld, "counters", "tried", "%d attempts, more than the %d concur records", n, COUNTERS_MAX_TRIED);
    for (int i = 0; !ld->failed && i < n; i++) {
        counters_attempt *a = &c->tried[i];
        const cJSON *t = cJSON_GetArrayItem(tried, i);
        char w[32];
        util_fmt(w, sizeof(w), "counters.tried[%d]", i);
        if (!cJSON_IsObject(t)) {
            fail(ld, w, "", "expected an object");
            break;
        }
        get_level(ld, t, w, "level", &a->level);
        get_backend(ld, t, w, "backend", &a->backend);
        get_bool(ld, t, w, "ok", &a->ok);
        get_string(ld, t, w, "detail", a->detail, sizeof(a->detail));
        c->ntried = i + 1;
    }
}

static void get_count_or_null(loader *ld, const cJSON *o, const char *w, const char *key,
                              int *out);

static void load_placement(loader *ld, const cJSON *obj, const char *where, run_result *run)
{
    int n;
    const cJSON *arr = get_array(ld, obj, where, "placement", &n);
    if (ld->failed || n == 0)
        return;
    run->placement = xcalloc((size_t)n, sizeof(*run->placement));
    run->nplacement = n;
    for (int i = 0; !ld->failed && i < n; i++) {
        run_placement *pl = &run->placement[i];
        const cJSON *p = cJSON_GetArrayItem(arr, i);
        char w[64];
        util_fmt(w, sizeof(w), "%s.placement[%d]", where, i);
        if (!cJSON_IsObject(p)) {
            fail(ld, w, "", "expected an object");
            break;
        }
        int pid = 0, tid = 0;
        get_int(ld, p, w, "worker", &pl->worker);
        get_int(ld, p, w, "pid", &pid);
        get_int(ld, p, w, "tid", &tid);
        get_int(ld, p, w, "pu_planned", &pl->pu_planned);
        get_int(ld, p, w, "pu", &pl->pu);
        get_int(ld, p, w, "core", &pl->core);
        get_string(ld, p, w, "cpus_allowed", pl->cpus_allowed, sizeof(pl->cpus_allowed));
        get_count_or_null(ld, p, w, "native_threads", &pl->native_threads);
        pl->pid = (pid_t)pid;
        pl->tid = (pid_t)tid;
    }
}

/* One states object as write_states writes it. The fractions must be there (numbers or null) but
 * are not read: the counts hold the same information without rounding. */
static void load_states_object(loader *ld, const cJSON *o, const char *w, state_hist *h)
{
    if (ld->failed)
        return;
    if (!cJSON_IsObject(o)) {
        fail(ld, w, "", "expected an object");
        return;
    }
    get_double(ld, o, w, "samples", &h->total);
    for (int st = 0; st < TS_COUNT; st++) {
        double fraction;
        get_double(ld, o, w, state_keys[st], &fraction);
    }
    char wc[96];
    util_fmt(wc, sizeof(wc), "%s.counts", w);
    const cJSON *c = get_object(ld, o, w, "counts");
    for (int st = 0; st < TS_COUNT; st++)
        get_double(ld, c, wc, state_keys[st], &h->counts[st]);
}

static void load_states(loader *ld, const cJSON *obj, const char *where, const char *key, state_hist *h)
{
    const cJSON *o = get_item(ld, obj, where, key);
    char w[96];
    util_fmt(w, sizeof(w), "%s.%s", where, key);
    if (o)
        load_states_object(ld, o, w, h);
}

/* An integer or null (-1) under key, where the file has it (older files do not): else -1. */
static void get_count_or_null(loader *ld, const cJSON *o, const char *w, const char *key, int *out)
{
    *out = -1;
    const cJSON *it = has(o, key) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    if (it && !cJSON_IsNull(it))
        get_int(ld, o, w, key, out);
}

/* A limit or null (0), where the file has it. */
static void get_limit(loader *ld, const cJSON *o, const char *w, const char *key, int *out)
{
    get_count_or_null(ld, o, w, key, out);
    if (*out < 0)
        *out = 0;
}

/* What write_run_native wrote; files written before concur saw native pools leave unknowns. */
static void load_run_native(loader *ld, const cJSON *o, const char *w, run_result *run)
{
    get_limit(ld, o, w, "native_limit", &run->native_limit);
    get_count_or_null(ld, o, w, "native_threads", &run->native_threads);
    run->threadpoolctl = -1;
    const cJSON *tpc = cJSON_GetObjectItemCaseSensitive(o, "threadpoolctl");
    if (cJSON_IsBool(tpc))
        run->threadpoolctl = cJSON_IsTrue(tpc) ? 1 : 0;
    run->nthreadpools = -1;
    const cJSON *pools = cJSON_GetObjectItemCaseSensitive(o, "threadpools");
    if (cJSON_IsArray(pools)) {
        run->nthreadpools = 0;
        const cJSON *p;
        cJSON_ArrayForEach(p, pools)
        {
            if (run->nthreadpools >= RUN_THREADPOOLS || ld->failed)
                break;
            run_threadpool *t = &run->threadpools[run->nthreadpools++];
            char pw[96];
            util_fmt(pw, sizeof(pw), "%s.threadpools", w);
            get_string(ld, p, pw, "user_api", t->user_api, sizeof(t->user_api));
            get_string(ld, p, pw, "internal_api", t->internal_api, sizeof(t->internal_api));
            get_string(ld, p, pw, "version", t->version, sizeof(t->version));
            get_string(ld, p, pw, "threading_layer", t->threading_layer,
                       sizeof(t->threading_layer));
            get_count_or_null(ld, p, pw, "num_threads", &t->num_threads);
        }
    }
    run->cpu_native_s = run->cpu_interp_s = NAN;
    if (has(o, "native_cpu_s"))
        get_double(ld, o, w, "native_cpu_s", &run->cpu_native_s);
    if (has(o, "interp_cpu_s"))
        get_double(ld, o, w, "interp_cpu_s", &run->cpu_interp_s);
    if (has(o, "native_states"))
        load_states(ld, o, w, "native_states", &run->native_states);
}

static void load_sampler(loader *ld, const cJSON *obj, const char *where, run_result *run)
{
    load_states(ld, obj, where, "states", &run->states);
    load_states(ld, obj, where, "other_states", &run->other_states);

    int n;
    const cJSON *arr = get_array(ld, obj, where, "worker_states", &n);
    if (!ld->failed && n > 0) {
        run->worker_states = xcalloc((size_t)n, sizeof(*run->worker_states));
        run->nworker_states = n;
        for (int i = 0; !ld->failed && i < n; i++) {
            char w[96];
            util_fmt(w, sizeof(w), "%s.worker_states[%d]", where, i);
            load_states_object(ld, cJSON_GetArrayItem(arr, i), w, &run->worker_states[i]);
        }
    }

    char w[96];
    util_fmt(w, sizeof(w), "%s.sampler", where);
    const cJSON *sm = get_object(ld, obj, where, "sampler");
    get_int(ld, sm, w, "rounds", &run->sampler_rounds);
    get_double(ld, sm, w, "interval_s", &run->sampler_interval_s);
    get_double(ld, sm, w, "cpu_s", &run->sampler_cpu_s);
    get_bool(ld, sm, w, "gil_distinguished", &run->gil_distinguished);
}

/* The command names of the escaped processes a run killed: at most RUN_ESCAPED_COMMANDS strings of
 * fewer than RUN_COMMAND_LEN bytes, as concur writes them. */
static void load_escaped_commands(loader *ld, const cJSON *o, const char *w, run_result *run)
{
    int n;
    const cJSON *a = get_array(ld, o, w, "escaped_commands", &n);
    if (n > RUN_ESCAPED_COMMANDS)
        fail(ld, w, "escaped_commands", "%d entries, more than the %d concur records", n,
             RUN_ESCAPED_COMMANDS);
    for (int i = 0; !ld->failed && i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsString(e) || strlen(e->valuestring) >= RUN_COMMAND_LEN) {
            fail(ld, w, "escaped_commands", "entry %d is not a command name concur writes", i);
            return;
        }
        memcpy(run->escaped_commands[i], e->valuestring, strlen(e->valuestring) + 1);
        run->nescaped_commands = i + 1;
    }
}

/* An array of at most max integers into out; *n gets how many. */
static void load_int_list(loader *ld, const cJSON *o, const char *w, const char *key, int *out,
                          int max, int *n)
{
    int len;
    const cJSON *arr = get_array(ld, o, w, key, &len);
    *n = 0;
    for (int i = 0; arr && i < len && *n < max; i++) {
        const cJSON *x = cJSON_GetArrayItem(arr, i);
        if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble)) {
            fail(ld, w, key, "expected integers");
            return;
        }
        out[(*n)++] = x->valueint;
    }
}

static void load_program_run(loader *ld, const cJSON *o, const char *w, program_run *g)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "program");
    if (p == NULL || cJSON_IsNull(p))
        return;
    char wp[64];
    util_fmt(wp, sizeof(wp), "%s.program", w);
    g->known = true;
    get_int(ld, p, wp, "exit_code", &g->exit_code);
    get_double(ld, p, wp, "before_s", &g->before_s);
    get_double(ld, p, wp, "after_s", &g->after_s);
    get_int(ld, p, wp, "npools", &g->npools);
    int n = 0;
    const cJSON *pools = get_array(ld, p, wp, "pools", &n);
    for (int i = 0; i < n && i < PROGRAM_MAX_POOLS; i++) {
        const cJSON *q = cJSON_GetArrayItem(pools, i);
        program_pool *pp = &g->pools[i];
        get_string(ld, q, wp, "kind", pp->kind, sizeof(pp->kind));
        get_string(ld, q, wp, "site", pp->site, sizeof(pp->site));
        get_int(ld, q, wp, "asked", &pp->asked);
        get_bool(ld, q, wp, "asked_default", &pp->asked_default);
        get_int(ld, q, wp, "tasks", &pp->tasks);
    }
    const cJSON *seen = get_array(ld, p, wp, "unswappable", &n);
    for (int i = 0; i < n && g->nseen < PROGRAM_MAX_SEEN; i++) {
        const cJSON *e = cJSON_GetArrayItem(seen, i);
        if (cJSON_IsString(e))
            snprintf(g->seen[g->nseen++], PROGRAM_TEXT_LEN, "%s", e->valuestring);
    }
}

/* What write_loop wrote; files written before coroutine workloads have none of it. */
static void load_loop(loader *ld, const cJSON *o, const char *w, loop_figures *l)
{
    *l = (loop_figures){.blocked_fraction = NAN, .max_step_s = NAN};
    if (has(o, "loop_concurrency"))
        get_int(ld, o, w, "loop_concurrency", &l->concurrency);
    if (!has(o, "loop_blocked_fraction"))
        return;
    l->measured = true;
    get_double(ld, o, w, "loop_blocked_fraction", &l->blocked_fraction);
    get_double(ld, o, w, "loop_max_step_s", &l->max_step_s);
    get_int(ld, o, w, "loop_one_step_tasks", &l->one_step_tasks);
    get_int(ld, o, w, "loop_pending_cancelled", &l->pending_cancelled);
    int n;
    const cJSON *a = get_array(ld, o, w, "loop_longest_steps", &n);
    for (int i = 0; a && i < n && l->nlongest < LOOP_LONGEST && !ld->failed; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, i);
        char wx[64];
        util_fmt(wx, sizeof(wx), "%s.loop_longest_steps[%d]", w, i);
        get_int(ld, x, wx, "task", &l->longest_tasks[l->nlongest]);
        get_double(ld, x, wx, "step_s", &l->longest_s[l->nlongest]);
        l->nlongest++;
    }
}

static void load_run(loader *ld, const cJSON *o, const char *w, run_result *run)
{
    get_mode(ld, o, w, "mode", &run->mode);
    get_int(ld, o, w, "workers", &run->workers);
    get_int(ld, o, w, "repeat", &run->repeat);
    get_int(ld, o, w, "chunksize", &run->chunksize);
    get_string(ld, o, w, "start_method", run->start_method, sizeof(run->start_method));
    get_bool(ld, o, w, "variant", &run->variant);
    if (has(o, "warmup"))
        get_bool(ld, o, w, "warmup", &run->warmup);
    get_status(ld, o, w, "status", &run->status);
    get_string(ld, o, w, "error", run->error, sizeof(run->error));
    get_string(ld, o, w, "traceback", run->traceback, sizeof(run->traceback));
    get_int(ld, o, w, "exit_code", &run->exit_code);
    if (has(o, "setup_hung")) /* older files do not have it */
        get_bool(ld, o, w, "setup_hung", &run->setup_hung);
    if (has(o, "hung")) /* nor this */
        get_bool(ld, o, w, "hung", &run->hung);
    if (has(o, "escaped_killed")) /* nor these */
        get_int(ld, o, w, "escaped_killed", &run->escaped_killed);
    if (has(o, "escaped_commands"))
        load_escaped_commands(ld, o, w, run);
    get_double(ld, o, w, "wall_s", &run->wall_s);
    get_double(ld, o, w, "startup_s", &run->startup_s);
    run->teardown_s = NAN; /* older files do not have it */
    if (has(o, "teardown_s"))
        get_double(ld, o, w, "teardown_s", &run->teardown_s);
    run->first_ready_s = NAN; /* nor this */
    if (has(o, "first_ready_s"))
        get_double(ld, o, w, "first_ready_s", &run->first_ready_s);
    get_double(ld, o, w, "harness_s", &run->harness_s);
    run->cluster_start_s = NAN; /* mode dask's; older files do not have it */
    if (has(o, "cluster_start_s"))
        get_double(ld, o, w, "cluster_start_s", &run->cluster_start_s);
    run->at_s = run->host_probe_s = run->host_probe_after_s = NAN; /* files written before */
    if (has(o, "at_s"))
        get_double(ld, o, w, "at_s", &run->at_s);
    if (has(o, "host_probe_s"))
        get_double(ld, o, w, "host_probe_s", &run->host_probe_s);
    if (has(o, "host_probe_after_s"))
        get_double(ld, o, w, "host_probe_after_s", &run->host_probe_after_s);
    run->drift_factor = run->pace_factor = 1.0; /* what the summary below was worked out with */
    if (has(o, "drift_factor"))
        get_double(ld, o, w, "drift_factor", &run->drift_factor);
    if (has(o, "pace_factor"))
        get_double(ld, o, w, "pace_factor", &run->pace_factor);
    get_double(ld, o, w, "cpu_s", &run->cpu_s);
    get_double(ld, o, w, "cpu_utilization", &run->cpu_utilization);

    char wc[64];
    util_fmt(wc, sizeof(wc), "%s.counters", w);
    const cJSON *c = get_object(ld, o, w, "counters");
    for (size_t i = 0; i < ARRAY_LEN(counter_fields); i++)
        get_double(ld, c, wc, counter_fields[i].key,
                   (double *)((char *)&run->counters + counter_fields[i].offset));

    get_double(ld, o, w, "peak_rss_bytes", &run->peak_rss_bytes);
    get_double(ld, o, w, "io_read_bytes", &run->io_read_bytes);
    get_double(ld, o, w, "io_write_bytes", &run->io_write_bytes);
    get_int(ld, o, w, "tasks", &run->tasks);
    get_int(ld, o, w, "tasks_ok", &run->tasks_ok);
    get_int(ld, o, w, "tasks_failed", &run->tasks_failed);
    run->scale = 1.0;
    if (has(o, "sample_of") && !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "sample_of")))
        get_int(ld, o, w, "sample_of", &run->sample_of);
    if (has(o, "scale"))
        get_double(ld, o, w, "scale", &run->scale);
    if (has(o, "scale_se"))
        get_double(ld, o, w, "scale_se", &run->scale_se);
    load_stats_summary(ld, o, w, "task_wall_s", &run->task_wall);
    load_stats_summary(ld, o, w, "task_cpu_s", &run->task_cpu);
    if (has(o, "results_compared")) { /* files written before results were compared have none */
        get_int(ld, o, w, "results_compared", &run->results_compared);
        get_int(ld, o, w, "results_differ", &run->results_differ);
        get_int(ld, o, w, "results_raised", &run->results_raised);
        load_int_list(ld, o, w, "results_differ_tasks", run->differ_tasks, RESULTS_DIFFER_TASKS,
                      &run->ndiffer_tasks);
    }

    const cJSON *p = get_item(ld, o, w, "pickle");
    if (p && cJSON_IsNull(p)) {
        run->pickle_arg_bytes = run->pickle_result_bytes = NAN;
        run->pickle_sampled = 0;
    } else if (p && cJSON_IsObject(p)) {
        char wp[64];
        util_fmt(wp, sizeof(wp), "%s.pickle", w);
        get_double(ld, p, wp, "arg_bytes", &run->pickle_arg_bytes);
        get_double(ld, p, wp, "result_bytes", &run->pickle_result_bytes);
        get_int(ld, p, wp, "sampled", &run->pickle_sampled);
    } else if (p) {
        fail(ld, w, "pickle", "expected an object or null");
    }

    load_program_run(ld, o, w, &run->program);
    load_placement(ld, o, w, run);
    load_sampler(ld, o, w, run);
    load_run_native(ld, o, w, run);
    load_loop(ld, o, w, &run->loop);
}

/* results_check: whether the results were compared; older files have none (unchecked). */
static void load_results_check(loader *ld, const cJSON *root, results *r)
{
    r->check = RESULTS_UNCHECKED;
    r->check_task = -1;
    if (!has(root, "results_check"))
        return;
    const cJSON *c = get_object(ld, root, "", "results_check");
    char name[32] = "";
    get_string(ld, c, "results_check", "state", name, sizeof(name));
    if (!ld->failed && results_parse_check(name, &r->check) < 0)
        fail(ld, "results_check", "state", "unknown state '%s'", name);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "task");
    if (t && !cJSON_IsNull(t))
        get_int(ld, c, "results_check", "task", &r->check_task);
}

static void load_runs(loader *ld, const cJSON *root, results *r)
{
    int n;
    const cJSON *runs = get_array(ld, root, "", "runs", &n);
    if (ld->failed || n == 0)
        return;
    r->runs = xcalloc((size_t)n, sizeof(*r->runs));
    r->runs_cap = n;
    for (int i = 0; !ld->failed && i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(runs, i);
        char w[32];
        util_fmt(w, sizeof(w), "runs[%d]", i);
        r->nruns = i + 1; /* counted before it is filled, so that results_free sees its placement */
        if (!cJSON_IsObject(o)) {
            fail(ld, w, "", "expected an object");
            break;
        }
        load_run(ld, o, w, &r->runs[i]);
    }
}

/* Strictly a positive decimal integer: the keys under summary.<mode>. Other keys there, and modes
 * this version does not know, are skipped like any unknown key. */
static int parse_workers(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno || v < 1 || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* What write_config wrote. */
static void load_config(loader *ld, const cJSON *c, const char *w, config_summary *s)
{
    get_limit(ld, c, w, "native_limit", &s->native_limit);
    s->native_threads = s->native_cpu_share = NAN;
    if (has(c, "native_threads"))
        get_double(ld, c, w, "native_threads", &s->native_threads);
    if (has(c, "native_cpu_share"))
        get_double(ld, c, w, "native_cpu_share", &s->native_cpu_share);
    get_int(ld, c, w, "chunksize", &s->chunksize);
    get_string(ld, c, w, "start_method", s->start_method, sizeof(s->start_method));
    get_double(ld, c, w, "wall_s", &s->wall_s);
    get_double(ld, c, w, "ci_low_s", &s->ci_low_s);
    get_double(ld, c, w, "ci_high_s", &s->ci_high_s);
    get_ci_method(ld, c, w, "ci_method", &s->ci_method);
    s->precision = NAN;
    if (has(c, "precision"))
        get_double(ld, c, w, "precision", &s->precision);
    if (has(c, "sample_tasks"))
        get_int(ld, c, w, "sample_tasks", &s->sample_tasks);
    if (has(c, "sample_se"))
        get_double(ld, c, w, "sample_se", &s->sample_se);
    if (has(c, "outliers")) {
        int n;
        const cJSON *out = get_array(ld, c, w, "outliers", &n);
        for (int i = 0; out && i < n && s->noutliers < (int)ARRAY_LEN(s->outliers); i++) {
            const cJSON *x = cJSON_GetArrayItem(out, i);
            if (!cJSON_IsNumber(x)) {
                fail(ld, w, "outliers", "expected repeat numbers");
                break;
            }
            s->outliers[s->noutliers++] = x->valueint;
        }
    }
    get_double(ld, c, w, "speedup", &s->speedup);
    get_double(ld, c, w, "speedup_low", &s->speedup_low);
    get_double(ld, c, w, "speedup_high", &s->speedup_high);
    /* The task phase: files written before it was kept have none. */
    double *task[] = {&s->task_s, &s->task_ci_low_s, &s->task_ci_high_s, &s->task_speedup,
                      &s->task_speedup_low, &s->task_speedup_high};
    const char *task_keys[] = {"task_s", "task_ci_low_s", "task_ci_high_s", "task_speedup",
                               "task_speedup_low", "task_speedup_high"};
    for (size_t i = 0; i < ARRAY_LEN(task); i++) {
        *task[i] = NAN;
        if (has(c, task_keys[i]))
            get_double(ld, c, w, task_keys[i], task[i]);
    }
    get_int(ld, c, w, "runs_ok", &s->runs_ok);
    get_int(ld, c, w, "runs_failed", &s->runs_failed);
    get_double(ld, c, w, "cpu_utilization", &s->cpu_utilization);
    get_double(ld, c, w, "startup_s", &s->startup_s);
    s->cluster_start_s = NAN;
    if (has(c, "cluster_start_s"))
        get_double(ld, c, w, "cluster_start_s", &s->cluster_start_s);
    get_double(ld, c, w, "pool_overhead_per_task_s", &s->pool_overhead_per_task);
    get_double(ld, c, w, "pickle_bytes_per_task", &s->pickle_bytes_per_task);
    get_double(ld, c, w, "peak_rss_bytes", &s->peak_rss_bytes);
    get_double(ld, c, w, "efficiency", &s->efficiency);
    get_double(ld, c, w, "gil_penalty", &s->gil_penalty);
    get_double(ld, c, w, "state_samples", &s->state_samples);
    for (int st = 0; st < TS_COUNT; st++)
        get_double(ld, c, w, fraction_keys[st], results_fraction(s, st));
    get_bool(ld, c, w, "gil_distinguished", &s->gil_distinguished);
    get_double(ld, c, w, "ipc", &s->ipc);
    get_double(ld, c, w, "llc_mpki", &s->llc_mpki);
    if (has(c, "unsafe")) { /* files written before results were compared have none */
        get_int(ld, c, w, "results_compared", &s->results_compared);
        get_int(ld, c, w, "results_differ", &s->results_differ);
        get_int(ld, c, w, "results_raised", &s->results_raised);
        get_bool(ld, c, w, "unsafe", &s->unsafe);
        get_string(ld, c, w, "unsafe_reason", s->unsafe_reason, sizeof(s->unsafe_reason));
    }
    load_loop(ld, c, w, &s->loop);
}

static void load_summary(loader *ld, const cJSON *root, results *r)
{
    const cJSON *o = get_object(ld, root, "", "summary");
    int nvariants = 0;
    const cJSON *variants = get_array(ld, root, "", "variants", &nvariants);
    if (!o || ld->failed)
        return;
    int total = nvariants;
    const cJSON *mode_obj;
    cJSON_ArrayForEach(mode_obj, o)
        total += cJSON_GetArraySize(mode_obj);
    if (total == 0)
        return;
    r->summary = xcalloc((size_t)total, sizeof(*r->summary));

    cJSON_ArrayForEach(mode_obj, o) {
        run_mode mode;
        if (mode_parse(mode_obj->string, &mode) < 0 || !cJSON_IsObject(mode_obj))
            continue; /* a mode or a note a later version added */
        const cJSON *c;
        cJSON_ArrayForEach(c, mode_obj) {
            char w[64];
            util_fmt(w, sizeof(w), "summary.%s.%s", mode_obj->string, c->string);
            config_summary *s = &r->summary[r->nsummary];
            if (parse_workers(c->string, &s->workers) < 0)
                continue;
            if (!cJSON_IsObject(c)) {
                fail(ld, w, "", "expected an object");
                return;
            }
            s->mode = mode;
            load_config(ld, c, w, s);
            if (ld->failed)
                return;
            r->nsummary++;
        }
    }
    for (int i = 0; i < nvariants; i++) {
        const cJSON *c = cJSON_GetArrayItem(variants, i);
        char w[32];
        util_fmt(w, sizeof(w), "variants[%d]", i);
        if (!cJSON_IsObject(c)) {
            fail(ld, w, "", "expected an object");
            return;
        }
        config_summary *s = &r->summary[r->nsummary];
        s->variant = true;
        get_mode(ld, c, w, "mode", &s->mode);
        get_int(ld, c, w, "workers", &s->workers);
        load_config(ld, c, w, s);
        if (ld->failed)
            return;
        r->nsummary++;
    }
}

/* null: not classified yet. Otherwise every key write_classification writes. */
static void load_classification(loader *ld, const cJSON *root, classification *c)
{
    const cJSON *o = get_item(ld, root, "", "classification");
    if (!o || cJSON_IsNull(o))
        return;
    if (!cJSON_IsObject(o)) {
        fail(ld, "", "classification", "expected an object or null");
        return;
    }
    const char *w = "classification";
    char name[32] = "";
    get_string(ld, o, w, "kind", name, sizeof(name));
    if (!ld->failed && classify_parse_kind(name, &c->kind) < 0)
        fail(ld, w, "kind", "unknown kind '%s'", name);
    get_string(ld, o, w, "gil", name, sizeof(name));
    if (!ld->failed && classify_parse_gil(name, &c->gil) < 0)
        fail(ld, w, "gil", "unknown GIL behaviour '%s'", name);
    get_double(ld, o, w, "confidence", &c->confidence);

    const cJSON *mb = get_item(ld, o, w, "memory_bound");
    if (mb && cJSON_IsNull(mb))
        c->memory_bound = -1;
    else if (mb && cJSON_IsBool(mb))
        c->memory_bound = cJSON_IsTrue(mb) ? 1 : 0;
    else if (mb)
        fail(ld, w, "memory_bound", "expected true, false or null");
    const cJSON *nt = cJSON_GetObjectItemCaseSensitive(o, "native_threaded"); /* newer files */
    c->native_threaded = cJSON_IsBool(nt) ? (cJSON_IsTrue(nt) ? 1 : 0) : -1;

    int n;
    const cJSON *ev = get_array(ld, o, w, "evidence", &n);
    if (n > CLASSIFY_MAX_EVIDENCE)
        fail(ld, w, "evidence", "%d lines, more than the %d concur records", n, CLASSIFY_MAX_EVIDENCE);
    for (int i = 0; !ld->failed && i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(ev, i);
        if (!cJSON_IsString(e) || strlen(e->valuestring) >= sizeof(c->evidence[i])) {
            fail(ld, w, "evidence", "entry %d is not a sentence concur writes", i);
            break;
        }
        memcpy(c->evidence[i], e->valuestring, strlen(e->valuestring) + 1);
        c->nevidence = i + 1;
    }
}

/* A list of sentences of at most ADVISE_TEXT_LEN - 1 bytes, at most max of them. */
static void get_strings(loader *ld, const cJSON *obj, const char *where, const char *key,
                        char (*list)[ADVISE_TEXT_LEN], int max, int *n)
{
    int len;
    const cJSON *a = get_array(ld, obj, where, key, &len);
    *n = 0;
    if (len > max)
        fail(ld, where, key, "%d entries, more than the %d concur records", len, max);
    for (int i = 0; !ld->failed && i < len; i++) {
        const cJSON *e = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsString(e) || strlen(e->valuestring) >= ADVISE_TEXT_LEN) {
            fail(ld, where, key, "entry %d is not a sentence concur writes", i);
            return;
        }
        memcpy(list[i], e->valuestring, strlen(e->valuestring) + 1);
        *n = i + 1;
    }
}

static void load_option(loader *ld, const cJSON *o, const char *w, advise_option *opt)
{
    get_mode(ld, o, w, "model", &opt->mode);
    get_int(ld, o, w, "workers", &opt->workers);
    get_int(ld, o, w, "chunksize", &opt->chunksize);
    get_string(ld, o, w, "start_method", opt->start_method, sizeof(opt->start_method));
    get_limit(ld, o, w, "native_limit", &opt->native_limit);
    if (has(o, "concurrency")) /* files written before processes x asyncio have none */
        get_int(ld, o, w, "concurrency", &opt->concurrency);
}

static void load_scaling(loader *ld, const cJSON *o, const char *w, advise_scaling *sc)
{
    usl_fit *f = &sc->fit;
    get_bool(ld, o, w, "fitted", &f->fitted);
    get_double(ld, o, w, "sigma", &f->sigma);
    get_double(ld, o, w, "kappa", &f->kappa);
    get_double(ld, o, w, "lambda", &f->lambda);
    get_double(ld, o, w, "r_squared", &f->r_squared);
    get_double(ld, o, w, "rmse", &f->rmse);
    get_int(ld, o, w, "points", &f->npoints);
    get_int(ld, o, w, "max_workers", &f->max_workers);
    get_double(ld, o, w, "peak_workers", &f->peak_workers);
    if (f->fitted && isnan(f->peak_workers))
        f->peak_workers = INFINITY; /* JSON has no infinity: a curve that never peaks */
    get_string(ld, o, w, "fit_note", f->note, sizeof(f->note));
    get_double(ld, o, w, "predicted_speedup", &sc->predicted);
    get_string(ld, o, w, "note", sc->note, sizeof(sc->note));
}

/* null: no recommendation yet. Otherwise every key write_recommendation writes. */
static void load_recommendation(loader *ld, const cJSON *root, recommendation *rec)
{
    const cJSON *o = get_item(ld, root, "", "recommendation");
    if (!o || cJSON_IsNull(o))
        return;
    if (!cJSON_IsObject(o)) {
        fail(ld, "", "recommendation", "expected an object or null");
        return;
    }
    const char *w = "recommendation";
    get_bool(ld, o, w, "made", &rec->made);
    load_option(ld, o, w, &rec->choice);
    get_double(ld, o, w, "expected_speedup", &rec->choice.speedup);
    get_double(ld, o, w, "ci_low", &rec->choice.ci_low);
    get_double(ld, o, w, "ci_high", &rec->choice.ci_high);
    get_bool(ld, o, w, "parallelize", &rec->parallelize);
    get_double(ld, o, w, "confidence", &rec->confidence);
    get_string(ld, o, w, "headline", rec->headline, sizeof(rec->headline));
    get_strings(ld, o, w, "reasons", rec->reasons, ADVISE_MAX_REASONS, &rec->nreasons);

    int n;
    const cJSON *alts = get_array(ld, o, w, "alternatives", &n);
    if (n > ADVISE_MAX_ALTERNATIVES)
        fail(ld, w, "alternatives", "%d entries, more than the %d concur records", n,
             ADVISE_MAX_ALTERNATIVES);
    for (int i = 0; !ld->failed && i < n; i++) {
        const cJSON *x = cJSON_GetArrayItem(alts, i);
        char wa[48];
        util_fmt(wa, sizeof(wa), "%s.alternatives[%d]", w, i);
        if (!cJSON_IsObject(x)) {
            fail(ld, wa, "", "expected an object");
            return;
        }
        advise_option *a = &rec->alternatives[i];
        load_option(ld, x, wa, a);
        get_double(ld, x, wa, "speedup", &a->speedup);
        get_double(ld, x, wa, "ci_low", &a->ci_low);
        get_double(ld, x, wa, "ci_high", &a->ci_high);
        get_string(ld, x, wa, "why", a->why, sizeof(a->why));
        rec->nalternatives = i + 1;
    }
    get_strings(ld, o, w, "notes", rec->notes, ADVISE_MAX_NOTES, &rec->nnotes);
    if (has(o, "beyond")) /* mode dask's; older files do not have these */
        get_strings(ld, o, w, "beyond", rec->beyond, ADVISE_MAX_NOTES, &rec->nbeyond);
    if (has(o, "dask_batch"))
        get_int(ld, o, w, "dask_batch", &rec->dask_batch);

    const cJSON *m = get_object(ld, o, w, "memory");
    get_double(ld, m, "recommendation.memory", "peak_rss_bytes", &rec->peak_rss_bytes);
    get_double(ld, m, "recommendation.memory", "machine_bytes", &rec->machine_memory_bytes);
    get_bool(ld, m, "recommendation.memory", "fits", &rec->memory_fits);

    const cJSON *t = get_item(ld, o, w, "target");
    if (t && cJSON_IsObject(t)) {
        get_int(ld, t, "recommendation.target", "cores", &rec->target_cores);
        const run_mode modes[2] = {MODE_THREADS, MODE_PROCESSES};
        for (int i = 0; i < 2; i++) {
            char wt[48];
            util_fmt(wt, sizeof(wt), "recommendation.target.%s", mode_name(modes[i]));
            rec->scaling[i].mode = modes[i];
            const cJSON *x = get_object(ld, t, "recommendation.target", mode_name(modes[i]));
            if (x)
                load_scaling(ld, x, wt, &rec->scaling[i]);
        }
    } else if (t && !cJSON_IsNull(t)) {
        fail(ld, w, "target", "expected an object or null");
    }
    get_strings(ld, o, w, "open_questions", rec->open_questions, ADVISE_MAX_NOTES, &rec->nopen);
}

/* The schema key decides whether this is a results file at all, before anything else is read. */
static int check_schema(const cJSON *root, const char *path, char *err, size_t errlen)
{
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const char *prefix = "concur.results/";
    if (!cJSON_IsString(schema)) {
        snprintf(err, errlen, "%s: not concur results (no 'schema' string, expected '%s'); give the "
                 "results.json that 'concur run' wrote", path, CONCUR_RESULTS_SCHEMA);
        return -1;
    }
    if (strcmp(schema->valuestring, CONCUR_RESULTS_SCHEMA) == 0)
        return 0;
    if (strncmp(schema->valuestring, prefix, strlen(prefix)) == 0)
        snprintf(err, errlen, "%s: results schema '%s' is not supported (this concur reads '%s'); "
                 "use the concur version that wrote it, or run 'concur run' again",
                 path, schema->valuestring, CONCUR_RESULTS_SCHEMA);
    else
        snprintf(err, errlen, "%s: not concur results (schema '%s', expected '%s'); give the "
                 "results.json that 'concur run' wrote", path, schema->valuestring, CONCUR_RESULTS_SCHEMA);
    return -1;
}

/* Line and column (1-based) of pos in text, for a parse error a person can find. */
static void text_position(const char *text, const char *pos, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; *p && p < pos; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* plan[]: absent in files written before it existed. */
static void load_plan(loader *ld, const cJSON *root, results *r)
{
    if (!has(root, "plan"))
        return;
    int n;
    const cJSON *decisions = get_array(ld, root, "", "plan", &n);
    for (int i = 0; decisions && !ld->failed && i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(decisions, i);
        char w[32], action[16] = "", why[PLAN_WHY_LEN] = "";
        util_fmt(w, sizeof(w), "plan[%d]", i);
        if (!cJSON_IsObject(o)) {
            fail(ld, w, "", "expected an object");
            return;
        }
        run_mode mode = MODE_SINGLE;
        int workers = 0, runs = 0;
        bool variant = false;
        double precision = NAN;
        get_string(ld, o, w, "action", action, sizeof(action));
        get_mode(ld, o, w, "mode", &mode);
        get_int(ld, o, w, "workers", &workers);
        get_bool(ld, o, w, "variant", &variant);
        get_int(ld, o, w, "runs", &runs);
        get_double(ld, o, w, "precision", &precision);
        get_string(ld, o, w, "why", why, sizeof(why));
        plan_action a = PLAN_RAN;
        if (!ld->failed && plan_parse_action(action, &a) < 0) {
            fail(ld, w, "action", "unknown action '%s'", action);
            return;
        }
        if (ld->failed)
            return;
        results_add_plan(r, a, mode, workers, "%s", why);
        r->plan[r->nplan - 1].runs = runs;
        r->plan[r->nplan - 1].variant = variant;
        r->plan[r->nplan - 1].precision = precision;
    }
}

/* -1 with a reason in err: the file cannot be read, is not JSON, is not concur results, or a key is
 * missing or of the wrong type. On failure r is left empty (as results_init leaves it). Keys this
 * version does not know are ignored. */
/* Whether pid is a live concur on this host (a pid reused by another program is not). */
static bool writer_alive(int pid)
{
    if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
        return false;
    char name[256];
    return proc_read_name((pid_t)pid, name, sizeof(name)) == 0 && strstr(name, "concur") != NULL;
}

/* A file still marked running was left by a concur that may have died (kill -9, a crash, the
 * machine going down): its incomplete_reason, "the run is in progress", would be wrong. */
static void note_unfinished(results *r)
{
    if (!r->running || r->complete)
        return;
    char host[64] = "";
    gethostname(host, sizeof(host) - 1);
    const char *at = r->finished_at[0] ? r->finished_at : "its start";
    const char *phase = r->phase[0] ? r->phase : "measuring";
    if (r->writer_host[0] && strcmp(host, r->writer_host) != 0)
        util_fmt(r->incomplete_reason, sizeof(r->incomplete_reason), "the run had not finished "
                 "when this file was last written (%s, %s phase, by concur pid %d on %s)", at, phase,
                 r->writer_pid, r->writer_host);
    else if (writer_alive(r->writer_pid))
        util_fmt(r->incomplete_reason, sizeof(r->incomplete_reason), "the run is still in "
                 "progress (concur pid %d, %s phase; last written %s)", r->writer_pid, phase, at);
    else
        util_fmt(r->incomplete_reason, sizeof(r->incomplete_reason), "the run did not finish: "
                 "concur (pid %d) stopped in its %s phase without writing its end (killed?); "
                 "these are the results as of %s", r->writer_pid, phase, at);
}

int results_load(const char *given, results *r, char *err, size_t errlen)
{
    int rc = -1;
    char *text = NULL;
    cJSON *root = NULL;
    /* The directory 'concur run' wrote stands for its results.json. */
    char in_dir[PATH_MAX];
    struct stat st;
    const char *path = given;
    if (stat(given, &st) == 0 && S_ISDIR(st.st_mode) &&
        snprintf(in_dir, sizeof(in_dir), "%s/results.json", given) < (int)sizeof(in_dir))
        path = in_dir;
    loader ld = {path, err, errlen, false};

    results_init(r);
    size_t len = 0;
    text = util_read_file(path, &len);
    if (!text) {
        int saved = errno;
        snprintf(err, errlen, "%s: cannot read: %s (give the path of a results.json that 'concur run' "
                 "wrote)", path, strerror(saved));
        goto done;
    }
    if (len == 0) {
        snprintf(err, errlen, "%s: the file is empty (an interrupted write? run 'concur run' again)", path);
        goto done;
    }

    const char *end = NULL;
    root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        int line, col;
        text_position(text, end ? end : text, &line, &col);
        snprintf(err, errlen, "%s: not valid JSON (line %d, column %d): the file is truncated or "
                 "damaged; run 'concur run' again", path, line, col);
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "%s: not concur results (the top level is not a JSON object); give the "
                 "results.json that 'concur run' wrote", path);
        goto done;
    }
    if (check_schema(root, path, err, errlen) < 0)
        goto done;

    get_string(&ld, root, "", "concur_version", r->concur_version, sizeof(r->concur_version));
    get_string(&ld, root, "", "started_at", r->started_at, sizeof(r->started_at));
    get_string(&ld, root, "", "finished_at", r->finished_at, sizeof(r->finished_at));
    get_bool(&ld, root, "", "complete", &r->complete);
    get_string(&ld, root, "", "incomplete_reason", r->incomplete_reason, sizeof(r->incomplete_reason));
    if (has(root, "running")) { /* files written before the writer was recorded have none */
        get_bool(&ld, root, "", "running", &r->running);
        get_string(&ld, root, "", "phase", r->phase, sizeof(r->phase));
        const cJSON *wr = get_object(&ld, root, "", "writer");
        double pid = 0;
        get_double(&ld, wr, "writer", "pid", &pid);
        r->writer_pid = (int)pid;
        get_string(&ld, wr, "writer", "host", r->writer_host, sizeof(r->writer_host));
    }

    const cJSON *w = get_object(&ld, root, "", "workload");
    get_string(&ld, w, "workload", "spec", r->workload.spec, sizeof(r->workload.spec));
    get_string(&ld, w, "workload", "path", r->workload.path, sizeof(r->workload.path));
    get_string(&ld, w, "workload", "name", r->workload.name, sizeof(r->workload.name));
    get_string(&ld, w, "workload", "description", r->workload.description, sizeof(r->workload.description));
    get_int(&ld, w, "workload", "tasks", &r->workload.tasks);
    if (has(w, "program")) {
        get_string(&ld, w, "workload", "program", r->workload.program,
                   sizeof(r->workload.program));
        get_string(&ld, w, "workload", "program_args", r->workload.program_args,
                   sizeof(r->workload.program_args));
    }
    if (has(w, "async"))
        get_bool(&ld, w, "workload", "async", &r->workload.coroutine);
    const cJSON *setup = cJSON_GetObjectItemCaseSensitive(w, "setup");
    r->workload.setup = cJSON_IsBool(setup) ? cJSON_IsTrue(setup) : -1;

    load_machine(&ld, root, r);
    load_counters_probe(&ld, root, &r->counters);
    load_dask(&ld, root, &r->dask);

    const cJSON *opt = get_object(&ld, root, "", "options");
    get_string(&ld, opt, "options", "start_method", r->start_method, sizeof(r->start_method));
    get_int(&ld, opt, "options", "repeat", &r->repeat);
    get_double(&ld, opt, "options", "timeout_s", &r->timeout_s);
    if (has(opt, "precision"))
        get_double(&ld, opt, "options", "precision", &r->precision);
    if (has(opt, "max_repeat"))
        get_int(&ld, opt, "options", "max_repeat", &r->max_repeat);
    if (has(opt, "budget_s")) {
        get_double(&ld, opt, "options", "budget_s", &r->budget_s);
        if (isnan(r->budget_s))
            r->budget_s = 0;
    }
    if (has(opt, "sample")) {
        const cJSON *sm = cJSON_GetObjectItemCaseSensitive(opt, "sample");
        if (cJSON_IsString(sm))
            r->sample = strcmp(sm->valuestring, "all") == 0 ? -1 : 0;
        else
            get_int(&ld, opt, "options", "sample", &r->sample);
    }
    if (has(opt, "fixed"))
        get_bool(&ld, opt, "options", "fixed", &r->fixed);
    if (has(opt, "fresh_interpreter"))
        get_bool(&ld, opt, "options", "fresh_interpreter", &r->fresh_interpreter);
    if (has(opt, "chunksize") &&
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(opt, "chunksize")))
        get_int(&ld, opt, "options", "chunksize", &r->chunksize);
    if (has(opt, "back_to_back"))
        get_bool(&ld, opt, "options", "back_to_back", &r->back_to_back);
    if (has(opt, "results_vary"))
        get_bool(&ld, opt, "options", "results_vary", &r->results_vary);
    if (has(opt, "loop")) /* files written before coroutine workloads have none */
        get_string(&ld, opt, "options", "loop", r->loop, sizeof(r->loop));
    if (has(root, "budget_reached"))
        get_bool(&ld, root, "", "budget_reached", &r->budget_reached);
    r->elapsed_s = NAN;
    if (has(root, "elapsed_s"))
        get_double(&ld, root, "", "elapsed_s", &r->elapsed_s);
    load_plan(&ld, root, r);

    load_runs(&ld, root, r);
    load_results_check(&ld, root, r);
    load_summary(&ld, root, r);
    load_classification(&ld, root, &r->classification);
    load_recommendation(&ld, root, &r->recommendation);
    if (ld.failed)
        goto done;
    /* The summary is the file's; how the host's pace moved is worked out from its runs again,
     * for the report's "How it was measured". */
    results_find_drift(r, &r->drift);
    results_find_pace(r, &r->drift);
    note_unfinished(r);
    rc = 0;

done:
    if (rc < 0)
        results_free(r);
    cJSON_Delete(root);
    free(text);
    return rc;
}

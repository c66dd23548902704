/* session.c - one `concur run` or `concur classify` from the workload's spec to results.json
 * (measure.h): every way out of it after the output directory exists writes results.json. */
#include "concur/measure.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "concur/advise.h"
#include "concur/concur.h"
#include "concur/report.h"
#include "concur/topology.h"
#include "concur/util.h"
#include "concur/results_json.h"

static void utc_stamp(char *buf, size_t len, bool compact)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A workload spec is a file when it names one (or looks like one); package.module:function
 * otherwise. Returns 0, or an exit code after printing why. */
static int check_workload_spec(const char *spec)
{
    struct stat st;
    bool looks_like_file = strchr(spec, '/') || (strlen(spec) > 3 && !strcmp(spec + strlen(spec) - 3, ".py"));
    if (stat(spec, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            log_error("workload '%s' is a directory: give a .py file with a task(i) function, or "
                      "package.module:function",
                      spec);
            return CONCUR_EXIT_WORKLOAD;
        }
        if (access(spec, R_OK) != 0) {
            log_error("workload '%s': %s", spec, strerror(errno));
            return CONCUR_EXIT_WORKLOAD;
        }
        return 0;
    }
    if (looks_like_file || strchr(spec, ':') == NULL) {
        log_error("workload '%s': no such file (give a .py file with a task(i) function, or "
                  "package.module:function)",
                  spec);
        return CONCUR_EXIT_WORKLOAD;
    }
    const char *colon = strchr(spec, ':');
    if (colon == spec || colon[1] == '\0' || strchr(colon + 1, ':')) {
        log_error("workload '%s': expected package.module:function", spec);
        return CONCUR_EXIT_WORKLOAD;
    }
    return 0;
}

/* A program's spec: an existing file (run as `python FILE`), or a module name (`python -m`).
 * Returns 0, or an exit code after printing why. */
static int check_program_spec(const char *spec, const char *kind)
{
    struct stat st;
    if (strcmp(kind, "module") == 0) {
        if (spec[0] == '\0' || strchr(spec, '/') || strchr(spec, ':')) {
            log_error("-m '%s': expected a module name, e.g. mypkg.tool", spec);
            return CONCUR_EXIT_USAGE;
        }
        return 0;
    }
    if (stat(spec, &st) != 0 || S_ISDIR(st.st_mode)) {
        log_error("program '%s': %s (give the script you run as `python SCRIPT`, or -m MODULE)",
                  spec, stat(spec, &st) != 0 ? strerror(errno) : "is a directory");
        return CONCUR_EXIT_WORKLOAD;
    }
    return 0;
}

/* The program's arguments as one shell-quoted line, for the reports. */
static void quote_program_args(const session_options *o, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < o->nprogram_args && n + 4 < len; i++) {
        const char *a = o->program_args[i];
        bool plain = a[0] != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                "0123456789-_./=:,+@%") == strlen(a);
        n += (size_t)snprintf(buf + n, len - n, plain ? "%s%s" : "%s'%s'", i ? " " : "", a);
    }
}

/* What the cores deliver at once (topology_measure_capacity), at the start or the end of the run;
 * a word on the terminal where the host holds them back. */
static void measure_capacity(const topology *topo, results *res, bool start)
{
    char err[256] = "";
    double c = topology_measure_capacity(topo, err, sizeof(err));
    if (start)
        res->machine.capacity_start = c;
    else
        res->machine.capacity_end = c;
    double short_of = advise_capacity_short(res); /* the lower probe, where it falls short */
    if (isnan(c))
        log_debug("capacity probe: %s", err);
    else if (isfinite(short_of) && c <= short_of)
        log_warn("the host gives these %d cores %.2f cores' worth of work at once (%s of the "
                 "run): every pool's speedup will be held back by it", res->machine.allowed_cores,
                 c, start ? "at the start" : "at the end");
}

/* measure_io.run for concur itself. */
static int run_for_real(void *ctx, const runner_env *env, run_mode mode, int workers, int repeat,
                        run_result *out)
{
    (void)ctx;
    return runner_run(env, mode, workers, repeat, out);
}

/* measure_io.probe for concur itself: ctx is the machine's topology. */
static double probe_for_real(void *ctx, int workers)
{
    return topology_speed_probe_on(ctx, workers);
}

/* The state of one `concur run` from the moment its output directory exists: every way out of it
 * goes through run_end_early, run_end_interrupted or run_finish, which write results.json. */
typedef struct {
    const session_options *o;
    const measure_observer *obs;
    results *res;      /* the outcome's */
    char *out_dir;     /* the outcome's, PATH_MAX */
    char *json_path;   /* the outcome's, PATH_MAX */
    topology *topo;
    bool *reports;     /* the outcome's */
    char log_dir[PATH_MAX], lock_path[PATH_MAX];
    int lock_fd;
} run_state;

/* What a phase is called in results.json ("phase") and in a sentence. */
static const struct {
    const char *key, *words;
} phases[] = {
    {"probe", "loading the workload"},
    {"counters", "finding the counters that work here"},
    {"capacity", "measuring what the cores deliver"},
    {"interpreter", "starting the warm interpreter"},
    {"measuring", "measuring"},
    {"writing", "writing the reports"},
};

static const char *phase_words(const char *key)
{
    for (size_t i = 0; i < ARRAY_LEN(phases); i++)
        if (!strcmp(phases[i].key, key))
            return phases[i].words;
    return key;
}

/* Rewrites results.json as the run goes: still running, in this phase. */
static int run_progress(run_state *st, const char *phase)
{
    st->res->running = true;
    snprintf(st->res->phase, sizeof(st->res->phase), "%s", phase);
    st->res->complete = false;
    util_fmt(st->res->incomplete_reason, sizeof(st->res->incomplete_reason), "the run is in "
             "progress: %s", phase_words(phase));
    return measure_write_results(st->res, st->json_path, st->o->m.target_cores);
}

/* Releases what the run holds. */
static void run_release(run_state *st)
{
    if (st->lock_fd >= 0) {
        unlink(st->lock_path);
        close(st->lock_fd); /* the lock goes with it */
        st->lock_fd = -1;
    }
    topology_free(st->topo);
    st->topo = NULL;
}

/* Ends a run that stopped before measuring anything (or during it, for rc): results.json says why,
 * marked incomplete, and the exit code is returned. */
/* How long a Dask scheduler (or a LocalCluster) has to answer: this, or --timeout if shorter. */
#define SESSION_DASK_TIMEOUT_S 30.0

static int run_end_early(run_state *st, int rc, const char *fmt, ...) CONCUR_PRINTF(3, 4);
static int run_end_early(run_state *st, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->res->incomplete_reason, sizeof(st->res->incomplete_reason), fmt, ap);
    va_end(ap);
    st->res->running = false;
    st->res->complete = false;
    if (measure_write_results(st->res, st->json_path, st->o->m.target_cores) < 0)
        rc = CONCUR_EXIT_ENV;
    else
        log_info("results (incomplete): %s", st->json_path);
    run_release(st);
    return rc;
}

/* A signal that arrived during phase: the run ends there, and says so. */
static int run_end_interrupted(run_state *st)
{
    int sig = runner_interrupted();
    log_warn("interrupted while %s: the results so far are in %s, marked incomplete",
             phase_words(st->res->phase), st->json_path);
    return run_end_early(st, 128 + sig, "interrupted by %s while %s", strsignal(sig),
                         phase_words(st->res->phase));
}

/* The workload's name before the probe has loaded it, as the harness will name it: a file's stem,
 * or the function of package.module:function. For the default output directory. */
static void name_from_spec(const char *spec, char *buf, size_t len)
{
    const char *colon = strrchr(spec, ':');
    const char *slash = strrchr(spec, '/');
    if (colon && !strstr(spec, ".py")) {
        const char *dot = strrchr(colon + 1, '.');
        snprintf(buf, len, "%s", dot ? dot + 1 : colon + 1);
        return;
    }
    snprintf(buf, len, "%s", slash ? slash + 1 : spec);
    size_t n = strlen(buf);
    if (n > 3 && !strcmp(buf + n - 3, ".py"))
        buf[n - 3] = '\0';
}

/* The output directory, made and locked: a second concur writing into it would overwrite this
 * one's results and measure alongside it. The lock is flock(2)'s, so it goes with the process,
 * kill -9 included. Returns 0, or an exit code after saying why. */
static int open_out_dir(run_state *st)
{
    const session_options *o = st->o;
    if (o->out_dir) {
        snprintf(st->out_dir, PATH_MAX, "%s", o->out_dir);
    } else {
        char stamp[32];
        utc_stamp(stamp, sizeof(stamp), true);
        snprintf(st->out_dir, PATH_MAX, "reports/%s-%s", st->res->workload.name, stamp);
    }
    snprintf(st->log_dir, sizeof(st->log_dir), "%s/logs", st->out_dir);
    snprintf(st->json_path, PATH_MAX, "%s/results.json", st->out_dir);
    snprintf(st->lock_path, sizeof(st->lock_path), "%s/.concur.lock", st->out_dir);
    if (util_mkdir_p(st->log_dir, 0755) < 0) {
        log_error("cannot create the output directory %s: %s (choose another with --out DIR)",
                  st->out_dir, strerror(errno));
        return CONCUR_EXIT_ENV;
    }
    st->lock_fd = open(st->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (st->lock_fd < 0) {
        log_error("cannot create %s: %s (choose another --out DIR)", st->lock_path,
                  strerror(errno));
        return CONCUR_EXIT_ENV;
    }
    if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        char pid[32] = "";
        ssize_t n = pread(st->lock_fd, pid, sizeof(pid) - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        log_error("%s is in use by another concur run (pid %s): give this one another --out DIR",
                  st->out_dir, pid[0] ? pid : "unknown");
        close(st->lock_fd);
        st->lock_fd = -1;
        return CONCUR_EXIT_ENV;
    }
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    if (ftruncate(st->lock_fd, 0) < 0 || pwrite(st->lock_fd, pid, (size_t)n, 0) != n)
        log_debug("cannot write the pid into %s: %s", st->lock_path, strerror(errno));
    return 0;
}

/* The plan of what to measure, from the options and the cores. Returns 0 or an exit code. */
static int build_plan(const session_options *o, int cores, plan *p)
{
    plan_request req = {.modes = o->modes, .nworkers = o->nworkers, .repeat = o->m.repeat,
                        .cores = cores};
    memcpy(req.workers, o->workers, sizeof(req.workers));
    if (o->m.classify) {
        /* The quickest answer: the baseline, a one-worker thread pool (what the pool itself
         * costs per task) and a thread pool with one worker per core; then a one-worker process
         * pool, what a process pool costs per task. */
        req.modes = MODE_BIT(MODE_SINGLE) | MODE_BIT(MODE_THREADS);
        req.nworkers = 2;
        req.workers[0] = 1;
        req.workers[1] = cores > 1 ? cores : 2;
    }
    char err[256];
    if (plan_build(&req, p, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return CONCUR_EXIT_USAGE;
    }
    if (o->m.classify && p->n < (int)ARRAY_LEN(p->configs))
        p->configs[p->n++] = (plan_config){MODE_PROCESSES, 1};
    if (!(o->modes & MODE_BIT(MODE_SINGLE)))
        log_debug("single is measured too: it is the baseline of every speedup");
    return 0;
}

/* The options as results.json records them. */
static void record_options(results *res, const session_options *o, const plan *p)
{
    snprintf(res->start_method, sizeof(res->start_method), "%s",
             o->start_method ? o->start_method : "default");
    bool adaptive = !o->m.classify && !o->m.fixed;
    res->repeat = p->repeat;
    res->timeout_s = o->timeout_s;
    res->fixed = !adaptive;
    res->precision = adaptive && !o->m.repeat_given ? o->m.precision : 0.0;
    res->max_repeat = adaptive && !o->m.repeat_given ? o->m.max_repeat : p->repeat;
    res->budget_s = o->m.budget_s;
    res->sample = o->m.sample;
    res->fresh_interpreter = o->fresh;
    res->chunksize = o->chunksize;
    res->results_vary = o->results_vary;
    snprintf(res->loop, sizeof(res->loop), "%s", o->loop ? o->loop : "asyncio");
    res->back_to_back = o->m.back_to_back;
    res->writer_pid = (int)getpid();
    gethostname(res->writer_host, sizeof(res->writer_host) - 1);
}

/* The probe: the real interpreter, the workload loaded once, its task count. Returns 0, or the
 * exit code of a run that ends here (results.json written). */
static int probe_workload(run_state *st, const char *harness)
{
    const session_options *o = st->o;
    results *res = st->res;
    char err[2048];
    int rc = o->program
                 ? runner_probe_program(o->python, harness, o->workload, o->program,
                                        &res->python, &res->workload, err, sizeof(err))
                 : runner_probe_loop(o->python, harness, o->workload, o->loop, &res->python,
                                     &res->workload, err, sizeof(err));
    if (rc == CONCUR_EXIT_INTERRUPTED || runner_interrupted())
        return run_end_interrupted(st);
    if (rc != CONCUR_EXIT_OK) {
        if (rc == CONCUR_EXIT_WORKLOAD)
            log_error("workload '%s' cannot be loaded: %s", o->workload, err);
        else
            log_error("%s", err);
        return run_end_early(st, rc, "%s: %s", rc == CONCUR_EXIT_WORKLOAD
                             ? "the workload cannot be loaded" : "the interpreter cannot run it",
                             err);
    }
    if (o->program) {
        /* Its task count is what its runs send through its pools. */
        snprintf(res->workload.program, sizeof(res->workload.program), "%s", o->program);
        quote_program_args(o, res->workload.program_args, sizeof(res->workload.program_args));
        return 0;
    }
    if (o->m.tasks > 0)
        res->workload.tasks = o->m.tasks;
    if (res->workload.tasks == 0) {
        log_error("workload '%s' has no tasks (TASKS = 0): nothing to measure; set TASKS in it, "
                  "or give --tasks N", o->workload);
        return run_end_early(st, CONCUR_EXIT_WORKLOAD, "the workload has no tasks (TASKS = 0)");
    }
    if (strcmp(res->python.executable, o->python) != 0)
        log_debug("--python %s is %s", o->python, res->python.executable);
    return 0;
}

/* The asyncio mode runs coroutine workloads only. For a plain one it leaves the default plan
 * (blocking code cannot be measured under an event loop without being rewritten: the advice says
 * so of an I/O-bound job); asked for by --modes, that is an error. Returns 0, or the exit code of
 * a run that ends here. */
static int plan_for_workload(run_state *st, plan *p)
{
    results *res = st->res;
    if (res->workload.coroutine)
        return 0;
    int kept = 0;
    bool had = false;
    for (int i = 0; i < p->n; i++) {
        if (p->configs[i].mode == MODE_ASYNCIO)
            had = true;
        else
            p->configs[kept++] = p->configs[i];
    }
    p->n = kept;
    if (!had || !st->o->modes_given)
        return 0;
    const char *why = st->o->program
                          ? "a program's pools are swapped for single, threads or processes; the "
                            "asyncio mode runs an `async def task(i)` workload on an event loop"
                          : "task is a plain def: the asyncio mode runs an `async def task(i)` on "
                            "an event loop, and blocking code would have to become async "
                            "(awaiting its I/O) to be measured so";
    log_error("--modes asyncio: %s (%s)", why, st->o->workload);
    return run_end_early(st, CONCUR_EXIT_USAGE, "--modes asyncio: %s", why);
}

/* Mode dask: the interpreter imports distributed, and --dask-scheduler answers (its workers,
 * threads and hosts recorded). Returns 0, or the exit code of a run that ends here, before
 * anything is measured (results.json written). */
static int probe_dask(run_state *st, const char *harness, runner_env *env)
{
    const session_options *o = st->o;
    results *res = st->res;
    if (!(o->modes & MODE_BIT(MODE_DASK)))
        return 0;
    char err[1024];
    double timeout = o->timeout_s > 0 && o->timeout_s < SESSION_DASK_TIMEOUT_S
                         ? o->timeout_s : SESSION_DASK_TIMEOUT_S;
    int rc = runner_probe_dask(res->python.executable, harness, o->dask_scheduler, timeout,
                               &res->dask, err, sizeof(err));
    if (rc == CONCUR_EXIT_INTERRUPTED || runner_interrupted())
        return run_end_interrupted(st);
    if (rc != CONCUR_EXIT_OK) {
        log_error("%s", err);
        return run_end_early(st, rc, "%s", err);
    }
    env->dask_scheduler = o->dask_scheduler;
    env->dask_timeout_s = timeout;
    env->dask_workers = res->dask.workers;
    if (o->dask_scheduler)
        log_info("dask: %s, %d workers (%d threads) on %d hosts", o->dask_scheduler,
                 res->dask.workers, res->dask.threads, res->dask.nhosts);
    return 0;
}

/* The exit code of a run that measured to its end (or to a signal or the budget). */
static int run_exit_code(const results *res, const measure_outcome *m, int sig)
{
    if (sig)
        return 128 + sig;
    if (m->write_failed)
        return CONCUR_EXIT_ENV;
    if (!res->recommendation.made)
        return CONCUR_EXIT_NO_ANSWER;
    if (m->failed_configs > 0 || m->setup_hung || m->ceiling_reached)
        return CONCUR_EXIT_RUN_FAILED;
    return CONCUR_EXIT_OK;
}

/* After the last run: the capacity probe again, results.json and the reports. */
static int run_finish(run_state *st, const measure_outcome *m)
{
    const session_options *o = st->o;
    results *res = st->res;
    if (!runner_interrupted() && !res->budget_reached && !m->write_failed)
        measure_capacity(st->topo, res, false);
    if (res->budget_reached) {
        results_add_plan(res, PLAN_BUDGET, MODE_SINGLE, 0, "the --budget of %g s ran out after "
                         "%.1f s: the sweep and the follow-ups stopped there", o->m.budget_s,
                         m->elapsed_s);
        log_warn("the budget of %g s ran out: writing what was measured", o->m.budget_s);
    }
    res->elapsed_s = m->elapsed_s;
    int sig = runner_interrupted();
    res->running = false;
    snprintf(res->phase, sizeof(res->phase), "done");
    res->complete = false;
    if (sig)
        util_fmt(res->incomplete_reason, sizeof(res->incomplete_reason),
                 "interrupted by %s after %d runs", strsignal(sig), m->runs);
    else if (res->budget_reached)
        util_fmt(res->incomplete_reason, sizeof(res->incomplete_reason),
                 "the --budget of %g s ran out after %d runs; the recommendation lists what "
                 "was not measured", o->m.budget_s, m->runs);
    else if (m->write_failed)
        util_fmt(res->incomplete_reason, sizeof(res->incomplete_reason), "results.json could "
                 "not be rewritten after run %d: measuring stopped there", m->runs);
    else if (m->setup_hung)
        util_fmt(res->incomplete_reason, sizeof(res->incomplete_reason), "setup() never "
                 "finished (see the run marked setup_hung): the configurations after it were not "
                 "measured");
    else if (m->ceiling_reached)
        util_fmt(res->incomplete_reason, sizeof(res->incomplete_reason), "stopped after %d "
                 "runs, the most these options allow: the runs kept failing", m->runs);
    else
        res->complete = true;
    int rc = CONCUR_EXIT_OK;
    if (measure_write_results(res, st->json_path, o->m.target_cores) < 0)
        rc = CONCUR_EXIT_ENV;
    /* The reports a person reads, next to results.json (an interrupted run's say so on top). */
    char rerr[512];
    bool reports = report_write_files(res, st->out_dir, true, true, rerr, sizeof(rerr)) == 0;
    if (!reports) {
        log_error("%s", rerr);
        rc = CONCUR_EXIT_ENV;
    }
    *st->reports = reports;
    if (rc == CONCUR_EXIT_OK)
        rc = run_exit_code(res, m, sig);
    run_release(st);
    return rc;
}


int measure_session(const session_options *o, const measure_observer *obs, session_outcome *out)
{
    memset(out, 0, sizeof(*out));
    results_init(&out->res);
    int rc = o->program ? check_program_spec(o->workload, o->program)
                        : check_workload_spec(o->workload);
    if (rc)
        return rc;
    char harness[PATH_MAX], err[2048];
    if (runner_find_harness(harness, sizeof(harness), err, sizeof(err)) < 0) {
        log_error("%s", err);
        return CONCUR_EXIT_ENV;
    }
    run_state st = {.o = o, .obs = obs, .res = &out->res, .out_dir = out->out_dir,
                    .json_path = out->json_path, .reports = &out->reports, .lock_fd = -1};
    st.topo = topology_load(NULL, err, sizeof(err));
    if (st.topo == NULL) {
        log_error("topology: %s", err);
        return CONCUR_EXIT_ENV;
    }
    results *res = st.res;
    snprintf(res->concur_version, sizeof(res->concur_version), "%s", CONCUR_VERSION);
    utc_stamp(res->started_at, sizeof(res->started_at), false);
    topology_get_info(st.topo, &res->machine);
    plan p;
    if ((rc = build_plan(o, res->machine.allowed_cores, &p)) != 0) {
        run_release(&st);
        return rc;
    }
    if (o->program && strcmp(o->program, "module") == 0) {
        const char *dot = strrchr(o->workload, '.');
        snprintf(res->workload.name, sizeof(res->workload.name), "%s", dot ? dot + 1 : o->workload);
    } else {
        name_from_spec(o->workload, res->workload.name, sizeof(res->workload.name));
    }
    snprintf(res->workload.spec, sizeof(res->workload.spec), "%s", o->workload);
    record_options(res, o, &p);
    if ((rc = open_out_dir(&st)) != 0) {
        run_release(&st);
        return rc;
    }
    /* From here on, every way out writes results.json. */
    if (run_progress(&st, "probe") < 0)
        return run_end_early(&st, CONCUR_EXIT_ENV, "results.json cannot be written");
    if ((rc = probe_workload(&st, harness)) != 0)
        return rc;
    if ((rc = plan_for_workload(&st, &p)) != 0)
        return rc;

    if (run_progress(&st, "counters") < 0)
        return run_end_early(&st, CONCUR_EXIT_ENV, "results.json cannot be written");
    counters_detect(o->counters_max, &res->counters);
    log_debug("counters: %s (%s)", counters_level_name(res->counters.level),
              counters_backend_name(res->counters.backend));
    if (runner_interrupted())
        return run_end_interrupted(&st);

    run_progress(&st, "capacity");
    measure_capacity(st.topo, res, true);
    if (runner_interrupted())
        return run_end_interrupted(&st);
    log_info("concur: %s (%s) on %s %s, %d cores; counters: %s", res->workload.name,
             res->workload.spec, res->python.implementation, res->python.version,
             res->machine.cores, counters_level_name(res->counters.level));
    log_info("writing to %s/", st.out_dir);

    runner_env env = {
        .python = res->python.executable,
        .harness = harness,
        .workload = o->workload,
        .start_method = o->start_method,
        .chunksize = o->chunksize,
        .loop = o->loop,
        .tasks = res->workload.tasks,
        .timeout_s = o->timeout_s,
        .log_dir = st.log_dir,
        .topo = st.topo,
        .counters = &res->counters,
        .program = o->program,
        .program_args = o->program_args,
        .nprogram_args = o->nprogram_args,
        .stdin_path = o->stdin_path,
    };
    if ((rc = probe_dask(&st, harness, &env)) != 0)
        return rc;
    if (!o->fresh) {
        /* Every run forks from one started interpreter instead of starting its own. */
        run_progress(&st, "interpreter");
        char zerr[512] = "";
        env.zygote = runner_zygote_start(res->python.executable, harness, zerr, sizeof(zerr));
        if (runner_interrupted()) {
            runner_zygote_stop(env.zygote);
            return run_end_interrupted(&st);
        }
        if (env.zygote == NULL)
            log_info("runs start their own interpreter: %s", zerr);
    }

    measure_io io = {.run = run_for_real, .probe = probe_for_real, .ctx = st.topo,
                     .json_path = st.json_path, .obs = obs};
    out->measured = true;
    measure_outcome mout;
    run_progress(&st, "measuring");
    measure_strategy(res, &p, &env, &o->m, &io, &mout);
    runner_zygote_stop(env.zygote);
    snprintf(res->phase, sizeof(res->phase), "writing");
    return run_finish(&st, &mout);
}

void session_outcome_free(session_outcome *out)
{
    results_free(&out->res);
}

/* cli.c - the command line: parses arguments and drives plan -> topology -> runner -> report. */
#include "concur/cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "concur/advise.h"
#include "concur/classify.h"
#include "concur/compare.h"
#include "concur/concur.h"
#include "concur/counters.h"
#include "concur/plan.h"
#include "concur/report.h"
#include "concur/results.h"
#include "concur/runner.h"
#include "concur/topology.h"
#include "concur/util.h"

/* Defaults a user gets without options. */
#define DEFAULT_REPEAT 3
#define DEFAULT_TIMEOUT_S 600.0
#define DEFAULT_PYTHON "python3"

static const char usage_main[] =
    "Usage: concur COMMAND [OPTIONS]\n"
    "\n"
    "Which concurrency model should this Python job use, with how many workers? concur runs the\n"
    "job for real under a single thread, a ThreadPoolExecutor and a ProcessPoolExecutor, pins\n"
    "every worker to its own CPU, counts what happens, and writes results.json.\n"
    "\n"
    "Commands:\n"
    "  run WORKLOAD     measure a workload in every mode and a sweep of worker counts\n"
    "  classify WORKLOAD  the quickest answer: CPU- or I/O-bound, holds or releases the GIL\n"
    "  topology         what hwloc sees here, and which CPUs a run would use\n"
    "  counters         which counter level works here (hardware, software, kernel), and why\n"
    "  compare OLD NEW  did a change make the job slower? (two results.json files)\n"
    "  report RESULTS   report.md and report.html again, from a results.json alone\n"
    "  help [COMMAND]   this text, or a command's\n"
    "\n"
    "Options:\n"
    "  -h, --help       show help (also: concur COMMAND --help)\n"
    "  -V, --version    print the version\n"
    "\n"
    "A workload is a Python file with a task(i) function (and optionally TASKS and setup()), or\n"
    "package.module:function. Start with:  concur run workloads/cpu_bound.py\n"
    "\n"
    "Exit status: 0 ok, 1 some configuration failed (the rest is written), 2 usage error,\n"
    "3 the workload cannot be loaded, 4 this machine cannot run it (interpreter, harness,\n"
    "output directory), 128+N stopped by signal N (results so far are written).\n"
    "compare: 0 no significant slowdown, 1 some configuration slower, 2 usage error, 4 a file\n"
    "cannot be read.\n";

static const char usage_run[] =
    "Usage: concur run WORKLOAD [OPTIONS]\n"
    "\n"
    "Runs WORKLOAD (a .py file with task(i), or package.module:function) under the single,\n"
    "threads and processes modes, over a sweep of worker counts, each configuration repeated,\n"
    "then recommends one: the fastest measured, or the cheapest within its noise, at the\n"
    "fewest workers that reach 90 % of its best. Where a process pool's cost per task is of the\n"
    "order of the task, a larger chunksize is measured too, and the other start method for the\n"
    "process pool it recommends. results.json is written into the output directory after every\n"
    "run. The workload's own output goes to logs/ there, never to the terminal.\n"
    "\n"
    "Options:\n"
    "  -m, --modes LIST         modes to measure: single,threads,processes (default: all).\n"
    "                           single is always measured: it is the baseline of every speedup\n"
    "  -w, --workers LIST       worker counts, e.g. 1,2,4,8 (default: 1, 2, 4, ... up to the\n"
    "                           core count, and past it while a mode keeps gaining)\n"
    "  -n, --tasks N            tasks per run (default: the workload's TASKS, else 64)\n"
    "  -r, --repeat N           runs per configuration (default: 3)\n"
    "  -p, --python PATH        interpreter to measure (default: python3). Launcher shims\n"
    "                           (pyenv) are resolved to the real interpreter first\n"
    "  -s, --start-method M     process pools: fork, spawn or forkserver (default: the\n"
    "                           interpreter's own default)\n"
    "  -t, --timeout SECONDS    limit for one run; the whole process tree is killed after it\n"
    "                           (default: 600, 0 for none)\n"
    "  -o, --out DIR            output directory (default: reports/NAME-UTCTIME/)\n"
    "      --counters LEVEL     highest counter level to use: auto, hardware, software, kernel\n"
    "                           (default: auto, the best that works here)\n"
    "      --target-cores N     also predict the speedup on a machine with N cores (the\n"
    "                           scalability law fitted to the speedups measured here)\n"
    "      --target-topology DESC  the same for a machine described in hwloc's synthetic\n"
    "                           syntax, e.g. \"pack:2 core:16 pu:2\" (see concur topology)\n"
    "      --json               print results.json to stdout and nothing else there\n"
    "  -q, --quiet              no progress, only errors\n"
    "  -v, --verbose            more detail on stderr\n"
    "  -h, --help               this text\n"
    "\n"
    "Examples:\n"
    "  concur run workloads/cpu_bound.py\n"
    "  concur run my_job.py --modes threads,processes --workers 2,4,8 --tasks 200 --json\n"
    "  concur run mypkg.jobs:resize_image --python ~/venv/bin/python\n";

static const char usage_classify[] =
    "Usage: concur classify WORKLOAD [OPTIONS]\n"
    "\n"
    "The quickest answer to \"what kind of job is this?\": one single run, one run of a thread\n"
    "pool with one worker (what the pool costs) and one with a worker per core, then the verdict\n"
    "with the numbers it rests on: cpu-bound, io-bound, mixed or overhead-bound, and whether the\n"
    "job holds or releases the GIL.\n"
    "\n"
    "Options:\n"
    "  -n, --tasks N            tasks per run (default: the workload's TASKS, else 64)\n"
    "  -r, --repeat N           runs per configuration (default: 1; more narrows the evidence)\n"
    "  -p, --python PATH        interpreter to measure (default: python3)\n"
    "  -t, --timeout SECONDS    limit for one run (default: 600, 0 for none)\n"
    "  -o, --out DIR            output directory (default: reports/NAME-UTCTIME/)\n"
    "      --counters LEVEL     highest counter level: auto, hardware, software, kernel\n"
    "      --json               print results.json (with its classification) to stdout\n"
    "  -q, --quiet              no progress, only errors\n"
    "  -v, --verbose            more detail on stderr\n"
    "  -h, --help               this text\n";

static const char usage_topology[] =
    "Usage: concur topology [OPTIONS]\n"
    "\n"
    "Shows what hwloc sees (packages, NUMA nodes, cores, PUs) and where 1, 2, 4, ... workers of a\n"
    "run would be placed: distinct physical cores first, then SMT siblings, then shared PUs.\n"
    "\n"
    "Options:\n"
    "      --synthetic DESC     plan for a machine you do not have, in hwloc's synthetic syntax,\n"
    "                           e.g. \"pack:2 core:16 pu:2\"\n"
    "  -w, --workers N          show placements up to N workers (default: the PU count)\n"
    "      --json               machine-readable output\n"
    "  -h, --help               this text\n";

static const char usage_counters[] =
    "Usage: concur counters [OPTIONS]\n"
    "\n"
    "Detects the highest counter level that works here by attaching to a test process as a run\n"
    "would, and says why the higher levels do not:\n"
    "  hardware   PAPI hardware events: cycles, instructions (IPC), last-level cache misses\n"
    "  software   perf software events: task-clock, context switches, migrations, page faults\n"
    "             (through PAPI, or perf_event_open(2) where PAPI cannot attach)\n"
    "  kernel     the kernel's own accounting (wait4 rusage, /proc)\n"
    "\n"
    "Options:\n"
    "      --counters LEVEL     highest level to try: auto, hardware, software, kernel\n"
    "      --json               machine-readable output\n"
    "  -h, --help               this text\n";

static const char usage_compare[] =
    "Usage: concur compare OLD.json NEW.json [OPTIONS]\n"
    "\n"
    "Did a change make the job slower? Compares two results.json files configuration by\n"
    "configuration (mode and worker count): the median wall times, the change, and Welch's t-test\n"
    "on the logarithms of the repeats' wall times, with the interval of the ratio. A configuration\n"
    "is slower (or faster) when the difference is significant and the change is beyond the\n"
    "threshold. It needs at least 2 successful runs on each side to be tested (--repeat 5 in\n"
    "'concur run' makes small changes visible). Different workloads, interpreters, machines or\n"
    "counter levels, and incomplete files, are warned about on stderr.\n"
    "\n"
    "Options:\n"
    "      --threshold PCT      smallest change in percent that counts (default: 5)\n"
    "      --alpha A            significance level of the test, between 0 and 1 (default: 0.05)\n"
    "      --format FMT         text, md (a Markdown table for a pull request comment) or json\n"
    "                           (default: text)\n"
    "  -h, --help               this text\n"
    "\n"
    "Exit status: 0 no configuration significantly slower beyond the threshold, 1 at least one\n"
    "is, 2 usage error, 4 a file cannot be read or is not concur results.\n"
    "\n"
    "Example (CI):\n"
    "  concur compare main/results.json reports/pr/results.json --format md > comment.md\n";

static const char usage_report[] =
    "Usage: concur report RESULTS.json [OPTIONS]\n"
    "\n"
    "Renders the reports a person reads from a results.json alone, measuring nothing:\n"
    "  report.md    GitHub-flavoured Markdown (readable as plain text too)\n"
    "  report.html  one self-contained page: inline CSS and SVG charts (speedup against workers,\n"
    "               what the worker threads were doing), no script, nothing fetched\n"
    "Both start with the recommendation, then the classification, every configuration, the\n"
    "prediction for a bigger machine (when one was asked for), the machine and the failures.\n"
    "\n"
    "Options:\n"
    "      --format LIST        md, html, terminal, comma-separated (default: md,html);\n"
    "                           terminal prints the summary 'concur run' shows to stdout\n"
    "  -o, --out DIR            where to write the files (default: the directory that holds\n"
    "                           RESULTS.json)\n"
    "  -h, --help               this text\n"
    "\n"
    "Prints the path of each file written. Exit status: 0 written, 2 usage error, 4 the results\n"
    "file cannot be read or is not concur results, or the output directory cannot be written.\n"
    "\n"
    "Example:\n"
    "  concur report reports/cpu_bound-20261121T103735Z/results.json --format html --out /tmp\n";

/* Exit code for a bad command line: one line saying what is wrong, one saying where help is. */
static int usage_error(const char *cmd, const char *fmt, ...) CONCUR_PRINTF(2, 3);
static int usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_error("%s", msg);
    fprintf(stderr, "Try 'concur %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return CONCUR_EXIT_USAGE;
}

static int parse_positive(const char *s, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !(v >= 0) || isinf(v))
        return -1;
    *out = v;
    return 0;
}

/* getopt_long's own messages are replaced by ours (opterr = 0) so that every usage error has the
 * same shape. For a short option optopt holds it; for a long one the word is in argv. */
static int bad_option(const char *cmd, char **argv)
{
    const char *arg = argv[optind - 1];
    if (optopt && (arg == NULL || strncmp(arg, "--", 2) != 0))
        return usage_error(cmd, "unknown option '-%c'", optopt);
    return usage_error(cmd, "unknown option '%s'", arg ? arg : "?");
}

/* ----------------------------------------------------------------------------------------- */

typedef struct {
    const char *workload;
    const char *python;
    const char *out_dir;
    const char *start_method;
    unsigned modes;
    int workers[PLAN_MAX_WORKERS];
    int nworkers;
    int tasks;
    int repeat;
    double timeout_s;
    counters_level counters_max;
    bool json;
    bool classify; /* concur classify: single and threads at the core count, the verdict printed */
    int target_cores;            /* --target-cores, or the cores of --target-topology; 0: none */
    const char *target_topology; /* --target-topology: hwloc synthetic description */
    log_level level;
} run_options;

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

static void progress_line(int i, int total, const run_result *r, int repeat_total)
{
    int width = total >= 100 ? 3 : total >= 10 ? 2 : 1;
    if (r->status == RUN_OK || r->status == RUN_TASKS_FAILED)
        log_info("[%*d/%d] %-9s x%-3d run %d/%d  %8.3f s  cpu %.2f%s", width, i, total,
                 plan_mode_name(r->mode), r->workers, r->repeat, repeat_total, r->wall_s,
                 r->cpu_utilization,
                 r->status == RUN_TASKS_FAILED ? "  (some tasks raised)" : "");
    else
        log_info("[%*d/%d] %-9s x%-3d run %d/%d  %s: %s", width, i, total,
                 plan_mode_name(r->mode), r->workers, r->repeat, repeat_total,
                 results_status_name(r->status), r->error);
}

static bool run_failed_hard(const run_result *r)
{
    return r->status != RUN_OK && r->status != RUN_TASKS_FAILED;
}

/* Runs much shorter than this are dominated by start-up and by the machine's noise. */
#define SHORT_RUN_S 0.25

/* Says so when the baseline is too short to time well, with the task count that would make it
 * about a second, from the time just measured. */
static void warn_if_short(results *res)
{
    results_summarize(res);
    const config_summary *s = results_find_summary(res, MODE_SINGLE, 1);
    if (s == NULL || !(s->wall_s > 0) || s->wall_s >= SHORT_RUN_S)
        return;
    double per_task = s->wall_s / res->workload.tasks;
    long suggest = (long)ceil(1.0 / per_task);
    log_warn("one pass over %d tasks takes only %.3f s: start-up and noise weigh heavily at that "
             "length; --tasks %ld would take about 1 s",
             res->workload.tasks, s->wall_s, suggest);
}

static int write_results(results *res, const char *path, int target_cores)
{
    utc_stamp(res->finished_at, sizeof(res->finished_at), false);
    results_summarize(res);
    classify_results(res, &res->classification);
    advise_recommend(res, target_cores, &res->recommendation);
    if (results_write(res, path) < 0) {
        log_error("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* concur classify's answer: the verdict and the numbers it rests on. */
static void print_classification(const results *r, FILE *out)
{
    const classification *c = &r->classification;
    fprintf(out, "\n%s: %s, %s", r->workload.name, classify_kind_name(c->kind),
            c->gil == GIL_HOLDS      ? "holds the GIL"
            : c->gil == GIL_RELEASES ? "releases the GIL"
            : c->gil == GIL_NONE     ? "no GIL (free-threaded interpreter)"
                                     : "GIL behaviour unknown");
    if (!isnan(c->confidence))
        fprintf(out, " (confidence %.2f)", c->confidence);
    fputc('\n', out);
    for (int i = 0; i < c->nevidence; i++)
        fprintf(out, "  - %s\n", c->evidence[i]);
}

/* The measuring loop's state: what was planned, what is done, for the progress lines. */
typedef struct {
    results *res;
    const char *json_path;
    const run_options *o;
    plan *plan;
    double t0;
    int total_runs, done;
    int total_configs, configs_done;
    int failed_configs;
    bool status_shown; /* a live status line is on the terminal and must be cleared */
} session;

/* On a terminal, one line that the next one overwrites: which configuration, how long so far, and
 * about how long is left (the runs so far took this long on average). */
static bool progress_live(void)
{
    return log_get_level() >= LOG_NORMAL && isatty(STDERR_FILENO);
}

static void progress_status(session *ss, const plan_config *cfg, int rep, int repeat)
{
    if (!progress_live())
        return;
    double elapsed = util_now() - ss->t0;
    char left[48] = "";
    if (ss->done > 0) {
        double est = elapsed / ss->done * (ss->total_runs - ss->done);
        util_fmt(left, sizeof(left), ", about %.0f s left", est);
    }
    fprintf(stderr, "\r\033[K  configuration %d of %d: %s x%d, run %d/%d; %.0f s elapsed%s",
            ss->configs_done + 1, ss->total_configs, plan_mode_name(cfg->mode), cfg->workers, rep,
            repeat, elapsed, left);
    ss->status_shown = true;
}

static void progress_clear_line(session *ss)
{
    if (ss->status_shown)
        fprintf(stderr, "\r\033[K");
    ss->status_shown = false;
}

/* Adds cfg to the plan at index at (after the configuration being measured). */
static void insert_config(session *ss, int at, plan_config cfg)
{
    plan *p = ss->plan;
    memmove(&p->configs[at + 1], &p->configs[at], sizeof(plan_config) * (size_t)(p->n - at));
    p->configs[at] = cfg;
    p->n++;
    ss->total_configs++;
    ss->total_runs += p->repeat;
}

/* Every repeat of one configuration, results.json rewritten after each; the other repeats are
 * skipped once one fails hard. */
static void measure_config(session *ss, const runner_env *env, plan_config cfg, int first,
                           int repeat)
{
    for (int rep = first; rep <= repeat && !runner_interrupted(); rep++) {
        progress_status(ss, &cfg, rep, repeat);
        run_result r;
        runner_run(env, cfg.mode, cfg.workers, rep, &r);
        results_add_run(ss->res, &r);
        results_run_free(&r);
        const run_result *stored = &ss->res->runs[ss->res->nruns - 1];
        progress_clear_line(ss);
        progress_line(++ss->done, ss->total_runs, stored, repeat);
        write_results(ss->res, ss->json_path, ss->o->target_cores);
        if (run_failed_hard(stored)) {
            if (stored->status != RUN_INTERRUPTED)
                ss->failed_configs++;
            if (rep < repeat && stored->status != RUN_INTERRUPTED)
                log_info("        skipping the other runs of %s x%d: it failed",
                         plan_mode_name(cfg.mode), cfg.workers);
            ss->total_runs -= repeat - rep;
            break;
        }
    }
    ss->configs_done++;
}

static int cmd_run_measure(const run_options *o)
{
    int rc = check_workload_spec(o->workload);
    if (rc)
        return rc;

    char harness[PATH_MAX], err[2048];
    if (runner_find_harness(harness, sizeof(harness), err, sizeof(err)) < 0) {
        log_error("%s", err);
        return CONCUR_EXIT_ENV;
    }
    topology *topo = topology_load(NULL, err, sizeof(err));
    if (topo == NULL) {
        log_error("topology: %s", err);
        return CONCUR_EXIT_ENV;
    }

    results res;
    results_init(&res);
    snprintf(res.concur_version, sizeof(res.concur_version), "%s", CONCUR_VERSION);
    utc_stamp(res.started_at, sizeof(res.started_at), false);
    topology_get_info(topo, &res.machine);

    rc = runner_probe(o->python, harness, o->workload, &res.python, &res.workload, err, sizeof(err));
    if (rc != CONCUR_EXIT_OK) {
        if (rc == CONCUR_EXIT_WORKLOAD)
            log_error("workload '%s' cannot be loaded: %s", o->workload, err);
        else
            log_error("%s", err);
        topology_free(topo);
        results_free(&res);
        return rc == CONCUR_EXIT_INTERRUPTED ? 128 + runner_interrupted() : rc;
    }
    if (o->tasks > 0)
        res.workload.tasks = o->tasks;
    if (strcmp(res.python.executable, o->python) != 0)
        log_debug("--python %s is %s", o->python, res.python.executable);

    counters_detect(o->counters_max, &res.counters);
    log_debug("counters: %s (%s)", counters_level_name(res.counters.level),
              counters_backend_name(res.counters.backend));

    plan_request req = {.modes = o->modes, .nworkers = o->nworkers, .repeat = o->repeat,
                        .cores = res.machine.allowed_cores};
    memcpy(req.workers, o->workers, sizeof(req.workers));
    if (o->classify) {
        /* The quickest answer: the baseline, a one-worker thread pool (what the pool itself
         * costs per task) and a thread pool with one worker per core; then a one-worker process
         * pool, what a process pool costs per task. */
        req.modes = MODE_BIT(MODE_SINGLE) | MODE_BIT(MODE_THREADS);
        req.nworkers = 2;
        req.workers[0] = 1;
        req.workers[1] = res.machine.allowed_cores > 1 ? res.machine.allowed_cores : 2;
    }
    plan p;
    if (plan_build(&req, &p, err, sizeof(err)) < 0) {
        log_error("%s", err);
        topology_free(topo);
        results_free(&res);
        return CONCUR_EXIT_USAGE;
    }
    if (o->classify && p.n < (int)ARRAY_LEN(p.configs))
        p.configs[p.n++] = (plan_config){MODE_PROCESSES, 1};
    if (!(o->modes & MODE_BIT(MODE_SINGLE)))
        log_debug("single is measured too: it is the baseline of every speedup");

    /* The output directory. */
    char out_dir[PATH_MAX], log_dir[PATH_MAX], json_path[PATH_MAX];
    if (o->out_dir) {
        snprintf(out_dir, sizeof(out_dir), "%s", o->out_dir);
    } else {
        char stamp[32];
        utc_stamp(stamp, sizeof(stamp), true);
        snprintf(out_dir, sizeof(out_dir), "reports/%s-%s", res.workload.name, stamp);
    }
    snprintf(log_dir, sizeof(log_dir), "%s/logs", out_dir);
    snprintf(json_path, sizeof(json_path), "%s/results.json", out_dir);
    if (util_mkdir_p(log_dir, 0755) < 0) {
        log_error("cannot create the output directory %s: %s (choose another with --out DIR)",
                  out_dir, strerror(errno));
        topology_free(topo);
        results_free(&res);
        return CONCUR_EXIT_ENV;
    }

    snprintf(res.start_method, sizeof(res.start_method), "%s",
             o->start_method ? o->start_method : "default");
    res.repeat = p.repeat;
    res.timeout_s = o->timeout_s;
    res.complete = false;
    snprintf(res.incomplete_reason, sizeof(res.incomplete_reason), "the run is in progress");
    if (write_results(&res, json_path, o->target_cores) < 0) {
        topology_free(topo);
        results_free(&res);
        return CONCUR_EXIT_ENV;
    }

    log_info("concur: %s (%s) on %s %s, %d cores; counters: %s", res.workload.name,
             res.workload.spec, res.python.implementation, res.python.version, res.machine.cores,
             counters_level_name(res.counters.level));
    log_info("writing to %s/", out_dir);

    runner_env env = {
        .python = res.python.executable,
        .harness = harness,
        .workload = o->workload,
        .start_method = o->start_method,
        .tasks = res.workload.tasks,
        .timeout_s = o->timeout_s,
        .log_dir = log_dir,
        .topo = topo,
        .counters = &res.counters,
    };

    session ss = {.res = &res, .json_path = json_path, .o = o, .plan = &p, .t0 = util_now(),
                  .total_runs = p.n * p.repeat, .total_configs = p.n};
    for (int ci = 0; ci < p.n && !runner_interrupted(); ci++) {
        plan_config cfg = p.configs[ci];
        measure_config(&ss, &env, cfg, 1, p.repeat);
        if (cfg.mode == MODE_SINGLE && o->tasks == 0)
            warn_if_short(&res);
        /* The sweep goes past the core count while the last step still gained clearly. */
        bool last_of_mode = ci + 1 == p.n || p.configs[ci + 1].mode != cfg.mode;
        if (last_of_mode && cfg.mode != MODE_SINGLE && p.sweep && !runner_interrupted() &&
            p.n < (int)ARRAY_LEN(p.configs)) {
            results_summarize(&res);
            const config_summary *last = results_find_summary(&res, cfg.mode, cfg.workers);
            const config_summary *prev = NULL;
            if (ci > 0 && p.configs[ci - 1].mode == cfg.mode)
                prev = results_find_summary(&res, cfg.mode, p.configs[ci - 1].workers);
            int next = 0;
            if (last && prev && cfg.workers < res.workload.tasks)
                next = plan_extend(&p, cfg.workers, prev->speedup, last->speedup,
                                   last->speedup_low, last->cpu_utilization);
            if (next > 0) {
                insert_config(&ss, ci + 1, (plan_config){cfg.mode, next});
                log_info("        %s still gains (%.2fx -> %.2fx): trying %d workers",
                         plan_mode_name(cfg.mode), prev->speedup, last->speedup, next);
            }
        }
        /* Threads too few to tell whether the job holds the GIL: the count that can tell. */
        bool last_threads = cfg.mode == MODE_THREADS &&
                            (ci + 1 == p.n || p.configs[ci + 1].mode != MODE_THREADS);
        if (last_threads && !runner_interrupted() && p.n < (int)ARRAY_LEN(p.configs)) {
            results_summarize(&res);
            int more = classify_more_threads(&res);
            if (more > 0 && more <= res.workload.tasks &&
                !results_find_summary(&res, MODE_THREADS, more)) {
                insert_config(&ss, ci + 1, (plan_config){MODE_THREADS, more});
                log_info("        %d threads cannot tell whether the job holds the GIL: trying %d",
                         cfg.workers, more);
            }
        }
    }

    /* What the advisor wants measured before it decides: more runs of a close call, a chunksize,
     * the other start method. Each round asks for something not yet measured, or for runs of a
     * configuration below ADVISE_MAX_RUNS, so the rounds end. */
    for (int round = 0; round < 6 && !o->classify && !runner_interrupted(); round++) {
        results_summarize(&res);
        classify_results(&res, &res.classification);
        advise_followup f[ADVISE_MAX_FOLLOWUPS];
        int nf = advise_followups(&res, f, ADVISE_MAX_FOLLOWUPS);
        if (nf == 0)
            break;
        for (int i = 0; i < nf; i++) {
            ss.total_configs++;
            ss.total_runs += f[i].repeats > 0 ? f[i].repeats : p.repeat;
        }
        for (int i = 0; i < nf && !runner_interrupted(); i++) {
            if (i == 0 || strcmp(f[i].why, f[i - 1].why) != 0)
                log_info("        %s", f[i].why);
            runner_env v = env;
            v.variant = f[i].variant;
            if (f[i].variant) {
                v.chunksize = f[i].chunksize;
                v.start_method = f[i].start_method[0] ? f[i].start_method : env.start_method;
            }
            /* More runs of a configuration continue its repeat numbers. */
            int first = 1;
            for (int k = 0; k < res.nruns; k++) {
                const run_result *x = &res.runs[k];
                if (x->mode == f[i].mode && x->workers == f[i].workers &&
                    x->variant == f[i].variant && x->repeat >= first &&
                    (!x->variant || (x->chunksize == f[i].chunksize &&
                                     !strcmp(x->start_method, f[i].start_method))))
                    first = x->repeat + 1;
            }
            int count = f[i].repeats > 0 ? f[i].repeats : p.repeat;
            measure_config(&ss, &v, (plan_config){f[i].mode, f[i].workers}, first,
                           first + count - 1);
        }
    }
    int failed_configs = ss.failed_configs;
    int done = ss.done, total = ss.total_runs;

    int sig = runner_interrupted();
    if (sig) {
        res.complete = false;
        snprintf(res.incomplete_reason, sizeof(res.incomplete_reason),
                 "interrupted by %s after %d of %d runs", strsignal(sig), done, total);
    } else {
        res.complete = true;
        res.incomplete_reason[0] = '\0';
    }
    if (write_results(&res, json_path, o->target_cores) < 0)
        rc = CONCUR_EXIT_ENV;
    /* The reports a person reads, next to results.json (an interrupted run's say so on top). */
    char rerr[512];
    bool reports = report_write_files(&res, out_dir, true, true, rerr, sizeof(rerr)) == 0;
    if (!reports) {
        log_error("%s", rerr);
        rc = CONCUR_EXIT_ENV;
    }

    if (o->json) {
        char *text = results_to_json(&res);
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    } else if (o->classify) {
        print_classification(&res, stdout);
        printf("\nresults: %s\n", json_path);
    } else {
        report_terminal(&res, stdout);
        printf("\nresults: %s\n", json_path);
        if (reports)
            printf("report:  %s/report.html (and report.md)\n", out_dir);
    }
    if (sig)
        log_warn("interrupted: the results so far are in %s, marked incomplete", json_path);

    if (rc == CONCUR_EXIT_OK) {
        if (sig)
            rc = 128 + sig;
        else if (failed_configs > 0)
            rc = CONCUR_EXIT_RUN_FAILED;
    }
    topology_free(topo);
    results_free(&res);
    return rc;
}

/* run and classify share their options; classify measures a fixed plan of its own. */
static int cmd_run(int argc, char **argv, bool classify)
{
    const char *cmd = classify ? "classify" : "run";
    static const struct option longopts[] = {
        {"modes", required_argument, NULL, 'm'},
        {"workers", required_argument, NULL, 'w'},
        {"tasks", required_argument, NULL, 'n'},
        {"repeat", required_argument, NULL, 'r'},
        {"python", required_argument, NULL, 'p'},
        {"start-method", required_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"counters", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'J'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"target-cores", required_argument, NULL, 'T'},
        {"target-topology", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    run_options o = {
        .python = DEFAULT_PYTHON,
        .modes = MODE_BIT(MODE_SINGLE) | MODE_BIT(MODE_THREADS) | MODE_BIT(MODE_PROCESSES),
        .repeat = classify ? 1 : DEFAULT_REPEAT,
        .classify = classify,
        .timeout_s = DEFAULT_TIMEOUT_S,
        .counters_max = COUNTERS_HARDWARE,
        .level = LOG_NORMAL,
    };
    char err[256];
    long v;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:w:n:r:p:s:t:o:qvh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'm':
            if (classify)
                return usage_error(cmd, "classify measures single and threads at the core count; "
                                        "use 'concur run --modes' for other configurations");
            if (plan_parse_modes(optarg, &o.modes, err, sizeof(err)) < 0)
                return usage_error(cmd, "--modes: %s", err);
            break;
        case 'w':
            if (classify)
                return usage_error(cmd, "classify measures a thread pool at the core count; use "
                                        "'concur run --workers' for other counts");
            o.nworkers = util_parse_int_list(optarg, o.workers, PLAN_MAX_WORKERS);
            if (o.nworkers < 0)
                return usage_error(cmd,
                                   "--workers '%s': expected a comma-separated list of positive "
                                   "counts, e.g. 1,2,4 (at most %d)",
                                   optarg, PLAN_MAX_WORKERS);
            for (int i = 0; i < o.nworkers; i++)
                if (o.workers[i] > PLAN_WORKER_CAP)
                    return usage_error(cmd, "--workers: %d is more than %d workers",
                                       o.workers[i], PLAN_WORKER_CAP);
            break;
        case 'n':
            if (parse_positive(optarg, 100000000, &v) < 0)
                return usage_error(cmd, "--tasks '%s': expected a positive whole number", optarg);
            o.tasks = (int)v;
            break;
        case 'r':
            if (parse_positive(optarg, 1000, &v) < 0)
                return usage_error(cmd, "--repeat '%s': expected a whole number from 1 to 1000",
                                   optarg);
            o.repeat = (int)v;
            break;
        case 'p':
            o.python = optarg;
            break;
        case 's':
            if (strcmp(optarg, "fork") && strcmp(optarg, "spawn") && strcmp(optarg, "forkserver"))
                return usage_error(cmd, "--start-method '%s': expected fork, spawn or forkserver",
                                   optarg);
            o.start_method = optarg;
            break;
        case 't':
            if (parse_seconds(optarg, &o.timeout_s) < 0)
                return usage_error(cmd, "--timeout '%s': expected seconds (0 for none)", optarg);
            break;
        case 'o':
            o.out_dir = optarg;
            break;
        case 'C':
            if (counters_parse_level(optarg, &o.counters_max) < 0)
                return usage_error(cmd,
                                   "--counters '%s': expected auto, hardware, software or kernel",
                                   optarg);
            break;
        case 'J':
            o.json = true;
            break;
        case 'T':
            if (classify)
                return usage_error(cmd, "classify does not predict; use 'concur run "
                                        "--target-cores'");
            if (parse_positive(optarg, 4096, &v) < 0)
                return usage_error(cmd, "--target-cores '%s': expected a core count from 1 to "
                                   "4096", optarg);
            o.target_cores = (int)v;
            break;
        case 'S':
            if (classify)
                return usage_error(cmd, "classify does not predict; use 'concur run "
                                        "--target-topology'");
            o.target_topology = optarg;
            break;
        case 'q':
            o.level = LOG_QUIET;
            break;
        case 'v':
            o.level = LOG_VERBOSE;
            break;
        case 'h':
            fputs(classify ? usage_classify : usage_run, stdout);
            return CONCUR_EXIT_OK;
        case ':':
            return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return bad_option(cmd, argv);
        }
    }
    if (optind >= argc)
        return usage_error(cmd, "no workload given (a .py file with task(i), or "
                                  "package.module:function)");
    if (optind + 1 < argc)
        return usage_error(cmd, "unexpected argument '%s' (one workload per run)",
                           argv[optind + 1]);
    o.workload = argv[optind];
    if (o.target_topology) {
        char terr[512];
        topology *t = topology_load(o.target_topology, terr, sizeof(terr));
        if (t == NULL)
            return usage_error(cmd, "--target-topology: %s", terr);
        topology_info ti;
        topology_get_info(t, &ti);
        topology_free(t);
        if (o.target_cores == 0)
            o.target_cores = ti.cores;
    }
    log_init(o.level);
    runner_install_signals();
    return cmd_run_measure(&o);
}

static int cmd_topology(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"synthetic", required_argument, NULL, 'S'},
        {"workers", required_argument, NULL, 'w'},
        {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *synthetic = NULL;
    bool json = false;
    long max_workers = 0;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":w:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'S':
            synthetic = optarg;
            break;
        case 'w':
            if (parse_positive(optarg, PLAN_WORKER_CAP, &max_workers) < 0)
                return usage_error("topology", "--workers '%s': expected a count from 1 to %d",
                                   optarg, PLAN_WORKER_CAP);
            break;
        case 'J':
            json = true;
            break;
        case 'h':
            fputs(usage_topology, stdout);
            return CONCUR_EXIT_OK;
        case ':':
            return usage_error("topology", "option '%s' needs a value", argv[optind - 1]);
        default:
            return bad_option("topology", argv);
        }
    }
    if (optind < argc)
        return usage_error("topology", "unexpected argument '%s'", argv[optind]);
    char err[512];
    topology *t = topology_load(synthetic, err, sizeof(err));
    if (t == NULL) {
        log_error("%s", err);
        return synthetic ? CONCUR_EXIT_USAGE : CONCUR_EXIT_ENV;
    }
    topology_info info;
    topology_get_info(t, &info);
    int maxw = max_workers > 0 ? (int)max_workers : info.allowed_pus;
    if (maxw > PLAN_WORKER_CAP)
        maxw = PLAN_WORKER_CAP;
    int rc = CONCUR_EXIT_OK;
    if (json) {
        char *text = NULL;
        if (topology_describe_json(t, maxw, &text) < 0) {
            log_error("cannot describe the topology as JSON");
            rc = CONCUR_EXIT_ENV;
        } else {
            puts(text);
            free(text);
        }
    } else {
        topology_describe(t, maxw, stdout);
    }
    topology_free(t);
    return rc;
}

static int cmd_counters(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"counters", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    counters_level max = COUNTERS_HARDWARE;
    bool json = false;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'C':
            if (counters_parse_level(optarg, &max) < 0)
                return usage_error("counters",
                                   "--counters '%s': expected auto, hardware, software or kernel",
                                   optarg);
            break;
        case 'J':
            json = true;
            break;
        case 'h':
            fputs(usage_counters, stdout);
            return CONCUR_EXIT_OK;
        case ':':
            return usage_error("counters", "option '%s' needs a value", argv[optind - 1]);
        default:
            return bad_option("counters", argv);
        }
    }
    if (optind < argc)
        return usage_error("counters", "unexpected argument '%s'", argv[optind]);
    counters_probe p;
    counters_detect(max, &p);
    if (json) {
        cJSON *j = counters_probe_to_json(&p);
        char *text = cJSON_Print(j);
        puts(text);
        free(text);
        cJSON_Delete(j);
    } else {
        counters_describe(&p, stdout);
    }
    return CONCUR_EXIT_OK;
}

/* A number from a command line: the whole argument, finite. Returns 0 or -1. */
static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Loads one results file for compare. Returns 0, or CONCUR_EXIT_ENV after printing the loader's
 * reason (it names the file). */
static int load_for_compare(const char *path, results *r)
{
    char err[2048];
    if (results_load(path, r, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return CONCUR_EXIT_ENV;
    }
    return CONCUR_EXIT_OK;
}

static int cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"threshold", required_argument, NULL, 'T'},
        {"alpha", required_argument, NULL, 'A'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum { FORMAT_TEXT, FORMAT_MD, FORMAT_JSON } format = FORMAT_TEXT;
    double threshold_pct = COMPARE_DEFAULT_THRESHOLD * 100.0, alpha = COMPARE_DEFAULT_ALPHA;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'T':
            if (parse_number(optarg, &threshold_pct) < 0 || threshold_pct < 0)
                return usage_error("compare", "--threshold '%s': expected a percentage, e.g. 5",
                                   optarg);
            break;
        case 'A':
            if (parse_number(optarg, &alpha) < 0 || !(alpha > 0 && alpha < 1))
                return usage_error("compare",
                                   "--alpha '%s': expected a level between 0 and 1, e.g. 0.05",
                                   optarg);
            break;
        case 'F':
            if (!strcmp(optarg, "text"))
                format = FORMAT_TEXT;
            else if (!strcmp(optarg, "md") || !strcmp(optarg, "markdown"))
                format = FORMAT_MD;
            else if (!strcmp(optarg, "json"))
                format = FORMAT_JSON;
            else
                return usage_error("compare", "--format '%s': expected text, md or json", optarg);
            break;
        case 'h':
            fputs(usage_compare, stdout);
            return CONCUR_EXIT_OK;
        case ':':
            return usage_error("compare", "option '%s' needs a value", argv[optind - 1]);
        default:
            return bad_option("compare", argv);
        }
    }
    if (argc - optind < 2)
        return usage_error("compare", "expected two results files, OLD.json NEW.json (got %d)",
                           argc - optind);
    if (argc - optind > 2)
        return usage_error("compare",
                           "unexpected argument '%s' (two results files: OLD.json NEW.json)",
                           argv[optind + 2]);

    results old, new_;
    int rc = load_for_compare(argv[optind], &old);
    if (rc != CONCUR_EXIT_OK) {
        results_free(&old);
        return rc;
    }
    rc = load_for_compare(argv[optind + 1], &new_);
    if (rc != CONCUR_EXIT_OK) {
        results_free(&old);
        results_free(&new_);
        return rc;
    }

    compare_report rep;
    compare_results(&old, &new_, threshold_pct / 100.0, alpha, &rep);
    for (int i = 0; i < rep.nwarnings; i++)
        log_warn("%s", rep.warnings[i]);
    if (format == FORMAT_JSON)
        compare_print_json(&rep, stdout);
    else if (format == FORMAT_MD)
        compare_print_markdown(&rep, stdout);
    else
        compare_print_text(&rep, stdout);
    rc = compare_has_slowdown(&rep) ? CONCUR_EXIT_RUN_FAILED : CONCUR_EXIT_OK;
    compare_report_free(&rep);
    results_free(&old);
    results_free(&new_);
    return rc;
}

static int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'F'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool md = true, html = true, terminal = false;
    const char *out_dir = NULL;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'F': {
            char list[256], *save = NULL;
            util_fmt(list, sizeof(list), "%s", optarg);
            md = html = terminal = false;
            int n = 0;
            for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save), n++) {
                if (!strcmp(f, "md") || !strcmp(f, "markdown"))
                    md = true;
                else if (!strcmp(f, "html"))
                    html = true;
                else if (!strcmp(f, "terminal"))
                    terminal = true;
                else
                    return usage_error("report", "--format '%s': expected md, html or terminal, "
                                                 "comma-separated", optarg);
            }
            if (n == 0)
                return usage_error("report", "--format '%s': expected md, html or terminal, "
                                             "comma-separated", optarg);
            break;
        }
        case 'o':
            if (optarg[0] == '\0')
                return usage_error("report", "--out: an empty directory name");
            out_dir = optarg;
            break;
        case 'h':
            fputs(usage_report, stdout);
            return CONCUR_EXIT_OK;
        case ':':
            return usage_error("report", "option '%s' needs a value", argv[optind - 1]);
        default:
            return bad_option("report", argv);
        }
    }
    if (optind >= argc)
        return usage_error("report", "no results file given (a results.json written by 'concur "
                                     "run')");
    if (optind + 1 < argc)
        return usage_error("report", "unexpected argument '%s' (one results file)",
                           argv[optind + 1]);
    const char *path = argv[optind];

    results res;
    char err[2048];
    if (results_load(path, &res, err, sizeof(err)) < 0) {
        log_error("%s", err);
        results_free(&res);
        return CONCUR_EXIT_ENV;
    }
    int rc = CONCUR_EXIT_OK;
    if (terminal)
        report_terminal(&res, stdout);
    if (md || html) {
        char dir[PATH_MAX];
        if (out_dir) {
            util_fmt(dir, sizeof(dir), "%s", out_dir);
        } else {
            const char *slash = strrchr(path, '/');
            if (slash == NULL)
                util_fmt(dir, sizeof(dir), ".");
            else if (slash == path)
                util_fmt(dir, sizeof(dir), "/");
            else
                util_fmt(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
        }
        if (util_mkdir_p(dir, 0755) < 0) {
            log_error("cannot create the output directory %s: %s", dir, strerror(errno));
            rc = CONCUR_EXIT_ENV;
        } else if (report_write_files(&res, dir, md, html, err, sizeof(err)) < 0) {
            log_error("%s", err);
            rc = CONCUR_EXIT_ENV;
        } else {
            const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
            if (md)
                printf("%s%sreport.md\n", dir, sep);
            if (html)
                printf("%s%sreport.html\n", dir, sep);
        }
    }
    results_free(&res);
    return rc;
}

static int cmd_help(int argc, char **argv)
{
    const char *topic = argc > 1 ? argv[1] : NULL;
    if (topic == NULL)
        fputs(usage_main, stdout);
    else if (!strcmp(topic, "run"))
        fputs(usage_run, stdout);
    else if (!strcmp(topic, "classify"))
        fputs(usage_classify, stdout);
    else if (!strcmp(topic, "topology"))
        fputs(usage_topology, stdout);
    else if (!strcmp(topic, "counters"))
        fputs(usage_counters, stdout);
    else if (!strcmp(topic, "compare"))
        fputs(usage_compare, stdout);
    else if (!strcmp(topic, "report"))
        fputs(usage_report, stdout);
    else
        return usage_error(NULL, "no help for '%s' (commands: run, classify, topology, counters, compare, report)", topic);
    return CONCUR_EXIT_OK;
}

int cli_main(int argc, char **argv)
{
    log_init(LOG_NORMAL);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return CONCUR_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help"))
        return cmd_help(1, argv);
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("concur %s\n", CONCUR_VERSION);
        return CONCUR_EXIT_OK;
    }
    /* Each command parses its own options from its own argv. */
    optind = 1;
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1, false);
    if (!strcmp(cmd, "classify"))
        return cmd_run(argc - 1, argv + 1, true);
    if (!strcmp(cmd, "topology"))
        return cmd_topology(argc - 1, argv + 1);
    if (!strcmp(cmd, "counters"))
        return cmd_counters(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "help"))
        return cmd_help(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s' (options go after the command)", cmd);
    return usage_error(NULL, "unknown command '%s' (commands: run, classify, topology, counters, compare, report, help)", cmd);
}

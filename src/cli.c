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
    "Runs WORKLOAD (a .py file with task(i), or package.module:function) on one thread, in a\n"
    "thread pool and in a process pool, and recommends one: the fastest measured, or the\n"
    "cheapest within its noise, at the fewest workers that reach 90 % of its best (by\n"
    "the medians, or within the noise of the repeats).\n"
    "\n"
    "It measures what that answer needs, not a fixed grid: one warm-up run; on a long job, a\n"
    "sample of the tasks per run, scaled to the whole job; 3 runs of each configuration, and\n"
    "more of those the choice turns on, until their median is known to +-5 %; each pool grows\n"
    "2, 4, 8, ... workers only while a step gains beyond its noise (past the core count only\n"
    "while the workers wait). Where a process pool's cost per task is of the order of the\n"
    "task, a larger chunksize is measured, and the other start method for the pool it would\n"
    "recommend. results.json (with plan[]: what was run, skipped and why) is rewritten after\n"
    "every run; report.md and report.html at the end. The workload's output goes to logs/.\n"
    "\n"
    "Options:\n"
    "  -m, --modes LIST         modes to measure: single,threads,processes (default: all).\n"
    "                           single is always measured: it is the baseline of every speedup\n"
    "  -w, --workers LIST       worker counts, e.g. 2,4,8 (default: 2, 4, ... while a mode\n"
    "                           gains, as above)\n"
    "  -n, --tasks N            tasks in the job (default: the workload's TASKS, else 64)\n"
    "  -r, --repeat N           exactly N runs of each configuration (default: 3, and more of\n"
    "                           the configurations the choice turns on)\n"
    "      --precision PCT      run those until the 95 % interval of their median wall time\n"
    "                           is within +-PCT % (default: 5)\n"
    "      --max-repeat N       at most N runs of one configuration (default: 6)\n"
    "      --sample N|all|auto  tasks per run: N spread over the job, all of them, or auto\n"
    "                           (default: all when one pass takes under 0.4 s, else about\n"
    "                           0.1 s of them, at least 4 and 2 per worker, in whole\n"
    "                           rounds: a multiple of the workers)\n"
    "      --budget SECONDS     stop after this long, write what was measured and say what\n"
    "                           was not (default: no limit)\n"
    "      --fixed              exactly the planned configurations (--workers, or 1, 2, ... up\n"
    "                           to the core count), --repeat runs each: no warm-up, no growth,\n"
    "                           no follow-ups. For scripted timing and concur compare\n"
    "      --fresh-interpreter  start a new interpreter for every run (default: runs fork\n"
    "                           from one interpreter started once, which saves each run the\n"
    "                           interpreter's start-up; nothing of it is in the measured time)\n"
    "  -p, --python PATH        interpreter to measure (default: python3). Launcher shims\n"
    "                           (pyenv) are resolved to the real interpreter first\n"
    "  -s, --start-method M     process pools: fork, spawn or forkserver (default: the\n"
    "                           interpreter's own default)\n"
    "      --chunksize N        process pools: map()'s chunksize (default: 1, as\n"
    "                           ProcessPoolExecutor.map, and a larger one measured where the\n"
    "                           pool's cost per task calls for it; with N, only N)\n"
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
    "  concur run my_job.py --budget 60                 # at most a minute\n"
    "  concur run my_job.py --fixed --workers 2,4,8 --repeat 5 --json\n"
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
    "      --fresh-interpreter  start a new interpreter for every run (default: fork each\n"
    "                           run from one started interpreter)\n"
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
    bool repeat_given;  /* --repeat: exactly that many runs of each configuration */
    bool fixed;         /* --fixed: the planned configurations only, no warm-up or follow-ups */
    bool fresh;         /* --fresh-interpreter: no zygote, every run executes the interpreter */
    int chunksize;      /* --chunksize: every process pool's; 0: concur's choice */
    double precision;   /* --precision, relative */
    int max_repeat;     /* --max-repeat */
    double budget_s;    /* --budget; 0: none */
    int sample;         /* --sample: 0 auto, -1 all, else tasks per run */
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

/* "[ 3/15] threads   x2   run 1/3   0.512 s  cpu 0.50", or without the totals where they are not
 * known in advance (0); a sample's run says how many tasks it measured. */
static void progress_line(int i, int total, const run_result *r, int repeat_total)
{
    char head[32], rep[24], sample[48] = "";
    if (total > 0)
        util_fmt(head, sizeof(head), "[%*d/%d]", total >= 100 ? 3 : total >= 10 ? 2 : 1, i, total);
    else
        util_fmt(head, sizeof(head), "[%2d]", i);
    if (r->warmup)
        util_fmt(rep, sizeof(rep), "warm-up");
    else if (repeat_total > 0)
        util_fmt(rep, sizeof(rep), "run %d/%d", r->repeat, repeat_total);
    else
        util_fmt(rep, sizeof(rep), "run %d", r->repeat);
    if (r->sample_of > 0)
        util_fmt(sample, sizeof(sample), "  (%d of %d tasks)", r->tasks, r->sample_of);
    if (r->status == RUN_OK || r->status == RUN_TASKS_FAILED)
        log_info("%s %-9s x%-3d %-9s %8.3f s  cpu %.2f%s%s", head, plan_mode_name(r->mode),
                 r->workers, rep, r->wall_s, r->cpu_utilization, sample,
                 r->status == RUN_TASKS_FAILED ? "  (some tasks raised)" : "");
    else
        log_info("%s %-9s x%-3d %-9s %s: %s", head, plan_mode_name(r->mode), r->workers, rep,
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
    int total_runs, done;     /* total_runs 0: not known in advance (adaptive) */
    int total_configs, configs_done;
    int failed_configs;
    bool status_shown; /* a live status line is on the terminal and must be cleared */
    plan_repeat_rule rule;
    double pass_s;     /* one pass over every task on one thread, from the warm-up (NAN: unknown) */
    double task_cv;    /* coefficient of variation of the tasks' wall times in single runs */
    double deadline;   /* util_now() by which --budget ends; 0: none */
    struct {           /* configurations whose runs were too slow (plan_sample_shrink): the */
        plan_config cfg;   /* tasks their later runs measure */
        bool variant;
        int tasks;
    } shrunk[16];
    int nshrunk;
} session;

/* Tasks per run for cfg after a slow run of it; 0: as plan_sample_tasks says. A thread pool keeps
 * its sample: its cost per task grows with the tasks queued (tiny_tasks, 2 threads: 60 us a task
 * with 1 200 queued, 160 us with 30 000), so a smaller sample would flatter it. A process pool's
 * cost is the same per task at any size (330 us there at 1 200, 6 000 and 30 000); one not yet
 * run starts where the thread pool of its size would have shrunk to: it pays the thread pool's
 * hand-off per task and pickling and a pipe on top. A first run too short loses some precision;
 * one too long costs seconds. */
static int shrunk_tasks(const session *ss, plan_config cfg, bool variant)
{
    if (cfg.mode == MODE_THREADS)
        return 0;
    for (int i = 0; i < ss->nshrunk; i++)
        if (ss->shrunk[i].cfg.mode == cfg.mode && ss->shrunk[i].cfg.workers == cfg.workers &&
            ss->shrunk[i].variant == variant)
            return ss->shrunk[i].tasks;
    if (cfg.mode == MODE_PROCESSES && !variant)
        for (int i = 0; i < ss->nshrunk; i++)
            if (ss->shrunk[i].cfg.mode == MODE_THREADS && ss->shrunk[i].cfg.workers == cfg.workers)
                return ss->shrunk[i].tasks;
    return 0;
}

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
    char left[64] = "";
    if (ss->deadline > 0)
        util_fmt(left, sizeof(left), " of a %.0f s budget", ss->o->budget_s);
    else if (ss->done > 0 && ss->total_runs > 0)
        util_fmt(left, sizeof(left), ", about %.0f s left",
                 elapsed / ss->done * (ss->total_runs - ss->done));
    char of[32] = "";
    if (repeat > 0)
        util_fmt(of, sizeof(of), "/%d", repeat);
    fprintf(stderr, "\r\033[K  %s x%d, run %d%s; %.0f s elapsed%s", plan_mode_name(cfg->mode),
            cfg->workers, rep, of, elapsed, left);
    ss->status_shown = true;
}

static void progress_clear_line(session *ss)
{
    if (ss->status_shown)
        fprintf(stderr, "\r\033[K");
    ss->status_shown = false;
}

/* Whether a run expected to take est seconds still fits the budget. */
static bool budget_allows(session *ss, double est)
{
    if (ss->deadline <= 0)
        return true;
    if (ss->res->budget_reached)
        return false;
    if (util_now() + (isfinite(est) ? est : 0.0) <= ss->deadline)
        return true;
    ss->res->budget_reached = true;
    return false;
}

/* How long the next run of a configuration should take: its own runs so far (the median, harness
 * start-up included), else the last run of any. */
static double expected_run_s(const session *ss, plan_config cfg, bool variant)
{
    double v[64];
    int n = 0;
    const results *r = ss->res;
    for (int i = r->nruns - 1; i >= 0 && n < 64; i--) {
        const run_result *x = &r->runs[i];
        if (x->mode == cfg.mode && x->workers == cfg.workers && x->variant == variant &&
            !x->warmup && isfinite(x->harness_s))
            v[n++] = x->harness_s;
    }
    if (n > 0)
        return stats_median(v, n);
    for (int i = r->nruns - 1; i >= 0; i--)
        if (isfinite(r->runs[i].harness_s))
            return r->runs[i].harness_s;
    return NAN;
}

/* The tasks a run of cfg measures: all of them, or a sample (plan_sample_tasks). */
/* Who takes the tasks of a sample: a worker, or in a process pool that batches, a chunk of
 * chunksize tasks at a time (PLAN_SAMPLE_TASKS_PER_WORKER chunks each, in whole rounds of chunks):
 * chunksize 4 on a 4-task sample put every task on one of 2 workers, and measured 1.06x where
 * the pool gains 1.7x. */
static int sample_takers(plan_config cfg, const runner_env *env)
{
    return cfg.mode == MODE_PROCESSES && env->chunksize > 1 ? cfg.workers * env->chunksize
                                                            : cfg.workers;
}

static void sample_env(const session *ss, runner_env *env, int takers)
{
    int tasks = ss->res->workload.tasks;
    int k = plan_sample_tasks(tasks, ss->pass_s, takers, ss->o->sample);
    env->tasks = k;
    env->sample_of = k < tasks ? tasks : 0;
}

/* Whether concur chooses the sample (not --sample, not --fixed). */
static bool adaptive_sample(const session *ss)
{
    return ss->o->sample == 0 && !ss->o->fixed && !ss->o->classify && isfinite(ss->pass_s);
}

/* Coefficient of variation of a run's task wall times; NAN with fewer than 2. */
static double task_cv(const run_result *r)
{
    int n = r->ntask_walls;
    if (n < 2)
        return NAN;
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++)
        mean += r->task_walls[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        var += (r->task_walls[i] - mean) * (r->task_walls[i] - mean);
    var /= n - 1;
    return mean > 0 ? sqrt(var) / mean : NAN;
}

/* One run of cfg, stored in the results, which are rewritten. Returns the stored run, or NULL when
 * the budget has no room for it. */
static const run_result *run_once(session *ss, const runner_env *base, plan_config cfg, int rep,
                                  int repeat_total, bool warmup)
{
    runner_env env = *base;
    if (!warmup)
        sample_env(ss, &env, sample_takers(cfg, &env));
    int shrunk = warmup ? 0 : shrunk_tasks(ss, cfg, env.variant);
    if (shrunk > 0 && shrunk < env.tasks) {
        env.tasks = shrunk;
        env.sample_of = ss->res->workload.tasks;
    }
    if (!budget_allows(ss, expected_run_s(ss, cfg, env.variant)))
        return NULL;
    if (ss->deadline > 0) {
        /* A run that outlives the budget is stopped with it. */
        double left = ss->deadline - util_now();
        if (left < 1.0)
            left = 1.0;
        if (env.timeout_s <= 0 || left < env.timeout_s)
            env.timeout_s = left;
    }
    progress_status(ss, &cfg, rep, repeat_total);
    run_result r;
    runner_run(&env, cfg.mode, cfg.workers, rep, &r);
    r.warmup = warmup;
    int tasks = ss->res->workload.tasks;
    if (r.tasks > 0 && r.tasks < tasks && !warmup) {
        double cv = cfg.mode == MODE_SINGLE || !isfinite(ss->task_cv) ? task_cv(&r) : ss->task_cv;
        r.scale = (double)tasks / r.tasks;
        r.scale_se = plan_sample_se(r.tasks, tasks, cv);
    }
    if (r.status == RUN_TIMED_OUT && ss->deadline > 0 && util_now() >= ss->deadline - 0.05) {
        ss->res->budget_reached = true;
        util_fmt(r.error, sizeof(r.error), "stopped when the --budget of %g s ran out",
                 ss->o->budget_s);
    }
    results_add_run(ss->res, &r);
    results_run_free(&r);
    const run_result *stored = &ss->res->runs[ss->res->nruns - 1];
    progress_clear_line(ss);
    progress_line(++ss->done, ss->total_runs, stored, repeat_total);
    write_results(ss->res, ss->json_path, ss->o->target_cores);
    return stored;
}

static const char *verdict_text(char *buf, size_t len, plan_repeat_verdict v, int n,
                                double precision, const plan_repeat_rule *rule)
{
    char p[32];
    if (isfinite(precision))
        util_fmt(p, sizeof(p), "+-%.1f %%", 100 * precision);
    else
        util_fmt(p, sizeof(p), "unknown precision");
    switch (v) {
    case PLAN_REPEAT_PRECISE:
        return util_fmt(buf, len, "%d runs: the median known to %s", n, p);
    case PLAN_REPEAT_CAP:
        return util_fmt(buf, len, "%d runs, the cap: the median known to %s (+-%.0f %% asked)", n,
                        p, 100 * rule->precision);
    case PLAN_REPEAT_DECIDED:
        if (!(rule->precision > 0))
            return util_fmt(buf, len, "%d runs as asked: the median known to %s", n, p);
        return util_fmt(buf, len, "%d runs: the median known to %s; more only if the "
                        "recommendation turns on it", n, p);
    case PLAN_REPEAT_OUT_OF_REACH:
        return util_fmt(buf, len, "%d runs: the median known to %s; at this noise %d runs would "
                        "not reach +-%.0f %%", n, p, rule->max_runs, 100 * rule->precision);
    case PLAN_REPEAT_MORE:
        break;
    }
    return util_fmt(buf, len, "%d runs: the median known to %s", n, p);
}

/* Runs of one configuration: exactly `count` when count > 0, else until the stopping rule says
 * enough (ss->rule), one at a time. Records the outcome in the plan. A configuration that fails
 * hard is not run again. first: the repeat number of the first new run. f: the follow-up these
 * runs measure (NULL for the sweep): one whose first run already shows it cannot be chosen is
 * not run again (advise_followup_settled). */
static void measure_config(session *ss, const runner_env *env, plan_config cfg, int first,
                           int count, const advise_followup *f)
{
    char futile[PLAN_WHY_LEN] = "";
    int rep = first;
    plan_repeat_rule rule = ss->rule;
    if (count > 0) {
        rule.min_runs = count;
        rule.precision = 0;
    }
    const config_summary *s = NULL;
    plan_repeat_verdict v = PLAN_REPEAT_MORE;
    int ran = 0;
    bool failed = false;
    while (!runner_interrupted()) {
        const run_result *stored = run_once(ss, env, cfg, rep, count > 0 ? first + count - 1 : 0,
                                            false);
        if (!stored)
            break;
        ran++;
        rep++;
        if (run_failed_hard(stored)) {
            if (stored->status != RUN_INTERRUPTED && !ss->res->budget_reached) {
                ss->failed_configs++;
                log_info("        not running %s x%d again: it failed", plan_mode_name(cfg.mode),
                         cfg.workers);
            }
            failed = true;
            break;
        }
        /* The warm-up's few tasks time a task, but not what the loop around it costs: the first
         * real run of single, on its whole sample, tells the pass better. Where the sample it
         * implies is more than 1.5 times off, later runs measure that one. */
        if (adaptive_sample(ss) && cfg.mode == MODE_SINGLE && ran == 1 &&
            stored->status == RUN_OK && stored->tasks > 0 && isfinite(stored->wall_s)) {
            int tasks = ss->res->workload.tasks;
            double pass = stored->wall_s * tasks / stored->tasks;
            int k = plan_sample_tasks(tasks, pass, 1, ss->o->sample);
            double q = (double)k / stored->tasks;
            if (q > 1.5 || q < 1.0 / 1.5) {
                char was[32], now[32];
                log_info("        one pass takes about %s, not %s: later runs measure %d tasks",
                         util_fmt_seconds(now, sizeof(now), pass),
                         util_fmt_seconds(was, sizeof(was), ss->pass_s), k);
                for (int i = 0; i < ss->res->nplan; i++)
                    if (ss->res->plan[i].action == PLAN_WARMUP) {
                        plan_entry *e = &ss->res->plan[i];
                        size_t len = strlen(e->why);
                        util_fmt(e->why + len, sizeof(e->why) - len, "; single's first run "
                                 "(%d tasks in %s) put a pass at %s: later runs measure %d",
                                 stored->tasks, util_fmt_seconds(was, sizeof(was), stored->wall_s),
                                 now, k);
                    }
                ss->pass_s = pass;
            }
        }
        /* A sample run far slower than planned (a pool slower than single): fewer tasks next. */
        if (adaptive_sample(ss) && stored->sample_of > 0) {
            int k = plan_sample_shrink(stored->tasks, stored->wall_s, sample_takers(cfg, env));
            int at = 0;
            while (at < ss->nshrunk &&
                   !(ss->shrunk[at].cfg.mode == cfg.mode &&
                     ss->shrunk[at].cfg.workers == cfg.workers &&
                     ss->shrunk[at].variant == env->variant))
                at++;
            if (k > 0 && at < (int)ARRAY_LEN(ss->shrunk) &&
                (at == ss->nshrunk || k < ss->shrunk[at].tasks)) {
                ss->shrunk[at].cfg = cfg;
                ss->shrunk[at].variant = env->variant;
                ss->shrunk[at].tasks = k;
                if (at == ss->nshrunk)
                    ss->nshrunk++;
                if (cfg.mode == MODE_PROCESSES)
                    log_info("        %s x%d took %.2f s for %d tasks: its next runs measure %d",
                             plan_mode_name(cfg.mode), cfg.workers, stored->wall_s,
                             stored->tasks, k);
            }
        }
        results_summarize(ss->res);
        s = env->variant ? results_find_variant(ss->res, cfg.mode, cfg.workers, env->chunksize > 1
                                                ? env->chunksize : 1, stored->start_method)
                         : results_find_summary(ss->res, cfg.mode, cfg.workers);
        int n = s ? s->runs_ok : 0;
        v = plan_repeat_next(&rule, count > 0 ? ran : n, s ? s->precision : NAN, false);
        if (count > 0 && ran < count)
            v = PLAN_REPEAT_MORE;
        if (v != PLAN_REPEAT_MORE)
            break;
        if (f && count == 0 && ran == 1 &&
            advise_followup_settled(ss->res, f, stored, futile, sizeof(futile)))
            break;
    }
    ss->configs_done++;
    if (ran == 0 && !ss->res->budget_reached)
        return;
    char why[PLAN_WHY_LEN];
    if (ran == 0) {
        results_add_plan(ss->res, PLAN_BUDGET, cfg.mode, cfg.workers,
                         "not measured: the budget ran out before it");
        return;
    }
    if (failed)
        util_fmt(why, sizeof(why), "failed: %s", ss->res->runs[ss->res->nruns - 1].error);
    else if (!s)
        util_fmt(why, sizeof(why), "no successful run");
    else if (futile[0])
        util_fmt(why, sizeof(why), "%s", futile);
    else if (ss->res->budget_reached && v == PLAN_REPEAT_MORE)
        util_fmt(why, sizeof(why), "%d runs when the budget ran out: the median known to "
                 "+-%.1f %%", s->runs_ok, 100 * s->precision);
    else
        verdict_text(why, sizeof(why), v, s->runs_ok, s->precision, &rule);
    if (env->variant && s)
        util_fmt(why + strlen(why), sizeof(why) - strlen(why), " (%s, chunksize %d)",
                 s->start_method, s->chunksize);
    results_add_plan(ss->res, PLAN_RAN, cfg.mode, cfg.workers, "%s", why);
    plan_entry *e = &ss->res->plan[ss->res->nplan - 1];
    e->variant = env->variant;
    e->runs = s ? s->runs_ok : 0;
    e->precision = s ? s->precision : NAN;
}

/* The warm-up: one run of single on a few tasks. It loads the interpreter, the workload and its
 * files, and says what one pass over every task costs: enough to choose the sample. */
static void warm_up(session *ss, const runner_env *base)
{
    results *res = ss->res;
    runner_env env = *base;
    int tasks = res->workload.tasks;
    int k0 = tasks < PLAN_WARMUP_TASKS ? tasks : PLAN_WARMUP_TASKS;
    env.tasks = k0;
    env.sample_of = k0 < tasks ? tasks : 0;
    const run_result *w = run_once(ss, &env, (plan_config){MODE_SINGLE, 1}, 0, 0, true);
    if (!w)
        return;
    if (w->status != RUN_OK || !(w->task_wall.median > 0)) {
        results_add_plan(res, PLAN_WARMUP, MODE_SINGLE, 1, "warm-up run failed: %s; every run is "
                         "measured on all %d tasks", w->error[0] ? w->error : "no task times",
                         tasks);
        return;
    }
    /* The median task, not the mean: the first task may carry the job's own start-up. */
    ss->pass_s = w->task_wall.median * tasks;
    ss->task_cv = task_cv(w);
    char pass[32], first[96] = "";
    util_fmt_seconds(pass, sizeof(pass), ss->pass_s);
    if (w->ntask_walls >= 3 && w->task_walls[0] > 2.0 * w->task_wall.median)
        util_fmt(first, sizeof(first), "; its first task took %.1fx the median: a start-up cost "
                 "inside the job, which every run pays", w->task_walls[0] / w->task_wall.median);
    int k = plan_sample_tasks(tasks, ss->pass_s, 1, ss->o->sample);
    char sample[160];
    if (k < tasks)
        util_fmt(sample, sizeof(sample), "runs measure a sample of %d of the %d tasks (more with "
                 "more workers), scaled to the whole job", k, tasks);
    else
        util_fmt(sample, sizeof(sample), "every run measures all %d tasks", tasks);
    results_add_plan(res, PLAN_WARMUP, MODE_SINGLE, 1, "one warm-up run of %d tasks (kept apart): "
                     "it loads %sthe workload and its files; at %s a pass over "
                     "all %d tasks takes about %s, so %s%s", w->tasks,
                     runner_zygote_alive(base->zygote) ? "" : "the interpreter, ",
                     util_fmt_seconds((char[32]){0}, 32, w->task_wall.median), tasks, pass, sample,
                     first);
    log_info("        warm-up: one pass would take about %s; %s", pass, sample);
}

/* More runs of a configuration continue its repeat numbers: the next one. */
static int next_repeat(const results *r, run_mode mode, int workers, bool variant, int chunksize,
                       const char *start_method)
{
    int next = 1;
    for (int k = 0; k < r->nruns; k++) {
        const run_result *x = &r->runs[k];
        if (x->mode == mode && x->workers == workers && !x->warmup && x->variant == variant &&
            x->repeat >= next &&
            (!variant || (x->chunksize == chunksize && !strcmp(x->start_method, start_method))))
            next = x->repeat + 1;
    }
    return next;
}

/* The step from before to s in mode: its speedup, and the low end of its gain from the two
 * configurations' runs with the whole run's pooled noise (results_compare_walls): the speedup
 * intervals carry single's noise twice, which would stop a sweep that is still gaining. */
static plan_step judge_step(const results *res, run_mode mode, const config_summary *s,
                            const config_summary *before)
{
    double gain_low = NAN;
    stats_welch w;
    if (before && results_compare_walls(res, s, before, 0.95, &w) == 0)
        gain_low = exp(w.low); /* mean log(before) - mean log(now) */
    plan_step step = {.mode = mode, .workers = s->workers, .speedup = s->speedup,
                      .gain_low = gain_low,
                      .prev_speedup = before && before->mode != MODE_SINGLE ? before->speedup : 1.0,
                      .cpu_utilization = s->cpu_utilization,
                      .running_fraction = s->running_fraction,
                      .gil_wait_fraction = s->gil_distinguished ? s->gil_wait_fraction : NAN,
                      .threads_speedup = NAN,
                      .cores = res->machine.allowed_cores, .tasks = res->workload.tasks};
    const config_summary *t = mode == MODE_PROCESSES ? results_find_summary(res, MODE_THREADS,
                                                                            s->workers)
                                                     : NULL;
    if (t && t->runs_ok > 0)
        step.threads_speedup = t->speedup;
    return step;
}

/* The thread or process pool of one mode, 2, 4, ... workers while it gains (plan_grow). A step
 * whose medians gain but whose runs cannot yet show it (plan_step_unsettled) gets one more run
 * of the side with fewer, up to the cap, before the sweep decides: a stalled run among three
 * would otherwise end a sweep that gains 1.8x a step. */
static void sweep_mode(session *ss, const runner_env *env, run_mode mode)
{
    results *res = ss->res;
    results_add_plan(res, PLAN_SKIPPED, mode, 1, "a 1-worker pool does single's work plus the "
                     "pool's own cost, which every pool run measures (pool_overhead_per_task_s)");
    plan_config before_cfg = {MODE_SINGLE, 1};
    int n = 2;
    while (n > 0 && !runner_interrupted() && !res->budget_reached) {
        if (n > res->workload.tasks) {
            results_add_plan(res, PLAN_SKIPPED, mode, n, "%d workers would be more than the %d "
                             "tasks", n, res->workload.tasks);
            break;
        }
        measure_config(ss, env, (plan_config){mode, n}, 1, ss->o->repeat_given ? ss->o->repeat : 0,
                       NULL);
        results_summarize(res);
        const config_summary *s = results_find_summary(res, mode, n);
        if (!s || s->runs_ok == 0 || res->budget_reached)
            break;
        const config_summary *before = results_find_summary(res, before_cfg.mode,
                                                            before_cfg.workers);
        plan_step step = judge_step(res, mode, s, before);
        /* At most twice the cap: a run whose tasks failed adds nothing to runs_ok. */
        for (int extra = 0; extra < 2 * ss->rule.max_runs && !ss->o->repeat_given && before &&
                            plan_step_unsettled(&step) && !runner_interrupted() &&
                            !res->budget_reached;
             extra++) {
            const config_summary *more = s->runs_ok <= before->runs_ok ? s : before;
            if (more->runs_ok >= ss->rule.max_runs)
                more = more == s ? before : s;
            if (more->runs_ok >= ss->rule.max_runs)
                break;
            plan_config cfg = {more->mode, more->workers};
            log_info("        %s x%d: %.2fx after %.2fx, within the noise so far: one more run of "
                     "%s x%d", plan_mode_name(mode), n, step.speedup, step.prev_speedup,
                     plan_mode_name(cfg.mode), cfg.workers);
            const run_result *x = run_once(ss, env, cfg,
                                           next_repeat(res, cfg.mode, cfg.workers, false, 0, ""),
                                           0, false);
            if (!x || run_failed_hard(x))
                break;
            results_summarize(res);
            s = results_find_summary(res, mode, n);
            before = results_find_summary(res, before_cfg.mode, before_cfg.workers);
            if (!s || !before)
                break;
            step = judge_step(res, mode, s, before);
        }
        if (!s)
            break;
        char why[PLAN_WHY_LEN];
        int next = plan_grow(&step, why, sizeof(why));
        if (next == 0)
            results_add_plan(res, PLAN_STOPPED, mode, n, "%s", why);
        else
            log_info("        %s", why);
        before_cfg = (plan_config){mode, n};
        n = next;
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
    bool adaptive = !o->classify && !o->fixed;
    res.repeat = p.repeat;
    res.timeout_s = o->timeout_s;
    res.fixed = !adaptive;
    res.precision = adaptive && !o->repeat_given ? o->precision : 0.0;
    res.max_repeat = adaptive && !o->repeat_given ? o->max_repeat : p.repeat;
    res.budget_s = o->budget_s;
    res.sample = o->sample;
    res.complete = false;
    snprintf(res.incomplete_reason, sizeof(res.incomplete_reason), "the run is in progress");
    if (write_results(&res, json_path, o->target_cores) < 0) {
        topology_free(topo);
        results_free(&res);
        return CONCUR_EXIT_ENV;
    }

    measure_capacity(topo, &res, true);
    log_info("concur: %s (%s) on %s %s, %d cores; counters: %s", res.workload.name,
             res.workload.spec, res.python.implementation, res.python.version, res.machine.cores,
             counters_level_name(res.counters.level));
    log_info("writing to %s/", out_dir);

    runner_env env = {
        .python = res.python.executable,
        .harness = harness,
        .workload = o->workload,
        .start_method = o->start_method,
        .chunksize = o->chunksize,
        .tasks = res.workload.tasks,
        .timeout_s = o->timeout_s,
        .log_dir = log_dir,
        .topo = topo,
        .counters = &res.counters,
    };
    res.fresh_interpreter = o->fresh;
    res.chunksize = o->chunksize;
    if (!o->fresh) {
        /* Every run forks from one started interpreter instead of starting its own. */
        char zerr[512] = "";
        env.zygote = runner_zygote_start(res.python.executable, harness, zerr, sizeof(zerr));
        if (env.zygote == NULL && !runner_interrupted())
            log_info("runs start their own interpreter: %s", zerr);
    }

    session ss = {.res = &res, .json_path = json_path, .o = o, .plan = &p, .t0 = util_now(),
                  .total_runs = adaptive ? 0 : p.n * p.repeat, .total_configs = p.n,
                  .pass_s = NAN, .task_cv = NAN,
                  .rule = {.min_runs = o->repeat_given ? o->repeat : PLAN_MIN_RUNS,
                           .max_runs = o->repeat_given ? o->repeat : o->max_repeat,
                           .precision = o->repeat_given ? 0.0 : o->precision}};
    if (o->budget_s > 0)
        ss.deadline = ss.t0 + o->budget_s;
    if (!adaptive) {
        /* The plan as built: every configuration, exactly --repeat runs, in order. */
        for (int ci = 0; ci < p.n && !runner_interrupted() && !res.budget_reached; ci++) {
            measure_config(&ss, &env, p.configs[ci], 1, p.repeat, NULL);
            if (p.configs[ci].mode == MODE_SINGLE && o->tasks == 0)
                warn_if_short(&res);
        }
    } else {
        /* single (after one warm-up run), then each pool mode growing while it gains; with
         * --workers, exactly those counts. */
        warm_up(&ss, &env);
        results_add_plan(&res, PLAN_SKIPPED, MODE_THREADS, 0, "no warm-up for the pools: each run "
                         "is a new process %s, loading the workload from the files the warm-up "
                         "read, and a pool's own start-up is part of what a user pays",
                         runner_zygote_alive(env.zygote) ? "forked from an interpreter started "
                         "once" : "with an interpreter of its own");
        for (int ci = 0; ci < p.n && !runner_interrupted() && !res.budget_reached; ci++) {
            plan_config cfg = p.configs[ci];
            if (cfg.mode != MODE_SINGLE && p.sweep) {
                bool first_of_mode = ci == 0 || p.configs[ci - 1].mode != cfg.mode;
                if (first_of_mode)
                    sweep_mode(&ss, &env, cfg.mode);
            } else {
                measure_config(&ss, &env, cfg, 1, o->repeat_given ? o->repeat : 0, NULL);
                if (cfg.mode == MODE_SINGLE) {
                    results_summarize(&res);
                    /* The tasks' cost spread, from every single run: it sizes the error a sample
                     * adds to the pools' runs. */
                    double cv[64];
                    int ncv = 0;
                    for (int i = 0; i < res.nruns && ncv < 64; i++)
                        if (res.runs[i].mode == MODE_SINGLE && !res.runs[i].warmup &&
                            res.runs[i].status == RUN_OK && isfinite(task_cv(&res.runs[i])))
                            cv[ncv++] = task_cv(&res.runs[i]);
                    if (ncv > 0)
                        ss.task_cv = stats_median(cv, ncv);
                    if (o->tasks == 0 && !(ss.pass_s > PLAN_SAMPLE_WHOLE_S))
                        warn_if_short(&res);
                }
            }
            /* Threads too few to tell whether the job holds the GIL: the count that can tell. */
            bool last_threads = cfg.mode == MODE_THREADS &&
                                (ci + 1 == p.n || p.configs[ci + 1].mode != MODE_THREADS);
            if (last_threads && !runner_interrupted() && !res.budget_reached) {
                results_summarize(&res);
                int more = classify_more_threads(&res);
                if (more > 0 && more <= res.workload.tasks &&
                    !results_find_summary(&res, MODE_THREADS, more)) {
                    log_info("        the threads measured cannot tell whether the job holds the "
                             "GIL: trying %d", more);
                    measure_config(&ss, &env, (plan_config){MODE_THREADS, more}, 1,
                                   o->repeat_given ? o->repeat : 0, NULL);
                }
            }
        }
    }

    /* What the advisor wants measured before it decides: more runs of the configurations the
     * choice turns on, a chunksize, the other start method. Each round asks for something not
     * yet measured, or for a run of a configuration below its cap, so the rounds end. */
    for (int round = 0; round < 64 && adaptive && !runner_interrupted() && !res.budget_reached;
         round++) {
        results_summarize(&res);
        classify_results(&res, &res.classification);
        advise_followup f[ADVISE_MAX_FOLLOWUPS];
        int nf = advise_followups(&res, f, ADVISE_MAX_FOLLOWUPS);
        if (nf == 0)
            break;
        for (int i = 0; i < nf && !runner_interrupted() && !res.budget_reached; i++) {
            if (i == 0 || strcmp(f[i].why, f[i - 1].why) != 0)
                log_info("        %s", f[i].why);
            runner_env v = env;
            v.variant = f[i].variant;
            if (f[i].variant) {
                v.chunksize = f[i].chunksize;
                v.start_method = f[i].start_method[0] ? f[i].start_method : env.start_method;
            }
            int first = next_repeat(&res, f[i].mode, f[i].workers, f[i].variant, f[i].chunksize,
                                    f[i].start_method);
            int count = f[i].repeats > 0 ? f[i].repeats : (o->repeat_given ? o->repeat : 0);
            if (f[i].repeats > 0) {
                /* One more run of a configuration the choice turns on. */
                const run_result *x = run_once(&ss, &v, (plan_config){f[i].mode, f[i].workers},
                                               first, 0, false);
                if (x && run_failed_hard(x) && x->status != RUN_INTERRUPTED &&
                    !res.budget_reached)
                    ss.failed_configs++;
                if (!x || run_failed_hard(x))
                    break;
                continue;
            }
            measure_config(&ss, &v, (plan_config){f[i].mode, f[i].workers}, first, count, &f[i]);
        }
    }
    if (adaptive) {
        /* Where the refinement left each configuration the choice turns on. */
        results_summarize(&res);
        for (int i = 0; i < res.nsummary; i++) {
            const config_summary *s = &res.summary[i];
            for (int k = res.nplan - 1; k >= 0; k--) {
                plan_entry *e = &res.plan[k];
                if (e->action == PLAN_RAN && e->mode == s->mode && e->workers == s->workers &&
                    !e->variant && !s->variant && e->runs != s->runs_ok) {
                    char why[PLAN_WHY_LEN];
                    util_fmt(why, sizeof(why), "%s; then %d more, as a decision turned on it "
                             "(a step of the sweep, or the recommendation): %d runs, +-%.1f %%",
                             e->why, s->runs_ok - e->runs, s->runs_ok, 100 * s->precision);
                    memcpy(e->why, why, sizeof(e->why));
                    e->runs = s->runs_ok;
                    e->precision = s->precision;
                    break;
                }
            }
        }
    }
    if (!runner_interrupted() && !res.budget_reached)
        measure_capacity(topo, &res, false);
    if (res.budget_reached) {
        results_add_plan(&res, PLAN_BUDGET, MODE_SINGLE, 0, "the --budget of %g s ran out after "
                         "%.1f s: the sweep and the follow-ups stopped there", o->budget_s,
                         util_now() - ss.t0);
        log_warn("the budget of %g s ran out: writing what was measured", o->budget_s);
    }
    res.elapsed_s = util_now() - ss.t0;
    runner_zygote_stop(env.zygote);
    env.zygote = NULL;
    int failed_configs = ss.failed_configs;
    int done = ss.done;

    int sig = runner_interrupted();
    if (sig) {
        res.complete = false;
        snprintf(res.incomplete_reason, sizeof(res.incomplete_reason),
                 "interrupted by %s after %d runs", strsignal(sig), done);
    } else if (res.budget_reached) {
        res.complete = false;
        snprintf(res.incomplete_reason, sizeof(res.incomplete_reason),
                 "the --budget of %g s ran out after %d runs; the recommendation lists what "
                 "was not measured", o->budget_s, done);
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
        {"precision", required_argument, NULL, 'P'},
        {"max-repeat", required_argument, NULL, 'M'},
        {"budget", required_argument, NULL, 'B'},
        {"sample", required_argument, NULL, 'A'},
        {"fixed", no_argument, NULL, 'F'},
        {"fresh-interpreter", no_argument, NULL, 'Z'},
        {"chunksize", required_argument, NULL, 'K'},
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
        .precision = PLAN_DEFAULT_PRECISION,
        .max_repeat = PLAN_DEFAULT_MAX_RUNS,
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
            o.repeat_given = true;
            break;
        case 'P': {
            double pct;
            if (classify)
                return usage_error(cmd, "classify runs each configuration once; use 'concur run "
                                        "--precision'");
            if (parse_seconds(optarg, &pct) < 0 || !(pct > 0) || pct >= 100)
                return usage_error(cmd, "--precision '%s': expected a percentage above 0 and "
                                   "below 100, e.g. 5", optarg);
            o.precision = pct / 100.0;
            break;
        }
        case 'M':
            if (parse_positive(optarg, 1000, &v) < 0 || v < PLAN_MIN_RUNS)
                return usage_error(cmd, "--max-repeat '%s': expected a whole number from %d to "
                                   "1000", optarg, PLAN_MIN_RUNS);
            o.max_repeat = (int)v;
            break;
        case 'B':
            if (parse_seconds(optarg, &o.budget_s) < 0 || !(o.budget_s > 0))
                return usage_error(cmd, "--budget '%s': expected seconds above 0, e.g. 60",
                                   optarg);
            break;
        case 'A':
            if (strcmp(optarg, "all") == 0)
                o.sample = -1;
            else if (strcmp(optarg, "auto") == 0)
                o.sample = 0;
            else if (parse_positive(optarg, 100000000, &v) == 0)
                o.sample = (int)v;
            else
                return usage_error(cmd, "--sample '%s': expected a number of tasks, 'all' or "
                                   "'auto'", optarg);
            break;
        case 'F':
            o.fixed = true;
            break;
        case 'Z':
            o.fresh = true;
            break;
        case 'K':
            if (classify)
                return usage_error(cmd, "classify measures no process pool at a chunksize; use "
                                        "'concur run --chunksize'");
            if (parse_positive(optarg, 1000000, &v) < 0)
                return usage_error(cmd, "--chunksize '%s': expected a whole number from 1 to "
                                   "1000000", optarg);
            o.chunksize = (int)v;
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

/* run.c - concur run and concur classify: their options, the progress lines while the session
 * measures (an observer of the strategy), and what is printed at the end. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "concur/classify.h"
#include "concur/counters.h"
#include "concur/measure.h"
#include "concur/plan.h"
#include "concur/report.h"
#include "concur/results.h"
#include "concur/results_json.h"
#include "concur/runner.h"
#include "concur/topology.h"
#include "cli_int.h"

/* Defaults a user gets without options. */
#define DEFAULT_REPEAT 3
#define DEFAULT_TIMEOUT_S 600.0
#define DEFAULT_PYTHON "python3"

const char usage_run[] =
    "Usage: concur run WORKLOAD [OPTIONS]\n"
    "       concur run [OPTIONS] --program SCRIPT [ARGS...]\n"
    "       concur run [OPTIONS] --program -m MODULE [ARGS...]\n"
    "\n"

    "Runs WORKLOAD (a .py file with task(i), or package.module:function) on one thread, in a\n"
    "thread pool and in a process pool (an async def task also on one event loop, asyncio),\n"
    "and recommends one: the fastest measured, or the cheapest within its noise, at the\n"
    "fewest workers that reach 90 % of its best (by the medians, or within the noise of the\n"
    "repeats).\n"
    "\n"
    "It measures what that answer needs, not a fixed grid: one warm-up run; on a long job, a\n"
    "sample of the tasks per run, scaled to the whole job; 3 runs of each configuration, and\n"
    "more of those the choice turns on, until their median is known to +-5 %; each pool grows\n"
    "2, 4, 8, ... workers only while a step gains beyond its noise (past the core count only\n"
    "while the workers wait). Where a process pool's cost per task is of the order of the\n"
    "task, a larger chunksize is measured, and the other start method for the pool it would\n"
    "recommend. results.json (with plan[]: what was run, skipped and why) is rewritten after\n"
    "every run; report.md and report.html at the end. The workload's output goes to logs/.\n"
    "\n"    "With --program, concur runs your program as it is (as `python SCRIPT ARGS` or `python -m\n"
    "MODULE ARGS` would, in this directory, stdin closed) and swaps the pool it creates\n"
    "(ThreadPoolExecutor, ProcessPoolExecutor, multiprocessing's Pool and ThreadPool) for each\n"
    "configuration measured: single runs each call at once in the caller's thread. Each run is\n"
    "the whole program, so it must be safe to run several times. Everything after SCRIPT or\n"
    "MODULE is the program's own arguments; concur's options come before --program.\n"
    "\n"
    "Options:\n"
    "  -m, --modes LIST         modes to measure: single,threads,processes,asyncio,dask\n"
    "                           (default: all but dask; asyncio for an async def task only).\n"
    "                           single is always measured: it is the baseline of every speedup\n"
    "      --dask               measure on a Dask cluster too (mode dask): a LocalCluster of\n"
    "                           worker processes on loopback that concur starts and stops for\n"
    "                           each run; the recommendation says beyond this machine when a\n"
    "                           cluster pays. Needs distributed (python3-distributed)\n"
    "      --dask-scheduler ADDRESS  mode dask on an existing cluster (dask scheduler and\n"
    "                           dask worker): concur starts and stops nothing there\n"
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
    "                           to the core count), --repeat runs each, in rounds: no warm-up,\n"
    "                           no growth, no follow-ups. For scripted timing and concur compare\n"
    "      --fresh-interpreter  start a new interpreter for every run (default: runs fork\n"
    "                           from one interpreter started once, which saves each run the\n"
    "                           interpreter's start-up; nothing of it is in the measured time)\n"
    "      --back-to-back       do not re-measure single between the other configurations'\n"
    "                           runs (default: single again after every 3 other runs, so that\n"
    "                           a host whose speed drifts moves every configuration alike),\n"
    "                           and take every run's time as it came, not at the pace a probe\n"
    "                           timed around it. Fewer runs, blind to the drift\n"
    "  -p, --python PATH        interpreter to measure (default: python3). Launcher shims\n"
    "                           (pyenv) are resolved to the real interpreter first\n"
    "  -s, --start-method M     process pools: fork, spawn or forkserver (default: the\n"
    "                           interpreter's own default)\n"
    "      --chunksize N        process pools: map()'s chunksize (default: 1, as\n"
    "                           ProcessPoolExecutor.map, and a larger one measured where the\n"
    "                           pool's cost per task calls for it; with N, only N)\n"
    "  -t, --timeout SECONDS    limit for one run; the whole process tree is killed after it\n"
    "                           (default: 600, 0 for none). A pool's run is stopped sooner, at\n"
    "                           20 times what single takes for its tasks (at least 30 s), as\n"
    "                           a likely race or deadlock\n"
    "      --loop asyncio|uvloop  the event loop of an async def task (default: asyncio's\n"
    "                           own); uvloop must be importable by the interpreter\n"
    "      --results-vary       the tasks' results legitimately differ from run to run (random\n"
    "                           samples, timestamps): do not compare them with single's\n"
    "                           (default: a pool whose results differ is reported unsafe and\n"
    "                           never recommended; tasks returning None are not compared)\n"
    "  -o, --out DIR            output directory (default: reports/NAME-UTCTIME/)\n"
    "      --counters LEVEL     highest counter level to use: auto, hardware, software, kernel\n"
    "                           (default: auto, the best that works here)\n"
    "      --target-cores N     also predict the speedup on a machine with N cores (the\n"
    "                           scalability law fitted to the speedups measured here)\n"
    "      --target-topology DESC  the same for a machine described in hwloc's synthetic\n"
    "                           syntax, e.g. \"pack:2 core:16 pu:2\" (see concur topology)\n"
    "      --json               print results.json to stdout and nothing else there\n"
    "      --program SCRIPT|-m MODULE [ARGS...]  measure a program as it is (see above); the\n"
    "                           last option, as the rest of the line is the program's\n"
    "      --stdin FILE         with --program: the program reads FILE on its stdin (default:\n"
    "                           none, stdin is closed)\n"
    "  -q, --quiet              no progress, only errors\n"
    "  -v, --verbose            more detail on stderr\n"
    "  -h, --help               this text\n"
    "\n"
    "Examples:\n"
    "  concur run --program tools/resize.py photos/ --quality 80\n"
    "  concur run --budget 120 --program -m mypkg.ingest data/2024\n"
    "  concur run workloads/cpu_bound.py\n"
    "  concur run my_job.py --budget 60                 # at most a minute\n"
    "  concur run my_job.py --fixed --workers 2,4,8 --repeat 5 --json\n"
    "  concur run mypkg.jobs:resize_image --python ~/venv/bin/python\n";

const char usage_classify[] =
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
    "      --results-vary       the tasks' results legitimately vary: do not compare the\n"
    "                           pools' results with single's\n"
    "  -o, --out DIR            output directory (default: reports/NAME-UTCTIME/)\n"
    "      --counters LEVEL     highest counter level: auto, hardware, software, kernel\n"
    "      --fresh-interpreter  start a new interpreter for every run (default: fork each\n"
    "                           run from one started interpreter)\n"
    "      --json               print results.json (with its classification) to stdout\n"
    "  -q, --quiet              no progress, only errors\n"
    "  -v, --verbose            more detail on stderr\n"
    "  -h, --help               this text\n";

typedef struct {
    session_options s;
    bool json;                   /* --json: results.json on stdout and nothing else there */
    const char *target_topology; /* --target-topology: hwloc synthetic description */
    log_level level;
} run_options;

/* The terminal's view of the strategy: a line per run, a line per decision, and on a terminal a
 * status line that the next one overwrites. */
typedef struct {
    bool status_shown; /* a live status line is on the terminal and must be cleared */
    double budget_s;
} progress;

static bool progress_live(void)
{
    return log_get_level() >= LOG_NORMAL && isatty(STDERR_FILENO);
}

static void progress_clear_line(progress *pg)
{
    if (pg->status_shown)
        fprintf(stderr, "\r\033[K");
    pg->status_shown = false;
}

/* Which configuration, how long so far, and about how long is left (the runs so far took this
 * long on average). */
static void on_run_starting(void *ctx, run_mode mode, int workers, int rep, int repeat_total,
                            int done, int total, double elapsed)
{
    progress *pg = ctx;
    if (!progress_live())
        return;
    char left[64] = "";
    if (pg->budget_s > 0)
        util_fmt(left, sizeof(left), " of a %.0f s budget", pg->budget_s);
    else if (done > 0 && total > 0)
        util_fmt(left, sizeof(left), ", about %.0f s left", elapsed / done * (total - done));
    char of[32] = "";
    if (repeat_total > 0)
        util_fmt(of, sizeof(of), "/%d", repeat_total);
    fprintf(stderr, "\r\033[K  %s x%d, run %d%s; %.0f s elapsed%s", mode_name(mode),
            workers, rep, of, elapsed, left);
    pg->status_shown = true;
}

/* "[ 3/15] threads   x2   run 1/3   0.512 s  cpu 0.50", or without the totals where they are not
 * known in advance (0); a sample's run says how many tasks it measured. */
static void on_run_done(void *ctx, const run_result *r, int i, int total, int repeat_total)
{
    progress_clear_line(ctx);
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
    char cpu[16] = "-";
    if (isfinite(r->cpu_utilization))
        util_fmt(cpu, sizeof(cpu), "%.2f", r->cpu_utilization);
    if (r->status == RUN_OK || r->status == RUN_TASKS_FAILED)
        log_info("%s %-9s x%-3d %-9s %8.3f s  cpu %s%s%s", head, mode_name(r->mode),
                 r->workers, rep, r->wall_s, cpu, sample,
                 r->status == RUN_TASKS_FAILED ? "  (some tasks raised)" : "");
    else
        log_info("%s %-9s x%-3d %-9s %s: %s", head, mode_name(r->mode), r->workers, rep,
                 results_status_name(r->status), r->error);
}

static void on_note(void *ctx, bool warning, const char *text)
{
    progress_clear_line(ctx);
    if (warning)
        log_warn("%s", text);
    else
        log_info("        %s", text);
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

/* Runs the session and shows its end: the terminal summary (or the verdict, or the JSON). */
static int run_and_show(const run_options *o)
{
    progress pg = {.budget_s = o->s.m.budget_s};
    measure_observer obs = {.run_starting = on_run_starting, .run_done = on_run_done,
                            .note = on_note, .ctx = &pg};
    session_outcome out;
    int rc = measure_session(&o->s, &obs, &out);
    progress_clear_line(&pg);
    if (out.measured) {
        if (o->json) {
            char *text = results_to_json(&out.res);
            fputs(text, stdout);
            fputc('\n', stdout);
            free(text);
        } else if (o->s.m.classify) {
            print_classification(&out.res, stdout);
            printf("\nresults: %s\n", out.json_path);
        } else {
            report_terminal(&out.res, stdout);
            printf("\nresults: %s\n", out.json_path);
            if (out.reports)
                printf("report:  %s/report.html (and report.md)\n", out.out_dir);
        }
        if (runner_interrupted())
            log_warn("interrupted: the results so far are in %s, marked incomplete",
                     out.json_path);
        if (rc == CONCUR_EXIT_NO_ANSWER)
            log_error("no recommendation: %s", out.res.recommendation.nreasons > 0
                      ? out.res.recommendation.reasons[0] : "no configuration could be compared");
    }
    session_outcome_free(&out);
    return rc;
}

/* The options of the strategy (measure_options), and the prediction's. Returns -1 when opt is
 * not one of them, 0 when it was taken, else the exit code of a usage error. */
static int measure_option(int opt, const char *cmd, bool classify, run_options *o)
{
    long v;
    switch (opt) {
    case 'n':
        if (parse_positive(optarg, 100000000, &v) < 0)
            return usage_error(cmd, "--tasks '%s': expected a positive whole number", optarg);
        o->s.m.tasks = (int)v;
        return 0;
    case 'r':
        if (parse_positive(optarg, 1000, &v) < 0)
            return usage_error(cmd, "--repeat '%s': expected a whole number from 1 to 1000",
                               optarg);
        o->s.m.repeat = (int)v;
        o->s.m.repeat_given = true;
        return 0;
    case 'P': {
        double pct;
        if (classify)
            return usage_error(cmd, "classify runs each configuration once; use 'concur run "
                                    "--precision'");
        if (parse_seconds(optarg, &pct) < 0 || !(pct > 0) || pct >= 100)
            return usage_error(cmd, "--precision '%s': expected a percentage above 0 and "
                               "below 100, e.g. 5", optarg);
        o->s.m.precision = pct / 100.0;
        return 0;
    }
    case 'M':
        if (parse_positive(optarg, 1000, &v) < 0 || v < PLAN_MIN_RUNS)
            return usage_error(cmd, "--max-repeat '%s': expected a whole number from %d to "
                               "1000", optarg, PLAN_MIN_RUNS);
        o->s.m.max_repeat = (int)v;
        return 0;
    case 'B':
        if (parse_seconds(optarg, &o->s.m.budget_s) < 0 || !(o->s.m.budget_s > 0))
            return usage_error(cmd, "--budget '%s': expected seconds above 0, e.g. 60",
                               optarg);
        return 0;
    case 'A':
        if (strcmp(optarg, "all") == 0)
            o->s.m.sample = -1;
        else if (strcmp(optarg, "auto") == 0)
            o->s.m.sample = 0;
        else if (parse_positive(optarg, 100000000, &v) == 0)
            o->s.m.sample = (int)v;
        else
            return usage_error(cmd, "--sample '%s': expected a number of tasks, 'all' or "
                               "'auto'", optarg);
        return 0;
    case 'F':
        o->s.m.fixed = true;
        return 0;
    case 'K':
        if (classify)
            return usage_error(cmd, "classify measures no process pool at a chunksize; use "
                                    "'concur run --chunksize'");
        if (parse_positive(optarg, 1000000, &v) < 0)
            return usage_error(cmd, "--chunksize '%s': expected a whole number from 1 to "
                               "1000000", optarg);
        o->s.chunksize = (int)v;
        return 0;
    case 'T':
        if (classify)
            return usage_error(cmd, "classify does not predict; use 'concur run "
                                    "--target-cores'");
        if (parse_positive(optarg, 4096, &v) < 0)
            return usage_error(cmd, "--target-cores '%s': expected a core count from 1 to "
                               "4096", optarg);
        o->s.m.target_cores = (int)v;
        return 0;
    case 'S':
        if (classify)
            return usage_error(cmd, "classify does not predict; use 'concur run "
                                    "--target-topology'");
        o->target_topology = optarg;
        return 0;
    default:
        return -1;
    }
}

/* Where --program is on the command line (everything after it is the program's), or argc. */
static int find_program(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--program") == 0)
            return i;
        if (strcmp(argv[i], "--") == 0)
            break;
    }
    return argc;
}

/* The program and its arguments after --program at argv[at]: SCRIPT ARGS, or -m MODULE ARGS.
 * Returns 0, or the exit code of a usage error. */
static int take_program(const char *cmd, int argc, char **argv, int at, run_options *o)
{
    if (at >= argc)
        return 0;
    if (strcmp(cmd, "run") != 0)
        return usage_error(cmd, "--program is for 'concur run'");
    int i = at + 1;
    o->s.program = "file";
    if (i < argc && strcmp(argv[i], "-m") == 0) {
        o->s.program = "module";
        i++;
    }
    if (i >= argc)
        return usage_error(cmd, "--program: expected the script you run (--program SCRIPT "
                                "[ARGS...]) or -m MODULE [ARGS...]");
    o->s.workload = argv[i];
    o->s.program_args = argv + i + 1;
    o->s.nprogram_args = argc - i - 1;
    return 0;
}

/* Options that mean nothing for a program run as it is. Returns 0, or a usage error's code. */
static int check_program_options(const char *cmd, const run_options *o)
{
    if (!o->s.program) {
        if (o->s.stdin_path)
            return usage_error(cmd, "--stdin is for a program (--program SCRIPT)");
        return 0;
    }
    if (o->s.m.tasks > 0)
        return usage_error(cmd, "--tasks: a program's tasks are the calls it makes into its "
                                "pools; it cannot be given a task count");
    if (o->s.m.sample != 0)
        return usage_error(cmd, "--sample: a program cannot be sampled by tasks; every run is "
                                "the whole program (use --budget to bound the time)");
    if (o->s.chunksize > 0)
        return usage_error(cmd, "--chunksize: a program's own map() calls keep their own "
                                "chunksize");
    if (o->s.modes & MODE_BIT(MODE_DASK))
        return usage_error(cmd, "--dask: a program's pools are swapped for single, threads or "
                                "processes; a Dask cluster measures a task(i) workload");
    if (o->s.stdin_path && access(o->s.stdin_path, R_OK) != 0)
        return usage_error(cmd, "--stdin '%s': %s", o->s.stdin_path, strerror(errno));
    return 0;
}

/* After the options: the one workload, and the cores of --target-topology. Returns 0, or the exit
 * code of a usage error. */
static int finish_options(const char *cmd, int argc, char **argv, run_options *o)
{
    if (o->s.program) {
        if (optind < argc)
            return usage_error(cmd, "unexpected argument '%s' before --program (concur's options "
                                    "come first, then --program SCRIPT and its arguments)",
                               argv[optind]);
        return check_program_options(cmd, o);
    }
    if (optind >= argc)
        return usage_error(cmd, "no workload given (a .py file with task(i), or "
                                  "package.module:function)");
    if (optind + 1 < argc)
        return usage_error(cmd, "unexpected argument '%s' (one workload per run)",
                           argv[optind + 1]);
    o->s.workload = argv[optind];
    if (o->target_topology) {
        char terr[512];
        topology *t = topology_load(o->target_topology, terr, sizeof(terr));
        if (t == NULL)
            return usage_error(cmd, "--target-topology: %s", terr);
        topology_info ti;
        topology_get_info(t, &ti);
        topology_free(t);
        if (o->s.m.target_cores == 0)
            o->s.m.target_cores = ti.cores;
    }
    return 0;
}

/* run and classify share their options. */
/* Long options without a short one. */
enum { OPT_BACK_TO_BACK = 256 };
/* Mode dask's. */
enum { OPT_DASK = 300, OPT_DASK_SCHEDULER = 301 };

static const struct option run_longopts[] = {
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
    {"results-vary", no_argument, NULL, 'V'},
    {"stdin", required_argument, NULL, 'I'},
    {"loop", required_argument, NULL, 'L'},
    {"back-to-back", no_argument, NULL, OPT_BACK_TO_BACK},
    {"dask", no_argument, NULL, OPT_DASK},
    {"dask-scheduler", required_argument, NULL, OPT_DASK_SCHEDULER},
    {NULL, 0, NULL, 0},
};

/* --dask and --dask-scheduler: mode dask added to whatever --modes says. Returns -1 for an option
 * that is not one of them, 0 when taken, or an exit code. */
static int dask_option(int opt, const char *cmd, bool classify, run_options *o, bool *dask)
{
    if (opt != OPT_DASK && opt != OPT_DASK_SCHEDULER)
        return -1;
    if (classify)
        return usage_error(cmd, "classify measures single and threads; use 'concur run --dask'");
    if (opt == OPT_DASK_SCHEDULER) {
        if (optarg[0] == '\0')
            return usage_error(cmd, "--dask-scheduler: expected a scheduler address, e.g. "
                                    "tcp://10.0.0.5:8786");
        o->s.dask_scheduler = optarg;
    }
    *dask = true;
    return 0;
}

static int run_command(int argc, char **argv, bool classify)
{
    bool dask = false;
    const char *cmd = classify ? "classify" : "run";
    run_options o = {
        .s = {.python = DEFAULT_PYTHON,
              .modes = MODE_BIT(MODE_SINGLE) | MODE_BIT(MODE_THREADS) |
                       MODE_BIT(MODE_PROCESSES) | MODE_BIT(MODE_ASYNCIO),
              .timeout_s = DEFAULT_TIMEOUT_S,
              .counters_max = COUNTERS_HARDWARE,
              .m = {.repeat = classify ? 1 : DEFAULT_REPEAT, .classify = classify,
                    .precision = PLAN_DEFAULT_PRECISION, .max_repeat = PLAN_DEFAULT_MAX_RUNS}},
        .level = LOG_NORMAL,
    };
    char err[256];
    int opt;
    opterr = 0;
    int at = find_program(argc, argv);
    int rc = take_program(cmd, argc, argv, at, &o);
    if (rc)
        return rc;
    o.s.m.program = o.s.program != NULL;
    while ((opt = getopt_long(at, argv, ":m:w:n:r:p:s:t:o:qvh", run_longopts, NULL)) != -1) {
        int taken = measure_option(opt, cmd, classify, &o);
        if (taken < 0)
            taken = dask_option(opt, cmd, classify, &o, &dask);
        if (taken >= 0) {
            if (taken > 0)
                return taken;
            continue;
        }
        switch (opt) {
        case 'm':
            if (classify)
                return usage_error(cmd, "classify measures single and threads at the core count; "
                                        "use 'concur run --modes' for other configurations");
            if (mode_parse_list(optarg, &o.s.modes, err, sizeof(err)) < 0)
                return usage_error(cmd, "--modes: %s", err);
            o.s.modes_given = true;
            break;
        case 'w':
            if (classify)
                return usage_error(cmd, "classify measures a thread pool at the core count; use "
                                        "'concur run --workers' for other counts");
            o.s.nworkers = util_parse_int_list(optarg, o.s.workers, PLAN_MAX_WORKERS);
            if (o.s.nworkers < 0)
                return usage_error(cmd,
                                   "--workers '%s': expected a comma-separated list of positive "
                                   "counts, e.g. 1,2,4 (at most %d)",
                                   optarg, PLAN_MAX_WORKERS);
            for (int i = 0; i < o.s.nworkers; i++)
                if (o.s.workers[i] > PLAN_WORKER_CAP)
                    return usage_error(cmd, "--workers: %d is more than %d workers",
                                       o.s.workers[i], PLAN_WORKER_CAP);
            break;
        case 'Z':
            o.s.fresh = true;
            break;
        case 'V':
            o.s.results_vary = true;
            break;
        case 'I':
            o.s.stdin_path = optarg;
            break;
        case 'L':
            if (strcmp(optarg, "asyncio") && strcmp(optarg, "uvloop"))
                return usage_error(cmd, "--loop '%s': expected asyncio or uvloop", optarg);
            o.s.loop = optarg;
            break;
        case OPT_BACK_TO_BACK:
            if (classify)
                return usage_error(cmd, "classify makes one run per configuration: nothing to "
                                        "interleave");
            o.s.m.back_to_back = true;
            break;
        case 'p':
            o.s.python = optarg;
            break;
        case 's':
            if (strcmp(optarg, "fork") && strcmp(optarg, "spawn") && strcmp(optarg, "forkserver"))
                return usage_error(cmd, "--start-method '%s': expected fork, spawn or forkserver",
                                   optarg);
            o.s.start_method = optarg;
            break;
        case 't':
            if (parse_seconds(optarg, &o.s.timeout_s) < 0)
                return usage_error(cmd, "--timeout '%s': expected seconds (0 for none)", optarg);
            break;
        case 'o':
            o.s.out_dir = optarg;
            break;
        case 'C':
            if (counters_parse_level(optarg, &o.s.counters_max) < 0)
                return usage_error(cmd,
                                   "--counters '%s': expected auto, hardware, software or kernel",
                                   optarg);
            break;
        case 'J':
            o.json = true;
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
    if (dask)
        o.s.modes |= MODE_BIT(MODE_DASK);
    rc = finish_options(cmd, at, argv, &o);
    if (rc)
        return rc;
    log_init(o.level);
    runner_install_signals();
    return run_and_show(&o);
}

int cmd_run(int argc, char **argv)
{
    return run_command(argc, argv, false);
}

int cmd_classify(int argc, char **argv)
{
    return run_command(argc, argv, true);
}

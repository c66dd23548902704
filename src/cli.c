/* cli.c - the command line: parses arguments and drives plan -> topology -> runner -> report. */
#include "concur/cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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
#include "concur/classify.h"
#include "concur/compare.h"
#include "concur/concur.h"
#include "concur/counters.h"
#include "concur/measure.h"
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
    "3 the workload cannot be loaded (or has no tasks), 4 this machine cannot run it\n"
    "(interpreter, harness, output directory unwritable or in use), 5 no recommendation (every\n"
    "run failed), 128+N stopped by signal N (results so far are written).\n"
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

/* The state of one `concur run` from the moment its output directory exists: every way out of it
 * goes through run_end, which writes results.json. */
typedef struct {
    const run_options *o;
    results res;
    topology *topo;
    char out_dir[PATH_MAX], log_dir[PATH_MAX], json_path[PATH_MAX], lock_path[PATH_MAX];
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
    st->res.running = true;
    snprintf(st->res.phase, sizeof(st->res.phase), "%s", phase);
    st->res.complete = false;
    util_fmt(st->res.incomplete_reason, sizeof(st->res.incomplete_reason), "the run is in "
             "progress: %s", phase_words(phase));
    return measure_write_results(&st->res, st->json_path, st->o->target_cores);
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
    results_free(&st->res);
}

/* Ends a run that stopped before measuring anything (or during it, for rc): results.json says why,
 * marked incomplete, and the exit code is returned. */
static int run_end_early(run_state *st, int rc, const char *fmt, ...) CONCUR_PRINTF(3, 4);
static int run_end_early(run_state *st, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->res.incomplete_reason, sizeof(st->res.incomplete_reason), fmt, ap);
    va_end(ap);
    st->res.running = false;
    st->res.complete = false;
    if (measure_write_results(&st->res, st->json_path, st->o->target_cores) < 0)
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
             phase_words(st->res.phase), st->json_path);
    return run_end_early(st, 128 + sig, "interrupted by %s while %s", strsignal(sig),
                         phase_words(st->res.phase));
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
    const run_options *o = st->o;
    if (o->out_dir) {
        snprintf(st->out_dir, sizeof(st->out_dir), "%s", o->out_dir);
    } else {
        char stamp[32];
        utc_stamp(stamp, sizeof(stamp), true);
        snprintf(st->out_dir, sizeof(st->out_dir), "reports/%s-%s", st->res.workload.name, stamp);
    }
    snprintf(st->log_dir, sizeof(st->log_dir), "%s/logs", st->out_dir);
    snprintf(st->json_path, sizeof(st->json_path), "%s/results.json", st->out_dir);
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
static int build_plan(const run_options *o, int cores, plan *p)
{
    plan_request req = {.modes = o->modes, .nworkers = o->nworkers, .repeat = o->repeat,
                        .cores = cores};
    memcpy(req.workers, o->workers, sizeof(req.workers));
    if (o->classify) {
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
    if (o->classify && p->n < (int)ARRAY_LEN(p->configs))
        p->configs[p->n++] = (plan_config){MODE_PROCESSES, 1};
    if (!(o->modes & MODE_BIT(MODE_SINGLE)))
        log_debug("single is measured too: it is the baseline of every speedup");
    return 0;
}

/* The options as results.json records them. */
static void record_options(results *res, const run_options *o, const plan *p)
{
    snprintf(res->start_method, sizeof(res->start_method), "%s",
             o->start_method ? o->start_method : "default");
    bool adaptive = !o->classify && !o->fixed;
    res->repeat = p->repeat;
    res->timeout_s = o->timeout_s;
    res->fixed = !adaptive;
    res->precision = adaptive && !o->repeat_given ? o->precision : 0.0;
    res->max_repeat = adaptive && !o->repeat_given ? o->max_repeat : p->repeat;
    res->budget_s = o->budget_s;
    res->sample = o->sample;
    res->fresh_interpreter = o->fresh;
    res->chunksize = o->chunksize;
    res->writer_pid = (int)getpid();
    gethostname(res->writer_host, sizeof(res->writer_host) - 1);
}

/* The probe: the real interpreter, the workload loaded once, its task count. Returns 0, or the
 * exit code of a run that ends here (results.json written). */
static int probe_workload(run_state *st, const char *harness)
{
    const run_options *o = st->o;
    results *res = &st->res;
    char err[2048];
    int rc = runner_probe(o->python, harness, o->workload, &res->python, &res->workload, err,
                          sizeof(err));
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
    if (o->tasks > 0)
        res->workload.tasks = o->tasks;
    if (res->workload.tasks == 0) {
        log_error("workload '%s' has no tasks (TASKS = 0): nothing to measure; set TASKS in it, "
                  "or give --tasks N", o->workload);
        return run_end_early(st, CONCUR_EXIT_WORKLOAD, "the workload has no tasks (TASKS = 0)");
    }
    if (strcmp(res->python.executable, o->python) != 0)
        log_debug("--python %s is %s", o->python, res->python.executable);
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

/* After the last run: results.json, the reports, the summary on stdout. */
static int run_finish(run_state *st, const measure_outcome *m)
{
    const run_options *o = st->o;
    results *res = &st->res;
    if (!runner_interrupted() && !res->budget_reached && !m->write_failed)
        measure_capacity(st->topo, res, false);
    if (res->budget_reached) {
        results_add_plan(res, PLAN_BUDGET, MODE_SINGLE, 0, "the --budget of %g s ran out after "
                         "%.1f s: the sweep and the follow-ups stopped there", o->budget_s,
                         m->elapsed_s);
        log_warn("the budget of %g s ran out: writing what was measured", o->budget_s);
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
                 "was not measured", o->budget_s, m->runs);
    else if (m->write_failed)
        util_fmt(res->incomplete_reason, sizeof(res->incomplete_reason), "results.json could "
                 "not be rewritten after run %d: measuring stopped there", m->runs);
    else if (m->ceiling_reached)
        util_fmt(res->incomplete_reason, sizeof(res->incomplete_reason), "stopped after %d "
                 "runs, the most these options allow: the runs kept failing", m->runs);
    else
        res->complete = true;
    int rc = CONCUR_EXIT_OK;
    if (measure_write_results(res, st->json_path, o->target_cores) < 0)
        rc = CONCUR_EXIT_ENV;
    /* The reports a person reads, next to results.json (an interrupted run's say so on top). */
    char rerr[512];
    bool reports = report_write_files(res, st->out_dir, true, true, rerr, sizeof(rerr)) == 0;
    if (!reports) {
        log_error("%s", rerr);
        rc = CONCUR_EXIT_ENV;
    }
    if (o->json) {
        char *text = results_to_json(res);
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    } else if (o->classify) {
        print_classification(res, stdout);
        printf("\nresults: %s\n", st->json_path);
    } else {
        report_terminal(res, stdout);
        printf("\nresults: %s\n", st->json_path);
        if (reports)
            printf("report:  %s/report.html (and report.md)\n", st->out_dir);
    }
    if (sig)
        log_warn("interrupted: the results so far are in %s, marked incomplete", st->json_path);
    if (rc == CONCUR_EXIT_OK)
        rc = run_exit_code(res, m, sig);
    if (rc == CONCUR_EXIT_NO_ANSWER)
        log_error("no recommendation: %s", res->recommendation.nreasons > 0
                 ? res->recommendation.reasons[0] : "no configuration could be compared");
    run_release(st);
    return rc;
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
    run_state st = {.o = o, .lock_fd = -1};
    results_init(&st.res);
    st.topo = topology_load(NULL, err, sizeof(err));
    if (st.topo == NULL) {
        log_error("topology: %s", err);
        return CONCUR_EXIT_ENV;
    }
    results *res = &st.res;
    snprintf(res->concur_version, sizeof(res->concur_version), "%s", CONCUR_VERSION);
    utc_stamp(res->started_at, sizeof(res->started_at), false);
    topology_get_info(st.topo, &res->machine);
    plan p;
    if ((rc = build_plan(o, res->machine.allowed_cores, &p)) != 0) {
        run_release(&st);
        return rc;
    }
    name_from_spec(o->workload, res->workload.name, sizeof(res->workload.name));
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
        .tasks = res->workload.tasks,
        .timeout_s = o->timeout_s,
        .log_dir = st.log_dir,
        .topo = st.topo,
        .counters = &res->counters,
    };
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

    measure_options mo = {.classify = o->classify, .fixed = o->fixed,
                          .repeat_given = o->repeat_given, .repeat = o->repeat,
                          .max_repeat = o->max_repeat, .precision = o->precision,
                          .budget_s = o->budget_s, .sample = o->sample, .tasks = o->tasks,
                          .target_cores = o->target_cores};
    measure_io io = {.run = run_for_real, .json_path = st.json_path};
    measure_outcome mout;
    run_progress(&st, "measuring");
    measure_strategy(res, &p, &env, &mo, &io, &mout);
    runner_zygote_stop(env.zygote);
    snprintf(res->phase, sizeof(res->phase), "writing");
    return run_finish(&st, &mout);
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

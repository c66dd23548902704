/* check_cli.c - the concur executable as a user meets it: help, usage errors, exit codes, a whole
 * run end to end, and Ctrl-C / SIGTERM in the middle of one. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/concur.h"
#include "concur/util.h"

static char tmp[PATH_MAX];


static void setup(void)
{
    test_tmp_make(tmp, sizeof(tmp), "cli");
}

static void teardown(void)
{
    test_tmp_remove(tmp);
}


static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

START_TEST(test_help_and_version)
{
    const char *cmds[][3] = {{"--help", NULL}, {"run", "--help", NULL}, {"classify", "--help", NULL},
                             {"topology", "--help", NULL}, {"counters", "--help", NULL},
                             {"help", "run", NULL}};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        outcome r = run_concur(tmp, cmds[i]);
        ck_assert_int_eq(r.code, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "Usage: concur"));
        ck_assert_str_eq(r.err, "");
        outcome_free(&r);
    }
    const char *v[] = {"--version", NULL};
    outcome r = run_concur(tmp, v);
    ck_assert_int_eq(r.code, 0);
    ck_assert_str_eq(r.out, "concur " CONCUR_VERSION "\n");
    outcome_free(&r);
}
END_TEST

/* Each bad command line: one clear line (plus where help is), the documented exit code. */
static const struct {
    const char *args[8];
    int code;
    const char *in_err;
} usage_cases[] = {
    {{NULL}, CONCUR_EXIT_USAGE, "Usage: concur"},
    {{"frobnicate", NULL}, CONCUR_EXIT_USAGE, "unknown command 'frobnicate'"},
    {{"run", NULL}, CONCUR_EXIT_USAGE, "no workload given"},
    {{"run", "x.py", "--bogus", NULL}, CONCUR_EXIT_USAGE, "unknown option '--bogus'"},
    {{"run", "x.py", "-Z", NULL}, CONCUR_EXIT_USAGE, "unknown option '-Z'"},
    {{"run", "x.py", "--workers", "0", NULL}, CONCUR_EXIT_USAGE, "--workers '0'"},
    {{"run", "x.py", "--workers", "2,,4", NULL}, CONCUR_EXIT_USAGE, "--workers"},
    {{"run", "x.py", "--modes", "threads,trio", NULL}, CONCUR_EXIT_USAGE, "unknown mode 'trio'"},
    {{"run", "x.py", "--loop", "trio", NULL}, CONCUR_EXIT_USAGE, "--loop 'trio': expected asyncio or uvloop"},
    {{"run", "x.py", "--tasks", "-3", NULL}, CONCUR_EXIT_USAGE, "--tasks '-3'"},
    {{"run", "x.py", "--repeat", "many", NULL}, CONCUR_EXIT_USAGE, "--repeat 'many'"},
    {{"run", "x.py", "--precision", "0", NULL}, CONCUR_EXIT_USAGE, "--precision '0'"},
    {{"run", "x.py", "--max-repeat", "2", NULL}, CONCUR_EXIT_USAGE, "--max-repeat '2'"},
    {{"run", "x.py", "--chunksize", "0", NULL}, CONCUR_EXIT_USAGE, "--chunksize '0'"},
    {{"classify", "x.py", "--chunksize", "8", NULL}, CONCUR_EXIT_USAGE, "concur run --chunksize"},
    {{"run", "x.py", "--budget", "-1", NULL}, CONCUR_EXIT_USAGE, "--budget '-1'"},
    {{"run", "x.py", "--sample", "some", NULL}, CONCUR_EXIT_USAGE, "--sample 'some'"},
    {{"run", "x.py", "--start-method", "vfork", NULL}, CONCUR_EXIT_USAGE, "fork, spawn or forkserver"},
    {{"run", "x.py", "--timeout", "soon", NULL}, CONCUR_EXIT_USAGE, "--timeout 'soon'"},
    {{"run", "x.py", "--counters", "best", NULL}, CONCUR_EXIT_USAGE, "--counters 'best'"},
    {{"run", "x.py", "--tasks", NULL}, CONCUR_EXIT_USAGE, "needs a value"},
    {{"run", "a.py", "b.py", NULL}, CONCUR_EXIT_USAGE, "unexpected argument 'b.py'"},
    {{"run", "/nonexistent/job.py", NULL}, CONCUR_EXIT_WORKLOAD, "/nonexistent/job.py"},
    {{"run", "/tmp", NULL}, CONCUR_EXIT_WORKLOAD, "is a directory"},
    {{"topology", "--synthetic", "pack:two", NULL}, CONCUR_EXIT_USAGE, "pack:two"},
    {{"counters", "extra", NULL}, CONCUR_EXIT_USAGE, "unexpected argument"},
    {{"classify", NULL}, CONCUR_EXIT_USAGE, "no workload given"},
    {{"classify", "x.py", "--modes", "threads", NULL}, CONCUR_EXIT_USAGE, "classify measures"},
    {{"classify", "x.py", "--workers", "4", NULL}, CONCUR_EXIT_USAGE, "classify measures"},
    {{"classify", "/nonexistent/job.py", NULL}, CONCUR_EXIT_WORKLOAD, "/nonexistent/job.py"},
    {{"classify", "x.py", "--back-to-back", NULL}, CONCUR_EXIT_USAGE, "nothing to interleave"},
};

START_TEST(test_usage_errors)
{
    outcome r = run_concur(tmp, usage_cases[_i].args);
    ck_assert_msg(r.code == usage_cases[_i].code, "exit %d, expected %d; stderr: %s", r.code,
                  usage_cases[_i].code, r.err);
    ck_assert_msg(strstr(r.err, usage_cases[_i].in_err), "stderr '%s' lacks '%s'", r.err,
                  usage_cases[_i].in_err);
    ck_assert_str_eq(r.out, "");
    if (usage_cases[_i].args[0] != NULL)
        ck_assert_msg(count_lines(r.err) <= 2, "more than one line of complaint: %s", r.err);
    outcome_free(&r);
}
END_TEST

/* Loading errors: exit 3, the file named, the exception shown. */
static const struct {
    const char *fixture;
    const char *in_err;
} workload_cases[] = {
    {"no_task.py", "task"},
    {"syntax_error.py", "SyntaxError"},
    {"import_error.py", "ModuleNotFoundError"},
    {"async_generator.py", "task is an async generator"},
};

START_TEST(test_workload_errors)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/out", tmp);
    const char *args[] = {"run", test_fixture(workload_cases[_i].fixture), "--out", out, NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(r.code, CONCUR_EXIT_WORKLOAD);
    ck_assert_ptr_nonnull(strstr(r.err, workload_cases[_i].fixture));
    ck_assert_ptr_nonnull(strstr(r.err, workload_cases[_i].in_err));
    outcome_free(&r);
}
END_TEST

START_TEST(test_topology_synthetic)
{
    const char *args[] = {"topology", "--synthetic", "pack:2 core:16 pu:2", NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(r.code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "64"));
    outcome_free(&r);
    const char *json[] = {"topology", "--synthetic", "pack:2 core:4 pu:2", "--json", NULL};
    r = run_concur(tmp, json);
    ck_assert_int_eq(r.code, 0);
    cJSON *j = cJSON_Parse(r.out);
    ck_assert_msg(j != NULL, "topology --json is not JSON: %s", r.out);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

START_TEST(test_counters_command)
{
    const char *args[] = {"counters", NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(r.code, 0);
    ck_assert(strstr(r.out, "hardware") || strstr(r.out, "software") || strstr(r.out, "kernel"));
    outcome_free(&r);
    const char *kernel[] = {"counters", "--counters", "kernel", "--json", NULL};
    r = run_concur(tmp, kernel);
    ck_assert_int_eq(r.code, 0);
    cJSON *j = cJSON_Parse(r.out);
    ck_assert_msg(j != NULL, "counters --json is not JSON: %s", r.out);
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(j, "level");
    ck_assert(cJSON_IsString(level));
    ck_assert_str_eq(level->valuestring, "kernel");
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* A concur command with --json that must succeed: its outcome in *r, its stdout parsed. */
static cJSON *run_json_ok(const char *const *args, outcome *r)
{
    *r = run_concur(tmp, args);
    ck_assert_msg(r->code == 0, "exit %d: %s", r->code, r->err);
    cJSON *j = cJSON_Parse(r->out);
    ck_assert_msg(j != NULL, "stdout is not JSON: %.300s", r->out);
    return j;
}

/* A whole run: --json puts results.json on stdout and nothing else; the file matches. */
START_TEST(test_run_end_to_end_json)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/e2e", tmp);
    const char *args[] = {"run", test_fixture("chatty.py"), "--tasks", "4", "--repeat", "2",
                          "--workers", "1,2", "--out", out, "--json", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    ck_assert_ptr_null(strstr(r.out, "chatty says")); /* the workload's prints went to logs */
    ck_assert_ptr_null(strstr(r.err, "chatty says"));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "schema")->valuestring,
                     CONCUR_RESULTS_SCHEMA);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "complete")));
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
    /* One warm-up, then single x1, threads x1 x2, processes x1 x2, two runs each (--repeat);
     * follow-ups the advisor asked for are variants. */
    int warmups = 0, sweep = 0;
    cJSON_ArrayForEach(run, runs)
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "warmup")))
            warmups++;
        else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "variant")))
            sweep++;
    }
    ck_assert_int_eq(warmups, 1);
    ck_assert_int_eq(sweep, 10);
    int nruns = cJSON_GetArraySize(runs);
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(j, "plan");
    ck_assert_int_ge(cJSON_GetArraySize(plan), 6);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(plan, 0), "action")
                         ->valuestring, "warm-up");
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(j, "summary");
    const cJSON *t2 = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(summary, "threads"), "2");
    ck_assert_ptr_nonnull(t2);
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(t2, "speedup")));
    cJSON_Delete(j);

    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/results.json", out);
    char *text = util_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    cJSON *f = cJSON_Parse(text);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "runs")), nruns);
    cJSON_Delete(f);
    free(text);
    outcome_free(&r);

    /* The directory the run wrote stands for its results.json. */
    const char *again[] = {"report", out, "--format", "terminal", NULL};
    r = run_concur(tmp, again);
    ck_assert_msg(r.code == 0, "report DIR: exit %d: %s", r.code, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "chatty"));
    outcome_free(&r);
}
END_TEST

/* A NumPy job, as a user runs it with Debian's interpreter: its native threads are counted, the
 * native limit is measured as follow-ups (at least single's), nothing is left running, and a
 * recommendation with a limit says how to set it. Skipped where that interpreter has no NumPy. */
START_TEST(test_run_numpy_native_limit)
{
    if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
        SKIP_TEST("/usr/bin/python3 cannot import numpy (make deps installs python3-numpy)");
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        SKIP_TEST("one CPU: a native pool would have no thread of its own");
    if (test_native_limit_set())
        SKIP_TEST("%s is set here: the native pools are limited as installed",
                  test_native_limit_set());
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/numpy", tmp);
    const char *args[] = {"run", test_fixture("numpy_small.py"), "--python", "/usr/bin/python3",
                          "--tasks", "8", "--max-repeat", "3", "--out", out, "--json", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    ck_assert_int_eq(count_marked_processes(0), 0);
    int native = -1, limited = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(j, "runs"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(run, "native_threads");
        if (cJSON_IsNumber(n) && n->valueint > native)
            native = n->valueint;
        limited += cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(run, "native_limit"));
    }
    ck_assert_msg(native >= 1, "no run counted a native thread (%d)", native);
    ck_assert_msg(limited >= 1, "no run measured a native limit");
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(j, "classification");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cls, "native_threaded")));
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(j, "recommendation");
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(rec, "native_limit");
    if (cJSON_IsNumber(lim)) {
        bool line = false;
        const cJSON *note;
        cJSON_ArrayForEach(note, cJSON_GetObjectItemCaseSensitive(rec, "notes"))
            line |= strstr(note->valuestring, "_NUM_THREADS=") != NULL;
        ck_assert_msg(line, "a limit recommended without the line that sets it");
    }
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* How many runs of single came after a run of another configuration (the references), and
 * whether every run says when it started and the host's pace before and after it. */
static int single_after_others(const cJSON *j)
{
    int refs = 0;
    bool other = false;
    double at = -1;
    const cJSON *run;
    cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(j, "runs"))
    {
        const char *mode = cJSON_GetObjectItemCaseSensitive(run, "mode")->valuestring;
        double t = cJSON_GetObjectItemCaseSensitive(run, "at_s")->valuedouble;
        ck_assert(t >= at);
        at = t;
        ck_assert(cJSON_GetObjectItemCaseSensitive(run, "host_probe_s")->valuedouble > 0);
        ck_assert(cJSON_GetObjectItemCaseSensitive(run, "host_probe_after_s")->valuedouble > 0);
        ck_assert(cJSON_GetObjectItemCaseSensitive(run, "pace_factor")->valuedouble > 0);
        if (strcmp(mode, "single") != 0)
            other = true;
        else
            refs += other;
    }
    return refs;
}

/* Single is measured again after the pool's runs, so that a drift of the host shows, and the
 * report says how the host's pace moved; --back-to-back measures it in one spell. */
START_TEST(test_run_reference_runs)
{
    for (int back_to_back = 0; back_to_back < 2; back_to_back++) {
        char out[PATH_MAX];
        snprintf(out, sizeof(out), "%s/ref%d", tmp, back_to_back);
        /* single x3, processes x2 x3, then (a reference run of single) processes x4. */
        const char *args[] = {"run", test_fixture("quick.py"), "--modes", "single,processes",
                              "--workers", "2,4", "--out", out, "--json",
                              back_to_back ? "--back-to-back" : NULL, NULL};
        outcome r;
        cJSON *j = run_json_ok(args, &r);
        const cJSON *drift = cJSON_GetObjectItemCaseSensitive(j, "drift");
        ck_assert_ptr_nonnull(drift);
        ck_assert_int_ge(cJSON_GetObjectItemCaseSensitive(drift, "probes")->valueint, 3);
        /* The probe's pace against the runs' times: worked out either way, never applied to
         * --back-to-back's runs. */
        const cJSON *pace = cJSON_GetObjectItemCaseSensitive(drift, "pace");
        ck_assert_ptr_nonnull(pace);
        ck_assert_int_ge(cJSON_GetObjectItemCaseSensitive(pace, "runs")->valueint, 6);
        if (back_to_back)
            ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pace, "applied")));
        int refs = single_after_others(j);
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(drift, "reference_runs")->valueint,
                         refs);
        /* Single's plan entry says how many of its runs were references (a follow-up may still
         * ask for more of single's runs with --back-to-back). */
        bool followed = false;
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "plan"))
        followed = followed || strstr(cJSON_GetObjectItemCaseSensitive(e, "why")->valuestring,
                                      "to follow the host's pace");
        ck_assert_int_eq(followed, !back_to_back);
        if (!back_to_back)
            ck_assert_int_ge(refs, 1);
        cJSON_Delete(j);
        outcome_free(&r);
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/report.md", out);
        char *md = util_read_file(path, NULL);
        ck_assert_ptr_nonnull(md);
        ck_assert_ptr_nonnull(strstr(md, back_to_back ? "--back-to-back" : "the host's pace"));
        free(md);
    }
}
END_TEST

/* --fixed: exactly the plan, --repeat runs of each, no warm-up and no follow-ups. */
START_TEST(test_run_fixed)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/fixed", tmp);
    const char *args[] = {"run", test_fixture("quick.py"), "--fixed", "--repeat", "2", "--workers",
                          "1,2", "--out", out, "--json", "-q", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
    ck_assert_int_eq(cJSON_GetArraySize(runs), 10);
    cJSON_ArrayForEach(run, runs)
    {
        ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(run, "warmup")));
        ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(run, "variant")));
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "tasks")->valueint, 8);
    }
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(j, "options");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opt, "fixed")));
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* --fresh-interpreter: runs execute an interpreter each, and results.json says which way they
 * started; by default they fork from a zygote, and neither leaves one behind. */
START_TEST(test_run_fresh_interpreter)
{
    for (int fresh = 0; fresh < 2; fresh++) {
        char out[PATH_MAX];
        snprintf(out, sizeof(out), "%s/fresh-%d", tmp, fresh);
        const char *args[16] = {"run", test_fixture("quick.py"), "--fixed", "--repeat", "1", "--modes",
                                "single", "--out", out, "--json", "-q"};
        int a = 11;
        if (fresh)
            args[a++] = "--fresh-interpreter";
        args[a] = NULL;
        outcome r = run_concur(tmp, args);
        ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
        ck_assert_int_eq(count_marked_processes(0), 0);
        cJSON *j = cJSON_Parse(r.out);
        ck_assert_msg(j != NULL, "stdout is not JSON: %.300s", r.out);
        const cJSON *opt = cJSON_GetObjectItemCaseSensitive(j, "options");
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(opt, "fresh_interpreter");
        ck_assert_msg(cJSON_IsBool(f), "options.fresh_interpreter missing");
        ck_assert_int_eq(cJSON_IsTrue(f), fresh);
        const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
        ck_assert_int_eq(cJSON_GetArraySize(runs), 1);
        cJSON_ArrayForEach(run, runs)
        {
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(run, "status")->valuestring, "ok");
            ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "tasks_ok")->valueint, 8);
        }
        cJSON_Delete(j);
        outcome_free(&r);

        /* The file says the same. */
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/results.json", out);
        char *text = util_read_file(path, NULL);
        ck_assert_ptr_nonnull(text);
        j = cJSON_Parse(text);
        ck_assert_ptr_nonnull(j);
        opt = cJSON_GetObjectItemCaseSensitive(j, "options");
        ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opt, "fresh_interpreter")),
                         fresh);
        cJSON_Delete(j);
        free(text);
    }
}
END_TEST

/* PyPy on the default path: every run forks from a warm PyPy interpreter (each worker's setup()
 * says so in the run's own stderr log), single and both pools succeed, results.json records PyPy,
 * and no process of the run outlives concur (this test is their subreaper once concur exits). */
START_TEST(test_run_pypy_warm)
{
    const char *pypy = "/usr/bin/pypy3";
    if (access(pypy, X_OK) != 0)
        SKIP_TEST("%s is not installed ('make deps' installs Debian's pypy3)", pypy);
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/pypy", tmp);
    const char *args[] = {"run", test_fixture("how_started.py"), "--python", pypy, "--fixed",
                          "--repeat", "1", "--workers", "2", "--out", out, "--json", "-q", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    ck_assert_int_eq(count_own_children(), 0);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "complete")));
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "options"), "fresh_interpreter")));
    const cJSON *python = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "machine"), "python");
    const cJSON *impl = cJSON_GetObjectItemCaseSensitive(python, "implementation");
    ck_assert_msg(cJSON_IsString(impl), "machine.python.implementation missing");
    ck_assert_str_eq(impl->valuestring, "pypy");

    /* single x1, threads x2, processes x2: one run each, all of them ok. */
    const char *modes[] = {"single", "threads", "processes"};
    bool seen[3] = {false, false, false};
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
    ck_assert_int_eq(cJSON_GetArraySize(runs), 3);
    cJSON_ArrayForEach(run, runs)
    {
        const char *mode = cJSON_GetObjectItemCaseSensitive(run, "mode")->valuestring;
        int workers = cJSON_GetObjectItemCaseSensitive(run, "workers")->valueint;
        int repeat = cJSON_GetObjectItemCaseSensitive(run, "repeat")->valueint;
        const cJSON *error = cJSON_GetObjectItemCaseSensitive(run, "error");
        ck_assert_msg(!strcmp(cJSON_GetObjectItemCaseSensitive(run, "status")->valuestring, "ok"),
                      "%s x%d: %s", mode, workers,
                      cJSON_IsString(error) ? error->valuestring : "not ok");
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "tasks_ok")->valueint, 8);
        for (int m = 0; m < 3; m++)
            if (!strcmp(mode, modes[m])) {
                ck_assert_int_eq(workers, m == 0 ? 1 : 2);
                seen[m] = true;
            }
        /* The run's stderr is the log file concur names for it. */
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/logs/%s-%d-r%d.stderr", out, mode, workers, repeat);
        char *log = util_read_file(path, NULL);
        ck_assert_msg(log != NULL, "%s x%d: no %s", mode, workers, path);
        ck_assert_msg(strstr(log, "how_started: pypy, forked from the warm interpreter") &&
                          !strstr(log, "started for this run"),
                      "%s x%d did not run forked from a warm PyPy; its stderr: %.500s", mode,
                      workers, log);
        free(log);
    }
    for (int m = 0; m < 3; m++)
        ck_assert_msg(seen[m], "no %s run", modes[m]);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* --sample K: every run measures K tasks spread over the job, scaled to the whole of it. */
START_TEST(test_run_sample)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/sample", tmp);
    const char *args[] = {"run", test_fixture("index_cost.py"), "--fixed", "--repeat", "2", "--modes",
                          "threads", "--workers", "2", "--sample", "8", "--out", out, "--json",
                          "-q", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
    ck_assert_int_eq(cJSON_GetArraySize(runs), 4);
    cJSON_ArrayForEach(run, runs)
    {
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "tasks")->valueint, 8);
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "sample_of")->valueint, 40);
        ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(run, "scale")->valuedouble, 5.0);
    }
    /* The summary is the whole job's estimate: each single run's start-up and teardown once, the
     * rest of its wall 5 times, the median (of two runs: the mean) over the runs. Whatever the
     * machine's load did to the runs, the estimate is that arithmetic on them. */
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "summary"),
                                         "single"), "1");
    double wall = cJSON_GetObjectItemCaseSensitive(single, "wall_s")->valuedouble;
    double scaled = 0, raw = 0;
    int nsingle = 0;
    cJSON_ArrayForEach(run, runs)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(run, "mode")->valuestring, "single") != 0)
            continue;
        double w = cJSON_GetObjectItemCaseSensitive(run, "wall_s")->valuedouble;
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(run, "startup_s");
        const cJSON *td = cJSON_GetObjectItemCaseSensitive(run, "teardown_s");
        double start = cJSON_IsNumber(st) && st->valuedouble < w ? st->valuedouble : 0.0;
        double end = cJSON_IsNumber(td) && td->valuedouble > 0 && start + td->valuedouble < w
                         ? td->valuedouble
                         : 0.0;
        scaled += start + (w - start - end) * 5.0 + end;
        raw += w;
        nsingle++;
    }
    ck_assert_int_eq(nsingle, 2);
    scaled /= nsingle;
    raw /= nsingle;
    ck_assert_msg(fabs(wall - scaled) <= 1e-9 * scaled,
                  "whole-job estimate %.6f s, the sample runs scaled give %.6f s", wall, scaled);
    ck_assert_msg(wall > raw, "whole-job estimate %.6f s, no more than the sample runs' %.6f s",
                  wall, raw);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(single, "sample_tasks")->valueint, 8);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* A sample of a job whose setup() holds the GIL for a known CPU time: the thread pool's start-up
 * (two setups taking turns on the GIL, at least twice that time whatever the load) is counted
 * once in the whole-job estimate, and only the rest of each run is scaled to the job; the task
 * phase is that estimate less the start-up. Arithmetic on the runs, never their timings. */
START_TEST(test_run_sample_setup)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/sample_setup", tmp);
    const char *args[] = {"run", test_fixture("setup_holds_gil.py"), "--fixed", "--repeat", "1",
                          "--modes", "threads", "--workers", "2", "--sample", "8", "--out", out,
                          "--json", "-q", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(j, "summary");
    int seen = 0;
    cJSON_ArrayForEach(run, runs)
    {
        const char *mode = cJSON_GetObjectItemCaseSensitive(run, "mode")->valuestring;
        int workers = cJSON_GetObjectItemCaseSensitive(run, "workers")->valueint;
        ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(run, "scale")->valuedouble, 4.0);
        double w = cJSON_GetObjectItemCaseSensitive(run, "wall_s")->valuedouble;
        double start = cJSON_GetObjectItemCaseSensitive(run, "startup_s")->valuedouble;
        /* One setup() in single, two taking turns on the GIL in the thread pool. */
        double known = (strcmp(mode, "single") == 0 ? 1 : workers) * 0.04;
        ck_assert_msg(start >= 0.95 * known, "%s x%d: start-up %.3f s, under its setup()'s %.3f s "
                      "of CPU time", mode, workers, start, known);
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(summary, mode), workers == 1 ? "1" : "2");
        double whole = cJSON_GetObjectItemCaseSensitive(c, "wall_s")->valuedouble;
        double task = cJSON_GetObjectItemCaseSensitive(c, "task_s")->valuedouble;
        const cJSON *td = cJSON_GetObjectItemCaseSensitive(run, "teardown_s");
        double end = cJSON_IsNumber(td) && td->valuedouble > 0 && start + td->valuedouble < w
                         ? td->valuedouble
                         : 0.0;
        /* Start-up and teardown once, the rest (from the first worker ready, in a thread pool)
         * times 4. */
        ck_assert_msg(whole >= start + (w - start - end) * 4.0 + end - 1e-9 && whole < w * 4.0,
                      "%s: whole job %.4f s from a run of %.4f s with %.4f s of start-up", mode,
                      whole, w, start);
        ck_assert_msg(fabs(task - (whole - start)) <= 1e-9, "%s: task phase %.6f s, whole %.6f s "
                      "less start-up %.6f s", mode, task, whole, start);
        seen++;
    }
    ck_assert_int_eq(seen, 2);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(summary, "threads"), "2");
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(t, "task_speedup")));
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* A job that waits on a noisy shared disk (each run's waits scaled by a factor drawn between 0.55
 * and 1.45, each doubling of the threads gaining less): the thread sweep reaches 8 workers or
 * more, whatever the noise does to one step, and every count it went past says why. Sleeps: it
 * costs the cores little. */
START_TEST(test_run_waits_on_noise)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/noisy_storage", tmp);
    const char *args[] = {"run", test_fixture("noisy_storage.py"), "--modes", "threads", "--out", out,
                          "--json", "-q", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(j, "plan"), *e;
    int most = 0;
    cJSON_ArrayForEach(e, plan)
    {
        const char *action = cJSON_GetObjectItemCaseSensitive(e, "action")->valuestring;
        const char *mode = cJSON_GetObjectItemCaseSensitive(e, "mode")->valuestring;
        int workers = cJSON_GetObjectItemCaseSensitive(e, "workers")->valueint;
        if (!strcmp(action, "ran") && !strcmp(mode, "threads") && workers > most)
            most = workers;
    }
    ck_assert_msg(most >= 8, "the thread sweep stopped at %d workers", most);
    bool stopped = false;
    cJSON_ArrayForEach(e, plan)
    {
        const char *action = cJSON_GetObjectItemCaseSensitive(e, "action")->valuestring;
        const char *mode = cJSON_GetObjectItemCaseSensitive(e, "mode")->valuestring;
        const char *why = cJSON_GetObjectItemCaseSensitive(e, "why")->valuestring;
        int workers = cJSON_GetObjectItemCaseSensitive(e, "workers")->valueint;
        if (strcmp(mode, "threads") != 0)
            continue;
        if (!strcmp(action, "ran") && workers >= 2 && workers < most)
            ck_assert_msg(strstr(why, "trying"), "threads x%d does not say why the sweep went "
                          "on: %s", workers, why);
        stopped = stopped || !strcmp(action, "stopped");
    }
    ck_assert_msg(stopped, "no plan entry says why the thread sweep stopped");
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* A process pool that batches takes its sample in chunks: 2 chunks of 4 for each of 2 workers,
 * 16 tasks, where --sample 4 would put every task in one chunk on one worker. Single keeps 4. */
START_TEST(test_run_sample_chunks)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/sample_chunks", tmp);
    const char *args[] = {"run", test_fixture("index_cost.py"), "--fixed", "--repeat", "1", "--modes",
                          "processes", "--workers", "2", "--chunksize", "4", "--sample", "4",
                          "--out", out, "--json", "-q", NULL};
    outcome r;
    cJSON *j = run_json_ok(args, &r);
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
    ck_assert_int_eq(cJSON_GetArraySize(runs), 2);
    cJSON_ArrayForEach(run, runs)
    {
        const char *mode = cJSON_GetObjectItemCaseSensitive(run, "mode")->valuestring;
        int tasks = cJSON_GetObjectItemCaseSensitive(run, "tasks")->valueint;
        ck_assert_msg(tasks == (strcmp(mode, "processes") == 0 ? 16 : 4), "%s: %d tasks", mode,
                      tasks);
    }
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* --budget on a slow workload: concur stops near the budget, keeps what it measured, says the
 * run is incomplete and which questions stay open, and leaves no process behind. */
START_TEST(test_run_budget)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/budget", tmp);
    /* sleepy.py: 8 tasks of 50 ms; 64 of them make a 3.2 s pass on one thread. The budget
     * leaves single's first run room on a loaded machine (with 4 s, a slow warm-up once left
     * it none: exit 5, no baseline). */
    const char *args[] = {"run", test_fixture("sleepy.py"), "--tasks", "64", "--sample", "all",
                          "--budget", "6", "--out", out, "--json", "-q", NULL};
    /* The whole sweep takes minutes: concur stopping at the budget is what ends it in time for
     * the case's timeout, and what results.json says below. */
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert_int_eq(count_marked_processes(0), 0);
    cJSON *j = cJSON_Parse(r.out);
    ck_assert_ptr_nonnull(j);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "complete")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "budget_reached")));
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(j, "incomplete_reason");
    ck_assert(cJSON_IsString(reason) && strstr(reason->valuestring, "budget"));
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(j, "plan"), *e;
    bool cut = false;
    cJSON_ArrayForEach(e, plan)
        cut |= !strcmp(cJSON_GetObjectItemCaseSensitive(e, "action")->valuestring, "budget");
    ck_assert_msg(cut, "no budget entry in plan[]");
    const cJSON *open = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "recommendation"), "open_questions");
    bool says = false;
    cJSON_ArrayForEach(e, open)
        says |= strstr(e->valuestring, "budget") != NULL;
    ck_assert_msg(says, "the recommendation does not say the budget left questions open");
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* ---- how busy the rest of the machine was ----
 * A verdict rests on how the job's threads share the CPUs; on a shared machine other people's work
 * takes CPU from them and can make a CPU-bound job look mixed. A wrong verdict is a failure only
 * where the rest of the machine stayed quiet while it was measured: what the whole machine was
 * busy (/proc/stat, the hypervisor's steal included) less what this test's own processes used
 * (concur and every process under it, reaped into this process's children's time). */

typedef struct {
    double busy_s, own_s, t;
} load_mark;

/* Seconds of CPU time the machine spent busy since boot, on all its CPUs. */
static double machine_busy_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = {0};
    int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                       &v[4], &v[5], &v[6], &v[7])
              : 0;
    if (f)
        fclose(f);
    ck_assert_msg(n == 8, "cannot read the cpu line of /proc/stat");
    /* user nice system idle iowait irq softirq steal: all but idle and iowait */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static double own_children_cpu_s(void)
{
    struct rusage ru;
    ck_assert_int_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void load_start(load_mark *m)
{
    m->busy_s = machine_busy_s();
    m->own_s = own_children_cpu_s();
    m->t = util_now();
}

/* Cores' worth of CPU that processes other than this test's used since load_start, on average. */
static double load_others(const load_mark *m)
{
    double wall = util_now() - m->t;
    double others = (machine_busy_s() - m->busy_s) - (own_children_cpu_s() - m->own_s);
    return wall > 0 && others > 0 ? others / wall : 0.0;
}

/* Above this, the machine was too busy for a verdict to be judged. */
#define QUIET_OTHERS 0.25

/* concur classify end to end: the verdict lands in results.json on stdout. */
static const struct {
    const char *fixture;
    const char *kind;
    const char *gil; /* NULL: not asserted */
} classify_cases[] = {
    {"quick.py", "cpu-bound", NULL},
    {"sleepy.py", "io-bound", "releases"},
};

START_TEST(test_classify_end_to_end)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/classify", tmp);
    const char *args[] = {"classify", test_fixture(classify_cases[_i].fixture), "--out", out, "--json",
                          "--quiet", NULL};
    outcome r;
    load_mark load;
    load_start(&load);
    cJSON *j = run_json_ok(args, &r);
    double others = load_others(&load);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "classification");
    ck_assert_msg(cJSON_IsObject(c), "no classification in results.json");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(c, "kind");
    const cJSON *gil = cJSON_GetObjectItemCaseSensitive(c, "gil");
    ck_assert(cJSON_IsString(kind) && cJSON_IsString(gil));
    bool right = !strcmp(kind->valuestring, classify_cases[_i].kind) &&
                 (!classify_cases[_i].gil || !strcmp(gil->valuestring, classify_cases[_i].gil));
    if (!right && others > QUIET_OTHERS) {
        char got[80];
        snprintf(got, sizeof(got), "%s / %s", kind->valuestring, gil->valuestring);
        cJSON_Delete(j);
        outcome_free(&r);
        SKIP_TEST("%s came out %s while other processes kept %.2f cores busy: a verdict needs "
                  "quieter cores", classify_cases[_i].fixture, got, others);
    }
    ck_assert_msg(right, "%s: %s / %s, want %s / %s (other processes kept %.2f cores busy)",
                  classify_cases[_i].fixture, kind->valuestring, gil->valuestring,
                  classify_cases[_i].kind, classify_cases[_i].gil ? classify_cases[_i].gil : "any",
                  others);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "evidence");
    ck_assert_int_ge(cJSON_GetArraySize(ev), 1);
    /* single, threads x1, threads x2 (or the core count) and processes x1, one run each; more
     * threads only where those could not tell the GIL behaviour */
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs"), *run;
    int per_mode[3] = {0, 0, 0};
    cJSON_ArrayForEach(run, runs)
    {
        const char *m = cJSON_GetObjectItemCaseSensitive(run, "mode")->valuestring;
        per_mode[!strcmp(m, "single") ? 0 : !strcmp(m, "threads") ? 1 : 2]++;
        if (!strcmp(m, "processes"))
            ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(run, "workers")->valueint, 1);
    }
    ck_assert_int_eq(per_mode[0], 1);
    ck_assert_int_ge(per_mode[1], 2);
    ck_assert_int_eq(per_mode[2], 1);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST


/* Ctrl-C or SIGTERM half-way: children killed, results so far written and marked incomplete. */
static const int stop_signals[] = {SIGINT, SIGTERM};

START_TEST(test_signal_mid_run)
{
    char out[PATH_MAX], path[PATH_MAX], started[PATH_MAX], err_path[PATH_MAX];
    snprintf(out, sizeof(out), "%s/sig", tmp);
    snprintf(path, sizeof(path), "%s/results.json", out);
    snprintf(err_path, sizeof(err_path), "%s/sig.stderr", tmp);
    /* hang.py's tasks create this file before they hang: a run of the sweep has really started,
     * past the probe (which loads the workload in a harness too, but runs no task). */
    snprintf(started, sizeof(started), "%s/started", tmp);
    ck_assert_int_eq(setenv("CONCUR_TEST_STARTED", started, 1), 0);
    test_mark_new();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(devnull, 1);
        dup2(e, 2);
        execl(concur_bin(), concur_bin(), "run", test_fixture("hang.py"), "--tasks", "4", "--timeout",
              "0", "--out", out, (char *)NULL);
        _exit(127);
    }
    unsetenv("CONCUR_TEST_STARTED");
    /* The deadline only keeps a broken run from hanging the test. */
    double deadline = util_now() + 120;
    int st;
    bool exited = false;
    while (access(started, F_OK) != 0 && !exited && util_now() < deadline) {
        exited = waitpid(pid, &st, WNOHANG) == pid;
        usleep(20000);
    }
    if (access(started, F_OK) != 0) {
        if (!exited) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
        }
        char *err = util_read_file(err_path, NULL);
        ck_abort_msg("no task of the run started (concur %s); its stderr:\n%s",
                     exited ? "exited" : "killed after 120 s", err ? err : "");
    }
    kill(pid, stop_signals[_i]);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 128 + stop_signals[_i]);
    /* The harness, its pool's workers, the next zygote: nothing of the run is left. */
    ck_assert_int_eq(count_marked_processes(0), 0);
    char *text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "no %s after the signal", path);
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "complete")));
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(j, "incomplete_reason");
    ck_assert(cJSON_IsString(reason) && strstr(reason->valuestring, "interrupted"));
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs");
    ck_assert_int_ge(cJSON_GetArraySize(runs), 1);
    cJSON_Delete(j);
    free(text);
}
END_TEST

/* concur classify on every bundled workload and on jobs it was never tuned on: the kind and the
 * GIL behaviour a careful engineer would name. One run per configuration first; a machine busy
 * with something else can blur a single run, so a verdict that comes out wrong is measured again
 * with three runs per configuration, and that verdict must be right, unless other processes
 * kept the cores busy while it was measured: then the case is skipped, saying so. */
static const struct {
    const char *path; /* under CONCUR_SRC */
    const char *tasks;
    const char *kind, *gil;
} verdict_cases[] = {
    {"workloads/cpu_bound.py", NULL, "cpu-bound", "holds"},
    {"workloads/gil_release.py", NULL, "cpu-bound", "releases"},
    {"workloads/mixed.py", NULL, "mixed", "holds"},
    {"workloads/sleep_wait.py", NULL, "io-bound", "releases"},
    {"workloads/socket_wait.py", NULL, "io-bound", "releases"},
    {"workloads/subprocess_wait.py", NULL, "io-bound", "releases"},
    {"workloads/tiny_tasks.py", "6000", "overhead-bound", "holds"},
    {"workloads/big_results.py", NULL, "overhead-bound", "holds"},
    {"tests/jobs/arith.py", NULL, "cpu-bound", "holds"},
    {"tests/jobs/json_encode.py", NULL, "cpu-bound", "holds"},
    {"tests/jobs/regex.py", NULL, "cpu-bound", "holds"},
    {"tests/jobs/hashing.py", NULL, "cpu-bound", "releases"},
    /* the same tasks behind a setup() that holds the GIL as long as five of them: judged on the
     * task phase, they release it */
    {"tests/jobs/hashing_setup.py", NULL, "cpu-bound", "releases"},
    {"tests/jobs/compress.py", NULL, "cpu-bound", "releases"},
    {"tests/jobs/sleeping.py", NULL, "io-bound", "releases"},
    {"tests/jobs/child_wait.py", NULL, "io-bound", "releases"},
    {"tests/jobs/fsync_write.py", NULL, "io-bound", "releases"},
};

/* Runs concur classify; returns 0 and the verdict, or the exit status. *others: the cores' worth
 * of CPU other processes used meanwhile. */
static int classify_verdict(const char *path, const char *tasks, const char *repeat, char *kind,
                            char *gil, size_t len, char *evidence, size_t elen, double *others)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/verdict", tmp);
    const char *args[16] = {"classify", path, "--out", out, "--json", "--quiet", "--repeat", repeat};
    int a = 8;
    if (tasks) {
        args[a++] = "--tasks";
        args[a++] = tasks;
    }
    args[a] = NULL;
    load_mark load;
    load_start(&load);
    outcome r = run_concur(tmp, args);
    *others = load_others(&load);
    int code = r.code;
    cJSON *j = code == 0 ? cJSON_Parse(r.out) : NULL;
    const cJSON *c = j ? cJSON_GetObjectItemCaseSensitive(j, "classification") : NULL;
    if (code == 0 && cJSON_IsObject(c)) {
        snprintf(kind, len, "%s", cJSON_GetObjectItemCaseSensitive(c, "kind")->valuestring);
        snprintf(gil, len, "%s", cJSON_GetObjectItemCaseSensitive(c, "gil")->valuestring);
        evidence[0] = '\0';
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "evidence"))
        {
            strncat(evidence, "\n  ", elen - strlen(evidence) - 1);
            strncat(evidence, e->valuestring, elen - strlen(evidence) - 1);
        }
    } else if (code == 0) {
        code = -1;
    }
    if (code != 0)
        fprintf(stderr, "classify %s: exit %d: %s\n", path, r.code, r.err);
    cJSON_Delete(j);
    outcome_free(&r);
    return code;
}

START_TEST(test_verdicts)
{
    char path[PATH_MAX];
    const char *src = getenv("CONCUR_SRC");
    snprintf(path, sizeof(path), "%s/%s", src ? src : ".", verdict_cases[_i].path);
    char kind[32], gil[32], ev[4096];
    double others;
    int code = classify_verdict(path, verdict_cases[_i].tasks, "1", kind, gil, sizeof(kind), ev,
                                sizeof(ev), &others);
    ck_assert_int_eq(code, 0);
    if (strcmp(kind, verdict_cases[_i].kind) || strcmp(gil, verdict_cases[_i].gil)) {
        fprintf(stderr, "%s: one run each gave %s / %s (want %s / %s; other processes kept %.2f "
                "cores busy):%s\nmeasuring again with three runs each\n", verdict_cases[_i].path,
                kind, gil, verdict_cases[_i].kind, verdict_cases[_i].gil, others, ev);
        code = classify_verdict(path, verdict_cases[_i].tasks, "3", kind, gil, sizeof(kind), ev,
                                sizeof(ev), &others);
        ck_assert_int_eq(code, 0);
        if ((strcmp(kind, verdict_cases[_i].kind) || strcmp(gil, verdict_cases[_i].gil)) &&
            others > QUIET_OTHERS)
            SKIP_TEST("%s came out %s / %s (want %s / %s) while other processes kept %.2f cores "
                      "busy: a verdict needs quieter cores", verdict_cases[_i].path, kind, gil,
                      verdict_cases[_i].kind, verdict_cases[_i].gil, others);
    }
    ck_assert_msg(!strcmp(kind, verdict_cases[_i].kind) && !strcmp(gil, verdict_cases[_i].gil),
                  "%s: %s / %s, want %s / %s (other processes kept %.2f cores busy); evidence:%s",
                  verdict_cases[_i].path, kind, gil, verdict_cases[_i].kind, verdict_cases[_i].gil,
                  others, ev);
}
END_TEST

/* Whether a command is on PATH. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    char dir[PATH_MAX];
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, p, name);
        if (access(dir, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

/* The output of a shell command (the caller frees it); NULL when it failed. */
static char *shell_output(const char *cmd)
{
    char path[PATH_MAX], full[4 * PATH_MAX];
    snprintf(path, sizeof(path), "%s/shell.out", tmp);
    snprintf(full, sizeof(full), "( %s ) > %s 2>&1", cmd, path);
    if (system(full) != 0)
        return NULL;
    return util_read_file(path, NULL);
}

/* The man page names every option of every command's help text and every exit code; after
 * `make install` (into a scratch DESTDIR), `man concur` finds and renders it. */
START_TEST(test_man_page)
{
    char page_path[PATH_MAX];
    snprintf(page_path, sizeof(page_path), "%s/docs/concur.1", getenv("CONCUR_SRC"));
    char *page = util_read_file(page_path, NULL);
    ck_assert_msg(page != NULL, "no %s", page_path);
    size_t o = 0; /* roff's "\-" is a plain "-" */
    for (size_t i = 0; page[i]; i++)
        if (!(page[i] == '\\' && page[i + 1] == '-'))
            page[o++] = page[i];
    page[o] = '\0';
    const char *cmds[] = {"run", "classify", "topology", "counters", "compare", "report"};
    for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
        const char *args[] = {"help", cmds[c], NULL};
        outcome r = run_concur(tmp, args);
        ck_assert_int_eq(r.code, 0);
        for (const char *p = strstr(r.out, "--"); p; p = strstr(p + 2, "--")) {
            char opt[48];
            size_t n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
            if (n <= 3 || n >= sizeof(opt))
                continue;
            snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
            ck_assert_msg(strstr(page, opt), "docs/concur.1 does not name '%s' of concur %s",
                          opt, cmds[c]);
        }
        outcome_free(&r);
    }
    for (int code = 0; code <= 5; code++) {
        char item[16];
        snprintf(item, sizeof(item), ".B %d\n", code);
        ck_assert_msg(strstr(page, item), "docs/concur.1 does not list exit status %d", code);
    }
    free(page);
    if (!on_path("man"))
        SKIP_TEST("man is not installed here (make deps installs man-db)");
    /* The build under test (build/, or a sanitizer's build-*), installed as it is. */
    char build[PATH_MAX], cmd[4 * PATH_MAX];
    snprintf(build, sizeof(build), "%s", concur_bin());
    char *slash = strrchr(build, '/');
    if (slash)
        *slash = '\0';
    snprintf(cmd, sizeof(cmd), "make -s -C %s install BUILD=%s DESTDIR=%s/inst PREFIX=/usr",
             getenv("CONCUR_SRC"), build, tmp);
    char *out = shell_output(cmd);
    ck_assert_msg(out != NULL, "make install failed");
    free(out);
    snprintf(cmd, sizeof(cmd), "MANPAGER=cat MANWIDTH=100 man -M %s/inst/usr/share/man concur",
             tmp);
    out = shell_output(cmd);
    ck_assert_msg(out != NULL, "man concur failed");
    ck_assert_msg(strstr(out, "EXIT STATUS") && strstr(out, "--program"), "%.300s", out);
    free(out);
}
END_TEST

/* The bash completion completes commands, options (from concur's own help) and mode names (from
 * its mode table), and leaves the words after --program to the program. */
START_TEST(test_bash_completion)
{
    if (!on_path("bash"))
        SKIP_TEST("bash is not installed here");
    static const struct {
        const char *words, *want;
    } cases[] = {
        {"r", "run report"},
        {"run --st", "--start-method --stdin"},
        {"run --modes single,th", "single,threads"},
        {"run --start-method f", "fork forkserver"},
        {"help co", "counters compare"},
        {"run --program x.py --mod", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char cmd[4 * PATH_MAX];
        snprintf(cmd, sizeof(cmd),
                 "bash -c 'source %s/completion/concur.bash; COMP_WORDS=(%s %s); "
                 "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _concur; echo \"${COMPREPLY[*]}\"'",
                 getenv("CONCUR_SRC"), concur_bin(), cases[i].words);
        char *out = shell_output(cmd);
        ck_assert_msg(out != NULL, "bash failed on '%s'", cases[i].words);
        out[strcspn(out, "\n")] = '\0';
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "'%s' completes to '%s', not '%s'",
                      cases[i].words, out, cases[i].want);
        free(out);
    }
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("usage");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_help_and_version);
    tcase_add_loop_test(tc, test_usage_errors, 0, sizeof(usage_cases) / sizeof(usage_cases[0]));
    tcase_add_loop_test(tc, test_workload_errors, 0,
                        sizeof(workload_cases) / sizeof(workload_cases[0]));
    tcase_add_test(tc, test_topology_synthetic);
    tcase_add_test(tc, test_counters_command);
    tcase_add_test(tc, test_man_page);
    tcase_add_test(tc, test_bash_completion);
    suite_add_tcase(s, tc);

    tc = tcase_create("end-to-end");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, test_run_end_to_end_json);
    tcase_add_test(tc, test_run_reference_runs);
    tcase_add_test(tc, test_run_fixed);
    tcase_add_test(tc, test_run_fresh_interpreter);
    tcase_add_test(tc, test_run_pypy_warm);
    tcase_add_test(tc, test_run_sample);
    tcase_add_test(tc, test_run_sample_setup);
    tcase_add_test(tc, test_run_waits_on_noise);
    tcase_add_test(tc, test_run_sample_chunks);
    tcase_add_test(tc, test_run_budget);
    tcase_add_test(tc, test_run_numpy_native_limit);
    tcase_add_loop_test(tc, test_classify_end_to_end, 0,
                        sizeof(classify_cases) / sizeof(classify_cases[0]));
    tcase_add_loop_test(tc, test_signal_mid_run, 0, sizeof(stop_signals) / sizeof(stop_signals[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("verdicts");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, test_verdicts, 0, sizeof(verdict_cases) / sizeof(verdict_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

/* check_faults.c - jobs and moments that go wrong, end to end: tasks that raise, a job with no
 * tasks, a signal while the workload loads, two runs into one directory, a concur killed with
 * SIGKILL, a results.json that cannot be written, a job that is not safe in a thread pool. Each
 * ends, with the documented exit code, and keeps what it measured. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/concur.h"
#include "concur/util.h"

static char tmp[PATH_MAX];

static const char *in_tmp(const char *name)
{
    return test_path_in(tmp, name);
}

static void setup(void)
{
    test_tmp_make(tmp, sizeof(tmp), "faults");
}

static void teardown(void)
{
    test_tmp_remove(tmp);
}

static cJSON *load_json(const char *path)
{
    char *text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "%s was not written", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    return j;
}

static const cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(it != NULL, "no '%s' in results.json", key);
    return it;
}

/* Runs of one configuration in results.json, the warm-up apart. */
static int runs_of(const cJSON *root, const char *mode, int workers)
{
    int n = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(root, "runs"))
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "warmup")))
            continue;
        n += !strcmp(item(run, "mode")->valuestring, mode) &&
             item(run, "workers")->valueint == workers;
    }
    return n;
}

/* How often needle occurs in text. */
static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The process mark of the last spawn_concur: count_marked_processes counts under it again once
 * a run_concur in between has made its own. */
static char spawned_mark[64];

static void count_under_spawned_mark(void)
{
    ck_assert_int_eq(setenv(TEST_MARK_ENV, spawned_mark, 1), 0);
}

/* concur in the background with $CONCUR_TEST_MARKER set (the file its fixture creates once it
 * has started), under a new process mark (test_mark_new), its output in log. */
static pid_t spawn_concur(const char *const *args, const char *marker, const char *log)
{
    snprintf(spawned_mark, sizeof(spawned_mark), "%s", test_mark_new());
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setenv("CONCUR_TEST_MARKER", marker, 1);
        const char *argv[32] = {concur_bin()};
        for (int i = 0; args[i] && i < 30; i++)
            argv[i + 1] = args[i];
        execv(concur_bin(), (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits for a file the run writes; the deadline is only a safety net. */
static void wait_for_file(const char *path, pid_t pid)
{
    double deadline = util_now() + 120;
    while (access(path, F_OK) != 0 && util_now() < deadline) {
        int st;
        ck_assert_msg(waitpid(pid, &st, WNOHANG) == 0, "concur ended before %s appeared", path);
        usleep(20000);
    }
    ck_assert_msg(access(path, F_OK) == 0, "%s never appeared", path);
}

static int wait_code(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A task that raises in every run is the job's own failure: the runs count, the sweep goes on and
 * ends, and the failures are recorded. */
START_TEST(test_tasks_raising_are_measured)
{
    const char *args[] = {"run", test_fixture("some_fail.py"), "--out", in_tmp("sf"), "-q", NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_OK, "exit %d: %s", r.code, r.err);
    cJSON *root = load_json(in_tmp("sf/results.json"));
    ck_assert(cJSON_IsTrue(item(root, "complete")));
    int nruns = cJSON_GetArraySize(item(root, "runs"));
    ck_assert_int_le(nruns, 40);
    const cJSON *run;
    cJSON_ArrayForEach(run, item(root, "runs"))
    {
        /* The warm-up's 4 tasks, spread over 20, are the ones that raise. */
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "warmup")))
            continue;
        ck_assert_str_eq(item(run, "status")->valuestring, "tasks_failed");
        ck_assert_int_gt(item(run, "tasks_failed")->valueint, 0);
        ck_assert_int_gt(item(run, "tasks_ok")->valueint, 0);
    }
    const cJSON *single = item(item(item(root, "summary"), "single"), "1");
    ck_assert_int_ge(item(single, "runs_ok")->valueint, 3);
    ck_assert_int_le(item(single, "runs_ok")->valueint, 6);
    ck_assert_int_eq(item(single, "runs_failed")->valueint, 0);
    ck_assert(cJSON_IsTrue(item(item(root, "recommendation"), "made")));
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* Every task raising: each configuration is tried once, the run ends with its own exit code, and
 * with --budget too. */
START_TEST(test_every_task_raising)
{
    for (int budget = 0; budget < 2; budget++) {
        const char *dir = in_tmp(budget ? "af-budget" : "af");
        const char *args[] = {"run", test_fixture("all_fail.py"), "--out", dir, "-q",
                              budget ? "--budget" : NULL, "60", NULL};
        outcome r = run_concur(tmp, args);
        ck_assert_msg(r.code == CONCUR_EXIT_NO_ANSWER, "exit %d: %s", r.code, r.err);
        ck_assert_ptr_nonnull(strstr(r.err, "no recommendation"));
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/results.json", dir);
        cJSON *root = load_json(path);
        ck_assert_int_le(runs_of(root, "single", 1), 1);
        ck_assert_int_le(runs_of(root, "threads", 2), 1);
        ck_assert_int_le(runs_of(root, "processes", 2), 1);
        ck_assert(!cJSON_IsTrue(item(item(root, "recommendation"), "made")));
        cJSON_Delete(root);
        outcome_free(&r);
    }
}
END_TEST

/* A result a process pool cannot send back fails that pool once; the rest stands. */
START_TEST(test_unpicklable_results)
{
    const char *args[] = {"run", test_fixture("unpicklable.py"), "--out", in_tmp("up"), "-q", NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_RUN_FAILED, "exit %d: %s", r.code, r.err);
    cJSON *root = load_json(in_tmp("up/results.json"));
    ck_assert_int_eq(runs_of(root, "processes", 2), 1);
    ck_assert_int_ge(runs_of(root, "threads", 2), 3);
    bool said = false;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(root, "runs"))
    {
        const cJSON *tb = cJSON_GetObjectItemCaseSensitive(run, "traceback");
        if (!strcmp(item(run, "mode")->valuestring, "processes") && cJSON_IsString(tb))
            said = said || strstr(tb->valuestring, "pickle") != NULL;
    }
    ck_assert_msg(said, "the process pool's failure does not name pickling");
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* TASKS = 0: one line and exit 3; results.json says why. */
START_TEST(test_no_tasks)
{
    const char *args[] = {"run", test_fixture("no_tasks.py"), "--out", in_tmp("nt"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(r.code, CONCUR_EXIT_WORKLOAD);
    ck_assert_ptr_nonnull(strstr(r.err, "TASKS = 0"));
    ck_assert_ptr_null(strstr(r.out, "confidence"));
    cJSON *root = load_json(in_tmp("nt/results.json"));
    ck_assert(!cJSON_IsTrue(item(root, "complete")));
    ck_assert(!cJSON_IsTrue(item(root, "running")));
    ck_assert_ptr_nonnull(strstr(item(root, "incomplete_reason")->valuestring, "no tasks"));
    ck_assert_int_eq(cJSON_GetArraySize(item(root, "runs")), 0);
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

static const int stop_signals[] = {SIGINT, SIGTERM};

/* A signal while the probe loads the workload: results.json says where it stopped, and nothing
 * the run started is left. */
START_TEST(test_signal_during_probe)
{
    int sig = stop_signals[_i];
    const char *marker = in_tmp("probe-started");
    const char *out = in_tmp("probe");
    const char *args[] = {"run", test_fixture("probe_hang.py"), "--out", out, NULL};
    pid_t pid = spawn_concur(args, marker, in_tmp("probe.log"));
    wait_for_file(marker, pid);
    kill(pid, sig);
    ck_assert_int_eq(wait_code(pid), 128 + sig);
    cJSON *root = load_json(in_tmp("probe/results.json"));
    ck_assert(!cJSON_IsTrue(item(root, "complete")));
    ck_assert(!cJSON_IsTrue(item(root, "running")));
    ck_assert_str_eq(item(root, "phase")->valuestring, "probe");
    ck_assert_ptr_nonnull(strstr(item(root, "incomplete_reason")->valuestring,
                                 "loading the workload"));
    cJSON_Delete(root);
    ck_assert_int_eq(count_marked_processes(0), 0);
}
END_TEST

/* A second run into a directory another run is writing is refused, naming it; the first one's
 * results are untouched. */
START_TEST(test_out_dir_locked)
{
    const char *marker = in_tmp("hold-started");
    const char *out = in_tmp("held");
    const char *args[] = {"run", test_fixture("hold.py"), "--out", out, "--timeout", "600", NULL};
    pid_t pid = spawn_concur(args, marker, in_tmp("hold.log"));
    wait_for_file(marker, pid);
    const char *second[] = {"run", test_fixture("quick.py"), "--out", out, NULL};
    outcome r = run_concur(tmp, second);
    ck_assert_int_eq(r.code, CONCUR_EXIT_ENV);
    char want[64];
    snprintf(want, sizeof(want), "(pid %d)", (int)pid);
    ck_assert_msg(strstr(r.err, "in use by another concur run") && strstr(r.err, want),
                  "stderr: %s", r.err);
    outcome_free(&r);
    kill(pid, SIGINT);
    ck_assert_int_eq(wait_code(pid), 128 + SIGINT);
    cJSON *root = load_json(in_tmp("held/results.json"));
    ck_assert_str_eq(item(item(root, "workload"), "name")->valuestring, "hold");
    cJSON_Delete(root);
    count_under_spawned_mark();
    ck_assert_int_eq(count_marked_processes(0), 0);
}
END_TEST

/* After kill -9 of concur, the file it left says the run did not finish, to report and compare. */
START_TEST(test_killed_run_is_not_in_progress)
{
    const char *marker = in_tmp("k9-started");
    const char *args[] = {"run", test_fixture("hold.py"), "--out", in_tmp("k9"), NULL};
    pid_t pid = spawn_concur(args, marker, in_tmp("k9.log"));
    wait_for_file(marker, pid);
    kill(pid, SIGKILL);
    ck_assert_int_eq(wait_code(pid), 128 + SIGKILL);
    const char *json = in_tmp("k9/results.json");
    cJSON *root = load_json(json);
    ck_assert(cJSON_IsTrue(item(root, "running")));
    ck_assert_int_eq(item(item(root, "writer"), "pid")->valueint, pid);
    cJSON_Delete(root);
    const char *rep[] = {"report", json, "--format", "terminal", NULL};
    outcome r = run_concur(tmp, rep);
    ck_assert_int_eq(r.code, 0);
    ck_assert_msg(strstr(r.out, "did not finish") != NULL, "report: %s", r.out);
    ck_assert_ptr_null(strstr(r.out, "in progress"));
    outcome_free(&r);
    const char *cmp[] = {"compare", json, json, NULL};
    r = run_concur(tmp, cmp);
    ck_assert_ptr_nonnull(strstr(r.err, "did not finish"));
    outcome_free(&r);
    /* The harness asked to die with concur (PR_SET_PDEATHSIG): nothing of the run is left. */
    count_under_spawned_mark();
    double deadline = util_now() + 30;
    while (count_marked_processes(0) > 0 && util_now() < deadline)
        usleep(20000);
    ck_assert_int_eq(count_marked_processes(0), 0);
}
END_TEST

/* A setup() that never returns is named once: one run waits out the --timeout, no other. */
START_TEST(test_setup_hang_costs_one_timeout)
{
    const char *args[] = {"run", test_fixture("setup_hangs.py"), "--timeout", "2", "--out",
                          in_tmp("sh"), "-q", NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_RUN_FAILED || r.code == CONCUR_EXIT_NO_ANSWER,
                  "exit %d: %s", r.code, r.err);
    cJSON *root = load_json(in_tmp("sh/results.json"));
    ck_assert_int_eq(cJSON_GetArraySize(item(root, "runs")), 1);
    const cJSON *run = cJSON_GetArrayItem(item(root, "runs"), 0);
    ck_assert(cJSON_IsTrue(item(run, "setup_hung")));
    ck_assert_ptr_nonnull(strstr(item(run, "error")->valuestring, "setup() did not finish"));
    ck_assert(!cJSON_IsTrue(item(root, "complete")));
    ck_assert_ptr_nonnull(strstr(item(root, "incomplete_reason")->valuestring,
                                 "setup() never finished"));
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* All runs of a mode in results.json, warm-up apart, whatever their worker count. */
static int runs_of_mode(const cJSON *root, const char *mode)
{
    int n = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(root, "runs"))
        n += !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(run, "warmup")) &&
             !strcmp(item(run, "mode")->valuestring, mode);
    return n;
}

static const cJSON *summary_of(const cJSON *root, const char *mode, const char *workers)
{
    return item(item(item(root, "summary"), mode), workers);
}

/* A job that keeps its working state in a module-level global (pyperformance's deltablue keeps
 * its planner so) returns other results in a thread pool: threads x2 is reported unsafe, in
 * results.json and on the terminal, once, and never recommended; the process pool, whose
 * workers each have their own global, computes single's results and may be. */
START_TEST(test_thread_unsafe_results)
{
    const char *args[] = {"run", test_fixture("shared_state.py"), "--out", in_tmp("ss"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_OK, "exit %d: %s", r.code, r.err);
    cJSON *root = load_json(in_tmp("ss/results.json"));
    ck_assert_str_eq(item(item(root, "results_check"), "state")->valuestring, "compared");
    const cJSON *t = summary_of(root, "threads", "2");
    ck_assert(cJSON_IsTrue(item(t, "unsafe")));
    ck_assert_int_gt(item(t, "results_differ")->valueint, 0);
    ck_assert_ptr_nonnull(strstr(item(t, "unsafe_reason")->valuestring,
                                 "the job shares state between threads"));
    ck_assert_int_eq(runs_of_mode(root, "threads"), 1); /* one run showed it: no more */
    const cJSON *p = summary_of(root, "processes", "2");
    ck_assert(!cJSON_IsTrue(item(p, "unsafe")));
    ck_assert_int_gt(item(p, "results_compared")->valueint, 0);
    ck_assert_int_eq(item(p, "results_differ")->valueint, 0);
    const cJSON *rec = item(root, "recommendation");
    ck_assert(cJSON_IsTrue(item(rec, "made")));
    ck_assert_str_ne(item(rec, "model")->valuestring, "threads");
    ck_assert_msg(strstr(r.out, "NOT SAFE: threads x2 returned different results for"),
                  "terminal report: %s", r.out);
    ck_assert_int_eq(count_in(r.out, "NOT SAFE"), 1);
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* A job that deadlocks in a thread pool: the first thread pool run waits out the --timeout, is
 * named a likely race or deadlock, and no other thread pool is run, at any count or repeat; the
 * process pool is measured and may be recommended. */
START_TEST(test_thread_deadlock_costs_one_timeout)
{
    const char *args[] = {"run", test_fixture("lock_order.py"), "--timeout", "5", "--out",
                          in_tmp("lo"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_RUN_FAILED, "exit %d: %s", r.code, r.err);
    cJSON *root = load_json(in_tmp("lo/results.json"));
    ck_assert_int_eq(runs_of_mode(root, "threads"), 1);
    int timeouts = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(root, "runs"))
    {
        if (strcmp(item(run, "status")->valuestring, "timed_out") != 0)
            continue;
        timeouts++;
        ck_assert_str_eq(item(run, "mode")->valuestring, "threads");
        ck_assert(cJSON_IsTrue(item(run, "hung")));
        ck_assert_ptr_nonnull(strstr(item(run, "error")->valuestring,
                                     "likely a race or deadlock on shared state"));
    }
    ck_assert_int_eq(timeouts, 1);
    ck_assert(cJSON_IsTrue(item(summary_of(root, "threads", "2"), "unsafe")));
    ck_assert(!cJSON_IsTrue(item(summary_of(root, "processes", "2"), "unsafe")));
    ck_assert_int_ge(runs_of(root, "processes", 2), 3);
    const cJSON *rec = item(root, "recommendation");
    ck_assert(cJSON_IsTrue(item(rec, "made")));
    ck_assert_str_ne(item(rec, "model")->valuestring, "threads");
    ck_assert_msg(strstr(r.out, "NOT SAFE: threads x2 did not finish"), "terminal report: %s",
                  r.out);
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* Results that are not compared say why: tasks returning None, --results-vary, and single's own
 * runs disagreeing (a random sample); none of them makes a pool unsafe. */
START_TEST(test_results_not_compared)
{
    static const struct {
        const char *fixture, *flag, *state, *says;
    } cases[] = {
        {"returns_none.py", NULL, "no_values", "results were not compared: the tasks return None"},
        {"varies.py", "--results-vary", "results_vary", "results were not compared (--results-vary)"},
        {"varies.py", NULL, "single_varies", "results were not compared: single's own runs"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char dir[32];
        snprintf(dir, sizeof(dir), "nc%zu", i);
        const char *args[] = {"run", test_fixture(cases[i].fixture), "--modes", "threads",
                              "--workers", "2", "--repeat", "2", "--out", in_tmp(dir),
                              cases[i].flag, NULL};
        outcome r = run_concur(tmp, args);
        ck_assert_msg(r.code == CONCUR_EXIT_OK, "%s: exit %d: %s", cases[i].fixture, r.code,
                      r.err);
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/results.json", in_tmp(dir));
        cJSON *root = load_json(path);
        ck_assert_str_eq(item(item(root, "results_check"), "state")->valuestring,
                         cases[i].state);
        ck_assert(!cJSON_IsTrue(item(summary_of(root, "threads", "2"), "unsafe")));
        ck_assert_msg(strstr(r.out, cases[i].says), "%s: %s", cases[i].fixture, r.out);
        ck_assert_ptr_null(strstr(r.out, "NOT SAFE"));
        cJSON_Delete(root);
        outcome_free(&r);
    }
}
END_TEST

/* results.json that cannot be written stops the run at once with exit 4, before any run. */
START_TEST(test_results_unwritable)
{
    const char *out = in_tmp("unwritable");
    char blocker[PATH_MAX];
    snprintf(blocker, sizeof(blocker), "%s/results.json/keep", out);
    ck_assert_int_eq(util_mkdir_p(blocker, 0755), 0);
    const char *args[] = {"run", test_fixture("quick.py"), "--out", out, NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(r.code, CONCUR_EXIT_ENV);
    ck_assert_ptr_nonnull(strstr(r.err, "results.json"));
    ck_assert_ptr_null(strstr(r.err, "[ 1]"));
    outcome_free(&r);
}
END_TEST

Suite *faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_tasks_raising_are_measured);
    tcase_add_test(tc, test_every_task_raising);
    tcase_add_test(tc, test_unpicklable_results);
    tcase_add_test(tc, test_no_tasks);
    tcase_add_loop_test(tc, test_signal_during_probe, 0, 2);
    tcase_add_test(tc, test_out_dir_locked);
    tcase_add_test(tc, test_killed_run_is_not_in_progress);
    tcase_add_test(tc, test_results_unwritable);
    tcase_add_test(tc, test_setup_hang_costs_one_timeout);
    tcase_add_test(tc, test_thread_unsafe_results);
    tcase_add_test(tc, test_thread_deadlock_costs_one_timeout);
    tcase_add_test(tc, test_results_not_compared);
    suite_add_tcase(s, tc);
    return s;
}

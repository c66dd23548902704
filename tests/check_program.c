/* check_program.c - concur run --program: a user's script measured as it is, its pools swapped
 * (the harness's program mode, the strategy's whole-program runs, the report's "Your program"). */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/concur.h"
#include "concur/util.h"

static char tmp[PATH_MAX];

static void setup(void)
{
    test_tmp_make(tmp, sizeof(tmp), "program");
}

static void teardown(void)
{
    test_tmp_remove(tmp);
}

/* results.json of the run in out, parsed (the caller deletes it). */
static cJSON *load_results(const char *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/results.json", out);
    char *text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "no %s", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_msg(j != NULL, "%s is not JSON", path);
    return j;
}

/* report.md of the run in out (the caller frees it): its lines are not wrapped. */
static char *read_report(const char *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/report.md", out);
    char *text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "no %s", path);
    return text;
}

static const cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(it != NULL, "no '%s'", key);
    return it;
}

/* concur run --fixed --repeat 1 --workers 2 on a fixture program, into tmp/NAME (out): it must
 * succeed and leave no process of its own behind. */
static void run_fixed_program(const char *name, const char *fixture, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", tmp, name);
    const char *args[] = {"run", "--fixed", "--repeat", "1", "--workers", "2", "--out", out,
                          "--program", test_fixture(fixture), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == 0, "exit %d: %.300s", r.code, r.err);
    ck_assert_int_eq(count_marked_processes(0), 0);
    outcome_free(&r);
}

/* A program with no pool: said, naming the threads it started by hand; single is its only
 * configuration, and no recommendation is made. */
START_TEST(test_program_without_pool)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/nopool", tmp);
    const char *args[] = {"run", "--out", out, "--program",
                          test_fixture("programs/no_pool.py"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_NO_ANSWER, "exit %d: %.300s", r.code, r.err);
    ck_assert_int_eq(count_marked_processes(0), 0);
    char *md = read_report(out);
    ck_assert_msg(strstr(md, "made no call into a pool concur can swap"), "%.300s", md);
    ck_assert_msg(strstr(md, "threading.Thread started by hand (") &&
                  strstr(md, "no_pool.py:13) x2"), "%.300s", md);
    free(md);
    cJSON *j = load_results(out);
    const cJSON *run;
    cJSON_ArrayForEach(run, item(j, "runs"))
    {
        ck_assert_str_eq(item(run, "mode")->valuestring, "single");
        ck_assert_int_eq(item(item(run, "program"), "npools")->valueint, 0);
    }
    ck_assert_int_eq(item(item(j, "workload"), "tasks")->valueint, 0);
    ck_assert_str_eq(item(item(j, "workload"), "program")->valuestring, "file");
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* Two pools (a ThreadPoolExecutor and a multiprocessing.Pool): each configuration swaps both,
 * and each run lists them with their sites, what they asked for and their calls. */
START_TEST(test_program_two_pools)
{
    char out[PATH_MAX];
    run_fixed_program("two", "programs/two_pools.py", out, sizeof(out));
    char *md = read_report(out);
    ck_assert_msg(strstr(md, "each configuration measured applies to all 2 pools alike"), "%.300s",
                  md);
    ck_assert_msg(strstr(md, "your program asks for 8 threads; 12 of its 16 calls"), "%.300s", md);
    free(md);
    cJSON *j = load_results(out);
    int modes = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(j, "runs"))
    {
        ck_assert_str_eq(item(run, "status")->valuestring, "ok");
        ck_assert_int_eq(item(run, "tasks")->valueint, 16);
        const cJSON *pools = item(item(run, "program"), "pools");
        ck_assert_int_eq(cJSON_GetArraySize(pools), 2);
        const cJSON *a = cJSON_GetArrayItem(pools, 0), *b = cJSON_GetArrayItem(pools, 1);
        ck_assert_str_eq(item(a, "kind")->valuestring, "ThreadPoolExecutor");
        ck_assert_int_eq(item(a, "asked")->valueint, 8);
        ck_assert_int_eq(item(a, "tasks")->valueint, 12);
        ck_assert_msg(strstr(item(a, "site")->valuestring, "two_pools.py:12"), "site %s",
                      item(a, "site")->valuestring);
        ck_assert_str_eq(item(b, "kind")->valuestring, "multiprocessing.Pool");
        ck_assert_int_eq(item(b, "asked")->valueint, 3);
        ck_assert_int_eq(item(b, "tasks")->valueint, 4);
        ck_assert_int_eq(item(run, "results_differ")->valueint, 0);
        modes++;
    }
    ck_assert_int_eq(modes, 3); /* single, threads x2, processes x2 */
    cJSON_Delete(j);
}
END_TEST

/* Under spawn, every worker process imports the script and the harness's own module again: the
 * guarded script runs both of its pools in a process pool, and returns single's results. */
START_TEST(test_program_spawn)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/spawn", tmp);
    const char *args[] = {"run", "--fixed", "--repeat", "1", "--workers", "2", "--modes",
                          "processes", "--start-method", "spawn", "--out", out, "--program",
                          test_fixture("programs/two_pools.py"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == 0, "exit %d: %.300s", r.code, r.err);
    ck_assert_int_eq(count_marked_processes(0), 0);
    cJSON *j = load_results(out);
    int processes = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(j, "runs"))
    {
        if (strcmp(item(run, "mode")->valuestring, "processes") != 0)
            continue;
        ck_assert_str_eq(item(run, "status")->valuestring, "ok");
        ck_assert_str_eq(item(run, "start_method")->valuestring, "spawn");
        ck_assert_int_eq(item(run, "tasks")->valueint, 16);
        ck_assert_int_eq(item(run, "results_differ")->valueint, 0);
        ck_assert_int_gt(item(item(run, "pickle"), "sampled")->valueint, 0);
        processes++;
    }
    ck_assert_int_eq(processes, 1);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* A program that exits non-zero: a failed run with its status and the last line of its stderr,
 * and nothing more is run. */
START_TEST(test_program_exits_nonzero)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/fails", tmp);
    const char *args[] = {"run", "--out", out, "--program",
                          test_fixture("programs/exits_nonzero.py"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code != 0, "exit %d", r.code);
    ck_assert_int_eq(count_marked_processes(0), 0);
    ck_assert_msg(strstr(r.err, "the program exited with status 3") &&
                  strstr(r.err, "cannot open the input: no such file"), "%.600s", r.err);
    cJSON *j = load_results(out);
    const cJSON *runs = item(j, "runs");
    ck_assert_int_eq(cJSON_GetArraySize(runs), 1);
    const cJSON *run = cJSON_GetArrayItem(runs, 0);
    ck_assert_str_eq(item(run, "status")->valuestring, "error");
    ck_assert_int_eq(item(item(run, "program"), "exit_code")->valueint, 3);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* A pool inside a pool: both sites listed with their calls; under threads the inner calls are
 * swapped and counted too, and every result matches single's; under processes the inner pool
 * runs in each worker, and the run stands. */
START_TEST(test_program_nested_pools)
{
    char out[PATH_MAX];
    run_fixed_program("nested", "programs/nested.py", out, sizeof(out));
    cJSON *j = load_results(out);
    const cJSON *run;
    cJSON_ArrayForEach(run, item(j, "runs"))
    {
        const char *mode = item(run, "mode")->valuestring;
        ck_assert_str_eq(item(run, "status")->valuestring, "ok");
        const cJSON *pools = item(item(run, "program"), "pools");
        ck_assert_int_eq(cJSON_GetArraySize(pools), 2);
        ck_assert_int_eq(item(cJSON_GetArrayItem(pools, 1), "tasks")->valueint, 8);
        if (strcmp(mode, "processes") == 0) {
            ck_assert_int_eq(item(run, "tasks")->valueint, 8);
            continue;
        }
        ck_assert_int_eq(item(run, "tasks")->valueint, 48);
        ck_assert_int_eq(item(cJSON_GetArrayItem(pools, 0), "tasks")->valueint, 40);
        ck_assert_int_eq(item(run, "results_differ")->valueint, 0);
        if (strcmp(mode, "threads") == 0)
            ck_assert_int_eq(item(run, "results_compared")->valueint, 48);
    }
    cJSON_Delete(j);
}
END_TEST

/* A program that leaves through os._exit(0) ends its run there, measured, in every mode (a
 * process pool's workers leave through os._exit too, and are not taken for the program). */
START_TEST(test_program_os_exit)
{
    char out[PATH_MAX];
    run_fixed_program("osexit", "programs/os_exit.py", out, sizeof(out));
    cJSON *j = load_results(out);
    int runs = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(j, "runs"))
    {
        ck_assert_str_eq(item(run, "status")->valuestring, "ok");
        ck_assert_int_eq(item(run, "tasks")->valueint, 4);
        ck_assert_int_eq(item(item(run, "program"), "exit_code")->valueint, 0);
        runs++;
    }
    ck_assert_int_eq(runs, 3);
    cJSON_Delete(j);
}
END_TEST

/* A process pool under spawn, in a script without the __main__ guard: a clear error that names
 * the guard, before any worker re-runs the program. */
START_TEST(test_program_missing_guard)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/guard", tmp);
    const char *args[] = {"run", "--fixed", "--repeat", "1", "--workers", "2", "--modes",
                          "processes", "--start-method", "spawn", "--out", out, "--program",
                          test_fixture("programs/no_guard.py"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code != 0, "exit %d", r.code);
    ck_assert_int_eq(count_marked_processes(0), 0);
    cJSON *j = load_results(out);
    int failed = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, item(j, "runs"))
    {
        if (strcmp(item(run, "mode")->valuestring, "processes") != 0)
            continue;
        const char *error = item(run, "error")->valuestring;
        ck_assert_msg(error && strstr(error, "has no `if __name__ == \"__main__\":` guard") &&
                      strstr(error, "spawn"), "error: %s", error ? error : "(none)");
        failed++;
    }
    ck_assert_int_eq(failed, 1);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* The program's own arguments reach it untouched, after concur's options; argv[0] is its own
 * path, it runs in concur's directory, and --stdin is its stdin. */
START_TEST(test_program_arguments)
{
    char out[PATH_MAX], got[PATH_MAX], in[PATH_MAX], cwd[PATH_MAX];
    snprintf(out, sizeof(out), "%s/args", tmp);
    snprintf(got, sizeof(got), "%s/got.json", tmp);
    snprintf(in, sizeof(in), "%s/in.txt", tmp);
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    FILE *f = fopen(in, "w");
    ck_assert_ptr_nonnull(f);
    fputs("line on stdin\n", f);
    fclose(f);
    const char *script = test_fixture("programs/echo_args.py");
    const char *args[] = {"run", "--fixed", "--repeat", "1", "--modes", "single", "--stdin", in,
                          "--out", out, "--program", script, got, "two words", "--workers", "-q",
                          NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == 0, "exit %d: %.300s", r.code, r.err);
    char *text = util_read_file(got, NULL);
    ck_assert_msg(text != NULL, "the program wrote no %s", got);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    const cJSON *argv = item(j, "argv");
    ck_assert_int_eq(cJSON_GetArraySize(argv), 5);
    ck_assert_str_eq(cJSON_GetArrayItem(argv, 0)->valuestring, script);
    ck_assert_str_eq(cJSON_GetArrayItem(argv, 1)->valuestring, got);
    ck_assert_str_eq(cJSON_GetArrayItem(argv, 2)->valuestring, "two words");
    ck_assert_str_eq(cJSON_GetArrayItem(argv, 3)->valuestring, "--workers");
    ck_assert_str_eq(cJSON_GetArrayItem(argv, 4)->valuestring, "-q");
    ck_assert_str_eq(item(j, "stdin")->valuestring, "line on stdin\n");
    ck_assert_str_eq(item(j, "cwd")->valuestring, cwd);
    cJSON_Delete(j);
    /* concur's own -q came before --program: its progress lines are not there. */
    ck_assert_msg(strstr(r.err, "[ 1]") == NULL, "%.300s", r.err);
    outcome_free(&r);
}
END_TEST

/* Options that mean nothing for a program, and a program that is not there. */
static const struct {
    const char *args[8];
    int code;
    const char *in_err;
} program_usage_cases[] = {
    {{"run", "--program", NULL}, CONCUR_EXIT_USAGE, "--program: expected the script"},
    {{"run", "--program", "-m", NULL}, CONCUR_EXIT_USAGE, "--program: expected the script"},
    {{"run", "--tasks", "4", "--program", "x.py", NULL}, CONCUR_EXIT_USAGE, "--tasks"},
    {{"run", "--sample", "4", "--program", "x.py", NULL}, CONCUR_EXIT_USAGE, "--sample"},
    {{"run", "job.py", "--program", "x.py", NULL}, CONCUR_EXIT_USAGE, "before --program"},
    {{"run", "--stdin", "/nonexistent/in", "--program", "x.py", NULL}, CONCUR_EXIT_USAGE,
     "--stdin '/nonexistent/in'"},
    {{"run", "--program", "/nonexistent/prog.py", NULL}, CONCUR_EXIT_WORKLOAD,
     "/nonexistent/prog.py"},
    {{"classify", "--program", "x.py", NULL}, CONCUR_EXIT_USAGE, "--program is for"},
};

START_TEST(test_program_usage)
{
    outcome r = run_concur(tmp, program_usage_cases[_i].args);
    ck_assert_msg(r.code == program_usage_cases[_i].code, "exit %d: %.300s", r.code, r.err);
    ck_assert_msg(strstr(r.err, program_usage_cases[_i].in_err), "%.300s", r.err);
    outcome_free(&r);
}
END_TEST

Suite *program_suite(void)
{
    Suite *s = suite_create("program");
    TCase *tc = tcase_create("program");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_loop_test(tc, test_program_usage, 0,
                        sizeof(program_usage_cases) / sizeof(program_usage_cases[0]));
    tcase_add_test(tc, test_program_without_pool);
    tcase_add_test(tc, test_program_two_pools);
    tcase_add_test(tc, test_program_spawn);
    tcase_add_test(tc, test_program_exits_nonzero);
    tcase_add_test(tc, test_program_missing_guard);
    tcase_add_test(tc, test_program_os_exit);
    tcase_add_test(tc, test_program_nested_pools);
    tcase_add_test(tc, test_program_arguments);
    suite_add_tcase(s, tc);
    return s;
}

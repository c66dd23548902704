/* check_asyncio.c - coroutine workloads end to end: async def task and setup on one event loop per
 * worker in every mode, the asyncio mode, the loop figures in results.json, --loop, and the bad
 * input a coroutine job can bring (docs/asyncio.md). */
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
    test_tmp_make(tmp, sizeof(tmp), "asyncio");
}

static void teardown(void)
{
    test_tmp_remove(tmp);
}

/* A quick fixed run of fixture with extra options; results.json from stdout (NULL if none). */
static cJSON *run_fixture(const char *fixture, const char *const *extra, outcome *r)
{
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/%s", tmp, fixture);
    const char *args[32] = {"run", test_fixture(fixture), "--fixed", "--repeat", "1",
                            "--workers", "2", "--out", out, "--json"};
    int n = 10;
    for (int i = 0; extra && extra[i] && n < 31; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    *r = run_concur(tmp, args);
    return cJSON_Parse(r->out);
}

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* summary.<mode>."<workers>" */
static const cJSON *config(const cJSON *j, const char *mode, const char *workers)
{
    return item(item(item(j, "summary"), mode), workers);
}

/* Whether the interpreter python can import module. */
static bool python_has(const char *python, const char *module)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "%s -c 'import %s' >/dev/null 2>&1", python, module);
    return system(cmd) == 0;
}

/* Every mode of a coroutine workload runs its tasks on the loop its worker's async setup() ran
 * on (the fixture's tasks raise otherwise); asyncio is in the default modes, at concurrency 2 on
 * the one loop thread the runner placed; every configuration has its loop figures. */
START_TEST(test_coroutine_modes)
{
    outcome r;
    cJSON *j = run_fixture("async_task.py", NULL, &r);
    ck_assert_msg(r.code == 0 && j, "exit %d: %s", r.code, r.err);
    ck_assert(cJSON_IsTrue(item(item(j, "workload"), "async")));
    const cJSON *run;
    int modes_seen = 0;
    cJSON_ArrayForEach(run, item(j, "runs"))
    {
        ck_assert_str_eq(item(run, "status")->valuestring, "ok");
        ck_assert_int_eq(item(run, "tasks_failed")->valueint, 0);
        if (strcmp(item(run, "mode")->valuestring, "asyncio") == 0) {
            modes_seen++;
            ck_assert_int_eq(item(run, "workers")->valueint, 2);
            /* The loop thread is the one worker: the harness's main thread. */
            const cJSON *pl = item(run, "placement");
            ck_assert_int_eq(cJSON_GetArraySize(pl), 1);
            ck_assert_int_eq(item(cJSON_GetArrayItem(pl, 0), "tid")->valueint,
                             item(cJSON_GetArrayItem(pl, 0), "pid")->valueint);
        }
    }
    ck_assert_int_ge(modes_seen, 1);
    const char *modes[][2] = {{"single", "1"}, {"threads", "2"}, {"processes", "2"},
                              {"asyncio", "2"}};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        const cJSON *c = config(j, modes[i][0], modes[i][1]);
        ck_assert_msg(c != NULL, "no summary for %s x%s", modes[i][0], modes[i][1]);
        const cJSON *f = item(c, "loop_blocked_fraction");
        ck_assert_msg(cJSON_IsNumber(f) && f->valuedouble >= 0 && f->valuedouble <= 1,
                      "%s: loop_blocked_fraction", modes[i][0]);
        ck_assert(cJSON_IsNumber(item(c, "loop_max_step_s")));
        ck_assert_int_eq(cJSON_GetArraySize(item(c, "loop_longest_steps")), 3);
    }
    ck_assert_int_eq(item(config(j, "asyncio", "2"), "loop_concurrency")->valueint, 2);
    ck_assert_int_eq(item(config(j, "threads", "2"), "loop_concurrency")->valueint, 0);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* What a coroutine job can get wrong, each said and measured: tasks left pending are cancelled
 * and counted; tasks that never await are counted and named in the classification; a task
 * calling asyncio.run() inside the loop fails with what to do instead. */
START_TEST(test_coroutine_bad_input)
{
    const char *const modes[] = {"--modes", "single,asyncio", NULL};
    outcome r;
    cJSON *j = run_fixture("async_pending.py", modes, &r);
    ck_assert_msg(r.code == 0 && j, "exit %d: %s", r.code, r.err);
    ck_assert_int_eq(item(config(j, "single", "1"), "loop_pending_cancelled")->valueint, 4);
    ck_assert_int_eq(item(config(j, "asyncio", "2"), "loop_pending_cancelled")->valueint, 4);
    cJSON_Delete(j);
    outcome_free(&r);

    j = run_fixture("async_never_awaits.py", modes, &r);
    ck_assert_msg(r.code == 0 && j, "exit %d: %s", r.code, r.err);
    ck_assert_int_eq(item(config(j, "single", "1"), "loop_one_step_tasks")->valueint, 4);
    char *evidence = cJSON_PrintUnformatted(item(item(j, "classification"), "evidence"));
    ck_assert_msg(strstr(evidence, "never awaits") != NULL, "%s", evidence);
    free(evidence);
    cJSON_Delete(j);
    outcome_free(&r);

    j = run_fixture("async_nested.py", modes, &r);
    ck_assert_msg(j != NULL, "exit %d: %s", r.code, r.err);
    const cJSON *first = cJSON_GetArrayItem(item(j, "runs"), 0);
    ck_assert_int_eq(item(first, "tasks_ok")->valueint, 0);
    ck_assert_msg(strstr(item(first, "traceback")->valuestring, "nested event loop") != NULL,
                  "%s", item(first, "traceback")->valuestring);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* A plain def task that returns a coroutine: awaited, and said; asyncio asked of a plain
 * workload: a usage error that says the code would have to become async. */
START_TEST(test_plain_task_and_asyncio)
{
    const char *const modes[] = {"--modes", "single,threads", NULL};
    outcome r;
    cJSON *j = run_fixture("returns_coroutine.py", modes, &r);
    ck_assert_msg(r.code == 0 && j, "exit %d: %s", r.code, r.err);
    ck_assert(cJSON_IsFalse(item(item(j, "workload"), "async")));
    ck_assert_int_eq(item(cJSON_GetArrayItem(item(j, "runs"), 0), "tasks_ok")->valueint, 4);
    ck_assert_msg(strstr(r.err, "returned coroutine") != NULL, "%s", r.err);
    ck_assert_ptr_null(config(j, "asyncio", "2"));
    cJSON_Delete(j);
    outcome_free(&r);

    const char *const asked[] = {"--modes", "asyncio", NULL};
    j = run_fixture("returns_coroutine.py", asked, &r);
    ck_assert_int_eq(r.code, CONCUR_EXIT_USAGE);
    ck_assert_msg(strstr(r.err, "would have to become async") != NULL, "%s", r.err);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* --loop uvloop where the interpreter cannot import it: the environment's error, naming what to
 * install, before anything is measured. */
START_TEST(test_uvloop_missing)
{
    if (python_has("python3", "uvloop"))
        SKIP_TEST("python3 has uvloop: the missing case cannot be shown with it");
    const char *const loop[] = {"--loop", "uvloop", NULL};
    outcome r;
    cJSON *j = run_fixture("async_task.py", loop, &r);
    ck_assert_int_eq(r.code, CONCUR_EXIT_ENV);
    ck_assert_msg(strstr(r.err, "cannot import uvloop") && strstr(r.err, "install"), "%s", r.err);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* --loop uvloop: every worker's loop is uvloop's (the fixture's tasks fail on any other). */
START_TEST(test_uvloop)
{
    const char *python = "/usr/bin/python3";
    if (!python_has(python, "uvloop"))
        SKIP_TEST("%s cannot import uvloop ('make deps' installs python3-uvloop)", python);
    const char *const loop[] = {"--loop", "uvloop", "--python", python, "--modes",
                                "single,asyncio,processes", NULL};
    outcome r;
    cJSON *j = run_fixture("uvloop_only.py", loop, &r);
    ck_assert_msg(r.code == 0 && j, "exit %d: %s", r.code, r.err);
    ck_assert_str_eq(item(item(j, "options"), "loop")->valuestring, "uvloop");
    const cJSON *run;
    cJSON_ArrayForEach(run, item(j, "runs"))
        ck_assert_int_eq(item(run, "tasks_failed")->valueint, 0);
    cJSON_Delete(j);
    outcome_free(&r);
}
END_TEST

/* The harness's done line for one run by hand (no control fd: its lines go to stderr). */
static cJSON *harness_done(const char *mode, const char *extra)
{
    const char *harness = getenv("CONCUR_HARNESS");
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof(cmd), "python3 %s --workload %s --mode %s --workers 2 %s 2>&1 >/dev/null",
             harness ? harness : "harness/harness.py", test_fixture("async_task.py"), mode, extra);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    char line[65536];
    cJSON *done = NULL;
    while (fgets(line, sizeof(line), f)) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *ev = j ? item(j, "ev") : NULL;
        if (cJSON_IsString(ev) && strcmp(ev->valuestring, "done") == 0 && !done)
            done = j;
        else
            cJSON_Delete(j);
    }
    pclose(f);
    ck_assert_msg(done != NULL, "no done line from: %s", cmd);
    return done;
}

/* processes x asyncio (--concurrency): each process awaits its slice of the tasks under a
 * semaphore, and the results come back in task order, as single's do. */
START_TEST(test_processes_concurrency)
{
    cJSON *single = harness_done("single", "");
    cJSON *slices = harness_done("processes", "--concurrency 4");
    ck_assert_int_eq(item(slices, "tasks_ok")->valueint, 8);
    ck_assert_int_eq(item(slices, "concurrency")->valueint, 4);
    char *a = cJSON_PrintUnformatted(item(single, "task_digest"));
    char *b = cJSON_PrintUnformatted(item(slices, "task_digest"));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    cJSON_Delete(single);
    cJSON_Delete(slices);
}
END_TEST

Suite *asyncio_suite(void)
{
    Suite *s = suite_create("asyncio");
    TCase *tc = tcase_create("coroutines");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, test_coroutine_modes);
    tcase_add_test(tc, test_coroutine_bad_input);
    tcase_add_test(tc, test_plain_task_and_asyncio);
    tcase_add_test(tc, test_uvloop_missing);
    tcase_add_test(tc, test_uvloop);
    tcase_add_test(tc, test_processes_concurrency);
    suite_add_tcase(s, tc);
    return s;
}

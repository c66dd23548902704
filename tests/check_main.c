/* check_main.c - runs every suite; CK_RUN_SUITE / CK_RUN_CASE select a part (Check's own variables).
 * After Check's summary: the tests skipped, each with its reason, and one closing line,
 * "tests: N passed, N failed, N skipped", where passed leaves the skipped out. */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/util.h"

/* Where each test, in the child Check forks for it, appends one line per skip. */
#define SKIPS_ENV "CONCUR_TEST_SKIPS"

void test_skipped(const char *file, const char *func, int iteration, const char *fmt, ...)
{
    /* START_TEST(name) names the function name_fn: the test is called name in Check's output. */
    size_t flen = strlen(func);
    if (flen > 3 && strcmp(func + flen - 3, "_fn") == 0)
        flen -= 3;
    const char *base = strrchr(file, '/');
    char line[1024];
    int len = snprintf(line, sizeof(line), "%s:%.*s:%d: ", base ? base + 1 : file, (int)flen,
                       func, iteration);
    va_list ap;
    va_start(ap, fmt);
    if (len >= 0 && (size_t)len < sizeof(line))
        len += vsnprintf(line + len, sizeof(line) - (size_t)len, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof(line) - 1)
        len = (int)sizeof(line) - 2;
    /* One line, whatever the reason held. */
    for (int i = 0; i < len; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[len++] = '\n';
    fprintf(stderr, "SKIP %.*s", len, line);
    const char *path = getenv(SKIPS_ENV);
    int fd = path ? open(path, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
    /* One write with O_APPEND: lines from tests that end at once never mix. */
    if (fd < 0 || write(fd, line, (size_t)len) != (ssize_t)len)
        fprintf(stderr, "SKIP could not be recorded in %s: the closing count misses it\n",
                path ? path : "(no " SKIPS_ENV ")");
    if (fd >= 0)
        close(fd);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char skips[4096];
    snprintf(skips, sizeof(skips), "%s/concur-skips-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(skips);
    if (fd < 0) {
        perror(skips);
        return EXIT_FAILURE;
    }
    close(fd);
    setenv(SKIPS_ENV, skips, 1);

    SRunner *sr = srunner_create(stats_suite());
    srunner_add_suite(sr, plan_suite());
    srunner_add_suite(sr, topology_suite());
    srunner_add_suite(sr, counters_suite());
    srunner_add_suite(sr, results_suite());
    srunner_add_suite(sr, classify_suite());
    srunner_add_suite(sr, runner_suite());
    srunner_add_suite(sr, cli_suite());
    srunner_add_suite(sr, sampler_suite());
    srunner_add_suite(sr, compare_suite());
    srunner_add_suite(sr, usl_suite());
    srunner_add_suite(sr, report_suite());
    srunner_add_suite(sr, advise_suite());
    srunner_add_suite(sr, measure_suite());
    srunner_add_suite(sr, faults_suite());
    srunner_add_suite(sr, proc_suite());
    srunner_add_suite(sr, asyncio_suite());
    srunner_add_suite(sr, dask_suite());
    srunner_run_all(sr, CK_NORMAL);
    int ran = srunner_ntests_run(sr);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    char *text = util_read_file(skips, NULL);
    unlink(skips);
    int skipped = 0;
    for (const char *p = text ? text : ""; *p;) {
        const char *end = strchr(p, '\n');
        int n = end ? (int)(end - p) : (int)strlen(p);
        if (skipped++ == 0)
            printf("skipped:\n");
        printf("  %.*s\n", n, p);
        p += n + (end != NULL);
    }
    free(text);
    printf("tests: %d passed, %d failed, %d skipped\n", ran - failed - skipped, failed, skipped);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

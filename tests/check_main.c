/* check_main.c - runs every suite; CK_RUN_SUITE / CK_RUN_CASE select a part (Check's own variables). */
#include <check.h>
#include <stdlib.h>

#include "check_concur.h"

int main(void)
{
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
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

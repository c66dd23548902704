/* compare.c - concur compare OLD NEW: did a change make the job slower? */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/compare.h"
#include "concur/results.h"
#include "concur/results_json.h"

#include "cli_int.h"

const char usage_compare[] =
    "Usage: concur compare OLD NEW [OPTIONS]\n"
    "\n"
    "Did a change make the job slower? Compares two results.json files (or the directories\n"
    "'concur run' wrote them in) configuration by\n"
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

int cmd_compare(int argc, char **argv)
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

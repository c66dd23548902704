/* report.c - concur report RESULTS: report.md and report.html again, from results.json alone. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "concur/report.h"
#include "concur/results.h"
#include "concur/results_json.h"

#include "cli_int.h"

const char usage_report[] =
    "Usage: concur report RESULTS [OPTIONS]\n"
    "\n"
    "Renders the reports a person reads from a results.json alone (RESULTS: the file, or the\n"
    "directory 'concur run' wrote), measuring nothing:\n"
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
    "                           the results.json)\n"
    "  -h, --help               this text\n"
    "\n"
    "Prints the path of each file written. Exit status: 0 written, 2 usage error, 4 the results\n"
    "file cannot be read or is not concur results, or the output directory cannot be written.\n"
    "\n"
    "Example:\n"
    "  concur report reports/cpu_bound-20261121T103735Z --format terminal\n"
    "  concur report reports/cpu_bound-20261121T103735Z/results.json --format html --out /tmp\n";

int cmd_report(int argc, char **argv)
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
        struct stat st;
        if (out_dir) {
            util_fmt(dir, sizeof(dir), "%s", out_dir);
        } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            util_fmt(dir, sizeof(dir), "%s", path); /* the run's own directory */
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

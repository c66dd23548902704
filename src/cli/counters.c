/* counters.c - concur counters: which counter level works here, and why not the others. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/counters.h"

#include "cli_int.h"

const char usage_counters[] =
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

int cmd_counters(int argc, char **argv)
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

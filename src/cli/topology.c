/* topology.c - concur topology: what hwloc sees, and where workers would go. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/plan.h"
#include "concur/topology.h"

#include "cli_int.h"

const char usage_topology[] =
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

int cmd_topology(int argc, char **argv)
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

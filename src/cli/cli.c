/* cli.c - concur's entry: the command table, help, and dispatch to src/cli/<command>.c. */
#include "concur/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

static const char usage_main[] =
    "Usage: concur COMMAND [OPTIONS]\n"
    "\n"
    "Which concurrency model should this Python job use, with how many workers? concur runs the\n"
    "job for real under a single thread, a ThreadPoolExecutor and a ProcessPoolExecutor, pins\n"
    "every worker to its own CPU, counts what happens, and writes results.json.\n"
    "\n"
    "Commands:\n"
    "  run WORKLOAD     measure a workload in every mode and a sweep of worker counts\n"
    "  run --program SCRIPT [ARGS]  measure your own program as it is, its pool swapped\n"
    "  classify WORKLOAD  the quickest answer: CPU- or I/O-bound, holds or releases the GIL\n"
    "  topology         what hwloc sees here, and which CPUs a run would use\n"
    "  counters         which counter level works here (hardware, software, kernel), and why\n"
    "  compare OLD NEW  did a change make the job slower? (two results.json files)\n"
    "  report RESULTS   report.md and report.html again, from a results.json alone\n"
    "  help [COMMAND]   this text, or a command's\n"
    "\n"
    "Options:\n"
    "  -h, --help       show help (also: concur COMMAND --help)\n"
    "  -V, --version    print the version\n"
    "\n"
    "A workload is a Python file with a task(i) function (and optionally TASKS and setup()), or\n"
    "package.module:function. Start with:  concur run workloads/cpu_bound.py\n"
    "Or measure your own program as it is:  concur run --program my_tool.py ARGS\n"
    "\n"
    "Exit status: 0 ok, 1 some configuration failed (the rest is written), 2 usage error,\n"
    "3 the workload cannot be loaded (or has no tasks), 4 this machine cannot run it\n"
    "(interpreter, harness, output directory unwritable or in use), 5 no recommendation (every\n"
    "run failed, or a program made no call into a pool), 128+N stopped by signal N (results so\n"
    "far are written). See also: man concur.\n"
    "compare: 0 no significant slowdown, 1 some configuration slower, 2 usage error, 4 a file\n"
    "cannot be read.\n";

/* Each command: its name, its --help text, and what runs it. */
static const struct {
    const char *name;
    const char *usage;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"run", usage_run, cmd_run},
    {"classify", usage_classify, cmd_classify},
    {"topology", usage_topology, cmd_topology},
    {"counters", usage_counters, cmd_counters},
    {"compare", usage_compare, cmd_compare},
    {"report", usage_report, cmd_report},
};

static int cmd_help(int argc, char **argv)
{
    const char *topic = argc > 1 ? argv[1] : NULL;
    if (topic == NULL) {
        fputs(usage_main, stdout);
        return CONCUR_EXIT_OK;
    }
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (!strcmp(topic, commands[i].name)) {
            fputs(commands[i].usage, stdout);
            return CONCUR_EXIT_OK;
        }
    return usage_error(NULL, "no help for '%s' (commands: run, classify, topology, counters, "
                       "compare, report)", topic);
}

int cli_main(int argc, char **argv)
{
    log_init(LOG_NORMAL);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return CONCUR_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help"))
        return cmd_help(1, argv);
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("concur %s\n", CONCUR_VERSION);
        return CONCUR_EXIT_OK;
    }
    /* Each command parses its own options from its own argv. */
    optind = 1;
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    if (!strcmp(cmd, "help"))
        return cmd_help(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s' (options go after the command)", cmd);
    return usage_error(NULL, "unknown command '%s' (commands: run, classify, topology, counters, "
                       "compare, report, help)", cmd);
}

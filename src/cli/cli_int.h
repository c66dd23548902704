/* cli_int.h - what the command files of src/cli/ share: option parsing helpers and the commands.
 * Each command parses its own options (getopt_long from optind 1 of its own argv) into the options
 * struct of the layer below, calls it, and prints. */
#ifndef CONCUR_CLI_INT_H
#define CONCUR_CLI_INT_H

#include <stdbool.h>

#include "concur/concur.h"
#include "concur/util.h"

/* Exit code for a bad command line: one line saying what is wrong, one saying where help is. */
int usage_error(const char *cmd, const char *fmt, ...) CONCUR_PRINTF(2, 3);
/* getopt_long's own messages are replaced by ours (opterr = 0): an unknown option, as a usage
 * error of cmd. */
int bad_option(const char *cmd, char **argv);
/* A whole number in [1, max]. Returns 0 or -1. */
int parse_positive(const char *s, long max, long *out);
/* Seconds: a finite number >= 0. Returns 0 or -1. */
int parse_seconds(const char *s, double *out);
/* A number from a command line: the whole argument, finite. Returns 0 or -1. */
int parse_number(const char *s, double *out);

/* The commands (src/cli/<command>.c), each with its --help text. */
int cmd_run(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int cmd_counters(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
extern const char usage_run[], usage_classify[], usage_topology[], usage_counters[],
    usage_compare[], usage_report[];

#endif

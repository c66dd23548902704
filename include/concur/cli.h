/* cli.h - the command line: parses arguments and runs the commands. */
#ifndef CONCUR_CLI_H
#define CONCUR_CLI_H

/* Runs concur with these arguments and returns the process exit code (concur.h). */
int cli_main(int argc, char **argv);

#endif

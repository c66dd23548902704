/* results_json.h - results.json, the file every report is rendered from (schema concur.results/1):
 * written after every run and at the end, read back by report and compare. */
#ifndef CONCUR_RESULTS_JSON_H
#define CONCUR_RESULTS_JSON_H

#include <stddef.h>

#include "concur/results.h"

/* JSON text of the whole results (caller frees). Never NULL. */
char *results_to_json(const results *r);
/* Writes results_to_json atomically to path. Returns 0 or -1 with errno set. */
int results_write(const results *r, const char *path);
/* Loads a results.json written by results_write (path may be the directory 'concur run' wrote:
 * its results.json). Returns 0, or -1 with a reason in err (the file, what was wrong). r is
 * initialised either way and must be freed. */
int results_load(const char *path, results *r, char *err, size_t errlen);

#endif

/* check_report.c - report.md and report.html rendered from results alone: byte for byte against the
 * golden files, a self-contained page with balanced markup, escaping, values that were not
 * measured, an incomplete run, a real browser (where chromium is installed), and `concur report`.
 *
 * The golden files (report.md, report.html and the terminal summary, summary.txt) are rendered
 * from tests/fixtures/results/tiny_tasks.json, the results.json of a real run:
 *     build/concur run workloads/tiny_tasks.py --tasks 3000 --sample 1000 --workers 1,2,4 \
 *         --target-cores 8 -o /tmp/fx
 *     cp /tmp/fx/results.json tests/fixtures/results/tiny_tasks.json
 * When a change to the reports is intended, CONCUR_UPDATE_GOLDEN=1 rewrites tests/golden/ from the
 * current output (CONCUR_UPDATE_GOLDEN=1 CK_RUN_SUITE=report make test); review the diff. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/concur.h"
#include "concur/classify.h"
#include "concur/report.h"
#include "concur/results.h"
#include "concur/results_json.h"
#include "concur/util.h"

#define FIXTURE "tests/fixtures/results/tiny_tasks.json"

/* ---- paths and a fresh directory per test ---------------------------------------------------- */

static char tmpdir[PATH_MAX];

static const char *src_path(const char *rel)
{
    static char path[4][PATH_MAX];
    static int k;
    const char *src = getenv("CONCUR_SRC");
    k = (k + 1) % 4;
    util_fmt(path[k], sizeof(path[k]), "%s/%s", src && src[0] ? src : ".", rel);
    return path[k];
}

static const char *tmp_path(const char *name)
{
    static char path[4][PATH_MAX];
    static int k;
    k = (k + 1) % 4;
    util_fmt(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
    return path[k];
}

static void tmpdir_setup(void)
{
    const char *base = getenv("TMPDIR");
    util_fmt(tmpdir, sizeof(tmpdir), "%s/concur-report-XXXXXX", base && base[0] ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir, strerror(errno));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

static void tmpdir_teardown(void)
{
    if (nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "could not remove %s: %s\n", tmpdir, strerror(errno));
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static char *read_text(const char *path)
{
    char *text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s: %s", path, strerror(errno));
    return text;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

/* ---- the fixture and the golden files -------------------------------------------------------- */

static void load_fixture(results *r)
{
    char err[2048];
    int rc = results_load(src_path(FIXTURE), r, err, sizeof(err));
    ck_assert_msg(
        rc == 0,
        "%s does not load: %s. If the results schema changed, recreate it with the command "
        "at the top of tests/check_report.c",
        FIXTURE, err);
}

static bool updating(void)
{
    const char *u = getenv("CONCUR_UPDATE_GOLDEN");
    return u && strcmp(u, "1") == 0;
}

/* got must equal tests/golden/<name> byte for byte; CONCUR_UPDATE_GOLDEN=1 rewrites the file. On a
 * difference, the first line that differs, and how to accept the change. */
static void check_golden(const char *name, const char *got)
{
    char rel[128];
    util_fmt(rel, sizeof(rel), "tests/golden/%s", name);
    const char *path = src_path(rel);
    if (updating()) {
        util_mkdir_p(src_path("tests/golden"), 0755);
        ck_assert_msg(util_write_atomic(path, got, strlen(got)) == 0, "cannot write %s: %s", path,
                      strerror(errno));
        fprintf(stderr, "updated %s\n", path);
        return;
    }
    char *want = util_read_file(path, NULL);
    ck_assert_msg(want != NULL,
                  "%s is missing (%s): create it with CONCUR_UPDATE_GOLDEN=1 CK_RUN_SUITE=report "
                  "make test",
                  path, strerror(errno));
    if (strcmp(want, got) != 0) {
        const char *a = want, *b = got;
        int line = 1;
        while (*a && *a == *b) {
            line += *a == '\n';
            a++;
            b++;
        }
        while (a > want && a[-1] != '\n') { /* back to the start of the line */
            a--;
            b--;
        }
        int la = (int)strcspn(a, "\n"), lb = (int)strcspn(b, "\n");
        ck_abort_msg(
            "%s differs from the output, first at line %d:\n  golden: %.*s\n  output: %.*s\n"
            "If the change is intended: CONCUR_UPDATE_GOLDEN=1 make test (or "
            "CONCUR_UPDATE_GOLDEN=1 CK_RUN_SUITE=report make test) rewrites the golden "
            "files; review the diff",
            path, line, la > 300 ? 300 : la, a, lb > 300 ? 300 : lb, b);
    }
    free(want);
}

/* ---- results built here: every awkward case -------------------------------------------------- */

static void add_run(results *r, run_mode mode, int workers, int repeat, run_status status,
                    double wall, double cpu_util, double rss, double running, double gil)
{
    run_result run;
    memset(&run, 0, sizeof(run));
    run.mode = mode;
    run.workers = workers;
    run.repeat = repeat;
    run.status = status;
    run.exit_code = status == RUN_OK ? 0 : 1;
    run.wall_s = wall;
    run.startup_s = NAN;
    run.harness_s = NAN;
    run.cpu_s = NAN;
    run.cpu_utilization = cpu_util;
    counters_values_clear(&run.counters);
    run.peak_rss_bytes = rss;
    run.io_read_bytes = NAN;
    run.io_write_bytes = NAN;
    run.tasks = 8;
    run.tasks_ok = status == RUN_OK ? 8 : 0;
    run.tasks_failed = status == RUN_TASKS_FAILED ? 8 : 0;
    stats_summarize(NULL, 0, &run.task_wall);
    stats_summarize(NULL, 0, &run.task_cpu);
    run.pickle_arg_bytes = mode == MODE_PROCESSES ? 20 : NAN;
    run.pickle_result_bytes = mode == MODE_PROCESSES ? 1000 : NAN;
    if (!isnan(running)) {
        run.states.total = 100;
        run.states.counts[TS_RUNNING] = 100 * running;
        run.states.counts[TS_GIL_WAIT] = 100 * gil;
        run.states.counts[TS_SLEEP] = 100 * (1 - running - gil);
        run.gil_distinguished = true;
    }
    if (status == RUN_TIMED_OUT)
        util_fmt(run.error, sizeof(run.error), "timed out after 5 s: <killed> & \"gone\"");
    if (status == RUN_TASKS_FAILED) {
        util_fmt(run.error, sizeof(run.error), "8 of 8 tasks raised ValueError: <b>bad</b>");
        util_fmt(
            run.traceback, sizeof(run.traceback),
            "Traceback (most recent call last):\n  File \"job.py\", line 3, in task\n"
            "    raise ValueError('<b>bad</b>')\n    ~~~~^^^ ``` `x`\nValueError: <b>bad</b>\n");
    }
    results_add_run(r, &run);
}

static const char hostile[] = "<b>&\"'</b> <script>alert(1)</script> | *star* _under_ `tick` "
                              "[link](http://example.com) &amp;";

/* A run on a made-up machine; complete or interrupted, with or without failures, and with a single
 * configuration only when single_only. Nothing from a real run: every number is chosen here. */
static void build_results(results *r, bool complete, bool single_only)
{
    results_init(r);
    util_fmt(r->concur_version, sizeof(r->concur_version), "%s", CONCUR_VERSION);
    util_fmt(r->started_at, sizeof(r->started_at), "2025-01-02T03:04:05Z");
    util_fmt(r->finished_at, sizeof(r->finished_at), "2025-01-02T03:05:06Z");
    r->complete = complete;
    if (!complete)
        util_fmt(r->incomplete_reason, sizeof(r->incomplete_reason),
                 "interrupted by SIGINT <after> 5 runs");
    util_fmt(r->workload.spec, sizeof(r->workload.spec), "jobs/<weird> & \"name\".py");
    util_fmt(r->workload.name, sizeof(r->workload.name), "weird<job>");
    util_fmt(r->workload.description, sizeof(r->workload.description), "%s", hostile);
    r->workload.tasks = 8;
    util_fmt(r->machine.cpu_model, sizeof(r->machine.cpu_model), "Test CPU <model>");
    r->machine.packages = 1;
    r->machine.numa_nodes = 1;
    r->machine.cores = 4;
    r->machine.pus = 8;
    r->machine.memory_bytes = 8.0 * 1024 * 1024 * 1024;
    util_fmt(r->python.requested, sizeof(r->python.requested), "python3");
    util_fmt(r->python.executable, sizeof(r->python.executable), "/opt/py/bin/python3.12");
    util_fmt(r->python.version, sizeof(r->python.version), "3.12.1");
    util_fmt(r->python.implementation, sizeof(r->python.implementation), "cpython");
    r->python.gil = 1;
    r->counters.level = COUNTERS_KERNEL;
    r->counters.backend = COUNTERS_BACKEND_RUSAGE;
    util_fmt(r->counters.why, sizeof(r->counters.why), "no perf events here: <paranoid> 3");
    util_fmt(r->start_method, sizeof(r->start_method), "default");
    r->repeat = 2;
    r->timeout_s = 5;

    /* single: one run with every optional number missing, one measured. */
    add_run(r, MODE_SINGLE, 1, 1, RUN_OK, 1.0, NAN, NAN, NAN, NAN);
    if (!single_only) {
        add_run(r, MODE_SINGLE, 1, 2, RUN_OK, 1.1, 0.99, 20e6, 0.95, 0.0);
        add_run(r, MODE_THREADS, 2, 1, RUN_OK, 0.9, 0.55, 22e6, 0.45, 0.5);
        add_run(r, MODE_THREADS, 2, 2, RUN_OK, 0.95, NAN, NAN, NAN, NAN);
        add_run(r, MODE_THREADS, 4, 1, RUN_OK, 0.92, 0.27, 22e6, 0.25, 0.7);
        add_run(r, MODE_PROCESSES, 2, 1, RUN_TIMED_OUT, NAN, NAN, NAN, NAN, NAN);
        add_run(r, MODE_PROCESSES, 4, 1, RUN_TASKS_FAILED, 0.4, 0.95, 90e6, 0.9, 0.0);
        add_run(r, MODE_PROCESSES, 4, 2, RUN_TASKS_FAILED, 0.45, 0.9, 95e6, 0.9, 0.0);
    }
    results_summarize(r);

    classification *c = &r->classification;
    classification_init(c);
    c->kind = KIND_CPU_BOUND;
    c->gil = GIL_HOLDS;
    c->confidence = NAN;
    c->memory_bound = -1;
    c->nevidence = 2;
    util_fmt(c->evidence[0], sizeof(c->evidence[0]), "evidence with %s", hostile);
    util_fmt(c->evidence[1], sizeof(c->evidence[1]), "1. looks like a numbered list");

    recommendation *rec = &r->recommendation;
    recommendation_init(rec);
    rec->made = false;
    rec->nreasons = 2;
    util_fmt(rec->reasons[0], sizeof(rec->reasons[0]),
             "no recommendation: no <successful> single run & nothing to compare");
    util_fmt(rec->reasons[1], sizeof(rec->reasons[1]), "# not a heading");
    rec->target_cores = 0;
}

/* An occurrence of needle in md that no backslash escapes, outside fenced code blocks (where
 * Markdown shows everything as it is). */
static const char *unescaped(const char *md, const char *needle)
{
    bool fenced = false;
    for (const char *line = md; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line + strspn(line, " "), "```", 3) == 0)
            fenced = !fenced;
        else if (!fenced)
            for (const char *p = line; p + strlen(needle) <= line + len; p++)
                if (strncmp(p, needle, strlen(needle)) == 0 && (p == line || p[-1] != '\\'))
                    return p;
        line += len + (end != NULL);
    }
    return NULL;
}

/* "nan" or "inf" as a word: a number printed that was never measured. */
static const char *bad_number(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (p > text && isalpha((unsigned char)p[-1]))
            continue;
        if ((strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0) &&
            !isalpha((unsigned char)p[3]))
            return p;
    }
    return NULL;
}

/* ---- a small checker of the markup ----------------------------------------------------------- */

static bool is_void(const char *name)
{
    static const char *const v[] = {"area", "base", "br",    "col",   "embed",  "hr",  "img",
                                    "input", "link", "meta", "param", "source", "track", "wbr"};
    for (size_t i = 0; i < ARRAY_LEN(v); i++)
        if (strcasecmp(name, v[i]) == 0)
            return true;
    return false;
}

/* Every element closed, in order (void elements and <x/> excepted). Returns NULL, or what is wrong
 * in why. svgs counts the <svg> elements. */
static const char *check_markup(const char *html, char *why, size_t len, int *svgs)
{
    enum { DEPTH = 64 };
    char stack[DEPTH][32];
    int depth = 0;
    *svgs = 0;
    for (const char *p = strchr(html, '<'); p; p = strchr(p, '<')) {
        if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p, "-->");
            if (!e)
                return util_fmt(why, len, "unterminated comment");
            p = e + 3;
            continue;
        }
        if (p[1] == '!') {
            p = strchr(p, '>');
            if (!p)
                return util_fmt(why, len, "unterminated declaration");
            continue;
        }
        bool closing = p[1] == '/';
        const char *n = p + 1 + closing;
        char name[32];
        size_t k = 0;
        while ((isalnum((unsigned char)*n) || *n == '-') && k + 1 < sizeof(name))
            name[k++] = (char)tolower((unsigned char)*n++);
        name[k] = '\0';
        if (k == 0)
            return util_fmt(why, len, "a '<' that starts no tag: %.40s", p);
        const char *end = strchr(n, '>');
        if (!end)
            return util_fmt(why, len, "unterminated tag <%s", name);
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0)
                return util_fmt(why, len, "</%s> closes <%s>", name,
                                depth ? stack[depth - 1] : "nothing");
            depth--;
        } else if (!is_void(name) && end[-1] != '/') {
            if (depth == DEPTH)
                return util_fmt(why, len, "nested too deep at <%s>", name);
            util_fmt(stack[depth++], sizeof(stack[0]), "%s", name);
            *svgs += strcmp(name, "svg") == 0;
            if (strcmp(name, "style") == 0 || strcmp(name, "script") == 0) {
                char close[40];
                util_fmt(close, sizeof(close), "</%s>", name);
                const char *c = strstr(end, close);
                if (!c)
                    return util_fmt(why, len, "<%s> never closed", name);
                p = c;
                continue;
            }
        }
        p = end + 1;
    }
    if (depth > 0)
        return util_fmt(why, len, "<%s> never closed", stack[depth - 1]);
    return NULL;
}

/* The value of every src= and href= attribute must stay inside the page. */
static void check_references(const char *html)
{
    static const char *const attrs[] = {" src=", " href=", " xlink:href=", " action=", " srcset="};
    for (size_t i = 0; i < ARRAY_LEN(attrs); i++) {
        for (const char *p = strcasestr(html, attrs[i]); p; p = strcasestr(p + 1, attrs[i])) {
            const char *v = p + strlen(attrs[i]);
            if (*v == '"' || *v == '\'')
                v++;
            ck_assert_msg(*v == '#' || strncasecmp(v, "data:", 5) == 0,
                          "an attribute reaches outside the page: %.80s", p);
        }
    }
    for (const char *p = strcasestr(html, "url("); p; p = strcasestr(p + 1, "url(")) {
        const char *v = p + 4;
        while (*v == ' ' || *v == '"' || *v == '\'')
            v++;
        ck_assert_msg(*v == '#', "url() reaches outside the page: %.80s", p);
    }
    static const char *const banned[] = {"<script", "<link",  "<img",   "<iframe", "<object",
                                         "<embed",  "@import", "<audio", "<video",  "<base"};
    for (size_t i = 0; i < ARRAY_LEN(banned); i++)
        ck_assert_msg(strcasestr(html, banned[i]) == NULL, "the page contains '%s': %.80s",
                      banned[i], strcasestr(html, banned[i]));
}

static void check_html(const char *html)
{
    char why[256];
    int svgs;
    const char *bad = check_markup(html, why, sizeof(why), &svgs);
    ck_assert_msg(bad == NULL, "markup: %s", why);
    ck_assert_int_eq(svgs, 2);
    ck_assert_ptr_nonnull(strstr(html, "<svg id=\"chart-speedup\""));
    ck_assert_ptr_nonnull(strstr(html, "<svg id=\"chart-states\""));
    ck_assert_ptr_nonnull(strstr(html, "<title>Speedup against workers</title>"));
    ck_assert_ptr_nonnull(strstr(html, "<title>What the worker threads were doing</title>"));
    check_references(html);
    const char *nb = bad_number(html);
    ck_assert_msg(nb == NULL, "a number that was not measured is printed: %.60s", nb);
}

/* ---- the golden files ------------------------------------------------------------------------ */

/* The terminal report, as text. */
__attribute__((noinline)) static char *terminal_string(const results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    report_terminal(r, f);
    fclose(f);
    return buf;
}

START_TEST(test_golden_markdown)
{
    results r;
    load_fixture(&r);
    char *md = report_markdown_string(&r);
    check_golden("report.md", md);
    free(md);
    results_free(&r);
}
END_TEST

START_TEST(test_golden_html)
{
    results r;
    load_fixture(&r);
    char *html = report_html_string(&r);
    check_golden("report.html", html);
    free(html);
    results_free(&r);
}
END_TEST

/* The terminal summary of the same results, as `concur report` prints it (no colour). */
START_TEST(test_golden_terminal)
{
    results r;
    load_fixture(&r);
    char *text = terminal_string(&r);
    check_golden("summary.txt", text);
    free(text);
    results_free(&r);
}
END_TEST

/* What the fixture has must be in the reports, in order: recommendation first. */
START_TEST(test_fixture_content)
{
    results r;
    load_fixture(&r);
    ck_assert_msg(r.recommendation.made && r.recommendation.nalternatives > 0 &&
                      r.recommendation.target_cores > 0 && !classify_is_empty(&r.classification),
                  "the fixture lacks a recommendation, alternatives, a target or a classification");
    char *md = report_markdown_string(&r);
    char *html = report_html_string(&r);
    const char *rec = strstr(md, "## Recommendation"), *cls = strstr(md, "## Classification"),
               *meas = strstr(md, "## Measurements"),
               *beyond = strstr(md, "## Beyond this machine"), *mach = strstr(md, "## Machine");
    ck_assert(rec && cls && meas && beyond && mach);
    ck_assert(rec < cls && cls < meas && meas < beyond && beyond < mach);
    ck_assert_ptr_nonnull(strstr(md, r.recommendation.headline));
    ck_assert_ptr_nonnull(strstr(md, "### Alternatives"));
    ck_assert_ptr_nonnull(strstr(md, "### Follow-ups"));
    /* how it was measured: the warm-up and the sample, from plan[] and the runs */
    const char *how = strstr(md, "## How it was measured");
    ck_assert_ptr_nonnull(how);
    ck_assert_ptr_nonnull(strstr(how, "warm-up run of 8 tasks"));
    ck_assert_ptr_nonnull(strstr(how, "a sample of 1000 of the 3000 tasks"));
    ck_assert_ptr_nonnull(strstr(html, "<section id=\"measuring\">"));
    ck_assert_ptr_null(strstr(md, "INCOMPLETE"));
    ck_assert_ptr_null(bad_number(md));
    ck_assert_ptr_null(strstr(md, "cores' worth")); /* the fixture predates the capacity probe */
    /* The recommendation comes before the charts in the page too. */
    ck_assert(strstr(html, "id=\"recommendation\"") < strstr(html, "id=\"chart-speedup\""));
    ck_assert_int_ge(count_of(html, "class=\"series series-threads\""), 1);
    ck_assert_int_ge(count_of(html, "class=\"series series-processes\""), 1);
    ck_assert_int_eq(count_of(html, "class=\"marker marker-single\""), 1);
    ck_assert_int_ge(count_of(html, "class=\"marker variant variant-processes\""), 1);
    ck_assert_int_ge(count_of(html, "class=\"state state-running\""), 1);
    ck_assert_int_eq(count_of(html, "class=\"ideal\""), 1);
    free(md);
    free(html);

    /* With the probes: both in the measuring lines, and the host named where one fell short. */
    r.machine.capacity_start = 1.99;
    r.machine.capacity_end = 1.21;
    md = report_markdown_string(&r);
    how = strstr(md, "## How it was measured");
    ck_assert_ptr_nonnull(how);
    ck_assert_ptr_nonnull(strstr(how, "1.99 cores' worth of work at once at the start of the run "
                                      "and 1.21 at the end"));
    ck_assert_ptr_nonnull(strstr(how, "the host held them back"));
    free(md);
    results_free(&r);
}
END_TEST

/* ---- HTML: self-contained, balanced, escaped ------------------------------------------------- */

START_TEST(test_html_self_contained)
{
    results r;
    load_fixture(&r);
    char *html = report_html_string(&r);
    check_html(html);
    /* The browser is told so too. */
    ck_assert_ptr_nonnull(strstr(html,
                                 "http-equiv=\"Content-Security-Policy\" content=\"default-src "
                                 "'none'"));
    /* The fixture names no address: none may come from the page itself. */
    ck_assert_ptr_null(strstr(html, "http://"));
    ck_assert_ptr_null(strstr(html, "https://"));
    ck_assert_ptr_null(strstr(html, "//fonts"));
    free(html);
    results_free(&r);

    build_results(&r, false, false);
    html = report_html_string(&r);
    check_html(html);
    free(html);
    results_free(&r);
}
END_TEST

START_TEST(test_html_escaping)
{
    results r;
    build_results(&r, false, false);
    char *html = report_html_string(&r);
    ck_assert_ptr_null(strstr(html, "<b>"));
    ck_assert_ptr_null(strcasestr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<weird>"));
    ck_assert_ptr_null(strstr(html, "<killed>"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "&amp;amp;"));
    ck_assert_ptr_nonnull(strstr(html, "<title>concur: weird&lt;job&gt;</title>"));
    ck_assert_ptr_nonnull(
        strstr(html, "timed out after 5 s: &lt;killed&gt; &amp; &quot;gone&quot;"));
    ck_assert_ptr_nonnull(strstr(html, "<pre>Traceback"));
    ck_assert_ptr_nonnull(strstr(html, "INCOMPLETE: interrupted by SIGINT &lt;after&gt; 5 runs"));
    free(html);
    results_free(&r);
}
END_TEST

/* Only the baseline: both charts are still drawn, from one point. */
START_TEST(test_html_single_configuration)
{
    results r;
    build_results(&r, true, true);
    ck_assert_int_eq(r.nsummary, 1);
    char *html = report_html_string(&r);
    check_html(html);
    ck_assert_int_eq(count_of(html, "class=\"marker marker-single\""), 1);
    ck_assert_int_eq(count_of(html, "class=\"series series-"), 0);
    ck_assert_ptr_nonnull(strstr(html, "not sampled"));
    char *md = report_markdown_string(&r);
    ck_assert_ptr_null(bad_number(md));
    ck_assert_ptr_nonnull(strstr(md, "Nothing was sampled."));
    free(md);
    free(html);
    results_free(&r);

    /* Nothing at all: no configuration. */
    results_init(&r);
    r.complete = true;
    html = report_html_string(&r);
    check_html(html);
    ck_assert_ptr_nonnull(strstr(html, "No speedup was measured."));
    md = report_markdown_string(&r);
    ck_assert_ptr_nonnull(strstr(md, "Nothing was measured."));
    ck_assert_ptr_nonnull(strstr(md, "**No recommendation.**"));
    free(md);
    free(html);
    results_free(&r);
}
END_TEST

/* A sweep up to 64 workers (a log scale), superlinear points and intervals far above the rest. */
START_TEST(test_html_many_workers)
{
    results r;
    build_results(&r, true, true);
    add_run(&r, MODE_SINGLE, 1, 2, RUN_OK, 1.2, 1.0, 1e6, 1.0, 0.0);
    for (int w = 1; w <= 64; w *= 2) {
        for (int rep = 1; rep <= 2; rep++) {
            add_run(&r, MODE_THREADS, w, rep, RUN_OK, 1.1 / w * rep, 0.9, 2e6, 0.9, 0.05);
            add_run(&r, MODE_PROCESSES, w, rep, RUN_OK, 0.01 * (1 + w % 3) * rep, 0.9, 2e6, 0.9,
                    0.0);
        }
    }
    results_summarize(&r);
    char *html = report_html_string(&r);
    check_html(html);
    ck_assert_ptr_nonnull(strstr(html, "workers (log scale)"));
    ck_assert_int_eq(count_of(html, "class=\"marker marker-threads\""), 7);
    ck_assert_int_eq(count_of(html, "class=\"marker marker-processes\""), 7);
    ck_assert_int_eq(count_of(html, "class=\"series series-threads\""), 1);
    free(html);
    results_free(&r);
}
END_TEST

/* ---- Markdown: not measured, incomplete, escaped --------------------------------------------- */

START_TEST(test_markdown_nan_and_incomplete)
{
    results r;
    build_results(&r, false, false);
    char *md = report_markdown_string(&r);
    /* The very first line says the run is incomplete, and why. */
    ck_assert_msg(strncmp(md, "**INCOMPLETE:** interrupted by SIGINT", 37) == 0,
                  "first line: %.80s", md);
    const char *nb = bad_number(md);
    ck_assert_msg(nb == NULL, "a number that was not measured is printed: %.60s", nb);
    /* No recommendation, with the reason. */
    ck_assert_ptr_nonnull(strstr(md, "**No recommendation:** no recommendation: no \\<successful> "
                                     "single run & nothing to compare"));
    /* Confidence NAN, a configuration that only failed, runs that failed listed with errors. */
    ck_assert_ptr_nonnull(strstr(md, "**cpu-bound**, GIL **holds**, confidence -"));
    ck_assert_ptr_nonnull(strstr(md, " 0 (1 failed) |"));
    ck_assert_ptr_nonnull(strstr(md, "## Runs that failed"));
    ck_assert_ptr_nonnull(
        strstr(md, "- processes x2, run 1: timed_out: timed out after 5 s: \\<killed> & \"gone\""));
    ck_assert_ptr_nonnull(strstr(md, "- processes x4, run 2: tasks_failed"));
    /* The traceback once, fenced longer than the backticks in it. */
    ck_assert_int_eq(count_of(md, "Traceback (most recent call last)"), 1);
    ck_assert_ptr_nonnull(strstr(md, "\n\n  ````\n  Traceback (most recent call last):\n  "));
    ck_assert_ptr_nonnull(strstr(md, "\n  ValueError: <b>bad</b>\n  ````\n"));
    /* No target: no prediction section. */
    ck_assert_ptr_null(strstr(md, "Beyond this machine"));
    free(md);
    results_free(&r);

    build_results(&r, true, false);
    md = report_markdown_string(&r);
    ck_assert_ptr_null(strstr(md, "INCOMPLETE"));
    ck_assert_msg(strncmp(md, "# weird\\<job>", 13) == 0, "first line: %.80s", md);
    free(md);
    results_free(&r);
}
END_TEST

START_TEST(test_markdown_escaping)
{
    results r;
    build_results(&r, true, false);
    char *md = report_markdown_string(&r);
    /* Nothing that Markdown would turn into markup. */
    ck_assert_ptr_null(unescaped(md, "<b>"));
    ck_assert_ptr_null(unescaped(md, "<script"));
    ck_assert_ptr_null(unescaped(md, "<killed>"));
    ck_assert_ptr_null(strstr(md, "](http"));
    ck_assert_ptr_nonnull(strstr(md,
                                 "\\<b>&\"'\\</b> \\<script>alert(1)\\</script> | \\*star\\* "
                                 "\\_under\\_ \\`tick\\` [link]\\(http://example.com) \\&amp;"));
    /* List items that would open another block. */
    ck_assert_ptr_nonnull(strstr(md, "- 1\\. looks like a numbered list"));
    ck_assert_ptr_nonnull(strstr(md, "- \\# not a heading"));
    /* Intraword underscores stay as they are: no_task, gil_wait. */
    ck_assert_ptr_nonnull(strstr(md, "timed_out"));
    free(md);
    results_free(&r);
}
END_TEST

/* Processes a run left outside its process group, which concur killed, are shown once per
 * configuration where it happened, in every report, their command names escaped. */
START_TEST(test_escaped_shown)
{
    results r;
    build_results(&r, true, false);
    run_result *t1 = &r.runs[2], *t2 = &r.runs[3], *p2 = &r.runs[5];
    ck_assert(t1->mode == MODE_THREADS && t2->mode == MODE_THREADS && t1->workers == 2 &&
              t2->workers == 2 && p2->mode == MODE_PROCESSES && p2->workers == 2);
    t1->escaped_killed = 2;
    t1->nescaped_commands = 1;
    util_fmt(t1->escaped_commands[0], RUN_COMMAND_LEN, "sleep");
    t2->escaped_killed = 1;
    t2->nescaped_commands = 2;
    util_fmt(t2->escaped_commands[0], RUN_COMMAND_LEN, "<evil>&");
    util_fmt(t2->escaped_commands[1], RUN_COMMAND_LEN, "sleep");
    p2->escaped_killed = 1;
    p2->nescaped_commands = 1;
    util_fmt(p2->escaped_commands[0], RUN_COMMAND_LEN, "daemon");

    const char *threads_line = "threads x2: 2 of its 2 runs ended with processes the workload had "
                               "started outside its process group still running (3 in all: ";
    char *text = terminal_string(&r);
    char *md = report_markdown_string(&r);
    char *html = report_html_string(&r);
    const char *const reports[] = {text, md, html};
    const char *const names[] = {"(3 in all: sleep, <evil>&); concur killed them",
                                 "(3 in all: sleep, \\<evil>&); concur killed them",
                                 "(3 in all: sleep, &lt;evil&gt;&amp;); concur killed them"};
    for (int i = 0; i < 3; i++) {
        /* The terminal wraps its lines: compare with the spaces and line breaks squeezed. */
        char *flat = xcalloc(strlen(reports[i]) + 1, 1);
        size_t n = 0;
        for (const char *c = reports[i]; *c; c++) {
            bool space = *c == ' ' || *c == '\n';
            if (space && (n == 0 || flat[n - 1] == ' '))
                continue;
            flat[n++] = space ? ' ' : *c;
        }
        ck_assert_msg(count_of(flat, threads_line) == 1, "report %d: threads x2 line %d times", i,
                      count_of(flat, threads_line));
        ck_assert_msg(count_of(flat, "processes x2: 1 of its 1 runs ended with processes") == 1,
                      "report %d: no processes x2 line", i);
        ck_assert_msg(strstr(flat, "(1 in all: daemon); concur killed it"), "report %d", i);
        ck_assert_msg(count_of(flat, "runs ended with processes the workload") == 2,
                      "report %d: a line for a configuration without escaped processes", i);
        ck_assert_msg(strstr(flat, names[i]), "report %d lacks '%s'", i, names[i]);
        free(flat);
    }
    free(text);
    free(md);
    free(html);
    results_free(&r);
}
END_TEST

/* A program measured as it is: "Your program" names each pool with its site, what it asks for
 * and its share of the calls, the program's own configuration as written, Amdahl's bound on the
 * serial share single's runs measured, and what could not be swapped. A workload has none of it. */
START_TEST(test_program_shown)
{
    results r;
    build_results(&r, true, false);
    char *md = report_markdown_string(&r);
    ck_assert_ptr_null(strstr(md, "Your program"));
    free(md);

    util_fmt(r.workload.program, sizeof(r.workload.program), "file");
    util_fmt(r.workload.program_args, sizeof(r.workload.program_args), "data --fast");
    for (int i = 0; i < r.nruns; i++) {
        program_run *g = &r.runs[i].program;
        g->known = true;
        g->before_s = 0.42 * r.runs[i].wall_s;
        g->after_s = 0.03 * r.runs[i].wall_s;
        g->npools = 2;
        g->pools[0] = (program_pool){.kind = "ThreadPoolExecutor", .site = "tool.py:12",
                                     .asked = 2, .tasks = 6};
        g->pools[1] = (program_pool){.kind = "multiprocessing.Pool", .site = "tool.py:30",
                                     .asked = 4, .asked_default = true, .tasks = 2};
        g->nseen = 1;
        util_fmt(g->seen[0], PROGRAM_TEXT_LEN, "threading.Thread started by hand (tool.py:40)");
    }
    md = report_markdown_string(&r);
    const char *want[] = {
        "## Your program",
        "python jobs/\\<weird> & \"name\".py data --fast",
        "ThreadPoolExecutor at tool.py:12: your program asks for 2 threads; 6 of its 8 calls into "
        "pools (75 %)",
        "multiprocessing.Pool at tool.py:30: your program asks for 4 processes (the default: it "
        "names no count); 2 of its 8 calls into pools (25 %)",
        "each configuration measured applies to all 2 pools alike",
        "as written (threads x2): ",
        "42 % of this program runs before its first call into a pool and 3 % after its last result "
        "(45-45 % together over 2 single runs): no pool can make it more than 2.2x faster",
        "not swapped: threading.Thread started by hand (tool.py:40)",
        "calls into the program's pools per run",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(strstr(md, want[i]), "report.md lacks '%s'", want[i]);
    ck_assert_ptr_null(strstr(md, "concur recommends"));
    free(md);

    /* Recommended as written: said so. */
    r.recommendation.made = true;
    r.recommendation.choice.mode = MODE_THREADS;
    r.recommendation.choice.workers = 2;
    md = report_markdown_string(&r);
    ck_assert_msg(strstr(md, "against running its calls one at a time, which is what concur "
                             "recommends"), "%.400s", strstr(md, "as written"));
    free(md);
    results_free(&r);
}
END_TEST

/* A configuration whose runs were too short to measure CPU utilization says so, in every report;
 * one whose runs all failed shows "-"; nothing says "too short" where nothing was. */
START_TEST(test_utilization_too_short_shown)
{
    results r;
    build_results(&r, true, false);
    char *text = terminal_string(&r), *md = report_markdown_string(&r),
         *html = report_html_string(&r);
    ck_assert_ptr_null(strstr(text, "short"));
    ck_assert_ptr_null(strstr(md, "too short to measure"));
    ck_assert_ptr_null(strstr(html, "too short to measure"));
    free(text);
    free(md);
    free(html);

    config_summary *t4 = NULL, *p2 = NULL;
    for (int i = 0; i < r.nsummary; i++) {
        config_summary *s = &r.summary[i];
        if (s->mode == MODE_THREADS && s->workers == 4)
            t4 = s;
        if (s->mode == MODE_PROCESSES && s->workers == 2)
            p2 = s;
    }
    ck_assert(t4 && t4->runs_ok > 0 && p2 && p2->runs_ok == 0);
    t4->cpu_utilization = NAN; /* what results_cpu_utilization gives a run of no tasks */
    text = terminal_string(&r);
    md = report_markdown_string(&r);
    html = report_html_string(&r);

    /* Terminal: the cell says "short", the legend what that means; the failed row "-". */
    const char *row = strstr(text, "\nthreads          4");
    ck_assert_ptr_nonnull(row);
    const char *eol = strchr(row + 1, '\n');
    ck_assert_msg(strstr(row, " short ") && strstr(row, " short ") < eol, "row: %.*s",
                  (int)(eol - row), row);
    ck_assert_int_eq(count_of(text, "  short "), 1); /* the one cell, right-aligned */
    ck_assert_ptr_nonnull(strstr(text, "cpu short: too short to measure: the counters count"));
    row = strstr(text, "\nprocesses        2");
    ck_assert_ptr_nonnull(row);
    eol = strchr(row + 1, '\n');
    ck_assert_msg(!strstr(row, "short") || strstr(row, "short") > eol, "failed row says short");

    /* Markdown and HTML: the cell says it in full, once, with the legend under the table. */
    ck_assert_int_eq(count_of(md, "| too short to measure |"), 1);
    ck_assert_ptr_nonnull(strstr(md, "CPU util. too short to measure: the counters count"));
    ck_assert_int_eq(count_of(html, ">too short to measure</td>"), 1);
    ck_assert_ptr_nonnull(strstr(html, "CPU util. too short to measure: the counters count"));
    free(text);
    free(md);
    free(html);
    results_free(&r);
}
END_TEST

/* The line of text that holds needle; "" when none does. */
static const char *line_of(const char *text, const char *needle, char *buf, size_t len)
{
    const char *at = strstr(text, needle);
    buf[0] = '\0';
    if (!at)
        return buf;
    at += needle[0] == '\n'; /* a needle that starts a line */
    const char *start = at, *end = strchr(at, '\n');
    while (start > text && start[-1] != '\n')
        start--;
    util_fmt(buf, len, "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
    return buf;
}

/* Two runs cannot support an interval: every report says so instead of numbers such as
 * "398.2 us - 3696.4 s" or "0.96x [0.00-2983.65]"; from three runs the numbers are shown. */
START_TEST(test_two_runs_no_interval)
{
    results r;
    build_results(&r, true, false); /* single and threads x2: 2 runs each */
    char *text = terminal_string(&r), *md = report_markdown_string(&r),
         *html = report_html_string(&r);
    char row[512];
    line_of(text, "\nthreads          2", row, sizeof(row));
    ck_assert_msg(strstr(row, "(2 runs: no interval)") && !strchr(row, '['), "row: %s", row);
    line_of(text, "\nsingle           1", row, sizeof(row));
    ck_assert_msg(strstr(row, "(2 runs: no interval)") && !strchr(row, '['), "row: %s", row);
    line_of(md, "\n| threads ", row, sizeof(row)); /* the first: x2 */
    ck_assert_msg(strstr(row, "(2 runs: no interval)") && !strchr(row, '['), "md row: %s", row);
    ck_assert_int_ge(count_of(html, ">(2 runs: no interval)</td>"), 2);
    free(text);
    free(md);
    free(html);
    results_free(&r);

    /* The fixture's configurations have 3 runs or more: numbers, no such words. */
    load_fixture(&r);
    text = terminal_string(&r);
    ck_assert_ptr_null(strstr(text, "no interval"));
    ck_assert_ptr_nonnull(strstr(text, "x ["));
    free(text);
    results_free(&r);
}
END_TEST

/* A configuration not safe for this job gets one line in every report, with its evidence; results
 * not compared say so; a results.json from before the comparison says neither. */
START_TEST(test_unsafe_shown)
{
    results r;
    build_results(&r, true, false);
    for (int i = 0; i < r.nruns; i++)
        if (r.runs[i].mode == MODE_THREADS && r.runs[i].workers == 2) {
            r.runs[i].results_compared = 8;
            r.runs[i].results_differ = 3;
        }
    r.check = RESULTS_COMPARED;
    results_summarize(&r);
    const char *line = "NOT SAFE: threads x2 returned different results for 6 of the 16 tasks "
                       "compared with";
    char *text = terminal_string(&r), *md = report_markdown_string(&r),
         *html = report_html_string(&r);
    /* The terminal wraps at 100 columns: its first line. */
    ck_assert_msg(strstr(text, "NOT SAFE: threads x2 returned different results for 6 of the 16"),
                  "%s", text);
    ck_assert_int_eq(count_of(text, "NOT SAFE"), 1); /* threads x4 has no evidence of its own */
    ck_assert_msg(strstr(md, line), "%s", md);
    ck_assert_msg(strstr(html, line), "%s", html);
    ck_assert_ptr_null(strstr(text, "were not compared"));
    free(text);
    free(md);
    free(html);

    r.check = RESULTS_NOT_ASKED;
    results_summarize(&r);
    text = terminal_string(&r);
    md = report_markdown_string(&r);
    html = report_html_string(&r);
    const char *not_compared = "results were not compared (--results-vary)";
    ck_assert_ptr_nonnull(strstr(text, not_compared));
    ck_assert_ptr_nonnull(strstr(md, not_compared));
    ck_assert_ptr_nonnull(strstr(html, not_compared));
    ck_assert_ptr_null(strstr(text, "NOT SAFE"));
    free(text);
    free(md);
    free(html);
    results_free(&r);

    load_fixture(&r);
    text = terminal_string(&r);
    ck_assert_ptr_null(strstr(text, "NOT SAFE"));
    ck_assert_ptr_null(strstr(text, "compared"));
    free(text);
    results_free(&r);
}
END_TEST

/* Aligned tables: every row of a table as long as its header. */
START_TEST(test_markdown_tables_aligned)
{
    results r;
    load_fixture(&r);
    char *md = report_markdown_string(&r);
    int tables = 0;
    for (const char *line = md; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            break;
        if (*line == '|') {
            size_t width = 0;
            for (const char *p = line; p < end; p++)
                width += ((unsigned char)*p & 0xC0) != 0x80;
            tables++;
            const char *row = end + 1;
            while (*row == '|') {
                const char *rend = strchr(row, '\n');
                size_t w = 0;
                for (const char *p = row; p < rend; p++)
                    w += ((unsigned char)*p & 0xC0) != 0x80;
                ck_assert_msg(w == width, "row of %zu columns under a header of %zu: %.*s", w,
                              width, (int)(rend - row), row);
                row = rend + 1;
            }
            line = row;
            continue;
        }
        line = end + 1;
    }
    ck_assert_int_ge(tables, 5);
    free(md);
    results_free(&r);
}
END_TEST

/* ---- report_write_files ---------------------------------------------------------------------- */

START_TEST(test_write_files)
{
    results r;
    load_fixture(&r);
    char err[512];
    ck_assert_int_eq(report_write_files(&r, tmpdir, true, false, err, sizeof(err)), 0);
    ck_assert(exists(tmp_path("report.md")));
    ck_assert(!exists(tmp_path("report.html")));
    ck_assert_int_eq(report_write_files(&r, tmpdir, true, true, err, sizeof(err)), 0);
    char *md = read_text(tmp_path("report.md")), *html = read_text(tmp_path("report.html"));
    char *want_md = report_markdown_string(&r), *want_html = report_html_string(&r);
    ck_assert_str_eq(md, want_md);
    ck_assert_str_eq(html, want_html);
    /* Nothing half-written is left behind. */
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL)
        files += e->d_name[0] != '.';
    closedir(d);
    ck_assert_int_eq(files, 2);

    ck_assert_int_eq(report_write_files(&r, tmp_path("no/such/dir"), true, true, err, sizeof(err)),
                     -1);
    ck_assert_msg(strstr(err, "no/such/dir/report.md") != NULL, "err: %s", err);
    free(md);
    free(html);
    free(want_md);
    free(want_html);
    results_free(&r);
}
END_TEST

/* ---- a real browser -------------------------------------------------------------------------- */

static bool find_chromium(char *out, size_t len)
{
    static const char *const names[] = {"chromium", "chromium-browser"};
    const char *path = getenv("PATH");
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        char dirs[4096];
        util_fmt(dirs, sizeof(dirs), "%s", path ? path : "/usr/bin:/bin");
        char *save = NULL;
        for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            util_fmt(out, len, "%s/%s", d, names[i]);
            if (access(out, X_OK) == 0)
                return true;
        }
    }
    return false;
}

/* Kills and reaps every child of this process (chromium's helpers come back to it: it is a child
 * subreaper during the test). */
static void kill_children(void)
{
    for (int round = 0; round < 200; round++) {
        bool any = false;
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9')
                continue;
            char path[300], buf[512];
            util_fmt(path, sizeof(path), "/proc/%s/stat", e->d_name);
            int fd = open(path, O_RDONLY);
            if (fd < 0)
                continue;
            ssize_t n = read(fd, buf, sizeof(buf) - 1);
            close(fd);
            if (n <= 0)
                continue;
            buf[n] = '\0';
            char *rp = strrchr(buf, ')');
            char state;
            int ppid;
            if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid()) {
                kill(atoi(e->d_name), SIGKILL);
                any = true;
            }
        }
        if (d)
            closedir(d);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (!any)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

#define BROWSER_TIMEOUT_S 60

/* Runs chromium headless on url with extra (NULL-terminated), stdout into out_path, in a process
 * group of its own; the whole group is killed at the end, or at the timeout. Returns the exit
 * status, or -1 on a timeout. */
static int run_browser(const char *exe, const char *const *extra, const char *url,
                       const char *out_path)
{
    const char *argv[32];
    int n = 0;
    char profile[PATH_MAX + 32];
    util_fmt(profile, sizeof(profile), "--user-data-dir=%s", tmp_path("profile"));
    argv[n++] = exe;
    const char *common[] = {"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--no-default-browser-check", "--disable-extensions",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                            "--mute-audio", profile};
    for (size_t i = 0; i < ARRAY_LEN(common); i++)
        argv[n++] = common[i];
    for (int i = 0; extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n++] = url;
    argv[n] = NULL;

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(tmp_path("browser.stderr"), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (o < 0 || e < 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        /* Whatever it keeps (certificate store, caches) goes into the test's directory. */
        setenv("HOME", tmpdir, 1);
        setenv("XDG_CONFIG_HOME", tmp_path("config"), 1);
        setenv("XDG_CACHE_HOME", tmp_path("cache"), 1);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid);
    double deadline = util_now() + BROWSER_TIMEOUT_S;
    int st = 0, rc = -1;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        if (util_now() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            break;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL); /* helpers still in its group */
    kill_children();
    return rc;
}

/* The report with a script added after the page's own content that measures the charts and
 * writes what it found into <pre id="measured">: "name count sized;..." per class, and the size
 * of each chart. The page's policy is kept, with inline scripts allowed for this copy only. */
static const char measure_script[] =
    "<script>\n"
    "(function () {\n"
    "  var out = [];\n"
    "  ['chart-speedup', 'chart-states'].forEach(function (id) {\n"
    "    var el = document.getElementById(id);\n"
    "    var b = el ? el.getBoundingClientRect() : null;\n"
    "    out.push(id + ' ' + (b ? Math.round(b.width) + ' ' + Math.round(b.height) : 'missing'));\n"
    "  });\n"
    "  ['series-threads', 'series-processes', 'marker-single', 'marker-threads',\n"
    "   'marker-processes', 'variant', 'band', 'ideal', 'state', 'legend-item']\n"
    "  .forEach(function (c) {\n"
    "    var els = document.getElementsByClassName(c), sized = 0;\n"
    "    for (var i = 0; i < els.length; i++) {\n"
    "      var b = els[i].getBBox();\n"
    "      if (b.width > 0 || b.height > 0) sized++;\n"
    "    }\n"
    "    out.push(c + ' ' + els.length + ' ' + sized);\n"
    "  });\n"
    "  out.push('css ' + getComputedStyle(document.querySelector('main')).maxWidth);\n"
    "  var pre = document.createElement('pre');\n"
    "  pre.id = 'measured';\n"
    "  pre.textContent = out.join(';');\n"
    "  document.body.appendChild(pre);\n"
    "})();\n"
    "</script>\n";

static char *instrumented(const char *html)
{
    static const char policy[] = "default-src 'none'; style-src 'unsafe-inline'\"";
    const char *csp = strstr(html, policy);
    const char *body = strstr(html, "</body>");
    ck_assert(csp && body && csp < body);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fwrite(html, 1, (size_t)(csp - html), f);
    fputs("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\"", f);
    const char *rest = csp + strlen(policy);
    fwrite(rest, 1, (size_t)(body - rest), f);
    fputs(measure_script, f);
    fputs(body, f);
    fclose(f);
    return buf;
}

/* In the measured line: count and sized of a class, or the size of a chart. */
static bool measured(const char *m, const char *name, long *a, long *b)
{
    char key[64];
    util_fmt(key, sizeof(key), "%s ", name);
    for (const char *p = strstr(m, key); p; p = strstr(p + 1, key)) {
        if (p != m && p[-1] != ';' && p[-1] != '>')
            continue;
        return sscanf(p + strlen(key), "%ld %ld", a, b) == 2;
    }
    return false;
}

START_TEST(test_browser)
{
    char exe[PATH_MAX];
    if (!find_chromium(exe, sizeof(exe)))
        SKIP_TEST("chromium is not installed (neither chromium nor chromium-browser is on PATH): "
                  "'make deps-browser' installs it");
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    test_mark_new(); /* carried by the browser and every helper it starts */

    results r;
    load_fixture(&r);
    char *html = report_html_string(&r);
    results_free(&r);
    ck_assert_int_eq(util_write_atomic(tmp_path("report.html"), html, strlen(html)), 0);
    char url[PATH_MAX + 16];
    util_fmt(url, sizeof(url), "file://%s", tmp_path("report.html"));

    /* 1. The page as the browser parsed it, under its own policy. */
    const char *dump[] = {"--dump-dom", NULL};
    int rc = run_browser(exe, dump, url, tmp_path("dom.html"));
    char *err = util_read_file(tmp_path("browser.stderr"), NULL);
    ck_assert_msg(rc == 0, "chromium --dump-dom: %s; its stderr:\n%s",
                  rc < 0 ? "timed out" : "failed", err ? err : "");
    char *dom = read_text(tmp_path("dom.html"));
    ck_assert_msg(strstr(dom, "id=\"chart-speedup\"") && strstr(dom, "id=\"chart-states\""),
                  "the charts are not in the DOM: %.300s", dom);
    static const char *const classes[] = {
        "class=\"series series-threads\"", "class=\"series series-processes\"",
        "class=\"marker marker-single\"", "class=\"marker marker-threads\"",
        "class=\"marker marker-processes\"", "class=\"state state-running\"", "class=\"ideal\""};
    for (size_t i = 0; i < ARRAY_LEN(classes); i++) {
        int want = count_of(html, classes[i]);
        ck_assert_msg(want > 0, "the page has no %s", classes[i]);
        ck_assert_msg(count_of(dom, classes[i]) == want, "%s: %d in the page, %d in the DOM",
                      classes[i], want, count_of(dom, classes[i]));
    }
    free(dom);

    /* 2. Laid out: every chart, series and marker takes room on the page. */
    char *probe = instrumented(html);
    ck_assert_int_eq(util_write_atomic(tmp_path("probe.html"), probe, strlen(probe)), 0);
    util_fmt(url, sizeof(url), "file://%s", tmp_path("probe.html"));
    rc = run_browser(exe, dump, url, tmp_path("probe-dom.html"));
    ck_assert_msg(rc == 0, "chromium --dump-dom (measuring): %s", rc < 0 ? "timed out" : "failed");
    dom = read_text(tmp_path("probe-dom.html"));
    const char *m = strstr(dom, "<pre id=\"measured\">");
    ck_assert_msg(m != NULL, "the measuring script did not run: %.300s", dom);
    long a, b;
    ck_assert_msg(measured(m, "chart-speedup", &a, &b), "chart-speedup not measured: %.300s", m);
    ck_assert_msg(a > 300 && b > 150, "chart-speedup is %ldx%ld", a, b);
    ck_assert(measured(m, "chart-states", &a, &b));
    ck_assert_msg(a > 300 && b > 50, "chart-states is %ldx%ld", a, b);
    static const char *const sized[] = {"series-threads", "series-processes", "marker-single",
                                        "marker-threads", "marker-processes", "variant",
                                        "band",           "ideal",            "state",
                                        "legend-item"};
    for (size_t i = 0; i < ARRAY_LEN(sized); i++) {
        ck_assert_msg(measured(m, sized[i], &a, &b), "%s not measured: %.300s", sized[i], m);
        ck_assert_msg(a > 0 && a == b, "%s: %ld elements, %ld of them with a size", sized[i], a, b);
    }
    ck_assert_msg(strstr(m, "css 1100px") != NULL, "the inline CSS was not applied: %.300s", m);
    free(dom);
    free(probe);

    /* 3. A screenshot: a PNG of the size asked for, with something drawn in it. */
    util_fmt(url, sizeof(url), "file://%s", tmp_path("report.html"));
    char shot[PATH_MAX + 32];
    util_fmt(shot, sizeof(shot), "--screenshot=%s", tmp_path("report.png"));
    const char *screenshot[] = {shot, "--window-size=1200,2000", NULL};
    rc = run_browser(exe, screenshot, url, tmp_path("screenshot.out"));
    ck_assert_msg(rc == 0, "chromium --screenshot: %s", rc < 0 ? "timed out" : "failed");
    size_t len = 0;
    unsigned char *png = (unsigned char *)util_read_file(tmp_path("report.png"), &len);
    ck_assert_msg(png != NULL, "no screenshot written");
    ck_assert_msg(len > 24 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0 &&
                      memcmp(png + 12, "IHDR", 4) == 0,
                  "the screenshot is not a PNG");
    unsigned w =
        (unsigned)png[16] << 24 | (unsigned)png[17] << 16 | (unsigned)png[18] << 8 | png[19];
    unsigned hgt =
        (unsigned)png[20] << 24 | (unsigned)png[21] << 16 | (unsigned)png[22] << 8 | png[23];
    ck_assert_msg(w == 1200 && hgt == 2000, "screenshot %ux%u", w, hgt);
    /* A blank page of that size compresses to a few kilobytes. */
    ck_assert_msg(len > 40000, "the screenshot is nearly empty (%zu bytes)", len);
    free(png);
    free(err);
    free(html);

    /* Nothing of the browser is left. */
    ck_assert_int_eq(count_own_children(), 0);
    ck_assert_int_eq(count_marked_processes(0), 0);
}
END_TEST

/* ---- concur report --------------------------------------------------------------------------- */


static void same_file(const char *path, const char *golden)
{
    char rel[128];
    util_fmt(rel, sizeof(rel), "tests/golden/%s", golden);
    char *a = read_text(path), *b = read_text(src_path(rel));
    ck_assert_msg(strcmp(a, b) == 0, "%s differs from %s", path, rel);
    free(a);
    free(b);
}

START_TEST(test_cli_report)
{
    const char *out = tmp_path("out");
    const char *args[] = {"report", src_path(FIXTURE), "--out", out, NULL};
    outcome r = run_concur(tmpdir, args);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    char want[2 * PATH_MAX + 64];
    util_fmt(want, sizeof(want), "%s/report.md\n%s/report.html\n", out, out);
    ck_assert_str_eq(r.out, want);
    same_file(tmp_path("out/report.md"), "report.md");
    same_file(tmp_path("out/report.html"), "report.html");
    outcome_free(&r);

    /* --format md alone; by default next to the results file. */
    char *json = read_text(src_path(FIXTURE));
    ck_assert_int_eq(util_write_atomic(tmp_path("results.json"), json, strlen(json)), 0);
    free(json);
    const char *md_only[] = {"report", tmp_path("results.json"), "--format", "md", NULL};
    r = run_concur(tmpdir, md_only);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    util_fmt(want, sizeof(want), "%s/report.md\n", tmpdir);
    ck_assert_str_eq(r.out, want);
    ck_assert(exists(tmp_path("report.md")));
    ck_assert(!exists(tmp_path("report.html")));
    same_file(tmp_path("report.md"), "report.md");
    outcome_free(&r);

    /* terminal: the summary on stdout, no file. */
    unlink(tmp_path("report.md"));
    const char *term[] = {"report", tmp_path("results.json"), "--format", "terminal", NULL};
    r = run_concur(tmpdir, term);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "tiny_tasks"));
    ck_assert_ptr_nonnull(strstr(r.out, "processes"));
    ck_assert(!exists(tmp_path("report.md")));
    ck_assert(!exists(tmp_path("report.html")));
    outcome_free(&r);

    /* html,md in any order, a directory that does not exist yet. */
    const char *both[] = {"report", tmp_path("results.json"), "--format", "html,md", "-o",
                          tmp_path("a/b"), NULL};
    r = run_concur(tmpdir, both);
    ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert(exists(tmp_path("a/b/report.md")) && exists(tmp_path("a/b/report.html")));
    outcome_free(&r);
}
END_TEST

static const struct {
    const char *args[6];
    int code;
    const char *in_err; /* "@" stands for the path of the bad file */
} cli_errors[] = {
    {{"report", NULL}, CONCUR_EXIT_USAGE, "no results file given"},
    {{"report", "a.json", "b.json", NULL}, CONCUR_EXIT_USAGE, "unexpected argument 'b.json'"},
    {{"report", "a.json", "--format", "pdf", NULL}, CONCUR_EXIT_USAGE, "--format 'pdf'"},
    {{"report", "a.json", "--format", ",", NULL}, CONCUR_EXIT_USAGE, "--format ','"},
    {{"report", "a.json", "--bogus", NULL}, CONCUR_EXIT_USAGE, "unknown option '--bogus'"},
    {{"report", "a.json", "--out", NULL}, CONCUR_EXIT_USAGE, "needs a value"},
    {{"report", "a.json", "--out", "", NULL}, CONCUR_EXIT_USAGE, "--out: an empty directory"},
    {{"report", "@missing", NULL}, CONCUR_EXIT_ENV, "@"},
    {{"report", "@garbage", NULL}, CONCUR_EXIT_ENV, "@"},
    {{"report", "@other", NULL}, CONCUR_EXIT_ENV, "@"},
};

START_TEST(test_cli_report_errors)
{
    util_write_atomic(tmp_path("garbage.json"), "{\"schema\": \"concur.results/1\", \"runs\": [",
                      40);
    util_write_atomic(tmp_path("other.json"), "{\"hello\": 1}\n", 13);
    const char *args[6] = {NULL};
    char bad[PATH_MAX] = "";
    for (int i = 0; i < 6 && cli_errors[_i].args[i]; i++) {
        args[i] = cli_errors[_i].args[i];
        if (args[i][0] == '@') {
            util_fmt(bad, sizeof(bad), "%s/%s.json", tmpdir, args[i] + 1);
            args[i] = bad;
        }
    }
    outcome r = run_concur(tmpdir, args);
    const char *in_err = strcmp(cli_errors[_i].in_err, "@") == 0 ? bad : cli_errors[_i].in_err;
    ck_assert_msg(r.code == cli_errors[_i].code, "exit %d, expected %d; stderr: %s", r.code,
                  cli_errors[_i].code, r.err);
    ck_assert_msg(strstr(r.err, in_err) != NULL, "stderr '%s' lacks '%s'", r.err, in_err);
    ck_assert_str_eq(r.out, "");
    ck_assert(!exists(tmp_path("report.md")) && !exists(tmp_path("report.html")));
    outcome_free(&r);
}
END_TEST

START_TEST(test_cli_report_unwritable)
{
    const char *args[] = {"report", src_path(FIXTURE), "--out", "/proc/concur-cannot-write", NULL};
    outcome r = run_concur(tmpdir, args);
    ck_assert_msg(r.code == CONCUR_EXIT_ENV, "exit %d: %s", r.code, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "/proc/concur-cannot-write"));
    outcome_free(&r);

    const char *help[] = {"report", "--help", NULL};
    r = run_concur(tmpdir, help);
    ck_assert_int_eq(r.code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Usage: concur report"));
    outcome_free(&r);
    const char *topic[] = {"help", "report", NULL};
    r = run_concur(tmpdir, topic);
    ck_assert_int_eq(r.code, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Usage: concur report"));
    outcome_free(&r);
}
END_TEST

Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_add_test(tc, test_golden_markdown);
    tcase_add_test(tc, test_golden_html);
    tcase_add_test(tc, test_golden_terminal);
    tcase_add_test(tc, test_fixture_content);
    tcase_add_test(tc, test_html_self_contained);
    tcase_add_test(tc, test_html_escaping);
    tcase_add_test(tc, test_html_single_configuration);
    tcase_add_test(tc, test_html_many_workers);
    tcase_add_test(tc, test_markdown_nan_and_incomplete);
    tcase_add_test(tc, test_markdown_escaping);
    tcase_add_test(tc, test_markdown_tables_aligned);
    tcase_add_test(tc, test_escaped_shown);
    tcase_add_test(tc, test_program_shown);
    tcase_add_test(tc, test_utilization_too_short_shown);
    tcase_add_test(tc, test_two_runs_no_interval);
    tcase_add_test(tc, test_unsafe_shown);
    tcase_add_test(tc, test_write_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_cli_report);
    tcase_add_loop_test(tc, test_cli_report_errors, 0, (int)ARRAY_LEN(cli_errors));
    tcase_add_test(tc, test_cli_report_unwritable);
    suite_add_tcase(s, tc);

    tc = tcase_create("browser");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(tc, 4 * BROWSER_TIMEOUT_S);
    tcase_add_test(tc, test_browser);
    suite_add_tcase(s, tc);
    return s;
}

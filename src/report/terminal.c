/* terminal.c - a document (doc.h) as plain text for a 100-column terminal: headings on a line of
 * their own after a blank one, list items and notes wrapped under their marker, tables in fixed
 * columns, strong text in bold on a colour terminal. Charts are left out. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

#include "concur/util.h"

#define WIDTH 100
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* text over lines of at most width columns, broken at spaces: first prefixes the first line, rest
 * the others. A word longer than a line stays whole. */
static void print_wrapped(FILE *out, const char *text, const char *first, const char *rest,
                          int width)
{
    const char *prefix = first;
    const char *p = text;
    while (*p) {
        int room = width - (int)strlen(prefix);
        int len = (int)strlen(p);
        int cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0) { /* no space to break at: up to the next one */
                cut = room;
                while (p[cut] && p[cut] != ' ')
                    cut++;
            }
        }
        fprintf(out, "%s%.*s\n", prefix, cut, p);
        p += cut;
        while (*p == ' ')
            p++;
        prefix = rest;
    }
}

static void spans(FILE *out, const doc_text *t, bool color)
{
    for (int i = 0; i < t->n; i++) {
        bool bold = color && t->spans[i].mark == DOC_STRONG;
        fprintf(out, "%s%s%s", bold ? BOLD : "", t->spans[i].text, bold ? RESET : "");
    }
}

/* The headline, indented and wrapped, in bold where it is strong. */
static void headline(FILE *out, const doc_text *t, bool color)
{
    bool bold = color && t->n > 0 && t->spans[0].mark == DOC_STRONG;
    char *text = doc_text_plain(t);
    print_wrapped(out, text, bold ? "  " BOLD : "  ", "  ", WIDTH);
    if (bold)
        fputs(RESET, out);
    free(text);
}

static void paragraph(FILE *out, const doc_block *b, bool color)
{
    if (b->style == DOC_HEADLINE) {
        headline(out, &b->text, color);
        return;
    }
    char *text = doc_text_plain(&b->text);
    if (b->style == DOC_NOTE)
        print_wrapped(out, text, "", "", WIDTH);
    else
        fprintf(out, "%s\n", text);
    free(text);
}

/* "  - item", wrapped under its marker; a list without one: each item on its line as it is, and
 * what is under it indented further. */
static void list(FILE *out, const doc_block *b)
{
    char first[8];
    snprintf(first, sizeof(first), "  %c ", b->mark);
    for (int i = 0; i < b->nitems; i++) {
        char *text = doc_text_plain(&b->items[i].text);
        if (b->mark)
            print_wrapped(out, text, first, "    ", WIDTH);
        else
            fprintf(out, "  %s\n", text);
        free(text);
        const char *pre = b->items[i].pre;
        while (pre && *pre) {
            size_t n = strcspn(pre, "\n");
            fprintf(out, "    %.*s\n", (int)n, pre);
            pre += n + (pre[n] == '\n');
        }
    }
}

static void row(FILE *out, const doc_block *b, const char *const *cells)
{
    for (int c = 0; c < b->ncols; c++) {
        const doc_column *col = &b->cols[c];
        if (c > 0)
            fprintf(out, "%*s", 1 + col->gap, "");
        if (col->align == 'r')
            fprintf(out, "%*s", col->width, cells[c]);
        else
            fprintf(out, "%-*s", col->width, cells[c]);
    }
    fputc('\n', out);
}

static void table(FILE *out, const doc_block *b)
{
    const char **heads = xcalloc((size_t)b->ncols + 1, sizeof(*heads));
    for (int c = 0; c < b->ncols; c++)
        heads[c] = b->cols[c].head;
    row(out, b, heads);
    free(heads);
    for (int i = 0; i + b->ncols <= b->ncells; i += b->ncols)
        row(out, b, (const char *const *)&b->cells[i]);
}

void doc_render_terminal(const report_doc *d, FILE *out, bool color)
{
    bool after_heading = false;
    for (int i = 0; i < d->nblocks; i++) {
        const doc_block *b = &d->blocks[i];
        if (!(b->to & DOC_TO_TERMINAL))
            continue;
        switch (b->kind) {
        case DOC_TITLE:
        case DOC_SECTION:
        case DOC_HEADING:
            fputc('\n', out);
            spans(out, &b->text, color);
            fputc('\n', out);
            break;
        case DOC_PARAGRAPH:
            if (b->style == DOC_NORMAL && !after_heading)
                fputc('\n', out);
            paragraph(out, b, color);
            break;
        case DOC_LIST:
            list(out, b);
            break;
        case DOC_TABLE:
            if (!after_heading)
                fputc('\n', out);
            table(out, b);
            break;
        case DOC_CHART:
            break;
        }
        after_heading = b->kind == DOC_TITLE || b->kind == DOC_SECTION || b->kind == DOC_HEADING;
    }
}

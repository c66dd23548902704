/* markdown.c - a document (doc.h) as GitHub-flavoured Markdown that reads as plain text too:
 * tables aligned, code spans and labels left plain, every character that would start markup
 * escaped. Charts are left out. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

#include "concur/util.h"

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool is_punct(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !is_alnum(c);
}

/* Where text goes: inline in a paragraph, in a table cell ('|' is escaped), or at the start of a
 * block (a list item), where a leading '#', '>', '-', '+' or "1." would open another block. */
typedef enum { MD_INLINE, MD_CELL, MD_BLOCK } md_where;

/* What opens a block at the start of s: a '#', '>', '-', '+' or '=' is escaped, and "1." or "1)"
 * written with the backslash before its '.' or ')'. Returns where the rest of s begins. */
static const unsigned char *md_block_start(FILE *out, const unsigned char *p)
{
    if (*p == '#' || *p == '>' || *p == '-' || *p == '+' || *p == '=') {
        fputc('\\', out);
    } else if (*p >= '0' && *p <= '9') {
        const unsigned char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if ((*q == '.' || *q == ')') && (q[1] == ' ' || q[1] == '\0')) {
            fwrite(p, 1, (size_t)(q - p), out);
            fputc('\\', out);
            return q;
        }
    }
    return p;
}

/* Writes text so that Markdown shows it as it is: what would start emphasis, code, HTML, an entity
 * or a link is backslash-escaped; line breaks and other control characters become spaces (one item
 * stays one line). Plain-text readers see the text with at most a few backslashes. */
static void md_text(FILE *out, const char *s, md_where where)
{
    const unsigned char *p = (const unsigned char *)s;
    int tildes = 0;
    for (const char *t = s; *t; t++)
        tildes += *t == '~';
    if (where == MD_BLOCK)
        p = md_block_start(out, p);
    for (; *p; p++) {
        unsigned char c = *p;
        unsigned char prev = p > (const unsigned char *)s ? p[-1] : ' ';
        unsigned char next = p[1];
        if (c < 0x20 || c == 0x7f) {
            fputc(' ', out);
            continue;
        }
        bool escape = false;
        switch (c) {
        case '`':
        case '*':
            escape = true;
            break;
        case '~': /* two of them could strike through what is between */
            escape = tildes > 1;
            break;
        case '\\': /* only where it would escape what follows */
            escape = is_punct(next);
            break;
        case '<': /* would open an HTML tag or an autolink */
            escape = is_alnum(next) || next == '/' || next == '!' || next == '?';
            break;
        case '&': /* would start an entity: &lt; */
            escape = is_alnum(next) || next == '#';
            break;
        case '|':
            escape = where == MD_CELL;
            break;
        case '_': /* inside a word it is no emphasis (GFM); at its edges it may be */
            escape = !is_alnum(prev) || !is_alnum(next);
            break;
        case '(': /* after ']' it would make a link */
            escape = prev == ']';
            break;
        default:
            break;
        }
        if (escape)
            fputc('\\', out);
        fputc(c, out);
    }
}

/* The spans of t, each escaped by itself; strong ones in **. At the start of a list item, the
 * first span is kept from opening another block. */
static void md_spans(FILE *out, const doc_text *t, bool item)
{
    for (int i = 0; i < t->n; i++) {
        const doc_span *s = &t->spans[i];
        if (s->mark == DOC_STRONG) {
            fputs("**", out);
            md_text(out, s->text, MD_INLINE);
            fputs("**", out);
        } else {
            md_text(out, s->text, item && i == 0 ? MD_BLOCK : MD_INLINE);
        }
    }
}

/* md_text into a string the caller frees. */
static char *md_cell(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        log_error("out of memory while rendering report.md");
        abort();
    }
    md_text(f, s, MD_CELL);
    fclose(f);
    return buf;
}

/* Columns a string takes in a fixed-width font: UTF-8 continuation bytes take none. */
static int text_width(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void pad(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc(' ', out);
}

/* One row: the header (row -2), the line under it (-1) or a row of cells. */
static void table_row(FILE *out, const doc_block *b, char **head, char **cells, const int *w,
                      int row)
{
    fputc('|', out);
    for (int c = 0; c < b->ncols; c++) {
        bool right = b->cols[c].align == 'r';
        fputc(' ', out);
        if (row == -1) {
            for (int k = 0; k < w[c]; k++)
                fputc(right && k == w[c] - 1 ? ':' : '-', out);
        } else {
            const char *text = row == -2 ? head[c] : cells[row * b->ncols + c];
            int space = w[c] - text_width(text);
            if (right)
                pad(out, space);
            fputs(text, out);
            if (!right)
                pad(out, space);
        }
        fputs(" |", out);
    }
    fputc('\n', out);
}

/* Every column padded to its widest cell, so that the table reads as one in plain text too. */
static void md_table(FILE *out, const doc_block *b)
{
    int *w = xcalloc((size_t)b->ncols, sizeof(int));
    char **head = xcalloc((size_t)b->ncols, sizeof(char *));
    char **cells = xcalloc((size_t)b->ncells + 1, sizeof(char *));
    for (int c = 0; c < b->ncols; c++) {
        head[c] = md_cell(b->cols[c].head);
        w[c] = text_width(head[c]);
        if (w[c] < 3)
            w[c] = 3;
    }
    for (int i = 0; i < b->ncells; i++) {
        cells[i] = md_cell(b->cells[i]);
        int tw = text_width(cells[i]);
        if (tw > w[i % b->ncols])
            w[i % b->ncols] = tw;
    }
    for (int row = -2; row < b->ncells / b->ncols; row++)
        table_row(out, b, head, cells, w, row);
    fputc('\n', out);
    for (int c = 0; c < b->ncols; c++)
        free(head[c]);
    for (int i = 0; i < b->ncells; i++)
        free(cells[i]);
    free(cells);
    free(head);
    free(w);
}

/* A fenced code block inside a list item (indented by two spaces): the fence is longer than any
 * run of backticks in the text. */
static void md_code_block(FILE *out, const char *text)
{
    int longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    int fence = longest >= 3 ? longest + 1 : 3;
    fputs("  ", out);
    for (int i = 0; i < fence; i++)
        fputc('`', out);
    fputs("\n  ", out);
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    for (const char *p = text; p < end; p++) {
        if (*p == '\n')
            fputs("\n  ", out);
        else if (*p != '\r')
            fputc(*p, out);
    }
    fputs("\n  ", out);
    for (int i = 0; i < fence; i++)
        fputc('`', out);
    fputs("\n\n", out);
}

/* "- item" a line, a code block under an item that has one; a blank line ends the list. */
static void md_list(FILE *out, const doc_block *b)
{
    bool blank = false; /* what was written last ends with a blank line */
    for (int i = 0; i < b->nitems; i++) {
        fputs("- ", out);
        md_spans(out, &b->items[i].text, true);
        fputc('\n', out);
        blank = false;
        if (b->items[i].pre) {
            fputc('\n', out);
            md_code_block(out, b->items[i].pre);
            blank = true;
        }
    }
    if (!blank)
        fputc('\n', out);
}

void doc_render_markdown(const report_doc *d, FILE *out)
{
    static const char *const prefix[] = {[DOC_TITLE] = "# ", [DOC_SECTION] = "## ",
                                         [DOC_HEADING] = "### ", [DOC_PARAGRAPH] = ""};
    for (int i = 0; i < d->nblocks; i++) {
        const doc_block *b = &d->blocks[i];
        if (!(b->to & DOC_TO_MARKDOWN))
            continue;
        switch (b->kind) {
        case DOC_TITLE:
        case DOC_SECTION:
        case DOC_HEADING:
        case DOC_PARAGRAPH:
            fputs(prefix[b->kind], out);
            md_spans(out, &b->text, false);
            fputs("\n\n", out);
            break;
        case DOC_LIST:
            md_list(out, b);
            break;
        case DOC_TABLE:
            md_table(out, b);
            break;
        case DOC_CHART: /* a picture: the tables say it in numbers */
            break;
        }
    }
}

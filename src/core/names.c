/*
 * names.c — keys and similarity of place names (see names.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

static bool
is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static bool
word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* Key rules: French usage for commune names (COG INSEE writes Saint/Sainte in full, no leading article in file keys). */
nous_status
nous_name_key_ascii(const char *in, size_t len, char **out, size_t *outlen)
{
	/* an abbreviation can grow: "st" (2) -> "saint" (5); bound by 3 * len */
	size_t		cap = 3 * len + 1;
	char	   *buf;
	size_t		o = 0;
	size_t		i = 0;
	int			nwords = 0;
	size_t		first_end = 0;
	bool		first_is_article = false;

	buf = nous_alloc(cap);
	if (buf == NULL)
		return NOUS_ERR_NOMEM;
	while (i < len)
	{
		size_t		start;
		size_t		n;
		const char *w;

		while (i < len && !is_word_byte((unsigned char) in[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && is_word_byte((unsigned char) in[i]))
			i++;
		w = in + start;
		n = i - start;
		if (word_is(w, n, "st"))
		{
			w = "saint";
			n = 5;
		}
		else if (word_is(w, n, "ste"))
		{
			w = "sainte";
			n = 6;
		}
		if (nwords > 0)
			buf[o++] = ' ';
		memcpy(buf + o, w, n);
		o += n;
		if (nwords == 0)
		{
			first_end = o;
			first_is_article = word_is(w, n, "le") || word_is(w, n, "la") ||
				word_is(w, n, "les") || word_is(w, n, "l");
		}
		nwords++;
	}
	if (nwords > 1 && first_is_article)
	{
		/* drop "article " */
		memmove(buf, buf + first_end + 1, o - first_end - 1);
		o -= first_end + 1;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return NOUS_OK;
}

/* Levenshtein (1966), Wagner–Fischer dynamic programme on two rows. */
nous_status
nous_levenshtein(const char *a, size_t la, const char *b, size_t lb, size_t *dist)
{
	size_t	   *prev;
	size_t	   *cur;
	size_t		i,
				j;
	size_t		work = 0;

	if (la == 0 || lb == 0)
	{
		*dist = la + lb;
		return NOUS_OK;
	}
	prev = nous_alloc((lb + 1) * sizeof(size_t));
	cur = nous_alloc((lb + 1) * sizeof(size_t));
	if (prev == NULL || cur == NULL)
	{
		nous_free(prev);
		nous_free(cur);
		return NOUS_ERR_NOMEM;
	}
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++)
	{
		size_t	   *t;

		/* count cells, not rows: one row of a long string is already long */
		work += lb;
		if (work >= NOUS_INTERRUPT_EVERY)
		{
			work = 0;
			NOUS_CHECK_INTERRUPTS();
		}
		cur[0] = i;
		for (j = 1; j <= lb; j++)
		{
			size_t		del = prev[j] + 1;
			size_t		ins = cur[j - 1] + 1;
			size_t		sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
			size_t		m = del < ins ? del : ins;

			cur[j] = m < sub ? m : sub;
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	*dist = prev[lb];
	nous_free(prev);
	nous_free(cur);
	return NOUS_OK;
}

typedef struct word_ref
{
	const char *p;
	size_t		n;
} word_ref;

static int
cmp_word(const void *x, const void *y)
{
	const word_ref *a = x;
	const word_ref *b = y;
	size_t		n = a->n < b->n ? a->n : b->n;
	int			c = memcmp(a->p, b->p, n);

	if (c != 0)
		return c;
	return (a->n > b->n) - (a->n < b->n);
}

/* Words of a key (split on spaces) sorted and joined by one space. */
static nous_status
sorted_words(const char *s, size_t len, char **out)
{
	word_ref   *w;
	char	   *buf;
	size_t		nw = 0,
				i = 0,
				o = 0,
				k;

	w = nous_alloc((len / 2 + 1) * sizeof(word_ref));
	buf = nous_alloc(len + 1);
	if (w == NULL || buf == NULL)
	{
		nous_free(w);
		nous_free(buf);
		return NOUS_ERR_NOMEM;
	}
	while (i < len)
	{
		size_t		start;

		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		w[nw].p = s + start;
		w[nw].n = i - start;
		nw++;
	}
	qsort(w, nw, sizeof(word_ref), cmp_word);
	for (k = 0; k < nw; k++)
	{
		if (k > 0)
			buf[o++] = ' ';
		memcpy(buf + o, w[k].p, w[k].n);
		o += w[k].n;
	}
	buf[o] = '\0';
	nous_free(w);
	*out = buf;
	return NOUS_OK;
}

static nous_status
ratio(const char *a, size_t la, const char *b, size_t lb, double *r)
{
	size_t		d;
	size_t		m = la > lb ? la : lb;
	nous_status st;

	if (m == 0)
	{
		*r = 1.0;
		return NOUS_OK;
	}
	st = nous_levenshtein(a, la, b, lb, &d);
	if (st != NOUS_OK)
		return st;
	*r = 1.0 - (double) d / (double) m;
	return NOUS_OK;
}

/* Normalised Levenshtein similarity, max of plain and token-sorted (fuzzywuzzy token_sort_ratio). */
nous_status
nous_key_similarity(const char *a, size_t la, const char *b, size_t lb, double *sim)
{
	char	   *sa = NULL;
	char	   *sb = NULL;
	double		r1 = 0.0,
				r2 = 0.0;
	nous_status st;

	st = ratio(a, la, b, lb, &r1);
	if (st != NOUS_OK)
		return st;
	if (r1 == 1.0)
	{
		*sim = 1.0;
		return NOUS_OK;
	}
	st = sorted_words(a, la, &sa);
	if (st == NOUS_OK)
		st = sorted_words(b, lb, &sb);
	if (st == NOUS_OK)
		st = ratio(sa, strlen(sa), sb, strlen(sb), &r2);
	nous_free(sa);
	nous_free(sb);
	if (st != NOUS_OK)
		return st;
	*sim = r1 > r2 ? r1 : r2;
	return NOUS_OK;
}

/* Unit tests of src/core/methodspec.c. */
#include "unit.h"
#include "methodspec.h"

TEST(plain_name)
{
	nous_method_spec s;

	CHECK_INT(nous_parse_method_spec("zscore", &s, NULL, 0), NOUS_OK);
	CHECK_STR(s.name, "zscore");
	CHECK_INT(s.nparams, 0);
	CHECK_INT(nous_parse_method_spec("  ZScore  ", &s, NULL, 0), NOUS_OK);
	CHECK_STR(s.name, "zscore");
	CHECK_INT(nous_parse_method_spec("rank()", &s, NULL, 0), NOUS_OK);
	CHECK_INT(s.nparams, 0);
}

TEST(parameters)
{
	nous_method_spec s;
	const nous_spec_param *p;

	CHECK_INT(nous_parse_method_spec("rank( ties = min , ref=-1.5e2,x=+3)", &s, NULL, 0), NOUS_OK);
	CHECK_STR(s.name, "rank");
	CHECK_INT(s.nparams, 3);
	p = nous_spec_find(&s, "ties");
	CHECK(p != NULL && !p->is_number);
	CHECK_STR(p ? p->value : NULL, "min");
	p = nous_spec_find(&s, "ref");
	CHECK(p != NULL && p->is_number);
	CHECK_NEAR(p ? p->number : 0, -150.0, 0);
	p = nous_spec_find(&s, "x");
	CHECK_NEAR(p ? p->number : 0, 3.0, 0);
	CHECK(nous_spec_find(&s, "nope") == NULL);
	/* words that strtod would take partly, or as non-finite, stay words */
	CHECK_INT(nous_parse_method_spec("m(a=1e5x, b=inf, c=nan)", &s, NULL, 0), NOUS_OK);
	CHECK(!s.params[0].is_number && !s.params[1].is_number && !s.params[2].is_number);
}

TEST(syntax_errors)
{
	nous_method_spec s;
	char		err[200];
	const char *bad[] = {
		"", "   ", "1abc", "rank(", "rank(ties)", "rank(ties=)", "rank(ties=min",
		"rank(ties=min,)", "rank(=min)", "rank(ties=min) x", "rank ties", "ra-nk",
		"rank(a=1,a=2)", "rank(ties='min')", "zscore;drop table x",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		NULL
	};
	int			i;

	for (i = 0; bad[i] != NULL; i++)
	{
		err[0] = '\0';
		CHECK_INT(nous_parse_method_spec(bad[i], &s, err, sizeof err), NOUS_ERR_SYNTAX);
		CHECK(strlen(err) > 0);
	}
	nous_parse_method_spec("rank(ties=min) x", &s, err, sizeof err);
	CHECK_STR(err, "Unexpected text after the method at character 16 of \"rank(ties=min) x\".");
}

TEST(too_many_params)
{
	nous_method_spec s;
	char		buf[400] = "m(";
	int			i;

	for (i = 0; i < 17; i++)
		sprintf(buf + strlen(buf), "%sp%d=1", i ? "," : "", i);
	strcat(buf, ")");
	CHECK_INT(nous_parse_method_spec(buf, &s, NULL, 0), NOUS_ERR_SYNTAX);
}

int
main(void)
{
	RUN(plain_name);
	RUN(parameters);
	RUN(syntax_errors);
	RUN(too_many_params);
	UNIT_END();
}

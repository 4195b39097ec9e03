/*
 * nous.c — module magic, start-up, nous.version(), and the helpers every
 * glue file uses (array unpacking with input checks, jsonb parameters,
 * status reporting, the aggregate-state kit: see nous.h for how to use it).
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "nous.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* core allocations come from the current memory context */
static void *
nous_palloc_hook(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

static void
nous_pfree_hook(void *ptr)
{
	pfree(ptr);
}

static void
nous_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

void
_PG_init(void)
{
	nous_alloc_hook = nous_palloc_hook;
	nous_free_hook = nous_pfree_hook;
	nous_interrupt_hook = nous_interrupts;
	nous_registry_init();
	nous_spatial_init();
}

PG_FUNCTION_INFO_V1(nous_version);

/* nous.version(): the version of the loaded library. */
Datum
nous_version(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_TEXT_P(cstring_to_text(NOUS_VERSION));
}

/* The format version of a stored or binary value of type (see nous.h). */
void
nous_check_format_version(const char *type, int version, int oldest, int newest)
{
	char		reads[64];

	if (version >= oldest && version <= newest)
		return;
	if (oldest == newest)
		snprintf(reads, sizeof(reads), "format version %d", newest);
	else
		snprintf(reads, sizeof(reads), "format versions %d to %d", oldest, newest);
	if (version > newest)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s value of format version %d is newer than this library reads", type, version),
				 errdetail("The nous library %s reads %s %s; the value was written by a newer version of nous.",
						   NOUS_VERSION, type, reads),
				 errhint("Install the version of nous that wrote the value (or a newer one) and run ALTER EXTENSION nous UPDATE.")));
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid %s value", type),
			 errdetail("The format version byte is %d; the nous library %s reads %s %s.",
					   version, NOUS_VERSION, type, reads)));
}

void
nous_vec_from_datum(Datum d, bool isnull, const char *what, bool allow_empty,
					NousVec *v)
{
	ArrayType  *arr;
	const char *data;
	bits8	   *bitmap;
	int			bitmask = 1;
	int			n,
				i;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what),
				 errdetail("Pass an array of float8; NULL elements inside it are allowed.")));
	arr = DatumGetArrayTypeP(d);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("The array has %d dimensions.", ARR_NDIM(arr))));
	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		elog(ERROR, "%s: expected a float8 array", what);
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (n == 0 && !allow_empty)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what),
				 errdetail("At least one element is needed.")));
	v->n = n;
	v->npresent = 0;
	v->x = palloc(sizeof(double) * Max(n, 1));
	v->present = palloc(sizeof(bool) * Max(n, 1));
	/* float8 elements are stored contiguously, aligned, NULLs omitted */
	data = ARR_DATA_PTR(arr);
	bitmap = ARR_NULLBITMAP(arr);
	for (i = 0; i < n; i++)
	{
		bool		present = (bitmap == NULL) || (*bitmap & bitmask) != 0;

		if (bitmap != NULL)
		{
			bitmask <<= 1;
			if (bitmask == 0x100)
			{
				bitmap++;
				bitmask = 1;
			}
		}
		v->present[i] = present;
		if (!present)
		{
			v->x[i] = 0.0;
			continue;
		}
		memcpy(&v->x[i], data, sizeof(double));
		data += sizeof(double);
		if (!isfinite(v->x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be finite", what),
					 errdetail("Element %d is %s.", i + 1,
							   isnan(v->x[i]) ? "NaN" :
							   v->x[i] > 0 ? "Infinity" : "-Infinity"),
					 errhint("Replace NaN and infinite values by NULL: NULL elements are ignored.")));
		v->npresent++;
	}
}

ArrayType *
nous_vec_to_array(const NousVec *v, const double *out)
{
	ArrayType  *result;
	int			nbytes;
	int			ndata = 0;
	bool		hasnulls;
	int			dataoffset;
	char	   *data;
	int			i;

	if (v->n == 0)
		return construct_empty_array(FLOAT8OID);
	/* build the array in place: float8 data after an optional null bitmap */
	/* count from the mask: callers need not keep npresent up to date */
	for (i = 0; i < v->n; i++)
		if (v->present[i])
			ndata++;
	hasnulls = ndata < v->n;
	dataoffset = hasnulls ? ARR_OVERHEAD_WITHNULLS(1, v->n) : 0;
	if ((Size) ndata > (MaxAllocSize - ARR_OVERHEAD_WITHNULLS(1, v->n)) / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("result array of %d elements is too large", v->n)));
	nbytes = (hasnulls ? dataoffset : (int) ARR_OVERHEAD_NONULLS(1)) + ndata * (int) sizeof(double);
	result = (ArrayType *) palloc0(nbytes);
	SET_VARSIZE(result, nbytes);
	result->ndim = 1;
	result->dataoffset = dataoffset;
	result->elemtype = FLOAT8OID;
	ARR_DIMS(result)[0] = v->n;
	ARR_LBOUND(result)[0] = 1;
	data = ARR_DATA_PTR(result);
	for (i = 0; i < v->n; i++)
	{
		if (hasnulls && v->present[i])
			ARR_NULLBITMAP(result)[i / 8] |= (bits8) (1 << (i % 8));
		if (v->present[i])
		{
			memcpy(data, &out[i], sizeof(double));
			data += sizeof(double);
		}
	}
	return result;
}

int
nous_array_arg(FunctionCallInfo fcinfo, int argno, const char *what,
			   Oid elemtype, bool nulls_ok, Datum **elems, bool **nulls)
{
	ArrayType  *a;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool	   *isnull;
	int			n,
				i;

	NOUS_REQUIRE_ARG(argno, what);
	a = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("The array has %d dimensions.", ARR_NDIM(a))));
	if (ARR_ELEMTYPE(a) != elemtype)
		elog(ERROR, "%s: array of type %u where %u is expected", what,
			 ARR_ELEMTYPE(a), elemtype);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, elems, &isnull, &n);
	if (!nulls_ok)
		for (i = 0; i < n; i++)
			if (isnull[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain NULL", what),
						 errdetail("Element %d is NULL.", i + 1)));
	if (nulls != NULL)
		*nulls = isnull;
	return n;
}

void
nous_report_status(nous_status st, const char *context)
{
	int			code;

	switch (st)
	{
		case NOUS_ERR_EMPTY:
		case NOUS_ERR_NONFINITE:
		case NOUS_ERR_PARAM:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case NOUS_ERR_LENGTH:
			code = ERRCODE_ARRAY_SUBSCRIPT_ERROR;
			break;
		case NOUS_ERR_SYNTAX:
			code = ERRCODE_SYNTAX_ERROR;
			break;
		case NOUS_ERR_DOMAIN:
			code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
		case NOUS_ERR_NOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		case NOUS_ERR_LIMIT:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		default:
			code = ERRCODE_INTERNAL_ERROR;
			break;
	}
	ereport(ERROR, (errcode(code),
					errmsg("%s: %s", context, nous_status_text(st))));
	pg_unreachable();
}

/* ---- the aggregate-state kit (nous.h) ---- */

MemoryContext
nous_agg_context(FunctionCallInfo fcinfo, const char *fn, const char *aggregate)
{
	MemoryContext aggctx;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fn),
				 aggregate != NULL ? errhint("Use the aggregate %s.", aggregate) : 0));
	return aggctx;
}

void
nous_bad_binary(const char *type, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary %s value", type),
			 errdetail("%s", detail)));
}

void
nous_state_corrupt(const char *what, const char *detail,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, detail);
		needed = appendStringInfoVA(&buf, detail, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid %s", what),
			 errdetail("%s", buf.data)));
	pg_unreachable();
}

int64
nous_grow_cap(int64 cap, int64 need, Size elsize, int64 limit, const char *what)
{
	int64		most = (int64) (MaxAllocHugeSize / Max(elsize, 1));

	if (limit > most)
		limit = most;
	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many %s", what),
				 errdetail("At most " INT64_FORMAT " are supported; " INT64_FORMAT " were asked for.",
						   limit, need)));
	if (cap < 16)
		cap = 16;
	while (cap < need)
		cap = cap > limit / 2 ? limit : cap * 2;
	return Min(cap, limit);
}

ExpandedObjectHeader *
nous_eo_new(MemoryContext parent, const char *name, Size size,
			const ExpandedObjectMethods *methods)
{
	/* name is the caller's string constant (the macro cannot check it here) */
	MemoryContext cxt = AllocSetContextCreateInternal(parent, name, ALLOCSET_SMALL_SIZES);
	ExpandedObjectHeader *eoh;

	Assert(size >= sizeof(ExpandedObjectHeader));
	eoh = MemoryContextAllocZero(cxt, size);
	EOH_init_header(eoh, methods, cxt);
	return eoh;
}

ExpandedObjectHeader *
nous_eo_mine(FunctionCallInfo fcinfo, int argno,
			 const ExpandedObjectMethods *methods, MemoryContext aggctx)
{
	Datum		d;
	ExpandedObjectHeader *eoh;

	if (PG_ARGISNULL(argno))
		return NULL;
	d = PG_GETARG_DATUM(argno);
	if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != methods ||
		MemoryContextGetParent(eoh->eoh_context) != aggctx)
		return NULL;
	return eoh;
}

ExpandedObjectHeader *
nous_eo_of(Datum d, const ExpandedObjectMethods *methods)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	return eoh->eoh_methods == methods ? eoh : NULL;
}

NousMethodCache *
nous_method_cached(FmgrInfo *flinfo, Size size, const char *family,
				   const char *spec_text, bool *fresh)
{
	NousMethodCache *cache = flinfo->fn_extra;

	Assert(size >= sizeof(NousMethodCache));
	if (fresh != NULL)
		*fresh = false;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(flinfo->fn_mcxt, size);
		flinfo->fn_extra = cache;
	}
	if (cache->valid && strcmp(cache->method.spec_text, spec_text) == 0)
		return cache;
	/* invalid until resolved: an ERROR in between leaves it so */
	cache->valid = false;
	nous_method_resolve(family, spec_text, flinfo->fn_mcxt, &cache->method);
	cache->valid = true;
	if (fresh != NULL)
		*fresh = true;
	return cache;
}

/* ---- jsonb parameters ---- */

/* The value of key, NULL when absent; an error when it is not of the type. */
static JsonbValue *
params_get(Jsonb *params, const char *method, const char *key,
		   enum jbvType type, const char *type_name)
{
	JsonbValue *v;

	if (params == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(&params->root, key, strlen(key), NULL);
	if (v != NULL && v->type != type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" of method \"%s\" must be %s", key, method, type_name)));
	return v;
}

void
nous_params_check(Jsonb *params, const char *method, const char *const *allowed)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (params == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameters of method \"%s\" must be a jsonb object", method)));
	it = JsonbIteratorInit(&params->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			const char *const *a;
			bool		ok = false;
			StringInfoData names;

			for (a = allowed; *a != NULL; a++)
				if (strlen(*a) == (size_t) v.val.string.len &&
					strncmp(*a, v.val.string.val, v.val.string.len) == 0)
					ok = true;
			if (ok)
				continue;
			initStringInfo(&names);
			for (a = allowed; *a != NULL; a++)
				appendStringInfo(&names, "%s%s", a == allowed ? "" : ", ", *a);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown parameter \"%.*s\" for method \"%s\"",
							v.val.string.len, v.val.string.val, method),
					 allowed[0] != NULL ?
					 errdetail("Method \"%s\" accepts: %s.", method, names.data) :
					 errdetail("Method \"%s\" takes no parameters.", method)));
		}
	}
}

char *
nous_params_word(Jsonb *params, const char *method, const char *key)
{
	JsonbValue *v = params_get(params, method, key, jbvString, "a word");

	return v == NULL ? NULL : pnstrdup(v->val.string.val, v->val.string.len);
}

bool
nous_params_number(Jsonb *params, const char *method, const char *key,
				   double *value)
{
	JsonbValue *v = params_get(params, method, key, jbvNumeric, "a number");

	if (v == NULL)
		return false;
	*value = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
												NumericGetDatum(v->val.numeric)));
	if (!isfinite(*value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" of method \"%s\" must be finite", key, method)));
	return true;
}

/* ---- rows and quoted strings ---- */

TupleDesc
nous_row_desc(FunctionCallInfo fcinfo)
{
	TupleDesc	td;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return BlessTupleDesc(td);
}

void
nous_append_quoted(StringInfo s, const char *p, size_t len)
{
	size_t		i;

	appendStringInfoChar(s, '"');
	for (i = 0; i < len; i++)
	{
		if (p[i] == '"' || p[i] == '\\')
			appendStringInfoChar(s, '\\');
		appendStringInfoChar(s, p[i]);
	}
	appendStringInfoChar(s, '"');
}

bool
nous_read_quoted(const char **p, StringInfo out)
{
	resetStringInfo(out);
	while (**p != '"')
	{
		if (**p == '\0')
			return false;
		if (**p == '\\')
		{
			(*p)++;
			if (**p == '\0')
				return false;
		}
		appendStringInfoChar(out, **p);
		(*p)++;
	}
	(*p)++;
	return true;
}

/* ---- arguments ---- */

/*
 * The error of NOUS_REQUIRE_ARG and NOUS_REQUIRE_ARG_HINT (nous.h): "<what>
 * must not be NULL", 22004, with the hint when there is one.
 */
void
nous_arg_is_null(const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s must not be NULL", what),
			 hint ? errhint("%s", hint) : 0));
}

/* ---- the catalogue ---- */

bool
nous_extension_row(const char *name, Oid *owner, Oid *schema)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(name));
	rel = table_open(ExtensionRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	found = HeapTupleIsValid(tup);
	if (found && owner != NULL)
		*owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	if (found && schema != NULL)
		*schema = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

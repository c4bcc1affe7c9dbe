/*-------------------------------------------------------------------------
 *
 * args.h
 *		Reading array arguments of the SQL functions, one way everywhere.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_ARGS_H
#define HFENDPOINTS_ARGS_H

#include "utils/array.h"

/*
 * The elements of a text[] value as C strings (in the database encoding),
 * *n of them.  A multidimensional array raises 2202E; a NULL element
 * raises 22004, unless nulls_ok, when it reads as NULL.  argname names the
 * argument in messages.
 */
extern char **hfe_text_array_elements(ArrayType *array, const char *argname,
									  bool nulls_ok, int *n);

#endif							/* HFENDPOINTS_ARGS_H */

/*
 * xlist.h - how a list's name function is written, once. Every enumerated concept is an X-macro
 * list (HYPERCALL_LIST, HVT_STOP_LIST, RV_REG_LIST, RV_POST_LIST) whose rows are
 * X(number, NAME, "printable name"); its name function is
 *
 *	static inline const char *hypercall_name(unsigned nr) { RV_XLIST_NAME(HYPERCALL_LIST, nr); }
 *
 * which returns the printable name of a number in the list, or NULL (0) for one that is not: the
 * one rule for unknown values, the caller prints the number instead. Freestanding and hosted.
 * (exit_reasons.h has more columns and writes its own.)
 */
#ifndef RETROVISOR_XLIST_H
#define RETROVISOR_XLIST_H

#define RV_XLIST_CASE(num, name, str) \
	case (num):                   \
		return str;
#define RV_XLIST_NAME(list, value)   \
	switch (value) {             \
		list(RV_XLIST_CASE)  \
	}                            \
	return 0

#endif

/*
 * hostile-cr-native - hostile-cr plus the control-register writes that do not exit, which the
 * CPU itself must answer with #GP in a guest: CR4.PAE cleared in long mode, a reserved CR4 bit,
 * bit 32 of CR0. See hostile-cr.S.
 */
#define CR_NATIVE 1
#include "hostile-cr.S"

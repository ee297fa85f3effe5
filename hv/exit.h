/* exit.h - VM-exit handlers, one family per file, dispatched from one table (exit.c). */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include "retrovisor/exit_reasons.h"
#include "vm.h"

typedef void (*exit_handler_fn)(struct vm *vm);

/* One prototype per handler family named in EXIT_REASON_LIST. */
#define EXIT_FAMILY_PROTO(num, name, family, str) void exit_##family(struct vm *vm);
EXIT_REASON_LIST(EXIT_FAMILY_PROTO)
#undef EXIT_FAMILY_PROTO

void exit_dispatch(struct vm *vm, uint32_t reason);

#endif

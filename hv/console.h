/* console.h - framed messages to the runner (console_proto.h). */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include "lib.h"

void console_frame(char kind, int vm, const char *text, size_t len);

#endif

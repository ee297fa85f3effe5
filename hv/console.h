/* console.h - framed messages to the runner (console_proto.h). */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include "lib.h"

void console_frame(char kind, int vm, const char *text, size_t len);
/* The UART's line sink (uart.h): each console line of a VM becomes one console frame. */
void console_uart_line(void *ctx, int vm, const char *text, uint32_t len, int newline);

#endif

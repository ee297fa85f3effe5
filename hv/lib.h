/*
 * lib.h - the hypervisor's small freestanding runtime: memory and string helpers, formatted
 * output, PANIC for broken hypervisor invariants (never for guest misbehaviour).
 */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define PAGE_SIZE 4096u

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Hypervisor messages (framed on the debug port, see console.c). */
void hv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stop the whole machine: only for a broken hypervisor invariant. */
_Noreturn void hv_panic(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define STR2(x) #x
#define STR(x) STR2(x)
#define PANIC(...) hv_panic(__FILE__ ":" STR(__LINE__), __VA_ARGS__)

/* End the emulator run: Bochs exits on "Shutdown" at port 0x8900; QEMU on isa-debug-exit. */
_Noreturn void machine_exit(int failed);

#endif

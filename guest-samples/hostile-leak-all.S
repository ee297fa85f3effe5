/*
 * hostile-leak-all - hostile-leak plus the upper half of YMM0 (AVX, enabled by XSETBV) and a
 * SYSCALL that must reach this VM's own LSTAR. See hostile-leak.S.
 */
#define LEAK_ALL 1
#include "hostile-leak.S"

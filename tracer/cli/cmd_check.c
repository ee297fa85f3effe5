#include <stdio.h>
#include "hvtrace.h"
int cmd_check(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not yet\n"); return EXIT_USAGE; }

#include <stdio.h>
#include "hvtrace.h"
int cmd_diff(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not yet\n"); return EXIT_USAGE; }

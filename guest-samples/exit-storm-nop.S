/* exit-storm-nop - the exit-storm loop without the exit: the baseline for overhead figures. */
#define STORM_NOP 1
#include "exit-storm.S"

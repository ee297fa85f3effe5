/*
 * storm10m - real mode: 10,000,000 CPUID exits in a loop, for hvview's memory figure
 * (scripts/bench.sh, section 4b): hvview on this trace must hold no more than on the
 * million-exit trace of replay/testdata/storm1m.S, which is this loop with a tenth of the count.
 * No .test file: the recording takes minutes under Bochs, too long for the system tests.
 */
#define STORM_EXITS 10000000
#include "../replay/testdata/storm1m.S"

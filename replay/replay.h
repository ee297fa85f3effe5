/*
 * replay.h - the engine's files and hvreplay include the public header under its old name.
 */
#ifndef REPLAY_REPLAY_H
#define REPLAY_REPLAY_H

#include "retrovisor/hvreplay.h"

#endif

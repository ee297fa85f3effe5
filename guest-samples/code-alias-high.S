/*
 * code-alias-high - code-alias with the code at linear 0x400000, beyond the VM's 1 MiB of
 * memory (still guest-physical 0x30000). See code-alias.S.
 */
#define CODE_ALIAS_HIGH 1
#include "code-alias.S"

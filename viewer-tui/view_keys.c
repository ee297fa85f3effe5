/*
 * view_keys.c - the key table (view_keys.h) as data, and the three texts made from it.
 */
#include <stdio.h>

#include "view.h"

const struct view_key_info view_keys[] = {
#define VIEW_KEY_ROW(cmd, k1, k2, keys, what) {VCMD_##cmd, k1, k2, keys, what},
	VIEW_KEY_LIST(VIEW_KEY_ROW)
#undef VIEW_KEY_ROW
};
const unsigned view_nkeys = sizeof(view_keys) / sizeof(view_keys[0]);

enum view_cmd view_key_cmd(int key)
{
	for (unsigned i = 0; i < view_nkeys; i++)
		if (key && (view_keys[i].key == key || view_keys[i].key2 == key))
			return view_keys[i].cmd;
	return VCMD_NONE;
}

void view_print_keys(FILE *f, int markdown)
{
	if (markdown) {
		fprintf(f, "| key | what it does |\n|---|---|\n");
		for (unsigned i = 0; i < view_nkeys; i++)
			fprintf(f, "| `%s` | %s |\n", view_keys[i].keys, view_keys[i].what);
		return;
	}
	for (unsigned i = 0; i < view_nkeys; i++)
		fprintf(f, "  %-10s %s\n", view_keys[i].keys, view_keys[i].what);
}

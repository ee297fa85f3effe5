/*
 * hvt_text.c - option numbers, the sanitizer for untrusted text, the VM name rule (hvt_text.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_text.h"
#include "retrovisor/exit_status.h"

int hvt_parse_num(const char *opt, const char *s, uint64_t min, uint64_t max, unsigned flags, uint64_t *out,
		  char *why, size_t whylen)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = s + (hex ? 2 : 0);
	unsigned shift = 0;
	char *end;

	/* strtoull alone would take blanks, a sign ("-1" is 2^64-1) and octal ("010" is 8). */
	if (!(hex ? (digits[0] >= '0' && digits[0] <= '9') || (digits[0] >= 'a' && digits[0] <= 'f') ||
			    (digits[0] >= 'A' && digits[0] <= 'F')
		  : digits[0] >= '0' && digits[0] <= '9')) {
		snprintf(why, whylen, "%s: '%s' is not a number (decimal, or hexadecimal after 0x)", opt, s);
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(digits, &end, hex ? 16 : 10);
	if ((flags & HVT_NUM_SIZE) && (*end == 'K' || *end == 'k'))
		shift = 10, end++;
	else if ((flags & HVT_NUM_SIZE) && (*end == 'M' || *end == 'm'))
		shift = 20, end++;
	if (*end) {
		snprintf(why, whylen, "%s: '%s' is not a number (decimal, or hexadecimal after 0x%s)", opt, s,
			 flags & HVT_NUM_SIZE ? ", with an optional K or M" : "");
		return -1;
	}
	if (errno == ERANGE || (shift && v > (UINT64_MAX >> shift)) || (v << shift) > max) {
		snprintf(why, whylen, "%s: '%s' is too large (at most %llu)", opt, s, (unsigned long long)max);
		return -1;
	}
	v <<= shift;
	if (v < min) {
		snprintf(why, whylen, "%s: '%s' is too small (at least %llu)", opt, s, (unsigned long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

char *hvt_sanitize(char *out, size_t n, const void *in, size_t len, int xml)
{
	const unsigned char *p = in;
	size_t o = 0;

	if (!n)
		return out;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		char tmp[8];
		const char *put = tmp;
		if (c < 0x20 || c >= 0x7f || c == '\\')
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		else if (xml && c == '&')
			put = "&amp;";
		else if (xml && c == '<')
			put = "&lt;";
		else if (xml && c == '>')
			put = "&gt;";
		else if (xml && c == '"')
			put = "&quot;";
		else
			tmp[0] = (char)c, tmp[1] = 0;
		size_t k = strlen(put);
		if (o + k >= n)
			break; /* never half an escape */
		memcpy(out + o, put, k);
		o += k;
	}
	out[o] = 0;
	return out;
}

char *hvt_sanitize_str(char *out, size_t n, const char *in)
{
	return hvt_sanitize(out, n, in, strlen(in), 0);
}

int hvt_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > HVT_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '.' || *s == '-'))
			return 0;
	return 1;
}

void hvt_print_exit_statuses(FILE *f)
{
	static const struct {
		int num;
		const char *what;
	} list[] = {
#define RV_EXIT_LINE(name, num, what) { num, what },
		RV_EXIT_LIST(RV_EXIT_LINE)
#undef RV_EXIT_LINE
	};
	fputs("\nExit status (the same in hvtrace, hvreplay and hvrun):\n", f);
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		/* wrapped at 100 columns after the number */
		const char *w = list[i].what;
		int first = 1;
		while (*w) {
			size_t n = strlen(w);
			if (n > 88) {
				n = 88;
				while (n && w[n] != ' ')
					n--;
				if (!n) /* one word longer than a line */
					n = 88;
			}
			if (first)
				fprintf(f, "  %3d  %.*s\n", list[i].num, (int)n, w);
			else
				fprintf(f, "       %.*s\n", (int)n, w);
			first = 0;
			w += n;
			while (*w == ' ')
				w++;
		}
	}
}

/* fuzz_capture.h - what the capture fuzzer and its seed generator agree on. */
#ifndef TRACER_FUZZ_CAPTURE_H
#define TRACER_FUZZ_CAPTURE_H

/* Ends one capture chunk payload in a fuzz input ("CAPCHUNK"; kind 3, reserved bits set, so
 * never a valid record word). */
#define FUZZ_CAP_SEP 0x4b4e554843504143ull

#endif

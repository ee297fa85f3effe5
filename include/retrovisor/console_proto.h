/*
 * console_proto.h - how the hypervisor talks to the runner (hvrun) over the debug port.
 *
 * The hypervisor writes lines to I/O port 0xE9 (Bochs's port_e9_hack, QEMU's -debugcon). Bochs
 * mixes its own banner and debugger prompts into the same stream, so every hypervisor line is
 * framed: it starts with the byte 0x01 and a kind letter, and ends with '\n'. Anything else on
 * the stream is the emulator's and is ignored. Text never contains 0x01, '\r' or '\n'.
 *
 *   \x01H <text>                        a hypervisor message
 *   \x01C<vm> <text>                    one line of guest vm's console (vm in decimal)
 *   \x01N<vm> <name>                    VM vm is called <name> (sent once, before its output)
 *   \x01S<vm> <why> <status> <detail>   VM vm stopped: HVT_STOP_* number, guest status (decimal),
 *                                       detail (hex, e.g. the faulting address)
 *   \x01D <status>                      the hypervisor is done (0: ran to the end); last line
 */
#ifndef RETROVISOR_CONSOLE_PROTO_H
#define RETROVISOR_CONSOLE_PROTO_H

#define CONPROTO_PORT 0xe9
#define CONPROTO_MARK '\x01'
#define CONPROTO_MSG 'H'
#define CONPROTO_CONSOLE 'C'
#define CONPROTO_NAME 'N'
#define CONPROTO_STOP 'S'
#define CONPROTO_DONE 'D'
#define CONPROTO_LINE_MAX 240 /* longer guest lines are split */

#endif

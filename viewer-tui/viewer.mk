# viewer-tui/ - hvview, the terminal viewer (docs/viewer.md). Included from the top-level Makefile.
#
# A user of the public headers like any program outside the tree: compiled with
# $(HVREPLAY_CFLAGS), linked with $(HVREPLAY_LIBS) and ncurses. Everything but view_curses.c and
# hvview.c goes into libhvview.a, which the unit tests (tests/unit/check_view*.c) link without
# a terminal.

VIEW_OBJDIR := $(BUILD)/obj/viewer-tui
VIEW_LIB := $(BUILD)/lib/libhvview.a
VIEW_MAIN_SRCS := viewer-tui/hvview.c viewer-tui/view_curses.c
VIEW_LIB_SRCS := $(filter-out $(VIEW_MAIN_SRCS),$(wildcard viewer-tui/*.c))
VIEW_LIB_OBJS := $(patsubst viewer-tui/%.c,$(VIEW_OBJDIR)/%.o,$(VIEW_LIB_SRCS))
VIEW_MAIN_OBJS := $(patsubst viewer-tui/%.c,$(VIEW_OBJDIR)/%.o,$(VIEW_MAIN_SRCS))
CURSES_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null || pkg-config --cflags ncurses 2>/dev/null)
CURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || pkg-config --libs ncurses 2>/dev/null || echo -lncurses)

$(VIEW_OBJDIR)/%.o: viewer-tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HVREPLAY_CFLAGS) $(CURSES_CFLAGS) -MMD -MP -c -o $@ $<

-include $(VIEW_LIB_OBJS:.o=.d) $(VIEW_MAIN_OBJS:.o=.d)

$(VIEW_LIB): $(VIEW_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/hvview: $(VIEW_MAIN_OBJS) $(VIEW_LIB) $(REPLAY_LIB) $(HVDEV_LIB) $(TRACER_LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(VIEW_MAIN_OBJS) $(VIEW_LIB) $(HVREPLAY_LIBS) $(CURSES_LIBS) $(HOST_LDFLAGS)

host: $(BIN)/hvview

# The viewer's unit tests link the model library before the engine (a more specific pattern
# than unit.mk's check_%, so make picks this rule for them).
$(BUILD)/tests/check_view%: tests/unit/check_view%.c $(wildcard tests/unit/check_*.h) $(VIEW_LIB) $(HOST_LIBS_ALL) | $(BUILD)/tests
	$(CC) $(HOST_CFLAGS) -Iviewer-tui $(CHECK_CFLAGS) -o $@ $< $(VIEW_LIB) $(UNIT_LIBS) $(HOST_LDFLAGS)

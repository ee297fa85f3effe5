# libhvdev - the device models (UART, PIT, PIC, bus) built for the host. They are plain C with no
# reach into the hypervisor (time and the console sink are passed in), so the same files serve
# the hypervisor (hv.mk, freestanding) and, from here, the unit tests (tests/unit/check_uart.c,
# check_pit.c, check_pic.c, check_bus.c) and replay, which rebuilds a VM's console with the UART.

HVDEV_LIB := $(BUILD)/lib/libhvdev.a
HVDEV_OBJDIR := $(BUILD)/obj/hvdev
HVDEV_SRCS := hv/uart.c hv/pit.c hv/pic.c hv/bus.c
HVDEV_OBJS := $(patsubst hv/%.c,$(HVDEV_OBJDIR)/%.o,$(HVDEV_SRCS))
HOST_LIBS_ALL += $(HVDEV_LIB)

$(HVDEV_OBJDIR)/%.o: hv/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Ihv -MMD -MP -c -o $@ $<

-include $(HVDEV_OBJS:.o=.d)

# the replay fuzzer (tracer/tracer.mk) compiles these sources itself
$(FUZZ_DIR)/fuzz_replay: $(HVDEV_SRCS) $(wildcard hv/*.h)

$(HVDEV_LIB): $(HVDEV_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

host: $(HVDEV_LIB)

# warren-pause: a sandbox's infra process, built without libc where we can (its memory per
# sandbox is a reported figure).
STATIC_PROGRAMS += warren-pause
ifneq ($(filter x86_64 aarch64,$(shell uname -m)),)
STATIC_CFLAGS_warren-pause := -DWARREN_NOLIBC -nostdlib -nostartfiles -ffreestanding \
	-fno-stack-protector -fno-asynchronous-unwind-tables -Wl,--build-id=none -s
endif

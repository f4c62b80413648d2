# warren-monitor runs once per container, so its memory is what a container costs: linked
# statically against musl where musl-gcc is here (see MUSL_PROGRAMS in the Makefile). These are
# all the sources it needs; it must stay free of the libraries the other programs link.
MUSL_PROGRAMS += warren-monitor
MUSL_SRCS_warren-monitor := $(wildcard src/cmd/warren-monitor/*.c) $(wildcard src/core/monitor*.c) \
	src/basic/error.c src/basic/fs-util.c src/basic/log.c src/basic/parse-util.c \
	src/basic/strv.c src/basic/xalloc.c

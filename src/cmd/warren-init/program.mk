# warren-init is bound into containers' root filesystems: static, libc only.
STATIC_PROGRAMS += warren-init

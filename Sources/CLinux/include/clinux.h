// Thin C helpers for Linux calls Swift cannot make directly (variadic ioctl, macros).
// Each wraps exactly one system call; errors come back as -errno, never through errno itself.
#ifndef HEALTHGATE_CLINUX_H
#define HEALTHGATE_CLINUX_H

#include <stdint.h>

/// ioctl(fd, request, arg) with EINTR retried. Returns the ioctl's result or -errno.
int hg_ioctl(int fd, unsigned long request, void *arg);

/// The kernel's view of the system clock (adjtimex(2) with modes 0).
/// Returns 1 when synchronised (STA_UNSYNC clear and the state is not TIME_ERROR),
/// 0 when not, -errno when the call failed.
int hg_clock_synchronised(void);

#endif

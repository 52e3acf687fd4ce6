#include "clinux.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <sys/timex.h>

int hg_ioctl(int fd, unsigned long request, void *arg) {
    int r;
    do {
        r = ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

int hg_clock_synchronised(void) {
    struct timex tx = {0};
    int state = adjtimex(&tx);
    if (state < 0) return -errno;
    if (state == TIME_ERROR) return 0;
    return (tx.status & STA_UNSYNC) ? 0 : 1;
}

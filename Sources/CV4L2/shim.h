#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>

// Swift cannot call the variadic v4l2_open/v4l2_ioctl, nor import the VIDIOC_* macros (they expand
// to _IOWR(...)). These inline wrappers and constants are all the camera driver needs.

/// v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC). Returns the fd or -errno.
static inline int hg_v4l2_open(const char *path) {
    int fd = v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/// v4l2_ioctl(fd, request, arg) with EINTR retried. Returns the result or -errno.
static inline int hg_v4l2_ioctl(int fd, unsigned long request, void *arg) {
    int r;
    do {
        r = v4l2_ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

static const unsigned long HG_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long HG_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long HG_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long HG_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long HG_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long HG_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long HG_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long HG_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long HG_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long HG_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

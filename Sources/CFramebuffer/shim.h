// The framebuffer ioctls and structures (FBIOGET_VSCREENINFO, fb_var_screeninfo…); the calls go through CLinux.
#include <linux/fb.h>

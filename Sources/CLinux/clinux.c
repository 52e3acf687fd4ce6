#define _GNU_SOURCE
#include "clinux.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timex.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>

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

// I2C_SLAVE takes the address as the ioctl's integer argument, not a pointer.
int hg_i2c_set_slave(int fd, uint16_t address) {
    return hg_ioctl(fd, I2C_SLAVE, (void *)(unsigned long)address);
}

int hg_i2c_functionality(int fd, unsigned long *funcs) {
    return hg_ioctl(fd, I2C_FUNCS, funcs);
}

int hg_i2c_smbus_read_word(int fd, uint8_t command) {
    union i2c_smbus_data data;
    struct i2c_smbus_ioctl_data args = {
        .read_write = I2C_SMBUS_READ, .command = command, .size = I2C_SMBUS_WORD_DATA, .data = &data};
    int r = hg_ioctl(fd, I2C_SMBUS, &args);
    return r < 0 ? r : (int)(data.word & 0xFFFF);
}

int hg_i2c_smbus_read_i2c_block(int fd, uint8_t command, uint8_t *out, uint8_t length) {
    if (length == 0 || length > I2C_SMBUS_BLOCK_MAX) return -EINVAL;
    union i2c_smbus_data data;
    data.block[0] = length;  // i2c-dev reads the wanted length from here
    struct i2c_smbus_ioctl_data args = {
        .read_write = I2C_SMBUS_READ, .command = command, .size = I2C_SMBUS_I2C_BLOCK_DATA, .data = &data};
    int r = hg_ioctl(fd, I2C_SMBUS, &args);
    if (r < 0) return r;
    uint8_t got = data.block[0] < length ? data.block[0] : length;
    memcpy(out, &data.block[1], got);
    return got;
}

const unsigned long hg_i2c_func_smbus_read_word_data = I2C_FUNC_SMBUS_READ_WORD_DATA;
const unsigned long hg_i2c_func_smbus_read_i2c_block = I2C_FUNC_SMBUS_READ_I2C_BLOCK;

int hg_open_pty(char *name, size_t name_length) {
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -errno;
    if (grantpt(fd) != 0 || unlockpt(fd) != 0 || ptsname_r(fd, name, name_length) != 0) {
        int saved = errno;
        close(fd);
        return -saved;
    }
    return fd;
}

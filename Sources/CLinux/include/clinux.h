// Thin C helpers for Linux calls Swift cannot make directly (variadic ioctl, macros).
// Each wraps exactly one system call; errors come back as -errno, never through errno itself.
#ifndef HEALTHGATE_CLINUX_H
#define HEALTHGATE_CLINUX_H

#include <stddef.h>
#include <stdint.h>

/// ioctl(fd, request, arg) with EINTR retried. Returns the ioctl's result or -errno.
int hg_ioctl(int fd, unsigned long request, void *arg);

/// The kernel's view of the system clock (adjtimex(2) with modes 0).
/// Returns 1 when synchronised (STA_UNSYNC clear and the state is not TIME_ERROR),
/// 0 when not, -errno when the call failed.
int hg_clock_synchronised(void);

// MARK: i2c-dev (linux/i2c-dev.h, linux/i2c.h)

/// ioctl(fd, I2C_SLAVE, address): later transfers on fd go to this 7-bit address. 0 or -errno.
int hg_i2c_set_slave(int fd, uint16_t address);

/// ioctl(fd, I2C_FUNCS, &funcs): the adapter's I2C_FUNC_* bits. 0 or -errno.
int hg_i2c_functionality(int fd, unsigned long *funcs);

/// SMBus "read word data" through ioctl(fd, I2C_SMBUS, …): the word (0…0xFFFF) or -errno.
int hg_i2c_smbus_read_word(int fd, uint8_t command);

/// SMBus "I2C block read" through ioctl(fd, I2C_SMBUS, …) with I2C_SMBUS_I2C_BLOCK_DATA:
/// write `command`, repeated start, read `length` (1…32) bytes into `out`.
/// Returns the number of bytes read or -errno.
int hg_i2c_smbus_read_i2c_block(int fd, uint8_t command, uint8_t *out, uint8_t length);

/// I2C_FUNC_SMBUS_READ_WORD_DATA and I2C_FUNC_SMBUS_READ_I2C_BLOCK from linux/i2c.h.
extern const unsigned long hg_i2c_func_smbus_read_word_data;
extern const unsigned long hg_i2c_func_smbus_read_i2c_block;


/// posix_openpt + grantpt + unlockpt + ptsname_r: a new pseudo-terminal pair (the simulated ID-card reader's
/// line). Returns the master descriptor and writes the slave's path into `name`, or -errno.
int hg_open_pty(char *name, size_t name_length);

#endif

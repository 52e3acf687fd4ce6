#ifndef BENCHALLOC_H
#define BENCHALLOC_H
#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc, memalign family) made by this process so far.
/// Linked only into healthgate-bench, whose executable interposes the allocator to count them.
uint64_t benchalloc_count(void);

#endif

// Giving the free pages of glibc's heap back to the kernel.
#pragma once

#include <malloc.h>

namespace sluice {

// malloc_trim(0). Under AddressSanitizer glibc's heap is not the allocator, and
// its malloc_trim (which ASan does not intercept) would first set that heap up
// from whichever thread calls it; two threads doing so at once leave glibc's
// arena count wrong, and a thread's exit then aborts the process.
inline void TrimHeap() {
#if !defined(__SANITIZE_ADDRESS__)
  malloc_trim(0);
#endif
}

}  // namespace sluice

// LD_PRELOAD shim for running a Swift server under valgrind 3.19: libdispatch's main thread
// calls sigsuspend() with a mask in read-only memory, and valgrind 3.19 edits the mask in
// place (to keep its own signals deliverable), which kills valgrind. Hand it a copy instead.
// Build: cc -shared -fPIC -O2 -o sigsuspend-shim.so sigsuspend-shim.c
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)(_NSIG / 8));
}

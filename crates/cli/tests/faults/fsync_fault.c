/* An LD_PRELOAD shim for the fault suites (tests/faults/fsync.rs): makes
 * fsync(2) and fdatasync(2) fail with EIO, as a failing disk does, when the
 * test says so — and only as often as it says, because that is what Linux
 * does after a write-back error: the failed fsync reports EIO, the dirty pages
 * are marked clean, and the next fsync succeeds although the data may be gone
 * (PostgreSQL's "fsyncgate", 2018). A program that retries and carries on
 * would then acknowledge writes on top of a hole.
 *
 * MAKSA_FAULT_FSYNC names a file. While it does not exist, every call goes to
 * the C library. Once it exists, it holds a number N: the next N calls fail
 * (EIO), later ones succeed again. Each failure is counted in the file named
 * by MAKSA_FAULT_FSYNC with ".failed" appended (one byte per failure), so the
 * test knows the fault fired.
 *
 * Built by the test with `gcc -shared -fPIC`; no library of its own. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures_done = 0;

/* Whether this call must fail: the switch file exists and fewer than its N
 * calls have failed so far. */
static int must_fail(void) {
    const char *path = getenv("MAKSA_FAULT_FSYNC");
    if (path == NULL) return 0;
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    int wanted = 0;
    if (fscanf(file, "%d", &wanted) != 1) wanted = 0;
    fclose(file);
    int done = __atomic_fetch_add(&failures_done, 1, __ATOMIC_SEQ_CST);
    if (done >= wanted) {
        __atomic_fetch_sub(&failures_done, 1, __ATOMIC_SEQ_CST);
        return 0;
    }
    char mark[4096];
    snprintf(mark, sizeof mark, "%s.failed", path);
    int fd = open(mark, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        ssize_t ignored = write(fd, "x", 1);
        (void)ignored;
        close(fd);
    }
    return 1;
}

int fsync(int fd) {
    static int (*real)(int) = NULL;
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (must_fail()) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int) = NULL;
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    if (must_fail()) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/vfs.h>
#endif

#include "CFileSync.h"

int segpipe_start_writeback(int descriptor, int64_t offset, int64_t count) {
#if defined(__linux__)
    return sync_file_range(descriptor, (off64_t)offset, (off64_t)count, SYNC_FILE_RANGE_WRITE);
#else
    (void)descriptor;
    (void)offset;
    (void)count;
    return 0;
#endif
}

int segpipe_preallocate(int descriptor, int64_t offset, int64_t count) {
#if defined(__linux__)
    return fallocate(descriptor, 0, (off64_t)offset, (off64_t)count);
#else
    (void)descriptor;
    (void)offset;
    (void)count;
    errno = EOPNOTSUPP;
    return -1;
#endif
}

int segpipe_overwrites_in_place(int descriptor) {
#if defined(__linux__)
    struct statfs info;
    if (fstatfs(descriptor, &info) != 0) return 0;
    switch ((unsigned long)info.f_type) {
    case 0xEF53UL:     /* ext2/3/4 */
    case 0x58465342UL: /* XFS */
    case 0x01021994UL: /* tmpfs */
        return 1;
    default:
        return 0;
    }
#else
    (void)descriptor;
    return 0;
#endif
}

struct copy_part {
    void *destination;
    const void *source;
    size_t count;
};

static void *copy_part_run(void *argument) {
    struct copy_part *part = argument;
    memcpy(part->destination, part->source, part->count);
    return NULL;
}

void segpipe_copy_in_halves(void *destination, const void *source, size_t count, size_t minimum_parallel) {
    if (count < minimum_parallel || count < 2) {
        memcpy(destination, source, count);
        return;
    }
    /* The split falls on a page boundary of the destination, so the two threads never fault on the same page. */
    long page_size = sysconf(_SC_PAGESIZE);
    uintptr_t page = page_size > 0 ? (uintptr_t)page_size : 4096;
    uintptr_t start = (uintptr_t)destination;
    size_t first = (size_t)(((start + count / 2 + page - 1) & ~(page - 1)) - start);
    if (first >= count) {
        memcpy(destination, source, count);
        return;
    }
    struct copy_part second = {(char *)destination + first, (const char *)source + first, count - first};
    pthread_t thread;
    if (pthread_create(&thread, NULL, copy_part_run, &second) != 0) {
        memcpy(destination, source, count);
        return;
    }
    memcpy(destination, source, first);
    pthread_join(thread, NULL);
}

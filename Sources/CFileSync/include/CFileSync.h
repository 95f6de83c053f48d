#ifndef SEGPIPE_CFILESYNC_H
#define SEGPIPE_CFILESYNC_H

#include <stddef.h>
#include <stdint.h>

/// Starts writing back the dirty pages of `count` bytes at `offset` of the open file `descriptor`, without waiting
/// for them (Linux `sync_file_range` with `SYNC_FILE_RANGE_WRITE`), so that a later fsync has little left to do.
/// Returns 0, or -1 with errno set; on systems without it, does nothing and returns 0.
int segpipe_start_writeback(int descriptor, int64_t offset, int64_t count);

/// Reserves disk blocks for `count` bytes at `offset` of the open file `descriptor` and extends the file to cover
/// them if it is shorter (Linux `fallocate` with mode 0): on file systems that overwrite in place (ext4, XFS, tmpfs)
/// later writes into that range, through a mapping too, cannot fail for lack of space. Returns 0, or -1 with errno
/// set (EOPNOTSUPP where the file system or the system has no such call).
int segpipe_preallocate(int descriptor, int64_t offset, int64_t count);

/// Whether the file system of the open file `descriptor` overwrites file blocks in place (ext4, XFS, tmpfs), so that
/// writing through a mapping of preallocated blocks cannot fail for lack of space; 0 for any other (copy-on-write
/// file systems such as btrfs or ZFS, network file systems) or when it cannot be told.
int segpipe_overwrites_in_place(int descriptor);

/// Copies `count` bytes from `source` to `destination` (which must not overlap), the second half on a thread of
/// its own when `count` is at least `minimum_parallel` and the thread can be started, so that the page faults of a
/// fresh file mapping are taken on two cores. Returns when all bytes are copied.
void segpipe_copy_in_halves(void *destination, const void *source, size_t count, size_t minimum_parallel);

#endif

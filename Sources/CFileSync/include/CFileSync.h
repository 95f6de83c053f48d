#ifndef SEGPIPE_CFILESYNC_H
#define SEGPIPE_CFILESYNC_H

#include <stdint.h>

/// Starts writing back the dirty pages of `count` bytes at `offset` of the open file `descriptor`, without waiting
/// for them (Linux `sync_file_range` with `SYNC_FILE_RANGE_WRITE`), so that a later fsync has little left to do.
/// Returns 0, or -1 with errno set; on systems without it, does nothing and returns 0.
int segpipe_start_writeback(int descriptor, int64_t offset, int64_t count);

#endif

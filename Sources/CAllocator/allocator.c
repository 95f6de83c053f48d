// CAllocator is header-only (a static inline function Swift inlines); this file gives the target its one source.
#include "CAllocator.h"

#ifndef SEGPIPE_CLIBPQ_SHIM_H
#define SEGPIPE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif

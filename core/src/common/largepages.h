#pragma once
// Moving the weights a decoder step streams into 2 MB pages, in the
// background (alignscope/allocator.h's backStreamedWeightsWithLargePages).
// One step reads every decoder weight once; from 4 KB pages the processor's
// prefetchers stop at every page and each page costs a TLB entry, so the
// same bytes stream 10–50% slower than from 2 MB pages.

#include <cstddef>
#include <vector>

namespace alignscope::largepages {

struct Span {
    const void *data = nullptr;
    std::size_t bytes = 0;
};

/// Whether the program asked for it (backStreamedWeightsWithLargePages).
bool enabled();

/// Queues the 2 MB blocks the spans touch for the background mover when
/// enabled (else nothing): each block is marked for large pages and, where
/// the kernel can (Linux 6.1's MADV_COLLAPSE), its pages are gathered into
/// one. Contents never change, whoever owns the memory by then (a model
/// closed meanwhile, its memory reused): moving pages is invisible to
/// programs, so a span need not outlive the call.
void advise(const std::vector<Span> &spans);

/// Blocks until every span queued so far has been handled.
void wait();

} // namespace alignscope::largepages
